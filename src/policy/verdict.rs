//! The one judge of a release: from its spec, the app's current spec, its ledger and the state of
//! each target host, what became of it. `wait-for-rollout`, `status`, `serve` (page, metrics,
//! webhooks) and `--on-timeout` all ask [`judge`]; nothing else decides that a release
//! succeeded. The rule, in docs/safety.md ("When a release has succeeded"):
//!
//! A release has **succeeded** when, and only when, all of these hold:
//! 1. it is the app's current release and was not halted, aborted or rolled back;
//! 2. it passed every step of its plan (it stands at the last one), unless it never needed a
//!    step: no host took a place in one and every target host ran the version already;
//! 3. there is at least one target host, every one of them is settled (healthy, current, failed
//!    or lost), the failed and lost ones are within `max_failures`, no host refused it (its
//!    signature; failed at once, whatever the budget), and at least one runs it (healthy or
//!    current) — a release no targeted host runs has failed, whatever the budget;
//! 4. its finalize command, when it has one, is done;
//! 5. (`--expect-hosts N`) at least N hosts are targets.
//!
//! Pure: the callers gather the facts; the property tests at the bottom pin the rule.

use std::time::SystemTime;

use super::steps::{self, Position};
use crate::model::{HostState, Ledger, ReleaseSpec, ReleaseState};
use crate::policy::hooks::{self, FinalizeVerdict};

/// One target host and its state *for the judged release* (idle or waiting when it has not
/// started it); `note` says why it is lost, when it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetHost<'a> {
    pub host: &'a str,
    pub state: HostState,
    pub note: &'a str,
}

/// Everything the judge looks at.
#[derive(Debug, Clone)]
pub struct Case<'a> {
    /// The release judged.
    pub target: &'a ReleaseSpec,
    /// The app's current spec (its release may have moved on, its state changed).
    pub current: Option<&'a ReleaseSpec>,
    /// The judged release's ledger (another release's is ignored).
    pub ledger: Option<&'a Ledger>,
    /// The hosts the release targets now (see `rollout::wait::targets`).
    pub hosts: &'a [TargetHost<'a>],
    /// Agents present now (who may still run the finalize command).
    pub registered: &'a [String],
    pub expect_hosts: Option<usize>,
    pub now: SystemTime,
}

/// What became of a release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    Succeeded {
        message: String,
        /// Failed or lost hosts the failure budget tolerated ("web-3 failed").
        tolerated: Vec<String>,
    },
    Failed {
        message: String,
    },
    Aborted {
        message: String,
    },
    RolledBack {
        message: String,
    },
    Superseded {
        message: String,
        by: u64,
    },
    /// Not decided yet; `gate`: the step gate it waits at, if it waits at one.
    InProgress {
        gate: Option<Position>,
    },
}

impl Judgement {
    pub fn is_final(&self) -> bool {
        !matches!(self, Judgement::InProgress { .. })
    }

    pub fn succeeded(&self) -> bool {
        matches!(self, Judgement::Succeeded { .. })
    }

    /// `succeeded`, `failed`, `aborted`, `rolled_back`, `superseded`, `in_progress` (JSON).
    pub fn name(&self) -> &'static str {
        match self {
            Judgement::Succeeded { .. } => "succeeded",
            Judgement::Failed { .. } => "failed",
            Judgement::Aborted { .. } => "aborted",
            Judgement::RolledBack { .. } => "rolled_back",
            Judgement::Superseded { .. } => "superseded",
            Judgement::InProgress { .. } => "in_progress",
        }
    }
}

/// The release's ledger, when `ledger` is its own.
fn own<'a>(target: &ReleaseSpec, ledger: Option<&'a Ledger>) -> Option<&'a Ledger> {
    ledger.filter(|l| l.release == target.release)
}

/// Has the release passed every step of its plan at `now` (rule 2)? `all_current`: every target
/// host ran the version before the release touched it.
pub fn steps_passed(
    spec: &ReleaseSpec,
    ledger: Option<&Ledger>,
    all_current: bool,
    now: SystemTime,
) -> bool {
    let plan = steps::plan(spec);
    if plan.is_empty() {
        return true;
    }
    let empty = Ledger::new(spec.release);
    let ledger = own(spec, ledger).unwrap_or(&empty);
    if ledger.canaries.is_empty() && all_current {
        return true;
    }
    steps::position(&plan, ledger, now).is_some_and(|p| p.index + 1 == p.total)
}

