//! Synthetic traces for benchmarks and what-if load: Poisson arrivals, GPU sizes drawn from the
//! Philly trace's mix, log-normal run times.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::TraceRecord;

/// GPUs per job and how many of the 82,247 Philly jobs asked for that many.
pub const PHILLY_GPU_MIX: [(u32, u32); 10] = [
    (1, 76_627),
    (2, 1_818),
    (4, 1_870),
    (8, 1_643),
    (12, 7),
    (16, 199),
    (24, 7),
    (32, 67),
    (64, 6),
    (128, 3),
];

/// Parameters of a synthetic trace.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthSpec {
    pub jobs: usize,
    pub seed: u64,
    /// GPUs the offered load is measured against.
    pub cluster_gpus: u32,
    /// Offered load: requested GPU-seconds per second over `cluster_gpus`.
    pub load: f64,
    /// Median run time, seconds; run times are log-normal with log-space sigma `duration_sigma`
    /// and clamped to [60 s, 7 days].
    pub duration_median_s: f64,
    pub duration_sigma: f64,
}

impl Default for SynthSpec {
    fn default() -> SynthSpec {
        SynthSpec {
            jobs: 100_000,
            seed: 1,
            cluster_gpus: 512,
            load: 1.0,
            duration_median_s: 1800.0,
            duration_sigma: 1.5,
        }
    }
}

/// Generates a trace; the same spec always gives the same records.
pub fn synthesize(spec: &SynthSpec) -> Vec<TraceRecord> {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let total: u32 = PHILLY_GPU_MIX.iter().map(|&(_, count)| count).sum();
    let mean_gpus = PHILLY_GPU_MIX
        .iter()
        .map(|&(gpus, count)| f64::from(gpus) * f64::from(count))
        .sum::<f64>()
        / f64::from(total);
    let mean_duration_s = spec.duration_median_s * (spec.duration_sigma.powi(2) / 2.0).exp();
    let mean_gap_s = mean_gpus * mean_duration_s / (spec.load * f64::from(spec.cluster_gpus));

    let mut submit_s = 0.0;
    (0..spec.jobs)
        .map(|i| {
            let pick = rng.random_range(0..total);
            let mut seen = 0;
            let gpus = PHILLY_GPU_MIX
                .iter()
                .find(|&&(_, count)| {
                    seen += count;
                    pick < seen
                })
                .map_or(1, |&(gpus, _)| gpus);
            let u1: f64 = 1.0 - rng.random::<f64>();
            let u2: f64 = rng.random::<f64>();
            let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            let duration_s = (spec.duration_median_s * (spec.duration_sigma * normal).exp())
                .clamp(60.0, 7.0 * 86_400.0)
                .round();
            let record = TraceRecord {
                job_id: format!("synth-{i:06}"),
                submit_s: (submit_s * 1000.0_f64).round() / 1000.0,
                gpus,
                duration_s,
                ..TraceRecord::default()
            };
            let gap: f64 = -(1.0 - rng.random::<f64>()).ln() * mean_gap_s;
            submit_s += gap;
            record
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_trace() {
        let spec = SynthSpec {
            jobs: 500,
            ..SynthSpec::default()
        };
        assert_eq!(synthesize(&spec), synthesize(&spec));
    }

    #[test]
    fn gpu_mix_follows_philly() {
        let spec = SynthSpec {
            jobs: 20_000,
            ..SynthSpec::default()
        };
        let records = synthesize(&spec);
        let single = records.iter().filter(|r| r.gpus == 1).count() as f64 / 20_000.0;
        // Philly: 76,627 / 82,247 = 0.9317 of jobs use one GPU; 20,000 draws have a standard
        // error of sqrt(0.93 x 0.07 / 20000) = 0.0018, so 0.01 is over five of them.
        assert!((single - 0.9317).abs() < 0.01, "{single}");
        assert!(records.windows(2).all(|w| w[0].submit_s <= w[1].submit_s));
        assert!(
            records
                .iter()
                .all(|r| (60.0..=604_800.0).contains(&r.duration_s))
        );
    }
}
