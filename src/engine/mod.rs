//! The discrete-event engine: replays a workload through the platform under a policy.
//!
//! Time is integer microseconds. Submissions are read in order from the sorted workload and
//! merged with a heap of pending events (job finishes, transfer completions, node arrivals and
//! releases). Events at the same time run in the order they were scheduled, and events already
//! due run before a submission at the same time, so a replay is deterministic.

mod cache;
mod link;
mod outcome;
mod plane;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

pub use outcome::{
    CostTotals, JobOutcome, Outcome, PlaneSample, PlaneTotals, SeriesSample, TransferTotals,
};

use crate::model::{Access, DatasetId, Job, PlaneId, PlaneKind, Platform, StorageId, Workload};
use crate::policy::{ClusterView, Decision, MirrorStatus, Policy, RejectReason};
use crate::score::{DataInput, LinkInput, MirrorInput, PlaneInput};
use crate::units::{BITS_PER_GB, HOURS_PER_MONTH, Micros, SECONDS_PER_HOUR, micros_to_secs};
use cache::CacheState;
use link::LinkState;
use plane::{Placement, PlaneState};

/// Microseconds in one hour, as a float for prices.
const MICROS_PER_HOUR: f64 = SECONDS_PER_HOUR * 1e6;

/// Marks a job in no queue.
const NOT_QUEUED: u32 = u32::MAX;

/// Submissions between two calls of the progress callback.
const PROGRESS_EVERY: usize = 1 << 14;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    JobFinish {
        job: u32,
    },
    FlowDone {
        flow: u32,
    },
    LinkWake {
        link: u32,
        generation: u32,
    },
    NodeUp {
        plane: u32,
        node: u32,
    },
    NodeIdle {
        plane: u32,
        node: u32,
        generation: u32,
    },
    Reconsider {
        job: u32,
    },
}

#[derive(Clone, Copy, Debug)]
enum FlowPurpose {
    Hydrate {
        job: u32,
    },
    Mirror {
        slot: u32,
    },
    /// A FlexCache filled ahead of a job: `gb` of `dataset` on `storage`.
    Prefill {
        dataset: u32,
        storage: u32,
        gb: f64,
    },
    WriteBack,
}

#[derive(Clone, Copy, Debug)]
struct Flow {
    purpose: FlowPurpose,
    /// Value of the link's per-flow counter at which this flow finishes.
    target_bits: f64,
}

#[derive(Debug)]
enum Mirror {
    Absent,
    /// Baseline running as `flow`; `waiters` wait for it.
    Transferring {
        flow: u32,
        waiters: Vec<u32>,
    },
    Ready,
}

/// GB held on one storage system for caches and mirrors, integrated over time.
#[derive(Debug, Default)]
struct StorageUse {
    stored_gb: f64,
    since_us: Micros,
    gb_us: f64,
}

/// Replays `workload` through `platform` under `policy`.
///
/// `progress` is called with the number of jobs submitted so far, every few thousand jobs
/// and once at the end. The result has one [`JobOutcome`] per job, in workload order.
pub fn simulate(
    platform: &Platform,
    workload: &Workload,
    policy: &mut dyn Policy,
    progress: &mut dyn FnMut(usize),
) -> Outcome {
    simulate_with(platform, workload, policy, &Options::default(), progress)
}

/// Settings of a replay beyond the platform, the workload and the policy.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Options {
    /// Interval of the time series in [`Outcome::series`]; `None` records none.
    pub series_interval_us: Option<Micros>,
}

/// Replays as [`simulate`] does, with `options`.
pub fn simulate_with(
    platform: &Platform,
    workload: &Workload,
    policy: &mut dyn Policy,
    options: &Options,
    progress: &mut dyn FnMut(usize),
) -> Outcome {
    let mut engine = Engine::new(platform, workload);
    engine.out_of_order = policy.scans_out_of_order();
    engine.track_ends = policy.reads_snapshots();
    engine.series_interval_us = options.series_interval_us.filter(|&interval| interval > 0);
    engine.next_sample_us = engine.series_interval_us.unwrap_or(Micros::MAX);
    engine.schedule_initial_releases();
    engine.run(policy, progress);
    engine.finish()
}

