//! Every JSON document the tests see is checked against its schema in docs/schema/ (draft
//! 2020-12, the `jsonschema` crate, nothing fetched): what a script writer relies on is what the
//! tests saw.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

const BASE: &str = "https://deployctl.invalid/schema/";

fn schemas() -> &'static Vec<(String, Value)> {
    static ALL: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    ALL.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/schema");
        let mut out = vec![];
        for e in std::fs::read_dir(&dir).expect("docs/schema") {
            let path = e.expect("dir entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".schema.json") {
                let text = std::fs::read_to_string(&path).expect("schema file");
                let v =
                    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not JSON: {e}"));
                out.push((name, v));
            }
        }
        out
    })
}

fn validator(name: &str) -> std::sync::Arc<jsonschema::Validator> {
    static CACHE: OnceLock<Mutex<HashMap<String, std::sync::Arc<jsonschema::Validator>>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(v) = cache.lock().unwrap().get(name) {
        return v.clone();
    }
    let mut registry = jsonschema::Registry::new();
    for (n, v) in schemas() {
        registry = registry
            .add(format!("{BASE}{n}"), v.clone())
            .unwrap_or_else(|e| panic!("{n}: {e}"));
    }
    let registry = registry.prepare().expect("schema registry");
    let schema = &schemas()
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no schema {name}"))
        .1;
    let v = std::sync::Arc::new(
        jsonschema::options()
            .offline()
            .with_registry(&registry)
            .build(schema)
            .unwrap_or_else(|e| panic!("{name}: {e}")),
    );
    cache.lock().unwrap().insert(name.into(), v.clone());
    v
}

/// The document kinds the CLI prints (docs/schema/<kind>.schema.json).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Publish,
    WaitSummary,
    /// `wait-for-rollout APP1 APP2 …`: picked by `parse` when a wait summary has `apps`.
    WaitAppsSummary,
    WaitEvent,
    Status,
    History,
    Apps,
    AppsShow,
    AppsDelete,
    Hosts,
    HostsDelete,
    Control,
    Promote,
    Init,
    AgentOnce,
    SshPushSummary,
    SshPushEvent,
    /// A run that ended without a result (exit 2 or 4), whatever the command.
    Error,
    /// `serve --output json`'s line.
    Serve,
    /// The body of a JSON API error answer.
    ApiError,
    /// A webhook body (`--webhook-format json`).
    Webhook,
    /// A webhook body (`--webhook-format slack`).
    WebhookSlack,
}

