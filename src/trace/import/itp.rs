//! Importer for Microsoft's ITP cluster job files (2021, released with ElasticFlow): one file
//! per cluster, one row per job with a UUID, a submission time in seconds, the run time in
//! seconds and the GPU count.
//!
//! The files of all clusters share one time base, so importing several together keeps their
//! relative timing. The file stem (`cluster01`) becomes each job's `group`. The files end
//! without a newline after the last row, which the CSV reader accepts.

use std::path::Path;

use super::table::{self, KnownFormat, Layout, Row};
use super::{Collector, RowOutcome};
use crate::trace::{TraceError, TraceRecord};

const HEADER: [&str; 4] = ["job_id", "submission_time", "duration", "num_gpu"];
const JOB_ID: usize = 0;
const SUBMISSION_TIME: usize = 1;
const DURATION: usize = 2;
const NUM_GPU: usize = 3;

const FORMAT: KnownFormat = KnownFormat {
    name: "itp",
    header: &HEADER,
    used: &HEADER,
    is_data_row,
};

fn is_data_row(record: &csv::ByteRecord) -> bool {
    record.len() == HEADER.len()
        && table::is_number(record, 1)
        && table::is_number(record, 2)
        && table::is_whole(record, 3)
}

/// Reads one ITP cluster file into `collector`.
///
/// # Errors
/// As [`super::import`].
pub(super) fn read_file(path: &Path, collector: &mut Collector) -> Result<(), TraceError> {
    let (mut rows, layout) = table::open_known(path, &FORMAT)?;
    let group = super::file_stem(path);
    while let Some(row) = rows.next_row()? {
        let outcome = parse_row(&row, &layout, &group)?;
        collector.push(row.path, row.line, outcome);
    }
    Ok(())
}

fn parse_row(row: &Row<'_>, layout: &Layout, group: &str) -> Result<RowOutcome, TraceError> {
    let job_id = row
        .text(layout, JOB_ID)?
        .ok_or_else(|| row.error(layout, JOB_ID, "a non-empty job id"))?;
    let gpus = row.gpus(layout, NUM_GPU)?;
    let duration_s = row.seconds(layout, DURATION)?;
    let submit = row.submit_time(layout, SUBMISSION_TIME);
    let (submit_s, duration_s) = match super::replayable(gpus, submit, duration_s) {
        Ok(times) => times,
        Err(reason) => return Ok(RowOutcome::Skip(reason)),
    };
    Ok(RowOutcome::Job(TraceRecord {
        job_id,
        submit_s,
        gpus,
        duration_s,
        group: Some(group.to_string()),
        ..TraceRecord::default()
    }))
}
