//! Reader and writer of the normalized trace CSV.

use std::io::{Read, Write};
use std::path::Path;

use std::sync::Arc;

use super::TraceError;
use super::error::{LineCounter, read_all};

/// Columns of the normalized format, in the order the writer emits them.
pub const COLUMNS: [&str; 10] = [
    "job_id",
    "submit_s",
    "gpus",
    "duration_s",
    "dataset",
    "read_gb",
    "write_gb",
    "writes_back",
    "allowed_planes",
    "group",
];

/// Largest submission time or duration, seconds (about 3,200 years), so that sums of times in
/// microseconds stay far inside `u64`.
pub const MAX_SECONDS: f64 = 1e11;

/// Largest `read_gb` or `write_gb`, GB (100 PB), so that transfer times stay finite and exact.
pub const MAX_GB: f64 = 1e8;

const GB_EXPECTED: &str = "GB, a number from 0 to 1e8";

fn bounded_gb(value: Option<f64>) -> Result<Option<f64>, ()> {
    match value {
        Some(gb) if gb > MAX_GB => Err(()),
        other => Ok(other),
    }
}

const REQUIRED: [&str; 4] = ["job_id", "submit_s", "gpus", "duration_s"];

/// One job of a normalized trace. Optional columns override the data attachment model.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceRecord {
    pub job_id: String,
    /// Submission time, seconds from the start of the trace.
    pub submit_s: f64,
    pub gpus: u32,
    /// Run time on the trace's own GPUs with data local, seconds.
    pub duration_s: f64,
    pub dataset: Option<String>,
    pub read_gb: Option<f64>,
    pub write_gb: Option<f64>,
    pub writes_back: Option<bool>,
    /// Plane names the job may run on; empty means any.
    pub allowed_planes: Vec<String>,
    /// A grouping key from the source trace (Philly's virtual cluster, ITP's cluster file).
    pub group: Option<String>,
}

/// Reads a normalized trace file.
///
/// # Errors
/// Returns a [`TraceError`] naming the file, line, column and value of the first bad field, or
/// the file when it is empty, lacks a required column or has an unknown one.
pub fn read_trace(path: &Path) -> Result<Vec<TraceRecord>, TraceError> {
    read_trace_bytes(read_all(path)?, path)
}

/// Reads a normalized trace from any reader; `path` names it in errors.
///
/// # Errors
/// As [`read_trace`].
pub fn read_trace_from(mut input: impl Read, path: &Path) -> Result<Vec<TraceRecord>, TraceError> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|source| TraceError::Io {
            file: path.to_path_buf(),
            source,
        })?;
    read_trace_bytes(bytes.into(), path)
}

fn read_trace_bytes(bytes: Arc<[u8]>, path: &Path) -> Result<Vec<TraceRecord>, TraceError> {
    let mut lines = LineCounter::new(bytes.clone());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(std::io::Cursor::new(bytes));
    let mut record = csv::ByteRecord::new();
    if !reader
        .read_byte_record(&mut record)
        .map_err(|e| TraceError::from_csv(path, e))?
    {
        return Err(TraceError::file(
            path,
            format!(
                "the file is empty, expected a header line: {}",
                COLUMNS.join(",")
            ),
        ));
    }
    let columns = ColumnMap::from_header(&record, path)?;
    let mut records = Vec::new();
    let mut lines_of_records: Vec<u64> = Vec::new();
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| TraceError::from_csv(path, e))?
    {
        let line = lines.line_at(record.position().map_or(0, |position| position.byte()));
        if record.len() == 1 && record[0].trim_ascii().is_empty() {
            continue;
        }
        if record.len() != columns.width {
            return Err(TraceError::record(
                path,
                line,
                format!(
                    "has {} of the header's {} fields (a truncated line?)",
                    record.len(),
                    columns.width
                ),
            ));
        }
        records.push(columns.parse(&record, path, line)?);
        lines_of_records.push(line);
    }
    let mut seen: std::collections::HashMap<&str, u64> =
        std::collections::HashMap::with_capacity(records.len());
    for (record, &line) in records.iter().zip(&lines_of_records) {
        if let Some(first) = seen.insert(record.job_id.as_str(), line) {
            return Err(TraceError::field(
                path,
                line,
                "job_id",
                record.job_id.as_bytes(),
                &format!("an id not used before (line {first} has it)"),
            ));
        }
    }
    drop(seen);
    Ok(records)
}

/// Positions of the known columns in one file's header.
struct ColumnMap {
    width: usize,
    at: [Option<usize>; COLUMNS.len()],
}

