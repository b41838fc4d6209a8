//! The results of a sweep: `sweep.json`, which describes the grid and the columns, and one row
//! per run, written as `results.csv` and `results.json` and read back from `results.csv`.
//!
//! Numbers are written in Rust's shortest round-trip form, so reading a CSV cell back gives
//! the same `f64` and writing it again gives the same bytes. That is what makes merged shards
//! byte-identical to an unsharded sweep.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};

use super::grid::{Grid, ParamValue, Shard, ValueKind};
use crate::model::{Access, PlaneKind};
use crate::report::{AccessGroup, SIZE_CLASSES, Summary};

/// Value of `format` in `sweep.json`; a reader rejects other values.
pub const FORMAT: &str = "burstplane-sweep/1";

/// One column of the results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ValueKind,
}

/// One `--vary` as `sweep.json` records it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VaryRecord {
    pub path: String,
    /// `VALUES` as given on the command line.
    pub spec: String,
    pub values: Vec<ParamValue>,
}

/// One plane of the base scenario as `sweep.json` records it, so that readers need not find
/// the scenario file again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaneRecord {
    pub name: String,
    pub kind: PlaneKind,
    pub gpus_per_node: u32,
}

/// The contents of `sweep.json`: what was swept, and the columns of the results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepManifest {
    pub format: String,
    /// Version of the burstplane that ran the sweep; shards of different versions may differ.
    pub burstplane_version: String,
    /// Scenario file as passed to `--scenario`.
    pub scenario: String,
    /// FNV-1a 64-bit hash of the scenario file's bytes, in hex.
    pub scenario_fnv1a64: String,
    /// The base scenario's `name`; `None` in a `sweep.json` written before it was recorded.
    #[serde(default)]
    pub scenario_name: Option<String>,
    /// The base scenario's planes in scenario order, before any `--vary` edits them; empty in
    /// a `sweep.json` written before they were recorded.
    #[serde(default)]
    pub planes: Vec<PlaneRecord>,
    pub trace: String,
    /// FNV-1a 64-bit hash of the trace file's bytes, in hex.
    pub trace_fnv1a64: String,
    /// The scenario's `seed`, used by every run unless `seed` is varied.
    pub seed: u64,
    pub vary: Vec<VaryRecord>,
    pub policies: Vec<String>,
    /// Runs in the whole grid, every shard included.
    pub runs: usize,
    /// Interval of the time series in `series/`; `None` when none were written.
    pub series_interval_s: Option<f64>,
    /// The shard these results hold; `None` for the whole grid.
    pub shard: Option<Shard>,
    pub columns: Vec<Column>,
}

/// One run's row: a value per column of [`SweepManifest::columns`], starting with its run id.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    pub run_id: usize,
    pub values: Vec<ParamValue>,
}

/// The rows of a sweep, or of merged shards, with their description.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepResults {
    pub manifest: SweepManifest,
    /// Sorted by run id.
    pub rows: Vec<RunRow>,
    /// For each row, its time series CSV when the sweep wrote series.
    pub series_files: Vec<Option<PathBuf>>,
}

