//! ZooKeeper access: connecting, the path layout, typed reads and writes, the slot semaphore.

pub mod layout;
pub mod ledger;
pub mod semaphore;
pub mod server;
pub mod store;

use std::time::Duration;

use zookeeper_client as zkc;

pub use layout::Layout;

use crate::error::{Error, Result};

/// How to reach ZooKeeper; merged from flags, environment and config in `settings`.
#[derive(Debug, Clone)]
pub struct ZkOptions {
    pub servers: String,
    pub root: String,
    /// `user:password` for digest auth.
    pub auth: Option<String>,
    pub session_timeout: Duration,
    pub connect_timeout: Duration,
}

impl Default for ZkOptions {
    fn default() -> Self {
        ZkOptions {
            servers: "127.0.0.1:2181".into(),
            root: "/deployctl".into(),
            auth: None,
            session_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// A connected session plus the layout under the configured root.
#[derive(Debug, Clone)]
pub struct Zk {
    pub client: zkc::Client,
    pub layout: Layout,
}

/// Connect, bounded by `connect_timeout` so an unreachable ensemble is an exit-4 error, not a hang.
pub async fn connect(opts: &ZkOptions) -> Result<Zk> {
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
    let unreachable = |reason: String| Error::Unreachable {
        servers: opts.servers.clone(),
        timeout_s: opts.connect_timeout.as_secs(),
        reason,
    };
    let client =
        match tokio::time::timeout(opts.connect_timeout, connector.connect(&opts.servers)).await {
            Err(_) => return Err(unreachable("no answer".into())),
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
        client,
        layout: Layout::new(&opts.root),
    })
}

impl Zk {
    /// Create `path` and its parents if missing (persistent, open ACL until issue #8's ACLs).
    pub async fn ensure_path(&self, path: &str) -> Result<()> {
        let opts = zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all());
        self.client
            .mkdir(path, &opts)
            .await
            .map_err(|e| Error::zk(format!("creating {path}"), e))
    }
}
