//! One release on this host: version check, gates (`gates`), slot, attempts (`attempt`) with
//! retries, post command, outcome — status written after every step (`release`).

use super::attempt::{Attempt, attempt, run_step};
use super::commands::{Commands, render_commands};
use super::decide;
use super::finalize;
use super::gates::{Gate, pass_gates, wait_at_gates};
use super::release::{HostRelease, log_recorded};
use super::{AgentSettings, Shutdown, shutdown_at};
use crate::error::{Error, Result};
use crate::git::{self};
use crate::model::{HookResult, HostState, HostStatus, Ledger, ReleaseSpec, now_rfc3339};
use crate::policy::{self};
use crate::zk::Zk;
use crate::zk::semaphore::{Lease, SlotWait};
use crate::zk::store::SpecRead;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

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
    let started =
        decide::started_before(spec, previous) || super::release::unproven(settings, &spec.app);
    let runner = HostRelease::new(settings, zk, spec)?;
    run_with(&runner, settings, zk, spec, &mut st, started, shutdown).await?;
    Ok(runner.last_written())
}

async fn run_with(
    runner: &HostRelease<'_>,
    settings: &AgentSettings,
    zk: &Zk,
    spec: &ReleaseSpec,
    st: &mut HostStatus,
    started: bool,
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
    if cmds.finalize.is_some() && spec.finalize_cmd.is_none() {
        finalize::note_expected(zk, spec).await;
    }
    // Does this host run the release's version already (None: no way to tell)?
    let at_version = match (&cmds.get_version, &cmds.git) {
        (Some(gv), _) => {
            let out = runner.exec_for_stdout(gv, runner.command_timeout()).await?;
            Some(
                out.success()
                    && decide::version_matches(out.stdout.as_deref().unwrap_or(""), &spec.version),
            )
        }
        // With a git source the version is what `current` points at.
        (None, Some(g)) => {
            Some(git::deploy::current_version(g).as_deref() == Some(spec.version.as_str()))
        }
        (None, None) => None,
    };
    let mut cmds = cmds;
    cmds.restart_only = decide::restarts(spec, at_version);
    if cmds.restart_only && cmds.restart.is_none() {
        let msg = "no restart command: restart with --restart-cmd, publish with --restart-cmd or set restart_cmd in the agent config";
        return fail_without_slot(runner, st, msg.into()).await;
    }
    if !cmds.restart_only && cmds.deploy.is_none() && cmds.git.is_none() {
        let msg =
            "no deploy command: publish with --deploy-cmd or set deploy_cmd in the agent config";
        return fail_without_slot(runner, st, msg.into()).await;
    }
    if spec.kind.is_deploy() && at_version == Some(true) && !started {
        st.exit_code = None;
        let message = format!("already running {}", spec.version);
        return runner.finish(st, HostState::Current, message, None).await;
    }

    // The checkout before the slot: the slot then covers only the switch and the restart, and a
    // slow fetch does not hold up the hosts behind this one. A failure here is tried again by
    // the attempt, under the slot (retries apply).
    if let Some(g) = cmds.git.as_ref().filter(|_| !cmds.restart_only) {
        prefetch(runner, g, st).await?;
    }

    // The steps below run under their own stop level: the agent's, raised to "abandon the
    // running step" when the release passes its progress deadline (its hung commands die).
    let (level_tx, mut level) = watch::channel(*shutdown.borrow());
    // Boxed: the whole release's state machine is large, and an agent may run on a small stack.
    let part = Box::pin(take_part(runner, &cmds, st, &mut level));
    let deadline = Box::pin(watch_deadline(runner, &level_tx));
    tokio::select! {
        r = part => r,
        _ = forward_shutdown(shutdown, &level_tx) => Ok(()),
        _ = deadline => Ok(()),
    }
}

/// Raise `to` with every shutdown level the agent is told; never ends.
async fn forward_shutdown(from: &mut Shutdown, to: &watch::Sender<u8>) {
    loop {
        if from.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
        let level = *from.borrow();
        to.send_modify(|l| *l = (*l).max(level));
    }
}

/// A request of the deadline watcher that waits longer than this means ZooKeeper could not be
/// heard (frozen, unreachable): the hosts could not report their progress meanwhile either.
const BLIND: Duration = Duration::from_secs(1);

