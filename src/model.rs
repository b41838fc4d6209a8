//! The hybrid platform and its workload as plain data: planes, storage systems, links,
//! datasets and jobs.
//!
//! Nothing here does I/O. The scenario reader builds a [`Platform`], the data attachment model
//! builds the [`Workload`], and the engine and the policies only read them.

use crate::units::{BITS_PER_GB, MICROS_PER_S, Micros};

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(pub u32);

        impl $name {
            /// Position in the owning vector.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

index_type!(
    /// Index of a plane in [`Platform::planes`].
    PlaneId
);
index_type!(
    /// Index of a storage system in [`Platform::storage`].
    StorageId
);
index_type!(
    /// Index of a link in [`Platform::links`].
    LinkId
);
index_type!(
    /// Index of a dataset in [`Workload::datasets`].
    DatasetId
);

/// Maximum number of planes in a scenario, so that a job's allowed planes fit in one `u64` mask.
pub const MAX_PLANES: usize = 64;

/// Location of a data plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlaneKind {
    /// A fixed on-prem Kubernetes cluster.
    Onprem,
    /// An elastic cloud cluster (EKS) that adds nodes on demand up to a limit.
    Cloud,
}

/// One Kubernetes data plane with GPU nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Plane {
    pub name: String,
    pub kind: PlaneKind,
    /// Nodes up at time zero. An on-prem plane keeps exactly these.
    pub nodes: u32,
    /// Node limit of a cloud plane; equal to `nodes` on-prem.
    pub max_nodes: u32,
    pub gpus_per_node: u32,
    /// Delay from a cloud node's request to its readiness.
    pub provision_us: Micros,
    /// Idle time after which a cloud node is released.
    pub scale_down_us: Micros,
    /// USD per GPU-hour: the amortized owned rate on-prem, the on-demand rate in the cloud.
    pub price_per_gpu_hour: f64,
    /// Run-time divisor: a job that took `d` on its trace's GPUs takes `d / speed_factor` here.
    pub speed_factor: f64,
    /// The storage system that serves this plane's persistent volumes.
    pub storage: StorageId,
}

impl Plane {
    /// Nodes a job of `gpus` GPUs occupies: one for jobs up to a node's size, else whole nodes.
    pub fn nodes_needed(&self, gpus: u32) -> u32 {
        gpus.div_ceil(self.gpus_per_node).max(1)
    }

    /// Reports whether a job of `gpus` GPUs could ever run here, with every node up and idle.
    pub fn can_ever_fit(&self, gpus: u32) -> bool {
        self.nodes_needed(gpus) <= self.max_nodes
    }

    /// Run time of a job on this plane, from its run time on the trace's GPUs.
    pub fn run_time_us(&self, trace_duration_us: Micros) -> Micros {
        if self.speed_factor == 1.0 {
            trace_duration_us
        } else {
            (trace_duration_us as f64 / self.speed_factor).round() as Micros
        }
    }
}

/// One ONTAP storage system (on-prem ONTAP or FSx for ONTAP).
#[derive(Clone, Debug, PartialEq)]
pub struct Storage {
    pub name: String,
    /// The plane whose volumes this system serves.
    pub plane: PlaneId,
    /// USD per GB-month for the FlexCache and SnapMirror copies burstplane creates here.
    pub price_per_gb_month: f64,
    /// Space for FlexCache contents, GB, shared by every dataset cached here.
    pub flexcache_capacity_gb: f64,
}

/// A WAN link between two storage systems.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub ends: [StorageId; 2],
    pub gbps: f64,
    /// Round-trip time, added once to every transfer as its start-up latency.
    pub rtt_us: Micros,
    /// USD per GB sent from `ends[0]` to `ends[1]` and from `ends[1]` to `ends[0]`.
    pub price_per_gb: [f64; 2],
}

impl Link {
    /// Link capacity in bits per microsecond.
    pub fn bits_per_us(&self) -> f64 {
        self.gbps * 1e9 / MICROS_PER_S as f64
    }

    /// USD per GB for data sent from `from`.
    pub fn price_from(&self, from: StorageId) -> f64 {
        if from == self.ends[0] {
            self.price_per_gb[0]
        } else {
            self.price_per_gb[1]
        }
    }

    /// Time to send `gb` alone on the idle link, including one RTT.
    pub fn transfer_time_us(&self, gb: f64) -> Micros {
        let bits = gb * BITS_PER_GB;
        self.rtt_us + (bits / self.bits_per_us()).ceil() as Micros
    }
}

/// The hybrid platform: planes, their storage, and the links between storage systems.
#[derive(Clone, Debug, PartialEq)]
pub struct Platform {
    pub planes: Vec<Plane>,
    pub storage: Vec<Storage>,
    pub links: Vec<Link>,
}

impl Platform {
    pub fn plane(&self, id: PlaneId) -> &Plane {
        &self.planes[id.index()]
    }

