//! Stepped rollouts (`--steps`, and `--canary N` as `N,100%`): which step a release is at, whether
//! a host may start, when a step is reached, gates (a manual pause until `promote`, a timed one
//! that ends by itself), and the progress deadline. Pure: the agent and `promote` apply these to
//! the release ledger under compare-and-set; `status`, `history` and the waiter only read them.

use std::time::{Duration, SystemTime};

use crate::model::{Ledger, ReleaseSpec, ReleaseState, Step, StepState, format_time, parse_time};

/// The release's plan: its steps, ending with 100% (added when the list does not say it).
/// `--canary N` is `N,100%`. Empty: no steps, every host may start (slots permitting).
pub fn plan(spec: &ReleaseSpec) -> Vec<Step> {
    let mut steps = if !spec.steps.is_empty() {
        spec.steps.clone()
    } else if spec.canary > 0 {
        vec![Step::Hosts(spec.canary)]
    } else {
        return vec![];
    };
    if steps.last() != Some(&Step::Percent(100)) {
        steps.push(Step::Percent(100));
    }
    steps
}

/// Healthy hosts that reach `step` with `targets` target hosts: percentages round up; a count
/// beyond the hosts there are is all of them.
pub fn target_of(step: Step, targets: usize) -> u32 {
    let n = targets as u32;
    match step {
        Step::Hosts(h) => h.min(n.max(1)),
        Step::Percent(p) => (p * n).div_ceil(100).max(1),
        Step::Pause(_) => 0,
    }
}

/// Where a release stands, as far as the ledger tells (reached steps and elapsed timed pauses
/// are passed over even before an agent wrote that down).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// 0-based index into the plan.
    pub index: usize,
    pub total: usize,
    pub step: Step,
    /// A host-count step's target, once fixed.
    pub target: Option<u32>,
    /// Healthy hosts that took a place in a step.
    pub healthy: usize,
    pub started_at: Option<SystemTime>,
    /// At the approval gate (`--approvals`): signed promotes it still waits for (see
    /// [`with_approvals`]; 0 from [`position`], which does not see the spec).
    pub approvals_missing: u32,
    /// The step's target is reached, and it waits for its step checks' pass (`--step-check`).
    pub checks_pending: bool,
}

impl Position {
    /// Waiting for `promote` (a manual gate).
    pub fn at_manual_gate(&self) -> bool {
        self.step == Step::Pause(None)
    }

    pub fn at_gate(&self) -> bool {
        self.step.is_gate()
    }

    /// When a timed pause ends.
    pub fn pause_ends(&self) -> Option<SystemTime> {
        match self.step {
            Step::Pause(Some(ms)) => self.started_at.map(|t| t + Duration::from_millis(ms)),
            _ => None,
        }
    }

    /// `step 2 of 5`.
    pub fn label(&self) -> String {
        format!("step {} of {}", self.index + 1, self.total)
    }

    /// One line for people: where the release waits and what lets it go on.
    pub fn describe(&self, app: &str) -> String {
        let promote = format!("promote with `deployctl promote {app}`");
        match self.step {
            Step::Pause(None) if self.approvals_missing > 0 => format!(
                "paused at {}: waiting for {} approval{} (`deployctl promote {app} --sign-key KEY`, \
                 a key other than the publisher's)",
                self.label(),
                self.approvals_missing,
                if self.approvals_missing == 1 { "" } else { "s" }
            ),
            Step::Pause(None) => format!("paused at {}: {promote}", self.label()),
            Step::Pause(Some(ms)) => {
                let until = self
                    .pause_ends()
                    .map(|t| format!(" until {}", format_time(t)))
                    .unwrap_or_default();
                let checks = if self.checks_pending {
                    ", the step checks judged over it"
                } else {
                    ""
                };
                format!(
                    "paused at {} for {}{until}{checks} (or {promote})",
                    self.label(),
                    humantime::format_duration(Duration::from_millis(ms))
                )
            }
            _ if self.checks_pending => format!(
                "at {}: {}/{} healthy, waiting for the step checks",
                self.label(),
                self.healthy,
                self.target.unwrap_or(0)
            ),
            step => {
                let what = match step {
                    Step::Hosts(1) => "1 host".to_string(),
                    Step::Hosts(n) => format!("{n} hosts"),
                    _ => format!("{step} of the hosts"),
                };
                match self.target {
                    Some(t) => format!(
                        "at {} ({what}): {}/{t} healthy",
                        self.label(),
                        self.healthy.min(t as usize)
                    ),
                    None => format!("at {} ({what})", self.label()),
                }
            }
        }
    }
}

