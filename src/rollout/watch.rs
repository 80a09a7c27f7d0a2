//! The `wait-for-rollout` runner: keeps a picture of the app current through one persistent
//! recursive ZooKeeper watch (no sleep-polling), asks `wait::evaluate` after every change, and
//! emits events for reporters.

use std::collections::BTreeMap;

use futures::FutureExt;
use std::time::{Duration, Instant, SystemTime};

use zookeeper_client as zkc;

use super::Absence;
use super::events::WaitEvent;
use super::summary::RolloutSummary;
use super::wait::{self, Facts, Verdict, WaitResult};
use crate::error::{Error, Result};
use crate::model::EventSink;
use crate::model::{HostState, HostStatus, Presence, ReleaseSpec, format_time, now_rfc3339};
use crate::policy;
use crate::validate;
use crate::zk::watch::{PersistentWatch, WatchEvent};
use crate::zk::{self, Zk, ZkOptions};

/// Which release to wait for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Latest,
    Version(String),
    Release(u64),
}

#[derive(Debug, Clone)]
pub struct WaitOptions {
    pub app: String,
    pub target: Target,
    pub timeout: Duration,
    pub expect_hosts: Option<usize>,
    /// Progress heartbeat (and a full re-read as a safety net against missed watch events).
    pub heartbeat: Duration,
    /// End with `paused` as soon as the release waits at a manual gate.
    pub until_gate: bool,
}

/// What we know about the app, kept current from watch events.
#[derive(Debug, Default)]
struct Snapshot {
    current: Option<ReleaseSpec>,
    /// Registered agents and their groups.
    registered: BTreeMap<String, Vec<String>>,
    /// Session timeouts the registered agents announced (for their grace when they go).
    sessions: BTreeMap<String, Option<Duration>>,
    /// The target release's ledger.
    ledger: Option<crate::model::Ledger>,
    /// Why the ledger could not be read (garbage in it): the hosts cannot go on.
    ledger_error: Option<String>,
    statuses: BTreeMap<String, HostStatus>,
}

