//! One release on this host: version check, slot, gates (run-once, canary), attempts (pre,
//! deploy, health with retries), post, outcome — status written after every step.

use std::path::PathBuf;
use std::time::Duration;

use super::decide;
use super::exec::{self, CommandOutcome};
use super::{AgentSettings, Shutdown, SpecRead, read_spec_watched, shutdown_at};
use crate::error::{Error, Result};
use crate::git::{self, deploy::GitDeploy};
use crate::model::{
    HostState, HostStatus, ReleaseSpec, ReleaseState, RunOnce, RunOnceState, now_rfc3339,
};
use crate::render::{self, RenderContext, Script};
use crate::rollout::policy::{self, CanaryStep, RunOnceStep};
use crate::zk::Zk;
use crate::zk::ledger::Recorded;
use crate::zk::semaphore::{Lease, Turn};

/// The commands for this release on this host, rendered.
struct Commands {
    deploy: Option<Script>,
    get_version: Option<Script>,
    health: Option<Script>,
    pre: Option<Script>,
    post: Option<Script>,
    run_once: Option<Script>,
    /// Deploy from git: checkout per version + `current` switch.
    git: Option<GitDeploy>,
}

/// The command policy: may this release's own commands run here, and are its vars allowed?
pub(crate) fn check_policy(settings: &AgentSettings, spec: &ReleaseSpec) -> Result<()> {
    let local = settings.local.get(&spec.app).cloned().unwrap_or_default();
    let allow = local
        .allow_remote_commands
        .unwrap_or(settings.allow_remote_commands);
    if !allow {
        let carried: Vec<&str> = [
            ("deploy_cmd", spec.deploy_cmd.is_some()),
            ("get_version_cmd", spec.get_version_cmd.is_some()),
            ("health_cmd", spec.health_cmd.is_some()),
            ("pre_cmd", spec.pre_cmd.is_some()),
            ("post_cmd", spec.post_cmd.is_some()),
            ("run_once_cmd", spec.run_once_cmd.is_some()),
            ("git", spec.git.is_some()),
        ]
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(name, _)| name)
        .collect();
        if !carried.is_empty() {
            return Err(Error::invalid(
                "release",
                spec.release,
                format!(
                    "carries {}, but this agent runs only its own commands (allow_remote_commands = false)",
                    carried.join(", ")
                ),
            ));
        }
    }
    if let Some(allowed) = &local.allowed_vars
        && let Some(bad) = spec.vars.keys().find(|k| !allowed.contains(k))
    {
        return Err(Error::invalid(
            "var",
            bad,
            format!("not in this agent's allowed_vars for {}", spec.app),
        ));
    }
    Ok(())
}

fn render_commands(settings: &AgentSettings, spec: &ReleaseSpec) -> Result<Commands> {
    check_policy(settings, spec)?;
    let local = settings.local.get(&spec.app).cloned().unwrap_or_default();
    let ctx = RenderContext {
        app: spec.app.clone(),
        version: spec.version.clone(),
        previous_version: spec.previous_version.clone().unwrap_or_default(),
        host: settings.host.clone(),
        release: spec.release,
        vars: spec.vars.clone(),
    };
    // The spec's command wins; the agent's config supplies a default.
    let pick = |remote: &Option<String>, local: Option<String>| -> Result<Option<Script>> {
        remote
            .clone()
            .or(local)
            .map(|t| render::render(&t, &ctx))
            .transpose()
    };
    // The agent's own git source wins over the spec's (its paths are the host's business).
    let git = match local.git.clone().or(spec.git.clone()) {
        Some(g) => Some(GitDeploy {
            git_ref: render::render_raw(&g.git_ref, &ctx)?,
            repo: g.repo,
            deploy_to: g
                .deploy_to
                .unwrap_or_else(|| settings.state_dir.join("apps").join(&spec.app)),
            keep_releases: g.keep_releases,
        }),
        None => None,
    };
    Ok(Commands {
        git,
        deploy: pick(&spec.deploy_cmd, local.deploy_cmd)?,
        get_version: pick(&spec.get_version_cmd, local.get_version_cmd)?,
        health: pick(&spec.health_cmd, local.health_cmd)?,
        pre: pick(&spec.pre_cmd, local.pre_cmd)?,
        post: pick(&spec.post_cmd, local.post_cmd)?,
        run_once: pick(&spec.run_once_cmd, None)?,
    })
}

