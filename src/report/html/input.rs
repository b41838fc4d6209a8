//! Reads sweep output folders (one whole sweep, or the shards of one) through
//! [`crate::sweep::merge_shards`] and turns the rows into the report's [`Sweep`].

use std::path::{Path, PathBuf};

use super::model::{AccessTotals, Metrics, PlaneInfo, Run, Sweep, Value};
use crate::model::PlaneKind;
use crate::report::SIZE_CLASSES;
use crate::scenario::Scenario;
use crate::sweep::output::MANIFEST;
use crate::sweep::results::{ACCESS_MODES, access_column, fnv1a64};
use crate::sweep::{MergeError, ParamValue, SweepManifest, SweepResults, merge_shards};

/// Sweep output that the report cannot use.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("no sweep folder given; pass the folder that `burstplane sweep -o DIR` wrote")]
    NoFolders,
    #[error(
        "sweep folder {} not found; expected a folder written by `burstplane sweep -o DIR`",
        path.display()
    )]
    NotFound { path: PathBuf },
    #[error(
        "{} is not a sweep output folder: it has no {MANIFEST}; expected a folder written by \
         `burstplane sweep -o DIR` (a sweep writes {MANIFEST} last, so an unfinished one has \
         none)",
        path.display()
    )]
    NotASweep { path: PathBuf },
    #[error(transparent)]
    Merge(#[from] MergeError),
    #[error(
        "{}: the results have no `{column}` column; expected the columns `burstplane sweep` \
         writes, so rerun the sweep with this burstplane",
        path.display()
    )]
    MissingColumn { path: PathBuf, column: String },
    #[error("{}: the sweep has no runs", path.display())]
    NoRuns { path: PathBuf },
}

/// Reads the sweep folders `dirs` and merges them when there are several.
///
/// # Errors
/// [`InputError::NotFound`] or [`InputError::NotASweep`] for a folder that is missing or has
/// no `sweep.json`, [`InputError::Merge`] for unreadable results or shards of different grids,
/// and [`InputError::MissingColumn`] for results that lack a metric the report draws.
pub fn load_sweep(dirs: &[PathBuf]) -> Result<Sweep, InputError> {
    if dirs.is_empty() {
        return Err(InputError::NoFolders);
    }
    for dir in dirs {
        if !dir.is_dir() {
            return Err(InputError::NotFound { path: dir.clone() });
        }
        if !dir.join(MANIFEST).is_file() {
            return Err(InputError::NotASweep { path: dir.clone() });
        }
    }
    let results = merge_shards(dirs)?;
    convert(dirs, &results)
}

/// The columns of each run that the report reads, by position in the results row.
struct ColumnIndices {
    policy: usize,
    parameters: Vec<usize>,
    jct_p90_s: usize,
    cost_usd_total: usize,
    cost_usd_onprem_compute: usize,
    cost_usd_cloud_compute: usize,
    cost_usd_egress: usize,
    cost_usd_storage: usize,
    burst_fraction: usize,
    transfer_gb_total: usize,
    makespan_s: usize,
    completed: Option<usize>,
    /// Per dataset size class and access mode, the `jobs`, `jct_mean_s` and `cost_usd`
    /// columns; empty when the results have no access columns.
    access: Vec<[[usize; 3]; 2]>,
}

/// The access metrics the report reads, in the order of [`ColumnIndices::access`].
const ACCESS_READ: [&str; 3] = ["jobs", "jct_mean_s", "cost_usd"];

fn convert(dirs: &[PathBuf], results: &SweepResults) -> Result<Sweep, InputError> {
    let manifest = &results.manifest;
    let results_path = if dirs.len() == 1 {
        dirs[0].join(crate::sweep::output::RESULTS_CSV)
    } else {
        dirs[0].clone()
    };
    if results.rows.is_empty() {
        return Err(InputError::NoRuns { path: results_path });
    }
    let find = |name: &str| {
        manifest
            .columns
            .iter()
            .position(|column| column.name == name)
    };
    let require = |name: &str| {
        find(name).ok_or_else(|| InputError::MissingColumn {
            path: results_path.clone(),
            column: name.to_string(),
        })
    };
    let parameters: Vec<String> = manifest.vary.iter().map(|vary| vary.path.clone()).collect();
    // A sweep by an older burstplane has no access columns, and the report then states that.
    // Results that have some of them must have all that the report reads.
    let has_access = manifest
        .columns
        .iter()
        .any(|column| column.name.starts_with("access."));
    let mut access = Vec::new();
    let mut access_classes = Vec::new();
    if has_access {
        for (class, _) in SIZE_CLASSES {
            let mut modes = [[0; 3]; 2];
            for (mode, indices) in ACCESS_MODES.iter().zip(&mut modes) {
                for (metric, index) in ACCESS_READ.iter().zip(indices.iter_mut()) {
                    *index = require(&access_column(class, *mode, metric))?;
                }
            }
            access.push(modes);
            access_classes.push(class.to_string());
        }
    }
    let columns = ColumnIndices {
        policy: require("policy")?,
        parameters: parameters
            .iter()
            .map(|path| require(path))
            .collect::<Result<_, _>>()?,
        jct_p90_s: require("jct_p90_s")?,
        cost_usd_total: require("cost_usd_total")?,
        cost_usd_onprem_compute: require("cost_usd_onprem_compute")?,
        cost_usd_cloud_compute: require("cost_usd_cloud_compute")?,
        cost_usd_egress: require("cost_usd_egress")?,
        cost_usd_storage: require("cost_usd_storage")?,
        burst_fraction: require("burst_fraction")?,
        transfer_gb_total: require("transfer_gb_total")?,
        makespan_s: require("makespan_s")?,
        completed: find("completed"),
        access,
    };
    let runs = results
        .rows
        .iter()
        .zip(&results.series_files)
        .map(|(row, series)| read_run(row.run_id, &row.values, &columns, series.clone()))
        .collect();
    let (scenario, planes, planes_note) = planes_of(manifest);
    Ok(Sweep {
        sources: dirs.to_vec(),
        scenario,
        scenario_file: manifest.scenario.clone(),
        trace_file: manifest.trace.clone(),
        parameters,
        policies: manifest.policies.clone(),
        runs,
        planes,
        access_classes,
        planes_note,
    })
}