async fn read_current(zk: &Zk, app: &str) -> Result<Option<ReleaseSpec>> {
    match zk.read_spec(app).await {
        Ok(s) => Ok(s.map(|(s, _)| s)),
        // Someone wrote garbage into the app node: it is not our release any more.
        Err(e @ Error::Invalid { .. }) => {
            tracing::warn!("{e}");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

impl Snapshot {
    async fn load(zk: &Zk, app: &str, release: u64) -> Result<Self> {
        let current = read_current(zk, app).await?;
        let hosts = zk.hosts(app).await?;
        let sessions = hosts
            .iter()
            .map(|(h, p)| (h.clone(), p.as_ref().and_then(session_timeout)))
            .collect();
        let registered = hosts
            .into_iter()
            .map(|(h, p)| (h, p.map(|p| p.groups).unwrap_or_default()))
            .collect();
        let statuses = zk
            .statuses(app)
            .await?
            .into_iter()
            .filter_map(|(h, r)| r.ok().map(|s| (h, s)))
            .collect();
        let (ledger, ledger_error) = read_ledger(zk, app, release).await?;
        Ok(Snapshot {
            current,
            registered,
            sessions,
            statuses,
            ledger,
            ledger_error,
        })
    }

    /// Update from one node event under the app.
    async fn apply(
        &mut self,
        zk: &Zk,
        app: &str,
        release: u64,
        ev: &zkc::WatchedEvent,
    ) -> Result<()> {
        let app_path = zk.layout.app(app);
        if ev.path == zk.ledger_path(app, release) {
            (self.ledger, self.ledger_error) = read_ledger(zk, app, release).await?;
            return Ok(());
        }
        let hosts = format!("{}/", zk.layout.hosts(app));
        let statuses = format!("{}/", zk.layout.statuses(app));
        let deleted = ev.event_type == zkc::EventType::NodeDeleted;
        if ev.path == app_path {
            self.current = if deleted {
                None
            } else {
                read_current(zk, app).await?
            };
        } else if let Some(host) = ev.path.strip_prefix(&hosts) {
            if validate::host_name(host).is_ok() {
                if deleted {
                    self.registered.remove(host);
                } else {
                    let presence = match zk.client.get_data(&ev.path).await {
                        Ok((data, _)) => serde_json::from_slice::<Presence>(&data).ok(),
                        // Gone again already: the deletion event follows.
                        Err(zkc::Error::NoNode) => return Ok(()),
                        Err(e) => return Err(Error::zk(format!("reading {}", ev.path), e)),
                    };
                    self.sessions.insert(
                        host.to_string(),
                        presence.as_ref().and_then(session_timeout),
                    );
                    self.registered.insert(
                        host.to_string(),
                        presence.map(|p| p.groups).unwrap_or_default(),
                    );
                }
            }
        } else if let Some(host) = ev.path.strip_prefix(&statuses) {
            let read = if deleted {
                None
            } else {
                zk.status_of(app, host).await?
            };
            match read {
                Some(st) if st.host == host => {
                    self.statuses.insert(host.to_string(), st);
                }
                _ => {
                    self.statuses.remove(host);
                }
            }
        }
        Ok(())
    }

    /// Registered agents that take part in `target` (its groups and hosts).
    fn registered_for(&self, target: &ReleaseSpec) -> Vec<String> {
        self.registered
            .iter()
            .filter(|(h, groups)| policy::takes_part(target, h, groups))
            .map(|(h, _)| h.clone())
            .collect()
    }

    /// The owned inputs `facts` borrows from.
    fn parts(&self, target: &ReleaseSpec, absences: &Absences) -> Parts {
        let now = SystemTime::now();
        Parts {
            statuses: self.statuses.values().cloned().collect(),
            registered: self.registered_for(target),
            absent: absences.now(now),
            now,
        }
    }

    fn facts<'a>(
        &'a self,
        target: &'a ReleaseSpec,
        parts: &'a Parts,
        opts: &WaitOptions,
    ) -> Facts<'a> {
        Facts {
            target,
            current: self.current.as_ref(),
            registered: &parts.registered,
            statuses: &parts.statuses,
            ledger: self.ledger.as_ref(),
            ledger_error: self.ledger_error.as_deref(),
            absent: &parts.absent,
            expect_hosts: opts.expect_hosts,
            until_gate: opts.until_gate,
            now: parts.now,
        }
    }
}

struct Parts {
    statuses: Vec<HostStatus>,
    registered: Vec<String>,
    absent: BTreeMap<String, Absence>,
    now: SystemTime,
}

/// The ledger, or why it cannot be used (connection trouble is still an error).
async fn read_ledger(
    zk: &Zk,
    app: &str,
    release: u64,
) -> Result<(Option<crate::model::Ledger>, Option<String>)> {
    match zk.read_ledger(app, release).await {
        Ok(l) => Ok((l.map(|(l, _)| l), None)),
        Err(e @ Error::Invalid { .. }) => Ok((None, Some(e.to_string()))),
        Err(e) => Err(e),
    }
}

fn session_timeout(p: &Presence) -> Option<Duration> {
    p.session_timeout_ms.map(Duration::from_millis)
}

/// Agents seen gone while their host was deploying the target release: since when, and the
/// session timeout each announced while present. Kept across snapshot reloads (a reconnection
/// must not restart anyone's clock).
#[derive(Debug, Default)]
struct Absences {
    since: BTreeMap<String, SystemTime>,
    sessions: BTreeMap<String, Option<Duration>>,
    /// Hosts whose agent this wait saw registered.
    seen: std::collections::BTreeSet<String>,
    /// Agents seen registered, gone before their host finished the target release, and not
    /// mid-deploy: since when. They stay targets for [`REJOIN_GRACE`] — a restarted agent
    /// registers again the moment its old session's presence is gone, and a verdict in between
    /// would leave it out (nemesis seed 1003).
    left: BTreeMap<String, SystemTime>,
}

/// How long a host whose agent left before finishing the release stays a target: enough for a
/// restarted agent to register again once its old session is gone.
pub const REJOIN_GRACE: Duration = Duration::from_secs(5);

impl Absences {
    fn observe(&mut self, snap: &Snapshot, release: u64) {
        let now = SystemTime::now();
        for (host, timeout) in &snap.sessions {
            if snap.registered.contains_key(host) {
                self.sessions.insert(host.clone(), *timeout);
            }
        }
        let gone: Vec<&String> = snap
            .statuses
            .values()
            .filter(|st| {
                st.release == release
                    && matches!(
                        st.state,
                        HostState::Deploying | HostState::Verifying | HostState::Baking
                    )
                    && !snap.registered.contains_key(&st.host)
            })
            .map(|st| &st.host)
            .collect();
        self.since.retain(|h, _| gone.contains(&h));
        for host in &gone {
            self.since.entry((*host).clone()).or_insert(now);
        }
        self.seen.extend(snap.registered.keys().cloned());
        let done = |h: &str| {
            snap.statuses
                .get(h)
                .is_some_and(|st| st.release == release && st.state.is_terminal())
        };
        let left: Vec<String> = self
            .seen
            .iter()
            .filter(|h| !snap.registered.contains_key(*h) && !gone.contains(h) && !done(h))
            .cloned()
            .collect();
        self.left.retain(|h, _| left.contains(h));
        for host in left {
            self.left.entry(host).or_insert(now);
        }
    }

    fn grace(&self, host: &str) -> Duration {
        Absence::grace_for(self.sessions.get(host).copied().flatten())
    }

    fn now(&self, now: SystemTime) -> BTreeMap<String, Absence> {
        let left = self.left.iter().map(|(h, since)| (h, since, REJOIN_GRACE));
        self.since
            .iter()
            .map(|(h, since)| (h, since, self.grace(h)))
            .chain(left)
            .map(|(h, since, grace)| {
                let gone_for = now.duration_since(*since).unwrap_or_default();
                (h.clone(), Absence { gone_for, grace })
            })
            .collect()
    }

    /// When the next absent host's grace runs out (the verdict may change then without any
    /// ZooKeeper event).
    fn next_expiry(&self) -> Option<Instant> {
        let now = SystemTime::now();
        let left = self.left.values().map(|since| *since + REJOIN_GRACE);
        self.since
            .iter()
            .map(|(h, since)| *since + self.grace(h))
            .chain(left)
            .map(|until| Instant::now() + until.duration_since(now).unwrap_or_default())
            .min()
    }
}

/// Pin the release to wait for.
pub async fn resolve_target(zk: &Zk, app: &str, target: &Target) -> Result<ReleaseSpec> {
    validate::app_name(app)?;
    let current = zk.read_spec(app).await?.map(|(s, _)| s);
    if current.is_none() {
        zk.require_app(app).await?;
    }
    if let Target::Version(v) = target {
        validate::version(v)?;
    }
    let matches = |s: &ReleaseSpec| match target {
        Target::Latest => true,
        Target::Release(id) => s.release == *id,
        Target::Version(v) => s.version == *v,
    };
    let found = match current.filter(|c| matches(c)) {
        Some(c) => Some(c),
        None if *target == Target::Latest => None,
        // Newest first: `--version` means the latest release of that version.
        None => zk
            .releases(app)
            .await?
            .into_iter()
            .rev()
            .find(|s| matches(s)),
    };
    found.ok_or_else(|| match target {
        Target::Latest => Error::invalid("app", app, "has no published release"),
        Target::Release(id) => Error::invalid("release", id, format!("no such release of {app}")),
        Target::Version(v) => Error::invalid(
            "version",
            v,
            format!("no release of {app} has this version"),
        ),
    })
}

/// One wait's state, kept across ZooKeeper sessions: the pinned release, the picture of the app,
/// who is absent since when, and which host states were already reported.
struct Waiter<'o> {
    target: ReleaseSpec,
    opts: &'o WaitOptions,
    deadline: Instant,
    started: SystemTime,
    snap: Snapshot,
    absences: Absences,
    changes: Changes,
}

