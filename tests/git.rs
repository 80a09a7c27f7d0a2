//! git-driven releases on real repositories: versions from git, the agent's git source.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::*;

const T: Duration = Duration::from_secs(40);

#[test]
fn version_from_git_tag_describe_sha_and_dirty() {
    let env = TestEnv::new("git-version");
    let dir = env.path("repo");
    let repo = common::git::init(&dir);
    let first = common::git::commit(&repo, "a.txt", "one", "first commit");
    let d = dir.to_str().unwrap();

    // No tag yet: the short sha.
    let v = env.json(&["publish", "app", "--version-from-git", d]);
    assert_eq!(v["version"], first.to_string()[..7]);

    common::git::tag(&repo, "v1.0");
    let v = env.json(&["publish", "app", "--version-from-git", d]);
    assert_eq!(v["version"], "v1.0");
    let src = &v["spec"]["source"];
    assert_eq!(src["commit"], first.to_string());
    assert_eq!(src["message"], "first commit");
    assert_eq!(src["author"], "Test Author <author@example.com>");
    assert!(src["ref"].as_str().is_some());

    let second = common::git::commit(&repo, "a.txt", "two", "second commit");
    let v = env.json(&["publish", "app", "--version-from-git", d]);
    assert_eq!(
        v["version"],
        format!("v1.0-1-g{}", &second.to_string()[..7])
    );

    // Dirty: refused, unless allowed.
    std::fs::write(dir.join("a.txt"), "changed").unwrap();
    let out = env.run(&["publish", "app", "--version-from-git", d]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("uncommitted changes"));
    let v = env.json(&["publish", "app", "--version-from-git", d, "--allow-dirty"]);
    assert!(v["version"].as_str().unwrap().ends_with("-dirty"), "{v}");

    // status and history show the code.
    let status = env.ok(&["status", "app"]);
    assert!(
        status.contains(&format!("source: {}", &second.to_string()[..7])),
        "{status}"
    );
    let history = env.ok(&["history", "app"]);
    assert!(history.contains(&second.to_string()[..7]), "{history}");
    // Not a repository: exit 2 naming it.
    let out = env.run(&[
        "publish",
        "app",
        "--version-from-git",
        env.path("nope").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

fn agent_config(
    env: &TestEnv,
    host: &str,
    origin: &std::path::Path,
    keep: usize,
) -> std::path::PathBuf {
    let cfg = env.path(&format!("{host}.toml"));
    std::fs::write(
        &cfg,
        format!(
            "host = \"{host}\"\n[apps.site]\n[apps.site.git]\nrepo = \"{}\"\nref = \"{{{{ version }}}}\"\nkeep_releases = {keep}\n",
            origin.display()
        ),
    )
    .unwrap();
    cfg
}

fn publish(env: &TestEnv, version: &str, log: &std::path::Path) {
    let l = format!("log={}", log.display());
    env.ok(&[
        "publish",
        "site",
        version,
        "--var",
        &l,
        "--pre-cmd",
        "echo pre {{ version }} $(pwd) $DEPLOYCTL_RELEASE_DIR >> {{ vars.log }}",
        "--post-cmd",
        "echo post {{ version }} $(pwd) >> {{ vars.log }}",
        "--health-cmd",
        "test \"$(cat VERSION)\" = {{ version }}",
        "--wait",
        "--timeout",
        "30s",
    ]);
}

#[test]
fn agent_git_source_switches_current_and_rolls_back_without_fetching() {
    let env = TestEnv::new("git-agent");
    let origin = env.path("origin");
    let repo = common::git::init(&origin);
    common::git::release(&repo, "v1");
    common::git::release(&repo, "v2");
    let cfg = agent_config(&env, "g1", &origin, 5);
    let _agent = env.agent_with("g1", &[], &["--config", cfg.to_str().unwrap()]);
    env.wait_status("site", T, "agent", |st| {
        st["hosts"].as_array().is_some_and(|h| !h.is_empty())
    });
    let log = env.path("steps.log");
    publish(&env, "v1", &log);
    publish(&env, "v2", &log);
    let deploy_to = env.path("state-g1/apps/site");
    let current = deploy_to.join("current");
    assert_eq!(
        std::fs::read_link(&current).unwrap(),
        std::path::Path::new("releases/v2")
    );
    assert_eq!(
        std::fs::read_to_string(current.join("VERSION")).unwrap(),
        "v2\n"
    );
    assert!(deploy_to.join("releases/v1/VERSION").exists());
    let rel = |v: &str| {
        deploy_to
            .join("releases")
            .join(v)
            .canonicalize()
            .unwrap()
            .display()
            .to_string()
    };
    let steps = std::fs::read_to_string(&log).unwrap();
    assert!(
        steps.contains(&format!("pre v1 {} {}", rel("v1"), rel("v1"))),
        "{steps}"
    );
    assert!(steps.contains(&format!("post v2 {}", rel("v2"))), "{steps}");

    // The origin goes away: rolling back to a version on disk is a switch, no fetch.
    std::fs::rename(&origin, env.path("origin-moved")).unwrap();
    env.ok(&[
        "rollback",
        "site",
        "--to",
        "v1",
        "--wait",
        "--timeout",
        "30s",
    ]);
    assert_eq!(
        std::fs::read_link(&current).unwrap(),
        std::path::Path::new("releases/v1")
    );
    // A version that is not on disk now fails clearly (the fetch cannot work).
    common::git::release(&common::git::init(&env.path("elsewhere")), "v3");
    let out = env.run(&[
        "publish",
        "site",
        "v3",
        "--wait",
        "--timeout",
        "30s",
        "--output",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = schema::parse(schema::Kind::WaitSummary, &out.stdout);
    assert!(
        v["hosts"][0]["message"]
            .as_str()
            .unwrap()
            .contains("git checkout failed"),
        "{v:#}"
    );
}

#[test]
fn switch_is_atomic_and_old_releases_are_pruned() {
    let env = TestEnv::new("git-prune");
    let origin = env.path("origin");
    let repo = common::git::init(&origin);
    for v in ["r1", "r2", "r3", "r4"] {
        common::git::release(&repo, v);
    }
    let cfg = agent_config(&env, "p1", &origin, 2);
    let _agent = env.agent_with("p1", &[], &["--config", cfg.to_str().unwrap()]);
    env.wait_status("site", T, "agent", |st| {
        st["hosts"].as_array().is_some_and(|h| !h.is_empty())
    });
    let log = env.path("steps.log");
    publish(&env, "r1", &log);

    // A reader resolving `current` in a tight loop while releases switch.
    let current = env.path("state-p1/apps/site/current");
    let stop = Arc::new(AtomicBool::new(false));
    let (reads, misses) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let reader = {
        let (current, stop, reads, misses) =
            (current.clone(), stop.clone(), reads.clone(), misses.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match std::fs::read_to_string(current.join("VERSION")) {
                    Ok(v) if v.starts_with('r') => reads.fetch_add(1, Ordering::Relaxed),
                    _ => misses.fetch_add(1, Ordering::Relaxed),
                };
            }
        })
    };
    for v in ["r2", "r3", "r4"] {
        publish(&env, v, &log);
    }
    stop.store(true, Ordering::Relaxed);
    reader.join().unwrap();
    assert_eq!(
        misses.load(Ordering::Relaxed),
        0,
        "current was missing or half-written"
    );
    assert!(reads.load(Ordering::Relaxed) > 100);

    let mut kept: Vec<String> = std::fs::read_dir(env.path("state-p1/apps/site/releases"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    kept.sort();
    assert_eq!(kept, vec!["r3", "r4"], "keep_releases 2");
    assert_eq!(
        std::fs::read_link(&current).unwrap(),
        std::path::Path::new("releases/r4")
    );
}