struct Engine<'a> {
    platform: &'a Platform,
    workload: &'a Workload,
    now_us: Micros,
    sequence: u64,
    events: BinaryHeap<Reverse<(Micros, u64, Event)>>,
    planes: Vec<PlaneState>,
    links: Vec<LinkState>,
    caches: Vec<CacheState>,
    /// Mirror of dataset `d` on storage `s` at `d * storage_count + s`.
    mirrors: Vec<Mirror>,
    storage_use: Vec<StorageUse>,
    flows: Vec<Flow>,
    free_flows: Vec<u32>,
    outcomes: Vec<JobOutcome>,
    /// Nodes held by each job: `node_spans[j]` indexes `node_arena`.
    node_spans: Vec<(u32, u32)>,
    node_arena: Vec<u32>,
    /// Nodes each bound job still waits for.
    nodes_pending: Vec<u32>,
    /// Plane whose queue each job is in, or [`NOT_QUEUED`]. Queue entries of other planes are
    /// stale and skipped.
    queued_on: Vec<u32>,
    /// GPU-seconds of the live entries of each plane's queue, at that plane's speed.
    queued_gpu_s: Vec<f64>,
    /// Live entries of each plane's queue.
    queued_count: Vec<usize>,
    /// Per plane, GPU-seconds ever queued and ever left the queue. With each job's mark of the
    /// first at its arrival, they give the work still ahead of it in a first-in, first-out queue.
    enqueued_total_s: Vec<f64>,
    dequeued_total_s: Vec<f64>,
    queue_mark_s: Vec<f64>,
    /// Per plane, the sum over running jobs of GPUs times expected end (seconds) and of GPUs,
    /// from which the GPU-seconds still to run follow.
    running_gpu_end_s: Vec<f64>,
    running_gpus: Vec<f64>,
    /// GPUs of each plane's running jobs by their expected end (start plus run time) and id,
    /// kept only when `track_ends` is set.
    running_by_end: Vec<std::collections::BTreeMap<(Micros, u32), u32>>,
    /// Whether the policy reads plane snapshots, which need `running_by_end`.
    track_ends: bool,
    /// Whether on-prem queues start any job that fits, not only the head.
    out_of_order: bool,
    plane_totals: Vec<PlaneTotals>,
    transfer: TransferTotals,
    egress_usd: f64,
    makespan_us: Micros,
    scratch_nodes: Vec<u32>,
    scratch_requested: Vec<u32>,
    scratch_flows: Vec<u32>,
    series_interval_us: Option<Micros>,
    next_sample_us: Micros,
    series: Vec<SeriesSample>,
    /// Each link's busy time at the previous sample.
    link_busy_at_sample: Vec<Micros>,
}

