//! `deployctl wait-for-rollout APP` (and `publish --wait`).

use std::time::Duration;

use clap::Args;

use super::Ctx;
use super::report::{ReportArgs, Reports};
use crate::error::Result;
use crate::output::report::Outcome;
use crate::output::summary::RolloutSummary;
use crate::rollout::watch::{self, Target, WaitOptions};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Flags shared by `wait-for-rollout` and `publish --wait`.
#[derive(Debug, Args, Clone, Default)]
pub struct WaitFlags {
    /// Give up after this long, with exit code 3 [default: 15m]
    #[arg(long, value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub timeout: Option<Duration>,
    /// Also wait until this many hosts take part
    #[arg(long, value_name = "N")]
    pub expect_hosts: Option<usize>,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Interval of progress heartbeat lines in CI logs
    #[arg(long, value_parser = humantime::parse_duration, value_name = "DURATION", default_value = "30s", hide = true)]
    pub heartbeat: Duration,
}

impl WaitFlags {
    /// The flags that only make sense with a wait (for `publish` without `--wait`).
    pub fn any_set(&self) -> Option<&'static str> {
        if self.timeout.is_some() {
            Some("--timeout")
        } else if self.expect_hosts.is_some() {
            Some("--expect-hosts")
        } else {
            self.report.any_set()
        }
    }
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// App whose rollout to wait for
    pub app: String,
    /// Wait for the latest release of this version [default: the latest release]
    #[arg(long, conflicts_with = "release")]
    pub version: Option<String>,
    /// Wait for this release id
    #[arg(long, value_name = "ID")]
    pub release: Option<u64>,
    #[command(flatten)]
    pub flags: WaitFlags,
}

pub async fn run(ctx: &Ctx, args: WaitArgs) -> Result<()> {
    let target = match (args.version, args.release) {
        (Some(v), _) => Target::Version(v),
        (None, Some(r)) => Target::Release(r),
        (None, None) => Target::Latest,
    };
    wait_and_report(ctx, &args.app, target, &args.flags).await
}

/// Wait, write every requested report (also when the wait cannot even start), and turn the
/// result into the exit code.
pub async fn wait_and_report(
    ctx: &Ctx,
    app: &str,
    target: Target,
    flags: &WaitFlags,
) -> Result<()> {
    let mut reports = Reports::new(ctx, &flags.report, "wait-for-rollout", Some(app));
    let summary = wait_with(ctx, app, target, flags, &mut reports).await;
    reports.conclude(summary.map(Outcome::Rollout))
}

/// Wait, sending progress to `reports`; the caller concludes them.
pub async fn wait_with(
    ctx: &Ctx,
    app: &str,
    target: Target,
    flags: &WaitFlags,
    reports: &mut Reports,
) -> Result<RolloutSummary> {
    crate::validate::app_name(app)?;
    let opts = WaitOptions {
        app: app.to_string(),
        target,
        timeout: flags.timeout.unwrap_or(DEFAULT_TIMEOUT),
        expect_hosts: flags.expect_hosts,
        heartbeat: flags.heartbeat.max(Duration::from_millis(100)),
    };
    watch::wait(&ctx.global.zk_options(None, None), &opts, reports.sink()).await
}