impl Waiter<'_> {
    /// Read everything again (a new session, a resync, a heartbeat, a grace that ran out).
    async fn reload(&mut self, zk: &Zk) -> Result<()> {
        self.snap = Snapshot::load(zk, &self.opts.app, self.target.release).await?;
        self.absences.observe(&self.snap, self.target.release);
        Ok(())
    }

    fn parts(&self) -> Parts {
        self.snap.parts(&self.target, &self.absences)
    }

    /// The summary from what is known now.
    fn summarize(
        &self,
        result: WaitResult,
        message: String,
        superseded_by: Option<u64>,
    ) -> RolloutSummary {
        let parts = self.parts();
        let facts = self.snap.facts(&self.target, &parts, self.opts);
        let hosts = wait::with_ledger_failures(wait::targets(&facts), &facts);
        let counts = wait::counts(&hosts);
        let failed_hosts = wait::failed_hosts(&hosts);
        let now = SystemTime::now();
        RolloutSummary {
            app: self.target.app.clone(),
            version: self.target.version.clone(),
            release: self.target.release,
            result,
            message,
            superseded_by,
            started_at: format_time(self.started),
            finished_at: format_time(now),
            duration_ms: now
                .duration_since(self.started)
                .unwrap_or_default()
                .as_millis() as u64,
            source: self.target.source.clone(),
            counts,
            failed_hosts,
            hosts,
            finalize: finalize_view(&self.target, self.snap.ledger.as_ref()),
        }
    }

    /// An agent halted the release but could not publish its auto-rollback (ACLs): publish it
    /// here. Whoever's write lands first wins, the others find it done. `Some` ends the wait.
    async fn publish_pending_rollback(&mut self, zk: &Zk) -> Result<Option<RolloutSummary>> {
        let (app, release) = (&self.opts.app, self.target.release);
        match zk
            .rollback_halted(app, release, "auto-rollback (wait-for-rollout)")
            .await
        {
            Ok(Some(rb)) => tracing::warn!(
                app,
                "published release {} to roll back halted release {release}",
                rb.release
            ),
            Ok(None) => {}
            Err(e) => {
                let message = format!(
                    "release {release} halted; its auto-rollback is pending and could not be published here: {e}"
                );
                return Ok(Some(self.summarize(WaitResult::Failed, message, None)));
            }
        }
        self.reload(zk).await?;
        Ok(None)
    }

    fn rollback_pending(&self) -> bool {
        self.snap
            .ledger
            .as_ref()
            .is_some_and(|l| l.rollback_pending)
            && self
                .snap
                .current
                .as_ref()
                .is_some_and(|c| c.release == self.target.release)
    }

    /// Report changed host states; `Some` when the outcome is known.
    fn evaluate(&mut self, reporter: &mut dyn EventSink<WaitEvent>) -> Option<RolloutSummary> {
        self.absences.observe(&self.snap, self.target.release);
        let parts = self.parts();
        let facts = self.snap.facts(&self.target, &parts, self.opts);
        self.changes.emit(&facts, reporter);
        match wait::evaluate(&facts) {
            Verdict::Done {
                result,
                message,
                superseded_by,
            } => Some(self.summarize(result, message, superseded_by)),
            Verdict::Pending => None,
        }
    }

    fn heartbeat(&self, reporter: &mut dyn EventSink<WaitEvent>) {
        let parts = self.parts();
        let facts = self.snap.facts(&self.target, &parts, self.opts);
        let views = wait::targets(&facts);
        reporter.emit(&WaitEvent::Heartbeat {
            at: now_rfc3339(),
            elapsed_ms: SystemTime::now()
                .duration_since(self.started)
                .unwrap_or_default()
                .as_millis() as u64,
            counts: wait::counts(&views),
            pending: wait::pending_reason(&facts),
        });
    }

    fn timed_out(&self) -> RolloutSummary {
        let parts = self.parts();
        let facts = self.snap.facts(&self.target, &parts, self.opts);
        let message = format!(
            "timed out after {}: {}",
            humantime::format_duration(self.opts.timeout),
            wait::pending_reason(&facts)
        );
        self.summarize(WaitResult::TimedOut, message, None)
    }
}

