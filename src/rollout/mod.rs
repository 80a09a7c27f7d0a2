//! Pure views of a rollout: merging presence and status into what each host is doing.

pub mod events;
pub mod summary;
// Moved down a floor to `crate::policy`; kept here while older paths are updated.
pub use crate::policy;
pub use crate::policy::retention;
pub mod wait;
pub mod watch;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::model::{HostState, HostStatus, ReleaseSpec};

/// One host as `status` (and later `wait-for-rollout`) shows it (`Default`: idle, nothing known).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct HostView {
    pub host: String,
    pub state: HostState,
    /// Whether an agent is registered for the app on this host right now.
    pub registered: bool,
    // Printed as JSON (docs/schema/): a value that is not there is left out, never "" or null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// When the host last wrote its status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub output_tail: String,
    /// The on-failure command's result after the host's last failed attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<crate::model::HookResult>,
    /// When the git checkout was ready (before the slot was taken).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prepared_at: Option<String>,
    /// When the host was granted its slot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot_at: Option<String>,
    /// Its metric checks, each with the rendered query, values, threshold and verdict.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<crate::checks::CheckRecord>,
}

impl HostView {
    /// The message for tables: with the on-failure command's result when it ran.
    pub fn message_for_table(&self) -> String {
        match &self.on_failure {
            Some(h) if h.ok => format!("{}; on-failure command ran", self.message),
            Some(h) => format!("{}; {}", self.message, h.message),
            None => self.message.clone(),
        }
    }
}

/// How long a host's agent has been seen gone, and how long it may stay away before it is `lost`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Absence {
    pub gone_for: Duration,
    pub grace: Duration,
}

/// What a returning agent needs beyond its session timeout: noticing the loss, reconnecting
/// (its backoff reaches 10 s while ZooKeeper is unreachable) and registering again.
pub const RECONNECT_ALLOWANCE: Duration = Duration::from_secs(15);
/// The session timeout assumed for an agent that did not say (older agents).
pub const DEFAULT_AGENT_SESSION: Duration = Duration::from_secs(10);

impl Absence {
    pub fn grace_for(session_timeout: Option<Duration>) -> Duration {
        session_timeout.unwrap_or(DEFAULT_AGENT_SESSION) + RECONNECT_ALLOWANCE
    }

    fn expired(&self) -> bool {
        self.gone_for >= self.grace
    }
}

