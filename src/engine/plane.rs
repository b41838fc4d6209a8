//! GPU nodes of one plane: which are up, which GPUs are free, and which jobs wait for them.
//!
//! Jobs up to one node's size take GPUs on one node (best fit: the up node with the fewest free
//! GPUs that still fits, lowest index on ties). Larger jobs take whole idle nodes. An on-prem
//! plane serves its queue first in, first out (the engine may scan it out of order). A cloud
//! plane behaves like the Kubernetes cluster autoscaler. A job that fits on no up node is bound
//! to a node being provisioned, or to new nodes it requests, and starts when they are up. Only
//! at the node limit does it wait in the queue.

use std::collections::VecDeque;

use crate::model::{Plane, PlaneKind};
use crate::units::{Micros, micros_to_secs};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NodeStatus {
    /// Not running and not billed; a slot a new node may take.
    Down,
    /// Requested and billed, not yet ready.
    Provisioning,
    Up,
}

/// Source of a job's GPUs, as [`PlaneState::place`] found it.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Placement {
    /// Free GPUs on up nodes, taken now.
    Started,
    /// Bound to nodes still provisioning; the job starts when the last of them is up.
    Bound,
    /// No capacity now or on order: the job waits in the plane's queue.
    Queued,
}

/// The nodes not yet up that a job would start on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Booting {
    /// Nodes the job would request.
    pub new_nodes: u32,
    /// Time until the last of the job's nodes is ready.
    pub ready_in_us: Micros,
}

#[derive(Debug)]
pub(super) struct PlaneState {
    pub kind: PlaneKind,
    gpus_per_node: u32,
    status: Vec<NodeStatus>,
    /// Free GPUs of each node, counting GPUs promised to jobs bound to a provisioning node.
    free: Vec<u32>,
    /// Since when each node has been billed (cloud) and ready time of provisioning nodes.
    billed_since_us: Vec<Micros>,
    /// When each node's jobs are expected to end: the latest expected end among the jobs placed
    /// on it, from their run times and any FlexCache read stall.
    busy_until_us: Vec<Micros>,
    provision_us: Micros,
    /// Jobs bound to each provisioning node.
    bound: Vec<Vec<u32>>,
    /// Bumped whenever a node stops being idle, so its pending release event goes stale.
    pub idle_generation: Vec<u32>,
    /// Up nodes by free GPU count.
    up_by_free: FreeIndex,
    /// Jobs waiting for GPUs, in arrival order.
    pub queue: VecDeque<u32>,
    pub busy_gpus: u32,
    /// Node time billed so far, µs, for nodes already released.
    pub billed_node_us: Micros,
}

impl PlaneState {
    pub fn new(plane: &Plane) -> PlaneState {
        let slots = plane.max_nodes as usize;
        let mut status = vec![NodeStatus::Down; slots];
        for node in status.iter_mut().take(plane.nodes as usize) {
            *node = NodeStatus::Up;
        }
        let mut up_by_free = FreeIndex::new(slots, plane.gpus_per_node);
        for node in 0..plane.nodes as usize {
            up_by_free.insert(node, plane.gpus_per_node);
        }
        PlaneState {
            up_by_free,
            kind: plane.kind,
            gpus_per_node: plane.gpus_per_node,
            status,
            free: vec![plane.gpus_per_node; slots],
            billed_since_us: vec![0; slots],
            busy_until_us: vec![0; slots],
            provision_us: plane.provision_us,
            bound: vec![Vec::new(); slots],
            idle_generation: vec![0; slots],
            queue: VecDeque::new(),
            busy_gpus: 0,
            billed_node_us: 0,
        }
    }

    /// Up node that best fits a job of `gpus` GPUs, for jobs up to one node.
    fn best_fit(&self, gpus: u32) -> Option<usize> {
        self.up_by_free.best_fit(gpus)
    }

    /// Sets a node's free GPUs, keeping the index of up nodes current.
    fn set_free(&mut self, node: usize, free: u32) {
        if self.status[node] == NodeStatus::Up {
            self.up_by_free.remove(node, self.free[node]);
            self.up_by_free.insert(node, free);
        }
        self.free[node] = free;
    }

    fn nodes_needed(&self, gpus: u32) -> usize {
        gpus.div_ceil(self.gpus_per_node).max(1) as usize
    }

    /// Reports whether any up node has a free GPU.
    pub fn has_free_gpus(&self) -> bool {
        self.up_by_free.any_with_at_least(1)
    }

    /// Reports whether a job could take GPUs on up nodes now, ignoring the queue.
    pub fn fits_now(&self, gpus: u32) -> bool {
        self.fits_up_nodes(gpus)
    }

