//! The ZooKeeper client boundary: every request deployctl sends goes through `Client`, which
//! counts it by kind (process-wide, `counts()`), and the data of watched nodes is kept while
//! their watch has not fired (`get_data_cached`): data a watch has not invalidated is not read
//! again.
//!
//! The methods mirror `zookeeper_client::Client`'s and send their request when called (not when
//! awaited), so reads started together are pipelined as before.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use zookeeper_client as zkc;

type ZkResult<T> = std::result::Result<T, zkc::Error>;

/// Requests sent by this process, by kind (the bench and the agent's debug log read them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Single reads (data, stat, children, ACL) and multi-reads.
    pub reads: u64,
    /// Single writes (create, set, delete, set ACL).
    pub writes: u64,
    /// Multi-op writes (one request, several writes committed together).
    pub multis: u64,
    /// Watches added (persistent) or removed (a one-shot watcher dropped before it fired).
    pub watch_requests: u64,
    /// One-shot and persistent watch events received.
    pub watches_fired: u64,
}

impl Counts {
    /// Requests sent: everything but the events received.
    pub fn requests(&self) -> u64 {
        self.reads + self.writes + self.multis + self.watch_requests
    }

    pub fn since(&self, earlier: &Counts) -> Counts {
        Counts {
            reads: self.reads - earlier.reads,
            writes: self.writes - earlier.writes,
            multis: self.multis - earlier.multis,
            watch_requests: self.watch_requests - earlier.watch_requests,
            watches_fired: self.watches_fired - earlier.watches_fired,
        }
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} requests ({} reads, {} writes, {} multi-ops, {} watch adds/removes), {} watch events",
            self.requests(),
            self.reads,
            self.writes,
            self.multis,
            self.watch_requests,
            self.watches_fired
        )
    }
}

static READS: AtomicU64 = AtomicU64::new(0);
static WRITES: AtomicU64 = AtomicU64::new(0);
static MULTIS: AtomicU64 = AtomicU64::new(0);
static WATCH_REQUESTS: AtomicU64 = AtomicU64::new(0);
static FIRED: AtomicU64 = AtomicU64::new(0);

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// Count a request and name it in the trace log (`DEPLOYCTL_LOG=deployctl::zk::client=trace`
/// lists every request an agent sends).
fn sent(c: &AtomicU64, op: &str, path: &str) {
    bump(c);
    tracing::trace!(target: "deployctl::zk::client", "{op} {path}");
}

/// What this process sent and received so far.
pub fn counts() -> Counts {
    Counts {
        reads: READS.load(Ordering::Relaxed),
        writes: WRITES.load(Ordering::Relaxed),
        multis: MULTIS.load(Ordering::Relaxed),
        watch_requests: WATCH_REQUESTS.load(Ordering::Relaxed),
        watches_fired: FIRED.load(Ordering::Relaxed),
    }
}

type Fired = Shared<BoxFuture<'static, zkc::WatchedEvent>>;

/// A one-shot watch: fires once, when the node (or its children) changes or the session ends.
pub struct OneshotWatcher(Inner);

enum Inner {
    Own(Option<zkc::OneshotWatcher>),
    /// Shared with the data cache (and other readers of the same node).
    Shared(Fired),
    /// No one-shot watch was set: the path has a persistent watch in this session, whose
    /// events report its changes (see `Client::covers`). Never fires.
    Covered,
}

impl std::fmt::Debug for OneshotWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OneshotWatcher")
    }
}

impl OneshotWatcher {
    fn own(w: zkc::OneshotWatcher) -> Self {
        OneshotWatcher(Inner::Own(Some(w)))
    }

    /// No watch was set: see `Inner::Covered`.
    fn covered() -> Self {
        OneshotWatcher(Inner::Covered)
    }

    pub async fn changed(mut self) -> zkc::WatchedEvent {
        match &mut self.0 {
            Inner::Own(w) => {
                let w = w.take().expect("a watcher is awaited once");
                let ev = w.changed().await;
                bump(&FIRED);
                ev
            }
            Inner::Shared(f) => f.clone().await,
            Inner::Covered => std::future::pending().await,
        }
    }
}

impl Drop for OneshotWatcher {
    fn drop(&mut self) {
        // The client sends RemoveWatches for a watcher dropped before it fired (when it was the
        // last one on its path): a request too.
        if let Inner::Own(Some(_)) = &self.0 {
            sent(&WATCH_REQUESTS, "remove_watches", "(dropped watcher)");
        }
    }
}

