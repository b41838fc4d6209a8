//! `burstplane report` end to end through the binary: a small sweep on the sample trace, then
//! checks of the HTML (self-contained, six charts with data and labelled axes), the markdown
//! recommendation, determinism, merged shards, the flags and the errors. When Chromium is
//! installed, the screenshot script renders the page.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_burstplane");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

const SCENARIO: &str = "scenarios/seed-hybrid.toml";
const TRACE: &str = "traces/philly-sample.csv";
const POLICIES: [&str; 2] = ["no-wait", "data-aware"];
/// The main grid: 4 on-prem sizes x 2 link speeds x 2 policies.
const GRID: [&str; 4] = [
    "--vary",
    "planes[0].nodes=16,32,48,64",
    "--vary",
    "links[0].gbps=1,10",
];
const CHROMIUM: &str = "/usr/bin/chromium";

/// Each chart's `<svg>` id and the units its axis titles must carry.
const CHARTS: [(&str, &[&str]); 6] = [
    ("chart-cost-by-size", &["(GPUs)", "(USD)"]),
    ("chart-p90-by-size", &["(GPUs)", "(s)"]),
    ("chart-pareto", &["(s)", "(USD)"]),
    ("chart-burst-by-size", &["(GPUs)", "(% of completed jobs)"]),
    ("chart-timeline", &["(h)", "(Gbps)", "(jobs)"]),
    ("chart-monthly-cost", &["(USD per month)"]),
];

fn burstplane(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(ROOT)
        .output()
        .expect("the binary runs")
}

fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Returns the stderr of a run that must fail.
fn failure(output: &Output) -> String {
    assert!(
        !output.status.success(),
        "expected a failure, got exit 0\nstdout: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn utf8(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

/// Runs `burstplane sweep` of the sample trace into `out` with `extra` flags.
fn sweep(out: &Path, extra: &[&str]) {
    let policies = POLICIES.join(",");
    let mut args = vec![
        "sweep",
        "--scenario",
        SCENARIO,
        "--trace",
        TRACE,
        "--policies",
        &policies,
        "-o",
        utf8(out),
    ];
    args.extend_from_slice(extra);
    assert_success(&burstplane(&args));
}

/// A temp dir holding the main grid's sweep in `sweep/`. Each test runs its own: the 16 runs
/// take well under a second on the sample trace.
fn main_sweep() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    sweep(&dir.path().join("sweep"), &GRID);
    dir
}

/// Writes a report of `dirs` with `extra` flags into a new temp dir and returns (dir, html,
/// markdown).
fn report(dirs: &[&Path], extra: &[&str]) -> (tempfile::TempDir, String, String) {
    let out = tempfile::tempdir().expect("temp dir");
    let html = out.path().join("report.html");
    let mut args = vec!["report"];
    args.extend(dirs.iter().map(|dir| utf8(dir)));
    args.extend(["-o", utf8(&html)]);
    args.extend_from_slice(extra);
    assert_success(&burstplane(&args));
    let markdown = text(&out.path().join("report.md"));
    let page = text(&html);
    (out, page, markdown)
}

/// The main grid's sweep and its default report: (sweep dir, html, markdown).
fn main_report() -> (tempfile::TempDir, String, String) {
    let dir = main_sweep();
    let (_out, html, markdown) = report(&[&dir.path().join("sweep")], &[]);
    (dir, html, markdown)
}

/// Returns the `<svg>` element with `id`, from its start tag to its end tag.
fn svg<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<svg id=\"{id}\""))
        .unwrap_or_else(|| panic!("no <svg id=\"{id}\"> in the page"));
    let end = html[start..].find("</svg>").expect("the svg is closed") + start;
    &html[start..end + "</svg>".len()]
}

/// Returns the text of every `<text>` element whose class attribute starts with `class`.
fn texts<'a>(svg: &'a str, class: &str) -> Vec<&'a str> {
    let open = format!("<text class=\"{class}");
    svg.match_indices(&open)
        .map(|(start, _)| {
            let body = &svg[start..];
            let content = &body[body.find('>').expect("tag ends") + 1..];
            &content[..content.find("</text>").expect("text closes")]
        })
        .collect()
}

