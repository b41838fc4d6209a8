//! Scenario files: the platform, the data attachment model, the policy and the seed, read from
//! TOML and validated.
//!
//! docs/scenario.md documents every field. Validation errors name the field path (such as
//! `planes[1].gpus_per_node`), the value and what is expected.

mod raw;

use std::path::{Path, PathBuf};

use crate::attach::{DataModel, DatasetKey, Popularity};
use crate::model::{Link, MAX_PLANES, Plane, PlaneId, PlaneKind, Platform, Storage, StorageId};
use crate::policy::{PolicyConfig, PolicyName};
use crate::score::{Objective, ObjectiveKind};
use crate::units::secs_to_micros;
use raw::RawScenario;

/// A validated scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub seed: u64,
    /// Default trace, resolved against the scenario file's folder.
    pub trace: Option<PathBuf>,
    /// The platform. A storage system whose cache size is a fraction of its origins has
    /// `flexcache_capacity_gb` 0 here until [`Scenario::cache_capacity_gb`] sizes it.
    pub platform: Platform,
    /// Per storage system, the cache size as a share of the data homed elsewhere, if so given.
    pub cache_fraction: Vec<Option<f64>>,
    pub data: DataModel,
    pub policy: PolicyConfig,
}

/// FlexCache size as a share of its origin when the scenario gives neither size nor share. ONTAP
/// sizes a new FlexCache volume at 10 % of its origin volume by default.
pub const DEFAULT_CACHE_FRACTION: f64 = 0.10;

/// Largest node count of a plane; the engine keeps a few words of state per node slot.
pub const MAX_NODES: i64 = 100_000;

/// Largest GPU count of one node.
pub const MAX_GPUS_PER_NODE: i64 = 1024;

/// Most datasets the attachment model generates; each costs memory in the engine.
pub const MAX_DATASETS: i64 = 1_000_000;

/// Slowest link, Gbps: with at most 1e8 GB per transfer, a transfer then ends within about
/// 2,500 years, inside the engine's microsecond clock.
pub const MIN_GBPS: f64 = 0.01;

/// A scenario file that could not be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{}: cannot read the scenario", file.display())]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: invalid TOML: {message}", file.display())]
    Toml { file: PathBuf, message: String },
    /// A missing field, or fields that conflict.
    #[error("{}: field `{path}`: {message}", file.display())]
    Problem {
        file: PathBuf,
        path: String,
        message: String,
    },
    #[error("{}: field `{path}`: invalid value {value}, expected {expected}", file.display())]
    Field {
        file: PathBuf,
        path: String,
        value: String,
        expected: String,
    },
}

impl Scenario {
    /// Reads and validates a scenario file.
    ///
    /// # Errors
    /// Returns a [`ScenarioError`] naming the file, and for an invalid field its path, value and
    /// the expected form.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        Scenario::parse(&text, path)
    }

    /// Validates scenario text; `path` names it in errors and anchors its relative trace path.
    ///
    /// # Errors
    /// As [`Scenario::load`].
    pub fn parse(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
        let raw: RawScenario = toml::from_str(text).map_err(|error| ScenarioError::Toml {
            file: path.to_path_buf(),
            message: plain_type_names(&error.to_string())
                .trim_end()
                .replace('\n', "\n  "),
        })?;
        Validator { file: path }.scenario(raw)
    }

    /// FlexCache capacity of `storage` in GB, given the total size of the datasets homed on
    /// other storage systems (the origins it can cache).
    pub fn cache_capacity_gb(&self, storage: StorageId, origin_gb: f64) -> f64 {
        match self.cache_fraction[storage.index()] {
            Some(fraction) => fraction * origin_gb,
            None => self.platform.storage(storage).flexcache_capacity_gb,
        }
    }
}

/// Replaces the Rust type names in serde's messages with the TOML terms a user writes.
fn plain_type_names(message: &str) -> String {
    message
        .replace("expected i64", "expected an integer")
        .replace("expected u64", "expected an integer >= 0")
        .replace("expected f64", "expected a number")
        .replace("a sequence", "an array")
        .replace("a map", "a table")
        .replace("struct Raw", "table ")
}

struct Validator<'a> {
    file: &'a Path,
}