    /// Finds the nodes not yet up that a job would start on, by the same rules
    /// [`PlaneState::place`] binds with. The result counts the new nodes it would request (zero
    /// when booting nodes have room for it) and gives the time until the last is ready. It is
    /// `None` when the job must queue, and always on-prem.
    pub fn provisioning_for(&self, gpus: u32, now_us: Micros) -> Option<Booting> {
        if self.kind == PlaneKind::Onprem {
            return None;
        }
        let ready_in = |node: usize| self.ready_us(node).saturating_sub(now_us);
        let down = self.down_slots();
        if gpus <= self.gpus_per_node {
            if let Some(node) = self.provisioning_with_room(gpus) {
                return Some(Booting {
                    new_nodes: 0,
                    ready_in_us: ready_in(node),
                });
            }
            (down > 0).then_some(Booting {
                new_nodes: 1,
                ready_in_us: self.provision_us,
            })
        } else {
            let needed = self.nodes_needed(gpus);
            // Count and time the booting nodes the job would take without collecting them: this
            // runs for every snapshot of a multi-node job.
            let (pending, pending_ready) = self
                .empty_provisioning()
                .take(needed)
                .fold((0, 0), |(count, latest), node| {
                    (count + 1, latest.max(ready_in(node)))
                });
            if pending + down < needed {
                return None;
            }
            let new_nodes = (needed - pending) as u32;
            let ready_in_us = if new_nodes > 0 {
                self.provision_us.max(pending_ready)
            } else {
                pending_ready
            };
            Some(Booting {
                new_nodes,
                ready_in_us,
            })
        }
    }

    /// Returns when a provisioning node is ready: its request time plus the provisioning delay.
    fn ready_us(&self, node: usize) -> Micros {
        self.billed_since_us[node].saturating_add(self.provision_us)
    }

    /// Records that the jobs on `nodes` keep them busy until at least `end_us`.
    pub fn extend_busy_nodes(&mut self, nodes: &[u32], end_us: Micros) {
        for &node in nodes {
            self.extend_busy(node as usize, end_us);
        }
    }

    /// Counts node slots that are down, which new nodes may take.
    fn down_slots(&self) -> usize {
        self.status
            .iter()
            .filter(|&&s| s == NodeStatus::Down)
            .count()
    }

    /// Finds the first provisioning node with `gpus` GPUs not yet promised.
    fn provisioning_with_room(&self, gpus: u32) -> Option<usize> {
        (0..self.status.len())
            .find(|&n| self.status[n] == NodeStatus::Provisioning && self.free[n] >= gpus)
    }