/// A node's data (or children) as last read, valid while the watch set by that read has not
/// fired.
struct Cached {
    data: Vec<u8>,
    stat: zkc::Stat,
    children: Vec<String>,
    fired: Fired,
}

fn unfired(f: &Fired) -> bool {
    f.peek().is_none() && f.clone().now_or_never().is_none()
}

/// Nodes read per multi-read in `get_many`: a status is at most a few KiB, and a reply must
/// stay well under ZooKeeper's 1 MiB packet limit (jute.maxbuffer).
const GET_MANY_CHUNK: usize = 64;

/// Entries kept at most (each holds one server-side watch); fired ones go first.
const CACHE_ENTRIES: usize = 256;

/// A counting ZooKeeper client (cheap to clone; clones share the session and the cache).
#[derive(Clone)]
pub struct Client {
    inner: zkc::Client,
    cache: Arc<Mutex<HashMap<String, Cached>>>,
    /// Paths with a persistent watch in this session (`PersistentWatch`): mode and count.
    covered: Arc<Mutex<HashMap<String, (zkc::AddWatchMode, usize)>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("session", &self.inner.session_id())
            .finish()
    }
}

impl Client {
    pub fn new(inner: zkc::Client) -> Self {
        Client {
            inner,
            cache: Default::default(),
            covered: Default::default(),
        }
    }

    pub fn session_id(&self) -> zkc::SessionId {
        self.inner.session_id()
    }

    pub fn state_watcher(&self) -> zkc::StateWatcher {
        self.inner.state_watcher()
    }

    /// Whether a one-shot watch on `path` (a children watch if `children`) would clash with a
    /// persistent watch of this session. ZooKeeper before 3.9 (Debian 12 ships 3.8) keeps one
    /// watch mode per path and connection (ZOOKEEPER-4466): a one-shot data watch set on the
    /// path of a persistent recursive watch replaces it, so after its first event the session
    /// hears nothing below the path any more, and removing a one-shot watch removes the
    /// persistent one too. Reads of such a path set no watch (and are not cached): the
    /// persistent watch reports its changes.
    fn covers(&self, path: &str, children: bool) -> bool {
        let covered = self.covered.lock().unwrap_or_else(|e| e.into_inner());
        match covered.get(path) {
            // A recursive watch lives with the data watches only.
            Some((zkc::AddWatchMode::PersistentRecursive, _)) => !children,
            Some(_) => true,
            None => false,
        }
    }

    /// Note a persistent watch about to be added on `path` (`PersistentWatch`). A cached
    /// one-shot watch on the path is dropped first, so its removal reaches the server before
    /// the persistent watch does.
    pub(crate) fn cover(&self, path: &str, mode: zkc::AddWatchMode) {
        {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            cache.remove(&format!("d{path}"));
            if mode != zkc::AddWatchMode::PersistentRecursive {
                cache.remove(&format!("c{path}"));
            }
        }
        let mut covered = self.covered.lock().unwrap_or_else(|e| e.into_inner());
        covered.entry(path.to_string()).or_insert((mode, 0)).1 += 1;
    }

    /// The persistent watch on `path` is gone.
    pub(crate) fn uncover(&self, path: &str) {
        let mut covered = self.covered.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = covered.get_mut(path) {
            c.1 -= 1;
            if c.1 == 0 {
                covered.remove(path);
            }
        }
    }

    pub fn get_data(
        &self,
        path: &str,
    ) -> impl Future<Output = ZkResult<(Vec<u8>, zkc::Stat)>> + Send + use<> {
        sent(&READS, "get_data", path);
        let first = self.inner.get_data(path);
        let (inner, path) = (self.inner.clone(), path.to_string());
        resent(first, move || {
            sent(&READS, "get_data", &path);
            inner.get_data(&path)
        })
    }

