//! Pure rollout-safety decisions: slots in force, run-once and canary gates, the failure
//! budget, groups, rollback targets and history outcomes. The ZooKeeper side gathers the facts
//! (spec, ledger, registered hosts) and applies what these functions decide.

pub mod hooks;
pub mod restart;
pub mod retention;
pub mod steps;
pub mod verdict;
pub mod window;

use crate::error::{Error, Result};
use crate::model::{HostState, Ledger, ReleaseSpec, ReleaseState, RunOnceState};

/// The release's state: the app node's, unless the release ledger says it halted or was aborted
/// (agents without write access to the app node record a halt there).
pub fn effective_state(spec: &ReleaseSpec, ledger: Option<&Ledger>) -> ReleaseState {
    match ledger
        .filter(|l| l.release == spec.release)
        .map(|l| l.state)
    {
        Some(s @ (ReleaseState::Halted | ReleaseState::Aborted)) => s,
        _ => spec.state,
    }
}

/// What holds a release back: why, and when it ends by itself (`None`: only `unfreeze` ends it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub reason: String,
    pub ends: Option<std::time::SystemTime>,
}

/// What holds `spec` back at `now`: its app is frozen, or it is outside the release's deploy
/// window — unless it is a break-glass release (`--override-freeze`). Running deploys finish;
/// waiting hosts hold no slot. A window still shut when a freeze ends is judged then.
pub fn hold(spec: &ReleaseSpec, now: std::time::SystemTime) -> Option<Hold> {
    if spec.freeze_override.is_some() {
        return None;
    }
    if let Some(f) = spec.freeze.as_ref().filter(|f| f.active(now)) {
        return Some(Hold {
            reason: format!("held: {} is {}", spec.app, f.describe()),
            ends: f.until.as_deref().and_then(crate::model::parse_time),
        });
    }
    // Outside its deploy window a release is held the same way (a rollback has no window).
    spec.window.as_deref().and_then(|w| window::hold(w, now))
}

/// Why no host may start a deploy of `spec` at `now` (`hold`'s reason).
pub fn held_back(spec: &ReleaseSpec, now: std::time::SystemTime) -> Option<String> {
    hold(spec, now).map(|h| h.reason)
}

/// When the hold on `spec` at `now` ends by itself — a freeze's `--until`, else the deploy
/// window's next opening — so a waiting agent looks again then, not only when ZooKeeper changes
/// (`None`: not held, or only `unfreeze` ends it).
pub fn hold_ends(spec: &ReleaseSpec, now: std::time::SystemTime) -> Option<std::time::SystemTime> {
    hold(spec, now).and_then(|h| h.ends)
}

/// Is `release` still the one to work on: the app's current spec, active (not paused, halted,
/// aborted — in the app node or its ledger)?
pub fn still_current(current: Option<&ReleaseSpec>, release: u64, ledger: Option<&Ledger>) -> bool {
    current
        .is_some_and(|c| c.release == release && effective_state(c, ledger) == ReleaseState::Active)
}

/// Slots in force: the published count, grown by `slot_increment` per healthy host.
pub fn effective_slots(spec: &ReleaseSpec, ledger: Option<&Ledger>) -> u32 {
    let healthy = ledger
        .filter(|l| l.release == spec.release)
        .map_or(0, |l| l.healthy.len()) as u32;
    spec.slots
        .saturating_add(spec.slot_increment.saturating_mul(healthy))
        .max(1)
}

/// Does an agent with `agent_groups` take part in a release for `spec_groups`?
pub fn in_groups(spec_groups: &[String], agent_groups: &[String]) -> bool {
    spec_groups.is_empty() || spec_groups.iter().any(|g| agent_groups.contains(g))
}

/// A host's group for a release (`{{ group }}`): the first of `agent_groups` the release
/// targets, or the first of them when it targets none; empty for a host without groups.
pub fn group_of(spec_groups: &[String], agent_groups: &[String]) -> String {
    agent_groups
        .iter()
        .find(|g| spec_groups.contains(g))
        .or_else(|| agent_groups.first().filter(|_| spec_groups.is_empty()))
        .cloned()
        .unwrap_or_default()
}

/// Is `host` among the hosts a release names: in `hosts` (when it names any) and not in
/// `exclude_hosts` (`publish --hosts`, `--exclude-hosts`)?
pub fn in_hosts(hosts: &[String], exclude_hosts: &[String], host: &str) -> bool {
    (hosts.is_empty() || hosts.iter().any(|h| h == host))
        && !exclude_hosts.iter().any(|h| h == host)
}

