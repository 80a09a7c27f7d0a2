//! Pure decisions about the release hooks: when the finalize command is due, who runs it, and
//! what a waiter makes of it.

use crate::model::{HookRun, HookState, Ledger, ReleaseSpec, ReleaseState};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinalizeStep {
    /// Nothing to do here: no finalize command, the release failed, or it already ran.
    Skip,
    /// Not every target host is done yet (the last one to finish claims it).
    NotYet,
    /// Every target host is done: claim it (compare-and-set), then run it.
    Claim,
    /// Another host is running it.
    Wait(String),
    /// Its claimer crashed or vanished mid-run: the release must not count as done.
    Halt(String),
}

/// Are all `targets` done with the release in `ledger` (healthy, current or failed), with at
/// least one of them running it? `None` when so; otherwise who is still to come.
pub fn hosts_still_deploying(ledger: &Ledger, targets: &[String]) -> Option<Vec<String>> {
    let missing: Vec<String> = targets
        .iter()
        .filter(|h| !ledger.is_done(h))
        .cloned()
        .collect();
    let any_success = !ledger.healthy.is_empty() || !ledger.current.is_empty();
    if missing.is_empty() && !targets.is_empty() && any_success {
        None
    } else {
        Some(missing)
    }
}

/// The finalize gate for `me`, whose agent has a finalize command (`has_cmd`). `targets` are the
/// hosts taking part now, `registered` the agents present now.
pub fn finalize_step(
    has_cmd: bool,
    spec: &ReleaseSpec,
    ledger: &Ledger,
    targets: &[String],
    registered: &[String],
    me: &str,
) -> FinalizeStep {
    if !has_cmd
        || ledger.release != spec.release
        || matches!(ledger.state, ReleaseState::Halted | ReleaseState::Aborted)
    {
        return FinalizeStep::Skip;
    }
    match &ledger.finalize {
        Some(f) => match f.state {
            HookState::Done | HookState::Pending => FinalizeStep::Skip,
            // Failed, but the release is not halted yet (its claimer stopped in between).
            HookState::Failed => FinalizeStep::Halt(if f.message.is_empty() {
                format!("finalize command failed on {}", f.host)
            } else {
                f.message.clone()
            }),
            // Ours, and we are here again: we crashed while running it. Whether running it twice
            // is safe is not ours to decide.
            HookState::Running if f.host == me => {
                FinalizeStep::Halt(format!("finalize command was interrupted on {me}"))
            }
            HookState::Running if registered.contains(&f.host) => {
                FinalizeStep::Wait(format!("finalize command running on {}", f.host))
            }
            HookState::Running => FinalizeStep::Halt(format!(
                "{} vanished while running the finalize command",
                f.host
            )),
        },
        // Every host done and every step passed (a release held at a gate has not succeeded,
        // even when the hosts behind the gate are gone).
        None if hosts_still_deploying(ledger, targets).is_none()
            && super::verdict::steps_passed(
                spec,
                Some(ledger),
                targets.iter().all(|h| ledger.current.contains(h)),
                std::time::SystemTime::now(),
            ) =>
        {
            FinalizeStep::Claim
        }
        None => FinalizeStep::NotYet,
    }
}

/// Take the finalize claim for `me` in `ledger` (under compare-and-set). False when it is not
/// (or no longer) to be claimed.
pub fn claim_finalize(
    spec: &ReleaseSpec,
    ledger: &mut Ledger,
    targets: &[String],
    registered: &[String],
    me: &str,
    now: &str,
) -> bool {
    if finalize_step(true, spec, ledger, targets, registered, me) != FinalizeStep::Claim {
        return false;
    }
    ledger.finalize = Some(HookRun {
        host: me.to_string(),
        state: HookState::Running,
        started_at: Some(now.to_string()),
        finished_at: None,
        exit_code: None,
        message: String::new(),
    });
    true
}

/// Does a waiter on `spec` wait for a finalize command? The spec has one, or an agent with one
/// in its own config said so in the ledger.
pub fn finalize_expected(spec: &ReleaseSpec, ledger: Option<&Ledger>) -> bool {
    spec.finalize_cmd.is_some()
        || ledger
            .filter(|l| l.release == spec.release)
            .is_some_and(|l| l.finalize_expected || l.finalize.is_some())
}

/// What a waiter makes of the finalize hook once every host is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinalizeVerdict {
    Done(String),
    Pending(String),
    Failed(String),
}

