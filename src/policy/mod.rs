//! Placement policies: for each submitted job, which plane it runs on and how it reaches its
//! data.
//!
//! The engine calls a [`Policy`] once per job at submission, and again for a waiting job whose
//! wait ended, through a read-only [`ClusterView`] of the platform's state. docs/policies.md
//! documents each policy's rule.

mod baseline;
mod data_aware;
mod waiting;

pub use baseline::{NoWait, OnpremOnly};
pub use data_aware::DataAware;
pub use waiting::{WaitRule, Waiting};

use crate::model::{Access, DatasetId, Job, PlaneId, Platform, StorageId, Workload};
use crate::score::{Objective, ObjectiveKind, PlaneInput, ScoredOption};
use crate::units::Micros;

/// Names of the built-in policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyName {
    OnpremOnly,
    NoWait,
    ConstantWait,
    RuntimeWait,
    ResourceWait,
    ComputeWait,
    DataAware,
}

impl PolicyName {
    /// Every policy name as written in scenarios and on the command line.
    pub const ALL_NAMES: [&'static str; 7] = [
        "onprem-only",
        "no-wait",
        "constant-wait",
        "runtime-wait",
        "resource-wait",
        "compute-wait",
        "data-aware",
    ];

    const ALL: [PolicyName; 7] = [
        PolicyName::OnpremOnly,
        PolicyName::NoWait,
        PolicyName::ConstantWait,
        PolicyName::RuntimeWait,
        PolicyName::ResourceWait,
        PolicyName::ComputeWait,
        PolicyName::DataAware,
    ];

    pub fn parse(name: &str) -> Option<PolicyName> {
        let position = PolicyName::ALL_NAMES.iter().position(|n| *n == name)?;
        Some(PolicyName::ALL[position])
    }

    pub fn as_str(self) -> &'static str {
        let position = PolicyName::ALL
            .iter()
            .position(|n| *n == self)
            .expect("listed");
        PolicyName::ALL_NAMES[position]
    }
}

/// A policy and its parameters, from the scenario's `[policy]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyConfig {
    pub name: PolicyName,
    /// A burst job that reads at least this share of its dataset gets a SnapMirror copy, unless
    /// it writes back; below it, a FlexCache. The baseline and waiting policies use it.
    pub mirror_read_fraction: f64,
    /// Waiting budget of the waiting policies: their coefficient is set so that the mean
    /// waiting time over the trace is this multiple of the mean run time.
    pub waiting_budget: f64,
    /// Burst at once when the on-prem queue contains at least this many jobs.
    pub queue_cap: Option<usize>,
    /// Whether on-prem queues start any queued job that fits, not only the head.
    pub out_of_order: bool,
    /// Objective that `data-aware` minimizes.
    pub objective: Objective,
    /// Hours the scoring core charges for cache and mirror space an option adds.
    pub retention_h: f64,
}

impl Default for PolicyConfig {
    fn default() -> PolicyConfig {
        PolicyConfig {
            name: PolicyName::NoWait,
            mirror_read_fraction: 0.5,
            waiting_budget: 0.25,
            queue_cap: None,
            out_of_order: false,
            objective: Objective {
                kind: ObjectiveKind::Weighted,
                deadline_s: None,
                value_of_time_usd_per_hour: 4.10,
            },
            retention_h: 24.0,
        }
    }
}

impl PolicyConfig {
    /// Builds the configured policy; the waiting policies calibrate their coefficient on
    /// `workload`.
    pub fn build(&self, workload: &Workload) -> Box<dyn Policy> {
        let rule = |kind| WaitRule::calibrate(kind, self.waiting_budget, workload);
        match self.name {
            PolicyName::OnpremOnly => Box::new(OnpremOnly::new(self.clone())),
            PolicyName::NoWait => Box::new(NoWait::new(self.clone())),
            PolicyName::ConstantWait
            | PolicyName::RuntimeWait
            | PolicyName::ResourceWait
            | PolicyName::ComputeWait => Box::new(Waiting::new(self.clone(), rule(self.name))),
            PolicyName::DataAware => Box::new(DataAware::new(
                self.clone(),
                rule(PolicyName::ComputeWait),
                workload.io_overlap,
            )),
        }
    }
}

/// Progress of a dataset's SnapMirror copy on one storage system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MirrorStatus {
    Absent,
    /// The baseline transfer is running.
    Transferring,
    Ready,
}

/// Read-only view of the platform's state that a policy gets when it places a job.
pub trait ClusterView {
    fn platform(&self) -> &Platform;
    fn workload(&self) -> &Workload;
    fn now_us(&self) -> Micros;
    /// Reports whether a job of `gpus` GPUs would start on `plane` now: no queue ahead of it,
    /// and free GPUs on nodes that are up.
    fn can_start_now(&self, plane: PlaneId, gpus: u32) -> bool;
    /// Jobs waiting for GPUs on `plane`.
    fn queue_len(&self, plane: PlaneId) -> usize;
    /// Returns the plane whose queue `job` waits in, if any.
    fn queued_plane(&self, job: &Job) -> Option<PlaneId>;
    fn mirror_status(&self, dataset: DatasetId, storage: StorageId) -> MirrorStatus;
    /// GB of `dataset` in the FlexCache on `storage`.
    fn cached_gb(&self, dataset: DatasetId, storage: StorageId) -> f64;
    /// Snapshot of `plane` for placing `job`, the input of the scoring core.
    fn plane_input(&self, plane: PlaneId, job: &Job) -> PlaneInput;
}