/// The finalize hook as the summary shows it: the ledger's record, or `pending`.
fn finalize_view(
    target: &ReleaseSpec,
    ledger: Option<&crate::model::Ledger>,
) -> Option<crate::model::HookRun> {
    let ledger = ledger.filter(|l| l.release == target.release);
    if !policy::hooks::finalize_expected(target, ledger) {
        return None;
    }
    Some(
        ledger
            .and_then(|l| l.finalize.clone())
            .unwrap_or(crate::model::HookRun {
                host: String::new(),
                state: crate::model::HookState::Pending,
                started_at: None,
                finished_at: None,
                exit_code: None,
                message: String::new(),
            }),
    )
}

/// Tracks per-host state (and the gate) to emit one event per change.
#[derive(Default)]
struct Changes {
    seen: BTreeMap<String, HostState>,
    /// The step index of the gate last announced: a timed gate's text (its `until`) may move
    /// while no agent has written the step down yet, the gate is announced once.
    gate: Option<usize>,
    finalize: Option<crate::model::HookState>,
}

impl Changes {
    fn emit(&mut self, facts: &Facts<'_>, reporter: &mut dyn EventSink<WaitEvent>) {
        let gate = wait::step_position(facts).filter(|p| p.at_gate());
        let index = gate.as_ref().map(|p| p.index);
        if index != self.gate {
            if let Some(p) = &gate {
                reporter.emit(&WaitEvent::Gate {
                    at: now_rfc3339(),
                    step: p.index + 1,
                    of: p.total,
                    message: p.describe(&facts.target.app),
                });
            }
            self.gate = index;
        }
        if let Some(run) = finalize_view(facts.target, facts.ledger)
            && run.state != crate::model::HookState::Pending
            && self.finalize != Some(run.state)
        {
            self.finalize = Some(run.state);
            reporter.emit(&WaitEvent::Finalize {
                at: now_rfc3339(),
                finalize: run,
            });
        }
        let release = facts.target.release;
        let views = wait::targets(facts);
        let total = views.len();
        let done = views.iter().filter(|v| v.state.is_success()).count();
        let active: Vec<String> = views
            .iter()
            .filter(|v| {
                matches!(
                    v.state,
                    HostState::Deploying | HostState::Verifying | HostState::Baking
                )
            })
            .map(|v| v.host.clone())
            .collect();
        for v in &views {
            let state = v.state;
            let previous = self.seen.insert(v.host.clone(), state);
            if previous == Some(state) || (previous.is_none() && state == HostState::Idle) {
                continue;
            }
            reporter.emit(&WaitEvent::Host {
                at: now_rfc3339(),
                host: v.host.clone(),
                state,
                previous,
                message: if v.release == Some(release) {
                    v.message.clone()
                } else {
                    String::new()
                },
                done,
                total,
                active: active.clone(),
            });
        }
    }
}

