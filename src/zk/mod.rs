//! ZooKeeper access, applying what `policy` decides: connecting, the path layout, typed reads
//! and writes, the compare-and-set, slot and presence recipes, persistent watches.

pub mod acl;
mod cas;
pub mod client;
pub mod layout;
pub mod ledger;
pub mod presence;
mod probe;
mod restart;
pub mod semaphore;
pub mod server;
pub mod store;
pub mod watch;

use std::time::Duration;

use zookeeper_client as zkc;

pub use client::{Client, OneshotWatcher};
pub use layout::Layout;

use crate::error::{Error, Result, ZkContext};

/// How to reach ZooKeeper; merged from flags, environment and config (`cli::GlobalArgs`,
/// `cmd::agent`).
#[derive(Debug, Clone)]
pub struct ZkOptions {
    pub servers: String,
    pub root: String,
    /// `user:password` for digest auth.
    pub auth: Option<String>,
    pub session_timeout: Duration,
    pub connect_timeout: Duration,
    /// Connect over TLS (ZooKeeper's secure client port).
    pub tls: Option<TlsFiles>,
}

/// PEM files for TLS: the CA that signed the servers' certificates, and optionally a client
/// certificate and key (for servers that want client authentication).
#[derive(Debug, Clone, Default)]
pub struct TlsFiles {
    pub ca: std::path::PathBuf,
    pub cert: Option<std::path::PathBuf>,
    pub key: Option<std::path::PathBuf>,
}

impl ZkOptions {
    /// The password of `auth` (`user:password`), when there is one.
    pub fn password(&self) -> Option<&str> {
        self.auth
            .as_deref()
            .and_then(|a| a.split_once(':'))
            .map(|(_, pw)| pw)
            .filter(|pw| !pw.is_empty())
    }
}

fn tls_options(files: &TlsFiles) -> Result<zkc::TlsOptions> {
    if files.ca.as_os_str().is_empty() {
        return Err(Error::Usage(
            "--zk-tls needs --zk-tls-ca FILE (the CA of the servers' certificates)".into(),
        ));
    }
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).map_err(|e| Error::io(format!("reading {}", p.display()), e))
    };
    let bad = |what: &'static str, p: &std::path::Path, e: zkc::Error| {
        Error::invalid(what, p.display(), e.to_string())
    };
    let mut opts = zkc::TlsOptions::new()
        .with_pem_ca(&read(&files.ca)?)
        .map_err(|e| bad("TLS CA file", &files.ca, e))?;
    match (&files.cert, &files.key) {
        (Some(c), Some(k)) => {
            opts = opts
                .with_pem_identity(&read(c)?, &read(k)?)
                .map_err(|e| bad("TLS client certificate", c, e))?;
        }
        (None, None) => {}
        _ => {
            return Err(Error::Usage(
                "--zk-tls-cert and --zk-tls-key go together".into(),
            ));
        }
    }
    Ok(opts)
}

impl Default for ZkOptions {
    fn default() -> Self {
        ZkOptions {
            servers: "127.0.0.1:2181".into(),
            root: "/deployctl".into(),
            auth: None,
            session_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            tls: None,
        }
    }
}

/// A connected session plus the layout under the configured root.
#[derive(Debug, Clone)]
pub struct Zk {
    pub client: Client,
    pub layout: Layout,
    /// The ACL policy from `<root>/acl` (`deployctl init`); `None`: an open tree.
    pub acl: Option<std::sync::Arc<acl::AclPolicy>>,
    /// Commands running on the strength of this session (shared by clones).
    pub work: SessionWork,
    /// Whether the session is confirmed alive, for the commands' heartbeats (shared by clones;
    /// kept up to date by `SessionAlive::keep`, which the agent runs).
    pub alive: SessionAlive,
    /// Slot queues where a lost reply may have left a lease of ours (`semaphore`).
    pub astray: semaphore::Astray,
}

/// Counts the commands running on the strength of a session: a slot it holds, a status it
/// fences. The agent gives a disconnected session up early (so those commands die before the
/// server can expire it and hand the slot on) only while one runs; with none, it waits for the
/// client to reconnect within the session or report it expired, keeping leases, presence and
/// watches through a server restart.
#[derive(Debug, Clone, Default)]
pub struct SessionWork(std::sync::Arc<tokio::sync::watch::Sender<usize>>);

/// One command's share of `SessionWork`, given back when dropped.
#[derive(Debug)]
pub struct Working(std::sync::Arc<tokio::sync::watch::Sender<usize>>);

