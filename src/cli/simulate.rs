//! `burstplane simulate`: replay a trace through a scenario and summarize it.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::attach::build_workload;
use crate::engine::simulate;
use crate::policy::{JobFilter, PolicyName};
use crate::report::{RunLabel, Summary, write_decisions, write_jobs_csv};
use crate::scenario::Scenario;
use crate::trace::read_trace;

/// Scenario used when `--scenario` is not given.
pub const DEFAULT_SCENARIO: &str = "scenarios/seed-hybrid.toml";

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// Scenario TOML file [default: scenarios/seed-hybrid.toml, looked up in the current
    /// directory and then in the source tree burstplane was built from].
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Normalized trace CSV (see `burstplane trace import`) [default: the scenario's `trace`].
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Placement policy, overriding the scenario's `policy.name`.
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(PolicyName::ALL_NAMES))]
    policy: Option<String>,
    /// Seed of the data attachment model, overriding the scenario's `seed`.
    #[arg(long, value_name = "N", value_parser = super::parse_seed, allow_negative_numbers = true)]
    seed: Option<u64>,
    /// Also write one CSV row per job to FILE (times in seconds, transfers in GB, costs in USD).
    #[arg(long, value_name = "FILE")]
    jobs_out: Option<PathBuf>,
    /// Summary format: an aligned table for people, or JSON for programs.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
    /// Also write why `data-aware` placed each job to FILE, as JSON Lines: one object per
    /// decision with every option the scoring core scored (times in seconds, costs in USD) and
    /// the one chosen. A job gets a decision at submission and at each rescoring while it waits.
    #[arg(long, value_name = "FILE")]
    explain: Option<PathBuf>,
    /// With --explain: only the decisions for these job ids (comma-separated). Without it,
    /// every decision is written, about 2.4 KB each.
    #[arg(long, value_name = "IDS", value_delimiter = ',', requires = "explain")]
    explain_jobs: Vec<String>,
}

/// Finds the default scenario in the current directory, else in the source tree.
pub(super) fn default_scenario() -> anyhow::Result<PathBuf> {
    let here = PathBuf::from(DEFAULT_SCENARIO);
    if here.exists() {
        return Ok(here);
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_SCENARIO);
    if built_from.exists() {
        return Ok(built_from);
    }
    bail!("no --scenario given and {DEFAULT_SCENARIO} was not found; pass --scenario FILE")
}

pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let scenario_path = match args.scenario {
        Some(path) => path,
        None => default_scenario()?,
    };
    let mut scenario = Scenario::load(&scenario_path)?;
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    if let Some(name) = &args.policy {
        scenario.policy.name = PolicyName::parse(name).expect("clap checked the name");
    }
    let trace_path = match args.trace.or_else(|| scenario.trace.clone()) {
        Some(path) => path,
        None => bail!(
            "no --trace given and {} sets no `trace`; pass --trace FILE",
            scenario_path.display()
        ),
    };
    if let Some(jobs_out) = &args.jobs_out {
        super::check_not_an_input(jobs_out, "--jobs-out", &[&trace_path, &scenario_path])?;
    }
    if let Some(explain) = &args.explain {
        super::check_not_an_input(explain, "--explain", &[&trace_path, &scenario_path])?;
        if let Some(jobs_out) = &args.jobs_out
            && super::same_output(explain, jobs_out)
        {
            bail!(
                "--explain and --jobs-out both name {}; give them different files",
                explain.display()
            );
        }
    }
    for (flag, path) in [("--jobs-out", &args.jobs_out), ("--explain", &args.explain)] {
        if let Some(path) = path {
            super::check_output_folder(path, flag)?;
        }
    }
    let records = read_trace(&trace_path)?;
    let (platform, workload) = build_workload(&scenario, records);

    let mut policy = scenario.policy.build(&workload);
    if args.explain.is_some() {
        let selected: HashSet<Box<str>> = args
            .explain_jobs
            .iter()
            .map(|id| id.trim().into())
            .collect();
        let known: HashSet<&str> = workload.jobs.iter().map(|job| &*job.id).collect();
        // In the order given, so the error names the first unknown id.
        let mut ids = args.explain_jobs.iter().map(|id| id.trim());
        if let Some(missing) = ids.find(|id| !known.contains(id)) {
            bail!(
                "--explain-jobs: job {missing:?} is not in {}; pass ids from its job_id column",
                trace_path.display()
            );
        }
        let filter: JobFilter = if selected.is_empty() {
            Box::new(|_| true)
        } else {
            Box::new(move |job| selected.contains(&job.id))
        };
        if !policy.record_decisions(filter) {
            bail!(
                "--explain needs the data-aware policy (--policy data-aware, or policy.name in \
                 the scenario): policy {} does not use the scoring core",
                scenario.policy.name.as_str()
            );
        }
    }
    let bar = progress_bar(workload.jobs.len() as u64);
    let outcome = simulate(&platform, &workload, policy.as_mut(), &mut |done| {
        bar.set_position(done as u64)
    });
    bar.finish_and_clear();

    let label = RunLabel {
        scenario: &scenario.name,
        policy: scenario.policy.name.as_str(),
        seed: scenario.seed,
    };
    let summary = Summary::new(&label, &platform, &workload, &outcome);
    if let Some(path) = &args.jobs_out {
        write_jobs_csv(path, &platform, &workload, &outcome)
            .with_context(|| format!("{}: cannot write the jobs CSV", path.display()))?;
    }
    if let Some(path) = &args.explain {
        write_decisions(path, &platform, &workload, &policy.take_decisions())
            .with_context(|| format!("{}: cannot write the decision log", path.display()))?;
    }
    let text = match args.format {
        OutputFormat::Table => summary.to_table(),
        OutputFormat::Json => summary.to_json(),
    };
    super::print_stdout(&text)?;
    Ok(())
}

/// Creates a progress bar on stderr when it is a terminal, and a hidden one otherwise.
fn progress_bar(jobs: u64) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(jobs);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} jobs submitted ({eta} left)")
            .expect("valid template"),
    );
    bar
}