/// Does the agent on `host`, in `agent_groups`, take part in `spec`'s release? The one
/// membership rule: the agent deciding whether to deploy, its failure budget's targets and the
/// waiter's targets all ask this.
pub fn takes_part(spec: &ReleaseSpec, host: &str, agent_groups: &[String]) -> bool {
    in_groups(&spec.groups, agent_groups) && in_hosts(&spec.hosts, &spec.exclude_hosts, host)
}

/// Does the get-version command's output say the host already runs `version`? The last
/// non-empty line, trimmed, must equal it exactly (agents and ssh-push alike).
pub fn version_matches(output: &str, version: &str) -> bool {
    output
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .is_some_and(|l| l == version)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOnceStep {
    /// No run-once command, or it already ran: go on.
    Proceed,
    /// Nobody ran it yet: claim it (compare-and-set), then run it.
    Claim,
    /// Another host is running it.
    Wait(String),
    /// It failed, or its host vanished mid-run: the release must not go on.
    Halt(String),
}

pub fn run_once_step(
    spec: &ReleaseSpec,
    ledger: &Ledger,
    registered: &[String],
    me: &str,
) -> RunOnceStep {
    if spec.run_once_cmd.is_none() {
        return RunOnceStep::Proceed;
    }
    match &ledger.run_once {
        None => RunOnceStep::Claim,
        Some(r) => match r.state {
            RunOnceState::Done => RunOnceStep::Proceed,
            RunOnceState::Failed => {
                RunOnceStep::Halt(format!("run-once command failed on {}", r.host))
            }
            // Ours, but we are here again: we crashed while running it. Running a migration
            // twice is not ours to decide.
            RunOnceState::Running if r.host == me => {
                RunOnceStep::Halt(format!("run-once command was interrupted on {me}"))
            }
            RunOnceState::Running if registered.contains(&r.host) => {
                RunOnceStep::Wait(format!("waiting for the run-once command on {}", r.host))
            }
            RunOnceState::Running => RunOnceStep::Halt(format!(
                "{} vanished while running the run-once command",
                r.host
            )),
        },
    }
}

/// Put `host`'s final `state` into the ledger (replacing an earlier one). False for a state
/// that is not final (nothing to record).
pub fn record_outcome(ledger: &mut Ledger, host: &str, state: HostState) -> bool {
    if !matches!(
        state,
        HostState::Healthy | HostState::Current | HostState::Failed
    ) {
        return false;
    }
    for list in [&mut ledger.healthy, &mut ledger.current, &mut ledger.failed] {
        list.retain(|h| h != host);
    }
    let list = match state {
        HostState::Healthy => &mut ledger.healthy,
        HostState::Current => &mut ledger.current,
        _ => &mut ledger.failed,
    };
    list.push(host.to_string());
    true
}

/// Hosts whose failed metric checks a ledger keeps: enough to explain a halt (the budget stops a
/// release after a few failures), bounded so a large failing fleet cannot fill the node.
pub const MAX_FAILED_CHECKS: usize = 10;

/// Keep why `host` failed on its metric checks in the ledger (its `checks` when one of them
/// failed; replacing an earlier entry of the host), for the first `MAX_FAILED_CHECKS` hosts.
pub fn record_failed_checks(
    ledger: &mut Ledger,
    host: &str,
    checks: &[crate::checks::CheckRecord],
) {
    if !checks
        .iter()
        .any(|c| c.verdict == crate::checks::Verdict::Fail)
    {
        return;
    }
    ledger.failed_checks.retain(|h| h.host != host);
    if ledger.failed_checks.len() < MAX_FAILED_CHECKS {
        ledger.failed_checks.push(crate::model::HostChecks {
            host: host.to_string(),
            checks: checks.to_vec(),
        });
    }
}

/// A halt decided while settling a release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Halt {
    pub reason: String,
    /// Publish the previous release again in the same write (`--auto-rollback`).
    pub roll_back: bool,
}

