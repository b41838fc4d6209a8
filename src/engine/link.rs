//! Fair sharing of one WAN link among its active transfers.
//!
//! Every active flow gets an equal share of the link. The link keeps one counter, the bits
//! delivered to each flow since the start, which grows at `rate / active` between changes. A
//! flow starting when the counter is `w` with `bits` to send finishes when the counter reaches
//! `w + bits`, so flows wait in a min-heap on that target. A flow starting or finishing costs
//! O(log n) and never touches the other flows.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use ordered_float::OrderedFloat;

use crate::units::Micros;

/// Counter value beyond which [`LinkState::rebase`] shifts it back to 0: 10^15 bits, where an
/// f64 still resolves a tenth of a bit.
const REBASE_BITS: f64 = 1e15;

/// Runtime state of one link.
#[derive(Debug)]
pub(super) struct LinkState {
    /// Capacity, bits per microsecond.
    rate: f64,
    /// Bits delivered to each active flow since the last rebase.
    delivered: f64,
    /// Sum of the shifts [`LinkState::rebase`] made; targets handed out include it, so they
    /// stay valid across shifts.
    rebased: f64,
    last_update_us: Micros,
    /// Active flows by the value of `delivered` at which they finish.
    flows: BinaryHeap<Reverse<(OrderedFloat<f64>, u32)>>,
    /// Generation of the link's pending wake-up event; older wake-ups are stale.
    pub generation: u32,
    /// Time with at least one active flow, for reporting.
    pub busy_us: Micros,
}

impl LinkState {
    pub fn new(bits_per_us: f64) -> LinkState {
        LinkState {
            rate: bits_per_us,
            delivered: 0.0,
            rebased: 0.0,
            last_update_us: 0,
            flows: BinaryHeap::new(),
            generation: 0,
            busy_us: 0,
        }
    }

    fn advance(&mut self, now_us: Micros) {
        self.rebase();
        let active = self.flows.len();
        if active > 0 {
            let elapsed = now_us - self.last_update_us;
            self.delivered += elapsed as f64 * self.rate / active as f64;
            self.busy_us += elapsed;
        }
        self.last_update_us = now_us;
    }

    /// Adds a flow of `bits` and returns the time of the link's next flow completion and the
    /// counter value at which the new flow finishes.
    pub fn add(&mut self, now_us: Micros, bits: f64, flow: u32) -> (Micros, f64) {
        self.advance(now_us);
        let target = self.delivered + bits;
        self.flows.push(Reverse((OrderedFloat(target), flow)));
        (
            self.next_completion_us().expect("a flow was just added"),
            target,
        )
    }

    /// Bits a flow whose [`LinkState::add`] returned `target` still has to receive at `now_us`.
    pub fn remaining_bits(&self, target: f64, now_us: Micros) -> f64 {
        let active = self.flows.len().max(1) as f64;
        let elapsed = now_us.saturating_sub(self.last_update_us) as f64;
        (target - self.rebased - self.delivered - elapsed * self.rate / active).max(0.0)
    }

    /// Time with at least one active flow from time zero to `now_us`.
    pub fn busy_us_at(&self, now_us: Micros) -> Micros {
        if self.flows.is_empty() {
            self.busy_us
        } else {
            self.busy_us + now_us.saturating_sub(self.last_update_us)
        }
    }

    /// Flows now sharing the link.
    pub fn active(&self) -> usize {
        self.flows.len()
    }

    /// Removes the flows finished by `now_us` into `done`, in finishing order, and returns the
    /// time of the next completion, if any flow is left.
    pub fn complete(&mut self, now_us: Micros, done: &mut Vec<u32>) -> Option<Micros> {
        self.advance(now_us);
        // Flows within one microsecond of progress of their target count as done, so rounding
        // of the target time to whole microseconds cannot leave a flow a few bits short.
        let slack = self.rate / self.flows.len().max(1) as f64;
        while let Some(&Reverse((target, flow))) = self.flows.peek() {
            if target.0 - self.delivered > slack {
                break;
            }
            self.flows.pop();
            done.push(flow);
        }
        self.next_completion_us()
    }

