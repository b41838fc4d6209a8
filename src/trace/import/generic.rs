//! Importer for any CSV of jobs, such as a Slurm or Kubernetes export, read through a
//! `--map` column mapping from normalized fields to source columns.
//!
//! With a header, a mapped column is a header name; with `--no-header`, it is a 1-based column
//! number. The submit time may be seconds (a number) or a timestamp, but one import must use
//! one kind throughout, since seconds and timestamps share no time base.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime};

use super::table::{self, Layout, Row, Rows, TimeField};
use super::{Collector, RowOutcome};
use crate::trace::{TraceError, TraceRecord};

/// The form of the `--map` value, shown in its errors.
const MAP_FORM: &str =
    "KEY=COLUMN[,KEY=COLUMN...], such as --map submit_s=Submit,duration_s=Elapsed,gpus=NGPUS";

/// A normalized field that `--map` can fill from a source column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MapKey {
    JobId,
    SubmitS,
    Gpus,
    DurationS,
    Dataset,
    ReadGb,
    WriteGb,
    WritesBack,
    AllowedPlanes,
    Group,
}

impl MapKey {
    /// Every key, in declaration order, which is the column order of the normalized format.
    pub const ALL: [MapKey; 10] = [
        MapKey::JobId,
        MapKey::SubmitS,
        MapKey::Gpus,
        MapKey::DurationS,
        MapKey::Dataset,
        MapKey::ReadGb,
        MapKey::WriteGb,
        MapKey::WritesBack,
        MapKey::AllowedPlanes,
        MapKey::Group,
    ];

    /// Keys that every mapping must give.
    pub const REQUIRED: [MapKey; 3] = [MapKey::SubmitS, MapKey::DurationS, MapKey::Gpus];

    /// Returns the key as `--map` spells it, which is its normalized column name.
    pub fn name(self) -> &'static str {
        match self {
            MapKey::JobId => "job_id",
            MapKey::SubmitS => "submit_s",
            MapKey::DurationS => "duration_s",
            MapKey::Gpus => "gpus",
            MapKey::Dataset => "dataset",
            MapKey::ReadGb => "read_gb",
            MapKey::WriteGb => "write_gb",
            MapKey::WritesBack => "writes_back",
            MapKey::AllowedPlanes => "allowed_planes",
            MapKey::Group => "group",
        }
    }

    fn from_name(name: &str) -> Option<MapKey> {
        MapKey::ALL.into_iter().find(|key| key.name() == name)
    }
}

impl fmt::Display for MapKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A source column: a header name, or a 1-based position in a headerless file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnRef {
    Name(String),
    Number(usize),
}

impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnRef::Name(name) => f.write_str(name),
            ColumnRef::Number(number) => write!(f, "{number}"),
        }
    }
}

/// A `--map` column mapping: the source column of each normalized field, and whether the
/// files have a header.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnMapping {
    has_header: bool,
    columns: BTreeMap<MapKey, ColumnRef>,
}

/// A `--map` value that cannot be used.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum MappingError {
    #[error("invalid --map: the value is empty, expected {MAP_FORM}")]
    Empty,
    #[error("invalid --map entry `{entry}`, expected KEY=COLUMN as in {MAP_FORM}")]
    NotAPair { entry: String },
    #[error(
        "invalid --map entry `{entry}`: unknown key `{key}`, expected one of job_id, submit_s, \
         duration_s, gpus, dataset, read_gb, write_gb, writes_back, allowed_planes, group"
    )]
    UnknownKey { entry: String, key: String },
    #[error("invalid --map: key `{key}` is given twice, expected each key once")]
    DuplicateKey { key: MapKey },
    #[error(
        "invalid --map: missing required key `{key}`, expected submit_s, duration_s and gpus, \
         as in {MAP_FORM}"
    )]
    MissingKey { key: MapKey },
    #[error(
        "invalid --map entry `{key}={column}`: with --no-header a column is a 1-based number, \
         expected for example {key}=3"
    )]
    NotAColumnNumber { key: MapKey, column: String },
}