/// Does settling `release` (its ledger already holding the new outcome) halt it? Only the
/// current, running release halts, once: when a failure just recorded exceeds the budget, or
/// when a halt is forced (a failed run-once command).
pub fn halt_decision(
    current: &ReleaseSpec,
    ledger: &Ledger,
    release: u64,
    failed_now: bool,
    targets: usize,
    forced: Option<&str>,
) -> Option<Halt> {
    let running = current.release == release
        && matches!(current.state, ReleaseState::Active | ReleaseState::Paused)
        && ledger.state != ReleaseState::Halted;
    let over_budget = failed_now && budget_exceeded(current, ledger.failed.len(), targets);
    if !running || !(over_budget || forced.is_some()) {
        return None;
    }
    let reason = match forced {
        Some(r) => r.to_string(),
        None => format!(
            "{} failed host(s) ({}) exceed max_failures {}",
            ledger.failed.len(),
            ledger.failed.join(", "),
            current.max_failures
        ),
    };
    Some(Halt {
        reason,
        roll_back: current.auto_rollback && current.previous.is_some(),
    })
}

/// Delay before retry `attempt` (1-based): doubling from `first_ms`, capped at a minute.
pub fn retry_delay(first_ms: u64, attempt: u32) -> std::time::Duration {
    let factor = 1u64 << attempt.saturating_sub(1).min(16);
    std::time::Duration::from_millis(first_ms.saturating_mul(factor).min(60_000))
}

/// After a failure: have the failures exceeded the budget?
pub fn budget_exceeded(spec: &ReleaseSpec, failures: usize, targets: usize) -> bool {
    failures > spec.max_failures.allowed(targets)
}

/// The spec that re-publishes `target` to undo `current`.
pub fn rollback_spec(
    current: &ReleaseSpec,
    target: &ReleaseSpec,
    release: u64,
    by: &str,
    at: &str,
) -> ReleaseSpec {
    ReleaseSpec {
        release,
        state: ReleaseState::Active,
        // The original signature, with the payload the agents check it against.
        signature: crate::signing::carry_for_rollback(target),
        // A freeze stays; a rollback is the way out of trouble, and goes through it.
        freeze: current.freeze.clone(),
        freeze_override: current
            .freeze
            .as_ref()
            .map(|_| format!("rollback of release {}", current.release)),
        previous: Some(current.release),
        previous_version: Some(current.version.clone()),
        rollback_of: Some(current.release),
        published_by: by.to_string(),
        published_at: at.to_string(),
        ..target.as_rollback()
    }
}

/// Which release does `rollback` (no `--to`) go back to? The newest older release with another
/// version that did not itself halt, abort or get rolled back. With `--to V`: the newest older
/// release of version V.
pub fn rollback_target<'a>(
    history: &'a [(ReleaseSpec, Option<Ledger>)],
    current: &ReleaseSpec,
    to_version: Option<&str>,
) -> Result<&'a ReleaseSpec> {
    // A restart is no version to go back to: the deploy it restarted is.
    let older = history
        .iter()
        .rev()
        .filter(|(s, _)| s.release < current.release && s.kind.is_deploy());
    let found = match to_version {
        Some(v) => older.map(|(s, _)| s).find(|s| s.version == v),
        None => older
            .filter(|(s, l)| {
                s.version != current.version
                    && !l.as_ref().is_some_and(|l| {
                        matches!(l.state, ReleaseState::Halted | ReleaseState::Aborted)
                            || l.rolled_back_by.is_some()
                    })
            })
            .map(|(s, _)| s)
            .next(),
    };
    found.ok_or_else(|| match to_version {
        Some(v) => Error::invalid(
            "version",
            v,
            format!("no earlier release of {} has it", current.app),
        ),
        None => Error::invalid(
            "app",
            &current.app,
            "has no earlier good release with another version to roll back to",
        ),
    })
}

