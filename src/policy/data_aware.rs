//! `data-aware`: a waiting policy that scores a job with the scoring core each time it decides
//! whether the job waits on-prem or bursts now, and starts data copies early.
//!
//! A job that cannot start on-prem is scored on every plane. The core predicts its on-prem wait
//! and what the burst would add to the cloud bill: the node time it keeps billed, the copy of
//! its data, and the delay until that copy is ready. The job bursts as soon as the best
//! cloud option scores better than waiting under the scenario's objective. Otherwise it waits
//! for its compute-wait budget and is scored again; time already waited does not count, since
//! only what lies ahead can change. A job likely to burst gets its SnapMirror copy started while
//! it waits.

use super::waiting::{WaitRule, Waiting};
use super::{
    ClusterView, Decision, DecisionRecord, JobFilter, Policy, PolicyConfig, choose_access,
};
use crate::model::{Access, Job, PlaneKind};
use crate::score::{
    DataInput, JobRequest, MirrorInput, PlaneInput, ScoreSettings, ScoredOption, evaluate,
};
use crate::units::{micros_to_secs, secs_to_micros};

/// Shortest time between two decisions for a waiting job, so that jobs with tiny budgets are
/// not scored in a busy loop.
const MIN_RECHECK_S: f64 = 60.0;

/// Options [`evaluate`] writes per plane: local, FlexCache, SnapMirror.
const ACCESS_MODES: usize = 3;

pub struct DataAware {
    config: PolicyConfig,
    rule: WaitRule,
    settings: ScoreSettings,
    inputs: Vec<PlaneInput>,
    options: Vec<ScoredOption>,
    /// Places the jobs for which the core finds no feasible option.
    fallback: Waiting,
    /// Filter of the jobs whose decisions are kept, and the decisions kept.
    recording: Option<JobFilter>,
    records: Vec<DecisionRecord>,
}

