//! The markdown recommendation written beside the HTML report: the p90 JCT target, the
//! recommended run, the cheapest run meeting the target at each size, and FlexCache against
//! SnapMirror by dataset size class.

use std::fmt::Write;

use super::access;
use super::analysis::{Analysis, DEFAULT_TARGET_FACTOR, SizeAxis};
use super::model::{Run, Sweep};
use super::svg::format_number;

/// Renders the recommendation as markdown.
pub fn render(sweep: &Sweep, analysis: &Analysis) -> String {
    let mut out = String::new();
    let title = match &sweep.scenario {
        Some(name) => format!("# Capacity recommendation: {name}\n\n"),
        None => "# Capacity recommendation\n\n".to_string(),
    };
    out.push_str(&title);
    let _ = writeln!(out, "{}\n", describe_sweep(sweep));
    push_target(&mut out, sweep, analysis);
    push_recommendation(&mut out, sweep, analysis);
    push_sizes(&mut out, sweep, analysis);
    access::push_section(&mut out, sweep, analysis);
    out
}

/// Builds one sentence that names the inputs and the grid.
pub fn describe_sweep(sweep: &Sweep) -> String {
    let sources: Vec<String> = sweep
        .sources
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    let from = if sources.len() == 1 {
        format!("the sweep in {}", sources[0])
    } else {
        format!("{} merged shards ({})", sources.len(), sources.join(", "))
    };
    let mut text = format!(
        "{} runs from {from}, scenario {}, trace {}; policies {}",
        sweep.runs.len(),
        sweep.scenario_file,
        sweep.trace_file,
        sweep.policies.join(", ")
    );
    for (index, path) in sweep.parameters.iter().enumerate() {
        let mut values: Vec<String> = Vec::new();
        for run in &sweep.runs {
            let value = run.values[index].to_string();
            if !values.contains(&value) {
                values.push(value);
            }
        }
        let _ = write!(text, "; {path} = {}", values.join(", "));
    }
    if sweep.parameters.is_empty() {
        text.push_str("; no scenario parameter varied");
    }
    text.push('.');
    text
}

fn seconds(value: f64) -> String {
    format!("{} s", format_number(value, 1))
}

fn usd(value: f64) -> String {
    format!("{} USD", format_number(value, 2))
}

/// Returns the run's total cost per 730 h month of its makespan, or `None` for a zero
/// makespan.
pub fn monthly_usd(run: &Run) -> Option<f64> {
    run.metrics
        .months()
        .map(|months| run.metrics.cost_usd_total / months)
}

/// Builds the sentence that states the p90 JCT target and where it came from.
pub fn describe_target(sweep: &Sweep, analysis: &Analysis) -> String {
    let target = &analysis.target;
    match target.derived_from {
        Some(index) => {
            let best = &sweep.runs[index];
            format!(
                "The p90 JCT target is {}: the best p90 JCT among the runs, {} (run {}, {}), \
                 times {DEFAULT_TARGET_FACTOR}. Set another with --target-p90-s SECONDS.",
                seconds(target.p90_s),
                seconds(best.metrics.jct_p90_s),
                best.id,
                best.policy
            )
        }
        None => format!(
            "The p90 JCT target is {}, as given with --target-p90-s.",
            seconds(target.p90_s)
        ),
    }
}

fn push_target(out: &mut String, sweep: &Sweep, analysis: &Analysis) {
    out.push_str("## Target\n\n");
    let _ = writeln!(out, "{}", describe_target(sweep, analysis));
    let _ = writeln!(
        out,
        "{} of {} runs meet it.",
        analysis.feasible.len(),
        sweep.runs.len()
    );
    let left_out = sweep.runs.len() - analysis.eligible.len();
    if left_out > 0 {
        let _ = writeln!(
            out,
            "{left_out} runs completed fewer jobs than the best run did, so their JCT covers \
             fewer jobs; they are not considered."
        );
    }
    out.push('\n');
}

/// Builds the headline sentence: what to buy and which policy to run, or that no run meets
/// the target.
pub fn headline(sweep: &Sweep, analysis: &Analysis) -> String {
    let Some(index) = analysis.recommended else {
        let fastest = &sweep.runs[analysis.focus];
        return format!(
            "No run meets the p90 JCT target of {}. The lowest p90 JCT is {} (run {}, policy \
             {}, {}). Relax the target or extend the grid to larger sizes.",
            seconds(analysis.target.p90_s),
            seconds(fastest.metrics.jct_p90_s),
            fastest.id,
            fastest.policy,
            sweep.describe_values(fastest)
        );
    };
    let run = &sweep.runs[index];
    let size = match &analysis.x {
        SizeAxis::OnpremGpus {
            nodes,
            gpus_parameter,
            gpus_per_node,
        } => {
            let per_node = gpus_parameter.map_or(gpus_per_node.to_string(), |index| {
                run.values[index].to_string()
            });
            format!(
                "{} on-prem GPUs ({} nodes x {per_node} GPUs per node)",
                format_number(analysis.x.value(run), 0),
                run.values[*nodes]
            )
        }
        SizeAxis::OnpremNodes { nodes } => {
            format!("{} on-prem nodes", run.values[*nodes])
        }
        SizeAxis::Parameter { .. } | SizeAxis::Nothing => String::new(),
    };
    let why = if analysis.x.is_onprem_size() {
        "the smallest on-prem size at which a run meets the target, and the cheapest run at \
         that size"
    } else {
        "the cheapest run that meets the target; the grid does not vary the on-prem node \
         count, so it has no size to minimize"
    };
    let choice = if size.is_empty() {
        format!(
            "Run the {} policy with {}",
            run.policy,
            sweep.describe_values(run)
        )
    } else {
        format!("Buy {size} and run the {} policy", run.policy)
    };
    format!(
        "{choice}: run {} has a p90 JCT of {} at {} in total. It is {why}.",
        run.id,
        seconds(run.metrics.jct_p90_s),
        usd(run.metrics.cost_usd_total)
    )
}

