//! `burstplane trace`: import and inspect traces.

#[derive(clap::Subcommand, Debug)]
pub enum TraceCommand {}

pub fn run(command: TraceCommand) -> anyhow::Result<()> {
    match command {}
}
