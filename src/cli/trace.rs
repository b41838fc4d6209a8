//! `burstplane trace`: import public traces or CSV exports into the normalized trace format,
//! and print the statistics of a normalized trace.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::trace::import::{self, ColumnMapping, ImportFormat};
use crate::trace::stats::TraceStats;
use crate::trace::{read_trace, write_trace};

#[derive(clap::Subcommand, Debug)]
pub enum TraceCommand {
    /// Convert source trace files into one normalized trace, sorted by submit time.
    ///
    /// Times become seconds from the first submission over all inputs. Rows that cannot be
    /// replayed are skipped and counted on stderr; malformed input is an error, and OUT is
    /// then left as it was.
    Import(ImportArgs),
    /// Print job count, submission span, GPU-size histogram and GPU-hours of a normalized trace.
    Stats(StatsArgs),
    /// Generate a synthetic trace: Poisson arrivals, GPU sizes drawn from the Philly trace's
    /// mix, log-normal run times clamped to 60 s .. 7 days.
    Synth(SynthArgs),
}

#[derive(clap::Args, Debug)]
pub struct SynthArgs {
    /// Jobs to generate.
    #[arg(long, default_value_t = 100_000)]
    jobs: usize,
    /// Seed of the generator; the same seed gives the same trace.
    #[arg(long, default_value_t = 1, value_parser = super::parse_seed, allow_negative_numbers = true)]
    seed: u64,
    /// GPUs the offered load is measured against.
    #[arg(long, default_value_t = 512, value_name = "GPUS")]
    cluster_gpus: u32,
    /// Offered load: requested GPU-seconds per second over --cluster-gpus (1.0 keeps the
    /// cluster exactly busy on average).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    load: f64,
    /// Median job run time, seconds; run times are clamped to 60 s .. 7 days.
    #[arg(
        long,
        default_value_t = 1800.0,
        value_name = "SECONDS",
        allow_negative_numbers = true
    )]
    duration_median_s: f64,
    /// Log-space standard deviation of run times.
    #[arg(long, default_value_t = 1.5, allow_negative_numbers = true)]
    duration_sigma: f64,
    /// Normalized trace to write.
    #[arg(short, long, value_name = "OUT.csv")]
    output: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// Format of the input files.
    #[arg(long, value_enum)]
    format: SourceFormat,
    /// Input files, all of the given format.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Normalized trace to write; replaced only once the import has succeeded.
    #[arg(short, long, value_name = "OUT.csv")]
    output: PathBuf,
    /// With --format csv: which source column fills each field, as KEY=COLUMN pairs separated
    /// by commas. Keys: submit_s, duration_s, gpus (required), job_id, dataset, read_gb,
    /// write_gb, writes_back, allowed_planes, group. COLUMN is a header name, or a 1-based
    /// number with --no-header.
    #[arg(long, value_name = "KEY=COLUMN,...")]
    map: Option<String>,
    /// With --format csv: the files have no header line.
    #[arg(long)]
    no_header: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum SourceFormat {
    /// Microsoft Philly per-job table (timestamp,duration,num_gpus,gpu_time,cluster).
    Philly,
    /// Microsoft ITP cluster file (job_id,submission_time,duration,num_gpu).
    Itp,
    /// Alibaba GPU cluster pod list, openb_pod_list_*.csv.
    #[value(name = "alibaba-openb")]
    AlibabaOpenb,
    /// Any CSV, read through --map.
    Csv,
}

#[derive(clap::Args, Debug)]
pub struct StatsArgs {
    /// Normalized trace file.
    trace: PathBuf,
    /// Output form.
    #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
    format: StatsFormat,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq)]
enum StatsFormat {
    Table,
    Json,
}

/// Runs one `trace` subcommand.
///
/// # Errors
/// Returns the import, read or write error, with the file and line it names.
pub fn run(command: TraceCommand) -> anyhow::Result<()> {
    match command {
        TraceCommand::Import(args) => run_import(args),
        TraceCommand::Stats(args) => run_stats(&args),
        TraceCommand::Synth(args) => run_synth(&args),
    }
}