    fn next_completion_us(&self) -> Option<Micros> {
        let &Reverse((target, _)) = self.flows.peek()?;
        let remaining = (target.0 - self.delivered).max(0.0);
        let wait = (remaining * self.flows.len() as f64 / self.rate).ceil() as Micros;
        Some(self.last_update_us.saturating_add(wait))
    }

    /// Keeps the per-flow counter below [`REBASE_BITS`], where an f64 still resolves the bits
    /// that one microsecond adds at 0.01 Gbps. The counter goes back to 0 when the link is
    /// idle and is shifted down with every target once it is large. The shift touches every
    /// flow, but runs at most once per [`REBASE_BITS`] delivered.
    fn rebase(&mut self) {
        if self.flows.is_empty() {
            self.rebased += self.delivered;
            self.delivered = 0.0;
        } else if self.delivered > REBASE_BITS {
            let base = self.delivered;
            self.rebased += base;
            let flows = std::mem::take(&mut self.flows).into_vec();
            self.flows = flows
                .into_iter()
                .map(|Reverse((target, flow))| Reverse((OrderedFloat(target.0 - base), flow)))
                .collect();
            self.delivered = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10 Gbps = 10^10 bit/s = 10^4 bits per microsecond.
    const TEN_GBPS: f64 = 1e4;

    #[test]
    fn one_flow_alone_runs_at_full_rate() {
        let mut link = LinkState::new(TEN_GBPS);
        // 1000 GB = 8e12 bits; 8e12 / 1e4 = 8e8 µs = 800 s.
        assert_eq!(link.add(0, 8e12, 0).0, 800_000_000);
    }

    #[test]
    fn two_flows_share_equally() {
        let mut link = LinkState::new(TEN_GBPS);
        link.add(0, 4e12, 0);
        // Two 500 GB flows share 10 Gbps: 4e12 bits each at 5e3 bit/µs = 8e8 µs.
        let (next, _) = link.add(0, 4e12, 1);
        assert_eq!(next, 800_000_000);
        let mut done = Vec::new();
        assert_eq!(link.complete(next, &mut done), None);
        assert_eq!(done, vec![0, 1]);
    }

    #[test]
    fn late_flow_slows_the_first() {
        let mut link = LinkState::new(TEN_GBPS);
        // Flow 0: 8e12 bits alone for 400 s delivers 4e12 bits; then flow 1 (1e12 bits) joins.
        link.add(0, 8e12, 0);
        // Both at 5e3 bit/µs: flow 1 needs 1e12 / 5e3 = 2e8 µs, done at 600 s.
        let (next, _) = link.add(400_000_000, 1e12, 1);
        assert_eq!(next, 600_000_000);
        let mut done = Vec::new();
        // Flow 0 has 8e12 - 4e12 - 1e12 = 3e12 bits left, alone at 1e4 bit/µs: 300 s more.
        assert_eq!(link.complete(next, &mut done), Some(900_000_000));
        assert_eq!(done, vec![1]);
    }

    #[test]
    fn rebase_keeps_small_flows_exact() {
        // 0.01 Gbps = 10 bits/µs. Flow 0 has 8e17 bits. After 2e14 µs alone it has received
        // 2e15 bits, past the rebase point, when flow 1 (1000 bits) joins.
        let mut link = LinkState::new(10.0);
        let (_, target0) = link.add(0, 8e17, 0);
        let (next, _) = link.add(200_000_000_000_000, 1000.0, 1);
        // Sharing 5 bits/µs, flow 1 needs 1000 / 5 = 200 µs.
        assert_eq!(next, 200_000_000_000_200);
        let mut done = Vec::new();
        let after = link.complete(next, &mut done);
        assert_eq!(done, vec![1]);
        // Flow 0 received 2e15 + 1000 bits: 8e17 - 2e15 - 1000 left, alone at 10 bits/µs.
        let left = 8e17 - 2e15 - 1000.0;
        assert_eq!(link.remaining_bits(target0, next), left);
        assert_eq!(after, Some(next + (left / 10.0) as u64));
    }
}
