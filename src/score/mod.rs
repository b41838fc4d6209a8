//! The scoring core: for one job and a snapshot of the platform, every (plane, access mode)
//! option with its predicted wait, data-ready time, run time, finish time and cost, and the
//! reason for every infeasible one.
//!
//! Pure and synchronous: the simulator and the live advisor build the same inputs and call
//! [`evaluate`]. Times are seconds from the moment of the decision; money is USD.

mod objective;

pub use objective::{Objective, ObjectiveKind};

use serde::Serialize;

use crate::model::{Access, PlaneId, PlaneKind, PlaneMask};
use crate::units::{BITS_PER_GB, HOURS_PER_MONTH, SECONDS_PER_HOUR};

/// The job being placed.
#[derive(Clone, Debug, PartialEq)]
pub struct JobRequest {
    pub gpus: u32,
    /// Run time on the trace's own GPUs with data local, seconds.
    pub duration_s: f64,
    pub read_gb: f64,
    pub write_gb: f64,
    pub writes_back: bool,
    /// Full size of the job's dataset, which a new mirror copies.
    pub dataset_gb: f64,
    pub allowed: PlaneMask,
}

/// Link state as the core uses it for a new transfer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkInput {
    /// Bandwidth a new flow would get, Gbps: the link's capacity over its active flows plus one.
    pub gbps_for_new_flow: f64,
    pub rtt_s: f64,
    /// USD per GB from the dataset's home to the plane's storage.
    pub price_per_gb_in: f64,
    /// USD per GB from the plane's storage back to the home.
    pub price_per_gb_out: f64,
}

/// State of a dataset's SnapMirror copy on one storage system.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MirrorInput {
    Absent,
    /// The baseline is running with `gb_left` GB left at its current share of the link,
    /// `gbps`.
    Transferring {
        gb_left: f64,
        gbps: f64,
    },
    Ready,
}

/// Location of the job's data, seen from one plane.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DataInput {
    /// The plane's storage is the dataset's home.
    Local,
    /// The data is elsewhere, behind `link`.
    Remote {
        link: LinkInput,
        cached_gb: f64,
        cache_capacity_gb: f64,
        mirror: MirrorInput,
    },
    /// No link joins the plane's storage to the dataset's home.
    Unreachable,
}

/// Snapshot of one plane for one job.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlaneInput {
    pub plane: PlaneId,
    pub kind: PlaneKind,
    /// Whether the job fits on the plane with every node up.
    pub can_ever_fit: bool,
    /// Whether the job would start now: nothing queued ahead and room on up nodes.
    pub starts_now: bool,
    /// Set when the job would start on nodes still to boot: the time until the last of them is
    /// ready (what is left of a booting node's provisioning delay), seconds.
    pub provision_s: Option<f64>,
    /// Nodes the job would request: zero when it starts on nodes that are up or booting.
    pub new_nodes: u32,
    /// Seconds until the jobs running on the plane are expected to leave enough GPUs free for
    /// the job, ignoring the queue and how GPUs sit on nodes; 0 when they are free now.
    pub running_frees_s: f64,
    /// Seconds that the node a job smaller than a node would share stays busy with the jobs
    /// already on it. Zero for a new node, and for a job of whole nodes.
    pub shared_node_busy_s: f64,
    pub gpus_per_node: u32,
    /// Idle time after which the plane releases a node, seconds; a new node is billed through
    /// it after its last job ends.
    pub scale_down_s: f64,
    /// GPU-seconds of work queued ahead of the job.
    pub queue_ahead_gpu_s: f64,
    /// GPU-seconds left of the jobs running on the plane.
    pub running_gpu_s: f64,
    /// GPU-seconds the plane completes per second when busy: its GPU count.
    pub drain_gpus: f64,
    pub price_per_gpu_hour: f64,
    pub speed_factor: f64,
    /// USD per GB-month of cache and mirror space on the plane's storage.
    pub storage_price_per_gb_month: f64,
    pub data: DataInput,
}

/// Reason an option cannot be taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Infeasible {
    /// `allowed_planes` excludes the plane.
    NotAllowed,
    /// No link reaches the dataset from this plane.
    DataUnreachable,
    /// The job writes back, and a SnapMirror copy is read-only.
    WritesBackToMirror,
    /// The job needs more GPUs than the plane can ever offer.
    NoCapacity,
    /// The FlexCache on this plane's storage is smaller than the job's reads.
    CacheTooSmall,
    /// The access mode does not apply: the data is local, or a local plane offers no copy.
    NotApplicable,
}

/// Money an option would cost, USD.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct CostBreakdown {
    pub compute: f64,
    pub egress: f64,
    /// Cache or mirror space the option adds, held for the retention period.
    pub storage: f64,
    pub total: f64,
}