/// One line on what became of a release, for `history`.
pub fn outcome(spec: &ReleaseSpec, ledger: Option<&Ledger>, newest: u64) -> String {
    let mut parts = vec![];
    if let Some(l) = ledger {
        let counts = [
            ("healthy", l.healthy.len()),
            ("current", l.current.len()),
            ("failed", l.failed.len()),
        ];
        let c: Vec<String> = counts
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        if !c.is_empty() {
            parts.push(c.join(", "));
        }
        if let Some(r) = &l.halt_reason {
            parts.push(format!("halted: {r}"));
        }
        if let Some(by) = l.rolled_back_by {
            parts.push(format!("rolled back by {by}"));
        }
    }
    if let Some(of) = spec.rollback_of {
        parts.push(format!("rollback of {of}"));
    }
    if spec.kind == crate::model::ReleaseKind::Restart {
        parts.push("restart".into());
    }
    if spec.release < newest && ledger.is_none_or(|l| l.rolled_back_by.is_none()) {
        parts.push("superseded".into());
    }
    if parts.is_empty() {
        "no host reported yet".into()
    } else {
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FailureBudget, RunOnce};

    fn spec() -> ReleaseSpec {
        let mut s = ReleaseSpec::new("web", "2.0");
        s.release = 5;
        s
    }

    fn ledger() -> Ledger {
        Ledger::new(5)
    }

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn slots_grow_with_successes_of_this_release_only() {
        let mut s = spec();
        s.slots = 1;
        s.slot_increment = 2;
        let mut l = ledger();
        assert_eq!(effective_slots(&s, Some(&l)), 1);
        l.healthy = v(&["a", "b"]);
        assert_eq!(effective_slots(&s, Some(&l)), 5);
        l.release = 4;
        assert_eq!(effective_slots(&s, Some(&l)), 1);
        assert_eq!(effective_slots(&s, None), 1);
        s.slot_increment = 0;
        l.release = 5;
        assert_eq!(effective_slots(&s, Some(&l)), 1);
        s.slots = u32::MAX;
        s.slot_increment = u32::MAX;
        assert_eq!(effective_slots(&s, Some(&l)), u32::MAX);
    }

    #[test]
    fn ledger_halts_override_the_spec() {
        let s = spec();
        let mut l = ledger();
        assert_eq!(effective_state(&s, Some(&l)), ReleaseState::Active);
        l.state = ReleaseState::Halted;
        assert_eq!(effective_state(&s, Some(&l)), ReleaseState::Halted);
        l.release = 4;
        assert_eq!(
            effective_state(&s, Some(&l)),
            ReleaseState::Active,
            "another release's ledger"
        );
        let mut paused = spec();
        paused.state = ReleaseState::Paused;
        assert_eq!(effective_state(&paused, None), ReleaseState::Paused);
    }

    #[test]
    fn groups() {
        assert!(in_groups(&[], &[]));
        assert!(in_groups(&[], &v(&["x"])));
        assert!(!in_groups(&v(&["web"]), &[]));
        assert!(in_groups(&v(&["web", "api"]), &v(&["db", "api"])));
        assert!(!in_groups(&v(&["web"]), &v(&["db"])));
    }

    #[test]
    fn run_once_gate() {
        let mut s = spec();
        let mut l = ledger();
        let reg = v(&["a", "b"]);
        assert_eq!(
            run_once_step(&s, &l, &reg, "a"),
            RunOnceStep::Proceed,
            "no command"
        );
        s.run_once_cmd = Some("migrate".into());
        assert_eq!(run_once_step(&s, &l, &reg, "a"), RunOnceStep::Claim);
        l.run_once = Some(RunOnce {
            host: "a".into(),
            state: RunOnceState::Running,
        });
        assert!(matches!(
            run_once_step(&s, &l, &reg, "b"),
            RunOnceStep::Wait(_)
        ));
        assert!(
            matches!(run_once_step(&s, &l, &reg, "a"), RunOnceStep::Halt(m) if m.contains("interrupted"))
        );
        assert!(
            matches!(run_once_step(&s, &l, &v(&["b"]), "b"), RunOnceStep::Halt(m) if m.contains("vanished"))
        );
        l.run_once = Some(RunOnce {
            host: "a".into(),
            state: RunOnceState::Done,
        });
        assert_eq!(run_once_step(&s, &l, &reg, "b"), RunOnceStep::Proceed);
        l.run_once = Some(RunOnce {
            host: "a".into(),
            state: RunOnceState::Failed,
        });
        assert!(matches!(
            run_once_step(&s, &l, &reg, "b"),
            RunOnceStep::Halt(_)
        ));
    }

    #[test]
    fn outcomes_replace_earlier_ones() {
        let mut l = ledger();
        assert!(record_outcome(&mut l, "a", HostState::Failed));
        assert!(record_outcome(&mut l, "a", HostState::Healthy));
        assert_eq!((l.healthy.clone(), l.failed.clone()), (v(&["a"]), v(&[])));
        assert!(!record_outcome(&mut l, "b", HostState::Deploying));
        assert_eq!(l.healthy, v(&["a"]));
    }

    #[test]
    fn halting_only_the_running_release_once() {
        let mut s = spec();
        s.max_failures = crate::model::FailureBudget::Count(1);
        let mut l = ledger();
        l.failed = v(&["a"]);
        assert_eq!(
            halt_decision(&s, &l, 5, true, 4, None),
            None,
            "within budget"
        );
        l.failed = v(&["a", "b"]);
        let h = halt_decision(&s, &l, 5, true, 4, None).expect("over budget");
        assert!(h.reason.contains("2 failed host(s) (a, b)"), "{}", h.reason);
        assert!(!h.roll_back, "no --auto-rollback");
        s.auto_rollback = true;
        s.previous = Some(4);
        assert!(
            halt_decision(&s, &l, 5, true, 4, None)
                .expect("halt")
                .roll_back
        );
        // Not the current release, already halted, or a success: no halt.
        assert_eq!(halt_decision(&s, &l, 4, true, 4, None), None);
        l.state = ReleaseState::Halted;
        assert_eq!(halt_decision(&s, &l, 5, true, 4, None), None);
        l.state = ReleaseState::Active;
        assert_eq!(halt_decision(&s, &l, 5, false, 4, None), None);
        // A forced halt (failed run-once command) needs no failure.
        let forced = halt_decision(&s, &ledger(), 5, false, 0, Some("run-once failed"));
        assert_eq!(
            forced.map(|h| h.reason),
            Some("run-once failed".to_string())
        );
    }

    #[test]
    fn failure_budget() {
        let mut s = spec();
        assert!(
            budget_exceeded(&s, 1, 10),
            "default: the first failure halts"
        );
        assert!(!budget_exceeded(&s, 0, 10));
        s.max_failures = FailureBudget::Count(1);
        assert!(!budget_exceeded(&s, 1, 6));
        assert!(budget_exceeded(&s, 2, 6));
        s.max_failures = FailureBudget::Percent(20);
        assert!(!budget_exceeded(&s, 2, 10));
        assert!(budget_exceeded(&s, 3, 10));
        assert!(budget_exceeded(&s, 1, 4), "20% of 4 hosts rounds down to 0");
    }

    fn rel(id: u64, version: &str) -> ReleaseSpec {
        let mut s = ReleaseSpec::new("web", version);
        s.release = id;
        s
    }

    #[test]
    fn rollback_targets() {
        let mut halted = Ledger::new(3);
        halted.state = ReleaseState::Halted;
        let history = vec![
            (rel(1, "1.0"), None),
            (rel(2, "1.1"), None),
            (rel(3, "1.2"), Some(halted)),
            (rel(4, "1.3"), None),
            (rel(5, "1.3"), None),
        ];
        let current = &history[4].0;
        // Skips the same version (4) and the halted release (3).
        assert_eq!(rollback_target(&history, current, None).unwrap().release, 2);
        assert_eq!(
            rollback_target(&history, current, Some("1.0"))
                .unwrap()
                .release,
            1
        );
        assert!(rollback_target(&history, current, Some("9.9")).is_err());
        assert!(rollback_target(&history[..1], &history[0].0, None).is_err());
        let mut gated = history[1].0.clone();
        gated.steps = crate::model::Step::parse_list("1,pause,50%,pause 1m").unwrap();
        let rb = rollback_spec(current, &gated, 6, "me", "now");
        assert_eq!(
            rb.steps,
            crate::model::Step::parse_list("1,50%").unwrap(),
            "a rollback waits at no gate"
        );
        assert_eq!(
            (rb.release, rb.version.as_str(), rb.rollback_of, rb.previous),
            (6, "1.1", Some(5), Some(5))
        );
        assert_eq!(rb.previous_version.as_deref(), Some("1.3"));
    }

    #[test]
    fn a_hosts_group_for_a_release() {
        let g = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(group_of(&g(&["eu", "us"]), &g(&["canary", "us"])), "us");
        assert_eq!(group_of(&[], &g(&["canary", "us"])), "canary");
        assert_eq!(group_of(&g(&["eu"]), &g(&["us"])), "");
        assert_eq!(group_of(&[], &[]), "");
    }

    #[test]
    fn a_freeze_holds_until_it_ends_and_rollbacks_go_through_it() {
        use std::time::{Duration, SystemTime};
        let now = SystemTime::now();
        let mut s = ReleaseSpec::new("web", "2.0");
        s.release = 2;
        assert!(held_back(&s, now).is_none());
        s.freeze = Some(crate::model::Freeze {
            reason: "incident".into(),
            until: Some(crate::model::format_time(now + Duration::from_secs(60))),
            by: "ops".into(),
            at: String::new(),
        });
        let held = held_back(&s, now).expect("held");
        assert!(
            held.contains("incident") && held.contains("until"),
            "{held}"
        );
        let ends = hold_ends(&s, now).expect("ends by itself");
        assert!(
            ends > now && ends <= now + Duration::from_secs(60),
            "{ends:?}"
        );
        assert!(held_back(&s, ends).is_none(), "not held once it ends");
        s.window = Some("* 00:00-00:01 UTC".into());
        assert_eq!(
            hold_ends(&s, now),
            Some(ends),
            "the freeze's end first; the window is judged then"
        );
        s.window = None;
        assert!(
            held_back(&s, now + Duration::from_secs(61)).is_none(),
            "ended"
        );
        let mut target = ReleaseSpec::new("web", "1.0");
        target.release = 1;
        let rb = rollback_spec(&s, &target, 3, "ci", "now");
        assert_eq!(rb.freeze, s.freeze);
        assert!(held_back(&rb, now).is_none(), "a rollback goes through");
        s.freeze_override = Some("hotfix".into());
        assert!(held_back(&s, now).is_none());
    }

    #[test]
    fn failed_checks_are_kept_once_per_host_for_a_bounded_number_of_hosts() {
        let c = crate::checks::MetricCheck::parse("err=e <= 0.05").expect("check");
        let judged = |v: f64| {
            let mut r = crate::checks::CheckRecord::new(&c, c.query.clone(), None);
            r.judge(
                Ok(vec![crate::checks::Sample {
                    series: "{}".into(),
                    at: 1.0,
                    value: v,
                }]),
                1,
            );
            r
        };
        let mut l = Ledger::default();
        record_failed_checks(&mut l, "a", &[judged(0.01)]);
        assert!(l.failed_checks.is_empty(), "a pass is no evidence");
        record_failed_checks(&mut l, "a", &[judged(0.2)]);
        record_failed_checks(&mut l, "a", &[judged(0.3)]);
        assert_eq!(l.failed_checks.len(), 1, "once per host: {l:?}");
        assert_eq!(l.failed_checks[0].checks[0].history, vec![0.3]);
        for i in 0..2 * MAX_FAILED_CHECKS {
            record_failed_checks(&mut l, &format!("h{i}"), &[judged(0.2)]);
        }
        assert_eq!(l.failed_checks.len(), MAX_FAILED_CHECKS);
        assert_eq!(l.failed_checks[0].host, "a", "the first ones stay");
    }

    #[test]
    fn a_shut_window_ends_at_its_next_opening() {
        let t = |s: &str| humantime::parse_rfc3339(s).expect("time");
        let mut s = ReleaseSpec::new("web", "2.0");
        s.window = Some("Mon-Fri 09:00-16:00 Europe/Berlin".into());
        // Saturday 2026-12-12 → Monday 08:00 UTC (09:00 in Berlin).
        let sat = t("2026-12-12T10:00:00Z");
        assert_eq!(hold_ends(&s, sat), Some(t("2026-12-14T08:00:00Z")));
        assert_eq!(hold_ends(&s, t("2026-12-14T08:00:00Z")), None, "open");
        s.freeze = Some(crate::model::Freeze {
            reason: "incident".into(),
            until: None,
            by: "ops".into(),
            at: String::new(),
        });
        assert_eq!(hold_ends(&s, sat), None, "only unfreeze ends it");
    }

    #[test]
    fn rollbacks_never_restart() {
        let mut restart = rel(3, "1.1");
        restart.kind = crate::model::ReleaseKind::Restart;
        let history = vec![
            (rel(1, "1.0"), None),
            (rel(2, "1.1"), None),
            (restart.clone(), None),
            (rel(4, "1.2"), None),
        ];
        let current = &history[3].0;
        let to = rollback_target(&history, current, Some("1.1")).unwrap();
        assert_eq!(to.release, 2, "the deploy of 1.1, not its restart");
        // An automatic rollback to a restart's spec (its `previous`) deploys that version.
        let rb = rollback_spec(current, &restart, 5, "auto-rollback", "now");
        assert_eq!(rb.kind, crate::model::ReleaseKind::Deploy);
    }

    #[test]
    fn outcomes() {
        let s = rel(3, "1.2");
        assert_eq!(outcome(&s, None, 3), "no host reported yet");
        let mut l = Ledger::new(3);
        l.healthy = v(&["a", "b"]);
        l.failed = v(&["c"]);
        l.halt_reason = Some("2 failures".into());
        l.rolled_back_by = Some(4);
        assert_eq!(
            outcome(&s, Some(&l), 4),
            "2 healthy, 1 failed; halted: 2 failures; rolled back by 4"
        );
        let l2 = Ledger::new(3);
        assert_eq!(outcome(&s, Some(&l2), 5), "superseded");
    }
}
