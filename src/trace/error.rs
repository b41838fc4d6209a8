//! Errors from reading and importing trace files.

use std::path::PathBuf;

/// A trace file that could not be read, with where and why.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("{}: cannot read the file", file.display())]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: cannot write the file", file.display())]
    Write {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A value that does not parse or is out of range.
    #[error(
        "{}:{line}: column `{column}`: invalid value `{value}`, expected {expected}",
        file.display()
    )]
    Field {
        file: PathBuf,
        line: u64,
        column: String,
        value: String,
        expected: String,
    },
    /// A record that is malformed as a whole, such as a truncated line.
    #[error("{}:{line}: {message}", file.display())]
    Record {
        file: PathBuf,
        line: u64,
        message: String,
    },
    /// A problem with the file as a whole, such as an empty file or a missing column.
    #[error("{}: {message}", file.display())]
    File { file: PathBuf, message: String },
}

impl TraceError {
    pub(crate) fn field(
        file: &std::path::Path,
        line: u64,
        column: &str,
        value: &[u8],
        expected: &str,
    ) -> TraceError {
        TraceError::Field {
            file: file.to_path_buf(),
            line,
            column: column.to_string(),
            value: String::from_utf8_lossy(value).into_owned(),
            expected: expected.to_string(),
        }
    }

    pub(crate) fn record(file: &std::path::Path, line: u64, message: String) -> TraceError {
        TraceError::Record {
            file: file.to_path_buf(),
            line,
            message,
        }
    }

    pub(crate) fn file(file: &std::path::Path, message: impl Into<String>) -> TraceError {
        TraceError::File {
            file: file.to_path_buf(),
            message: message.into(),
        }
    }

    /// Maps a csv crate error to a trace error at the line it reports.
    pub(crate) fn from_csv(file: &std::path::Path, error: csv::Error) -> TraceError {
        let line = error.position().map_or(0, |position| position.line());
        match error.into_kind() {
            csv::ErrorKind::Io(source) => TraceError::Io {
                file: file.to_path_buf(),
                source,
            },
            csv::ErrorKind::Utf8 { err, .. } => TraceError::record(
                file,
                line,
                format!(
                    "invalid UTF-8 in field {}, expected UTF-8 text",
                    err.field() + 1
                ),
            ),
            other => TraceError::record(file, line, format!("malformed CSV: {other:?}")),
        }
    }
}

/// Line numbers from byte offsets, for readers whose records the csv crate numbers wrongly
/// after blank lines (it skips them without counting them).
pub(crate) struct LineCounter {
    bytes: std::sync::Arc<[u8]>,
    offset: usize,
    /// Line of `offset`, from 1.
    line: u64,
}

impl LineCounter {
    pub(crate) fn new(bytes: std::sync::Arc<[u8]>) -> LineCounter {
        LineCounter {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// Line, from 1, of the record that the csv crate reports at `byte`; cheapest when called
    /// with growing offsets. The csv crate reports where it started reading, before any blank
    /// lines it skipped, so line breaks right at `byte` are stepped over.
    pub(crate) fn line_at(&mut self, byte: u64) -> u64 {
        let mut byte = (byte as usize).min(self.bytes.len());
        while byte < self.bytes.len() && matches!(self.bytes[byte], b'\n' | b'\r') {
            byte += 1;
        }
        if byte < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        let newlines = self.bytes[self.offset..byte]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.line += newlines as u64;
        self.offset = byte;
        self.line
    }
}

/// Reads a whole file for parsing, with its errors named for `path`.
pub(crate) fn read_all(path: &std::path::Path) -> Result<std::sync::Arc<[u8]>, TraceError> {
    std::fs::read(path)
        .map(std::sync::Arc::from)
        .map_err(|source| TraceError::Io {
            file: path.to_path_buf(),
            source,
        })
}