/// Hosts that took a place and run the version: healthy, or `current` (a host whose place
/// outlived a crash and came back already running it must not hold its step back for ever).
fn healthy_claims(ledger: &Ledger) -> usize {
    ledger
        .canaries
        .iter()
        .filter(|c| ledger.healthy.contains(c) || ledger.current.contains(c))
        .count()
}

/// Is every host the step started with done (healthy, current or failed)? Then no host is left
/// to take a place, and a step whose target is out of reach (hosts that ran the version
/// already, failures within the budget) is passed instead of held for ever.
fn step_hosts_done(ledger: &Ledger, hosts: &[String]) -> bool {
    !hosts.is_empty() && hosts.iter().all(|h| ledger.is_done(h))
}

fn started(state: &StepState) -> Option<SystemTime> {
    parse_time(&state.started_at)
}

/// Move `ledger` on as far as it goes by itself at `now`: start the first step, pass reached
/// steps and elapsed timed pauses, and — with `targets` (the target hosts now) — fix a new
/// host-count step's target. Without `targets` it stops at a step whose target is not fixed
/// (a read-only view). Returns whether the ledger changed (then it is to be written).
pub fn advance(
    plan: &[Step],
    ledger: &mut Ledger,
    now: SystemTime,
    targets: Option<&[String]>,
) -> bool {
    if plan.is_empty() {
        return false;
    }
    // The step is moved on apart from the outcomes it is judged by, then put back.
    let (mut state, started_now) = match ledger.step.take() {
        Some(s) => (s, false),
        None => (
            StepState {
                index: 0,
                started_at: format_time(now),
                ..Default::default()
            },
            true,
        ),
    };
    let changed = advance_step(plan, ledger, &mut state, now, targets) || started_now;
    ledger.step = Some(state);
    changed
}

/// Has the host-count step `state` reached its target (or are its own hosts all done)?
fn reached(ledger: &Ledger, state: &StepState) -> bool {
    state.target.is_some_and(|t| {
        healthy_claims(ledger) >= t as usize || step_hosts_done(ledger, &state.hosts)
    })
}

/// With step checks, a reached step passes only on their recorded pass.
fn checks_passed(ledger: &Ledger, index: usize) -> bool {
    ledger.step_checks.as_ref().is_none_or(|c| c.passed(index))
}

/// Is `index` a timed hold (`pause 10m`)? Step checks at its boundary are judged over the
/// whole hold — every interval from its start to its end — not at a moment before it: the
/// boundary before it passes without them, and the hold ends only on their pass.
pub fn timed_hold(plan: &[Step], index: usize) -> bool {
    matches!(plan.get(index), Some(Step::Pause(Some(_))))
}

/// [`advance`] for the step `state` of `ledger` (whose own `step` is not read).
fn advance_step(
    plan: &[Step],
    ledger: &Ledger,
    state: &mut StepState,
    now: SystemTime,
    targets: Option<&[String]>,
) -> bool {
    let mut changed = false;
    loop {
        let Some(&step) = plan.get(state.index) else {
            return changed;
        };
        let next = match step {
            Step::Pause(None) => false,
            Step::Pause(Some(ms)) => {
                started(state).is_some_and(|t| t + Duration::from_millis(ms) <= now)
                    && checks_passed(ledger, state.index)
            }
            // The last step (100%) is never passed: it is all hosts.
            _ if state.index + 1 == plan.len() => false,
            _ => match (state.target, targets) {
                (Some(_), _) => {
                    reached(ledger, state)
                        && (checks_passed(ledger, state.index) || timed_hold(plan, state.index + 1))
                }
                (None, Some(hosts)) => {
                    state.target = Some(target_of(step, hosts.len()));
                    state.hosts = hosts.to_vec();
                    state.hosts.sort();
                    changed = true;
                    continue;
                }
                (None, None) => false,
            },
        };
        if !next {
            return changed;
        }
        *state = StepState {
            index: state.index + 1,
            started_at: format_time(now),
            ..Default::default()
        };
        changed = true;
    }
}