    pub fn storage(&self, id: StorageId) -> &Storage {
        &self.storage[id.index()]
    }

    pub fn link(&self, id: LinkId) -> &Link {
        &self.links[id.index()]
    }

    /// Looks a plane up by name.
    pub fn plane_id(&self, name: &str) -> Option<PlaneId> {
        self.planes
            .iter()
            .position(|plane| plane.name == name)
            .map(|i| PlaneId(i as u32))
    }

    /// Looks a storage system up by name.
    pub fn storage_id(&self, name: &str) -> Option<StorageId> {
        self.storage
            .iter()
            .position(|storage| storage.name == name)
            .map(|i| StorageId(i as u32))
    }

    /// Finds the link joining two storage systems, if the scenario has one.
    pub fn link_between(&self, a: StorageId, b: StorageId) -> Option<LinkId> {
        self.links
            .iter()
            .position(|link| link.ends == [a, b] || link.ends == [b, a])
            .map(|i| LinkId(i as u32))
    }

    /// Plane ids in scenario order.
    pub fn plane_ids(&self) -> impl Iterator<Item = PlaneId> + '_ {
        (0..self.planes.len() as u32).map(PlaneId)
    }
}

/// A dataset: one volume with a home storage system.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub name: String,
    pub home: StorageId,
    pub size_gb: f64,
}

/// Set of planes a job may run on, one bit per [`PlaneId`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlaneMask(pub u64);

impl PlaneMask {
    /// Every plane.
    pub const ANY: PlaneMask = PlaneMask(u64::MAX);

    pub fn contains(self, plane: PlaneId) -> bool {
        plane.index() < MAX_PLANES && self.0 & (1 << plane.0) != 0
    }

    pub fn insert(&mut self, plane: PlaneId) {
        self.0 |= 1 << plane.0;
    }
}

/// One job of the workload, with its data attached.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub id: Box<str>,
    pub submit_us: Micros,
    pub gpus: u32,
    /// Run time on the trace's own GPUs with data local.
    pub duration_us: Micros,
    pub dataset: DatasetId,
    /// GB of the dataset the job reads.
    pub read_gb: f64,
    /// GB the job writes to its dataset.
    pub write_gb: f64,
    /// Whether the writes must reach the dataset's origin, which rules out a read-only mirror.
    pub writes_back: bool,
    pub allowed: PlaneMask,
    /// Set when `allowed_planes` named a plane the scenario lacks; the engine rejects the job.
    pub unknown_plane: Option<Box<str>>,
}

/// Jobs sorted by submission time and the datasets they read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Workload {
    pub jobs: Vec<Job>,
    pub datasets: Vec<Dataset>,
    /// Share of a job's run time that overlaps its cold reads, in [0, 1].
    pub io_overlap: f64,
}

impl Workload {
    pub fn dataset(&self, id: DatasetId) -> &Dataset {
        &self.datasets[id.index()]
    }
}

/// Access mode: the way a job on a plane reaches its dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// The plane's own storage is the dataset's home.
    Local,
    /// A sparse cache on the plane's storage that hydrates on first read and can write back.
    Flexcache,
    /// A full read-only copy that must finish its baseline transfer before the job starts.
    Snapmirror,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Local => "local",
            Access::Flexcache => "flexcache",
            Access::Snapmirror => "snapmirror",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plane(gpus_per_node: u32, max_nodes: u32) -> Plane {
        Plane {
            name: "p".into(),
            kind: PlaneKind::Onprem,
            nodes: max_nodes,
            max_nodes,
            gpus_per_node,
            provision_us: 0,
            scale_down_us: 0,
            price_per_gpu_hour: 1.0,
            speed_factor: 2.0,
            storage: StorageId(0),
        }
    }

    #[test]
    fn nodes_needed_rounds_up_whole_nodes() {
        let p = plane(8, 4);
        assert_eq!(p.nodes_needed(1), 1);
        assert_eq!(p.nodes_needed(8), 1);
        assert_eq!(p.nodes_needed(9), 2);
        assert_eq!(p.nodes_needed(32), 4);
        assert!(p.can_ever_fit(32));
        assert!(!p.can_ever_fit(33));
    }

    #[test]
    fn speed_factor_divides_run_time() {
        // 3600 s on a plane twice as fast: 1800 s.
        assert_eq!(plane(8, 1).run_time_us(3_600_000_000), 1_800_000_000);
    }

    #[test]
    fn link_transfer_time() {
        let link = Link {
            ends: [StorageId(0), StorageId(1)],
            gbps: 10.0,
            rtt_us: 0,
            price_per_gb: [0.0, 0.09],
        };
        // 1000 GB = 8e12 bits at 1e10 bit/s = 800 s.
        assert_eq!(link.transfer_time_us(1000.0), 800_000_000);
        assert_eq!(link.price_from(StorageId(1)), 0.09);
    }
}