    /// Lists provisioning nodes with no GPU promised yet, lowest number first.
    fn empty_provisioning(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.status.len()).filter(|&n| {
            self.status[n] == NodeStatus::Provisioning && self.free[n] == self.gpus_per_node
        })
    }

    fn fits_up_nodes(&self, gpus: u32) -> bool {
        if gpus <= self.gpus_per_node {
            self.up_by_free.any_with_at_least(gpus)
        } else {
            self.up_by_free.count(self.gpus_per_node) >= self.nodes_needed(gpus)
        }
    }

    /// Takes GPUs on up nodes for `job` if they are free, pushing the nodes used onto `nodes`.
    fn take_up_nodes(&mut self, gpus: u32, end_us: Micros, nodes: &mut Vec<u32>) -> bool {
        if gpus <= self.gpus_per_node {
            let Some(node) = self.best_fit(gpus) else {
                return false;
            };
            self.use_gpus(node, gpus);
            self.extend_busy(node, end_us);
            nodes.push(node as u32);
        } else {
            let needed = self.nodes_needed(gpus);
            if self.up_by_free.count(self.gpus_per_node) < needed {
                return false;
            }
            let idle: Vec<usize> = self
                .up_by_free
                .nodes_with(self.gpus_per_node)
                .take(needed)
                .collect();
            for node in idle {
                self.use_gpus(node, self.gpus_per_node);
                self.extend_busy(node, end_us);
                nodes.push(node as u32);
            }
        }
        self.busy_gpus += gpus;
        true
    }

    fn extend_busy(&mut self, node: usize, end_us: Micros) {
        self.busy_until_us[node] = self.busy_until_us[node].max(end_us);
    }

    /// Seconds that the node a job of `gpus` GPUs would share stays busy with the jobs already
    /// on it, counted from `now_us` and through its boot if it is provisioning. Zero when the
    /// job would take whole nodes or request a new one.
    pub fn shared_node_busy_s(&self, gpus: u32, now_us: Micros) -> f64 {
        if gpus >= self.gpus_per_node {
            return 0.0;
        }
        let node = self
            .best_fit(gpus)
            .or_else(|| self.provisioning_with_room(gpus));
        node.map_or(0.0, |n| {
            micros_to_secs(self.busy_until_us[n].saturating_sub(now_us))
        })
    }

    fn use_gpus(&mut self, node: usize, gpus: u32) {
        if self.free[node] == self.gpus_per_node {
            self.idle_generation[node] += 1;
        }
        self.set_free(node, self.free[node] - gpus);
    }

    /// Finds GPUs for a job arriving at the plane or at the head of its queue. On a cloud plane
    /// this may request nodes, returned in `requested` for the caller to schedule.
    /// `run_us` is the job's expected run time, which keeps its nodes busy.
    pub fn place(
        &mut self,
        job: u32,
        gpus: u32,
        run_us: Micros,
        now_us: Micros,
        nodes: &mut Vec<u32>,
        requested: &mut Vec<u32>,
    ) -> Placement {
        if self.take_up_nodes(gpus, now_us.saturating_add(run_us), nodes) {
            return Placement::Started;
        }
        if self.kind == PlaneKind::Onprem {
            return Placement::Queued;
        }
        if self.bind_to_provisioning(job, gpus, run_us, now_us, nodes, requested) {
            Placement::Bound
        } else {
            Placement::Queued
        }
    }

    /// Binds a job to provisioning nodes with room, requesting new nodes where needed.
    fn bind_to_provisioning(
        &mut self,
        job: u32,
        gpus: u32,
        run_us: Micros,
        now_us: Micros,
        nodes: &mut Vec<u32>,
        requested: &mut Vec<u32>,
    ) -> bool {
        let start = nodes.len();
        if gpus <= self.gpus_per_node {
            let node = match self.provisioning_with_room(gpus) {
                Some(node) => node,
                None => match self.request_node(now_us) {
                    Some(node) => {
                        requested.push(node as u32);
                        node
                    }
                    None => return false,
                },
            };
            self.free[node] -= gpus;
            self.bound[node].push(job);
            self.extend_busy(node, self.ready_us(node).saturating_add(run_us));
            nodes.push(node as u32);
        } else {
            let needed = self.nodes_needed(gpus);
            let empty_pending: Vec<usize> = self.empty_provisioning().take(needed).collect();
            if empty_pending.len() + self.down_slots() < needed {
                return false;
            }
            for node in empty_pending {
                nodes.push(node as u32);
            }
            while nodes.len() - start < needed {
                let node = self.request_node(now_us).expect("counted a free slot");
                requested.push(node as u32);
                nodes.push(node as u32);
            }
            for &node in &nodes[start..] {
                let node = node as usize;
                self.free[node] = 0;
                self.bound[node].push(job);
                self.extend_busy(node, self.ready_us(node).saturating_add(run_us));
            }
        }
        true
    }

    fn request_node(&mut self, now_us: Micros) -> Option<usize> {
        let node = self.status.iter().position(|&s| s == NodeStatus::Down)?;
        self.status[node] = NodeStatus::Provisioning;
        self.free[node] = self.gpus_per_node;
        self.billed_since_us[node] = now_us;
        Some(node)
    }

    /// Counts a bound job's GPUs as busy once all its nodes are up.
    pub fn start_bound(&mut self, gpus: u32) {
        self.busy_gpus += gpus;
    }

    /// Marks a provisioning node up and returns the jobs bound to it.
    pub fn node_up(&mut self, node: u32) -> Vec<u32> {
        let node = node as usize;
        self.status[node] = NodeStatus::Up;
        self.up_by_free.insert(node, self.free[node]);
        std::mem::take(&mut self.bound[node])
    }

    /// Returns a finished job's GPUs; the result lists nodes that became idle.
    pub fn release(&mut self, gpus: u32, nodes: &[u32], idle: &mut Vec<u32>) {
        if gpus <= self.gpus_per_node {
            let node = nodes[0] as usize;
            self.set_free(node, self.free[node] + gpus);
        } else {
            for &node in nodes {
                self.set_free(node as usize, self.gpus_per_node);
            }
        }
        self.busy_gpus -= gpus;
        for &node in nodes {
            if self.free[node as usize] == self.gpus_per_node {
                idle.push(node);
            }
        }
    }

    /// Releases a cloud node if it is still idle; returns whether it did.
    pub fn release_if_idle(&mut self, node: u32, generation: u32, now_us: Micros) -> bool {
        let node = node as usize;
        let idle = self.status[node] == NodeStatus::Up
            && self.free[node] == self.gpus_per_node
            && self.idle_generation[node] == generation;
        if idle {
            self.up_by_free.remove(node, self.free[node]);
            self.status[node] = NodeStatus::Down;
            self.billed_node_us += now_us - self.billed_since_us[node];
        }
        idle
    }

    /// Nodes up and ready.
    pub fn nodes_up(&self) -> usize {
        self.status.iter().filter(|&&s| s == NodeStatus::Up).count()
    }

    /// Node time billed through `now_us`, including nodes still running.
    pub fn billed_node_us_at(&self, now_us: Micros) -> Micros {
        let running: Micros = (0..self.status.len())
            .filter(|&n| self.status[n] != NodeStatus::Down)
            .map(|n| now_us - self.billed_since_us[n])
            .sum();
        self.billed_node_us + running
    }
}

