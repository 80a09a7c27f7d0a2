//! The run-once and step gates (`--steps`, `--canary`): waited for without a slot, passed (and
//! claimed) with one.

use std::time::SystemTime;

use super::commands::Commands;
use super::release::{HostRelease, log_recorded};
use super::rollout::still_ours;
use super::{Shutdown, shutdown_at};
use crate::error::{Error, Result};
use crate::model::{HostState, HostStatus, RunOnce, RunOnceState};
use crate::policy::steps::{self, StepGate};
use crate::policy::{self, RunOnceStep};
use crate::zk::semaphore::Lease;

pub(super) enum Gate {
    Open,
    /// The release moved on or halted: give the slot up.
    Closed,
    /// A gate makes this host wait (a step full or paused, run-once running elsewhere); a timed
    /// pause ends at the given time.
    Wait(String, Option<SystemTime>),
}

/// Where the gates stand for this host. `Open` also when a claim (run-once, a place in a step)
/// is to be made: claims are made while holding the slot, in `pass_gates`.
pub(super) async fn gate_now(
    runner: &HostRelease<'_>,
    ledger: &crate::model::Ledger,
    registered: &[String],
) -> Result<Gate> {
    let (zk, spec, me) = (runner.zk, runner.spec, runner.settings.host.as_str());
    Ok(match policy::run_once_step(spec, ledger, registered, me) {
        RunOnceStep::Proceed => {
            let plan = steps::plan(spec);
            if let Some(why) = unapproved(runner, &plan, ledger) {
                return Ok(Gate::Wait(why, None));
            }
            match steps::gate(&plan, ledger, me, registered, &spec.app, SystemTime::now()) {
                StepGate::Proceed | StepGate::Claim => Gate::Open,
                StepGate::Wait { message, until } => Gate::Wait(message, until),
            }
        }
        RunOnceStep::Claim => Gate::Open,
        RunOnceStep::Wait(msg) => Gate::Wait(msg, None),
        RunOnceStep::Halt(reason) => {
            let rec = zk.halt(&spec.app, spec.release, &reason).await?;
            log_recorded(&spec.app, spec.release, &rec);
            Gate::Closed
        }
    })
}

/// Was a manual gate passed in the ledger without the signed promotes this host can check?
/// The ledger is no proof to an agent that trusts signatures: anyone who can write it could have
/// moved the step on. The approval gate (`--approvals N`) needs N keys other than the
/// publisher's; with `require_signatures`, every other manual gate needs one trusted key's
/// promote (`promote --sign-key`). Then the host waits, and says why.
fn unapproved(
    runner: &HostRelease<'_>,
    plan: &[crate::model::Step],
    ledger: &crate::model::Ledger,
) -> Option<String> {
    let spec = runner.spec;
    let trust = runner.settings.trust.get(&spec.app)?;
    let pos = steps::position(plan, ledger, SystemTime::now())?;
    let approval_gate = steps::approval_gate(spec, plan);
    (0..pos.index)
        .filter(|g| plan[*g] == crate::model::Step::Pause(None))
        .find_map(|g| {
            let (need, what) = match approval_gate {
                Some(a) if a == g => (spec.approvals as usize, "approvals"),
                _ if trust.required => (1, "signed promotes"),
                _ => return None,
            };
            let valid = crate::signing::verified_approvals(
                &trust.signers,
                spec,
                &ledger.approvals,
                g,
                approval_gate == Some(g),
            );
            (valid.len() < need).then(|| {
                format!(
                    "the gate at step {} of {} was passed with {} of {need} {what} this host can \
                     verify; waiting for a trusted one (`deployctl promote {} --sign-key KEY`)",
                    g + 1,
                    plan.len(),
                    valid.len(),
                    spec.app
                )
            })
        })
}

/// For a host done with the release: the step checks of a reached step, when they wait for an
/// evaluator. Without this a step whose hosts are all done — none left waiting for the next
/// step — would wait for ever.
pub(super) async fn step_checks_if_due(
    settings: &super::AgentSettings,
    zk: &crate::zk::Zk,
    spec: &crate::model::ReleaseSpec,
    shutdown: &mut Shutdown,
) -> Result<()> {
    if *shutdown.borrow() > 0 || spec.checks_of(crate::checks::Scope::Step).next().is_none() {
        return Ok(());
    }
    let ledger = match zk.read_ledger(&spec.app, spec.release).await {
        Ok(Some((l, _))) => l,
        Ok(None) | Err(Error::Invalid { .. }) => return Ok(()),
        Err(e) => return Err(e),
    };
    let Some(step) = checks_pending(&steps::plan(spec), &ledger) else {
        return Ok(());
    };
    let runner = HostRelease::new(settings, zk, spec)?;
    let registered = runner.registered().await?;
    step_checks(&runner, &ledger, &registered, step, shutdown).await?;
    Ok(())
}

