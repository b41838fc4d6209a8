//! Reading rules that every importer shares: header or headerless detection, blank and
//! truncated lines, line numbers, and parsing of one field with an error that names it.
//!
//! Fields are trimmed of surrounding whitespace and read as bytes, so a value is text until a
//! parser turns it into a number: Philly's cluster `6214e9` stays the string `6214e9`.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;

use super::super::TraceError;

/// A CSV file read record by record, with blank lines dropped and every record's width checked.
pub(super) struct Rows {
    path: PathBuf,
    reader: csv::Reader<std::io::Cursor<std::sync::Arc<[u8]>>>,
    lines: super::super::error::LineCounter,
    record: csv::ByteRecord,
    /// Whether `record` contains the first line, read ahead, which is data in a headerless file.
    replay: bool,
    /// Column names in file order, used to name the missing column of a truncated line.
    names: Vec<String>,
    data_rows: u64,
}

/// One data row of a [`Rows`].
pub(super) struct Row<'r> {
    pub(super) path: &'r Path,
    /// Line of the file where the row starts, from 1.
    pub(super) line: u64,
    /// Position among the file's data rows, from 1.
    pub(super) number: u64,
    record: &'r csv::ByteRecord,
}

impl Rows {
    /// Opens `path` for reading.
    ///
    /// # Errors
    /// Returns [`TraceError::Io`] when the file cannot be opened.
    pub(super) fn open(path: &Path) -> Result<Rows, TraceError> {
        let bytes = super::super::error::read_all(path)?;
        let lines = super::super::error::LineCounter::new(bytes.clone());
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(std::io::Cursor::new(bytes));
        Ok(Rows {
            path: path.to_path_buf(),
            reader,
            lines,
            record: csv::ByteRecord::new(),
            replay: false,
            names: Vec::new(),
            data_rows: 0,
        })
    }

    /// Reads the first non-blank line, which is the header or, in a headerless file, data.
    ///
    /// # Errors
    /// Returns a [`TraceError`] when the file cannot be read or is not valid CSV.
    pub(super) fn first_line(&mut self) -> Result<Option<&csv::ByteRecord>, TraceError> {
        if self.read_non_blank()? {
            Ok(Some(&self.record))
        } else {
            Ok(None)
        }
    }

    /// Sets the column names in file order; data rows must have that many fields.
    ///
    /// With `first_line_is_data`, the line that [`Rows::first_line`] read is the first data row.
    pub(super) fn set_columns(&mut self, names: Vec<String>, first_line_is_data: bool) {
        self.names = names;
        self.replay = first_line_is_data;
    }

    /// Returns the next data row.
    ///
    /// # Errors
    /// Returns a [`TraceError`] for a read failure, malformed CSV, or a row whose field count is
    /// not the header's, such as a truncated last line.
    pub(super) fn next_row(&mut self) -> Result<Option<Row<'_>>, TraceError> {
        if !std::mem::take(&mut self.replay) && !self.read_non_blank()? {
            return Ok(None);
        }
        let byte = self.record.position().map_or(0, |position| position.byte());
        let line = self.lines.line_at(byte);
        let width = self.names.len();
        if self.record.len() < width {
            let missing = &self.names[self.record.len()];
            return Err(TraceError::record(
                &self.path,
                line,
                format!(
                    "has {} fields, expected {width} ({}): column `{missing}` is missing \
                     (a truncated line?)",
                    self.record.len(),
                    preview(&self.names.join(","))
                ),
            ));
        }
        if self.record.len() > width {
            return Err(TraceError::record(
                &self.path,
                line,
                format!(
                    "has {} fields, expected {width} ({}). A field that contains a comma \
                     needs double quotes",
                    self.record.len(),
                    preview(&self.names.join(","))
                ),
            ));
        }
        self.data_rows += 1;
        Ok(Some(Row {
            path: &self.path,
            line,
            number: self.data_rows,
            record: &self.record,
        }))
    }

    /// Reads the next record that is not a blank line, returning false at the end of the file.
    fn read_non_blank(&mut self) -> Result<bool, TraceError> {
        loop {
            let more = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| TraceError::from_csv(&self.path, e))?;
            // A line of spaces trims to one empty field; it carries no data.
            let blank = self.record.len() == 1 && self.record[0].is_empty();
            if !more || !blank {
                return Ok(more);
            }
        }
    }
}

/// A fixed source format: its header, and the columns an importer reads from it.
pub(super) struct KnownFormat {
    /// Name as `--format` takes it.
    pub(super) name: &'static str,
    /// The header, in the column order of a headerless file.
    pub(super) header: &'static [&'static str],
    /// Columns the importer reads; a header must name each of them.
    pub(super) used: &'static [&'static str],
    /// Whether a first line that is not the header is a data row in `header` order.
    pub(super) is_data_row: fn(&csv::ByteRecord) -> bool,
}

