//! The slot semaphore: at most `slots` agents of one app deploy at once.
//!
//! Recipe (docs/slots.md): each contender creates an ephemeral-sequential
//! `slots/lease-<seq>`. Leases are ordered by sequence; the first `slots` of them hold a slot
//! (FIFO). No herd: only the *first* waiter watches the children list; every later waiter
//! watches the data of its immediate predecessor, which fires when that predecessor leaves or
//! is promoted to holder (it then writes `holding` into its lease). So one freed slot wakes one
//! waiter, and one promotion wakes one more. A dead agent's lease goes with its session.
//!
//! A create whose reply a dropped connection took, or a give-back that never got through, may
//! leave a lease of ours we hold no handle to. Left alone it would hold a slot for the rest of
//! the session. Such an error marks the app and host (`Astray`); the next queue step of the same
//! host reads the other leases once, deletes those of this session and host, and clears the mark.

use serde::{Deserialize, Serialize};
use zookeeper_client as zkc;

use super::Zk;
use super::layout::lease_sequence;
use crate::error::{Error, Result, ZkContext};
use crate::model::ReleaseSpec;
use crate::policy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LeaseState {
    Waiting,
    Holding,
}

/// The data of a lease node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseData {
    pub host: String,
    pub state: LeaseState,
}

/// Our lease: path, and the znode version we last wrote (used to fence status writes).
#[derive(Debug, Clone)]
pub struct Lease {
    pub app: String,
    pub path: String,
    pub name: String,
    pub host: String,
    /// Write `holding` into the lease with the first fenced status write (one multi-op) instead
    /// of on its own when the slot is granted (the agent; ssh-push writes it at once).
    pub defer_holding: bool,
    /// The lease node's creation zxid: a fencing token, strictly increasing per app in the order
    /// slots are granted (commands get it as `DEPLOYCTL_FENCE`; docs/safety.md).
    pub fence: i64,
    /// Shared by clones: what we wrote into the node and whether it is gone.
    written: std::sync::Arc<std::sync::Mutex<Written>>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Written {
    version: i32,
    holding: bool,
    deleted: bool,
}

impl Lease {
    fn written(&self) -> std::sync::MutexGuard<'_, Written> {
        self.written.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The znode version we last wrote (fenced writes check it).
    pub fn version(&self) -> i32 {
        self.written().version
    }

    /// Is `holding` written yet?
    pub fn holding_written(&self) -> bool {
        self.written().holding
    }

    /// We wrote `holding` into it, which made it `version`.
    pub(crate) fn set_holding(&self, version: i32) {
        let mut w = self.written();
        w.version = version;
        w.holding = true;
    }

    /// A multi-op of ours deleted it (given back with our final status).
    pub(crate) fn set_deleted(&self) {
        self.written().deleted = true;
    }

    /// The lease's data once we hold the slot.
    pub(crate) fn holding_data(&self) -> Vec<u8> {
        serde_json::to_vec(&LeaseData {
            host: self.host.clone(),
            state: LeaseState::Holding,
        })
        .unwrap_or_default()
    }
}

/// Wake-ups of waiting agents by their slot watch (predecessor or children), process-wide. The
/// scale benchmark divides it by the slot releases to show O(1) wake-ups per release.
pub static SLOT_WAKEUPS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Where a lease stands in the queue (pure decision, see `position`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// Among the first `slots` leases: may deploy.
    Holder,
    /// Exactly next in line: must watch the whole children list to see any holder leave.
    FirstWaiter,
    /// Further back: watch only the predecessor.
    Behind { predecessor: String },
    /// Our lease is not there any more (session expired, or deleted by hand).
    Gone,
}

/// Apps and hosts of this session whose lease write failed in a way that may still have been
/// applied (the module doc). Shared by the session's clones.
#[derive(Debug, Clone, Default)]
pub struct Astray(std::sync::Arc<std::sync::Mutex<std::collections::HashSet<(String, String)>>>);

impl Astray {
    fn set(&self, app: &str, host: &str, marked: bool) {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let key = (app.to_string(), host.to_string());
        if marked {
            s.insert(key);
        } else {
            s.remove(&key);
        }
    }