impl ColumnMap {
    fn from_header(header: &csv::ByteRecord, path: &Path) -> Result<ColumnMap, TraceError> {
        let mut at = [None; COLUMNS.len()];
        for (position, name) in header.iter().enumerate() {
            let name = name.trim_ascii();
            let Some(known) = COLUMNS.iter().position(|c| c.as_bytes() == name) else {
                return Err(TraceError::file(
                    path,
                    format!(
                        "unknown column `{}` in the header, expected only: {}",
                        String::from_utf8_lossy(name),
                        COLUMNS.join(", ")
                    ),
                ));
            };
            if at[known].replace(position).is_some() {
                return Err(TraceError::file(
                    path,
                    format!("column `{}` appears twice in the header", COLUMNS[known]),
                ));
            }
        }
        for required in REQUIRED {
            let known = COLUMNS.iter().position(|c| *c == required).expect("listed");
            if at[known].is_none() {
                return Err(TraceError::file(
                    path,
                    format!(
                        "missing required column `{required}`; the header must name {}",
                        REQUIRED.join(", ")
                    ),
                ));
            }
        }
        Ok(ColumnMap {
            width: header.len(),
            at,
        })
    }

    fn get<'r>(&self, record: &'r csv::ByteRecord, column: usize) -> Option<&'r [u8]> {
        self.at[column].map(|position| record[position].trim_ascii())
    }

    fn parse(
        &self,
        record: &csv::ByteRecord,
        path: &Path,
        line: u64,
    ) -> Result<TraceRecord, TraceError> {
        let field = |column: usize| self.get(record, column).unwrap_or(b"");
        let bad = |column: usize, expected: &str| {
            TraceError::field(path, line, COLUMNS[column], field(column), expected)
        };
        let text = |column: usize| -> Result<Option<String>, TraceError> {
            let bytes = field(column);
            if bytes.is_empty() {
                return Ok(None);
            }
            std::str::from_utf8(bytes)
                .map(|s| Some(s.to_string()))
                .map_err(|_| bad(column, "UTF-8 text"))
        };
        let number = |column: usize, expected: &str| -> Result<Option<f64>, TraceError> {
            let bytes = field(column);
            if bytes.is_empty() {
                return Ok(None);
            }
            match parse_f64(bytes) {
                Some(value) if value.is_finite() && value >= 0.0 => Ok(Some(value)),
                _ => Err(bad(column, expected)),
            }
        };

        let job_id = text(0)?.ok_or_else(|| bad(0, "a non-empty job id"))?;
        let submit_expected = "seconds, a number >= 0 and at most 1e11";
        let submit_s = number(1, submit_expected)?
            .filter(|&s| s <= MAX_SECONDS)
            .ok_or_else(|| bad(1, submit_expected))?;
        let gpus = std::str::from_utf8(field(2))
            .ok()
            .and_then(|s| s.parse::<u32>().ok())
            .filter(|&gpus| gpus >= 1)
            .ok_or_else(|| bad(2, "a whole number of GPUs from 1 to 4294967295"))?;
        let duration_expected = "seconds, a number > 0 and at most 1e11";
        let duration_s = number(3, duration_expected)?
            .filter(|&d| d > 0.0 && d <= MAX_SECONDS)
            .ok_or_else(|| bad(3, duration_expected))?;
        let writes_back = match field(7) {
            b"" => None,
            b"true" | b"1" => Some(true),
            b"false" | b"0" => Some(false),
            _ => return Err(bad(7, "true, false, 1, 0 or empty")),
        };
        let allowed_planes = match text(8)? {
            None => Vec::new(),
            Some(list) => list
                .split(';')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_string)
                .collect(),
        };
        Ok(TraceRecord {
            job_id,
            submit_s,
            gpus,
            duration_s,
            dataset: text(4)?,
            read_gb: bounded_gb(number(5, GB_EXPECTED)?).map_err(|()| bad(5, GB_EXPECTED))?,
            write_gb: bounded_gb(number(6, GB_EXPECTED)?).map_err(|()| bad(6, GB_EXPECTED))?,
            writes_back,
            allowed_planes,
            group: text(9)?,
        })
    }
}

/// Parses a decimal number from ASCII bytes.
fn parse_f64(bytes: &[u8]) -> Option<f64> {
    std::str::from_utf8(bytes).ok()?.parse::<f64>().ok()
}

/// Writes a normalized trace file, replacing it only once the whole trace is written.
///
/// # Errors
/// Returns [`TraceError::Write`] when the file or its temporary sibling cannot be written;
/// an earlier file at `path` is then left as it was.
pub fn write_trace(path: &Path, records: &[TraceRecord]) -> Result<(), TraceError> {
    let write_error = |source| TraceError::Write {
        file: path.to_path_buf(),
        source,
    };
    crate::output::write_atomically(path, |out| write_trace_to(out, records)).map_err(write_error)
}

