//! `burstplane sweep` end to end through the binary: grid rows against separate `simulate`
//! runs, determinism across thread counts, shards merged by the library, errors on bad flags,
//! and the Kubernetes Job manifest.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use burstplane::sweep::{MergeError, merge_shards};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_burstplane");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

const SCENARIO: &str = "scenarios/seed-hybrid.toml";
const TRACE: &str = "traces/philly-sample.csv";

/// The grid of most tests: 2 on-prem sizes x 2 link speeds x 2 policies.
const NODES: [i64; 2] = [16, 32];
const GBPS: [i64; 2] = [1, 10];
const POLICIES: [&str; 2] = ["no-wait", "compute-wait"];

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

/// Runs the 2 x 2 x 2 grid into `out` with `extra` flags.
fn sweep_grid(out: &Path, extra: &[&str]) -> Output {
    let out = out.to_str().expect("UTF-8 temp path");
    let policies = POLICIES.join(",");
    let mut args = vec![
        "sweep",
        "--scenario",
        SCENARIO,
        "--trace",
        TRACE,
        "--vary",
        "planes[0].nodes=16,32",
        "--vary",
        "links[0].gbps=1,10",
        "--policies",
        &policies,
        "-o",
        out,
    ];
    args.extend_from_slice(extra);
    burstplane(&args)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn number(value: &Value, key: &str) -> f64 {
    value[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number in {value}"))
}

/// Writes the seed scenario with the on-prem node count and link speed replaced.
fn write_variant(dir: &Path, nodes: i64, gbps: i64) -> PathBuf {
    let text = read(&Path::new(ROOT).join(SCENARIO));
    assert_eq!(
        text.matches("\nnodes = 64\n").count(),
        1,
        "on-prem nodes line"
    );
    assert_eq!(text.matches("\ngbps = 10\n").count(), 1, "link speed line");
    let text = text
        .replace("\nnodes = 64\n", &format!("\nnodes = {nodes}\n"))
        .replace("\ngbps = 10\n", &format!("\ngbps = {gbps}\n"));
    let path = dir.join(format!("variant-{nodes}-{gbps}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn grid_rows_match_simulate() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let printed = stdout(&sweep_grid(&out, &[]));
    assert!(printed.contains("8 of 8 runs"), "{printed}");

    let rows: Value = serde_json::from_str(&read(&out.join("results.json"))).unwrap();
    let rows = rows.as_array().expect("results.json is an array");
    assert_eq!(rows.len(), 8);
    for (id, row) in rows.iter().enumerate() {
        let nodes = NODES[id / 4];
        let gbps = GBPS[id / 2 % 2];
        let policy = POLICIES[id % 2];
        assert_eq!(row["run_id"], id, "{row}");
        assert_eq!(row["planes[0].nodes"], nodes, "{row}");
        assert_eq!(row["links[0].gbps"], gbps, "{row}");
        assert_eq!(row["policy"], policy, "{row}");

        let variant = write_variant(dir.path(), nodes, gbps);
        let summary = stdout(&burstplane(&[
            "simulate",
            "--scenario",
            variant.to_str().unwrap(),
            "--trace",
            TRACE,
            "--policy",
            policy,
            "--format",
            "json",
        ]));
        let summary: Value = serde_json::from_str(&summary).unwrap();
        let pairs = [
            ("completed", &summary["completed"]),
            ("jct_mean_s", &summary["jct_s"]["mean"]),
            ("jct_p90_s", &summary["jct_s"]["p90"]),
            ("wait_mean_s", &summary["wait_s"]["mean"]),
            ("burst_fraction", &summary["burst_fraction"]),
            ("transfer_gb_total", &summary["transfer_gb"]["total"]),
            ("cost_usd_total", &summary["cost_usd"]["total"]),
            ("plane.onprem.jobs", &summary["planes"][0]["jobs"]),
        ];
        for (column, expected) in pairs {
            let expected = expected.as_f64().unwrap_or_else(|| panic!("{column}"));
            assert_eq!(number(row, column), expected, "run {id} column {column}");
        }
        check_access_columns(id, row, &summary);
        let cost = &summary["cost_usd"];
        let burst =
            number(cost, "cloud_compute") + number(cost, "egress") + number(cost, "storage");
        // A sum of numbers read back from JSON may differ from the printed sum in the last
        // digit, so this one check allows a relative 1e-12.
        let sweep_burst = number(row, "burst_cost_usd");
        assert!(
            (sweep_burst - burst).abs() <= 1e-12 * burst.abs(),
            "run {id} burst cost {sweep_burst} != {burst}"
        );
    }

    // The CSV has the same rows and columns, in run id order.
    let csv = read(&out.join("results.csv"));
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("run_id,planes[0].nodes,links[0].gbps,policy,jobs,"),
        "{header}"
    );
    assert!(
        header.contains(",plane.eks.gpu_utilization,access.under-100gb.flexcache.jobs,"),
        "{header}"
    );
    assert!(
        header.ends_with(",access.10tb-and-up.snapmirror.cost_usd"),
        "{header}"
    );
    let ids: Vec<&str> = lines.map(|line| line.split(',').next().unwrap()).collect();
    assert_eq!(ids, ["0", "1", "2", "3", "4", "5", "6", "7"]);

    let manifest: Value = serde_json::from_str(&read(&out.join("sweep.json"))).unwrap();
    assert_eq!(manifest["runs"], 8);
    assert_eq!(manifest["seed"], 42);
    assert_eq!(manifest["shard"], Value::Null);
    assert_eq!(manifest["vary"][1]["path"], "links[0].gbps");
    // The base scenario's planes, as scenarios/seed-hybrid.toml sets them.
    assert_eq!(manifest["scenario_name"], "seed-hybrid");
    let planes = manifest["planes"].as_array().expect("planes");
    assert_eq!(planes.len(), 2);
    assert_eq!(planes[0]["name"], "onprem");
    assert_eq!(planes[0]["kind"], "onprem");
    assert_eq!(planes[0]["gpus_per_node"], 8);
    assert_eq!(planes[1]["name"], "eks");
    assert_eq!(planes[1]["kind"], "cloud");
    assert_eq!(planes[1]["gpus_per_node"], 8);
    let columns = manifest["columns"].as_array().expect("columns");
    let access_types: Vec<(&str, &str)> = columns
        .iter()
        .filter_map(|column| {
            let name = column["name"].as_str()?;
            name.starts_with("access.under-100gb.flexcache.")
                .then(|| (name, column["type"].as_str().expect("type")))
        })
        .collect();
    assert_eq!(
        access_types,
        [
            ("access.under-100gb.flexcache.jobs", "integer"),
            ("access.under-100gb.flexcache.jct_mean_s", "number"),
            ("access.under-100gb.flexcache.data_ready_mean_s", "number"),
            ("access.under-100gb.flexcache.stall_mean_s", "number"),
            ("access.under-100gb.flexcache.transfer_gb", "number"),
            ("access.under-100gb.flexcache.cost_usd", "number"),
        ]
    );
}

const SIZE_CLASSES: [&str; 4] = ["under-100gb", "100gb-1tb", "1tb-10tb", "10tb-and-up"];
const ACCESS_METRICS: [&str; 6] = [
    "jobs",
    "jct_mean_s",
    "data_ready_mean_s",
    "stall_mean_s",
    "transfer_gb",
    "cost_usd",
];

/// Checks every `access.<class>.<mode>.<metric>` column of a results row against the
/// `remote_access` groups of `simulate`'s summary of the same run, with 0 for a group the
/// summary leaves out.
fn check_access_columns(id: usize, row: &Value, summary: &Value) {
    let groups = summary["remote_access"].as_array().expect("remote_access");
    let mut found = 0;
    for class in SIZE_CLASSES {
        for mode in ["flexcache", "snapmirror"] {
            let group = groups
                .iter()
                .find(|group| group["size_class"] == class && group["access"] == mode);
            found += usize::from(group.is_some());
            for metric in ACCESS_METRICS {
                let column = format!("access.{class}.{mode}.{metric}");
                let expected = group.map_or(0.0, |group| number(group, metric));
                assert_eq!(number(row, &column), expected, "run {id} column {column}");
            }
            let jobs = &row[format!("access.{class}.{mode}.jobs")];
            assert!(jobs.is_u64(), "run {id}: {class} {mode} jobs is {jobs}");
        }
    }
    assert_eq!(found, groups.len(), "run {id}: a group of an unknown class");
    assert!(
        found > 0,
        "run {id} has no remote-access job, so checks nothing"
    );
}

#[test]
fn old_manifest_still_reads() {
    // A sweep.json written before the base scenario's name and planes were recorded lacks
    // both keys. Reading it gives no name and no planes, and the same rows.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    stdout(&sweep_grid(&out, &["--series-interval-s", "0"]));
    let current = burstplane::sweep::read_sweep(&out).expect("the sweep reads");
    assert_eq!(current.manifest.planes.len(), 2);

    let path = out.join("sweep.json");
    let mut manifest: Value = serde_json::from_str(&read(&path)).unwrap();
    let object = manifest.as_object_mut().unwrap();
    assert!(object.remove("planes").is_some());
    assert!(object.remove("scenario_name").is_some());
    std::fs::write(&path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    let old = burstplane::sweep::read_sweep(&out).expect("the old sweep.json reads");
    assert!(old.manifest.planes.is_empty());
    assert_eq!(old.manifest.scenario_name, None);
    assert_eq!(old.rows, current.rows);

    // Another format is rejected with the value found and what to do.
    let text = read(&path).replace("burstplane-sweep/1", "burstplane-sweep/0");
    std::fs::write(&path, text).unwrap();
    let error = burstplane::sweep::read_sweep(&out).unwrap_err().to_string();
    assert!(
        error.contains("format is \"burstplane-sweep/0\""),
        "{error}"
    );
    assert!(error.contains("rerun the sweep"), "{error}");
}

#[test]
fn series_files_per_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    stdout(&sweep_grid(&out, &["--series-interval-s", "86400"]));
    for id in 0..8 {
        let text = read(&out.join("series").join(format!("run-{id}.csv")));
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            "time_s,plane.onprem.queue_jobs,plane.onprem.gpus_busy,plane.onprem.nodes_up,\
             plane.eks.queue_jobs,plane.eks.gpus_busy,plane.eks.nodes_up,\
             link.ontap-fsx.gbps,cost_usd"
        );
        let times: Vec<f64> = lines
            .map(|line| line.split(',').next().unwrap().parse().unwrap())
            .collect();
        assert!(times.len() > 10, "run {id}: {} samples", times.len());
        for (k, time) in times.iter().enumerate() {
            assert_eq!(*time, 86400.0 * (k + 1) as f64, "run {id} sample {k}");
        }
    }

    // Interval 0 writes no series and removes the earlier ones.
    stdout(&sweep_grid(&out, &["--series-interval-s", "0"]));
    assert!(!out.join("series").exists());
    let manifest: Value = serde_json::from_str(&read(&out.join("sweep.json"))).unwrap();
    assert_eq!(manifest["series_interval_s"], Value::Null);
}

#[test]
fn thread_count_keeps_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    stdout(&sweep_grid(&one, &["-j", "1"]));
    stdout(&sweep_grid(&two, &["-j", "2"]));
    for file in ["results.csv", "results.json", "series/run-5.csv"] {
        assert_eq!(read(&one.join(file)), read(&two.join(file)), "{file}");
    }
}

#[test]
fn shards_merge_to_unsharded() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    stdout(&sweep_grid(&whole, &[]));
    let shards: Vec<PathBuf> = (0..3)
        .map(|i| {
            let shard_dir = dir.path().join(format!("shard-{i}"));
            let shard = format!("{i}/3");
            stdout(&sweep_grid(&shard_dir, &["--shard", &shard]));
            shard_dir
        })
        .collect();

    for (i, shard_dir) in shards.iter().enumerate() {
        let csv = read(&shard_dir.join("results.csv"));
        let ids: Vec<usize> = csv
            .lines()
            .skip(1)
            .map(|line| line.split(',').next().unwrap().parse().unwrap())
            .collect();
        let expected: Vec<usize> = (0..8).filter(|id| id % 3 == i).collect();
        assert_eq!(ids, expected, "shard {i}/3");
        let manifest: Value = serde_json::from_str(&read(&shard_dir.join("sweep.json"))).unwrap();
        assert_eq!(manifest["shard"]["index"], i);
        assert_eq!(manifest["shard"]["count"], 3);
    }

    // Shard order does not matter.
    let reordered = [shards[2].clone(), shards[0].clone(), shards[1].clone()];
    let merged = merge_shards(&reordered).expect("the shards merge");
    assert_eq!(merged.to_csv(), read(&whole.join("results.csv")));
    assert_eq!(merged.to_json(), read(&whole.join("results.json")));
    assert_eq!(merged.rows.len(), 8);
    assert!(
        merged
            .series_files
            .iter()
            .all(|file| file.as_ref().is_some_and(|f| f.is_file()))
    );

    let missing = merge_shards(&shards[..2]).unwrap_err();
    assert!(matches!(missing, MergeError::Missing { .. }), "{missing}");
    assert!(missing.to_string().contains("shards 2/3"), "{missing}");

    let twice = merge_shards(&[shards[0].clone(), shards[0].clone()]).unwrap_err();
    assert!(matches!(twice, MergeError::Duplicate { .. }), "{twice}");

    let other = dir.path().join("other");
    stdout(&burstplane(&[
        "sweep",
        "--trace",
        TRACE,
        "--vary",
        "planes[0].nodes=16,32",
        "--shard",
        "1/3",
        "-o",
        other.to_str().unwrap(),
    ]));
    let mixed = merge_shards(&[shards[0].clone(), other]).unwrap_err();
    assert!(
        matches!(mixed, MergeError::DifferentGrids { .. }),
        "{mixed}"
    );
}

