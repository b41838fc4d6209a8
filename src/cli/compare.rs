//! `burstplane compare`: replay one trace through one scenario under several policies, in
//! parallel, and print one row per policy.
//!
//! Every run uses the same scenario, trace and seed, so the rows differ only by policy. The
//! workload is built once and shared by the runs, because it does not depend on the policy.
//! Rows come out in the order of `--policies`, whatever order the runs finish in.

use std::fmt::Write;
use std::path::PathBuf;

use anyhow::bail;
use rayon::prelude::*;
use serde::Serialize;

use super::simulate::{OutputFormat, default_scenario};
use crate::attach::build_workload;
use crate::engine::simulate;
use crate::model::{Platform, Workload};
use crate::policy::PolicyName;
use crate::report::{RunLabel, Summary};
use crate::scenario::Scenario;
use crate::trace::read_trace;

#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    /// Scenario TOML file [default: scenarios/seed-hybrid.toml, looked up in the current
    /// directory and then in the source tree burstplane was built from].
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Normalized trace CSV (see `burstplane trace import`) [default: the scenario's `trace`].
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Comma-separated placement policies to run, each once, e.g. `no-wait,onprem-only`.
    /// Rows are printed in this order.
    #[arg(long, value_name = "NAMES", value_parser = parse_policy_list)]
    policies: PolicyList,
    /// Seed of the data attachment model for every run, overriding the scenario's `seed`.
    #[arg(long, value_name = "N", value_parser = super::parse_seed, allow_negative_numbers = true)]
    seed: Option<u64>,
    /// Output format: an aligned table for people, or JSON for programs.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
}

/// The policies of `--policies`, in the order given, without duplicates.
#[derive(Clone, Debug)]
pub(super) struct PolicyList(pub(super) Vec<PolicyName>);

/// Parses `--policies`. Clap prefixes the returned error with the flag and its whole value.
pub(super) fn parse_policy_list(value: &str) -> Result<PolicyList, String> {
    let valid = PolicyName::ALL_NAMES.join(", ");
    if value.trim().is_empty() {
        return Err(format!(
            "no policy given, expected a comma-separated list of names from: {valid}"
        ));
    }
    let mut names = Vec::new();
    for item in value.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(format!(
                "empty policy name in the list, expected names from: {valid}"
            ));
        }
        let Some(name) = PolicyName::parse(item) else {
            return Err(format!(
                "unknown policy `{item}`, expected names from: {valid}"
            ));
        };
        if names.contains(&name) {
            return Err(format!(
                "policy `{item}` is listed twice, list each policy once"
            ));
        }
        names.push(name);
    }
    Ok(PolicyList(names))
}

pub fn run(args: CompareArgs) -> anyhow::Result<()> {
    let scenario_path = match args.scenario {
        Some(path) => path,
        None => default_scenario()?,
    };
    let mut scenario = Scenario::load(&scenario_path)?;
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    let trace_path = match args.trace.or_else(|| scenario.trace.clone()) {
        Some(path) => path,
        None => bail!(
            "no --trace given and {} sets no `trace`, so pass --trace FILE",
            scenario_path.display()
        ),
    };
    let records = read_trace(&trace_path)?;
    let (platform, workload) = build_workload(&scenario, records);

    // rayon's `collect` on an indexed iterator keeps the input order, so the rows follow
    // `--policies` however the threads are scheduled.
    let summaries: Vec<Summary> = args
        .policies
        .0
        .par_iter()
        .map(|&name| run_policy(&scenario, &platform, &workload, name))
        .collect();

    let comparison = Comparison {
        scenario: &scenario.name,
        trace: trace_path.display().to_string(),
        seed: scenario.seed,
        runs: summaries.iter().map(Row::new).collect(),
    };
    let text = match args.format {
        OutputFormat::Table => comparison.to_table(),
        OutputFormat::Json => comparison.to_json(),
    };
    super::print_stdout(&text)?;
    Ok(())
}

/// Replays the shared workload under policy `name` with the scenario's other policy settings,
/// the same computation as `burstplane simulate --policy NAME`.
fn run_policy(
    scenario: &Scenario,
    platform: &Platform,
    workload: &Workload,
    name: PolicyName,
) -> Summary {
    let mut config = scenario.policy.clone();
    config.name = name;
    let mut policy = config.build(workload);
    let outcome = simulate(platform, workload, policy.as_mut(), &mut |_| {});
    let label = RunLabel {
        scenario: &scenario.name,
        policy: name.as_str(),
        seed: scenario.seed,
    };
    Summary::new(&label, platform, workload, &outcome)
}

/// The output of `compare`. docs/output.md documents the keys.
#[derive(Serialize)]
struct Comparison<'a> {
    /// The scenario's `name`.
    scenario: &'a str,
    /// Path of the trace file that was replayed.
    trace: String,
    seed: u64,
    runs: Vec<Row<'a>>,
}

