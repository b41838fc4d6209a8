//! FlexCache against SnapMirror by dataset size class. The report pools the remote-access jobs
//! of the recommended policy's runs at the recommended on-prem size, per class and mode, and
//! compares the two modes on mean JCT and cost per job.

use std::fmt::Write;

use super::analysis::{Analysis, SizeAxis};
use super::model::{AccessTotals, Run, Sweep};
use super::svg::format_number;

/// Display names of the modes of [`crate::sweep::results::ACCESS_MODES`], in the same order.
const MODE_NAMES: [&str; 2] = ["FlexCache", "SnapMirror"];

/// The jobs of one dataset size class and access mode, pooled over the compared runs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Pooled {
    pub jobs: u64,
    /// Mean JCT over the pooled jobs, s: each run's mean weighted by its job count.
    pub jct_mean_s: f64,
    /// Total cost of the pooled jobs divided by their count, USD.
    pub cost_per_job_usd: f64,
}

impl Pooled {
    /// Pools one class and mode over several runs; all zero when they have no such job.
    fn new<'a>(totals: impl Iterator<Item = &'a AccessTotals>) -> Pooled {
        let mut jobs = 0;
        let mut jct_sum_s = 0.0;
        let mut cost_usd = 0.0;
        for total in totals {
            jobs += total.jobs;
            jct_sum_s += total.jct_mean_s * total.jobs as f64;
            cost_usd += total.cost_usd;
        }
        if jobs == 0 {
            return Pooled::default();
        }
        Pooled {
            jobs,
            jct_mean_s: jct_sum_s / jobs as f64,
            cost_per_job_usd: cost_usd / jobs as f64,
        }
    }
}

/// The outcome of comparing the two modes on one class. Modes are indices into
/// [`MODE_NAMES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No job of the class read remote data.
    NoJobs,
    /// Only this mode served jobs of the class.
    Only(usize),
    /// This mode has neither the higher mean JCT nor the higher cost per job, and is lower in
    /// at least one.
    Better(usize),
    /// One mode has the lower mean JCT and the other the lower cost per job.
    Split { faster: usize, cheaper: usize },
    /// Both modes have the same mean JCT and cost per job.
    Tie,
}

/// One dataset size class: both modes pooled, and the verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassComparison {
    /// The class name of the results columns, such as `under-100gb`.
    pub class: String,
    /// Indexed like [`MODE_NAMES`].
    pub modes: [Pooled; 2],
    pub verdict: Verdict,
}

/// The comparison over the runs of one policy at one on-prem size.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Ids of the pooled runs, in run id order.
    pub run_ids: Vec<usize>,
    /// The policy and on-prem size of the runs, and why they were chosen.
    pub scope: String,
    pub classes: Vec<ClassComparison>,
}

/// Compares the modes over [`Analysis::same_size_runs`], or returns `None` when the results
/// have no access columns.
pub fn compare(sweep: &Sweep, analysis: &Analysis) -> Option<Comparison> {
    if sweep.access_classes.is_empty() {
        return None;
    }
    let runs = analysis.same_size_runs(sweep);
    let classes = sweep
        .access_classes
        .iter()
        .enumerate()
        .map(|(class, name)| {
            let modes =
                [0, 1].map(|mode| Pooled::new(runs.iter().map(|run| &run.access[class][mode])));
            ClassComparison {
                class: name.clone(),
                modes,
                verdict: verdict(&modes),
            }
        })
        .collect();
    Some(Comparison {
        run_ids: runs.iter().map(|run| run.id).collect(),
        scope: scope(sweep, analysis, &runs),
        classes,
    })
}

fn verdict(modes: &[Pooled; 2]) -> Verdict {
    let [a, b] = modes;
    match (a.jobs, b.jobs) {
        (0, 0) => return Verdict::NoJobs,
        (_, 0) => return Verdict::Only(0),
        (0, _) => return Verdict::Only(1),
        _ => {}
    }
    let jct = a.jct_mean_s.total_cmp(&b.jct_mean_s);
    let cost = a.cost_per_job_usd.total_cmp(&b.cost_per_job_usd);
    use std::cmp::Ordering::{Equal, Greater, Less};
    match (jct, cost) {
        (Equal, Equal) => Verdict::Tie,
        (Less | Equal, Less | Equal) => Verdict::Better(0),
        (Greater | Equal, Greater | Equal) => Verdict::Better(1),
        (Less, Greater) => Verdict::Split {
            faster: 0,
            cheaper: 1,
        },
        (Greater, Less) => Verdict::Split {
            faster: 1,
            cheaper: 0,
        },
    }
}

