//! Rollout gates and timing with real agent processes: the bake time (a healthy host keeps its
//! slot for `--bake-time`, its health re-checked), from the deploy commands' own timestamps.

mod common;

use std::time::Duration;

use common::*;

const T: Duration = Duration::from_secs(60);

/// 4 hosts, 2 slots, a 0.2 s deploy, `--bake-time 1500ms`: a slot frees only when its host has
/// baked, so the third deploy starts at least 1.5 s after the first deploy of the first batch
/// ended; status shows `baking` meanwhile.
#[test]
fn a_baking_host_keeps_its_slot() {
    let env = TestEnv::new("bake");
    let names = hosts("b", 4);
    let _agents = env.start_agents("web", &names, &[]);
    let log = env.path("d.log");
    let release = release_of(&env.json(&[
        "publish",
        "web",
        "2.0",
        "--slots",
        "2",
        "--bake-time",
        "1500ms",
        "--deploy-cmd",
        &logging_deploy("0.2"),
        "--get-version-cmd",
        GET_VERSION,
        "--health-cmd",
        "true",
        "--var",
        &format!("log={}", log.display()),
    ]));
    let st = env.wait_status("web", T, "a host baking", |st| {
        st["hosts"]
            .as_array()
            .is_some_and(|h| h.iter().any(|h| h["state"] == "baking"))
    });
    let baking = st["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["state"] == "baking")
        .unwrap()
        .clone();
    assert!(
        baking["message"]
            .as_str()
            .is_some_and(|m| m.contains("holding the slot until")),
        "{baking:#}"
    );
    let (code, summary) = env.wait_json(&["web", "--timeout", "60s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    env.wait_hosts("web", &names, release, &["healthy"], T);
    let mut iv = intervals(&log);
    iv.sort_by_key(|i| i.start);
    assert_eq!(iv.len(), 4, "{iv:?}");
    let first_end = iv[..2]
        .iter()
        .filter_map(|i| i.end)
        .min()
        .expect("the first batch ended");
    let third_start = iv[2].start;
    assert!(
        third_start >= first_end + 1_500_000_000,
        "the third deploy started {} ms after the first batch ended, before the bake was over: {iv:?}",
        (third_start.saturating_sub(first_end)) / 1_000_000
    );
}

/// A health command that starts failing during the bake fails the host (and, with no failure
/// budget, the release).
#[test]
fn a_health_failure_during_the_bake_fails_the_host() {
    let env = TestEnv::new("bake-fail");
    let names = hosts("f", 1);
    let _agents = env.start_agents("web", &names, &[]);
    let sick = env.path("sick");
    env.json(&[
        "publish",
        "web",
        "2.0",
        "--bake-time",
        "60s",
        "--health-interval",
        "200ms",
        "--deploy-cmd",
        "true",
        "--health-cmd",
        &format!("test ! -e {}", sick.display()),
    ]);
    env.wait_status("web", T, "the host baking", |st| {
        host(st, "f1").is_some_and(|h| h["state"] == "baking")
    });
    std::fs::write(&sick, "now").unwrap();
    let (code, summary) = env.wait_json(&["web", "--timeout", "60s"]);
    assert_eq!(code, Some(1), "{summary:#}");
    let h = &summary["hosts"][0];
    assert_eq!(h["state"], "failed", "{summary:#}");
    assert!(
        h["message"]
            .as_str()
            .is_some_and(|m| m.contains("during the bake")),
        "{summary:#}"
    );
}

/// `--on-timeout rollback`: a wait whose own timeout passes mid-rollout rolls the release back,
/// exits 3, and the history says why (the rollback release names who published it and why).
#[test]
fn a_wait_that_times_out_can_roll_the_release_back() {
    let env = TestEnv::new("on-timeout");
    let names = hosts("o", 2);
    let _agents = env.start_agents("web", &names, &[]);
    let gate = env.path("gate");
    let r1 = release_of(&env.json(&[
        "publish",
        "web",
        "1.0",
        "--deploy-cmd",
        "echo {{ version }} > version",
        "--get-version-cmd",
        GET_VERSION,
    ]));
    env.wait_hosts("web", &names, r1, &["healthy"], T);
    // 2.0 hangs in its deploy (until the gate file exists): the wait cannot finish.
    let r2 = release_of(&env.json(&[
        "publish",
        "web",
        "2.0",
        "--slots",
        "1",
        "--deploy-cmd",
        &gated_deploy(&gate, "echo {{ version }} > version"),
        "--get-version-cmd",
        GET_VERSION,
    ]));
    env.wait_for_deploying("web", T);
    let (code, summary) = env.wait_json(&["web", "--timeout", "1s", "--on-timeout", "rollback"]);
    assert_eq!(code, Some(3), "{summary:#}");
    assert_eq!(summary["result"], "timed_out", "{summary:#}");
    let message = summary["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("rolled back release {r2} as release")),
        "{summary:#}"
    );
    let history = env.json(&["history", "web"]);
    let releases = history["releases"].as_array().unwrap();
    let rb = releases.last().unwrap();
    assert_eq!(rb["spec"]["rollback_of"], r2, "{history:#}");
    assert_eq!(rb["spec"]["version"], "1.0", "{history:#}");
    assert!(
        rb["spec"]["published_by"]
            .as_str()
            .is_some_and(|b| b.contains("--on-timeout rollback")),
        "{history:#}"
    );
    std::fs::write(&gate, "open").unwrap();
    // Every host ends on 1.0 again.
    let rb_release = rb["release"].as_u64().unwrap();
    env.wait_hosts("web", &names, rb_release, &["healthy", "current"], T);
}
