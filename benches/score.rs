//! Speed of the scoring core, one `evaluate` call at a time, and of a replay under `data-aware`,
//! which calls it for every job that cannot start on-prem at once.
//!
//! `cargo bench --bench score`; docs/benchmarks.md records the results.

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

use burstplane::attach::build_workload;
use burstplane::engine::simulate;
use burstplane::model::{PlaneId, PlaneKind, PlaneMask};
use burstplane::policy::PolicyName;
use burstplane::scenario::Scenario;
use burstplane::score::{
    DataInput, JobRequest, LinkInput, MirrorInput, Objective, ObjectiveKind, PlaneInput,
    ScoreSettings, ScoredOption, evaluate,
};
use burstplane::trace::synth::{SynthSpec, synthesize};

const JOBS: usize = 100_000;

/// An 8-GPU, 30-minute job that reads 300 GB of a 1000 GB dataset and does not write back.
fn job() -> JobRequest {
    JobRequest {
        gpus: 8,
        duration_s: 1800.0,
        read_gb: 300.0,
        write_gb: 15.0,
        writes_back: false,
        dataset_gb: 1000.0,
        allowed: PlaneMask::ANY,
    }
}

/// Builds plane `i`. Even planes are on-prem with the data local and a queue ahead. Odd planes
/// are cloud planes that need a new node, behind a 10 Gbps link already carrying 1 or 3 flows,
/// with 10 x `i` GB cached and the mirror running, absent or ready in turn.
fn plane(i: u32) -> PlaneInput {
    let shift = f64::from(i);
    let onprem = i.is_multiple_of(2);
    let data = if onprem {
        DataInput::Local
    } else {
        let mirror = match i % 3 {
            0 => MirrorInput::Absent,
            1 => MirrorInput::Transferring {
                gb_left: 400.0,
                gbps: 5.0,
            },
            _ => MirrorInput::Ready,
        };
        DataInput::Remote {
            link: LinkInput {
                gbps_for_new_flow: 10.0 / (1.0 + shift % 4.0),
                rtt_s: 0.02,
                price_per_gb_in: 0.0,
                price_per_gb_out: 0.09,
            },
            cached_gb: 10.0 * shift,
            cache_capacity_gb: 2000.0,
            mirror,
        }
    };
    PlaneInput {
        plane: PlaneId(i),
        kind: if onprem {
            PlaneKind::Onprem
        } else {
            PlaneKind::Cloud
        },
        can_ever_fit: true,
        starts_now: false,
        provision_s: (!onprem).then_some(300.0),
        new_nodes: 0,
        running_frees_s: 0.0,
        shared_node_busy_s: 0.0,
        gpus_per_node: 8,
        scale_down_s: 600.0,
        queue_ahead_gpu_s: 100_000.0 + 1000.0 * shift,
        running_gpu_s: 400_000.0,
        drain_gpus: 512.0,
        price_per_gpu_hour: if onprem { 0.71 } else { 4.10 },
        speed_factor: 1.0,
        storage_price_per_gb_month: if onprem { 0.0 } else { 0.125 },
        data,
    }
}

fn bench_evaluate(c: &mut Criterion) {
    let job = job();
    let objective = Objective {
        kind: ObjectiveKind::Weighted,
        deadline_s: None,
        value_of_time_usd_per_hour: 32.77,
    };
    let settings = ScoreSettings {
        io_overlap: 0.5,
        retention_h: 24.0,
    };
    let mut group = c.benchmark_group("evaluate");
    for planes in [2u32, 64] {
        let inputs: Vec<PlaneInput> = (0..planes).map(plane).collect();
        // One output vector for every call, as the policy keeps one between jobs.
        let mut out: Vec<ScoredOption> = Vec::with_capacity(3 * inputs.len());
        group.bench_function(format!("{planes}-planes"), |b| {
            b.iter(|| {
                evaluate(
                    black_box(&job),
                    black_box(&inputs),
                    &objective,
                    &settings,
                    &mut out,
                )
            })
        });
    }
    group.finish();
}

fn bench_replay(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/seed-hybrid.toml");
    let mut scenario = Scenario::load(&path).expect("seed-hybrid loads");
    scenario.policy.name = PolicyName::DataAware;
    let records = synthesize(&SynthSpec {
        jobs: JOBS,
        ..SynthSpec::default()
    });
    let (platform, workload) = build_workload(&scenario, records);
    let mut group = c.benchmark_group("replay");
    group.throughput(Throughput::Elements(JOBS as u64));
    group.sample_size(20);
    group.bench_function("data-aware", |b| {
        b.iter_batched(
            || scenario.policy.build(&workload),
            |mut policy| simulate(&platform, &workload, policy.as_mut(), &mut |_| {}),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_evaluate, bench_replay);
criterion_main!(benches);
