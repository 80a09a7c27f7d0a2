//! Pure views of a rollout: merging presence and status into what each host is doing.

pub mod events;
pub mod policy;
pub mod retention;
pub mod wait;
pub mod watch;

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde::Serialize;

use crate::model::{HostState, HostStatus, ReleaseSpec};

/// One host as `status` (and later `wait-for-rollout`) shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostView {
    pub host: String,
    pub state: HostState,
    /// Whether an agent is registered for the app on this host right now.
    pub registered: bool,
    pub release: Option<u64>,
    pub version: Option<String>,
    pub attempts: u32,
    pub exit_code: Option<i32>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_ms: Option<u64>,
    pub message: String,
    pub output_tail: String,
}

/// Merge registered hosts and reported statuses (pure; `now` for running durations).
///
/// A host whose status says it is mid-rollout but whose agent is gone is `lost`; a registered
/// host with no status for the current release is `idle` for it.
pub fn host_views(
    spec: Option<&ReleaseSpec>,
    registered: &[String],
    statuses: &[HostStatus],
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
            let state = match st {
                None => HostState::Idle,
                Some(st) => {
                    let mid_rollout = !st.state.is_terminal() && st.state != HostState::Idle;
                    if mid_rollout && !registered && Some(st.release) == current_release {
                        HostState::Lost
                    } else {
                        st.state
                    }
                }
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
                duration_ms: st
                    .and_then(|s| s.duration(now))
                    .map(|d| d.as_millis() as u64),
                message: match (state, st) {
                    (HostState::Lost, Some(st)) => format!("agent vanished while {}", st.state),
                    (_, Some(st)) => st.message.clone(),
                    (_, None) => String::new(),
                },
                output_tail: st.map(|s| s.output_tail.clone()).unwrap_or_default(),
            }
        })
        .collect()
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
}
