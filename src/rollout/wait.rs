//! Pure decision of `wait-for-rollout`: given what ZooKeeper says now, is the outcome known?

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::{Absence, HostView, host_views};
use crate::model::{HostState, HostStatus, ReleaseSpec};
use crate::policy;
use crate::policy::hooks::{self, FinalizeVerdict};
use crate::policy::verdict::{self, Case, Judgement, TargetHost};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::IntoStaticStr, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum WaitResult {
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
    RolledBack,
    Superseded,
    /// `--until-gate`: the release waits at a manual gate (`promote` lets it go on).
    Paused,
}

impl WaitResult {
    /// The same name as in JSON (one derive, so they cannot drift).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// How bad the result is, for the overall result of a wait over several apps: `paused` (an
    /// app stopped at a gate) is worse than every app done, an outcome that exits 1 is worse than a timeout (exit 3, the release may still finish), and a failure
    /// is the worst of those.
    pub fn severity(self) -> u8 {
        match self {
            WaitResult::Succeeded => 0,
            // Exits 0 too, but the app is not done: it names the overall result.
            WaitResult::Paused => 1,
            WaitResult::TimedOut => 2,
            WaitResult::Superseded => 3,
            WaitResult::RolledBack => 4,
            WaitResult::Aborted => 5,
            WaitResult::Failed => 6,
        }
    }
}

/// What is known right now.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    /// The release being waited for (pinned when the wait started).
    pub target: &'a ReleaseSpec,
    /// The app's current spec: its release may have moved on, its state may have changed.
    pub current: Option<&'a ReleaseSpec>,
    pub registered: &'a [String],
    pub statuses: &'a [HostStatus],
    /// The target release's ledger (halts recorded by agents without app-node rights).
    pub ledger: Option<&'a crate::model::Ledger>,
    /// Why the ledger could not be read: agents cannot go on until it is repaired.
    pub ledger_error: Option<&'a str>,
    /// Hosts with a status but no agent, how long gone and their grace (see `host_views`).
    pub absent: &'a BTreeMap<String, Absence>,
    pub expect_hosts: Option<usize>,
    /// `--until-gate`: a manual gate ends the wait (result `paused`).
    pub until_gate: bool,
    pub now: SystemTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pending,
    Done {
        result: WaitResult,
        message: String,
        superseded_by: Option<u64>,
    },
}

fn done(result: WaitResult, message: String) -> Verdict {
    Verdict::Done {
        result,
        message,
        superseded_by: None,
    }
}

/// The hosts this rollout waits for: registered agents, plus hosts that started on the target
/// release (so an agent that vanished mid-deploy is still accounted for, as `lost` once its
/// grace is over). A host that left before it started deploying is no target any more.
pub fn targets(f: &Facts<'_>) -> Vec<HostView> {
    let release = f.target.release;
    host_views(Some(f.target), f.registered, f.statuses, f.absent, f.now)
        .into_iter()
        .filter(|v| {
            v.registered
                || (v.release == Some(release)
                    && !matches!(v.state, HostState::Waiting | HostState::Idle))
                // An agent that left before finishing, within its grace to come back (a restart).
                || f.absent.get(&v.host).is_some_and(|a| !a.expired())
        })
        .map(|mut v| {
            // One meaning from here on: the host's state *for the target release*.
            v.state = state_for_target(&v, release);
            v
        })
        .collect()
}

/// Where the target release stands in its steps while it is the current, running release
/// (`None` without steps, or once it is not).
pub fn step_position(f: &Facts<'_>) -> Option<policy::steps::Position> {
    verdict::running_position(f.target, f.current, f.ledger, f.now)
}

/// The gate the release waits at, for people (`None` when it does not wait at one).
pub fn gate_text(f: &Facts<'_>) -> Option<String> {
    step_position(f)
        .filter(|p| p.at_gate())
        .map(|p| p.describe(&f.target.app))
}

/// The state a host is in *for the target release* (older status means it has not started).
fn state_for_target(v: &HostView, release: u64) -> HostState {
    if v.release == Some(release) {
        v.state
    } else {
        HostState::Idle
    }
}

