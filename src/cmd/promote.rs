//! `deployctl promote APP [--release ID] [--all]`: pass the gate a stepped release waits at.

use clap::Args;
use serde::Serialize;

use super::Ctx;
use crate::error::Result;
use crate::policy::steps;
use crate::validate;
use crate::zk;

#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// App whose current release to promote
    pub app: String,
    /// Only if this is the current release (a promote meant for an older release does nothing)
    #[arg(long, value_name = "ID")]
    pub release: Option<u64>,
    /// Pass every gate left: straight to the last step
    #[arg(long)]
    pub all: bool,
}

#[derive(Serialize)]
struct PromoteOutput<'a> {
    app: &'a str,
    release: u64,
    version: &'a str,
    message: &'a str,
    /// Where the release stands now.
    #[serde(skip_serializing_if = "Option::is_none")]
    step: Option<serde_json::Value>,
}

pub async fn run(ctx: &Ctx, args: PromoteArgs) -> Result<()> {
    validate::app_name(&args.app)?;
    let zk = zk::connect(&ctx.global.zk_options(None, None)).await?;
    let (spec, message) = zk.promote(&args.app, args.release, args.all).await?;
    if ctx.printer.is_json() {
        let ledger = zk.read_ledger(&args.app, spec.release).await?;
        let step = ledger.and_then(|(l, _)| {
            steps::position(&steps::plan(&spec), &l, std::time::SystemTime::now())
                .map(|p| crate::output::views::step(&p, &spec.app))
        });
        ctx.printer.json(&PromoteOutput {
            app: &spec.app,
            release: spec.release,
            version: &spec.version,
            message: &message,
            step,
        });
    } else {
        ctx.printer.line(&format!(
            "promoted {} release {} ({}): {message}",
            spec.app, spec.release, spec.version
        ));
    }
    Ok(())
}