/// A summary metric: column name, type and how to read it from a [`Summary`].
type Metric = (&'static str, ValueKind, fn(&Summary) -> ParamValue);

fn count(value: u64) -> ParamValue {
    ParamValue::Integer(i64::try_from(value).unwrap_or(i64::MAX))
}

/// Summary metrics in column order; docs/sweep.md lists their units.
const METRICS: &[Metric] = &[
    ("jobs", ValueKind::Integer, |s| count(s.jobs)),
    ("completed", ValueKind::Integer, |s| count(s.completed)),
    ("rejected_total", ValueKind::Integer, |s| {
        count(s.rejected.total)
    }),
    ("makespan_s", ValueKind::Number, |s| {
        ParamValue::Float(s.makespan_s)
    }),
    ("jct_mean_s", ValueKind::Number, |s| {
        ParamValue::Float(s.jct_s.mean)
    }),
    ("jct_p50_s", ValueKind::Number, |s| {
        ParamValue::Float(s.jct_s.p50)
    }),
    ("jct_p90_s", ValueKind::Number, |s| {
        ParamValue::Float(s.jct_s.p90)
    }),
    ("jct_p99_s", ValueKind::Number, |s| {
        ParamValue::Float(s.jct_s.p99)
    }),
    ("wait_mean_s", ValueKind::Number, |s| {
        ParamValue::Float(s.wait_s.mean)
    }),
    ("wait_p50_s", ValueKind::Number, |s| {
        ParamValue::Float(s.wait_s.p50)
    }),
    ("wait_p90_s", ValueKind::Number, |s| {
        ParamValue::Float(s.wait_s.p90)
    }),
    ("wait_p99_s", ValueKind::Number, |s| {
        ParamValue::Float(s.wait_s.p99)
    }),
    ("burst_fraction", ValueKind::Number, |s| {
        ParamValue::Float(s.burst_fraction)
    }),
    ("transfer_gb_hydration", ValueKind::Number, |s| {
        ParamValue::Float(s.transfer_gb.hydration)
    }),
    ("transfer_gb_mirror", ValueKind::Number, |s| {
        ParamValue::Float(s.transfer_gb.mirror)
    }),
    ("transfer_gb_write_back", ValueKind::Number, |s| {
        ParamValue::Float(s.transfer_gb.write_back)
    }),
    ("transfer_gb_total", ValueKind::Number, |s| {
        ParamValue::Float(s.transfer_gb.total)
    }),
    ("cost_usd_onprem_compute", ValueKind::Number, |s| {
        ParamValue::Float(s.cost_usd.onprem_compute)
    }),
    ("cost_usd_cloud_compute", ValueKind::Number, |s| {
        ParamValue::Float(s.cost_usd.cloud_compute)
    }),
    ("cost_usd_egress", ValueKind::Number, |s| {
        ParamValue::Float(s.cost_usd.egress)
    }),
    ("cost_usd_storage", ValueKind::Number, |s| {
        ParamValue::Float(s.cost_usd.storage)
    }),
    ("cost_usd_total", ValueKind::Number, |s| {
        ParamValue::Float(s.cost_usd.total)
    }),
    // Everything but on-prem compute, as in `compare`.
    ("burst_cost_usd", ValueKind::Number, |s| {
        let cost = &s.cost_usd;
        ParamValue::Float(cost.cloud_compute + cost.egress + cost.storage)
    }),
];

/// Per-plane metrics, named `plane.<name>.<metric>`, in this order for each plane.
const PLANE_METRICS: [(&str, ValueKind); 3] = [
    ("jobs", ValueKind::Integer),
    ("gpu_hours", ValueKind::Number),
    ("gpu_utilization", ValueKind::Number),
];

/// Remote access modes of the `access.<class>.<mode>.<metric>` columns, in column order.
pub const ACCESS_MODES: [Access; 2] = [Access::Flexcache, Access::Snapmirror];

/// A metric of one dataset size class and access mode: column name suffix, type and how to
/// read it from the summary's group.
type AccessMetric = (&'static str, ValueKind, fn(&AccessGroup) -> ParamValue);

/// Metrics of each dataset size class and access mode, in column order, named as the fields
/// of [`AccessGroup`]. docs/sweep.md lists their units.
pub const ACCESS_METRICS: [AccessMetric; 6] = [
    ("jobs", ValueKind::Integer, |group| count(group.jobs)),
    ("jct_mean_s", ValueKind::Number, |group| {
        ParamValue::Float(group.jct_mean_s)
    }),
    ("data_ready_mean_s", ValueKind::Number, |group| {
        ParamValue::Float(group.data_ready_mean_s)
    }),
    ("stall_mean_s", ValueKind::Number, |group| {
        ParamValue::Float(group.stall_mean_s)
    }),
    ("transfer_gb", ValueKind::Number, |group| {
        ParamValue::Float(group.transfer_gb)
    }),
    ("cost_usd", ValueKind::Number, |group| {
        ParamValue::Float(group.cost_usd)
    }),
];

/// Names the column of `metric` for the jobs of dataset size class `class` that reached their
/// data with `mode`, such as `access.under-100gb.flexcache.jct_mean_s`.
pub fn access_column(class: &str, mode: Access, metric: &str) -> String {
    format!("access.{class}.{}.{metric}", mode.as_str())
}

/// Lists the columns of a grid's results: `run_id`, each varied path, `policy`, the summary
/// metrics, the per-plane metrics of `plane_names` in scenario order, then the access metrics
/// of every dataset size class and access mode.
pub fn columns(grid: &Grid, plane_names: &[String]) -> Vec<Column> {
    let column = |name: &str, kind| Column {
        name: name.to_string(),
        kind,
    };
    let mut columns = vec![column("run_id", ValueKind::Integer)];
    for vary in &grid.varies {
        columns.push(column(&vary.path.to_string(), vary.kind()));
    }
    columns.push(column("policy", ValueKind::Text));
    for (name, kind, _) in METRICS {
        columns.push(column(name, *kind));
    }
    for plane in plane_names {
        for (metric, kind) in PLANE_METRICS {
            columns.push(column(&format!("plane.{plane}.{metric}"), kind));
        }
    }
    for (class, _) in SIZE_CLASSES {
        for mode in ACCESS_MODES {
            for (metric, kind, _) in ACCESS_METRICS {
                columns.push(column(&access_column(class, mode, metric), kind));
            }
        }
    }
    columns
}

impl RunRow {
    /// Builds the row of run `run_id` of `grid` from its summary.
    pub fn new(grid: &Grid, run_id: usize, summary: &Summary) -> RunRow {
        let cell = grid.cell(run_id);
        let mut values = vec![ParamValue::Integer(run_id as i64)];
        for (vary, &index) in grid.varies.iter().zip(&cell.value_indices) {
            values.push(vary.values[index].clone());
        }
        values.push(ParamValue::Text(cell.policy.as_str().to_string()));
        for (_, _, read) in METRICS {
            values.push(read(summary));
        }
        for plane in &summary.planes {
            values.push(count(plane.jobs));
            values.push(ParamValue::Float(plane.gpu_hours));
            values.push(ParamValue::Float(plane.gpu_utilization));
        }
        push_access_values(&mut values, summary);
        RunRow { run_id, values }
    }
}

/// Appends the values of the access columns, in [`columns`] order. The summary leaves out
/// empty groups, and their columns get 0, so every row has the same columns.
fn push_access_values(values: &mut Vec<ParamValue>, summary: &Summary) {
    for (class, _) in SIZE_CLASSES {
        for mode in ACCESS_MODES {
            let group = summary
                .remote_access
                .iter()
                .find(|group| group.size_class == class && group.access == mode);
            for (_, kind, read) in ACCESS_METRICS {
                values.push(match group {
                    Some(group) => read(group),
                    None if kind == ValueKind::Integer => ParamValue::Integer(0),
                    None => ParamValue::Float(0.0),
                });
            }
        }
    }
}

/// A row serialized as one JSON object whose keys follow the column order.
struct JsonRow<'a> {
    columns: &'a [Column],
    row: &'a RunRow,
}

impl Serialize for JsonRow<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.columns.len()))?;
        for (column, value) in self.columns.iter().zip(&self.row.values) {
            match value {
                // JSON has no NaN or infinity.
                ParamValue::Float(number) if !number.is_finite() => {
                    map.serialize_entry(&column.name, &None::<f64>)?
                }
                value => map.serialize_entry(&column.name, value)?,
            }
        }
        map.end()
    }
}

