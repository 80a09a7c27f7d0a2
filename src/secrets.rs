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
}
