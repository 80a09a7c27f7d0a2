//! `deployctl pause|resume|abort APP`: change the current release's state.

use clap::Args;

use super::Ctx;
use crate::error::Result;
use crate::ops::{self, ControlOutput};
use crate::zk;

pub use crate::ops::Control;

#[derive(Debug, Args)]
pub struct ControlArgs {
    /// App whose current release to change
    pub app: String,
}

pub async fn run(ctx: &Ctx, control: Control, args: ControlArgs) -> Result<()> {
    crate::validate::app_name(&args.app)?;
    let zk = zk::connect(&ctx.global.zk_options(None, None)).await?;
    let spec = ops::control(&zk, &args.app, control).await?;
    if ctx.printer.is_json() {
        ctx.printer.json(&ControlOutput::new(&spec));
    } else {
        ctx.printer.line(&format!(
            "{} {} release {} ({})",
            control.done(),
            spec.app,
            spec.release,
            spec.version
        ));
    }
    Ok(())
}
