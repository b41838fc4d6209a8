//! `burstplane simulate` end to end through the release binary: defaults, determinism, the
//! documented JSON keys, and the full public traces.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_burstplane");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn burstplane(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(ROOT)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// Top-level and nested keys docs/output.md lists.
const KEYS: [&str; 12] = [
    "jobs",
    "completed",
    "rejected",
    "makespan_s",
    "jct_s",
    "wait_s",
    "burst_fraction",
    "planes",
    "transfer_gb",
    "cost_usd",
    "scenario",
    "policy",
];

fn check_keys(json: &serde_json::Value) {
    for key in KEYS {
        assert!(json.get(key).is_some(), "missing key {key} in {json}");
    }
    for key in ["mean", "p50", "p90", "p99"] {
        assert!(json["jct_s"][key].is_f64(), "jct_s.{key}");
        assert!(json["wait_s"][key].is_f64(), "wait_s.{key}");
    }
    for key in ["hydration", "mirror", "write_back", "total"] {
        assert!(json["transfer_gb"][key].is_f64(), "transfer_gb.{key}");
    }
    for key in [
        "onprem_compute",
        "cloud_compute",
        "egress",
        "storage",
        "total",
    ] {
        assert!(json["cost_usd"][key].is_f64(), "cost_usd.{key}");
    }
    for plane in json["planes"].as_array().expect("planes array") {
        for key in ["name", "kind", "jobs", "gpu_hours", "gpu_utilization"] {
            assert!(plane.get(key).is_some(), "planes[].{key}");
        }
    }
    assert!(json["rejected"]["by_reason"].is_object());
}

#[test]
fn default_run_uses_seed_hybrid_and_sample() {
    let text = stdout(&burstplane(&["simulate"]));
    assert!(text.contains("seed-hybrid"), "{text}");
    assert!(text.contains("no-wait"), "{text}");
    // traces/philly-sample.csv contains 3000 jobs.
    assert!(text.contains("3000 ("), "{text}");
}

#[test]
fn same_inputs_give_identical_bytes() {
    let folder = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    for run in ["a", "b"] {
        let jobs = folder.path().join(format!("{run}.csv"));
        let output = burstplane(&[
            "simulate",
            "--format",
            "json",
            "--seed",
            "7",
            "--jobs-out",
            jobs.to_str().unwrap(),
        ]);
        runs.push((stdout(&output), std::fs::read(&jobs).unwrap()));
    }
    assert_eq!(runs[0].0, runs[1].0, "summaries differ");
    assert!(runs[0].1 == runs[1].1, "jobs CSVs differ");
    // 3000 jobs and a header.
    let lines = runs[0].1.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(lines, 3001);
    let json: serde_json::Value = serde_json::from_str(&runs[0].0).unwrap();
    check_keys(&json);
    assert_eq!(json["seed"], 7);
    // A different seed attaches different data, so transfers change.
    let other: serde_json::Value = serde_json::from_str(&stdout(&burstplane(&[
        "simulate", "--format", "json", "--seed", "8",
    ])))
    .unwrap();
    assert_ne!(other["transfer_gb"], json["transfer_gb"]);
}

#[test]
fn onprem_only_never_bursts() {
    let text = stdout(&burstplane(&[
        "simulate",
        "--format",
        "json",
        "--policy",
        "onprem-only",
    ]));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["burst_fraction"], 0.0);
    assert_eq!(json["transfer_gb"]["total"], 0.0);
    assert_eq!(json["policy"], "onprem-only");
}