/// Where the release stands at `now` (see [`Position`]); `None` without steps.
pub fn position(plan: &[Step], ledger: &Ledger, now: SystemTime) -> Option<Position> {
    if plan.is_empty() {
        return None;
    }
    let mut view = ledger.clone();
    advance(plan, &mut view, now, None);
    let state = view.step.unwrap_or_default();
    let index = state.index.min(plan.len() - 1);
    Some(Position {
        index,
        total: plan.len(),
        step: plan[index],
        target: state.target,
        healthy: healthy_claims(ledger),
        started_at: started(&state),
        approvals_missing: 0,
        checks_pending: !checks_passed(ledger, index)
            && if timed_hold(plan, index) {
                true
            } else {
                !plan[index].is_gate()
                    && index + 1 < plan.len()
                    && !timed_hold(plan, index + 1)
                    && reached(ledger, &state)
            },
    })
}

/// The gate `--approvals N` holds: the plan's first manual gate (`publish` adds one when the
/// steps have none).
pub fn approval_gate(spec: &ReleaseSpec, plan: &[Step]) -> Option<usize> {
    if spec.approvals == 0 {
        return None;
    }
    plan.iter().position(|s| *s == Step::Pause(None))
}

/// Approvals the ledger records for the approval gate, one per key, the publisher's key not
/// counted. Unverified: `promote` counts with it; agents that trust signatures check each one
/// (`signing::verified_approvals`).
pub fn approvals_recorded(spec: &ReleaseSpec, ledger: &Ledger, gate: usize) -> usize {
    let publisher = spec.signature.as_ref().map(|s| s.key.as_str());
    let mut keys: Vec<&str> = ledger
        .approvals
        .iter()
        .filter(|a| a.step == gate && Some(a.key.as_str()) != publisher)
        .map(|a| a.key.as_str())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys.len()
}

/// `pos` with the approvals it still waits for, when it stands at the approval gate.
pub fn with_approvals(mut pos: Position, spec: &ReleaseSpec, ledger: &Ledger) -> Position {
    if approval_gate(spec, &plan(spec)) == Some(pos.index) {
        let have = approvals_recorded(spec, ledger, pos.index) as u32;
        pos.approvals_missing = spec.approvals.saturating_sub(have);
    }
    pos
}

