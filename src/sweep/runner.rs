//! Runs the cells of a grid in parallel and writes their results.
//!
//! Each cell is a full replay with its own workload, built from the cell's scenario variant
//! and its seed, so a cell's result depends only on the cell: the same for every thread count
//! and shard.

use std::path::Path;

use rayon::prelude::*;

use super::SweepError;
use super::grid::Grid;
use super::output::{OutputDir, SERIES, series_file_name};
use super::results::{RunRow, SweepManifest, SweepResults};
use crate::attach::build_workload;
use crate::engine::{Options, SeriesSample, simulate_with};
use crate::model::Platform;
use crate::report::{RunLabel, Summary};
use crate::scenario::Scenario;
use crate::trace::TraceRecord;
use crate::units::Micros;

/// Everything a sweep needs to run.
pub struct SweepJob<'a> {
    pub grid: &'a Grid,
    /// One validated scenario per value combination, indexed like [`Grid::cell`]'s `variant`.
    pub variants: &'a [Scenario],
    pub records: &'a [TraceRecord],
    /// Written as `sweep.json`; its `shard` selects the runs.
    pub manifest: SweepManifest,
    /// Interval of the time series; `None` writes none.
    pub series_interval_us: Option<Micros>,
}

/// The result of one cell.
pub struct CellRun {
    pub summary: Summary,
    /// The platform as the workload builder sized it, which names the series columns.
    pub platform: Platform,
    pub series: Vec<SeriesSample>,
}

/// Replays run `run_id` of the job's grid: its scenario variant under its policy, with the
/// variant's other `[policy]` settings, as `burstplane simulate --policy NAME` would.
pub fn run_cell(job: &SweepJob, run_id: usize) -> CellRun {
    let cell = job.grid.cell(run_id);
    let scenario = &job.variants[cell.variant];
    let (platform, workload) = build_workload(scenario, job.records.to_vec());
    let mut config = scenario.policy.clone();
    config.name = cell.policy;
    let mut policy = config.build(&workload);
    let options = Options {
        series_interval_us: job.series_interval_us,
    };
    let outcome = simulate_with(&platform, &workload, policy.as_mut(), &options, &mut |_| {});
    let label = RunLabel {
        scenario: &scenario.name,
        policy: cell.policy.as_str(),
        seed: scenario.seed,
    };
    let summary = Summary::new(&label, &platform, &workload, &outcome);
    CellRun {
        summary,
        platform,
        series: outcome.series,
    }
}

/// Runs the job's cells (those of its shard, if any) on `threads` threads, 0 meaning one per
/// core, and writes `results.csv`, `results.json`, `sweep.json` and `series/` into `out`.
/// `progress` is called once per finished run, from the worker threads.
///
/// # Errors
/// [`SweepError`] when `out` contains files that are not sweep outputs, a file cannot be
/// written, or the thread pool cannot start.
pub fn run_sweep(
    job: &SweepJob,
    out: &Path,
    threads: usize,
    progress: &(dyn Fn() + Sync),
) -> Result<SweepResults, SweepError> {
    let series = job.series_interval_us.is_some();
    let dir = OutputDir::prepare(out, series)?;

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(SweepError::ThreadPool)?;
    let run_ids = job.grid.run_ids(job.manifest.shard);
    // rayon's `collect` on an indexed iterator keeps the input order, so rows come out by run
    // id however the threads are scheduled.
    let rows: Result<Vec<RunRow>, SweepError> = pool.install(|| {
        run_ids
            .par_iter()
            .map(|&run_id| {
                let run = run_cell(job, run_id);
                if series {
                    dir.write_series(run_id, &run.platform, &run.series)?;
                }
                progress();
                Ok(RunRow::new(job.grid, run_id, &run.summary))
            })
            .collect()
    });
    let rows = rows?;

    let series_files = rows
        .iter()
        .map(|row| series.then(|| out.join(SERIES).join(series_file_name(row.run_id))))
        .collect();
    let results = SweepResults {
        manifest: job.manifest.clone(),
        rows,
        series_files,
    };
    dir.finish(&results, series)?;
    Ok(results)
}
