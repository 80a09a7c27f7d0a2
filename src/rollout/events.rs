//! Events the wait runner emits (through `model::EventSink`); `output::report` fans them out to
//! the reporters (progress lines, bars, NDJSON).

use std::collections::BTreeMap;

use serde::Serialize;

use super::wait::WaitResult;
use crate::model::HostState;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum WaitEvent {
    Started {
        at: String,
        app: String,
        release: u64,
        version: String,
    },
    /// A target host changed state (for the target release).
    Host {
        at: String,
        host: String,
        state: HostState,
        #[serde(skip_serializing_if = "Option::is_none")]
        previous: Option<HostState>,
        #[serde(skip_serializing_if = "String::is_empty")]
        message: String,
        /// Done / total target hosts after this change.
        done: usize,
        total: usize,
        /// Hosts deploying or verifying right now.
        active: Vec<String>,
    },
    /// The release reached a gate of its steps (`--steps`): where, and what lets it go on.
    Gate {
        at: String,
        /// 1-based step of `of`.
        step: usize,
        of: usize,
        message: String,
    },
    /// The release's finalize command (`--finalize-cmd`) was claimed, or ended.
    Finalize {
        at: String,
        finalize: crate::model::HookRun,
    },
    /// Emitted at least every heartbeat interval while nothing is decided.
    Heartbeat {
        at: String,
        elapsed_ms: u64,
        counts: BTreeMap<HostState, usize>,
        #[serde(skip_serializing_if = "String::is_empty")]
        pending: String,
    },
    Finished {
        at: String,
        result: WaitResult,
        message: String,
    },
}
