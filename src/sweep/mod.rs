//! Parameter sweeps: one trace replayed through every combination of scenario field values
//! and policies, in parallel, with one results row per run.
//!
//! [`grid`] parses `--vary PATH=VALUES` and numbers the runs, [`overrides`] resolves field
//! paths in the scenario's TOML document and edits them, [`runner`] replays the cells,
//! [`results`] and [`output`] write `results.csv`, `results.json`, `sweep.json` and the time
//! series, [`shards`] reads shard folders back and merges them, and [`k8s`] writes a
//! Kubernetes Indexed Job that runs the shards. docs/sweep.md documents the command and files.

pub mod grid;
pub mod k8s;
pub mod output;
pub mod overrides;
pub mod results;
pub mod runner;
pub mod shards;

use std::path::{Path, PathBuf};

use toml::Table;

pub use grid::{Grid, ParamValue, Shard, Vary};
pub use results::{Column, RunRow, SweepManifest, SweepResults};
pub use runner::{SweepJob, run_sweep};
pub use shards::{MergeError, merge_shards, read_sweep};

use crate::scenario::{Scenario, ScenarioError};

/// A sweep that could not run or write its results.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("{}: cannot write", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "output folder {} contains `{name}`, which is not a sweep output; choose an empty or \
         new folder",
        folder.display()
    )]
    ForeignFolder { folder: PathBuf, name: String },
    #[error("cannot start the thread pool")]
    ThreadPool(#[source] rayon::ThreadPoolBuildError),
}

/// A value, or a combination of values, that makes the scenario invalid.
#[derive(Debug, thiserror::Error)]
pub enum VariantError {
    /// One value of one `--vary`, with every other field as the scenario sets it.
    #[error("value {value} makes the scenario invalid")]
    Value {
        /// Index of the `--vary` in the grid.
        vary: usize,
        value: String,
        #[source]
        source: Box<ScenarioError>,
    },
    /// Values that are valid one by one but not together.
    #[error("the combination {assignment} makes the scenario invalid")]
    Combination {
        assignment: String,
        #[source]
        source: Box<ScenarioError>,
    },
}

/// Applies each value combination of `grid` to the scenario document `doc` and validates the
/// result, returning one scenario per combination in [`Grid::cell`]'s `variant` order.
/// `scenario_path` names the file in errors and anchors its relative `trace`.
///
/// Each value is first checked alone, so an error points at the one `--vary` at fault where
/// it can.
///
/// # Errors
/// [`VariantError`] with the scenario's own validation error as its source.
pub fn build_variants(
    doc: &Table,
    scenario_path: &Path,
    grid: &Grid,
) -> Result<Vec<Scenario>, VariantError> {
    for (index, vary) in grid.varies.iter().enumerate() {
        for value in &vary.values {
            let mut edited = doc.clone();
            set(&mut edited, vary, value);
            Scenario::parse(&to_text(&edited), scenario_path).map_err(|source| {
                VariantError::Value {
                    vary: index,
                    value: value.to_string(),
                    source: Box::new(without_location(source)),
                }
            })?;
        }
    }
    let mut variants = Vec::with_capacity(grid.variant_count());
    for variant in 0..grid.variant_count() {
        let mut edited = doc.clone();
        for (vary, value_index) in grid.varies.iter().zip(grid.value_indices(variant)) {
            set(&mut edited, vary, &vary.values[value_index]);
        }
        let scenario = Scenario::parse(&to_text(&edited), scenario_path).map_err(|source| {
            VariantError::Combination {
                assignment: grid.describe_variant(variant),
                source: Box::new(without_location(source)),
            }
        })?;
        variants.push(scenario);
    }
    Ok(variants)
}

/// Drops the line, column and snippet from a TOML error about an edited scenario: they point
/// into the rewritten text, not the user's file. The message itself stays.
fn without_location(error: ScenarioError) -> ScenarioError {
    match error {
        ScenarioError::Toml { file, message } => {
            let last = message
                .lines()
                .map(str::trim)
                .rfind(|line| !line.is_empty())
                .unwrap_or("")
                .to_string();
            ScenarioError::Toml {
                file,
                message: format!("{last} (with the --vary value applied)"),
            }
        }
        other => other,
    }
}

fn set(doc: &mut Table, vary: &Vary, value: &ParamValue) {
    // `Vary::parse` resolved the path in this same document, so setting it cannot fail.
    vary.path
        .set(doc, value)
        .expect("the path was checked against this document");
}

fn to_text(doc: &Table) -> String {
    toml::to_string(doc).expect("a TOML table read from a file serializes")
}
