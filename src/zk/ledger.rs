//! The per-release ledger (`releases/r-<id>/ledger`) and the release-state changes built on it:
//! recording outcomes, halting on an exceeded failure budget, automatic and manual rollback,
//! pause / resume / abort. Every change is one compare-and-set multi-op, retried on conflict.

use zookeeper_client as zkc;

use super::Zk;
use super::cas::{self, Attempt};
use super::semaphore::Lease;
use crate::error::{Error, Result, ZkContext};
use crate::model::{
    HostState, HostStatus, Ledger, ReleaseSpec, ReleaseState, format_time, now_rfc3339, parse_time,
};
use crate::policy;

/// Names why to halt, on the ledger as read (`None`: no halt).
pub type HaltReason<'a> = dyn Fn(&Ledger) -> Option<String> + Sync + 'a;

/// A host's final status, written in the multi-op that records its outcome, fenced by its slot
/// lease, which the same multi-op deletes (gives the slot back).
pub struct FinalWrite<'a> {
    pub lease: &'a Lease,
    pub status_path: &'a str,
    pub status: Vec<u8>,
}

/// What recording an outcome did to the release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    Noted,
    Halted { reason: String },
    RolledBack { reason: String, release: u64 },
}

impl Zk {
    pub fn ledger_path(&self, app: &str, release: u64) -> String {
        format!("{}/ledger", self.layout.release(app, release))
    }

    /// The ledger and its znode version; `None` when the release has none.
    pub async fn read_ledger(&self, app: &str, release: u64) -> Result<Option<(Ledger, i32)>> {
        let path = self.ledger_path(app, release);
        match self.client.get_data_cached(&path).await {
            Err(zkc::Error::NoNode) => Ok(None),
            Err(e) => Err(Error::zk(format!("reading {path}"), e)),
            Ok((data, stat, _)) => {
                let l: Ledger = serde_json::from_slice(&data)
                    .map_err(|e| Error::invalid("ledger", &path, format!("not valid JSON: {e}")))?;
                Ok(Some((l, stat.version)))
            }
        }
    }

    /// The ledger plus a watcher for its next change.
    pub async fn read_ledger_watched(
        &self,
        app: &str,
        release: u64,
    ) -> Result<(Ledger, Option<crate::zk::OneshotWatcher>)> {
        let path = self.ledger_path(app, release);
        match self.client.get_data_cached(&path).await {
            Err(zkc::Error::NoNode) => Ok((Ledger::new(release), None)),
            Err(e) => Err(Error::zk(format!("reading {path}"), e)),
            Ok((data, _, w)) => {
                let l: Ledger = serde_json::from_slice(&data)
                    .map_err(|e| Error::invalid("ledger", &path, format!("not valid JSON: {e}")))?;
                Ok((l, Some(w)))
            }
        }
    }

    /// Compare-and-set `f` into the ledger. `f` returns false when there is nothing to change
    /// (then nothing is written) — e.g. a claim somebody else already took.
    pub async fn update_ledger(
        &self,
        app: &str,
        release: u64,
        mut f: impl FnMut(&mut Ledger) -> bool,
    ) -> Result<(Ledger, bool)> {
        let path = self.ledger_path(app, release);
        cas::retry!(format!("updating {path}"), {
            let Some((mut ledger, version)) = self.read_ledger(app, release).await? else {
                return Err(Error::zk(format!("reading {path}"), zkc::Error::NoNode));
            };
            if !f(&mut ledger) {
                return Ok(Attempt::Done((ledger, false)));
            }
            Ok(cas::set(&self.client, &path, &ledger.to_json(), version)
                .await?
                .map(|()| (ledger, true)))
        })
    }

    /// Record a host's final state for `release`. A failure that exceeds the budget halts the
    /// release in the same multi-op — and with `auto_rollback`, publishes the previous release
    /// again in that same op — so exactly one agent halts and exactly one rollback happens.
    pub async fn record_outcome(
        &self,
        app: &str,
        release: u64,
        host: &str,
        state: HostState,
        targets: usize,
    ) -> Result<Recorded> {
        self.settle(app, release, Some((host, state)), targets, None, None)
            .await
    }

