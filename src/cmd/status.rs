//! `deployctl status APP`

use std::time::{Duration, SystemTime};

use clap::Args;
use serde::Serialize;

use super::Ctx;
use crate::error::Result;
use crate::model::{HostStatus, ReleaseSpec};
use crate::output::short_duration;
use crate::rollout::{HostView, host_views};
use crate::validate;
use crate::zk;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// App to show
    pub app: String,
}

/// The JSON printed by `status --output json` (docs/output.md, docs/schema/).
#[derive(Debug, Serialize)]
pub struct StatusOutput<'a> {
    pub app: &'a str,
    /// The current release's id, version and spec; left out while nothing is published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<serde_json::Value>,
    /// Where a stepped release (`--steps`, `--canary`) stands: the step, the gate it waits at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<serde_json::Value>,
    pub hosts: &'a [HostView],
    /// Slot leases in queue order: who holds, who waits.
    pub slots: Vec<SlotView>,
    /// Status nodes that could not be read (planted or corrupt data).
    pub unreadable: Vec<Unreadable>,
}

#[derive(Debug, Serialize)]
pub struct SlotView {
    pub lease: String,
    /// Left out when the lease's data cannot be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<crate::zk::semaphore::LeaseState>,
}

#[derive(Debug, Serialize)]
pub struct Unreadable {
    pub host: String,
    pub error: String,
}

pub async fn run(ctx: &Ctx, args: StatusArgs) -> Result<()> {
    validate::app_name(&args.app)?;
    let zk = zk::connect(&ctx.global.zk_options(None, None)).await?;
    let spec = zk.read_spec(&args.app).await?.map(|(s, _)| s.redacted());
    if spec.is_none() {
        // Hosts registered before the first publish are worth showing; a typo is not.
        zk.require_app(&args.app).await?;
    }
    let registered: Vec<String> = zk
        .hosts(&args.app)
        .await?
        .into_iter()
        .map(|(h, _)| h)
        .collect();
    let mut statuses: Vec<HostStatus> = vec![];
    let mut unreadable = vec![];
    for (host, read) in zk.statuses(&args.app).await? {
        match read {
            Ok(st) => statuses.push(st),
            Err(e) => unreadable.push(Unreadable {
                host,
                error: e.to_string(),
            }),
        }
    }
    let views = host_views(
        spec.as_ref(),
        &registered,
        &statuses,
        &Default::default(),
        SystemTime::now(),
    );
    let slots = zk
        .leases(&args.app)
        .await?
        .into_iter()
        .map(|(lease, d)| SlotView {
            lease,
            host: d.as_ref().map(|d| d.host.clone()),
            state: d.map(|d| d.state),
        })
        .collect();
    let position = match &spec {
        Some(s) => step_position(&zk, s).await?,
        None => None,
    };
    let out = StatusOutput {
        app: &args.app,
        release: spec.as_ref().map(|s| s.release),
        version: spec.as_ref().map(|s| s.version.as_str()),
        spec: spec.as_ref().map(crate::output::views::spec),
        step: position
            .as_ref()
            .map(|p| crate::output::views::step(p, &args.app)),
        hosts: &views,
        slots,
        unreadable,
    };
    if ctx.printer.is_json() {
        ctx.printer.json(&out);
        return Ok(());
    }
    ctx.printer.line(&human_header(&args.app, spec.as_ref()));
    if let Some(src) = spec.as_ref().and_then(|s| s.source.as_ref()) {
        ctx.printer.line(&format!("source: {}", src.short()));
    }
    if let Some(p) = &position {
        ctx.printer
            .line(&format!("steps: {}", p.describe(&args.app)));
    }
    ctx.printer.table(
        &[
            "HOST", "STATE", "VERSION", "RELEASE", "ATTEMPTS", "DURATION", "MESSAGE",
        ],
        &rows(&views),
    );
    for u in &out.unreadable {
        ctx.printer.line(&format!(
            "warning: status of {} unreadable: {}",
            u.host, u.error
        ));
    }
    Ok(())
}

/// Where the current release stands in its steps, while it runs (`None` without steps).
async fn step_position(
    zk: &zk::Zk,
    spec: &ReleaseSpec,
) -> Result<Option<crate::policy::steps::Position>> {
    let plan = crate::policy::steps::plan(spec);
    if plan.is_empty() {
        return Ok(None);
    }
    let ledger = match zk.read_ledger(&spec.app, spec.release).await {
        Ok(l) => l.map(|(l, _)| l),
        // Garbage in the ledger is the waiter's and the agents' to report.
        Err(crate::error::Error::Invalid { .. }) => None,
        Err(e) => return Err(e),
    };
    let ledger = ledger.unwrap_or_else(|| crate::model::Ledger::new(spec.release));
    if crate::policy::effective_state(spec, Some(&ledger)) != crate::model::ReleaseState::Active {
        return Ok(None);
    }
    Ok(crate::policy::steps::position(
        &plan,
        &ledger,
        SystemTime::now(),
    ))
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