/// One (plane, access mode) option.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ScoredOption {
    #[serde(rename = "plane_id")]
    pub plane: PlaneId,
    pub access: Access,
    /// `None` when feasible.
    pub infeasible: Option<Infeasible>,
    /// Time until GPUs are free for the job, seconds.
    pub wait_s: f64,
    /// Time until the data is complete on the plane, seconds.
    pub data_ready_s: f64,
    /// Time on the GPUs, including a FlexCache read stall, seconds.
    pub run_s: f64,
    pub finish_s: f64,
    pub cost: CostBreakdown,
    /// Lower is better; infinite when infeasible.
    pub score: f64,
}

/// A decision and every option behind it, for JSON output: the explanation of a placement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation<'a> {
    pub chosen: Option<NamedOption<'a>>,
    /// Every option, infeasible ones with their reason.
    pub options: Vec<NamedOption<'a>>,
}

/// An option with its plane's name.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NamedOption<'a> {
    pub plane: &'a str,
    #[serde(flatten)]
    pub option: ScoredOption,
}

/// Pairs the options of [`evaluate`] with plane names, marking the one chosen.
pub fn explain<'a>(
    platform: &'a crate::model::Platform,
    options: &[ScoredOption],
    chosen: Option<usize>,
) -> Explanation<'a> {
    let named = |option: &ScoredOption| NamedOption {
        plane: platform.plane(option.plane).name.as_str(),
        option: *option,
    };
    Explanation {
        chosen: chosen.map(|i| named(&options[i])),
        options: options.iter().map(named).collect(),
    }
}

/// Settings of the model that are not per plane.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreSettings {
    /// Share of a job's run time that overlaps its cold reads, in [0, 1].
    pub io_overlap: f64,
    /// How long the storage an option adds is paid for, hours.
    pub retention_h: f64,
}

impl ScoredOption {
    fn infeasible(plane: PlaneId, access: Access, reason: Infeasible) -> ScoredOption {
        ScoredOption {
            plane,
            access,
            infeasible: Some(reason),
            wait_s: f64::INFINITY,
            data_ready_s: f64::INFINITY,
            run_s: f64::INFINITY,
            finish_s: f64::INFINITY,
            cost: CostBreakdown::default(),
            score: f64::INFINITY,
        }
    }

    pub fn is_feasible(&self) -> bool {
        self.infeasible.is_none()
    }
}

/// Predicted wait of a `gpus`-GPU job for GPUs on a plane, seconds; infinite when the plane
/// can never drain.
///
/// An estimate from a fluid model: the plane works through the queue ahead at its full GPU
/// count, after the share `gpus / drain_gpus` of the running work that must end to free the
/// job's GPUs. The fluid model takes running work to free GPUs evenly over time, so the wait is
/// never less than `running_frees_s`, when the running jobs actually leave enough GPUs free.
/// That still ignores how the free GPUs sit on nodes.
pub fn predicted_wait_s(plane: &PlaneInput, gpus: u32) -> f64 {
    if plane.starts_now {
        0.0
    } else if let Some(provision_s) = plane.provision_s {
        provision_s
    } else if plane.drain_gpus > 0.0 {
        let share = (f64::from(gpus) / plane.drain_gpus).min(1.0);
        let fluid_s = (plane.queue_ahead_gpu_s + plane.running_gpu_s * share) / plane.drain_gpus;
        fluid_s.max(plane.running_frees_s)
    } else {
        f64::INFINITY
    }
}

/// GPU-seconds of cloud node time that a job adds to the bill beyond its own GPUs. Its nodes
/// are billed for `held_s` for it (boot and run), and it ends `end_s` from now.
///
/// Cloud nodes are billed whole. A job keeps the GPUs of its nodes that it does not use billed
/// for as long as it outlasts the jobs already on a node it shares (a whole-node job shares
/// none), but at most for `held_s`. Nodes it requests are billed whole through the scale-down
/// delay after the job. On-prem capacity is owned, so it adds nothing there.
fn node_idle_gpu_s(job: &JobRequest, plane: &PlaneInput, held_s: f64, end_s: f64) -> f64 {
    if plane.kind != PlaneKind::Cloud {
        return 0.0;
    }
    let gpus_per_node = plane.gpus_per_node.max(1);
    let nodes = job.gpus.div_ceil(gpus_per_node).max(1);
    let unused_gpus =
        f64::from(nodes * gpus_per_node).max(f64::from(job.gpus)) - f64::from(job.gpus);
    let outlast_s = (end_s - plane.shared_node_busy_s).clamp(0.0, held_s);
    let tail_gpu_s = f64::from(plane.new_nodes * gpus_per_node) * plane.scale_down_s;
    unused_gpus * outlast_s + tail_gpu_s
}

fn transfer_s(gb: f64, link: &LinkInput) -> f64 {
    if gb <= 0.0 {
        0.0
    } else {
        link.rtt_s + gb * BITS_PER_GB / (link.gbps_for_new_flow * 1e9)
    }
}

