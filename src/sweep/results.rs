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
use crate::report::Summary;

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

/// Lists the columns of a grid's results: `run_id`, each varied path, `policy`, the summary
/// metrics, then the per-plane metrics of `plane_names` in scenario order.
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
        RunRow { run_id, values }
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