struct Runner<'a> {
    settings: &'a AgentSettings,
    /// Values masked in everything written (status, logs).
    secrets: Vec<String>,
    zk: &'a Zk,
    spec: &'a ReleaseSpec,
    cwd: PathBuf,
    env: Vec<(String, String)>,
}

impl Runner<'_> {
    async fn exec(&self, script: &Script, timeout: Duration) -> Result<CommandOutcome> {
        exec::run(script, &self.cwd, &self.env, timeout, &self.secrets).await
    }

    /// Run with stdout captured on its own (get-version: its stdout is compared).
    async fn exec_for_stdout(&self, script: &Script, timeout: Duration) -> Result<CommandOutcome> {
        exec::run_for_stdout(script, &self.cwd, &self.env, timeout, &self.secrets).await
    }

    /// Run in `dir` (a git release dir) with DEPLOYCTL_RELEASE_DIR set.
    async fn exec_in(
        &self,
        script: &Script,
        dir: &std::path::Path,
        timeout: Duration,
    ) -> Result<CommandOutcome> {
        let mut env = self.env.clone();
        env.push(("DEPLOYCTL_RELEASE_DIR".into(), dir.display().to_string()));
        exec::run(script, dir, &env, timeout, &self.secrets).await
    }

    fn command_timeout(&self) -> Duration {
        Duration::from_secs(self.spec.command_timeout_secs)
    }

    async fn write(&self, st: &mut HostStatus, fence: Option<&Lease>) -> Result<()> {
        st.updated_at = now_rfc3339();
        st.output_tail = crate::secrets::redact(&st.output_tail, &self.secrets);
        st.message = crate::secrets::redact(&st.message, &self.secrets);
        tracing::info!(app = %self.spec.app, release = st.release, state = %st.state, "{}", st.message);
        self.zk.write_status(&self.spec.app, st, fence).await
    }

    /// Hosts taking part in this release (for the failure budget and the run-once gate).
    async fn targets(&self) -> Result<Vec<String>> {
        Ok(self
            .zk
            .hosts(&self.spec.app)
            .await?
            .into_iter()
            .filter(|(_, p)| {
                policy::in_groups(&self.spec.groups, p.as_ref().map_or(&[][..], |p| &p.groups))
            })
            .map(|(h, _)| h)
            .collect())
    }

    /// Names of the hosts whose agents are present now (the gates' view of who can come).
    async fn registered(&self) -> Result<Vec<String>> {
        Ok(self
            .zk
            .hosts(&self.spec.app)
            .await?
            .into_iter()
            .map(|(h, _)| h)
            .collect())
    }

    /// Put the final state in the ledger; it may halt the release (or roll it back).
    async fn record(&self, state: HostState) -> Result<()> {
        let targets = self.targets().await?.len();
        let rec = self
            .zk
            .record_outcome(
                &self.spec.app,
                self.spec.release,
                &self.settings.host,
                state,
                targets,
            )
            .await?;
        log_recorded(&self.spec.app, self.spec.release, &rec);
        Ok(())
    }
}

fn log_recorded(app: &str, release: u64, rec: &Recorded) {
    match rec {
        Recorded::Noted => {}
        Recorded::Halted { reason } => tracing::warn!(app, "halted release {release}: {reason}"),
        Recorded::RolledBack {
            reason,
            release: rb,
        } => {
            tracing::warn!(
                app,
                "halted release {release}: {reason}; rolled back as release {rb}"
            )
        }
    }
}

