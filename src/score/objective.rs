//! Objectives: how an option's time and money become one score, lower being better.

use super::ScoredOption;
use crate::units::SECONDS_PER_HOUR;

/// Quantity the placement minimizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectiveKind {
    /// Total cost; with a deadline, options that miss it rank after every option that meets it.
    MinCost,
    /// Finish time, cost breaking ties.
    MinFinish,
    /// Cost plus the value of the delay beyond the job's own run time.
    Weighted,
}

impl ObjectiveKind {
    pub const ALL_NAMES: [&'static str; 3] = ["min-cost", "min-finish", "weighted"];

    pub fn parse(name: &str) -> Option<ObjectiveKind> {
        match name {
            "min-cost" => Some(ObjectiveKind::MinCost),
            "min-finish" => Some(ObjectiveKind::MinFinish),
            "weighted" => Some(ObjectiveKind::Weighted),
            _ => None,
        }
    }
}

/// An objective with its parameters.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Objective {
    pub kind: ObjectiveKind,
    /// For `min-cost`: the latest acceptable finish, seconds from the decision.
    pub deadline_s: Option<f64>,
    /// For `weighted`: USD per job-hour of delay.
    pub value_of_time_usd_per_hour: f64,
}

/// Offset that ranks options missing a deadline after all that meet it.
const MISSED_DEADLINE: f64 = 1e15;

/// Weight of cost within a `min-finish` score: one USD counts as a microsecond, so cost only
/// breaks ties between finish times.
const TIE_BREAK_PER_USD: f64 = 1e-6;

impl Objective {
    /// Scores a feasible option; `run_s` is the job's run time on the option's plane with its
    /// data local, the least it could take.
    pub fn score(&self, option: &ScoredOption, run_s: f64) -> f64 {
        let cost = option.cost.total;
        match self.kind {
            ObjectiveKind::MinCost => match self.deadline_s {
                Some(deadline) if option.finish_s > deadline => MISSED_DEADLINE + option.finish_s,
                _ => cost,
            },
            ObjectiveKind::MinFinish => option.finish_s + cost * TIE_BREAK_PER_USD,
            ObjectiveKind::Weighted => {
                let delay_h = (option.finish_s - run_s).max(0.0) / SECONDS_PER_HOUR;
                cost + self.value_of_time_usd_per_hour * delay_h
            }
        }
    }
}
