//! The per-job CSV that `simulate --jobs-out` writes.

use std::io::Write;
use std::path::Path;

use crate::engine::Outcome;
use crate::model::{Platform, Workload};
use crate::units::{MICROS_PER_S, Micros};

const HEADER: [&str; 11] = [
    "job_id",
    "plane",
    "access",
    "submit_s",
    "start_s",
    "finish_s",
    "wait_s",
    "data_ready_s",
    "transfer_gb",
    "cost_usd",
    "rejected",
];

/// Formats microseconds as seconds with no trailing zeros, so output is exact and stable.
fn seconds(micros: Micros) -> String {
    let whole = micros / MICROS_PER_S;
    let fraction = micros % MICROS_PER_S;
    if fraction == 0 {
        whole.to_string()
    } else {
        let text = format!("{whole}.{fraction:06}");
        text.trim_end_matches('0').to_string()
    }
}

/// Writes one row per job to `out`.
///
/// # Errors
/// Returns the writer's I/O error.
pub fn write_jobs_csv_to(
    out: impl Write,
    platform: &Platform,
    workload: &Workload,
    outcome: &Outcome,
) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    for (job, result) in workload.jobs.iter().zip(&outcome.jobs) {
        let plane = result
            .plane
            .map_or("", |plane| platform.plane(plane).name.as_str());
        let access = result.access.map_or("", |access| access.as_str());
        writer.write_record([
            &*job.id,
            plane,
            access,
            &seconds(job.submit_us),
            &seconds(result.start_us),
            &seconds(result.finish_us),
            &seconds(result.start_us.saturating_sub(job.submit_us)),
            &seconds(result.data_ready_us),
            &format!("{:.6}", result.transfer_gb),
            &format!("{:.6}", result.cost_usd),
            result.rejected.map_or("", |reason| reason.as_str()),
        ])?;
    }
    writer.flush()
}

/// Writes the per-job CSV to `path` through a temporary file, so a failed write leaves any
/// earlier file at `path` intact.
///
/// # Errors
/// Returns the I/O error of creating, writing or renaming the file.
pub fn write_jobs_csv(
    path: &Path,
    platform: &Platform,
    workload: &Workload,
    outcome: &Outcome,
) -> std::io::Result<()> {
    crate::output::write_atomically(path, |out| {
        write_jobs_csv_to(out, platform, workload, outcome)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_exact() {
        assert_eq!(seconds(800_000_000), "800");
        assert_eq!(seconds(1_500_000), "1.5");
        assert_eq!(seconds(1), "0.000001");
    }
}