/// Positions of a format's used columns in one file.
pub(super) struct Layout {
    positions: Vec<usize>,
    labels: Vec<String>,
}

impl Layout {
    /// Builds a layout from each used column's label and its position in the record.
    pub(super) fn new(labels: Vec<String>, positions: Vec<usize>) -> Layout {
        Layout { positions, labels }
    }
}

/// Opens a file of a known format and finds its used columns by header name.
///
/// A first line that is not a header naming every used column, but parses as a data row of
/// the format, makes the file headerless in the canonical column order.
///
/// # Errors
/// Returns a [`TraceError`] for an unreadable or empty file, or a first line that is neither a
/// header with the used columns nor a data row. The message shows the expected header.
pub(super) fn open_known(path: &Path, format: &KnownFormat) -> Result<(Rows, Layout), TraceError> {
    let mut rows = Rows::open(path)?;
    let expected = format.header.join(",");
    let Some(first) = rows.first_line()? else {
        return Err(TraceError::file(
            path,
            format!(
                "the file is empty, but the {} importer expects the header `{expected}` \
                 and data rows",
                format.name
            ),
        ));
    };
    let labels: Vec<String> = format.used.iter().map(|name| name.to_string()).collect();

    if (format.is_data_row)(first) {
        let positions = format
            .used
            .iter()
            .map(|used| {
                format
                    .header
                    .iter()
                    .position(|name| name == used)
                    .expect("listed")
            })
            .collect();
        let names = format.header.iter().map(|name| name.to_string()).collect();
        rows.set_columns(names, true);
        return Ok((rows, Layout::new(labels, positions)));
    }

    let line = first.position().map_or(1, |position| position.line());
    let found: Vec<String> = first
        .iter()
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .collect();
    let mut positions = Vec::with_capacity(format.used.len());
    for used in format.used {
        let mut matches = found.iter().enumerate().filter(|(_, name)| name == used);
        let Some((position, _)) = matches.next() else {
            return Err(TraceError::record(
                path,
                line,
                format!(
                    "missing column `{used}`: line {line} is `{}`, but the {} importer expects \
                     the header `{expected}`, or a headerless file with data rows in that \
                     column order",
                    preview(&found.join(",")),
                    format.name
                ),
            ));
        };
        if matches.next().is_some() {
            return Err(TraceError::record(
                path,
                line,
                format!("column `{used}` appears twice in the header, expected it once"),
            ));
        }
        positions.push(position);
    }
    rows.set_columns(found, false);
    Ok((rows, Layout::new(labels, positions)))
}

