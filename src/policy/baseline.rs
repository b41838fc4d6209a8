//! The two baseline policies: never burst, and burst whenever the on-prem plane cannot start a
//! job at once.

use super::{ClusterView, Decision, Policy, PolicyConfig, RejectReason, choose_access};
use crate::model::{Access, Job, PlaneId, PlaneKind};

/// A plane the job may use, with the access mode that reaches its data there.
#[derive(Clone, Copy)]
pub(super) struct Candidate {
    pub plane: PlaneId,
    pub access: Access,
}

/// Lists the planes of `kind` that the job allows, can fit on and can reach its data from, in
/// scenario order with planes that contain the data first. The error gives the reason the list
/// is empty.
pub(super) fn candidates(
    job: &Job,
    view: &dyn ClusterView,
    config: &PolicyConfig,
    kind: Option<PlaneKind>,
    out: &mut Vec<Candidate>,
) -> Result<(), RejectReason> {
    out.clear();
    if job.unknown_plane.is_some() {
        return Err(RejectReason::UnknownPlane);
    }
    let platform = view.platform();
    let mut too_large = false;
    for plane in platform.plane_ids() {
        let spec = platform.plane(plane);
        if !job.allowed.contains(plane) || kind.is_some_and(|kind| spec.kind != kind) {
            continue;
        }
        if !spec.can_ever_fit(job.gpus) {
            too_large = true;
            continue;
        }
        if let Some(access) = choose_access(job, plane, view, config.mirror_read_fraction) {
            out.push(Candidate { plane, access });
        }
    }
    // Stable sort: local data first, scenario order otherwise.
    out.sort_by_key(|candidate| candidate.access != Access::Local);
    match (out.is_empty(), too_large) {
        (false, _) => Ok(()),
        (true, true) => Err(RejectReason::TooLarge),
        (true, false) => Err(RejectReason::NotAllowed),
    }
}

pub(super) fn run(candidate: Candidate) -> Decision {
    Decision::Run {
        plane: candidate.plane,
        access: candidate.access,
    }
}

/// Runs every job on-prem: on a plane that can start it now, else on the plane holding its
/// data, else on the first allowed on-prem plane.
pub struct OnpremOnly {
    config: PolicyConfig,
    scratch: Vec<Candidate>,
}

impl OnpremOnly {
    pub fn new(config: PolicyConfig) -> OnpremOnly {
        OnpremOnly {
            config,
            scratch: Vec::new(),
        }
    }
}

impl Policy for OnpremOnly {
    fn name(&self) -> &'static str {
        "onprem-only"
    }

    fn scans_out_of_order(&self) -> bool {
        self.config.out_of_order
    }

    fn place(&mut self, job: &Job, view: &dyn ClusterView) -> Decision {
        let onprem = Some(PlaneKind::Onprem);
        if let Err(reason) = candidates(job, view, &self.config, onprem, &mut self.scratch) {
            return Decision::Reject(reason);
        }
        let now = self
            .scratch
            .iter()
            .find(|candidate| view.can_start_now(candidate.plane, job.gpus));
        run(*now.unwrap_or(&self.scratch[0]))
    }
}

/// Starts a job on-prem when an on-prem plane can start it now. Otherwise it bursts at once to
/// the cheapest allowed cloud plane (by GPU-hour price, ties in scenario order). When no cloud
/// plane is allowed, it queues on-prem as [`OnpremOnly`] does.
pub struct NoWait {
    config: PolicyConfig,
    scratch: Vec<Candidate>,
}

impl NoWait {
    pub fn new(config: PolicyConfig) -> NoWait {
        NoWait {
            config,
            scratch: Vec::new(),
        }
    }
}

impl Policy for NoWait {
    fn name(&self) -> &'static str {
        "no-wait"
    }

    fn scans_out_of_order(&self) -> bool {
        self.config.out_of_order
    }

    fn place(&mut self, job: &Job, view: &dyn ClusterView) -> Decision {
        if let Err(reason) = candidates(job, view, &self.config, None, &mut self.scratch) {
            return Decision::Reject(reason);
        }
        let platform = view.platform();
        let is_onprem = |c: &&Candidate| platform.plane(c.plane).kind == PlaneKind::Onprem;
        if let Some(now) = self
            .scratch
            .iter()
            .filter(is_onprem)
            .find(|c| view.can_start_now(c.plane, job.gpus))
        {
            return run(*now);
        }
        let cheapest_cloud = self
            .scratch
            .iter()
            .filter(|c| platform.plane(c.plane).kind == PlaneKind::Cloud)
            .min_by(|a, b| {
                let price = |c: &Candidate| platform.plane(c.plane).price_per_gpu_hour;
                price(a).total_cmp(&price(b))
            });
        match cheapest_cloud {
            Some(cloud) => run(*cloud),
            None => run(*self
                .scratch
                .iter()
                .find(is_onprem)
                .unwrap_or(&self.scratch[0])),
        }
    }
}
