//! The six charts of the report, built from a sweep and its analysis. Total cost, p90 JCT and
//! burst fraction are drawn against on-prem size. The others are the cost/JCT Pareto front, one
//! run's WAN throughput and queue depth over time, and monthly cost by kind.

use super::analysis::{Analysis, SizeAxis};
use super::model::{Run, Sweep};
use super::series::TimeSeries;
use super::svg::{Axis, BarChart, Mark, Panel, Point, Segment, Series, XyChart, format_number};
use crate::units::SECONDS_PER_HOUR;

/// Series colours, from the Okabe-Ito palette that stays distinct under colour blindness,
/// plus two greys; series past the eighth reuse them in order.
const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#7F7F7F", "#332288",
];
const HIGHLIGHT: &str = "#111111";
const REFERENCE: &str = "#999999";

/// One chart of the page: a heading, an optional line of context, the SVG and the caption.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub id: &'static str,
    pub heading: String,
    /// The parameters the chart keeps fixed or the run it shows; `None` when there is nothing
    /// to add.
    pub context: Option<String>,
    pub svg: String,
    /// One line on what to read from the chart.
    pub caption: String,
}

/// Picks the policy's colour by its position in the grid's policy list.
fn policy_color(sweep: &Sweep, policy: &str) -> &'static str {
    let index = sweep
        .policies
        .iter()
        .position(|name| name == policy)
        .unwrap_or(0);
    PALETTE[index % PALETTE.len()]
}

/// Builds a hover text that names the run and its parameter values.
fn run_tooltip(sweep: &Sweep, run: &Run, metric: &str) -> String {
    format!(
        "run {}, {}, {}: {metric}",
        run.id,
        run.policy,
        sweep.describe_values(run)
    )
}

/// Builds the sentence under a size chart's heading that names the parameters it keeps fixed.
fn slice_context(sweep: &Sweep, analysis: &Analysis) -> Option<String> {
    let fixed = analysis.fixed_parameters(sweep);
    (!fixed.is_empty()).then(|| {
        format!("Other varied parameters held at the values of the highlighted run: {fixed}.")
    })
}

/// Builds an x axis over the runs' x values, or over the parameter's categories.
fn size_axis(sweep: &Sweep, analysis: &Analysis) -> Axis {
    let title = analysis.x.title(sweep);
    if let SizeAxis::Parameter {
        categories: Some(categories),
        ..
    } = &analysis.x
    {
        return Axis::categorical(&title, categories);
    }
    if analysis.x == SizeAxis::Nothing {
        return Axis::categorical(&title, &["base".to_string()]);
    }
    let values = sweep.runs.iter().map(|run| analysis.x.value(run));
    Axis::at_values(&title, values)
}

/// Draws one metric against the x axis: a line per policy through the runs of
/// [`Analysis::size_slices`], the focus run ringed, and an optional horizontal reference line.
fn size_chart(
    sweep: &Sweep,
    analysis: &Analysis,
    id: &str,
    y_title: &str,
    metric: impl Fn(&Run) -> f64,
    describe: impl Fn(f64) -> String,
    reference: Option<(&str, f64)>,
) -> String {
    let x = size_axis(sweep, analysis);
    let mut series = Vec::new();
    for (policy, runs) in analysis.size_slices(sweep) {
        let points = runs
            .iter()
            .map(|run| Point {
                x: analysis.x.value(run),
                y: metric(run),
                tooltip: Some(run_tooltip(sweep, run, &describe(metric(run)))),
            })
            .collect();
        series.push(Series {
            name: policy.to_string(),
            color: policy_color(sweep, policy),
            mark: Mark::LineAndPoints,
            points,
        });
    }
    let focus = &sweep.runs[analysis.focus];
    series.push(Series {
        name: focus_name(analysis),
        color: HIGHLIGHT,
        mark: Mark::Highlight,
        points: vec![Point {
            x: analysis.x.value(focus),
            y: metric(focus),
            tooltip: Some(run_tooltip(sweep, focus, &describe(metric(focus)))),
        }],
    });
    let mut y_values: Vec<f64> = series
        .iter()
        .flat_map(|series| series.points.iter().map(|point| point.y))
        .collect();
    if let Some((name, value)) = reference {
        y_values.push(value);
        series.push(reference_line(name, (x.min, value), (x.max, value)));
    }
    let y = Axis::linear(y_title, y_values, true);
    XyChart {
        id: id.to_string(),
        label: format!("{y_title} against {}", x.title),
        x,
        panels: vec![Panel { y, series }],
    }
    .render()
}

