//! Hand-worked replays: each expected time and cost is derived in the comment above it from
//! the model in docs/model.md.

use std::path::Path;

use burstplane::attach::build_workload;
use burstplane::engine::{Outcome, simulate};
use burstplane::model::{Access, Workload};
use burstplane::policy::RejectReason;
use burstplane::scenario::Scenario;
use burstplane::trace::TraceRecord;

const S: u64 = 1_000_000;

/// Two planes: `onprem` (1 node x 8 GPUs) on storage `ontap`, and `eks` (up to 2 nodes x 8
/// GPUs) on `fsx`, joined by one link. Every dataset is 1 GB before trace overrides grow it.
fn scenario(link_gbps: f64, provision_s: f64, io_overlap: f64, cache_gb: f64) -> Scenario {
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
        max_nodes = 2
        gpus_per_node = 8
        provision_s = {provision_s}
        scale_down_s = 600
        price_per_gpu_hour = 4.0
        [[storage]]
        name = "ontap"
        serves = "onprem"
        [[storage]]
        name = "fsx"
        serves = "eks"
        price_per_gb_month = 0.1
        flexcache_capacity_gb = {cache_gb}
        [[links]]
        between = ["ontap", "fsx"]
        gbps = {link_gbps}
        price_per_gb_from = {{ fsx = 0.09 }}
        [data]
        datasets = 1
        size_min_gb = 1
        size_max_gb = 1
        size_median_gb = 1
        write_back_share = 0.0
        io_overlap = {io_overlap}
        [policy]
        name = "no-wait"
        mirror_read_fraction = 0.5
        "#
    );
    Scenario::parse(&text, Path::new("test.toml")).expect("valid test scenario")
}

fn job(id: &str, submit_s: f64, gpus: u32, duration_s: f64) -> TraceRecord {
    TraceRecord {
        job_id: id.into(),
        submit_s,
        gpus,
        duration_s,
        read_gb: Some(0.0),
        ..TraceRecord::default()
    }
}

/// Builds a job that fills the on-prem plane for 100,000 s, so later jobs burst under no-wait.
fn blocker() -> TraceRecord {
    job("blocker", 0.0, 8, 100_000.0)
}

fn reading(mut record: TraceRecord, dataset: &str, read_gb: f64) -> TraceRecord {
    record.dataset = Some(dataset.into());
    record.read_gb = Some(read_gb);
    record
}

fn run(scenario: &Scenario, records: &[TraceRecord]) -> (Workload, Outcome) {
    let (platform, workload) = build_workload(scenario, records.to_vec());
    let mut policy = scenario.policy.build(&workload);
    let outcome = simulate(&platform, &workload, policy.as_mut(), &mut |_| {});
    (workload, outcome)
}

/// Index of a job in the (sorted) workload by id.
fn index(workload: &Workload, id: &str) -> usize {
    workload
        .jobs
        .iter()
        .position(|j| &*j.id == id)
        .expect("job in workload")
}

#[test]
fn snapmirror_of_1000_gb_ready_after_800_s() {
    let s = scenario(10.0, 0.0, 0.5, 100.0);
    // The job reads all of a 1000 GB dataset (share 1 >= 0.5), so no-wait mirrors it.
    let records = [
        blocker(),
        reading(job("mirror", 0.0, 8, 60.0), "big", 1000.0),
    ];
    let (workload, outcome) = run(&s, &records);
    let result = &outcome.jobs[index(&workload, "mirror")];
    assert_eq!(result.access, Some(Access::Snapmirror));
    // 1000 GB x 8e9 bit/GB = 8e12 bit over 1e10 bit/s = 800 s.
    assert_eq!(result.data_ready_us, 800 * S);
    // Provisioning takes 0 s, so the job starts when the mirror is ready and runs 60 s.
    assert_eq!(result.start_us, 800 * S);
    assert_eq!(result.finish_us, 860 * S);
    assert_eq!(outcome.transfer.mirror_gb, 1000.0);
    // The mirror leaves ontap, whose egress price is 0.
    assert_eq!(outcome.cost.egress, 0.0);
}

#[test]
fn two_500_gb_mirrors_share_the_link() {
    let s = scenario(10.0, 0.0, 0.5, 100.0);
    let records = [
        blocker(),
        reading(job("a", 0.0, 8, 60.0), "d1", 500.0),
        reading(job("b", 0.0, 8, 60.0), "d2", 500.0),
    ];
    let (workload, outcome) = run(&s, &records);
    // Each gets 5 Gbps: 500 GB x 8e9 = 4e12 bit / 5e9 bit/s = 800 s, for both.
    for id in ["a", "b"] {
        let result = &outcome.jobs[index(&workload, id)];
        assert_eq!(result.access, Some(Access::Snapmirror), "{id}");
        assert_eq!(result.data_ready_us, 800 * S, "{id}");
    }
    assert_eq!(outcome.transfer.mirror_gb, 1000.0);
}