struct JsonRows<'a>(&'a SweepResults);

impl Serialize for JsonRows<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let columns = &self.0.manifest.columns;
        let mut seq = serializer.serialize_seq(Some(self.0.rows.len()))?;
        for row in &self.0.rows {
            seq.serialize_element(&JsonRow { columns, row })?;
        }
        seq.end()
    }
}

impl SweepResults {
    /// Renders the rows as CSV with a header line.
    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let header = self.manifest.columns.iter().map(|column| &column.name);
        // A CSV writer into a `Vec` does no I/O that can fail.
        writer.write_record(header).expect("CSV to memory");
        for row in &self.rows {
            let cells = row.values.iter().map(ToString::to_string);
            writer.write_record(cells).expect("CSV to memory");
        }
        let bytes = writer.into_inner().expect("CSV to memory");
        String::from_utf8(bytes).expect("the cells are UTF-8")
    }

    /// Renders the rows as a pretty-printed JSON array of objects, keys in column order, with
    /// a trailing newline. Non-finite numbers become `null`.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(&JsonRows(self)).expect("rows serialize");
        text.push('\n');
        text
    }
}

impl SweepManifest {
    /// Renders `sweep.json`, pretty-printed with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("the manifest serializes");
        text.push('\n');
        text
    }
}

/// Parses one CSV cell of a column of type `kind`.
pub(super) fn parse_cell(kind: ValueKind, text: &str) -> Option<ParamValue> {
    Some(match kind {
        ValueKind::Integer => ParamValue::Integer(text.parse().ok()?),
        ValueKind::Number => ParamValue::Float(text.parse().ok()?),
        ValueKind::Boolean => ParamValue::Boolean(text.parse().ok()?),
        ValueKind::Text => ParamValue::Text(text.to_string()),
    })
}

