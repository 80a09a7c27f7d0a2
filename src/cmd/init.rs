//! `deployctl init`: lock the tree down with ZooKeeper ACLs (docs/security.md).

use clap::Args;

use super::Ctx;
use crate::error::{Error, Result, ZkContext};
use crate::zk::acl::{AclPolicy, digest_id};
use crate::zk::{self, Zk};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Credentials CI publishes with (they own the tree)
    #[arg(
        long,
        env = "DEPLOYCTL_INIT_PUBLISHER",
        hide_env_values = true,
        value_name = "USER:PASSWORD"
    )]
    pub publisher: String,
    /// Credentials agents connect with (presence, status, slots, ledgers only)
    #[arg(
        long,
        env = "DEPLOYCTL_INIT_AGENT",
        hide_env_values = true,
        value_name = "USER:PASSWORD"
    )]
    pub agent: String,
    /// Let anyone read (never write) the tree
    #[arg(long)]
    pub world_read: bool,
}

/// Every node below `path` (depth first, parents before children).
async fn walk(zk: &Zk, path: &str, out: &mut Vec<String>) -> Result<()> {
    let mut stack = vec![path.to_string()];
    while let Some(p) = stack.pop() {
        let children = match zk.client.list_children(&p).await {
            Err(zookeeper_client::Error::NoNode) => continue,
            r => r.zk_context(|| format!("listing {p}"))?,
        };
        out.push(p.clone());
        for c in children {
            stack.push(format!("{p}/{c}"));
        }
    }
    Ok(())
}

pub async fn run(ctx: &Ctx, args: InitArgs) -> Result<()> {
    let policy = AclPolicy {
        publisher: digest_id(&args.publisher)?,
        agent: digest_id(&args.agent)?,
        world_read: args.world_read,
    };
    if policy.publisher.split(':').next() == policy.agent.split(':').next() {
        return Err(Error::invalid(
            "--agent",
            "<hidden>",
            "must be a different user than --publisher",
        ));
    }
    // Connected as the publisher: its identity owns what is created here.
    let mut opts = ctx.global.zk_options(None, None);
    opts.auth = Some(args.publisher.clone());
    // Without reading the current policy: init rewrites it, an unreadable one included.
    let mut zk = zk::connect_without_policy(&opts).await?;
    zk.acl = Some(std::sync::Arc::new(policy.clone()));
    zk.ensure_path(&zk.layout.apps()).await?;
    let acl_path = format!("{}/acl", zk.layout.root());
    let data = serde_json::to_vec(&policy).unwrap_or_default();
    let acls = zk.acls(&acl_path);
    let mode =
        zookeeper_client::CreateMode::Persistent.with_acls(zookeeper_client::Acls::new(&acls));
    match zk.client.create(&acl_path, &data, &mode).await {
        Ok(_) => {}
        Err(zookeeper_client::Error::NodeExists) => {
            zk.client
                .set_data(&acl_path, &data, None)
                .await
                .zk_context(|| format!("writing {acl_path}"))?;
        }
        Err(e) => return Err(Error::zk(format!("creating {acl_path}"), e)),
    }
    // Existing nodes (an open tree being locked down) get the ACL of their kind.
    let mut nodes = vec![];
    walk(&zk, zk.layout.root(), &mut nodes).await?;
    for path in &nodes {
        let acls = zk.acls(path);
        match zk.client.set_acl(path, &acls, None).await {
            Ok(_) | Err(zookeeper_client::Error::NoNode) => {}
            Err(e) => return Err(Error::zk(format!("setting the ACL of {path}"), e)),
        }
    }
    let user = |id: &str| id.split(':').next().unwrap_or("").to_string();
    if ctx.printer.is_json() {
        ctx.printer.json(&serde_json::json!({
            "root": zk.layout.root(),
            "publisher": user(&policy.publisher),
            "agent": user(&policy.agent),
            "world_read": policy.world_read,
            "nodes": nodes.len(),
        }));
    } else {
        ctx.printer.line(&format!(
            "{}: ACLs set on {} node(s): publisher {}, agent {}, world {}",
            zk.layout.root(),
            nodes.len(),
            user(&policy.publisher),
            user(&policy.agent),
            if policy.world_read { "read" } else { "nothing" }
        ));
    }
    Ok(())
}
