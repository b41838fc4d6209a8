//! Importers that turn public job traces and other CSV exports into the normalized trace format.
//!
//! Each source format has its own file: [`ImportFormat::Philly`] (Microsoft Philly, 2017),
//! [`ImportFormat::Itp`] (Microsoft ITP clusters, 2021), [`ImportFormat::AlibabaOpenb`] (Alibaba
//! GPU cluster pods, 2023) and [`ImportFormat::Csv`] (any CSV with a [`ColumnMapping`]). They
//! share the reading rules of `table.rs`. This file merges the rows of all input files: it
//! rebases times to the first submission, sorts by submit time and keeps job ids unique.
//! Rows that cannot be replayed are skipped and counted by [`SkipReason`], and malformed input
//! is a [`TraceError`] naming file, line, column, value and the expected form.

mod alibaba;
mod generic;
mod itp;
mod philly;
mod table;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

pub use generic::{ColumnMapping, ColumnRef, MapKey, MappingError};

use super::{MAX_GB, MAX_SECONDS, TraceError, TraceRecord};

/// A source trace format that [`import`] reads.
#[derive(Clone, Debug, PartialEq)]
pub enum ImportFormat {
    /// Philly's per-job table, header `timestamp,duration,num_gpus,gpu_time,cluster`.
    Philly,
    /// An ITP cluster file, header `job_id,submission_time,duration,num_gpu`.
    Itp,
    /// Alibaba's `openb_pod_list_*.csv`, header
    /// `name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time`.
    AlibabaOpenb,
    /// Any CSV, read through a column mapping.
    Csv(ColumnMapping),
}

impl ImportFormat {
    /// Returns the name that `trace import --format` takes for this format.
    pub fn name(&self) -> &'static str {
        match self {
            ImportFormat::Philly => "philly",
            ImportFormat::Itp => "itp",
            ImportFormat::AlibabaOpenb => "alibaba-openb",
            ImportFormat::Csv(_) => "csv",
        }
    }
}

/// Reason for skipping a source row that cannot be replayed.
///
/// A row that matches several reasons is counted once, under the first in declaration order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// The job requests no GPU, such as an Alibaba CPU pod.
    ZeroGpus,
    /// The submit time field is empty.
    MissingSubmitTime,
    /// The submit time field is neither a number nor a timestamp of the expected form.
    UnparseableSubmitTime,
    /// An Alibaba pod with an empty `scheduled_time`, which never ran.
    NeverScheduled,
    /// The duration field is empty.
    MissingDuration,
    /// The duration is 0 seconds.
    ZeroDuration,
    /// An Alibaba pod whose `deletion_time` is not after its `scheduled_time`.
    NoRunTime,
}

impl SkipReason {
    /// Returns the label used in [`ImportReport::skipped`] and in the import summary.
    pub fn label(self) -> &'static str {
        match self {
            SkipReason::ZeroGpus => "zero GPUs",
            SkipReason::MissingSubmitTime => "missing submit time",
            SkipReason::UnparseableSubmitTime => "unparseable submit time",
            SkipReason::NeverScheduled => "never scheduled (empty scheduled_time)",
            SkipReason::MissingDuration => "missing duration",
            SkipReason::ZeroDuration => "zero duration",
            SkipReason::NoRunTime => "run time <= 0 (deletion_time <= scheduled_time)",
        }
    }
}

/// The outcome of an import: the jobs, and what was read and skipped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportReport {
    /// Imported jobs, sorted by submit time, with the first submission at 0 s.
    pub records: Vec<TraceRecord>,
    /// Number of input files read.
    pub files: usize,
    /// Data rows read from all files, without header and blank lines.
    pub rows_read: u64,
    /// Skipped rows per [`SkipReason::label`].
    pub skipped: BTreeMap<String, u64>,
    /// File and line of the first row skipped for each reason, keyed as `skipped`.
    pub first_skipped: BTreeMap<String, (PathBuf, u64)>,
}

impl ImportReport {
    /// Returns the number of skipped rows over all reasons.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }
}

/// The import summary: one line with the counts, then one line per skip reason.
impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |count: usize, word: &str| {
            if count == 1 {
                format!("{count} {word}")
            } else {
                format!("{count} {word}s")
            }
        };
        write!(
            f,
            "imported {} from {}; skipped: {}",
            plural(self.records.len(), "job"),
            plural(self.files, "file"),
            self.skipped_total()
        )?;
        for (reason, count) in &self.skipped {
            write!(f, "\n  {reason}: {count}")?;
            if let Some((file, line)) = self.first_skipped.get(reason) {
                write!(f, ", first at {}:{line}", file.display())?;
            }
        }
        Ok(())
    }
}