#[test]
fn flexcache_cold_then_warm() {
    // 1 Gbps link, io_overlap 0, a 200 GB cache.
    let s = scenario(1.0, 0.0, 0.0, 200.0);
    // Both jobs read 100 GB of a dataset grown to 1000 GB by the third job's read: a share of
    // 0.1 < 0.5, so no-wait picks FlexCache. The third job only sizes the dataset; it runs
    // later and is not checked.
    let records = [
        blocker(),
        reading(job("cold", 0.0, 8, 3600.0), "ds", 100.0),
        reading(job("warm", 5000.0, 8, 3600.0), "ds", 100.0),
        reading(job("sizer", 20_000.0, 8, 1.0), "ds", 1000.0),
    ];
    let (workload, outcome) = run(&s, &records);
    let cold = &outcome.jobs[index(&workload, "cold")];
    assert_eq!(cold.access, Some(Access::Flexcache));
    assert_eq!(cold.start_us, 0);
    // Cold reads: 100 GB x 8e9 bit / 1e9 bit/s = 800 s. Finish = max(0 + 3600,
    // 800 + (1 - 0) x 3600) = 4400 s.
    assert_eq!(cold.data_ready_us, 800 * S);
    assert_eq!(cold.finish_us, 4400 * S);
    let warm = &outcome.jobs[index(&workload, "warm")];
    assert_eq!(warm.access, Some(Access::Flexcache));
    // All 100 GB are cached, so the job runs its plain 3600 s from its start at 5000 s.
    assert_eq!(warm.start_us, 5000 * S);
    assert_eq!(warm.finish_us, 8600 * S);
    assert_eq!(warm.transfer_gb, 0.0);
}

#[test]
fn io_overlap_hides_part_of_the_stall() {
    let s = scenario(1.0, 0.0, 0.5, 200.0);
    let records = [
        blocker(),
        reading(job("j", 0.0, 8, 3600.0), "ds", 100.0),
        reading(job("sizer", 9000.0, 1, 1.0), "ds", 1000.0),
    ];
    let (workload, outcome) = run(&s, &records);
    // Finish = max(3600, 800 + 0.5 x 3600 = 2600) = 3600 s: the reads hide behind compute.
    assert_eq!(outcome.jobs[index(&workload, "j")].finish_us, 3600 * S);
}

#[test]
fn writes_back_never_gets_snapmirror() {
    let s = scenario(10.0, 0.0, 0.5, 2000.0);
    let mut writer = reading(job("writer", 10.0, 8, 60.0), "ds", 1000.0);
    writer.writes_back = Some(true);
    writer.write_gb = Some(10.0);
    // `reader` reads the whole dataset and gets a mirror first. `writer` reads it all too but
    // writes back, so it takes a FlexCache even though a mirror is under way.
    let records = [
        blocker(),
        reading(job("reader", 0.0, 8, 60.0), "ds", 1000.0),
        writer,
    ];
    let (workload, outcome) = run(&s, &records);
    assert_eq!(
        outcome.jobs[index(&workload, "reader")].access,
        Some(Access::Snapmirror)
    );
    let writer = &outcome.jobs[index(&workload, "writer")];
    assert_eq!(writer.access, Some(Access::Flexcache));
    // Its 10 GB write-back leaves fsx at 0.09 USD/GB: 0.90 USD of egress.
    assert_eq!(outcome.transfer.write_back_gb, 10.0);
    assert!(
        (outcome.cost.egress - 0.9).abs() < 1e-9,
        "{}",
        outcome.cost.egress
    );
}

#[test]
fn allowed_onprem_only_never_bursts() {
    let s = scenario(10.0, 0.0, 0.5, 100.0);
    let mut pinned = job("pinned", 10.0, 8, 50.0);
    pinned.allowed_planes = vec!["onprem".into()];
    let records = [job("first", 0.0, 8, 1000.0), pinned];
    let (workload, outcome) = run(&s, &records);
    let result = &outcome.jobs[index(&workload, "pinned")];
    assert_eq!(result.plane.map(|p| p.0), Some(0));
    assert_eq!(result.access, Some(Access::Local));
    // It waits for `first` to free the only node at 1000 s, then runs 50 s.
    assert_eq!(result.start_us, 1000 * S);
    assert_eq!(result.finish_us, 1050 * S);
}

