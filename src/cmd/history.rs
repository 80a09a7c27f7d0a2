//! `deployctl history APP`: every release with what became of it.

use clap::Args;
use serde::Serialize;

use super::Ctx;
use crate::error::Result;
use crate::model::{Ledger, ReleaseSpec};
use crate::rollout::policy;
use crate::validate;
use crate::zk;

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// App whose releases to list
    pub app: String,
}

#[derive(Serialize)]
struct Entry<'a> {
    spec: &'a ReleaseSpec,
    ledger: Option<&'a Ledger>,
    outcome: String,
}

pub async fn run(ctx: &Ctx, args: HistoryArgs) -> Result<()> {
    validate::app_name(&args.app)?;
    let zk = zk::connect(&ctx.global.zk_options(None, None)).await?;
    let history: Vec<_> = zk
        .history(&args.app)
        .await?
        .into_iter()
        .map(|(s, l)| (s.redacted(), l))
        .collect();
    if history.is_empty() {
        zk.require_app(&args.app).await?;
    }
    let newest = history.last().map_or(0, |(s, _)| s.release);
    let entries: Vec<Entry> = history
        .iter()
        .map(|(s, l)| Entry {
            spec: s,
            ledger: l.as_ref(),
            outcome: policy::outcome(s, l.as_ref(), newest),
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
