//! The scenario file as serde reads it, before validation.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScenario {
    pub name: Option<String>,
    pub seed: Option<u64>,
    pub trace: Option<String>,
    #[serde(default)]
    pub planes: Vec<RawPlane>,
    #[serde(default)]
    pub storage: Vec<RawStorage>,
    #[serde(default)]
    pub links: Vec<RawLink>,
    #[serde(default)]
    pub data: RawData,
    #[serde(default)]
    pub policy: RawPolicy,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlane {
    pub name: String,
    pub kind: String,
    pub nodes: Option<i64>,
    pub max_nodes: Option<i64>,
    pub gpus_per_node: i64,
    pub provision_s: Option<f64>,
    pub scale_down_s: Option<f64>,
    pub price_per_gpu_hour: f64,
    pub speed_factor: Option<f64>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStorage {
    pub name: String,
    pub serves: String,
    pub price_per_gb_month: Option<f64>,
    pub flexcache_capacity_gb: Option<f64>,
    pub flexcache_capacity_fraction: Option<f64>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLink {
    pub between: Vec<String>,
    pub gbps: f64,
    pub rtt_ms: Option<f64>,
    /// USD per GB keyed by the storage system the data leaves.
    #[serde(default)]
    pub price_per_gb_from: BTreeMap<String, f64>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawData {
    pub datasets: Option<i64>,
    pub home: Option<String>,
    pub size_median_gb: Option<f64>,
    pub size_sigma: Option<f64>,
    pub size_min_gb: Option<f64>,
    pub size_max_gb: Option<f64>,
    pub popularity: Option<String>,
    pub zipf_exponent: Option<f64>,
    pub key: Option<String>,
    pub read_fraction_min: Option<f64>,
    pub read_fraction_max: Option<f64>,
    pub write_back_share: Option<f64>,
    pub write_fraction: Option<f64>,
    pub io_overlap: Option<f64>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPolicy {
    pub name: Option<String>,
    pub mirror_read_fraction: Option<f64>,
    pub waiting_budget: Option<f64>,
    pub queue_cap: Option<i64>,
    pub out_of_order: Option<bool>,
    pub objective: Option<String>,
    pub deadline_s: Option<f64>,
    pub value_of_time_usd_per_hour: Option<f64>,
    pub retention_h: Option<f64>,
    /// Removed: read only to name it in the error.
    pub extension_budgets: Option<toml::Value>,
}
