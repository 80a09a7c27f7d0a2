//! The CLI's JSON views of stored records (docs/schema/). The records' znode format stays as it
//! is (agents of other versions read and write it); what the CLI prints follows one set of rules:
//! durations are integer `*_ms`, `release` is the release id, a value that is not there is left
//! out (never an empty string), `max_failures` is `{"count": N}` or `{"percent": P}`.

use serde_json::{Map, Value, json};

use crate::model::{FailureBudget, HostStatus, ReleaseSpec};

/// `max_failures` in its one output shape.
pub fn failure_budget(b: FailureBudget) -> Value {
    match b {
        FailureBudget::Count(n) => json!({ "count": n }),
        FailureBudget::Percent(p) => json!({ "percent": p }),
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(m) => m,
        // Plain structs always serialize to objects.
        _ => Map::new(),
    }
}

/// Leave out the string fields in `keys` that are empty (a record's "not set").
fn drop_empty(m: &mut Map<String, Value>, keys: &[&str]) {
    for k in keys {
        if m.get(*k).is_some_and(|v| v.as_str() == Some("")) {
            m.remove(*k);
        }
    }
}

/// Move whole seconds in `from` to milliseconds in `to`.
fn secs_to_ms(m: &mut Map<String, Value>, from: &str, to: &str) {
    if let Some(secs) = m.remove(from).and_then(|v| v.as_u64()) {
        m.insert(to.into(), json!(secs.saturating_mul(1000)));
    }
}

/// A release spec as the CLI prints it, secret values masked (whoever calls: a printed spec
/// never carries a secret, even when the caller forgot `redacted()`).
pub fn spec(s: &ReleaseSpec) -> Value {
    let mut m = object(serde_json::to_value(s.redacted()).unwrap_or_default());
    secs_to_ms(&mut m, "command_timeout_secs", "command_timeout_ms");
    secs_to_ms(&mut m, "health_timeout_secs", "health_timeout_ms");
    m.insert("max_failures".into(), failure_budget(s.max_failures));
    drop_empty(&mut m, &["published_by", "published_at"]);
    // Who signed and until when; the armored signature and carried payload stay in ZooKeeper.
    if let Some(sig) = &s.signature {
        let expires = std::time::UNIX_EPOCH + std::time::Duration::from_secs(sig.expires_at);
        m.insert(
            "signature".into(),
            json!({
                "release": sig.release,
                "key": sig.key,
                "expires_at": crate::model::format_time(expires),
            }),
        );
    }
    Value::Object(m)
}

/// Where a stepped release stands (`status`, `history`, `promote`): 1-based `step` of `of`,
/// the plan's `item`, the `gate` it waits at (`manual` or `timed`), a host step's `target`.
pub fn step(p: &crate::policy::steps::Position, app: &str) -> Value {
    let mut m = Map::new();
    m.insert("step".into(), json!(p.index + 1));
    m.insert("of".into(), json!(p.total));
    m.insert("item".into(), json!(p.step.to_string()));
    if p.at_gate() {
        let kind = if p.at_manual_gate() {
            "manual"
        } else {
            "timed"
        };
        m.insert("gate".into(), json!(kind));
    }
    if let Some(t) = p.pause_ends() {
        m.insert("pause_ends_at".into(), json!(crate::model::format_time(t)));
    }
    if let Some(t) = p.target {
        m.insert("target".into(), json!(t));
    }
    if p.approvals_missing > 0 {
        m.insert("approvals_missing".into(), json!(p.approvals_missing));
    }
    m.insert("healthy".into(), json!(p.healthy));
    m.insert("message".into(), json!(p.describe(app)));
    Value::Object(m)
}

/// A host's stored status as the CLI prints it.
pub fn host_status(st: &HostStatus) -> Value {
    let mut m = object(serde_json::to_value(st).unwrap_or_default());
    drop_empty(&mut m, &["message", "output_tail", "updated_at"]);
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_view_follows_the_output_rules() {
        let mut s = ReleaseSpec::new("web", "1.0");
        s.release = 4;
        s.command_timeout_secs = 30;
        s.health_timeout_secs = Some(5);
        s.max_failures = FailureBudget::Percent(25);
        let v = spec(&s);
        assert_eq!(v["release"], 4);
        assert_eq!(v["command_timeout_ms"], 30_000);
        assert_eq!(v["health_timeout_ms"], 5_000);
        assert!(v.get("command_timeout_secs").is_none());
        assert_eq!(v["max_failures"], json!({"percent": 25}));
        assert!(v.get("published_by").is_none() && v.get("published_at").is_none());
        s.max_failures = FailureBudget::Count(2);
        assert_eq!(spec(&s)["max_failures"], json!({"count": 2}));
        // The stored format is unchanged.
        let stored: Value = serde_json::from_slice(&s.to_json()).unwrap();
        assert_eq!(stored["command_timeout_secs"], 30);
        assert_eq!(stored["max_failures"], "2");
    }

    #[test]
    fn spec_view_masks_secret_values() {
        let mut s = ReleaseSpec::new("web", "1.0");
        s.vars = [
            ("db_password".to_string(), "hunter2-long".to_string()),
            ("region".to_string(), "eu".to_string()),
            ("key".to_string(), "declared-secret".to_string()),
        ]
        .into();
        s.secret_vars = vec!["key".into()];
        let v = spec(&s);
        assert_eq!(v["vars"]["db_password"], crate::secrets::MASK);
        assert_eq!(v["vars"]["key"], crate::secrets::MASK);
        assert_eq!(v["vars"]["region"], "eu");
    }

    #[test]
    fn host_status_view_leaves_out_empty_strings() {
        let st = HostStatus {
            host: "h".into(),
            version: "1".into(),
            ..Default::default()
        };
        let v = host_status(&st);
        for k in ["message", "output_tail", "updated_at", "exit_code"] {
            assert!(v.get(k).is_none(), "{k}: {v}");
        }
    }
}