/// Up nodes grouped by their free GPU count, one bitset per count, so that finding a node for a
/// job costs O(GPUs per node + nodes / 64) instead of a scan of every node.
#[derive(Debug)]
struct FreeIndex {
    words: usize,
    /// Bitset of nodes with `k` free GPUs at `bits[k * words..(k + 1) * words]`.
    bits: Vec<u64>,
    counts: Vec<usize>,
}

impl FreeIndex {
    fn new(nodes: usize, gpus_per_node: u32) -> FreeIndex {
        let words = nodes.div_ceil(64).max(1);
        let levels = gpus_per_node as usize + 1;
        FreeIndex {
            words,
            bits: vec![0; words * levels],
            counts: vec![0; levels],
        }
    }

    fn insert(&mut self, node: usize, free: u32) {
        let free = free as usize;
        self.bits[free * self.words + node / 64] |= 1 << (node % 64);
        self.counts[free] += 1;
    }

    fn remove(&mut self, node: usize, free: u32) {
        let free = free as usize;
        self.bits[free * self.words + node / 64] &= !(1 << (node % 64));
        self.counts[free] -= 1;
    }

    fn count(&self, free: u32) -> usize {
        self.counts[free as usize]
    }

    fn any_with_at_least(&self, gpus: u32) -> bool {
        self.counts[gpus as usize..].iter().any(|&count| count > 0)
    }

    /// Finds the lowest-numbered node among those with the fewest free GPUs that fit `gpus`.
    fn best_fit(&self, gpus: u32) -> Option<usize> {
        let level = (gpus as usize..self.counts.len()).find(|&k| self.counts[k] > 0)?;
        self.nodes_with(level as u32).next()
    }