/// Describes the compared runs: their ids, policy and size, why they were chosen, and the
/// values of the other parameters they span.
fn scope(sweep: &Sweep, analysis: &Analysis, runs: &[&Run]) -> String {
    let focus = &sweep.runs[analysis.focus];
    let size_parameters = analysis.size_parameters(sweep);
    let size = match &analysis.x {
        SizeAxis::OnpremGpus { .. } => {
            format!("{} on-prem GPUs", format_number(analysis.x.value(focus), 0))
        }
        SizeAxis::OnpremNodes { nodes } => format!("{} on-prem nodes", focus.values[*nodes]),
        SizeAxis::Parameter { .. } | SizeAxis::Nothing if size_parameters.is_empty() => {
            "the base scenario's on-prem size".to_string()
        }
        SizeAxis::Parameter { .. } | SizeAxis::Nothing => {
            let parts: Vec<String> = size_parameters
                .iter()
                .map(|&index| format!("{} = {}", sweep.parameters[index], focus.values[index]))
                .collect();
            parts.join(", ")
        }
    };
    let reason = match analysis.recommended {
        Some(_) => "the recommended policy and size".to_string(),
        None => format!(
            "the policy and size of run {}, the lowest p90 JCT, because no run meets the target",
            focus.id
        ),
    };
    let ids: Vec<usize> = runs.iter().map(|run| run.id).collect();
    let mut text = format!(
        "{}: every run of the {} policy at {size}, {reason}",
        runs_text(&ids),
        focus.policy
    );
    for (index, path) in sweep.parameters.iter().enumerate() {
        if size_parameters.contains(&index) {
            continue;
        }
        let mut values: Vec<String> = Vec::new();
        for run in runs {
            let value = run.values[index].to_string();
            if !values.contains(&value) {
                values.push(value);
            }
        }
        if values.len() > 1 {
            let _ = write!(text, "; {path} = {}", values.join(", "));
        }
    }
    text
}

/// Builds "run 3" or "runs 3, 11, 19".
fn runs_text(ids: &[usize]) -> String {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    if ids.len() == 1 {
        format!("run {}", ids[0])
    } else {
        format!("runs {}", ids.join(", "))
    }
}

/// Returns the readable name of a dataset size class, or the class name itself for a class
/// this version does not know.
fn class_label(class: &str) -> &str {
    match class {
        "under-100gb" => "under 100 GB",
        "100gb-1tb" => "100 GB to 1 TB",
        "1tb-10tb" => "1 TB to 10 TB",
        "10tb-and-up" => "10 TB and up",
        other => other,
    }
}

/// The statement for results that lack the access columns.
const NO_COLUMNS: &str = "The results have no access.CLASS.MODE columns, because an older \
     burstplane ran the sweep. Rerun the sweep with this burstplane to compare FlexCache with \
     SnapMirror by dataset size class.";

fn percent_lower(lower: f64, higher: f64) -> String {
    format!("{} %", format_number((higher - lower) / higher * 100.0, 1))
}

/// Builds "mean JCT 10.0 s against 20.0 s (50.0 % lower)" for mode `winner` against `loser`.
fn jct_phrase(winner: &Pooled, loser: &Pooled) -> String {
    if winner.jct_mean_s == loser.jct_mean_s {
        return format!("the same mean JCT, {}", seconds(winner.jct_mean_s));
    }
    format!(
        "mean JCT {} against {} ({} lower)",
        seconds(winner.jct_mean_s),
        seconds(loser.jct_mean_s),
        percent_lower(winner.jct_mean_s, loser.jct_mean_s)
    )
}

