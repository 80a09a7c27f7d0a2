//! The run-once and canary gates: waited for without a slot, passed (and claimed) with one.

use super::commands::Commands;
use super::release::{HostRelease, log_recorded};
use super::rollout::still_ours;
use super::{Shutdown, shutdown_at};
use crate::error::{Error, Result};
use crate::model::{HostState, HostStatus, RunOnce, RunOnceState};
use crate::policy::{self, CanaryStep, RunOnceStep};
use crate::zk::semaphore::Lease;

pub(super) enum Gate {
    Open,
    /// The release moved on or halted: give the slot up.
    Closed,
    /// A gate makes this host wait (canaries not healthy yet, run-once running elsewhere).
    Wait(String),
}

/// Where the gates stand for this host. `Open` also when a claim (run-once, canary place) is
/// to be made: claims are made while holding the slot, in `pass_gates`.
pub(super) async fn gate_now(
    runner: &HostRelease<'_>,
    ledger: &crate::model::Ledger,
    registered: &[String],
) -> Result<Gate> {
    let (zk, spec, me) = (runner.zk, runner.spec, runner.settings.host.as_str());
    Ok(match policy::run_once_step(spec, ledger, registered, me) {
        RunOnceStep::Proceed => match policy::canary_step(spec, ledger, me, registered) {
            CanaryStep::Proceed | CanaryStep::Claim => Gate::Open,
            CanaryStep::Wait(msg) => Gate::Wait(msg),
        },
        RunOnceStep::Claim => Gate::Open,
        RunOnceStep::Wait(msg) => Gate::Wait(msg),
        RunOnceStep::Halt(reason) => {
            let rec = zk.halt(&spec.app, spec.release, &reason).await?;
            log_recorded(&spec.app, spec.release, &rec);
            Gate::Closed
        }
    })
}

/// Wait, without a slot, until the gates would let this host in (or the release moves on).
pub(super) async fn wait_at_gates(
    runner: &HostRelease<'_>,
    st: &mut HostStatus,
    shutdown: &mut Shutdown,
) -> Result<Gate> {
    let (zk, spec) = (runner.zk, runner.spec);
    let gated = spec.canary > 0 || spec.run_once_cmd.is_some();
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
                match gate_now(runner, &ledger, &registered).await? {
                    Gate::Wait(msg) => (msg, ledger_watch),
                    gate => return Ok(gate),
                }
            }
            // A ledger nobody can parse: say so where operators look, and wait for a repair.
            Err(e @ Error::Invalid { .. }) => (
                format!("cannot go on: {e}"),
                zk.client
                    .check_and_watch_stat(&zk.ledger_path(&spec.app, spec.release))
                    .await
                    .ok()
                    .map(|(_, w)| w),
            ),
            Err(e) => return Err(e),
        };
        if st.state != HostState::Waiting || st.message != wait_msg {
            runner.set(st, HostState::Waiting, wait_msg, None).await?;
        }
        tokio::select! {
            _ = async { match ledger_watch { Some(w) => { w.changed().await; } None => std::future::pending().await } } => {}
            _ = spec_watch.changed() => {}
            _ = async { match hosts_watch { Some(w) => { w.changed().await; } None => std::future::pending().await } } => {}
            _ = shutdown_at(shutdown, 1) => return Ok(Gate::Closed),
        }
    }
}

/// The run-once and canary gates, passed (and claimed) while holding the slot. A gate that
/// makes us wait is not waited for here: the caller gives the slot back first.
pub(super) async fn pass_gates(
    runner: &HostRelease<'_>,
    cmds: &Commands,
    st: &mut HostStatus,
    lease: &Lease,
    shutdown: &mut Shutdown,
) -> Result<Gate> {
    let (zk, spec, me) = (runner.zk, runner.spec, runner.settings.host.as_str());
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
        match policy::canary_step(spec, &ledger, me, &registered) {
            CanaryStep::Proceed => return Ok(Gate::Open),
            CanaryStep::Claim => {
                zk.update_ledger(&spec.app, spec.release, |l| {
                    policy::claim_canary(spec, l, me, &registered)
                })
                .await?;
            }
            CanaryStep::Wait(msg) => return Ok(Gate::Wait(msg)),
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
