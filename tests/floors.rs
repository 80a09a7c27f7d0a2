//! The layout's floors hold: nothing imports upward (docs/architecture.md). Read from the
//! source, so a new `use` that runs back up a floor fails here, not in review.
//!
//! Floors, bottom to top: `model`, `checks`, `policy`, `validate`, `secrets`, `signing`, `render`, `exec`,
//! `http`, `prometheus` →
//! `zk` (applies decisions) → `rollout` (decides what a wait sees), `ssh` (runs pushes) →
//! `output` (renders both) → `agent` (the host daemon), `ops` (the commands' logic without
//! clap) → `serve` (web page, API, metrics, webhooks) → `cmd` (wires) → `cli`.

use std::path::Path;

/// (module, modules it must not use)
const RULES: &[(&str, &[&str])] = &[
    (
        "model",
        &[
            "policy", "zk", "rollout", "output", "ssh", "agent", "ops", "serve", "cmd", "cli",
        ],
    ),
    (
        "policy",
        &[
            "zk", "rollout", "output", "ssh", "agent", "ops", "serve", "cmd", "cli",
        ],
    ),
    // Metric checks' records and judging: pure, beside the model that stores them.
    (
        "checks",
        &[
            "policy", "zk", "rollout", "output", "ssh", "agent", "ops", "serve", "cmd", "cli",
        ],
    ),
    (
        "http",
        &[
            "policy", "zk", "rollout", "output", "ssh", "agent", "ops", "serve", "cmd", "cli",
        ],
    ),
    (
        "prometheus",
        &[
            "zk", "rollout", "output", "ssh", "agent", "ops", "serve", "cmd", "cli",
        ],
    ),
    // Signatures are pure: the spec and the key in, bytes and a verdict out.
    (
        "signing",
        &[
            "zk", "rollout", "output", "ssh", "agent", "ops", "serve", "cmd", "cli",
        ],
    ),
    (
        "exec",
        &[
            "zk", "rollout", "output", "ssh", "agent", "ops", "serve", "cmd", "cli",
        ],
    ),
    (
        "zk",
        &[
            "rollout", "output", "ssh", "agent", "ops", "serve", "cmd", "cli",
        ],
    ),
    (
        "rollout",
        &["output", "ssh", "agent", "ops", "serve", "cmd", "cli"],
    ),
    (
        "ssh",
        &["rollout", "output", "agent", "ops", "serve", "cmd", "cli"],
    ),
    ("output", &["agent", "ops", "serve", "cmd", "cli"]),
    ("agent", &["ssh", "output", "ops", "serve", "cmd", "cli"]),
    // The commands' logic without clap, shared by cmd/ and serve/.
    ("ops", &["agent", "serve", "cmd", "cli"]),
    // The web page, API, metrics and webhooks: one more consumer beside cmd/, below it.
    ("serve", &["agent", "cmd", "cli"]),
];

fn sources(module: &str) -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let file = root.join(format!("{module}.rs"));
    let dir = root.join(module);
    let mut out = vec![];
    if file.exists() {
        out.push(file);
    }
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    assert!(!out.is_empty(), "no source for module {module}");
    out
}

#[test]
fn nothing_imports_up_a_floor() {
    let mut bad = vec![];
    for (module, forbidden) in RULES {
        for file in sources(module) {
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                for f in *forbidden {
                    if code.contains(&format!("crate::{f}::"))
                        || code.contains(&format!("crate::{f};"))
                        || code.contains(&format!("crate::{f}}}"))
                        || code.contains(&format!("crate::{f},"))
                    {
                        bad.push(format!(
                            "{}:{}: {module} uses {f}: {}",
                            file.display(),
                            n + 1,
                            line.trim()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "imports that run up a floor:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_rules_cover_every_module_with_a_floor() {
    // A rule that names a module that no longer exists would pass vacuously.
    for (module, _) in RULES {
        sources(module);
    }
}