/// Counts the data marks in an svg: circles, bars and the points of polylines.
fn data_marks(svg: &str) -> usize {
    let circles = svg.matches("<circle ").count();
    let bars = svg.matches("<rect class=\"bar\"").count();
    let line_points: usize = svg
        .match_indices("<polyline class=\"series\" points=\"")
        .map(|(start, tag)| {
            let points = &svg[start + tag.len()..];
            points[..points.find('"').expect("points end")]
                .split_whitespace()
                .count()
        })
        .sum();
    circles + bars + line_points
}

#[test]
fn page_is_self_contained() {
    let (_dir, html, _) = main_report();
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..40]);
    for banned in [
        "<script", "http://", "https://", "<link", "<img", "@import", "url(",
    ] {
        assert!(!html.contains(banned), "the page contains `{banned}`");
    }
    assert!(!html.contains(" src="), "the page loads a resource");
}

#[test]
fn six_charts_have_data() {
    let (_dir, html, _) = main_report();
    for (id, _) in CHARTS {
        let chart = svg(&html, id);
        assert!(data_marks(chart) > 0, "{id} draws no data");
    }
    // The size charts draw one point per on-prem size for each policy, plus the ringed run.
    // Data points carry a tooltip that starts with the run id; legend swatches carry none.
    let cost = svg(&html, "chart-cost-by-size");
    assert_eq!(
        cost.matches("><title>run ").count(),
        4 * POLICIES.len() + 1,
        "{cost}"
    );
    let bars = svg(&html, "chart-monthly-cost");
    assert!(
        bars.matches("<rect class=\"bar\"").count() >= POLICIES.len(),
        "{bars}"
    );
}

#[test]
fn six_charts_have_labelled_axes() {
    let (_dir, html, _) = main_report();
    for (id, units) in CHARTS {
        let chart = svg(&html, id);
        let titles = texts(chart, "axis-title");
        for unit in units {
            assert!(
                titles.iter().any(|title| title.contains(unit)),
                "{id}: no axis title with {unit} in {titles:?}"
            );
        }
        let x_ticks = texts(chart, "tick x-tick");
        let y_ticks = texts(chart, "tick y-tick");
        assert!(x_ticks.len() >= 2, "{id}: x ticks {x_ticks:?}");
        assert!(y_ticks.len() >= 2, "{id}: y ticks {y_ticks:?}");
        assert!(
            x_ticks
                .iter()
                .chain(&y_ticks)
                .all(|label| !label.is_empty()),
            "{id}: an empty tick label"
        );
    }
}

#[test]
fn charts_have_captions_and_legends() {
    let (_dir, html, _) = main_report();
    for (id, _) in CHARTS {
        let start = html
            .find(&format!("<figure id=\"{id}-figure\">"))
            .unwrap_or_else(|| panic!("no figure for {id}"));
        let figure = &html[start..start + html[start..].find("</figure>").expect("closed")];
        let caption = &figure[figure.find("<figcaption>").expect("a caption") + 12..];
        let caption = &caption[..caption.find("</figcaption>").expect("closed")];
        assert!(caption.len() > 20, "{id}: caption {caption:?}");
        assert!(!caption.contains('\n'), "{id}: caption spans lines");
    }
    for id in [
        "chart-cost-by-size",
        "chart-p90-by-size",
        "chart-pareto",
        "chart-burst-by-size",
    ] {
        let legend = texts(svg(&html, id), "legend-label");
        for policy in POLICIES {
            assert!(
                legend.contains(&policy),
                "{id}: legend {legend:?} lacks {policy}"
            );
        }
    }
    let legend = texts(svg(&html, "chart-monthly-cost"), "legend-label");
    for part in ["on-prem compute", "cloud compute", "egress", "storage"] {
        assert!(
            legend.contains(&part),
            "monthly legend {legend:?} lacks {part}"
        );
    }
}