impl SessionWork {
    pub fn start(&self) -> Working {
        self.0.send_modify(|n| *n += 1);
        Working(self.0.clone())
    }

    /// Resolves once a command runs (at once if one does).
    pub async fn busy(&self) {
        let mut rx = self.0.subscribe();
        // The sender lives in `self`: the wait cannot fail.
        let _ = rx.wait_for(|n| *n > 0).await;
    }
}

/// When the session was last confirmed alive (CLOCK_BOOTTIME, `exec::boottime_ns`): set on
/// connecting, confirmed anew by a read on request (the heartbeats ask after a freeze), cleared
/// when the session is over. A command's heartbeats follow it (`exec::Vouch`).
#[derive(Debug, Clone)]
pub struct SessionAlive {
    confirmed: std::sync::Arc<tokio::sync::watch::Sender<Option<u64>>>,
    ask: std::sync::Arc<tokio::sync::Notify>,
}

impl Default for SessionAlive {
    fn default() -> Self {
        // Connected when made (with the session); `keep` follows it from then on.
        let (tx, _) = tokio::sync::watch::channel(Some(crate::exec::boottime_ns()));
        SessionAlive {
            confirmed: std::sync::Arc::new(tx),
            ask: Default::default(),
        }
    }
}

impl SessionAlive {
    /// What the heartbeats of a command running on this session follow.
    pub fn vouch(&self) -> crate::exec::Vouch {
        crate::exec::Vouch {
            confirmed: self.confirmed.subscribe(),
            ask: self.ask.clone(),
        }
    }

    /// Follow the session's state and answer requests for a confirmation, for the life of the
    /// session. A confirmation is a read the server answered on this session, stamped with the
    /// time it was sent: the session was alive after that.
    pub async fn keep(&self, client: Client, root: String) {
        let connected = |s: zkc::SessionState| {
            matches!(
                s,
                zkc::SessionState::SyncConnected | zkc::SessionState::ConnectedReadOnly
            )
        };
        let mut states = client.state_watcher();
        let mut state = states.state();
        let mut asked = false;
        loop {
            let up = connected(state);
            // A mere disconnection keeps the last confirmation: the agent itself abandons a
            // running command at a third of the session timeout (not a failure of the host),
            // which the supervisor must not pre-empt by killing it for silence.
            if state.is_terminated() {
                self.confirmed.send_replace(None);
                return;
            }
            // Tried until the server answers, or the state changes (then looked at anew).
            let confirm = async {
                if !(asked && up) {
                    return std::future::pending().await;
                }
                loop {
                    let sent = crate::exec::boottime_ns();
                    match client.check_stat(&root).await {
                        Ok(_) => return sent,
                        Err(e) => {
                            tracing::debug!("confirming the ZooKeeper session: {e}");
                            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        }
                    }
                }
            };
            tokio::select! {
                s = states.changed() => {
                    state = s;
                    if connected(state) && !up {
                        // The server took us back into the session: that confirms it.
                        self.confirm(crate::exec::boottime_ns());
                        asked = false;
                    }
                }
                _ = self.ask.notified(), if !asked => asked = true,
                sent = confirm => {
                    self.confirm(sent);
                    asked = false;
                }
            }
        }
    }

    fn confirm(&self, at: u64) {
        self.confirmed
            .send_modify(|c| *c = Some(c.map_or(at, |t| t.max(at))));
    }
}

