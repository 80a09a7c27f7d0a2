//! One release on this host: version check, gates (`gates`), slot, attempts (`attempt`) with
//! retries, post command, outcome — status written after every step (`release`).

use super::attempt::{Attempt, attempt};
use super::commands::{Commands, render_commands};
use super::decide;
use super::gates::{Gate, pass_gates, wait_at_gates};
use super::release::HostRelease;
use super::{AgentSettings, Shutdown, shutdown_at};
use crate::error::{Error, Result};
use crate::git::{self};
use crate::model::{HostState, HostStatus, ReleaseSpec, now_rfc3339};
use crate::policy::{self};
use crate::zk::Zk;
use crate::zk::semaphore::{Lease, SlotWait};
use crate::zk::store::SpecRead;
use std::time::Duration;

pub(super) async fn run(
    settings: &AgentSettings,
    zk: &Zk,
    spec: &ReleaseSpec,
    previous: Option<&HostStatus>,
    shutdown: &mut Shutdown,
) -> Result<Option<HostStatus>> {
    let before = crate::zk::client::counts();
    let result = run_release(settings, zk, spec, previous, shutdown).await;
    // Process-wide: with several apps (or agents in one process) their requests mix in.
    tracing::debug!(
        app = %spec.app,
        release = spec.release,
        "ZooKeeper traffic of this release: {}",
        crate::zk::client::counts().since(&before)
    );
    result
}

/// The release on this host; returns the status it wrote last.
async fn run_release(
    settings: &AgentSettings,
    zk: &Zk,
    spec: &ReleaseSpec,
    previous: Option<&HostStatus>,
    shutdown: &mut Shutdown,
) -> Result<Option<HostStatus>> {
    let mut st = HostStatus {
        host: settings.host.clone(),
        release: spec.release,
        version: spec.version.clone(),
        state: HostState::Waiting,
        attempts: decide::attempts_before(spec, previous),
        ..Default::default()
    };
    if let Some(prev) = previous.filter(|p| p.release == spec.release && decide::interrupted(p)) {
        tracing::warn!(app = %spec.app, "release {} was interrupted in state {}; redoing it", prev.release, prev.state);
    }
    let cwd = settings.state_dir.join("apps").join(&spec.app);
    std::fs::create_dir_all(&cwd)
        .map_err(|e| Error::io(format!("creating {}", cwd.display()), e))?;
    let runner = HostRelease {
        secrets: crate::secrets::values(&spec.vars, &spec.secret_vars, &settings.secret_names),
        settings,
        zk,
        spec,
        cwd,
        env: vec![
            ("DEPLOYCTL_APP".into(), spec.app.clone()),
            ("DEPLOYCTL_VERSION".into(), spec.version.clone()),
            ("DEPLOYCTL_RELEASE".into(), spec.release.to_string()),
            ("DEPLOYCTL_HOST".into(), settings.host.clone()),
            (
                "DEPLOYCTL_PREVIOUS_VERSION".into(),
                spec.previous_version.clone().unwrap_or_default(),
            ),
        ],
        // A stopped agent's command dies before its session can expire (exec/supervisor.rs).
        heartbeat: (settings.zk.session_timeout / 3).max(Duration::from_millis(300)),
        last_written: Default::default(),
    };
    run_with(&runner, settings, zk, spec, &mut st, shutdown).await?;
    Ok(runner.last_written())
}