#[test]
fn bad_flags_exit_nonzero() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let cases: [(&[&str], &[&str]); 8] = [
        (
            &["--vary", "planes[0].nodez=1,2"],
            &[
                "--vary",
                "unknown field `nodez` in `planes[0]`",
                "max_nodes",
            ],
        ),
        (
            &["--vary", "planes[9].nodes=1"],
            &["--vary", "`planes` has 2 entries"],
        ),
        (
            &["--vary", "planes[0].nodes=5..1:1"],
            &["--vary", "empty range", "START..END:STEP"],
        ),
        (
            &["--vary", "planes[0].nodes=1..5:0"],
            &["--vary", "STEP is 0", "START..END:STEP with STEP > 0"],
        ),
        (
            &["--vary", "planes[0].nodes=0"],
            &["--vary", "field `planes[0].nodes`: invalid value 0"],
        ),
        (&["--shard", "3/3"], &["--shard", "0 <= I < N"]),
        (&["--shard", "1"], &["--shard", "I/N"]),
        (&["--policies", "no-wait,bogus"], &["--policies", "`bogus`"]),
    ];
    for (flags, expected) in cases {
        let mut args = vec!["sweep", "--trace", TRACE, "-o", out];
        args.extend_from_slice(flags);
        let output = burstplane(&args);
        assert!(!output.status.success(), "{flags:?} succeeded");
        let stderr = String::from_utf8_lossy(&output.stderr);
        for text in expected {
            assert!(stderr.contains(text), "{flags:?}: {text:?} not in {stderr}");
        }
        assert!(!stderr.contains("panicked"), "{flags:?}: {stderr}");
    }
    assert!(
        !Path::new(out).exists(),
        "a failed sweep created its folder"
    );
}

