//! What the commands do, without clap: `status`, `history`, `apps`, `pause|resume|abort`,
//! `rollback` and `publish` as functions of a ZooKeeper session. `cmd/` prints their results
//! and `serve/` answers HTTP with them, so the CLI and the web page take the same code paths
//! and print the same JSON (docs/schema/).

use std::time::SystemTime;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{HostStatus, Ledger, ReleaseSpec, ReleaseState};
use crate::policy::{self, retention, steps, steps::Position};
use crate::render;
use crate::rollout::{HostView, host_views};
use crate::validate;
use crate::zk::{self, store::Published};

/// Who publishes: the CI user (GitHub, Jenkins) or the login user, at this host.
pub fn publisher() -> String {
    let user = std::env::var("GITHUB_ACTOR")
        .or_else(|_| std::env::var("BUILD_USER_ID"))
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into());
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    format!("{user}@{host}")
}

// ---------------------------------------------------------------------------------------------
// status

/// An app's state as `status` shows it: the current release (secrets masked), every host, the
/// slot queue and the status nodes that could not be read.
#[derive(Debug)]
pub struct StatusReport {
    pub app: String,
    pub spec: Option<ReleaseSpec>,
    /// Where a running stepped release (`--steps`, `--canary`) stands.
    pub step: Option<Position>,
    pub hosts: Vec<HostView>,
    pub slots: Vec<SlotView>,
    pub unreadable: Vec<Unreadable>,
    /// What the one judge (`policy::verdict`) says of the current release now.
    pub verdict: Option<VerdictView>,
}

/// The judge's verdict on the current release, as `status` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct VerdictView {
    /// `succeeded`, `failed`, `aborted`, `rolled_back`, `superseded` or `in_progress`.
    pub result: &'static str,
    pub message: String,
}

impl VerdictView {
    pub fn of(j: &crate::policy::verdict::Judgement, pending: impl FnOnce() -> String) -> Self {
        use crate::policy::verdict::Judgement as J;
        let message = match j {
            J::Succeeded { message, .. }
            | J::Failed { message }
            | J::Aborted { message }
            | J::RolledBack { message }
            | J::Superseded { message, .. } => message.clone(),
            J::InProgress { .. } => pending(),
        };
        VerdictView {
            result: j.name(),
            message,
        }
    }
}

/// The JSON printed by `status --output json` (docs/output.md, docs/schema/).
#[derive(Debug, Serialize)]
pub struct StatusOutput<'a> {
    pub app: &'a str,
    /// The current release's id, version and spec; left out while nothing is published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<serde_json::Value>,
    /// Where a stepped release (`--steps`, `--canary`) stands: the step, the gate it waits at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<serde_json::Value>,
    pub hosts: &'a [HostView],
    /// Slot leases in queue order: who holds, who waits.
    pub slots: &'a [SlotView],
    /// Status nodes that could not be read (planted or corrupt data).
    pub unreadable: &'a [Unreadable],
    /// The judge's verdict on the current release (left out while nothing is published).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<&'a VerdictView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlotView {
    pub lease: String,
    /// Left out when the lease's data cannot be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<crate::zk::semaphore::LeaseState>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Unreadable {
    pub host: String,
    pub error: String,
}

impl StatusReport {
    pub fn output(&self) -> StatusOutput<'_> {
        StatusOutput {
            app: &self.app,
            release: self.spec.as_ref().map(|s| s.release),
            version: self.spec.as_ref().map(|s| s.version.as_str()),
            spec: self.spec.as_ref().map(crate::output::views::spec),
            step: self
                .step
                .as_ref()
                .map(|p| crate::output::views::step(p, &self.app)),
            hosts: &self.hosts,
            slots: &self.slots,
            unreadable: &self.unreadable,
            verdict: self.verdict.as_ref(),
        }
    }

    /// Slot leases currently held (granted), and the release's slot count.
    pub fn slots_in_use(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| s.state == Some(crate::zk::semaphore::LeaseState::Holding))
            .count()
    }
}

