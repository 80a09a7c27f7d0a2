//! The finalize command: once per release, on one agent chosen through the ledger (like the
//! run-once command), after every target host is done. Its failure halts the release.

use super::commands::render_commands;
use super::release::{HostRelease, log_recorded};
use super::{AgentSettings, Shutdown, shutdown_at};
use crate::error::{Error, Result};
use crate::model::{HookState, ReleaseSpec, now_rfc3339};
use crate::policy::{self, hooks::FinalizeStep};
use crate::zk::Zk;

/// An agent whose own config has a finalize command says so in the ledger, so waiters wait for
/// it (the spec does not tell them). Best effort: the ledger may be gone (an old release).
pub(super) async fn note_expected(zk: &Zk, spec: &ReleaseSpec) {
    let noted = zk
        .update_ledger(&spec.app, spec.release, |l| {
            let new = !l.finalize_expected;
            l.finalize_expected = true;
            new
        })
        .await;
    if let Err(e) = noted {
        tracing::warn!(app = %spec.app, "noting the finalize command in the ledger: {e}");
    }
}

fn has_finalize(settings: &AgentSettings, spec: &ReleaseSpec) -> bool {
    spec.finalize_cmd.is_some()
        || settings
            .local
            .get(&spec.app)
            .is_some_and(|l| l.finalize_cmd.is_some())
}

/// Called whenever this host is done with `spec` (and on later passes): claim and run the
/// finalize command if every target host is done and nobody has; halt the release if its
/// claimer crashed or vanished mid-run.
pub(super) async fn run_if_due(
    settings: &AgentSettings,
    zk: &Zk,
    spec: &ReleaseSpec,
    shutdown: &mut Shutdown,
) -> Result<()> {
    if !has_finalize(settings, spec) || *shutdown.borrow() > 0 {
        return Ok(());
    }
    let (app, release, me) = (&spec.app, spec.release, settings.host.as_str());
    let ledger = match zk.read_ledger(app, release).await {
        Ok(Some((l, _))) => l,
        Ok(None) => return Ok(()),
        // Garbage in the ledger: the gates say so where operators look.
        Err(Error::Invalid { .. }) => return Ok(()),
        Err(e) => return Err(e),
    };
    let current = zk.read_spec(app).await.ok().flatten().map(|(s, _)| s);
    if !policy::still_current(current.as_ref(), release, Some(&ledger)) {
        return Ok(());
    }
    let runner = HostRelease::new(settings, zk, spec)?;
    let targets = runner.targets().await?;
    let registered = runner.registered().await?;
    match policy::hooks::finalize_step(true, spec, &ledger, &targets, &registered, me) {
        FinalizeStep::Skip | FinalizeStep::NotYet | FinalizeStep::Wait(_) => Ok(()),
        FinalizeStep::Halt(reason) => fail(&runner, &reason, None).await,
        FinalizeStep::Claim => claim_and_run(&runner, &targets, &registered, shutdown).await,
    }
}

async fn claim_and_run(
    runner: &HostRelease<'_>,
    targets: &[String],
    registered: &[String],
    shutdown: &mut Shutdown,
) -> Result<()> {
    let (zk, spec, me) = (runner.zk, runner.spec, runner.settings.host.as_str());
    let rendered = {
        let (settings, spec) = (runner.settings.clone(), spec.clone());
        tokio::task::spawn_blocking(move || render_commands(&settings, &spec)).await
    };
    // A command this host cannot render is not claimed: another host may run it.
    let cmds = match rendered {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            tracing::error!(app = %spec.app, "cannot run the finalize command: {e}");
            return Ok(());
        }
        Err(e) => {
            tracing::error!(app = %spec.app, "rendering the finalize command failed: {e}");
            return Ok(());
        }
    };
    let Some(script) = &cmds.finalize else {
        return Ok(());
    };
    let now = now_rfc3339();
    let (_, claimed) = zk
        .update_ledger(&spec.app, spec.release, |l| {
            policy::hooks::claim_finalize(spec, l, targets, registered, me, &now)
        })
        .await?;
    if !claimed {
        return Ok(());
    }
    // Its fencing token: the ledger's zxid after our claim, above every lease of the release.
    let ledger_path = zk.ledger_path(&spec.app, spec.release);
    // Without it (a read failing now) the claimed command still runs: it is ours to run.
    match zk.client.check_stat(&ledger_path).await {
        Ok(Some(stat)) => runner.set_fence(stat.mzxid),
        Ok(None) => {
            tracing::warn!(app = %spec.app, "{ledger_path} is gone: finalize runs without DEPLOYCTL_FENCE")
        }
        Err(e) => {
            tracing::warn!(app = %spec.app, "reading {ledger_path}: {e}; finalize runs without DEPLOYCTL_FENCE")
        }
    }
    tracing::info!(app = %spec.app, release = spec.release, "every host is done: running the finalize command");
    let dir = cmds.git.as_ref().map(|g| g.current());
    let run = async {
        match &dir {
            Some(d) if d.exists() => runner.exec_in(script, d, runner.command_timeout()).await,
            _ => runner.exec(script, runner.command_timeout()).await,
        }
    };
    let out = tokio::select! {
        out = run => Some(out?),
        _ = shutdown_at(shutdown, 2) => None,
    };
    match out {
        Some(o) if o.success() => {
            settle(runner, HookState::Done, o.exit_code, String::new()).await?;
            tracing::info!(app = %spec.app, release = spec.release, "finalize command done");
            Ok(())
        }
        Some(o) => {
            let why = format!("{} on {me}", o.describe("finalize command"));
            fail(runner, &why, o.exit_code).await
        }
        None => {
            let why = format!("finalize command abandoned on {me} (the agent was stopped)");
            fail(runner, &why, None).await
        }
    }
}

/// The finalize hook failed (or its claimer is gone): record the failure, then halt the release
/// (its auto-rollback applies). An agent that stops in between leaves a failed hook in a running
/// release: the next agent to look halts it (`FinalizeStep::Halt`).
async fn fail(runner: &HostRelease<'_>, reason: &str, exit_code: Option<i32>) -> Result<()> {
    let (zk, spec) = (runner.zk, runner.spec);
    let reason = crate::secrets::redact(reason, &runner.secrets);
    settle(runner, HookState::Failed, exit_code, reason.clone()).await?;
    let rec = zk.halt(&spec.app, spec.release, &reason).await?;
    log_recorded(&spec.app, spec.release, &rec);
    Ok(())
}

async fn settle(
    runner: &HostRelease<'_>,
    state: HookState,
    exit_code: Option<i32>,
    message: String,
) -> Result<()> {
    let (zk, spec) = (runner.zk, runner.spec);
    let now = now_rfc3339();
    zk.update_ledger(&spec.app, spec.release, |l| {
        // Settled already (an earlier agent recorded the failure and stopped before the halt).
        let Some(f) = l
            .finalize
            .as_mut()
            .filter(|f| f.state == HookState::Running)
        else {
            return false;
        };
        f.state = state;
        f.finished_at = Some(now.clone());
        f.exit_code = exit_code;
        f.message = message.clone();
        true
    })
    .await?;
    Ok(())
}
