//! The HTML page: inline CSS, the recommendation, the six figures and a table of every run. It
//! references no other file or address, so it can be mailed or archived as it is.

use std::fmt::Write;

use super::access;
use super::analysis::{Analysis, SizeAxis};
use super::charts::Figure;
use super::escape;
use super::markdown::{describe_sweep, describe_target, headline, monthly_usd};
use super::model::Sweep;
use super::svg::format_number;

const STYLE: &str = "\
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif;
  color: #222; margin: 0 auto; padding: 16px 24px 40px; max-width: 1560px; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 0 0 4px; }
p { margin: 4px 0; }
.inputs, .context, .note { color: #555; font-size: 13px; }
.recommendation { border-left: 4px solid #0072B2; background: #f3f7fb; padding: 8px 14px;
  margin: 12px 0 16px; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(640px, 1fr));
  gap: 18px; }
figure { margin: 0; border: 1px solid #ddd; border-radius: 6px; padding: 12px 14px; }
figcaption { font-size: 14px; margin-top: 4px; }
svg.chart { width: 100%; max-width: 760px; height: auto; display: block; }
svg.chart text { font-family: inherit; font-size: 12px; fill: #333; }
svg.chart .axis-title { font-size: 13px; font-weight: 600; fill: #222; }
svg.chart .bar-note { font-weight: 600; }
table { border-collapse: collapse; font-size: 13px; margin-top: 8px; }
th, td { border: 1px solid #ddd; padding: 2px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
details { margin-top: 18px; }
";

/// Renders the page.
pub fn render(sweep: &Sweep, analysis: &Analysis, figures: &[Figure]) -> String {
    let mut out = String::new();
    let title = match &sweep.scenario {
        Some(name) => format!("Capacity report: {name}"),
        None => "Capacity report".to_string(),
    };
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape(&title));
    let _ = writeln!(out, "<style>\n{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(out, "<h1>{}</h1>", escape(&title));
    let _ = writeln!(
        out,
        "<p class=\"inputs\">{}</p>",
        escape(&describe_sweep(sweep))
    );
    if matches!(analysis.x, SizeAxis::OnpremNodes { .. }) {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(&sweep.planes_note));
    }

    out.push_str("<section class=\"recommendation\">\n<h2>Recommendation</h2>\n");
    let _ = writeln!(
        out,
        "<p><strong>{}</strong></p>",
        escape(&headline(sweep, analysis))
    );
    let _ = writeln!(out, "<p>{}</p>", escape(&describe_target(sweep, analysis)));
    let _ = writeln!(
        out,
        "<p class=\"note\"><strong>FlexCache or SnapMirror by dataset size class.</strong> {}</p>",
        escape(&access::summary_line(sweep, analysis))
    );
    out.push_str("</section>\n");

    out.push_str("<div class=\"figures\">\n");
    for figure in figures {
        let _ = writeln!(out, "<figure id=\"{}-figure\">", figure.id);
        let _ = writeln!(out, "<h2>{}</h2>", escape(&figure.heading));
        if let Some(context) = &figure.context {
            let _ = writeln!(out, "<p class=\"context\">{}</p>", escape(context));
        }
        out.push_str(&figure.svg);
        let _ = writeln!(
            out,
            "<figcaption>{}</figcaption>\n</figure>",
            escape(&figure.caption)
        );
    }
    out.push_str("</div>\n");
    push_runs_table(&mut out, sweep, analysis);
    let _ = writeln!(
        out,
        "<p class=\"note\">Written by burstplane {}.</p>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION")
    );
    out
}

/// Appends a collapsed table of every run, so a reader can find a run id for `--run`.
fn push_runs_table(out: &mut String, sweep: &Sweep, analysis: &Analysis) {
    let _ = writeln!(
        out,
        "<details>\n<summary>All {} runs</summary>\n<table>\n<thead><tr><th>run</th><th>policy</th>",
        sweep.runs.len()
    );
    for path in &sweep.parameters {
        let _ = write!(out, "<th>{}</th>", escape(path));
    }
    out.push_str(
        "<th>p90 JCT (s)</th><th>total cost (USD)</th><th>monthly cost (USD)</th>\
         <th>burst (%)</th><th>WAN (GB)</th><th>meets target</th></tr></thead>\n<tbody>\n",
    );
    for (index, run) in sweep.runs.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td>",
            run.id,
            escape(&run.policy)
        );
        for value in &run.values {
            let _ = write!(out, "<td>{}</td>", escape(&value.to_string()));
        }
        let metrics = &run.metrics;
        let monthly = monthly_usd(run).map_or(String::new(), |value| format_number(value, 0));
        let meets = if analysis.feasible.contains(&index) {
            "yes"
        } else {
            "no"
        };
        let _ = writeln!(
            out,
            "<td>{}</td><td>{}</td><td>{monthly}</td><td>{}</td><td>{}</td><td>{meets}</td></tr>",
            format_number(metrics.jct_p90_s, 1),
            format_number(metrics.cost_usd_total, 2),
            format_number(metrics.burst_fraction * 100.0, 1),
            format_number(metrics.transfer_gb_total, 1)
        );
    }
    out.push_str("</tbody>\n</table>\n</details>\n");
}