#[test]
fn markdown_names_recommendation() {
    let (_dir, html, markdown) = main_report();
    assert!(markdown.contains("## Recommendation"), "{markdown}");
    let headline = markdown
        .lines()
        .find(|line| line.starts_with("Buy "))
        .unwrap_or_else(|| panic!("no recommendation line in\n{markdown}"));
    assert!(headline.contains(" on-prem GPUs ("), "{headline}");
    assert!(
        POLICIES
            .iter()
            .any(|policy| headline.contains(&format!("run the {policy} policy"))),
        "{headline}"
    );
    assert!(markdown.contains("| planes[0].nodes |"), "{markdown}");
    assert!(markdown.contains("| links[0].gbps |"), "{markdown}");
    assert!(markdown.contains("times 1.5"), "{markdown}");
    assert!(
        markdown.contains("## FlexCache or SnapMirror, by dataset size class"),
        "{markdown}"
    );
    assert!(!markdown.contains("Not answered"), "{markdown}");
    assert!(
        html.contains("FlexCache or SnapMirror by dataset size class.</strong> Over run"),
        "the page lacks the access line"
    );
    assert!(
        html.contains(&headline[..40]),
        "the page lacks the headline"
    );
}

#[test]
fn markdown_recommends_smallest_feasible_size() {
    // Read the runs back from results.json and recompute the rule: the smallest on-prem node
    // count whose run meets 1.5 x the best p90, at least total cost.
    let (dir, _, markdown) = main_report();
    let results = dir.path().join("sweep").join("results.json");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&text(&results)).expect("JSON");
    let p90 = |row: &serde_json::Value| row["jct_p90_s"].as_f64().expect("p90");
    let cost = |row: &serde_json::Value| row["cost_usd_total"].as_f64().expect("cost");
    let nodes = |row: &serde_json::Value| row["planes[0].nodes"].as_i64().expect("nodes");
    let completed = |row: &serde_json::Value| row["completed"].as_i64().expect("completed");
    let most = rows.iter().map(completed).max().expect("rows");
    let eligible: Vec<&serde_json::Value> =
        rows.iter().filter(|row| completed(row) == most).collect();
    let best = eligible
        .iter()
        .map(|row| p90(row))
        .fold(f64::INFINITY, f64::min);
    let chosen = eligible
        .iter()
        .filter(|row| p90(row) <= best * 1.5)
        .min_by(|a, b| nodes(a).cmp(&nodes(b)).then(cost(a).total_cmp(&cost(b))))
        .expect("one run meets the default target");
    let run_line = format!("| run {} | value |", chosen["run_id"]);
    assert!(
        markdown.contains(&run_line),
        "expected {run_line} in\n{markdown}"
    );
    let size = format!("Buy {} on-prem GPUs", nodes(chosen) * 8);
    assert!(markdown.contains(&size), "expected {size} in\n{markdown}");
}

/// Pools one dataset size class and access mode over `runs`: (jobs, mean JCT weighted by
/// each run's jobs, cost per job).
fn pooled(runs: &[&serde_json::Value], class: &str, mode: &str) -> (u64, f64, f64) {
    let column = |run: &serde_json::Value, metric: &str| {
        run[format!("access.{class}.{mode}.{metric}")]
            .as_f64()
            .unwrap_or_else(|| panic!("access.{class}.{mode}.{metric}"))
    };
    let jobs: f64 = runs.iter().map(|run| column(run, "jobs")).sum();
    if jobs == 0.0 {
        return (0, 0.0, 0.0);
    }
    let jct: f64 = runs
        .iter()
        .map(|run| column(run, "jobs") * column(run, "jct_mean_s"))
        .sum();
    let cost: f64 = runs.iter().map(|run| column(run, "cost_usd")).sum();
    (jobs as u64, jct / jobs, cost / jobs)
}

