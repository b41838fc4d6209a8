//! Reading sweep folders back and merging the shards of one grid.
//!
//! A shard folder is what `burstplane sweep --shard I/N` writes. Merging checks that every
//! folder describes the same grid, built from the same input files by the same burstplane
//! version, and that together they hold every run id exactly once. The merged rows are the
//! rows an unsharded sweep writes, so [`SweepResults::to_csv`] gives the same bytes.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::grid::{ParamValue, Shard};
use super::output::{MANIFEST, RESULTS_CSV, SERIES, series_file_name};
use super::results::{FORMAT, RunRow, SweepManifest, SweepResults, parse_cell};

/// Shard folders that cannot be read or do not add up to one grid.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no sweep folder given")]
    NoFolders,
    #[error("{}: cannot read", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: invalid sweep description: {message}", path.display())]
    Manifest { path: PathBuf, message: String },
    #[error("{}: line {line}: {message}", path.display())]
    Results {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error(
        "{} and {} come from different sweeps: their `{field}` differs",
        first.display(),
        other.display()
    )]
    DifferentGrids {
        first: PathBuf,
        other: PathBuf,
        field: &'static str,
    },
    #[error("run {run_id} is in both {} and {}", first.display(), second.display())]
    Duplicate {
        run_id: usize,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("{count} of {runs} runs are missing, such as run ids {examples}{hint}")]
    Missing {
        count: usize,
        runs: usize,
        examples: String,
        hint: String,
    },
    #[error("{}: the time series of run {run_id} is missing", path.display())]
    MissingSeries { path: PathBuf, run_id: usize },
}

/// A sweep folder as read back: its description and rows.
struct Folder {
    dir: PathBuf,
    manifest: SweepManifest,
    rows: Vec<RunRow>,
}

/// Reads one sweep folder (a whole sweep or one shard).
///
/// # Errors
/// [`MergeError`] naming the file and, for a bad row, its line.
pub fn read_sweep(dir: &Path) -> Result<SweepResults, MergeError> {
    merge_shards(&[dir.to_path_buf()])
}

/// Merges the sweep folders `dirs`, usually the N shards of one grid, into one set of
/// results sorted by run id. One unsharded folder is read as it is.
///
/// # Errors
/// [`MergeError`] when a folder cannot be read, the folders describe different grids, a run
/// id is in two folders or in none, a row lies outside its folder's shard, or a time series
/// the grid promises is missing.
pub fn merge_shards(dirs: &[PathBuf]) -> Result<SweepResults, MergeError> {
    if dirs.is_empty() {
        return Err(MergeError::NoFolders);
    }
    let folders = dirs
        .iter()
        .map(|dir| read_folder(dir))
        .collect::<Result<Vec<Folder>, MergeError>>()?;
    let first = &folders[0];
    for other in &folders[1..] {
        if let Some(field) = first_difference(&first.manifest, &other.manifest) {
            return Err(MergeError::DifferentGrids {
                first: first.dir.clone(),
                other: other.dir.clone(),
                field,
            });
        }
    }

    let runs = first.manifest.runs;
    let mut owner: BTreeMap<usize, (&Path, &RunRow)> = BTreeMap::new();
    for folder in &folders {
        for row in &folder.rows {
            if let Some((first, _)) = owner.insert(row.run_id, (&folder.dir, row)) {
                return Err(MergeError::Duplicate {
                    run_id: row.run_id,
                    first: first.to_path_buf(),
                    second: folder.dir.clone(),
                });
            }
        }
    }
    if owner.len() < runs {
        return Err(missing(&folders, &owner, runs));
    }

    let series = first.manifest.series_interval_s.is_some();
    let mut rows = Vec::with_capacity(runs);
    let mut series_files = Vec::with_capacity(runs);
    for (run_id, (dir, row)) in owner {
        let file = if series {
            let path = dir.join(SERIES).join(series_file_name(run_id));
            if !path.is_file() {
                return Err(MergeError::MissingSeries { path, run_id });
            }
            Some(path)
        } else {
            None
        };
        rows.push(row.clone());
        series_files.push(file);
    }
    let mut manifest = first.manifest.clone();
    manifest.shard = None;
    Ok(SweepResults {
        manifest,
        rows,
        series_files,
    })
}

/// Describes the missing run ids and the shards they belong to.
fn missing(
    folders: &[Folder],
    owner: &BTreeMap<usize, (&Path, &RunRow)>,
    runs: usize,
) -> MergeError {
    let absent: Vec<usize> = (0..runs).filter(|id| !owner.contains_key(id)).collect();
    let examples: Vec<String> = absent.iter().take(5).map(ToString::to_string).collect();
    let hint = match folders[0].manifest.shard {
        Some(Shard { count, .. }) => {
            let given: Vec<usize> = folders
                .iter()
                .filter_map(|folder| folder.manifest.shard.map(|shard| shard.index))
                .collect();
            let lacking: Vec<String> = (0..count)
                .filter(|index| !given.contains(index))
                .map(|index| format!("{index}/{count}"))
                .collect();
            if lacking.is_empty() {
                String::new()
            } else {
                format!("; pass the folders of shards {} too", lacking.join(", "))
            }
        }
        None => String::new(),
    };
    MergeError::Missing {
        count: absent.len(),
        runs,
        examples: examples.join(", "),
        hint,
    }
}

