//! `deployctl wait-for-rollout APP` (and `publish --wait`).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use super::Ctx;
use crate::cli::LogFormat;
use crate::error::{Error, Result};
use crate::output::progress::HumanProgress;
use crate::output::summary::{RolloutSummary, render_human};
use crate::output::{github, junit};
use crate::rollout::events::{Fanout, NdjsonReporter, Reporter};
use crate::rollout::wait::WaitResult;
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
    /// Write a JUnit XML report here (one testcase per host)
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the JSON summary here
    #[arg(long, value_name = "FILE")]
    pub json_file: Option<PathBuf>,
    /// Stream NDJSON events on stdout while waiting
    #[arg(long)]
    pub events: bool,
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
        } else if self.junit.is_some() {
            Some("--junit")
        } else if self.json_file.is_some() {
            Some("--json-file")
        } else if self.events {
            Some("--events")
        } else {
            None
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

fn write_file(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    }
    std::fs::write(path, text).map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// Wait, write every requested report, and turn the result into the exit code.
pub async fn wait_and_report(
    ctx: &Ctx,
    app: &str,
    target: Target,
    flags: &WaitFlags,
) -> Result<()> {
    crate::validate::app_name(app)?;
    let opts = WaitOptions {
        app: app.to_string(),
        target,
        timeout: flags.timeout.unwrap_or(DEFAULT_TIMEOUT),
        expect_hosts: flags.expect_hosts,
        heartbeat: flags.heartbeat.max(Duration::from_millis(100)),
    };
    let mut reporters = Fanout::default();
    if !ctx.printer.quiet {
        reporters.0.push(Box::new(match ctx.global.log_format {
            LogFormat::Json => HumanProgress::logged(),
            LogFormat::Text => HumanProgress::new(std::io::stderr().is_terminal()),
        }));
    }
    if flags.events {
        reporters.0.push(Box::new(NdjsonReporter));
    }
    let summary = watch::wait(&ctx.global.zk_options(None, None), &opts, &mut reporters).await;
    reporters.finish();
    let summary = summary?;
    report(ctx, &summary, flags)?;
    match summary.result {
        WaitResult::Succeeded => Ok(()),
        WaitResult::TimedOut => Err(Error::TimedOut(summary.message)),
        _ => Err(Error::Failed(format!(
            "{}: {}",
            summary.result.as_str(),
            summary.message
        ))),
    }
}

fn report(ctx: &Ctx, summary: &RolloutSummary, flags: &WaitFlags) -> Result<()> {
    if let Some(p) = &flags.junit {
        write_file(p, &junit::render(summary))?;
    }
    if let Some(p) = &flags.json_file {
        write_file(p, &(summary.to_json() + "\n"))?;
    }
    for line in github::publish(summary)? {
        ctx.printer.line(&line);
    }
    if ctx.printer.is_json() {
        ctx.printer.json(summary);
    } else {
        ctx.printer.line(render_human(summary).trim_end());
    }
    Ok(())
}