/// Where `target` stands in its steps while it is the app's current (`current`), active release:
/// `None` without steps, or once it is not. `wait-for-rollout`, `status` and the judge read it.
pub fn running_position(
    target: &ReleaseSpec,
    current: Option<&ReleaseSpec>,
    ledger: Option<&Ledger>,
    now: SystemTime,
) -> Option<Position> {
    let cur = current.filter(|c| c.release == target.release)?;
    if super::effective_state(cur, ledger) != ReleaseState::Active {
        return None;
    }
    let plan = steps::plan(target);
    let empty = Ledger::new(target.release);
    let ledger = own(target, ledger).unwrap_or(&empty);
    steps::position(&plan, ledger, now).map(|p| steps::with_approvals(p, target, ledger))
}

/// The step gate the release waits at, while it is the current, active release.
pub fn gate(case: &Case<'_>) -> Option<Position> {
    running_position(case.target, case.current, case.ledger, case.now).filter(|p| p.at_gate())
}

pub fn judge(case: &Case<'_>) -> Judgement {
    let target = case.target;
    let release = target.release;
    let ledger = own(target, case.ledger);
    let in_progress = || Judgement::InProgress { gate: gate(case) };
    // Why it halted, when it did (a failed host's own words: a metric check names its query).
    let halted_because = ledger
        .and_then(|l| l.halt_reason.as_deref())
        .map(|r| format!(" (halted: {r})"))
        .unwrap_or_default();
    if let Some(cur) = case.current {
        if cur.release > release && cur.rollback_of == Some(release) {
            return Judgement::RolledBack {
                message: format!(
                    "release {release} ({}) was rolled back: release {} runs {} again{halted_because}",
                    target.version, cur.release, cur.version
                ),
            };
        }
        if cur.release > release {
            return Judgement::Superseded {
                message: format!(
                    "release {release} ({}) was superseded by release {} ({})",
                    target.version, cur.release, cur.version
                ),
                by: cur.release,
            };
        }
        // The ledger is written in the same multi-op as the rollback, but watch events arrive
        // one node at a time: trust whichever shows the rollback first.
        if let Some(by) = ledger.and_then(|l| l.rolled_back_by) {
            return Judgement::RolledBack {
                message: format!(
                    "release {release} ({}) was halted and rolled back by release {by}{halted_because}",
                    target.version
                ),
            };
        }
        if cur.release == release {
            match super::effective_state(cur, ledger) {
                // Halted, its rollback not published yet (ACLs): a waiter publishes it.
                ReleaseState::Halted if ledger.is_some_and(|l| l.rollback_pending) => {
                    return in_progress();
                }
                ReleaseState::Aborted => {
                    return Judgement::Aborted {
                        message: format!("release {release} was aborted"),
                    };
                }
                ReleaseState::Halted => {
                    let why = ledger
                        .and_then(|l| l.halt_reason.as_deref())
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default();
                    return Judgement::Failed {
                        message: format!("release {release} was halted{why}"),
                    };
                }
                ReleaseState::Active | ReleaseState::Paused => {}
            }
        }
    } else {
        // No current spec to compare with (the app node is gone): nothing can be decided.
        return in_progress();
    }
    let hosts = case.hosts;
    // A host that refused the release (its signature) fails it whatever the budget: what it was
    // asked to run is not what a trusted key signed.
    let refused: Vec<String> = hosts
        .iter()
        .filter(|h| h.state == HostState::Refused)
        .map(|h| format!("{} {}", h.host, h.note))
        .collect();
    if !refused.is_empty() {
        return Judgement::Failed {
            message: format!("release {release} failed: {}", refused.join(", ")),
        };
    }
    let bad: Vec<String> = hosts
        .iter()
        .filter_map(|h| match h.state {
            HostState::Failed => Some(format!("{} failed", h.host)),
            HostState::Lost => Some(format!("{} lost ({})", h.host, h.note)),
            _ => None,
        })
        .collect();
    let failed = hosts
        .iter()
        .filter(|h| h.state == HostState::Failed)
        .count();
    if super::budget_exceeded(target, bad.len(), hosts.len()) {
        // The agent that recorded the failure over budget halts (and rolls back) in the same
        // write: don't report `failed` in the instant before that becomes visible. A lost host is
        // no failure any agent records: nothing will roll back.
        let rollback_coming = target.auto_rollback
            && target.previous.is_some()
            && super::budget_exceeded(target, failed, hosts.len());
        if rollback_coming {
            return in_progress();
        }
        return Judgement::Failed {
            message: format!("release {release} failed: {}", bad.join(", ")),
        };
    }
    if hosts.is_empty() || case.expect_hosts.is_some_and(|n| hosts.len() < n) {
        return in_progress();
    }
    let settled = |h: &TargetHost<'_>| {
        h.state.is_success() || matches!(h.state, HostState::Failed | HostState::Lost)
    };
    if !hosts.iter().all(settled) {
        return in_progress();
    }
    let running = hosts.len() - bad.len();
    if running == 0 {
        return Judgement::Failed {
            message: format!(
                "release {release} ({}) runs on no target host: {}",
                target.version,
                bad.join(", ")
            ),
        };
    }
    let all_current = hosts.iter().all(|h| h.state == HostState::Current);
    if !steps_passed(target, ledger, all_current, case.now) {
        return in_progress();
    }
    let mut message = format!(
        "release {release} ({}) is running on {running} host(s)",
        target.version
    );
    if !bad.is_empty() {
        message.push_str(&format!(
            "; {} tolerated (max_failures {})",
            bad.join(", "),
            target.max_failures
        ));
    }
    // Not done before its finalize command is (it runs once every host is done).
    if hooks::finalize_expected(target, ledger) {
        match hooks::finalize_verdict(ledger, case.registered) {
            FinalizeVerdict::Pending(_) => return in_progress(),
            // Its halt publishes the previous release in the same write: wait for it.
            FinalizeVerdict::Failed(_) if target.auto_rollback && target.previous.is_some() => {
                return in_progress();
            }
            FinalizeVerdict::Failed(why) => {
                return Judgement::Failed {
                    message: format!("release {release} failed: {why}"),
                };
            }
            FinalizeVerdict::Done(what) => message.push_str(&format!("; {what}")),
        }
    }
    Judgement::Succeeded {
        message,
        tolerated: bad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FailureBudget, Step, StepState};
    use proptest::prelude::*;

    const STATES: [HostState; 9] = [
        HostState::Idle,
        HostState::Waiting,
        HostState::Deploying,
        HostState::Verifying,
        HostState::Baking,
        HostState::Healthy,
        HostState::Current,
        HostState::Failed,
        HostState::Refused,
    ];

    fn spec(steps: &str) -> ReleaseSpec {
        let mut s = ReleaseSpec::new("web", "2.0");
        s.release = 5;
        s.steps = if steps.is_empty() {
            vec![]
        } else {
            Step::parse_list(steps).expect("steps")
        };
        s
    }

    fn case<'a>(
        s: &'a ReleaseSpec,
        l: Option<&'a Ledger>,
        hosts: &'a [TargetHost<'a>],
    ) -> Case<'a> {
        Case {
            target: s,
            current: Some(s),
            ledger: l,
            hosts,
            registered: &[],
            expect_hosts: None,
            now: SystemTime::now(),
        }
    }

    fn th(host: &str, state: HostState) -> TargetHost<'_> {
        TargetHost {
            host,
            state,
            note: "",
        }
    }

    #[test]
    fn every_host_failed_within_the_budget_is_a_failure() {
        let mut s = spec("");
        s.max_failures = FailureBudget::Count(3);
        let hosts = [
            th("a", HostState::Failed),
            th("b", HostState::Failed),
            th("c", HostState::Failed),
        ];
        let j = judge(&case(&s, None, &hosts));
        assert!(
            matches!(&j, Judgement::Failed { message } if message.contains("runs on no target host")),
            "{j:?}"
        );
        let hosts = [
            th("a", HostState::Failed),
            th("b", HostState::Healthy),
            th("c", HostState::Failed),
        ];
        let j = judge(&case(&s, None, &hosts));
        assert!(
            matches!(&j, Judgement::Succeeded { tolerated, .. } if tolerated.len() == 2),
            "{j:?}"
        );
    }

    #[test]
    fn one_refusal_fails_the_release_whatever_the_budget() {
        let mut s = spec("");
        s.max_failures = FailureBudget::Count(3);
        let refused = TargetHost {
            host: "c",
            state: HostState::Refused,
            note: "refused: the release is not signed",
        };
        // Decided at once: the other hosts need not be done.
        let hosts = [
            th("a", HostState::Healthy),
            th("b", HostState::Deploying),
            refused,
        ];
        let j = judge(&case(&s, None, &hosts));
        assert!(
            matches!(&j, Judgement::Failed { message } if message.contains("c refused: the release is not signed")),
            "{j:?}"
        );
    }

    #[test]
    fn a_release_short_of_its_last_step_has_not_succeeded() {
        let s = spec("1,pause,100%");
        let mut l = Ledger::new(5);
        l.canaries = vec!["a".into()];
        l.healthy = vec!["a".into()];
        l.step = Some(StepState {
            index: 0,
            started_at: crate::model::now_rfc3339(),
            target: Some(1),
            hosts: vec!["a".into(), "b".into(), "c".into()],
        });
        // b and c, waiting at the gate, are gone: only a is a target.
        let hosts = [th("a", HostState::Healthy)];
        let j = judge(&case(&s, Some(&l), &hosts));
        assert!(
            matches!(&j, Judgement::InProgress { gate: Some(p) } if p.at_manual_gate()),
            "{j:?}"
        );
        // Promoted: at the last step, a alone runs it.
        l.step = Some(StepState {
            index: 2,
            started_at: crate::model::now_rfc3339(),
            ..Default::default()
        });
        assert!(judge(&case(&s, Some(&l), &hosts)).succeeded());
    }

    #[test]
    fn a_stepped_release_every_host_already_ran_needs_no_step() {
        let s = spec("1,pause,100%");
        let hosts = [th("a", HostState::Current), th("b", HostState::Current)];
        assert!(judge(&case(&s, None, &hosts)).succeeded());
        // One host deployed (took a place): the gate must be passed.
        let mut l = Ledger::new(5);
        l.canaries = vec!["a".into()];
        l.healthy = vec!["a".into()];
        let hosts = [th("a", HostState::Healthy), th("b", HostState::Current)];
        assert!(!judge(&case(&s, Some(&l), &hosts)).is_final());
    }

    fn arb_case() -> impl Strategy<Value = (String, u32, Vec<usize>, Option<usize>, bool)> {
        (
            prop_oneof![
                Just(String::new()),
                Just("1".to_string()),
                Just("1,pause,100%".to_string()),
                Just("1,50%,100%".to_string()),
                Just("2,pause 1h,100%".to_string()),
            ],
            0u32..4,
            proptest::collection::vec(0usize..STATES.len() + 1, 0..6),
            proptest::option::of(0usize..4),
            any::<bool>(),
        )
    }

    proptest! {
        /// The rule, checked against arbitrary states: `succeeded` implies every part of it.
        #[test]
        fn succeeded_means_the_whole_rule_holds(
            (steps, budget, states, step_at, halted) in arb_case()
        ) {
            let mut s = spec(&steps);
            s.max_failures = FailureBudget::Count(budget);
            let names: Vec<String> = (0..states.len()).map(|i| format!("h{i}")).collect();
            let hosts: Vec<TargetHost<'_>> = states
                .iter()
                .zip(&names)
                .map(|(i, n)| TargetHost {
                    host: n,
                    state: STATES.get(*i).copied().unwrap_or(HostState::Lost),
                    note: "gone",
                })
                .collect();
            let mut l = Ledger::new(5);
            for h in &hosts {
                match h.state {
                    HostState::Healthy => {
                        l.healthy.push(h.host.to_string());
                        l.canaries.push(h.host.to_string());
                    }
                    HostState::Failed => l.failed.push(h.host.to_string()),
                    HostState::Current => l.current.push(h.host.to_string()),
                    _ => {}
                }
            }
            if let Some(i) = step_at {
                l.step = Some(StepState {
                    index: i,
                    started_at: crate::model::now_rfc3339(),
                    target: Some(1),
                    hosts: vec![],
                });
            }
            if halted {
                l.state = ReleaseState::Halted;
            }
            let j = judge(&case(&s, Some(&l), &hosts));
            if j.succeeded() {
                prop_assert!(!halted);
                prop_assert!(!hosts.is_empty());
                prop_assert!(hosts.iter().all(|h| h.state != HostState::Refused));
                prop_assert!(hosts.iter().all(|h| h.state.is_success()
                    || matches!(h.state, HostState::Failed | HostState::Lost)));
                let bad = hosts.iter().filter(|h| !h.state.is_success()).count();
                prop_assert!(bad <= budget as usize);
                prop_assert!(bad < hosts.len(), "someone runs it");
                let all_current = hosts.iter().all(|h| h.state == HostState::Current);
                let plan = steps::plan(&s);
                prop_assert!(
                    plan.is_empty()
                        || (l.canaries.is_empty() && all_current)
                        || steps::position(&plan, &l, SystemTime::now())
                            .is_some_and(|p| p.index + 1 == plan.len())
                );
            }
            // Failing one more settled host never turns a failure into a success.
            if matches!(j, Judgement::Failed { .. }) && !halted {
                let mut worse = hosts.clone();
                if let Some(h) = worse.iter_mut().find(|h| h.state.is_success()) {
                    h.state = HostState::Failed;
                }
                prop_assert!(!judge(&case(&s, Some(&l), &worse)).succeeded());
            }
        }
    }
}
