//! Hosts for ssh-push: `--hosts a,b` or an inventory file (one `[user@]host[:port]` per line,
//! `#` comments, optional `[group]` sections).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

impl Target {
    /// How results name this host: `host`, or `host:port` when a port is given.
    pub fn name(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }

    pub fn is_local(&self) -> bool {
        self.host == "localhost" && self.port.is_none()
    }

    pub fn parse(s: &str) -> Result<Self> {
        let bad = |why: &str| Error::invalid("host", s, why);
        let s_trim = s.trim();
        let (user, rest) = match s_trim.split_once('@') {
            Some((u, r)) => (Some(u), r),
            None => (None, s_trim),
        };
        if let Some(u) = user
            && (u.is_empty()
                || !u
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                || u.starts_with('-'))
        {
            return Err(bad("bad user name"));
        }
        // [v6]:port, host:port, host
        let (host, port) = if let Some(r) = rest.strip_prefix('[') {
            let (h, after) = r.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p),
                None if after.is_empty() => None,
                None => return Err(bad("expected :PORT after ']'")),
            };
            (h, port)
        } else {
            match rest.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (rest, None),
            }
        };
        if host.is_empty() || host.starts_with('-') {
            return Err(bad("empty host name"));
        }
        if !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_:".contains(c))
        {
            return Err(bad(
                "host names use letters, digits, '.', '-', '_' (and ':' inside [] for IPv6)",
            ));
        }
        let port = port
            .map(|p| {
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| bad("port must be 1-65535"))
            })
            .transpose()?;
        Ok(Target {
            user: user.map(str::to_string),
            host: host.to_string(),
            port,
        })
    }
}

/// Parse an inventory: hosts by group (`""` for hosts before any section), in file order.
pub fn parse_inventory(text: &str) -> Result<BTreeMap<String, Vec<Target>>> {
    let mut groups: BTreeMap<String, Vec<Target>> = BTreeMap::new();
    let mut current = String::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            crate::validate::group_name(name.trim())
                .map_err(|e| Error::invalid("inventory line", n + 1, e.to_string()))?;
            current = name.trim().to_string();
            groups.entry(current.clone()).or_default();
            continue;
        }
        let t = Target::parse(line)
            .map_err(|e| Error::invalid("inventory line", n + 1, e.to_string()))?;
        groups.entry(current.clone()).or_default().push(t);
    }
    Ok(groups)
}

/// Select hosts: one group, or all of them (deduplicated, in file order of groups).
pub fn select(groups: &BTreeMap<String, Vec<Target>>, group: Option<&str>) -> Result<Vec<Target>> {
    let picked: Vec<Target> = match group {
        Some(g) => groups
            .get(g)
            .cloned()
            .ok_or_else(|| Error::invalid("group", g, "not in the inventory"))?,
        None => groups.values().flatten().cloned().collect(),
    };
    let mut seen = std::collections::BTreeSet::new();
    Ok(picked
        .into_iter()
        .filter(|t| seen.insert(t.name()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = Target::parse("deploy@web-1.example.com:2222").unwrap();
        assert_eq!(
            (t.user.as_deref(), t.host.as_str(), t.port),
            (Some("deploy"), "web-1.example.com", Some(2222))
        );
        assert_eq!(t.name(), "web-1.example.com:2222");
        let t = Target::parse("[::1]:22").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", Some(22)));
        assert_eq!(Target::parse("10.0.0.1").unwrap().name(), "10.0.0.1");
        for bad in [
            "",
            "a b",
            "-oProxyCommand=x",
            "h:0",
            "h:99999",
            "h;id",
            "@h",
            "[::1",
            "u$@h",
            "-x@h",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn inventory_with_groups_and_comments() {
        let inv = "# fleet\nlb1\n[web]\nroot@w1:2200  # first\nw2\n\n[db]\ndb1\nw2\n";
        let g = parse_inventory(inv).unwrap();
        assert_eq!(g[""].len(), 1);
        assert_eq!(
            g["web"].iter().map(Target::name).collect::<Vec<_>>(),
            vec!["w1:2200", "w2"]
        );
        assert_eq!(select(&g, Some("db")).unwrap().len(), 2);
        let all: Vec<String> = select(&g, None).unwrap().iter().map(Target::name).collect();
        assert_eq!(all, vec!["lb1", "db1", "w2", "w1:2200"]);
        assert!(select(&g, Some("nope")).is_err());
        let e = parse_inventory("ok\nbad host\n").unwrap_err();
        assert!(e.to_string().contains("inventory line"), "{e}");
    }
}
