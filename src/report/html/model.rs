//! The sweep results as the report reads them: one [`Run`] per row of results.json, with the
//! varied parameter values in grid order and the summary metrics the charts use.

use std::fmt;
use std::path::PathBuf;

use crate::units::{HOURS_PER_MONTH, SECONDS_PER_HOUR};

/// One varied parameter's value in one run.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Number(f64),
    Text(String),
}

impl Value {
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(number) => Some(*number),
            Value::Text(_) => None,
        }
    }
}

/// Writes numbers in Rust's shortest round-trip form, as the sweep writes its results cells.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(number) => write!(f, "{number}"),
            Value::Text(text) => f.write_str(text),
        }
    }
}

/// The summary metrics of one run that the report uses. Costs are USD over the whole replay.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metrics {
    pub jct_p90_s: f64,
    pub cost_usd_total: f64,
    pub cost_usd_onprem_compute: f64,
    pub cost_usd_cloud_compute: f64,
    pub cost_usd_egress: f64,
    pub cost_usd_storage: f64,
    /// Share of completed jobs that ran on a cloud plane, 0..=1.
    pub burst_fraction: f64,
    pub transfer_gb_total: f64,
    /// Time of the last job's finish, s.
    pub makespan_s: f64,
    /// Jobs that finished; `None` when the results lack the column.
    pub completed: Option<u64>,
}

impl Metrics {
    /// Returns the makespan in months of 730 h, or `None` when it is zero or missing.
    pub fn months(&self) -> Option<f64> {
        let months = self.makespan_s / SECONDS_PER_HOUR / HOURS_PER_MONTH;
        (months > 0.0).then_some(months)
    }
}

/// One run of the sweep: one scenario variant under one policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// The run id, which numbers the cells of the full grid.
    pub id: usize,
    pub policy: String,
    /// One value per [`Sweep::parameters`] entry, in the same order.
    pub values: Vec<Value>,
    pub metrics: Metrics,
    /// One entry per [`Sweep::access_classes`] entry, in the same order: the class's
    /// FlexCache and SnapMirror jobs, indexed like [`crate::sweep::results::ACCESS_MODES`].
    pub access: Vec<[AccessTotals; 2]>,
    /// The run's time series CSV (`series/run-<id>.csv`), when one was found.
    pub series: Option<PathBuf>,
}

/// A whole sweep: its grid and every run, in run id order.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// The sweep output directories read, as given.
    pub sources: Vec<PathBuf>,
    /// The scenario's `name`, from `sweep.json` or, for an older `sweep.json`, from the
    /// scenario file when it could be read.
    pub scenario: Option<String>,
    /// The scenario file as `sweep.json` records it.
    pub scenario_file: String,
    /// The trace file as `sweep.json` records it.
    pub trace_file: String,
    /// The scenario paths varied by the grid, such as `planes[0].nodes`, in `--vary` order.
    pub parameters: Vec<String>,
    /// The policies of the grid, in `--policies` order.
    pub policies: Vec<String>,
    pub runs: Vec<Run>,
    /// The base scenario's planes, in scenario order, from `sweep.json` or, for an older
    /// `sweep.json`, from the scenario file; empty when neither has them.
    pub planes: Vec<PlaneInfo>,
    /// Dataset size classes of the `access.<class>.<mode>.<metric>` columns, in column order;
    /// empty when the results lack them (a sweep by an older burstplane).
    pub access_classes: Vec<String>,
    /// The reason `planes` is empty, for the report to state, or an empty string when the
    /// planes are known.
    pub planes_note: String,
}

/// The completed jobs of one dataset size class that reached remote data with one access mode,
/// in one run.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AccessTotals {
    pub jobs: u64,
    /// Mean job completion time of these jobs, s; 0 when there are none.
    pub jct_mean_s: f64,
    /// Sum of these jobs' own costs (compute and egress), USD.
    pub cost_usd: f64,
}

/// The parts of a base-scenario plane that the report uses.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaneInfo {
    pub onprem: bool,
    pub gpus_per_node: u32,
}

impl Sweep {
    /// Returns the index in [`Sweep::parameters`] of the parameter at `path`.
    pub fn parameter(&self, path: &str) -> Option<usize> {
        self.parameters
            .iter()
            .position(|parameter| parameter == path)
    }

    /// Formats `PATH = VALUE` for every varied parameter of `run`, or "the base scenario" when
    /// the grid varies none.
    pub fn describe_values(&self, run: &Run) -> String {
        let parts: Vec<String> = self
            .parameters
            .iter()
            .zip(&run.values)
            .map(|(path, value)| format!("{path} = {value}"))
            .collect();
        if parts.is_empty() {
            "the base scenario".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// Returns the run with id `id`.
    pub fn run(&self, id: usize) -> Option<&Run> {
        self.runs.iter().find(|run| run.id == id)
    }
}
