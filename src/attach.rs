//! The data attachment model: which dataset each job reads, how much of it, and what it writes.
//!
//! Public traces carry no dataset information, so the scenario generates datasets and attaches
//! one to every job deterministically from the seed. Trace columns override the model per job.
//! docs/model.md documents the model and its parameters.

use std::collections::BTreeMap;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::{Dataset, DatasetId, Job, PlaneMask, Platform, StorageId, Workload};
use crate::scenario::Scenario;
use crate::trace::TraceRecord;
use crate::units::secs_to_micros;

/// How often each dataset is chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Popularity {
    /// The dataset of rank k (from 0) is chosen with weight 1 / (k + 1)^s; s = 0 is uniform.
    Zipf(f64),
}

impl Popularity {
    pub fn exponent(self) -> f64 {
        match self {
            Popularity::Zipf(s) => s,
        }
    }
}

/// The job value that picks its dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatasetKey {
    /// Each job's id: jobs spread over the datasets by popularity.
    JobId,
    /// The trace's `group` column (a team or virtual cluster): a group's jobs share a dataset.
    /// Jobs without a group fall back to their id.
    Group,
}

/// Parameters of the data attachment model.
#[derive(Clone, Debug, PartialEq)]
pub struct DataModel {
    /// Datasets generated, named `ds-0000` upward.
    pub datasets: u32,
    /// Storage system every dataset lives on.
    pub home: StorageId,
    /// Dataset sizes are log-normal with this median and log-space standard deviation, then
    /// clamped to [`size_min_gb`, `size_max_gb`].
    pub size_median_gb: f64,
    pub size_sigma: f64,
    pub size_min_gb: f64,
    pub size_max_gb: f64,
    pub popularity: Popularity,
    pub key: DatasetKey,
    /// A job reads a share of its dataset drawn uniformly from this range.
    pub read_fraction_min: f64,
    pub read_fraction_max: f64,
    /// Share of jobs whose writes must reach the dataset's origin.
    pub write_back_share: f64,
    /// GB written per GB read, for the jobs that write back.
    pub write_fraction: f64,
    /// Share of a job's run time that overlaps its cold reads.
    pub io_overlap: f64,
}

impl Default for DataModel {
    fn default() -> DataModel {
        DataModel {
            datasets: 200,
            home: StorageId(0),
            size_median_gb: 500.0,
            size_sigma: 1.0,
            size_min_gb: 1.0,
            size_max_gb: 20_000.0,
            popularity: Popularity::Zipf(1.0),
            key: DatasetKey::JobId,
            read_fraction_min: 0.1,
            read_fraction_max: 1.0,
            write_back_share: 0.2,
            write_fraction: 0.05,
            io_overlap: 0.5,
        }
    }
}