#[test]
fn foreign_output_folder_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "keep me").unwrap();
    let output = sweep_grid(dir.path(), &[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`notes.txt`, which is not a sweep output"),
        "{stderr}"
    );
    assert_eq!(read(&dir.path().join("notes.txt")), "keep me");
}

#[test]
fn foreign_series_file_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("series")).unwrap();
    std::fs::write(dir.path().join("series/mydata.csv"), "keep me").unwrap();
    let output = sweep_grid(dir.path(), &["--series-interval-s", "0"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`mydata.csv`"), "{stderr}");
    assert_eq!(read(&dir.path().join("series/mydata.csv")), "keep me");
}

#[test]
fn k8s_manifest_runs_shards() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("job.yaml");
    let printed = stdout(&burstplane(&[
        "sweep",
        "--trace",
        TRACE,
        "--vary",
        "planes[0].nodes=16..64:16",
        "--policies",
        "no-wait,onprem-only",
        "--emit-k8s-job",
        file.to_str().unwrap(),
        "--shards",
        "4",
        "--results-pvc",
        "sweep-results",
    ]));
    assert!(printed.contains("4 shards of 8 runs"), "{printed}");
    let yaml = read(&file);
    for text in [
        "apiVersion: batch/v1",
        "kind: Job",
        "completionMode: Indexed",
        "completions: 4",
        "parallelism: 4",
        "restartPolicy: Never",
        "image: \"burstplane:latest\"",
        "- \"planes[0].nodes=16..64:16\"",
        "- \"--shard\"",
        "- \"$(JOB_COMPLETION_INDEX)/4\"",
        "- \"/results/shard-$(JOB_COMPLETION_INDEX)\"",
        "batch.kubernetes.io/job-completion-index",
        "claimName: \"sweep-results\"",
    ] {
        assert!(yaml.contains(text), "{text:?} not in\n{yaml}");
    }

    // The shard count comes from --shard I/N as well, and is required.
    let from_shard = dir.path().join("from-shard.yaml");
    stdout(&burstplane(&[
        "sweep",
        "--trace",
        TRACE,
        "--vary",
        "planes[0].nodes=16,32",
        "--shard",
        "0/2",
        "--emit-k8s-job",
        from_shard.to_str().unwrap(),
    ]));
    assert!(read(&from_shard).contains("completions: 2"));
    let output = burstplane(&[
        "sweep",
        "--trace",
        TRACE,
        "--emit-k8s-job",
        file.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--shards N"));
}

#[test]
fn toml_error_has_no_variant_location() {
    let dir = tempfile::tempdir().unwrap();
    let output = sweep_grid(dir.path(), &["--vary", "seed=-5,5"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("value -5 makes the scenario invalid"),
        "{stderr}"
    );
    assert!(stderr.contains("expected an integer >= 0"), "{stderr}");
    // The line and column would point into the rewritten scenario, not the user's file.
    assert!(!stderr.contains("line "), "{stderr}");
}

#[test]
fn empty_shard_warns() {
    // The grid has 2 x 2 x 2 = 8 runs; shard 9 of 10 gets none of them.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shard-9");
    let output = sweep_grid(&out, &["--shard", "9/10"]);
    assert!(stdout(&output).starts_with("0 of 8 runs (shard 9/10)"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning: shard 9/10 has no runs, because the grid has only 8 runs"),
        "{stderr}"
    );
    // A shard with runs prints no warning.
    let output = sweep_grid(&dir.path().join("shard-0"), &["--shard", "0/10"]);
    assert!(stdout(&output).starts_with("1 of 8 runs (shard 0/10)"));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("warning"));
}