/// The one judge's verdict (`policy::verdict`) on what is known now.
pub fn judgement(f: &Facts<'_>) -> Judgement {
    let views = targets(f);
    let hosts: Vec<TargetHost<'_>> = views
        .iter()
        .map(|v| TargetHost {
            host: &v.host,
            state: v.state,
            note: &v.message,
        })
        .collect();
    let case = Case {
        target: f.target,
        current: f.current,
        ledger: f.ledger,
        hosts: &hosts,
        registered: f.registered,
        expect_hosts: f.expect_hosts,
        now: f.now,
    };
    verdict::judge(&case)
}

/// The wait's verdict: the one judge's, with `--until-gate` ending the wait at a manual gate.
pub fn evaluate(f: &Facts<'_>) -> Verdict {
    let judged = judgement(f);
    // A deploy freeze, a closed window or an inconclusive metric check holds the release like a
    // gate: `--until-gate` ends there too.
    if f.until_gate
        && matches!(judged, Judgement::InProgress { .. })
        && let Some(hold) = held(f)
    {
        return done(
            WaitResult::Paused,
            format!(
                "release {} ({}) is {hold}",
                f.target.release, f.target.version
            ),
        );
    }
    match judged {
        Judgement::Succeeded { message, .. } => done(WaitResult::Succeeded, message),
        Judgement::Failed { message } => done(WaitResult::Failed, message),
        Judgement::Aborted { message } => done(WaitResult::Aborted, message),
        Judgement::RolledBack { message } => done(WaitResult::RolledBack, message),
        Judgement::Superseded { message, by } => Verdict::Done {
            result: WaitResult::Superseded,
            message,
            superseded_by: Some(by),
        },
        Judgement::InProgress { gate: Some(pos) } if f.until_gate && pos.at_manual_gate() => done(
            WaitResult::Paused,
            format!(
                "release {} ({}) is {}",
                f.target.release,
                f.target.version,
                pos.describe(&f.target.app)
            ),
        ),
        Judgement::InProgress { .. } => Verdict::Pending,
    }
}

/// Hosts the release's ledger records as failed whose status has moved on (a rollback, a newer
/// release) show as failed, not idle: a late wait on a failed release still names them. A host
/// not among `views` any more (its agent gone) is added.
pub fn with_ledger_failures(mut views: Vec<HostView>, f: &Facts<'_>) -> Vec<HostView> {
    let release = f.target.release;
    let Some(ledger) = f.ledger.filter(|l| l.release == release) else {
        return views;
    };
    let note = |v: &mut HostView| {
        v.state = HostState::Failed;
        v.release = Some(release);
        v.message = format!(
            "failed (recorded in release {release}'s ledger; its status has moved on since)"
        );
    };
    for host in &ledger.failed {
        match views.iter_mut().find(|v| &v.host == host) {
            Some(v) if v.release == Some(release) => {}
            Some(v) => note(v),
            None => {
                let mut v = HostView {
                    host: host.clone(),
                    ..Default::default()
                };
                note(&mut v);
                views.push(v);
            }
        }
    }
    views.sort_by(|a, b| a.host.cmp(&b.host));
    views
}

/// The hosts that failed or were lost, by name (the summary's `failed_hosts`).
pub fn failed_hosts(views: &[HostView]) -> Vec<String> {
    views
        .iter()
        .filter(|v| v.state.is_bad())
        .map(|v| v.host.clone())
        .collect()
}

/// Counts per state for the target release (for progress and summaries).
pub fn counts(views: &[HostView]) -> BTreeMap<HostState, usize> {
    let mut c = BTreeMap::new();
    for v in views {
        *c.entry(v.state).or_insert(0) += 1;
    }
    c
}

/// What holds the release, when something does: a freeze or a closed deploy window
/// (`policy::held_back`), or a host's metric check inconclusive past its limit (the host keeps
/// baking and says `held: …`, `checks::Standing`) — missing data stops the rollout like a gate.
fn held(f: &Facts<'_>) -> Option<String> {
    f.current
        .filter(|c| c.release == f.target.release)
        .and_then(|c| crate::policy::held_back(c, f.now))
        .or_else(|| {
            targets(f)
                .into_iter()
                .find(|v| v.state == HostState::Baking && v.message.starts_with("held: "))
                .map(|v| format!("held on {}: {}", v.host, &v.message["held: ".len()..]))
        })
}

