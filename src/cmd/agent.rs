//! `deployctl agent`: the host daemon.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde::Serialize;
use tokio::signal::unix::{SignalKind, signal};

use super::Ctx;
use crate::agent::{self, AgentConfig, AgentSettings};
use crate::error::{Error, Result};
use crate::model::HostStatus;
use crate::settings::Combine;
use crate::validate;

const DEFAULT_CONFIG: &str = "/etc/deployctl/agent.toml";

#[derive(Debug, Args)]
pub struct AgentArgs {
    /// Agent config (TOML) [default: /etc/deployctl/agent.toml, if it exists]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Host name to register as [default: the hostname]
    #[arg(long)]
    pub host: Option<String>,
    /// App to serve (repeatable; added to the config's apps)
    #[arg(long = "app", value_name = "APP")]
    pub apps: Vec<String>,
    /// Group this host belongs to (repeatable; added to the config's groups)
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,
    /// Working directory root for commands (each app gets apps/<app> below it)
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// ZooKeeper session timeout; a dead agent's slot is freed after this [default: 10s]
    #[arg(long, value_parser = crate::validate::duration, value_name = "DURATION")]
    pub session_timeout: Option<Duration>,
    /// One pass over every app (roll out the current release if needed), then exit
    #[arg(long)]
    pub once: bool,
    /// Serve this agent's metrics (deploys, durations, ZooKeeper session) at
    /// http://ADDR/metrics in the Prometheus text format
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<String>,
}

/// Pure: merge flags over the config file over defaults (`settings::Combine`; apps and groups
/// add up).
fn settings(ctx: &Ctx, args: &AgentArgs, config: AgentConfig) -> Result<AgentSettings> {
    let host = match args.host.clone().combine(config.host.clone()) {
        Some(h) => h,
        None => gethostname::gethostname().to_string_lossy().into_owned(),
    };
    validate::host_name(&host)?;
    let mut apps: Vec<String> = config.apps.keys().cloned().collect();
    for a in &args.apps {
        validate::app_name(a)?;
        if !apps.contains(a) {
            apps.push(a.clone());
        }
    }
    if apps.is_empty() {
        return Err(Error::Usage(
            "agent has no apps to serve: pass --app APP or list [apps.NAME] in the config".into(),
        ));
    }
    let mut zk = ctx
        .global
        .zk_options(config.zk.as_deref(), config.zk_root.as_deref());
    let config_timeout = config
        .session_timeout
        .as_deref()
        .map(|s| crate::validate::duration(s).map_err(|e| Error::invalid("session_timeout", s, e)))
        .transpose()?;
    if let Some(t) = args.session_timeout.combine(config_timeout) {
        zk.session_timeout = t;
    }
    let state_dir = args
        .state_dir
        .clone()
        .combine(config.state_dir.clone())
        .unwrap_or_else(|| PathBuf::from("/var/lib/deployctl"));
    let mut groups = config.groups.clone();
    for g in &args.groups {
        validate::group_name(g)?;
        if !groups.contains(g) {
            groups.push(g.clone());
        }
    }
    // A user that does not exist, or that this agent cannot become, is refused at start.
    for local in config.apps.values() {
        if let Some(user) = &local.run_as {
            crate::agent::run_as::check(user)?;
        }
    }
    let trust = crate::agent::trust::load_policies(&config, &apps)?;
    let prometheus = crate::agent::PrometheusSettings {
        url: config.prometheus_url.clone(),
        bearer: match &config.prometheus_bearer_token_file {
            Some(p) => Some(
                std::fs::read_to_string(p)
                    .map_err(|e| Error::input_file("prometheus_bearer_token_file", p, e))?
                    .trim()
                    .to_string(),
            ),
            None => None,
        },
        ca: config.prometheus_ca.clone(),
    };
    Ok(AgentSettings {
        trust,
        prometheus,
        allow_remote_commands: config.allow_remote_commands.unwrap_or(true),
        secret_names: config.secret_names.clone(),
        groups,
        host,
        apps,
        local: config.apps,
        state_dir,
        zk,
        once: args.once,
    })
}

#[derive(Serialize)]
struct OnceReport<'a> {
    host: &'a str,
    apps: Vec<OnceApp<'a>>,
}

#[derive(Serialize)]
struct OnceApp<'a> {
    app: &'a str,
    #[serde(skip)]
    status: Option<&'a HostStatus>,
    /// The host's status as the CLI prints it; left out when nothing was published.
    #[serde(rename = "status", skip_serializing_if = "Option::is_none")]
    status_view: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The config file in use: `--config`, or the default one when it exists.