fn run_synth(args: &SynthArgs) -> anyhow::Result<()> {
    if !(1..=10_000_000).contains(&args.jobs) {
        bail!("--jobs {} is invalid: expected 1 to 10000000", args.jobs);
    }
    if !(args.load.is_finite() && (1e-6..=1e6).contains(&args.load)) {
        bail!(
            "--load {} is invalid: expected a number from 1e-6 to 1e6",
            args.load
        );
    }
    if args.cluster_gpus == 0 {
        bail!("--cluster-gpus 0 is invalid: expected a whole number >= 1");
    }
    if !(args.duration_median_s.is_finite() && (1.0..=604_800.0).contains(&args.duration_median_s))
    {
        bail!(
            "--duration-median-s {} is invalid: expected seconds from 1 to 604800 (7 days)",
            args.duration_median_s
        );
    }
    if !(args.duration_sigma.is_finite() && (0.0..=10.0).contains(&args.duration_sigma)) {
        bail!(
            "--duration-sigma {} is invalid: expected a number from 0 to 10",
            args.duration_sigma
        );
    }
    let spec = crate::trace::synth::SynthSpec {
        jobs: args.jobs,
        seed: args.seed,
        cluster_gpus: args.cluster_gpus,
        load: args.load,
        duration_median_s: args.duration_median_s,
        duration_sigma: args.duration_sigma,
    };
    let records = crate::trace::synth::synthesize(&spec);
    let span_s = records.last().map_or(0.0, |record| record.submit_s);
    if span_s > crate::trace::MAX_SECONDS {
        bail!(
            "the trace would span {span_s:.3e} s, beyond the 1e11 s a trace may span; \
             raise --load or lower --jobs"
        );
    }
    crate::trace::write_trace(&args.output, &records)?;
    eprintln!("wrote {} jobs to {}", records.len(), args.output.display());
    Ok(())
}

fn run_import(args: ImportArgs) -> anyhow::Result<()> {
    let format = match (args.format, &args.map) {
        (SourceFormat::Csv, Some(spec)) => {
            ImportFormat::Csv(ColumnMapping::parse(spec, !args.no_header)?)
        }
        (SourceFormat::Csv, None) => {
            bail!(
                "--format csv requires --map, such as --map submit_s=Submit,duration_s=Elapsed,gpus=NGPUS"
            )
        }
        (_, Some(_)) => bail!("--map is valid only with --format csv"),
        (SourceFormat::Philly, None) => ImportFormat::Philly,
        (SourceFormat::Itp, None) => ImportFormat::Itp,
        (SourceFormat::AlibabaOpenb, None) => ImportFormat::AlibabaOpenb,
    };
    if args.no_header && !matches!(format, ImportFormat::Csv(_)) {
        bail!(
            "--no-header is valid only with --format csv; the {} importer detects a headerless \
             file by itself",
            format.name()
        );
    }

    let inputs: Vec<&Path> = args.inputs.iter().map(PathBuf::as_path).collect();
    super::check_not_an_input(&args.output, "-o", &inputs)?;
    let report = import::import(&format, &args.inputs)?;
    if report.records.is_empty() {
        bail!(
            "no job of the input can be replayed, so {} was not written\n{report}",
            args.output.display()
        );
    }
    write_trace(&args.output, &report.records)?;
    eprintln!("{report}");
    Ok(())
}

fn run_stats(args: &StatsArgs) -> anyhow::Result<()> {
    let records = read_trace(&args.trace)?;
    let stats = TraceStats::from_records(&records);
    match args.format {
        StatsFormat::Table => super::print_stdout(&stats.to_string())?,
        StatsFormat::Json => {
            let json =
                serde_json::to_string_pretty(&stats).context("cannot serialize the statistics")?;
            super::print_stdout(&format!("{json}\n"))?;
        }
    }
    Ok(())
}