/// The reached step whose step checks wait for a decision, if any.
fn checks_pending(plan: &[crate::model::Step], ledger: &crate::model::Ledger) -> Option<usize> {
    steps::position(plan, ledger, SystemTime::now())
        .filter(|p| p.checks_pending)
        .map(|p| p.index)
}

/// The step checks (`--step-check`) of `step`, whose target is reached: exactly one agent
/// evaluates them — the one whose claim in the ledger stands (compare-and-set; a claim of an
/// agent that is gone is taken over) — and records the decision there. A pass lets the steps go
/// on; a failure halts the release; inconclusive evaluations hold it. `None`: this agent
/// decided (look again); `Some`: why this host waits.
async fn step_checks(
    runner: &HostRelease<'_>,
    ledger: &crate::model::Ledger,
    registered: &[String],
    step: usize,
    shutdown: &mut Shutdown,
) -> Result<Option<String>> {
    use crate::checks::{Standing, Verdict};
    use crate::model::{StepClaim, StepDecision};
    let (zk, spec, me) = (runner.zk, runner.spec, runner.settings.host.as_str());
    let plan = steps::plan(spec);
    let label = format!("step {} of {}", step + 1, plan.len());
    let place = if steps::timed_hold(&plan, step) {
        format!("over {label} (its hold)")
    } else {
        format!("at the end of {label}")
    };
    let claim = |l: &crate::model::Ledger| {
        l.step_checks
            .as_ref()
            .and_then(|c| c.claim.clone())
            .filter(|c| c.step == step)
    };
    // Another agent's claim that stands (its agent still present).
    let held_by = |l: &crate::model::Ledger| {
        claim(l)
            .filter(|c| c.host != me && registered.contains(&c.host))
            .map(|c| c.host)
    };
    let mine = |l: &crate::model::Ledger| claim(l).is_some_and(|c| c.host == me);
    // Is the release still at this step (not promoted past it)?
    let still_at = |l: &crate::model::Ledger| {
        steps::position(&plan, l, SystemTime::now()).is_some_and(|p| p.index == step)
    };
    if let Some(other) = held_by(ledger) {
        return Ok(Some(format!(
            "waiting for the step checks {place} (evaluated by {other})"
        )));
    }
    let now = crate::model::now_rfc3339();
    let (_, claimed) = zk
        .update_ledger(&spec.app, spec.release, |l| {
            if held_by(l).is_some() || mine(l) {
                return false;
            }
            let sc = l.step_checks.get_or_insert_with(Default::default);
            if sc.decided(step) {
                return false;
            }
            sc.claim = Some(StepClaim {
                step,
                host: me.to_string(),
                at: now.clone(),
                records: vec![],
            });
            true
        })
        .await?;
    if !claimed && !mine(ledger) {
        return Ok(Some(format!("waiting for the step checks {place}")));
    }
    tracing::info!(app = %spec.app, release = spec.release, "evaluating the step checks {place}");
    let Some(mut gate) =
        super::metric_gate::MetricGate::for_scope(runner, crate::checks::Scope::Step)?
    else {
        return Ok(None);
    };
    // Over a timed hold (`pause 10m`) the checks are judged until it ends: a pass counts only
    // then, a failure at any time (`policy::steps`).
    let hold_ends = steps::position(&plan, ledger, SystemTime::now())
        .filter(|p| p.index == step)
        .and_then(|p| p.pause_ends());
    let decision = loop {
        tokio::select! {
            _ = tokio::time::sleep(gate.interval) => {}
            _ = shutdown_at(shutdown, 1) => return Ok(Some("stopping".into())),
        }
        match gate.evaluate().await {
            Standing::Passing if hold_ends.is_none_or(|t| SystemTime::now() >= t) => {
                break (Verdict::Pass, None);
            }
            Standing::Failed(why) => break (Verdict::Fail, Some(why)),
            Standing::Passing | Standing::Pending { .. } => {
                let records = runner.masked_checks(&gate.records);
                let mut moved_on = false;
                let (_, kept) = zk
                    .update_ledger(&spec.app, spec.release, |l| {
                        moved_on = !still_at(l);
                        if moved_on || !mine(l) {
                            return false;
                        }
                        if let Some(c) = l.step_checks.as_mut().and_then(|c| c.claim.as_mut()) {
                            c.records = records.clone();
                        }
                        true
                    })
                    .await?;
                // The claim was taken over, or the release moved past the step (a promote
                // ended the hold): no decision of ours; look again.
                if moved_on {
                    tracing::info!(app = %spec.app, release = spec.release, "the release moved past {label}: the step checks {place} end without a decision");
                }
                if !kept {
                    return Ok(None);
                }
            }
        }
    };
    let (verdict, why) = decision;
    let records = runner.masked_checks(&gate.records);
    let at = crate::model::now_rfc3339();
    let (_, decided) = zk
        .update_ledger(&spec.app, spec.release, |l| {
            if !still_at(l) {
                return false;
            }
            let sc = l.step_checks.get_or_insert_with(Default::default);
            if sc.decided(step) {
                return false;
            }
            sc.decisions.push(StepDecision {
                step,
                verdict,
                by: me.to_string(),
                at: at.clone(),
                records: records.clone(),
            });
            sc.claim = None;
            true
        })
        .await?;
    // Another agent decided first, or the release moved past the step: theirs stands.
    if !decided {
        return Ok(None);
    }
    tracing::info!(app = %spec.app, release = spec.release, "step checks {place}: {verdict:?}");
    if let Some(why) = why {
        let rec = zk
            .halt(
                &spec.app,
                spec.release,
                &crate::secrets::redact(
                    &format!("the step checks failed {place}: {why}"),
                    &runner.secrets,
                ),
            )
            .await?;
        log_recorded(&spec.app, spec.release, &rec);
    }
    Ok(None)
}