/// Builds "cost per job 1.00 USD against 2.00 USD (50.0 % lower)".
fn cost_phrase(winner: &Pooled, loser: &Pooled) -> String {
    if winner.cost_per_job_usd == loser.cost_per_job_usd {
        return format!("the same cost per job, {}", usd(winner.cost_per_job_usd));
    }
    format!(
        "cost per job {} against {} ({} lower)",
        usd(winner.cost_per_job_usd),
        usd(loser.cost_per_job_usd),
        percent_lower(winner.cost_per_job_usd, loser.cost_per_job_usd)
    )
}

fn seconds(value: f64) -> String {
    format!("{} s", format_number(value, 1))
}

fn usd(value: f64) -> String {
    format!("{} USD", format_number(value, 2))
}

/// Builds the sentence that answers the question for one class.
fn class_sentence(class: &ClassComparison) -> String {
    let label = class_label(&class.class);
    let modes = &class.modes;
    match class.verdict {
        Verdict::NoJobs => {
            format!("{label}: no jobs of this class used FlexCache or SnapMirror.")
        }
        Verdict::Only(mode) => {
            let used = &modes[mode];
            format!(
                "{label}: no jobs of this class used {}. {} served {} at a mean JCT of {} and {} \
                 per job.",
                MODE_NAMES[1 - mode],
                MODE_NAMES[mode],
                jobs(used.jobs),
                seconds(used.jct_mean_s),
                usd(used.cost_per_job_usd)
            )
        }
        Verdict::Better(mode) => {
            let (winner, loser) = (&modes[mode], &modes[1 - mode]);
            format!(
                "{label}: {} served it better, over {} {} and {} {} jobs: {}, and {}.",
                MODE_NAMES[mode],
                count(winner.jobs),
                MODE_NAMES[mode],
                count(loser.jobs),
                MODE_NAMES[1 - mode],
                jct_phrase(winner, loser),
                cost_phrase(winner, loser)
            )
        }
        Verdict::Split { faster, cheaper } => format!(
            "{label}: neither mode served it better on both counts, over {} {} and {} {} jobs. \
             {} was faster, with {}, and {} cheaper, with {}.",
            count(modes[faster].jobs),
            MODE_NAMES[faster],
            count(modes[cheaper].jobs),
            MODE_NAMES[cheaper],
            MODE_NAMES[faster],
            jct_phrase(&modes[faster], &modes[cheaper]),
            MODE_NAMES[cheaper],
            cost_phrase(&modes[cheaper], &modes[faster])
        ),
        Verdict::Tie => format!(
            "{label}: FlexCache and SnapMirror served it alike, over {} FlexCache and {} \
             SnapMirror jobs: {}, and {}.",
            count(modes[0].jobs),
            count(modes[1].jobs),
            jct_phrase(&modes[0], &modes[1]),
            cost_phrase(&modes[0], &modes[1])
        ),
    }
}

fn jobs(jobs: u64) -> String {
    if jobs == 1 {
        "1 job".to_string()
    } else {
        format!("{} jobs", count(jobs))
    }
}

/// Formats a job count with commas between groups of three digits.
fn count(jobs: u64) -> String {
    format_number(jobs as f64, 0)
}

/// Appends the markdown section: which runs, a table per class and mode, and one sentence per
/// class.
pub fn push_section(out: &mut String, sweep: &Sweep, analysis: &Analysis) {
    out.push_str("## FlexCache or SnapMirror, by dataset size class\n\n");
    let Some(comparison) = compare(sweep, analysis) else {
        let _ = writeln!(out, "{NO_COLUMNS}\n");
        return;
    };
    let _ = writeln!(
        out,
        "Compared over {}. Each mode's mean JCT and cost per job (compute and egress) pool the \
         completed jobs of these runs that read remote data with it. The policy chose the mode \
         job by job, so the two modes served different jobs.\n",
        comparison.scope
    );
    out.push_str(
        "| dataset size | FlexCache jobs | FlexCache mean JCT (s) | FlexCache cost per job (USD) \
         | SnapMirror jobs | SnapMirror mean JCT (s) | SnapMirror cost per job (USD) | better |\n",
    );
    out.push_str("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for class in &comparison.classes {
        let _ = write!(out, "| {} |", class_label(&class.class));
        for mode in &class.modes {
            if mode.jobs == 0 {
                out.push_str(" 0 | | |");
            } else {
                let _ = write!(
                    out,
                    " {} | {} | {} |",
                    count(mode.jobs),
                    format_number(mode.jct_mean_s, 1),
                    format_number(mode.cost_per_job_usd, 2)
                );
            }
        }
        let _ = writeln!(out, " {} |", short_verdict(class));
    }
    out.push('\n');
    for class in &comparison.classes {
        let _ = writeln!(out, "- {}", capitalized(&class_sentence(class)));
    }
    out.push('\n');
}

