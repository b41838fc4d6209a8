//! The `burstplane` command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod compare;
mod report;
mod simulate;
mod sweep;
mod trace;

#[derive(Parser, Debug)]
#[command(
    name = "burstplane",
    version,
    about = "Data-aware placement of GPU jobs across hybrid Kubernetes data planes"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Replay a job trace through a scenario and print what it cost.
    Simulate(simulate::SimulateArgs),
    /// Replay one trace through one scenario under several policies and print one row per
    /// policy.
    Compare(compare::CompareArgs),
    /// Replay one trace through every combination of scenario field values and policies, and
    /// write one results row per run.
    Sweep(sweep::SweepArgs),
    /// Write a sweep's capacity report: an HTML page of charts and a markdown recommendation.
    Report(report::ReportArgs),
    /// Import, inspect and generate job traces.
    #[command(subcommand)]
    Trace(trace::TraceCommand),
}

/// Writes `text` to stdout. A closed pipe (as with `| head`) is not an error: the reader has
/// what it wanted, so the program stops quietly.
pub(crate) fn print_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        result => Ok(result?),
    }
}

/// Parses a `--seed` value, naming the accepted range when it is not one.
pub(crate) fn parse_seed(text: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| format!("expected a whole number from 0 to {}", u64::MAX))
}

/// Reports whether two output paths name the same file: the same file name in the same folder,
/// after resolving the folders' links and `..`. A missing folder compares as written.
pub(crate) fn same_output(a: &std::path::Path, b: &std::path::Path) -> bool {
    let place = |path: &std::path::Path| {
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => std::path::Path::new("."),
        };
        let folder = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf());
        (folder, path.file_name().map(std::ffi::OsStr::to_os_string))
    };
    place(a) == place(b)
}

/// Fails when the folder that would hold `output` does not exist, so the error comes before any
/// work rather than after it.
pub(crate) fn check_output_folder(output: &std::path::Path, flag: &str) -> anyhow::Result<()> {
    let folder = match output.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => std::path::Path::new("."),
    };
    if !folder.is_dir() {
        anyhow::bail!(
            "{flag} {}: folder {} does not exist; create it or pick another path",
            output.display(),
            folder.display()
        );
    }
    Ok(())
}

/// Fails when `output` names the same file as one of `inputs`, which writing would destroy.
pub(crate) fn check_not_an_input(
    output: &std::path::Path,
    flag: &str,
    inputs: &[&std::path::Path],
) -> anyhow::Result<()> {
    let Ok(output_real) = std::fs::canonicalize(output) else {
        return Ok(());
    };
    for input in inputs {
        if std::fs::canonicalize(input).is_ok_and(|input_real| input_real == output_real) {
            anyhow::bail!(
                "{flag} {} is also an input; choose another output file",
                output.display()
            );
        }
    }
    Ok(())
}

/// Runs the command line and maps errors to exit code 1 with the error chain on stderr.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Simulate(args) => simulate::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Report(args) => report::run(args),
        Command::Trace(command) => trace::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            use std::io::Write;
            // Ignore a failure to write the error itself, such as a closed pipe on stderr.
            let _ = writeln!(std::io::stderr(), "error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