/// Wait, without a slot, until the gates would let this host in (or the release moves on).
pub(super) async fn wait_at_gates(
    runner: &HostRelease<'_>,
    st: &mut HostStatus,
    shutdown: &mut Shutdown,
) -> Result<Gate> {
    let (zk, spec) = (runner.zk, runner.spec);
    let plan = steps::plan(spec);
    let gated = !plan.is_empty() || spec.run_once_cmd.is_some();
    loop {
        let (read, spec_watch) = zk.read_spec_watched(&spec.app).await?;
        let (registered, hosts_watch) = if gated {
            let (r, w) = zk.registered_watched(&spec.app).await?;
            (r, Some(w))
        } else {
            (vec![], None)
        };
        let (wait_msg, ledger_watch) = match zk.read_ledger_watched(&spec.app, spec.release).await {
            Ok((ledger, ledger_watch)) => {
                if !still_ours(&read, spec, Some(&ledger)) {
                    return Ok(Gate::Closed);
                }
                if !gated {
                    return Ok(Gate::Open);
                }
                if advance_steps(runner, &plan, &ledger).await? {
                    continue;
                }
                // A reached step waiting for its step checks: one agent evaluates them.
                if let Some(step) = checks_pending(&plan, &ledger) {
                    match step_checks(runner, &ledger, &registered, step, shutdown).await? {
                        Some(msg) => ((msg, None), ledger_watch),
                        None => continue,
                    }
                } else {
                    match gate_now(runner, &ledger, &registered).await? {
                        Gate::Wait(msg, until) => ((msg, until), ledger_watch),
                        gate => return Ok(gate),
                    }
                }
            }
            // A ledger nobody can parse: say so where operators look, and wait for a repair.
            Err(e @ Error::Invalid { .. }) => (
                (format!("cannot go on: {e}"), None),
                zk.client
                    .check_and_watch_stat(&zk.ledger_path(&spec.app, spec.release))
                    .await
                    .ok()
                    .map(|(_, w)| w),
            ),
            Err(e) => return Err(e),
        };
        let (wait_msg, until) = wait_msg;
        if st.state != HostState::Waiting || st.message != wait_msg {
            runner.set(st, HostState::Waiting, wait_msg, None).await?;
        }
        // A timed pause ends by itself: a timer, not polling.
        let pause_over = until.map(|t| {
            let left = t.duration_since(SystemTime::now()).unwrap_or_default();
            tokio::time::Instant::now() + left
        });
        tokio::select! {
            _ = async { match pause_over { Some(t) => tokio::time::sleep_until(t).await, None => std::future::pending().await } } => {}
            _ = async { match ledger_watch { Some(w) => { w.changed().await; } None => std::future::pending().await } } => {}
            _ = spec_watch.changed() => {}
            _ = async { match hosts_watch { Some(w) => { w.changed().await; } None => std::future::pending().await } } => {}
            _ = shutdown_at(shutdown, 1) => return Ok(Gate::Closed),
        }
    }
}