    pub fn get_and_watch_data(
        &self,
        path: &str,
    ) -> impl Future<Output = ZkResult<(Vec<u8>, zkc::Stat, OneshotWatcher)>> + Send + '_ {
        if self.covers(path, false) {
            let f = self.get_data(path);
            return async move { f.await.map(|(d, s)| (d, s, OneshotWatcher::covered())) }.boxed();
        }
        sent(&READS, "get_and_watch_data", path);
        let f = self.inner.get_and_watch_data(path);
        async move { f.await.map(|(d, s, w)| (d, s, OneshotWatcher::own(w))) }.boxed()
    }

    /// A node's data and a watcher for its next change. Served from the cache while the watch
    /// of the last read has not fired: ZooKeeper delivers a watch event before any read can
    /// return the data that triggered it, and this client hands events to their watchers in
    /// order before the reply of any later request, so an unfired watch means the data is what
    /// a read would return now (as of this session's view). Our own writes fire our watch too
    /// (the event precedes the write's reply), so they invalidate as well.
    pub async fn get_data_cached(
        &self,
        path: &str,
    ) -> ZkResult<(Vec<u8>, zkc::Stat, OneshotWatcher)> {
        if self.covers(path, false) {
            let (data, stat) = self.get_data(path).await?;
            return Ok((data, stat, OneshotWatcher::covered()));
        }
        let key = format!("d{path}");
        if let Some((data, stat, _, w)) = self.cached(&key) {
            return Ok((data, stat, w));
        }
        sent(&READS, "get_and_watch_data", path);
        let (data, stat, w) = resent(self.inner.get_and_watch_data(path), || {
            sent(&READS, "get_and_watch_data", path);
            self.inner.get_and_watch_data(path)
        })
        .await?;
        let w = self.remember(key, data.clone(), stat, vec![], w);
        Ok((data, stat, w))
    }

    /// A node's children and a watcher for their next change, cached like `get_data_cached`.
    pub async fn list_children_cached(
        &self,
        path: &str,
    ) -> ZkResult<(Vec<String>, OneshotWatcher)> {
        if self.covers(path, true) {
            let children = self.list_children(path).await?;
            return Ok((children, OneshotWatcher::covered()));
        }
        let key = format!("c{path}");
        if let Some((_, _, children, w)) = self.cached(&key) {
            return Ok((children, w));
        }
        sent(&READS, "get_and_watch_children", path);
        let (children, stat, w) = self.inner.get_and_watch_children(path).await?;
        let w = self.remember(key, vec![], stat, children.clone(), w);
        Ok((children, w))
    }

    #[allow(clippy::type_complexity)]
    fn cached(&self, key: &str) -> Option<(Vec<u8>, zkc::Stat, Vec<String>, OneshotWatcher)> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let c = cache.get(key)?;
        if unfired(&c.fired) {
            return Some((
                c.data.clone(),
                c.stat,
                c.children.clone(),
                OneshotWatcher(Inner::Shared(c.fired.clone())),
            ));
        }
        cache.remove(key);
        None
    }

    fn remember(
        &self,
        key: String,
        data: Vec<u8>,
        stat: zkc::Stat,
        children: Vec<String>,
        w: zkc::OneshotWatcher,
    ) -> OneshotWatcher {
        let fired: Fired = async move {
            let ev = w.changed().await;
            bump(&FIRED);
            ev
        }
        .boxed()
        .shared();
        let watcher = OneshotWatcher(Inner::Shared(fired.clone()));
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE_ENTRIES {
            cache.retain(|_, c| unfired(&c.fired));
            if cache.len() >= CACHE_ENTRIES {
                cache.clear();
            }
        }
        cache.insert(
            key,
            Cached {
                data,
                stat,
                children,
                fired,
            },
        );
        watcher
    }

    pub fn check_stat(
        &self,
        path: &str,
    ) -> impl Future<Output = ZkResult<Option<zkc::Stat>>> + Send + use<> {
        sent(&READS, "check_stat", path);
        let first = self.inner.check_stat(path);
        let (inner, path) = (self.inner.clone(), path.to_string());
        resent(first, move || {
            sent(&READS, "check_stat", &path);
            inner.check_stat(&path)
        })
    }

    pub fn check_and_watch_stat(
        &self,
        path: &str,
    ) -> impl Future<Output = ZkResult<(Option<zkc::Stat>, OneshotWatcher)>> + Send + '_ {
        if self.covers(path, false) {
            let f = self.check_stat(path);
            return async move { f.await.map(|s| (s, OneshotWatcher::covered())) }.boxed();
        }
        sent(&READS, "check_and_watch_stat", path);
        let f = self.inner.check_and_watch_stat(path);
        async move { f.await.map(|(s, w)| (s, OneshotWatcher::own(w))) }.boxed()
    }

    pub fn list_children(
        &self,
        path: &str,
    ) -> impl Future<Output = ZkResult<Vec<String>>> + Send + '_ {
        sent(&READS, "list_children", path);
        self.inner.list_children(path)
    }

    pub fn list_and_watch_children(
        &self,
        path: &str,
    ) -> impl Future<Output = ZkResult<(Vec<String>, OneshotWatcher)>> + Send + '_ {
        if self.covers(path, true) {
            let f = self.list_children(path);
            return async move { f.await.map(|c| (c, OneshotWatcher::covered())) }.boxed();
        }
        sent(&READS, "list_and_watch_children", path);
        let f = self.inner.list_and_watch_children(path);
        async move { f.await.map(|(c, w)| (c, OneshotWatcher::own(w))) }.boxed()
    }

    pub fn get_and_watch_children(
        &self,
        path: &str,
    ) -> impl Future<Output = ZkResult<(Vec<String>, zkc::Stat, OneshotWatcher)>> + Send + '_ {
        if self.covers(path, true) {
            sent(&READS, "get_children", path);
            let f = self.inner.get_children(path);
            return async move { f.await.map(|(c, s)| (c, s, OneshotWatcher::covered())) }.boxed();
        }
        sent(&READS, "get_and_watch_children", path);
        let f = self.inner.get_and_watch_children(path);
        async move { f.await.map(|(c, s, w)| (c, s, OneshotWatcher::own(w))) }.boxed()
    }

    pub fn get_acl(
        &self,
        path: &str,
    ) -> impl Future<Output = ZkResult<(Vec<zkc::Acl>, zkc::Stat)>> + Send + '_ {
        sent(&READS, "get_acl", path);
        self.inner.get_acl(path)
    }

    pub fn create<'a: 'f, 'b: 'f, 'f>(
        &'a self,
        path: &'b str,
        data: &[u8],
        options: &zkc::CreateOptions<'_>,
    ) -> impl Future<Output = ZkResult<(zkc::Stat, zkc::CreateSequence)>> + Send + 'f {
        sent(&WRITES, "create", path);
        self.inner.create(path, data, options)
    }

    pub fn set_data(
        &self,
        path: &str,
        data: &[u8],
        expected_version: Option<i32>,
    ) -> impl Future<Output = ZkResult<zkc::Stat>> + Send + use<> {
        sent(&WRITES, "set_data", path);
        self.inner.set_data(path, data, expected_version)
    }

    pub fn delete(
        &self,
        path: &str,
        expected_version: Option<i32>,
    ) -> impl Future<Output = ZkResult<()>> + Send + use<> {
        sent(&WRITES, "delete", path);
        self.inner.delete(path, expected_version)
    }

    /// Delete a node only we delete (our own lease), sent again when the connection drops
    /// under it (`resent`). Gone counts as deleted: the first send may have done it.
    pub async fn delete_resent(&self, path: &str) -> ZkResult<()> {
        let r = resent(self.delete(path, None), || self.delete(path, None)).await;
        match r {
            Err(zkc::Error::NoNode) => Ok(()),
            r => r,
        }
    }

    pub fn set_acl(
        &self,
        path: &str,
        acl: &[zkc::Acl],
        expected_acl_version: Option<i32>,
    ) -> impl Future<Output = ZkResult<zkc::Stat>> + Send + '_ {
        sent(&WRITES, "set_acl", path);
        self.inner.set_acl(path, acl, expected_acl_version)
    }

    /// Add a persistent watch (one request; its events are counted by `PersistentWatch`).
    pub fn watch(
        &self,
        path: &str,
        mode: zkc::AddWatchMode,
    ) -> impl Future<Output = ZkResult<zkc::PersistentWatcher>> + Send + '_ {
        sent(&WATCH_REQUESTS, "watch", path);
        self.inner.watch(path, mode)
    }

    /// The data of many nodes, `GET_MANY_CHUNK` per request (multi-reads): one result per path,
    /// in order (`Err(NoNode)` for one that is gone).
    pub async fn get_many(&self, paths: &[String]) -> ZkResult<Vec<ZkResult<Vec<u8>>>> {
        resent(self.get_many_once(paths), || self.get_many_once(paths)).await
    }

    async fn get_many_once(&self, paths: &[String]) -> ZkResult<Vec<ZkResult<Vec<u8>>>> {
        let mut out = Vec::with_capacity(paths.len());
        let mut pending = vec![];
        for chunk in paths.chunks(GET_MANY_CHUNK) {
            let mut reader = self.new_multi_reader();
            for p in chunk {
                reader.add_get_data(p)?;
            }
            // Sent now, awaited below: the chunks are pipelined.
            pending.push((chunk.len(), reader.commit()));
        }
        for (n, reply) in pending {
            let results = reply.await?;
            if results.len() != n {
                return Err(zkc::Error::UnexpectedError(format!(
                    "multi-read of {n} nodes answered {}",
                    results.len()
                )));
            }
            out.extend(results.into_iter().map(|r| match r {
                zkc::MultiReadResult::Data { data, .. } => Ok(data),
                zkc::MultiReadResult::Error { err } => Err(err),
                other => Err(zkc::Error::UnexpectedError(format!(
                    "multi-read answered {other:?}"
                ))),
            }));
        }
        Ok(out)
    }

    pub fn new_multi_writer(&self) -> MultiWriter<'_> {
        MultiWriter(self.inner.new_multi_writer())
    }

    pub fn new_multi_reader(&self) -> MultiReader<'_> {
        MultiReader(self.inner.new_multi_reader())
    }
}

