//! Live updates: one persistent recursive ZooKeeper watch on `apps/` per `serve` process feeds a
//! broadcast of changed app names; each Server-Sent Events stream re-renders its section when
//! its app changed and sends it if it differs from what it sent last. Nothing polls.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;
use zookeeper_client as zkc;

use super::{Shared, page};
use crate::zk::watch::{PersistentWatch, WatchEvent};

/// One live section's last render: (epoch, HTML), behind a lock so one render per epoch.
pub type Renders = std::collections::HashMap<
    Option<String>,
    std::sync::Arc<tokio::sync::Mutex<(u64, Option<String>)>>,
>;

/// Tell the live sections (and the webhooks) that `app` changed.
fn changed(state: &Shared, app: String) {
    state
        .epoch
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let _ = state.changes.send(app);
}

/// Anything may have changed (a reconnection, a new session, a lagging receiver).
pub const ALL: &str = "*";

/// The app a watched path belongs to; `None` for paths no page shows (webhook claims).
fn app_of(apps_path: &str, path: &str) -> Option<String> {
    let rest = path.strip_prefix(apps_path)?.strip_prefix('/')?;
    let mut parts = rest.split('/');
    let app = parts.next().filter(|a| !a.is_empty())?;
    if parts.next() == Some("events") {
        return None;
    }
    Some(app.to_string())
}

/// Watch `apps/` for the life of the process; a session that ends is replaced by a new one.
pub async fn watch_apps(state: Shared) {
    let mut backoff = Duration::from_millis(200);
    loop {
        let zk = state.zk().await;
        let apps = zk.layout.apps();
        match PersistentWatch::new(&zk.client, &apps, zkc::AddWatchMode::PersistentRecursive).await
        {
            Ok(mut w) => {
                backoff = Duration::from_millis(200);
                changed(&state, ALL.into());
                loop {
                    match w.next().await {
                        Ok(WatchEvent::Node(ev)) => {
                            if let Some(app) = app_of(&apps, &ev.path) {
                                changed(&state, app);
                            }
                        }
                        Ok(WatchEvent::Resynced) => changed(&state, ALL.into()),
                        Err(e) => {
                            tracing::warn!("watching {apps}: {e}; starting a new session");
                            break;
                        }
                    }
                }
            }
            Err(e) => tracing::warn!("watching {apps}: {e}"),
        }
        // The session is over (or the watch could not be added): connect anew.
        loop {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(10));
            match crate::zk::connect(&state.opts).await {
                Ok(fresh) => {
                    *state.zk.write().await = fresh;
                    break;
                }
                Err(e) => tracing::warn!("reconnecting to ZooKeeper: {e}"),
            }
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct EventsQuery {
    app: Option<String>,
}

/// The HTML of the live section as of now: rendered once per epoch, shared by every stream.
async fn render(state: &Shared, app: Option<&str>) -> Option<String> {
    let epoch = state.epoch.load(std::sync::atomic::Ordering::SeqCst);
    let slot = {
        let mut renders = match state.renders.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Keys come from requests (any valid app name): keep the map small.
        if renders.len() > 1000 {
            renders.clear();
        }
        renders.entry(app.map(str::to_string)).or_default().clone()
    };
    let mut slot = slot.lock().await;
    if slot.0 != epoch || slot.1.is_none() {
        *slot = (epoch, render_now(state, app).await);
    }
    slot.1.clone()
}

/// The HTML of the live section: one app's, or the apps table.
async fn render_now(state: &Shared, app: Option<&str>) -> Option<String> {
    let zk = state.zk().await;
    let (template, ctx): (&str, crate::error::Result<Value>) = match app {
        Some(app) => ("live_app.html", page::app_context(&zk, app).await),
        None => ("live_index.html", page::index_context(&zk).await),
    };
    match ctx.and_then(|ctx| page::render(state, template, &ctx)) {
        Ok(html) => Some(html),
        Err(e) => {
            tracing::debug!("live update: {e}");
            None
        }
    }
}

/// `GET /events[?app=APP]`: an `update` event with the live section's HTML whenever it changed.
pub async fn events(
    State(state): State<Shared>,
    Query(q): Query<EventsQuery>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let app = q.app.filter(|a| crate::validate::app_name(a).is_ok());
    let rx = state.changes.subscribe();
    struct S {
        state: Shared,
        app: Option<String>,
        rx: tokio::sync::broadcast::Receiver<String>,
        last: Option<String>,
        first: bool,
    }
    let s = S {
        state,
        app,
        rx,
        last: None,
        first: true,
    };
    let stream = futures::stream::unfold(s, |mut s| async move {
        loop {
            if !s.first {
                // Wait for a change that concerns this section…
                loop {
                    match s.rx.recv().await {
                        Ok(a) if a == ALL || s.app.as_ref().is_none_or(|mine| *mine == a) => {
                            break;
                        }
                        Ok(_) => {}
                        Err(RecvError::Lagged(_)) => break,
                        Err(RecvError::Closed) => return None,
                    }
                }
                // …and take the ones already queued with it: one render for a burst.
                while s.rx.try_recv().is_ok() {}
            }
            s.first = false;
            let Some(html) = render(&s.state, s.app.as_deref()).await else {
                continue;
            };
            if s.last.as_deref() == Some(html.as_str()) {
                continue;
            }
            s.last = Some(html.clone());
            let ev = Event::default().event("update").data(html);
            return Some((Ok(ev), s));
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_app() {
        let apps = "/d/apps";
        assert_eq!(app_of(apps, "/d/apps/shop"), Some("shop".into()));
        assert_eq!(app_of(apps, "/d/apps/shop/status/h1"), Some("shop".into()));
        assert_eq!(app_of(apps, "/d/apps/shop/events/r-1-halted"), None);
        assert_eq!(app_of(apps, "/d/apps"), None);
        assert_eq!(app_of(apps, "/d/appsx/shop"), None);
    }
}