/// Wraps a size chart in its figure, headed "`metric` against" the x axis title.
fn size_figure(
    sweep: &Sweep,
    analysis: &Analysis,
    id: &'static str,
    metric: &str,
    svg: String,
    caption: &str,
) -> Figure {
    let x = analysis.x.title(sweep);
    Figure {
        id,
        heading: format!("{metric} against {}", lower_first(&x)),
        context: slice_context(sweep, analysis),
        svg,
        caption: caption.to_string(),
    }
}

/// Returns the legend name of the ringed focus run.
fn focus_name(analysis: &Analysis) -> String {
    if analysis.recommended.is_some() {
        "recommended run".to_string()
    } else {
        "lowest p90 run (none meets the target)".to_string()
    }
}

fn usd(value: f64) -> String {
    format!("{} USD", format_number(value, 2))
}

fn seconds(value: f64) -> String {
    format!("{} s", format_number(value, 1))
}

/// Chart 1: total cost against on-prem size.
pub fn cost_by_size(sweep: &Sweep, analysis: &Analysis) -> Figure {
    let svg = size_chart(
        sweep,
        analysis,
        "chart-cost-by-size",
        "Total cost (USD)",
        |run| run.metrics.cost_usd_total,
        usd,
        None,
    );
    size_figure(
        sweep,
        analysis,
        "chart-cost-by-size",
        "Total cost",
        svg,
        &if analysis.x.is_onprem_size() {
            "The lowest line at a size is the cheapest policy there; a line that falls as the \
             size grows means owned GPUs cost less than the bursts they replace."
                .to_string()
        } else {
            "The lowest line at a setting is the cheapest policy there; the slope shows how \
             much the varied parameter moves total cost."
                .to_string()
        },
    )
}

/// Chart 2: p90 JCT against on-prem size, with the target as a dashed reference.
pub fn p90_by_size(sweep: &Sweep, analysis: &Analysis) -> Figure {
    let svg = size_chart(
        sweep,
        analysis,
        "chart-p90-by-size",
        "p90 job completion time (s)",
        |run| run.metrics.jct_p90_s,
        seconds,
        Some(("p90 target", analysis.target.p90_s)),
    );
    let caption = if analysis.x.is_onprem_size() {
        format!(
            "Points under the grey target line ({}) meet it; the leftmost such point is the \
             smallest size that does.",
            seconds(analysis.target.p90_s)
        )
    } else {
        format!(
            "Points under the grey target line ({}) meet it; compare where each policy \
             crosses it.",
            seconds(analysis.target.p90_s)
        )
    };
    size_figure(
        sweep,
        analysis,
        "chart-p90-by-size",
        "p90 job completion time",
        svg,
        &caption,
    )
}

/// Chart 3: every eligible run's total cost against its p90 JCT, with the Pareto front.
pub fn pareto(sweep: &Sweep, analysis: &Analysis) -> Figure {
    let point = |index: &usize| {
        let run = &sweep.runs[*index];
        let metric = format!(
            "{}, p90 {}",
            usd(run.metrics.cost_usd_total),
            seconds(run.metrics.jct_p90_s)
        );
        Point {
            x: run.metrics.jct_p90_s,
            y: run.metrics.cost_usd_total,
            tooltip: Some(run_tooltip(sweep, run, &metric)),
        }
    };
    let mut series: Vec<Series> = sweep
        .policies
        .iter()
        .map(|policy| Series {
            name: policy.clone(),
            color: policy_color(sweep, policy),
            mark: Mark::Points,
            points: analysis
                .eligible
                .iter()
                .filter(|&&index| sweep.runs[index].policy == *policy)
                .map(point)
                .collect(),
        })
        .collect();
    series.push(Series {
        name: "Pareto front".to_string(),
        color: HIGHLIGHT,
        mark: Mark::Highlight,
        points: analysis.pareto.iter().map(point).collect(),
    });

    let x_values: Vec<f64> = analysis
        .eligible
        .iter()
        .map(|&index| sweep.runs[index].metrics.jct_p90_s)
        .chain([analysis.target.p90_s])
        .collect();
    let y_values = analysis
        .eligible
        .iter()
        .map(|&index| sweep.runs[index].metrics.cost_usd_total);
    let x = Axis::log_if_wide("p90 job completion time (s)", x_values);
    let y = Axis::linear("Total cost (USD)", y_values, false);
    let target = analysis.target.p90_s;
    series.push(reference_line(
        "p90 target",
        (target, y.min),
        (target, y.max),
    ));

    let left_out = sweep.runs.len() - analysis.eligible.len();
    let context = (left_out > 0).then(|| {
        format!(
            "{left_out} of {} runs completed fewer jobs than the best run and are left out.",
            sweep.runs.len()
        )
    });
    let svg = XyChart {
        id: "chart-pareto".to_string(),
        label: "Total cost against p90 job completion time for every run".to_string(),
        x,
        panels: vec![Panel { y, series }],
    }
    .render();
    Figure {
        id: "chart-pareto",
        heading: "Cost against p90 job completion time: the Pareto front".to_string(),
        context,
        svg,
        caption: "Runs on the black front are the only sensible choices: each one is cheaper \
                  than every faster run; left of the grey line they meet the p90 target."
            .to_string(),
    }
}

