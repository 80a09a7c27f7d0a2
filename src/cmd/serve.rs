//! `deployctl serve`: the web page, JSON API, metrics and webhooks (docs/serve.md).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::Ctx;
use crate::error::{Error, Result};
use crate::serve::{self, webhook};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port; the URL is printed)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// File holding the token that guards the controls (API: `Authorization: Bearer`; page:
    /// log in). Without it the controls are off
    #[arg(long, env = "DEPLOYCTL_SERVE_TOKEN_FILE", value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Turn the controls off (pause, resume, abort, rollback, publish), even with a token
    #[arg(long)]
    pub read_only: bool,
    /// POST an event to this http:// or https:// URL when a release is published, reaches its gate, halts,
    /// is rolled back, succeeds or fails (repeatable)
    #[arg(long = "webhook", value_name = "URL")]
    pub webhooks: Vec<String>,
    /// Body of the webhook requests: the event as JSON, or `{"text": ...}` for Slack-compatible
    /// incoming webhooks
    #[arg(long, value_enum, default_value_t = WebhookFormat::Json)]
    pub webhook_format: WebhookFormat,
    /// PEM file of CA certificates trusted for https:// webhooks, besides the system's
    #[arg(long, value_name = "FILE")]
    pub webhook_ca: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WebhookFormat {
    // The event as a JSON object (plain comments: documented variants would turn the whole
    // --help into clap's long format).
    Json,
    // `{"text": "..."}` for Slack-compatible incoming webhooks.
    Slack,
}

pub use crate::serve::auth::read_token;

pub fn config(args: &ServeArgs) -> Result<serve::Config> {
    let token = args.token_file.as_deref().map(read_token).transpose()?;
    let webhooks = args
        .webhooks
        .iter()
        .map(|u| webhook::Target::parse(u))
        .collect::<Result<Vec<_>>>()?;
    Ok(serve::Config {
        token,
        token_file: args.token_file.clone(),
        read_only: args.read_only,
        webhooks,
        webhook_format: match args.webhook_format {
            WebhookFormat::Json => webhook::Format::Json,
            WebhookFormat::Slack => webhook::Format::Slack,
        },
        webhook_ca: args.webhook_ca.clone(),
        webhook_takeover: takeover_from_env()?,
    })
}

/// `DEPLOYCTL_WEBHOOK_TAKEOVER` (a duration, e.g. `3s`): how old an unsent webhook claim must be
/// before another instance takes it over. Not a flag: tests shorten it; the default suits
/// production (docs/serve.md).
fn takeover_from_env() -> Result<Option<std::time::Duration>> {
    const VAR: &str = "DEPLOYCTL_WEBHOOK_TAKEOVER";
    let Ok(v) = std::env::var(VAR) else {
        return Ok(None);
    };
    let d = crate::validate::duration(&v).map_err(|e| Error::invalid(VAR, &v, e))?;
    if d.is_zero() {
        return Err(Error::invalid(VAR, &v, "must be more than 0"));
    }
    Ok(Some(d))
}

pub async fn run(ctx: &Ctx, args: ServeArgs) -> Result<()> {
    let config = config(&args)?;
    let controls = if config.token.is_none() {
        "off (no --token-file)"
    } else if config.read_only {
        "off (--read-only)"
    } else {
        "on"
    };
    let mut server = serve::start(&args.listen, ctx.global.zk_options(None, None), config).await?;
    let url = format!("http://{}/", server.addr);
    if ctx.printer.is_json() {
        ctx.printer.json(&serde_json::json!({ "url": url }));
    } else {
        ctx.printer.line(&format!("serving {url}"));
    }
    tracing::info!("serving {url}; controls {controls}");
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| Error::io("installing the SIGTERM handler", e))?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
        _ = &mut server.task => return Err(Error::Failed("the HTTP server stopped".into())),
    }
    tracing::info!("stopping");
    Ok(())
}