impl Drop for Working {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// Connect, bounded by `connect_timeout` so an unreachable ensemble is an exit-4 error, not a hang,
/// and read the ACL policy.
pub async fn connect(opts: &ZkOptions) -> Result<Zk> {
    let mut zk = connect_without_policy(opts).await?;
    zk.acl = read_policy(&zk.client, &opts.root)
        .await?
        .map(std::sync::Arc::new);
    Ok(zk)
}

/// Connect without reading the ACL policy (`None`): for `init`, which writes it — also over an
/// unreadable one.
pub async fn connect_without_policy(opts: &ZkOptions) -> Result<Zk> {
    crate::validate::zk_servers(&opts.servers)?;
    crate::validate::zk_root(&opts.root)?;
    let mut connector = zkc::Client::connector()
        .with_session_timeout(opts.session_timeout)
        .with_connection_timeout(opts.connect_timeout.min(opts.session_timeout));
    if let Some(auth) = &opts.auth {
        if !auth.contains(':') {
            return Err(Error::invalid(
                "ZooKeeper auth",
                "<hidden>",
                "expected USER:PASSWORD",
            ));
        }
        connector = connector.with_auth("digest", auth.as_bytes());
    }
    let started = std::time::Instant::now();
    let unreachable = |reason: String| Error::Unreachable {
        servers: opts.servers.clone(),
        waited_s: started.elapsed().as_secs_f64(),
        reason,
    };
    let tls = opts.tls.as_ref().map(tls_options).transpose()?;
    let connecting = async {
        match tls {
            Some(tls) => connector.with_tls(tls).secure_connect(&opts.servers).await,
            None => connector.connect(&opts.servers).await,
        }
    };
    // The client retries a refused port until its timeout and then says only "timeout": probe
    // the servers ourselves, so "refused by every server" ends quickly and every failure says
    // which kind it is.
    let probe = probe::Probe::new(&opts.servers);
    let client = match tokio::select! {
        r = tokio::time::timeout(opts.connect_timeout, connecting) => r,
        verdict = probe.hopeless() => return Err(unreachable(verdict)),
    } {
        Err(_) => return Err(unreachable(probe.describe_timeout().await)),
        Ok(Err(zkc::Error::AuthFailed)) => {
            return Err(Error::zk(
                format!("authenticating to {}", opts.servers),
                zkc::Error::AuthFailed,
            ));
        }
        Ok(Err(zkc::Error::BadArguments(msg))) => {
            return Err(Error::invalid("ZooKeeper address", &opts.servers, msg));
        }
        Ok(Err(e)) => return Err(unreachable(e.to_string())),
        Ok(Ok(c)) => c,
    };
    Ok(Zk {
        acl: None,
        client: Client::new(client),
        layout: Layout::new(&opts.root),
        work: SessionWork::default(),
        alive: SessionAlive::default(),
        astray: Default::default(),
    })
}

/// What `<root>/acl` is called in errors (agents retry on it rather than exit).
pub const ACL_POLICY: &str = "ACL policy";

/// The ACL policy; `None`: an open tree. An unreadable policy on an open tree (its root grants
/// anyone everything) protects nothing, so it is ignored with a warning saying what is wrong;
/// on a protected tree no ACL for new nodes can be guessed safely: an error naming the node.
async fn read_policy(client: &Client, root: &str) -> Result<Option<acl::AclPolicy>> {
    let path = format!("{root}/acl");
    let data = match client.get_data(&path).await {
        Ok((data, _)) => data,
        Err(zkc::Error::NoNode) => return Ok(None),
        Err(e) => return Err(Error::zk(format!("reading {path}"), e)),
    };
    let reason = match serde_json::from_slice(&data) {
        Ok(p) => return Ok(Some(p)),
        Err(e) => format!("not a valid policy: {e}"),
    };
    let (root_acls, _) = client
        .get_acl(root)
        .await
        .zk_context(|| format!("reading the ACL of {root}"))?;
    if acl::is_open(&root_acls) {
        tracing::warn!(
            "ignoring the ACL policy in {path} ({reason}): the tree is open ({root} grants anyone \
             everything), so it stays open; `deployctl init` writes a valid policy"
        );
        return Ok(None);
    }
    Err(Error::invalid(
        ACL_POLICY,
        &path,
        format!(
            "{reason}; the tree is protected, so no ACL for new nodes can be guessed: run \
             `deployctl init` again to rewrite it"
        ),
    ))
}

impl Zk {
    /// The ACL a new node at `path` gets.
    pub fn acls(&self, path: &str) -> Vec<zkc::Acl> {
        let rel = path.strip_prefix(self.layout.root()).unwrap_or(path);
        acl::for_kind(self.acl.as_deref(), acl::kind_of(rel))
    }

    /// Create `path` and its missing parents, each with the ACL of its kind. Existing levels are
    /// only looked at: under ACLs a create there would be refused even though nothing is missing.
    pub async fn ensure_path(&self, path: &str) -> Result<()> {
        let mut prefix = String::new();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            prefix.push('/');
            prefix.push_str(part);
            if self
                .client
                .check_stat(&prefix)
                .await
                .zk_context(|| format!("reading {prefix}"))?
                .is_some()
            {
                continue;
            }
            let acls = self.acls(&prefix);
            let opts = zkc::CreateMode::Persistent.with_acls(zkc::Acls::new(&acls));
            match self.client.create(&prefix, b"", &opts).await {
                Ok(_) | Err(zkc::Error::NodeExists) => {}
                Err(e) => return Err(Error::zk(format!("creating {prefix}"), e)),
            }
        }
        Ok(())
    }
}
