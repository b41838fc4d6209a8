//! The summary as a text table for a terminal.

use std::fmt::Write;

use super::{Distribution, Summary};

pub(super) fn render(summary: &Summary) -> String {
    let mut out = String::new();
    let mut row = |label: &str, value: String| {
        let _ = writeln!(out, "{label:<26} {value}");
    };
    row("scenario", summary.scenario.clone());
    row(
        "policy",
        format!("{} (seed {})", summary.policy, summary.seed),
    );
    row(
        "jobs",
        format!(
            "{} ({} completed, {} rejected)",
            summary.jobs, summary.completed, summary.rejected.total
        ),
    );
    for (reason, count) in &summary.rejected.by_reason {
        row(&format!("  rejected: {reason}"), count.to_string());
    }
    row(
        "makespan",
        format!(
            "{:.0} s ({:.2} days)",
            summary.makespan_s,
            summary.makespan_s / 86_400.0
        ),
    );
    row("job completion time (s)", distribution(&summary.jct_s));
    row("wait (s)", distribution(&summary.wait_s));
    row(
        "burst fraction",
        format!("{:.2} %", summary.burst_fraction * 100.0),
    );
    for plane in &summary.planes {
        row(
            &format!("plane {}", plane.name),
            format!(
                "{} jobs, {:.1} GPU-hours, {:.1} % GPU utilization",
                plane.jobs,
                plane.gpu_hours,
                plane.gpu_utilization * 100.0
            ),
        );
    }
    let transfer = &summary.transfer_gb;
    row(
        "WAN transfer (GB)",
        format!(
            "{:.1} total: {:.1} hydration, {:.1} mirror, {:.1} write-back",
            transfer.total, transfer.hydration, transfer.mirror, transfer.write_back
        ),
    );
    let cost = &summary.cost_usd;
    row(
        "cost (USD)",
        format!(
            "{:.2} total: {:.2} on-prem compute, {:.2} cloud compute, {:.2} egress, {:.2} storage",
            cost.total, cost.onprem_compute, cost.cloud_compute, cost.egress, cost.storage
        ),
    );
    out
}

fn distribution(d: &Distribution) -> String {
    format!(
        "mean {:.1}, p50 {:.1}, p90 {:.1}, p99 {:.1}",
        d.mean, d.p50, d.p90, d.p99
    )
}
