//! `data-aware`: a waiting policy whose wait and burst choice come from the scoring core's
//! estimates of queueing, data readiness and transfer cost.
//!
//! At submission the job starts on-prem if it can. Otherwise the core scores every option. If
//! the predicted on-prem wait is longer than the compute-wait budget and a cloud option
//! scores better than waiting, the job bursts at once, because waiting would only delay a burst.
//! Otherwise it waits on-prem for the budget, and its best cloud copy is started early when a
//! burst looks likely. When the budget runs out, the core scores again: the job bursts if a
//! cloud option now scores better, and otherwise waits once more for the predicted start, then
//! bursts.

use std::collections::HashSet;

use super::waiting::WaitRule;
use super::{ClusterView, Decision, Policy, PolicyConfig, RejectReason};
use crate::model::{Access, Job, PlaneKind};
use crate::score::{Infeasible, JobRequest, PlaneInput, ScoreSettings, ScoredOption, evaluate};
use crate::units::{micros_to_secs, secs_to_micros};

/// Shortest extra wait after a timeout, so a job whose start is predicted as imminent is not
/// reconsidered in a busy loop.
const MIN_EXTRA_WAIT_S: f64 = 60.0;

pub struct DataAware {
    config: PolicyConfig,
    rule: WaitRule,
    settings: ScoreSettings,
    inputs: Vec<PlaneInput>,
    options: Vec<ScoredOption>,
    /// Jobs whose wait was extended once after a timeout.
    extended: HashSet<Box<str>>,
}

impl DataAware {
    pub fn new(config: PolicyConfig, rule: WaitRule, io_overlap: f64) -> DataAware {
        let settings = ScoreSettings {
            io_overlap,
            retention_h: config.retention_h,
        };
        DataAware {
            config,
            rule,
            settings,
            inputs: Vec::new(),
            options: Vec::new(),
            extended: HashSet::new(),
        }
    }

    /// Scores every option for `job` and returns the best on-prem and cloud options.
    fn score(&mut self, job: &Job, view: &dyn ClusterView) -> (Option<usize>, Option<usize>) {
        let platform = view.platform();
        self.inputs.clear();
        self.inputs.extend(
            platform
                .plane_ids()
                .map(|plane| view.plane_input(plane, job)),
        );
        let request = JobRequest {
            gpus: job.gpus,
            duration_s: micros_to_secs(job.duration_us),
            read_gb: job.read_gb,
            write_gb: job.write_gb,
            writes_back: job.writes_back,
            dataset_gb: view.workload().dataset(job.dataset).size_gb,
            allowed: job.allowed,
        };
        evaluate(
            &request,
            &self.inputs,
            &self.config.objective,
            &self.settings,
            &mut self.options,
        );
        let best_of = |kind: PlaneKind| {
            let mut best: Option<usize> = None;
            for (i, option) in self.options.iter().enumerate() {
                let matches = option.is_feasible() && platform.plane(option.plane).kind == kind;
                if matches && best.is_none_or(|b| option.score < self.options[b].score) {
                    best = Some(i);
                }
            }
            best
        };
        (best_of(PlaneKind::Onprem), best_of(PlaneKind::Cloud))
    }

    /// The rejection reason when no option is feasible.
    fn reject_reason(&self) -> RejectReason {
        let reasons = self.options.iter().filter_map(|option| option.infeasible);
        let mut reason = RejectReason::NotAllowed;
        for infeasible in reasons {
            if infeasible == Infeasible::NoCapacity {
                reason = RejectReason::TooLarge;
            } else if infeasible != Infeasible::NotAllowed
                && infeasible != Infeasible::NotApplicable
            {
                return RejectReason::NotAllowed;
            }
        }
        reason
    }

    fn decide(&mut self, job: &Job, view: &dyn ClusterView, timed_out: bool) -> Decision {
        let (onprem, cloud) = self.score(job, view);
        let run = |option: &ScoredOption| Decision::Run {
            plane: option.plane,
            access: option.access,
        };
        let (onprem, cloud) = match (onprem, cloud) {
            (None, None) => return Decision::Reject(self.reject_reason()),
            (Some(onprem), None) => return run(&self.options[onprem]),
            (None, Some(cloud)) => return run(&self.options[cloud]),
            (Some(onprem), Some(cloud)) => (self.options[onprem], self.options[cloud]),
        };
        if onprem.wait_s == 0.0 {
            return run(&onprem);
        }
        let queue_full = self
            .config
            .queue_cap
            .is_some_and(|cap| view.queue_len(onprem.plane) >= cap);
        if queue_full {
            return run(&cloud);
        }
        let cloud_better = cloud.score < onprem.score;
        let budget_s = micros_to_secs(self.rule.wait_us(job));
        let now_us = view.now_us();
        if timed_out {
            // One extension at most, so a wait that the core keeps underestimating ends.
            let first_timeout = self.extended.insert(job.id.clone());
            if cloud_better || !first_timeout {
                return run(&cloud);
            }
            let extra_s = onprem.wait_s.max(MIN_EXTRA_WAIT_S);
            return wait(&onprem, now_us + secs_to_micros(extra_s), None);
        }
        if budget_s == 0.0 || (onprem.wait_s > budget_s && cloud_better) {
            return run(&cloud);
        }
        // A job predicted to start late in its budget may well burst: copy its data ahead when
        // the best cloud option is a mirror, which later jobs of the dataset reuse too.
        let prefetch = (onprem.wait_s > budget_s / 2.0 && cloud.access == Access::Snapmirror)
            .then_some((cloud.plane, cloud.access));
        wait(&onprem, now_us + secs_to_micros(budget_s), prefetch)
    }
}

fn wait(
    option: &ScoredOption,
    until_us: crate::units::Micros,
    prefetch: Option<(crate::model::PlaneId, Access)>,
) -> Decision {
    Decision::Wait {
        plane: option.plane,
        access: option.access,
        until_us,
        prefetch,
    }
}

impl Policy for DataAware {
    fn name(&self) -> &'static str {
        "data-aware"
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
