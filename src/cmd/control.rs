//! `deployctl pause|resume|abort APP`: change the current release's state.

use clap::Args;
use serde::Serialize;

use super::Ctx;
use crate::error::Result;
use crate::model::ReleaseState;
use crate::validate;
use crate::zk;

#[derive(Debug, Args)]
pub struct ControlArgs {
    /// App whose current release to change
    pub app: String,
}

#[derive(Debug, Clone, Copy)]
pub enum Control {
    /// No new slot is granted; running deploys finish.
    Pause,
    Resume,
    /// Stop the release for good.
    Abort,
}

impl Control {
    /// (allowed current states, new state, past tense)
    fn transition(self) -> (&'static [ReleaseState], ReleaseState, &'static str) {
        match self {
            Control::Pause => (&[ReleaseState::Active], ReleaseState::Paused, "paused"),
            Control::Resume => (&[ReleaseState::Paused], ReleaseState::Active, "resumed"),
            Control::Abort => (
                &[
                    ReleaseState::Active,
                    ReleaseState::Paused,
                    ReleaseState::Halted,
                ],
                ReleaseState::Aborted,
                "aborted",
            ),
        }
    }
}

#[derive(Serialize)]
struct ControlOutput<'a> {
    app: &'a str,
    release: u64,
    version: &'a str,
    state: ReleaseState,
}

pub async fn run(ctx: &Ctx, control: Control, args: ControlArgs) -> Result<()> {
    validate::app_name(&args.app)?;
    let zk = zk::connect(&ctx.global.zk_options(None, None)).await?;
    let (from, to, done) = control.transition();
    let spec = zk.set_release_state(&args.app, from, to).await?;
    if ctx.printer.is_json() {
        ctx.printer.json(&ControlOutput {
            app: &spec.app,
            release: spec.release,
            version: &spec.version,
            state: spec.state,
        });
    } else {
        ctx.printer.line(&format!(
            "{done} {} release {} ({})",
            spec.app, spec.release, spec.version
        ));
    }
    Ok(())
}
