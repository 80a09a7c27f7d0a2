//! The CLI's output, human and JSON, as snapshots (insta) of real runs against a real ZooKeeper
//! and real agents: publish, status, history, wait-for-rollout and ssh-push. Times, durations,
//! paths and the machine's names are filtered out; everything else is compared exactly, so a
//! refactor proves it kept the output, and a change shows its output diff in review.

mod common;

use std::time::Duration;

use common::*;

/// Replace what changes from run to run with stable placeholders.
fn filters(env: &TestEnv) -> Vec<(String, String)> {
    let mut f = vec![
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z".to_string(),
            "[TIME]".to_string(),
        ),
        (
            r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}".to_string(),
            "[TIME]".to_string(),
        ),
        (
            r#""duration_ms": ?\d+"#.to_string(),
            r#""duration_ms": "[MS]""#.to_string(),
        ),
        (
            r#""elapsed_ms": ?\d+"#.to_string(),
            r#""elapsed_ms": "[MS]""#.to_string(),
        ),
        // Human durations: `0.3s`, `1m02s`.
        (r"\b\d+(\.\d+)?s\b".to_string(), "[DUR]".to_string()),
        (r"\b\d+m\d{2}s\b".to_string(), "[DUR]".to_string()),
        (
            regex_escape(&env.dir.path().display().to_string()),
            "[DIR]".to_string(),
        ),
        (regex_escape(&env.root), "[ROOT]".to_string()),
    ];
    if let Ok(h) = gethostname() {
        f.push((
            format!(r"\b{}\b", regex_escape(&h)),
            "[HOSTNAME]".to_string(),
        ));
    }
    // Human tables pad columns to the widest value, and filtered values had other widths.
    f.push((r" {2,}".to_string(), "  ".to_string()));
    f
}

fn gethostname() -> Result<String, ()> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .map_err(|_| ())
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if "\\.+*?()|[]{}^$#&-~".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Pretty JSON (keys sorted by serde_json's map) for a stable snapshot.
fn pretty(stdout: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(stdout).expect("one JSON document");
    serde_json::to_string_pretty(&v).expect("JSON")
}

fn run_ok(env: &TestEnv, args: &[&str]) -> Vec<u8> {
    // A fixed publisher name (`published_by` is USER@HOSTNAME otherwise).
    let out = env
        .cmd()
        .env("GITHUB_ACTOR", "snapshot")
        .args(args)
        .output()
        .expect("run deployctl");
    assert!(
        out.status.success(),
        "{args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
    out.stdout
}

macro_rules! snap {
    ($env:expr, $name:expr, $text:expr) => {{
        let filters = filters($env);
        let refs: Vec<(&str, &str)> = filters
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        insta::with_settings!({ filters => refs, prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!($name, $text);
        });
    }};
}

#[test]
fn publish_status_history_and_wait() {
    let env = TestEnv::new("snapshots");
    let names = hosts("s", 2);
    let _agents = env.start_agents("shop", &names, &[]);
    let publish = |version: &str, json: bool| {
        let mut args = vec![];
        if json {
            args.extend(["--output", "json"]);
        }
        args.extend([
            "publish",
            "shop",
            version,
            "--slots",
            "1",
            "--deploy-cmd",
            "echo deployed {{ version }} > version",
            "--get-version-cmd",
            "cat version 2>/dev/null || true",
        ]);
        run_ok(&env, &args)
    };
    snap!(&env, "publish_json", pretty(&publish("1.0", true)));
    run_ok(&env, &["wait-for-rollout", "shop", "--timeout", "60s"]);
    snap!(
        &env,
        "publish_human",
        String::from_utf8_lossy(&publish("2.0", false)).into_owned()
    );
    let wait_json = run_ok(
        &env,
        &[
            "--output",
            "json",
            "wait-for-rollout",
            "shop",
            "--timeout",
            "60s",
        ],
    );
    snap!(&env, "wait_json", pretty(&wait_json));
    let wait_human = run_ok(&env, &["wait-for-rollout", "shop", "--timeout", "60s"]);
    snap!(
        &env,
        "wait_human",
        String::from_utf8_lossy(&wait_human).into_owned()
    );
    env.wait_hosts("shop", &names, 2, &["healthy"], Duration::from_secs(30));
    snap!(
        &env,
        "status_json",
        pretty(&run_ok(&env, &["--output", "json", "status", "shop"]))
    );
    snap!(
        &env,
        "status_human",
        String::from_utf8_lossy(&run_ok(&env, &["status", "shop"])).into_owned()
    );
    snap!(
        &env,
        "history_json",
        pretty(&run_ok(&env, &["--output", "json", "history", "shop"]))
    );
    snap!(
        &env,
        "history_human",
        String::from_utf8_lossy(&run_ok(&env, &["history", "shop"])).into_owned()
    );
}

#[test]
fn ssh_push_local() {
    let env = TestEnv::new("snapshots-push");
    let args = [
        "ssh-push",
        "--local",
        "--hosts",
        "localhost",
        "--version",
        "3.1",
        "--canary",
        "1",
        "--cmd",
        "echo pushed {{ version }} to {{ host }}",
    ];
    let mut json = vec!["--output", "json"];
    json.extend(args);
    snap!(&env, "ssh_push_json", pretty(&run_ok(&env, &json)));
    snap!(
        &env,
        "ssh_push_human",
        String::from_utf8_lossy(&run_ok(&env, &args)).into_owned()
    );
}