/// Imports `inputs`, all of one format, into normalized records.
///
/// Times become seconds from the first submission over all files together, since the files of
/// one trace (such as ITP's clusters) share a time base. Records are sorted by submit time, and
/// ties keep input order. Job ids stay unique across files: Philly's and the generic CSV's
/// generated ids get a `<file stem>/` prefix whenever there are several files, and a source id
/// that an earlier file already used gets that prefix too.
///
/// # Errors
/// Returns a [`TraceError`] for an unreadable, empty or malformed file, a header that is not the
/// format's, and a row that is truncated or has an invalid value. Job ids are errors too when
/// one repeats within a file or two files share one even after prefixing. So is a file given
/// twice.
pub fn import(format: &ImportFormat, inputs: &[PathBuf]) -> Result<ImportReport, TraceError> {
    reject_repeated_inputs(inputs)?;
    let mut collector = Collector::default();
    let mut generic_state = generic::ImportState::default();
    for (file_index, path) in inputs.iter().enumerate() {
        collector.file_index = file_index;
        match format {
            ImportFormat::Philly => philly::read_file(path, &mut collector)?,
            ImportFormat::Itp => itp::read_file(path, &mut collector)?,
            ImportFormat::AlibabaOpenb => alibaba::read_file(path, &mut collector)?,
            ImportFormat::Csv(mapping) => {
                generic::read_file(path, mapping, &mut generic_state, &mut collector)?
            }
        }
    }
    let generated_ids = match format {
        ImportFormat::Philly => true,
        ImportFormat::Csv(mapping) => mapping.column(MapKey::JobId).is_none(),
        ImportFormat::Itp | ImportFormat::AlibabaOpenb => false,
    };
    collector.finish(inputs, generated_ids)
}

/// Rejects a file given twice, which would import every job twice under two ids.
fn reject_repeated_inputs(inputs: &[PathBuf]) -> Result<(), TraceError> {
    let mut seen = HashSet::with_capacity(inputs.len());
    for path in inputs {
        // A path that cannot be resolved is left to the read, which names it in its error.
        let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        if !seen.insert(resolved) {
            return Err(TraceError::file(
                path,
                "the file is given twice as input, expected each file once",
            ));
        }
    }
    Ok(())
}

/// A parsed source row, before rebasing and sorting.
struct SourceJob {
    file_index: usize,
    line: u64,
    /// The record, with `submit_s` still in the source's own time base.
    record: TraceRecord,
}

/// A format reader's decision on one data row.
enum RowOutcome {
    Job(TraceRecord),
    Skip(SkipReason),
}

/// Rows and skip counts gathered from all input files.
#[derive(Default)]
struct Collector {
    file_index: usize,
    jobs: Vec<SourceJob>,
    rows_read: u64,
    skipped: BTreeMap<SkipReason, (u64, PathBuf, u64)>,
}

impl Collector {
    /// Records the outcome of the data row at `line` of `path`.
    fn push(&mut self, path: &Path, line: u64, outcome: RowOutcome) {
        self.rows_read += 1;
        match outcome {
            RowOutcome::Job(record) => self.jobs.push(SourceJob {
                file_index: self.file_index,
                line,
                record,
            }),
            RowOutcome::Skip(reason) => {
                self.skipped
                    .entry(reason)
                    .or_insert_with(|| (0, path.to_path_buf(), line))
                    .0 += 1;
            }
        }
    }

