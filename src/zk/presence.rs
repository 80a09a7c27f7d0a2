//! Presence, in one place for agents and ssh-push: the ephemeral `apps/<app>/hosts/<host>` that
//! says "a deployer for this host is alive" for exactly as long as its session.

use zookeeper_client as zkc;

use super::Zk;
use crate::error::{Error, Result, ZkContext};
use crate::model::Presence;

/// The outcome of one registration attempt.
pub enum Registration {
    /// Ours (created now, or already ours in this session).
    Registered,
    /// Another live session holds it (an earlier agent whose session has not expired yet, or a
    /// second deployer for the same host): `gone` fires when that changes.
    Taken {
        owner: i64,
        gone: crate::zk::OneshotWatcher,
    },
}

impl Zk {
    /// Register `presence` for `app` in this session.
    pub async fn register_presence(&self, app: &str, presence: &Presence) -> Result<Registration> {
        let path = self.layout.host(app, &presence.host);
        let data = serde_json::to_vec(presence).unwrap_or_default();
        let acls = self.acls(&path);
        let opts = zkc::CreateMode::Ephemeral.with_acls(zkc::Acls::new(&acls));
        let me = self.client.session_id().0;
        // Usually it is ours already (the self-check of every pass): one read, no failed create.
        if let Ok(Some(s)) = self.client.check_stat(&path).await
            && s.ephemeral_owner == me
        {
            return Ok(Registration::Registered);
        }
        loop {
            match self.client.create(&path, &data, &opts).await {
                Ok(_) => return Ok(Registration::Registered),
                Err(zkc::Error::NodeExists) => {}
                Err(e) => return Err(Error::zk(format!("registering {path}"), e)),
            }
            let (stat, gone) = self
                .client
                .check_and_watch_stat(&path)
                .await
                .zk_context(|| format!("watching {path}"))?;
            match stat {
                // Gone between the two calls: create again.
                None => continue,
                Some(s) if s.ephemeral_owner == me => return Ok(Registration::Registered),
                Some(s) => {
                    return Ok(Registration::Taken {
                        owner: s.ephemeral_owner,
                        gone,
                    });
                }
            }
        }
    }

    /// Replace the presence data (groups changed by a reload), keeping the node.
    pub async fn update_presence(&self, app: &str, presence: &Presence) -> Result<()> {
        let path = self.layout.host(app, &presence.host);
        let data = serde_json::to_vec(presence).unwrap_or_default();
        self.client
            .set_data(&path, &data, None)
            .await
            .map(|_| ())
            .zk_context(|| format!("updating {path}"))
    }

    /// Remove the presence now rather than when the session ends (best effort).
    pub async fn unregister_presence(&self, app: &str, host: &str) {
        let _ = self.client.delete(&self.layout.host(app, host), None).await;
    }
}
