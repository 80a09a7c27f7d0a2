//! `deployctl wait-for-rollout APP` (and `publish --wait`).

use std::time::Duration;

use clap::{Args, ValueEnum};

use super::Ctx;
use super::report::{ReportArgs, Reports};
use crate::error::{Error, Result};
use crate::model::{EventSink, ReleaseState};
use crate::output::report::{AppSink, Outcome};
use crate::output::summary::{AppsSummary, RolloutSummary};
use crate::rollout::events::WaitEvent;
use crate::rollout::wait::WaitResult;
use crate::rollout::watch::{self, Target, WaitOptions};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Flags shared by `wait-for-rollout` and `publish --wait`.
#[derive(Debug, Args, Clone, Default)]
pub struct WaitFlags {
    /// Give up after this long, with exit code 3 [default: 15m]
    #[arg(long, value_parser = crate::validate::duration, value_name = "DURATION")]
    pub timeout: Option<Duration>,
    /// Also wait until this many hosts take part
    #[arg(long, value_name = "N")]
    pub expect_hosts: Option<usize>,
    /// What to do to the release when this wait's timeout passes: leave it rolling, pause,
    /// abort, or roll it back (the wait still exits 3)
    #[arg(long, value_enum, value_name = "ACTION", default_value_t)]
    pub on_timeout: OnTimeout,
    /// End with exit 0 and result `paused` as soon as the release waits at a manual gate of its
    /// steps (`publish --steps`); without it the wait shows the gate and keeps waiting
    #[arg(long)]
    pub until_gate: bool,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Interval of progress heartbeat lines in CI logs
    #[arg(long, value_parser = crate::validate::duration, value_name = "DURATION", default_value = "30s", hide = true)]
    pub heartbeat: Duration,
}

/// What a wait does to its release when its own timeout passes: a timeout need not leave a
/// half-upgraded fleet rolling on unattended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum, strum::Display)]
#[strum(serialize_all = "lowercase")]
pub enum OnTimeout {
    // Plain comments, not doc comments: clap would turn every help into its long form.
    // Leave it rolling.
    #[default]
    Leave,
    // Pause it: hosts that have not started stay put; `resume` goes on.
    Pause,
    // Abort it for good.
    Abort,
    // Publish the previous good release again (`rollback`).
    Rollback,
}

impl WaitFlags {
    /// The flags that only make sense with a wait (for `publish` without `--wait`).
    pub fn any_set(&self) -> Option<&'static str> {
        if self.timeout.is_some() {
            Some("--timeout")
        } else if self.expect_hosts.is_some() {
            Some("--expect-hosts")
        } else if self.on_timeout != OnTimeout::Leave {
            Some("--on-timeout")
        } else if self.until_gate {
            Some("--until-gate")
        } else {
            self.report.any_set()
        }
    }
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// App(s) whose rollout to wait for; with several, one wait over all of them (each pinned to
    /// its latest release), one report with a part per app, and the worst app's exit code
    #[arg(value_name = "APP", required = true, num_args = 1..)]
    pub apps: Vec<String>,
    /// Wait for the latest release of this version [default: the latest release] (one app only)
    #[arg(long, conflicts_with = "release")]
    pub version: Option<String>,
    /// Wait for this release id (one app only)
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
    match args.apps.as_slice() {
        [app] => wait_and_report(ctx, app, target, &args.flags).await,
        apps => wait_for_apps(ctx, apps, target, &args.flags).await,
    }
}

