//! `ssh-push --app APP`: pushed hosts take the app's ZooKeeper slots and report the same status
//! (and ledger outcome) as agents, so `status` and `wait-for-rollout` see them too.

use crate::error::{Error, Result};
use crate::model::{HostState, HostStatus, Presence, ReleaseSpec, now_rfc3339};
use crate::zk::presence::Registration;
use crate::zk::semaphore::{Lease, SlotWait};
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
        match self.zk.register_presence(&self.spec.app, &presence).await? {
            Registration::Registered => {}
            // An agent serves this host too: its slot discipline still holds (both queue in the
            // same semaphore), but say so.
            Registration::Taken { owner, .. } => tracing::warn!(
                "{host} is registered by another session (0x{owner:x}): an agent serves it too"
            ),
        }
        Ok(())
    }

    /// Wait for a slot of the app: the agents' semaphore and recipe (`Zk::wait_for_slot`).
    pub async fn acquire(&self, host: &str) -> Result<Lease> {
        let mut lease = self.zk.enqueue(&self.spec.app, host).await?;
        let waited = self
            .zk
            .wait_for_slot(&self.spec, &mut lease, std::future::pending())
            .await;
        match waited {
            Ok(SlotWait::Holding) => Ok(lease),
            Ok(SlotWait::MovedOn | SlotWait::Stopped) => {
                let _ = self.zk.release(&lease).await;
                Err(Error::Failed(format!(
                    "release {} of {} is no longer the active release (paused, halted, aborted or superseded)",
                    self.spec.release, self.spec.app
                )))
            }
            Err(e) => {
                let _ = self.zk.release(&lease).await;
                Err(e)
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
            ..Default::default()
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
        self.zk.unregister_presence(&self.spec.app, host).await;
    }
}
