//! The output folder of a sweep and how files get into it without a reader ever seeing a
//! half-written one.
//!
//! Every file is written to `NAME.partial`, flushed to disk and renamed over `NAME`. The time
//! series go to `series.partial/`, which replaces `series/` once every run is done. The
//! folder's `sweep.json` is removed when a sweep starts and written last, so a folder with a
//! `sweep.json` always contains a finished sweep whose files agree with it.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::SweepError;
use super::results::SweepResults;
use crate::engine::SeriesSample;
use crate::model::Platform;

pub const RESULTS_CSV: &str = "results.csv";
pub const RESULTS_JSON: &str = "results.json";
pub const MANIFEST: &str = "sweep.json";
pub const SERIES: &str = "series";
const SERIES_PARTIAL: &str = "series.partial";

/// Names a sweep writes into its folder; any other entry makes the folder foreign.
const OWN_NAMES: [&str; 5] = [RESULTS_CSV, RESULTS_JSON, MANIFEST, SERIES, SERIES_PARTIAL];

/// File name of run `run_id`'s time series inside `series/`.
pub fn series_file_name(run_id: usize) -> String {
    format!("run-{run_id}.csv")
}

/// A sweep's output folder, prepared for writing.
#[derive(Debug)]
pub struct OutputDir {
    root: PathBuf,
}