#[test]
fn markdown_compares_access_modes() {
    // Recompute the comparison from results.json: the runs of the recommended run's policy
    // and node count (every link speed), pooled per class and mode. On-prem sizes of 128 to 256
    // GPUs make every run burst, so the recommended run has remote reads to compare.
    let dir = tempfile::tempdir().expect("temp dir");
    let small_onprem = [
        "--vary",
        "planes[0].nodes=16,24,32",
        "--vary",
        "links[0].gbps=1,10",
    ];
    sweep(&dir.path().join("sweep"), &small_onprem);
    let (_out, _, markdown) = report(&[&dir.path().join("sweep")], &[]);
    let results = dir.path().join("sweep").join("results.json");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&text(&results)).expect("JSON");
    let recommended: usize = markdown
        .lines()
        .find_map(|line| line.strip_prefix("| run ")?.strip_suffix(" | value |"))
        .expect("a recommended run table")
        .parse()
        .expect("a run id");
    let chosen = &rows[recommended];
    let runs: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|row| {
            row["policy"] == chosen["policy"] && row["planes[0].nodes"] == chosen["planes[0].nodes"]
        })
        .collect();
    // The grid has 2 link speeds, so 2 runs share the policy and size.
    assert_eq!(runs.len(), 2);
    let ids: Vec<String> = runs.iter().map(|row| row["run_id"].to_string()).collect();
    let scope = format!("Compared over runs {}: every run of the ", ids.join(", "));
    assert!(
        markdown.contains(&scope),
        "expected {scope:?} in\n{markdown}"
    );

    let labels = [
        ("under-100gb", "under 100 GB"),
        ("100gb-1tb", "100 GB to 1 TB"),
        ("1tb-10tb", "1 TB to 10 TB"),
        ("10tb-and-up", "10 TB and up"),
    ];
    let mut compared = 0;
    for (class, label) in labels {
        let (flex_jobs, flex_jct, flex_cost) = pooled(&runs, class, "flexcache");
        let (mirror_jobs, mirror_jct, mirror_cost) = pooled(&runs, class, "snapmirror");
        let row = markdown
            .lines()
            .find(|line| line.starts_with(&format!("| {label} | ")))
            .unwrap_or_else(|| panic!("no table row for {label}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        // cells[0] is empty before the first `|`.
        // Counts are printed with commas between groups of three digits.
        assert_eq!(cells[2].replace(',', ""), flex_jobs.to_string(), "{row}");
        assert_eq!(cells[5].replace(',', ""), mirror_jobs.to_string(), "{row}");
        let sentence_start = format!("- {}{}: ", label[..1].to_uppercase(), &label[1..]);
        let sentence = markdown
            .lines()
            .find(|line| line.starts_with(&sentence_start))
            .unwrap_or_else(|| panic!("no sentence for {label}"));
        let expected = match (flex_jobs, mirror_jobs) {
            (0, 0) => "no jobs of this class used FlexCache or SnapMirror",
            (_, 0) => "no jobs of this class used SnapMirror",
            (0, _) => "no jobs of this class used FlexCache",
            _ => {
                compared += 1;
                use std::cmp::Ordering::{Equal, Greater, Less};
                match (
                    flex_jct.total_cmp(&mirror_jct),
                    flex_cost.total_cmp(&mirror_cost),
                ) {
                    (Equal, Equal) => "served it alike",
                    (Less | Equal, Less | Equal) => "FlexCache served it better",
                    (Greater | Equal, Greater | Equal) => "SnapMirror served it better",
                    _ => "neither mode served it better on both counts",
                }
            }
        };
        assert!(
            sentence.contains(expected),
            "{expected:?} not in {sentence}"
        );
    }
    assert!(
        compared > 0,
        "no class had both modes, so the test compared nothing"
    );
}

#[test]
fn report_is_deterministic() {
    let dir = main_sweep();
    let sweep_dir = dir.path().join("sweep");
    let (_a, html_a, markdown_a) = report(&[&sweep_dir], &[]);
    let (_b, html_b, markdown_b) = report(&[&sweep_dir], &[]);
    assert_eq!(html_a, html_b);
    assert_eq!(markdown_a, markdown_b);
}

#[test]
fn target_flag_moves_recommendation() {
    let dir = main_sweep();
    let sweep_dir = dir.path().join("sweep");
    let (_out, _, loose) = report(&[&sweep_dir], &["--target-p90-s", "1e9"]);
    assert!(loose.contains("as given with --target-p90-s"), "{loose}");
    assert!(loose.contains("Buy 128 on-prem GPUs"), "{loose}");
    let (_out, html, strict) = report(&[&sweep_dir], &["--target-p90-s", "0.001"]);
    assert!(
        strict.contains("No run meets the p90 JCT target"),
        "{strict}"
    );
    assert!(
        html.contains("No run meets the p90 JCT target"),
        "the page hides it"
    );
}

#[test]
fn run_flag_picks_timeline() {
    let dir = main_sweep();
    let sweep_dir = dir.path().join("sweep");
    let (_out, html, _) = report(&[&sweep_dir], &["--run", "3"]);
    assert!(html.contains("over time, run 3</h2>"), "no run 3 heading");
    assert!(html.contains("chosen with --run"), "no --run note");
    let stderr = failure(&burstplane(&[
        "report",
        utf8(&sweep_dir),
        "-o",
        "/nonexistent-dir/report.html",
        "--run",
        "999",
    ]));
    assert!(stderr.contains("run 999 is not in the sweep"), "{stderr}");
    assert!(stderr.contains("from 0 to 15"), "{stderr}");
}

#[test]
fn missing_series_file_is_named() {
    let copy = main_sweep();
    let dir = copy.path().join("sweep");
    std::fs::remove_file(dir.join("series").join("run-3.csv")).expect("remove");
    let out = copy.path().join("report.html");
    let stderr = failure(&burstplane(&[
        "report",
        utf8(&dir),
        "-o",
        utf8(&out),
        "--run",
        "3",
    ]));
    let missing = dir.join("series").join("run-3.csv");
    assert!(stderr.contains(utf8(&missing)), "{stderr}");
    assert!(stderr.contains("time series"), "{stderr}");
    assert!(!out.exists(), "a failed report wrote {}", out.display());
}

#[test]
fn bad_folders_are_rejected() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let out = scratch.path().join("report.html");
    let absent = scratch.path().join("absent");
    let stderr = failure(&burstplane(&["report", utf8(&absent), "-o", utf8(&out)]));
    assert!(
        stderr.contains(&format!("sweep folder {} not found", utf8(&absent))),
        "{stderr}"
    );

    let empty = scratch.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let stderr = failure(&burstplane(&["report", utf8(&empty), "-o", utf8(&out)]));
    assert!(
        stderr.contains(&format!("{} is not a sweep output folder", utf8(&empty))),
        "{stderr}"
    );
    assert!(stderr.contains("sweep.json"), "{stderr}");

    let stderr = failure(&burstplane(&["report", "-o", utf8(&out)]));
    assert!(stderr.contains("DIR"), "{stderr}");
    let stderr = failure(&burstplane(&[
        "report",
        utf8(&empty),
        "-o",
        utf8(&out),
        "--target-p90-s",
        "0",
    ]));
    assert!(stderr.contains("--target-p90-s"), "{stderr}");
    assert!(stderr.contains("from 0.001 to 1e11"), "{stderr}");
    assert!(!out.exists(), "a failed report wrote {}", out.display());
}

