//! `deployctl serve`: a live web page of every rollout, a JSON API mirroring the CLI's JSON,
//! Prometheus metrics and webhook notifications (docs/serve.md).
//!
//! Stateless: ZooKeeper is the state. Every request reads it; the page's live updates and the
//! webhooks are driven by one persistent recursive watch on `apps/` (not by polling), and a
//! webhook event is claimed in ZooKeeper before it is sent, so any number of instances can run
//! behind a load balancer. Sessions are signed with the token, so they are valid on every
//! instance that reads the same token file.

pub mod api;
pub mod auth;
pub mod live;
pub mod metrics;
pub mod page;
pub mod webhook;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::{RwLock, broadcast};

use crate::error::{Error, Result};
use crate::zk::{self, Zk, ZkOptions};

/// The largest request body accepted (API JSON, forms): far more than any real request.
pub const BODY_LIMIT: usize = 16 * 1024;

/// What `serve` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The token guarding the controls; `None`: controls are off (as with `read_only`).
    pub token: Option<String>,
    /// Where the token came from: re-read when the file changes (a rotated token takes over,
    /// the old one stops working at once).
    pub token_file: Option<std::path::PathBuf>,
    pub read_only: bool,
    pub webhooks: Vec<webhook::Target>,
    pub webhook_format: webhook::Format,
    /// A PEM file of extra CA certificates for `https://` webhooks.
    pub webhook_ca: Option<std::path::PathBuf>,
    /// How old an unsent webhook claim must be before another instance takes it over; `None`:
    /// `webhook::TAKEOVER` (tests shorten it: `DEPLOYCTL_WEBHOOK_TAKEOVER`).
    pub webhook_takeover: Option<std::time::Duration>,
}

/// Shared by every request: the ZooKeeper session (replaced when it expires), the settings, and
/// the change feed the watch drives.
pub struct State {
    zk: RwLock<Zk>,
    pub opts: ZkOptions,
    pub config: Config,
    /// Names of apps that changed (`*`: anything may have changed, re-read everything).
    pub changes: broadcast::Sender<String>,
    pub templates: minijinja::Environment<'static>,
    /// Bumped by the watch on every change: a rendered live section is good for one epoch.
    pub epoch: std::sync::atomic::AtomicU64,
    /// The live sections rendered in an epoch (key: the app, `None` for the apps table), so N
    /// watching browsers cost one render per change, not N. A cache: ZooKeeper stays the state.
    pub renders: std::sync::Mutex<live::Renders>,
    /// Wrong tokens by client address (brute-force guard).
    pub guesses: auth::Guesses,
    /// The running totals behind `/metrics`' counters and histograms (they only grow).
    pub totals: metrics::Totals,
    /// The token as last read, and the file's identity then (see [`State::token`]).
    token: std::sync::Mutex<TokenCache>,
}

#[derive(Debug, Default)]
struct TokenCache {
    value: Option<String>,
    /// (modified, length, inode) of the token file when `value` was read.
    seen: Option<(Option<std::time::SystemTime>, u64, u64)>,
}

pub type Shared = Arc<State>;

impl State {
    /// The current session (cheap: a clone of the client handle).
    pub async fn zk(&self) -> Zk {
        self.zk.read().await.clone()
    }

    /// Whether controls can be used at all (a token is set and not `--read-only`).
    pub fn controls_on(&self) -> bool {
        self.token().is_some() && !self.config.read_only
    }

    /// The token now: with `--token-file`, re-read whenever the file changed (one `stat` a
    /// request). A file gone or no longer valid turns the controls off until it is fixed.
    pub fn token(&self) -> Option<String> {
        use std::os::unix::fs::MetadataExt;
        let Some(path) = self.config.token_file.as_deref() else {
            return self.config.token.clone();
        };
        let Ok(mut cache) = self.token.lock() else {
            return None;
        };
        let seen = std::fs::metadata(path)
            .ok()
            .map(|m| (m.modified().ok(), m.len(), m.ino()));
        if cache.seen.is_none() || seen != cache.seen {
            cache.value = match seen.map(|_| auth::read_token(path)) {
                Some(Ok(t)) => {
                    if cache.seen.is_some() {
                        tracing::info!("{} changed: the new token is in force", path.display());
                    }
                    Some(t)
                }
                Some(Err(e)) => {
                    tracing::warn!("{e}: controls are off until the token file is fixed");
                    None
                }
                None => {
                    tracing::warn!("{} is gone: controls are off", path.display());
                    None
                }
            };
            cache.seen = seen;
        }
        cache.value.clone()
    }
}

/// A started server: its address and the task serving it. Dropping it stops the server and its
/// background tasks (the watch, the webhooks).
pub struct Server {
    pub addr: SocketAddr,
    pub task: tokio::task::JoinHandle<()>,
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
        for t in &self.background {
            t.abort();
        }
    }
}