#[test]
fn cloud_start_waits_for_provisioning() {
    let s = scenario(10.0, 300.0, 0.5, 100.0);
    let records = [blocker(), job("burst", 10.0, 4, 100.0)];
    let (workload, outcome) = run(&s, &records);
    let result = &outcome.jobs[index(&workload, "burst")];
    assert_eq!(result.plane.map(|p| p.0), Some(1));
    // No node is up: one is requested at 10 s and ready at 10 + 300 = 310 s.
    assert_eq!(result.start_us, 310 * S);
    assert_eq!(result.finish_us, 410 * S);
    // The node is billed from 10 s until its release 600 s after it went idle at 410 s:
    // 1000 s x 8 GPUs x 4 USD/GPU-hour / 3600 = 8.888... USD.
    assert!((outcome.cost.cloud_compute - 1000.0 * 8.0 * 4.0 / 3600.0).abs() < 1e-9);
}

#[test]
fn jobs_bound_to_one_pending_node_share_it() {
    let s = scenario(10.0, 300.0, 0.5, 100.0);
    // Two 4-GPU jobs burst at 10 s and 20 s. The second shares the node the first requested,
    // so both start at 310 s and only one node is billed.
    let records = [
        blocker(),
        job("a", 10.0, 4, 100.0),
        job("b", 20.0, 4, 100.0),
    ];
    let (workload, outcome) = run(&s, &records);
    assert_eq!(outcome.jobs[index(&workload, "a")].start_us, 310 * S);
    assert_eq!(outcome.jobs[index(&workload, "b")].start_us, 310 * S);
    // One node from 10 s to 410 + 600 = 1010 s: 1000 s x 8 GPUs x 4 / 3600 USD.
    assert!((outcome.cost.cloud_compute - 1000.0 * 8.0 * 4.0 / 3600.0).abs() < 1e-9);
}

#[test]
fn rejections_name_their_reason() {
    let s = scenario(10.0, 0.0, 0.5, 100.0);
    let mut unknown = job("unknown", 0.0, 1, 10.0);
    unknown.allowed_planes = vec!["gke".into()];
    // 24 GPUs need 3 nodes; eks has at most 2 and onprem 1.
    let records = [unknown, job("huge", 0.0, 24, 10.0)];
    let (workload, outcome) = run(&s, &records);
    assert_eq!(
        outcome.jobs[index(&workload, "unknown")].rejected,
        Some(RejectReason::UnknownPlane)
    );
    assert_eq!(
        outcome.jobs[index(&workload, "huge")].rejected,
        Some(RejectReason::TooLarge)
    );
}

#[test]
fn onprem_capacity_is_billed_through_makespan() {
    let s = scenario(10.0, 0.0, 0.5, 100.0);
    let records = [job("only", 0.0, 2, 7200.0)];
    let (_, outcome) = run(&s, &records);
    // 8 on-prem GPUs x 2 h makespan x 1 USD/GPU-hour = 16 USD, used or not.
    assert_eq!(outcome.makespan_us, 7200 * S);
    assert!((outcome.cost.onprem_compute - 16.0).abs() < 1e-9);
    assert_eq!(outcome.cost.cloud_compute, 0.0);
}

fn run_with_series(
    scenario: &Scenario,
    records: &[TraceRecord],
    interval_s: u64,
) -> (Workload, Outcome) {
    let (platform, workload) = build_workload(scenario, records.to_vec());
    let mut policy = scenario.policy.build(&workload);
    let options = burstplane::engine::Options {
        series_interval_us: Some(interval_s * S),
    };
    let outcome = burstplane::engine::simulate_with(
        &platform,
        &workload,
        policy.as_mut(),
        &options,
        &mut |_| {},
    );
    (workload, outcome)
}

