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

/// Publish 1.0 everywhere (a deploy that records the version), so 2.0 has something to replace.
fn on_one_dot_oh(env: &TestEnv, names: &[String]) -> u64 {
    let r1 = release_of(&env.json(&[
        "publish",
        "web",
        "1.0",
        "--slots",
        "4",
        "--deploy-cmd",
        "echo {{ version }} > version",
        "--get-version-cmd",
        GET_VERSION,
    ]));
    env.wait_hosts("web", names, r1, &["healthy"], T);
    r1
}

/// `--steps 1,pause` on 4 hosts: exactly one host runs 2.0 until `promote`; `--until-gate` ends
/// the wait with `paused` (exit 0, JUnit property, GitHub output) as soon as the gate is
/// reached; after `promote` the rollout completes and a wait exits 0.
#[test]
fn a_manual_gate_holds_the_rollout_until_promoted() {
    let env = TestEnv::new("steps-pause");
    let names = hosts("s", 4);
    let _agents = env.start_agents("web", &names, &[]);
    on_one_dot_oh(&env, &names);
    let log = env.path("d.log");
    let r2 = release_of(&env.json(&[
        "publish",
        "web",
        "2.0",
        "--slots",
        "4",
        "--steps",
        "1,pause",
        "--deploy-cmd",
        &logging_deploy("0.1"),
        "--get-version-cmd",
        GET_VERSION,
        "--var",
        &format!("log={}", log.display()),
    ]));
    let junit = env.path("gate.xml");
    let gh = env.path("gh-output");
    let out = env
        .cmd()
        .args([
            "--output",
            "json",
            "wait-for-rollout",
            "web",
            "--until-gate",
        ])
        .args(["--timeout", "60s", "--junit"])
        .arg(&junit)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &gh)
        .output()
        .unwrap();
    let (code, summary) = wait_summary(out);
    assert_eq!(code, Some(0), "{summary:#}");
    assert_eq!(summary["result"], "paused", "{summary:#}");
    let message = summary["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("paused at step 2 of 3: promote with `deployctl promote web`"),
        "{summary:#}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(r#"<property name="result" value="paused"/>"#),
        "{xml}"
    );
    let gh = std::fs::read_to_string(&gh).unwrap();
    assert!(gh.contains("result=paused\n"), "{gh}");

    // The gate holds: one host healthy on 2.0, the others wait at the gate and say so.
    let st = env.wait_status("web", T, "the others waiting at the gate", |st| {
        hosts_in(st, r2, "waiting").len() == 3
            && st["hosts"].as_array().unwrap().iter().all(|h| {
                h["state"] != "waiting"
                    || h["message"]
                        .as_str()
                        .is_some_and(|m| m.starts_with("paused at step 2 of 3"))
            })
    });
    assert_eq!(hosts_in(&st, r2, "healthy").len(), 1, "{st:#}");
    assert_eq!(st["step"]["gate"], "manual", "{st:#}");
    assert_eq!(st["step"]["step"], 2, "{st:#}");
    // Still one deploy after the gate was reached and the others have seen it.
    assert_eq!(intervals(&log).len(), 1, "{:?}", intervals(&log));
    // status and history show the step and the gate, for people and in JSON.
    let human = env.ok(&["status", "web"]);
    assert!(
        human.contains("steps: paused at step 2 of 3: promote with `deployctl promote web`"),
        "{human}"
    );
    let history = env.json(&["history", "web"]);
    let entry = history["releases"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(entry["step"]["gate"], "manual", "{history:#}");
    assert_eq!(entry["ledger"]["step"]["index"], 1, "{history:#}");
    let human = env.ok(&["history", "web"]);
    assert!(human.contains("paused at step 2 of 3"), "{human}");

    // A wait without --until-gate keeps waiting at the gate: its progress lines and its timeout
    // say so.
    let out = env.run(&[
        "--output",
        "json",
        "wait-for-rollout",
        "web",
        "--timeout",
        "1s",
    ]);
    let progress = stderr(&out);
    assert!(
        progress.contains("] paused at step 2 of 3: promote with `deployctl promote web`"),
        "{progress}"
    );
    let (code, summary) = wait_summary(out);
    assert_eq!(code, Some(3), "{summary:#}");
    assert!(
        summary["message"]
            .as_str()
            .is_some_and(|m| m.contains("paused at step 2 of 3")),
        "{summary:#}"
    );

    let promoted_at = now_ns();
    let p = env.json(&["promote", "web", "--release", &r2.to_string()]);
    assert!(
        p["message"]
            .as_str()
            .is_some_and(|m| m.contains("passed the gate at step 2 of 3")),
        "{p:#}"
    );
    let (code, summary) = env.wait_json(&["web", "--timeout", "60s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    assert_eq!(summary["result"], "succeeded", "{summary:#}");
    let mut iv = intervals(&log);
    iv.sort_by_key(|i| i.start);
    assert_eq!(iv.len(), 4, "{iv:?}");
    assert!(
        iv[1..].iter().all(|i| i.start >= promoted_at),
        "a host started before the promote: {iv:?}"
    );
    // Nothing left to promote: bad usage, exit 2.
    let out = env.run(&["promote", "web"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not waiting at a gate"),
        "{}",
        stderr(&out)
    );
}

/// `1,pause 2s,50%,100%` on 4 hosts: the second deploy starts no sooner than 2 s after the first
/// host turned healthy (the timed pause ends by itself, no promote), and the last two only once
/// 50% (2 hosts) are healthy.
#[test]
fn a_timed_pause_lasts_its_length() {
    let env = TestEnv::new("steps-timed");
    let names = hosts("t", 4);
    let _agents = env.start_agents("web", &names, &[]);
    let log = env.path("d.log");
    release_of(&env.json(&[
        "publish",
        "web",
        "2.0",
        "--slots",
        "4",
        "--steps",
        "1,pause 2s,50%,100%",
        "--deploy-cmd",
        &logging_deploy("0.2"),
        "--get-version-cmd",
        GET_VERSION,
        "--var",
        &format!("log={}", log.display()),
    ]));
    let (code, summary) = env.wait_json(&["web", "--timeout", "60s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    let mut iv = intervals(&log);
    iv.sort_by_key(|i| i.start);
    assert_eq!(iv.len(), 4, "{iv:?}");
    let first_end = iv[0].end.expect("first deploy ended");
    assert!(
        iv[1].start >= first_end + 2_000_000_000,
        "the second deploy started {} ms after the first ended, inside the 2 s pause: {iv:?}",
        iv[1].start.saturating_sub(first_end) / 1_000_000
    );
    let second_end = iv[1].end.expect("second deploy ended");
    assert!(
        iv[2..].iter().all(|i| i.start >= second_end),
        "a host started before 50% were healthy: {iv:?}"
    );
}

/// Bad step lists, deadlines and promotes: exit 2 naming the bad value, nothing published.
#[test]
fn bad_steps_and_deadlines_are_refused() {
    let env = TestEnv::new("steps-bad");
    for (args, named) in [
        (vec!["--steps", "1,0,100%"], "\"0\""),
        (vec!["--steps", "1,pause x"], "pause x"),
        (vec!["--steps", "50%,25%"], "25%"),
        (vec!["--steps", "100%,1"], "\"1\""),
        (vec!["--steps", "1,,2"], "\"\""),
        (vec!["--steps", "1", "--canary", "2"], "canary"),
        (vec!["--progress-deadline", "0s"], "progress deadline"),
    ] {
        let mut a = vec!["publish", "web", "2.0", "--deploy-cmd", "true"];
        a.extend(&args);
        let out = env.run(&a);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(named), "{args:?}: {}", stderr(&out));
    }
    let spec = env.path("spec.toml");
    std::fs::write(
        &spec,
        "app = \"web\"\nversion = \"2.0\"\nsteps = [\"1\", \"pause 5q\"]\n",
    )
    .unwrap();
    let out = env.run(&["publish", "--spec", spec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("pause 5q"), "{}", stderr(&out));
    let out = env.run(&["promote", "web"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // The same list in a spec file, as a list or as the flag's string.
    for steps in [r#"["1", "pause 1m", "100%"]"#, r#""1,pause 1m,100%""#] {
        std::fs::write(
            &spec,
            format!("app = \"api\"\nversion = \"2.0\"\nsteps = {steps}\n"),
        )
        .unwrap();
        let p = env.json(&["publish", "--force", "--spec", spec.to_str().unwrap()]);
        assert_eq!(
            p["spec"]["steps"],
            serde_json::json!(["1", "pause 1m", "100%"]),
            "{p:#}"
        );
    }
    // A release without steps has nothing to promote.
    env.json(&["publish", "web", "1.0", "--deploy-cmd", "true"]);
    let out = env.run(&["promote", "web", "--all"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("has no steps"), "{}", stderr(&out));
    let out = env.run(&["promote", "web", "--release", "99"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// Is process `pid` gone (or a zombie nobody will run again)?
fn dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // The state follows the command name in parentheses.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// Every deploy of 2.0 hangs (`sleep 60`), `--progress-deadline 3s --auto-rollback`, no waiter
/// needed for it: the agents halt the release when no host turned healthy within 3 s, roll it
/// back and kill the hung deploys. The wait exits 1 with `rolled_back` well within 15 s, every
/// hung deploy is dead and every host runs 1.0 again.
#[test]
fn a_stalled_release_is_halted_rolled_back_and_its_deploys_killed() {
    let env = TestEnv::new("deadline");
    let names = hosts("d", 3);
    let agents = env.start_agents("web", &names, &[]);
    let logs = || {
        agents
            .iter()
            .map(|a| format!("--- {} ---\n{}", a.host, a.log()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    on_one_dot_oh(&env, &names);
    let pids = env.path("pids");
    let started = std::time::Instant::now();
    let r2 = release_of(&env.json(&[
        "publish",
        "web",
        "2.0",
        "--slots",
        "3",
        "--progress-deadline",
        "3s",
        "--auto-rollback",
        "--deploy-cmd",
        "echo $$ >> {{ vars.pids }}; exec sleep 60",
        "--get-version-cmd",
        GET_VERSION,
        "--var",
        &format!("pids={}", pids.display()),
    ]));
    // Pinned to release 2: a wait started late (a loaded machine) must not pin the rollback.
    let r2s = r2.to_string();
    let (code, summary) = env.wait_json(&["web", "--release", &r2s, "--timeout", "60s"]);
    let took = started.elapsed();
    assert_eq!(code, Some(1), "{summary:#}\n{}", logs());
    assert_eq!(summary["result"], "rolled_back", "{summary:#}\n{}", logs());
    assert!(took < Duration::from_secs(15), "took {took:?}: {summary:#}");
    let history = env.json(&["history", "web"]);
    let halted = history["releases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["release"] == r2)
        .unwrap()
        .clone();
    assert!(
        halted["outcome"]
            .as_str()
            .is_some_and(|o| o.contains("progress deadline of 3s")),
        "{halted:#}"
    );
    // The hung deploys were killed, not left running.
    let pids: Vec<u32> = std::fs::read_to_string(&pids)
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    assert!(!pids.is_empty());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !pids.iter().all(|p| dead(*p)) {
        assert!(
            std::time::Instant::now() < deadline,
            "hung deploys still running: {:?}",
            pids.iter().filter(|p| !dead(**p)).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Every host back on 1.0.
    let rb = history["releases"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(rb["spec"]["rollback_of"], r2, "{history:#}");
    let rb = rb["release"].as_u64().unwrap();
    env.wait_hosts("web", &names, rb, &["healthy", "current"], T);
    for h in &names {
        let v = std::fs::read_to_string(env.path(&format!("state-{h}/apps/web/version")))
            .unwrap_or_default();
        assert_eq!(v.trim(), "1.0", "{h}");
    }
}