    fn marked(&self, app: &str, host: &str) -> bool {
        let s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        s.contains(&(app.to_string(), host.to_string()))
    }
}

/// The request failed, but the server may have applied it: the connection dropped under it.
fn maybe_applied(e: &zkc::Error) -> bool {
    matches!(
        e,
        zkc::Error::ConnectionLoss | zkc::Error::Custom(_) | zkc::Error::Timeout
    )
}

/// Pure: is a lease (its data, its node's ephemeral owner) one of `session`'s for `host`?
/// (ssh-push queues many hosts in one session.)
pub fn is_ours(data: &[u8], owner: i64, session: i64, host: &str) -> bool {
    owner == session && serde_json::from_slice::<LeaseData>(data).is_ok_and(|d| d.host == host)
}

/// Pure: where does lease `mine` stand among `children` with `slots` slots?
pub fn position(children: &[String], mine: &str, slots: u32) -> Position {
    let mut leases: Vec<(i64, &str)> = children
        .iter()
        .filter_map(|c| lease_sequence(c).map(|s| (s, c.as_str())))
        .collect();
    leases.sort_unstable();
    let Some(index) = leases.iter().position(|(_, name)| *name == mine) else {
        return Position::Gone;
    };
    let slots = slots.max(1) as usize;
    if index < slots {
        Position::Holder
    } else if index == slots {
        Position::FirstWaiter
    } else {
        Position::Behind {
            predecessor: leases[index - 1].1.to_string(),
        }
    }
}

/// The outcome of one acquisition step.
pub enum Turn {
    Holding,
    /// Not yet: await this watcher (or anything else that matters), then call `try_acquire` again.
    Wait(crate::zk::OneshotWatcher),
}

/// How waiting for a slot ended.
pub enum SlotWait {
    Holding,
    /// The release is no longer the active current one (a newer one, paused, halted, aborted):
    /// the lease is still queued; give it back.
    MovedOn,
    /// The caller's `stop` fired.
    Stopped,
}

impl Zk {
    /// Join the queue for a slot of `app`.
    pub async fn enqueue(&self, app: &str, host: &str) -> Result<Lease> {
        self.enqueue_with_status(app, host, None).await
    }

    /// Join the queue for a slot of `app`, writing `status` (the host's "waiting for a slot")
    /// in the same multi-op. The lease defers its `holding` write to the first fenced status
    /// write (`Lease::defer_holding`).
    pub async fn enqueue_with_status(
        &self,
        app: &str,
        host: &str,
        status: Option<&crate::model::HostStatus>,
    ) -> Result<Lease> {
        let data = serde_json::to_vec(&LeaseData {
            host: host.to_string(),
            state: LeaseState::Waiting,
        })
        .unwrap_or_default();
        let prefix = self.layout.lease_prefix(app);
        let acls = self.acls(&prefix);
        let opts = zkc::CreateMode::EphemeralSequential.with_acls(zkc::Acls::new(&acls));
        let what = || format!("creating slot lease under {}", self.layout.slots(app));
        let astray = |e: zkc::Error| {
            if maybe_applied(&e) {
                self.astray.set(app, host, true);
            }
            Error::zk(what(), e)
        };
        let (name, stat) = match status {
            None => {
                let (stat, seq) = self
                    .client
                    .create(&prefix, &data, &opts)
                    .await
                    .map_err(astray)?;
                (format!("{}{seq}", super::layout::LEASE_PREFIX), stat)
            }
            Some(st) => {
                let status_path = self.layout.status(app, &st.host);
                let mut multi = self.client.new_multi_writer();
                multi
                    .add_set_data(&status_path, &st.to_json(), None)
                    .zk_context(what)?;
                multi.add_create(&prefix, &data, &opts).zk_context(what)?;
                let results = multi.commit().await.map_err(|e| astray(e.into()))?;
                match results.into_iter().nth(1) {
                    Some(zkc::MultiWriteResult::Create { path, stat }) => (
                        path.rsplit('/').next().unwrap_or_default().to_string(),
                        stat,
                    ),
                    other => {
                        return Err(Error::zk(
                            format!("{}: unexpected reply {other:?}", what()),
                            zkc::Error::UnexpectedError("no create result".into()),
                        ));
                    }
                }
            }
        };
        let path = format!("{}/{name}", self.layout.slots(app));
        // Servers before 3.7 send no stat for a create in a multi (ZOOKEEPER-4026): read it.
        let fence = if stat.is_invalid() {
            match self.client.check_stat(&path).await {
                Ok(Some(stat)) => stat.czxid,
                Ok(None) => return Err(Error::zk(format!("reading {path}"), zkc::Error::NoNode)),
                Err(e) => {
                    // Our new lease stays behind: the next queue step deletes it.
                    self.astray.set(app, host, true);
                    return Err(Error::zk(format!("reading {path}"), e));
                }
            }
        } else {
            stat.czxid
        };
        Ok(Lease {
            app: app.to_string(),
            path,
            name,
            host: host.to_string(),
            defer_holding: status.is_some(),
            fence,
            written: Default::default(),
        })
    }