/// Times a read is sent at most when the connection drops under it.
const READ_ATTEMPTS: usize = 3;

/// A read is idempotent (and so is deleting a node only we delete, once "gone" counts as done):
/// one cut off by a lost connection is sent again. The client queues it
/// until it has reconnected within the session (or fails it when the session is over), so a
/// one-shot command rides out a server restart or a loaded machine's missed ping instead of
/// exiting 4.
async fn resent<T, F>(first: F, mut again: impl FnMut() -> F) -> ZkResult<T>
where
    F: Future<Output = ZkResult<T>>,
{
    let mut r = first.await;
    for _ in 1..READ_ATTEMPTS {
        // A dropped connection fails the requests in flight with `ConnectionLoss` or with the
        // transport's I/O error (`Custom`, e.g. connection reset).
        if !matches!(r, Err(zkc::Error::ConnectionLoss | zkc::Error::Custom(_))) {
            break;
        }
        tracing::debug!("connection lost under a read; sending it again");
        r = again().await;
    }
    r
}

/// Count a persistent watch event (watch.rs).
pub(crate) fn note_fired() {
    bump(&FIRED);
}

/// Several writes committed in one request (all or none).
pub struct MultiWriter<'a>(zkc::MultiWriter<'a>);

impl<'a> MultiWriter<'a> {
    pub fn add_check_version(&mut self, path: &str, version: i32) -> ZkResult<()> {
        self.0.add_check_version(path, version)
    }