/// Wait for the rollout's outcome. `Ok` carries every outcome including failure and timeout;
/// `Err` is bad input or ZooKeeper trouble that outlasted the timeout.
pub async fn wait(
    zk_opts: &ZkOptions,
    opts: &WaitOptions,
    reporter: &mut dyn EventSink<WaitEvent>,
) -> Result<RolloutSummary> {
    let started = SystemTime::now();
    let deadline = Instant::now() + opts.timeout;
    let first = zk::connect(zk_opts).await?;
    let target = resolve_target(&first, &opts.app, &opts.target).await?;
    reporter.emit(&WaitEvent::Started {
        at: now_rfc3339(),
        app: target.app.clone(),
        release: target.release,
        version: target.version.clone(),
    });
    let mut waiter = Waiter {
        target,
        opts,
        deadline,
        started,
        snap: Snapshot::default(),
        absences: Absences::default(),
        changes: Changes::default(),
    };
    let mut session = Some(first);
    loop {
        let zk = match session.take() {
            Some(z) => z,
            None => {
                let mut o = zk_opts.clone();
                o.connect_timeout = deadline
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(100));
                match zk::connect(&o).await {
                    Ok(z) => z,
                    Err(e) if Instant::now() >= deadline => return Err(e),
                    Err(e) => {
                        tracing::warn!("{e}; retrying");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        continue;
                    }
                }
            }
        };
        let outcome = watch_session(&zk, &mut waiter, reporter).await;
        match outcome {
            Ok(summary) => {
                reporter.emit(&WaitEvent::Finished {
                    at: summary.finished_at.clone(),
                    result: summary.result,
                    message: summary.message.clone(),
                });
                return Ok(summary);
            }
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(e) => {
                tracing::warn!("{e}; reconnecting");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// One ZooKeeper session's worth of waiting. `Err` means: reconnect (if time remains).
async fn watch_session(
    zk: &Zk,
    w: &mut Waiter<'_>,
    reporter: &mut dyn EventSink<WaitEvent>,
) -> Result<RolloutSummary> {
    let app_path = zk.layout.app(&w.opts.app);
    // Watch first, then read: nothing that happens after the read is missed.
    let mut watcher = PersistentWatch::new(
        &zk.client,
        &app_path,
        zkc::AddWatchMode::PersistentRecursive,
    )
    .await?;
    w.reload(zk).await?;
    let every = w.opts.heartbeat;
    let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let mut rollback_tried = false;
    loop {
        if w.rollback_pending() && !rollback_tried {
            // Once per wait session: a failure to publish it is reported, not retried.
            rollback_tried = true;
            if let Some(summary) = w.publish_pending_rollback(zk).await? {
                return Ok(summary);
            }
            continue;
        }
        // Apply the events that have arrived before judging. A read that saw a change returns
        // after that change's events (ZooKeeper's order): a reload that read one host's status
        // before a multi-op (final status + ledger + halt) and the ledger after it has the
        // status event queued here, and must not report the halt with the stale status.
        while let Some(ev) = watcher.next().now_or_never() {
            match ev? {
                WatchEvent::Node(ev) => {
                    w.snap.apply(zk, &w.opts.app, w.target.release, &ev).await?
                }
                WatchEvent::Resynced => w.reload(zk).await?,
            }
        }
        if let Some(summary) = w.evaluate(reporter) {
            return Ok(summary);
        }
        let grace_over = w.absences.next_expiry();
        tokio::select! {
            ev = watcher.next() => match ev? {
                WatchEvent::Node(ev) => w.snap.apply(zk, &w.opts.app, w.target.release, &ev).await?,
                // Events during a disconnection are lost: rebuild the picture.
                WatchEvent::Resynced => w.reload(zk).await?,
            },
            // An absent agent's grace ran out: it may be `lost` now. Calling a host lost is
            // final: decide on a fresh read, not on watch events alone.
            _ = async { match grace_over { Some(t) => tokio::time::sleep_until(t.into()).await, None => std::future::pending().await } } => {
                w.reload(zk).await?;
            }
            _ = heartbeat.tick() => {
                w.reload(zk).await?;
                w.heartbeat(reporter);
            }
            _ = tokio::time::sleep_until(w.deadline.into()) => return Ok(w.timed_out()),
        }
    }
}