/// Writes a normalized trace with a header to any writer.
///
/// # Errors
/// Returns the writer's I/O error.
pub fn write_trace_to(out: &mut dyn Write, records: &[TraceRecord]) -> std::io::Result<()> {
    let mut writer = csv::WriterBuilder::new().from_writer(out);
    writer.write_record(COLUMNS)?;
    for record in records {
        let optional = |value: Option<f64>| value.map(|v| v.to_string()).unwrap_or_default();
        writer.write_record([
            record.job_id.as_str(),
            &record.submit_s.to_string(),
            &record.gpus.to_string(),
            &record.duration_s.to_string(),
            record.dataset.as_deref().unwrap_or(""),
            &optional(record.read_gb),
            &optional(record.write_gb),
            match record.writes_back {
                None => "",
                Some(true) => "true",
                Some(false) => "false",
            },
            &record.allowed_planes.join(";"),
            record.group.as_deref().unwrap_or(""),
        ])?;
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<TraceRecord>, TraceError> {
        read_trace_from(text.as_bytes(), Path::new("t.csv"))
    }

    #[test]
    fn reads_required_and_optional_columns() {
        let records = read(
            "job_id,submit_s,gpus,duration_s,read_gb,writes_back,allowed_planes\n\
             a,0,8,3600,100,true,onprem;eks\n\
             b,1.5,1,60,,,\n",
        )
        .unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].read_gb, Some(100.0));
        assert_eq!(records[0].writes_back, Some(true));
        assert_eq!(records[0].allowed_planes, vec!["onprem", "eks"]);
        assert_eq!(records[1].submit_s, 1.5);
        assert_eq!(records[1].read_gb, None);
        assert!(records[1].allowed_planes.is_empty());
    }

    #[test]
    fn text_gpu_count_names_line_and_column() {
        let error = read("job_id,submit_s,gpus,duration_s\na,0,eight,10\n").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("t.csv:2"), "{message}");
        assert!(message.contains("`gpus`"), "{message}");
        assert!(message.contains("`eight`"), "{message}");
        assert!(message.contains("whole number of GPUs"), "{message}");
    }

    #[test]
    fn negative_duration_is_rejected() {
        let message = read("job_id,submit_s,gpus,duration_s\na,0,1,-5\n")
            .unwrap_err()
            .to_string();
        assert!(message.contains("`duration_s`"), "{message}");
        assert!(message.contains("`-5`"), "{message}");
    }

    #[test]
    fn absurd_duration_is_rejected() {
        let message = read("job_id,submit_s,gpus,duration_s\na,0,1,1e300\n")
            .unwrap_err()
            .to_string();
        assert!(message.contains("at most 1e11"), "{message}");
    }

    #[test]
    fn truncated_line_is_rejected() {
        let message = read("job_id,submit_s,gpus,duration_s\na,0,1,5\nb,3\n")
            .unwrap_err()
            .to_string();
        assert!(message.contains("t.csv:3"), "{message}");
        assert!(
            message.contains("has 2 of the header's 4 fields"),
            "{message}"
        );
    }

    #[test]
    fn missing_and_unknown_columns_are_rejected() {
        let missing = read("job_id,submit_s,gpus\na,0,1\n")
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("missing required column `duration_s`"),
            "{missing}"
        );
        let unknown = read("job_id,submit_s,gpus,duration_s,read_GB\n")
            .unwrap_err()
            .to_string();
        assert!(unknown.contains("unknown column `read_GB`"), "{unknown}");
    }

    #[test]
    fn duplicate_job_id_is_rejected() {
        let message = read("job_id,submit_s,gpus,duration_s\na,0,1,5\nb,1,1,5\na,2,1,5\n")
            .unwrap_err()
            .to_string();
        assert!(message.contains("t.csv:4"), "{message}");
        assert!(message.contains("line 2 has it"), "{message}");
    }

    #[test]
    fn blank_lines_keep_line_numbers() {
        let message = read("job_id,submit_s,gpus,duration_s\na,0,1,10\n\n\nb,0,x,10\n")
            .unwrap_err()
            .to_string();
        assert!(message.contains("t.csv:5"), "{message}");
    }

    #[test]
    fn empty_file_is_rejected() {
        let message = read("").unwrap_err().to_string();
        assert!(message.contains("the file is empty"), "{message}");
    }

    #[test]
    fn write_then_read_round_trips() {
        let records = vec![TraceRecord {
            job_id: "x".into(),
            submit_s: 12.25,
            gpus: 4,
            duration_s: 600.0,
            dataset: Some("ds-1".into()),
            read_gb: Some(3.5),
            write_gb: None,
            writes_back: Some(false),
            allowed_planes: vec!["a".into(), "b".into()],
            group: Some("vc1".into()),
        }];
        let mut bytes = Vec::new();
        write_trace_to(&mut bytes, &records).unwrap();
        let back = read_trace_from(bytes.as_slice(), Path::new("t.csv")).unwrap();
        assert_eq!(back, records);
    }
}
