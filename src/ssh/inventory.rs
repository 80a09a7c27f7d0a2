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
/// `--limit`: comma-separated globs, each checked (exit 2 naming a bad one).
pub fn parse_limit(text: &str) -> Result<Vec<String>> {
    let patterns: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    if patterns.is_empty() {
        return Err(Error::invalid("--limit", text, "names no pattern"));
    }
    for p in &patterns {
        glob_match(p, "").map_err(|why| Error::invalid("--limit pattern", p, why))?;
    }
    Ok(patterns)
}

/// Does `t` match one of `patterns`, by its name (`host[:port]`) or its bare host?
pub fn limit_matches(patterns: &[String], t: &Target) -> bool {
    patterns.iter().any(|p| {
        glob_match(p, &t.name()).unwrap_or(false) || glob_match(p, &t.host).unwrap_or(false)
    })
}

/// Shell-style glob: `*` any run, `?` one character, `[abc]`, `[a-z]`, `[!a]` a class. An
/// unclosed `[` is an error, whatever the text.
pub fn glob_match(pattern: &str, text: &str) -> std::result::Result<bool, &'static str> {
    let p: Vec<char> = pattern.chars().collect();
    // Check the classes first, so a bad pattern is refused even when the text decides early.
    let mut i = 0;
    while i < p.len() {
        if p[i] == '[' {
            i = class_end(&p, i).ok_or("has an unclosed `[`")?;
        }
        i += 1;
    }
    let t: Vec<char> = text.chars().collect();
    Ok(glob_at(&p, &t))
}

/// Index of the `]` closing the class opened at `open` (a `]` first in the class is literal).
fn class_end(p: &[char], open: usize) -> Option<usize> {
    let mut j = open + 1;
    if p.get(j) == Some(&'!') {
        j += 1;
    }
    if p.get(j) == Some(&']') {
        j += 1;
    }
    while j < p.len() {
        if p[j] == ']' {
            return Some(j);
        }
        j += 1;
    }
    None
}

fn class_matches(class: &[char], c: char) -> bool {
    let (negate, class) = match class.first() {
        Some('!') => (true, &class[1..]),
        _ => (false, class),
    };
    let mut hit = false;
    let mut k = 0;
    while k < class.len() {
        if k + 2 < class.len() && class[k + 1] == '-' {
            hit |= class[k] <= c && c <= class[k + 2];
            k += 3;
        } else {
            hit |= class[k] == c;
            k += 1;
        }
    }
    hit != negate
}

fn glob_at(p: &[char], t: &[char]) -> bool {
    match p.first() {
        None => t.is_empty(),
        Some('*') => (0..=t.len()).any(|k| glob_at(&p[1..], &t[k..])),
        Some('?') => !t.is_empty() && glob_at(&p[1..], &t[1..]),
        Some('[') => match class_end(p, 0) {
            Some(end) => {
                !t.is_empty() && class_matches(&p[1..end], t[0]) && glob_at(&p[end + 1..], &t[1..])
            }
            None => false,
        },
        Some(c) => t.first() == Some(c) && glob_at(&p[1..], &t[1..]),
    }
}

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
    fn limit_globs() {
        let m = |p: &str, t: &str| glob_match(p, t).unwrap();
        assert!(m("web-*", "web-1"));
        assert!(!m("web-*", "db-1"));
        assert!(m("web-?", "web-2"));
        assert!(m("web-[13]", "web-3"));
        assert!(!m("web-[13]", "web-2"));
        assert!(m("web-[1-3]", "web-2"));
        assert!(m("web-[!1]", "web-2"));
        assert!(m("*", ""));
        assert!(glob_match("web-[1", "x").is_err());
        let e = parse_limit("web-*,db-[").unwrap_err();
        assert!(e.to_string().contains("db-["), "{e}");
        assert_eq!(e.exit_code().code(), 2);
        let t = Target::parse("deploy@web-1:2222").unwrap();
        assert!(limit_matches(&["web-1".into()], &t));
        assert!(limit_matches(&["*:2222".into()], &t));
    }

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
