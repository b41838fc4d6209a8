//! Starburst's waiting policies: a job that cannot start on-prem waits there for a time set by
//! a rule, then bursts to the cloud if it still has not started.
//!
//! The rules and the waiting-budget calibration follow Starburst (USENIX ATC 2024). The wait of
//! job j is `c`, `c * d_j`, `c * g_j` or `c * g_j * d_j` for constant, runtime, resource and
//! compute wait, with run time `d_j` and GPUs `g_j`. The coefficient `c` is chosen so that the
//! mean wait over the trace is the budget times the mean run time.

use super::baseline::{Candidate, candidates, run};
use super::{ClusterView, Decision, Policy, PolicyConfig, PolicyName};
use crate::model::{Job, PlaneKind, Workload};
use crate::units::{Micros, micros_to_secs, secs_to_micros};

/// How long a job may wait on-prem before it bursts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WaitRule {
    pub kind: PolicyName,
    /// The rule's coefficient `c`: seconds, seconds per second of run time, seconds per GPU, or
    /// seconds per GPU-second.
    pub coefficient: f64,
}

impl WaitRule {
    /// Picks `c` so that the mean over `workload` of the rule's wait is `budget` times the mean
    /// run time. A workload with no jobs gets `c = 0`.
    pub fn calibrate(kind: PolicyName, budget: f64, workload: &Workload) -> WaitRule {
        let jobs = workload.jobs.len() as f64;
        let mean = |f: &dyn Fn(&Job) -> f64| workload.jobs.iter().map(f).sum::<f64>() / jobs;
        let mean_run_s = mean(&|job| micros_to_secs(job.duration_us));
        let target_s = budget * mean_run_s;
        let per_unit = match kind {
            PolicyName::ConstantWait => 1.0,
            PolicyName::RuntimeWait => mean_run_s,
            PolicyName::ResourceWait => mean(&|job| f64::from(job.gpus)),
            _ => mean(&|job| f64::from(job.gpus) * micros_to_secs(job.duration_us)),
        };
        let coefficient = if workload.jobs.is_empty() || per_unit <= 0.0 {
            0.0
        } else {
            target_s / per_unit
        };
        WaitRule { kind, coefficient }
    }

    /// Computes the wait the rule allows `job`.
    pub fn wait_us(&self, job: &Job) -> Micros {
        let run_s = micros_to_secs(job.duration_us);
        let gpus = f64::from(job.gpus);
        let seconds = match self.kind {
            PolicyName::ConstantWait => self.coefficient,
            PolicyName::RuntimeWait => self.coefficient * run_s,
            PolicyName::ResourceWait => self.coefficient * gpus,
            _ => self.coefficient * gpus * run_s,
        };
        secs_to_micros(seconds)
    }
}

/// Chooses where a job goes when it cannot start on-prem now: `Ok(cloud)` to burst, or
/// `Err(onprem)` to queue on-prem when no cloud plane is a candidate.
pub(super) fn burst_target(
    list: &[Candidate],
    view: &dyn ClusterView,
) -> Result<Candidate, Candidate> {
    let platform = view.platform();
    let cheapest_cloud = list
        .iter()
        .filter(|c| platform.plane(c.plane).kind == PlaneKind::Cloud)
        .min_by(|a, b| {
            let price = |c: &Candidate| platform.plane(c.plane).price_per_gpu_hour;
            price(a).total_cmp(&price(b))
        });
    match cheapest_cloud {
        Some(cloud) => Ok(*cloud),
        None => Err(*list
            .iter()
            .find(|c| platform.plane(c.plane).kind == PlaneKind::Onprem)
            .unwrap_or(&list[0])),
    }
}

/// A Starburst waiting policy.
pub struct Waiting {
    config: PolicyConfig,
    rule: WaitRule,
    scratch: Vec<Candidate>,
}

impl Waiting {
    pub fn new(config: PolicyConfig, rule: WaitRule) -> Waiting {
        Waiting {
            config,
            rule,
            scratch: Vec::new(),
        }
    }

    fn decide(&mut self, job: &Job, view: &dyn ClusterView, timed_out: bool) -> Decision {
        if let Err(reason) = candidates(job, view, &self.config, None, &mut self.scratch) {
            return Decision::Reject(reason);
        }
        let platform = view.platform();
        let onprem = self
            .scratch
            .iter()
            .find(|c| platform.plane(c.plane).kind == PlaneKind::Onprem)
            .copied();
        if let Some(now) = self
            .scratch
            .iter()
            .filter(|c| platform.plane(c.plane).kind == PlaneKind::Onprem)
            .find(|c| view.can_start_now(c.plane, job.gpus))
        {
            return run(*now);
        }
        let cloud = match burst_target(&self.scratch, view) {
            Ok(cloud) => cloud,
            Err(onprem) => return run(onprem),
        };
        let Some(onprem) = onprem else {
            return run(cloud);
        };
        let wait_us = self.rule.wait_us(job);
        let queue_full = self
            .config
            .queue_cap
            .is_some_and(|cap| view.queue_len(onprem.plane) >= cap);
        if timed_out || wait_us == 0 || queue_full {
            return run(cloud);
        }
        Decision::Wait {
            plane: onprem.plane,
            access: onprem.access,
            until_us: view.now_us().saturating_add(wait_us),
            prefetch: None,
        }
    }
}

impl Policy for Waiting {
    fn name(&self) -> &'static str {
        self.rule.kind.as_str()
    }

    fn place(&mut self, job: &Job, view: &dyn ClusterView) -> Decision {
        self.decide(job, view, false)
    }

    fn reconsider(&mut self, job: &Job, view: &dyn ClusterView) -> Decision {
        self.decide(job, view, true)
    }

    fn scans_out_of_order(&self) -> bool {
        self.config.out_of_order
    }
}
