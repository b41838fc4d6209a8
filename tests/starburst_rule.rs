//! Starburst's waiting rules (USENIX ATC 2024) replayed with free, instant data, so that only
//! the wait decides where a job runs. Job j waits on-prem up to T_j and bursts to the cloud if
//! it has not started by then. Compute-wait sets T_j = c x g_j x d_j with
//! c = budget x mean(d) / mean(g x d) over the trace, and constant-wait sets
//! T_j = budget x mean(d). Every expected time and cost is derived in the comment above its
//! check.

use std::path::Path;

use burstplane::attach::build_workload;
use burstplane::engine::{Outcome, simulate};
use burstplane::model::{Dataset, DatasetId, Job, PlaneId, PlaneMask, StorageId, Workload};
use burstplane::policy::{PolicyName, WaitRule};
use burstplane::scenario::Scenario;
use burstplane::trace::TraceRecord;

const S: u64 = 1_000_000;
const ONPREM: Option<PlaneId> = Some(PlaneId(0));
const CLOUD: Option<PlaneId> = Some(PlaneId(1));

/// `onprem`: 1 node x 8 GPUs at 1 USD/GPU-hour. `eks`: up to 4 nodes x 8 GPUs at 4 USD/GPU-hour,
/// none up at first, ready at once when requested (provision_s 0) and released 10 s after
/// going idle. Datasets are 0 GB behind a 1,000,000 Gbps link, so every copy is instant.
fn scenario(policy: &str, waiting_budget: f64) -> Scenario {
    let text = format!(
        r#"
        seed = 1
        [[planes]]
        name = "onprem"
        kind = "onprem"
        nodes = 1
        gpus_per_node = 8
        price_per_gpu_hour = 1.0
        [[planes]]
        name = "eks"
        kind = "cloud"
        max_nodes = 4
        gpus_per_node = 8
        provision_s = 0
        scale_down_s = 10
        price_per_gpu_hour = 4.0
        [[storage]]
        name = "ontap"
        serves = "onprem"
        [[storage]]
        name = "fsx"
        serves = "eks"
        [[links]]
        between = ["ontap", "fsx"]
        gbps = 1000000
        [data]
        datasets = 1
        size_min_gb = 0
        size_max_gb = 0
        size_median_gb = 0
        write_back_share = 0.0
        [policy]
        name = "{policy}"
        waiting_budget = {waiting_budget}
        "#
    );
    Scenario::parse(&text, Path::new("starburst.toml")).expect("valid test scenario")
}

fn record(id: &str, submit_s: f64, gpus: u32, duration_s: f64) -> TraceRecord {
    TraceRecord {
        job_id: id.into(),
        submit_s,
        gpus,
        duration_s,
        read_gb: Some(0.0),
        ..TraceRecord::default()
    }
}

/// Four jobs (GPUs, run time): j1 (8, 800 s) at 0 s fills the on-prem node until 800 s;
/// j2 (4, 900 s) at 100 s, j3 (8, 500 s) at 200 s and j4 (2, 1000 s) at 300 s queue behind it.
/// mean(d) = (800 + 900 + 500 + 1000) / 4 = 800 s, and
/// mean(g x d) = (6400 + 3600 + 4000 + 2000) / 4 = 4000 GPU-s.
fn trace() -> Vec<TraceRecord> {
    vec![
        record("j1", 0.0, 8, 800.0),
        record("j2", 100.0, 4, 900.0),
        record("j3", 200.0, 8, 500.0),
        record("j4", 300.0, 2, 1000.0),
    ]
}

fn replay(scenario: &Scenario, records: Vec<TraceRecord>) -> (Workload, Outcome) {
    let (platform, workload) = build_workload(scenario, records);
    let mut policy = scenario.policy.build(&workload);
    let outcome = simulate(&platform, &workload, policy.as_mut(), &mut |_| {});
    (workload, outcome)
}

/// Checks one job's plane, start and finish, in seconds.
fn assert_job(
    workload: &Workload,
    outcome: &Outcome,
    id: &str,
    expected: (Option<PlaneId>, u64, u64),
) {
    let index = workload
        .jobs
        .iter()
        .position(|job| &*job.id == id)
        .expect("job in workload");
    let job = &outcome.jobs[index];
    assert_eq!(job.rejected, None, "{id} rejected");
    assert_eq!(job.plane, expected.0, "{id} plane");
    assert_eq!(job.start_us, expected.1 * S, "{id} start");
    assert_eq!(job.finish_us, expected.2 * S, "{id} finish");
}