/// Write down what the steps did by themselves (a step reached, a timed pause over, the first
/// step started) and fix a new step's target from the target hosts now. True when the ledger was
/// written (read it again).
async fn advance_steps(
    runner: &HostRelease<'_>,
    plan: &[crate::model::Step],
    ledger: &crate::model::Ledger,
) -> Result<bool> {
    let now = SystemTime::now();
    let mut probe = ledger.clone();
    if !steps::advance(plan, &mut probe, now, Some(&[])) {
        return Ok(false);
    }
    // Only now the presence reads: the targets are needed when a step starts.
    let targets = runner.targets().await?;
    let spec = runner.spec;
    runner
        .zk
        .update_ledger(&spec.app, spec.release, |l| {
            steps::advance(plan, l, now, Some(&targets))
        })
        .await?;
    Ok(true)
}

/// The run-once and step gates, passed (and claimed) while holding the slot. A gate that
/// makes us wait is not waited for here: the caller gives the slot back first.
pub(super) async fn pass_gates(
    runner: &HostRelease<'_>,
    cmds: &Commands,
    st: &mut HostStatus,
    lease: &Lease,
    shutdown: &mut Shutdown,
) -> Result<Gate> {
    let (zk, spec, me) = (runner.zk, runner.spec, runner.settings.host.as_str());
    let plan = steps::plan(spec);
    if spec.progress_deadline_ms.is_some() {
        // The first slot taken starts the progress deadline's clock.
        let now = crate::model::now_rfc3339();
        zk.update_ledger(&spec.app, spec.release, |l| {
            let first = l.progress_at.is_none();
            if first {
                l.progress_at = Some(now.clone());
            }
            first
        })
        .await?;
    }
    loop {
        let (read, _) = zk.read_spec_watched(&spec.app).await?;
        let (ledger, _) = zk.read_ledger_watched(&spec.app, spec.release).await?;
        if !still_ours(&read, spec, Some(&ledger)) {
            return Ok(Gate::Closed);
        }
        let registered = runner.registered().await?;
        match policy::run_once_step(spec, &ledger, &registered, me) {
            RunOnceStep::Proceed => {}
            RunOnceStep::Claim => {
                let (_, claimed) = zk
                    .update_ledger(&spec.app, spec.release, |l| {
                        let free = l.run_once.is_none();
                        if free {
                            l.run_once = Some(RunOnce {
                                host: me.to_string(),
                                state: RunOnceState::Running,
                            });
                        }
                        free
                    })
                    .await?;
                if claimed {
                    run_once(runner, cmds, st, lease, shutdown).await?;
                }
                continue;
            }
            _ => return gate_now(runner, &ledger, &registered).await,
        }
        let now = SystemTime::now();
        match steps::gate(&plan, &ledger, me, &registered, &spec.app, now) {
            StepGate::Proceed => return Ok(Gate::Open),
            StepGate::Claim => {
                zk.update_ledger(&spec.app, spec.release, |l| {
                    steps::claim(&plan, l, me, &registered, &spec.app, now)
                })
                .await?;
            }
            StepGate::Wait { message, until } => return Ok(Gate::Wait(message, until)),
        }
    }
}

/// Run the release's run-once command (we hold the claim) and settle the claim.
async fn run_once(
    runner: &HostRelease<'_>,
    cmds: &Commands,
    st: &mut HostStatus,
    lease: &Lease,
    shutdown: &mut Shutdown,
) -> Result<()> {
    let (zk, spec) = (runner.zk, runner.spec);
    let Some(script) = &cmds.run_once else {
        return Ok(());
    };
    runner
        .set(
            st,
            HostState::Deploying,
            "running the run-once command",
            Some(lease),
        )
        .await?;
    let out = tokio::select! {
        out = runner.exec(script, runner.command_timeout()) => Some(out?),
        _ = shutdown_at(shutdown, 2) => None,
    };
    let ok = out.as_ref().is_some_and(|o| o.success());
    let state = if ok {
        RunOnceState::Done
    } else {
        RunOnceState::Failed
    };
    zk.update_ledger(&spec.app, spec.release, |l| {
        l.run_once = l.run_once.take().map(|r| RunOnce { state, ..r });
        true
    })
    .await?;
    if !ok {
        let msg = out.map_or("run-once command abandoned".to_string(), |o| {
            st.output_tail = o.tail.clone();
            st.exit_code = o.exit_code;
            o.describe("run-once command")
        });
        let rec = zk
            .halt(
                &spec.app,
                spec.release,
                &format!("{msg} on {}", runner.settings.host),
            )
            .await?;
        log_recorded(&spec.app, spec.release, &rec);
    }
    Ok(())
}