impl Kind {
    pub fn file(self) -> &'static str {
        match self {
            Kind::Publish => "publish.schema.json",
            Kind::WaitSummary => "wait-summary.schema.json",
            Kind::WaitAppsSummary => "wait-apps-summary.schema.json",
            Kind::WaitEvent => "wait-event.schema.json",
            Kind::Status => "status.schema.json",
            Kind::History => "history.schema.json",
            Kind::Apps => "apps.schema.json",
            Kind::AppsShow => "apps-show.schema.json",
            Kind::AppsDelete => "apps-delete.schema.json",
            Kind::Hosts => "hosts.schema.json",
            Kind::HostsDelete => "hosts-delete.schema.json",
            Kind::Control => "control.schema.json",
            Kind::Promote => "promote.schema.json",
            Kind::Init => "init.schema.json",
            Kind::AgentOnce => "agent-once.schema.json",
            Kind::SshPushSummary => "ssh-push-summary.schema.json",
            Kind::SshPushEvent => "ssh-push-event.schema.json",
            Kind::Error => "error.schema.json",
            Kind::Serve => "serve.schema.json",
            Kind::ApiError => "api-error.schema.json",
            Kind::Webhook => "webhook.schema.json",
            Kind::WebhookSlack => "webhook-slack.schema.json",
        }
    }

    /// The kind of the final document a deployctl command line prints with `--output json`
    /// (global flags anywhere; `--wait` turns publish/rollback into a rollout summary).
    pub fn of_command(args: &[&str]) -> Kind {
        const COMMANDS: &[&str] = &[
            "publish",
            "rollback",
            "restart",
            "wait-for-rollout",
            "status",
            "history",
            "apps",
            "hosts",
            "pause",
            "resume",
            "abort",
            "freeze",
            "unfreeze",
            "promote",
            "init",
            "agent",
            "ssh-push",
        ];
        // The subcommand is the first of these words (global flags and their values first).
        let words: Vec<&str> = args
            .iter()
            .copied()
            .skip_while(|a| !COMMANDS.contains(a))
            .filter(|a| !a.starts_with('-'))
            .collect();
        let wait = args.contains(&"--wait");
        match words.first().copied() {
            Some("publish") | Some("rollback") | Some("restart") if wait => Kind::WaitSummary,
            Some("publish") | Some("rollback") | Some("restart") => Kind::Publish,
            Some("wait-for-rollout") => Kind::WaitSummary,
            Some("status") => Kind::Status,
            Some("history") => Kind::History,
            Some("apps") => match words.get(1).copied() {
                Some("show") => Kind::AppsShow,
                Some("delete") => Kind::AppsDelete,
                _ => Kind::Apps,
            },
            Some("hosts") => match words.get(1).copied() {
                Some("delete") => Kind::HostsDelete,
                _ => Kind::Hosts,
            },
            Some("pause") | Some("resume") | Some("abort") | Some("freeze") | Some("unfreeze") => {
                Kind::Control
            }
            Some("promote") => Kind::Promote,
            Some("init") => Kind::Init,
            Some("agent") => Kind::AgentOnce,
            Some("ssh-push") => Kind::SshPushSummary,
            other => panic!("which JSON does {other:?} print? ({args:?})"),
        }
    }

    /// The kind of the NDJSON lines `--events` prints before the final document.
    pub fn events_of_command(args: &[&str]) -> Kind {
        match Kind::of_command(args) {
            Kind::SshPushSummary => Kind::SshPushEvent,
            _ => Kind::WaitEvent,
        }
    }
}

/// Panic unless `doc` validates against `kind`'s schema.
pub fn check(kind: Kind, doc: &Value) {
    let v = validator(kind.file());
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "JSON does not match {}:\n{}\n{doc:#}",
        kind.file(),
        errors.join("\n")
    );
}

/// Parse `text` as exactly one JSON document of `kind`, checked against its schema — or, for a
/// run that ended without a result (`result: "error"`), against the error report's.
pub fn parse(kind: Kind, text: &[u8]) -> Value {
    let text = String::from_utf8_lossy(text);
    let v: Value = serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{text}"));
    check(refine(kind, &v), &v);
    v
}

/// The kind `v` must be, printed where a document of `kind` was expected: a run that ended
/// without a result prints the error report; a wait over several apps, their summary.
fn refine(kind: Kind, v: &Value) -> Kind {
    if v["result"] == "error" {
        Kind::Error
    } else if kind == Kind::WaitSummary && v.get("apps").is_some() {
        Kind::WaitAppsSummary
    } else {
        kind
    }
}

/// What `deployctl ARGS` printed on stdout, parsed and checked: with `--events`, every NDJSON
/// line against the event schema and (with `--output json`) the last one as the summary.
/// Returns every document, in order.
pub fn parse_stdout(args: &[&str], stdout: &[u8]) -> Vec<Value> {
    let text = String::from_utf8_lossy(stdout);
    let events = args.contains(&"--events");
    let json = args.windows(2).any(|w| w == ["--output", "json"]);
    if !events {
        return vec![parse(Kind::of_command(args), stdout)];
    }
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let v: Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("not an NDJSON line ({e}): {l}\n{text}"));
            let kind = if json && i + 1 == lines.len() {
                refine(Kind::of_command(args), &v)
            } else {
                Kind::events_of_command(args)
            };
            check(kind, &v);
            v
        })
        .collect()
}