#[test]
fn shards_merge_into_same_charts() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let shards: Vec<PathBuf> = (0..3)
        .map(|index| {
            let dir = scratch.path().join(format!("shard-{index}"));
            let shard = format!("{index}/3");
            let mut flags = GRID.to_vec();
            flags.extend(["--shard", &shard]);
            sweep(&dir, &flags);
            dir
        })
        .collect();
    let shard_paths: Vec<&Path> = shards.iter().map(PathBuf::as_path).collect();
    let (_out, merged_html, merged_markdown) = report(&shard_paths, &[]);
    let (_whole, whole_html, whole_markdown) = main_report();
    let figures = |html: &str| {
        let start = html.find("<div class=\"figures\">").expect("figures");
        html[start..].to_string()
    };
    assert_eq!(figures(&merged_html), figures(&whole_html));
    let body = |markdown: &str| markdown[markdown.find("## Target").expect("target")..].to_string();
    assert_eq!(body(&merged_markdown), body(&whole_markdown));
    assert!(
        merged_markdown.contains("3 merged shards"),
        "{merged_markdown}"
    );

    // A shard of another grid does not merge.
    let other = scratch.path().join("other");
    sweep(
        &other,
        &["--vary", "planes[0].nodes=16,32", "--shard", "1/3"],
    );
    let out = scratch.path().join("mixed.html");
    let stderr = failure(&burstplane(&[
        "report",
        utf8(&shards[0]),
        utf8(&other),
        "-o",
        utf8(&out),
    ]));
    assert!(stderr.contains("come from different sweeps"), "{stderr}");
    assert!(stderr.contains(utf8(&other)), "{stderr}");
}

