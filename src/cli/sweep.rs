//! `burstplane sweep`: replay one trace through every combination of scenario field values
//! and policies, in parallel, and write one results row per run.
//!
//! The work is in [`crate::sweep`], and this file reads the flags, loads the inputs and prints
//! what was written.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use toml::Table;

use super::compare::{PolicyList, parse_policy_list};
use super::simulate::default_scenario;
use crate::scenario::Scenario;
use crate::sweep::k8s::JobSpec;
use crate::sweep::results::{self, PlaneRecord, VaryRecord};
use crate::sweep::{
    Grid, Shard, SweepJob, SweepManifest, VariantError, Vary, build_variants, run_sweep,
};
use crate::trace::{MAX_SECONDS, read_trace_from};
use crate::units::{Micros, secs_to_micros};

/// Output folder when `-o` is not given.
const DEFAULT_OUTPUT: &str = "sweep-out";

/// Image of the Kubernetes Job when `--image` is not given.
const DEFAULT_IMAGE: &str = "burstplane:latest";

/// Claim of the Kubernetes Job's results volume when `--results-pvc` is not given.
const DEFAULT_PVC: &str = "burstplane-results";

/// Name of the Kubernetes Job when `--job-name` is not given.
const DEFAULT_JOB_NAME: &str = "burstplane-sweep";

/// Maximum time series samples of one run. A sample contains a few numbers per plane and
/// link, so this bounds each run's series to some tens of MB.
const MAX_SERIES_SAMPLES: f64 = 200_000.0;

#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// Scenario TOML file [default: scenarios/seed-hybrid.toml, looked up in the current
    /// directory and then in the source tree burstplane was built from].
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Normalized trace CSV (see `burstplane trace import`) [default: the scenario's `trace`].
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// A scenario field and its values: PATH=VALUES, such as `planes[0].nodes=16,32` or
    /// `links[0].gbps=1..10:3` (START..END:STEP, END included when on a step). Repeat for
    /// more fields; the grid is the cartesian product, in the order given.
    #[arg(long = "vary", value_name = "PATH=VALUES")]
    vary: Vec<String>,
    /// Comma-separated placement policies, each a value of the grid's last axis, such as
    /// `no-wait,onprem-only` [default: the scenario's `policy.name`].
    #[arg(long, value_name = "NAMES", value_parser = parse_policy_list)]
    policies: Option<PolicyList>,
    /// Runs at once [default: one per logical CPU, or RAYON_NUM_THREADS when set].
    #[arg(short = 'j', long = "threads", value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    threads: Option<u32>,
    /// Output folder for results.csv, results.json, sweep.json and series/; its earlier
    /// sweep outputs are replaced [default: sweep-out].
    #[arg(
        short = 'o',
        long = "output",
        value_name = "DIR",
        conflicts_with = "emit_k8s_job"
    )]
    output: Option<PathBuf>,
    /// Run only the runs whose id modulo N is I, for merging later.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// Interval of each run's time series in series/, seconds of simulated time; 0 writes no
    /// series.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600.0, value_parser = parse_interval, allow_negative_numbers = true)]
    series_interval_s: f64,
    /// Write a Kubernetes Indexed Job manifest that runs this sweep as shards to FILE, and run
    /// nothing here.
    #[arg(long, value_name = "FILE")]
    emit_k8s_job: Option<PathBuf>,
    /// Shards of the Kubernetes Job [default: N of --shard I/N].
    #[arg(long, value_name = "N", requires = "emit_k8s_job",
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    shards: Option<u32>,
    /// Container image of the Kubernetes Job, with burstplane on its PATH [default:
    /// burstplane:latest].
    #[arg(long, value_name = "IMAGE", requires = "emit_k8s_job")]
    image: Option<String>,
    /// PersistentVolumeClaim the Kubernetes Job mounts at /results [default:
    /// burstplane-results].
    #[arg(long, value_name = "NAME", requires = "emit_k8s_job")]
    results_pvc: Option<String>,
    /// Name of the Kubernetes Job [default: burstplane-sweep].
    #[arg(long, value_name = "NAME", requires = "emit_k8s_job")]
    job_name: Option<String>,
}

/// Parses `--series-interval-s`: 0, or a duration of at least one microsecond.
fn parse_interval(value: &str) -> Result<f64, String> {
    let expected = "expected 0 (no series) or seconds from 0.000001 to 1e11";
    let seconds: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("not a number, {expected}"))?;
    let valid = seconds == 0.0
        || (seconds.is_finite() && secs_to_micros(seconds) > 0 && seconds <= MAX_SECONDS);
    if valid {
        Ok(seconds)
    } else {
        Err(expected.to_string())
    }
}

