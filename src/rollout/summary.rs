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
    /// The hosts that failed or were lost (also those the failure budget tolerated in a release
    /// that succeeded, and those only the release's ledger still remembers).
    pub failed_hosts: Vec<String>,
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

/// The result of one wait over several apps (`wait-for-rollout APP1 APP2 …`,
/// docs/schema/wait-apps-summary.schema.json): each app's own summary, pinned to its release, and
/// the overall result — the worst of them (`WaitResult::severity`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AppsSummary {
    pub result: WaitResult,
    pub message: String,
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: u64,
    pub apps: Vec<RolloutSummary>,
}

impl AppsSummary {
    /// `apps` in the order they were asked for; the run lasted from the first start to the last
    /// finish.
    pub fn new(apps: Vec<RolloutSummary>) -> Self {
        let result = apps
            .iter()
            .map(|a| a.result)
            .max_by_key(|r| r.severity())
            .unwrap_or(WaitResult::Succeeded);
        let message = apps
            .iter()
            .map(|a| match a.result {
                WaitResult::Succeeded => format!("{}: {}", a.app, a.result.as_str()),
                r => format!("{}: {}: {}", a.app, r.as_str(), a.message),
            })
            .collect::<Vec<_>>()
            .join("; ");
        let started_at = apps
            .iter()
            .map(|a| a.started_at.clone())
            .min()
            .unwrap_or_default();
        let finished_at = apps
            .iter()
            .map(|a| a.finished_at.clone())
            .max()
            .unwrap_or_default();
        let duration_ms = match (
            crate::model::parse_time(&started_at),
            crate::model::parse_time(&finished_at),
        ) {
            (Some(a), Some(b)) => b.duration_since(a).unwrap_or_default().as_millis() as u64,
            _ => apps.iter().map(|a| a.duration_ms).max().unwrap_or(0),
        };
        AppsSummary {
            result,
            message,
            started_at,
            finished_at,
            duration_ms,
            apps,
        }
    }

    pub fn succeeded(&self) -> bool {
        self.result == WaitResult::Succeeded
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(name: &str, result: WaitResult, start: &str, end: &str) -> RolloutSummary {
        RolloutSummary {
            app: name.into(),
            version: "1".into(),
            release: 1,
            result,
            message: format!("{name} {result}"),
            superseded_by: None,
            started_at: start.into(),
            finished_at: end.into(),
            duration_ms: 0,
            source: None,
            counts: BTreeMap::new(),
            failed_hosts: vec![],
            hosts: vec![],
            finalize: None,
        }
    }

    #[test]
    fn the_worst_app_decides() {
        let t0 = "2026-01-01T00:00:00.000Z";
        let t1 = "2026-01-01T00:00:01.000Z";
        let t2 = "2026-01-01T00:00:02.500Z";
        let s = AppsSummary::new(vec![
            app("web", WaitResult::Succeeded, t0, t1),
            app("api", WaitResult::Failed, t1, t2),
            app("db", WaitResult::TimedOut, t0, t2),
        ]);
        assert_eq!(s.result, WaitResult::Failed);
        assert_eq!(s.duration_ms, 2500);
        assert!(s.message.contains("api: failed"), "{}", s.message);
        let s = AppsSummary::new(vec![
            app("web", WaitResult::Succeeded, t0, t1),
            app("db", WaitResult::TimedOut, t0, t2),
        ]);
        assert_eq!(s.result, WaitResult::TimedOut);
        let s = AppsSummary::new(vec![app("web", WaitResult::Succeeded, t0, t1)]);
        assert!(s.succeeded());
    }
}