#[test]
fn series_tracks_nodes_and_cost() {
    let s = scenario(10.0, 300.0, 0.5, 100.0);
    let records = [blocker(), job("burst", 10.0, 4, 100.0)];
    let (_, outcome) = run_with_series(&s, &records, 100);
    // Samples at 100, 200, ... s. The blocker runs to 100,000 s, so the last is at 100,000 s.
    assert_eq!(outcome.series.len(), 1000);
    let at = |t: usize| &outcome.series[t / 100 - 1];
    // The cloud node was requested at 10 s and is up at 310 s.
    assert_eq!(at(300).planes[1].nodes_up, 0);
    assert_eq!(at(400).planes[1].nodes_up, 1);
    assert_eq!(at(400).planes[1].gpus_busy, 4);
    assert_eq!(at(400).planes[0].gpus_busy, 8);
    // Cost to 400 s: on-prem 8 GPUs x 400 s x 1 USD/GPU-h = 0.8889; the cloud node billed from
    // 10 s: 390 s x 8 GPUs x 4 USD/GPU-h = 3.4667; together 32 / 9 + 3.2 / 3.6 = 4.3556 USD.
    let expected = 8.0 * 400.0 / 3600.0 + 390.0 * 8.0 * 4.0 / 3600.0;
    assert!(
        (at(400).cost_usd - expected).abs() < 1e-9,
        "{}",
        at(400).cost_usd
    );
    assert!(
        outcome
            .series
            .windows(2)
            .all(|w| w[0].cost_usd <= w[1].cost_usd)
    );
}

#[test]
fn series_measures_link_throughput() {
    let s = scenario(10.0, 0.0, 0.5, 100.0);
    let records = [
        blocker(),
        reading(job("mirror", 0.0, 8, 60.0), "big", 1000.0),
    ];
    let (_, outcome) = run_with_series(&s, &records, 400);
    // The 1000 GB baseline fills the 10 Gbps link from 0 to 800 s: 10 Gbps in the samples at
    // 400 s and 800 s, then nothing.
    assert_eq!(outcome.series[0].link_gbps, vec![10.0]);
    assert_eq!(outcome.series[1].link_gbps, vec![10.0]);
    assert_eq!(outcome.series[2].link_gbps, vec![0.0]);
}

#[test]
fn cloud_queue_retries_after_release() {
    // eks has 2 nodes of 8 GPUs, provisioning 300 s, scale-down 600 s. `a` (8 GPUs) and `b`
    // (4 GPUs) burst at 10 s and take both node slots; `big` (16 GPUs = 2 whole nodes) bursts
    // at 20 s and must queue at the node limit.
    let s = scenario(10.0, 300.0, 0.5, 100.0);
    let records = [
        blocker(),
        job("a", 10.0, 8, 100.0),
        job("b", 10.0, 4, 2000.0),
        job("big", 20.0, 16, 50.0),
    ];
    let (workload, outcome) = run(&s, &records);
    // a runs 310..410 s and its node is released at 410 + 600 = 1010 s; b runs 310..2310 s.
    // At 2310 s b's node is idle but only one slot is down, so `big` keeps waiting until b's
    // node is released at 2310 + 600 = 2910 s. Then it requests two nodes, up at 3210 s.
    let big = &outcome.jobs[index(&workload, "big")];
    assert_eq!(big.rejected, None);
    assert_eq!(big.start_us, 3210 * S);
    assert_eq!(big.finish_us, 3260 * S);
}

#[test]
fn idle_initial_cloud_nodes_are_released() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/seed-hybrid.toml"
    ))
    .unwrap();
    let text = text.replacen("nodes = 0", "nodes = 1", 1);
    let mut s = Scenario::parse(&text, Path::new("seed.toml")).unwrap();
    s.policy.name = burstplane::policy::PolicyName::OnpremOnly;
    let (_, outcome) = run(&s, &[job("only", 0.0, 1, 7200.0)]);
    // The one eks node is up at 0 s and never used, so it goes after scale_down_s = 600 s:
    // 600 s x 8 GPUs x 4.10 USD/GPU-h / 3600 = 5.4667 USD.
    assert!(
        (outcome.cost.cloud_compute - 600.0 * 8.0 * 4.10 / 3600.0).abs() < 1e-9,
        "{}",
        outcome.cost.cloud_compute
    );
}

