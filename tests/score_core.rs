//! The scoring core: properties of `evaluate` over random valid inputs, and hand-worked cases.
//! Each expected time and cost is derived in the comment above its check, from the model in
//! docs/policies.md (section "The scoring core") and docs/model.md.

use burstplane::model::{Access, PlaneId, PlaneKind, PlaneMask};
use burstplane::score::{
    DataInput, Infeasible, JobRequest, LinkInput, MirrorInput, Objective, ObjectiveKind,
    PlaneInput, ScoreSettings, ScoredOption, evaluate, predicted_wait_s,
};
use proptest::prelude::*;

/// Options per plane, in the order local, FlexCache, SnapMirror.
const MODES: usize = 3;

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0)
}

fn run(
    job: &JobRequest,
    planes: &[PlaneInput],
    objective: &Objective,
    settings: &ScoreSettings,
) -> (Option<usize>, Vec<ScoredOption>) {
    let mut out = Vec::new();
    let best = evaluate(job, planes, objective, settings, &mut out);
    (best, out)
}

fn best_score(best: Option<usize>, out: &[ScoredOption]) -> f64 {
    best.map_or(f64::INFINITY, |i| out[i].score)
}

// ---------------------------------------------------------------------------------------------
// Generators of valid inputs.

fn link_strategy() -> impl Strategy<Value = LinkInput> {
    (0.1f64..100.0, 0.0f64..0.2, 0.0f64..0.2, 0.0f64..0.2).prop_map(
        |(gbps_for_new_flow, rtt_s, price_per_gb_in, price_per_gb_out)| LinkInput {
            gbps_for_new_flow,
            rtt_s,
            price_per_gb_in,
            price_per_gb_out,
        },
    )
}

fn mirror_strategy() -> impl Strategy<Value = MirrorInput> {
    prop_oneof![
        Just(MirrorInput::Absent),
        ((0.0f64..5000.0), (0.1f64..100.0))
            .prop_map(|(gb_left, gbps)| MirrorInput::Transferring { gb_left, gbps }),
        Just(MirrorInput::Ready),
    ]
}

fn data_strategy() -> impl Strategy<Value = DataInput> {
    prop_oneof![
        1 => Just(DataInput::Local),
        3 => (link_strategy(), 0.0f64..5000.0, 0.0f64..10_000.0, mirror_strategy()).prop_map(
            |(link, cached_gb, cache_capacity_gb, mirror)| DataInput::Remote {
                link,
                cached_gb,
                cache_capacity_gb,
                mirror,
            }
        ),
        1 => Just(DataInput::Unreachable),
    ]
}

/// A plane with id 0; [`planes_strategy`] numbers the planes by position.
fn plane_strategy() -> impl Strategy<Value = PlaneInput> {
    let state = (
        prop_oneof![Just(PlaneKind::Onprem), Just(PlaneKind::Cloud)],
        prop::bool::weighted(0.9),
        prop::bool::ANY,
        prop::option::of(0.0f64..900.0),
        0.0f64..1e7,
        0.0f64..1e7,
        prop_oneof![1 => Just(0.0), 9 => 1.0f64..1024.0],
    );
    let prices = (0.0f64..10.0, 0.25f64..4.0, 0.0f64..0.3, data_strategy());
    let nodes = (0u32..3, 0.0f64..1e6, 1u32..=16, 0.0f64..1200.0, 0.0f64..1e6);
    (state, prices, nodes).prop_map(
        |(
            (kind, can_ever_fit, starts_now, provision_s, queue, running, drain),
            (price, speed, storage_price, data),
            (new_nodes, shared_node_busy_s, gpus_per_node, scale_down_s, running_frees_s),
        )| PlaneInput {
            plane: PlaneId(0),
            kind,
            can_ever_fit,
            starts_now,
            provision_s,
            new_nodes,
            running_frees_s,
            shared_node_busy_s,
            gpus_per_node,
            scale_down_s,
            queue_ahead_gpu_s: queue,
            running_gpu_s: running,
            drain_gpus: drain,
            price_per_gpu_hour: price,
            speed_factor: speed,
            storage_price_per_gb_month: storage_price,
            data,
        },
    )
}

fn planes_strategy(max: usize) -> impl Strategy<Value = Vec<PlaneInput>> {
    prop::collection::vec(plane_strategy(), 1..=max).prop_map(|mut planes| {
        for (i, plane) in planes.iter_mut().enumerate() {
            plane.plane = PlaneId(i as u32);
        }
        planes
    })
}

fn job_strategy() -> impl Strategy<Value = JobRequest> {
    (
        1u32..=64,
        1.0f64..1e5,
        0.0f64..5000.0,
        0.0f64..5000.0,
        0.0f64..500.0,
        prop::bool::ANY,
        prop_oneof![
            2 => Just(PlaneMask::ANY),
            1 => any::<u64>().prop_map(PlaneMask),
        ],
    )
        .prop_map(
            |(gpus, duration_s, read_gb, unread_gb, write_gb, writes_back, allowed)| JobRequest {
                gpus,
                duration_s,
                read_gb,
                write_gb,
                writes_back,
                dataset_gb: read_gb + unread_gb,
                allowed,
            },
        )
}

fn objective_strategy() -> impl Strategy<Value = Objective> {
    let objective = |kind, deadline_s, value_of_time_usd_per_hour| Objective {
        kind,
        deadline_s,
        value_of_time_usd_per_hour,
    };
    prop_oneof![
        Just(objective(ObjectiveKind::MinCost, None, 0.0)),
        (0.0f64..2e5).prop_map(move |d| objective(ObjectiveKind::MinCost, Some(d), 0.0)),
        Just(objective(ObjectiveKind::MinFinish, None, 0.0)),
        (0.0f64..200.0).prop_map(move |v| objective(ObjectiveKind::Weighted, None, v)),
    ]
}