    fn finish(
        mut self,
        inputs: &[PathBuf],
        generated_ids: bool,
    ) -> Result<ImportReport, TraceError> {
        assign_unique_ids(&mut self.jobs, inputs, generated_ids)?;

        let base = self
            .jobs
            .iter()
            .map(|job| job.record.submit_s)
            .fold(f64::INFINITY, f64::min);
        let mut records = Vec::with_capacity(self.jobs.len());
        for job in self.jobs {
            let mut record = job.record;
            let source_s = record.submit_s;
            record.submit_s -= base;
            // The normalized format bounds times so that microsecond sums cannot overflow.
            if !record.submit_s.is_finite() || record.submit_s > MAX_SECONDS {
                return Err(TraceError::field(
                    &inputs[job.file_index],
                    job.line,
                    "submit time",
                    source_s.to_string().as_bytes(),
                    &format!("a time at most 1e11 s after the first submission ({base})"),
                ));
            }
            if record.duration_s > MAX_SECONDS {
                return Err(TraceError::field(
                    &inputs[job.file_index],
                    job.line,
                    "duration",
                    record.duration_s.to_string().as_bytes(),
                    "seconds, at most 1e11",
                ));
            }
            for (column, value) in [("read_gb", record.read_gb), ("write_gb", record.write_gb)] {
                if let Some(gb) = value.filter(|&gb| gb > MAX_GB) {
                    return Err(TraceError::field(
                        &inputs[job.file_index],
                        job.line,
                        column,
                        gb.to_string().as_bytes(),
                        "GB, a number from 0 to 1e8",
                    ));
                }
            }
            records.push(record);
        }
        // `sort_by` is stable, so jobs submitted at the same second keep their input order.
        records.sort_by(|a, b| a.submit_s.total_cmp(&b.submit_s));

        let mut skipped = BTreeMap::new();
        let mut first_skipped = BTreeMap::new();
        for (reason, (count, file, line)) in self.skipped {
            skipped.insert(reason.label().to_string(), count);
            first_skipped.insert(reason.label().to_string(), (file, line));
        }
        Ok(ImportReport {
            records,
            files: inputs.len(),
            rows_read: self.rows_read,
            skipped,
            first_skipped,
        })
    }
}

/// Makes job ids unique across files, or rejects ids that collide within one file.
///
/// `jobs` are in input order, so the jobs of one file are contiguous.
fn assign_unique_ids(
    jobs: &mut [SourceJob],
    inputs: &[PathBuf],
    generated_ids: bool,
) -> Result<(), TraceError> {
    // An id used twice inside one file is an error, since no prefix can tell the two apart.
    let mut in_file: HashMap<&str, u64> = HashMap::new();
    let mut earlier_files: HashSet<&str> = HashSet::with_capacity(jobs.len());
    let mut renamed = vec![false; jobs.len()];
    let mut current_file = None;
    for (index, job) in jobs.iter().enumerate() {
        if current_file != Some(job.file_index) {
            earlier_files.extend(in_file.drain().map(|(id, _)| id));
            current_file = Some(job.file_index);
        }
        let id = job.record.job_id.as_str();
        if let Some(&line) = in_file.get(id) {
            return Err(TraceError::field(
                &inputs[job.file_index],
                job.line,
                "job_id",
                id.as_bytes(),
                &format!("an id unique within the file, but line {line} has it too"),
            ));
        }
        in_file.insert(id, job.line);
        renamed[index] = earlier_files.contains(id);
    }

    let several_files = inputs.len() > 1;
    for (job, renamed) in jobs.iter_mut().zip(renamed) {
        if renamed || (generated_ids && several_files) {
            let stem = file_stem(&inputs[job.file_index]);
            job.record.job_id = format!("{stem}/{}", job.record.job_id);
        }
    }

    // Prefixing can still collide, for example when two inputs share a file stem.
    let mut final_use: HashMap<&str, (usize, u64)> = HashMap::with_capacity(jobs.len());
    for job in jobs.iter() {
        if let Some(&(file_index, line)) = final_use.get(job.record.job_id.as_str()) {
            return Err(TraceError::field(
                &inputs[job.file_index],
                job.line,
                "job_id",
                job.record.job_id.as_bytes(),
                &format!(
                    "an id unique across input files, but {}:{line} has it too \
                     (input files need distinct file names)",
                    inputs[file_index].display()
                ),
            ));
        }
        final_use.insert(&job.record.job_id, (job.file_index, job.line));
    }
    Ok(())
}

/// Applies the skip rules that every format shares, in [`SkipReason`] order, and returns the
/// submit time and duration of a replayable row.
fn replayable(
    gpus: u32,
    submit: table::TimeField<f64>,
    duration_s: Option<f64>,
) -> Result<(f64, f64), SkipReason> {
    if gpus == 0 {
        return Err(SkipReason::ZeroGpus);
    }
    let submit = match submit {
        table::TimeField::Missing => return Err(SkipReason::MissingSubmitTime),
        table::TimeField::Unparseable => return Err(SkipReason::UnparseableSubmitTime),
        table::TimeField::Value(seconds) => seconds,
    };
    match duration_s {
        None => Err(SkipReason::MissingDuration),
        Some(0.0) => Err(SkipReason::ZeroDuration),
        Some(duration_s) => Ok((submit, duration_s)),
    }
}

/// Returns the file name of `path` without its extension, or the whole path when it has none.
fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