impl<'a> Engine<'a> {
    fn new(platform: &'a Platform, workload: &'a Workload) -> Engine<'a> {
        let jobs = workload.jobs.len();
        let storage_count = platform.storage.len();
        Engine {
            platform,
            workload,
            now_us: 0,
            sequence: 0,
            events: BinaryHeap::new(),
            planes: platform.planes.iter().map(PlaneState::new).collect(),
            links: platform
                .links
                .iter()
                .map(|link| LinkState::new(link.bits_per_us()))
                .collect(),
            caches: platform
                .storage
                .iter()
                .map(|storage| CacheState::new(storage.flexcache_capacity_gb))
                .collect(),
            mirrors: (0..workload.datasets.len() * storage_count)
                .map(|_| Mirror::Absent)
                .collect(),
            storage_use: (0..storage_count).map(|_| StorageUse::default()).collect(),
            flows: Vec::new(),
            free_flows: Vec::new(),
            outcomes: vec![JobOutcome::default(); jobs],
            node_spans: vec![(0, 0); jobs],
            node_arena: Vec::with_capacity(jobs),
            nodes_pending: vec![0; jobs],
            queued_on: vec![NOT_QUEUED; jobs],
            queued_gpu_s: vec![0.0; platform.planes.len()],
            queued_count: vec![0; platform.planes.len()],
            enqueued_total_s: vec![0.0; platform.planes.len()],
            dequeued_total_s: vec![0.0; platform.planes.len()],
            queue_mark_s: vec![0.0; jobs],
            running_gpu_end_s: vec![0.0; platform.planes.len()],
            running_gpus: vec![0.0; platform.planes.len()],
            running_by_end: vec![std::collections::BTreeMap::new(); platform.planes.len()],
            track_ends: false,
            out_of_order: false,
            plane_totals: vec![PlaneTotals::default(); platform.planes.len()],
            transfer: TransferTotals::default(),
            egress_usd: 0.0,
            makespan_us: 0,
            scratch_nodes: Vec::new(),
            scratch_requested: Vec::new(),
            scratch_flows: Vec::new(),
            series_interval_us: None,
            next_sample_us: Micros::MAX,
            series: Vec::new(),
            link_busy_at_sample: vec![0; platform.links.len()],
        }
    }

    /// Schedules the release of cloud nodes that are up at time zero, as if they had just gone
    /// idle.
    fn schedule_initial_releases(&mut self) {
        for (p, plane) in self.platform.planes.iter().enumerate() {
            if plane.kind != PlaneKind::Cloud {
                continue;
            }
            for node in 0..plane.nodes {
                let generation = self.planes[p].idle_generation[node as usize];
                self.schedule(
                    plane.scale_down_us,
                    Event::NodeIdle {
                        plane: p as u32,
                        node,
                        generation,
                    },
                );
            }
        }
    }

    fn schedule(&mut self, at_us: Micros, event: Event) {
        self.sequence += 1;
        self.events.push(Reverse((at_us, self.sequence, event)));
    }

    fn run(&mut self, policy: &mut dyn Policy, progress: &mut dyn FnMut(usize)) {
        let jobs = &self.workload.jobs;
        let mut next_job = 0;
        loop {
            let next_event = self.events.peek().map(|Reverse((at, _, _))| *at);
            let next_submit = jobs.get(next_job).map(|job| job.submit_us);
            match (next_event, next_submit) {
                (Some(event_at), Some(submit_at)) if event_at <= submit_at => self.step(policy),
                (_, Some(submit_at)) => {
                    self.sample_until(submit_at);
                    self.now_us = submit_at;
                    self.submit(next_job as u32, policy);
                    next_job += 1;
                    if next_job % PROGRESS_EVERY == 0 {
                        progress(next_job);
                    }
                }
                (Some(_), None) => self.step(policy),
                (None, None) => break,
            }
        }
        progress(next_job);
    }

    fn step(&mut self, policy: &mut dyn Policy) {
        let Reverse((at_us, _, event)) = self.events.pop().expect("peeked an event");
        self.sample_until(at_us);
        self.now_us = at_us;
        match event {
            Event::JobFinish { job } => self.finish_job(job),
            Event::FlowDone { flow } => self.flow_done(flow),
            Event::LinkWake { link, generation } => self.wake_link(link, generation),
            Event::NodeUp { plane, node } => self.node_up(plane, node),
            Event::NodeIdle {
                plane,
                node,
                generation,
            } => {
                if self.planes[plane as usize].release_if_idle(node, generation, self.now_us) {
                    // A released slot may let a queued multi-node job request its nodes.
                    self.drain(PlaneId(plane));
                }
            }
            Event::Reconsider { job } => self.reconsider(job, policy),
        }
    }

    fn job(&self, job: u32) -> &'a Job {
        &self.workload.jobs[job as usize]
    }

    fn submit(&mut self, job: u32, policy: &mut dyn Policy) {
        let spec = self.job(job);
        let decision = if spec.unknown_plane.is_some() {
            Decision::Reject(RejectReason::UnknownPlane)
        } else {
            policy.place(spec, self)
        };
        self.carry_out(job, decision);
    }

    /// Carries out a decision for a job that is in no queue.
    fn carry_out(&mut self, job: u32, decision: Decision) {
        let spec = self.job(job);
        let (plane, access, until_us, prefetch) = match decision {
            Decision::Run { plane, access } => (plane, access, None, None),
            Decision::Wait {
                plane,
                access,
                until_us,
                prefetch,
            } => (plane, access, Some(until_us), prefetch),
            Decision::Reject(reason) => return self.reject(job, reason),
        };
        if !self.is_valid(spec, plane, access) {
            return self.reject(job, RejectReason::InvalidDecision);
        }
        let outcome = &mut self.outcomes[job as usize];
        outcome.plane = Some(plane);
        outcome.access = Some(access);
        outcome.data_ready_us = self.now_us;
        if let Some((target, target_access)) = prefetch {
            self.prefetch(job, target, target_access);
        }
        if access == Access::Snapmirror {
            self.wait_for_mirror(job, plane);
        } else {
            self.enqueue(plane, job);
        }
        if let Some(until_us) = until_us
            && self.queued_on[job as usize] == plane.0
        {
            self.schedule(until_us.max(self.now_us), Event::Reconsider { job });
        }
    }

    /// Asks the policy again about a job still queued when its wait ended.
    fn reconsider(&mut self, job: u32, policy: &mut dyn Policy) {
        let queued_on = self.queued_on[job as usize];
        if queued_on == NOT_QUEUED {
            return;
        }
        let decision = policy.reconsider(self.job(job), self);
        let stays = match decision {
            Decision::Run { plane, .. } => plane.0 == queued_on,
            Decision::Wait {
                plane, until_us, ..
            } => {
                if plane.0 == queued_on {
                    self.schedule(
                        until_us.max(self.now_us.saturating_add(1)),
                        Event::Reconsider { job },
                    );
                }
                plane.0 == queued_on
            }
            Decision::Reject(_) => false,
        };
        if !stays {
            self.leave_queue(PlaneId(queued_on), job);
            self.carry_out(job, decision);
        }
    }

    /// Drops a job from its plane's queue accounting; its entry goes stale.
    fn leave_queue(&mut self, plane: PlaneId, job: u32) {
        self.queued_on[job as usize] = NOT_QUEUED;
        self.queued_count[plane.index()] -= 1;
        let work_s = self.queued_work_s(plane, job);
        self.queued_gpu_s[plane.index()] -= work_s;
        self.dequeued_total_s[plane.index()] += work_s;
        if self.queued_gpu_s[plane.index()] < 1e-6 {
            self.queued_gpu_s[plane.index()] = 0.0;
        }
    }

    fn queued_work_s(&self, plane: PlaneId, job: u32) -> f64 {
        let spec = self.job(job);
        let run_us = self.platform.plane(plane).run_time_us(spec.duration_us);
        f64::from(spec.gpus) * crate::units::micros_to_secs(run_us)
    }

    /// GPU-seconds queued ahead of `job` on `plane`: all of the queue for a job not in it, and
    /// for a queued job the work that arrived before it and has not left. Jobs that left from
    /// behind it make this an underestimate.
    fn queue_ahead_gpu_s(&self, plane: PlaneId, job: &Job) -> f64 {
        let index = self.job_index(job);
        let queued = self.queued_gpu_s[plane.index()];
        match index {
            Some(j) if self.queued_on[j] == plane.0 => {
                let own = self.queued_work_s(plane, j as u32);
                let ahead = self.queue_mark_s[j] - self.dequeued_total_s[plane.index()];
                ahead.clamp(0.0, (queued - own).max(0.0))
            }
            _ => queued,
        }
    }

    /// Index of a job of this workload, found by address.
    fn job_index(&self, job: &Job) -> Option<usize> {
        let jobs = &self.workload.jobs;
        let offset = (job as *const Job as usize).checked_sub(jobs.as_ptr() as usize)?;
        let index = offset / std::mem::size_of::<Job>();
        (index < jobs.len() && std::ptr::eq(&jobs[index], job)).then_some(index)
    }

    fn push_queue(&mut self, plane: PlaneId, job: u32) {
        self.queued_on[job as usize] = plane.0;
        self.queued_count[plane.index()] += 1;
        let work_s = self.queued_work_s(plane, job);
        self.queue_mark_s[job as usize] = self.enqueued_total_s[plane.index()];
        self.enqueued_total_s[plane.index()] += work_s;
        self.queued_gpu_s[plane.index()] += work_s;
        self.planes[plane.index()].queue.push_back(job);
    }

    fn reject(&mut self, job: u32, reason: RejectReason) {
        let outcome = &mut self.outcomes[job as usize];
        outcome.rejected = Some(reason);
        outcome.start_us = self.now_us;
        outcome.finish_us = self.now_us;
        outcome.data_ready_us = self.now_us;
    }

    /// Checks a policy's option against the platform's hard rules.
    fn is_valid(&self, job: &Job, plane: PlaneId, access: Access) -> bool {
        let Some(spec) = self.platform.planes.get(plane.index()) else {
            return false;
        };
        let home = self.workload.dataset(job.dataset).home;
        let local = spec.storage == home;
        job.allowed.contains(plane)
            && spec.can_ever_fit(job.gpus)
            && (access == Access::Local) == local
            && !(access == Access::Snapmirror && job.writes_back)
            && (local || self.platform.link_between(home, spec.storage).is_some())
    }

    fn wait_for_mirror(&mut self, job: u32, plane: PlaneId) {
        let dataset = self.job(job).dataset;
        let storage = self.platform.plane(plane).storage;
        let slot = self.mirror_slot(dataset, storage);
        match &mut self.mirrors[slot] {
            Mirror::Ready => self.enqueue(plane, job),
            Mirror::Transferring { waiters, .. } => waiters.push(job),
            Mirror::Absent => {
                self.start_mirror(slot, dataset, storage, job);
                if let Mirror::Transferring { waiters, .. } = &mut self.mirrors[slot] {
                    waiters.push(job);
                }
            }
        }
    }

    /// Starts a mirror baseline of `dataset` to `storage`, charged to `job`.
    fn start_mirror(&mut self, slot: usize, dataset: DatasetId, storage: StorageId, job: u32) {
        {
            {
                let data = self.workload.dataset(dataset);
                self.change_stored(storage, data.size_gb);
                self.transfer.mirror_gb += data.size_gb;
                let (flow, egress) = self.start_flow(
                    FlowPurpose::Mirror { slot: slot as u32 },
                    data.home,
                    storage,
                    data.size_gb,
                );
                self.mirrors[slot] = Mirror::Transferring {
                    flow,
                    waiters: Vec::new(),
                };
                let outcome = &mut self.outcomes[job as usize];
                outcome.transfer_gb += data.size_gb;
                outcome.cost_usd += egress;
            }
        }
    }

    /// Starts copying a waiting job's data to another plane's storage ahead of a burst.
    fn prefetch(&mut self, job: u32, plane: PlaneId, access: Access) {
        let spec = self.job(job);
        let storage = self.platform.plane(plane).storage;
        let home = self.workload.dataset(spec.dataset).home;
        if storage == home || self.platform.link_between(home, storage).is_none() {
            return;
        }
        match access {
            Access::Snapmirror if !spec.writes_back => {
                let slot = self.mirror_slot(spec.dataset, storage);
                if matches!(self.mirrors[slot], Mirror::Absent) {
                    self.start_mirror(slot, spec.dataset, storage, job);
                }
            }
            Access::Flexcache => {
                let cached = self.caches[storage.index()].cached_gb(spec.dataset);
                let gb = (spec.read_gb - cached).max(0.0);
                if gb > 1e-9 {
                    self.transfer.hydration_gb += gb;
                    let purpose = FlowPurpose::Prefill {
                        dataset: spec.dataset.0,
                        storage: storage.0,
                        gb: spec.read_gb,
                    };
                    let (_, egress) = self.start_flow(purpose, home, storage, gb);
                    let outcome = &mut self.outcomes[job as usize];
                    outcome.transfer_gb += gb;
                    outcome.cost_usd += egress;
                }
            }
            _ => {}
        }
    }

    fn mirror_slot(&self, dataset: DatasetId, storage: StorageId) -> usize {
        dataset.index() * self.platform.storage.len() + storage.index()
    }

    /// Sends a job whose data is ready to its plane: it starts, binds to nodes on order, or
    /// queues. An on-prem plane with a queue lets a new job overtake it only when it scans out
    /// of order.
    fn enqueue(&mut self, plane: PlaneId, job: u32) {
        let state = &self.planes[plane.index()];
        let behind_queue = state.kind == PlaneKind::Onprem && self.queue_len(plane) > 0;
        if behind_queue && !self.out_of_order {
            self.push_queue(plane, job);
            return;
        }
        if self.try_place(plane, job) == Placement::Queued {
            self.push_queue(plane, job);
        }
    }

    /// Starts queued jobs of `plane` while they can be placed: from the head only, or, on an
    /// on-prem plane scanning out of order, every job that fits.
    fn drain(&mut self, plane: PlaneId) {
        let out_of_order =
            self.out_of_order && self.planes[plane.index()].kind == PlaneKind::Onprem;
        let mut i = 0;
        while let Some(&job) = self.planes[plane.index()].queue.get(i) {
            if self.queued_on[job as usize] != plane.0 {
                self.planes[plane.index()].queue.remove(i);
                continue;
            }
            if self.try_place(plane, job) != Placement::Queued {
                self.planes[plane.index()].queue.remove(i);
                self.leave_queue(plane, job);
                continue;
            }
            if !out_of_order || !self.planes[plane.index()].has_free_gpus() {
                break;
            }
            i += 1;
        }
    }

    fn try_place(&mut self, plane: PlaneId, job: u32) -> Placement {
        let spec = self.job(job);
        let gpus = spec.gpus;
        let run_us = self.platform.plane(plane).run_time_us(spec.duration_us);
        self.scratch_nodes.clear();
        self.scratch_requested.clear();
        let placement = self.planes[plane.index()].place(
            job,
            gpus,
            run_us,
            self.now_us,
            &mut self.scratch_nodes,
            &mut self.scratch_requested,
        );
        if placement == Placement::Queued {
            return placement;
        }
        let start = self.node_arena.len() as u32;
        self.node_arena.extend_from_slice(&self.scratch_nodes);
        self.node_spans[job as usize] = (start, self.scratch_nodes.len() as u32);
        let provision_us = self.platform.plane(plane).provision_us;
        for i in 0..self.scratch_requested.len() {
            let node = self.scratch_requested[i];
            self.schedule(
                self.now_us.saturating_add(provision_us),
                Event::NodeUp {
                    plane: plane.0,
                    node,
                },
            );
        }
        match placement {
            Placement::Started => self.start_job(job),
            Placement::Bound => self.nodes_pending[job as usize] = self.scratch_nodes.len() as u32,
            Placement::Queued => unreachable!("returned above"),
        }
        placement
    }

    fn node_up(&mut self, plane: u32, node: u32) {
        let bound = self.planes[plane as usize].node_up(node);
        for &job in &bound {
            self.nodes_pending[job as usize] -= 1;
            if self.nodes_pending[job as usize] == 0 {
                let gpus = self.job(job).gpus;
                self.planes[plane as usize].start_bound(gpus);
                self.start_job(job);
            }
        }
        self.drain(PlaneId(plane));
    }

    fn start_job(&mut self, job: u32) {
        let spec = self.job(job);
        let outcome = &self.outcomes[job as usize];
        let plane = outcome.plane.expect("placed job");
        let access = outcome.access.expect("placed job");
        self.outcomes[job as usize].start_us = self.now_us;
        let run_us = self.platform.plane(plane).run_time_us(spec.duration_us);
        self.track_running(plane, job, 1.0);
        if access == Access::Flexcache {
            let storage = self.platform.plane(plane).storage;
            let cache = &mut self.caches[storage.index()];
            cache.touch(spec.dataset);
            let cold_gb = (spec.read_gb - cache.cached_gb(spec.dataset)).max(0.0);
            if cold_gb > 1e-9 {
                let home = self.workload.dataset(spec.dataset).home;
                self.transfer.hydration_gb += cold_gb;
                let (_, egress) =
                    self.start_flow(FlowPurpose::Hydrate { job }, home, storage, cold_gb);
                let outcome = &mut self.outcomes[job as usize];
                outcome.transfer_gb += cold_gb;
                outcome.cost_usd += egress;
                return;
            }
            self.outcomes[job as usize].data_ready_us = self.now_us;
        }
        self.schedule(self.now_us.saturating_add(run_us), Event::JobFinish { job });
    }

    /// Starts a transfer and returns its flow id and egress cost, USD.
    fn start_flow(
        &mut self,
        purpose: FlowPurpose,
        from: StorageId,
        to: StorageId,
        gb: f64,
    ) -> (u32, f64) {
        let link = self
            .platform
            .link_between(from, to)
            .expect("validated: a link joins the two storage systems");
        let egress = gb * self.platform.link(link).price_from(from);
        self.egress_usd += egress;
        let flow = Flow {
            purpose,
            target_bits: 0.0,
        };
        let id = match self.free_flows.pop() {
            Some(id) => {
                self.flows[id as usize] = flow;
                id
            }
            None => {
                self.flows.push(flow);
                self.flows.len() as u32 - 1
            }
        };
        let (next_us, target_bits) =
            self.links[link.index()].add(self.now_us, gb * BITS_PER_GB, id);
        self.flows[id as usize].target_bits = target_bits;
        self.rearm_link(link.0, Some(next_us));
        (id, egress)
    }

    fn rearm_link(&mut self, link: u32, next_us: Option<Micros>) {
        let state = &mut self.links[link as usize];
        state.generation += 1;
        let generation = state.generation;
        if let Some(at_us) = next_us {
            self.schedule(at_us, Event::LinkWake { link, generation });
        }
    }

    fn wake_link(&mut self, link: u32, generation: u32) {
        if self.links[link as usize].generation != generation {
            return;
        }
        let mut done = std::mem::take(&mut self.scratch_flows);
        done.clear();
        let next_us = self.links[link as usize].complete(self.now_us, &mut done);
        self.rearm_link(link, next_us);
        let rtt_us = self.platform.links[link as usize].rtt_us;
        for &flow in &done {
            if rtt_us == 0 {
                self.flow_done(flow);
            } else {
                self.schedule(self.now_us.saturating_add(rtt_us), Event::FlowDone { flow });
            }
        }
        self.scratch_flows = done;
    }

    fn flow_done(&mut self, flow: u32) {
        let Flow { purpose, .. } = self.flows[flow as usize];
        self.free_flows.push(flow);
        match purpose {
            FlowPurpose::Hydrate { job } => self.hydrated(job),
            FlowPurpose::Mirror { slot } => {
                let waiters =
                    match std::mem::replace(&mut self.mirrors[slot as usize], Mirror::Ready) {
                        Mirror::Transferring { waiters, .. } => waiters,
                        _ => Vec::new(),
                    };
                for job in waiters {
                    self.outcomes[job as usize].data_ready_us = self.now_us;
                    let plane = self.outcomes[job as usize].plane.expect("placed job");
                    self.enqueue(plane, job);
                }
            }
            FlowPurpose::Prefill {
                dataset,
                storage,
                gb,
            } => {
                let added_gb = self.caches[storage as usize].fill(DatasetId(dataset), gb);
                self.change_stored(StorageId(storage), added_gb);
            }
            FlowPurpose::WriteBack => {}
        }
    }

    /// Finishes a FlexCache job's cold reads: the job ends at
    /// `max(start + d, reads_done + (1 - io_overlap) * d)`.
    fn hydrated(&mut self, job: u32) {
        let spec = self.job(job);
        let plane = self.outcomes[job as usize].plane.expect("placed job");
        let run_us = self.platform.plane(plane).run_time_us(spec.duration_us);
        let stall_us = ((1.0 - self.workload.io_overlap) * run_us as f64).round() as Micros;
        let outcome = &mut self.outcomes[job as usize];
        outcome.data_ready_us = self.now_us;
        let finish_us =
            (outcome.start_us.saturating_add(run_us)).max(self.now_us.saturating_add(stall_us));
        let storage = self.platform.plane(plane).storage;
        let added_gb = self.caches[storage.index()].fill(spec.dataset, spec.read_gb);
        self.change_stored(storage, added_gb);
        // A read stall keeps the job's nodes busy past the end its run time promised.
        let (start, len) = self.node_spans[job as usize];
        let nodes = &self.node_arena[start as usize..(start + len) as usize];
        self.planes[plane.index()].extend_busy_nodes(nodes, finish_us);
        self.schedule(finish_us, Event::JobFinish { job });
    }

    fn finish_job(&mut self, job: u32) {
        let spec = self.job(job);
        let outcome = &mut self.outcomes[job as usize];
        let plane = outcome.plane.expect("placed job");
        let access = outcome.access.expect("placed job");
        outcome.finish_us = self.now_us;
        let held_us = self.now_us - outcome.start_us;
        self.track_running(plane, job, -1.0);
        let outcome = &mut self.outcomes[job as usize];
        let plane_spec = self.platform.plane(plane);
        outcome.cost_usd +=
            f64::from(spec.gpus) * held_us as f64 * plane_spec.price_per_gpu_hour / MICROS_PER_HOUR;
        self.makespan_us = self.makespan_us.max(self.now_us);
        let totals = &mut self.plane_totals[plane.index()];
        totals.jobs += 1;
        totals.busy_gpu_us += u128::from(spec.gpus) * u128::from(held_us);

        let (start, len) = self.node_spans[job as usize];
        let nodes = &self.node_arena[start as usize..(start + len) as usize];
        self.scratch_nodes.clear();
        self.planes[plane.index()].release(spec.gpus, nodes, &mut self.scratch_nodes);
        if plane_spec.kind == PlaneKind::Cloud {
            let release_us = self.now_us.saturating_add(plane_spec.scale_down_us);
            for i in 0..self.scratch_nodes.len() {
                let node = self.scratch_nodes[i];
                let generation = self.planes[plane.index()].idle_generation[node as usize];
                self.schedule(
                    release_us,
                    Event::NodeIdle {
                        plane: plane.0,
                        node,
                        generation,
                    },
                );
            }
        }

        if access == Access::Flexcache && spec.writes_back && spec.write_gb > 0.0 {
            let home = self.workload.dataset(spec.dataset).home;
            self.transfer.write_back_gb += spec.write_gb;
            let (_, egress) = self.start_flow(
                FlowPurpose::WriteBack,
                plane_spec.storage,
                home,
                spec.write_gb,
            );
            let outcome = &mut self.outcomes[job as usize];
            outcome.transfer_gb += spec.write_gb;
            outcome.cost_usd += egress;
        }
        self.drain(plane);
    }

    /// Adds (`sign` 1) or removes (-1) a running job from its plane's remaining-work sums,
    /// taking its end as start plus run time.
    fn track_running(&mut self, plane: PlaneId, job: u32, sign: f64) {
        let spec = self.job(job);
        let run_us = self.platform.plane(plane).run_time_us(spec.duration_us);
        let end_us = self.outcomes[job as usize].start_us.saturating_add(run_us);
        let gpus = f64::from(spec.gpus);
        self.running_gpu_end_s[plane.index()] += sign * gpus * micros_to_secs(end_us);
        self.running_gpus[plane.index()] += sign * gpus;
        if !self.track_ends {
            return;
        }
        if sign > 0.0 {
            self.running_by_end[plane.index()].insert((end_us, job), spec.gpus);
        } else {
            self.running_by_end[plane.index()].remove(&(end_us, job));
        }
    }

    /// Seconds until running jobs on `plane` are expected to end and leave `gpus` GPUs free,
    /// counting GPUs free now and ignoring nodes and the queue; 0 when they are free now, and
    /// when the policy does not read snapshots.
    fn running_frees_s(&self, plane: PlaneId, gpus: u32) -> f64 {
        if !self.track_ends {
            return 0.0;
        }
        let spec = self.platform.plane(plane);
        let capacity = spec.max_nodes * spec.gpus_per_node;
        let free = capacity.saturating_sub(self.planes[plane.index()].busy_gpus);
        let Some(mut needed) = gpus.checked_sub(free).filter(|&n| n > 0) else {
            return 0.0;
        };
        for (&(end_us, _), &job_gpus) in &self.running_by_end[plane.index()] {
            if job_gpus >= needed {
                return micros_to_secs(end_us.saturating_sub(self.now_us));
            }
            needed -= job_gpus;
        }
        f64::INFINITY
    }

    fn change_stored(&mut self, storage: StorageId, delta_gb: f64) {
        let usage = &mut self.storage_use[storage.index()];
        usage.gb_us += usage.stored_gb * (self.now_us - usage.since_us) as f64;
        usage.since_us = self.now_us;
        usage.stored_gb = (usage.stored_gb + delta_gb).max(0.0);
    }

    /// Records the samples due before `until_us`, while the state is still that of the last
    /// event.
    fn sample_until(&mut self, until_us: Micros) {
        while self.next_sample_us <= until_us {
            let at_us = self.next_sample_us;
            let sample = self.sample(at_us);
            self.series.push(sample);
            self.next_sample_us =
                at_us.saturating_add(self.series_interval_us.unwrap_or(Micros::MAX));
        }
    }

    fn sample(&mut self, at_us: Micros) -> SeriesSample {
        let interval_s = micros_to_secs(self.series_interval_us.unwrap_or(1));
        let mut link_gbps = Vec::with_capacity(self.links.len());
        for (l, link) in self.platform.links.iter().enumerate() {
            let busy_us = self.links[l].busy_us_at(at_us);
            let busy_s = micros_to_secs(busy_us - self.link_busy_at_sample[l]);
            self.link_busy_at_sample[l] = busy_us;
            link_gbps.push(link.gbps * busy_s / interval_s);
        }
        let planes = (0..self.planes.len())
            .map(|p| PlaneSample {
                queue_jobs: self.queued_count[p],
                gpus_busy: self.planes[p].busy_gpus,
                nodes_up: self.planes[p].nodes_up(),
            })
            .collect();
        SeriesSample {
            time_s: micros_to_secs(at_us),
            planes,
            link_gbps,
            cost_usd: self.cost_so_far(at_us),
        }
    }

    /// Money spent from time zero to `at_us`, counted as the final totals count it.
    fn cost_so_far(&self, at_us: Micros) -> f64 {
        let mut cost = self.egress_usd;
        for (p, plane) in self.platform.planes.iter().enumerate() {
            let node_us = match plane.kind {
                PlaneKind::Onprem => f64::from(plane.nodes) * at_us as f64,
                PlaneKind::Cloud => self.planes[p].billed_node_us_at(at_us) as f64,
            };
            cost += node_us * f64::from(plane.gpus_per_node) * plane.price_per_gpu_hour
                / MICROS_PER_HOUR;
        }
        for (s, storage) in self.platform.storage.iter().enumerate() {
            let usage = &self.storage_use[s];
            let gb_us = usage.gb_us + usage.stored_gb * at_us.saturating_sub(usage.since_us) as f64;
            cost += gb_us / (MICROS_PER_HOUR * HOURS_PER_MONTH) * storage.price_per_gb_month;
        }
        cost
    }

    /// Marks jobs that were placed but never ran, which a correct replay never leaves.
    fn reject_unfinished(&mut self) {
        for outcome in &mut self.outcomes {
            let ran = outcome.finish_us >= outcome.start_us && outcome.finish_us > 0;
            if outcome.rejected.is_none() && !ran {
                debug_assert!(false, "a job was placed but never ran");
                outcome.rejected = Some(RejectReason::NeverStarted);
            }
        }
    }

    fn finish(mut self) -> Outcome {
        self.reject_unfinished();
        let last_event_us = self.makespan_us.max(self.now_us);
        self.sample_until(last_event_us);
        let end_us = self.makespan_us;
        let mut cost = CostTotals {
            egress: self.egress_usd,
            ..CostTotals::default()
        };
        for (s, storage) in self.platform.storage.iter().enumerate() {
            let usage = &mut self.storage_use[s];
            let until_us = end_us.max(usage.since_us);
            usage.gb_us += usage.stored_gb * (until_us - usage.since_us) as f64;
            cost.storage +=
                usage.gb_us / (MICROS_PER_HOUR * HOURS_PER_MONTH) * storage.price_per_gb_month;
        }
        for (p, plane) in self.platform.planes.iter().enumerate() {
            let node_us = match plane.kind {
                PlaneKind::Onprem => u128::from(plane.nodes) * u128::from(end_us),
                PlaneKind::Cloud => u128::from(self.planes[p].billed_node_us_at(self.now_us)),
            };
            self.plane_totals[p].node_us = node_us;
            let gpu_hours = node_us as f64 * f64::from(plane.gpus_per_node) / MICROS_PER_HOUR;
            let compute = gpu_hours * plane.price_per_gpu_hour;
            match plane.kind {
                PlaneKind::Onprem => cost.onprem_compute += compute,
                PlaneKind::Cloud => cost.cloud_compute += compute,
            }
        }
        Outcome {
            jobs: self.outcomes,
            planes: self.plane_totals,
            transfer: self.transfer,
            cost,
            makespan_us: self.makespan_us,
            series: self.series,
        }
    }
}

