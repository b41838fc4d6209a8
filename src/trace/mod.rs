//! Job traces: the normalized CSV format, importers for public traces, and trace statistics.
//!
//! The normalized format is what `simulate` reads; docs/trace-format.md documents it. Importers
//! turn a public trace into it once, so the simulator parses one simple shape fast.

mod error;
mod format;
pub mod import;
pub mod stats;
pub mod synth;

pub use error::TraceError;
pub use format::{
    COLUMNS, MAX_GB, MAX_SECONDS, TraceRecord, read_trace, read_trace_from, write_trace,
    write_trace_to,
};
