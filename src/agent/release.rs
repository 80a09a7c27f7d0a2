//! `HostRelease`: one release on this host — the environment its commands run in, the secrets
//! masked in everything written, status transitions, and the ledger record of the outcome.

use std::path::PathBuf;
use std::time::Duration;

use super::AgentSettings;
use crate::error::Result;
use crate::exec::{self, Capture, CommandOutcome, RunOptions};
use crate::model::{HostState, HostStatus, ReleaseSpec, now_rfc3339};
use crate::policy::{self};
use crate::render::Script;
use crate::zk::Zk;
use crate::zk::ledger::{FinalWrite, Recorded};
use crate::zk::semaphore::Lease;

/// The environment variable holding a command's fencing token (docs/safety.md).
pub const FENCE_VAR: &str = "DEPLOYCTL_FENCE";

/// One release on this host: what every step needs (its commands' environment, the secrets
/// to mask, ZooKeeper), and the status writes.
pub(super) struct HostRelease<'a> {
    pub(super) settings: &'a AgentSettings,
    /// Values masked in everything written (status, logs).
    pub(super) secrets: Vec<String>,
    pub(super) zk: &'a Zk,
    pub(super) spec: &'a ReleaseSpec,
    pub(super) cwd: PathBuf,
    pub(super) env: Vec<(String, String)>,
    /// How often the agent proves to each command's supervisor that it is alive
    /// (exec/supervisor.rs).
    pub(super) heartbeat: Duration,
    /// Set when the release passed its progress deadline: why this host's step was killed.
    pub(super) stalled: std::sync::OnceLock<String>,
    /// The app's `run_as` user: its commands run as it.
    pub(super) run_as: Option<super::run_as::RunAs>,
    /// The status we wrote last (the agent then knows its node without reading it).
    pub(super) last_written: std::sync::Mutex<Option<HostStatus>>,
    /// The fencing token of the commands run now (`DEPLOYCTL_FENCE`; 0: none): the slot lease's
    /// creation zxid, or the finalize claim's. A command touching shared state keeps the highest
    /// it saw and refuses a lower one (docs/safety.md), which shuts out a host resumed from a
    /// freeze after its slot went to the next host.
    fence: std::sync::atomic::AtomicI64,
}