impl ClusterView for Engine<'_> {
    fn platform(&self) -> &Platform {
        self.platform
    }

    fn workload(&self) -> &Workload {
        self.workload
    }

    fn now_us(&self) -> Micros {
        self.now_us
    }

    fn can_start_now(&self, plane: PlaneId, gpus: u32) -> bool {
        let state = &self.planes[plane.index()];
        let queue_blocks = state.kind == PlaneKind::Onprem
            && !self.out_of_order
            && self.queued_count[plane.index()] > 0;
        !queue_blocks && state.fits_now(gpus)
    }

    fn queue_len(&self, plane: PlaneId) -> usize {
        self.queued_count[plane.index()]
    }

    fn queued_plane(&self, job: &Job) -> Option<PlaneId> {
        let plane = self.queued_on[self.job_index(job)?];
        (plane != NOT_QUEUED).then_some(PlaneId(plane))
    }

    fn plane_input(&self, plane: PlaneId, job: &Job) -> PlaneInput {
        let spec = self.platform.plane(plane);
        let state = &self.planes[plane.index()];
        let starts_now = self.can_start_now(plane, job.gpus);
        let booting = if starts_now {
            None
        } else {
            state.provisioning_for(job.gpus, self.now_us)
        };
        let provision_s = booting.map(|b| micros_to_secs(b.ready_in_us));
        let new_nodes = booting.map(|b| b.new_nodes);
        let dataset = self.workload.dataset(job.dataset);
        let data = if spec.storage == dataset.home {
            DataInput::Local
        } else {
            match self.platform.link_between(dataset.home, spec.storage) {
                None => DataInput::Unreachable,
                Some(link_id) => {
                    let link = self.platform.link(link_id);
                    let active = self.links[link_id.index()].active();
                    let slot = self.mirror_slot(job.dataset, spec.storage);
                    let mirror = match &self.mirrors[slot] {
                        Mirror::Absent => MirrorInput::Absent,
                        Mirror::Ready => MirrorInput::Ready,
                        Mirror::Transferring { flow, .. } => {
                            let target = self.flows[*flow as usize].target_bits;
                            let bits =
                                self.links[link_id.index()].remaining_bits(target, self.now_us);
                            MirrorInput::Transferring {
                                gb_left: bits / BITS_PER_GB,
                                gbps: link.gbps / active.max(1) as f64,
                            }
                        }
                    };
                    DataInput::Remote {
                        link: LinkInput {
                            gbps_for_new_flow: link.gbps / (active + 1) as f64,
                            rtt_s: micros_to_secs(link.rtt_us),
                            price_per_gb_in: link.price_from(dataset.home),
                            price_per_gb_out: link.price_from(spec.storage),
                        },
                        cached_gb: self.caches[spec.storage.index()].cached_gb(job.dataset),
                        cache_capacity_gb: self
                            .platform
                            .storage(spec.storage)
                            .flexcache_capacity_gb,
                        mirror,
                    }
                }
            }
        };
        PlaneInput {
            plane,
            kind: spec.kind,
            can_ever_fit: spec.can_ever_fit(job.gpus),
            starts_now,
            provision_s,
            new_nodes: new_nodes.unwrap_or(0),
            running_frees_s: self.running_frees_s(plane, job.gpus),
            // The core prices node time only on cloud planes.
            shared_node_busy_s: match spec.kind {
                PlaneKind::Cloud => state.shared_node_busy_s(job.gpus, self.now_us),
                PlaneKind::Onprem => 0.0,
            },
            gpus_per_node: spec.gpus_per_node,
            scale_down_s: micros_to_secs(spec.scale_down_us),
            queue_ahead_gpu_s: self.queue_ahead_gpu_s(plane, job),
            running_gpu_s: (self.running_gpu_end_s[plane.index()]
                - micros_to_secs(self.now_us) * self.running_gpus[plane.index()])
            .max(0.0),
            drain_gpus: f64::from(spec.max_nodes * spec.gpus_per_node),
            price_per_gpu_hour: spec.price_per_gpu_hour,
            speed_factor: spec.speed_factor,
            storage_price_per_gb_month: self.platform.storage(spec.storage).price_per_gb_month,
            data,
        }
    }

    fn mirror_status(&self, dataset: DatasetId, storage: StorageId) -> MirrorStatus {
        match self.mirrors[self.mirror_slot(dataset, storage)] {
            Mirror::Absent => MirrorStatus::Absent,
            Mirror::Transferring { .. } => MirrorStatus::Transferring,
            Mirror::Ready => MirrorStatus::Ready,
        }
    }

    fn cached_gb(&self, dataset: DatasetId, storage: StorageId) -> f64 {
        self.caches[storage.index()].cached_gb(dataset)
    }
}