#[test]
fn summary_groups_remote_access() {
    let s = scenario(1.0, 0.0, 0.0, 200.0);
    let records = [
        blocker(),
        reading(job("cold", 0.0, 8, 3600.0), "ds", 100.0),
        reading(job("warm", 5000.0, 8, 3600.0), "ds", 100.0),
        reading(job("sizer", 20_000.0, 8, 1.0), "ds", 1000.0),
    ];
    let (platform, workload) = build_workload(&s, records.to_vec());
    let mut policy = s.policy.build(&workload);
    let outcome = simulate(&platform, &workload, policy.as_mut(), &mut |_| {});
    let label = burstplane::report::RunLabel {
        scenario: "t",
        policy: "no-wait",
        seed: 1,
    };
    let summary = burstplane::report::Summary::new(&label, &platform, &workload, &outcome);
    // The dataset is 1000 GB = 1 TB, the lower bound of class 1tb-10tb. `cold` and `warm` used FlexCache (JCT 4400 s and
    // 3600 s, mean 4000 s; stalls 800 s and 0 s, mean 400 s; 100 GB moved). `sizer` reads all
    // of it, so it took a SnapMirror of 1000 GB.
    let groups = &summary.remote_access;
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].size_class, "1tb-10tb");
    assert_eq!(groups[0].access, Access::Flexcache);
    assert_eq!(groups[0].jobs, 2);
    assert_eq!(groups[0].jct_mean_s, 4000.0);
    assert_eq!(groups[0].stall_mean_s, 400.0);
    assert_eq!(groups[0].transfer_gb, 100.0);
    assert_eq!(groups[1].access, Access::Snapmirror);
    assert_eq!(groups[1].jobs, 1);
    assert_eq!(groups[1].transfer_gb, 1000.0);
}

/// Builds the test scenario with `data-aware` at a value of time of 4 USD per job-hour.
fn data_aware(provision_s: f64) -> Scenario {
    data_aware_over(10.0, provision_s)
}

/// Builds the test scenario with `data-aware` at 4 USD per job-hour and a `link_gbps` link.
fn data_aware_over(link_gbps: f64, provision_s: f64) -> Scenario {
    let mut s = scenario(link_gbps, provision_s, 0.5, 100.0);
    s.policy.name = burstplane::policy::PolicyName::DataAware;
    s.policy.objective.value_of_time_usd_per_hour = 4.0;
    s
}

#[test]
fn data_aware_bursts_onto_paid_node() {
    let s = data_aware(0.0);
    // `filler` occupies the on-prem node until 40,000 s. `pinned` may only run on eks, so it
    // keeps a cloud node busy until 50,000 s with 7 of its GPUs free.
    let mut pinned = job("pinned", 0.0, 1, 50_000.0);
    pinned.allowed_planes = vec!["eks".into()];
    let records = [
        job("filler", 0.0, 8, 40_000.0),
        pinned,
        job("short", 10.0, 1, 3600.0),
    ];
    let (workload, outcome) = run(&s, &records);
    // At 10 s, on-prem: no GPU frees before filler ends, a predicted wait of 39,990 s; score
    // 1 GPU x 1 USD/h x 1 h + 4 USD/h x 39,990 / 3600 h = 1 + 44.43 = 45.43. eks: starts now
    // on the pinned node, which stays busy 49,990 s > 3600 s, so only its own GPU is billed:
    // 1 x 4 USD/h x 1 h = 4 USD, no delay, no data to move. 4 < 45.43: burst.
    let short = &outcome.jobs[index(&workload, "short")];
    assert_eq!(short.plane.map(|p| p.0), Some(1));
    assert_eq!(short.start_us, 10 * S);
    assert_eq!(short.finish_us, 3610 * S);
}

#[test]
fn data_aware_waits_over_new_node() {
    let s = data_aware(300.0);
    let records = [
        job("filler", 0.0, 8, 30_000.0),
        job("short", 10.0, 1, 3600.0),
    ];
    let (workload, outcome) = run(&s, &records);
    // At 10 s, on-prem: no GPU frees before filler ends, 29,990 s; score 1 GPU x 1 USD/h x 1 h
    // + 4 USD/h x 29,990 / 3600 h = 1 + 33.32 = 34.32. eks has no node: a new one boots 300 s
    // and is billed whole through the 600 s scale-down: 8 GPUs x 4 USD/h x (300 + 3600 + 600)
    // s / 3600 = 40 USD, plus 4 USD/h x 300 s of delay = 0.333: 40.333 > 34.32, wait. Later
    // decisions find on-prem closer still, so the job starts when `filler` ends.
    let short = &outcome.jobs[index(&workload, "short")];
    assert_eq!(short.plane.map(|p| p.0), Some(0));
    assert_eq!(short.start_us, 30_000 * S);
    assert_eq!(short.finish_us, 33_600 * S);
    assert_eq!(outcome.cost.cloud_compute, 0.0);

    // A queue cap of 1 counts the jobs ahead of `short`, not `short` itself: it is alone in
    // the on-prem queue at each later decision, so it keeps waiting.
    let mut capped = s.clone();
    capped.policy.queue_cap = Some(1);
    let (workload, outcome) = run(&capped, &records);
    let short = &outcome.jobs[index(&workload, "short")];
    assert_eq!(short.plane.map(|p| p.0), Some(0));
    assert_eq!(short.start_us, 30_000 * S);

    // compute-wait bursts the same job once its budget runs out. Budget coefficient = 0.25 x
    // mean run / mean GPU-seconds = 0.25 x 16,800 / 121,800; wait = that x 1 GPU x 3600 s =
    // 124.14 s. The node is requested at 134.14 s, ready at 434.14 s; the job ends 4034.14 s.
    let mut cw = s.clone();
    cw.policy.name = burstplane::policy::PolicyName::ComputeWait;
    let (workload, outcome) = run(&cw, &records);
    let short = &outcome.jobs[index(&workload, "short")];
    assert_eq!(short.plane.map(|p| p.0), Some(1));
    let wait_s = 0.25 * 16_800.0 / 121_800.0 * 3600.0;
    let start_s = (short.start_us as f64) / S as f64;
    assert!(
        (start_s - (10.0 + wait_s + 300.0)).abs() < 1e-3,
        "{start_s}"
    );
}