async fn run_with(
    runner: &HostRelease<'_>,
    settings: &AgentSettings,
    zk: &Zk,
    spec: &ReleaseSpec,
    st: &mut HostStatus,
    shutdown: &mut Shutdown,
) -> Result<()> {
    // Off the runtime's threads: rendering is bounded (render::FUEL) but is CPU work, and the
    // session, the heartbeats and the other apps must not wait on it.
    let rendered = {
        let (settings, spec) = (settings.clone(), spec.clone());
        tokio::task::spawn_blocking(move || render_commands(&settings, &spec)).await
    };
    let cmds = match rendered {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return fail_without_slot(runner, st, e.to_string()).await,
        Err(e) => {
            let msg = format!("rendering the commands failed: {e}");
            return fail_without_slot(runner, st, msg).await;
        }
    };
    if cmds.deploy.is_none() && cmds.git.is_none() {
        let msg =
            "no deploy command: publish with --deploy-cmd or set deploy_cmd in the agent config";
        return fail_without_slot(runner, st, msg.into()).await;
    }

    let already = match (&cmds.get_version, &cmds.git) {
        (Some(gv), _) => {
            let out = runner.exec_for_stdout(gv, runner.command_timeout()).await?;
            out.success()
                && decide::version_matches(out.stdout.as_deref().unwrap_or(""), &spec.version)
        }
        // With a git source the version is what `current` points at.
        (None, Some(g)) => {
            git::deploy::current_version(g).as_deref() == Some(spec.version.as_str())
        }
        (None, None) => false,
    };
    if already {
        st.exit_code = None;
        let message = format!("already running {}", spec.version);
        return runner.finish(st, HostState::Current, message, None).await;
    }

    loop {
        // Gates are waited for without a slot: a host held at the canary or run-once gate must
        // not hold a slot the canary (or the run-once host) needs.
        if let Gate::Closed = wait_at_gates(runner, st, shutdown).await? {
            return Ok(());
        }
        // "Waiting for a slot" and the lease in one multi-op.
        let changed = st.state != HostState::Waiting || st.message != WAITING_FOR_SLOT;
        if changed {
            st.state = HostState::Waiting;
            st.message = WAITING_FOR_SLOT.into();
        }
        let mut lease = runner.enqueue(changed.then_some(&mut *st)).await?;
        let result = hold_and_deploy(runner, &cmds, st, &mut lease, shutdown).await;
        // Always give the slot back, whatever happened (a dead session takes it anyway).
        if let Err(e) = zk.release(&lease).await {
            tracing::warn!(app = %spec.app, "{e}");
        }
        match result? {
            Held::Finished => return Ok(()),
            // A gate closed again while we held the slot: wait for it without the slot.
            Held::Gated => continue,
        }
    }
}

const WAITING_FOR_SLOT: &str = "waiting for a slot";

async fn fail_without_slot(
    runner: &HostRelease<'_>,
    st: &mut HostStatus,
    message: String,
) -> Result<()> {
    runner.finish(st, HostState::Failed, message, None).await
}

/// Is the release we are working on still the active current one?
pub(super) fn still_ours(
    read: &SpecRead,
    spec: &ReleaseSpec,
    ledger: Option<&crate::model::Ledger>,
) -> bool {
    policy::still_current(read.spec(), spec.release, ledger)
}

/// How a turn with the slot ended.
enum Held {
    /// The release is done on this host (or moved on, or the agent stops).
    Finished,
    /// A gate closed while we held the slot: give it back and wait at the gate.
    Gated,
}

/// Wait for our turn, pass the gates, then run the attempts while holding the slot.
async fn hold_and_deploy(
    runner: &HostRelease<'_>,
    cmds: &Commands,
    st: &mut HostStatus,
    lease: &mut Lease,
    shutdown: &mut Shutdown,
) -> Result<Held> {
    let (zk, spec) = (runner.zk, runner.spec);
    let mut stop = shutdown.clone();
    match zk
        .wait_for_slot(spec, lease, shutdown_at(&mut stop, 1))
        .await
    {
        Ok(SlotWait::Holding) => {}
        // Moved on (new release, paused, halted, deleted, garbage), or the agent stops: give the
        // slot up and let the main loop look again.
        Ok(SlotWait::MovedOn | SlotWait::Stopped) => return Ok(Held::Finished),
        // Garbage in the ledger: wait for a repair without the slot (wait_at_gates says why).
        Err(Error::Invalid { .. }) => return Ok(Held::Gated),
        Err(e) => return Err(e),
    }
    match pass_gates(runner, cmds, st, lease, shutdown).await? {
        Gate::Open => {}
        Gate::Closed => return Ok(Held::Finished),
        Gate::Wait(_) => return Ok(Held::Gated),
    }
    // Told to stop while we were getting here (a slot granted as the signal arrived): there is
    // no running step to finish, so start none.
    if *shutdown.borrow() > 0 {
        return Ok(Held::Finished);
    }

    let outcome = match attempts_with_retries(runner, cmds, st, lease, shutdown).await? {
        Attempt::Abandoned => {
            abandon(runner, st, lease).await?;
            return Ok(Held::Finished);
        }
        Attempt::Passed => after_deploy(runner, cmds).await?,
        failed => failed,
    };
    let (state, message) = match outcome {
        Attempt::Failed(msg) => (HostState::Failed, msg),
        _ => (HostState::Healthy, format!("running {}", spec.version)),
    };
    runner.finish(st, state, message, Some(lease)).await?;
    Ok(Held::Finished)
}

