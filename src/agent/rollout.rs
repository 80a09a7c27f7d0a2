//! One release on this host: version check, slot, deploy, health, status after every step.

use std::path::PathBuf;
use std::time::Duration;

use super::decide;
use super::exec::{self, CommandOutcome};
use super::{AgentSettings, Shutdown, SpecRead, read_spec_watched, shutdown_at};
use crate::error::{Error, Result};
use crate::model::{HostState, HostStatus, ReleaseSpec, ReleaseState, now_rfc3339};
use crate::render::{self, RenderContext};
use crate::zk::Zk;
use crate::zk::semaphore::{Lease, Turn};

/// The commands for this release on this host, rendered.
struct Commands {
    deploy: Option<String>,
    get_version: Option<String>,
    health: Option<String>,
}

fn render_commands(settings: &AgentSettings, spec: &ReleaseSpec) -> Result<Commands> {
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
    let pick = |remote: &Option<String>, local: Option<String>| -> Result<Option<String>> {
        remote
            .clone()
            .or(local)
            .map(|t| render::render(&t, &ctx))
            .transpose()
    };
    Ok(Commands {
        deploy: pick(&spec.deploy_cmd, local.deploy_cmd)?,
        get_version: pick(&spec.get_version_cmd, local.get_version_cmd)?,
        health: pick(&spec.health_cmd, local.health_cmd)?,
    })
}

struct Runner<'a> {
    zk: &'a Zk,
    spec: &'a ReleaseSpec,
    cwd: PathBuf,
    env: Vec<(String, String)>,
}

impl Runner<'_> {
    async fn exec(&self, script: &str) -> Result<CommandOutcome> {
        exec::run(
            script,
            &self.cwd,
            &self.env,
            Duration::from_secs(self.spec.command_timeout_secs),
        )
        .await
    }

    async fn write(&self, st: &mut HostStatus, fence: Option<&Lease>) -> Result<()> {
        st.updated_at = now_rfc3339();
        tracing::info!(app = %self.spec.app, release = st.release, state = %st.state, "{}", st.message);
        self.zk.write_status(&self.spec.app, st, fence).await
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
    };

    let cmds = match render_commands(settings, spec) {
        Ok(c) => c,
        Err(e) => return fail_without_slot(&runner, &mut st, e.to_string()).await,
    };
    let Some(deploy) = cmds.deploy.clone() else {
        let msg =
            "no deploy command: publish with --deploy-cmd or set deploy_cmd in the agent config";
        return fail_without_slot(&runner, &mut st, msg.into()).await;
    };

    if let Some(gv) = &cmds.get_version {
        let out = runner.exec(gv).await?;
        if out.success() && decide::version_matches(&out.stdout, &spec.version) {
            st.state = HostState::Current;
            st.message = format!("already running {}", spec.version);
            st.finished_at = Some(now_rfc3339());
            st.exit_code = None;
            return runner.write(&mut st, None).await;
        }
    }

    st.state = HostState::Waiting;
    st.message = "waiting for a slot".into();
    runner.write(&mut st, None).await?;
    let mut lease = zk.enqueue(&spec.app, &settings.host).await?;
    let result = hold_and_deploy(&runner, &cmds, &deploy, &mut st, &mut lease, shutdown).await;
    // Always give the slot back, whatever happened (a dead session takes it anyway).
    if let Err(e) = zk.release(&lease).await {
        tracing::warn!(app = %spec.app, "{e}");
    }
    result
}

async fn fail_without_slot(
    runner: &Runner<'_>,
    st: &mut HostStatus,
    message: String,
) -> Result<()> {
    st.state = HostState::Failed;
    st.message = message;
    st.finished_at = Some(now_rfc3339());
    runner.write(st, None).await
}

/// Wait for our turn, re-read the spec, then deploy and verify while holding the slot.
async fn hold_and_deploy(
    runner: &Runner<'_>,
    cmds: &Commands,
    deploy: &str,
    st: &mut HostStatus,
    lease: &mut Lease,
    shutdown: &mut Shutdown,
) -> Result<()> {
    let (zk, spec) = (runner.zk, runner.spec);
    loop {
        let (read, spec_watch) = read_spec_watched(zk, &spec.app).await?;
        let slots = match read {
            SpecRead::Spec(s) if s.release == spec.release && s.state == ReleaseState::Active => {
                s.slots
            }
            // Moved on (new release, paused, halted, deleted, garbage): give the slot up and
            // let the main loop look again.
            _ => return Ok(()),
        };
        match zk.try_acquire(lease, slots).await? {
            Turn::Holding => break,
            Turn::Wait(w) => tokio::select! {
                _ = w.changed() => {}
                _ = spec_watch.changed() => {}
                _ = shutdown_at(shutdown, 1) => return Ok(()),
            },
        }
    }

    st.attempts += 1;
    st.state = HostState::Deploying;
    st.started_at = Some(now_rfc3339());
    st.finished_at = None;
    st.exit_code = None;
    st.output_tail.clear();
    st.message = format!("deploying {} (attempt {})", spec.version, st.attempts);
    runner.write(st, Some(lease)).await?;

    let Some(out) = run_step(runner, deploy, shutdown).await? else {
        return abandon(runner, st, lease).await;
    };
    st.exit_code = out.exit_code;
    st.output_tail = out.tail.clone();
    if !out.success() {
        st.state = HostState::Failed;
        st.message = out.describe("deploy command");
        st.finished_at = Some(now_rfc3339());
        return runner.write(st, Some(lease)).await;
    }

    if let Some(health) = &cmds.health {
        st.state = HostState::Verifying;
        st.message = "running health check".into();
        runner.write(st, Some(lease)).await?;
        let Some(h) = run_step(runner, health, shutdown).await? else {
            return abandon(runner, st, lease).await;
        };
        st.output_tail = exec::tail_of(
            format!("{}{}", out.tail, h.tail).as_bytes(),
            exec::TAIL_BYTES,
        );
        if !h.success() {
            st.state = HostState::Failed;
            st.exit_code = h.exit_code;
            st.message = h.describe("health check");
            st.finished_at = Some(now_rfc3339());
            return runner.write(st, Some(lease)).await;
        }
    }

    st.state = HostState::Healthy;
    st.message = format!("running {}", spec.version);
    st.finished_at = Some(now_rfc3339());
    runner.write(st, Some(lease)).await
}

/// Run a command unless the agent is told to abandon (second signal): `None` then.
async fn run_step(
    runner: &Runner<'_>,
    script: &str,
    shutdown: &mut Shutdown,
) -> Result<Option<CommandOutcome>> {
    tokio::select! {
        out = runner.exec(script) => out.map(Some),
        _ = shutdown_at(shutdown, 2) => Ok(None),
    }
}

async fn abandon(runner: &Runner<'_>, st: &mut HostStatus, lease: &Lease) -> Result<()> {
    st.state = HostState::Failed;
    st.message = "abandoned: the agent was stopped during this step".into();
    st.finished_at = Some(now_rfc3339());
    runner.write(st, Some(lease)).await
}
