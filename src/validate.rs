//! Validation of names that end up in znode paths, status records and commands.
//!
//! Applied on publish *and* whenever a value is read back from ZooKeeper: a znode can be
//! written by anyone with access, so nothing read from it is trusted.

use crate::error::{Error, Result};

const MAX_LEN: usize = 128;

/// The longest duration any flag or spec takes: beyond it a value is a typo, and millisecond
/// fields could no longer hold it (they were silently truncated: `18446744073709553s` stored as
/// 1384 ms).
pub const MAX_DURATION: std::time::Duration = std::time::Duration::from_secs(100 * 365 * 24 * 3600);

/// A duration (`90s`, `15m`, `1h 30m`): parsed, then refused beyond [`MAX_DURATION`]. The one
/// parser for every duration flag (clap `value_parser`), so the error names the value.
pub fn duration(value: &str) -> std::result::Result<std::time::Duration, String> {
    let d = humantime::parse_duration(value).map_err(|e| e.to_string())?;
    if d > MAX_DURATION {
        return Err("longer than 100 years (the longest duration deployctl takes)".into());
    }
    Ok(d)
}

fn check(what: &'static str, value: &str, extra: &[char], first_alnum: bool) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(what, value, "must not be empty"));
    }
    if value.len() > MAX_LEN {
        return Err(Error::invalid(
            what,
            value,
            format!("longer than {MAX_LEN} characters"),
        ));
    }
    if first_alnum && !value.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(Error::invalid(
            what,
            value,
            "must start with a letter or digit",
        ));
    }
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || extra.contains(c)))
    {
        let allowed: String = extra.iter().collect();
        return Err(Error::invalid(
            what,
            value,
            format!("character {bad:?} not allowed (use letters, digits and {allowed:?})"),
        ));
    }
    Ok(())
}

/// App names become znode path segments: letters, digits, `-`, `_`, `.`; no `..` tricks.
pub fn app_name(value: &str) -> Result<()> {
    check("app name", value, &['-', '_', '.'], true)
}

/// Versions: what tags and package versions use (`1.2.3`, `v2-rc.1`, `1.0+build.5`, `1:2.0~rc1`).
pub fn version(value: &str) -> Result<()> {
    check("version", value, &['-', '_', '.', '+', '~', ':'], true)
}

/// A SHA-256 digest as 64 hex digits (any case); returned lowercase.
pub fn sha256(value: &str) -> Result<String> {
    if value.len() != 64 || !value.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::invalid("sha256", value, "must be 64 hex digits"));
    }
    Ok(value.to_ascii_lowercase())
}

/// A git commit id: 40 (SHA-1) or 64 (SHA-256) hex digits; returned lowercase.
pub fn commit_id(value: &str) -> Result<String> {
    if !matches!(value.len(), 40 | 64) || !value.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::invalid(
            "git commit",
            value,
            "must be a full commit id (40 hex digits)",
        ));
    }
    Ok(value.to_ascii_lowercase())
}

/// Host names as agents register them (also znode path segments).
pub fn host_name(value: &str) -> Result<()> {
    check("host name", value, &['-', '_', '.'], true)
}

/// Names of template variables (`{{ vars.NAME }}`).
pub fn var_name(value: &str) -> Result<()> {
    if !value.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return Err(Error::invalid(
            "variable name",
            value,
            "must start with a letter or '_'",
        ));
    }
    check("variable name", value, &['_'], false)
}

/// A var's value: it reaches the command as one environment string, which Linux limits to
/// 128 KiB (`MAX_ARG_STRLEN`), and cannot hold a NUL. Refused here, at publish, rather than on
/// every host at deploy time.
pub fn var_value(name: &str, value: &str) -> Result<()> {
    let max = crate::render::MAX_VALUE_BYTES;
    if value.len() > max {
        return Err(Error::invalid(
            "var",
            name,
            format!(
                "its value is {} bytes; the limit is {max} (a command's environment string must stay under 128 KiB)",
                value.len()
            ),
        ));
    }
    if value.contains('\0') {
        return Err(Error::invalid(
            "var",
            name,
            "its value holds a NUL byte, which no command can receive",
        ));
    }
    if value.contains(['\u{E000}', '\u{E001}']) {
        return Err(Error::invalid(
            "var",
            name,
            "its value holds U+E000/U+E001, reserved for deployctl's value markers in commands",
        ));
    }
    Ok(())
}

/// Group names an agent declares.
pub fn group_name(value: &str) -> Result<()> {
    check("group name", value, &['-', '_', '.'], true)
}