/// Why the wait is still pending, for the timeout message.
pub fn pending_reason(f: &Facts<'_>) -> String {
    if let Some(h) = held(f) {
        return h;
    }
    let views = targets(f);
    if views.is_empty() {
        let t = f.target;
        let mut filters = vec![];
        if !t.hosts.is_empty() {
            filters.push(format!("--hosts {}", t.hosts.join(",")));
        }
        if !t.exclude_hosts.is_empty() {
            filters.push(format!("--exclude-hosts {}", t.exclude_hosts.join(",")));
        }
        if !t.groups.is_empty() {
            filters.push(format!("--groups {}", t.groups.join(",")));
        }
        if filters.is_empty() {
            return format!("no hosts are registered for {}", t.app);
        }
        return format!(
            "no registered host of {} is targeted by release {} ({})",
            t.app,
            t.release,
            filters.join("; ")
        );
    }
    let release = f.target.release;
    let mut parts: Vec<String> = views
        .iter()
        .filter(|v| !v.state.is_success())
        .map(|v| {
            let state = v.state;
            match (state, v.duration_ms) {
                (HostState::Deploying | HostState::Verifying | HostState::Baking, Some(ms)) => {
                    format!(
                        "{} {state} for {}",
                        v.host,
                        crate::model::short_duration(Duration::from_millis(ms))
                    )
                }
                _ => format!("{} {state}", v.host),
            }
        })
        .collect();
    if let Some(n) = f.expect_hosts
        && views.len() < n
    {
        parts.insert(
            0,
            format!("{} of {n} expected hosts registered", views.len()),
        );
    }
    let mut reason = if parts.is_empty() && hooks::finalize_expected(f.target, f.ledger) {
        let why = match hooks::finalize_verdict(f.ledger, f.registered) {
            FinalizeVerdict::Pending(why) | FinalizeVerdict::Failed(why) => why,
            FinalizeVerdict::Done(what) => what,
        };
        format!("all {} host(s) done; {why}", views.len())
    } else if parts.is_empty() {
        // Every host is done, but the release is not settled (a halt's rollback is coming).
        format!(
            "all {} host(s) done; waiting for release {release} to settle",
            views.len()
        )
    } else {
        format!("still waiting on {}", parts.join(", "))
    };
    if let Some(e) = f.ledger_error {
        reason.push_str(&format!("; agents cannot go on: {e}"));
    }
    if let Some(gate) = gate_text(f) {
        reason = format!("{gate}; {reason}");
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ReleaseState;

    static NO_ABSENCE: BTreeMap<String, Absence> = BTreeMap::new();

    fn spec(release: u64) -> ReleaseSpec {
        let mut s: ReleaseSpec = serde_json::from_str(r#"{"app":"web","version":"2.0"}"#).unwrap();
        s.release = release;
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

    fn eval(
        target: &ReleaseSpec,
        current: &ReleaseSpec,
        reg: &[&str],
        sts: &[HostStatus],
        expect: Option<usize>,
    ) -> Verdict {
        let reg: Vec<String> = reg.iter().map(|s| s.to_string()).collect();
        evaluate(&Facts {
            target,
            current: Some(current),
            registered: &reg,
            statuses: sts,
            ledger: None,
            ledger_error: None,
            absent: &NO_ABSENCE,
            expect_hosts: expect,
            until_gate: false,
            now: SystemTime::now(),
        })
    }

    fn result(v: Verdict) -> Option<WaitResult> {
        match v {
            Verdict::Done { result, .. } => Some(result),
            Verdict::Pending => None,
        }
    }

    #[test]
    fn all_healthy_or_current_succeeds() {
        let s = spec(2);
        let sts = [
            st("a", 2, HostState::Healthy),
            st("b", 2, HostState::Current),
        ];
        assert_eq!(
            result(eval(&s, &s, &["a", "b"], &sts, None)),
            Some(WaitResult::Succeeded)
        );
    }

    #[test]
    fn a_registered_host_on_an_older_release_keeps_it_pending() {
        let s = spec(2);
        let sts = [
            st("a", 2, HostState::Healthy),
            st("b", 1, HostState::Healthy),
        ];
        assert_eq!(eval(&s, &s, &["a", "b"], &sts, None), Verdict::Pending);
        // ... and one with no status at all.
        assert_eq!(eval(&s, &s, &["a", "c"], &sts[..1], None), Verdict::Pending);
    }

    #[test]
    fn no_hosts_is_pending_with_a_reason() {
        let s = spec(2);
        assert_eq!(eval(&s, &s, &[], &[], None), Verdict::Pending);
        let f = Facts {
            target: &s,
            current: Some(&s),
            registered: &[],
            statuses: &[],
            ledger: None,
            ledger_error: None,
            absent: &NO_ABSENCE,
            expect_hosts: None,
            until_gate: false,
            now: SystemTime::now(),
        };
        assert_eq!(pending_reason(&f), "no hosts are registered for web");
        let mut filtered = f.target.clone();
        filtered.exclude_hosts = vec!["k1".into(), "k2".into()];
        let g = Facts {
            target: &filtered,
            ..f
        };
        assert_eq!(
            pending_reason(&g),
            format!(
                "no registered host of web is targeted by release {} (--exclude-hosts k1,k2)",
                filtered.release
            )
        );
    }

    #[test]
    fn failure_or_loss_fails_at_once() {
        let s = spec(2);
        let sts = [
            st("a", 2, HostState::Failed),
            st("b", 2, HostState::Waiting),
        ];
        assert_eq!(
            result(eval(&s, &s, &["a", "b"], &sts, None)),
            Some(WaitResult::Failed)
        );
        // b deploying but its agent is gone: lost.
        let sts = [
            st("a", 2, HostState::Healthy),
            st("b", 2, HostState::Deploying),
        ];
        let v = eval(&s, &s, &["a"], &sts, None);
        assert!(
            matches!(&v, Verdict::Done { result: WaitResult::Failed, message, .. } if message.contains("b lost")),
            "{v:?}"
        );
        // An old failure does not fail the new release.
        let sts = [st("a", 1, HostState::Failed)];
        assert_eq!(eval(&s, &s, &["a"], &sts, None), Verdict::Pending);
    }

    #[test]
    fn agents_that_leave_are_not_failures_until_they_cannot_come_back() {
        let s = spec(2);
        // b left while waiting for a slot: no target any more, a alone decides.
        let sts = [
            st("a", 2, HostState::Healthy),
            st("b", 2, HostState::Waiting),
        ];
        assert!(matches!(
            eval(&s, &s, &["a"], &sts, None),
            Verdict::Done {
                result: WaitResult::Succeeded,
                ..
            }
        ));
        // b left mid-deploy (a restart, a ZooKeeper freeze): pending within its grace.
        let sts = [
            st("a", 2, HostState::Healthy),
            st("b", 2, HostState::Deploying),
        ];
        let grace = Absence::grace_for(Some(Duration::from_secs(2)));
        let absent = |secs| {
            BTreeMap::from([(
                "b".to_string(),
                Absence {
                    gone_for: Duration::from_secs(secs),
                    grace,
                },
            )])
        };
        let reg = ["a".to_string()];
        let facts = |absent| Facts {
            target: &s,
            current: Some(&s),
            registered: &reg,
            statuses: &sts,
            ledger: None,
            ledger_error: None,
            absent,
            expect_hosts: None,
            until_gate: false,
            now: SystemTime::now(),
        };
        let within = absent(5);
        assert_eq!(evaluate(&facts(&within)), Verdict::Pending);
        assert!(pending_reason(&facts(&within)).contains("b deploying"));
        let after = absent(20);
        let v = evaluate(&facts(&after));
        assert!(
            matches!(&v, Verdict::Done { result: WaitResult::Failed, message, .. }
                if message.contains("b lost (agent gone for 20s while deploying)")),
            "{v:?}"
        );
    }

    #[test]
    fn an_agent_that_left_unfinished_stays_a_target_for_its_rejoin_grace() {
        let s = spec(2);
        // b's agent left (a restart) before b took release 2: its old status is release 1's.
        let sts = [
            st("a", 2, HostState::Healthy),
            st("b", 1, HostState::Healthy),
        ];
        let reg = ["a".to_string()];
        let absent = |secs| {
            BTreeMap::from([(
                "b".to_string(),
                Absence {
                    gone_for: Duration::from_secs(secs),
                    grace: crate::rollout::watch::REJOIN_GRACE,
                },
            )])
        };
        let facts = |absent| Facts {
            target: &s,
            current: Some(&s),
            registered: &reg,
            statuses: &sts,
            ledger: None,
            ledger_error: None,
            absent,
            expect_hosts: None,
            until_gate: false,
            now: SystemTime::now(),
        };
        let within = absent(1);
        assert_eq!(evaluate(&facts(&within)), Verdict::Pending, "b may be back");
        let after = absent(6);
        assert!(matches!(
            evaluate(&facts(&after)),
            Verdict::Done {
                result: WaitResult::Succeeded,
                ..
            }
        ));
    }

    #[test]
    fn failures_within_the_budget_do_not_fail_the_wait() {
        let mut s = spec(2);
        s.max_failures = crate::model::FailureBudget::Count(1);
        let reg = ["a", "b", "c"];
        let mut sts = vec![
            st("a", 2, HostState::Failed),
            st("b", 2, HostState::Deploying),
        ];
        assert_eq!(eval(&s, &s, &reg, &sts, None), Verdict::Pending);
        sts[1].state = HostState::Healthy;
        sts.push(st("c", 2, HostState::Current));
        let v = eval(&s, &s, &reg, &sts, None);
        assert!(
            matches!(&v, Verdict::Done { result: WaitResult::Succeeded, message, .. } if message.contains("a failed tolerated (max_failures 1)")),
            "{v:?}"
        );
        sts[2].state = HostState::Failed;
        assert_eq!(
            result(eval(&s, &s, &reg, &sts, None)),
            Some(WaitResult::Failed)
        );
    }

    #[test]
    fn over_budget_with_auto_rollback_waits_for_the_rollback() {
        let mut s = spec(2);
        s.auto_rollback = true;
        s.previous = Some(1);
        let sts = [st("a", 2, HostState::Failed)];
        assert_eq!(eval(&s, &s, &["a", "b"], &sts, None), Verdict::Pending);
        // A lost host is no failure any agent records: nothing will roll back, fail now.
        let sts = [st("a", 2, HostState::Deploying)];
        assert_eq!(
            result(eval(&s, &s, &["b"], &sts, None)),
            Some(WaitResult::Failed)
        );
    }

    #[test]
    fn newer_release_supersedes() {
        let s = spec(2);
        let newer = spec(3);
        let v = eval(&s, &newer, &["a"], &[st("a", 2, HostState::Healthy)], None);
        assert!(matches!(
            v,
            Verdict::Done {
                result: WaitResult::Superseded,
                superseded_by: Some(3),
                ..
            }
        ));
    }

    #[test]
    fn rollback_of_the_target_is_rolled_back() {
        let s = spec(2);
        let mut rb = spec(3);
        rb.rollback_of = Some(2);
        assert_eq!(
            result(eval(&s, &rb, &["a"], &[], None)),
            Some(WaitResult::RolledBack)
        );
        rb.rollback_of = Some(1);
        assert_eq!(
            result(eval(&s, &rb, &["a"], &[], None)),
            Some(WaitResult::Superseded)
        );
    }

    #[test]
    fn ledger_halts_and_rollbacks_count() {
        let s = spec(2);
        let reg: Vec<String> = vec!["a".into()];
        let mut ledger = crate::model::Ledger::new(2);
        let facts = |l: &crate::model::Ledger| {
            evaluate(&Facts {
                target: &s,
                current: Some(&s),
                registered: &reg,
                statuses: &[],
                ledger: Some(l),
                ledger_error: None,
                absent: &NO_ABSENCE,
                expect_hosts: None,
                until_gate: false,
                now: SystemTime::now(),
            })
        };
        ledger.state = ReleaseState::Halted;
        assert_eq!(
            result(facts(&ledger)),
            Some(WaitResult::Failed),
            "a ledger-only halt fails the wait"
        );
        ledger.rollback_pending = true;
        assert_eq!(
            facts(&ledger),
            Verdict::Pending,
            "the waiter publishes the pending rollback"
        );
        ledger.rolled_back_by = Some(3);
        assert_eq!(result(facts(&ledger)), Some(WaitResult::RolledBack));
    }

    #[test]
    fn halted_and_aborted() {
        let s = spec(2);
        let mut cur = spec(2);
        cur.state = ReleaseState::Halted;
        assert_eq!(
            result(eval(&s, &cur, &["a"], &[], None)),
            Some(WaitResult::Failed)
        );
        cur.state = ReleaseState::Aborted;
        assert_eq!(
            result(eval(&s, &cur, &["a"], &[], None)),
            Some(WaitResult::Aborted)
        );
        cur.state = ReleaseState::Paused;
        assert_eq!(eval(&s, &cur, &["a"], &[], None), Verdict::Pending);
    }

    #[test]
    fn until_gate_ends_the_wait_at_a_manual_gate() {
        let mut s = spec(2);
        s.steps = crate::model::Step::parse_list("1,pause").unwrap();
        let reg = vec!["a".to_string(), "b".to_string()];
        let sts = [
            st("a", 2, HostState::Healthy),
            st("b", 2, HostState::Waiting),
        ];
        let mut ledger = crate::model::Ledger::new(2);
        ledger.canaries = vec!["a".into()];
        ledger.healthy = vec!["a".into()];
        let facts = |l, until_gate| Facts {
            target: &s,
            current: Some(&s),
            registered: &reg,
            statuses: &sts,
            ledger: Some(l),
            ledger_error: None,
            absent: &NO_ABSENCE,
            expect_hosts: None,
            until_gate,
            now: SystemTime::now(),
        };
        // Step 1 not started yet: not at the gate.
        let fresh = crate::model::Ledger::new(2);
        assert_eq!(evaluate(&facts(&fresh, true)), Verdict::Pending);
        let mut started = ledger.clone();
        started.step = Some(crate::model::StepState {
            index: 0,
            started_at: crate::model::now_rfc3339(),
            target: Some(1),
            hosts: reg.clone(),
        });
        let v = evaluate(&facts(&started, true));
        assert!(
            matches!(&v, Verdict::Done { result: WaitResult::Paused, message, .. }
                if message.contains("paused at step 2 of 3: promote with `deployctl promote web`")),
            "{v:?}"
        );
        // Without the flag the wait goes on, and says why.
        assert_eq!(evaluate(&facts(&started, false)), Verdict::Pending);
        assert!(pending_reason(&facts(&started, false)).starts_with("paused at step 2 of 3"));
    }

    #[test]
    fn a_finalize_command_must_be_done_before_success() {
        use crate::model::{HookRun, HookState, Ledger};
        let mut s = spec(2);
        s.finalize_cmd = Some("switch".into());
        let reg: Vec<String> = vec!["a".into(), "b".into()];
        let sts = [
            st("a", 2, HostState::Healthy),
            st("b", 2, HostState::Healthy),
        ];
        let mut ledger = Ledger::new(2);
        fn facts<'a>(
            s: &'a ReleaseSpec,
            reg: &'a [String],
            sts: &'a [HostStatus],
            l: &'a Ledger,
        ) -> Facts<'a> {
            Facts {
                target: s,
                current: Some(s),
                registered: reg,
                statuses: sts,
                ledger: Some(l),
                ledger_error: None,
                absent: &NO_ABSENCE,
                expect_hosts: None,
                until_gate: false,
                now: SystemTime::now(),
            }
        }
        assert_eq!(evaluate(&facts(&s, &reg, &sts, &ledger)), Verdict::Pending);
        assert!(
            pending_reason(&facts(&s, &reg, &sts, &ledger))
                .contains("waiting for the finalize command")
        );
        ledger.finalize = Some(HookRun {
            host: "b".into(),
            state: HookState::Running,
            started_at: None,
            finished_at: None,
            exit_code: None,
            message: String::new(),
        });
        assert_eq!(evaluate(&facts(&s, &reg, &sts, &ledger)), Verdict::Pending);
        assert!(pending_reason(&facts(&s, &reg, &sts, &ledger)).contains("running on b"));
        ledger.finalize.as_mut().unwrap().state = HookState::Done;
        let v = evaluate(&facts(&s, &reg, &sts, &ledger));
        assert!(
            matches!(&v, Verdict::Done { result: WaitResult::Succeeded, message, .. } if message.contains("finalize command done on b")),
            "{v:?}"
        );
        ledger.finalize.as_mut().unwrap().state = HookState::Failed;
        assert_eq!(
            result(evaluate(&facts(&s, &reg, &sts, &ledger))),
            Some(WaitResult::Failed)
        );
    }

    #[test]
    fn expect_hosts_waits_for_enough_hosts() {
        let s = spec(2);
        let sts = [st("a", 2, HostState::Healthy)];
        assert_eq!(eval(&s, &s, &["a"], &sts, Some(2)), Verdict::Pending);
        let sts = [
            st("a", 2, HostState::Healthy),
            st("b", 2, HostState::Healthy),
        ];
        assert_eq!(
            result(eval(&s, &s, &["a", "b"], &sts, Some(2))),
            Some(WaitResult::Succeeded)
        );
    }
}
