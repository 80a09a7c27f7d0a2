//! The host daemon: register, watch releases, take a slot, deploy, report.
//!
//! This module owns the ZooKeeper session life cycle (connect, notice loss, reconnect) and serves
//! each app; `rollout` does one release on this host (with `gates`, `attempt`, `release`,
//! `commands`); `decide` holds the pure decisions.

mod attempt;
mod commands;
pub mod config;
pub mod decide;
mod finalize;
mod gates;
mod metric_gate;
pub mod metrics;
mod release;
mod rollout;
pub mod run_as;
pub mod trust;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;
use tokio::task::JoinSet;
use zookeeper_client as zkc;

use crate::error::{Error, Result, ZkContext};
use crate::model::{HostStatus, Presence};
use crate::zk::presence::Registration;
use crate::zk::store::SpecRead;
use crate::zk::{self, Zk, ZkOptions};
pub use config::{AgentConfig, LocalCommands};

/// Everything the agent needs, merged from flags, environment and config (see `cmd::agent`).
#[derive(Debug, Clone)]
pub struct AgentSettings {
    pub host: String,
    pub apps: Vec<String>,
    pub local: BTreeMap<String, LocalCommands>,
    /// Groups this host belongs to (releases can be limited to groups).
    pub groups: Vec<String>,
    /// Run commands from release specs (the config's `allow_remote_commands`, default true).
    pub allow_remote_commands: bool,
    /// Var name patterns whose values are secret.
    pub secret_names: Vec<String>,
    pub state_dir: PathBuf,
    pub zk: ZkOptions,
    /// One pass over every app, then exit.
    pub once: bool,
    /// Apps whose releases must be (or, when signed, are) verified: `agent::trust`.
    pub trust: BTreeMap<String, Arc<trust::TrustPolicy>>,
    /// Where metric checks ask (`prometheus_url` and its credentials in the config).
    pub prometheus: PrometheusSettings,
}

/// The agent config's Prometheus: its URL (wins over a release's), bearer token and CA.
#[derive(Debug, Clone, Default)]
pub struct PrometheusSettings {
    pub url: Option<String>,
    pub bearer: Option<String>,
    pub ca: Option<PathBuf>,
}

/// Shutdown level: 0 run, 1 finish the running step then stop, 2 abandon the running step now.
pub type Shutdown = watch::Receiver<u8>;

/// Per app: the host's final status in `--once` mode (None: nothing published), or the error.
pub type AppResult = (String, Result<Option<HostStatus>>);

/// Resolves once the shutdown level reaches `level`.
pub(crate) async fn shutdown_at(shutdown: &mut Shutdown, level: u8) {
    let _ = shutdown.wait_for(|l| *l >= level).await;
}

/// Resolves with a reason when the session can no longer be trusted: expired, closed, or
/// disconnected for long enough that the server may soon expire it (and hand our slot on) while
/// a command of ours runs.
async fn session_lost(
    mut states: zkc::StateWatcher,
    session_timeout: Duration,
    work: zk::SessionWork,
) -> String {
    let mut state = states.state();
    loop {
        match state {
            zkc::SessionState::Expired => return "ZooKeeper session expired".into(),
            zkc::SessionState::AuthFailed => return "ZooKeeper authentication failed".into(),
            zkc::SessionState::Closed => return "ZooKeeper session closed".into(),
            zkc::SessionState::Disconnected => {
                // Give up well before the server's expiry if a command runs, so it is dead
                // before anyone else can be granted our slot. With none running there is
                // nothing to kill: the client reconnects within the session (its reconnect
                // backoff can take seconds after a server restart) or reports it expired.
                let third = tokio::time::sleep(session_timeout / 3);
                tokio::pin!(third);
                let mut past_third = false;
                loop {
                    tokio::select! {
                        s = states.changed() => {
                            state = s;
                            break;
                        }
                        _ = &mut third, if !past_third => {
                            past_third = true;
                            tracing::info!("disconnected from ZooKeeper for a third of the session timeout; no command runs, so the session is kept");
                        }
                        _ = work.busy(), if past_third => {
                            return "disconnected from ZooKeeper for a third of the session timeout while a command runs".into();
                        }
                    }
                }
            }
            _ => state = states.changed().await,
        }
    }
}

/// Run the agent until shutdown (or, with `once`, until every app had one pass).
pub async fn run(settings: AgentSettings, shutdown: Shutdown) -> Result<Vec<AppResult>> {
    // No reloads: the sender lives as long as this call.
    let (_keep, reload) = watch::channel(Arc::new(settings));
    run_reloadable(reload, shutdown).await
}