impl Validator<'_> {
    fn error(
        &self,
        path: impl Into<String>,
        value: impl std::fmt::Display,
        expected: &str,
    ) -> ScenarioError {
        ScenarioError::Field {
            file: self.file.to_path_buf(),
            path: path.into(),
            value: value.to_string(),
            expected: expected.to_string(),
        }
    }

    fn problem(&self, path: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Problem {
            file: self.file.to_path_buf(),
            path: path.into(),
            message: message.into(),
        }
    }

    fn number(
        &self,
        path: &str,
        value: f64,
        min: f64,
        max: f64,
        expected: &str,
    ) -> Result<f64, ScenarioError> {
        if value.is_finite() && value >= min && value <= max {
            Ok(value)
        } else {
            Err(self.error(path, value, expected))
        }
    }

    fn non_negative(&self, path: &str, value: f64) -> Result<f64, ScenarioError> {
        self.number(path, value, 0.0, f64::MAX, "a number >= 0")
    }

    /// Checks a duration in seconds, bounded like trace times so microsecond sums cannot
    /// overflow.
    fn seconds(&self, path: &str, value: f64) -> Result<f64, ScenarioError> {
        self.number(
            path,
            value,
            0.0,
            crate::trace::MAX_SECONDS,
            "a duration >= 0 and at most 1e11 s",
        )
    }

    fn positive(&self, path: &str, value: f64) -> Result<f64, ScenarioError> {
        if value.is_finite() && value > 0.0 {
            Ok(value)
        } else {
            Err(self.error(path, value, "a number > 0"))
        }
    }

    fn fraction(&self, path: &str, value: f64) -> Result<f64, ScenarioError> {
        self.number(path, value, 0.0, 1.0, "a fraction in [0, 1]")
    }

    fn count(&self, path: &str, value: i64, min: i64, max: i64) -> Result<u32, ScenarioError> {
        if value >= min && value <= max {
            Ok(value as u32)
        } else {
            Err(self.error(path, value, &format!("a whole number from {min} to {max}")))
        }
    }

    fn unique_name(&self, path: &str, name: &str, seen: &[String]) -> Result<(), ScenarioError> {
        if name.is_empty() || name.contains([';', ',']) || name.trim() != name {
            return Err(self.error(
                path,
                format!("{name:?}"),
                "a non-empty name without `;`, `,` or surrounding spaces",
            ));
        }
        if seen.iter().any(|other| other == name) {
            return Err(self.error(path, format!("{name:?}"), "a name not used twice"));
        }
        Ok(())
    }

    fn scenario(&self, raw: RawScenario) -> Result<Scenario, ScenarioError> {
        if raw.planes.is_empty() {
            return Err(self.error("planes", "[]", "at least one [[planes]] table"));
        }
        if raw.planes.len() > MAX_PLANES {
            return Err(self.error(
                "planes",
                raw.planes.len(),
                &format!("at most {MAX_PLANES} planes"),
            ));
        }
        let mut planes = Vec::new();
        let mut plane_names: Vec<String> = Vec::new();
        for (i, plane) in raw.planes.iter().enumerate() {
            let at = |field: &str| format!("planes[{i}].{field}");
            self.unique_name(&at("name"), &plane.name, &plane_names)?;
            plane_names.push(plane.name.clone());
            planes.push(self.plane(plane, &at)?);
        }

        let mut storage = Vec::new();
        let mut cache_fraction = Vec::new();
        let mut storage_names: Vec<String> = Vec::new();
        for (i, raw_storage) in raw.storage.iter().enumerate() {
            let at = |field: &str| format!("storage[{i}].{field}");
            self.unique_name(&at("name"), &raw_storage.name, &storage_names)?;
            storage_names.push(raw_storage.name.clone());
            let plane = plane_names
                .iter()
                .position(|name| *name == raw_storage.serves)
                .ok_or_else(|| {
                    self.error(
                        at("serves"),
                        format!("{:?}", raw_storage.serves),
                        &format!("the name of a plane: {}", plane_names.join(", ")),
                    )
                })?;
            if let Some(other) = storage
                .iter()
                .position(|s: &Storage| s.plane.index() == plane)
            {
                return Err(self.error(
                    at("serves"),
                    format!("{:?}", raw_storage.serves),
                    &format!("a plane no other storage system serves (storage[{other}] serves it)"),
                ));
            }
            let (capacity_gb, fraction) = match (
                raw_storage.flexcache_capacity_gb,
                raw_storage.flexcache_capacity_fraction,
            ) {
                (Some(_), Some(_)) => {
                    return Err(self.problem(
                        at("flexcache_capacity_gb"),
                        "set together with flexcache_capacity_fraction; give one of the two",
                    ));
                }
                (Some(gb), None) => (self.non_negative(&at("flexcache_capacity_gb"), gb)?, None),
                (None, Some(share)) => (
                    0.0,
                    Some(self.non_negative(&at("flexcache_capacity_fraction"), share)?),
                ),
                (None, None) => (0.0, Some(DEFAULT_CACHE_FRACTION)),
            };
            storage.push(Storage {
                name: raw_storage.name.clone(),
                plane: PlaneId(plane as u32),
                price_per_gb_month: self.non_negative(
                    &at("price_per_gb_month"),
                    raw_storage.price_per_gb_month.unwrap_or(0.0),
                )?,
                flexcache_capacity_gb: capacity_gb,
            });
            cache_fraction.push(fraction);
        }
        for (i, plane) in planes.iter_mut().enumerate() {
            match storage.iter().position(|s| s.plane.index() == i) {
                Some(s) => plane.storage = StorageId(s as u32),
                None => {
                    return Err(self.problem(
                        "storage",
                        format!(
                            "no [[storage]] table serves plane {:?}; add one with serves = {:?}",
                            plane.name, plane.name
                        ),
                    ));
                }
            }
        }

        let mut links: Vec<Link> = Vec::new();
        for (i, raw_link) in raw.links.iter().enumerate() {
            let at = |field: &str| format!("links[{i}].{field}");
            let find = |name: &String| {
                storage_names
                    .iter()
                    .position(|s| s == name)
                    .map(|s| StorageId(s as u32))
            };
            let ends: Vec<StorageId> = raw_link.between.iter().filter_map(find).collect();
            if raw_link.between.len() != 2 || ends.len() != 2 || ends[0] == ends[1] {
                return Err(self.error(
                    at("between"),
                    format!("{:?}", raw_link.between),
                    &format!(
                        "two different storage names out of: {}",
                        storage_names.join(", ")
                    ),
                ));
            }
            let ends = [ends[0], ends[1]];
            if links
                .iter()
                .any(|link| link.ends == ends || link.ends == [ends[1], ends[0]])
            {
                return Err(self.error(
                    at("between"),
                    format!("{:?}", raw_link.between),
                    "a pair of storage systems no other link joins",
                ));
            }
            for name in raw_link.price_per_gb_from.keys() {
                if !raw_link.between.contains(name) {
                    return Err(self.error(
                        at("price_per_gb_from"),
                        format!("key {name:?}"),
                        "keys naming one of the link's two storage systems",
                    ));
                }
            }
            let price = |end: usize| -> Result<f64, ScenarioError> {
                let name = &raw_link.between[end];
                self.non_negative(
                    &at(&format!("price_per_gb_from.{name}")),
                    raw_link.price_per_gb_from.get(name).copied().unwrap_or(0.0),
                )
            };
            links.push(Link {
                ends,
                gbps: self.number(
                    &at("gbps"),
                    raw_link.gbps,
                    MIN_GBPS,
                    1e6,
                    "Gbps from 0.01 to 1e6",
                )?,
                rtt_us: secs_to_micros(
                    self.number(
                        &at("rtt_ms"),
                        raw_link.rtt_ms.unwrap_or(0.0),
                        0.0,
                        1e14,
                        "milliseconds >= 0 and at most 1e14",
                    )? / 1000.0,
                ),
                price_per_gb: [price(0)?, price(1)?],
            });
        }

        let platform = Platform {
            planes,
            storage,
            links,
        };
        let data = self.data(&raw.data, &platform)?;
        let policy = self.policy(&raw.policy)?;
        let trace = raw.trace.map(|trace| {
            let folder = self.file.parent().unwrap_or(Path::new(""));
            folder.join(trace)
        });
        Ok(Scenario {
            name: raw.name.unwrap_or_else(|| {
                self.file.file_stem().map_or("scenario".into(), |stem| {
                    stem.to_string_lossy().into_owned()
                })
            }),
            seed: raw.seed.unwrap_or(0),
            trace,
            platform,
            cache_fraction,
            data,
            policy,
        })
    }

    fn plane(
        &self,
        raw: &raw::RawPlane,
        at: &dyn Fn(&str) -> String,
    ) -> Result<Plane, ScenarioError> {
        let kind = match raw.kind.as_str() {
            "onprem" => PlaneKind::Onprem,
            "cloud" => PlaneKind::Cloud,
            other => {
                return Err(self.error(
                    at("kind"),
                    format!("{other:?}"),
                    "\"onprem\" or \"cloud\"",
                ));
            }
        };
        let gpus_per_node = self.count(
            &at("gpus_per_node"),
            raw.gpus_per_node,
            1,
            MAX_GPUS_PER_NODE,
        )?;
        let (nodes, max_nodes) = match kind {
            PlaneKind::Onprem => {
                if raw.max_nodes.is_some() {
                    return Err(self.error(
                        at("max_nodes"),
                        raw.max_nodes.unwrap_or(0),
                        "no max_nodes on an on-prem plane, whose size is `nodes`",
                    ));
                }
                let nodes = raw.nodes.ok_or_else(|| {
                    self.problem(
                        at("nodes"),
                        "missing; an on-prem plane needs its node count",
                    )
                })?;
                let nodes = self.count(&at("nodes"), nodes, 1, MAX_NODES)?;
                (nodes, nodes)
            }
            PlaneKind::Cloud => {
                let max_nodes = raw.max_nodes.ok_or_else(|| {
                    self.problem(
                        at("max_nodes"),
                        "missing; a cloud plane needs its node limit",
                    )
                })?;
                let max_nodes = self.count(&at("max_nodes"), max_nodes, 1, MAX_NODES)?;
                let nodes = self.count(&at("nodes"), raw.nodes.unwrap_or(0), 0, MAX_NODES)?;
                if nodes > max_nodes {
                    return Err(self.error(
                        at("nodes"),
                        nodes,
                        &format!("at most max_nodes ({max_nodes})"),
                    ));
                }
                (nodes, max_nodes)
            }
        };
        Ok(Plane {
            name: raw.name.clone(),
            kind,
            nodes,
            max_nodes,
            gpus_per_node,
            provision_us: secs_to_micros(
                self.seconds(&at("provision_s"), raw.provision_s.unwrap_or(0.0))?,
            ),
            scale_down_us: secs_to_micros(
                self.seconds(&at("scale_down_s"), raw.scale_down_s.unwrap_or(600.0))?,
            ),
            price_per_gpu_hour: self
                .non_negative(&at("price_per_gpu_hour"), raw.price_per_gpu_hour)?,
            speed_factor: self.positive(&at("speed_factor"), raw.speed_factor.unwrap_or(1.0))?,
            storage: StorageId(0),
        })
    }

    fn data(&self, raw: &raw::RawData, platform: &Platform) -> Result<DataModel, ScenarioError> {
        let defaults = DataModel::default();
        let home = match &raw.home {
            None => {
                platform
                    .planes
                    .iter()
                    .find(|plane| plane.kind == PlaneKind::Onprem)
                    .unwrap_or(&platform.planes[0])
                    .storage
            }
            Some(name) => platform.storage_id(name).ok_or_else(|| {
                let names: Vec<&str> = platform.storage.iter().map(|s| s.name.as_str()).collect();
                self.error(
                    "data.home",
                    format!("{name:?}"),
                    &format!("the name of a storage system: {}", names.join(", ")),
                )
            })?,
        };
        let popularity = match raw.popularity.as_deref() {
            None | Some("zipf") => Popularity::Zipf(self.non_negative(
                "data.zipf_exponent",
                raw.zipf_exponent.unwrap_or(defaults.popularity.exponent()),
            )?),
            Some("uniform") => Popularity::Zipf(0.0),
            Some(other) => {
                return Err(self.error(
                    "data.popularity",
                    format!("{other:?}"),
                    "\"zipf\" or \"uniform\"",
                ));
            }
        };
        let key = match raw.key.as_deref() {
            None | Some("job_id") => DatasetKey::JobId,
            Some("group") => DatasetKey::Group,
            Some(other) => {
                return Err(self.error(
                    "data.key",
                    format!("{other:?}"),
                    "\"job_id\" or \"group\"",
                ));
            }
        };
        let size_min_gb = self.non_negative(
            "data.size_min_gb",
            raw.size_min_gb.unwrap_or(defaults.size_min_gb),
        )?;
        let size_max_gb = self.number(
            "data.size_max_gb",
            raw.size_max_gb.unwrap_or(defaults.size_max_gb),
            0.0,
            crate::trace::MAX_GB,
            "GB from 0 to 1e8",
        )?;
        if size_max_gb < size_min_gb {
            return Err(self.error(
                "data.size_max_gb",
                size_max_gb,
                &format!("at least data.size_min_gb ({size_min_gb})"),
            ));
        }
        let read_fraction_min = self.fraction(
            "data.read_fraction_min",
            raw.read_fraction_min.unwrap_or(defaults.read_fraction_min),
        )?;
        let read_fraction_max = self.fraction(
            "data.read_fraction_max",
            raw.read_fraction_max.unwrap_or(defaults.read_fraction_max),
        )?;
        if read_fraction_max < read_fraction_min {
            return Err(self.error(
                "data.read_fraction_max",
                read_fraction_max,
                &format!("at least data.read_fraction_min ({read_fraction_min})"),
            ));
        }
        Ok(DataModel {
            datasets: self.count(
                "data.datasets",
                raw.datasets.unwrap_or(i64::from(defaults.datasets)),
                1,
                MAX_DATASETS,
            )?,
            home,
            size_median_gb: self.non_negative(
                "data.size_median_gb",
                raw.size_median_gb.unwrap_or(defaults.size_median_gb),
            )?,
            size_sigma: self.non_negative(
                "data.size_sigma",
                raw.size_sigma.unwrap_or(defaults.size_sigma),
            )?,
            size_min_gb,
            size_max_gb,
            popularity,
            key,
            read_fraction_min,
            read_fraction_max,
            write_back_share: self.fraction(
                "data.write_back_share",
                raw.write_back_share.unwrap_or(defaults.write_back_share),
            )?,
            write_fraction: self.non_negative(
                "data.write_fraction",
                raw.write_fraction.unwrap_or(defaults.write_fraction),
            )?,
            io_overlap: self.fraction(
                "data.io_overlap",
                raw.io_overlap.unwrap_or(defaults.io_overlap),
            )?,
        })
    }

    fn policy(&self, raw: &raw::RawPolicy) -> Result<PolicyConfig, ScenarioError> {
        let defaults = PolicyConfig::default();
        let name = match raw.name.as_deref() {
            None => defaults.name,
            Some(name) => PolicyName::parse(name).ok_or_else(|| {
                self.error(
                    "policy.name",
                    format!("{name:?}"),
                    &format!("one of: {}", PolicyName::ALL_NAMES.join(", ")),
                )
            })?,
        };
        let kind = match raw.objective.as_deref() {
            None => defaults.objective.kind,
            Some(name) => ObjectiveKind::parse(name).ok_or_else(|| {
                self.error(
                    "policy.objective",
                    format!("{name:?}"),
                    &format!("one of: {}", ObjectiveKind::ALL_NAMES.join(", ")),
                )
            })?,
        };
        if let Some(value) = &raw.extension_budgets {
            return Err(self.error(
                "policy.extension_budgets",
                value,
                "no value: the field was removed because data-aware now scores a waiting job \
                 again after each waiting budget (docs/policies.md); delete the line",
            ));
        }
        let deadline_s = match raw.deadline_s {
            None => None,
            Some(deadline) => Some(self.seconds("policy.deadline_s", deadline)?),
        };
        let queue_cap = match raw.queue_cap {
            None => None,
            Some(cap) => {
                Some(self.count("policy.queue_cap", cap, 1, i64::from(u32::MAX))? as usize)
            }
        };
        Ok(PolicyConfig {
            name,
            mirror_read_fraction: self.fraction(
                "policy.mirror_read_fraction",
                raw.mirror_read_fraction
                    .unwrap_or(defaults.mirror_read_fraction),
            )?,
            waiting_budget: self.number(
                "policy.waiting_budget",
                raw.waiting_budget.unwrap_or(defaults.waiting_budget),
                0.0,
                1e6,
                "a multiple of the mean run time, from 0 to 1e6",
            )?,
            queue_cap,
            out_of_order: raw.out_of_order.unwrap_or(defaults.out_of_order),
            objective: Objective {
                kind,
                deadline_s,
                value_of_time_usd_per_hour: self.non_negative(
                    "policy.value_of_time_usd_per_hour",
                    raw.value_of_time_usd_per_hour
                        .unwrap_or(defaults.objective.value_of_time_usd_per_hour),
                )?,
            },
            retention_h: self.number(
                "policy.retention_h",
                raw.retention_h.unwrap_or(defaults.retention_h),
                0.0,
                1e7,
                "hours, from 0 to 1e7",
            )?,
        })
    }
}