/// FNV-1a, 64 bits: a fingerprint that shows whether shards read the same input files. It
/// is not a cryptographic hash.
pub fn fnv1a64(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut text = String::with_capacity(16);
    let _ = write!(text, "{hash:016x}");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_known_values() {
        // Reference values of the FNV-1a 64-bit test suite.
        assert_eq!(fnv1a64(b""), "cbf29ce484222325");
        assert_eq!(fnv1a64(b"a"), "af63dc4c8601ec8c");
        assert_eq!(fnv1a64(b"foobar"), "85944171f73967e8");
    }

    /// Builds the summary of a run with no job but the given remote-access groups.
    fn summary(remote_access: Vec<AccessGroup>) -> Summary {
        Summary {
            scenario: "s".into(),
            policy: "no-wait".into(),
            seed: 1,
            jobs: 0,
            completed: 0,
            rejected: Default::default(),
            makespan_s: 0.0,
            jct_s: Default::default(),
            wait_s: Default::default(),
            burst_fraction: 0.0,
            planes: Vec::new(),
            transfer_gb: Default::default(),
            cost_usd: Default::default(),
            remote_access,
        }
    }

    #[test]
    fn access_columns_cover_every_group() {
        let grid = Grid::new(Vec::new(), vec![crate::policy::PolicyName::NoWait]).unwrap();
        let columns = columns(&grid, &[]);
        let group = AccessGroup {
            size_class: "1tb-10tb",
            access: Access::Snapmirror,
            jobs: 3,
            jct_mean_s: 120.5,
            data_ready_mean_s: 60.25,
            stall_mean_s: 0.0,
            transfer_gb: 4000.0,
            cost_usd: 12.5,
        };
        let row = RunRow::new(&grid, 0, &summary(vec![group]));
        assert_eq!(row.values.len(), columns.len());

        // run_id, policy, the summary metrics, then 4 classes x 2 modes x 6 metrics = 48.
        let access: Vec<(&Column, &ParamValue)> = columns
            .iter()
            .zip(&row.values)
            .filter(|(column, _)| column.name.starts_with("access."))
            .collect();
        assert_eq!(access.len(), 48);
        assert_eq!(columns.len(), 2 + METRICS.len() + 48);
        assert_eq!(access[0].0.name, "access.under-100gb.flexcache.jobs");
        assert_eq!(access[47].0.name, "access.10tb-and-up.snapmirror.cost_usd");

        // 1tb-10tb is class 2 and snapmirror mode 1, so its columns start at (2 x 2 + 1) x 6
        // = 30.
        let expected = [
            ("access.1tb-10tb.snapmirror.jobs", ParamValue::Integer(3)),
            (
                "access.1tb-10tb.snapmirror.jct_mean_s",
                ParamValue::Float(120.5),
            ),
            (
                "access.1tb-10tb.snapmirror.data_ready_mean_s",
                ParamValue::Float(60.25),
            ),
            (
                "access.1tb-10tb.snapmirror.stall_mean_s",
                ParamValue::Float(0.0),
            ),
            (
                "access.1tb-10tb.snapmirror.transfer_gb",
                ParamValue::Float(4000.0),
            ),
            (
                "access.1tb-10tb.snapmirror.cost_usd",
                ParamValue::Float(12.5),
            ),
        ];
        for (offset, (name, value)) in expected.iter().enumerate() {
            assert_eq!(access[30 + offset].0.name, *name);
            assert_eq!(access[30 + offset].1, value, "{name}");
        }
        // Every other group is empty: 0 of the column's type.
        for (index, (column, value)) in access.iter().enumerate() {
            if (30..36).contains(&index) {
                continue;
            }
            let zero = match column.kind {
                ValueKind::Integer => ParamValue::Integer(0),
                _ => ParamValue::Float(0.0),
            };
            assert_eq!(**value, zero, "{}", column.name);
        }
    }

    #[test]
    fn cells_round_trip_through_text() {
        let values = [
            ParamValue::Float(0.1 + 0.2),
            ParamValue::Float(1e-7),
            ParamValue::Float(123_456_789.123_456_79),
            ParamValue::Float(3.0),
            ParamValue::Float(f64::NAN),
            ParamValue::Integer(-5),
            ParamValue::Boolean(true),
            ParamValue::Text("a,b \"c\"".into()),
        ];
        for value in values {
            let kind = match value {
                ParamValue::Integer(_) => ValueKind::Integer,
                ParamValue::Float(_) => ValueKind::Number,
                ParamValue::Boolean(_) => ValueKind::Boolean,
                ParamValue::Text(_) => ValueKind::Text,
            };
            let text = value.to_string();
            let back = parse_cell(kind, &text).unwrap();
            assert_eq!(back.to_string(), text, "{value:?}");
        }
    }
}