/// Settings as they are now; a SIGHUP sends new ones.
pub type Reload = watch::Receiver<Arc<AgentSettings>>;

/// Apps being served in this session, each with its own stop channel.
struct Serving {
    tasks: JoinSet<AppResult>,
    stops: std::collections::HashMap<String, watch::Sender<u8>>,
}

impl Serving {
    fn spawn(&mut self, reload: &Reload, zk: &Zk, app: &str, level: u8) {
        let (tx, rx) = watch::channel(level);
        self.stops.insert(app.to_string(), tx);
        self.tasks
            .spawn(serve_app(reload.clone(), zk.clone(), app.to_string(), rx));
    }

    fn stop_all(&self, level: u8) {
        for tx in self.stops.values() {
            let _ = tx.send(level);
        }
    }
}

/// Run the agent until shutdown (or, with `once`, until every app had one pass), applying new
/// settings from `reload`: apps added start being served, apps removed stop after their running
/// step, local commands and groups apply from the next pass.
pub async fn run_reloadable(mut reload: Reload, mut shutdown: Shutdown) -> Result<Vec<AppResult>> {
    let mut backoff = Duration::from_millis(250);
    loop {
        if *shutdown.borrow() > 0 {
            return Ok(vec![]);
        }
        let settings = reload.borrow_and_update().clone();
        let zk = match zk::connect(&settings.zk).await {
            Ok(z) => z,
            Err(e) if settings.once => return Err(e),
            // A bad ACL policy is remote data that can be fixed (`deployctl init`): keep
            // trying, like an unreachable ensemble, rather than exit.
            Err(e @ (Error::Invalid { .. } | Error::Usage(_))) if !matches!(e, Error::Invalid { what, .. } if what == zk::ACL_POLICY) =>
            {
                return Err(e);
            }
            Err(e) => {
                tracing::warn!("{e}; retrying in {backoff:?}");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = shutdown_at(&mut shutdown, 1) => return Ok(vec![]),
                }
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        backoff = Duration::from_millis(250);
        tracing::info!(host = %settings.host, session = %zk.client.session_id(), "connected to ZooKeeper");
        let mut serving = Serving {
            tasks: JoinSet::new(),
            stops: Default::default(),
        };
        for app in &settings.apps {
            serving.spawn(&reload, &zk, app, 0);
        }
        metrics::session_started();
        let mut states = zk.client.state_watcher();
        let session_state = tokio::spawn(async move {
            loop {
                let s = states.state();
                metrics::connected(matches!(
                    s,
                    zkc::SessionState::SyncConnected | zkc::SessionState::ConnectedReadOnly
                ));
                if s.is_terminated() {
                    return;
                }
                states.changed().await;
            }
        });
        // Whether the session is alive, for the commands' heartbeats (exec::Vouch).
        let keeper = {
            let (alive, client) = (zk.alive.clone(), zk.client.clone());
            let root = match zk.layout.root() {
                "" => "/".to_string(),
                r => r.to_string(),
            };
            // Ended with this scope whatever way it is left: it holds a client of the session.
            KeepAlive(tokio::spawn(async move { alive.keep(client, root).await }))
        };
        let lost = session_lost(
            zk.client.state_watcher(),
            settings.zk.session_timeout,
            zk.work.clone(),
        );
        tokio::pin!(lost);
        let mut results = vec![];
        let (mut reloads_open, mut shutdown_open) = (true, true);
        let finished = loop {
            tokio::select! {
                reason = &mut lost => {
                    tracing::warn!("{reason}; abandoning running steps and starting a new session");
                    metrics::session_lost();
                    session_state.abort();
                    metrics::connected(false);
                    // Dropping the tasks kills their running commands (see exec::GuardChild).
                    serving.tasks.abort_all();
                    while serving.tasks.join_next().await.is_some() {}
                    break false;
                }
                next = serving.tasks.join_next() => match next {
                    None => break true,
                    Some(Ok(r)) => results.push(r),
                    Some(Err(e)) => return Err(Error::Failed(format!("agent task failed: {e}"))),
                },
                changed = shutdown.changed(), if shutdown_open => match changed {
                    Ok(()) => serving.stop_all(*shutdown.borrow()),
                    Err(_) => shutdown_open = false,
                },
                changed = reload.changed(), if reloads_open => {
                    if changed.is_err() {
                        reloads_open = false;
                        continue;
                    }
                    let new = reload.borrow_and_update().clone();
                    apply_reload(&settings, &new, &mut serving, &reload, &zk).await;
                }
            }
        };
        session_state.abort();
        drop(keeper);
        if finished {
            // Clone first: a watch guard must not be held across an await.
            let settings = reload.borrow().clone();
            unregister(&zk, &settings).await;
            return Ok(results);
        }
    }
}

/// The session's `SessionAlive::keep` task, aborted when dropped.
struct KeepAlive(tokio::task::JoinHandle<()>);

impl Drop for KeepAlive {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What a reload changes in a running session.
async fn apply_reload(
    old: &AgentSettings,
    new: &AgentSettings,
    serving: &mut Serving,
    reload: &Reload,
    zk: &Zk,
) {
    if old.zk.servers != new.zk.servers
        || old.zk.root != new.zk.root
        || old.host != new.host
        || old.state_dir != new.state_dir
    {
        tracing::warn!(
            "reloaded config changes zk, zk_root, host or state_dir: restart the agent to apply those"
        );
    }
    for app in serving.stops.keys().cloned().collect::<Vec<_>>() {
        if !new.apps.contains(&app) {
            tracing::info!(
                app,
                "no longer in the config: stopping after the running step"
            );
            if let Some(tx) = serving.stops.remove(&app) {
                let _ = tx.send(1);
            }
            zk.unregister_presence(&app, &new.host).await;
        }
    }
    for app in &new.apps {
        if !serving.stops.contains_key(app) {
            tracing::info!(app, "added by the reloaded config");
            serving.spawn(reload, zk, app, 0);
        } else if old.groups != new.groups {
            update_presence(zk, new, app).await;
        }
    }
    tracing::info!("config reloaded");
}

async fn update_presence(zk: &Zk, settings: &AgentSettings, app: &str) {
    if let Err(e) = zk.update_presence(app, &presence_of(settings)).await {
        tracing::warn!(app, "{e}");
    }
}

fn presence_of(settings: &AgentSettings) -> Presence {
    Presence {
        host: settings.host.clone(),
        agent_version: env!("CARGO_PKG_VERSION").to_string(),
        pid: std::process::id(),
        groups: settings.groups.clone(),
        since: crate::model::now_rfc3339(),
        session_timeout_ms: Some(settings.zk.session_timeout.as_millis() as u64),
    }
}

/// Remove presence nodes now rather than when the session times out.
async fn unregister(zk: &Zk, settings: &AgentSettings) {
    for app in &settings.apps {
        zk.unregister_presence(app, &settings.host).await;
    }
}

/// Register `hosts/<host>`. If another live session holds it (an earlier agent whose session
/// has not expired yet, or a second agent for the same host), wait for it to go: two agents
/// must never deploy concurrently on one host.
async fn register(
    zk: &Zk,
    settings: &AgentSettings,
    app: &str,
    shutdown: &mut Shutdown,
) -> Result<bool> {
    let presence = presence_of(settings);
    let mut warned = false;
    loop {
        match zk.register_presence(app, &presence).await? {
            Registration::Registered => return Ok(true),
            Registration::Taken { owner, gone } => {
                if !warned {
                    tracing::warn!(
                        app,
                        "host {} is registered by another session (0x{owner:x}); waiting for it to end",
                        settings.host,
                    );
                    warned = true;
                }
                tokio::select! {
                    _ = gone.changed() => {}
                    _ = shutdown_at(shutdown, 1) => return Ok(false),
                }
            }
        }
    }
}

/// Make sure the app's directories exist. Under ACLs only a publisher may create them: then wait
/// (watching) until the first publish has, rather than giving up on the app. `false`: shutdown,
/// or `--once` with nothing published.
async fn ensure_app_nodes(
    zk: &Zk,
    settings: &AgentSettings,
    app: &str,
    shutdown: &mut Shutdown,
) -> Result<bool> {
    match zk.ensure_app(app).await {
        Ok(()) => return Ok(true),
        Err(Error::Zk {
            source: zkc::Error::NoAuth,
            context,
        }) => {
            if settings.once {
                tracing::info!(app, "not published yet ({context}: not authorized)");
                return Ok(false);
            }
            tracing::info!(
                app,
                "not published yet, and creating its nodes needs publisher credentials \
                 ({context}: not authorized); waiting for the first publish"
            );
        }
        Err(e) => return Err(e),
    }
    'again: loop {
        for dir in zk.layout.app_dirs(app) {
            let (stat, watcher) = zk
                .client
                .check_and_watch_stat(&dir)
                .await
                .zk_context(|| format!("watching {dir}"))?;
            if stat.is_some() {
                continue;
            }
            tokio::select! {
                _ = watcher.changed() => {}
                _ = shutdown_at(shutdown, 1) => return Ok(false),
            }
            continue 'again;
        }
        tracing::info!(app, "published: serving it");
        return Ok(true);
    }
}

async fn serve_app(reload: Reload, zk: Zk, app: String, mut shutdown: Shutdown) -> AppResult {
    loop {
        let result = serve_app_inner(&reload, &zk, &app, &mut shutdown).await;
        if let Err(e) = &result {
            tracing::error!(app, "{e}");
            // ZooKeeper trouble (e.g. the session expired while we were frozen) must not drop
            // the app: try again; when the session is gone, the session loop replaces this task
            // with one on a new session.
            let once = reload.borrow().once;
            if matches!(e, Error::Zk { .. }) && !once && *shutdown.borrow() == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    _ = shutdown_at(&mut shutdown, 1) => {}
                }
            }
        }
        return (app, result);
    }
}