/// Hashes bytes to 64 bits with FNV-1a and a SplitMix64 finish, stable across Rust releases
/// (unlike `std`'s hasher), so the same trace and seed attach the same data everywhere.
fn hash64(seed: u64, bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64 ^ seed;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    splitmix64(hash)
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Maps a hash to a uniform number in [0, 1) with 53 random bits.
fn unit(hash: u64) -> f64 {
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

/// Salts that keep the per-job draws independent of each other.
const SALT_DATASET: u64 = 0x6461_7461;
const SALT_READ: u64 = 0x7265_6164;
const SALT_WRITE: u64 = 0x7772_6974;
const SALT_SIZE: u64 = 0x7369_7a65;

impl DataModel {
    /// Draws the size of a dataset from the log-normal model.
    fn dataset_size_gb(&self, seed: u64, name: &str) -> f64 {
        let mut rng = ChaCha8Rng::seed_from_u64(hash64(seed ^ SALT_SIZE, name.as_bytes()));
        // Box-Muller: two uniforms give one standard normal draw.
        let u1: f64 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random::<f64>();
        let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        let size = self.size_median_gb * (self.size_sigma * normal).exp();
        size.clamp(self.size_min_gb, self.size_max_gb)
    }
}

/// Builds the workload from trace records and sizes each storage system's FlexCache.
///
/// Jobs come out sorted by submission time; ties keep trace order. A job whose
/// `allowed_planes` names a plane the scenario lacks keeps that name in `unknown_plane`, and the
/// engine rejects it.
pub fn build_workload(scenario: &Scenario, mut records: Vec<TraceRecord>) -> (Platform, Workload) {
    let model = &scenario.data;
    let seed = scenario.seed;
    let mut datasets: Vec<Dataset> = (0..model.datasets)
        .map(|i| {
            let name = format!("ds-{i:04}");
            Dataset {
                size_gb: model.dataset_size_gb(seed, &name),
                name,
                home: model.home,
            }
        })
        .collect();
    let mut named: BTreeMap<String, DatasetId> = datasets
        .iter()
        .enumerate()
        .map(|(i, dataset)| (dataset.name.clone(), DatasetId(i as u32)))
        .collect();

    let popularity =
        DatasetSampler::new(zipf_cumulative(model.datasets, model.popularity.exponent()));
    // Stable, so jobs submitted at the same time keep trace order. Imported traces are sorted
    // already, and the check costs one pass.
    if !records.is_sorted_by(|a, b| a.submit_s <= b.submit_s) {
        records.sort_by(|a, b| a.submit_s.total_cmp(&b.submit_s));
    }

    let mut jobs = Vec::with_capacity(records.len());
    for record in records {
        let id = record.job_id.as_bytes();
        // One pass over the id; each draw then mixes in its own salt.
        let id_hash = hash64(seed, id);
        let dataset = match &record.dataset {
            Some(name) => *named.entry(name.clone()).or_insert_with(|| {
                datasets.push(Dataset {
                    name: name.clone(),
                    home: model.home,
                    size_gb: model.dataset_size_gb(seed, name),
                });
                DatasetId(datasets.len() as u32 - 1)
            }),
            None => {
                let key_hash = match (model.key, &record.group) {
                    (DatasetKey::Group, Some(group)) => hash64(seed, group.as_bytes()),
                    _ => id_hash,
                };
                let u = unit(splitmix64(key_hash ^ SALT_DATASET));
                DatasetId(popularity.sample(u) as u32)
            }
        };
        let size_gb = datasets[dataset.index()].size_gb;
        let read_share = model.read_fraction_min
            + unit(splitmix64(id_hash ^ SALT_READ))
                * (model.read_fraction_max - model.read_fraction_min);
        let read_gb = record.read_gb.unwrap_or(read_share * size_gb);
        let writes_back = record
            .writes_back
            .unwrap_or_else(|| unit(splitmix64(id_hash ^ SALT_WRITE)) < model.write_back_share);
        let write_gb = match record.write_gb {
            Some(gb) => gb,
            None if writes_back => model.write_fraction * read_gb,
            None => 0.0,
        };
        let mut allowed = if record.allowed_planes.is_empty() {
            PlaneMask::ANY
        } else {
            PlaneMask(0)
        };
        let mut unknown_plane = None;
        for name in &record.allowed_planes {
            match scenario.platform.plane_id(name) {
                Some(plane) => allowed.insert(plane),
                None => unknown_plane = Some(name.clone().into_boxed_str()),
            }
        }
        jobs.push(Job {
            id: record.job_id.into_boxed_str(),
            submit_us: secs_to_micros(record.submit_s),
            gpus: record.gpus,
            duration_us: secs_to_micros(record.duration_s).max(1),
            dataset,
            read_gb,
            write_gb,
            writes_back,
            allowed,
            unknown_plane,
        });
    }
    // A trace may read more of a dataset than the model's size for it: grow the dataset to fit.
    for job in &jobs {
        let dataset = &mut datasets[job.dataset.index()];
        dataset.size_gb = dataset.size_gb.max(job.read_gb);
    }

    let mut platform = scenario.platform.clone();
    for (s, storage) in platform.storage.iter_mut().enumerate() {
        let origin_gb: f64 = datasets
            .iter()
            .filter(|dataset| dataset.home.index() != s)
            .map(|dataset| dataset.size_gb)
            .sum();
        storage.flexcache_capacity_gb = scenario.cache_capacity_gb(StorageId(s as u32), origin_gb);
    }
    let workload = Workload {
        jobs,
        datasets,
        io_overlap: model.io_overlap,
    };
    (platform, workload)
}

/// Inverse-CDF sampling with a guide table: bucket `k` of the table stores
/// the first rank whose cumulative weight exceeds `k / buckets`, so a draw starts its search
/// there and takes about one step instead of a binary search.
struct DatasetSampler {
    cumulative: Vec<f64>,
    guide: Vec<u32>,
}

impl DatasetSampler {
    fn new(cumulative: Vec<f64>) -> DatasetSampler {
        let buckets = cumulative.len() * 4;
        let mut rank = 0;
        let guide = (0..buckets)
            .map(|k| {
                let floor = k as f64 / buckets as f64;
                while rank + 1 < cumulative.len() && cumulative[rank] <= floor {
                    rank += 1;
                }
                rank as u32
            })
            .collect();
        DatasetSampler { cumulative, guide }
    }

    /// Finds the rank whose cumulative interval contains `u` in [0, 1).
    fn sample(&self, u: f64) -> usize {
        let bucket = ((u * self.guide.len() as f64) as usize).min(self.guide.len() - 1);
        let mut rank = self.guide[bucket] as usize;
        while rank + 1 < self.cumulative.len() && self.cumulative[rank] <= u {
            rank += 1;
        }
        rank
    }
}

/// Cumulative Zipf weights over `count` ranks, normalized so the last is 1.
fn zipf_cumulative(count: u32, exponent: f64) -> Vec<f64> {
    let mut total = 0.0;
    let mut cumulative: Vec<f64> = (0..count)
        .map(|k| {
            total += 1.0 / f64::from(k + 1).powf(exponent);
            total
        })
        .collect();
    for c in &mut cumulative {
        *c /= total;
    }
    cumulative
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipf_weights_sum_to_one() {
        // s = 1 over 3 ranks: weights 1, 1/2, 1/3 sum to 11/6, so cumulative 6/11, 9/11, 1.
        let c = zipf_cumulative(3, 1.0);
        assert!((c[0] - 6.0 / 11.0).abs() < 1e-12);
        assert!((c[1] - 9.0 / 11.0).abs() < 1e-12);
        assert_eq!(c[2], 1.0);
    }

    #[test]
    fn uniform_popularity_has_equal_steps() {
        let c = zipf_cumulative(4, 0.0);
        assert_eq!(c, vec![0.25, 0.5, 0.75, 1.0]);
    }

    #[test]
    fn sampler_matches_binary_search() {
        let cumulative = zipf_cumulative(37, 1.2);
        let sampler = DatasetSampler::new(cumulative.clone());
        for i in 0..10_000 {
            let u = i as f64 / 10_000.0;
            let expected = cumulative.partition_point(|&c| c <= u).min(36);
            assert_eq!(sampler.sample(u), expected, "u = {u}");
        }
    }

    #[test]
    fn hash_is_stable() {
        // Pinned so that a change of hash, which would change every attachment, is noticed.
        assert_eq!(hash64(0, b""), splitmix64(0xcbf2_9ce4_8422_2325));
        assert_ne!(hash64(1, b"job"), hash64(2, b"job"));
    }

    #[test]
    fn sizes_stay_in_range() {
        let model = DataModel {
            size_min_gb: 10.0,
            size_max_gb: 50.0,
            ..DataModel::default()
        };
        for i in 0..100 {
            let size = model.dataset_size_gb(7, &format!("ds-{i}"));
            assert!((10.0..=50.0).contains(&size), "{size}");
        }
    }
}