#[test]
fn data_aware_queue_cap_counts_own_queue_only() {
    // Two on-prem planes and a cloud plane at 1000 USD per GPU-hour, with a queue cap of 5.
    // X (2 GPUs) waits on one on-prem plane; at a later decision the other may score best.
    // The cap must count X only against the queue it is in: X stays on-prem, since a burst
    // would cost 2 x 1000 x 1000 / 3600 = 555.6 USD against a few USD of waiting.
    let text = r#"
        seed = 1
        [[planes]]
        name = "onA"
        kind = "onprem"
        nodes = 1
        gpus_per_node = 8
        price_per_gpu_hour = 1.0
        [[planes]]
        name = "onB"
        kind = "onprem"
        nodes = 1
        gpus_per_node = 8
        price_per_gpu_hour = 1.0
        [[planes]]
        name = "eks"
        kind = "cloud"
        max_nodes = 2
        gpus_per_node = 8
        provision_s = 0
        scale_down_s = 600
        price_per_gpu_hour = 1000.0
        [[storage]]
        name = "sA"
        serves = "onA"
        [[storage]]
        name = "sB"
        serves = "onB"
        [[storage]]
        name = "fsx"
        serves = "eks"
        flexcache_capacity_gb = 100
        [[links]]
        between = ["sA", "sB"]
        gbps = 10
        [[links]]
        between = ["sA", "fsx"]
        gbps = 10
        [data]
        home = "sA"
        datasets = 1
        size_min_gb = 1
        size_max_gb = 1
        size_median_gb = 1
        write_back_share = 0.0
        [policy]
        name = "data-aware"
        out_of_order = true
        queue_cap = 5
        "#;
    let s = Scenario::parse(text, Path::new("two-onprem.toml")).expect("valid scenario");

    let pinned = |mut record: TraceRecord, plane: &str| {
        record.allowed_planes = vec![plane.into()];
        record
    };
    let records = [
        pinned(job("fillerA", 0.0, 7, 10_000.0), "onA"),
        pinned(job("fillerB", 0.0, 8, 12_000.0), "onB"),
        job("X", 10.0, 2, 1000.0),
        pinned(job("Y", 20.0, 1, 1_000_000.0), "onA"),
    ];
    let (workload, outcome) = run(&s, &records);
    let x = &outcome.jobs[index(&workload, "X")];
    assert!(x.completed());
    assert_ne!(x.plane.map(|p| p.0), Some(2), "X burst to eks");
    // Either on-prem plane frees enough GPUs by 12,000 s, when fillerB ends.
    assert!(x.start_us <= 12_000 * S, "{}", x.start_us);
}

/// Replays `filler` (on-prem, 8 GPUs, until `filler_end_s`) and M (8 GPUs, 36,000 s, reading
/// all of a 10,000 GB dataset at 10 s) under data-aware over a 1 Gbps link with instant nodes.
fn mirror_prefetch_case(filler_end_s: f64) -> (Workload, Outcome) {
    let s = data_aware_over(1.0, 0.0);
    let m = reading(job("M", 10.0, 8, 36_000.0), "big", 10_000.0);
    let records = [job("filler", 0.0, 8, filler_end_s), m];
    run(&s, &records)
}