impl<'a> HostRelease<'a> {
    /// The release's runner on this host: its working dir (created), its commands' environment.
    pub(super) fn new(
        settings: &'a AgentSettings,
        zk: &'a Zk,
        spec: &'a ReleaseSpec,
    ) -> Result<HostRelease<'a>> {
        let cwd = settings.state_dir.join("apps").join(&spec.app);
        std::fs::create_dir_all(&cwd)
            .map_err(|e| crate::error::Error::io(format!("creating {}", cwd.display()), e))?;
        let run_as = match settings
            .local
            .get(&spec.app)
            .and_then(|l| l.run_as.as_ref())
        {
            Some(user) => {
                let r = super::run_as::check(user)?;
                // The app's working dir is the user's: its commands write there.
                std::os::unix::fs::lchown(&cwd, Some(r.uid), Some(r.gid))
                    .map_err(|e| crate::error::Error::io(format!("chown {}", cwd.display()), e))?;
                Some(r)
            }
            None => None,
        };
        Ok(HostRelease {
            secrets: {
                let mut s =
                    crate::secrets::values(&spec.vars, &spec.secret_vars, &settings.secret_names);
                // The agent's own ZooKeeper password, masked wherever output is stored (a command
                // that reads it from a file of its own still must not publish it).
                if let Some(pw) = settings.zk.password() {
                    s.push(pw.to_string());
                }
                s
            },
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
                (
                    "DEPLOYCTL_ARTIFACT_SHA256".into(),
                    spec.artifact_sha256.clone().unwrap_or_default(),
                ),
            ],
            // A stopped agent's command dies before its session can expire (exec/supervisor.rs).
            heartbeat: (settings.zk.session_timeout / 3).max(Duration::from_millis(300)),
            run_as,
            stalled: std::sync::OnceLock::new(),
            last_written: Default::default(),
            fence: Default::default(),
        })
    }

    fn run_options<'o>(&'o self, cwd: &'o std::path::Path, timeout: Duration) -> RunOptions<'o> {
        RunOptions {
            cwd,
            env: &self.env,
            timeout,
            secrets: &self.secrets,
            capture: Capture::Combined,
            heartbeat: Some(self.heartbeat),
            user: self.run_as.map(|r| (r.uid, r.gid)),
            // Heartbeats only while the session is confirmed alive: after a freeze the
            // supervisor must not hear from us before we know our slot still stands.
            vouch: Some(self.zk.alive.vouch()),
        }
    }

    /// Every command of the release goes through here: it counts as work of the session
    /// (`SessionWork`) while it runs, and gets the fencing token in force.
    async fn run(&self, script: &Script, opts: &RunOptions<'_>) -> Result<CommandOutcome> {
        let _working = self.zk.work.start();
        let fence = self.fence.load(std::sync::atomic::Ordering::Relaxed);
        if fence <= 0 {
            return exec::run(script, opts).await;
        }
        let mut env = opts.env.to_vec();
        env.push((FENCE_VAR.into(), fence.to_string()));
        exec::run(
            script,
            &RunOptions {
                env: &env,
                ..opts.clone()
            },
        )
        .await
    }

    /// The fencing token for the commands from now on (0: none).
    pub(super) fn set_fence(&self, fence: i64) {
        self.fence
            .store(fence, std::sync::atomic::Ordering::Relaxed);
    }

    pub(super) async fn exec(&self, script: &Script, timeout: Duration) -> Result<CommandOutcome> {
        self.run(script, &self.run_options(&self.cwd, timeout))
            .await
    }

    /// Run with stdout captured on its own (get-version: its stdout is compared).
    pub(super) async fn exec_for_stdout(
        &self,
        script: &Script,
        timeout: Duration,
    ) -> Result<CommandOutcome> {
        let opts = RunOptions {
            capture: Capture::StdoutApart,
            ..self.run_options(&self.cwd, timeout)
        };
        self.run(script, &opts).await
    }

    /// Run in `dir` (a git release dir) with DEPLOYCTL_RELEASE_DIR set.
    pub(super) async fn exec_in(
        &self,
        script: &Script,
        dir: &std::path::Path,
        timeout: Duration,
    ) -> Result<CommandOutcome> {
        let mut env = self.env.clone();
        env.push(("DEPLOYCTL_RELEASE_DIR".into(), dir.display().to_string()));
        let opts = RunOptions {
            env: &env,
            ..self.run_options(dir, timeout)
        };
        self.run(script, &opts).await
    }

    pub(super) fn command_timeout(&self) -> Duration {
        Duration::from_secs(self.spec.command_timeout_secs)
    }

    /// Move to `state` with `message` and write the status (fenced by the lease while holding a
    /// slot, so a stale session cannot overwrite what came after).
    pub(super) async fn set(
        &self,
        st: &mut HostStatus,
        state: HostState,
        message: impl Into<String>,
        fence: Option<&Lease>,
    ) -> Result<()> {
        st.state = state;
        st.message = message.into();
        self.write(st, fence).await
    }

    /// End the release on this host in a final `state`: status written, outcome recorded in the
    /// ledger (which may halt the release, or roll it back). With a `fence` (holding a slot) all
    /// of it is one multi-op that also gives the slot back: the status and the ledger record
    /// land together or not at all, and only while our lease stands.
    pub(super) async fn finish(
        &self,
        st: &mut HostStatus,
        state: HostState,
        message: impl Into<String>,
        fence: Option<&Lease>,
    ) -> Result<()> {
        st.finished_at = Some(now_rfc3339());
        let Some(lease) = fence else {
            self.set(st, state, message, None).await?;
            return self.record(state, None).await;
        };
        st.state = state;
        st.message = message.into();
        self.prepare(st);
        let status_path = self.zk.layout.status(&self.spec.app, &st.host);
        let fin = FinalWrite {
            lease,
            status_path: &status_path,
            status: st.to_json(),
        };
        self.record(state, Some(fin)).await?;
        self.remember(st);
        Ok(())
    }

    /// Stamp, mask and log a status about to be written.
    fn prepare(&self, st: &mut HostStatus) {
        st.updated_at = now_rfc3339();
        st.output_tail = crate::secrets::redact(&st.output_tail, &self.secrets);
        st.message = crate::secrets::redact(&st.message, &self.secrets);
        for c in &mut st.checks {
            c.redact(&self.secrets);
        }
        tracing::info!(app = %self.spec.app, release = st.release, state = %st.state, "{}", st.message);
    }

    /// Check records as the ledger may keep them: secrets masked (`CheckRecord::redact`).
    pub(super) fn masked_checks(
        &self,
        records: &[crate::checks::CheckRecord],
    ) -> Vec<crate::checks::CheckRecord> {
        let mut out = records.to_vec();
        for c in &mut out {
            c.redact(&self.secrets);
        }
        out
    }

    fn remember(&self, st: &HostStatus) {
        *self.last_written.lock().unwrap_or_else(|e| e.into_inner()) = Some(st.clone());
    }

    /// Note on disk, before this host's first command of a release changes anything, that what
    /// it runs is unproven until a health check passes ([`unproven`]). On disk rather than in
    /// ZooKeeper: the host's status there is overwritten by every later release it waits for.
    pub(super) fn mark_unproven(&self) -> Result<()> {
        let path = unproven_path(self.settings, &self.spec.app);
        let write = || -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut f = std::fs::File::create(&path)?;
            std::io::Write::write_all(
                &mut f,
                format!("{} {}\n", self.spec.release, self.spec.version).as_bytes(),
            )?;
            f.sync_all()
        };
        write().map_err(|e| crate::error::Error::io(format!("writing {}", path.display()), e))
    }

    /// The host passed the release's health gate: what it runs is proven again.
    pub(super) fn clear_unproven(&self) {
        let path = unproven_path(self.settings, &self.spec.app);
        if let Err(e) = std::fs::remove_file(&path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(app = %self.spec.app, "removing {}: {e}", path.display());
        }
    }

    /// The status written last, if any.
    pub(super) fn last_written(&self) -> Option<HostStatus> {
        self.last_written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(super) async fn write(&self, st: &mut HostStatus, fence: Option<&Lease>) -> Result<()> {
        self.prepare(st);
        self.zk.write_status(&self.spec.app, st, fence).await?;
        self.remember(st);
        Ok(())
    }

    /// Join the slot queue, writing `st` (waiting for a slot) in the same multi-op when it
    /// changed.
    pub(super) async fn enqueue(&self, st: Option<&mut HostStatus>) -> Result<Lease> {
        // The gate check after the slot is granted needs the registered hosts: read them (into
        // the client's cache) now, alongside the queue's write, so that read is not one more
        // round trip between the previous holder's end and our start.
        let warm = async {
            if let Err(e) = self.registered().await {
                tracing::debug!("reading the registered hosts ahead: {e}");
            }
        };
        let Some(st) = st else {
            let (lease, ()) =
                tokio::join!(self.zk.enqueue(&self.spec.app, &self.settings.host), warm);
            let mut lease = lease?;
            lease.defer_holding = true;
            return Ok(lease);
        };
        self.prepare(st);
        let (lease, ()) = tokio::join!(
            self.zk
                .enqueue_with_status(&self.spec.app, &self.settings.host, Some(st)),
            warm
        );
        let lease = lease?;
        self.remember(st);
        Ok(lease)
    }

    /// Hosts taking part in this release (for the failure budget and the run-once gate).
    pub(super) async fn targets(&self) -> Result<Vec<String>> {
        Ok(self
            .zk
            .hosts(&self.spec.app)
            .await?
            .into_iter()
            .filter(|(h, p)| {
                policy::takes_part(self.spec, h, p.as_ref().map_or(&[][..], |p| &p.groups))
            })
            .map(|(h, _)| h)
            .collect())
    }

    /// Names of the hosts whose agents are present now (the gates' view of who can come).
    pub(super) async fn registered(&self) -> Result<Vec<String>> {
        self.zk.registered(&self.spec.app).await
    }

    /// Put the final state in the ledger; it may halt the release (or roll it back). With
    /// `fin`, the final status and the lease's deletion go in the same multi-op.
    pub(super) async fn record(&self, state: HostState, fin: Option<FinalWrite<'_>>) -> Result<()> {
        // Only a failure can exceed the budget: the hosts (one read per host) are counted then.
        let targets = if state == HostState::Failed {
            self.targets().await?.len()
        } else {
            0
        };
        let (app, release, host) = (&self.spec.app, self.spec.release, &self.settings.host);
        let rec = match fin {
            Some(fin) => {
                self.zk
                    .record_final(app, release, host, state, targets, fin)
                    .await?
            }
            None => {
                self.zk
                    .record_outcome(app, release, host, state, targets)
                    .await?
            }
        };
        log_recorded(&self.spec.app, self.spec.release, &rec);
        Ok(())
    }
}

pub(super) fn log_recorded(app: &str, release: u64, rec: &Recorded) {
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

fn unproven_path(settings: &AgentSettings, app: &str) -> std::path::PathBuf {
    settings.state_dir.join("unproven").join(app)
}

/// Did a deploy (or restart) of `app` on this host start and not reach a passed health gate
/// since — cut short by a kill, a freeze, a failure? Then get-version printing a release's
/// version proves nothing: the host redoes the release in full and is never `current`.
pub(super) fn unproven(settings: &AgentSettings, app: &str) -> bool {
    unproven_path(settings, app).exists()
}