pub(super) async fn run(
    settings: &AgentSettings,
    zk: &Zk,
    spec: &ReleaseSpec,
    previous: Option<&HostStatus>,
    shutdown: &mut Shutdown,
) -> Result<()> {
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
    let runner = Runner {
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
            // A stopped agent's command dies before its session can expire (guard.rs).
            (
                exec::HEARTBEAT_ENV.into(),
                (settings.zk.session_timeout.as_millis() / 3)
                    .max(300)
                    .to_string(),
            ),
        ],
    };

    // Off the runtime's threads: rendering is bounded (render::FUEL) but is CPU work, and the
    // session, the heartbeats and the other apps must not wait on it.
    let rendered = {
        let (settings, spec) = (settings.clone(), spec.clone());
        tokio::task::spawn_blocking(move || render_commands(&settings, &spec)).await
    };
    let cmds = match rendered {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return fail_without_slot(&runner, &mut st, e.to_string()).await,
        Err(e) => {
            let msg = format!("rendering the commands failed: {e}");
            return fail_without_slot(&runner, &mut st, msg).await;
        }
    };
    if cmds.deploy.is_none() && cmds.git.is_none() {
        let msg =
            "no deploy command: publish with --deploy-cmd or set deploy_cmd in the agent config";
        return fail_without_slot(&runner, &mut st, msg.into()).await;
    }
    let deploy = cmds.deploy.clone();

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
        st.state = HostState::Current;
        st.message = format!("already running {}", spec.version);
        st.finished_at = Some(now_rfc3339());
        st.exit_code = None;
        runner.write(&mut st, None).await?;
        return runner.record(HostState::Current).await;
    }

    loop {
        // Gates are waited for without a slot: a host held at the canary or run-once gate must
        // not hold a slot the canary (or the run-once host) needs.
        if let Gate::Closed = wait_at_gates(&runner, &mut st, shutdown).await? {
            return Ok(());
        }
        if st.state != HostState::Waiting || st.message != WAITING_FOR_SLOT {
            st.state = HostState::Waiting;
            st.message = WAITING_FOR_SLOT.into();
            runner.write(&mut st, None).await?;
        }
        let mut lease = zk.enqueue(&spec.app, &settings.host).await?;
        let result = hold_and_deploy(
            &runner,
            &cmds,
            deploy.as_ref(),
            &mut st,
            &mut lease,
            shutdown,
        )
        .await;
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
    runner: &Runner<'_>,
    st: &mut HostStatus,
    message: String,
) -> Result<()> {
    st.state = HostState::Failed;
    st.message = message;
    st.finished_at = Some(now_rfc3339());
    runner.write(st, None).await?;
    runner.record(HostState::Failed).await
}

/// Is the release we are working on still the active current one?
fn still_ours(read: &SpecRead, spec: &ReleaseSpec, ledger: Option<&crate::model::Ledger>) -> bool {
    matches!(read, SpecRead::Spec(s) if s.release == spec.release
        && policy::effective_state(s, ledger) == ReleaseState::Active)
}