    /// Nodes with exactly `free` free GPUs, lowest number first.
    fn nodes_with(&self, free: u32) -> impl Iterator<Item = usize> + '_ {
        let level = &self.bits[free as usize * self.words..(free as usize + 1) * self.words];
        level.iter().enumerate().flat_map(|(w, &word)| {
            let mut word = word;
            std::iter::from_fn(move || {
                if word == 0 {
                    return None;
                }
                let bit = word.trailing_zeros() as usize;
                word &= word - 1;
                Some(w * 64 + bit)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::StorageId;

    fn plane(kind: PlaneKind, nodes: u32, max_nodes: u32) -> PlaneState {
        PlaneState::new(&spec(kind, nodes, max_nodes))
    }

    fn spec(kind: PlaneKind, nodes: u32, max_nodes: u32) -> Plane {
        Plane {
            name: "p".into(),
            kind,
            nodes,
            max_nodes,
            gpus_per_node: 8,
            provision_us: 0,
            scale_down_us: 0,
            price_per_gpu_hour: 1.0,
            speed_factor: 1.0,
            storage: StorageId(0),
        }
    }

    #[test]
    fn best_fit_packs_partial_node_first() {
        let mut p = plane(PlaneKind::Onprem, 2, 2);
        let (mut nodes, mut requested) = (Vec::new(), Vec::new());
        assert_eq!(
            p.place(0, 6, 1, 0, &mut nodes, &mut requested),
            Placement::Started
        );
        // Node 0 has 2 free, node 1 has 8: a 2-GPU job best fits node 0.
        assert_eq!(
            p.place(1, 2, 1, 0, &mut nodes, &mut requested),
            Placement::Started
        );
        assert_eq!(nodes, vec![0, 0]);
        // A 16-GPU job needs two idle nodes; only node 1 is idle.
        nodes.clear();
        assert_eq!(
            p.place(2, 16, 1, 0, &mut nodes, &mut requested),
            Placement::Queued
        );
        assert!(nodes.is_empty());
    }

    #[test]
    fn cloud_binds_jobs_to_requested_nodes() {
        let mut p = plane(PlaneKind::Cloud, 0, 2);
        let (mut nodes, mut requested) = (Vec::new(), Vec::new());
        assert_eq!(
            p.place(0, 4, 1, 0, &mut nodes, &mut requested),
            Placement::Bound
        );
        // A second 4-GPU job shares the node already on order.
        assert_eq!(
            p.place(1, 4, 1, 0, &mut nodes, &mut requested),
            Placement::Bound
        );
        assert_eq!(requested, vec![0]);
        // A 16-GPU job needs two whole nodes but only one slot is left.
        assert_eq!(
            p.place(2, 16, 1, 0, &mut nodes, &mut requested),
            Placement::Queued
        );
        assert_eq!(p.node_up(0), vec![0, 1]);
    }

    #[test]
    fn counts_the_nodes_a_job_would_request() {
        // A cloud plane of up to 3 nodes x 8 GPUs, booting in 300 s.
        let mut p = PlaneState::new(&Plane {
            provision_us: 300_000_000,
            ..spec(PlaneKind::Cloud, 0, 3)
        });
        let booting = |new_nodes, ready_in_s: u64| {
            Some(Booting {
                new_nodes,
                ready_in_us: ready_in_s * 1_000_000,
            })
        };
        assert_eq!(p.provisioning_for(4, 0), booting(1, 300));
        assert_eq!(p.provisioning_for(16, 0), booting(2, 300));
        // At 0 s a 4-GPU job orders node 0 and takes 4 of its GPUs.
        let (mut nodes, mut requested) = (Vec::new(), Vec::new());
        p.place(0, 4, 1000, 0, &mut nodes, &mut requested);
        // At 200 s another 4 GPUs fit node 0, ready 100 s later; 5 GPUs need a new node.
        let now = 200_000_000;
        assert_eq!(p.provisioning_for(4, now), booting(0, 100));
        assert_eq!(p.provisioning_for(5, now), booting(1, 300));
        assert_eq!(p.provisioning_for(16, now), booting(2, 300));
        // 24 GPUs need all 3 nodes, and node 0 is taken.
        assert_eq!(p.provisioning_for(24, now), None);
        assert_eq!(
            plane(PlaneKind::Onprem, 1, 1).provisioning_for(1, now),
            None
        );
    }

    #[test]
    fn shared_node_busy_until_last_end() {
        let mut p = plane(PlaneKind::Cloud, 1, 1);
        let (mut nodes, mut requested) = (Vec::new(), Vec::new());
        // Jobs of 3,000,000 µs and 1,000,000 µs start at 0 on node 0.
        p.place(0, 2, 3_000_000, 0, &mut nodes, &mut requested);
        p.place(1, 2, 1_000_000, 0, &mut nodes, &mut requested);
        // At 500,000 µs the node stays busy for 3 s - 0.5 s = 2.5 s.
        assert_eq!(p.shared_node_busy_s(1, 500_000), 2.5);
        // A job of a whole node would not share it.
        assert_eq!(p.shared_node_busy_s(8, 500_000), 0.0);
        // A read stall keeps the first job running until 4 s.
        p.extend_busy_nodes(&[0], 4_000_000);
        assert_eq!(p.shared_node_busy_s(1, 500_000), 3.5);
    }

    proptest::proptest! {
        /// Best fit through the index picks what a scan of every node would pick.
        #[test]
        fn index_matches_a_scan(ops in proptest::collection::vec((1u32..=8, proptest::bool::ANY), 1..200)) {
            let mut p = plane(PlaneKind::Onprem, 70, 70);
            let mut running: Vec<(u32, Vec<u32>)> = Vec::new();
            for (gpus, finish) in ops {
                if finish && !running.is_empty() {
                    let (gpus, nodes) = running.remove(0);
                    p.release(gpus, &nodes, &mut Vec::new());
                    continue;
                }
                let scan = (0..70)
                    .filter(|&n| p.free[n] >= gpus)
                    .min_by_key(|&n| (p.free[n], n));
                let (mut nodes, mut requested) = (Vec::new(), Vec::new());
                let placed = p.place(0, gpus, 1, 0, &mut nodes, &mut requested);
                match scan {
                    Some(node) => {
                        proptest::prop_assert_eq!(placed, Placement::Started);
                        proptest::prop_assert_eq!(nodes[0] as usize, node);
                        running.push((gpus, nodes));
                    }
                    None => proptest::prop_assert_eq!(placed, Placement::Queued),
                }
                let free: u32 = p.free.iter().sum();
                proptest::prop_assert_eq!(free + p.busy_gpus, 70 * 8);
            }
        }
    }
}