/// Builds a few words on the verdict, for the table and the page.
fn short_verdict(class: &ClassComparison) -> String {
    let modes = &class.modes;
    match class.verdict {
        Verdict::NoJobs => "no remote-access jobs".to_string(),
        Verdict::Only(mode) => format!("only {} used", MODE_NAMES[mode]),
        Verdict::Better(mode) => {
            let (winner, loser) = (&modes[mode], &modes[1 - mode]);
            let mut parts = Vec::new();
            if winner.jct_mean_s < loser.jct_mean_s {
                parts.push(format!(
                    "mean JCT {} lower",
                    percent_lower(winner.jct_mean_s, loser.jct_mean_s)
                ));
            }
            if winner.cost_per_job_usd < loser.cost_per_job_usd {
                parts.push(format!(
                    "cost per job {} lower",
                    percent_lower(winner.cost_per_job_usd, loser.cost_per_job_usd)
                ));
            }
            format!("{} ({})", MODE_NAMES[mode], parts.join(", "))
        }
        Verdict::Split { faster, cheaper } => format!(
            "{} mean JCT {} lower, {} cost per job {} lower",
            MODE_NAMES[faster],
            percent_lower(modes[faster].jct_mean_s, modes[cheaper].jct_mean_s),
            MODE_NAMES[cheaper],
            percent_lower(
                modes[cheaper].cost_per_job_usd,
                modes[faster].cost_per_job_usd
            )
        ),
        Verdict::Tie => "tie".to_string(),
    }
}