enum Gate {
    Open,
    /// The release moved on or halted: give the slot up.
    Closed,
    /// A gate makes this host wait (canaries not healthy yet, run-once running elsewhere).
    Wait(String),
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
    runner: &Runner<'_>,
    cmds: &Commands,
    deploy: Option<&Script>,
    st: &mut HostStatus,
    lease: &mut Lease,
    shutdown: &mut Shutdown,
) -> Result<Held> {
    let (zk, spec) = (runner.zk, runner.spec);
    loop {
        let (read, spec_watch) = read_spec_watched(zk, &spec.app).await?;
        let ledger = match zk.read_ledger(&spec.app, spec.release).await {
            Ok(l) => l.map(|(l, _)| l),
            // Garbage in the ledger: wait for a repair without the slot (wait_at_gates says why).
            Err(Error::Invalid { .. }) => return Ok(Held::Gated),
            Err(e) => return Err(e),
        };
        if !still_ours(&read, spec, ledger.as_ref()) {
            // Moved on (new release, paused, halted, deleted, garbage): give the slot up and
            // let the main loop look again.
            return Ok(Held::Finished);
        }
        let slots = policy::effective_slots(spec, ledger.as_ref());
        match zk.try_acquire(lease, slots).await? {
            Turn::Holding => break,
            Turn::Wait(w) => tokio::select! {
                _ = w.changed() => {
                    crate::zk::semaphore::SLOT_WAKEUPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                _ = spec_watch.changed() => {}
                _ = shutdown_at(shutdown, 1) => return Ok(Held::Finished),
            },
        }
    }
    match pass_gates(runner, cmds, st, lease, shutdown).await? {
        Gate::Open => {}
        Gate::Closed => return Ok(Held::Finished),
        Gate::Wait(_) => return Ok(Held::Gated),
    }

    let max_attempts = spec.retries + 1;
    let mut first = true;
    // Attempts in this run (`st.attempts` also counts those of an earlier, crashed agent).
    let mut tried = 0;
    let outcome = loop {
        tried += 1;
        st.attempts += 1;
        st.state = HostState::Deploying;
        if first {
            st.started_at = Some(now_rfc3339());
            first = false;
        }
        st.finished_at = None;
        st.exit_code = None;
        st.output_tail.clear();
        st.message = format!("deploying {} (attempt {})", spec.version, st.attempts);
        runner.write(st, Some(lease)).await?;
        let Some(result) = attempt(runner, cmds, deploy, st, lease, shutdown).await? else {
            abandon(runner, st, lease).await?;
            return Ok(Held::Finished);
        };
        match result {
            Ok(()) => break Ok(()),
            Err(msg) if tried >= max_attempts || *shutdown.borrow() > 0 => break Err(msg),
            Err(msg) => {
                let delay = decide::retry_delay(spec.retry_delay_ms, tried);
                st.state = HostState::Deploying;
                st.message = format!("{msg}; retrying in {}", humantime::format_duration(delay));
                runner.write(st, Some(lease)).await?;
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = shutdown_at(shutdown, 1) => break Err(msg),
                }
            }
        }
    };
    let release_dir = cmds.git.as_ref().map(|g| g.release_dir(&spec.version));
    let outcome = match (outcome, &cmds.post) {
        (Ok(()), Some(post)) => {
            let out = match &release_dir {
                Some(d) => runner.exec_in(post, d, runner.command_timeout()).await?,
                None => runner.exec(post, runner.command_timeout()).await?,
            };
            if out.success() {
                Ok(())
            } else {
                Err(out.describe("post command"))
            }
        }
        (o, _) => o,
    };
    if let (Ok(()), Some(g)) = (&outcome, &cmds.git) {
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
    st.finished_at = Some(now_rfc3339());
    let state = match outcome {
        Ok(()) => {
            st.message = format!("running {}", spec.version);
            HostState::Healthy
        }
        Err(msg) => {
            st.message = msg;
            HostState::Failed
        }
    };
    st.state = state;
    runner.write(st, Some(lease)).await?;
    runner.record(state).await?;
    Ok(Held::Finished)
}

/// Where the gates stand for this host. `Open` also when a claim (run-once, canary place) is
/// to be made: claims are made while holding the slot, in `pass_gates`.
async fn gate_now(
    runner: &Runner<'_>,
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
async fn wait_at_gates(
    runner: &Runner<'_>,
    st: &mut HostStatus,
    shutdown: &mut Shutdown,
) -> Result<Gate> {
    let (zk, spec) = (runner.zk, runner.spec);
    let gated = spec.canary > 0 || spec.run_once_cmd.is_some();
    loop {
        let (read, spec_watch) = read_spec_watched(zk, &spec.app).await?;
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
            st.state = HostState::Waiting;
            st.message = wait_msg;
            runner.write(st, None).await?;
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
async fn pass_gates(
    runner: &Runner<'_>,
    cmds: &Commands,
    st: &mut HostStatus,
    lease: &Lease,
    shutdown: &mut Shutdown,
) -> Result<Gate> {
    let (zk, spec, me) = (runner.zk, runner.spec, runner.settings.host.as_str());
    loop {
        let (read, _) = read_spec_watched(zk, &spec.app).await?;
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
    runner: &Runner<'_>,
    cmds: &Commands,
    st: &mut HostStatus,
    lease: &Lease,
    shutdown: &mut Shutdown,
) -> Result<()> {
    let (zk, spec) = (runner.zk, runner.spec);
    let Some(script) = &cmds.run_once else {
        return Ok(());
    };
    st.state = HostState::Deploying;
    st.message = "running the run-once command".into();
    runner.write(st, Some(lease)).await?;
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

/// pre, deploy, health (with its retries). `None`: abandoned by a second signal;
/// `Some(Err(message))`: this attempt failed.
async fn attempt(
    runner: &Runner<'_>,
    cmds: &Commands,
    deploy: Option<&Script>,
    st: &mut HostStatus,
    lease: &Lease,
    shutdown: &mut Shutdown,
) -> Result<Option<std::result::Result<(), String>>> {
    let spec = runner.spec;
    let timeout = runner.command_timeout();
    // With a git source: the checkout first (reused when the version is still on disk).
    let release_dir = match &cmds.git {
        Some(g) => {
            let (g2, version) = (g.clone(), spec.version.clone());
            match tokio::task::spawn_blocking(move || git::deploy::ensure_release(&g2, &version))
                .await
            {
                Ok(Ok((dir, fetched))) => {
                    tracing::info!(app = %spec.app, "release dir {} ({})", dir.display(), if fetched { "fetched" } else { "already on disk" });
                    Some(dir)
                }
                Ok(Err(e)) => return Ok(Some(Err(format!("git checkout failed: {e}")))),
                Err(e) => return Ok(Some(Err(format!("git checkout failed: {e}")))),
            }
        }
        None => None,
    };
    let mut steps: Vec<(&str, &Script)> = vec![];
    if let Some(pre) = &cmds.pre {
        steps.push(("pre command", pre));
    }
    if let Some(deploy) = deploy {
        steps.push(("deploy command", deploy));
    }
    for (what, script) in steps {
        let Some(out) = run_step(
            runner,
            script,
            release_dir.as_deref(),
            timeout,
            lease,
            shutdown,
        )
        .await?
        else {
            return Ok(None);
        };
        st.exit_code = out.exit_code;
        st.output_tail = exec::tail_of(
            format!("{}{}", st.output_tail, out.tail).as_bytes(),
            exec::TAIL_BYTES,
        );
        if !out.success() {
            return Ok(Some(Err(out.describe(what))));
        }
    }
    if let Some(g) = &cmds.git
        && let Err(e) = git::deploy::switch_current(g, &spec.version)
    {
        return Ok(Some(Err(e.to_string())));
    }
    let Some(health) = &cmds.health else {
        return Ok(Some(Ok(())));
    };
    st.state = HostState::Verifying;
    st.message = "running health check".into();
    runner.write(st, Some(lease)).await?;
    let health_timeout = Duration::from_secs(
        spec.health_timeout_secs
            .unwrap_or(spec.command_timeout_secs),
    );
    let mut last = String::new();
    for check in 0..=spec.health_retries {
        if check > 0 {
            tokio::time::sleep(Duration::from_millis(spec.health_interval_ms)).await;
        }
        let Some(out) = run_step(
            runner,
            health,
            release_dir.as_deref(),
            health_timeout,
            lease,
            shutdown,
        )
        .await?
        else {
            return Ok(None);
        };
        if out.success() {
            return Ok(Some(Ok(())));
        }
        st.exit_code = out.exit_code;
        st.output_tail = exec::tail_of(
            format!("{}{}", st.output_tail, out.tail).as_bytes(),
            exec::TAIL_BYTES,
        );
        last = out.describe("health check");
    }
    Ok(Some(Err(last)))
}

/// Run a command unless the agent is told to abandon (second signal): `None` then.
async fn run_step(
    runner: &Runner<'_>,
    script: &Script,
    dir: Option<&std::path::Path>,
    timeout: Duration,
    lease: &Lease,
    shutdown: &mut Shutdown,
) -> Result<Option<CommandOutcome>> {
    // Self-check while the command runs: if our lease vanished (deleted by hand, or the session
    // is gone), someone else may be granted the slot — stop the command rather than overlap.
    let lease_gone = async {
        loop {
            tokio::time::sleep(runner.settings.zk.session_timeout / 3).await;
            // Errors are connection trouble: the session loop decides about those.
            if let Ok(None) = runner.zk.client.check_stat(&lease.path).await {
                tracing::warn!(app = %runner.spec.app, "slot lease {} vanished: abandoning the running step", lease.path);
                return;
            }
        }
    };
    let run = async {
        match dir {
            Some(d) => runner.exec_in(script, d, timeout).await,
            None => runner.exec(script, timeout).await,
        }
    };
    tokio::select! {
        out = run => out.map(Some),
        _ = shutdown_at(shutdown, 2) => Ok(None),
        _ = lease_gone => Ok(None),
    }
}

async fn abandon(runner: &Runner<'_>, st: &mut HostStatus, lease: &Lease) -> Result<()> {
    st.state = HostState::Failed;
    st.message = "abandoned: the agent was stopped, or lost its slot, during this step".into();
    st.finished_at = Some(now_rfc3339());
    runner.write(st, Some(lease)).await
}
