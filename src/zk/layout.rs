//! Znode paths under the root. The only place that knows the layout (docs/zookeeper-layout.md).

#[derive(Debug, Clone)]
pub struct Layout {
    root: String,
}

/// Prefix of slot lease nodes; ZooKeeper appends a 10-digit sequence.
pub const LEASE_PREFIX: &str = "lease-";

impl Layout {
    /// `root` must already be validated (see `validate::zk_root`).
    pub fn new(root: &str) -> Self {
        Layout {
            root: root.to_string(),
        }
    }
    pub fn root(&self) -> &str {
        &self.root
    }
    pub fn apps(&self) -> String {
        format!("{}/apps", self.root)
    }
    pub fn app(&self, app: &str) -> String {
        format!("{}/apps/{app}", self.root)
    }
    pub fn releases(&self, app: &str) -> String {
        format!("{}/releases", self.app(app))
    }
    pub fn release(&self, app: &str, release: u64) -> String {
        format!("{}/{}", self.releases(app), release_node_name(release))
    }
    pub fn hosts(&self, app: &str) -> String {
        format!("{}/hosts", self.app(app))
    }
    pub fn host(&self, app: &str, host: &str) -> String {
        format!("{}/hosts/{host}", self.app(app))
    }
    pub fn statuses(&self, app: &str) -> String {
        format!("{}/status", self.app(app))
    }
    pub fn status(&self, app: &str, host: &str) -> String {
        format!("{}/status/{host}", self.app(app))
    }
    pub fn slots(&self, app: &str) -> String {
        format!("{}/slots", self.app(app))
    }
    pub fn lease_prefix(&self, app: &str) -> String {
        format!("{}/slots/{LEASE_PREFIX}", self.app(app))
    }
    /// Webhook events claimed by a `serve` instance (one node per event: exactly one sender).
    pub fn events(&self, app: &str) -> String {
        format!("{}/events", self.app(app))
    }
    pub fn event(&self, app: &str, name: &str) -> String {
        format!("{}/events/{name}", self.app(app))
    }
    /// The directories every app needs before agents or publishers use it.
    pub fn app_dirs(&self, app: &str) -> [String; 4] {
        [
            self.releases(app),
            self.hosts(app),
            self.statuses(app),
            self.slots(app),
        ]
    }
}

/// `r-0000000042`: zero-padded like ZooKeeper's own sequence nodes so names sort by id.
pub fn release_node_name(release: u64) -> String {
    format!("r-{release:010}")
}

pub fn parse_release_node(name: &str) -> Option<u64> {
    name.strip_prefix("r-")?.parse().ok()
}

/// Sequence number of a lease node name (`lease-0000000007` → 7).
pub fn lease_sequence(name: &str) -> Option<i64> {
    name.strip_prefix(LEASE_PREFIX)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let l = Layout::new("/d");
        assert_eq!(l.app("web"), "/d/apps/web");
        assert_eq!(l.release("web", 42), "/d/apps/web/releases/r-0000000042");
        assert_eq!(l.status("web", "h1"), "/d/apps/web/status/h1");
        assert_eq!(l.lease_prefix("web"), "/d/apps/web/slots/lease-");
        assert_eq!(parse_release_node("r-0000000042"), Some(42));
        assert_eq!(lease_sequence("lease-0000000007"), Some(7));
        assert_eq!(lease_sequence("other"), None);
    }
}