#[test]
fn bad_scenario_names_field_and_keeps_jobs_file() {
    let folder = tempfile::tempdir().unwrap();
    let scenario = folder.path().join("bad.toml");
    let seed = std::fs::read_to_string(Path::new(ROOT).join("scenarios/seed-hybrid.toml")).unwrap();
    let broken = seed.replacen("gpus_per_node = 8", "gpus_per_node = 0", 1);
    let broken = broken.replace(
        "../traces/philly-sample.csv",
        &format!("{ROOT}/traces/philly-sample.csv"),
    );
    std::fs::write(&scenario, broken).unwrap();
    let jobs = folder.path().join("jobs.csv");
    std::fs::write(&jobs, "earlier results\n").unwrap();
    let output = burstplane(&[
        "simulate",
        "--scenario",
        scenario.to_str().unwrap(),
        "--jobs-out",
        jobs.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.toml"), "{stderr}");
    assert!(stderr.contains("planes[0].gpus_per_node"), "{stderr}");
    assert!(stderr.contains("invalid value 0"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&jobs).unwrap(), "earlier results\n");
}

#[test]
fn missing_trace_file_is_named() {
    let output = burstplane(&["simulate", "--trace", "no/such/trace.csv"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no/such/trace.csv"), "{stderr}");
}

fn shared_traces() -> Option<PathBuf> {
    let folder = Path::new(ROOT).join("../shared/traces");
    if folder.is_dir() {
        Some(folder)
    } else {
        eprintln!("skipped: {} is absent", folder.display());
        None
    }
}

/// Imports a full public trace and replays it with seed-hybrid, checking the JSON summary.
fn replay_full(format: &str, inputs: &[PathBuf], expected_jobs: u64) {
    let folder = tempfile::tempdir().unwrap();
    let out = folder.path().join("trace.csv");
    let mut args = vec!["trace", "import", "--format", format];
    let inputs: Vec<String> = inputs
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    args.extend(inputs.iter().map(String::as_str));
    args.extend(["-o", out.to_str().unwrap()]);
    stdout(&burstplane(&args));
    let text = stdout(&burstplane(&[
        "simulate",
        "--format",
        "json",
        "--trace",
        out.to_str().unwrap(),
    ]));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    check_keys(&json);
    assert_eq!(json["jobs"], expected_jobs);
    let completed = json["completed"].as_u64().unwrap();
    let rejected = json["rejected"]["total"].as_u64().unwrap();
    assert_eq!(completed + rejected, expected_jobs);
    assert!(json["cost_usd"]["total"].as_f64().unwrap() > 0.0);
}

#[test]
fn full_philly_replays() {
    let Some(traces) = shared_traces() else {
        return;
    };
    replay_full(
        "philly",
        &[traces.join("microsoft-philly/philly.csv")],
        82_247,
    );
}

#[test]
fn full_itp_replays() {
    let Some(traces) = shared_traces() else {
        return;
    };
    let clusters: Vec<PathBuf> = (1..=8)
        .map(|i| traces.join(format!("microsoft-itp-elasticflow/cluster{i:02}.csv")))
        .collect();
    replay_full("itp", &clusters, 57_957);
}

#[test]
fn removed_scenario_field_is_named() {
    let folder = tempfile::tempdir().unwrap();
    let scenario = folder.path().join("old.toml");
    let seed = std::fs::read_to_string(Path::new(ROOT).join("scenarios/seed-hybrid.toml")).unwrap();
    let old = seed.replacen(
        "retention_h = 24",
        "retention_h = 24\nextension_budgets = 256",
        1,
    );
    std::fs::write(&scenario, old).unwrap();
    let output = burstplane(&[
        "simulate",
        "--scenario",
        scenario.to_str().unwrap(),
        "--trace",
        "traces/philly-sample.csv",
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("old.toml"), "{stderr}");
    assert!(stderr.contains("policy.extension_budgets"), "{stderr}");
    assert!(stderr.contains("the field was removed"), "{stderr}");
}

/// Runs the sample trace under data-aware, logging the decisions for `jobs` into `log` and
/// the per-job rows into `jobs_csv`.
fn explain_run(log: &Path, jobs: &str, jobs_csv: &Path) {
    stdout(&burstplane(&[
        "simulate",
        "--policy",
        "data-aware",
        "--explain",
        log.to_str().unwrap(),
        "--explain-jobs",
        jobs,
        "--jobs-out",
        jobs_csv.to_str().unwrap(),
    ]));
}

#[test]
fn explain_logs_each_decision() {
    let folder = tempfile::tempdir().unwrap();
    let log = folder.path().join("decisions.jsonl");
    let jobs = folder.path().join("jobs.csv");
    explain_run(&log, "philly-2909,philly-2916", &jobs);
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    // Both jobs wait on-prem at submission, so each has at least two decisions.
    for id in ["philly-2909", "philly-2916"] {
        let count = lines.iter().filter(|line| line["job_id"] == id).count();
        assert!(count >= 2, "{id}: {count} decisions");
    }

    for line in &lines {
        // 2 planes x 3 access modes.
        assert_eq!(line["options"].as_array().unwrap().len(), 6, "{line}");
        let chosen = &line["chosen"];
        assert_eq!(chosen["plane"], line["plane"], "{line}");
        assert!(line["options"].as_array().unwrap().contains(chosen));
        assert_eq!(chosen["infeasible"], serde_json::Value::Null);
        // The job as the core saw it: philly-2909 and philly-2916 are 1-GPU jobs.
        assert_eq!(line["job"]["gpus"], 1, "{line}");
        assert!(line["job"]["duration_s"].as_f64().unwrap() > 0.0);
        assert!(line["job"]["dataset_gb"].as_f64() >= line["job"]["read_gb"].as_f64());
        // A wait keeps the job on-prem because the cloud option it was weighed against
        // scores no better.
        let alternative = &line["alternative"];
        assert!(line["options"].as_array().unwrap().contains(alternative));
        assert_ne!(alternative["plane"], chosen["plane"], "{line}");
        match line["decision"].as_str().unwrap() {
            "wait" => {
                assert!(line["until_s"].as_f64() > line["time_s"].as_f64(), "{line}");
                assert!(
                    alternative["score"].as_f64() >= chosen["score"].as_f64(),
                    "{line}"
                );
            }
            "run" => assert_eq!(line["until_s"], serde_json::Value::Null),
            other => panic!("unexpected decision {other}"),
        }
    }
    // Each job's last decision names the plane the jobs CSV reports for it.

    let csv = std::fs::read_to_string(&jobs).unwrap();
    for id in ["philly-2909", "philly-2916"] {
        let last = lines
            .iter()
            .rev()
            .find(|line| line["job_id"] == id)
            .unwrap();
        let row = csv
            .lines()
            .find(|row| row.starts_with(&format!("{id},")))
            .unwrap();
        let plane = row.split(',').nth(1).unwrap();
        assert_eq!(last["plane"], plane, "{id}");
    }
    // The log is deterministic.
    let again = folder.path().join("again.jsonl");
    explain_run(
        &again,
        "philly-2909,philly-2916",
        &folder.path().join("jobs2.csv"),
    );
    assert_eq!(std::fs::read_to_string(&again).unwrap(), text);
}

#[test]
fn explain_outputs_are_checked_first() {
    let folder = tempfile::tempdir().unwrap();
    let log = folder.path().join("out.csv");
    let same = folder.path().join(".").join("out.csv");
    let output = burstplane(&[
        "simulate",
        "--policy",
        "data-aware",
        "--explain",
        log.to_str().unwrap(),
        "--jobs-out",
        same.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--explain and --jobs-out both name"),
        "{stderr}"
    );

    let missing = folder.path().join("no-such-folder").join("log.jsonl");
    let jobs = folder.path().join("jobs.csv");
    let output = burstplane(&[
        "simulate",
        "--policy",
        "data-aware",
        "--explain",
        missing.to_str().unwrap(),
        "--jobs-out",
        jobs.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no-such-folder does not exist"), "{stderr}");
    // The check comes before the replay, so no jobs CSV was written either.
    assert!(!jobs.exists());
}

#[test]
fn explain_needs_data_aware() {
    let folder = tempfile::tempdir().unwrap();
    let log = folder.path().join("decisions.jsonl");
    let output = burstplane(&["simulate", "--explain", log.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--explain needs the data-aware policy"),
        "{stderr}"
    );
    assert!(!log.exists());
}

#[test]
fn bad_numeric_flags_name_the_range() {
    let cases: [(&[&str], &str); 3] = [
        (
            &["simulate", "--seed", "-1"],
            "expected a whole number from 0 to 18446744073709551615",
        ),
        (
            &["trace", "synth", "--load", "-1", "-o", "unused.csv"],
            "--load -1 is invalid: expected a number from 1e-6 to 1e6",
        ),
        (
            &[
                "trace",
                "synth",
                "--duration-sigma",
                "-5",
                "-o",
                "unused.csv",
            ],
            "--duration-sigma -5 is invalid",
        ),
    ];
    for (args, expected) in cases {
        let output = burstplane(args);
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    assert!(!Path::new(ROOT).join("unused.csv").exists());
}
