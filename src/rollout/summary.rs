//! The result of waiting for a rollout: one documented object (docs/output.md,
//! docs/schema/wait-summary.schema.json) that every reporter renders.

use std::collections::BTreeMap;

use serde::Serialize;

use super::HostView;
use super::wait::WaitResult;
use crate::model::HostState;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RolloutSummary {
    pub app: String,
    pub version: String,
    pub release: u64,
    pub result: WaitResult,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<u64>,
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: u64,
    /// The code this release is, when it was published with --version-from-git.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<crate::model::Source>,
    /// Hosts per state, for the target release.
    pub counts: BTreeMap<HostState, usize>,
    /// One entry per target host; `state` is the state for the target release.
    pub hosts: Vec<HostView>,
    /// The release's finalize command, when it has one (`pending` until a host claims it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finalize: Option<crate::model::HookRun>,
}

impl RolloutSummary {
    pub fn succeeded(&self) -> bool {
        self.result == WaitResult::Succeeded
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