impl ColumnMapping {
    /// Parses a `--map` value, `KEY=COLUMN` pairs separated by commas.
    ///
    /// With `has_header`, COLUMN is a header name, matched exactly after trimming spaces;
    /// without it, COLUMN is a 1-based column number.
    ///
    /// # Errors
    /// Returns a [`MappingError`] for an empty value, an entry without `=`, an unknown or
    /// repeated key, a missing `submit_s`, `duration_s` or `gpus`, an empty column, or, without
    /// a header, a column that is not a number >= 1.
    pub fn parse(spec: &str, has_header: bool) -> Result<ColumnMapping, MappingError> {
        if spec.trim().is_empty() {
            return Err(MappingError::Empty);
        }
        let mut columns = BTreeMap::new();
        for entry in spec.split(',') {
            let Some((key, column)) = entry.split_once('=') else {
                return Err(MappingError::NotAPair {
                    entry: entry.to_string(),
                });
            };
            let (key_name, column) = (key.trim(), column.trim());
            let Some(key) = MapKey::from_name(key_name) else {
                return Err(MappingError::UnknownKey {
                    entry: entry.to_string(),
                    key: key_name.to_string(),
                });
            };
            if column.is_empty() {
                return Err(MappingError::NotAPair {
                    entry: entry.to_string(),
                });
            }
            let column = if has_header {
                ColumnRef::Name(column.to_string())
            } else {
                match column.parse::<usize>() {
                    Ok(number) if number >= 1 => ColumnRef::Number(number),
                    _ => {
                        return Err(MappingError::NotAColumnNumber {
                            key,
                            column: column.to_string(),
                        });
                    }
                }
            };
            if columns.insert(key, column).is_some() {
                return Err(MappingError::DuplicateKey { key });
            }
        }
        if let Some(&key) = MapKey::REQUIRED
            .iter()
            .find(|key| !columns.contains_key(key))
        {
            return Err(MappingError::MissingKey { key });
        }
        Ok(ColumnMapping {
            has_header,
            columns,
        })
    }

    /// Returns whether the first line of each file is a header.
    pub fn has_header(&self) -> bool {
        self.has_header
    }

    /// Returns the source column mapped to `key`, if any.
    pub fn column(&self, key: MapKey) -> Option<&ColumnRef> {
        self.columns.get(&key)
    }
}

/// Whether submit times are plain seconds or timestamps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TimeKind {
    Seconds,
    Timestamp,
}

impl TimeKind {
    fn describe(self) -> &'static str {
        match self {
            TimeKind::Seconds => "seconds",
            TimeKind::Timestamp => "a timestamp",
        }
    }
}

/// State that one import carries from file to file.
#[derive(Default)]
pub(super) struct ImportState {
    /// Kind of the first submit time read, and where it was.
    time_kind: Option<(TimeKind, PathBuf, u64)>,
}

/// Reads one CSV file through `mapping` into `collector`.
///
/// # Errors
/// As [`super::import`], and also a mapped column that the header lacks or that lies past the
/// last field, and a submit time whose kind differs from the first one of the import.
pub(super) fn read_file(
    path: &Path,
    mapping: &ColumnMapping,
    state: &mut ImportState,
    collector: &mut Collector,
) -> Result<(), TraceError> {
    let mut rows = Rows::open(path)?;
    let Some(first) = rows.first_line()? else {
        let expected = if mapping.has_header {
            "a header line naming the columns that --map gives"
        } else {
            "data rows"
        };
        return Err(TraceError::file(
            path,
            format!("the file is empty, expected {expected}"),
        ));
    };
    let first_line = first.position().map_or(1, |position| position.line());
    let (names, slots, layout) = resolve(path, mapping, first, first_line)?;
    rows.set_columns(names, !mapping.has_header);

    while let Some(row) = rows.next_row()? {
        let outcome = parse_row(&row, &layout, &slots, state)?;
        collector.push(row.path, row.line, outcome);
    }
    Ok(())
}

/// Position of each mapped key among the layout's columns.
type Slots = [Option<usize>; MapKey::ALL.len()];