    /// The slot recipe, for agents and ssh-push alike: wait in `lease`'s queue until it holds one
    /// of `spec`'s slots in force (grown per healthy host by the ledger), as long as the release
    /// stays the active current one and `stop` does not fire. Watch-driven: no polling.
    pub async fn wait_for_slot(
        &self,
        spec: &ReleaseSpec,
        lease: &mut Lease,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<SlotWait> {
        tokio::pin!(stop);
        let dir = self.layout.slots(&spec.app);
        loop {
            // The three reads go out together (one round trip when none is cached): a waiter
            // woken by a freed slot starts within one round trip of the wake-up.
            let (read, ledger, children) = tokio::join!(
                self.read_spec_watched(&spec.app),
                self.read_ledger(&spec.app, spec.release),
                self.client.list_children(&dir),
            );
            let (read, spec_watch) = read?;
            let ledger = ledger?.map(|(l, _)| l);
            if !policy::still_current(read.spec(), spec.release, ledger.as_ref()) {
                return Ok(SlotWait::MovedOn);
            }
            let slots = policy::effective_slots(spec, ledger.as_ref());
            let children = children.zk_context(|| format!("listing {dir}"))?;
            match self.acquire_step(lease, slots, Some(children)).await? {
                Turn::Holding => return Ok(SlotWait::Holding),
                Turn::Wait(w) => tokio::select! {
                    _ = w.changed() => {
                        SLOT_WAKEUPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    _ = spec_watch.changed() => {}
                    _ = &mut stop => return Ok(SlotWait::Stopped),
                },
            }
        }
    }

    /// One step of acquiring: either we hold a slot now, or here is what to wait on.
    pub async fn try_acquire(&self, lease: &mut Lease, slots: u32) -> Result<Turn> {
        self.acquire_step(lease, slots, None).await
    }

    /// `try_acquire`, starting from the slot children when they were just read.
    async fn acquire_step(
        &self,
        lease: &mut Lease,
        slots: u32,
        mut read: Option<Vec<String>>,
    ) -> Result<Turn> {
        let dir = self.layout.slots(&lease.app);
        loop {
            let children = match read.take() {
                Some(c) => c,
                None => self
                    .client
                    .list_children(&dir)
                    .await
                    .zk_context(|| format!("listing {dir}"))?,
            };
            let children = if self.astray.marked(&lease.app, &lease.host) {
                self.drop_astray(lease, children).await
            } else {
                children
            };
            match position(&children, &lease.name, slots) {
                Position::Gone => return Err(lease_lost(lease)),
                Position::Holder => {
                    if !lease.defer_holding {
                        self.mark_holding(lease).await?;
                    }
                    return Ok(Turn::Holding);
                }
                Position::FirstWaiter => {
                    let (children, watcher) = self
                        .client
                        .list_and_watch_children(&dir)
                        .await
                        .zk_context(|| format!("watching {dir}"))?;
                    match position(&children, &lease.name, slots) {
                        Position::FirstWaiter | Position::Behind { .. } => {
                            return Ok(Turn::Wait(watcher));
                        }
                        // Moved up (or vanished) between the two reads: decide again.
                        _ => continue,
                    }
                }
                Position::Behind { predecessor } => {
                    let path = format!("{dir}/{predecessor}");
                    match self.client.get_and_watch_data(&path).await {
                        Err(zkc::Error::NoNode) => continue,
                        Err(e) => return Err(Error::zk(format!("watching {path}"), e)),
                        Ok((data, _, watcher)) => {
                            let holding = serde_json::from_slice::<LeaseData>(&data)
                                .map(|d| d.state == LeaseState::Holding)
                                .unwrap_or(false);
                            if !holding {
                                return Ok(Turn::Wait(watcher));
                            }
                            // The predecessor holds a slot while we are not next in line: the
                            // slot count shrank. Watch the whole queue rather than spin.
                            let (_, watcher) = self
                                .client
                                .list_and_watch_children(&dir)
                                .await
                                .zk_context(|| format!("watching {dir}"))?;
                            return Ok(Turn::Wait(watcher));
                        }
                    }
                }
            }
        }
    }

    /// After a lease write that may have been applied unseen: delete this session and host's
    /// leases other than `lease` and return `children` without them. One read per other lease,
    /// only then. One we cannot delete now is left out of our own position all the same (the
    /// others count it, which only makes them wait); the mark stays until a step gets through.
    async fn drop_astray(&self, lease: &Lease, children: Vec<String>) -> Vec<String> {
        let dir = self.layout.slots(&lease.app);
        let session = self.client.session_id().0;
        let others: Vec<&String> = children.iter().filter(|c| **c != lease.name).collect();
        let reads = futures::future::join_all(
            others
                .iter()
                .map(|c| self.client.get_data(&format!("{dir}/{c}"))),
        )
        .await;
        let mut settled = true;
        let mut astray = vec![];
        for (name, read) in others.into_iter().zip(reads) {
            match read {
                Ok((data, stat)) if is_ours(&data, stat.ephemeral_owner, session, &lease.host) => {
                    astray.push(name.clone());
                }
                Ok(_) | Err(zkc::Error::NoNode) => {}
                Err(_) => settled = false,
            }
        }
        for name in &astray {
            let path = format!("{dir}/{name}");
            tracing::info!(app = %lease.app, "deleting {path}: a lease of ours a lost reply left behind");
            if let Err(e) = self.client.delete_resent(&path).await {
                tracing::warn!(app = %lease.app, "deleting {path}: {e}");
                settled = false;
            }
        }
        if settled {
            self.astray.set(&lease.app, &lease.host, false);
        }
        children
            .into_iter()
            .filter(|c| !astray.contains(c))
            .collect()
    }

    /// Write `holding` into our lease: wakes the waiter behind us, and records who holds what.
    async fn mark_holding(&self, lease: &mut Lease) -> Result<()> {
        match self
            .client
            .set_data(&lease.path, &lease.holding_data(), Some(lease.version()))
            .await
        {
            Ok(stat) => {
                lease.set_holding(stat.version);
                Ok(())
            }
            Err(zkc::Error::NoNode) => Err(lease_lost(lease)),
            Err(e) => Err(Error::zk(format!("marking {} holding", lease.path), e)),
        }
    }

    /// Give the slot back. A lease that is already gone (session ended, or deleted with our
    /// final status) is fine.
    pub async fn release(&self, lease: &Lease) -> Result<()> {
        if lease.written().deleted {
            return Ok(());
        }
        // Sent again when the connection drops under it: a lease left behind would hold the
        // slot until our next queue step or the end of the session.
        self.client.delete_resent(&lease.path).await.map_err(|e| {
            if maybe_applied(&e) {
                self.astray.set(&lease.app, &lease.host, true);
            }
            Error::zk(format!("releasing {}", lease.path), e)
        })
    }

    /// Who holds and who waits, in queue order (for `status` and tests).
    pub async fn leases(&self, app: &str) -> Result<Vec<(String, Option<LeaseData>)>> {
        let dir = self.layout.slots(app);
        let mut children = match self.client.list_children(&dir).await {
            Err(zkc::Error::NoNode) => return Ok(vec![]),
            r => r.zk_context(|| format!("listing {dir}"))?,
        };
        children.sort_by_key(|c| lease_sequence(c).unwrap_or(i64::MAX));
        let reads: Vec<_> = children
            .iter()
            .map(|c| self.client.get_data(&format!("{dir}/{c}")))
            .collect();
        let mut out = Vec::with_capacity(children.len());
        for (name, read) in children.into_iter().zip(reads) {
            let data = match read.await {
                Ok((d, _)) => serde_json::from_slice(&d).ok(),
                Err(zkc::Error::NoNode) => continue,
                Err(e) => return Err(Error::zk(format!("reading lease {name}"), e)),
            };
            out.push((name, data));
        }
        Ok(out)
    }
}

fn lease_lost(lease: &Lease) -> Error {
    Error::zk(
        format!("slot lease {} is gone (session expired?)", lease.path),
        zkc::Error::NoNode,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(seqs: &[i64]) -> Vec<String> {
        seqs.iter().map(|s| format!("lease-{s:010}")).collect()
    }

    #[test]
    fn first_slots_hold_in_sequence_order_not_listing_order() {
        let children = names(&[5, 1, 3, 9]);
        assert_eq!(position(&children, "lease-0000000001", 2), Position::Holder);
        assert_eq!(position(&children, "lease-0000000003", 2), Position::Holder);
        assert_eq!(
            position(&children, "lease-0000000005", 2),
            Position::FirstWaiter
        );
        assert_eq!(
            position(&children, "lease-0000000009", 2),
            Position::Behind {
                predecessor: "lease-0000000005".into()
            }
        );
    }

    #[test]
    fn exactly_slots_holders() {
        for slots in 1..6u32 {
            let children = names(&[1, 2, 3, 4, 5, 6, 7, 8]);
            let holders = children
                .iter()
                .filter(|c| position(&children, c, slots) == Position::Holder)
                .count();
            assert_eq!(holders, slots as usize);
            let first = children
                .iter()
                .filter(|c| position(&children, c, slots) == Position::FirstWaiter)
                .count();
            assert_eq!(first, 1);
        }
    }

    #[test]
    fn missing_lease_is_gone_and_foreign_children_ignored() {
        let mut children = names(&[1, 2]);
        children.push("junk".into());
        assert_eq!(position(&children, "lease-0000000003", 1), Position::Gone);
        assert_eq!(
            position(&children, "lease-0000000002", 1),
            Position::FirstWaiter
        );
    }

    #[test]
    fn ours_is_this_session_and_host() {
        let data = |host: &str| {
            serde_json::to_vec(&LeaseData {
                host: host.into(),
                state: LeaseState::Waiting,
            })
            .unwrap()
        };
        assert!(is_ours(&data("web-1"), 7, 7, "web-1"));
        assert!(
            !is_ours(&data("web-2"), 7, 7, "web-1"),
            "another host of the session"
        );
        assert!(!is_ours(&data("web-1"), 8, 7, "web-1"), "another session");
        assert!(!is_ours(b"\xff garbage", 7, 7, "web-1"));
    }

    #[test]
    fn zero_slots_is_treated_as_one() {
        let children = names(&[1, 2]);
        assert_eq!(position(&children, "lease-0000000001", 0), Position::Holder);
    }
}