/// The inputs and the grid, checked, before anything runs.
struct Setup {
    scenario_path: PathBuf,
    scenario_text: String,
    trace_path: PathBuf,
    base: Scenario,
    grid: Grid,
    variants: Vec<Scenario>,
}

pub fn run(args: SweepArgs) -> anyhow::Result<()> {
    let setup = set_up(&args)?;
    match &args.emit_k8s_job {
        Some(file) => emit_k8s_job(&args, &setup, file),
        None => run_here(&args, &setup),
    }
}

fn set_up(args: &SweepArgs) -> anyhow::Result<Setup> {
    let scenario_path = match &args.scenario {
        Some(path) => path.clone(),
        None => default_scenario()?,
    };
    let base = Scenario::load(&scenario_path)?;
    // `load` succeeded, so the file is readable TOML.
    let scenario_text = std::fs::read_to_string(&scenario_path)
        .with_context(|| format!("{}: cannot read the scenario", scenario_path.display()))?;
    let doc: Table = scenario_text
        .parse()
        .with_context(|| format!("{}: invalid TOML", scenario_path.display()))?;

    let mut varies = Vec::with_capacity(args.vary.len());
    for text in &args.vary {
        let vary = Vary::parse(text, &doc).with_context(|| format!("invalid --vary `{text}`"))?;
        varies.push(vary);
    }
    let policies = match &args.policies {
        Some(list) => list.0.clone(),
        None => vec![base.policy.name],
    };
    let grid = Grid::new(varies, policies).context("invalid --vary list")?;
    let variants = build_variants(&doc, &scenario_path, &grid).map_err(|error| {
        let context = match &error {
            VariantError::Value { vary, .. } => format!("invalid --vary `{}`", args.vary[*vary]),
            VariantError::Combination { .. } => "invalid combination of --vary values".into(),
        };
        anyhow::Error::new(error).context(context)
    })?;

    let trace_path = match args.trace.clone().or_else(|| base.trace.clone()) {
        Some(path) => path,
        None => bail!(
            "no --trace given and {} sets no `trace`, so pass --trace FILE",
            scenario_path.display()
        ),
    };
    Ok(Setup {
        scenario_path,
        scenario_text,
        trace_path,
        base,
        grid,
        variants,
    })
}

fn run_here(args: &SweepArgs, setup: &Setup) -> anyhow::Result<()> {
    let out = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_OUTPUT));
    let trace_bytes = std::fs::read(&setup.trace_path)
        .with_context(|| format!("{}: cannot read the trace", setup.trace_path.display()))?;
    let records = read_trace_from(trace_bytes.as_slice(), &setup.trace_path)?;

    let series_interval_us = series_interval(args.series_interval_s, &records)?;
    let plane_names: Vec<String> = setup.variants[0]
        .platform
        .planes
        .iter()
        .map(|plane| plane.name.clone())
        .collect();
    let manifest = SweepManifest {
        format: results::FORMAT.to_string(),
        burstplane_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: setup.scenario_path.display().to_string(),
        scenario_fnv1a64: results::fnv1a64(setup.scenario_text.as_bytes()),
        scenario_name: Some(setup.base.name.clone()),
        planes: setup
            .base
            .platform
            .planes
            .iter()
            .map(|plane| PlaneRecord {
                name: plane.name.clone(),
                kind: plane.kind,
                gpus_per_node: plane.gpus_per_node,
            })
            .collect(),
        trace: setup.trace_path.display().to_string(),
        trace_fnv1a64: results::fnv1a64(&trace_bytes),
        seed: setup.base.seed,
        vary: setup
            .grid
            .varies
            .iter()
            .map(|vary| VaryRecord {
                path: vary.path.to_string(),
                spec: vary.spec.clone(),
                values: vary.values.clone(),
            })
            .collect(),
        policies: policy_names(&setup.grid),
        runs: setup.grid.run_count(),
        series_interval_s: series_interval_us.map(|_| args.series_interval_s),
        shard: args.shard,
        columns: results::columns(&setup.grid, &plane_names),
    };
    let job = SweepJob {
        grid: &setup.grid,
        variants: &setup.variants,
        records: &records,
        manifest,
        series_interval_us,
    };

    let runs = setup.grid.run_ids(args.shard).len();
    if let (Some(shard), 0) = (args.shard, runs) {
        eprintln!(
            "warning: shard {shard} has no runs, because the grid has only {}; its results \
             folder holds the manifest and headers only",
            counted(setup.grid.run_count(), "run"),
        );
    }
    let bar = progress_bar(runs as u64);
    let threads = args.threads.map_or(0, |n| n as usize);
    let result = run_sweep(&job, &out, threads, &|| bar.inc(1));
    bar.finish_and_clear();
    let results = result?;

    let shard = match args.shard {
        Some(shard) => format!(" (shard {shard})"),
        None => String::new(),
    };
    let series = if series_interval_us.is_some() {
        ", series/"
    } else {
        ""
    };
    super::print_stdout(&format!(
        "{} of {}{shard} written to {}: results.csv, results.json, sweep.json{series}\n",
        results.rows.len(),
        counted(setup.grid.run_count(), "run"),
        out.display(),
    ))
}

