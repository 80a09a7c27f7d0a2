//! `deployctl history APP`: every release with what became of it.

use clap::Args;

use super::Ctx;
use crate::error::Result;
use crate::ops;
use crate::zk;

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// App whose releases to list
    pub app: String,
}

pub async fn run(ctx: &Ctx, args: HistoryArgs) -> Result<()> {
    crate::validate::app_name(&args.app)?;
    let zk = zk::connect(&ctx.global.zk_options(None, None)).await?;
    let entries = ops::history(&zk, &args.app).await?;
    if ctx.printer.is_json() {
        ctx.printer.json(&ops::history_json(&args.app, &entries));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .rev()
        .map(|e| {
            vec![
                e.spec.release.to_string(),
                e.spec.version.clone(),
                e.state().to_string(),
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