    pub fn add_create(
        &mut self,
        path: &str,
        data: &[u8],
        options: &zkc::CreateOptions<'_>,
    ) -> ZkResult<()> {
        self.0.add_create(path, data, options)
    }

    pub fn add_set_data(
        &mut self,
        path: &str,
        data: &[u8],
        expected_version: Option<i32>,
    ) -> ZkResult<()> {
        self.0.add_set_data(path, data, expected_version)
    }

    pub fn add_delete(&mut self, path: &str, expected_version: Option<i32>) -> ZkResult<()> {
        self.0.add_delete(path, expected_version)
    }

    pub fn commit(
        &mut self,
    ) -> impl Future<Output = Result<Vec<zkc::MultiWriteResult>, zkc::MultiWriteError>> + Send + 'a
    {
        sent(&MULTIS, "multi", "");
        self.0.commit()
    }
}

/// Several reads answered in one request.
pub struct MultiReader<'a>(zkc::MultiReader<'a>);

impl<'a> MultiReader<'a> {
    pub fn add_get_data(&mut self, path: &str) -> ZkResult<()> {
        self.0.add_get_data(path)
    }

    pub fn add_get_children(&mut self, path: &str) -> ZkResult<()> {
        self.0.add_get_children(path)
    }

    pub fn commit(
        &mut self,
    ) -> impl Future<Output = ZkResult<Vec<zkc::MultiReadResult>>> + Send + 'a {
        sent(&READS, "multi_read", "");
        self.0.commit()
    }
}
