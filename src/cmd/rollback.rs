//! `deployctl rollback APP [--to VERSION]`: publish an earlier release again, marked as a rollback.

use clap::Args;

use super::Ctx;
use super::report::Reports;
use super::wait::WaitFlags;
use crate::error::{Error, Result};
use crate::output::report::Outcome;
use crate::rollout::watch::Target;
use crate::validate;
use crate::zk;

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// App to roll back
    pub app: String,
    /// Version to go back to [default: the newest earlier good release with another version]
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,
    /// Only roll back this release: nothing is done when another release is current, and a
    /// release rolled back already (by anyone) is not rolled back again
    #[arg(long, value_name = "ID")]
    pub release: Option<u64>,
    #[command(flatten)]
    pub sign: super::sign::SignFlags,
    /// Then wait for the rollback's rollout (same flags and exit codes as wait-for-rollout)
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub wait_flags: WaitFlags,
}

pub async fn run(ctx: &Ctx, args: RollbackArgs) -> Result<()> {
    if !args.wait {
        return rollback(ctx, &args).await.map(|_| ());
    }
    // With --wait the reports cover the rollback too (written on every exit).
    let mut reports = Reports::new(ctx, &args.wait_flags.report, "rollback", Some(&args.app));
    let summary = async {
        let release = rollback(ctx, &args).await?;
        super::wait::wait_with(
            ctx,
            &args.app,
            Target::Release(release),
            &args.wait_flags,
            &mut reports,
        )
        .await
    }
    .await;
    reports.conclude(summary.map(Outcome::Rollout))
}

/// Publish the rollback; returns its release id.
async fn rollback(ctx: &Ctx, args: &RollbackArgs) -> Result<u64> {
    validate::app_name(&args.app)?;
    if let Some(v) = &args.to {
        validate::version(v)?;
    }
    if let (false, Some(flag)) = (args.wait, args.wait_flags.any_set()) {
        return Err(Error::Usage(format!("{flag} only applies with --wait")));
    }
    let signer = args.sign.signer()?;
    let zk = zk::connect(&ctx.global.zk_options(None, None)).await?;
    let by = format!("rollback by {}", crate::ops::publisher());
    let (rb, published) = crate::ops::rollback(
        &zk,
        &args.app,
        args.to.as_deref(),
        &by,
        args.release,
        signer.as_ref(),
    )
    .await?;
    if ctx.printer.is_json() {
        if !args.wait {
            // The same document as `publish` prints (docs/schema/publish.schema.json);
            // `unchanged`: the release was rolled back already, nothing was written.
            ctx.printer
                .json(&super::publish::PublishOutput::new(&rb, !published));
        }
    } else {
        let done = if published {
            "rolled"
        } else {
            "already rolled"
        };
        ctx.printer.line(&format!(
            "{done} {} back to {} as release {} (rollback of release {})",
            rb.app,
            rb.version,
            rb.release,
            rb.rollback_of.unwrap_or_default()
        ));
    }
    Ok(rb.release)
}