/// Builds a dashed grey line from `from` to `to`, both (x, y) in data units.
fn reference_line(name: &str, from: (f64, f64), to: (f64, f64)) -> Series {
    Series {
        name: name.to_string(),
        color: REFERENCE,
        mark: Mark::Reference,
        points: [from, to]
            .into_iter()
            .map(|(x, y)| Point {
                x,
                y,
                tooltip: None,
            })
            .collect(),
    }
}

/// Chart 4: the share of jobs that burst to the cloud against on-prem size.
pub fn burst_by_size(sweep: &Sweep, analysis: &Analysis) -> Figure {
    let svg = size_chart(
        sweep,
        analysis,
        "chart-burst-by-size",
        "Burst fraction (% of completed jobs)",
        |run| run.metrics.burst_fraction * 100.0,
        |value| format!("{} % burst", format_number(value, 1)),
        None,
    );
    size_figure(
        sweep,
        analysis,
        "chart-burst-by-size",
        "Burst fraction",
        svg,
        "How much of the work each policy sends to the cloud at each point of the x axis; the \
         gap between lines is the policies' different appetite for bursting.",
    )
}

/// Chart 5: the WAN throughput of each link and the queue depth of each plane over one run.
pub fn timeline(sweep: &Sweep, run: &Run, series: &TimeSeries, chosen_by_flag: bool) -> Figure {
    let time_h: Vec<f64> = series
        .time_s
        .iter()
        .map(|seconds| seconds / SECONDS_PER_HOUR)
        .collect();
    let line = |index: usize, name: &str, values: &[f64]| Series {
        name: name.to_string(),
        color: PALETTE[index % PALETTE.len()],
        mark: Mark::Line,
        points: time_h
            .iter()
            .zip(values)
            .map(|(&x, &y)| Point {
                x,
                y,
                tooltip: None,
            })
            .collect(),
    };

    let links: Vec<Series> = series
        .link_gbps
        .iter()
        .enumerate()
        .map(|(index, column)| line(index, &format!("link {}", column.name), &column.values))
        .collect();
    let link_count = links.len();
    let queues: Vec<Series> = series
        .queue_jobs
        .iter()
        .enumerate()
        .map(|(index, column)| {
            line(
                link_count + index,
                &format!("queue {}", column.name),
                &column.values,
            )
        })
        .collect();

    let axis_over = |title: &str, series: &[Series]| {
        let values = series
            .iter()
            .flat_map(|series| series.points.iter().map(|point| point.y));
        Axis::linear(title, values.collect::<Vec<f64>>(), true)
    };
    let panels = vec![
        Panel {
            y: axis_over("WAN throughput (Gbps)", &links),
            series: links,
        },
        Panel {
            y: axis_over("Queue depth (jobs)", &queues),
            series: queues,
        },
    ];
    let x = Axis::linear("Simulated time (h)", time_h.iter().copied(), true);
    let svg = XyChart {
        id: "chart-timeline".to_string(),
        label: format!("WAN throughput and queue depth over time, run {}", run.id),
        x,
        panels,
    }
    .render();

    let chosen = if chosen_by_flag {
        "chosen with --run"
    } else {
        "the highlighted run; choose another with --run ID"
    };
    let context = format!(
        "Run {} ({chosen}): policy {}, {}.",
        run.id,
        run.policy,
        sweep.describe_values(run)
    );
    Figure {
        id: "chart-timeline",
        heading: format!("WAN throughput and queue depth over time, run {}", run.id),
        context: Some(context),
        svg,
        caption: "A link pinned at its capacity while queues grow means the WAN, not the GPUs, \
                  holds jobs back; queues that drain between peaks mean capacity is enough."
            .to_string(),
    }
}

