//! `data-aware`: a waiting policy that uses the scoring core's predictions of queueing and data
//! readiness to decide when a job bursts, and starts data copies early.
//!
//! A job that cannot start on-prem waits there for its compute-wait budget, as `compute-wait`
//! does. When the core predicts a wait beyond the budget, the job's SnapMirror copy to the
//! cloud starts at once. When the budget runs out, the core predicts the remaining on-prem
//! wait again: if it is within `extension_budgets` budgets, the job waits that long once more,
//! and otherwise it bursts to the cloud plane the core scores best.

use std::collections::HashSet;

use super::waiting::{WaitRule, Waiting};
use super::{ClusterView, Decision, Policy, PolicyConfig, choose_access};
use crate::model::{Access, Job, PlaneKind};
use crate::score::{JobRequest, PlaneInput, ScoreSettings, ScoredOption, backlog_s, evaluate};
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
    /// Places the jobs for which the core finds no feasible option.
    fallback: Waiting,
}

impl DataAware {
    pub fn new(config: PolicyConfig, rule: WaitRule, io_overlap: f64) -> DataAware {
        let config_copy = config.clone();
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
            fallback: Waiting::new(config_copy, rule),
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

    fn decide(&mut self, job: &Job, view: &dyn ClusterView, timed_out: bool) -> Decision {
        let (onprem, cloud) = self.score(job, view);
        // Every placement uses the shared access rule (see below), falling back to the core's
        // access mode only where the rule finds no link.
        let mirror_read_fraction = self.config.mirror_read_fraction;
        let run = |option: &ScoredOption| Decision::Run {
            plane: option.plane,
            access: choose_access(job, option.plane, view, mirror_read_fraction)
                .unwrap_or(option.access),
        };
        let (onprem, cloud) = match (onprem, cloud) {
            // The core rules out options the engine can still run, such as a FlexCache smaller
            // than the reads; compute-wait's rule places those jobs.
            (None, None) if timed_out => return self.fallback.reconsider(job, view),
            (None, None) => return self.fallback.place(job, view),
            (Some(onprem), None) => return run(&self.options[onprem]),
            (None, Some(cloud)) => return run(&self.options[cloud]),
            (Some(onprem), Some(cloud)) => (self.options[onprem], self.options[cloud]),
        };
        if onprem.wait_s == 0.0 {
            return run(&onprem);
        }
        // The burst goes to the core's best cloud plane, with the shared access rule: the
        // core's per-job access choice cannot see FlexCache evictions or later reuse of a
        // mirror, and lost to the rule on the public traces (docs/results.md).
        let access = choose_access(job, cloud.plane, view, self.config.mirror_read_fraction)
            .unwrap_or(cloud.access);
        let burst = Decision::Run {
            plane: cloud.plane,
            access,
        };
        // At a timeout the job itself is in the queue; it does not count against the cap.
        let queued_ahead = view.queue_len(onprem.plane) - usize::from(timed_out);
        let queue_full = self.config.queue_cap.is_some_and(|cap| queued_ahead >= cap);
        let budget_s = micros_to_secs(self.rule.wait_us(job));
        if queue_full || budget_s == 0.0 {
            return burst;
        }
        let now_us = view.now_us();
        if timed_out {
            // Stay once more when the on-prem backlog is small enough to be worked off soon. Only
            // once, so a wait that the core keeps underestimating still ends in a burst.
            let plane = &self.inputs[onprem.plane.index()];
            let near = backlog_s(plane, job.gpus) <= self.config.extension_budgets * budget_s;
            if near && self.extended.insert(job.id.clone()) {
                let extra_s = onprem.wait_s.max(MIN_EXTRA_WAIT_S);
                return wait(
                    &onprem,
                    now_us.saturating_add(secs_to_micros(extra_s)),
                    None,
                );
            }
            return burst;
        }
        // A job predicted to outwait its budget will likely burst: start its mirror now, so
        // the copy is ready, or nearly, when the budget runs out.
        let prefetch = (onprem.wait_s > budget_s && access == Access::Snapmirror)
            .then_some((cloud.plane, access));
        wait(
            &onprem,
            now_us.saturating_add(secs_to_micros(budget_s)),
            prefetch,
        )
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