#[test]
fn sweep_without_series_still_reports() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let dir = scratch.path().join("sweep");
    sweep(
        &dir,
        &[
            "--vary",
            "planes[0].nodes=16,64",
            "--series-interval-s",
            "0",
        ],
    );
    let out = scratch.path().join("report.html");
    let output = burstplane(&["report", utf8(&dir), "-o", utf8(&out)]);
    assert_success(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("warning: No time series"), "{stderr}");
    assert!(
        text(&out).contains("--series-interval-s 0"),
        "the page hides the gap"
    );
    let stderr = failure(&burstplane(&[
        "report",
        utf8(&dir),
        "-o",
        utf8(&out),
        "--run",
        "0",
    ]));
    assert!(stderr.contains("run 0 has no time series"), "{stderr}");
}

#[test]
fn other_parameter_becomes_x_axis() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let dir = scratch.path().join("sweep");
    sweep(&dir, &["--vary", "links[0].gbps=1,10,40"]);
    let (_dir, html, markdown) = report(&[&dir], &[]);
    let cost = svg(&html, "chart-cost-by-size");
    let titles = texts(cost, "axis-title x-title");
    assert_eq!(titles, ["links[0].gbps (Gbps)"]);
    assert!(
        markdown.contains("does not vary the on-prem node count"),
        "{markdown}"
    );
    assert!(markdown.contains("Run the "), "{markdown}");
}

#[test]
fn sizes_in_gpus_from_anywhere() {
    // sweep.json records the base scenario's GPUs per node, so a report run from another
    // folder, where the relative scenario path does not resolve, still sizes in GPUs.
    let dir = main_sweep();
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let out = elsewhere.path().join("report.html");
    let output = Command::new(BIN)
        .args(["report", utf8(&dir.path().join("sweep")), "-o", utf8(&out)])
        .current_dir(elsewhere.path())
        .output()
        .expect("the binary runs");
    assert_success(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("GPUs per on-prem node"), "{stderr}");
    let html = text(&out);
    assert!(html.contains("<title>Capacity report: seed-hybrid</title>"));
    let titles = texts(svg(&html, "chart-cost-by-size"), "axis-title x-title");
    assert_eq!(titles, ["On-prem size (GPUs)"]);
    let markdown = text(&elsewhere.path().join("report.md"));
    assert!(markdown.contains(" on-prem GPUs ("), "{markdown}");
}

