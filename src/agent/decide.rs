//! Pure decisions of the agent: what to do about a release, given what this host reported.

use crate::model::{HostState, HostStatus, ReleaseSpec, ReleaseState};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Nothing to do until the spec changes.
    Wait(&'static str),
    /// Roll this release out on this host (check version, take a slot, deploy).
    Rollout,
}

pub fn next_action(
    spec: &ReleaseSpec,
    host: &str,
    status: Option<&HostStatus>,
    groups: &[String],
) -> Action {
    if !crate::policy::in_groups(&spec.groups, groups) {
        return Action::Wait("this host is not in the release's groups");
    }
    if !crate::policy::takes_part(spec, host, groups) {
        return Action::Wait("this host is not among the release's hosts");
    }
    match spec.state {
        ReleaseState::Active => {}
        ReleaseState::Paused => return Action::Wait("release is paused"),
        ReleaseState::Halted => return Action::Wait("release is halted"),
        ReleaseState::Aborted => return Action::Wait("release is aborted"),
    }
    if crate::policy::held_back(spec, std::time::SystemTime::now()).is_some()
        && !status.is_some_and(|st| st.release == spec.release && st.state.is_terminal())
    {
        // Either hold: the wait and `status` name which (`policy::held_back`).
        return Action::Wait("held: the app is frozen or outside the release's deploy window");
    }
    match status {
        // A refusal is re-judged at every pass (the signature check runs first): a trust file
        // fixed since lets the release through.
        Some(st)
            if st.release == spec.release
                && st.state.is_terminal()
                && st.state != HostState::Refused =>
        {
            Action::Wait("this host is done with the release")
        }
        // No status, an older release, or a step interrupted by a crash: (re)do it.
        _ => Action::Rollout,
    }
}

pub use crate::policy::version_matches;

/// Does this host run the restart command rather than deploy? For a restart release, when the
/// host runs its version (`at_version`) or there is no way to tell; a host that does not (one
/// that joined since, or lost its deploy) gets the deploy instead. A deploy release never
/// restarts, and a host at its version is `current`.
pub fn restarts(spec: &ReleaseSpec, at_version: Option<bool>) -> bool {
    !spec.kind.is_deploy() && at_version != Some(false)
}

/// Attempts so far for this release (a new release starts again from zero).
pub fn attempts_before(spec: &ReleaseSpec, status: Option<&HostStatus>) -> u32 {
    match status {
        Some(st) if st.release == spec.release => st.attempts,
        _ => 0,
    }
}

/// Is what get-version says about this host unproven: has it already started `spec`'s release
/// (an attempt ran), or was its last deploy — of any release — cut short mid-way, or did its last
/// try of this version fail? Then a get-version that prints the version proves nothing about the
/// health gate and bake: the host redoes the release in full. Only a host that ran the version
/// before the release touched it, with nothing since left half-done, is `current`.
pub fn started_before(spec: &ReleaseSpec, status: Option<&HostStatus>) -> bool {
    status.is_some_and(|st| {
        (st.release == spec.release && st.attempts > 0)
            || interrupted(st)
            || (st.state == HostState::Failed && st.version == spec.version)
    })
}