fn config_path(args: &AgentArgs) -> Option<PathBuf> {
    args.config.clone().or_else(|| {
        std::path::Path::new(DEFAULT_CONFIG)
            .exists()
            .then(|| PathBuf::from(DEFAULT_CONFIG))
    })
}

fn load(ctx: &Ctx, args: &AgentArgs) -> Result<AgentSettings> {
    let config = match config_path(args) {
        Some(p) => AgentConfig::load(&p)?,
        None => AgentConfig::default(),
    };
    settings(ctx, args, config)
}

/// Serve `agent::metrics` at `/metrics` on `listen` (bound now, so a bad address is an error
/// before the agent starts).
async fn serve_metrics(listen: &str) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Error::invalid("--metrics-listen address", listen, e.to_string()))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("reading the metrics address", e))?;
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(|headers: axum::http::HeaderMap| async move {
            crate::serve::metrics::negotiated(&headers, agent::metrics::encode())
        }),
    );
    tracing::info!("agent metrics at http://{addr}/metrics");
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("serving the agent's metrics: {e}");
        }
    });
    Ok(())
}

pub async fn run(ctx: &Ctx, args: AgentArgs) -> Result<()> {
    let settings = load(ctx, &args)?;
    if let Some(listen) = &args.metrics_listen {
        Box::pin(serve_metrics(listen)).await?;
    }
    let (tx, rx) = tokio::sync::watch::channel(0u8);
    // First SIGTERM/SIGINT: finish the running step, then exit. Second: abandon it now.
    let mut term =
        signal(SignalKind::terminate()).map_err(|e| Error::io("installing SIGTERM handler", e))?;
    let mut int =
        signal(SignalKind::interrupt()).map_err(|e| Error::io("installing SIGINT handler", e))?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            let level = (*tx.borrow() + 1).min(2);
            tracing::warn!(
                "{}",
                if level == 1 {
                    "stopping: finishing the running step first (signal again to abandon it)"
                } else {
                    "abandoning the running step"
                }
            );
            if tx.send(level).is_err() {
                return;
            }
        }
    });
    let host = settings.host.clone();
    let once = settings.once;
    // SIGHUP: read the config again; a bad one is logged and the old settings stay.
    let (reload_tx, reload_rx) = tokio::sync::watch::channel(std::sync::Arc::new(settings));
    let mut hup =
        signal(SignalKind::hangup()).map_err(|e| Error::io("installing SIGHUP handler", e))?;
    let reload_ctx = Ctx {
        global: ctx.global.clone(),
        printer: ctx.printer,
    };
    let reload_args = args;
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            match load(&reload_ctx, &reload_args) {
                Ok(s) => {
                    tracing::info!("SIGHUP: reloading the agent config");
                    let _ = reload_tx.send(std::sync::Arc::new(s));
                }
                Err(e) => tracing::error!("SIGHUP: keeping the running config: {e}"),
            }
        }
    });
    let results = agent::run_reloadable(reload_rx, rx).await?;
    if !once {
        return Ok(());
    }
    let report = OnceReport {
        host: &host,
        apps: results
            .iter()
            .map(|(app, r)| OnceApp {
                app,
                status: r.as_ref().ok().and_then(Option::as_ref),
                status_view: r
                    .as_ref()
                    .ok()
                    .and_then(Option::as_ref)
                    .map(crate::output::views::host_status),
                error: r.as_ref().err().map(|e| e.to_string()),
            })
            .collect(),
    };
    if ctx.printer.is_json() {
        ctx.printer.json(&report);
    } else {
        for a in &report.apps {
            let line = match (&a.status, &a.error) {
                (_, Some(e)) => format!("{}: error: {e}", a.app),
                (Some(st), None) => format!(
                    "{}: {} at {} (release {}): {}",
                    a.app, st.state, st.version, st.release, st.message
                ),
                (None, None) => format!("{}: nothing published", a.app),
            };
            ctx.printer.line(&line);
        }
    }
    let unhealthy: Vec<&str> = report
        .apps
        .iter()
        .filter(|a| a.status.is_some_and(|s| !s.state.is_success()))
        .map(|a| a.app)
        .collect();
    let unhealthy = unhealthy.join(", ");
    drop(report);
    // An error (bad spec, ZooKeeper) keeps its own exit code.
    if let Some(err) = results.into_iter().find_map(|(_, r)| r.err()) {
        return Err(err);
    }
    if unhealthy.is_empty() {
        Ok(())
    } else {
        Err(Error::Failed(format!(
            "{host}: not healthy for {unhealthy}"
        )))
    }
}