/// Finds the mapped columns in the first line of a file.
///
/// Returns the file's column names (header names, or numbers without a header), the slot of
/// each key, and the layout of the mapped columns.
fn resolve(
    path: &Path,
    mapping: &ColumnMapping,
    first: &csv::ByteRecord,
    first_line: u64,
) -> Result<(Vec<String>, Slots, Layout), TraceError> {
    let names: Vec<String> = if mapping.has_header {
        first
            .iter()
            .map(|name| String::from_utf8_lossy(name).into_owned())
            .collect()
    } else {
        (1..=first.len()).map(|number| number.to_string()).collect()
    };
    let mut slots: Slots = [None; MapKey::ALL.len()];
    let mut labels = Vec::new();
    let mut positions = Vec::new();
    for (&key, column) in &mapping.columns {
        let position = match column {
            ColumnRef::Name(name) => {
                let mut matches = names.iter().enumerate().filter(|(_, found)| *found == name);
                let Some((position, _)) = matches.next() else {
                    return Err(TraceError::record(
                        path,
                        first_line,
                        format!(
                            "--map {key}={name}: column `{name}` is not in the header, \
                             expected one of: {}",
                            table::preview(&names.join(", "))
                        ),
                    ));
                };
                if matches.next().is_some() {
                    return Err(TraceError::record(
                        path,
                        first_line,
                        format!("--map {key}={name}: the header has column `{name}` twice"),
                    ));
                }
                position
            }
            ColumnRef::Number(number) => {
                if *number > names.len() {
                    return Err(TraceError::record(
                        path,
                        first_line,
                        format!(
                            "--map {key}={number}: the line has only {} fields, expected at \
                             least {number}",
                            names.len()
                        ),
                    ));
                }
                number - 1
            }
        };
        slots[key as usize] = Some(labels.len());
        labels.push(names[position].clone());
        positions.push(position);
    }
    Ok((names, slots, Layout::new(labels, positions)))
}

