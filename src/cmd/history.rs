//! `deployctl history APP`: every release with what became of it.

use clap::Args;
use serde::Serialize;

use super::Ctx;
use crate::error::Result;
use crate::model::{Ledger, ReleaseSpec, ReleaseState};
use crate::policy::{self, steps, steps::Position};
use crate::validate;
use crate::zk;

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// App whose releases to list
    pub app: String,
}

/// One release in `history --output json` (docs/schema/history.schema.json).
#[derive(Serialize)]
struct Entry<'a> {
    release: u64,
    version: &'a str,
    outcome: String,
    #[serde(skip)]
    spec: &'a ReleaseSpec,
    #[serde(rename = "spec")]
    spec_view: serde_json::Value,
    /// Left out for a release no agent recorded anything for.
    #[serde(skip_serializing_if = "Option::is_none")]
    ledger: Option<&'a Ledger>,
    /// The running release's step and gate (`--steps`, `--canary`).
    #[serde(skip_serializing_if = "Option::is_none")]
    step: Option<serde_json::Value>,
}

/// Where a running stepped release stands (the newest release, active).
fn position(spec: &ReleaseSpec, ledger: Option<&Ledger>, newest: u64) -> Option<Position> {
    let l = ledger?;
    if spec.release != newest || policy::effective_state(spec, Some(l)) != ReleaseState::Active {
        return None;
    }
    steps::position(&steps::plan(spec), l, std::time::SystemTime::now())
}

/// The ledger's host lists in name order (they are kept in the order hosts finished), so the
/// output is the same for the same outcome.
fn sorted_hosts(mut l: Ledger) -> Ledger {
    for list in [
        &mut l.healthy,
        &mut l.current,
        &mut l.failed,
        &mut l.canaries,
    ] {
        list.sort();
    }
    l
}

pub async fn run(ctx: &Ctx, args: HistoryArgs) -> Result<()> {
    validate::app_name(&args.app)?;
    let zk = zk::connect(&ctx.global.zk_options(None, None)).await?;
    let history: Vec<_> = zk
        .history(&args.app)
        .await?
        .into_iter()
        .map(|(s, l)| (s.redacted(), l.map(sorted_hosts)))
        .collect();
    if history.is_empty() {
        zk.require_app(&args.app).await?;
    }
    let newest = history.last().map_or(0, |(s, _)| s.release);
    let entries: Vec<Entry> = history
        .iter()
        .map(|(s, l)| {
            let step = position(s, l.as_ref(), newest);
            let mut outcome = policy::outcome(s, l.as_ref(), newest);
            if let Some(p) = &step {
                outcome = format!("{}; {outcome}", p.describe(&s.app));
            }
            Entry {
                release: s.release,
                version: &s.version,
                spec: s,
                spec_view: crate::output::views::spec(s),
                ledger: l.as_ref(),
                step: step.as_ref().map(|p| crate::output::views::step(p, &s.app)),
                outcome,
            }
        })
        .collect();
    if ctx.printer.is_json() {
        ctx.printer
            .json(&serde_json::json!({ "app": args.app, "releases": entries }));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .rev()
        .map(|e| {
            let state = e.ledger.map_or(e.spec.state, |l| l.state);
            vec![
                e.spec.release.to_string(),
                e.spec.version.clone(),
                state.to_string(),
                e.spec
                    .published_at
                    .get(..19)
                    .unwrap_or(&e.spec.published_at)
                    .replace('T', " "),
                e.spec.published_by.clone(),
                e.spec
                    .source
                    .as_ref()
                    .and_then(|s| s.commit.as_deref())
                    .map(|c| c[..c.len().min(7)].to_string())
                    .unwrap_or_else(|| "-".into()),
                e.outcome.clone(),
            ]
        })
        .collect();
    ctx.printer.table(
        &[
            "RELEASE",
            "VERSION",
            "STATE",
            "PUBLISHED",
            "BY",
            "COMMIT",
            "OUTCOME",
        ],
        &rows,
    );
    Ok(())
}