async fn serve_app_inner(
    reload: &Reload,
    zk: &Zk,
    app: &str,
    shutdown: &mut Shutdown,
) -> Result<Option<HostStatus>> {
    let settings = reload.borrow().clone();
    // Once per session: the app's directories (later passes only re-check the presence node).
    if !ensure_app_nodes(zk, &settings, app, shutdown).await? {
        return Ok(None);
    }
    if !register(zk, &settings, app, shutdown).await? {
        return Ok(None);
    }
    zk.ensure_status_node(app, &settings.host).await?;
    // Our status as we last wrote or read it: nobody else writes it while our presence stands,
    // so it is read once per session, not at every pass.
    let mut known: Option<Option<HostStatus>> = Some(zk.status_of(app, &settings.host).await?);
    // The presence self-check runs on every pass except the one right after a rollout (the
    // rollout just proved the session and its nodes alive).
    let mut check_presence = false;
    loop {
        if *shutdown.borrow() > 0 {
            return zk.status_of(app, &settings.host).await;
        }
        // The newest settings for each pass (SIGHUP).
        let settings = reload.borrow().clone();
        // Self-check: our presence must still exist (a hand-deleted node, a server restored from
        // an old snapshot); registering again is a no-op when it does.
        if check_presence && !register(zk, &settings, app, shutdown).await? {
            continue;
        }
        check_presence = true;
        let step = serve_once(&settings, zk, app, &mut known, shutdown).await;
        let (watcher, wake) = match step {
            Ok(Step::Done(st)) => return Ok(*st),
            Ok(Step::Again) => {
                check_presence = false;
                continue;
            }
            Ok(Step::Wait(w, wake)) => (w, wake),
            Err(e) if settings.once => return Err(e),
            Err(e @ Error::Zk { .. }) => {
                // Connection trouble is the session loop's business; anything else: retry soon.
                tracing::warn!(app, "{e}");
                known = None;
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            Err(e) => {
                tracing::error!(app, "{e}");
                known = None;
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        // Look again at least once per session timeout (the presence self-check above), and
        // when a freeze or deploy window holding the release ends.
        let look_again = wake
            .and_then(|t| t.duration_since(SystemTime::now()).ok())
            .map_or(settings.zk.session_timeout, |d| {
                // Just past the end: the hold is judged again at a time it no longer covers.
                settings
                    .zk
                    .session_timeout
                    .min(d + Duration::from_millis(50))
            });
        tokio::select! {
            _ = watcher.changed() => {}
            _ = shutdown_at(shutdown, 1) => {}
            _ = tokio::time::sleep(look_again) => {}
        }
    }
}

/// Record that this host refuses `spec` (once per release and reason): nothing runs, no slot
/// is taken, and the wait names the refusal.
async fn refuse(
    settings: &AgentSettings,
    zk: &Zk,
    spec: &crate::model::ReleaseSpec,
    status: Option<HostStatus>,
    refusal: &crate::signing::Refusal,
) -> Result<Option<HostStatus>> {
    let message = format!("refused: {refusal}");
    if let Some(st) = &status
        && st.release == spec.release
        && st.state == crate::model::HostState::Refused
        && st.message == message
    {
        return Ok(status);
    }
    tracing::error!(app = %spec.app, release = spec.release, "{message}");
    let now = crate::model::now_rfc3339();
    let st = HostStatus {
        host: settings.host.clone(),
        release: spec.release,
        version: spec.version.clone(),
        state: crate::model::HostState::Refused,
        message,
        finished_at: Some(now.clone()),
        updated_at: now,
        ..Default::default()
    };
    zk.write_status(&spec.app, &st, None).await?;
    Ok(Some(st))
}

enum Step {
    /// `--once`: finished, with this final status.
    Done(Box<Option<HostStatus>>),
    /// Look again straight away.
    Again,
    /// Nothing to do until this fires, or until the hold on the release ends (then).
    Wait(crate::zk::OneshotWatcher, Option<SystemTime>),
}

async fn serve_once(
    settings: &AgentSettings,
    zk: &Zk,
    app: &str,
    known: &mut Option<Option<HostStatus>>,
    shutdown: &mut Shutdown,
) -> Result<Step> {
    let (read, watcher) = zk.read_spec_watched(app).await?;
    let spec = match read {
        SpecRead::Missing if settings.once => return Ok(Step::Done(Box::new(None))),
        SpecRead::Missing => return Ok(Step::Wait(watcher, None)),
        SpecRead::Invalid(e) if settings.once => return Err(e),
        SpecRead::Invalid(e) => {
            // Never run anything from a spec that fails validation; keep serving other apps.
            tracing::error!(app, "refusing release: {e}");
            return Ok(Step::Wait(watcher, None));
        }
        SpecRead::Spec(s) => *s,
    };
    let status = match known.take() {
        Some(st) => st,
        None => zk.status_of(app, &settings.host).await?,
    };
    // Before anything else — rendering, the ledger, a slot — the signature (docs/security.md).
    let verified = match trust::admit(settings, app, &spec) {
        Ok(v) => v,
        Err(refusal) => {
            let st = refuse(settings, zk, &spec, status, &refusal).await?;
            *known = Some(st.clone());
            return Ok(if settings.once {
                Step::Done(Box::new(st))
            } else {
                Step::Wait(watcher, None)
            });
        }
    };
    // A halt recorded only in the ledger (ACLs) counts like one in the app node. Only a host
    // that would roll the release out needs to know: one done with it waits anyway.
    let mut spec = spec;
    if decide::next_action(&spec, &settings.host, status.as_ref(), &settings.groups)
        == decide::Action::Rollout
    {
        let ledger = match zk.read_ledger(app, spec.release).await {
            Ok(l) => l.map(|(l, _)| l),
            Err(e @ Error::Invalid { .. }) => {
                tracing::warn!(app, "{e}");
                None
            }
            Err(e) => {
                *known = Some(status);
                return Err(e);
            }
        };
        spec.state = crate::policy::effective_state(&spec, ledger.as_ref());
    }
    match decide::next_action(&spec, &settings.host, status.as_ref(), &settings.groups) {
        decide::Action::Wait(reason) => {
            tracing::debug!(app, release = spec.release, "{reason}");
            // Done with the release here: the finalize command may be due (or its claimer gone).
            if status
                .as_ref()
                .is_some_and(|st| st.release == spec.release && st.state.is_terminal())
            {
                finalize::run_if_due(settings, zk, &spec, shutdown).await?;
                gates::step_checks_if_due(settings, zk, &spec, shutdown).await?;
            }
            // A host left mid-way (waiting for a slot, or interrupted) shows why it stopped, so
            // `status` and the waiter tell what the agent log knows.
            if let Some(st) = status.as_ref().filter(|st| {
                st.release == spec.release
                    && !st.state.is_terminal()
                    && !st.message.ends_with(reason)
            }) {
                let mut st = st.clone();
                st.message = format!("not going on: {reason}");
                st.updated_at = crate::model::now_rfc3339();
                zk.write_status(app, &st, None).await?;
                *known = Some(Some(st));
            } else {
                *known = Some(status.clone());
            }
            if settings.once {
                Ok(Step::Done(Box::new(status)))
            } else {
                let wake = crate::policy::hold_ends(&spec, SystemTime::now());
                Ok(Step::Wait(watcher, wake))
            }
        }
        decide::Action::Rollout => {
            drop(watcher);
            if let Some(v) = &verified {
                trust::note_ran(settings, app, v)?;
            }
            let last = rollout::run(settings, zk, &spec, status.as_ref(), shutdown).await?;
            // What the rollout wrote last is the node's content (None: it wrote nothing).
            *known = Some(last.or(status));
            finalize::run_if_due(settings, zk, &spec, shutdown).await?;
            Ok(Step::Again)
        }
    }
}
