//! Summaries of a replay for people (a table) and programs (JSON), and the per-job CSV.
//!
//! docs/output.md documents every key and column.

mod decisions;
pub mod html;
mod jobs_csv;
mod table;

use std::collections::BTreeMap;

use serde::Serialize;

pub use decisions::{write_decisions, write_decisions_to};
pub use jobs_csv::{write_jobs_csv, write_jobs_csv_to};

use crate::engine::Outcome;
use crate::model::{PlaneKind, Platform, Workload};
use crate::units::{MICROS_PER_S, micros_to_secs};

/// Mean and nearest-rank percentiles of a set of durations, seconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Distribution {
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
}

impl Distribution {
    /// Summarizes durations in microseconds; sorts them in place. The p-th percentile is the
    /// value at rank ceil(p / 100 × n) of the sorted list (the nearest-rank method).
    pub fn from_micros(values: &mut [u64]) -> Distribution {
        if values.is_empty() {
            return Distribution::default();
        }
        values.sort_unstable();
        let sum: u128 = values.iter().map(|&v| u128::from(v)).sum();
        let rank = |p: f64| {
            let rank = (p / 100.0 * values.len() as f64).ceil() as usize;
            micros_to_secs(values[rank.clamp(1, values.len()) - 1])
        };
        Distribution {
            mean: sum as f64 / values.len() as f64 / MICROS_PER_S as f64,
            p50: rank(50.0),
            p90: rank(90.0),
            p99: rank(99.0),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Rejected {
    pub total: u64,
    /// Count per reason; reasons with no job are left out.
    pub by_reason: BTreeMap<&'static str, u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlaneSummary {
    pub name: String,
    pub kind: PlaneKind,
    pub jobs: u64,
    /// GPU-hours of the jobs run here.
    pub gpu_hours: f64,
    /// Busy GPU time over the GPU time paid for: all GPUs through the makespan on-prem, the
    /// billed nodes' GPUs in the cloud.
    pub gpu_utilization: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TransferSummary {
    pub hydration: f64,
    pub mirror: f64,
    pub write_back: f64,
    pub total: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CostSummary {
    pub onprem_compute: f64,
    pub cloud_compute: f64,
    pub egress: f64,
    pub storage: f64,
    pub total: f64,
}

/// The summary of one replay.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub scenario: String,
    pub policy: String,
    pub seed: u64,
    pub jobs: u64,
    pub completed: u64,
    pub rejected: Rejected,
    pub makespan_s: f64,
    /// Job completion time: finish minus submission, completed jobs only.
    pub jct_s: Distribution,
    /// Start minus submission, completed jobs only.
    pub wait_s: Distribution,
    /// Share of completed jobs that ran on a cloud plane.
    pub burst_fraction: f64,
    pub planes: Vec<PlaneSummary>,
    pub transfer_gb: TransferSummary,
    pub cost_usd: CostSummary,
    /// Jobs that reached remote data, by dataset size class and access mode, in that order;
    /// empty groups are left out.
    pub remote_access: Vec<AccessGroup>,
}

/// Dataset size classes of [`AccessGroup`], by upper bound in GB.
pub const SIZE_CLASSES: [(&str, f64); 4] = [
    ("under-100gb", 100.0),
    ("100gb-1tb", 1000.0),
    ("1tb-10tb", 10_000.0),
    ("10tb-and-up", f64::INFINITY),
];

/// Outcome of the completed jobs of one dataset size class with one remote access mode.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AccessGroup {
    /// One of the names in [`SIZE_CLASSES`]. A class covers sizes from the previous bound up
    /// to, not including, its own.
    pub size_class: &'static str,
    pub access: crate::model::Access,
    pub jobs: u64,
    pub jct_mean_s: f64,
    /// Mean time from submission until the job's data was complete on its plane.
    pub data_ready_mean_s: f64,
    /// Mean time on the GPUs beyond the job's run time there: the FlexCache read stall.
    pub stall_mean_s: f64,
    pub transfer_gb: f64,
    /// Sum of the jobs' own costs (compute, egress), as in the jobs CSV.
    pub cost_usd: f64,
}

/// Groups completed remote-access jobs by dataset size class and access mode.
fn remote_access_groups(
    platform: &Platform,
    workload: &Workload,
    outcome: &Outcome,
) -> Vec<AccessGroup> {
    use crate::model::Access;
    let modes = [Access::Flexcache, Access::Snapmirror];
    let mut groups: Vec<AccessGroup> = Vec::new();
    for (class, _) in SIZE_CLASSES {
        for access in modes {
            groups.push(AccessGroup {
                size_class: class,
                access,
                jobs: 0,
                jct_mean_s: 0.0,
                data_ready_mean_s: 0.0,
                stall_mean_s: 0.0,
                transfer_gb: 0.0,
                cost_usd: 0.0,
            });
        }
    }
    for (job, result) in workload.jobs.iter().zip(&outcome.jobs) {
        let (Some(plane), Some(access)) = (result.plane, result.access) else {
            continue;
        };
        let Some(mode) = modes.iter().position(|&m| m == access) else {
            continue;
        };
        if result.rejected.is_some() {
            continue;
        }
        let size_gb = workload.dataset(job.dataset).size_gb;
        let class = SIZE_CLASSES
            .iter()
            .position(|&(_, bound)| size_gb < bound)
            .unwrap_or(3);
        let group = &mut groups[class * modes.len() + mode];
        let run_us = platform.plane(plane).run_time_us(job.duration_us);
        group.jobs += 1;
        group.jct_mean_s += micros_to_secs(result.finish_us.saturating_sub(job.submit_us));
        group.data_ready_mean_s +=
            micros_to_secs(result.data_ready_us.saturating_sub(job.submit_us));
        group.stall_mean_s += micros_to_secs(
            result
                .finish_us
                .saturating_sub(result.start_us)
                .saturating_sub(run_us),
        );
        group.transfer_gb += result.transfer_gb;
        group.cost_usd += result.cost_usd;
    }
    groups.retain(|group| group.jobs > 0);
    for group in &mut groups {
        let jobs = group.jobs as f64;
        group.jct_mean_s /= jobs;
        group.data_ready_mean_s /= jobs;
        group.stall_mean_s /= jobs;
    }
    groups
}

/// Names the run in the summary.
pub struct RunLabel<'a> {
    pub scenario: &'a str,
    pub policy: &'a str,
    pub seed: u64,
}

impl Summary {
    pub fn new(
        label: &RunLabel,
        platform: &Platform,
        workload: &Workload,
        outcome: &Outcome,
    ) -> Summary {
        let mut jct = Vec::with_capacity(outcome.jobs.len());
        let mut wait = Vec::with_capacity(outcome.jobs.len());
        let mut rejected = Rejected::default();
        let mut burst = 0u64;
        for (job, result) in workload.jobs.iter().zip(&outcome.jobs) {
            if let Some(reason) = result.rejected {
                rejected.total += 1;
                *rejected.by_reason.entry(reason.as_str()).or_default() += 1;
                continue;
            }
            jct.push(result.finish_us.saturating_sub(job.submit_us));
            wait.push(result.start_us.saturating_sub(job.submit_us));
            let plane = result.plane.expect("completed jobs have a plane");
            if platform.plane(plane).kind == PlaneKind::Cloud {
                burst += 1;
            }
        }
        let completed = jct.len() as u64;
        let planes = platform
            .planes
            .iter()
            .zip(&outcome.planes)
            .map(|(plane, totals)| {
                let paid_gpu_us = totals.node_us as f64 * f64::from(plane.gpus_per_node);
                PlaneSummary {
                    name: plane.name.clone(),
                    kind: plane.kind,
                    jobs: totals.jobs,
                    gpu_hours: totals.busy_gpu_us as f64 / 3.6e9,
                    gpu_utilization: if paid_gpu_us > 0.0 {
                        totals.busy_gpu_us as f64 / paid_gpu_us
                    } else {
                        0.0
                    },
                }
            })
            .collect();
        let transfer = &outcome.transfer;
        let cost = &outcome.cost;
        Summary {
            scenario: label.scenario.to_string(),
            policy: label.policy.to_string(),
            seed: label.seed,
            jobs: workload.jobs.len() as u64,
            completed,
            rejected,
            makespan_s: micros_to_secs(outcome.makespan_us),
            jct_s: Distribution::from_micros(&mut jct),
            wait_s: Distribution::from_micros(&mut wait),
            burst_fraction: if completed > 0 {
                burst as f64 / completed as f64
            } else {
                0.0
            },
            planes,
            transfer_gb: TransferSummary {
                hydration: transfer.hydration_gb,
                mirror: transfer.mirror_gb,
                write_back: transfer.write_back_gb,
                total: transfer.hydration_gb + transfer.mirror_gb + transfer.write_back_gb,
            },
            cost_usd: CostSummary {
                onprem_compute: cost.onprem_compute,
                cloud_compute: cost.cloud_compute,
                egress: cost.egress,
                storage: cost.storage,
                total: cost.total(),
            },
            remote_access: remote_access_groups(platform, workload, outcome),
        }
    }

    /// Renders the summary as an aligned text table.
    pub fn to_table(&self) -> String {
        table::render(self)
    }

    /// Renders the summary as pretty-printed JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("summary serializes");
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        // 10 values 1..=10 s: p50 is rank ceil(5) = 5 -> 5 s; p90 rank 9 -> 9 s; p99 rank
        // ceil(9.9) = 10 -> 10 s; mean 5.5 s.
        let mut values: Vec<u64> = (1..=10).rev().map(|s| s * 1_000_000).collect();
        let d = Distribution::from_micros(&mut values);
        assert_eq!(d.p50, 5.0);
        assert_eq!(d.p90, 9.0);
        assert_eq!(d.p99, 10.0);
        assert_eq!(d.mean, 5.5);
    }

    #[test]
    fn empty_distribution_is_zero() {
        assert_eq!(Distribution::from_micros(&mut []), Distribution::default());
    }
}