/// `--approvals N` without a manual gate in its steps waits before any host: a `pause` first
/// (written into the spec, so it is signed and shown like any step).
pub fn add_approval_gate(spec: &mut ReleaseSpec) {
    if spec.approvals == 0 || spec.steps.contains(&Step::Pause(None)) {
        return;
    }
    let mut steps = plan(spec);
    if steps.is_empty() {
        steps.push(Step::Percent(100));
    }
    steps.insert(0, Step::Pause(None));
    spec.steps = steps;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepGate {
    Proceed,
    /// A place in the step is free: claim it (compare-and-set), then deploy.
    Claim,
    /// Wait (at a gate, or for the step's hosts); `until`: a timed pause ends then.
    Wait {
        message: String,
        until: Option<SystemTime>,
    },
}

/// May `me` start now? `ledger` is as written (after [`advance`]); `registered` are the hosts
/// whose agents are present: a host that took a place, is neither healthy nor failed and is gone
/// holds it no more.
pub fn gate(
    plan: &[Step],
    ledger: &Ledger,
    me: &str,
    registered: &[String],
    app: &str,
    now: SystemTime,
) -> StepGate {
    if plan.is_empty() || ledger.canaries.iter().any(|c| c == me) {
        return StepGate::Proceed;
    }
    let Some(pos) = position(plan, ledger, now) else {
        return StepGate::Proceed;
    };
    if pos.at_gate() {
        return StepGate::Wait {
            message: pos.describe(app),
            until: pos.pause_ends(),
        };
    }
    if pos.index + 1 == plan.len() {
        return StepGate::Proceed;
    }
    let Some(target) = pos.target else {
        return StepGate::Wait {
            message: format!("starting {}", pos.label()),
            until: None,
        };
    };
    let live = ledger
        .canaries
        .iter()
        .filter(|c| !ledger.failed.contains(c) && !vacant(ledger, c, registered))
        .count();
    let wait = |why: &str| StepGate::Wait {
        message: format!("waiting {}{why}", pos.describe(app)),
        until: None,
    };
    if live >= target as usize {
        return wait("");
    }
    let hosts = &ledger
        .step
        .as_ref()
        .map(|s| s.hosts.clone())
        .unwrap_or_default();
    if !hosts.iter().any(|h| h == me) && others_first(ledger, hosts, registered) {
        return wait(&format!(
            "; {me} joined after the step started and waits for the next one"
        ));
    }
    StepGate::Claim
}

/// A host that joined after the step started waits while one of the step's own hosts (present,
/// not started, not done) could still take the place.
fn others_first(ledger: &Ledger, hosts: &[String], registered: &[String]) -> bool {
    hosts.iter().any(|h| {
        registered.contains(h)
            && ![
                &ledger.canaries,
                &ledger.healthy,
                &ledger.current,
                &ledger.failed,
            ]
            .iter()
            .any(|l| l.contains(h))
    })
}

fn vacant(ledger: &Ledger, host: &str, registered: &[String]) -> bool {
    !ledger.healthy.iter().any(|h| h == host) && !registered.iter().any(|h| h == host)
}

/// Take a place in the current step for `me` (under compare-and-set): places of hosts that are
/// gone are given up. False when no place is free any more.
pub fn claim(
    plan: &[Step],
    ledger: &mut Ledger,
    me: &str,
    registered: &[String],
    app: &str,
    now: SystemTime,
) -> bool {
    if gate(plan, ledger, me, registered, app, now) != StepGate::Claim {
        return false;
    }
    let gone: Vec<String> = ledger
        .canaries
        .iter()
        .filter(|c| !ledger.failed.contains(c) && vacant(ledger, c, registered))
        .cloned()
        .collect();
    ledger.canaries.retain(|c| !gone.contains(c));
    ledger.canaries.push(me.to_string());
    true
}

/// Pass the gate the release waits at (`all`: every gate left, straight to the last step).
/// `at`: the step (0-based) the caller saw the release at — a promote names the gate it passes,
/// so two promotes racing on one gate pass it once, not that gate and the next. Returns what
/// was done, or why there is nothing to promote.
pub fn promote(
    plan: &[Step],
    ledger: &mut Ledger,
    now: SystemTime,
    all: bool,
    at: Option<usize>,
    app: &str,
) -> std::result::Result<String, String> {
    let Some(pos) = position(plan, ledger, now) else {
        return Err("has no steps (publish with --steps to have gates)".into());
    };
    if let Some(at) = at.filter(|at| *at != pos.index) {
        return Err(format!(
            "is not at step {} of {} any more ({}): that gate was passed already; nothing promoted",
            at + 1,
            plan.len(),
            pos.describe(app)
        ));
    }
    let last = plan.len() - 1;
    let to = if all {
        if !plan[pos.index..].iter().any(|s| s.is_gate()) {
            return Err(format!("has no gate left ({})", pos.describe(app)));
        }
        last
    } else if pos.at_gate() {
        pos.index + 1
    } else {
        return Err(format!(
            "is not waiting at a gate ({}); --all passes every gate left",
            pos.describe(app)
        ));
    };
    advance(plan, ledger, now, None);
    ledger.step = Some(StepState {
        index: to,
        started_at: format_time(now),
        ..Default::default()
    });
    Ok(if all {
        format!("passed every gate: at step {} of {}", to + 1, plan.len())
    } else {
        format!(
            "passed the gate at {}: now at step {} of {} ({})",
            pos.label(),
            to + 1,
            plan.len(),
            plan[to]
        )
    })
}

/// When a release with a progress deadline halts for want of progress: `None` while there is
/// no deadline, nothing started yet, it waits at a gate, is paused or is over.
pub fn deadline(
    spec: &ReleaseSpec,
    plan: &[Step],
    ledger: &Ledger,
    now: SystemTime,
) -> Option<SystemTime> {
    let d = Duration::from_millis(spec.progress_deadline_ms?);
    // A release whose finalize command ran is over: a host joining late does not halt (and
    // roll back) what CI was told succeeded (nemesis seed 22).
    let finalized = ledger
        .finalize
        .as_ref()
        .is_some_and(|f| f.state == crate::model::HookState::Done);
    if ledger.state != ReleaseState::Active
        || ledger.deadline_passed
        || ledger.rolled_back_by.is_some()
        || finalized
    {
        return None;
    }
    let mut last = parse_time(ledger.progress_at.as_deref()?)?;
    if let Some(pos) = position(plan, ledger, now) {
        if pos.at_gate() {
            return None;
        }
        // A gate passed (or a step reached) restarts the clock.
        if let Some(t) = pos.started_at {
            last = last.max(t);
        }
    }
    Some(last + d)
}

/// Has the deadline passed at `now`? The reason to halt with, if so.
pub fn deadline_passed(
    spec: &ReleaseSpec,
    plan: &[Step],
    ledger: &Ledger,
    now: SystemTime,
) -> Option<String> {
    let at = deadline(spec, plan, ledger, now)?;
    (at <= now).then(|| {
        format!(
            "no host turned healthy or failed within the progress deadline of {}",
            humantime::format_duration(Duration::from_millis(
                spec.progress_deadline_ms.unwrap_or_default()
            ))
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    fn spec(steps: &str) -> ReleaseSpec {
        let mut s = ReleaseSpec::new("web", "2.0");
        s.release = 5;
        s.steps = Step::parse_list(steps).unwrap();
        s
    }

    fn t(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs)
    }

    #[test]
    fn plans_end_with_all_hosts_and_canary_is_n_then_all() {
        assert_eq!(
            plan(&spec("1,pause")),
            vec![Step::Hosts(1), Step::Pause(None), Step::Percent(100)]
        );
        assert_eq!(plan(&spec("1,100%")).len(), 2);
        let mut c = ReleaseSpec::new("web", "2.0");
        assert!(plan(&c).is_empty());
        c.canary = 2;
        assert_eq!(plan(&c), vec![Step::Hosts(2), Step::Percent(100)]);
    }

    #[test]
    fn step_checks_before_a_timed_hold_are_judged_over_it() {
        let p = plan(&spec("1,pause 10s,100%"));
        let all = v(&["a", "b"]);
        let mut l = Ledger::new(5);
        l.step_checks = Some(Default::default());
        assert!(advance(&p, &mut l, t(0), Some(&all)));
        assert!(claim(&p, &mut l, "a", &all, "web", t(0)));
        l.healthy = v(&["a"]);
        l.canaries = v(&["a"]);
        // Step 1 reached: no decision at its end — the hold starts at once and carries them.
        assert!(advance(&p, &mut l, t(1), Some(&all)));
        let pos = position(&p, &l, t(2)).expect("position");
        assert_eq!(pos.index, 1, "{pos:?}");
        assert!(pos.checks_pending, "judged over the hold: {pos:?}");
        assert!(
            pos.describe("web")
                .contains("the step checks judged over it"),
            "{}",
            pos.describe("web")
        );
        // The hold is over, but it ends only on the checks' pass.
        assert!(!advance(&p, &mut l, t(30), Some(&all)));
        assert_eq!(l.step.as_ref().expect("step").index, 1);
        assert!(position(&p, &l, t(30)).expect("position").checks_pending);
        l.step_checks = Some(crate::model::StepChecks {
            decisions: vec![crate::model::StepDecision {
                step: 1,
                verdict: crate::checks::Verdict::Pass,
                by: "a".into(),
                at: String::new(),
                records: vec![],
            }],
            claim: None,
        });
        assert!(advance(&p, &mut l, t(30), Some(&all)));
        assert_eq!(l.step.as_ref().expect("step").index, 2);
        // Without step checks, a timed hold ends by itself.
        let mut plain = Ledger::new(5);
        assert!(advance(&p, &mut plain, t(0), Some(&all)));
        assert!(claim(&p, &mut plain, "a", &all, "web", t(0)));
        plain.healthy = v(&["a"]);
        plain.canaries = v(&["a"]);
        assert!(advance(&p, &mut plain, t(1), Some(&all)));
        assert!(!position(&p, &plain, t(2)).expect("position").checks_pending);
        assert!(advance(&p, &mut plain, t(30), Some(&all)));
        assert_eq!(plain.step.as_ref().expect("step").index, 2);
    }

    #[test]
    fn percentages_round_up() {
        assert_eq!(target_of(Step::Percent(25), 4), 1);
        assert_eq!(target_of(Step::Percent(25), 5), 2);
        assert_eq!(target_of(Step::Percent(50), 3), 2);
        assert_eq!(target_of(Step::Percent(1), 1000), 10);
        assert_eq!(target_of(Step::Percent(10), 1), 1);
        assert_eq!(target_of(Step::Hosts(3), 2), 2, "no more than there are");
        assert_eq!(target_of(Step::Hosts(3), 0), 1);
    }

    #[test]
    fn the_current_step_and_who_may_start() {
        let p = plan(&spec("1,pause,50%,100%"));
        let all = v(&["a", "b", "c", "d"]);
        let mut l = Ledger::new(5);
        // Nothing fixed yet: nobody starts until an agent fixed the targets.
        assert!(matches!(
            gate(&p, &l, "a", &all, "web", t(0)),
            StepGate::Wait { .. }
        ));
        assert!(advance(&p, &mut l, t(0), Some(&all)));
        assert_eq!(l.step.as_ref().unwrap().target, Some(1));
        assert!(!advance(&p, &mut l, t(0), Some(&all)), "nothing more to do");
        assert_eq!(gate(&p, &l, "a", &all, "web", t(0)), StepGate::Claim);
        assert!(claim(&p, &mut l, "a", &all, "web", t(0)));
        assert_eq!(gate(&p, &l, "a", &all, "web", t(0)), StepGate::Proceed);
        // One in progress fills the step: b waits, and cannot claim.
        assert!(
            matches!(gate(&p, &l, "b", &all, "web", t(0)), StepGate::Wait { message, .. } if message.contains("step 1 of 4"))
        );
        assert!(!claim(&p, &mut l, "b", &all, "web", t(0)));
        // a healthy: step 1 reached, the manual gate holds everybody.
        l.healthy = v(&["a"]);
        let pos = position(&p, &l, t(1)).unwrap();
        assert!(pos.at_manual_gate(), "{pos:?}");
        assert_eq!(
            pos.describe("web"),
            "paused at step 2 of 4: promote with `deployctl promote web`"
        );
        assert!(advance(&p, &mut l, t(1), Some(&all)));
        assert_eq!(l.step.as_ref().unwrap().index, 1);
        assert!(
            matches!(
                gate(&p, &l, "b", &all, "web", t(9)),
                StepGate::Wait { until: None, .. }
            ),
            "a manual gate does not end by itself"
        );
        // Promoted: 50% of 4 = 2 hosts (a counts), so one more place.
        assert!(promote(&p, &mut l, t(10), false, None, "web").is_ok());
        assert!(advance(&p, &mut l, t(10), Some(&all)));
        assert_eq!(l.step.as_ref().unwrap().target, Some(2));
        assert!(claim(&p, &mut l, "b", &all, "web", t(10)));
        assert!(!claim(&p, &mut l, "c", &all, "web", t(10)));
        l.healthy = v(&["a", "b"]);
        // Step 3 reached: the last step is everybody, no claim needed.
        assert!(advance(&p, &mut l, t(11), Some(&all)));
        assert_eq!(gate(&p, &l, "c", &all, "web", t(11)), StepGate::Proceed);
        assert!(
            promote(&p, &mut l, t(12), false, None, "web").is_err(),
            "no gate"
        );
    }

    #[test]
    fn a_promote_passes_only_the_gate_it_names() {
        let p = plan(&spec("1,pause,pause,100%"));
        let mut l = Ledger::new(5);
        l.step = Some(StepState {
            index: 1,
            started_at: format_time(t(0)),
            ..Default::default()
        });
        // Two promotes that both saw the gate at step 2: the first passes it, the second finds
        // the release at step 3 and passes nothing.
        let mut first = l.clone();
        assert!(promote(&p, &mut first, t(1), false, Some(1), "web").is_ok());
        assert_eq!(first.step.as_ref().map(|s| s.index), Some(2));
        let second = promote(&p, &mut first, t(1), false, Some(1), "web");
        assert!(
            second.as_ref().is_err_and(|e| e.contains("passed already")),
            "{second:?}"
        );
        assert_eq!(first.step.as_ref().map(|s| s.index), Some(2));
        assert!(promote(&p, &mut first, t(1), false, Some(2), "web").is_ok());
    }

    /// Issue 23, defect 2: a canary whose place outlived a crash and that came back `current`,
    /// or a step whose own hosts are all done short of its target, must not hold the release
    /// at that step for ever.
    #[test]
    fn a_step_is_not_held_by_current_places_or_an_unreachable_target() {
        let p = plan(&spec("1,100%"));
        let all = v(&["a", "b"]);
        let mut l = Ledger::new(5);
        assert!(advance(&p, &mut l, t(0), Some(&all)));
        l.canaries = v(&["a"]);
        l.current = v(&["a"]);
        advance(&p, &mut l, t(1), Some(&all));
        assert_eq!(
            l.step.as_ref().map(|s| s.index),
            Some(1),
            "a current canary counts"
        );

        let p = plan(&spec("50%,100%"));
        let four = v(&["a", "b", "c", "d"]);
        let mut l = Ledger::new(5);
        assert!(advance(&p, &mut l, t(0), Some(&four)));
        assert_eq!(l.step.as_ref().and_then(|s| s.target), Some(2));
        // Three hosts ran the version already, the fourth deployed: 1 of 2 healthy places, and
        // nobody left to take the other.
        l.current = v(&["a", "b", "c"]);
        l.canaries = v(&["d"]);
        l.healthy = v(&["d"]);
        advance(&p, &mut l, t(1), Some(&four));
        assert_eq!(
            l.step.as_ref().map(|s| s.index),
            Some(1),
            "every step host is done"
        );
        // While one of them has not finished, the step waits.
        let mut l2 = Ledger::new(5);
        advance(&p, &mut l2, t(0), Some(&four));
        l2.current = v(&["a", "b"]);
        l2.canaries = v(&["d"]);
        l2.healthy = v(&["d"]);
        advance(&p, &mut l2, t(1), Some(&four));
        assert_eq!(
            l2.step.as_ref().map(|s| s.index),
            Some(0),
            "c is still to come"
        );
    }

    #[test]
    fn targets_are_fixed_when_the_step_starts() {
        let p = plan(&spec("50%,100%"));
        let mut l = Ledger::new(5);
        let two = v(&["a", "b"]);
        assert!(advance(&p, &mut l, t(0), Some(&two)));
        assert_eq!(l.step.as_ref().unwrap().target, Some(1));
        // c and d join later: the target stays 1, and they wait for the next step while a step
        // host could still take the place.
        let four = v(&["a", "b", "c", "d"]);
        assert!(!advance(&p, &mut l, t(1), Some(&four)));
        assert!(
            matches!(gate(&p, &l, "c", &four, "web", t(1)), StepGate::Wait { message, .. } if message.contains("joined after"))
        );
        assert_eq!(gate(&p, &l, "a", &four, "web", t(1)), StepGate::Claim);
        // Once the step's own hosts are gone, a late host may fill the place.
        assert_eq!(
            gate(&p, &l, "c", &v(&["c", "d"]), "web", t(1)),
            StepGate::Claim
        );
    }

    #[test]
    fn a_failed_or_vanished_host_gives_its_place_up() {
        let mut s = spec("1,100%");
        s.steps.clear();
        s.canary = 1;
        let p = plan(&s);
        let mut l = Ledger::new(5);
        let all = v(&["a", "b", "c"]);
        advance(&p, &mut l, t(0), Some(&all));
        assert!(claim(&p, &mut l, "a", &all, "web", t(0)));
        assert!(matches!(
            gate(&p, &l, "b", &all, "web", t(0)),
            StepGate::Wait { .. }
        ));
        // a's agent died mid-deploy: b takes its place, a (back later) waits.
        let without_a = v(&["b", "c"]);
        assert!(claim(&p, &mut l, "b", &without_a, "web", t(0)));
        assert_eq!(l.canaries, v(&["b"]));
        assert!(!claim(&p, &mut l, "c", &without_a, "web", t(0)));
        assert!(matches!(
            gate(&p, &l, "a", &all, "web", t(0)),
            StepGate::Wait { .. }
        ));
        // b failed: its place is free again (the failure counts against the budget).
        l.failed = v(&["b"]);
        assert_eq!(gate(&p, &l, "c", &all, "web", t(0)), StepGate::Claim);
        // A restarted host that still holds its place goes on.
        assert_eq!(gate(&p, &l, "b", &all, "web", t(0)), StepGate::Proceed);
    }

    #[test]
    fn a_timed_pause_ends_by_itself() {
        let p = plan(&spec("1,pause 10m,100%"));
        let all = v(&["a", "b"]);
        let mut l = Ledger::new(5);
        advance(&p, &mut l, t(0), Some(&all));
        claim(&p, &mut l, "a", &all, "web", t(0));
        l.healthy = v(&["a"]);
        assert!(advance(&p, &mut l, t(100), Some(&all)));
        let pos = position(&p, &l, t(100)).unwrap();
        assert!(pos.at_gate() && !pos.at_manual_gate());
        assert_eq!(pos.pause_ends(), Some(t(700)));
        match gate(&p, &l, "b", &all, "web", t(100)) {
            StepGate::Wait { until, message } => {
                assert_eq!(until, Some(t(700)));
                assert!(
                    message.contains("paused at step 2 of 3 for 10m"),
                    "{message}"
                );
            }
            g => panic!("{g:?}"),
        }
        assert!(!advance(&p, &mut l, t(699), Some(&all)), "not yet");
        assert!(advance(&p, &mut l, t(700), Some(&all)));
        assert_eq!(gate(&p, &l, "b", &all, "web", t(700)), StepGate::Proceed);
        // The view passes an elapsed pause before any agent wrote it down.
        let mut l2 = l.clone();
        l2.step = Some(StepState {
            index: 1,
            started_at: format_time(t(100)),
            ..Default::default()
        });
        assert_eq!(position(&p, &l2, t(800)).unwrap().index, 2);
    }

    #[test]
    fn promote_all_and_a_leading_pause() {
        let p = plan(&spec("pause,1,pause,50%"));
        let mut l = Ledger::new(5);
        assert!(position(&p, &l, t(0)).unwrap().at_manual_gate());
        assert!(
            promote(&p, &mut l, t(1), false, None, "web")
                .unwrap()
                .contains("step 2 of 5")
        );
        assert!(
            promote(&p, &mut l, t(2), false, None, "web").is_err(),
            "at a host step"
        );
        assert!(promote(&p, &mut l, t(2), true, None, "web").is_ok());
        assert_eq!(l.step.as_ref().unwrap().index, 4);
        assert!(
            promote(&p, &mut l, t(3), true, None, "web").is_err(),
            "no gate left"
        );
        assert!(promote(&[], &mut Ledger::new(5), t(0), true, None, "web").is_err());
    }

    #[test]
    fn the_progress_deadline() {
        let mut s = spec("1,pause,100%");
        let p = plan(&s);
        let mut l = Ledger::new(5);
        assert_eq!(deadline(&s, &p, &l, t(0)), None, "no deadline");
        s.progress_deadline_ms = Some(3000);
        assert_eq!(deadline(&s, &p, &l, t(0)), None, "not started");
        l.progress_at = Some(format_time(t(0)));
        advance(&p, &mut l, t(0), Some(&v(&["a", "b"])));
        assert_eq!(deadline(&s, &p, &l, t(0)), Some(t(3)));
        assert!(deadline_passed(&s, &p, &l, t(2)).is_none());
        assert!(deadline_passed(&s, &p, &l, t(3)).unwrap().contains("3s"));
        // Paused at the gate: not counted; a promote restarts the clock.
        claim(&p, &mut l, "a", &v(&["a", "b"]), "web", t(1));
        l.healthy = v(&["a"]);
        l.progress_at = Some(format_time(t(2)));
        assert_eq!(deadline(&s, &p, &l, t(50)), None);
        promote(&p, &mut l, t(60), false, None, "web").unwrap();
        assert_eq!(deadline(&s, &p, &l, t(60)), Some(t(63)));
        // Halted already, or paused by an operator: none.
        l.state = ReleaseState::Paused;
        assert_eq!(deadline(&s, &p, &l, t(60)), None);
        l.state = ReleaseState::Active;
        l.deadline_passed = true;
        assert_eq!(deadline(&s, &p, &l, t(60)), None);
        // Without steps the last progress alone counts.
        let mut plain = ReleaseSpec::new("web", "2.0");
        plain.progress_deadline_ms = Some(1000);
        let mut l = Ledger::new(5);
        l.progress_at = Some(format_time(t(5)));
        assert_eq!(deadline(&plain, &[], &l, t(5)), Some(t(6)));
    }

    #[test]
    fn step_lists_parse_and_bad_items_are_named() {
        let s = Step::parse_list("1,pause,25%,pause 10m,100%").unwrap();
        assert_eq!(
            s,
            vec![
                Step::Hosts(1),
                Step::Pause(None),
                Step::Percent(25),
                Step::Pause(Some(600_000)),
                Step::Percent(100)
            ]
        );
        let shown: Vec<String> = s.iter().map(|s| s.to_string()).collect();
        assert_eq!(shown.join(","), "1,pause,25%,pause 10m,100%");
        for (list, bad) in [
            ("1,0,100%", "\"0\""),
            ("1,,2", "\"\""),
            ("1,pause x", "pause x"),
            ("50%,25%", "25%"),
            ("3,2", "\"2\""),
            ("100%,pause", "pause"),
            ("150%", "150%"),
            ("pause 0s", "pause 0s"),
            ("one", "one"),
        ] {
            let e = Step::parse_list(list).unwrap_err();
            assert_eq!(e.exit_code().code(), 2, "{list}");
            assert!(e.to_string().contains(bad), "{list}: {e}");
        }
        let json: ReleaseSpec =
            serde_json::from_str(r#"{"app":"web","version":"1","steps":[1,"pause 1m","100%"]}"#)
                .unwrap();
        assert_eq!(json.steps.len(), 3);
        assert!(
            serde_json::from_str::<ReleaseSpec>(r#"{"app":"web","version":"1","steps":["x"]}"#)
                .is_err()
        );
    }
}
