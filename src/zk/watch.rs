//! A persistent ZooKeeper watch that survives reconnections. Every persistent watch in deployctl
//! goes through `PersistentWatch`.
//!
//! Why: `zookeeper-client` 0.11.2 does not re-register persistent watches when it reconnects
//! within the same session (`resend_watches` computes the SetWatches index as
//! `index.max(index)` instead of `index.max(i)`, so it sends SetWatches with the three one-shot
//! lists only). After a leader change or a server restart the server knows no persistent watch
//! any more and no event arrives. The workaround: on every `SyncConnected` after a
//! disconnection, add the watch again (the server keys watches by path and connection, so this
//! is harmless once upstream re-registers them itself) and tell the caller to re-read, since
//! events during the disconnection are lost anyway (ZOOKEEPER-4698). The upstream patch is in
//! docs/reliability.md; with it released, `resync` can go, the re-read must stay.

use zookeeper_client as zkc;

use crate::error::{Error, Result};

/// What a persistent watch reports.
#[derive(Debug)]
pub enum WatchEvent {
    /// A node event under the watched path.
    Node(zkc::WatchedEvent),
    /// The connection came back (same session) and the watch is registered again. Changes made
    /// while disconnected were not reported: re-read what you know.
    Resynced,
}

/// A persistent (or persistent-recursive) watch that is registered again after every
/// reconnection of its session.
pub struct PersistentWatch {
    client: super::Client,
    path: String,
    mode: zkc::AddWatchMode,
    watcher: zkc::PersistentWatcher,
    /// Reconnected and not yet registered again.
    resync: bool,
}

impl std::fmt::Debug for PersistentWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersistentWatch")
            .field("path", &self.path)
            .field("mode", &self.mode)
            .field("resync", &self.resync)
            .finish()
    }
}

impl Drop for PersistentWatch {
    fn drop(&mut self) {
        self.client.uncover(&self.path);
    }
}

impl PersistentWatch {
    /// Add the watch. Read what it covers *after* this returns, so no change is missed.
    pub async fn new(client: &super::Client, path: &str, mode: zkc::AddWatchMode) -> Result<Self> {
        client.cover(path, mode);
        let watcher = match client.watch(path, mode).await {
            Ok(w) => w,
            Err(e) => {
                client.uncover(path);
                return Err(Error::zk(format!("watching {path}"), e));
            }
        };
        Ok(PersistentWatch {
            client: client.clone(),
            path: path.to_string(),
            mode,
            watcher,
            resync: false,
        })
    }

    /// The next event. `Err` when the session is over (expired, closed, authentication failed):
    /// the watch is dead, start a new session. Cancel-safe (usable in `select!`).
    pub async fn next(&mut self) -> Result<WatchEvent> {
        loop {
            if self.resync {
                match self.client.watch(&self.path, self.mode).await {
                    Ok(w) => {
                        // The new watcher is registered before the old one is dropped, so the
                        // drop sends no RemoveWatches for the path.
                        self.watcher = w;
                        self.resync = false;
                        return Ok(WatchEvent::Resynced);
                    }
                    // Lost the connection again: the old watcher still hears the session, and
                    // the next SyncConnected retries.
                    Err(zkc::Error::ConnectionLoss | zkc::Error::Timeout) => {
                        tracing::debug!("re-adding the watch on {}: connection lost", self.path);
                    }
                    Err(e) => {
                        return Err(Error::zk(format!("watching {} again", self.path), e));
                    }
                }
            }
            let ev = self.watcher.changed().await;
            if ev.event_type != zkc::EventType::Session {
                super::client::note_fired();
                return Ok(WatchEvent::Node(ev));
            }
            match ev.session_state {
                // The watcher must not be polled after a terminal state.
                s if s.is_terminated() => {
                    let e = match s {
                        zkc::SessionState::AuthFailed => zkc::Error::AuthFailed,
                        zkc::SessionState::Closed => zkc::Error::ClientClosed,
                        _ => zkc::Error::SessionExpired,
                    };
                    return Err(Error::zk(format!("watching {}", self.path), e));
                }
                zkc::SessionState::SyncConnected | zkc::SessionState::ConnectedReadOnly => {
                    self.resync = true;
                }
                _ => {}
            }
        }
    }
}