    /// `record_outcome` plus the host's final status and the release of its slot, in the same
    /// multi-op, fenced by the slot lease (a fenced-off write records nothing).
    pub async fn record_final(
        &self,
        app: &str,
        release: u64,
        host: &str,
        state: HostState,
        targets: usize,
        fin: FinalWrite<'_>,
    ) -> Result<Recorded> {
        self.settle(app, release, Some((host, state)), targets, None, Some(fin))
            .await
    }

    /// Halt `release` now, whatever the budget (e.g. its run-once command failed).
    pub async fn halt(&self, app: &str, release: u64, reason: &str) -> Result<Recorded> {
        let why = |_: &Ledger| Some(reason.to_string());
        self.settle(app, release, None, 0, Some((&why, false)), None)
            .await
    }

    /// Halt `release` for passing its progress deadline if, on the ledger as it is now, `why`
    /// names a reason — checked again on every compare-and-set attempt, so a host that turned
    /// healthy meanwhile prevents it, and only one of the agents that noticed halts it. The
    /// ledger is marked `deadline_passed` (agents kill the release's running commands).
    pub async fn halt_stalled(
        &self,
        app: &str,
        release: u64,
        why: &HaltReason<'_>,
    ) -> Result<Recorded> {
        self.settle(app, release, None, 0, Some((why, true)), None)
            .await
    }