/// Attempts (pre, deploy, health) until one passes or `retries` more have failed, waiting the
/// retry delay between them: the last attempt's outcome.
async fn attempts_with_retries(
    runner: &HostRelease<'_>,
    cmds: &Commands,
    st: &mut HostStatus,
    lease: &Lease,
    shutdown: &mut Shutdown,
) -> Result<Attempt> {
    let spec = runner.spec;
    let max_attempts = spec.retries + 1;
    // Attempts in this run (`st.attempts` also counts those of an earlier, crashed agent).
    let mut tried = 0;
    loop {
        tried += 1;
        st.attempts += 1;
        if tried == 1 {
            st.started_at = Some(now_rfc3339());
        }
        st.finished_at = None;
        st.exit_code = None;
        st.output_tail.clear();
        st.state = HostState::Deploying;
        st.message = format!("deploying {} (attempt {})", spec.version, st.attempts);
        match deploying(runner, cmds, st, lease, shutdown).await? {
            Attempt::Failed(msg) if tried < max_attempts && *shutdown.borrow() == 0 => {
                let delay = policy::retry_delay(spec.retry_delay_ms, tried);
                let message = format!("{msg}; retrying in {}", humantime::format_duration(delay));
                runner
                    .set(st, HostState::Deploying, message, Some(lease))
                    .await?;
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = shutdown_at(shutdown, 1) => return Ok(Attempt::Failed(msg)),
                }
            }
            done => return Ok(done),
        }
    }
}

/// Write `st` (deploying) and run the attempt, the command starting while the write is on its
/// way: the slot is ours already (the lease's position), the write (which also marks the lease
/// `holding` on the first attempt, waking the next waiter) is fenced by the lease. If it fails,
/// the attempt is dropped, which kills its command; its later status writes are sent after
/// this one, and one session's requests are applied in order.
async fn deploying(
    runner: &HostRelease<'_>,
    cmds: &Commands,
    st: &mut HostStatus,
    lease: &Lease,
    shutdown: &mut Shutdown,
) -> Result<Attempt> {
    let mut announced = st.clone();
    let write = runner.write(&mut announced, Some(lease));
    let run = attempt(runner, cmds, st, lease, shutdown);
    tokio::pin!(write, run);
    // Polled in this order, the write is sent before the command is spawned.
    let mut written = false;
    loop {
        tokio::select! {
            biased;
            r = &mut write, if !written => {
                r?;
                written = true;
            }
            out = &mut run => {
                if !written {
                    write.await?;
                }
                return out;
            }
        }
    }
}

/// After a passed attempt: the post command (its failure fails the host), then pruning old git
/// checkouts (a failure there is only logged).
async fn after_deploy(runner: &HostRelease<'_>, cmds: &Commands) -> Result<Attempt> {
    let spec = runner.spec;
    if let Some(post) = &cmds.post {
        let release_dir = cmds.git.as_ref().map(|g| g.release_dir(&spec.version));
        let out = match &release_dir {
            Some(d) => runner.exec_in(post, d, runner.command_timeout()).await?,
            None => runner.exec(post, runner.command_timeout()).await?,
        };
        if !out.success() {
            return Ok(Attempt::Failed(out.describe("post command")));
        }
    }
    if let Some(g) = &cmds.git {
        let (g, previous) = (g.clone(), spec.previous_version.clone());
        match tokio::task::spawn_blocking(move || git::deploy::prune(&g, previous.as_deref())).await
        {
            Ok(Ok(pruned)) if !pruned.is_empty() => {
                tracing::info!(app = %spec.app, "pruned old releases: {}", pruned.join(", "))
            }
            Ok(Err(e)) => tracing::warn!(app = %spec.app, "pruning old releases: {e}"),
            _ => {}
        }
    }
    Ok(Attempt::Passed)
}

async fn abandon(runner: &HostRelease<'_>, st: &mut HostStatus, lease: &Lease) -> Result<()> {
    // Not recorded in the ledger: the agent stopped, the release did not fail on its merits (no
    // failure budget is spent).
    st.finished_at = Some(now_rfc3339());
    let message = "abandoned: the agent was stopped, or lost its slot, during this step";
    runner
        .set(st, HostState::Failed, message, Some(lease))
        .await
}
