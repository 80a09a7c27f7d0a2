//! `deployctl promote APP [--release ID] [--all]`: pass the gate a stepped release waits at.

use clap::Args;

use super::Ctx;
use crate::error::Result;
use crate::ops;
use crate::validate;
use crate::zk;

#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// App whose current release to promote
    pub app: String,
    /// Only if this is the current release (a promote meant for an older release does nothing)
    #[arg(long, value_name = "ID")]
    pub release: Option<u64>,
    /// Only if the release still waits at this step (1-based, as `status` shows it): a promote
    /// names the gate it passes, so it never passes the next one
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub step: Option<u64>,
    /// Pass every gate left: straight to the last step
    #[arg(long)]
    pub all: bool,
    /// At an approval gate (publish --approvals): sign this promote as an approval
    #[command(flatten)]
    pub sign: super::sign::SignFlags,
}

pub async fn run(ctx: &Ctx, args: PromoteArgs) -> Result<()> {
    validate::app_name(&args.app)?;
    let approver = args.sign.signer()?;
    let zk = zk::connect(&ctx.global.zk_options(None, None)).await?;
    let out = ops::promote(
        &zk,
        &args.app,
        args.release,
        args.step.map(|s| s as usize),
        args.all,
        approver.as_ref(),
    )
    .await?;
    if ctx.printer.is_json() {
        ctx.printer.json(&out);
    } else {
        ctx.printer.line(&format!(
            "promoted {} release {} ({}): {}",
            out.app, out.release, out.version, out.message
        ));
    }
    Ok(())
}
