//! burstplane decides which data plane of a hybrid Kubernetes platform a GPU job should run on,
//! and how its data gets there, and replays job traces to show what those decisions cost.
//!
//! The core is synchronous and does no I/O: [`model`] contains the platform and workload,
//! [`engine`] replays a workload through the platform under a [`policy`], and [`report`] sums
//! the outcome up. Around it sit the readers ([`scenario`], [`trace`]), the data attachment
//! model ([`attach`]) and the command line ([`cli`]).

pub mod attach;
pub mod cli;
pub mod engine;
pub mod model;
pub mod output;
pub mod policy;
pub mod report;
pub mod scenario;
pub mod score;
pub mod sweep;
pub mod trace;
pub mod units;