fn push_recommendation(out: &mut String, sweep: &Sweep, analysis: &Analysis) {
    out.push_str("## Recommendation\n\n");
    let _ = writeln!(out, "{}\n", headline(sweep, analysis));

    let run = &sweep.runs[analysis.focus];
    let _ = writeln!(out, "| run {} | value |", run.id);
    out.push_str("| --- | --- |\n");
    let _ = writeln!(out, "| policy | {} |", run.policy);
    for (path, value) in sweep.parameters.iter().zip(&run.values) {
        let _ = writeln!(out, "| {path} | {value} |");
    }
    if analysis.x.is_onprem_size() {
        let _ = writeln!(out, "| on-prem size | {} |", analysis.x.describe(run));
    }

    let metrics = &run.metrics;
    let _ = writeln!(out, "| p90 JCT | {} |", seconds(metrics.jct_p90_s));
    let _ = writeln!(out, "| total cost | {} |", usd(metrics.cost_usd_total));
    if let Some(monthly) = monthly_usd(run) {
        let _ = writeln!(out, "| monthly cost (730 h) | {} |", usd(monthly));
    }
    let _ = writeln!(
        out,
        "| burst fraction | {} % |",
        format_number(metrics.burst_fraction * 100.0, 1)
    );
    let _ = writeln!(
        out,
        "| WAN transfer | {} GB |",
        format_number(metrics.transfer_gb_total, 1)
    );
    out.push('\n');

    if let (Some(cheapest), Some(recommended)) = (analysis.cheapest, analysis.recommended)
        && cheapest != recommended
    {
        let other = &sweep.runs[cheapest];
        let _ = writeln!(
            out,
            "The cheapest run that meets the target is run {} (policy {}, {}): {} in total \
             with a p90 JCT of {}, {} less than the recommended run over this replay.\n",
            other.id,
            other.policy,
            sweep.describe_values(other),
            usd(other.metrics.cost_usd_total),
            seconds(other.metrics.jct_p90_s),
            usd(run.metrics.cost_usd_total - other.metrics.cost_usd_total)
        );
    }
}

/// Appends a table of the cheapest run that meets the target at each x value.
fn push_sizes(out: &mut String, sweep: &Sweep, analysis: &Analysis) {
    if analysis.x == SizeAxis::Nothing {
        return;
    }
    let heading = if analysis.x.is_onprem_size() {
        "on-prem size"
    } else {
        sweep.parameters[analysis.x.parameter().expect("a varied parameter")].as_str()
    };
    let _ = writeln!(out, "## Cheapest run that meets the target, by {heading}\n");
    let _ = writeln!(
        out,
        "| {heading} | runs meeting the target | cheapest | policy | p90 JCT (s) | total cost (USD) |"
    );
    out.push_str("| --- | --- | --- | --- | --- | --- |\n");
    let mut positions: Vec<f64> = Vec::new();
    for run in &sweep.runs {
        let position = analysis.x.value(run);
        if !positions
            .iter()
            .any(|known| known.total_cmp(&position).is_eq())
        {
            positions.push(position);
        }
    }
    positions.sort_by(f64::total_cmp);
    for position in positions {
        let at: Vec<&Run> = sweep
            .runs
            .iter()
            .filter(|run| analysis.x.value(run).total_cmp(&position).is_eq())
            .collect();
        let label = analysis.x.describe(at[0]);
        let meeting: Vec<&Run> = analysis
            .feasible
            .iter()
            .map(|&index| &sweep.runs[index])
            .filter(|run| analysis.x.value(run).total_cmp(&position).is_eq())
            .collect();
        let cheapest = meeting.iter().min_by(|a, b| {
            a.metrics
                .cost_usd_total
                .total_cmp(&b.metrics.cost_usd_total)
                .then(a.id.cmp(&b.id))
        });
        match cheapest {
            Some(run) => {
                let _ = writeln!(
                    out,
                    "| {label} | {} of {} | run {} | {} | {} | {} |",
                    meeting.len(),
                    at.len(),
                    run.id,
                    run.policy,
                    format_number(run.metrics.jct_p90_s, 1),
                    format_number(run.metrics.cost_usd_total, 2)
                );
            }
            None => {
                let _ = writeln!(out, "| {label} | 0 of {} | none | | | |", at.len());
            }
        }
    }
    out.push('\n');
}