pub async fn status(zk: &zk::Zk, app: &str) -> Result<StatusReport> {
    validate::app_name(app)?;
    let spec = zk.read_spec(app).await?.map(|(s, _)| s.redacted());
    if spec.is_none() {
        // Hosts registered before the first publish are worth showing; a typo is not.
        zk.require_app(app).await?;
    }
    let registered: Vec<String> = zk.hosts(app).await?.into_iter().map(|(h, _)| h).collect();
    let mut statuses: Vec<HostStatus> = vec![];
    let mut unreadable = vec![];
    for (host, read) in zk.statuses(app).await? {
        match read {
            Ok(st) => statuses.push(st),
            Err(e) => unreadable.push(Unreadable {
                host,
                error: e.to_string(),
            }),
        }
    }
    let now = SystemTime::now();
    let hosts = host_views(
        spec.as_ref(),
        &registered,
        &statuses,
        &Default::default(),
        now,
    );
    let ledger = match &spec {
        Some(s) => match zk.read_ledger(app, s.release).await {
            Ok(l) => l.map(|(l, _)| l),
            // Garbage in the ledger is the waiter's and the agents' to report.
            Err(Error::Invalid { .. }) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    let verdict = spec.as_ref().map(|s| {
        let facts = crate::rollout::wait::Facts {
            target: s,
            current: Some(s),
            registered: &registered,
            statuses: &statuses,
            ledger: ledger.as_ref(),
            ledger_error: None,
            absent: &Default::default(),
            expect_hosts: None,
            until_gate: false,
            now,
        };
        VerdictView::of(&crate::rollout::wait::judgement(&facts), || {
            crate::rollout::wait::pending_reason(&facts)
        })
    });
    let slots = zk
        .leases(app)
        .await?
        .into_iter()
        .map(|(lease, d)| SlotView {
            lease,
            host: d.as_ref().map(|d| d.host.clone()),
            state: d.map(|d| d.state),
        })
        .collect();
    let step = spec
        .as_ref()
        .and_then(|s| policy::verdict::running_position(s, Some(s), ledger.as_ref(), now));
    Ok(StatusReport {
        app: app.to_string(),
        spec,
        step,
        hosts,
        slots,
        unreadable,
        verdict,
    })
}

// ---------------------------------------------------------------------------------------------
// apps

/// One app in `apps --output json`.
#[derive(Debug, Clone, Serialize)]
pub struct AppRow {
    pub app: String,
    // Left out while nothing (readable) is published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    pub hosts: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub async fn apps(zk: &zk::Zk) -> Result<Vec<AppRow>> {
    let mut rows = vec![];
    for app in zk.list_apps().await? {
        let hosts = zk.hosts(&app).await?.len();
        let (spec, error) = match zk.read_spec(&app).await {
            Ok(s) => (s.map(|(s, _)| s), None),
            Err(e @ Error::Invalid { .. }) => (None, Some(e.to_string())),
            Err(e) => return Err(e),
        };
        rows.push(AppRow {
            release: spec.as_ref().map(|s| s.release),
            version: spec.as_ref().map(|s| s.version.clone()),
            state: spec.as_ref().map(|s| s.state.to_string()),
            app,
            hosts,
            error,
        });
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// history

/// One release with what became of it (secrets masked).
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub spec: ReleaseSpec,
    pub ledger: Option<Ledger>,
    pub outcome: String,
    /// The running release's step and gate (`--steps`, `--canary`).
    pub step: Option<Position>,
}

impl HistoryEntry {
    /// The release's state: the ledger's (kept after the release stopped being current).
    pub fn state(&self) -> ReleaseState {
        self.ledger.as_ref().map_or(self.spec.state, |l| l.state)
    }
}

/// The ledger's host lists in name order (they are kept in the order hosts finished), so the
/// output is the same for the same outcome.
fn sorted_hosts(mut l: Ledger) -> Ledger {
    for list in [
        &mut l.healthy,
        &mut l.current,
        &mut l.failed,
        &mut l.canaries,
    ] {
        list.sort();
    }
    l
}

/// Every release, oldest first.
pub async fn history(zk: &zk::Zk, app: &str) -> Result<Vec<HistoryEntry>> {
    validate::app_name(app)?;
    let history: Vec<_> = zk
        .history(app)
        .await?
        .into_iter()
        .map(|(s, l)| (s.redacted(), l.map(sorted_hosts)))
        .collect();
    if history.is_empty() {
        zk.require_app(app).await?;
    }
    let newest = history.last().map_or(0, |(s, _)| s.release);
    Ok(history
        .into_iter()
        .map(|(spec, ledger)| {
            let step = history_position(&spec, ledger.as_ref(), newest);
            let mut outcome = policy::outcome(&spec, ledger.as_ref(), newest);
            if let Some(p) = &step {
                outcome = format!("{}; {outcome}", p.describe(&spec.app));
            }
            HistoryEntry {
                outcome,
                spec,
                ledger,
                step,
            }
        })
        .collect())
}

/// Where a running stepped release stands (the newest release, active).
fn history_position(spec: &ReleaseSpec, ledger: Option<&Ledger>, newest: u64) -> Option<Position> {
    let l = ledger?;
    if spec.release != newest || policy::effective_state(spec, Some(l)) != ReleaseState::Active {
        return None;
    }
    steps::position(&steps::plan(spec), l, SystemTime::now())
}

/// `history --output json` (docs/schema/history.schema.json).
pub fn history_json(app: &str, entries: &[HistoryEntry]) -> serde_json::Value {
    let releases: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            let mut m = serde_json::json!({
                "release": e.spec.release,
                "version": e.spec.version,
                "outcome": e.outcome,
                "spec": crate::output::views::spec(&e.spec),
            });
            if let Some(l) = &e.ledger {
                m["ledger"] = serde_json::to_value(l).unwrap_or_default();
            }
            if let Some(p) = &e.step {
                m["step"] = crate::output::views::step(p, &e.spec.app);
            }
            m
        })
        .collect();
    serde_json::json!({ "app": app, "releases": releases })
}

// ---------------------------------------------------------------------------------------------
// promote

/// `promote --output json` (docs/schema/promote.schema.json).
#[derive(Debug, Serialize)]
pub struct PromoteOutput {
    pub app: String,
    pub release: u64,
    pub version: String,
    pub message: String,
    /// Where the release stands now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<serde_json::Value>,
}

/// Pass the gate the current stepped release waits at (`all`: every gate left). `release`:
/// only if that is still the current release; `step` (1-based): only if it still waits at that
/// step (without it, at the step it waits at when this is first read).
pub async fn promote(
    zk: &zk::Zk,
    app: &str,
    release: Option<u64>,
    step: Option<usize>,
    all: bool,
    approver: Option<&crate::signing::Signer>,
) -> Result<PromoteOutput> {
    validate::app_name(app)?;
    let by = publisher();
    let (spec, message) = zk
        .promote(app, release, step, all, approver.map(|s| (s, by.as_str())))
        .await?;
    if approver.is_none() && spec.signature.is_some() {
        tracing::warn!(
            "{app} release {} is signed: agents that require signatures pass a gate only with a \
             signed promote (`deployctl promote {app} --sign-key KEY --step N` signs a passed gate)",
            spec.release
        );
    }
    let ledger = zk.read_ledger(app, spec.release).await?;
    let step = ledger.and_then(|(l, _)| {
        steps::position(&steps::plan(&spec), &l, SystemTime::now())
            .map(|p| steps::with_approvals(p, &spec, &l))
            .map(|p| crate::output::views::step(&p, &spec.app))
    });
    Ok(PromoteOutput {
        app: spec.app,
        release: spec.release,
        version: spec.version,
        message,
        step,
    })
}

// ---------------------------------------------------------------------------------------------
// pause, resume, abort

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// No new slot is granted; running deploys finish.
    Pause,
    Resume,
    /// Stop the release for good.
    Abort,
}