/// Scores every (plane, access mode) option of `job` into `out`, three per plane in the order
/// local, FlexCache, SnapMirror, and returns the index of the best feasible option.
///
/// Ties go to the earlier option, so planes earlier in the input win ties.
pub fn evaluate(
    job: &JobRequest,
    planes: &[PlaneInput],
    objective: &Objective,
    settings: &ScoreSettings,
    out: &mut Vec<ScoredOption>,
) -> Option<usize> {
    out.clear();
    let mut best: Option<usize> = None;
    for plane in planes {
        for access in [Access::Local, Access::Flexcache, Access::Snapmirror] {
            let mut option = score_option(job, plane, access, settings);
            if option.is_feasible() {
                option.score = objective.score(&option, job.duration_s / plane.speed_factor);
                if best.is_none_or(|b| option.score < out[b].score) {
                    best = Some(out.len());
                }
            }
            out.push(option);
        }
    }
    best
}

fn score_option(
    job: &JobRequest,
    plane: &PlaneInput,
    access: Access,
    settings: &ScoreSettings,
) -> ScoredOption {
    let id = plane.plane;
    if !job.allowed.contains(id) {
        return ScoredOption::infeasible(id, access, Infeasible::NotAllowed);
    }
    if !plane.can_ever_fit {
        return ScoredOption::infeasible(id, access, Infeasible::NoCapacity);
    }
    let wait_s = predicted_wait_s(plane, job.gpus);
    if !wait_s.is_finite() {
        return ScoredOption::infeasible(id, access, Infeasible::NoCapacity);
    }
    let d = job.duration_s / plane.speed_factor;
    let gpu_hour_usd = f64::from(job.gpus) * plane.price_per_gpu_hour / SECONDS_PER_HOUR;
    let storage_usd_per_gb =
        plane.storage_price_per_gb_month * settings.retention_h / HOURS_PER_MONTH;

    let (data_ready_s, start_s, run_s, egress, stored_gb) = match (plane.data, access) {
        (DataInput::Local, Access::Local) => (0.0, wait_s, d, 0.0, 0.0),
        (DataInput::Local, _)
        | (DataInput::Remote { .. } | DataInput::Unreachable, Access::Local) => {
            let reason = match plane.data {
                DataInput::Unreachable => Infeasible::DataUnreachable,
                _ => Infeasible::NotApplicable,
            };
            return ScoredOption::infeasible(id, access, reason);
        }
        (DataInput::Unreachable, _) => {
            return ScoredOption::infeasible(id, access, Infeasible::DataUnreachable);
        }
        (
            DataInput::Remote {
                link,
                cached_gb,
                cache_capacity_gb,
                ..
            },
            Access::Flexcache,
        ) => {
            if job.read_gb > cache_capacity_gb {
                return ScoredOption::infeasible(id, access, Infeasible::CacheTooSmall);
            }
            let cold_gb = (job.read_gb - cached_gb).max(0.0);
            let reads_s = transfer_s(cold_gb, &link);
            let run_s = d.max(reads_s + (1.0 - settings.io_overlap) * d);
            let mut egress = cold_gb * link.price_per_gb_in;
            if job.writes_back {
                egress += job.write_gb * link.price_per_gb_out;
            }
            (wait_s + reads_s, wait_s, run_s, egress, cold_gb)
        }
        (DataInput::Remote { link, mirror, .. }, Access::Snapmirror) => {
            if job.writes_back {
                return ScoredOption::infeasible(id, access, Infeasible::WritesBackToMirror);
            }
            // Only a new baseline costs this job egress and space; a running one is paid for.
            let (ready_s, new_gb) = match mirror {
                MirrorInput::Absent => (transfer_s(job.dataset_gb, &link), job.dataset_gb),
                MirrorInput::Transferring { gb_left, gbps } => {
                    // The running flow keeps its own share and has paid its RTT already.
                    let running = LinkInput {
                        gbps_for_new_flow: gbps,
                        rtt_s: 0.0,
                        ..link
                    };
                    (transfer_s(gb_left, &running), 0.0)
                }
                MirrorInput::Ready => (0.0, 0.0),
            };
            // Nodes are requested once the data is ready, so the wait follows the transfer.
            (
                ready_s,
                ready_s + wait_s,
                d,
                new_gb * link.price_per_gb_in,
                new_gb,
            )
        }
    };
    // A cloud node is billed while it boots, so the job pays for its GPUs during provisioning.
    let provision_s = if plane.starts_now {
        0.0
    } else {
        plane.provision_s.unwrap_or(0.0)
    };
    let held_s = provision_s + run_s;
    let idle_gpu_s = node_idle_gpu_s(job, plane, held_s, start_s + run_s);
    let compute = gpu_hour_usd * held_s + plane.price_per_gpu_hour * idle_gpu_s / SECONDS_PER_HOUR;
    let storage = stored_gb * storage_usd_per_gb;
    ScoredOption {
        plane: id,
        access,
        infeasible: None,
        wait_s: start_s,
        data_ready_s,
        run_s,
        finish_s: start_s + run_s,
        cost: CostBreakdown {
            compute,
            egress,
            storage,
            total: compute + egress + storage,
        },
        score: 0.0,
    }
}