/// Bind `listen`, connect to ZooKeeper and serve until the task is dropped or aborted.
pub async fn start(listen: &str, opts: ZkOptions, config: Config) -> Result<Server> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Error::invalid("--listen address", listen, e.to_string()))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("reading the listening address", e))?;
    let client = webhook::client(config.webhook_ca.as_deref())?;
    let zk = zk::connect(&opts).await?;
    let (changes, _) = broadcast::channel(256);
    let state = Arc::new(State {
        zk: RwLock::new(zk),
        opts,
        config,
        changes,
        templates: page::templates()?,
        epoch: Default::default(),
        renders: Default::default(),
        guesses: Default::default(),
        token: Default::default(),
        totals: Default::default(),
    });
    let mut background = vec![tokio::spawn(live::watch_apps(state.clone()))];
    if !state.config.webhooks.is_empty() {
        background.push(tokio::spawn(webhook::run(state.clone(), client)));
    }
    let app = router(state);
    let task = tokio::spawn(accept_loop(listener, app));
    Ok(Server {
        addr,
        task,
        background,
    })
}

/// How long a client may take to send a request's headers: a connection that trickles them
/// (slowloris: 300 such connections were held for 28 s) is closed, not kept.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Serve `app` on `listener`: one HTTP/1 connection task per client, its address available to
/// the handlers (`ConnectInfo`), its headers due within [`HEADER_READ_TIMEOUT`] (which
/// `axum::serve` cannot set).
async fn accept_loop(listener: tokio::net::TcpListener, app: Router) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of descriptors, a connection reset before it was accepted: go on.
                tracing::warn!("accepting a connection: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let app = app
            .clone()
            .layer(axum::Extension(axum::extract::ConnectInfo(peer)));
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(
                    hyper_util::rt::TokioIo::new(stream),
                    hyper_util::service::TowerToHyperService::new(app),
                );
            if let Err(e) = conn.await {
                tracing::debug!("connection from {peer}: {e}");
            }
        });
    }
}

fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(page::index))
        .route("/apps/{app}", get(page::app))
        .route("/apps/{app}/hosts/{host}", get(page::host))
        .route("/apps/{app}/control", post(page::control))
        .route("/login", get(page::login_form).post(page::login))
        .route("/logout", post(page::logout))
        .route("/events", get(live::events))
        .route("/static/style.css", get(page::style))
        .route("/static/live.js", get(page::script))
        .route("/static/icon.svg", get(page::icon))
        .route("/favicon.ico", get(page::icon))
        .route("/metrics", get(metrics::metrics))
        .route("/api/apps", get(api::apps))
        .route("/api/apps/{app}", get(api::status))
        .route("/api/apps/{app}/history", get(api::history))
        .route("/api/apps/{app}/pause", post(api::pause))
        .route("/api/apps/{app}/resume", post(api::resume))
        .route("/api/apps/{app}/abort", post(api::abort))
        .route("/api/apps/{app}/rollback", post(api::rollback))
        .route("/api/apps/{app}/publish", post(api::publish))
        .route("/api/apps/{app}/promote", post(api::promote))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limit_guesses,
        ))
        .layer(axum::middleware::map_response(security_headers))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// Token attempts — the login form and any `Authorization` header — from an address that has
/// used up its wrong guesses are refused (429) without looking at the token; a 401 answer counts
/// as a wrong guess (auth.rs `Guesses`).
async fn limit_guesses(
    axum::extract::State(state): axum::extract::State<Shared>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let attempt = req
        .headers()
        .contains_key(axum::http::header::AUTHORIZATION)
        || (req.method() == axum::http::Method::POST && req.uri().path() == "/login");
    let ip = peer.ip();
    if attempt && let Some(wait) = state.guesses.blocked(ip, std::time::Instant::now()) {
        let secs = wait.as_secs().max(1).to_string();
        return (
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            [(axum::http::header::RETRY_AFTER, secs.clone())],
            format!("too many wrong tokens from {ip}: try again in {secs} s\n"),
        )
            .into_response();
    }
    let r = next.run(req).await;
    if r.status() == axum::http::StatusCode::UNAUTHORIZED {
        state.guesses.failed(ip, std::time::Instant::now());
    }
    r
}

/// No framing (clickjacking of the controls), nothing but this server's own script, style and
/// event stream, no MIME sniffing.
async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("DENY"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("same-origin"),
    );
    r
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "not found\n",
    )
        .into_response()
}

/// The HTTP status for an error of the commands' code paths: bad input is the client's (400),
/// an unknown app 404, ZooKeeper trouble 503.
pub fn status_of(e: &Error) -> StatusCode {
    match e {
        Error::NoSuchApp(_) => StatusCode::NOT_FOUND,
        Error::Invalid { .. } | Error::Usage(_) => StatusCode::BAD_REQUEST,
        Error::Zk { .. } | Error::Unreachable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}