/// Was this status left mid-deploy by an agent that went away?
pub fn interrupted(status: &HostStatus) -> bool {
    matches!(
        status.state,
        HostState::Deploying | HostState::Verifying | HostState::Baking
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(release: u64, state: ReleaseState) -> ReleaseSpec {
        let mut s: ReleaseSpec = serde_json::from_str(r#"{"app":"web","version":"2.0"}"#).unwrap();
        s.release = release;
        s.state = state;
        s
    }

    fn status(release: u64, state: HostState) -> HostStatus {
        HostStatus {
            host: "h1".into(),
            release,
            version: "2.0".into(),
            state,
            ..Default::default()
        }
    }

    #[test]
    fn new_release_rolls_out() {
        let s = spec(2, ReleaseState::Active);
        assert_eq!(next_action(&s, "h1", None, &[]), Action::Rollout);
        assert_eq!(
            next_action(&s, "h1", Some(&status(1, HostState::Healthy)), &[]),
            Action::Rollout
        );
    }

    #[test]
    fn finished_release_waits_whatever_the_outcome() {
        let s = spec(2, ReleaseState::Active);
        for st in [HostState::Healthy, HostState::Current, HostState::Failed] {
            assert!(matches!(
                next_action(&s, "h1", Some(&status(2, st)), &[]),
                Action::Wait(_)
            ));
        }
    }

    #[test]
    fn interrupted_step_is_redone() {
        let s = spec(2, ReleaseState::Active);
        for st in [
            HostState::Waiting,
            HostState::Deploying,
            HostState::Verifying,
            HostState::Lost,
        ] {
            assert_eq!(
                next_action(&s, "h1", Some(&status(2, st)), &[]),
                Action::Rollout,
                "{st}"
            );
        }
    }

    #[test]
    fn inactive_release_waits() {
        for state in [
            ReleaseState::Paused,
            ReleaseState::Halted,
            ReleaseState::Aborted,
        ] {
            assert!(matches!(
                next_action(&spec(2, state), "h1", None, &[]),
                Action::Wait(_)
            ));
        }
    }

    #[test]
    fn hosts_outside_the_groups_stay_out() {
        let mut s = spec(2, ReleaseState::Active);
        s.groups = vec!["web".into()];
        assert!(matches!(
            next_action(&s, "h1", None, &["db".to_string()]),
            Action::Wait(_)
        ));
        assert!(matches!(next_action(&s, "h1", None, &[]), Action::Wait(_)));
        assert_eq!(
            next_action(&s, "h1", None, &["web".to_string()]),
            Action::Rollout
        );
    }

    #[test]
    fn only_the_named_hosts_take_part() {
        let mut s = spec(2, ReleaseState::Active);
        s.hosts = vec!["k1".into(), "k3".into()];
        assert_eq!(next_action(&s, "k1", None, &[]), Action::Rollout);
        assert!(matches!(next_action(&s, "k2", None, &[]), Action::Wait(_)));
        s.exclude_hosts = vec!["k3".into()];
        assert!(matches!(next_action(&s, "k3", None, &[]), Action::Wait(_)));
        s.hosts.clear();
        assert_eq!(next_action(&s, "k2", None, &[]), Action::Rollout);
        // With groups, both must hold.
        s.groups = vec!["web".into()];
        assert!(matches!(next_action(&s, "k2", None, &[]), Action::Wait(_)));
        assert_eq!(
            next_action(&s, "k2", None, &["web".to_string()]),
            Action::Rollout
        );
    }

    #[test]
    fn a_restart_runs_on_hosts_at_its_version() {
        let mut s = spec(3, ReleaseState::Active);
        assert!(!restarts(&s, Some(true)), "a deploy");
        s.kind = crate::model::ReleaseKind::Restart;
        assert!(restarts(&s, Some(true)));
        assert!(restarts(&s, None), "no way to tell: restart");
        assert!(!restarts(&s, Some(false)), "not at the version: deploy it");
        // Same version, but a new release: the host rolls it out.
        let mut st = status(2, HostState::Healthy);
        st.version = s.version.clone();
        assert_eq!(next_action(&s, "h", Some(&st), &[]), Action::Rollout);
    }

    #[test]
    fn version_matching() {
        assert!(version_matches("2.0\n", "2.0"));
        assert!(version_matches("starting\n  2.0  \n\n", "2.0"));
        assert!(!version_matches("2.0.1", "2.0"));
        assert!(!version_matches("", "2.0"));
        assert!(!version_matches("2.0\nother", "2.0"));
    }

    #[test]
    fn retry_backoff_doubles_and_caps() {
        assert_eq!(crate::policy::retry_delay(1000, 1).as_millis(), 1000);
        assert_eq!(crate::policy::retry_delay(1000, 3).as_millis(), 4000);
        assert_eq!(crate::policy::retry_delay(1000, 40).as_millis(), 60_000);
        assert_eq!(crate::policy::retry_delay(0, 5).as_millis(), 0);
    }

    #[test]
    fn a_host_that_started_the_release_is_never_current_by_its_version_alone() {
        let s = spec(2, ReleaseState::Active);
        assert!(!started_before(&s, None));
        assert!(!started_before(&s, Some(&status(1, HostState::Healthy))));
        // An earlier release's deploy cut short (seed 6 of the nemesis), or its failure of this
        // version: unproven too.
        assert!(started_before(&s, Some(&status(1, HostState::Verifying))));
        assert!(started_before(&s, Some(&status(1, HostState::Failed))));
        let mut other = status(1, HostState::Failed);
        other.version = "1.0".into();
        assert!(!started_before(&s, Some(&other)));
        for st in [
            HostState::Deploying,
            HostState::Verifying,
            HostState::Baking,
        ] {
            assert!(started_before(&s, Some(&status(2, st))), "{st}");
        }
        let mut waiting = status(2, HostState::Waiting);
        assert!(!started_before(&s, Some(&waiting)));
        waiting.attempts = 1;
        assert!(
            started_before(&s, Some(&waiting)),
            "a retry after a failed attempt"
        );
    }

    #[test]
    fn attempts_reset_per_release() {
        let s = spec(2, ReleaseState::Active);
        let mut st = status(2, HostState::Deploying);
        st.attempts = 3;
        assert_eq!(attempts_before(&s, Some(&st)), 3);
        st.release = 1;
        assert_eq!(attempts_before(&s, Some(&st)), 0);
    }
}
