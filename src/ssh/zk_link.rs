//! `ssh-push --app APP`: pushed hosts take the app's ZooKeeper slots and report the same status
//! (and ledger outcome) as agents, so `status` and `wait-for-rollout` see them too.

use zookeeper_client as zkc;

use crate::error::{Error, Result};
use crate::model::{HostState, HostStatus, Presence, ReleaseSpec, now_rfc3339};
use crate::rollout::policy;
use crate::zk::semaphore::{Lease, Turn};
use crate::zk::{self, Zk, ZkOptions};

#[derive(Debug)]
pub struct ZkLink {
    zk: Zk,
    pub spec: ReleaseSpec,
}

/// Status node names must be valid host names: `10.0.0.1:2222` reports as `10.0.0.1-2222`.
pub fn status_name(target_name: &str) -> String {
    target_name.replace(':', "-")
}

impl ZkLink {
    /// Connect and pin the app's current release; `version`, when given, must be its version.
    pub async fn connect(opts: &ZkOptions, app: &str, version: Option<&str>) -> Result<Self> {
        let zk = zk::connect(opts).await?;
        let Some((spec, _)) = zk.read_spec(app).await? else {
            return Err(Error::invalid(
                "app",
                app,
                "has no published release (publish it first)",
            ));
        };
        if let Some(v) = version.filter(|v| !v.is_empty())
            && v != spec.version
        {
            return Err(Error::invalid(
                "version",
                v,
                format!(
                    "{app}'s current release {} is {}",
                    spec.release, spec.version
                ),
            ));
        }
        Ok(ZkLink { zk, spec })
    }

    /// Ephemeral presence for the push's duration, like an agent's.
    pub async fn register(&self, host: &str) -> Result<()> {
        crate::validate::host_name(host)?;
        self.zk.ensure_status_node(&self.spec.app, host).await?;
        let presence = Presence {
            host: host.to_string(),
            agent_version: format!("ssh-push {}", env!("CARGO_PKG_VERSION")),
            pid: std::process::id(),
            groups: vec![],
            since: now_rfc3339(),
            session_timeout_ms: None,
        };
        let data = serde_json::to_vec(&presence).unwrap_or_default();
        let path = self.zk.layout.host(&self.spec.app, host);
        let acls = self.zk.acls(&path);
        let opts = zkc::CreateMode::Ephemeral.with_acls(zkc::Acls::new(&acls));
        match self.zk.client.create(&path, &data, &opts).await {
            Ok(_) | Err(zkc::Error::NodeExists) => Ok(()),
            Err(e) => Err(Error::zk(format!("registering {host}"), e)),
        }
    }

    /// Wait for a slot of the app (same semaphore as agents).
    pub async fn acquire(&self, host: &str) -> Result<Lease> {
        let mut lease = self.zk.enqueue(&self.spec.app, host).await?;
        loop {
            let ledger = self
                .zk
                .read_ledger(&self.spec.app, self.spec.release)
                .await?
                .map(|(l, _)| l);
            let slots = policy::effective_slots(&self.spec, ledger.as_ref());
            match self.zk.try_acquire(&mut lease, slots).await {
                Ok(Turn::Holding) => return Ok(lease),
                Ok(Turn::Wait(w)) => {
                    w.changed().await;
                }
                Err(e) => {
                    let _ = self.zk.release(&lease).await;
                    return Err(e);
                }
            }
        }
    }

    pub async fn release(&self, lease: &Lease) {
        if let Err(e) = self.zk.release(lease).await {
            tracing::warn!("{e}");
        }
    }

    /// Write this host's status for the pinned release; final states go into the ledger too.
    pub async fn report(
        &self,
        host: &str,
        state: HostState,
        attempts: u32,
        message: &str,
        tail: &str,
        exit_code: Option<i32>,
    ) -> Result<()> {
        let previous = self.zk.status_of(&self.spec.app, host).await?;
        let started_at = previous
            .filter(|p| p.release == self.spec.release)
            .and_then(|p| p.started_at)
            .or_else(|| Some(now_rfc3339()));
        let st = HostStatus {
            host: host.to_string(),
            release: self.spec.release,
            version: self.spec.version.clone(),
            state,
            attempts,
            started_at,
            finished_at: state.is_terminal().then(now_rfc3339),
            exit_code,
            output_tail: tail.to_string(),
            message: message.to_string(),
            updated_at: now_rfc3339(),
        };
        self.zk.write_status(&self.spec.app, &st, None).await?;
        if state.is_terminal() {
            let targets = self.zk.hosts(&self.spec.app).await?.len();
            self.zk
                .record_outcome(&self.spec.app, self.spec.release, host, state, targets)
                .await?;
        }
        Ok(())
    }

    pub async fn unregister(&self, host: &str) {
        let _ = self
            .zk
            .client
            .delete(&self.zk.layout.host(&self.spec.app, host), None)
            .await;
    }
}
