//! Importer for Alibaba's GPU cluster pod list (`openb_pod_list_*.csv`, 2023): one row per
//! pod with its GPU request, QoS class, and creation, scheduling and deletion times in seconds.
//!
//! A pod becomes a job submitted at `creation_time` that runs from `scheduled_time` to
//! `deletion_time`. The queueing delay of the source cluster is dropped, because the simulator
//! decides when the job starts. CPU pods and pods that were never scheduled are skipped.

use std::path::Path;

use super::table::{self, KnownFormat, Layout, Row, TimeField};
use super::{Collector, RowOutcome, SkipReason};
use crate::trace::{TraceError, TraceRecord};

const HEADER: [&str; 11] = [
    "name",
    "cpu_milli",
    "memory_mib",
    "num_gpu",
    "gpu_milli",
    "gpu_spec",
    "qos",
    "pod_phase",
    "creation_time",
    "deletion_time",
    "scheduled_time",
];

/// Columns read, indexed by the constants below.
const USED: [&str; 6] = [
    "name",
    "num_gpu",
    "qos",
    "creation_time",
    "deletion_time",
    "scheduled_time",
];
const NAME: usize = 0;
const NUM_GPU: usize = 1;
const QOS: usize = 2;
const CREATION_TIME: usize = 3;
const DELETION_TIME: usize = 4;
const SCHEDULED_TIME: usize = 5;

const FORMAT: KnownFormat = KnownFormat {
    name: "alibaba-openb",
    header: &HEADER,
    used: &USED,
    is_data_row,
};

fn is_data_row(record: &csv::ByteRecord) -> bool {
    record.len() == HEADER.len()
        && table::is_whole(record, 3)
        && table::is_whole(record, 4)
        && table::is_number(record, 8)
}

/// Reads one pod list into `collector`.
///
/// # Errors
/// As [`super::import`].
pub(super) fn read_file(path: &Path, collector: &mut Collector) -> Result<(), TraceError> {
    let (mut rows, layout) = table::open_known(path, &FORMAT)?;
    while let Some(row) = rows.next_row()? {
        let outcome = parse_row(&row, &layout)?;
        collector.push(row.path, row.line, outcome);
    }
    Ok(())
}

fn parse_row(row: &Row<'_>, layout: &Layout) -> Result<RowOutcome, TraceError> {
    let job_id = row
        .text(layout, NAME)?
        .ok_or_else(|| row.error(layout, NAME, "a non-empty pod name"))?;
    // NOTE: a GPU-sharing pod (gpu_milli < 1000) still takes one whole GPU, since jobs here
    // have whole GPUs.
    let gpus = row.gpus(layout, NUM_GPU)?;
    let group = row.text(layout, QOS)?;
    let submit = row.submit_time(layout, CREATION_TIME);
    let scheduled = row.time(layout, SCHEDULED_TIME)?;
    let deleted = row.time(layout, DELETION_TIME)?;

    let skip = |reason| Ok(RowOutcome::Skip(reason));
    if gpus == 0 {
        return skip(SkipReason::ZeroGpus);
    }
    let submit_s = match submit {
        TimeField::Missing => return skip(SkipReason::MissingSubmitTime),
        TimeField::Unparseable => return skip(SkipReason::UnparseableSubmitTime),
        TimeField::Value(seconds) => seconds,
    };
    let Some(scheduled) = scheduled else {
        return skip(SkipReason::NeverScheduled);
    };
    let Some(deleted) = deleted else {
        return skip(SkipReason::MissingDuration);
    };
    let duration_s = deleted - scheduled;
    if !duration_s.is_finite() {
        return Err(row.error(
            layout,
            DELETION_TIME,
            "seconds within 10^308 of scheduled_time",
        ));
    }
    if duration_s <= 0.0 {
        return skip(SkipReason::NoRunTime);
    }
    Ok(RowOutcome::Job(TraceRecord {
        job_id,
        submit_s,
        gpus,
        duration_s,
        group,
        ..TraceRecord::default()
    }))
}
