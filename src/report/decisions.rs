//! The decision log of `simulate --explain`: one JSON object per line for each decision the
//! scoring core made, with every option it scored and the one the decision follows.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::model::{Access, Job, Platform, Workload};
use crate::policy::{Decision, DecisionRecord};
use crate::score::{NamedOption, explain};
use crate::units::micros_to_secs;

/// One line of the decision log.
#[derive(Serialize)]
struct Line<'a> {
    job_id: &'a str,
    /// The job as the core saw it.
    job: JobFacts,
    /// Simulated time of the decision, seconds from the start of the trace.
    time_s: f64,
    /// `run`, `wait` or `reject`.
    decision: &'static str,
    /// The plane the job runs or waits on.
    plane: Option<&'a str>,
    access: Option<Access>,
    /// For `wait`: when the job is decided again if it has not started.
    until_s: Option<f64>,
    /// For `wait`: the copy started on another plane while the job waits.
    prefetch: Option<Prefetch<'a>>,
    /// For `reject`: the reason.
    reason: Option<&'static str>,
    chosen: Option<NamedOption<'a>>,
    alternative: Option<NamedOption<'a>>,
    options: Vec<NamedOption<'a>>,
}

/// The facts of a job that the scoring core used.
#[derive(Serialize)]
struct JobFacts {
    gpus: u32,
    /// Run time with its data local, seconds.
    duration_s: f64,
    read_gb: f64,
    write_gb: f64,
    writes_back: bool,
    dataset_gb: f64,
}

#[derive(Serialize)]
struct Prefetch<'a> {
    plane: &'a str,
    access: Access,
}

/// Writes `records` to `out` as JSON Lines. Infinite times and scores of infeasible options
/// are written as `null`.
///
/// # Errors
/// The I/O error of writing.
pub fn write_decisions_to(
    mut out: impl Write,
    platform: &Platform,
    workload: &Workload,
    records: &[DecisionRecord],
) -> std::io::Result<()> {
    let name = |plane: crate::model::PlaneId| platform.plane(plane).name.as_str();
    let by_id: HashMap<&str, &Job> = workload.jobs.iter().map(|job| (&*job.id, job)).collect();
    for record in records {
        let explanation = explain(platform, &record.options, record.chosen);
        let job = by_id[&*record.job_id];
        let mut line = Line {
            job_id: &record.job_id,
            job: JobFacts {
                gpus: job.gpus,
                duration_s: micros_to_secs(job.duration_us),
                read_gb: job.read_gb,
                write_gb: job.write_gb,
                writes_back: job.writes_back,
                dataset_gb: workload.dataset(job.dataset).size_gb,
            },
            time_s: micros_to_secs(record.at_us),
            decision: "reject",
            plane: None,
            access: None,
            until_s: None,
            prefetch: None,
            reason: None,
            chosen: explanation.chosen,
            alternative: record.alternative.map(|i| explanation.options[i].clone()),
            options: explanation.options,
        };
        match record.decision {
            Decision::Run { plane, access } => {
                line.decision = "run";
                line.plane = Some(name(plane));
                line.access = Some(access);
            }
            Decision::Wait {
                plane,
                access,
                until_us,
                prefetch,
            } => {
                line.decision = "wait";
                line.plane = Some(name(plane));
                line.access = Some(access);
                line.until_s = Some(micros_to_secs(until_us));
                line.prefetch = prefetch.map(|(plane, access)| Prefetch {
                    plane: name(plane),
                    access,
                });
            }
            Decision::Reject(reason) => line.reason = Some(reason.as_str()),
        }
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes the decision log to `path`, replacing it only once complete.
///
/// # Errors
/// The I/O error of creating, writing or renaming the file.
pub fn write_decisions(
    path: &Path,
    platform: &Platform,
    workload: &Workload,
    records: &[DecisionRecord],
) -> std::io::Result<()> {
    crate::output::write_atomically(path, |out| {
        write_decisions_to(out, platform, workload, records)
    })
}