impl OutputDir {
    /// Creates `root` if needed, checks that it contains nothing but sweep outputs, removes its
    /// `sweep.json` and, when `series` is set, makes an empty `series.partial/`.
    ///
    /// # Errors
    /// [`SweepError::ForeignFolder`] when `root` contains other files, so that `-o` never mixes
    /// a sweep into an unrelated folder, and [`SweepError::Write`] on I/O failures.
    pub fn prepare(root: &Path, series: bool) -> Result<OutputDir, SweepError> {
        let write_error = |path: &Path| {
            let path = path.to_path_buf();
            move |source| SweepError::Write { path, source }
        };
        fs::create_dir_all(root).map_err(write_error(root))?;
        for entry in fs::read_dir(root).map_err(write_error(root))? {
            let entry = entry.map_err(write_error(root))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let own = OWN_NAMES.contains(&name.as_str())
                || name
                    .strip_suffix(".partial")
                    .is_some_and(|stem| OWN_NAMES.contains(&stem));
            if !own {
                return Err(SweepError::ForeignFolder {
                    folder: root.to_path_buf(),
                    name,
                });
            }
        }
        for folder in [SERIES, SERIES_PARTIAL] {
            check_series_folder(&root.join(folder))?;
        }
        remove_file_if_present(&root.join(MANIFEST))?;
        let partial = root.join(SERIES_PARTIAL);
        remove_dir_if_present(&partial)?;
        if series {
            fs::create_dir(&partial).map_err(write_error(&partial))?;
        }
        Ok(OutputDir {
            root: root.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes one run's time series into `series.partial/`.
    ///
    /// # Errors
    /// [`SweepError::Write`] naming the file.
    pub fn write_series(
        &self,
        run_id: usize,
        platform: &Platform,
        series: &[SeriesSample],
    ) -> Result<(), SweepError> {
        let path = self
            .root
            .join(SERIES_PARTIAL)
            .join(series_file_name(run_id));
        fs::write(&path, series_csv(platform, series))
            .map_err(|source| SweepError::Write { path, source })
    }

    /// Moves the finished series into place (or removes old ones when this sweep wrote none),
    /// then writes the results and, last, `sweep.json`.
    ///
    /// # Errors
    /// [`SweepError::Write`] naming the file or folder.
    pub fn finish(self, results: &SweepResults, series: bool) -> Result<(), SweepError> {
        let final_series = self.root.join(SERIES);
        remove_dir_if_present(&final_series)?;
        if series {
            let partial = self.root.join(SERIES_PARTIAL);
            fs::rename(&partial, &final_series).map_err(|source| SweepError::Write {
                path: final_series.clone(),
                source,
            })?;
        }
        write_results(&self.root, results)
    }
}

/// Writes `results.csv`, `results.json` and then `sweep.json` into `root`, each atomically.
///
/// # Errors
/// [`SweepError::Write`] naming the file.
pub fn write_results(root: &Path, results: &SweepResults) -> Result<(), SweepError> {
    write_atomically(&root.join(RESULTS_CSV), results.to_csv().as_bytes())?;
    write_atomically(&root.join(RESULTS_JSON), results.to_json().as_bytes())?;
    write_atomically(&root.join(MANIFEST), results.manifest.to_json().as_bytes())
}

/// Writes `bytes` to `path.partial`, flushes it to disk and renames it over `path`, so `path`
/// contains either its old contents or all of the new ones.
///
/// # Errors
/// [`SweepError::Write`] naming `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), SweepError> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let result = fs::File::create(&partial)
        .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_all()))
        .and_then(|()| fs::rename(&partial, path));
    result.map_err(|source| {
        let _ = fs::remove_file(&partial);
        SweepError::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Fails unless `folder` is absent or holds only `run-N.csv` files, so that replacing it never
/// deletes anything a sweep did not write.
fn check_series_folder(folder: &Path) -> Result<(), SweepError> {
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(SweepError::Write {
                path: folder.to_path_buf(),
                source,
            });
        }
    };
    for entry in entries {
        let entry = entry.map_err(|source| SweepError::Write {
            path: folder.to_path_buf(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_series = entry.file_type().is_ok_and(|kind| kind.is_file())
            && name
                .strip_prefix("run-")
                .and_then(|rest| rest.strip_suffix(".csv"))
                .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
        if !is_series {
            return Err(SweepError::ForeignFolder {
                folder: folder.to_path_buf(),
                name,
            });
        }
    }
    Ok(())
}

fn remove_file_if_present(path: &Path) -> Result<(), SweepError> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(SweepError::Write {
            path: path.to_path_buf(),
            source: error,
        }),
        _ => Ok(()),
    }
}

fn remove_dir_if_present(path: &Path) -> Result<(), SweepError> {
    match fs::remove_dir_all(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(SweepError::Write {
            path: path.to_path_buf(),
            source: error,
        }),
        _ => Ok(()),
    }
}

/// Column names of a series CSV: `time_s`, three per plane, one per link, then `cost_usd`.
pub fn series_columns(platform: &Platform) -> Vec<String> {
    let mut columns = vec!["time_s".to_string()];
    for plane in &platform.planes {
        for metric in ["queue_jobs", "gpus_busy", "nodes_up"] {
            columns.push(format!("plane.{}.{metric}", plane.name));
        }
    }
    let mut links: Vec<String> = platform
        .links
        .iter()
        .map(|link| {
            let [a, b] = link.ends.map(|end| platform.storage(end).name.as_str());
            format!("link.{a}-{b}.gbps")
        })
        .collect();
    // Storage names may contain `-`, so two pairs can print alike; the index distinguishes them.
    let unique = links
        .iter()
        .enumerate()
        .all(|(i, name)| !links[..i].contains(name));
    if !unique {
        links = (0..links.len()).map(|i| format!("link.{i}.gbps")).collect();
    }
    columns.extend(links);
    columns.push("cost_usd".to_string());
    columns
}

/// Renders a run's time series as CSV with a header line.
pub fn series_csv(platform: &Platform, series: &[SeriesSample]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // A CSV writer into a `Vec` does no I/O that can fail.
    writer
        .write_record(series_columns(platform))
        .expect("CSV to memory");
    for sample in series {
        let mut cells = vec![sample.time_s.to_string()];
        for plane in &sample.planes {
            cells.push(plane.queue_jobs.to_string());
            cells.push(plane.gpus_busy.to_string());
            cells.push(plane.nodes_up.to_string());
        }
        cells.extend(sample.link_gbps.iter().map(ToString::to_string));
        cells.push(sample.cost_usd.to_string());
        writer.write_record(&cells).expect("CSV to memory");
    }
    let bytes = writer.into_inner().expect("CSV to memory");
    String::from_utf8(bytes).expect("the cells are UTF-8")
}