    async fn settle(
        &self,
        app: &str,
        release: u64,
        outcome: Option<(&str, HostState)>,
        targets: usize,
        // Halt when this names a reason on the ledger read; true: for the progress deadline.
        force: Option<(&HaltReason<'_>, bool)>,
        mut fin: Option<FinalWrite<'_>>,
    ) -> Result<Recorded> {
        let ledger_path = self.ledger_path(app, release);
        // An outcome that cannot halt the release need not hold the slot while it retries.
        let may_halt = force.is_some() || outcome.is_some_and(|(_, s)| s == HostState::Failed);
        let app_path = self.layout.app(app);
        // Set when ZooKeeper refused the app-node write (ACLs): record the halt in the ledger only.
        let mut ledger_only = false;
        // The final status the outcome is written with, read once (its checks, finish time and
        // message explain the outcome in the ledger).
        let final_status: Option<HostStatus> = fin
            .as_ref()
            .and_then(|f| serde_json::from_slice(&f.status).ok());
        cas::retry!(format!("settling release {release} of {app}"), {
            // Only while this attempt still writes it (a retry after giving the slot back does
            // not).
            let status = fin.as_ref().and(final_status.as_ref());
            let mut result = Recorded::Noted;
            let mut new_app: Option<(ReleaseSpec, i32)> = None;
            let mut create_release: Option<ReleaseSpec> = None;
            let mut ledger_write: Option<(Ledger, i32)> = None;
            if let Some((mut ledger, lv)) = self.read_ledger(app, release).await?
                && outcome
                    .is_none_or(|(host, state)| policy::record_outcome(&mut ledger, host, state))
            {
                // Why a host failed on its metric checks outlives its status (docs/safety.md).
                if let Some((host, HostState::Failed)) = outcome
                    && let Some(st) = status
                {
                    policy::record_failed_checks(&mut ledger, host, &st.checks);
                }
                // A healthy or failed host is progress (for a progress deadline, when set), as of
                // when the host finished (its final status says), not when ZooKeeper heard it:
                // a frozen server delays the write, not the host's work.
                if outcome.is_some()
                    && let Some(at) = ledger.progress_at.as_deref()
                {
                    let finished = status
                        .and_then(|st| st.finished_at.as_deref())
                        .and_then(parse_time)
                        .unwrap_or_else(std::time::SystemTime::now);
                    let progress = parse_time(at).map_or(finished, |p| p.max(finished));
                    ledger.progress_at = Some(format_time(progress));
                }
                let forced = force.and_then(|(why, _)| why(&ledger));
                if force.is_some() && forced.is_none() {
                    return Ok(Attempt::Done(Recorded::Noted));
                }
                let force_halt = forced.as_deref();
                let stalled = force.is_some_and(|(_, stalled)| stalled);
                let failed = outcome.is_some_and(|(_, s)| s == HostState::Failed);
                // An unusable app node is not this release any more: only the outcome is noted.
                if (failed || force_halt.is_some())
                    && let (Some(cur), version) = self.read_app_node(app).await?
                    && let Some(halt) =
                        policy::halt_decision(&cur, &ledger, release, failed, targets, force_halt)
                {
                    // The failure that halted it, in the host's own words (a failed metric check
                    // names its query, values and threshold): what a late reader is told.
                    let why = status
                        .filter(|_| failed)
                        .filter(|st| !st.message.is_empty())
                        .map(|st| format!(" — {}: {}", st.host, st.message))
                        .unwrap_or_default();
                    let reason = format!("{}{why}", halt.reason);
                    ledger.state = ReleaseState::Halted;
                    ledger.deadline_passed = stalled;
                    ledger.halt_reason = Some(reason.clone());
                    let prev = match (halt.roll_back, cur.previous) {
                        (true, Some(p)) => self.release_spec(app, p).await?,
                        _ => None,
                    };
                    if ledger_only {
                        ledger.rollback_pending = prev.is_some();
                        result = Recorded::Halted {
                            reason: if prev.is_some() {
                                format!(
                                    "{reason} (auto-rollback pending: publishing it needs publisher credentials)"
                                )
                            } else {
                                reason
                            },
                        };
                    } else if let Some(prev) = prev {
                        let (_, next) = self.next_release_id(app).await?;
                        let rb = policy::rollback_spec(
                            &cur,
                            &prev,
                            next,
                            "auto-rollback",
                            &now_rfc3339(),
                        );
                        ledger.rolled_back_by = Some(rb.release);
                        result = Recorded::RolledBack {
                            reason,
                            release: rb.release,
                        };
                        new_app = Some((rb.clone(), version));
                        create_release = Some(rb);
                    } else {
                        let mut halted = cur.clone();
                        halted.state = ReleaseState::Halted;
                        result = Recorded::Halted { reason };
                        new_app = Some((halted, version));
                    }
                }
                ledger_write = Some((ledger, lv));
            }
            if ledger_write.is_none() && fin.is_none() {
                // Nothing to record (no ledger, or the outcome is in it already).
                return Ok(Attempt::Done(Recorded::Noted));
            }
            let mut multi = self.client.new_multi_writer();
            // The fence first: a failure at index 0 means our lease is gone, not a lost race.
            if let Some(f) = &fin {
                multi
                    .add_check_version(&f.lease.path, f.lease.version())
                    .zk_context(|| "building final status write")?;
                multi
                    .add_set_data(f.status_path, &f.status, None)
                    .zk_context(|| "building final status write")?;
            }
            if let Some((ledger, lv)) = &ledger_write {
                multi
                    .add_set_data(&ledger_path, &ledger.to_json(), Some(*lv))
                    .zk_context(|| "building ledger write")?;
            }
            if let Some((spec, v)) = &new_app {
                multi
                    .add_set_data(&app_path, &spec.to_json(), Some(*v))
                    .zk_context(|| "building halt")?;
            }
            if let Some(rb) = &create_release {
                self.add_release_creation(&mut multi, rb)?;
            }
            if let Some(f) = &fin {
                multi
                    .add_delete(&f.lease.path, None)
                    .zk_context(|| "building final status write")?;
            }
            match multi.commit().await {
                Ok(_) => {
                    if let Some(f) = &fin {
                        f.lease.set_deleted();
                    }
                    Ok(Attempt::Done(result))
                }
                Err(zkc::MultiWriteError::OperationFailed { index: 0, source })
                    if fin.is_some() =>
                {
                    let f = fin.as_ref().map(|f| f.lease);
                    let host = outcome.map_or("", |(h, _)| h);
                    Err(match f {
                        Some(lease) => super::store::fenced_off(host, lease, source),
                        None => Error::zk("final status write".to_string(), source),
                    })
                }
                Err(e) if cas::is_conflict(&e) => {
                    // Lost the ledger to another host finishing at the same moment: give the
                    // slot back with the status now (one fenced multi-op), then retry the ledger
                    // alone. A failure keeps the slot until its record (and a halt) lands, so no
                    // host starts on a release that is about to halt.
                    if !may_halt && let Some(f) = fin.take() {
                        self.final_status_only(&f, outcome.map_or("", |(h, _)| h))
                            .await?;
                    }
                    Ok(Attempt::Conflict)
                }
                Err(
                    zkc::MultiWriteError::OperationFailed {
                        source: zkc::Error::NoAuth,
                        ..
                    }
                    | zkc::MultiWriteError::RequestFailed {
                        source: zkc::Error::NoAuth,
                    },
                ) if !ledger_only && new_app.is_some() => {
                    ledger_only = true;
                    Ok(Attempt::Conflict)
                }
                Err(e) => Err(Error::zk(
                    format!("settling release {release} of {app}"),
                    e.into(),
                )),
            }
        })
    }

    /// The final status and the release of the slot, fenced by the lease, without the ledger.
    async fn final_status_only(&self, f: &FinalWrite<'_>, host: &str) -> Result<()> {
        let mut multi = self.client.new_multi_writer();
        multi
            .add_check_version(&f.lease.path, f.lease.version())
            .zk_context(|| "building final status write")?;
        multi
            .add_set_data(f.status_path, &f.status, None)
            .zk_context(|| "building final status write")?;
        multi
            .add_delete(&f.lease.path, None)
            .zk_context(|| "building final status write")?;
        match multi.commit().await {
            Ok(_) => {
                f.lease.set_deleted();
                Ok(())
            }
            Err(zkc::MultiWriteError::OperationFailed { index: 0, source }) => {
                Err(super::store::fenced_off(host, f.lease, source))
            }
            Err(e) => Err(Error::zk("writing the final status".to_string(), e.into())),
        }
    }

    /// Add the creation of a release's history node and its empty ledger to a multi-op.
    pub(crate) fn add_release_creation(
        &self,
        multi: &mut crate::zk::client::MultiWriter<'_>,
        spec: &ReleaseSpec,
    ) -> Result<()> {
        let app = &spec.app;
        let (release, ledger) = (
            self.layout.release(app, spec.release),
            self.ledger_path(app, spec.release),
        );
        let (release_acls, ledger_acls) = (self.acls(&release), self.acls(&ledger));
        multi
            .add_create(
                &release,
                &spec.to_json(),
                &zkc::CreateMode::Persistent.with_acls(zkc::Acls::new(&release_acls)),
            )
            .zk_context(|| "building release creation")?;
        multi
            .add_create(
                &ledger,
                &Ledger::for_spec(spec).to_json(),
                &zkc::CreateMode::Persistent.with_acls(zkc::Acls::new(&ledger_acls)),
            )
            .zk_context(|| "building release creation")?;
        Ok(())
    }

    /// One release from the history.
    pub async fn release_spec(&self, app: &str, release: u64) -> Result<Option<ReleaseSpec>> {
        let path = self.layout.release(app, release);
        match self.client.get_data(&path).await {
            Err(zkc::Error::NoNode) => Ok(None),
            Err(e) => Err(Error::zk(format!("reading {path}"), e)),
            Ok((data, _)) => Ok(Some(ReleaseSpec::from_znode(app, &data)?)),
        }
    }

    /// The history with each release's ledger, oldest first.
    pub async fn history(&self, app: &str) -> Result<Vec<(ReleaseSpec, Option<Ledger>)>> {
        let mut out = vec![];
        for spec in self.releases(app).await? {
            let ledger = match self.read_ledger(app, spec.release).await {
                Ok(l) => l.map(|(l, _)| l),
                Err(e @ Error::Invalid { .. }) => {
                    tracing::warn!("{e}");
                    None
                }
                Err(e) => return Err(e),
            };
            out.push((spec, ledger));
        }
        Ok(out)
    }

    /// Set (or with `None` lift) the app's deploy freeze, on its current spec (compare-and-set).
    /// Returns the spec as it now is.
    pub async fn set_freeze(
        &self,
        app: &str,
        freeze: Option<crate::model::Freeze>,
    ) -> Result<ReleaseSpec> {
        let app_path = self.layout.app(app);
        cas::retry!(format!("freezing {app}"), {
            let Some((mut spec, sv)) = self.read_spec(app).await? else {
                self.require_app(app).await?;
                return Err(Error::invalid("app", app, "has no published release"));
            };
            if spec.freeze == freeze {
                return Ok(Attempt::Done(spec));
            }
            spec.freeze = freeze.clone();
            Ok(cas::set(&self.client, &app_path, &spec.to_json(), sv)
                .await?
                .map(|()| spec))
        })
    }

    /// Move the current release to `to` if it is in one of `from`; mirrors it into the ledger.
    /// `only`: when that release is (still) the current one — checked inside the
    /// compare-and-set loop, so an action meant for one release never lands on a newer one.
    pub async fn set_release_state(
        &self,
        app: &str,
        from: &[ReleaseState],
        to: ReleaseState,
        only: Option<u64>,
    ) -> Result<ReleaseSpec> {
        let app_path = self.layout.app(app);
        cas::retry!(format!("changing the state of {app}"), {
            // Set when the app node is unusable and we abort: its place is taken by the newest
            // release of the history, aborted (its ledger keeps that release's own outcome).
            let mut replacing = false;
            let (mut spec, sv) = match self.read_spec(app).await {
                Ok(Some(s)) => s,
                Ok(None) => {
                    self.require_app(app).await?;
                    return Err(Error::invalid("app", app, "has no published release"));
                }
                Err(e @ Error::Invalid { .. }) if to == ReleaseState::Aborted => {
                    let (_, version) = self.read_app_node(app).await?;
                    let (newest, _) = self.next_release_id(app).await?;
                    let Some(spec) = self.replaced_release(app, None, newest).await? else {
                        return Err(e);
                    };
                    tracing::warn!("{e}; aborting release {} in its place", spec.release);
                    replacing = true;
                    (spec, version)
                }
                Err(e) => return Err(e),
            };
            if let Some(r) = only.filter(|r| *r != spec.release) {
                return Err(Error::Usage(format!(
                    "{app} release {r} is not the current release any more (that is {}); left alone",
                    spec.release
                )));
            }
            if spec.state == to && !replacing {
                return Ok(Attempt::Done(spec));
            }
            if !from.contains(&spec.state) {
                return Err(Error::Usage(format!(
                    "{app} release {} is {}; cannot make it {to}",
                    spec.release, spec.state
                )));
            }
            spec.state = to;
            let mut multi = self.client.new_multi_writer();
            multi
                .add_set_data(&app_path, &spec.to_json(), Some(sv))
                .zk_context(|| "building state change")?;
            if let Some((mut ledger, lv)) = self.read_ledger(app, spec.release).await?
                && !replacing
            {
                ledger.state = to;
                // A resumed release's progress deadline counts from the resume.
                if to == ReleaseState::Active && ledger.progress_at.is_some() {
                    ledger.progress_at = Some(now_rfc3339());
                }
                multi
                    .add_set_data(
                        &self.ledger_path(app, spec.release),
                        &ledger.to_json(),
                        Some(lv),
                    )
                    .zk_context(|| "building state change")?;
            }
            Ok(
                match cas::commit(multi, format!("changing the state of {app}")).await? {
                    Attempt::Done(()) => Attempt::Done(spec),
                    Attempt::Conflict => Attempt::Conflict,
                },
            )
        })
    }

    /// Pass the gate the current release waits at (`all`: every gate left). With `release`: only
    /// when that is the current release. At the approval gate (`--approvals`) an `approver`'s
    /// signed approval is recorded, and the gate passes once enough are. Returns the release and
    /// what was done.
    pub async fn promote(
        &self,
        app: &str,
        release: Option<u64>,
        step: Option<usize>,
        all: bool,
        approver: Option<(&crate::signing::Signer, &str)>,
    ) -> Result<(ReleaseSpec, String)> {
        // The gate this promote passes: the caller's (`step`, 1-based), else the one the first
        // read shows — kept across compare-and-set retries, so a promote that lost the race to
        // another one passing the same gate does not pass the next gate too.
        let mut seen: Option<(u64, usize)> = None;
        cas::retry!(format!("promoting {app}"), {
            let Some((cur, _)) = self.read_spec(app).await? else {
                self.require_app(app).await?;
                return Err(Error::invalid("app", app, "has no published release"));
            };
            if let Some(r) = release.filter(|r| *r != cur.release) {
                return Err(Error::Usage(format!(
                    "{app} release {r} is not the current release (that is {}); nothing promoted",
                    cur.release
                )));
            }
            let Some((mut ledger, lv)) = self.read_ledger(app, cur.release).await? else {
                return Err(Error::Usage(format!(
                    "{app} release {} has no ledger yet; nothing promoted",
                    cur.release
                )));
            };
            let state = policy::effective_state(&cur, Some(&ledger));
            if matches!(state, ReleaseState::Halted | ReleaseState::Aborted) {
                return Err(Error::Usage(format!(
                    "{app} release {} is {state}; nothing to promote",
                    cur.release
                )));
            }
            let plan = policy::steps::plan(&cur);
            let now = std::time::SystemTime::now();
            if let Some((r, _)) = seen.filter(|(r, _)| *r != cur.release) {
                return Err(Error::Usage(format!(
                    "{app} release {r} is not the current release any more (that is {}); nothing promoted",
                    cur.release
                )));
            }
            let at = match (seen, step) {
                (Some((_, at)), _) => Some(at),
                (None, Some(s)) => Some(s.saturating_sub(1)),
                (None, None) => policy::steps::position(&plan, &ledger, now).map(|p| p.index),
            };
            if let Some(at) = at {
                seen = Some((cur.release, at));
            }
            // A signed promote naming a manual gate passed already (unsigned, say from the
            // page) signs it now: what agents that require signatures wait for.
            if let (Some((signer, by)), Some(g)) = (approver, at)
                && plan.get(g) == Some(&crate::model::Step::Pause(None))
                && policy::steps::position(&plan, &ledger, now).is_some_and(|p| p.index > g)
            {
                if policy::steps::approval_gate(&cur, &plan) == Some(g)
                    && cur
                        .signature
                        .as_ref()
                        .is_some_and(|s| s.key == signer.fingerprint())
                {
                    return Err(Error::Usage(format!(
                        "{} signed {app} release {}: the publisher's own key does not count as \
                         an approval",
                        signer.fingerprint(),
                        cur.release
                    )));
                }
                sign_passed_gates(&cur, &plan, &mut ledger, g..g + 1, signer, by)?;
                let done = format!(
                    "signed the gate at step {} of {} (passed already) with {}",
                    g + 1,
                    plan.len(),
                    signer.fingerprint()
                );
                let path = self.ledger_path(app, cur.release);
                return Ok(cas::set(&self.client, &path, &ledger.to_json(), lv)
                    .await?
                    .map(|()| (cur, done)));
            }
            let approved = match policy::steps::approval_gate(&cur, &plan) {
                Some(gate) => approve(&cur, &plan, &mut ledger, gate, now, all, approver)?,
                None => None,
            };
            let from = policy::steps::position(&plan, &ledger, now).map_or(0, |p| p.index);
            let done = match approved {
                // Recorded; the gate still waits for more.
                Some(Err(waiting)) => waiting,
                passes => {
                    let done = policy::steps::promote(&plan, &mut ledger, now, all, at, app)
                        .map_err(|why| {
                            Error::Usage(format!("{app} release {} {why}", cur.release))
                        })?;
                    if let Some((signer, by)) = approver {
                        let to = ledger.step.as_ref().map_or(from, |s| s.index);
                        sign_passed_gates(&cur, &plan, &mut ledger, from..to, signer, by)?;
                    }
                    match passes {
                        Some(Ok(note)) => format!("{note}: {done}"),
                        _ => done,
                    }
                }
            };
            // A passed gate restarts the progress deadline's clock.
            if ledger.progress_at.is_some() {
                ledger.progress_at = Some(now_rfc3339());
            }
            let path = self.ledger_path(app, cur.release);
            Ok(cas::set(&self.client, &path, &ledger.to_json(), lv)
                .await?
                .map(|()| (cur, done)))
        })
    }
}

/// A signed promote leaves a signature on every manual gate it passed (`range`: the plan's
/// indexes it moved over): agents that require signatures pass no manual gate without one.
fn sign_passed_gates(
    cur: &ReleaseSpec,
    plan: &[crate::model::Step],
    ledger: &mut crate::model::Ledger,
    range: std::ops::Range<usize>,
    signer: &crate::signing::Signer,
    by: &str,
) -> Result<()> {
    let key = signer.fingerprint();
    for g in range.filter(|g| plan.get(*g) == Some(&crate::model::Step::Pause(None))) {
        if !ledger.approvals.iter().any(|a| a.step == g && a.key == key) {
            ledger
                .approvals
                .push(signer.approve(&cur.app, cur.release, g, by)?);
        }
    }
    Ok(())
}

/// The approval gate's part of a promote. `None`: this promote does not concern the gate (it is
/// passed, or not reached and not jumped over). `Some(Ok(note))`: enough approvals, the gate may
/// pass. `Some(Err(message))`: the approval was recorded, the gate waits for more. An error:
/// nothing may be written (no approval given, or the publisher's own key).
fn approve(
    cur: &ReleaseSpec,
    plan: &[crate::model::Step],
    ledger: &mut crate::model::Ledger,
    gate: usize,
    now: std::time::SystemTime,
    all: bool,
    approver: Option<(&crate::signing::Signer, &str)>,
) -> Result<Option<std::result::Result<String, String>>> {
    let (app, release, need) = (&cur.app, cur.release, cur.approvals as usize);
    let Some(pos) = policy::steps::position(plan, ledger, now) else {
        return Ok(None);
    };
    let concerned = pos.index == gate || (all && pos.index < gate);
    let have = policy::steps::approvals_recorded(cur, ledger, gate);
    if !concerned || have >= need {
        return Ok(None);
    }
    let Some((signer, by)) = approver else {
        return Err(Error::Usage(format!(
            "{app} release {release} waits for {} approval(s) at step {} of {}: promote with \
             --sign-key (a key other than the publisher's)",
            need - have,
            gate + 1,
            plan.len()
        )));
    };
    let key = signer.fingerprint();
    if cur.signature.as_ref().is_some_and(|s| s.key == key) {
        return Err(Error::Usage(format!(
            "{key} signed {app} release {release}: the publisher's own key does not count as an \
             approval"
        )));
    }
    if ledger
        .approvals
        .iter()
        .any(|a| a.step == gate && a.key == key)
    {
        return Err(Error::Usage(format!(
            "{key} approved {app} release {release} already; it waits for {} more from other keys",
            need - have
        )));
    }
    ledger
        .approvals
        .push(signer.approve(app, release, gate, by)?);
    let have = have + 1;
    Ok(Some(if have >= need {
        Ok(format!("approved by {key} ({have} of {need})"))
    } else {
        Err(format!(
            "approval {have} of {need} recorded ({key}); waiting for {} more",
            need - have
        ))
    }))
}

impl Zk {
    /// Publish the pending automatic rollback of halted release `release` (see
    /// `Ledger::rollback_pending`). `None` when it is not current any more — somebody did it.
    pub async fn rollback_halted(
        &self,
        app: &str,
        release: u64,
        by: &str,
    ) -> Result<Option<ReleaseSpec>> {
        let app_path = self.layout.app(app);
        cas::retry!(format!("rolling back {app}"), {
            let Some((cur, sv)) = self.read_spec(app).await? else {
                return Ok(Attempt::Done(None));
            };
            let Some((mut ledger, lv)) = self.read_ledger(app, release).await? else {
                return Ok(Attempt::Done(None));
            };
            if cur.release != release || !ledger.rollback_pending {
                return Ok(Attempt::Done(None));
            }
            let Some(prev) = (match cur.previous {
                Some(p) => self.release_spec(app, p).await?,
                None => None,
            }) else {
                return Ok(Attempt::Done(None));
            };
            let (_, next) = self.next_release_id(app).await?;
            let rb = policy::rollback_spec(&cur, &prev, next, by, &now_rfc3339());
            ledger.rollback_pending = false;
            ledger.rolled_back_by = Some(rb.release);
            let mut multi = self.client.new_multi_writer();
            multi
                .add_set_data(&app_path, &rb.to_json(), Some(sv))
                .zk_context(|| "building rollback")?;
            self.add_release_creation(&mut multi, &rb)?;
            multi
                .add_set_data(&self.ledger_path(app, release), &ledger.to_json(), Some(lv))
                .zk_context(|| "building rollback")?;
            let what = format!("publishing the rollback of {app} release {release}");
            Ok(match cas::commit(multi, what).await? {
                Attempt::Done(()) => Attempt::Done(Some(rb)),
                Attempt::Conflict => Attempt::Conflict,
            })
        })
    }

