//! `deployctl hosts [HOST]` and `hosts delete HOST`: the fleet across apps (Conveyor's `hoist`).

use std::collections::BTreeMap;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::Ctx;
use crate::error::{Error, Result};
use crate::validate;
use crate::zk;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HostsArgs {
    /// Only this host
    pub host: Option<String>,
    #[command(subcommand)]
    pub action: Option<HostsAction>,
}

#[derive(Debug, Subcommand)]
pub enum HostsAction {
    /// Remove a dead host's status from every app
    Delete {
        host: String,
        /// Delete even while the host's agent is registered for an app
        #[arg(long)]
        force: bool,
    },
}

/// One app on one host.
#[derive(Debug, Serialize)]
struct AppOnHost {
    app: String,
    /// An agent is registered for the app on this host now.
    registered: bool,
    // Left out while the host has no (readable) status for the app.
    #[serde(skip_serializing_if = "Option::is_none")]
    release: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct HostRow {
    host: String,
    apps: Vec<AppOnHost>,
}

/// Every host that has a status or a registered agent in some app, with those apps.
async fn fleet(zk: &zk::Zk) -> Result<BTreeMap<String, Vec<AppOnHost>>> {
    let mut hosts: BTreeMap<String, Vec<AppOnHost>> = BTreeMap::new();
    for app in zk.list_apps().await? {
        let registered: Vec<String> = zk.registered(&app).await?;
        let mut statuses: BTreeMap<String, _> = zk.statuses(&app).await?.into_iter().collect();
        let mut names: Vec<String> = registered.clone();
        names.extend(statuses.keys().cloned());
        names.sort();
        names.dedup();
        for host in names {
            let (st, error) = match statuses.remove(&host) {
                Some(Ok(st)) => (Some(st), None),
                Some(Err(e)) => (None, Some(e.to_string())),
                None => (None, None),
            };
            hosts.entry(host.clone()).or_default().push(AppOnHost {
                app: app.clone(),
                registered: registered.contains(&host),
                release: st.as_ref().map(|s| s.release),
                version: st.as_ref().map(|s| s.version.clone()),
                state: st.as_ref().map(|s| s.state.to_string()),
                updated_at: st.as_ref().map(|s| s.updated_at.clone()),
                error,
            });
        }
    }
    Ok(hosts)
}

/// The stored name of a host as the user may write it: ssh-push reports a target
/// `127.0.0.2:22022` as it was given, and stores its status as `127.0.0.2-22022` (a status node
/// name is a host name); both find it.
fn stored_name(host: &str) -> Result<String> {
    let name = crate::ssh::zk_link::status_name(host);
    validate::host_name(&name).map_err(|_| {
        Error::invalid(
            "host name",
            host,
            "use letters, digits, '-', '_', '.' (HOST:PORT as ssh-push reports it)",
        )
    })?;
    Ok(name)
}

pub async fn run(ctx: &Ctx, mut args: HostsArgs) -> Result<()> {
    if let Some(h) = &mut args.host {
        *h = stored_name(h)?;
    }
    if let Some(HostsAction::Delete { host, .. }) = &mut args.action {
        *host = stored_name(host)?;
    }
    let zk = zk::connect(&ctx.global.zk_options(None, None)).await?;
    match args.action {
        None => list(ctx, &zk, args.host.as_deref()).await,
        Some(HostsAction::Delete { host, force }) => delete(ctx, &zk, &host, force).await,
    }
}

async fn list(ctx: &Ctx, zk: &zk::Zk, only: Option<&str>) -> Result<()> {
    let mut hosts = fleet(zk).await?;
    if let Some(h) = only {
        hosts.retain(|name, _| name == h);
        if hosts.is_empty() {
            return Err(Error::invalid(
                "host",
                h,
                "has no status and no agent in any app",
            ));
        }
    }
    let rows: Vec<HostRow> = hosts
        .into_iter()
        .map(|(host, apps)| HostRow { host, apps })
        .collect();
    if ctx.printer.is_json() {
        ctx.printer.json(&serde_json::json!({ "hosts": rows }));
        return Ok(());
    }
    let dash = || "-".to_string();
    let table: Vec<Vec<String>> = rows
        .iter()
        .flat_map(|r| {
            r.apps.iter().map(|a| {
                vec![
                    r.host.clone(),
                    a.app.clone(),
                    a.version.clone().unwrap_or_else(dash),
                    a.release.map(|x| x.to_string()).unwrap_or_else(dash),
                    a.state.clone().unwrap_or_else(dash),
                    if a.registered { "yes" } else { "no" }.to_string(),
                    a.error.clone().unwrap_or_default(),
                ]
            })
        })
        .collect();
    ctx.printer.table(
        &[
            "HOST", "APP", "VERSION", "RELEASE", "STATE", "AGENT", "ERROR",
        ],
        &table,
    );
    Ok(())
}

async fn delete(ctx: &Ctx, zk: &zk::Zk, host: &str, force: bool) -> Result<()> {
    let fleet = fleet(zk).await?;
    let Some(apps) = fleet.get(host) else {
        return Err(Error::invalid(
            "host",
            host,
            "has no status and no agent in any app",
        ));
    };
    let live: Vec<&str> = apps
        .iter()
        .filter(|a| a.registered)
        .map(|a| a.app.as_str())
        .collect();
    if !live.is_empty() && !force {
        return Err(Error::Usage(format!(
            "{host} still has an agent registered for {}; stop it or pass --force",
            live.join(", ")
        )));
    }
    let mut deleted = vec![];
    for a in apps {
        if zk.delete_status(&a.app, host).await? {
            deleted.push(a.app.clone());
        }
    }
    if ctx.printer.is_json() {
        ctx.printer
            .json(&serde_json::json!({ "host": host, "deleted_from": deleted }));
    } else {
        ctx.printer.line(&format!(
            "deleted {host}'s status from {} app(s): {}",
            deleted.len(),
            deleted.join(", ")
        ));
    }
    Ok(())
}