/// A ZooKeeper root path such as `/deployctl` or `/teams/web/deployctl`.
pub fn zk_root(value: &str) -> Result<()> {
    if !value.starts_with('/') || value.len() < 2 || value.ends_with('/') {
        return Err(Error::invalid(
            "ZooKeeper root",
            value,
            "must be an absolute path like /deployctl (no trailing '/')",
        ));
    }
    for seg in value[1..].split('/') {
        check("ZooKeeper root segment", seg, &['-', '_', '.'], true)?;
    }
    Ok(())
}

/// ZooKeeper servers `HOST[:PORT][,HOST[:PORT]...]` (an optional `/chroot` after them): a value
/// that cannot be one is bad input (exit 2), not an unreachable ZooKeeper (exit 4).
pub fn zk_servers(value: &str) -> Result<()> {
    let bad = |reason: String| Err(Error::invalid("ZooKeeper servers (--zk)", value, reason));
    let hosts = value.split('/').next().unwrap_or_default();
    if hosts.trim().is_empty() {
        return bad("expected HOST:PORT[,HOST:PORT...]".into());
    }
    for entry in hosts.split(',').map(str::trim) {
        let (host, port) = match entry.strip_prefix('[') {
            // [IPv6]:PORT
            Some(rest) => match rest.split_once(']') {
                Some((h, p))
                    if !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit() || c == ':') =>
                {
                    (h, p.strip_prefix(':'))
                }
                _ => return bad(format!("{entry:?} is not [IPv6]:PORT")),
            },
            None => match entry.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (entry, None),
            },
        };
        let host_ok = !host.is_empty()
            && (entry.starts_with('[')
                || host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')));
        if !host_ok {
            return bad(format!(
                "{entry:?} is not HOST:PORT (a host name or address, then an optional port)"
            ));
        }
        if let Some(p) = port
            && !p.parse::<u16>().is_ok_and(|p| p > 0)
        {
            return bad(format!("{entry:?}: port {p:?} is not a number 1-65535"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zk_servers_are_host_port_lists() {
        for ok in [
            "127.0.0.1:2181",
            "a:1,b:2/chroot",
            "zk.invalid:2181",
            "zk1",
            "[::1]:2181",
            "a:2181, b:2181",
        ] {
            zk_servers(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in [
            "not a server",
            "",
            "a:b",
            "a:0",
            "a:70000",
            ",",
            "a;b:1",
            "[zz]:1",
        ] {
            let e = zk_servers(bad).unwrap_err();
            assert_eq!(e.exit_code().code(), 2, "{bad}");
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
    }

    #[test]
    fn var_values_a_command_can_receive() {
        var_value("x", &"a".repeat(crate::render::MAX_VALUE_BYTES)).unwrap();
        let e = var_value("blob", &"a".repeat(140 * 1024)).unwrap_err();
        assert!(e.to_string().contains("\"blob\""), "{e}");
        assert_eq!(e.exit_code().code(), 2);
        assert!(var_value("n", "a\0b").is_err());
        let e = var_value("m", "a\u{E000}b").unwrap_err();
        assert!(e.to_string().contains("U+E000"), "{e}");
    }

    #[test]
    fn good_names() {
        for a in ["web", "web-api", "a.b_c", "0app"] {
            app_name(a).unwrap();
        }
        for v in ["1.0", "v2.3.4-rc.1", "1.0+build.5", "1:2.0~rc1", "abc123"] {
            version(v).unwrap();
        }
        zk_root("/deployctl").unwrap();
        zk_root("/t/deployctl-test.1").unwrap();
    }

    #[test]
    fn hostile_names() {
        for a in [
            "../x", "..", ".", "", "a/b", "a b", "-rf", "x;y", "é", "a\nb",
        ] {
            assert!(app_name(a).is_err(), "{a:?} accepted");
        }
        for v in [
            "1.0; touch /tmp/pwned",
            "$(id)",
            "`id`",
            "1.0\n",
            "",
            "-v",
            "a'b",
            "a\"b",
        ] {
            assert!(version(v).is_err(), "{v:?} accepted");
        }
        assert!(app_name(&"a".repeat(129)).is_err());
        for r in ["deployctl", "/", "/a/", "/a//b", "/a/../b"] {
            assert!(zk_root(r).is_err(), "{r:?} accepted");
        }
        assert!(var_name("1x").is_err());
        assert!(var_name("a-b").is_err());
        var_name("db_url").unwrap();
    }
}