/// Converts `--series-interval-s` to microseconds, `None` for 0, after checking that the
/// trace's span does not give more than `MAX_SERIES_SAMPLES` samples per run.
fn series_interval(
    seconds: f64,
    records: &[crate::trace::TraceRecord],
) -> anyhow::Result<Option<Micros>> {
    if seconds == 0.0 {
        return Ok(None);
    }
    // Every replay lasts at least until the last submission, so this undercounts the samples.
    let last_submit_s = records
        .iter()
        .map(|record| record.submit_s)
        .fold(0.0, f64::max);
    if last_submit_s / seconds > MAX_SERIES_SAMPLES {
        bail!(
            "invalid --series-interval-s {seconds}: the trace's last job is submitted at \
             {last_submit_s} s, which gives more than {MAX_SERIES_SAMPLES} samples per run; \
             pass a longer interval, or 0 for no series"
        );
    }
    Ok(Some(secs_to_micros(seconds)))
}

fn policy_names(grid: &Grid) -> Vec<String> {
    grid.policies
        .iter()
        .map(|name| name.as_str().to_string())
        .collect()
}

fn emit_k8s_job(args: &SweepArgs, setup: &Setup, file: &Path) -> anyhow::Result<()> {
    let shards = match (args.shards, args.shard) {
        (Some(shards), Some(shard)) if shards as usize != shard.count => bail!(
            "--shards {shards} and --shard {shard} give different shard counts; pass one of them"
        ),
        (Some(shards), _) => shards as usize,
        (None, Some(shard)) => shard.count,
        (None, None) => bail!("--emit-k8s-job needs the number of shards; pass --shards N"),
    };
    let runs = setup.grid.run_count();
    if shards > runs {
        bail!(
            "invalid --shards {shards}: the grid has only {}, so pass at most {runs}",
            counted(runs, "run")
        );
    }
    super::check_not_an_input(
        file,
        "--emit-k8s-job",
        &[&setup.scenario_path, &setup.trace_path],
    )?;

    let mut sweep_args = vec![
        "sweep".to_string(),
        "--scenario".to_string(),
        setup.scenario_path.display().to_string(),
        "--trace".to_string(),
        setup.trace_path.display().to_string(),
    ];
    for text in &args.vary {
        sweep_args.extend(["--vary".to_string(), text.clone()]);
    }
    sweep_args.extend([
        "--policies".to_string(),
        policy_names(&setup.grid).join(","),
        "--series-interval-s".to_string(),
        args.series_interval_s.to_string(),
    ]);
    if let Some(threads) = args.threads {
        sweep_args.extend(["-j".to_string(), threads.to_string()]);
    }
    let spec = JobSpec {
        name: args
            .job_name
            .clone()
            .unwrap_or_else(|| DEFAULT_JOB_NAME.into()),
        image: args.image.clone().unwrap_or_else(|| DEFAULT_IMAGE.into()),
        results_pvc: args
            .results_pvc
            .clone()
            .unwrap_or_else(|| DEFAULT_PVC.into()),
        shards,
        sweep_args,
    };
    spec.check()?;
    crate::sweep::output::write_atomically(file, spec.to_yaml().as_bytes())
        .context("--emit-k8s-job")?;
    super::print_stdout(&format!(
        "Kubernetes Job {:?} written to {}: {} of {}, results in claim {:?} at \
         /results/shard-INDEX\n",
        spec.name,
        file.display(),
        counted(shards, "shard"),
        counted(runs, "run"),
        spec.results_pvc,
    ))
}

/// Writes `count` and `noun`, adding `s` to the noun unless the count is 1.
fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// Creates a progress bar on stderr when it is a terminal, and a hidden one otherwise.
fn progress_bar(runs: u64) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(runs);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} runs ({eta} left)")
            .expect("valid template"),
    );
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_accepts_zero_and_durations() {
        assert_eq!(parse_interval("0"), Ok(0.0));
        assert_eq!(parse_interval("3600"), Ok(3600.0));
        for bad in ["-1", "nan", "inf", "1e-9", "1e12", "x"] {
            assert!(parse_interval(bad).is_err(), "{bad}");
        }
    }
}