impl<'r> Row<'r> {
    /// Returns the raw bytes of used column `column` of `layout`.
    pub(super) fn bytes(&self, layout: &Layout, column: usize) -> &'r [u8] {
        &self.record[layout.positions[column]]
    }

    /// Builds the error for a value of used column `column` that does not fit `expected`.
    pub(super) fn error(&self, layout: &Layout, column: usize, expected: &str) -> TraceError {
        TraceError::field(
            self.path,
            self.line,
            &layout.labels[column],
            self.bytes(layout, column),
            expected,
        )
    }

    /// Parses a text field; empty gives `None`.
    ///
    /// # Errors
    /// Returns [`TraceError::Field`] when the bytes are not UTF-8.
    pub(super) fn text(
        &self,
        layout: &Layout,
        column: usize,
    ) -> Result<Option<String>, TraceError> {
        let bytes = self.bytes(layout, column);
        if bytes.is_empty() {
            return Ok(None);
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Some(text.to_string())),
            Err(_) => Err(self.error(layout, column, "UTF-8 text")),
        }
    }

    /// Parses a GPU count; 0 is valid here and skipped by the caller.
    ///
    /// # Errors
    /// Returns [`TraceError::Field`] unless the field is a whole number from 0 to 2^32 - 1.
    pub(super) fn gpus(&self, layout: &Layout, column: usize) -> Result<u32, TraceError> {
        ascii(self.bytes(layout, column))
            .and_then(|text| text.parse::<u32>().ok())
            .ok_or_else(|| {
                self.error(
                    layout,
                    column,
                    "a whole number of GPUs from 0 to 4294967295",
                )
            })
    }

    /// Parses a duration or other length of time in seconds; empty gives `None`.
    ///
    /// # Errors
    /// Returns [`TraceError::Field`] unless the field is empty or a finite number >= 0.
    pub(super) fn seconds(
        &self,
        layout: &Layout,
        column: usize,
    ) -> Result<Option<f64>, TraceError> {
        self.non_negative(layout, column, "seconds, a number >= 0")
    }

    /// Parses a size in GB; empty gives `None`.
    ///
    /// # Errors
    /// Returns [`TraceError::Field`] unless the field is empty or a finite number >= 0.
    pub(super) fn gigabytes(
        &self,
        layout: &Layout,
        column: usize,
    ) -> Result<Option<f64>, TraceError> {
        self.non_negative(layout, column, "GB, a number >= 0")
    }

    fn non_negative(
        &self,
        layout: &Layout,
        column: usize,
        expected: &str,
    ) -> Result<Option<f64>, TraceError> {
        let bytes = self.bytes(layout, column);
        if bytes.is_empty() {
            return Ok(None);
        }
        match number(bytes) {
            Some(value) if value >= 0.0 => Ok(Some(value)),
            _ => Err(self.error(layout, column, expected)),
        }
    }

    /// Parses a time in seconds of the source's own time base, leniently because the
    /// importers skip rows without a usable time. A negative time is valid, since the importer
    /// rebases times to the first submission.
    pub(super) fn submit_time(&self, layout: &Layout, column: usize) -> TimeField<f64> {
        let bytes = self.bytes(layout, column);
        if bytes.is_empty() {
            return TimeField::Missing;
        }
        match number(bytes) {
            Some(seconds) => TimeField::Value(seconds),
            None => TimeField::Unparseable,
        }
    }

    /// Parses a time in seconds of the source's own time base; empty gives `None`.
    ///
    /// # Errors
    /// Returns [`TraceError::Field`] unless the field is empty or a finite number.
    pub(super) fn time(&self, layout: &Layout, column: usize) -> Result<Option<f64>, TraceError> {
        let bytes = self.bytes(layout, column);
        if bytes.is_empty() {
            return Ok(None);
        }
        number(bytes)
            .map(Some)
            .ok_or_else(|| self.error(layout, column, "seconds, a number"))
    }

    /// Parses `true`, `false`, `1` or `0`; empty gives `None`.
    ///
    /// # Errors
    /// Returns [`TraceError::Field`] for any other value.
    pub(super) fn flag(&self, layout: &Layout, column: usize) -> Result<Option<bool>, TraceError> {
        match self.bytes(layout, column) {
            b"" => Ok(None),
            b"true" | b"1" => Ok(Some(true)),
            b"false" | b"0" => Ok(Some(false)),
            _ => Err(self.error(layout, column, "true, false, 1, 0 or empty")),
        }
    }
}

/// A time field read leniently: the importers skip rows whose time is missing or unparseable.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum TimeField<T> {
    Missing,
    Unparseable,
    Value(T),
}

/// The form of a naive timestamp in Philly and in generic CSV files.
pub(super) const TIMESTAMP_FORM: &str = "%Y-%m-%d %H:%M:%S";

/// Parses a `YYYY-MM-DD HH:MM:SS` timestamp, the form Philly uses.
pub(super) fn naive_timestamp(bytes: &[u8]) -> TimeField<NaiveDateTime> {
    if bytes.is_empty() {
        return TimeField::Missing;
    }
    match ascii(bytes).and_then(|text| NaiveDateTime::parse_from_str(text, TIMESTAMP_FORM).ok()) {
        Some(time) => TimeField::Value(time),
        None => TimeField::Unparseable,
    }
}

/// Converts a naive timestamp to seconds since 1970-01-01 00:00:00 of the same clock.
///
/// The time zone is unknown and does not matter, because only differences are kept.
pub(super) fn naive_seconds(time: NaiveDateTime) -> f64 {
    time.and_utc().timestamp() as f64
}

/// Cuts `text` to its first 200 characters for an error message, marking the cut with `...`.
pub(super) fn preview(text: &str) -> String {
    const LIMIT: usize = 200;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

/// Parses a finite decimal number.
pub(super) fn number(bytes: &[u8]) -> Option<f64> {
    ascii(bytes)?
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
}

/// Returns the bytes as text when they are ASCII, which every number and timestamp is.
pub(super) fn ascii(bytes: &[u8]) -> Option<&str> {
    if bytes.is_ascii() {
        std::str::from_utf8(bytes).ok()
    } else {
        None
    }
}

/// Returns whether field `index` of `record` parses as a whole number.
pub(super) fn is_whole(record: &csv::ByteRecord, index: usize) -> bool {
    record
        .get(index)
        .and_then(ascii)
        .is_some_and(|text| text.parse::<u64>().is_ok())
}

/// Returns whether field `index` of `record` parses as a finite number.
pub(super) fn is_number(record: &csv::ByteRecord, index: usize) -> bool {
    record.get(index).and_then(number).is_some()
}