fn assert_usd(actual: f64, expected: f64, label: &str) {
    assert!(
        (actual - expected).abs() < 1e-9,
        "{label}: {actual} USD, expected {expected} USD"
    );
}

#[test]
fn compute_wait_matches_starburst() {
    // Budget 1: c = 1 x 800 / 4000 = 0.2 s per GPU-second.
    let (workload, outcome) = replay(&scenario("compute-wait", 1.0), trace());
    let rule = WaitRule::calibrate(PolicyName::ComputeWait, 1.0, &workload);
    assert!(
        (rule.coefficient - 0.2).abs() < 1e-12,
        "{}",
        rule.coefficient
    );
    // T_j = 0.2 x g x d: j2 0.2 x 4 x 900 = 720 s (until 820 s), j3 0.2 x 8 x 500 = 800 s
    // (until 1000 s), j4 0.2 x 2 x 1000 = 400 s (until 700 s).
    let by_id = |id: &str| workload.jobs.iter().find(|j| &*j.id == id).expect("job");
    assert_eq!(rule.wait_us(by_id("j2")), 720 * S);
    assert_eq!(rule.wait_us(by_id("j3")), 800 * S);
    assert_eq!(rule.wait_us(by_id("j4")), 400 * S);

    // j1 starts at once on the idle node and ends at 800 s.
    assert_job(&workload, &outcome, "j1", (ONPREM, 0, 800));
    // j4 times out at 300 + 400 = 700 s, still queued, and bursts: a new cloud node is ready
    // at once, so it runs 700 .. 1700 s.
    assert_job(&workload, &outcome, "j4", (CLOUD, 700, 1700));
    // j2 is at the head of the on-prem queue when j1 ends at 800 s, before its 820 s timeout:
    // it starts on-prem at 800 s (waited 700 s < 720 s) and ends at 1700 s.
    assert_job(&workload, &outcome, "j2", (ONPREM, 800, 1700));
    // j3 needs all 8 GPUs, 4 of which j2 uses until 1700 s; it times out at 200 + 800 =
    // 1000 s and bursts. The cloud node has 8 - 2 = 6 free GPUs, so a second node is
    // requested: 1000 .. 1500 s.
    assert_job(&workload, &outcome, "j3", (CLOUD, 1000, 1500));

    // Cloud nodes are billed from request to release (last job end + 10 s), whole nodes of
    // 8 GPUs at 4 USD/GPU-hour: node 1 from 700 to 1710 s = 1010 s, node 2 from 1000 to
    // 1510 s = 510 s. (1010 + 510) x 8 x 4 / 3600 = 48,640 / 3600 = 13.5111 USD.
    assert_usd(
        outcome.cost.cloud_compute,
        1520.0 * 8.0 * 4.0 / 3600.0,
        "cloud compute",
    );
    // The makespan is 1700 s: 8 on-prem GPUs x 1700 s x 1 USD / 3600 = 3.7778 USD.
    assert_eq!(outcome.makespan_us, 1700 * S);
    assert_usd(
        outcome.cost.onprem_compute,
        8.0 * 1700.0 / 3600.0,
        "on-prem compute",
    );
    // Every copy was 0 GB, so data cost nothing.
    assert_eq!(outcome.cost.egress, 0.0);
    assert_eq!(outcome.cost.storage, 0.0);
}

#[test]
fn constant_wait_matches_starburst() {
    // Budget 0.5: every job may wait T = 0.5 x mean(d) = 0.5 x 800 = 400 s.
    let (workload, outcome) = replay(&scenario("constant-wait", 0.5), trace());
    let rule = WaitRule::calibrate(PolicyName::ConstantWait, 0.5, &workload);
    assert_eq!(rule.coefficient, 400.0);

    assert_job(&workload, &outcome, "j1", (ONPREM, 0, 800));
    // Every other job is still queued when its 400 s run out, before j1 ends at 800 s.
    // j2 bursts at 100 + 400 = 500 s onto a new node (node 1): 500 .. 1400 s.
    assert_job(&workload, &outcome, "j2", (CLOUD, 500, 1400));
    // j3 bursts at 600 s; node 1 has 4 free GPUs, so it requests node 2: 600 .. 1100 s.
    assert_job(&workload, &outcome, "j3", (CLOUD, 600, 1100));
    // j4 bursts at 700 s and fits in node 1's 4 free GPUs: 700 .. 1700 s.
    assert_job(&workload, &outcome, "j4", (CLOUD, 700, 1700));

    // Node 1 from 500 s to 1700 + 10 = 1710 s = 1210 s; node 2 from 600 to 1110 s = 510 s.
    // (1210 + 510) x 8 GPUs x 4 USD / 3600 = 55,040 / 3600 = 15.2889 USD, more than
    // compute-wait's 13.5111 USD on the same trace.
    assert_usd(
        outcome.cost.cloud_compute,
        1720.0 * 8.0 * 4.0 / 3600.0,
        "cloud compute",
    );
    assert_eq!(outcome.makespan_us, 1700 * S);
}