/// One wait over several apps: their waits run together, sending their events (each named by
/// its app) to the one set of reports, which end with one summary of all of them.
async fn wait_for_apps(
    ctx: &Ctx,
    apps: &[String],
    target: Target,
    flags: &WaitFlags,
) -> Result<()> {
    let mut reports = Reports::new(ctx, &flags.report, "wait-for-rollout", None);
    let result = async {
        if !matches!(target, Target::Latest) {
            return Err(Error::Usage(
                "--version and --release pin one app's wait; with several apps each waits for \
                 its latest release"
                    .into(),
            ));
        }
        for app in apps {
            crate::validate::app_name(app)?;
        }
        if let Some(dup) = apps
            .iter()
            .enumerate()
            .find(|(i, a)| apps[..*i].contains(a))
            .map(|(_, a)| a)
        {
            return Err(Error::invalid("app", dup, "is named twice"));
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        return reports.conclude(Err(e));
    }
    reports.set_app(Some(apps.join(" ")));
    let summaries = {
        let shared = std::sync::Mutex::new(reports.sink());
        // The first error (no such app, ZooKeeper gone past the timeout) ends every wait.
        futures::future::try_join_all(apps.iter().map(|app| {
            let shared = &shared;
            async move {
                let mut sink = AppSink {
                    app: app.clone(),
                    fanout: shared,
                };
                wait_one(ctx, app, Target::Latest, flags, &mut sink).await
            }
        }))
        .await
    };
    reports.conclude(summaries.map(|s| Outcome::Rollouts(AppsSummary::new(s))))
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
    wait_one(ctx, app, target, flags, reports.sink()).await
}

/// One app's wait, its events to `sink`; `--on-timeout` applied to it.
async fn wait_one(
    ctx: &Ctx,
    app: &str,
    target: Target,
    flags: &WaitFlags,
    sink: &mut dyn EventSink<WaitEvent>,
) -> Result<RolloutSummary> {
    crate::validate::app_name(app)?;
    let opts = WaitOptions {
        app: app.to_string(),
        target,
        timeout: flags.timeout.unwrap_or(DEFAULT_TIMEOUT),
        expect_hosts: flags.expect_hosts,
        heartbeat: flags.heartbeat.max(Duration::from_millis(100)),
        until_gate: flags.until_gate,
    };
    let mut summary = watch::wait(&ctx.global.zk_options(None, None), &opts, sink).await?;
    if summary.result == WaitResult::TimedOut && flags.on_timeout != OnTimeout::Leave {
        let done = match act_on_timeout(ctx, &summary, flags.on_timeout).await {
            Ok(done) => done,
            Err(e) => format!("--on-timeout {} failed: {e}", flags.on_timeout),
        };
        tracing::warn!(app, "{done}");
        summary.message = format!("{}; {done}", summary.message);
    }
    Ok(summary)
}

/// Apply `--on-timeout` to the timed-out release, if it is still the current one (a newer
/// release is someone else's to steer). Says what was done.
async fn act_on_timeout(ctx: &Ctx, summary: &RolloutSummary, action: OnTimeout) -> Result<String> {
    let (app, release) = (summary.app.as_str(), summary.release);
    let zk = crate::zk::connect(&ctx.global.zk_options(None, None)).await?;
    let current = zk.read_spec(app).await?.map(|(s, _)| s);
    // A rollback asks the bound compare-and-set alone: it finds the rollback another waiter
    // published for this release (and says so), and refuses a newer release.
    if action != OnTimeout::Rollback && current.as_ref().map(|c| c.release) != Some(release) {
        return Ok(format!(
            "--on-timeout {action}: left alone, release {release} is no longer the current one"
        ));
    }
    Ok(match action {
        OnTimeout::Leave => "left rolling".to_string(),
        OnTimeout::Pause => {
            zk.set_release_state(
                app,
                &[ReleaseState::Active],
                ReleaseState::Paused,
                Some(release),
            )
            .await?;
            format!("paused release {release} (--on-timeout pause)")
        }
        OnTimeout::Abort => {
            let from = [ReleaseState::Active, ReleaseState::Paused];
            zk.set_release_state(app, &from, ReleaseState::Aborted, Some(release))
                .await?;
            format!("aborted release {release} (--on-timeout abort)")
        }
        OnTimeout::Rollback => {
            let by = format!(
                "wait-for-rollout --on-timeout rollback ({})",
                crate::ops::publisher()
            );
            // Bound to the release that timed out: of two waiters timing out on it, one
            // publishes the rollback and the other finds it done (never a rollback of it).
            let (rb, published) = zk.rollback(app, None, &by, Some(release), None).await?;
            let done = if published {
                "rolled"
            } else {
                "already rolled"
            };
            format!(
                "{done} back release {release} as release {} ({}) (--on-timeout rollback)",
                rb.release, rb.version
            )
        }
    })
}
