//! `deployctl freeze APP [--until T] --reason R` / `unfreeze APP`: a deploy freeze. While it is
//! in force no host starts a deploy of the app (running ones finish, nobody holds a slot while
//! waiting), a publish needs `--override-freeze REASON`, and rollbacks go through.

use std::time::SystemTime;

use clap::Args;

use super::Ctx;
use crate::error::{Error, Result};
use crate::model::Freeze;
use crate::ops::ControlOutput;
use crate::zk;

#[derive(Debug, Args)]
pub struct FreezeArgs {
    /// App to freeze
    pub app: String,
    /// Why (shown wherever the freeze holds a rollout)
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// When it ends by itself: a time (RFC 3339, `2026-12-24T18:00:00Z`) or a duration from now
    /// (`2h`) [default: until `unfreeze`]
    #[arg(long, value_name = "TIME|DURATION")]
    pub until: Option<String>,
}

#[derive(Debug, Args)]
pub struct UnfreezeArgs {
    /// App to unfreeze
    pub app: String,
}

fn until(s: &str, now: SystemTime) -> Result<SystemTime> {
    if let Ok(t) = humantime::parse_rfc3339_weak(s) {
        if t <= now {
            return Err(Error::invalid("--until", s, "is in the past"));
        }
        return Ok(t);
    }
    crate::validate::duration(s)
        .map(|d| now + d)
        .map_err(|_| Error::invalid("--until", s, "is neither an RFC 3339 time nor a duration"))
}

pub async fn freeze(ctx: &Ctx, args: FreezeArgs) -> Result<()> {
    crate::validate::app_name(&args.app)?;
    if args.reason.trim().is_empty() || args.reason.chars().any(char::is_control) {
        return Err(Error::invalid(
            "--reason",
            &args.reason,
            "must be a line of text",
        ));
    }
    let now = SystemTime::now();
    let until = args
        .until
        .as_deref()
        .map(|u| until(u, now))
        .transpose()?
        .map(crate::model::format_time);
    let freeze = Freeze {
        reason: args.reason.clone(),
        until,
        by: crate::ops::publisher(),
        at: crate::model::format_time(now),
    };
    let zk = zk::connect(&ctx.global.zk_options(None, None)).await?;
    let spec = zk.set_freeze(&args.app, Some(freeze.clone())).await?;
    print(
        ctx,
        &spec,
        &format!("{} is {}", spec.app, freeze.describe()),
    );
    Ok(())
}

pub async fn unfreeze(ctx: &Ctx, args: UnfreezeArgs) -> Result<()> {
    crate::validate::app_name(&args.app)?;
    let zk = zk::connect(&ctx.global.zk_options(None, None)).await?;
    let spec = zk.set_freeze(&args.app, None).await?;
    print(ctx, &spec, &format!("{} is not frozen", spec.app));
    Ok(())
}

fn print(ctx: &Ctx, spec: &crate::model::ReleaseSpec, line: &str) {
    if ctx.printer.is_json() {
        ctx.printer.json(&ControlOutput::new(spec));
    } else {
        ctx.printer.line(line);
    }
}