/// Why a job was not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// `allowed_planes` names a plane the scenario does not have.
    UnknownPlane,
    /// No plane the job and the policy allow can reach the job's data.
    NotAllowed,
    /// The job needs more GPUs than any allowed plane has, even with every node up.
    TooLarge,
    /// The policy returned an option the platform cannot carry out (a policy bug).
    InvalidDecision,
    /// The job was placed but the replay ended before it ran (an engine bug).
    NeverStarted,
}

impl RejectReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::UnknownPlane => "unknown_plane",
            RejectReason::NotAllowed => "not_allowed",
            RejectReason::TooLarge => "too_large",
            RejectReason::InvalidDecision => "invalid_decision",
            RejectReason::NeverStarted => "never_started",
        }
    }
}

/// A policy's decision for one job.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decision {
    Run {
        plane: PlaneId,
        access: Access,
    },
    /// Queue on `plane`; if the job has not started by `until_us`, the engine calls
    /// [`Policy::reconsider`]. `prefetch` starts a copy of the job's data on another plane's
    /// storage now: a SnapMirror baseline, or a FlexCache filled with the job's reads.
    Wait {
        plane: PlaneId,
        access: Access,
        until_us: Micros,
        prefetch: Option<(PlaneId, Access)>,
    },
    Reject(RejectReason),
}

/// Selects the jobs whose decisions a policy records.
pub type JobFilter = Box<dyn Fn(&Job) -> bool>;

/// One decision of a policy that scores with the core, kept for `simulate --explain`.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionRecord {
    pub job_id: Box<str>,
    pub at_us: Micros,
    pub decision: Decision,
    /// Every option the core scored for the decision, as [`crate::score::evaluate`] wrote it.
    pub options: Vec<ScoredOption>,
    /// The option the decision follows: where the job runs or waits.
    pub chosen: Option<usize>,
    /// The option it was weighed against: the best cloud plane's when the job stays on-prem,
    /// the best on-prem plane's when it bursts.
    pub alternative: Option<usize>,
}

/// A placement policy. The engine calls [`Policy::place`] once per job, at submission.
pub trait Policy {
    fn name(&self) -> &'static str;
    fn place(&mut self, job: &Job, view: &dyn ClusterView) -> Decision;

    /// Decides again for a job still queued when its wait ends. `Run` or `Wait` on the plane
    /// it is queued on keeps it there; any other plane moves it.
    fn reconsider(&mut self, job: &Job, view: &dyn ClusterView) -> Decision {
        self.place(job, view)
    }

    /// Reports whether on-prem queues start any queued job that fits, not only the head.
    fn scans_out_of_order(&self) -> bool {
        false
    }

    /// Reports whether the policy reads [`ClusterView::plane_input`]. Only then does the engine
    /// keep the running jobs' expected ends, which the snapshot's `running_frees_s` needs
    /// (it is 0 otherwise).
    fn reads_snapshots(&self) -> bool {
        false
    }

    /// Starts keeping a [`DecisionRecord`] of every decision for the jobs `filter` selects.
    /// Returns false for a policy that does not use the scoring core.
    fn record_decisions(&mut self, filter: JobFilter) -> bool {
        let _ = filter;
        false
    }

    /// Hands over the records kept since [`Policy::record_decisions`].
    fn take_decisions(&mut self) -> Vec<DecisionRecord> {
        Vec::new()
    }
}

/// Picks how a job on `plane` reaches its dataset, or `None` when no link joins the plane's
/// storage to the dataset's home.
///
/// Local when the plane's storage is the home. Otherwise SnapMirror when the job does not write
/// back and either a mirror already exists or is under way there, or the job reads at least
/// `mirror_read_fraction` of the dataset; FlexCache in every other case.
pub fn choose_access(
    job: &Job,
    plane: PlaneId,
    view: &dyn ClusterView,
    mirror_read_fraction: f64,
) -> Option<Access> {
    let platform = view.platform();
    let dataset = view.workload().dataset(job.dataset);
    let storage = platform.plane(plane).storage;
    if storage == dataset.home {
        return Some(Access::Local);
    }
    platform.link_between(dataset.home, storage)?;
    if job.writes_back {
        return Some(Access::Flexcache);
    }
    let mirrored = view.mirror_status(job.dataset, storage) != MirrorStatus::Absent;
    if mirrored || job.read_gb >= mirror_read_fraction * dataset.size_gb {
        Some(Access::Snapmirror)
    } else {
        Some(Access::Flexcache)
    }
}