/// Merge registered hosts and reported statuses (pure; `now` for running durations).
///
/// A host whose status says it is deploying or verifying the current release but whose agent
/// is gone is `lost` once it can no longer come back in time: `absent` says how long each such
/// agent has been seen gone and its grace period; a host missing from `absent` (a one-off
/// `status` has no memory) is lost at once. A registered host with no status for the current
/// release is `idle` for it.
pub fn host_views(
    spec: Option<&ReleaseSpec>,
    registered: &[String],
    statuses: &[HostStatus],
    absent: &BTreeMap<String, Absence>,
    now: SystemTime,
) -> Vec<HostView> {
    let mut by_host: BTreeMap<&str, (bool, Option<&HostStatus>)> = BTreeMap::new();
    for h in registered {
        by_host.entry(h).or_default().0 = true;
    }
    for st in statuses {
        by_host.entry(&st.host).or_default().1 = Some(st);
    }
    by_host
        .into_iter()
        .map(|(host, (registered, st))| {
            let current_release = spec.map(|s| s.release);
            let absence = absent.get(host).copied();
            // Only a host that had started (deploying, verifying) can be lost: one that left while
            // waiting for a slot simply is no target any more.
            let gone_mid_deploy = st.is_some_and(|st| {
                matches!(
                    st.state,
                    HostState::Deploying | HostState::Verifying | HostState::Baking
                ) && !registered
                    && Some(st.release) == current_release
            });
            let lost = gone_mid_deploy && absence.is_none_or(|a| a.expired());
            let state = match st {
                None => HostState::Idle,
                Some(_) if lost => HostState::Lost,
                Some(st) => st.state,
            };
            HostView {
                host: host.to_string(),
                state,
                registered,
                release: st.map(|s| s.release),
                version: st.map(|s| s.version.clone()),
                attempts: st.map(|s| s.attempts).unwrap_or(0),
                exit_code: st.and_then(|s| s.exit_code),
                started_at: st.and_then(|s| s.started_at.clone()),
                finished_at: st.and_then(|s| s.finished_at.clone()),
                updated_at: st.map(|s| s.updated_at.clone()).filter(|t| !t.is_empty()),
                duration_ms: st
                    .and_then(|s| s.duration(now))
                    .map(|d| d.as_millis() as u64),
                message: match (st, absence) {
                    (Some(st), Some(a)) if lost => format!(
                        "agent gone for {} while {}",
                        humantime::format_duration(whole_seconds(a.gone_for)),
                        st.state
                    ),
                    (Some(st), _) if lost => format!("agent vanished while {}", st.state),
                    (Some(st), Some(a)) if gone_mid_deploy => format!(
                        "{}; agent gone for {}, lost if not back within {}",
                        st.message,
                        humantime::format_duration(whole_seconds(a.gone_for)),
                        humantime::format_duration(whole_seconds(a.grace))
                    ),
                    (Some(st), _) => st.message.clone(),
                    (None, _) => String::new(),
                },
                output_tail: st.map(|s| s.output_tail.clone()).unwrap_or_default(),
                on_failure: st.and_then(|s| s.on_failure.clone()),
                prepared_at: st.and_then(|s| s.prepared_at.clone()),
                slot_at: st.and_then(|s| s.slot_at.clone()),
                checks: st.map(|s| s.checks.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

fn whole_seconds(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ReleaseSpec {
        let mut s: ReleaseSpec = serde_json::from_str(r#"{"app":"web","version":"2.0"}"#).unwrap();
        s.release = 2;
        s
    }

    fn st(host: &str, release: u64, state: HostState) -> HostStatus {
        HostStatus {
            host: host.into(),
            release,
            version: "2.0".into(),
            state,
            ..Default::default()
        }
    }

    #[test]
    fn merges_and_derives_lost() {
        let now = SystemTime::now();
        let views = host_views(
            Some(&spec()),
            &["a".into(), "b".into()],
            &[
                st("a", 2, HostState::Healthy),
                st("c", 2, HostState::Deploying),
                st("d", 1, HostState::Deploying),
            ],
            &BTreeMap::new(),
            now,
        );
        let states: Vec<(&str, HostState, bool)> = views
            .iter()
            .map(|v| (v.host.as_str(), v.state, v.registered))
            .collect();
        assert_eq!(
            states,
            vec![
                ("a", HostState::Healthy, true),
                ("b", HostState::Idle, true),
                ("c", HostState::Lost, false),
                // An older release's leftovers are shown as they are, not as lost.
                ("d", HostState::Deploying, false),
            ]
        );
        assert!(views[2].message.contains("vanished"));
    }

    #[test]
    fn an_agent_gone_mid_deploy_is_lost_only_after_its_grace() {
        let now = SystemTime::now();
        let statuses = [
            st("a", 2, HostState::Deploying),
            st("w", 2, HostState::Waiting),
        ];
        let grace = Absence::grace_for(Some(Duration::from_secs(2)));
        let gone = |secs| {
            BTreeMap::from([
                (
                    "a".to_string(),
                    Absence {
                        gone_for: Duration::from_secs(secs),
                        grace,
                    },
                ),
                (
                    "w".to_string(),
                    Absence {
                        gone_for: Duration::from_secs(secs),
                        grace,
                    },
                ),
            ])
        };
        let early = host_views(Some(&spec()), &[], &statuses, &gone(3), now);
        assert_eq!(early[0].state, HostState::Deploying, "{early:?}");
        assert!(
            early[0].message.contains("agent gone for 3s"),
            "{}",
            early[0].message
        );
        // One that left while waiting is never lost.
        assert_eq!(early[1].state, HostState::Waiting);
        let late = host_views(Some(&spec()), &[], &statuses, &gone(17), now);
        assert_eq!(late[0].state, HostState::Lost);
        assert_eq!(late[0].message, "agent gone for 17s while deploying");
        assert_eq!(late[1].state, HostState::Waiting);
    }
}