/// The progress deadline (`--progress-deadline`), enforced by every agent taking part: each
/// sleeps until the deadline the ledger implies (woken by every ledger change), then halts the
/// release by compare-and-set — re-checked on the fresh ledger, so one halt, and none when a host
/// turned healthy meanwhile. Progress is judged by what the hosts did: their completion times
/// (the ledger's `progress_at` is the latest host's `finished_at`; final statuses count too), and
/// after a request that could not be answered for `BLIND` — a ZooKeeper freeze, during which
/// hosts that finished could not record it — the hosts get a full deadline from the answer
/// before a halt. Once the ledger says the deadline passed (whoever noticed), this host's running
/// step is abandoned: its command is killed. Never ends.
async fn watch_deadline(runner: &HostRelease<'_>, stop: &watch::Sender<u8>) {
    let (zk, spec) = (runner.zk, runner.spec);
    let Some(d) = spec.progress_deadline_ms.map(Duration::from_millis) else {
        return std::future::pending().await;
    };
    let plan = policy::steps::plan(spec);
    // Set when a request went unanswered for `BLIND`: no halt before a deadline from then.
    let mut rearmed: Option<SystemTime> = None;
    loop {
        let asked = tokio::time::Instant::now();
        let read = zk.read_ledger_watched(&spec.app, spec.release).await;
        if asked.elapsed() > BLIND {
            rearmed = Some(SystemTime::now());
        }
        let (ledger, watch) = match read {
            Ok(read) => read,
            Err(e) => {
                // Connection trouble is the session loop's; garbage waits for a repair.
                tracing::debug!(app = %spec.app, "progress deadline: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if ledger.deadline_passed {
            let reason = ledger
                .halt_reason
                .clone()
                .unwrap_or_else(|| "the release passed its progress deadline".into());
            let _ = runner.stalled.set(reason);
            stop.send_modify(|l| *l = (*l).max(2));
            return std::future::pending().await;
        }
        let at = policy::steps::deadline(spec, &plan, &ledger, SystemTime::now())
            .map(|t| rearmed.map_or(t, |r| t.max(r + d)));
        let due = at.map(|t| {
            tokio::time::Instant::now() + t.duration_since(SystemTime::now()).unwrap_or_default()
        });
        tokio::select! {
            _ = async { match watch { Some(w) => { w.changed().await; } None => std::future::pending().await } } => {}
            _ = async { match due { Some(t) => tokio::time::sleep_until(t).await, None => std::future::pending().await } } => {
                let asked = tokio::time::Instant::now();
                let finished = progress_marks(zk, spec).await;
                let why = |l: &Ledger| {
                    // What we read may lack reports the hosts could not make while we waited.
                    if asked.elapsed() > BLIND {
                        return None;
                    }
                    let mut l = l.clone();
                    if let Some(f) = finished
                        && l.progress_at.as_deref().and_then(crate::model::parse_time).is_some_and(|p| p < f)
                    {
                        l.progress_at = Some(crate::model::format_time(f));
                    }
                    policy::steps::deadline_passed(spec, &plan, &l, SystemTime::now())
                };
                let halted = zk.halt_stalled(&spec.app, spec.release, &why).await;
                // The hosts' own progress moves the deadline on (else this would fire again at
                // once, the ledger's clock unchanged).
                if let Some(f) = finished {
                    rearmed = Some(rearmed.map_or(f, |r| r.max(f)));
                }
                let waited = asked.elapsed();
                if waited > BLIND {
                    tracing::info!(app = %spec.app, "ZooKeeper did not answer for {waited:?}: the hosts get a full progress deadline from now");
                    rearmed = Some(SystemTime::now());
                }
                match halted {
                    Ok(rec) => log_recorded(&spec.app, spec.release, &rec),
                    Err(e) => {
                        tracing::warn!(app = %spec.app, "halting release {} at its progress deadline: {e}", spec.release);
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        }
    }
}

/// The latest progress the hosts' own statuses show: a host turning healthy (or finding it runs
/// the version) — a status can land before its ledger record — or a host starting its deploy
/// (a deploy gets a whole deadline from its own start: a host that joins late, after the others
/// are done, is not halted for their quiet). `None` on a failed read.
async fn progress_marks(zk: &Zk, spec: &ReleaseSpec) -> Option<SystemTime> {
    let statuses = zk.statuses(&spec.app).await.ok()?;
    statuses
        .into_iter()
        .filter_map(|(_, st)| st.ok())
        .filter(|st| st.release == spec.release)
        .filter_map(|st| match st.state {
            HostState::Healthy | HostState::Current => st.finished_at,
            HostState::Deploying | HostState::Verifying | HostState::Baking => {
                st.slot_at.or(st.started_at)
            }
            _ => None,
        })
        .filter_map(|t| crate::model::parse_time(&t))
        .max()
}

/// Wait at the gates, take a slot, deploy: this host's part in the release.
async fn take_part(
    runner: &HostRelease<'_>,
    cmds: &Commands,
    st: &mut HostStatus,
    shutdown: &mut Shutdown,
) -> Result<()> {
    let (zk, spec) = (runner.zk, runner.spec);
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
        // Every command under this lease carries its fencing token.
        runner.set_fence(lease.fence);
        let result = hold_and_deploy(runner, cmds, st, &mut lease, shutdown).await;
        runner.set_fence(0);
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

async fn prefetch(
    runner: &HostRelease<'_>,
    g: &git::deploy::GitDeploy,
    st: &mut HostStatus,
) -> Result<()> {
    let spec = runner.spec;
    let message = format!("fetching {} before taking a slot", g.git_ref);
    runner.set(st, HostState::Waiting, message, None).await?;
    let (g2, version) = (g.clone(), spec.version.clone());
    match tokio::task::spawn_blocking(move || git::deploy::ensure_release(&g2, &version)).await {
        Ok(Ok((dir, fetched))) => {
            st.prepared_at = Some(now_rfc3339());
            tracing::info!(app = %spec.app, "release dir {} ready before the slot ({})", dir.display(), if fetched { "fetched" } else { "already on disk" });
        }
        Ok(Err(e)) => {
            tracing::warn!(app = %spec.app, "fetching before the slot: {e}; the attempt tries again")
        }
        Err(e) => tracing::warn!(app = %spec.app, "fetching before the slot: {e}"),
    }
    Ok(())
}

async fn fail_without_slot(
    runner: &HostRelease<'_>,
    st: &mut HostStatus,
    message: String,
) -> Result<()> {
    // Counted before the status says so: whoever sees the status sees the count too.
    super::metrics::deploy_finished(&runner.spec.app, HostState::Failed, None);
    runner.finish(st, HostState::Failed, message, None).await
}

/// Is the release we are working on still the active current one?
pub(super) fn still_ours(
    read: &SpecRead,
    spec: &ReleaseSpec,
    ledger: Option<&crate::model::Ledger>,
) -> bool {
    // A freeze set since, or a window closed: give the slot back before starting (running
    // deploys finish).
    policy::still_current(read.spec(), spec.release, ledger)
        && read
            .spec()
            .is_none_or(|s| policy::held_back(s, SystemTime::now()).is_none())
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
        Ok(SlotWait::Holding) => st.slot_at = Some(now_rfc3339()),
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
        Gate::Wait(..) => return Ok(Held::Gated),
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
        Attempt::Passed => match after_deploy(runner, cmds).await? {
            Attempt::Failed(msg) => {
                run_on_failure(runner, cmds, st, lease, shutdown, &msg).await?;
                Attempt::Failed(msg)
            }
            other => other,
        },
        failed => failed,
    };
    let (state, message) = match outcome {
        Attempt::Failed(msg) => (HostState::Failed, msg),
        _ => (HostState::Healthy, format!("running {}", spec.version)),
    };
    runner.finish(st, state, message, Some(lease)).await?;
    if state == HostState::Healthy {
        runner.clear_unproven();
    }
    super::metrics::deploy_finished(&spec.app, state, st.duration(std::time::SystemTime::now()));
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
    runner.mark_unproven()?;
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
        let outcome = deploying(runner, cmds, st, lease, shutdown).await?;
        if let Attempt::Failed(msg) = &outcome {
            run_on_failure(runner, cmds, st, lease, shutdown, msg).await?;
        }
        match outcome {
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

/// After a failed attempt: the on-failure command (cleanup), still holding the slot; its result
/// goes into the status (it does not change the host's outcome).
async fn run_on_failure(
    runner: &HostRelease<'_>,
    cmds: &Commands,
    st: &mut HostStatus,
    lease: &Lease,
    shutdown: &mut Shutdown,
    why: &str,
) -> Result<()> {
    let Some(script) = &cmds.on_failure else {
        return Ok(());
    };
    let message = format!("{why}; running the on-failure command");
    runner
        .set(st, HostState::Deploying, message, Some(lease))
        .await?;
    let out = run_step(
        runner,
        script,
        None,
        runner.command_timeout(),
        lease,
        shutdown,
    )
    .await?;
    let result = match out {
        Some(o) => HookResult {
            ok: o.success(),
            exit_code: o.exit_code,
            message: if o.success() {
                "on-failure command succeeded".into()
            } else {
                crate::secrets::redact(&o.describe("on-failure command"), &runner.secrets)
            },
            finished_at: Some(now_rfc3339()),
        },
        None => HookResult {
            ok: false,
            exit_code: None,
            message: "on-failure command abandoned (the agent was stopped)".into(),
            finished_at: Some(now_rfc3339()),
        },
    };
    if !result.ok {
        tracing::warn!(app = %runner.spec.app, "{}", result.message);
    }
    st.on_failure = Some(result);
    Ok(())
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
    let message = match runner.stalled.get() {
        Some(why) => format!("killed: release {} halted: {why}", runner.spec.release),
        None => "abandoned: the agent was stopped, or lost its slot, during this step".into(),
    };
    runner
        .set(st, HostState::Failed, message, Some(lease))
        .await
}