/// Chart 6: monthly cost by kind, one stacked bar per policy at the focus run's parameters.
/// A month is 730 h, and each run's costs are spread over its makespan.
pub fn monthly_cost(sweep: &Sweep, analysis: &Analysis) -> Figure {
    let runs = analysis.focus_variant(sweep);
    let segments = vec![
        Segment {
            name: "on-prem compute".to_string(),
            color: "#0072B2",
        },
        Segment {
            name: "cloud compute".to_string(),
            color: "#E69F00",
        },
        Segment {
            name: "egress".to_string(),
            color: "#D55E00",
        },
        Segment {
            name: "storage".to_string(),
            color: "#009E73",
        },
    ];
    let values = runs
        .iter()
        .map(|run| {
            let metrics = &run.metrics;
            let months = metrics.months().unwrap_or(f64::NAN);
            vec![
                metrics.cost_usd_onprem_compute / months,
                metrics.cost_usd_cloud_compute / months,
                metrics.cost_usd_egress / months,
                metrics.cost_usd_storage / months,
            ]
        })
        .collect();

    let focus = &sweep.runs[analysis.focus];
    let notes = runs
        .iter()
        .map(|run| {
            (run.id == focus.id).then(|| {
                if analysis.recommended.is_some() {
                    "recommended".to_string()
                } else {
                    "lowest p90".to_string()
                }
            })
        })
        .collect();
    let svg = BarChart {
        id: "chart-monthly-cost".to_string(),
        label: "Monthly cost by kind per policy".to_string(),
        x_title: "Policy".to_string(),
        y_title: "Monthly cost (USD per month)".to_string(),
        categories: runs.iter().map(|run| run.policy.clone()).collect(),
        segments,
        values,
        notes,
        total_decimals: 0,
    }
    .render();

    let mut context = match &analysis.x {
        SizeAxis::Nothing => "For the base scenario".to_string(),
        x if x.is_onprem_size() => format!("At {} on-prem", x.describe(focus)),
        x => format!("At {} = {}", x.title(sweep), x.describe(focus)),
    };
    let fixed = analysis.fixed_parameters(sweep);
    if !fixed.is_empty() {
        context.push_str(&format!(", {fixed}"));
    }
    context
        .push_str(". Monthly cost is each run's cost divided by its makespan in months of 730 h.");
    Figure {
        id: "chart-monthly-cost",
        heading: "Monthly cost by kind, per policy".to_string(),
        context: Some(context),
        svg,
        caption: "The height of a bar is what the policy costs a month at the recommended run's \
                  parameters; its orange, red and green parts are what bursting adds to the \
                  owned GPUs."
            .to_string(),
    }
}

/// Lower-cases the first letter, for an axis title inside a sentence.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if first.is_uppercase() && !text.starts_with("p90") => {
            first.to_lowercase().chain(chars).collect()
        }
        _ => text.to_string(),
    }
}

/// Chart 5 for a sweep that wrote no time series: the frame of the chart with the reason in
/// place of the lines.
pub fn missing_timeline(run: &Run) -> Figure {
    let message = format!(
        "No time series: the sweep was run with --series-interval-s 0, so run {} has none. \
         Rerun it with an interval such as --series-interval-s 3600 to draw this chart.",
        run.id
    );
    let svg = "<svg id=\"chart-timeline\" class=\"chart\" width=\"760\" height=\"80\" \
               viewBox=\"0 0 760 80\" role=\"img\" aria-label=\"No time series\">\n\
               <text x=\"20\" y=\"44\">No time series in this sweep.</text>\n</svg>\n"
        .to_string();
    Figure {
        id: "chart-timeline",
        heading: "WAN throughput and queue depth over time".to_string(),
        context: None,
        svg,
        caption: message,
    }
}
