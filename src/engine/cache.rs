//! FlexCache contents on one storage system: GB cached per dataset, least recently used first
//! out when the cache is full.
//!
//! A job reads the first `read_gb` of its dataset, so after it the dataset has at least
//! `read_gb` cached, up to the cache's capacity.

use std::collections::BTreeMap;

use crate::model::DatasetId;

#[derive(Debug)]
pub(super) struct CacheState {
    capacity_gb: f64,
    used_gb: f64,
    /// GB cached and last-use stamp, per dataset.
    entries: BTreeMap<DatasetId, (f64, u64)>,
    /// Datasets by last-use stamp, oldest first.
    by_use: BTreeMap<u64, DatasetId>,
    clock: u64,
}

impl CacheState {
    pub fn new(capacity_gb: f64) -> CacheState {
        CacheState {
            capacity_gb,
            used_gb: 0.0,
            entries: BTreeMap::new(),
            by_use: BTreeMap::new(),
            clock: 0,
        }
    }

    pub fn cached_gb(&self, dataset: DatasetId) -> f64 {
        self.entries.get(&dataset).map_or(0.0, |&(gb, _)| gb)
    }

    #[cfg(test)]
    pub fn used_gb(&self) -> f64 {
        self.used_gb
    }

    /// Marks `dataset` as just used.
    pub fn touch(&mut self, dataset: DatasetId) {
        self.clock += 1;
        if let Some(entry) = self.entries.get_mut(&dataset) {
            self.by_use.remove(&entry.1);
            entry.1 = self.clock;
            self.by_use.insert(self.clock, dataset);
        }
    }

    /// Records that `dataset` now has its first `read_gb` cached, evicting the least recently
    /// used other datasets to make room. Returns the change in GB used.
    pub fn fill(&mut self, dataset: DatasetId, read_gb: f64) -> f64 {
        let before = self.used_gb;
        let current = self.cached_gb(dataset);
        let target_gb = read_gb.min(self.capacity_gb);
        if target_gb <= current {
            self.touch(dataset);
            return 0.0;
        }
        self.used_gb += target_gb - current;
        self.clock += 1;
        if let Some((_, stamp)) = self.entries.insert(dataset, (target_gb, self.clock)) {
            self.by_use.remove(&stamp);
        }
        self.by_use.insert(self.clock, dataset);
        while self.used_gb > self.capacity_gb + 1e-9 {
            let (&stamp, &victim) = self.by_use.iter().next().expect("used space has entries");
            if victim == dataset {
                break;
            }
            self.by_use.remove(&stamp);
            let (gb, _) = self.entries.remove(&victim).expect("indexed entry");
            self.used_gb -= gb;
        }
        self.used_gb - before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_recently_used_is_evicted() {
        let mut cache = CacheState::new(100.0);
        cache.fill(DatasetId(0), 40.0);
        cache.fill(DatasetId(1), 40.0);
        cache.touch(DatasetId(0));
        // 40 + 40 + 30 = 110 GB > 100: dataset 1 is least recently used and goes.
        assert_eq!(cache.fill(DatasetId(2), 30.0), 30.0 - 40.0);
        assert_eq!(cache.cached_gb(DatasetId(1)), 0.0);
        assert_eq!(cache.cached_gb(DatasetId(0)), 40.0);
        assert_eq!(cache.used_gb(), 70.0);
    }

    #[test]
    fn reads_beyond_capacity_are_clamped() {
        let mut cache = CacheState::new(50.0);
        cache.fill(DatasetId(0), 20.0);
        // A 80 GB read fills the 50 GB cache alone, evicting dataset 0.
        cache.fill(DatasetId(1), 80.0);
        assert_eq!(cache.cached_gb(DatasetId(1)), 50.0);
        assert_eq!(cache.cached_gb(DatasetId(0)), 0.0);
        assert_eq!(cache.used_gb(), 50.0);
    }

    #[test]
    fn warmer_read_adds_nothing() {
        let mut cache = CacheState::new(50.0);
        cache.fill(DatasetId(0), 20.0);
        assert_eq!(cache.fill(DatasetId(0), 10.0), 0.0);
        assert_eq!(cache.cached_gb(DatasetId(0)), 20.0);
    }
}
