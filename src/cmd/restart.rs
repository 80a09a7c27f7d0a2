//! `deployctl restart APP [--slots N] [--restart-cmd CMD]`: a rolling restart at the current
//! version, through the same slots, canary, budget and health gate as a deploy.

use clap::Args;

use super::Ctx;
use super::report::Reports;
use super::wait::WaitFlags;
use crate::error::{Error, Result};
use crate::output::report::Outcome;
use crate::policy::restart::RestartRequest;
use crate::rollout::watch::Target;
use crate::validate;
use crate::zk;

#[derive(Debug, Args)]
pub struct RestartArgs {
    /// App to restart
    pub app: String,
    /// Max hosts restarting at once [default: the current release's slots]
    #[arg(long, value_name = "N")]
    pub slots: Option<u32>,
    /// Restart command (template) [default: the current release's, else the agent config's]
    #[arg(long, value_name = "TEMPLATE")]
    pub restart_cmd: Option<String>,
    #[command(flatten)]
    pub sign: super::sign::SignFlags,
    /// Then wait for the restart (same flags and exit codes as wait-for-rollout)
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub wait_flags: WaitFlags,
}

pub async fn run(ctx: &Ctx, args: RestartArgs) -> Result<()> {
    if !args.wait {
        return restart(ctx, &args).await.map(|_| ());
    }
    let mut reports = Reports::new(ctx, &args.wait_flags.report, "restart", Some(&args.app));
    let summary = async {
        let release = restart(ctx, &args).await?;
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

/// Publish the restart; returns its release id.
async fn restart(ctx: &Ctx, args: &RestartArgs) -> Result<u64> {
    validate::app_name(&args.app)?;
    if let (false, Some(flag)) = (args.wait, args.wait_flags.any_set()) {
        return Err(Error::Usage(format!("{flag} only applies with --wait")));
    }
    if args.slots == Some(0) {
        return Err(Error::invalid("--slots", 0, "must be at least 1"));
    }
    if let Some(t) = &args.restart_cmd {
        crate::render::check_syntax(t)?;
    }
    let req = RestartRequest {
        slots: args.slots,
        restart_cmd: args.restart_cmd.clone(),
        published_by: super::publish::publisher(),
    };
    let signer = args.sign.signer()?;
    let zk = zk::connect(&ctx.global.zk_options(None, None)).await?;
    let spec = zk
        .publish_restart(&args.app, &req, signer.as_ref())
        .await?
        .redacted();
    if ctx.printer.is_json() {
        if !args.wait {
            // The same document as `publish` prints (docs/schema/publish.schema.json).
            ctx.printer
                .json(&super::publish::PublishOutput::new(&spec, false));
        }
    } else {
        ctx.printer.line(&format!(
            "restarting {} at {} as release {} ({} slot(s))",
            spec.app, spec.version, spec.release, spec.slots
        ));
    }
    Ok(spec.release)
}
