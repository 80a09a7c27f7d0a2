//! `deployctl status APP`

use std::time::Duration;

use clap::Args;

use super::Ctx;
use crate::error::Result;
use crate::model::ReleaseSpec;
use crate::ops;
use crate::output::short_duration;
use crate::rollout::HostView;
use crate::zk;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// App to show
    pub app: String,
}

pub use crate::ops::{SlotView, StatusOutput, Unreadable};

pub async fn run(ctx: &Ctx, args: StatusArgs) -> Result<()> {
    crate::validate::app_name(&args.app)?;
    let zk = zk::connect(&ctx.global.zk_options(None, None)).await?;
    let report = ops::status(&zk, &args.app).await?;
    let spec = report.spec.as_ref();
    if ctx.printer.is_json() {
        ctx.printer.json(&report.output());
        return Ok(());
    }
    ctx.printer.line(&human_header(&args.app, spec));
    if let Some(src) = spec.and_then(|s| s.source.as_ref()) {
        ctx.printer.line(&format!("source: {}", src.short()));
    }
    if let Some(p) = &report.step {
        ctx.printer
            .line(&format!("steps: {}", p.describe(&args.app)));
    }
    if let Some(v) = &report.verdict {
        ctx.printer
            .line(&format!("verdict: {}: {}", v.result, v.message));
    }
    for l in crate::output::summary::checks_lines(&report.hosts) {
        ctx.printer.line(&l);
    }
    ctx.printer.table(
        &[
            "HOST", "STATE", "VERSION", "RELEASE", "ATTEMPTS", "DURATION", "MESSAGE",
        ],
        &rows(&report.hosts),
    );
    for u in &report.unreadable {
        ctx.printer.line(&format!(
            "warning: status of {} unreadable: {}",
            u.host, u.error
        ));
    }
    Ok(())
}

fn human_header(app: &str, spec: Option<&ReleaseSpec>) -> String {
    match spec {
        None => format!("{app}: nothing published"),
        Some(s) => format!(
            "{app}: release {} version {} ({}, {} slot{})",
            s.release,
            s.version,
            s.state,
            s.slots,
            if s.slots == 1 { "" } else { "s" }
        ),
    }
}

pub fn rows(views: &[HostView]) -> Vec<Vec<String>> {
    views
        .iter()
        .map(|v| {
            vec![
                v.host.clone(),
                v.state.to_string(),
                v.version.clone().unwrap_or_else(|| "-".into()),
                v.release
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "-".into()),
                v.attempts.to_string(),
                v.duration_ms
                    .map(|ms| short_duration(Duration::from_millis(ms)))
                    .unwrap_or_else(|| "-".into()),
                v.message_for_table(),
            ]
        })
        .collect()
}
