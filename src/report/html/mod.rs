//! The capacity report of a sweep: one self-contained HTML page of SVG charts, and a markdown
//! recommendation to put beside it.
//!
//! [`build_report`] reads the sweep folders (`input`), draws conclusions from the runs
//! (`analysis`, and `access` for FlexCache against SnapMirror), draws the six charts (`charts` on `svg`) and lays out the page (`page`) and the
//! markdown (`markdown`). The output depends only on the sweep folders, the options and the
//! scenario file that `sweep.json` names, so the same inputs give byte-identical files.

mod access;
mod analysis;
mod charts;
mod input;
mod markdown;
mod model;
mod page;
mod series;
mod svg;

use std::path::PathBuf;

pub use analysis::DEFAULT_TARGET_FACTOR;
pub use input::InputError;
pub use series::SeriesError;

/// Report settings beyond the sweep folders.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportOptions {
    /// The p90 JCT a recommended run must not exceed, s; `None` for the best p90 JCT among the
    /// runs times [`DEFAULT_TARGET_FACTOR`].
    pub target_p90_s: Option<f64>,
    /// The run whose time series the timeline chart shows; `None` for the recommended run.
    pub run: Option<usize>,
}

/// The rendered report.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub html: String,
    pub markdown: String,
    /// Conditions the report works around and states in the page, for the caller to print.
    pub warnings: Vec<String>,
}

/// A report that could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("run {id} is not in the sweep; expected a run id from {first} to {last}")]
    UnknownRun {
        id: usize,
        first: usize,
        last: usize,
    },
    #[error(
        "run {id} has no time series: the sweep was run with --series-interval-s 0; rerun it \
         with an interval such as --series-interval-s 3600, or leave out --run"
    )]
    NoSeries { id: usize },
    #[error(transparent)]
    Series(#[from] SeriesError),
}

/// Reads the sweep folders `dirs` (one sweep, or the shards of one), and renders the HTML page
/// and the markdown recommendation.
///
/// # Errors
/// - [`ReportError::Input`] for a missing or non-sweep folder, unreadable results, or shards
///   of different grids.
/// - [`ReportError::UnknownRun`] and [`ReportError::NoSeries`] for a `run` that is not in the
///   sweep or has no time series.
/// - [`ReportError::Series`] for a time series file that is missing or invalid.
pub fn build_report(dirs: &[PathBuf], options: &ReportOptions) -> Result<Report, ReportError> {
    let sweep = input::load_sweep(dirs)?;
    let analysis = analysis::Analysis::new(&sweep, options.target_p90_s);
    let mut warnings = Vec::new();

    let timeline_run = match options.run {
        Some(id) => sweep.run(id).ok_or_else(|| ReportError::UnknownRun {
            id,
            first: sweep.runs.first().map_or(0, |run| run.id),
            last: sweep.runs.last().map_or(0, |run| run.id),
        })?,
        None => &sweep.runs[analysis.focus],
    };
    let timeline = match &timeline_run.series {
        Some(path) => {
            let series = series::read_series(path)?;
            charts::timeline(&sweep, timeline_run, &series, options.run.is_some())
        }
        None if options.run.is_some() => {
            return Err(ReportError::NoSeries {
                id: timeline_run.id,
            });
        }
        None => {
            let figure = charts::missing_timeline(timeline_run);
            warnings.push(figure.caption.clone());
            figure
        }
    };
    let figures = [
        charts::cost_by_size(&sweep, &analysis),
        charts::p90_by_size(&sweep, &analysis),
        charts::pareto(&sweep, &analysis),
        charts::burst_by_size(&sweep, &analysis),
        timeline,
        charts::monthly_cost(&sweep, &analysis),
    ];
    if matches!(analysis.x, analysis::SizeAxis::OnpremNodes { .. }) {
        warnings.push(sweep.planes_note.clone());
    }
    Ok(Report {
        html: page::render(&sweep, &analysis, &figures),
        markdown: markdown::render(&sweep, &analysis),
        warnings,
    })
}

/// Escapes text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