    /// Publish an earlier release again, marked as a rollback of the current one. With `of`:
    /// only a rollback of that release, once — when it is rolled back already (whoever did it),
    /// that rollback is returned with `false` and nothing is written; when another release is
    /// current, nothing is done (an error). The check is inside the compare-and-set loop, so two
    /// callers racing on one release publish one rollback. Returns the rollback and whether this
    /// call published it. With a `signer` the rollback is signed afresh (see
    /// `policy::rollback_spec` for the signature it carries otherwise).
    pub async fn rollback(
        &self,
        app: &str,
        to_version: Option<&str>,
        by: &str,
        of: Option<u64>,
        signer: Option<&crate::signing::Signer>,
    ) -> Result<(ReleaseSpec, bool)> {
        let app_path = self.layout.app(app);
        cas::retry!(format!("rolling back {app}"), {
            // As in `publish`: the new id comes from the history, and an app node that is
            // unusable or names a release the history never had is rolled back from the newest
            // release of the history instead.
            let (node, sv) = match self.client.check_stat(&app_path).await {
                Ok(Some(_)) => self.read_app_node(app).await?,
                Ok(None) => return Err(Error::NoSuchApp(app.to_string())),
                Err(e) => return Err(Error::zk(format!("reading {app_path}"), e)),
            };
            let (newest, next) = self.next_release_id(app).await?;
            let Some(cur) = self.replaced_release(app, node, newest).await? else {
                return Err(Error::invalid("app", app, "has no published release"));
            };
            let history = self.history(app).await?;
            if let Some(of) = of {
                // Rolled back already: a release marked as its rollback, or the one its ledger
                // names (an automatic rollback of a halt).
                let by = history
                    .iter()
                    .find(|(s, _)| s.release == of)
                    .and_then(|(_, l)| l.as_ref()?.rolled_back_by);
                let done = history
                    .iter()
                    .rev()
                    .find(|(s, _)| s.rollback_of == Some(of) || Some(s.release) == by);
                if let Some((rb, _)) = done {
                    return Ok(Attempt::Done((rb.clone(), false)));
                }
                if cur.release != of {
                    return Err(Error::Usage(format!(
                        "{app} release {of} is not the current release (that is {}); nothing rolled back",
                        cur.release
                    )));
                }
            }
            let target = policy::rollback_target(&history, &cur, to_version)?;
            let mut rb = policy::rollback_spec(&cur, target, next, by, &now_rfc3339());
            // Signed afresh, or carrying the signature of the release it republishes.
            if let Some(signer) = signer {
                signer.sign(&mut rb, std::time::SystemTime::now())?;
            }
            let mut multi = self.client.new_multi_writer();
            multi
                .add_set_data(&app_path, &rb.to_json(), Some(sv))
                .zk_context(|| "building rollback")?;
            self.add_release_creation(&mut multi, &rb)?;
            if let Some((mut ledger, lv)) = self.read_ledger(app, cur.release).await? {
                ledger.rolled_back_by = Some(rb.release);
                multi
                    .add_set_data(
                        &self.ledger_path(app, cur.release),
                        &ledger.to_json(),
                        Some(lv),
                    )
                    .zk_context(|| "building rollback")?;
            }
            Ok(
                match cas::commit(multi, format!("rolling back {app}")).await? {
                    Attempt::Done(()) => Attempt::Done((rb, true)),
                    Attempt::Conflict => Attempt::Conflict,
                },
            )
        })
    }
}