fn parse_row(
    row: &Row<'_>,
    layout: &Layout,
    slots: &Slots,
    state: &mut ImportState,
) -> Result<RowOutcome, TraceError> {
    let slot = |key: MapKey| slots[key as usize];
    let required = |key: MapKey| slot(key).expect("required keys are mapped");

    let job_id = match slot(MapKey::JobId) {
        Some(column) => row
            .text(layout, column)?
            .ok_or_else(|| row.error(layout, column, "a non-empty job id"))?,
        None => format!("row-{}", row.number),
    };
    let gpus = row.gpus(layout, required(MapKey::Gpus))?;
    let duration_s = row.seconds(layout, required(MapKey::DurationS))?;
    let submit_column = required(MapKey::SubmitS);
    let submit = match parse_submit(row.bytes(layout, submit_column)) {
        TimeField::Missing => TimeField::Missing,
        TimeField::Unparseable => TimeField::Unparseable,
        TimeField::Value((seconds, kind)) => {
            check_time_kind(row, layout, submit_column, kind, state)?;
            TimeField::Value(seconds)
        }
    };
    let text = |key| slot(key).map_or(Ok(None), |column| row.text(layout, column));
    let gigabytes = |key| slot(key).map_or(Ok(None), |column| row.gigabytes(layout, column));
    let dataset = text(MapKey::Dataset)?;
    let read_gb = gigabytes(MapKey::ReadGb)?;
    let write_gb = gigabytes(MapKey::WriteGb)?;
    let writes_back =
        slot(MapKey::WritesBack).map_or(Ok(None), |column| row.flag(layout, column))?;
    let allowed_planes = text(MapKey::AllowedPlanes)?
        .map(|list| {
            list.split(';')
                .map(str::trim)
                .filter(|plane| !plane.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let group = text(MapKey::Group)?;

    let (submit_s, duration_s) = match super::replayable(gpus, submit, duration_s) {
        Ok(times) => times,
        Err(reason) => return Ok(RowOutcome::Skip(reason)),
    };
    Ok(RowOutcome::Job(TraceRecord {
        job_id,
        submit_s,
        gpus,
        duration_s,
        dataset,
        read_gb,
        write_gb,
        writes_back,
        allowed_planes,
        group,
    }))
}

/// Rejects a submit time whose kind differs from the first submit time of the import.
fn check_time_kind(
    row: &Row<'_>,
    layout: &Layout,
    column: usize,
    kind: TimeKind,
    state: &mut ImportState,
) -> Result<(), TraceError> {
    match &state.time_kind {
        None => {
            state.time_kind = Some((kind, row.path.to_path_buf(), row.line));
            Ok(())
        }
        Some((first, _, _)) if *first == kind => Ok(()),
        Some((first, file, line)) => Err(row.error(
            layout,
            column,
            &format!(
                "{} like the first submit time at {}:{line}, not {}",
                first.describe(),
                file.display(),
                kind.describe()
            ),
        )),
    }
}

/// Parses a submit time: seconds, `YYYY-MM-DD HH:MM:SS` (a `T` may replace the space, and a
/// fraction of a second may follow), or RFC 3339 with an offset.
///
/// Timestamps become seconds since 1970-01-01 00:00:00 UTC. A timestamp without an offset is
/// read as UTC, which is harmless while all timestamps of a trace share one zone.
fn parse_submit(bytes: &[u8]) -> TimeField<(f64, TimeKind)> {
    if bytes.is_empty() {
        return TimeField::Missing;
    }
    if let Some(seconds) = table::number(bytes) {
        return TimeField::Value((seconds, TimeKind::Seconds));
    }
    let Some(text) = table::ascii(bytes) else {
        return TimeField::Unparseable;
    };
    let naive = ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|form| NaiveDateTime::parse_from_str(text, form).ok())
        .map(|time| time.and_utc());
    let utc = naive.or_else(|| {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|time| time.to_utc())
    });
    match utc {
        Some(time) => {
            let seconds = time.timestamp() as f64 + f64::from(time.timestamp_subsec_nanos()) * 1e-9;
            TimeField::Value((seconds, TimeKind::Timestamp))
        }
        None => TimeField::Unparseable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_parses_names_and_numbers() {
        let mapping =
            ColumnMapping::parse("submit_s=Submit, duration_s=Elapsed,gpus=GPUs", true).unwrap();
        assert!(mapping.has_header());
        assert_eq!(
            mapping.column(MapKey::DurationS),
            Some(&ColumnRef::Name("Elapsed".into()))
        );
        assert_eq!(mapping.column(MapKey::JobId), None);
        let numbered =
            ColumnMapping::parse("gpus=3,submit_s=1,duration_s=2,group=4", false).unwrap();
        assert_eq!(numbered.column(MapKey::Group), Some(&ColumnRef::Number(4)));
    }

    #[test]
    fn map_keys_listed_in_declaration_order() {
        // `Slots` index by `key as usize`, so `ALL` must follow the declaration.
        for (index, key) in MapKey::ALL.iter().enumerate() {
            assert_eq!(*key as usize, index, "{key}");
        }
        let names: Vec<&str> = MapKey::ALL.iter().map(|key| key.name()).collect();
        assert_eq!(names, crate::trace::COLUMNS);
    }

    #[test]
    fn mapping_errors_name_the_flag() {
        let cases = [
            ("", true, "value is empty"),
            ("submit_s", true, "invalid --map entry `submit_s`"),
            (
                "start=a,submit_s=b,duration_s=c,gpus=d",
                true,
                "unknown key `start`",
            ),
            (
                "submit_s=a,submit_s=b,duration_s=c,gpus=d",
                true,
                "key `submit_s` is given twice",
            ),
            (
                "submit_s=a,duration_s=c",
                true,
                "missing required key `gpus`",
            ),
            (
                "submit_s=a,duration_s=2,gpus=3",
                false,
                "with --no-header a column is a 1-based",
            ),
            (
                "submit_s=0,duration_s=2,gpus=3",
                false,
                "expected for example submit_s=3",
            ),
            (
                "submit_s=,duration_s=2,gpus=3",
                true,
                "invalid --map entry `submit_s=`",
            ),
        ];
        for (spec, has_header, expected) in cases {
            let message = ColumnMapping::parse(spec, has_header)
                .unwrap_err()
                .to_string();
            assert!(message.contains("--map"), "{spec}: {message}");
            assert!(message.contains(expected), "{spec}: {message}");
        }
    }

    #[test]
    fn submit_forms_parse_to_seconds() {
        // 2017-10-09 is 17448 days after 1970-01-01: 47 * 365 + 12 leap days (1972..2016) =
        // 17167 to 2017-01-01, plus 281 days to 10-09. So 07:01:55 UTC is
        // 17448 * 86400 + 7 * 3600 + 1 * 60 + 55 = 1507532515 s.
        let expected = 1_507_532_515.0;
        for text in [
            "2017-10-09 07:01:55",
            "2017-10-09T07:01:55",
            "2017-10-09T09:01:55+02:00",
            "2017-10-09T07:01:55Z",
        ] {
            assert_eq!(
                parse_submit(text.as_bytes()),
                TimeField::Value((expected, TimeKind::Timestamp)),
                "{text}"
            );
        }
        assert_eq!(
            parse_submit(b"2017-10-09 07:01:55.5"),
            TimeField::Value((expected + 0.5, TimeKind::Timestamp))
        );
        assert_eq!(
            parse_submit(b"12.5"),
            TimeField::Value((12.5, TimeKind::Seconds))
        );
        assert_eq!(parse_submit(b""), TimeField::Missing);
        assert_eq!(parse_submit(b"yesterday"), TimeField::Unparseable);
        assert_eq!(parse_submit(b"inf"), TimeField::Unparseable);
    }
}