/// Returns the first field in which two folders' grids differ, ignoring the shard.
fn first_difference(a: &SweepManifest, b: &SweepManifest) -> Option<&'static str> {
    let checks = [
        ("format", a.format == b.format),
        (
            "burstplane_version",
            a.burstplane_version == b.burstplane_version,
        ),
        ("scenario", a.scenario == b.scenario),
        ("scenario_name", a.scenario_name == b.scenario_name),
        ("planes", a.planes == b.planes),
        ("scenario_fnv1a64", a.scenario_fnv1a64 == b.scenario_fnv1a64),
        ("trace", a.trace == b.trace),
        ("trace_fnv1a64", a.trace_fnv1a64 == b.trace_fnv1a64),
        ("seed", a.seed == b.seed),
        ("vary", a.vary == b.vary),
        ("policies", a.policies == b.policies),
        ("runs", a.runs == b.runs),
        (
            "series_interval_s",
            a.series_interval_s == b.series_interval_s,
        ),
        ("columns", a.columns == b.columns),
        (
            "shard.count",
            a.shard.map(|shard| shard.count) == b.shard.map(|shard| shard.count),
        ),
    ];
    checks
        .into_iter()
        .find(|(_, equal)| !equal)
        .map(|(field, _)| field)
}

fn read_folder(dir: &Path) -> Result<Folder, MergeError> {
    let manifest_path = dir.join(MANIFEST);
    let text = fs::read_to_string(&manifest_path).map_err(|source| MergeError::Read {
        path: manifest_path.clone(),
        source,
    })?;
    let manifest: SweepManifest =
        serde_json::from_str(&text).map_err(|error| MergeError::Manifest {
            path: manifest_path.clone(),
            message: error.to_string(),
        })?;
    if manifest.format != FORMAT {
        return Err(MergeError::Manifest {
            path: manifest_path,
            message: format!(
                "format is {:?}, expected {FORMAT:?}; rerun the sweep with this burstplane",
                manifest.format
            ),
        });
    }
    let rows = read_rows(&dir.join(RESULTS_CSV), &manifest)?;
    Ok(Folder {
        dir: dir.to_path_buf(),
        manifest,
        rows,
    })
}

/// Reads `results.csv`, checking its header against the manifest's columns and each run id
/// against the grid and the shard.
fn read_rows(path: &Path, manifest: &SweepManifest) -> Result<Vec<RunRow>, MergeError> {
    let bytes = fs::read(path).map_err(|source| MergeError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let problem = |line: u64, message: String| MergeError::Results {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.as_slice());
    let mut records = reader.records();
    let expected: Vec<&str> = manifest.columns.iter().map(|c| c.name.as_str()).collect();
    match records.next() {
        Some(Ok(header)) if header.iter().eq(expected.iter().copied()) => {}
        Some(Ok(header)) => {
            let found: Vec<&str> = header.iter().collect();
            return Err(problem(
                1,
                format!(
                    "header is {}, expected the columns of sweep.json: {}",
                    found.join(","),
                    expected.join(",")
                ),
            ));
        }
        Some(Err(error)) => return Err(problem(1, error.to_string())),
        None => return Err(problem(1, "the file is empty, expected a header".into())),
    }

    let mut rows: Vec<RunRow> = Vec::new();
    for record in records {
        let record = record.map_err(|error| {
            let line = error.position().map_or(0, |position| position.line());
            problem(line, error.to_string())
        })?;
        let line = record.position().map_or(0, |position| position.line());
        let mut values = Vec::with_capacity(manifest.columns.len());
        for (column, cell) in manifest.columns.iter().zip(record.iter()) {
            let value = parse_cell(column.kind, cell).ok_or_else(|| {
                problem(
                    line,
                    format!(
                        "column `{}`: invalid value {cell:?}, expected {}",
                        column.name,
                        kind_noun(column.kind)
                    ),
                )
            })?;
            values.push(value);
        }
        let run_id = match values.first() {
            Some(&ParamValue::Integer(id)) if id >= 0 && (id as u64) < manifest.runs as u64 => {
                id as usize
            }
            _ => {
                return Err(problem(
                    line,
                    format!(
                        "run_id {:?} is not a run of this grid, expected 0 to {}",
                        record.get(0).unwrap_or(""),
                        manifest.runs.saturating_sub(1)
                    ),
                ));
            }
        };
        if let Some(shard) = manifest.shard
            && !shard.contains(run_id)
        {
            return Err(problem(
                line,
                format!("run {run_id} does not belong to shard {shard} named in sweep.json"),
            ));
        }
        if rows.last().is_some_and(|last| last.run_id >= run_id) {
            return Err(problem(
                line,
                format!("run {run_id} is out of order or repeated; rows are sorted by run id"),
            ));
        }
        rows.push(RunRow { run_id, values });
    }
    Ok(rows)
}

fn kind_noun(kind: super::grid::ValueKind) -> &'static str {
    use super::grid::ValueKind;
    match kind {
        ValueKind::Integer => "an integer",
        ValueKind::Number => "a number",
        ValueKind::Boolean => "true or false",
        ValueKind::Text => "text",
    }
}