fn job(id: &str, gpus: u32, duration_s: u64) -> Job {
    Job {
        id: id.into(),
        submit_us: 0,
        gpus,
        duration_us: duration_s * S,
        dataset: DatasetId(0),
        read_gb: 0.0,
        write_gb: 0.0,
        writes_back: false,
        allowed: PlaneMask::ANY,
        unknown_plane: None,
    }
}

/// Jobs (GPUs, run time): (1, 100 s), (2, 300 s), (3, 200 s), (4, 400 s).
/// mean(d) = 1000 / 4 = 250 s, mean(g) = 10 / 4 = 2.5 GPUs,
/// mean(g x d) = (100 + 600 + 600 + 1600) / 4 = 725 GPU-s.
fn tiny_workload() -> Workload {
    Workload {
        jobs: vec![
            job("a", 1, 100),
            job("b", 2, 300),
            job("c", 3, 200),
            job("d", 4, 400),
        ],
        datasets: vec![Dataset {
            name: "ds".into(),
            home: StorageId(0),
            size_gb: 0.0,
        }],
        io_overlap: 0.5,
    }
}

/// Mean of the rule's waits over the workload, seconds.
fn mean_wait_s(rule: &WaitRule, workload: &Workload) -> f64 {
    let total_us: u64 = workload.jobs.iter().map(|job| rule.wait_us(job)).sum();
    total_us as f64 / 1e6 / workload.jobs.len() as f64
}

#[test]
fn calibration_of_each_rule() {
    let workload = tiny_workload();
    // Budget 0.5: the mean wait must be 0.5 x 250 = 125 s under every rule.
    let budget = 0.5;
    let cases = [
        // Constant: c = 125 s.
        (PolicyName::ConstantWait, 125.0),
        // Runtime: c = 125 / mean(d) = 125 / 250 = 0.5 s per second of run time.
        (PolicyName::RuntimeWait, 0.5),
        // Resource: c = 125 / mean(g) = 125 / 2.5 = 50 s per GPU.
        (PolicyName::ResourceWait, 50.0),
        // Compute: c = 125 / mean(g x d) = 125 / 725 = 5 / 29 s per GPU-second.
        (PolicyName::ComputeWait, 5.0 / 29.0),
    ];
    for (kind, coefficient) in cases {
        let rule = WaitRule::calibrate(kind, budget, &workload);
        assert_eq!(rule.kind, kind);
        assert!(
            (rule.coefficient - coefficient).abs() < 1e-12,
            "{kind:?}: c = {}, expected {coefficient}",
            rule.coefficient
        );
        // Rounding each wait to whole microseconds moves the mean by at most 0.5 us.
        let mean = mean_wait_s(&rule, &workload);
        assert!((mean - 125.0).abs() < 1e-6, "{kind:?}: mean wait {mean} s");
    }
}

#[test]
fn per_job_waits_of_each_rule() {
    let workload = tiny_workload();
    let d = &workload.jobs[3];
    // Job d has 4 GPUs and runs 400 s. With budget 0.5 (coefficients above):
    let cases = [
        // constant: 125 s;
        (PolicyName::ConstantWait, 125 * S),
        // runtime: 0.5 x 400 = 200 s;
        (PolicyName::RuntimeWait, 200 * S),
        // resource: 50 x 4 = 200 s;
        (PolicyName::ResourceWait, 200 * S),
        // compute: 5 / 29 x 4 x 400 = 8000 / 29 = 275.862069 s, to the nearest microsecond.
        (PolicyName::ComputeWait, 275_862_069),
    ];
    for (kind, wait_us) in cases {
        let rule = WaitRule::calibrate(kind, 0.5, &workload);
        assert_eq!(rule.wait_us(d), wait_us, "{kind:?}");
    }
}

#[test]
fn empty_workload_gets_zero_coefficient() {
    let workload = Workload::default();
    for kind in [
        PolicyName::ConstantWait,
        PolicyName::RuntimeWait,
        PolicyName::ResourceWait,
        PolicyName::ComputeWait,
    ] {
        assert_eq!(WaitRule::calibrate(kind, 0.5, &workload).coefficient, 0.0);
    }
}