pub fn finalize_verdict(ledger: Option<&Ledger>, registered: &[String]) -> FinalizeVerdict {
    match ledger.and_then(|l| l.finalize.as_ref()) {
        None => FinalizeVerdict::Pending("waiting for the finalize command".into()),
        Some(f) => match f.state {
            HookState::Done => {
                FinalizeVerdict::Done(format!("finalize command done on {}", f.host))
            }
            HookState::Failed => FinalizeVerdict::Failed(if f.message.is_empty() {
                format!("finalize command failed on {}", f.host)
            } else {
                f.message.clone()
            }),
            HookState::Running if !registered.contains(&f.host) => FinalizeVerdict::Failed(
                format!("{} vanished while running the finalize command", f.host),
            ),
            HookState::Running | HookState::Pending => {
                FinalizeVerdict::Pending(format!("finalize command running on {}", f.host))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    fn spec() -> ReleaseSpec {
        let mut s = ReleaseSpec::new("web", "2.0");
        s.release = 5;
        s.finalize_cmd = Some("switch".into());
        s
    }

    fn running(host: &str) -> Option<HookRun> {
        Some(HookRun {
            host: host.into(),
            state: HookState::Running,
            started_at: None,
            finished_at: None,
            exit_code: None,
            message: String::new(),
        })
    }

    #[test]
    fn finalize_waits_for_every_target_then_one_claim() {
        let s = spec();
        let targets = v(&["a", "b", "c"]);
        let mut l = Ledger::new(5);
        assert_eq!(
            finalize_step(false, &s, &l, &targets, &targets, "a"),
            FinalizeStep::Skip,
            "no command here"
        );
        l.healthy = v(&["a", "b"]);
        assert_eq!(
            finalize_step(true, &s, &l, &targets, &targets, "a"),
            FinalizeStep::NotYet
        );
        l.failed = v(&["c"]);
        assert_eq!(
            finalize_step(true, &s, &l, &targets, &targets, "c"),
            FinalizeStep::Claim,
            "a failure within the budget does not hold it back"
        );
        assert!(claim_finalize(&s, &mut l, &targets, &targets, "c", "now"));
        assert!(
            !claim_finalize(&s, &mut l, &targets, &targets, "a", "now"),
            "only one claim"
        );
        assert!(matches!(
            finalize_step(true, &s, &l, &targets, &targets, "a"),
            FinalizeStep::Wait(_)
        ));
        assert!(
            matches!(finalize_step(true, &s, &l, &targets, &targets, "c"), FinalizeStep::Halt(m) if m.contains("interrupted"))
        );
        assert!(
            matches!(finalize_step(true, &s, &l, &targets, &v(&["a"]), "a"), FinalizeStep::Halt(m) if m.contains("c vanished"))
        );
        l.state = ReleaseState::Halted;
        assert_eq!(
            finalize_step(true, &s, &l, &targets, &targets, "a"),
            FinalizeStep::Skip
        );
    }

    #[test]
    fn nothing_to_finalize_when_every_host_failed() {
        let s = spec();
        let mut l = Ledger::new(5);
        l.failed = v(&["a"]);
        assert_eq!(
            finalize_step(true, &s, &l, &v(&["a"]), &v(&["a"]), "a"),
            FinalizeStep::NotYet
        );
        assert_eq!(
            finalize_step(true, &s, &l, &[], &[], "a"),
            FinalizeStep::NotYet
        );
    }

    #[test]
    fn waiter_view() {
        let mut l = Ledger::new(5);
        let mut plain = spec();
        plain.finalize_cmd = None;
        assert!(!finalize_expected(&plain, Some(&l)));
        assert!(finalize_expected(&spec(), None));
        l.finalize_expected = true;
        assert!(finalize_expected(&plain, Some(&l)));
        assert!(matches!(
            finalize_verdict(Some(&l), &[]),
            FinalizeVerdict::Pending(_)
        ));
        l.finalize = running("a");
        assert!(matches!(
            finalize_verdict(Some(&l), &v(&["a"])),
            FinalizeVerdict::Pending(_)
        ));
        assert!(matches!(
            finalize_verdict(Some(&l), &v(&["b"])),
            FinalizeVerdict::Failed(m) if m.contains("vanished")
        ));
        l.finalize.as_mut().unwrap().state = HookState::Done;
        assert!(matches!(
            finalize_verdict(Some(&l), &[]),
            FinalizeVerdict::Done(_)
        ));
    }
}