impl DataAware {
    pub fn new(config: PolicyConfig, rule: WaitRule, io_overlap: f64) -> DataAware {
        let settings = ScoreSettings {
            io_overlap,
            retention_h: config.retention_h,
        };
        DataAware {
            fallback: Waiting::new(config.clone(), rule),
            config,
            rule,
            settings,
            inputs: Vec::new(),
            options: Vec::new(),
            recording: None,
            records: Vec::new(),
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
        let request = request(job, view);
        evaluate(
            &request,
            &self.inputs,
            &self.config.objective,
            &self.settings,
            &mut self.options,
        );
        // Each plane is judged by the option the job would run with there: the one of the
        // shared access rule's mode when the core finds it feasible, else the plane's best
        // feasible one. The core scores one job at a time, so it cannot see FlexCache evictions
        // or later jobs reusing a mirror, and lost to the rule on the public traces
        // (docs/results.md). `evaluate` writes the options of each plane together.
        let mirror_read_fraction = self.config.mirror_read_fraction;
        let mut best_onprem: Option<usize> = None;
        let mut best_cloud: Option<usize> = None;
        for (p, plane_options) in self.options.chunks(ACCESS_MODES).enumerate() {
            let first = p * ACCESS_MODES;
            let feasible = |i: &usize| self.options[*i].is_feasible();
            let plane = plane_options[0].plane;
            let ruled = choose_access(job, plane, view, mirror_read_fraction).and_then(|access| {
                (first..first + ACCESS_MODES)
                    .filter(feasible)
                    .find(|&i| self.options[i].access == access)
            });
            let pick = ruled.or_else(|| {
                (first..first + ACCESS_MODES)
                    .filter(feasible)
                    .min_by(|&a, &b| self.options[a].score.total_cmp(&self.options[b].score))
            });
            let Some(pick) = pick else { continue };
            let best = match platform.plane(plane).kind {
                PlaneKind::Onprem => &mut best_onprem,
                PlaneKind::Cloud => &mut best_cloud,
            };
            if best.is_none_or(|b| self.options[pick].score < self.options[b].score) {
                *best = Some(pick);
            }
        }
        (best_onprem, best_cloud)
    }

    /// Reports whether `cloud`'s plane would beat `onprem_score` if the job's SnapMirror copy
    /// there were already complete. Reuses the inputs of the last [`DataAware::score`].
    fn bursts_with_mirror_ready(
        &mut self,
        job: &Job,
        view: &dyn ClusterView,
        cloud: &ScoredOption,
        onprem_score: f64,
    ) -> bool {
        let mut plane = self.inputs[cloud.plane.index()];
        let DataInput::Remote { mirror, .. } = &mut plane.data else {
            return false;
        };
        if *mirror != MirrorInput::Absent {
            return false;
        }
        *mirror = MirrorInput::Ready;
        evaluate(
            &request(job, view),
            std::slice::from_ref(&plane),
            &self.config.objective,
            &self.settings,
            &mut self.options,
        );
        self.options
            .iter()
            .any(|option| option.access == Access::Snapmirror && option.score < onprem_score)
    }

    /// Decides for `job`, keeping a record of the decision when asked to.
    fn decide(&mut self, job: &Job, view: &dyn ClusterView, timed_out: bool) -> Decision {
        let recorded = self.recording.as_ref().is_some_and(|filter| filter(job));
        let (onprem, cloud) = self.score(job, view);
        let options = recorded.then(|| self.options.clone());
        let decision = self.choose(job, view, timed_out, onprem, cloud);
        if let Some(options) = options {
            let compared = [onprem, cloud];
            let chosen = match decision {
                Decision::Run { plane, .. } | Decision::Wait { plane, .. } => compared
                    .into_iter()
                    .flatten()
                    .find(|&i| options[i].plane == plane),
                Decision::Reject(_) => None,
            };
            let alternative = compared.into_iter().flatten().find(|&i| Some(i) != chosen);
            self.records.push(DecisionRecord {
                job_id: job.id.clone(),
                at_us: view.now_us(),
                decision,
                options,
                chosen,
                alternative,
            });
        }
        decision
    }

    /// Chooses between the best on-prem and cloud options found by [`DataAware::score`].
    fn choose(
        &mut self,
        job: &Job,
        view: &dyn ClusterView,
        timed_out: bool,
        onprem: Option<usize>,
        cloud: Option<usize>,
    ) -> Decision {
        // `score` picked each plane's option by the shared access rule where the core finds
        // that mode feasible, so the job runs with the mode it was judged by.
        let run = |option: &ScoredOption| Decision::Run {
            plane: option.plane,
            access: option.access,
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
        // A job already in this plane's queue does not count against the cap.
        let queued_here = view.queued_plane(job) == Some(onprem.plane);
        let queued_ahead = view.queue_len(onprem.plane) - usize::from(queued_here);
        let queue_full = self.config.queue_cap.is_some_and(|cap| queued_ahead >= cap);
        let budget_s = micros_to_secs(self.rule.wait_us(job));
        if queue_full || budget_s == 0.0 || cloud.score < onprem.score {
            return run(&cloud);
        }
        // When only the copy of its data keeps the job from bursting, start its mirror now, so
        // that a later decision finds the copy ready, or nearly.
        let prefetch = (cloud.access == Access::Snapmirror
            && self.bursts_with_mirror_ready(job, view, &cloud, onprem.score))
        .then_some((cloud.plane, cloud.access));
        let recheck_s = budget_s.max(MIN_RECHECK_S);
        Decision::Wait {
            plane: onprem.plane,
            access: onprem.access,
            until_us: view.now_us().saturating_add(secs_to_micros(recheck_s)),
            prefetch,
        }
    }
}

fn request(job: &Job, view: &dyn ClusterView) -> JobRequest {
    JobRequest {
        gpus: job.gpus,
        duration_s: micros_to_secs(job.duration_us),
        read_gb: job.read_gb,
        write_gb: job.write_gb,
        writes_back: job.writes_back,
        dataset_gb: view.workload().dataset(job.dataset).size_gb,
        allowed: job.allowed,
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

    fn reads_snapshots(&self) -> bool {
        true
    }

    fn record_decisions(&mut self, filter: JobFilter) -> bool {
        self.recording = Some(filter);
        true
    }

    fn take_decisions(&mut self) -> Vec<DecisionRecord> {
        std::mem::take(&mut self.records)
    }
}