#[test]
fn data_aware_prefetches_blocking_copy() {
    // At 10 s the mirror would take 10,000 GB x 8e9 bit / 1e9 bit/s = 80,000 s. Cloud option
    // (SnapMirror, since M reads all its data): compute 8 GPUs x 4 USD/h x 10 h = 320, plus the
    // new node's 600 s scale-down 8 x 600 x 4 / 3600 = 5.333; storage 10,000 GB x 0.1 USD/GB-month
    // x 24 / 730 = 32.877; delay 4 USD/h x 80,000 s = 88.889. Score 447.1.
    // On-prem, filler ending at 280,000 s: wait 279,990 s, score 8 x 1 x 10 + 4 x 279,990 / 3600
    // = 80 + 311.1 = 391.1, so M waits. With the copy complete the cloud would score 325.3 <
    // 391.1: the copy alone keeps the burst from winning, so the mirror starts now.
    let (workload, outcome) = mirror_prefetch_case(280_000.0);
    assert_eq!(outcome.transfer.mirror_gb, 10_000.0);
    // Later decisions see both scores fall at 4 USD per hour waited, so M never bursts and
    // starts on-prem when filler ends.
    let m = &outcome.jobs[index(&workload, "M")];
    assert_eq!(m.plane.map(|p| p.0), Some(0));
    assert_eq!(m.start_us, 280_000 * S);

    // With filler ending at 200,000 s, on-prem scores 80 + 4 x 199,990 / 3600 = 302.2, below
    // even the cloud with the copy complete (325.3): no copy starts.
    let (workload, outcome) = mirror_prefetch_case(200_000.0);
    assert_eq!(outcome.transfer.mirror_gb, 0.0);
    let m = &outcome.jobs[index(&workload, "M")];
    assert_eq!(m.start_us, 200_000 * S);
}

#[test]
fn data_aware_judges_the_mode_it_runs_with() {
    // mirror_read_fraction 0 makes the access rule give every burst a SnapMirror copy. J (8
    // GPUs, 3600 s) reads 100 GB of a 10,000 GB dataset (sized by `sizer`), over 1 Gbps.
    let mut s = data_aware_over(1.0, 0.0);
    s.policy.mirror_read_fraction = 0.0;
    s.platform.storage[1].flexcache_capacity_gb = 20_000.0;
    let records = [
        job("filler", 0.0, 8, 50_000.0),
        reading(job("J", 10.0, 8, 3600.0), "ds", 100.0),
        reading(job("sizer", 200_000.0, 1, 1.0), "ds", 10_000.0),
    ];
    let (workload, outcome) = run(&s, &records);
    // At 10 s, on-prem: 8 x 1 USD/h x 1 h + 4 USD/h x 49,990 s = 8 + 55.5 = 63.5.
    // A FlexCache burst would score 37.7: 100 GB cold in 800 s, no stall past the 3600 s run,
    // 8 x 4 x 1 h + the 600 s scale-down 5.333, 100 GB x 0.1 x 24 / 730 = 0.329 of space.
    // The rule's SnapMirror scores 159.1: a 80,000 s copy delays the job 88.9 USD and its
    // space costs 32.9, on top of 37.3 of compute. J is judged by the SnapMirror it would run
    // with, so it waits, and runs on-prem when filler ends.
    let j = &outcome.jobs[index(&workload, "J")];
    assert_eq!(j.plane.map(|p| p.0), Some(0));
    assert_eq!(j.start_us, 50_000 * S);
}

/// Runs jobs limited to `onprem` there and every other job on `eks`, and keeps the snapshot of
/// `eks` that the engine gives the scoring core when job `probe` is placed.
#[derive(Default)]
struct Probe {
    seen: Option<burstplane::score::PlaneInput>,
    seen_onprem: Option<burstplane::score::PlaneInput>,
}

impl burstplane::policy::Policy for Probe {
    fn name(&self) -> &'static str {
        "probe"
    }

    fn reads_snapshots(&self) -> bool {
        true
    }

    fn place(
        &mut self,
        job: &burstplane::model::Job,
        view: &dyn burstplane::policy::ClusterView,
    ) -> burstplane::policy::Decision {
        use burstplane::model::PlaneId;
        let (onprem, eks) = (PlaneId(0), PlaneId(1));
        if &*job.id == "probe" {
            self.seen = Some(view.plane_input(eks, job));
            self.seen_onprem = Some(view.plane_input(onprem, job));
        }
        let plane = if job.allowed.contains(eks) {
            eks
        } else {
            onprem
        };
        let access = burstplane::policy::choose_access(job, plane, view, 0.5).expect("a link");
        burstplane::policy::Decision::Run { plane, access }
    }
}

/// Replays `records` under [`Probe`] and returns the snapshot it kept of `eks`.
fn probe(scenario: &Scenario, records: &[TraceRecord]) -> burstplane::score::PlaneInput {
    probe_both(scenario, records).1
}

