//! Replay speed on a 100,000-job synthetic trace (Philly GPU-size mix) against seed-hybrid's
//! 64-node x 8-GPU on-prem plane, and the cost of the surrounding steps.
//!
//! `cargo bench --bench simulate`; docs/benchmarks.md records the results.

use std::path::Path;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

use burstplane::attach::build_workload;
use burstplane::engine::simulate;
use burstplane::policy::PolicyName;
use burstplane::report::{RunLabel, Summary};
use burstplane::scenario::Scenario;
use burstplane::trace::synth::{SynthSpec, synthesize};
use burstplane::trace::{read_trace, write_trace};

const JOBS: usize = 100_000;

fn scenario(policy: PolicyName) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/seed-hybrid.toml");
    let mut scenario = Scenario::load(&path).expect("seed-hybrid loads");
    scenario.policy.name = policy;
    scenario
}

fn bench_replay(c: &mut Criterion) {
    let records = synthesize(&SynthSpec {
        jobs: JOBS,
        ..SynthSpec::default()
    });
    let mut group = c.benchmark_group("replay");
    group.throughput(Throughput::Elements(JOBS as u64));
    group.sample_size(20);
    for policy in [PolicyName::NoWait, PolicyName::OnpremOnly] {
        let scenario = scenario(policy);
        let (platform, workload) = build_workload(&scenario, records.clone());
        group.bench_function(policy.as_str(), |b| {
            b.iter_batched(
                || scenario.policy.build(&workload),
                |mut policy| simulate(&platform, &workload, policy.as_mut(), &mut |_| {}),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

/// A normalized trace row as serde reads it with the csv crate alone: the reference for "only
/// parsing" the trace.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct TypedRow {
    job_id: String,
    submit_s: f64,
    gpus: u32,
    duration_s: f64,
    dataset: Option<String>,
    read_gb: Option<f64>,
    write_gb: Option<f64>,
    writes_back: Option<bool>,
    allowed_planes: Option<String>,
    group: Option<String>,
}

/// Measures the whole `simulate` pipeline against the csv crate only reading the same file.
fn bench_pipeline(c: &mut Criterion) {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("synth-100k.csv");
    write_trace(
        &path,
        &synthesize(&SynthSpec {
            jobs: JOBS,
            ..SynthSpec::default()
        }),
    )
    .expect("trace written");
    let scenario = scenario(PolicyName::NoWait);

    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Elements(JOBS as u64));
    group.sample_size(20);
    group.bench_function("csv-crate-read-only", |b| {
        b.iter(|| {
            let mut reader = csv::Reader::from_path(&path).expect("opens");
            let mut record = csv::ByteRecord::new();
            let mut fields = 0usize;
            while reader.read_byte_record(&mut record).expect("reads") {
                fields += record.len();
            }
            fields
        })
    });
    group.bench_function("csv-crate-deserialize", |b| {
        b.iter(|| {
            let mut reader = csv::Reader::from_path(&path).expect("opens");
            reader
                .deserialize::<TypedRow>()
                .map(|row| row.expect("parses"))
                .collect::<Vec<_>>()
        })
    });
    group.bench_function("simulate-no-wait", |b| {
        b.iter(|| {
            let records = read_trace(&path).expect("reads");
            let (platform, workload) = build_workload(&scenario, records);
            let mut policy = scenario.policy.build(&workload);
            let outcome = simulate(&platform, &workload, policy.as_mut(), &mut |_| {});
            let label = RunLabel {
                scenario: "seed-hybrid",
                policy: "no-wait",
                seed: 0,
            };
            Summary::new(&label, &platform, &workload, &outcome).to_json()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_replay, bench_pipeline);
criterion_main!(benches);
