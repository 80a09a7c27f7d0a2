//! Secret values: vars published with `--secret-var`, and vars whose names match an agent's
//! `secret_names` patterns. They are masked wherever deployctl writes text: status nodes (output
//! tail, message), logs, JSON, JUnit, the GitHub summary.

use std::collections::BTreeMap;

pub const MASK: &str = "****";

/// Var names that are secret everywhere without being declared (`--secret-var` and an agent's
/// `secret_names` add to these).
pub const DEFAULT_PATTERNS: [&str; 7] = [
    "*password*",
    "*passwd*",
    "*secret*",
    "*token*",
    "*api_key*",
    "*apikey*",
    "*private_key*",
];

fn is_secret(name: &str, secret_vars: &[String], patterns: &[String]) -> bool {
    secret_vars.iter().any(|s| s == name)
        || DEFAULT_PATTERNS.iter().any(|p| name_matches(p, name))
        || patterns.iter().any(|p| name_matches(p, name))
}

/// `*` matches any run of characters; matching ignores case (`*_token` matches `API_TOKEN`).
pub fn name_matches(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

/// The secret values among `vars`.
pub fn values(
    vars: &BTreeMap<String, String>,
    secret_vars: &[String],
    patterns: &[String],
) -> Vec<String> {
    let mut out: Vec<String> = vars
        .iter()
        .filter(|(k, _)| is_secret(k, secret_vars, patterns))
        .map(|(_, v)| v.clone())
        // Very short values would mask half of every log; they are not secrets worth the name.
        .filter(|v| v.len() >= 4)
        .collect();
    // Longest first, so a secret containing another is masked whole.
    out.sort_by_key(|v| std::cmp::Reverse(v.len()));
    out
}

/// Replace every occurrence of a secret value.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), MASK);
        }
    }
    out
}

/// The last `max` bytes of a command's output, secrets masked *before* the cut. `cut_before`:
/// `bytes` is itself the end of longer output. A secret cut through at the start of the tail
/// (its suffix is all that remains) is masked too.
pub fn masked_tail(bytes: &[u8], cut_before: bool, secrets: &[String], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    // A cut through a multi-byte char leaves a replacement char; drop it.
    let text = if cut_before {
        text.trim_start_matches('\u{FFFD}')
    } else {
        &text
    };
    let mut out = redact(text, secrets);
    let mut cut = cut_before;
    if out.len() > max {
        let mut start = out.len() - max;
        while !out.is_char_boundary(start) {
            start += 1;
        }
        out.drain(..start);
        cut = true;
    }
    if cut {
        // The longest proper suffix of any secret that the tail starts with.
        let leading = secrets
            .iter()
            .filter_map(|s| {
                s.char_indices()
                    .skip(1)
                    .map(|(i, _)| &s[i..])
                    .find(|suffix| out.starts_with(suffix))
                    .map(str::len)
            })
            .max();
        if let Some(n) = leading {
            out.replace_range(..n, MASK);
        }
    }
    out
}

/// `vars` with secret values masked, for printing a spec.
pub fn mask_vars(
    vars: &BTreeMap<String, String>,
    secret_vars: &[String],
) -> BTreeMap<String, String> {
    vars.iter()
        .map(|(k, v)| {
            let v = if is_secret(k, secret_vars, &[]) {
                MASK.to_string()
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(name_matches("*_token", "API_TOKEN"));
        assert!(name_matches("password", "PASSWORD"));
        assert!(name_matches("db_*_pass*", "db_main_password"));
        assert!(!name_matches("*_token", "tokenizer"));
        assert!(name_matches("*", "anything"));
    }

    #[test]
    fn values_and_redaction() {
        let vars: BTreeMap<String, String> = [
            ("api_token".to_string(), "s3cr3t-token-value".to_string()),
            ("db_pass".to_string(), "hunter22".to_string()),
            ("region".to_string(), "eu-west-1".to_string()),
            ("pin".to_string(), "42".to_string()),
        ]
        .into();
        let v = values(
            &vars,
            &["db_pass".into(), "pin".into()],
            &["*_token".into()],
        );
        assert_eq!(
            v,
            vec!["s3cr3t-token-value".to_string(), "hunter22".to_string()]
        );
        let text = "connecting with s3cr3t-token-value and hunter22 to eu-west-1";
        assert_eq!(
            redact(text, &v),
            "connecting with **** and **** to eu-west-1"
        );
        let masked = mask_vars(&vars, &["db_pass".into()]);
        assert_eq!(masked["db_pass"], MASK);
        assert_eq!(masked["region"], "eu-west-1");
    }

    #[test]
    fn tail_is_masked_before_it_is_cut() {
        let secret = "s3cr3t-token-value".to_string();
        let secrets = vec![secret.clone()];
        // The secret, then enough output that a cut after it would keep only its end.
        for pad in [0, 1, 4080, 4090, 4095, 4096, 5000] {
            let text = format!("{secret}{}", "x".repeat(pad));
            let tail = masked_tail(text.as_bytes(), false, &secrets, 4096);
            assert!(tail.len() <= 4096 + MASK.len());
            for i in 1..secret.len() {
                assert!(!tail.starts_with(&secret[i..]), "pad {pad}: {tail:.40}");
            }
            assert!(!tail.contains(&secret[4..]), "pad {pad}");
        }
        // Output already cut by the capture (only the secret's end is left) is masked too.
        let tail = masked_tail(b"-value and more", true, &secrets, 4096);
        assert_eq!(tail, "**** and more");
        // A plain tail that happens to start like a secret's end is left alone when nothing
        // was cut.
        assert_eq!(masked_tail(b"-value", false, &secrets, 4096), "-value");
    }

    #[test]
    fn masked_tail_keeps_the_end() {
        assert_eq!(masked_tail(b"hello world", false, &[], 5), "world");
        // A capture cut through a multi-byte char drops the broken part.
        assert_eq!(masked_tail(&"aé".as_bytes()[2..], true, &[], 5), "");
    }
}