impl Control {
    /// (allowed current states, new state, past tense)
    fn transition(self) -> (&'static [ReleaseState], ReleaseState, &'static str) {
        match self {
            Control::Pause => (&[ReleaseState::Active], ReleaseState::Paused, "paused"),
            Control::Resume => (&[ReleaseState::Paused], ReleaseState::Active, "resumed"),
            Control::Abort => (
                &[
                    ReleaseState::Active,
                    ReleaseState::Paused,
                    ReleaseState::Halted,
                ],
                ReleaseState::Aborted,
                "aborted",
            ),
        }
    }

    /// "paused", "resumed", "aborted".
    pub fn done(self) -> &'static str {
        self.transition().2
    }
}

/// The JSON printed by `pause|resume|abort --output json`.
#[derive(Debug, Serialize)]
pub struct ControlOutput<'a> {
    pub app: &'a str,
    pub release: u64,
    pub version: &'a str,
    pub state: ReleaseState,
    /// The app's deploy freeze, while one is set (`deployctl freeze`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub freeze: Option<&'a crate::model::Freeze>,
}

impl<'a> ControlOutput<'a> {
    pub fn new(spec: &'a ReleaseSpec) -> Self {
        ControlOutput {
            app: &spec.app,
            release: spec.release,
            version: &spec.version,
            state: spec.state,
            freeze: spec.freeze.as_ref(),
        }
    }
}

