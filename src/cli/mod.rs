//! The `burstplane` command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod compare;
mod simulate;
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
    /// Import, inspect and generate job traces.
    #[command(subcommand)]
    Trace(trace::TraceCommand),
}

/// Runs the command line and maps errors to exit code 1 with the error chain on stderr.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Simulate(args) => simulate::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Trace(command) => trace::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
