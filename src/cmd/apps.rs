//! `deployctl apps [list | show APP | delete APP]`

use clap::{Args, Subcommand};

use super::Ctx;
use crate::error::{Error, Result};
use crate::model::ReleaseSpec;
use crate::validate;
use crate::zk;

#[derive(Debug, Args)]
pub struct AppsArgs {
    #[command(subcommand)]
    pub action: Option<AppsAction>,
}

#[derive(Debug, Subcommand)]
pub enum AppsAction {
    /// List apps with their current release (the default)
    List,
    /// Show an app's current release spec
    Show { app: String },
    /// Delete an app and its history, status and slots
    Delete {
        app: String,
        /// Delete even while agents are registered for it
        #[arg(long)]
        force: bool,
    },
}

pub async fn run(ctx: &Ctx, args: AppsArgs) -> Result<()> {
    let zk = zk::connect(&ctx.global.zk_options(None, None)).await?;
    match args.action.unwrap_or(AppsAction::List) {
        AppsAction::List => {
            let rows = crate::ops::apps(&zk).await?;
            if ctx.printer.is_json() {
                ctx.printer.json(&serde_json::json!({ "apps": rows }));
            } else {
                let dash = || "-".to_string();
                let table: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        vec![
                            r.app.clone(),
                            r.release.map(|x| x.to_string()).unwrap_or_else(dash),
                            r.version.clone().unwrap_or_else(dash),
                            r.state.clone().unwrap_or_else(dash),
                            r.hosts.to_string(),
                            r.error.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                ctx.printer.table(
                    &["APP", "RELEASE", "VERSION", "STATE", "HOSTS", "ERROR"],
                    &table,
                );
            }
        }
        AppsAction::Show { app } => {
            validate::app_name(&app)?;
            let spec: Option<ReleaseSpec> = zk.read_spec(&app).await?.map(|(s, _)| s.redacted());
            let Some(spec) = spec else {
                zk.require_app(&app).await?;
                return Err(Error::invalid("app", &app, "has no published release"));
            };
            let view = crate::output::views::spec(&spec);
            if ctx.printer.is_json() {
                ctx.printer.json(&view);
            } else {
                let pretty = serde_json::to_string_pretty(&view).unwrap_or_default();
                ctx.printer.line(&pretty);
            }
        }
        AppsAction::Delete { app, force } => {
            validate::app_name(&app)?;
            let hosts = zk.hosts(&app).await?;
            if !hosts.is_empty() && !force {
                let names: Vec<&str> = hosts.iter().map(|(h, _)| h.as_str()).collect();
                return Err(Error::Usage(format!(
                    "{app} still has agents registered ({}); stop them or pass --force",
                    names.join(", ")
                )));
            }
            zk.delete_app(&app).await?;
            if ctx.printer.is_json() {
                ctx.printer
                    .json(&serde_json::json!({ "app": app, "deleted": true }));
            } else {
                ctx.printer.line(&format!("deleted {app}"));
            }
        }
    }
    Ok(())
}