/// Change the current release's state; returns the release as it now is.
pub async fn control(zk: &zk::Zk, app: &str, control: Control) -> Result<ReleaseSpec> {
    validate::app_name(app)?;
    let (from, to, _) = control.transition();
    zk.set_release_state(app, from, to, None).await
}

// ---------------------------------------------------------------------------------------------
// rollback

/// Publish an earlier release again, marked as a rollback (`to`: a version; default the
/// newest earlier good release with another version). `by` names who asked. `of`: only as the
/// one rollback of that release (see `Zk::rollback`); the bool says whether this call
/// published it.
pub async fn rollback(
    zk: &zk::Zk,
    app: &str,
    to: Option<&str>,
    by: &str,
    of: Option<u64>,
    signer: Option<&crate::signing::Signer>,
) -> Result<(ReleaseSpec, bool)> {
    validate::app_name(app)?;
    if let Some(v) = to {
        validate::version(v)?;
    }
    zk.rollback(app, to, by, of, signer).await
}

// ---------------------------------------------------------------------------------------------
// publish

/// The JSON printed by `publish --output json` (docs/output.md, docs/schema/).
#[derive(Debug, Serialize)]
pub struct PublishOutput<'a> {
    pub app: &'a str,
    pub version: &'a str,
    pub release: u64,
    /// The release this one replaced; left out for an app's first release.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<u64>,
    pub unchanged: bool,
    pub spec: serde_json::Value,
}

impl<'a> PublishOutput<'a> {
    pub fn new(spec: &'a ReleaseSpec, unchanged: bool) -> Self {
        PublishOutput {
            app: &spec.app,
            version: &spec.version,
            release: spec.release,
            previous: spec.previous,
            unchanged,
            spec: crate::output::views::spec(spec),
        }
    }
}