/// Rewrites a sweep folder as an older burstplane wrote it: sweep.json without
/// `scenario_name` and `planes`, and no `access.*` columns in sweep.json or results.csv.
fn make_old_sweep(dir: &Path) {
    let manifest_path = dir.join("sweep.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&text(&manifest_path)).expect("JSON");
    let object = manifest.as_object_mut().expect("an object");
    assert!(object.remove("scenario_name").is_some());
    assert!(object.remove("planes").is_some());
    let columns = object["columns"].as_array_mut().expect("columns");
    let names: Vec<String> = columns
        .iter()
        .map(|column| column["name"].as_str().expect("name").to_string())
        .collect();
    columns.retain(|column| !column["name"].as_str().unwrap().starts_with("access."));
    let text_out = serde_json::to_string_pretty(&manifest).expect("JSON") + "\n";
    std::fs::write(&manifest_path, text_out).expect("write sweep.json");

    let keep: Vec<bool> = names
        .iter()
        .map(|name| !name.starts_with("access."))
        .collect();
    let csv_path = dir.join("results.csv");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(&csv_path)
        .expect("results.csv");
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in reader.records() {
        let record = record.expect("a record");
        let cells = record.iter().zip(&keep).filter(|(_, keep)| **keep);
        writer
            .write_record(cells.map(|(cell, _)| cell))
            .expect("CSV to memory");
    }
    std::fs::write(&csv_path, writer.into_inner().expect("CSV to memory")).expect("write");
}

#[test]
fn old_sweep_folder_still_reports() {
    let dir = main_sweep();
    let sweep_dir = dir.path().join("sweep");
    make_old_sweep(&sweep_dir);

    // From the folder the sweep ran in, GPUs per node come from the scenario file.
    let (_out, html, markdown) = report(&[&sweep_dir], &[]);
    let titles = texts(svg(&html, "chart-cost-by-size"), "axis-title x-title");
    assert_eq!(titles, ["On-prem size (GPUs)"]);
    assert!(
        markdown.contains("# Capacity recommendation: seed-hybrid"),
        "{markdown}"
    );
    assert!(
        markdown.contains("The results have no access.CLASS.MODE columns"),
        "{markdown}"
    );
    assert!(
        markdown.contains("Rerun the sweep with this burstplane"),
        "{markdown}"
    );
    assert!(
        html.contains("The results have no access.CLASS.MODE columns"),
        "the page hides the gap"
    );

    // Elsewhere the relative scenario path does not resolve, so sizes fall back to nodes.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let out = elsewhere.path().join("report.html");
    let output = Command::new(BIN)
        .args(["report", utf8(&sweep_dir), "-o", utf8(&out)])
        .current_dir(elsewhere.path())
        .output()
        .expect("the binary runs");
    assert_success(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("GPUs per on-prem node are unknown"),
        "{stderr}"
    );
    assert!(
        stderr.contains("written by an older burstplane"),
        "{stderr}"
    );
    assert!(stderr.contains(SCENARIO), "{stderr}");
    let html = text(&out);
    let titles = texts(svg(&html, "chart-cost-by-size"), "axis-title x-title");
    assert_eq!(titles, ["On-prem size (nodes, planes[0].nodes)"]);
    let markdown = text(&elsewhere.path().join("report.md"));
    assert!(markdown.contains("Buy 64 on-prem nodes"), "{markdown}");
}

#[test]
fn screenshot_renders_page() {
    if !Path::new(CHROMIUM).exists() {
        println!(
            "skipped: {CHROMIUM} not found; install it with `apt-get update && apt-get install -y \
             chromium` to render the report"
        );
        return;
    }
    let sweep_dir = main_sweep();
    let (dir, _, _) = report(&[&sweep_dir.path().join("sweep")], &[]);
    let png = dir.path().join("report.png");
    let output = Command::new("bash")
        .arg(Path::new(ROOT).join("scripts/screenshot-report.sh"))
        .args([dir.path().join("report.html"), png.clone()])
        .output()
        .expect("the script runs");
    assert_success(&output);
    let bytes = std::fs::read(&png).expect("the screenshot exists");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    // An empty white page of this size compresses to a few kB; charts and text take far more.
    assert!(
        bytes.len() > 50_000,
        "screenshot is only {} bytes",
        bytes.len()
    );
}
