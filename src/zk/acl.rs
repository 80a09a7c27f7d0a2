//! ZooKeeper ACLs (`deployctl init`): publishers write specs and releases; agents read them and
//! write only presence, status, slots and release ledgers; the world gets nothing (or read).
//!
//! The policy lives in `<root>/acl` so every deployctl process gives the nodes it creates the
//! right ACL. Without that node the tree is open (anyone, all permissions).

use serde::{Deserialize, Serialize};
use zookeeper_client::{Acl, Acls, AuthId, Permission};

use crate::error::{Error, Result};

/// Digest identities (`user:base64(sha1(user:password))`, ZooKeeper's digest scheme).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclPolicy {
    pub publisher: String,
    pub agent: String,
    #[serde(default)]
    pub world_read: bool,
}

/// What a node is, for its ACL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// Root, apps/, apps/<app>, releases/, releases/r-<id>, the acl node: the publisher's.
    Tree,
    /// releases/r-<id>/ledger: agents record outcomes and halts.
    Ledger,
    /// hosts/, status/, slots/: agents create (and delete) their own children.
    AgentDir,
    /// hosts/<host>, status/<host>, slots/lease-<n>: the agent's; the publisher only reads.
    AgentNode,
}

/// ZooKeeper's digest id for `user:password`.
pub fn digest_id(user_password: &str) -> Result<String> {
    use base64::Engine;
    use sha1::{Digest, Sha1};
    let (user, _) = user_password
        .split_once(':')
        .ok_or_else(|| Error::invalid("credentials", "<hidden>", "expected USER:PASSWORD"))?;
    crate::validate::host_name(user)
        .map_err(|_| Error::invalid("user name", user, "use letters, digits, '-', '_', '.'"))?;
    let hash = Sha1::digest(user_password.as_bytes());
    Ok(format!(
        "{user}:{}",
        base64::engine::general_purpose::STANDARD.encode(hash)
    ))
}

impl AclPolicy {
    pub fn acls(&self, kind: NodeKind) -> Vec<Acl> {
        let id = |who: &str| AuthId::new("digest", who);
        let (publisher, agent) = match kind {
            NodeKind::Tree => (Permission::ALL, Permission::READ),
            NodeKind::Ledger => (Permission::ALL, Permission::READ | Permission::WRITE),
            NodeKind::AgentDir => (
                Permission::ALL,
                Permission::READ | Permission::CREATE | Permission::DELETE,
            ),
            NodeKind::AgentNode => (Permission::READ, Permission::ALL),
        };
        let mut acls = vec![
            Acl::new(publisher, id(&self.publisher)),
            Acl::new(agent, id(&self.agent)),
        ];
        if self.world_read {
            acls.push(Acl::new(Permission::READ, AuthId::anyone()));
        }
        acls
    }
}

/// Does this ACL grant anyone every permission (an open node)?
pub fn is_open(acls: &[Acl]) -> bool {
    acls.iter().any(|a| {
        a.auth_id().scheme() == "world"
            && a.auth_id().id() == "anyone"
            && a.permission() == Permission::ALL
    })
}

/// The ACL for a new node: the policy's, or open when there is none.
pub fn for_kind(policy: Option<&AclPolicy>, kind: NodeKind) -> Vec<Acl> {
    match policy {
        Some(p) => p.acls(kind),
        None => Acls::anyone_all().to_vec(),
    }
}

/// Pure: the kind of the node at `rel` (its path below the root, no leading '/').
pub fn kind_of(rel: &str) -> NodeKind {
    let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        ["apps", _, "releases", _, "ledger"] => NodeKind::Ledger,
        ["apps", _, "hosts" | "status" | "slots"] => NodeKind::AgentDir,
        ["apps", _, "hosts" | "status" | "slots", _] => NodeKind::AgentNode,
        _ => NodeKind::Tree,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_matches_zookeepers_generator() {
        // `java ... org.apache.zookeeper.server.auth.DigestAuthenticationProvider super:secret`
        assert_eq!(
            digest_id("super:secret").unwrap(),
            "super:lK75jTNcA+U9vtVEw5vB51mj/w4="
        );
        assert!(digest_id("nocolon").is_err());
    }

    #[test]
    fn kinds() {
        assert_eq!(kind_of(""), NodeKind::Tree);
        assert_eq!(kind_of("apps/web"), NodeKind::Tree);
        assert_eq!(kind_of("apps/web/releases/r-0000000001"), NodeKind::Tree);
        assert_eq!(
            kind_of("apps/web/releases/r-0000000001/ledger"),
            NodeKind::Ledger
        );
        assert_eq!(kind_of("apps/web/status"), NodeKind::AgentDir);
        assert_eq!(
            kind_of("apps/web/slots/lease-0000000003"),
            NodeKind::AgentNode
        );
        assert_eq!(kind_of("acl"), NodeKind::Tree);
    }

    #[test]
    fn publisher_cannot_write_agent_nodes() {
        let p = AclPolicy {
            publisher: "p:x".into(),
            agent: "a:y".into(),
            world_read: false,
        };
        let acls = p.acls(NodeKind::AgentNode);
        let publisher = acls.iter().find(|a| a.id() == "p:x").unwrap();
        assert!(!publisher.permission().has(Permission::WRITE));
        let tree = p.acls(NodeKind::Tree);
        assert!(
            !tree
                .iter()
                .find(|a| a.id() == "a:y")
                .unwrap()
                .permission()
                .has(Permission::WRITE)
        );
        assert!(!tree.iter().any(|a| a.scheme() == "world"));
    }
}