/// Everything a publish request must pass before it is written: the spec's own checks, and
/// every template parses and stays within its limits (the host is unknown here; a template
/// whose work depends on it is bounded on the host).
pub fn check_request(spec: &ReleaseSpec) -> Result<()> {
    spec.validate()?;
    if let Some(w) = &spec.window {
        crate::policy::window::Window::parse(w)?;
    }
    if spec.git.as_ref().is_some_and(|g| g.deploy_to.is_some()) {
        return Err(Error::invalid(
            "git source",
            "deploy_to",
            "is the agent's to choose (agent config only)",
        ));
    }
    let templates = [
        &spec.deploy_cmd,
        &spec.get_version_cmd,
        &spec.health_cmd,
        &spec.pre_cmd,
        &spec.post_cmd,
        &spec.run_once_cmd,
        &spec.finalize_cmd,
        &spec.on_failure_cmd,
        &spec.restart_cmd,
    ];
    let git_ref = spec.git.as_ref().map(|g| g.git_ref.clone());
    let ctx = render::RenderContext {
        app: spec.app.clone(),
        version: spec.version.clone(),
        previous_version: spec.previous_version.clone().unwrap_or_default(),
        host: String::new(),
        group: String::new(),
        release: spec.release,
        vars: spec.vars.clone(),
    };
    for t in templates.into_iter().flatten().chain(git_ref.as_ref()) {
        render::check_syntax(t)?;
        render::check_limits(t, &ctx)?;
    }
    Ok(())
}

/// Publish a checked request, then prune the history beyond `keep` releases (a history that
/// cannot be pruned now is pruned next time: logged, not an error).
pub async fn publish(
    zk: &zk::Zk,
    request: &ReleaseSpec,
    force: bool,
    keep: usize,
    signer: Option<&crate::signing::Signer>,
) -> Result<Published> {
    check_request(request)?;
    let (published, held) = zk.publish_counted(request, force, signer).await?;
    if let Published::Created(spec) = &published
        && let Err(e) = prune_history(zk, spec, keep, held).await
    {
        tracing::warn!("pruning the history of {}: {e}", spec.app);
    }
    Ok(published)
}

/// What the web page and the API publish: the current release's spec (its commands, slots,
/// vars…) with another version and, optionally, other groups.
#[derive(Debug, Clone, Default)]
pub struct Republish {
    pub version: String,
    /// `None`: the current release's groups.
    pub groups: Option<Vec<String>>,
    pub by: String,
}

pub async fn republish(zk: &zk::Zk, app: &str, req: &Republish) -> Result<Published> {
    validate::app_name(app)?;
    validate::version(&req.version)?;
    for g in req.groups.iter().flatten() {
        validate::group_name(g)?;
    }
    let Some((cur, _)) = zk.read_spec(app).await? else {
        zk.require_app(app).await?;
        return Err(Error::invalid(
            "app",
            app,
            "has no published release to take the commands from (publish it with the CLI first)",
        ));
    };
    let fresh = ReleaseSpec::new(app, &req.version);
    let request = ReleaseSpec {
        // A new request: the bookkeeping is the store's to fill in.
        release: fresh.release,
        previous: fresh.previous,
        previous_version: fresh.previous_version,
        state: fresh.state,
        rollback_of: fresh.rollback_of,
        published_at: fresh.published_at,
        published_by: req.by.clone(),
        // The version alone says what is deployed; a commit recorded for another version is not.
        source: None,
        groups: req.groups.clone().unwrap_or(cur.groups.clone()),
        version: req.version.clone(),
        ..cur
    };
    // serve holds no signing key: a release published through it is unsigned (agents that
    // require signatures refuse it; docs/security.md).
    publish(zk, &request, false, retention::DEFAULT_KEEP_HISTORY, None).await
}

/// Delete releases beyond the newest `keep` (see `retention::to_prune`).
/// `held`: how many releases the history holds (publish just counted them).
async fn prune_history(zk: &zk::Zk, current: &ReleaseSpec, keep: usize, held: usize) -> Result<()> {
    if held <= keep {
        return Ok(());
    }
    let history = zk.history(&current.app).await?;
    let ids = retention::to_prune(&history, Some(current), keep);
    if ids.is_empty() {
        return Ok(());
    }
    zk.delete_releases(&current.app, &ids).await?;
    tracing::info!(
        "pruned {} old release(s) of {} (keeping {keep}): {ids:?}",
        ids.len(),
        current.app
    );
    Ok(())
}