fn read_run(
    id: usize,
    values: &[ParamValue],
    columns: &ColumnIndices,
    series: Option<PathBuf>,
) -> Run {
    let number = |index: usize| match &values[index] {
        ParamValue::Integer(value) => *value as f64,
        ParamValue::Float(value) => *value,
        ParamValue::Boolean(_) | ParamValue::Text(_) => f64::NAN,
    };
    let count = |index: usize| match values[index] {
        ParamValue::Integer(count) => u64::try_from(count).ok(),
        _ => None,
    };
    let policy = values[columns.policy].to_string();
    let parameter_values = columns
        .parameters
        .iter()
        .map(|&index| match &values[index] {
            ParamValue::Integer(value) => Value::Number(*value as f64),
            ParamValue::Float(value) => Value::Number(*value),
            other => Value::Text(other.to_string()),
        })
        .collect();
    Run {
        id,
        policy,
        values: parameter_values,
        metrics: Metrics {
            jct_p90_s: number(columns.jct_p90_s),
            cost_usd_total: number(columns.cost_usd_total),
            cost_usd_onprem_compute: number(columns.cost_usd_onprem_compute),
            cost_usd_cloud_compute: number(columns.cost_usd_cloud_compute),
            cost_usd_egress: number(columns.cost_usd_egress),
            cost_usd_storage: number(columns.cost_usd_storage),
            burst_fraction: number(columns.burst_fraction),
            transfer_gb_total: number(columns.transfer_gb_total),
            makespan_s: number(columns.makespan_s),
            completed: columns.completed.and_then(count),
        },
        access: columns
            .access
            .iter()
            .map(|modes| {
                modes.map(|[jobs, jct_mean_s, cost_usd]| AccessTotals {
                    jobs: count(jobs).unwrap_or(0),
                    jct_mean_s: number(jct_mean_s),
                    cost_usd: number(cost_usd),
                })
            })
            .collect(),
        series,
    }
}

/// Returns the base scenario's name, its planes and the reason the planes are unknown (empty
/// when they are known). A `sweep.json` records them; one written by an older burstplane does
/// not, and then they come from the scenario file it names.
fn planes_of(manifest: &SweepManifest) -> (Option<String>, Vec<PlaneInfo>, String) {
    if manifest.planes.is_empty() {
        return read_planes(&manifest.scenario, &manifest.scenario_fnv1a64);
    }
    let planes = manifest
        .planes
        .iter()
        .map(|plane| PlaneInfo {
            onprem: plane.kind == PlaneKind::Onprem,
            gpus_per_node: plane.gpus_per_node,
        })
        .collect();
    (manifest.scenario_name.clone(), planes, String::new())
}

/// Reads the base scenario that `sweep.json` names, for its name and its planes' kinds and GPUs
/// per node. The file is used only when its bytes still hash to the recorded FNV-1a value, so
/// an edited scenario never mislabels the sizes. Returns the name, the planes and a note that
/// states what was not found.
fn read_planes(scenario: &str, recorded_hash: &str) -> (Option<String>, Vec<PlaneInfo>, String) {
    let path = Path::new(scenario);
    let unknown = |why: String| {
        (
            None,
            Vec::new(),
            format!(
                "GPUs per on-prem node are unknown, so sizes are in nodes: the sweep.json was \
                 written by an older burstplane, which did not record them, and {why}. Run the \
                 report from the folder the sweep ran in, or rerun the sweep with this \
                 burstplane."
            ),
        )
    };
    let Ok(bytes) = std::fs::read(path) else {
        return unknown(format!(
            "the sweep's scenario file {scenario} was not found"
        ));
    };
    if fnv1a64(&bytes) != recorded_hash {
        return unknown(format!(
            "the scenario file {scenario} has changed since the sweep ran"
        ));
    }
    let text = String::from_utf8_lossy(&bytes);
    match Scenario::parse(&text, path) {
        Ok(scenario) => {
            let planes = scenario
                .platform
                .planes
                .iter()
                .map(|plane| PlaneInfo {
                    onprem: plane.kind == PlaneKind::Onprem,
                    gpus_per_node: plane.gpus_per_node,
                })
                .collect();
            (Some(scenario.name), planes, String::new())
        }
        Err(error) => unknown(format!("the scenario file {scenario} is invalid ({error})")),
    }
}
