//! The result of a replay: one record per job and the platform's totals.

use crate::model::{Access, PlaneId};
use crate::policy::RejectReason;
use crate::units::Micros;

/// The fate of one job. Times are absolute simulated times.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobOutcome {
    pub plane: Option<PlaneId>,
    pub access: Option<Access>,
    pub rejected: Option<RejectReason>,
    pub start_us: Micros,
    pub finish_us: Micros,
    /// When the job's data was complete on its plane: at submission for local data, when the
    /// mirror's baseline finished, or when the FlexCache cold reads finished.
    pub data_ready_us: Micros,
    /// GB this job moved over links: its cold reads, its write-back, and a mirror baseline it
    /// started.
    pub transfer_gb: f64,
    /// The job's compute at its plane's GPU-hour price, plus the egress of its transfers.
    pub cost_usd: f64,
}

impl JobOutcome {
    pub fn completed(&self) -> bool {
        self.rejected.is_none()
    }
}

/// Totals of one plane.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlaneTotals {
    pub jobs: u64,
    /// GPU time of the jobs run here, µs, including FlexCache read stalls.
    pub busy_gpu_us: u128,
    /// Node time paid for: every node through the makespan on-prem, billed node time in the
    /// cloud.
    pub node_us: u128,
}

/// GB moved over links, by reason.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TransferTotals {
    pub hydration_gb: f64,
    pub mirror_gb: f64,
    pub write_back_gb: f64,
}

/// Money spent, USD, by kind.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CostTotals {
    /// Every on-prem GPU through the makespan at the amortized GPU-hour price.
    pub onprem_compute: f64,
    /// Cloud node time billed, from each node's request to its release.
    pub cloud_compute: f64,
    pub egress: f64,
    /// FlexCache and SnapMirror space on each storage system, from creation to the makespan.
    pub storage: f64,
}

impl CostTotals {
    pub fn total(&self) -> f64 {
        self.onprem_compute + self.cloud_compute + self.egress + self.storage
    }
}

/// State of one plane at a sample time.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct PlaneSample {
    /// Jobs waiting in the plane's queue.
    pub queue_jobs: usize,
    pub gpus_busy: u32,
    /// Nodes up and ready (provisioning nodes excluded).
    pub nodes_up: usize,
}

/// The platform at one sample time.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct SeriesSample {
    pub time_s: f64,
    /// Per plane, in scenario order.
    pub planes: Vec<PlaneSample>,
    /// Mean throughput of each link over the interval that ends here, Gbps.
    pub link_gbps: Vec<f64>,
    /// Money spent from time zero to here, USD, counted as in [`CostTotals`].
    pub cost_usd: f64,
}

/// Everything a replay produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// One record per job, in the workload's job order.
    pub jobs: Vec<JobOutcome>,
    /// Per plane, in scenario order.
    pub planes: Vec<PlaneTotals>,
    pub transfer: TransferTotals,
    pub cost: CostTotals,
    /// Time of the last job's finish.
    pub makespan_us: Micros,
    /// Samples at every multiple of the series interval up to the end of the replay; empty
    /// when no interval was set.
    pub series: Vec<SeriesSample>,
}