/// Replays `records` under [`Probe`] and returns its snapshots of `onprem` and `eks`.
fn probe_both(
    scenario: &Scenario,
    records: &[TraceRecord],
) -> (burstplane::score::PlaneInput, burstplane::score::PlaneInput) {
    let (platform, workload) = build_workload(scenario, records.to_vec());
    let mut policy = Probe::default();
    simulate(&platform, &workload, &mut policy, &mut |_| {});
    let onprem = policy.seen_onprem.expect("probe was placed");
    (onprem, policy.seen.expect("probe was placed"))
}

#[test]
fn snapshot_counts_boot_time_left() {
    // P1 orders an eks node at 0 s; it boots 300 s, so P1 runs 300 s to 5300 s. At 200 s the
    // probe fits the same booting node: no new node, ready in 300 - 200 = 100 s, and the node
    // stays busy with P1 for 5300 - 200 = 5100 s.
    let s = scenario(10.0, 300.0, 0.5, 100.0);
    let records = [job("P1", 0.0, 1, 5000.0), job("probe", 200.0, 1, 100.0)];
    let seen = probe(&s, &records);
    assert!(!seen.starts_now);
    assert_eq!(seen.new_nodes, 0);
    assert_eq!(seen.provision_s, Some(100.0));
    assert_eq!(seen.shared_node_busy_s, 5100.0);
}

#[test]
fn snapshot_sees_a_read_stall() {
    // P1 writes back, so it reads through a FlexCache: 100 GB cold over 1 Gbps = 800 s, and
    // with io_overlap 0 it runs max(1000, 800 + 1000) = 1800 s from 0 s. At 900 s the probe
    // would share P1's node, busy for 1800 - 900 = 900 s more (not the 100 s its 1000 s run
    // time alone would suggest).
    let s = scenario(1.0, 0.0, 0.0, 1000.0);
    let mut p1 = reading(job("P1", 0.0, 1, 1000.0), "ds", 100.0);
    p1.writes_back = Some(true);
    p1.write_gb = Some(1.0);
    let records = [p1, job("probe", 900.0, 1, 100.0)];
    let seen = probe(&s, &records);
    assert!(seen.starts_now);
    assert_eq!(seen.shared_node_busy_s, 900.0);
}

#[test]
fn snapshot_counts_when_running_jobs_end() {
    // On-prem (8 GPUs): A uses 6 GPUs until 1000 s and B 2 GPUs until 3000 s. At 100 s a
    // 4-GPU probe finds no GPU free; A's end frees 6 >= 4 GPUs in 1000 - 100 = 900 s. A 7-GPU
    // probe would also need B's 2, in 2900 s; the snapshot is for the 4-GPU one.
    let s = scenario(10.0, 0.0, 0.5, 100.0);
    let pinned = |mut record: TraceRecord| {
        record.allowed_planes = vec!["onprem".into()];
        record
    };
    let records = [
        pinned(job("A", 0.0, 6, 1000.0)),
        pinned(job("B", 0.0, 2, 3000.0)),
        job("probe", 100.0, 4, 100.0),
    ];
    let (onprem, _) = probe_both(&s, &records);
    assert_eq!(onprem.running_frees_s, 900.0);
}

#[test]
fn data_aware_bursts_behind_long_jobs() {
    // Two on-prem nodes are full until 100,000 s. At 70 s a 1-GPU, 60 s job: the fluid model
    // predicts (0 + 16 x 99,930 x 1/16) / 16 = 6245.6 s, but no GPU frees before 99,930 s, so
    // on-prem scores 60 / 3600 + 4 x 99,930 / 3600 = 111.05. A new eks node scores 8.867:
    // 4 USD/h x (1 GPU x 360 s + 7 x 360 + 8 x 600) / 3600 = 8.533, plus 4 x 300 s of delay.
    // (By the fluid model alone on-prem would score 6.956, and the job would wait a day.)
    let mut s = data_aware(300.0);
    s.platform.planes[0].nodes = 2;
    s.platform.planes[0].max_nodes = 2;
    let records = [
        job("fillerA", 0.0, 8, 100_000.0),
        job("fillerB", 0.0, 8, 100_000.0),
        job("short", 70.0, 1, 60.0),
    ];
    let (workload, outcome) = run(&s, &records);
    let short = &outcome.jobs[index(&workload, "short")];
    assert_eq!(short.plane.map(|p| p.0), Some(1));
    // The node boots from 70 s to 370 s.
    assert_eq!(short.start_us, 370 * S);
}