fn settings_strategy() -> impl Strategy<Value = ScoreSettings> {
    (0.0f64..=1.0, 0.0f64..720.0).prop_map(|(io_overlap, retention_h)| ScoreSettings {
        io_overlap,
        retention_h,
    })
}

// ---------------------------------------------------------------------------------------------
// Properties.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn more_queue_never_shortens_wait(
        planes in planes_strategy(6),
        job in job_strategy(),
        objective in objective_strategy(),
        settings in settings_strategy(),
        which in any::<prop::sample::Index>(),
        extra_gpu_s in 0.0f64..1e7,
    ) {
        let i = which.index(planes.len());
        let mut longer = planes.clone();
        longer[i].queue_ahead_gpu_s += extra_gpu_s;
        let before = predicted_wait_s(&planes[i], job.gpus);
        let after = predicted_wait_s(&longer[i], job.gpus);
        prop_assert!(after >= before, "predicted wait {after} < {before}");

        let (_, short_out) = run(&job, &planes, &objective, &settings);
        let (_, long_out) = run(&job, &longer, &objective, &settings);
        for (k, (a, b)) in short_out.iter().zip(&long_out).enumerate() {
            prop_assert!(b.wait_s >= a.wait_s, "option {k}: wait {} < {}", b.wait_s, a.wait_s);
        }
    }

    #[test]
    fn busier_shared_node_never_costs_more(
        planes in planes_strategy(6),
        job in job_strategy(),
        objective in objective_strategy(),
        settings in settings_strategy(),
        which in any::<prop::sample::Index>(),
        extra_busy_s in 0.0f64..1e6,
    ) {
        // The longer the node's other jobs keep it billed, the less idle time the job adds.
        let i = which.index(planes.len());
        let mut busier = planes.clone();
        busier[i].shared_node_busy_s += extra_busy_s;
        let (_, out) = run(&job, &planes, &objective, &settings);
        let (_, busier_out) = run(&job, &busier, &objective, &settings);
        for (k, (a, b)) in out.iter().zip(&busier_out).enumerate() {
            prop_assert!(
                b.cost.compute <= a.cost.compute,
                "option {k}: compute {} > {}", b.cost.compute, a.cost.compute
            );
            prop_assert_eq!(b.wait_s, a.wait_s);
        }
    }

    #[test]
    fn larger_cold_read_never_helps_flexcache(
        planes in planes_strategy(6),
        job in job_strategy(),
        objective in objective_strategy(),
        settings in settings_strategy(),
        extra_read_gb in 0.0f64..5000.0,
    ) {
        let small = JobRequest { dataset_gb: job.dataset_gb + extra_read_gb, ..job.clone() };
        let large = JobRequest { read_gb: job.read_gb + extra_read_gb, ..small.clone() };
        let (_, small_out) = run(&small, &planes, &objective, &settings);
        let (_, large_out) = run(&large, &planes, &objective, &settings);
        for p in 0..planes.len() {
            let a = &small_out[p * MODES + 1];
            let b = &large_out[p * MODES + 1];
            prop_assert_eq!(a.access, Access::Flexcache);
            if !b.is_feasible() {
                // A larger read can only add the reason that the cache is too small for it.
                let same = b.infeasible == a.infeasible;
                let grew_out_of_cache = b.infeasible == Some(Infeasible::CacheTooSmall);
                prop_assert!(same || grew_out_of_cache, "plane {p}: {:?} -> {:?}", a.infeasible, b.infeasible);
                continue;
            }
            prop_assert!(a.is_feasible(), "plane {p}: feasible only with the larger read");
            prop_assert!(b.finish_s >= a.finish_s, "plane {p}: finish {} < {}", b.finish_s, a.finish_s);
            prop_assert!(b.cost.total >= a.cost.total, "plane {p}: cost {} < {}", b.cost.total, a.cost.total);
        }
    }

    #[test]
    fn warm_cache_never_worse_than_cold(
        planes in planes_strategy(6),
        job in job_strategy(),
        objective in objective_strategy(),
        settings in settings_strategy(),
        warmed_gb in 0.0f64..5000.0,
    ) {
        let mut warm = planes.clone();
        for plane in &mut warm {
            if let DataInput::Remote { cached_gb, .. } = &mut plane.data {
                *cached_gb += warmed_gb;
            }
        }
        let (cold_best, cold_out) = run(&job, &planes, &objective, &settings);
        let (warm_best, warm_out) = run(&job, &warm, &objective, &settings);
        for p in 0..planes.len() {
            let cold = &cold_out[p * MODES + 1];
            let hot = &warm_out[p * MODES + 1];
            prop_assert_eq!(cold.infeasible, hot.infeasible, "plane {}", p);
            if cold.is_feasible() {
                prop_assert!(hot.finish_s <= cold.finish_s, "plane {p}: finish {} > {}", hot.finish_s, cold.finish_s);
                prop_assert!(hot.cost.total <= cold.cost.total, "plane {p}: cost {} > {}", hot.cost.total, cold.cost.total);
            }
        }
        let (cold_score, warm_score) = (best_score(cold_best, &cold_out), best_score(warm_best, &warm_out));
        prop_assert!(warm_score <= cold_score, "best score {warm_score} > {cold_score}");
    }

    #[test]
    fn added_plane_never_worsens_best(
        planes in planes_strategy(6),
        extra in plane_strategy(),
        job in job_strategy(),
        objective in objective_strategy(),
        settings in settings_strategy(),
    ) {
        let mut more = planes.clone();
        more.push(PlaneInput { plane: PlaneId(planes.len() as u32), ..extra });
        let (best, out) = run(&job, &planes, &objective, &settings);
        let (more_best, more_out) = run(&job, &more, &objective, &settings);
        if best.is_some() {
            prop_assert!(more_best.is_some(), "a feasible option vanished");
        }
        let (before, after) = (best_score(best, &out), best_score(more_best, &more_out));
        prop_assert!(after <= before, "best score {after} > {before}");
    }

    #[test]
    fn chosen_option_obeys_hard_rules(
        planes in planes_strategy(8),
        job in job_strategy(),
        objective in objective_strategy(),
        settings in settings_strategy(),
    ) {
        let (best, out) = run(&job, &planes, &objective, &settings);
        prop_assert_eq!(out.len(), planes.len() * MODES);
        for (k, option) in out.iter().enumerate() {
            let modes = [Access::Local, Access::Flexcache, Access::Snapmirror];
            prop_assert_eq!(option.plane, planes[k / MODES].plane);
            prop_assert_eq!(option.access, modes[k % MODES]);
            if !job.allowed.contains(option.plane) {
                prop_assert_eq!(option.infeasible, Some(Infeasible::NotAllowed));
            }
            if job.writes_back && option.access == Access::Snapmirror {
                prop_assert!(!option.is_feasible(), "option {k}: a writes_back job on a mirror");
            }
        }
        let feasible_min = out
            .iter()
            .filter(|o| o.is_feasible())
            .map(|o| o.score)
            .fold(f64::INFINITY, f64::min);
        match best {
            None => prop_assert!(out.iter().all(|o| !o.is_feasible())),
            Some(i) => {
                let chosen = &out[i];
                prop_assert!(chosen.is_feasible());
                prop_assert!(job.allowed.contains(chosen.plane));
                prop_assert!(!(job.writes_back && chosen.access == Access::Snapmirror));
                prop_assert_eq!(chosen.score, feasible_min);
            }
        }
    }

    #[test]
    fn cost_terms_add_up(
        planes in planes_strategy(8),
        job in job_strategy(),
        objective in objective_strategy(),
        settings in settings_strategy(),
    ) {
        let (_, out) = run(&job, &planes, &objective, &settings);
        for (k, option) in out.iter().enumerate() {
            let cost = option.cost;
            prop_assert!(cost.compute >= 0.0, "option {k}: compute {}", cost.compute);
            prop_assert!(cost.egress >= 0.0, "option {k}: egress {}", cost.egress);
            prop_assert!(cost.storage >= 0.0, "option {k}: storage {}", cost.storage);
            let sum = cost.compute + cost.egress + cost.storage;
            let tolerance = 1e-9 * cost.total.abs().max(f64::MIN_POSITIVE);
            prop_assert!((sum - cost.total).abs() <= tolerance, "option {k}: {sum} != {}", cost.total);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Hand-worked cases.

fn min_cost(deadline_s: Option<f64>) -> Objective {
    Objective {
        kind: ObjectiveKind::MinCost,
        deadline_s,
        value_of_time_usd_per_hour: 0.0,
    }
}

fn min_finish() -> Objective {
    Objective {
        kind: ObjectiveKind::MinFinish,
        deadline_s: None,
        value_of_time_usd_per_hour: 0.0,
    }
}

fn weighted(value_of_time_usd_per_hour: f64) -> Objective {
    Objective {
        kind: ObjectiveKind::Weighted,
        deadline_s: None,
        value_of_time_usd_per_hour,
    }
}

fn job_8_gpus(read_gb: f64, dataset_gb: f64) -> JobRequest {
    JobRequest {
        gpus: 8,
        duration_s: 3600.0,
        read_gb,
        write_gb: 0.0,
        writes_back: false,
        dataset_gb,
        allowed: PlaneMask::ANY,
    }
}

/// An on-prem plane of 64 GPUs holding the data, busy with `queue_ahead_gpu_s` queued and
/// `running_gpu_s` running, at 2 USD per GPU-hour.
fn onprem(queue_ahead_gpu_s: f64, running_gpu_s: f64) -> PlaneInput {
    PlaneInput {
        plane: PlaneId(0),
        kind: PlaneKind::Onprem,
        can_ever_fit: true,
        starts_now: false,
        provision_s: None,
        new_nodes: 0,
        running_frees_s: 0.0,
        shared_node_busy_s: 0.0,
        gpus_per_node: 8,
        scale_down_s: 600.0,
        queue_ahead_gpu_s,
        running_gpu_s,
        drain_gpus: 64.0,
        price_per_gpu_hour: 2.0,
        speed_factor: 1.0,
        storage_price_per_gb_month: 0.0,
        data: DataInput::Local,
    }
}

/// A cloud plane with an idle node, 256 GPUs and a 4000 GB FlexCache that has none of the data
/// cached yet. Its storage reaches the data over a 10 Gbps link with no RTT.
fn cloud(price_per_gpu_hour: f64, storage_price: f64, price_per_gb_in: f64) -> PlaneInput {
    PlaneInput {
        plane: PlaneId(1),
        kind: PlaneKind::Cloud,
        can_ever_fit: true,
        starts_now: true,
        provision_s: None,
        new_nodes: 0,
        running_frees_s: 0.0,
        shared_node_busy_s: 0.0,
        gpus_per_node: 8,
        scale_down_s: 600.0,
        queue_ahead_gpu_s: 0.0,
        running_gpu_s: 0.0,
        drain_gpus: 256.0,
        price_per_gpu_hour,
        speed_factor: 1.0,
        storage_price_per_gb_month: storage_price,
        data: DataInput::Remote {
            link: LinkInput {
                gbps_for_new_flow: 10.0,
                rtt_s: 0.0,
                price_per_gb_in,
                price_per_gb_out: 0.09,
            },
            cached_gb: 0.0,
            cache_capacity_gb: 4000.0,
            mirror: MirrorInput::Absent,
        },
    }
}

/// Case (a): a 2 TB dataset read in full, an on-prem wait of 1000 s, and a cloud plane priced
/// below on-prem with an idle node.
fn mirror_slower_than_queue() -> (JobRequest, Vec<PlaneInput>, ScoreSettings) {
    let job = job_8_gpus(2000.0, 2000.0);
    // Wait = (queue + running x min(8 / 64, 1)) / 64 = (32,000 + 256,000 x 0.125) / 64
    // = 64,000 / 64 = 1000 s.
    let planes = vec![onprem(32_000.0, 256_000.0), cloud(1.0, 0.05, 0.0)];
    let settings = ScoreSettings {
        io_overlap: 0.0,
        retention_h: 24.0,
    };
    (job, planes, settings)
}

#[test]
fn mirror_slower_than_queue_options() {
    let (job, planes, settings) = mirror_slower_than_queue();
    let (_, out) = run(&job, &planes, &min_finish(), &settings);
    assert_eq!(predicted_wait_s(&planes[0], job.gpus), 1000.0);

    let local = &out[0];
    assert_eq!(local.access, Access::Local);
    assert_eq!(local.wait_s, 1000.0);
    assert_eq!(local.data_ready_s, 0.0);
    // Finish = 1000 s wait + 3600 s run = 4600 s.
    assert_eq!(local.finish_s, 4600.0);
    // 8 GPUs x 2 USD/GPU-hour x 1 h = 16 USD, no egress or storage.
    assert!(close(local.cost.compute, 16.0), "{}", local.cost.compute);
    assert_eq!(local.cost.egress, 0.0);
    assert_eq!(local.cost.storage, 0.0);

    // 2000 GB x 8e9 bit/GB = 1.6e13 bit over 1e10 bit/s = 1600 s, for the mirror baseline and
    // for the FlexCache's cold reads alike.
    // Space held 24 h: 2000 GB x 0.05 USD/GB-month x 24 / 730 = 3.287671... USD.
    let storage_usd = 2000.0 * 0.05 * 24.0 / 730.0;

    let flexcache = &out[4];
    assert_eq!(flexcache.access, Access::Flexcache);
    assert_eq!(flexcache.wait_s, 0.0);
    assert_eq!(flexcache.data_ready_s, 1600.0);
    // io_overlap 0: run = max(3600, 1600 + (1 - 0) x 3600) = 5200 s, finishing at 5200 s.
    assert_eq!(flexcache.run_s, 5200.0);
    assert_eq!(flexcache.finish_s, 5200.0);
    // 8 GPUs x 1 USD/GPU-hour x 5200 s / 3600 = 11.5556 USD; inbound transfer is free.
    assert!(close(flexcache.cost.compute, 8.0 * 5200.0 / 3600.0));
    assert_eq!(flexcache.cost.egress, 0.0);
    assert!(close(flexcache.cost.storage, storage_usd));

    let mirror = &out[5];
    assert_eq!(mirror.access, Access::Snapmirror);
    assert_eq!(mirror.data_ready_s, 1600.0);
    // Nodes are requested once the mirror is ready: start 1600 + 0 s, finish 1600 + 3600.
    assert_eq!(mirror.wait_s, 1600.0);
    assert_eq!(mirror.run_s, 3600.0);
    assert_eq!(mirror.finish_s, 5200.0);
    // 8 GPUs x 1 USD x 1 h = 8 USD + 3.2877 USD storage = 11.2877 USD, under on-prem's 16.
    assert!(close(mirror.cost.compute, 8.0));
    assert!(close(mirror.cost.total, 8.0 + storage_usd));
    assert!(mirror.cost.total < local.cost.total);
}

#[test]
fn mirror_slower_than_queue_min_finish() {
    let (job, planes, settings) = mirror_slower_than_queue();
    let (best, out) = run(&job, &planes, &min_finish(), &settings);
    // Scores are finish + 1e-6 x cost: on-prem 4600.000016, FlexCache 5200.0000148,
    // SnapMirror 5200.0000113. Waiting on-prem wins.
    assert_eq!(best, Some(0));
    assert!(close(out[0].score, 4600.0 + 16.0e-6));
    assert!(close(
        out[5].score,
        5200.0 + (8.0 + 2000.0 * 0.05 * 24.0 / 730.0) * 1e-6
    ));
}

#[test]
fn mirror_slower_than_queue_min_cost() {
    let (job, planes, settings) = mirror_slower_than_queue();
    // No deadline: the cheapest option is the cloud mirror at 11.2877 USD (index 1 x 3 + 2).
    let (best, _) = run(&job, &planes, &min_cost(None), &settings);
    assert_eq!(best, Some(5));
    // Deadline 5000 s: on-prem finishes at 4600 s and meets it, so it scores its 16 USD. Both
    // cloud options finish at 5200 s and score 1e15 + 5200, so on-prem wins.
    let (best, out) = run(&job, &planes, &min_cost(Some(5000.0)), &settings);
    assert_eq!(best, Some(0));
    assert!(close(out[0].score, 16.0));
    assert!(close(out[5].score, 1e15 + 5200.0));
}

#[test]
fn mirror_slower_than_queue_weighted() {
    let (job, planes, settings) = mirror_slower_than_queue();
    // Score = cost + value x (finish - 3600 s) / 3600.
    // At 72 USD/h: on-prem 16 + 72 x 1000 / 3600 = 36; SnapMirror 11.2877 + 72 x 1600 / 3600
    // = 43.2877; FlexCache 14.8433 + 32 = 46.8433. On-prem wins.
    let (best, out) = run(&job, &planes, &weighted(72.0), &settings);
    assert_eq!(best, Some(0));
    assert!(close(out[0].score, 36.0));
    // At 18 USD/h: on-prem 16 + 5 = 21; SnapMirror 11.2877 + 8 = 19.2877, which wins. The two
    // break even at v = (16 - 11.2877) / (600 / 3600) = 28.27 USD/h.
    let (best, out) = run(&job, &planes, &weighted(18.0), &settings);
    assert_eq!(best, Some(5));
    assert!(close(
        out[5].score,
        8.0 + 2000.0 * 0.05 * 24.0 / 730.0 + 8.0
    ));
}

/// Case (b): the job reads 100 GB, 5 % of a 2000 GB dataset, and on-prem waits 10,000 s. The
/// cloud plane needs a new node (300 s) at 4 USD per GPU-hour. Its storage costs 0.125 USD per
/// GB-month, and data leaving the dataset's home costs 0.02 USD/GB.
fn small_read_of_large_dataset() -> (JobRequest, Vec<PlaneInput>, ScoreSettings) {
    let job = job_8_gpus(100.0, 2000.0);
    // Wait = 640,000 GPU-s / 64 GPUs = 10,000 s.
    let mut cloud = cloud(4.0, 0.125, 0.02);
    cloud.starts_now = false;
    cloud.provision_s = Some(300.0);
    let planes = vec![onprem(640_000.0, 0.0), cloud];
    let settings = ScoreSettings {
        io_overlap: 0.5,
        retention_h: 24.0,
    };
    (job, planes, settings)
}

#[test]
fn small_read_options() {
    let (job, planes, settings) = small_read_of_large_dataset();
    let (_, out) = run(&job, &planes, &min_finish(), &settings);
    // A node is billed through its 300 s boot: 8 GPUs x 4 USD/GPU-hour x (3600 + 300) s / 3600
    // = 34.6667 USD of compute, for both cloud options.
    let compute_usd = 8.0 * 4.0 * 3900.0 / 3600.0;

    let flexcache = &out[4];
    // Cold reads: 100 GB x 8e9 bit / 1e10 bit/s = 80 s, from the start at 300 s.
    assert_eq!(flexcache.wait_s, 300.0);
    assert_eq!(flexcache.data_ready_s, 380.0);
    // Run = max(3600, 80 + (1 - 0.5) x 3600 = 1880) = 3600 s; finish 300 + 3600 = 3900 s.
    assert_eq!(flexcache.run_s, 3600.0);
    assert_eq!(flexcache.finish_s, 3900.0);
    assert!(close(flexcache.cost.compute, compute_usd));
    // Egress 100 GB x 0.02 = 2 USD; storage 100 GB x 0.125 x 24 / 730 = 0.410959 USD.
    assert!(close(flexcache.cost.egress, 2.0));
    assert!(close(flexcache.cost.storage, 100.0 * 0.125 * 24.0 / 730.0));

    let mirror = &out[5];
    // Baseline 2000 GB: 1600 s, then the 300 s boot: start 1900 s, finish 5500 s.
    assert_eq!(mirror.data_ready_s, 1600.0);
    assert_eq!(mirror.wait_s, 1900.0);
    assert_eq!(mirror.finish_s, 5500.0);
    assert!(close(mirror.cost.compute, compute_usd));
    // Egress 2000 x 0.02 = 40 USD; storage 2000 x 0.125 x 24 / 730 = 8.219178 USD.
    assert!(close(mirror.cost.egress, 40.0));
    assert!(close(mirror.cost.storage, 2000.0 * 0.125 * 24.0 / 730.0));

    // On-prem: 10,000 s wait + 3600 s = 13,600 s, 16 USD.
    assert_eq!(out[0].finish_s, 13_600.0);
    assert!(close(out[0].cost.total, 16.0));
}

#[test]
fn small_read_picks_flexcache() {
    let (job, planes, settings) = small_read_of_large_dataset();
    // Min-finish: FlexCache 3900 s beats SnapMirror 5500 s and on-prem 13,600 s.
    let (best, _) = run(&job, &planes, &min_finish(), &settings);
    assert_eq!(best, Some(4));
    // Deadline 5000 s: only FlexCache (3900 s) meets it; the mirror (5500 s) and on-prem
    // (13,600 s) rank after it.
    let (best, _) = run(&job, &planes, &min_cost(Some(5000.0)), &settings);
    assert_eq!(best, Some(4));
    // Weighted at 32.77 USD/h: FlexCache 37.0776 + 32.77 x 300 / 3600 = 39.81; SnapMirror
    // 82.8858 + 32.77 x 1900 / 3600 = 100.18; on-prem 16 + 32.77 x 10,000 / 3600 = 107.03.
    let (best, out) = run(&job, &planes, &weighted(32.77), &settings);
    assert_eq!(best, Some(4));
    let flexcache_usd = 8.0 * 4.0 * 3900.0 / 3600.0 + 2.0 + 100.0 * 0.125 * 24.0 / 730.0;
    assert!(close(out[4].score, flexcache_usd + 32.77 * 300.0 / 3600.0));
    // Without a deadline, min-cost takes on-prem's 16 USD over FlexCache's 37.08 USD.
    let (best, _) = run(&job, &planes, &min_cost(None), &settings);
    assert_eq!(best, Some(0));
}

#[test]
fn predicted_wait_cases() {
    let mut plane = onprem(32_000.0, 256_000.0);
    // (32,000 + 256,000 x 8 / 64) / 64 = 1000 s.
    assert_eq!(predicted_wait_s(&plane, 8), 1000.0);
    // 128 GPUs > 64: the share of running work is capped at 1: (32,000 + 256,000) / 64.
    assert_eq!(predicted_wait_s(&plane, 128), 4500.0);
    plane.provision_s = Some(300.0);
    assert_eq!(predicted_wait_s(&plane, 8), 300.0);
    plane.starts_now = true;
    assert_eq!(predicted_wait_s(&plane, 8), 0.0);
    let mut stalled = onprem(1.0, 0.0);
    stalled.drain_gpus = 0.0;
    assert_eq!(predicted_wait_s(&stalled, 8), f64::INFINITY);
}

/// Planes covering every infeasible reason, for a 16-GPU job that reads 100 GB and writes
/// back, allowed on every plane but plane 0.
fn infeasible_planes() -> (JobRequest, Vec<PlaneInput>) {
    let job = JobRequest {
        gpus: 16,
        duration_s: 600.0,
        read_gb: 100.0,
        write_gb: 5.0,
        writes_back: true,
        dataset_gb: 1000.0,
        allowed: PlaneMask(!1),
    };
    let number = |mut plane: PlaneInput, id: u32| {
        plane.plane = PlaneId(id);
        plane
    };
    let not_allowed = number(onprem(0.0, 0.0), 0);

    let mut too_small = number(onprem(0.0, 0.0), 1);
    too_small.can_ever_fit = false;

    let mut small_cache = number(cloud(4.0, 0.1, 0.0), 2);
    if let DataInput::Remote {
        cache_capacity_gb, ..
    } = &mut small_cache.data
    {
        *cache_capacity_gb = 50.0;
    }

    let mut unreachable = number(cloud(4.0, 0.1, 0.0), 3);
    unreachable.data = DataInput::Unreachable;

    let mut never_drains = number(onprem(1.0, 0.0), 4);
    never_drains.drain_gpus = 0.0;

    let mut ready = number(onprem(0.0, 0.0), 5);
    ready.starts_now = true;

    let planes = vec![
        not_allowed,
        too_small,
        small_cache,
        unreachable,
        never_drains,
        ready,
    ];
    (job, planes)
}

#[test]
fn infeasible_reasons_reported() {
    let (job, planes) = infeasible_planes();
    let settings = ScoreSettings {
        io_overlap: 0.5,
        retention_h: 24.0,
    };
    let (best, out) = run(&job, &planes, &min_finish(), &settings);
    let reasons: Vec<Option<Infeasible>> = out.iter().map(|o| o.infeasible).collect();
    use Infeasible::*;
    let expected = [
        // Plane 0 is outside the allowed mask.
        [Some(NotAllowed), Some(NotAllowed), Some(NotAllowed)],
        // Plane 1 can never fit 16 GPUs.
        [Some(NoCapacity), Some(NoCapacity), Some(NoCapacity)],
        // Plane 2: remote data, a 50 GB cache for a 100 GB read, and a job that writes back.
        [
            Some(NotApplicable),
            Some(CacheTooSmall),
            Some(WritesBackToMirror),
        ],
        // Plane 3: no link to the data.
        [
            Some(DataUnreachable),
            Some(DataUnreachable),
            Some(DataUnreachable),
        ],
        // Plane 4: work queued but no GPUs to drain it, so the wait is infinite.
        [Some(NoCapacity), Some(NoCapacity), Some(NoCapacity)],
        // Plane 5: local data and a free start; copies of local data do not apply.
        [None, Some(NotApplicable), Some(NotApplicable)],
    ];
    for (p, modes) in expected.iter().enumerate() {
        for (m, reason) in modes.iter().enumerate() {
            assert_eq!(reasons[p * MODES + m], *reason, "plane {p}, mode {m}");
        }
    }
    assert_eq!(best, Some(5 * MODES));
    for option in out.iter().filter(|o| !o.is_feasible()) {
        assert_eq!(option.score, f64::INFINITY);
        assert_eq!(option.finish_s, f64::INFINITY);
    }
}

#[test]
fn mirror_feasible_without_write_back() {
    let (mut job, planes) = infeasible_planes();
    job.writes_back = false;
    let settings = ScoreSettings {
        io_overlap: 0.5,
        retention_h: 24.0,
    };
    let (_, out) = run(&job, &planes, &min_finish(), &settings);
    let mirror = &out[2 * MODES + 2];
    assert_eq!(mirror.infeasible, None);
    // Baseline of 1000 GB at 10 Gbps = 800 s; the node is idle, so the job starts then.
    assert_eq!(mirror.data_ready_s, 800.0);
    assert_eq!(mirror.finish_s, 1400.0);
}

#[test]
fn nothing_feasible_returns_none() {
    let (mut job, planes) = infeasible_planes();
    job.allowed = PlaneMask(0);
    let settings = ScoreSettings {
        io_overlap: 0.5,
        retention_h: 24.0,
    };
    let (best, out) = run(&job, &planes, &min_cost(None), &settings);
    assert_eq!(best, None);
    assert!(
        out.iter()
            .all(|o| o.infeasible == Some(Infeasible::NotAllowed))
    );
}

#[test]
fn options_serialize_to_json() {
    let (job, planes) = infeasible_planes();
    let settings = ScoreSettings {
        io_overlap: 0.5,
        retention_h: 24.0,
    };
    let (_, out) = run(&job, &planes, &min_finish(), &settings);
    let parse = |option: &ScoredOption| -> serde_json::Value {
        let text = serde_json::to_string(option).expect("an option serializes");
        serde_json::from_str(&text).expect("the output is valid JSON")
    };

    let chosen = parse(&out[5 * MODES]);
    let mut keys: Vec<&str> = chosen
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let mut expected = [
        "plane_id",
        "access",
        "infeasible",
        "wait_s",
        "data_ready_s",
        "run_s",
        "finish_s",
        "cost",
        "score",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    let mut cost_keys: Vec<&str> = chosen["cost"]
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    cost_keys.sort_unstable();
    assert_eq!(cost_keys, ["compute", "egress", "storage", "total"]);
    assert_eq!(chosen["plane_id"], 5);
    assert_eq!(chosen["access"], "local");
    assert_eq!(chosen["infeasible"], serde_json::Value::Null);
    // 16 GPUs x 2 USD/GPU-hour x 600 s / 3600 = 5.333... USD.
    assert!(close(
        chosen["cost"]["total"].as_f64().expect("a number"),
        16.0 * 2.0 * 600.0 / 3600.0
    ));

    let small_cache = parse(&out[2 * MODES + 1]);
    assert_eq!(small_cache["access"], "flexcache");
    assert_eq!(small_cache["infeasible"], "cache_too_small");
    // serde_json writes non-finite numbers as null, so an infeasible option's infinite score
    // and times come out as null.
    assert_eq!(small_cache["score"], serde_json::Value::Null);
    assert_eq!(small_cache["finish_s"], serde_json::Value::Null);

    let mirror = parse(&out[2 * MODES + 2]);
    assert_eq!(mirror["access"], "snapmirror");
    assert_eq!(mirror["infeasible"], "writes_back_to_mirror");
    for (option, name) in [
        (0, "not_allowed"),
        (MODES, "no_capacity"),
        (2 * MODES, "not_applicable"),
        (3 * MODES, "data_unreachable"),
    ] {
        assert_eq!(parse(&out[option])["infeasible"], name, "option {option}");
    }
}

#[test]
fn explanation_names_planes() {
    use burstplane::model::{Plane, Platform, Storage, StorageId};
    let plane = |name: &str, kind| Plane {
        name: name.into(),
        kind,
        nodes: 1,
        max_nodes: 1,
        gpus_per_node: 8,
        provision_us: 0,
        scale_down_us: 0,
        price_per_gpu_hour: 1.0,
        speed_factor: 1.0,
        storage: StorageId(0),
    };
    let platform = Platform {
        planes: vec![
            plane("onprem", PlaneKind::Onprem),
            plane("eks", PlaneKind::Cloud),
        ],
        storage: vec![Storage {
            name: "ontap".into(),
            plane: PlaneId(0),
            price_per_gb_month: 0.0,
            flexcache_capacity_gb: 0.0,
        }],
        links: Vec::new(),
    };
    let option = |plane: u32| burstplane::score::ScoredOption {
        plane: PlaneId(plane),
        access: Access::Local,
        infeasible: None,
        wait_s: 0.0,
        data_ready_s: 0.0,
        run_s: 1.0,
        finish_s: 1.0,
        cost: burstplane::score::CostBreakdown::default(),
        score: 0.0,
    };
    let options = [option(0), option(1)];
    let json =
        serde_json::to_value(burstplane::score::explain(&platform, &options, Some(1))).unwrap();
    assert_eq!(json["chosen"]["plane"], "eks");
    assert_eq!(json["chosen"]["plane_id"], 1);
    assert_eq!(json["options"][0]["plane"], "onprem");
    assert_eq!(json["options"].as_array().unwrap().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Cloud node time: what a placement adds to the bill beyond the job's own GPUs.

/// Builds a job of `gpus` GPUs and 3600 s that reads nothing, so its FlexCache option costs
/// compute only: no transfer, no stall (run = max(3600, 0 + 0.5 x 3600) = 3600 s).
fn one_gpu_hour_job(gpus: u32) -> JobRequest {
    JobRequest {
        gpus,
        duration_s: 3600.0,
        read_gb: 0.0,
        write_gb: 0.0,
        writes_back: false,
        dataset_gb: 100.0,
        allowed: PlaneMask::ANY,
    }
}

fn flexcache_compute(job: &JobRequest, plane: PlaneInput) -> f64 {
    let settings = ScoreSettings {
        io_overlap: 0.5,
        retention_h: 24.0,
    };
    let (_, out) = run(job, &[plane], &weighted(0.0), &settings);
    let flexcache = &out[1];
    assert_eq!(flexcache.access, Access::Flexcache);
    assert_eq!(flexcache.run_s, 3600.0);
    assert_eq!(flexcache.cost.egress + flexcache.cost.storage, 0.0);
    flexcache.cost.compute
}

#[test]
fn node_cost_within_busy_time() {
    // The node's other jobs keep it billed 7200 s, longer than the job's 3600 s: 1 GPU x
    // 4 USD/GPU-hour x 1 h = 4 USD.
    let shared = PlaneInput {
        shared_node_busy_s: 7200.0,
        ..cloud(4.0, 0.0, 0.0)
    };
    let compute = flexcache_compute(&one_gpu_hour_job(1), shared);
    assert!(close(compute, 4.0), "{compute}");
}

#[test]
fn node_cost_when_outlasting() {
    // The node's other jobs end after 1800 s; the job keeps the node's 7 other GPUs billed for
    // the last 1800 s: 4 + 7 x 1800 x 4 / 3600 = 4 + 14 = 18 USD.
    let shared = PlaneInput {
        shared_node_busy_s: 1800.0,
        ..cloud(4.0, 0.0, 0.0)
    };
    let compute = flexcache_compute(&one_gpu_hour_job(1), shared);
    assert!(close(compute, 18.0), "{compute}");
}

#[test]
fn node_cost_of_new_node() {
    // A new node boots 300 s and is released 600 s after the job. Own GPU: 1 x 4 x 3900 / 3600
    // = 4.3333 USD. Other 7 GPUs while booting and running: 7 x 3900 = 27,300 GPU-s; the whole
    // node through scale-down: 8 x 600 = 4800 GPU-s; (27,300 + 4800) x 4 / 3600 = 35.6667 USD.
    // Total 40 USD, the node's 8 x 4 USD/h for 3900 + 600 = 4500 s.
    let new_node = PlaneInput {
        starts_now: false,
        provision_s: Some(300.0),
        new_nodes: 1,
        ..cloud(4.0, 0.0, 0.0)
    };
    let compute = flexcache_compute(&one_gpu_hour_job(1), new_node);
    assert!(close(compute, 40.0), "{compute}");

    // 16 GPUs on two new nodes leave no GPU idle while running; the tail is 16 x 600 = 9600
    // GPU-s. 16 x 4 x 3900 / 3600 + 9600 x 4 / 3600 = 69.3333 + 10.6667 = 80 USD.
    let two_nodes = PlaneInput {
        new_nodes: 2,
        ..new_node
    };
    let compute = flexcache_compute(&one_gpu_hour_job(16), two_nodes);
    assert!(close(compute, 80.0), "{compute}");
}

#[test]
fn onprem_nodes_add_no_idle_cost() {
    // Owned capacity: 1 GPU x 2 USD/GPU-hour x 1 h = 2 USD, whatever the node's other jobs do.
    let plane = PlaneInput {
        starts_now: true,
        shared_node_busy_s: 0.0,
        ..onprem(0.0, 0.0)
    };
    let settings = ScoreSettings {
        io_overlap: 0.5,
        retention_h: 24.0,
    };
    let (_, out) = run(&one_gpu_hour_job(1), &[plane], &weighted(0.0), &settings);
    assert!(close(out[0].cost.compute, 2.0), "{}", out[0].cost.compute);
}

#[test]
fn node_cost_of_unused_gpus() {
    // 12 GPUs take two 8-GPU nodes, leaving 4 GPUs unused for the job's whole stay.
    // On two idle up nodes: 12 x 4 USD/h x 1 h = 48, plus 4 x 3600 GPU-s x 4 / 3600 = 16: 64 USD.
    let job = one_gpu_hour_job(12);
    let compute = flexcache_compute(&job, cloud(4.0, 0.0, 0.0));
    assert!(close(compute, 64.0), "{compute}");
    // On two new nodes booting 300 s: 12 x 4 x 3900 / 3600 = 52, the 4 unused GPUs for 3900 s
    // = 15,600 GPU-s, and both nodes through the 600 s scale-down = 9600 GPU-s:
    // 52 + (15,600 + 9600) x 4 / 3600 = 52 + 28 = 80 USD.
    let new_nodes = PlaneInput {
        starts_now: false,
        provision_s: Some(300.0),
        new_nodes: 2,
        ..cloud(4.0, 0.0, 0.0)
    };
    let compute = flexcache_compute(&job, new_nodes);
    assert!(close(compute, 80.0), "{compute}");
}

#[test]
fn node_cost_counts_mirror_delay() {
    // A 1-GPU, 3600 s job mirrors a 1000 GB dataset first: 1000 x 8e9 bit / 1e10 bit/s = 800 s
    // (no RTT), so it ends at 800 + 3600 = 4400 s. The node it would share stays busy 3600 s,
    // so the job keeps its 7 other GPUs billed for 4400 - 3600 = 800 s:
    // 1 x 4 USD/h x 1 h + 7 x 800 x 4 / 3600 = 4 + 6.2222 = 10.2222 USD.
    let job = JobRequest {
        read_gb: 1000.0,
        dataset_gb: 1000.0,
        ..one_gpu_hour_job(1)
    };
    let shared = PlaneInput {
        shared_node_busy_s: 3600.0,
        ..cloud(4.0, 0.0, 0.0)
    };
    let settings = ScoreSettings {
        io_overlap: 0.5,
        retention_h: 24.0,
    };
    let (_, out) = run(&job, &[shared], &weighted(0.0), &settings);
    let mirror = &out[2];
    assert_eq!(mirror.access, Access::Snapmirror);
    assert_eq!(mirror.data_ready_s, 800.0);
    assert_eq!(mirror.finish_s, 4400.0);
    let expected = 4.0 + 7.0 * 800.0 * 4.0 / 3600.0;
    assert!(
        close(mirror.cost.compute, expected),
        "{}",
        mirror.cost.compute
    );
}

#[test]
fn node_cost_skips_mirror_wait() {
    // Nodes are requested once the copy is ready, so the 800 s mirror (1000 GB x 8e9 bit /
    // 1e10 bit/s) adds no node time. The new node is billed from its request for 300 s of boot,
    // 3600 s of run and 600 s of scale-down: 8 GPUs x 4 USD/h x 4500 s / 3600 = 40 USD, as in
    // the FlexCache case that moves nothing.
    let job = JobRequest {
        read_gb: 1000.0,
        dataset_gb: 1000.0,
        ..one_gpu_hour_job(1)
    };
    let new_node = PlaneInput {
        starts_now: false,
        provision_s: Some(300.0),
        new_nodes: 1,
        ..cloud(4.0, 0.0, 0.0)
    };
    let settings = ScoreSettings {
        io_overlap: 0.5,
        retention_h: 24.0,
    };
    let (_, out) = run(&job, &[new_node], &weighted(0.0), &settings);
    let mirror = &out[2];
    assert_eq!(mirror.access, Access::Snapmirror);
    // Ready at 800 s, nodes up 300 s later, run 3600 s: finish 4700 s.
    assert_eq!(mirror.finish_s, 4700.0);
    assert!(close(mirror.cost.compute, 40.0), "{}", mirror.cost.compute);
}

#[test]
fn wait_covers_the_running_jobs_ends() {
    // The fluid model gives (0 + 256,000 x 8 / 64) / 64 = 500 s, but the running jobs leave 8
    // GPUs free only in 20,000 s: the wait is the later of the two.
    let plane = PlaneInput {
        running_frees_s: 20_000.0,
        ..onprem(0.0, 256_000.0)
    };
    assert_eq!(predicted_wait_s(&onprem(0.0, 256_000.0), 8), 500.0);
    assert_eq!(predicted_wait_s(&plane, 8), 20_000.0);
}