/// Builds the one line of the page's recommendation box.
pub fn summary_line(sweep: &Sweep, analysis: &Analysis) -> String {
    let Some(comparison) = compare(sweep, analysis) else {
        return NO_COLUMNS.to_string();
    };
    let classes: Vec<String> = comparison
        .classes
        .iter()
        .map(|class| format!("{}: {}", class_label(&class.class), short_verdict(class)))
        .collect();
    format!(
        "Over {}: {}. The markdown recommendation beside this page has the numbers.",
        runs_text(&comparison.run_ids),
        classes.join("; ")
    )
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::html::model::{Metrics, PlaneInfo, Value};

    fn totals(jobs: u64, jct_mean_s: f64, cost_usd: f64) -> AccessTotals {
        AccessTotals {
            jobs,
            jct_mean_s,
            cost_usd,
        }
    }

    /// Builds a run at `nodes` on-prem nodes and `gbps` under `policy`, with one
    /// `[FlexCache, SnapMirror]` pair per class of [`sweep`].
    fn run(
        id: usize,
        policy: &str,
        nodes: f64,
        gbps: f64,
        p90: f64,
        cost: f64,
        access: Vec<[AccessTotals; 2]>,
    ) -> Run {
        Run {
            id,
            policy: policy.to_string(),
            values: vec![Value::Number(nodes), Value::Number(gbps)],
            metrics: Metrics {
                jct_p90_s: p90,
                cost_usd_total: cost,
                completed: Some(10),
                ..Metrics::default()
            },
            access,
            series: None,
        }
    }

    fn sweep(runs: Vec<Run>) -> Sweep {
        Sweep {
            sources: Vec::new(),
            scenario: None,
            scenario_file: String::new(),
            trace_file: String::new(),
            parameters: vec!["planes[0].nodes".to_string(), "links[0].gbps".to_string()],
            policies: vec!["a".to_string(), "b".to_string()],
            runs,
            planes: vec![PlaneInfo {
                onprem: true,
                gpus_per_node: 8,
            }],
            access_classes: ["under-100gb", "100gb-1tb", "1tb-10tb", "10tb-and-up"]
                .map(String::from)
                .to_vec(),
            planes_note: String::new(),
        }
    }

    /// Builds a grid in which runs 0 and 2 are policy `a` at 16 nodes. Run 0 is recommended,
    /// because its p90 of 100 s meets the target of 1.5 x 100 s and it costs less than run 2.
    /// Runs 1, 3 (policy `b`) and 4 (32 nodes) carry numbers that would change every result if
    /// they were pooled.
    fn grid() -> Sweep {
        let zero = AccessTotals::default();
        let outsider = [totals(1000, 1e6, 1e6), totals(1000, 1e6, 1e6)];
        sweep(vec![
            run(
                0,
                "a",
                16.0,
                1.0,
                100.0,
                50.0,
                vec![
                    [totals(2, 100.0, 10.0), totals(4, 150.0, 20.0)],
                    [totals(1, 100.0, 1.0), totals(1, 200.0, 4.0)],
                    [totals(3, 50.0, 6.0), zero],
                    [zero, zero],
                ],
            ),
            run(1, "b", 16.0, 1.0, 1000.0, 10.0, vec![outsider; 4]),
            run(
                2,
                "a",
                16.0,
                10.0,
                100.0,
                60.0,
                vec![
                    [totals(6, 200.0, 12.0), zero],
                    [totals(1, 100.0, 1.0), totals(1, 200.0, 4.0)],
                    [zero, zero],
                    [zero, zero],
                ],
            ),
            run(3, "b", 16.0, 10.0, 1000.0, 10.0, vec![outsider; 4]),
            run(4, "a", 32.0, 1.0, 1000.0, 10.0, vec![outsider; 4]),
        ])
    }

    #[test]
    fn pooling_weights_by_jobs() {
        let sweep = grid();
        let analysis = Analysis::new(&sweep, None);
        assert_eq!(analysis.recommended, Some(0));
        let comparison = compare(&sweep, &analysis).expect("access columns");
        assert_eq!(comparison.run_ids, [0, 2]);
        let under = &comparison.classes[0];
        // FlexCache: 2 + 6 = 8 jobs, mean (2 x 100 + 6 x 200) / 8 = 1400 / 8 = 175 s, cost
        // (10 + 12) / 8 = 2.75 USD per job.
        assert_eq!(under.modes[0].jobs, 8);
        assert_eq!(under.modes[0].jct_mean_s, 175.0);
        assert_eq!(under.modes[0].cost_per_job_usd, 2.75);
        // SnapMirror: run 0 alone, 4 jobs, 150 s, 20 / 4 = 5 USD per job.
        assert_eq!(under.modes[1].jobs, 4);
        assert_eq!(under.modes[1].jct_mean_s, 150.0);
        assert_eq!(under.modes[1].cost_per_job_usd, 5.0);
        assert_eq!(
            under.verdict,
            Verdict::Split {
                faster: 1,
                cheaper: 0
            }
        );
        // 100gb-1tb: FlexCache 2 jobs at 100 s, 2 / 2 = 1 USD; SnapMirror 2 jobs at 200 s,
        // 8 / 2 = 4 USD.
        assert_eq!(comparison.classes[1].verdict, Verdict::Better(0));
        assert_eq!(comparison.classes[2].verdict, Verdict::Only(0));
        assert_eq!(comparison.classes[3].verdict, Verdict::NoJobs);
    }

    #[test]
    fn verdicts_cover_ties() {
        let pooled = |jobs, jct_mean_s, cost_per_job_usd| Pooled {
            jobs,
            jct_mean_s,
            cost_per_job_usd,
        };
        let cases = [
            ([pooled(1, 10.0, 1.0), pooled(1, 10.0, 1.0)], Verdict::Tie),
            (
                [pooled(1, 10.0, 1.0), pooled(1, 10.0, 2.0)],
                Verdict::Better(0),
            ),
            (
                [pooled(1, 20.0, 1.0), pooled(1, 10.0, 1.0)],
                Verdict::Better(1),
            ),
            (
                [pooled(1, 10.0, 2.0), pooled(1, 20.0, 1.0)],
                Verdict::Split {
                    faster: 0,
                    cheaper: 1,
                },
            ),
            ([Pooled::default(), pooled(2, 10.0, 1.0)], Verdict::Only(1)),
            ([Pooled::default(), Pooled::default()], Verdict::NoJobs),
        ];
        for (modes, expected) in cases {
            assert_eq!(verdict(&modes), expected, "{modes:?}");
        }
    }

    #[test]
    fn markdown_states_each_class() {
        let sweep = grid();
        let analysis = Analysis::new(&sweep, None);
        let mut out = String::new();
        push_section(&mut out, &sweep, &analysis);

        // 16 nodes x 8 GPUs per node = 128 GPUs.
        assert!(
            out.contains(
                "Compared over runs 0, 2: every run of the a policy at 128 on-prem GPUs, the \
                 recommended policy and size; links[0].gbps = 1, 10."
            ),
            "{out}"
        );

        // SnapMirror's 150 s is (175 - 150) / 175 = 14.29 % below 175 s, and FlexCache's
        // 2.75 USD is (5 - 2.75) / 5 = 45 % below 5 USD.
        assert!(
            out.contains(
                "- Under 100 GB: neither mode served it better on both counts, over 4 \
                 SnapMirror and 8 FlexCache jobs. SnapMirror was faster, with mean JCT 150.0 s \
                 against 175.0 s (14.3 % lower), and FlexCache cheaper, with cost per job 2.75 \
                 USD against 5.00 USD (45.0 % lower)."
            ),
            "{out}"
        );

        // 100 s against 200 s is 50 % lower; 1 USD against 4 USD is 75 % lower.
        assert!(
            out.contains(
                "- 100 GB to 1 TB: FlexCache served it better, over 2 FlexCache and 2 \
                 SnapMirror jobs: mean JCT 100.0 s against 200.0 s (50.0 % lower), and cost per \
                 job 1.00 USD against 4.00 USD (75.0 % lower)."
            ),
            "{out}"
        );

        // Run 0's 3 jobs alone: 50 s, 6 / 3 = 2 USD per job.
        assert!(
            out.contains(
                "- 1 TB to 10 TB: no jobs of this class used SnapMirror. FlexCache served 3 \
                 jobs at a mean JCT of 50.0 s and 2.00 USD per job."
            ),
            "{out}"
        );

        assert!(
            out.contains("- 10 TB and up: no jobs of this class used FlexCache or SnapMirror."),
            "{out}"
        );
        assert!(
            out.contains("| 1 TB to 10 TB | 3 | 50.0 | 2.00 | 0 | | | only FlexCache used |"),
            "{out}"
        );

        assert!(!out.contains("Not answered"), "{out}");
    }

    #[test]
    fn page_line_names_runs() {
        let sweep = grid();
        let analysis = Analysis::new(&sweep, None);
        let line = summary_line(&sweep, &analysis);
        assert!(line.starts_with("Over runs 0, 2: under 100 GB: "), "{line}");
        assert!(
            line.contains(
                "100 GB to 1 TB: FlexCache (mean JCT 50.0 % lower, cost per job 75.0 % lower)"
            ),
            "{line}"
        );
        assert!(
            line.contains("10 TB and up: no remote-access jobs."),
            "{line}"
        );
    }

    #[test]
    fn unmet_target_uses_fastest_run() {
        let sweep = grid();
        let analysis = Analysis::new(&sweep, Some(1.0));
        assert_eq!(analysis.recommended, None);
        let comparison = compare(&sweep, &analysis).expect("access columns");
        // Runs 0 and 2 tie on p90 at 100 s; run 0 costs less, so it is the focus.
        assert_eq!(comparison.run_ids, [0, 2]);
        assert!(
            comparison.scope.contains(
                "the policy and size of run 0, the lowest p90 JCT, because no run meets the target"
            ),
            "{}",
            comparison.scope
        );
    }

    #[test]
    fn missing_columns_are_stated() {
        let mut sweep = grid();
        sweep.access_classes.clear();
        let analysis = Analysis::new(&sweep, None);
        assert_eq!(compare(&sweep, &analysis), None);
        let mut out = String::new();
        push_section(&mut out, &sweep, &analysis);
        assert!(
            out.contains("Rerun the sweep with this burstplane"),
            "{out}"
        );
        assert_eq!(summary_line(&sweep, &analysis), NO_COLUMNS);
    }
}