/// One policy's row: the headline numbers of its summary, then the summary itself.
#[derive(Serialize)]
struct Row<'a> {
    policy: &'a str,
    total_cost_usd: f64,
    onprem_compute_usd: f64,
    cloud_compute_usd: f64,
    egress_usd: f64,
    storage_usd: f64,
    /// Everything but on-prem compute: cloud compute, egress and storage. On-prem compute is
    /// owned capacity, paid for whether used or not, but it still differs between policies
    /// because it runs through each run's makespan.
    burst_cost_usd: f64,
    jct_mean_s: f64,
    jct_p90_s: f64,
    wait_mean_s: f64,
    burst_fraction: f64,
    /// Data sent over WAN links (`transfer_gb.total`).
    wan_gb: f64,
    completed: u64,
    rejected: u64,
    summary: &'a Summary,
}

impl<'a> Row<'a> {
    fn new(summary: &'a Summary) -> Row<'a> {
        let cost = &summary.cost_usd;
        Row {
            policy: &summary.policy,
            total_cost_usd: cost.total,
            onprem_compute_usd: cost.onprem_compute,
            cloud_compute_usd: cost.cloud_compute,
            egress_usd: cost.egress,
            storage_usd: cost.storage,
            burst_cost_usd: cost.cloud_compute + cost.egress + cost.storage,
            jct_mean_s: summary.jct_s.mean,
            jct_p90_s: summary.jct_s.p90,
            wait_mean_s: summary.wait_s.mean,
            burst_fraction: summary.burst_fraction,
            wan_gb: summary.transfer_gb.total,
            completed: summary.completed,
            rejected: summary.rejected.total,
            summary,
        }
    }
}

/// Column headers of the table. The first column is left-aligned, the others right-aligned.
const HEADERS: [&str; 14] = [
    "policy",
    "total USD",
    "on-prem USD",
    "cloud USD",
    "egress USD",
    "storage USD",
    "burst USD",
    "JCT mean s",
    "JCT p90 s",
    "wait mean s",
    "burst %",
    "WAN GB",
    "completed",
    "rejected",
];

impl Comparison<'_> {
    /// Renders the rows as an aligned text table under a line naming the inputs.
    fn to_table(&self) -> String {
        let cells: Vec<[String; 14]> = self.runs.iter().map(table_cells).collect();
        let mut widths = HEADERS.map(str::len);
        for row in &cells {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.len());
            }
        }

        let mut out = String::new();
        let _ = writeln!(
            out,
            "scenario {}, trace {}, seed {}",
            self.scenario, self.trace, self.seed
        );
        out.push('\n');
        push_table_line(&mut out, &HEADERS.map(String::from), &widths);
        for row in &cells {
            push_table_line(&mut out, row, &widths);
        }
        out
    }

    /// Renders the comparison as pretty-printed JSON with a trailing newline.
    fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("comparison serializes");
        text.push('\n');
        text
    }
}

fn table_cells(row: &Row) -> [String; 14] {
    [
        row.policy.to_string(),
        format!("{:.2}", row.total_cost_usd),
        format!("{:.2}", row.onprem_compute_usd),
        format!("{:.2}", row.cloud_compute_usd),
        format!("{:.2}", row.egress_usd),
        format!("{:.2}", row.storage_usd),
        format!("{:.2}", row.burst_cost_usd),
        format!("{:.1}", row.jct_mean_s),
        format!("{:.1}", row.jct_p90_s),
        format!("{:.1}", row.wait_mean_s),
        format!("{:.2}", row.burst_fraction * 100.0),
        format!("{:.1}", row.wan_gb),
        row.completed.to_string(),
        row.rejected.to_string(),
    ]
}

/// Appends one line of cells, two spaces apart, without trailing spaces.
fn push_table_line(out: &mut String, cells: &[String; 14], widths: &[usize; 14]) {
    let mut line = String::new();
    for (column, (cell, &width)) in cells.iter().zip(widths).enumerate() {
        if column == 0 {
            let _ = write!(line, "{cell:<width$}");
        } else {
            let _ = write!(line, "  {cell:>width$}");
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_list_keeps_order() {
        let list = parse_policy_list("data-aware, no-wait,onprem-only").unwrap();
        assert_eq!(
            list.0,
            [
                PolicyName::DataAware,
                PolicyName::NoWait,
                PolicyName::OnpremOnly
            ]
        );
    }

    #[test]
    fn policy_list_rejects_bad_input() {
        let unknown = parse_policy_list("no-wait,bogus").unwrap_err();
        assert!(unknown.contains("`bogus`"), "{unknown}");
        for name in PolicyName::ALL_NAMES {
            assert!(unknown.contains(name), "{unknown} lacks {name}");
        }
        let empty = parse_policy_list(" ").unwrap_err();
        assert!(empty.contains("no policy given"), "{empty}");
        let blank_item = parse_policy_list("no-wait,,onprem-only").unwrap_err();
        assert!(blank_item.contains("empty policy name"), "{blank_item}");
        let twice = parse_policy_list("no-wait,onprem-only,no-wait").unwrap_err();
        assert!(twice.contains("`no-wait` is listed twice"), "{twice}");
    }
}
