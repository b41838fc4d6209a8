//! Importer for Microsoft Philly's per-job table (2017): one row per job with a naive
//! submission timestamp, the run time summed over attempts, the GPU count and the virtual
//! cluster.
//!
//! Rows are not sorted by time and the file ends with a blank line; both are fine here. Job ids
//! are `philly-<N>`, with N the 1-based data row of the file, because the table has no id.

use std::path::Path;

use super::table::{self, KnownFormat, Layout, Row, TimeField};
use super::{Collector, RowOutcome};
use crate::trace::{TraceError, TraceRecord};

const HEADER: [&str; 5] = ["timestamp", "duration", "num_gpus", "gpu_time", "cluster"];

/// Columns read, indexed by the constants below; `gpu_time` is duration × GPUs and not needed.
const USED: [&str; 4] = ["timestamp", "duration", "num_gpus", "cluster"];
const TIMESTAMP: usize = 0;
const DURATION: usize = 1;
const NUM_GPUS: usize = 2;
const CLUSTER: usize = 3;

const FORMAT: KnownFormat = KnownFormat {
    name: "philly",
    header: &HEADER,
    used: &USED,
    is_data_row,
};

fn is_data_row(record: &csv::ByteRecord) -> bool {
    record.len() == HEADER.len()
        && matches!(table::naive_timestamp(&record[0]), TimeField::Value(_))
        && table::is_number(record, 1)
        && table::is_whole(record, 2)
}

/// Reads one Philly file into `collector`.
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
    let gpus = row.gpus(layout, NUM_GPUS)?;
    let duration_s = row.seconds(layout, DURATION)?;
    let group = row.text(layout, CLUSTER)?;
    let submit = match table::naive_timestamp(row.bytes(layout, TIMESTAMP)) {
        TimeField::Missing => TimeField::Missing,
        TimeField::Unparseable => TimeField::Unparseable,
        TimeField::Value(time) => TimeField::Value(table::naive_seconds(time)),
    };
    let (submit_s, duration_s) = match super::replayable(gpus, submit, duration_s) {
        Ok(times) => times,
        Err(reason) => return Ok(RowOutcome::Skip(reason)),
    };
    Ok(RowOutcome::Job(TraceRecord {
        job_id: format!("philly-{}", row.number),
        submit_s,
        gpus,
        duration_s,
        group,
        ..TraceRecord::default()
    }))
}
