//! The verdict CI ships on (docs/safety.md, "When a release has succeeded"), on real agents: each
//! test is one way `wait-for-rollout` used to say "succeeded" (or act twice) when it must not.

mod common;

use std::time::Duration;

use common::junit::check_junit;
use common::*;

const T: Duration = Duration::from_secs(45);

/// A deploy that writes the version get-version reads.
const DEPLOY: &str = "echo {{ version }} > version";

/// An agent SIGKILLed while its health command runs, then restarted: get-version prints the new
/// version, but the health gate never passed. The host must redo the release in full (here the
/// health check then fails) instead of reporting `current` and letting the wait succeed.
#[test]
fn a_host_killed_mid_health_check_redoes_it_and_is_never_current() {
    let env = TestEnv::new("verdict-health");
    let health_log = env.path("health.log");
    let started = env.path("health-started");
    // First run: blocks (the agent is killed meanwhile). Every later run fails.
    let health = format!(
        "echo run >> {log}; if [ ! -f {s} ]; then touch {s}; sleep 60; fi; exit 1",
        log = health_log.display(),
        s = started.display()
    );
    let mut agent = env.agent("h1", &["web"]);
    env.wait_status("web", T, "agent registered", |st| {
        host(st, "h1").is_some_and(|h| h["registered"] == true)
    });
    env.ok(&[
        "publish",
        "web",
        "2.0",
        "--deploy-cmd",
        DEPLOY,
        "--get-version-cmd",
        GET_VERSION,
        "--health-cmd",
        &health,
    ]);
    env.wait_hosts("web", &["h1".to_string()], 1, &["verifying"], T);
    wait_until("the first health check running", T, || {
        started.exists().then_some(())
    });
    agent.kill9();
    let _agent = env.agent("h1", &["web"]);
    let (code, summary) = env.wait_json(&["web", "--timeout", "40s"]);
    assert_eq!(code, Some(1), "{summary:#}");
    assert_eq!(summary["result"], "failed", "{summary:#}");
    assert_eq!(summary["failed_hosts"], serde_json::json!(["h1"]));
    let runs = std::fs::read_to_string(&health_log).unwrap_or_default();
    assert_eq!(
        runs.lines().count(),
        2,
        "health ran again on the redo: {runs}"
    );
}

/// `--steps 1,pause,100%`: the first host done, the agents of the two hosts waiting at the gate
/// gone. The release has not passed its gate: the wait must not say "succeeded on 1 host".
#[test]
fn hosts_gone_at_a_manual_gate_leave_the_release_unfinished() {
    let env = TestEnv::new("verdict-gate");
    let names = hosts("g", 3);
    let mut agents = env.start_agents("web", &names, &[]);
    env.ok(&[
        "publish",
        "web",
        "2.0",
        "--steps",
        "1,pause,100%",
        "--deploy-cmd",
        DEPLOY,
    ]);
    let st = env.wait_status("web", T, "the manual gate", |st| {
        st["step"]["step"] == 2 && hosts_in(st, 1, "healthy").len() == 1
    });
    let first = hosts_in(&st, 1, "healthy")[0].clone();
    for a in agents.iter_mut().filter(|a| a.host != first) {
        a.kill9();
    }
    // Their sessions expire (2 s): only the first host is a target any more.
    env.wait_status("web", T, "the waiting agents gone", |st| {
        st["hosts"]
            .as_array()
            .is_some_and(|hs| hs.iter().filter(|h| h["registered"] == true).count() == 1)
    });
    let (code, summary) = env.wait_json(&["web", "--timeout", "3s"]);
    assert_eq!(code, Some(3), "{summary:#}");
    assert_eq!(summary["result"], "timed_out", "{summary:#}");
    let msg = summary["message"].as_str().unwrap_or_default();
    assert!(msg.contains("paused at step 2 of 3"), "{msg}");
    let st = env.status("web");
    assert_eq!(st["verdict"]["result"], "in_progress", "{st:#}");
    // Promoted, the release stands at its last step: the host that runs it is every target.
    env.ok(&["promote", "web", "--step", "2"]);
    let (code, summary) = env.wait_json(&["web", "--timeout", "30s"]);
    assert_eq!(code, Some(0), "{summary:#}");
}

/// Every host fails, and `--max-failures 3` tolerates all three: a release no targeted host runs
/// has failed, whatever the budget. Tolerated failures otherwise show in JSON and JUnit.
#[test]
fn a_release_no_host_runs_has_failed_whatever_the_budget() {
    let env = TestEnv::new("verdict-budget");
    let names = hosts("f", 3);
    let _agents = env.start_agents("web", &names, &[]);
    env.ok(&[
        "publish",
        "web",
        "1.0",
        "--max-failures",
        "3",
        "--deploy-cmd",
        "echo broken; exit 1",
    ]);
    let junit = env.path("junit.xml");
    let (code, summary) = env.wait_json(&[
        "web",
        "--timeout",
        "40s",
        "--junit",
        junit.to_str().expect("path"),
    ]);
    assert_eq!(code, Some(1), "{summary:#}");
    assert_eq!(summary["result"], "failed");
    let msg = summary["message"].as_str().unwrap_or_default();
    assert!(msg.contains("runs on no target host"), "{msg}");
    assert_eq!(summary["failed_hosts"].as_array().map(Vec::len), Some(3));
    assert_eq!(check_junit(&junit).counts.failures, 3);

    // Two of three failing, tolerated: succeeded, and the failures are not hidden.
    let bad = format!("{} {}", names[0], names[1]);
    env.ok(&[
        "publish",
        "web",
        "1.1",
        "--max-failures",
        "2",
        "--var",
        &format!("bad={bad}"),
        "--deploy-cmd",
        "if echo {{ vars.bad }} | tr ' ' '\\n' | grep -qx {{ host }}; then exit 1; fi",
    ]);
    let (code, summary) = env.wait_json(&[
        "web",
        "--timeout",
        "40s",
        "--junit",
        junit.to_str().expect("path"),
    ]);
    assert_eq!(code, Some(0), "{summary:#}");
    let msg = summary["message"].as_str().unwrap_or_default();
    assert!(msg.contains("tolerated (max_failures 2)"), "{msg}");
    assert_eq!(summary["failed_hosts"].as_array().map(Vec::len), Some(2));
    assert_eq!(check_junit(&junit).counts.failures, 2);
}

/// Two `wait-for-rollout --on-timeout rollback` on one hung release: one rollback, and never a
/// rollback of that rollback.
#[test]
fn two_waiters_timing_out_roll_back_once() {
    let env = TestEnv::new("verdict-timeout");
    let _agent = {
        let a = env.agent("t1", &["web"]);
        env.wait_status("web", T, "agent registered", |st| {
            host(st, "t1").is_some_and(|h| h["registered"] == true)
        });
        a
    };
    let gate = env.path("gate");
    let deploy = format!(
        "if [ \"{{{{ version }}}}\" = 2.0 ]; then while [ ! -f {} ]; do sleep 0.1; done; fi; echo {{{{ version }}}} > version",
        gate.display()
    );
    env.ok(&["publish", "web", "1.0", "--deploy-cmd", &deploy]);
    env.ok(&["wait-for-rollout", "web", "--timeout", "30s"]);
    env.ok(&["publish", "web", "2.0", "--deploy-cmd", &deploy]);
    env.wait_hosts("web", &["t1".to_string()], 2, &["deploying"], T);
    // Pinned to release 2: a waiter started late (a loaded machine) must not wait for the
    // rollback instead.
    let args = [
        "web",
        "--release",
        "2",
        "--timeout",
        "2s",
        "--on-timeout",
        "rollback",
    ];
    let a = env.spawn_wait(&args);
    let b = env.spawn_wait(&args);
    let (a, b) = (
        a.wait_with_output().expect("waiter a"),
        b.wait_with_output().expect("waiter b"),
    );
    std::fs::write(&gate, "").expect("gate");
    // Each timed out (3), or — started late — saw the other's rollback first (1).
    for o in [&a, &b] {
        assert!(
            matches!(o.status.code(), Some(1 | 3)),
            "{:?}: {}",
            o.status.code(),
            stderr(o)
        );
    }
    let history = env.json(&["history", "web"]);
    let releases = history["releases"].as_array().cloned().unwrap_or_default();
    let rollbacks: Vec<_> = releases
        .iter()
        .filter(|r| !r["spec"]["rollback_of"].is_null())
        .collect();
    assert_eq!(rollbacks.len(), 1, "exactly one rollback: {history:#}");
    assert_eq!(rollbacks[0]["spec"]["rollback_of"], 2);
    assert_eq!(rollbacks[0]["version"], "1.0");
    let said: String = [&a, &b]
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .collect();
    if a.status.code() == Some(3) && b.status.code() == Some(3) {
        assert!(said.contains("already rolled back release 2"), "{said}");
    }
}

/// A promote names the gate it passes: one passed gate, however many promote it.
#[test]
fn racing_promotes_pass_one_gate() {
    let env = TestEnv::new("verdict-promote");
    let names = hosts("p", 2);
    let _agents = env.start_agents("web", &names, &[]);
    env.ok(&[
        "publish",
        "web",
        "2.0",
        "--steps",
        "1,pause,pause,100%",
        "--deploy-cmd",
        DEPLOY,
    ]);
    env.wait_status("web", T, "the first gate", |st| st["step"]["step"] == 2);
    let racers: Vec<_> = (0..3)
        .map(|_| {
            env.cmd()
                .args(["promote", "web", "--step", "2"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("promote")
        })
        .collect();
    let codes: Vec<Option<i32>> = racers
        .into_iter()
        .map(|c| c.wait_with_output().expect("promote").status.code())
        .collect();
    assert_eq!(
        codes.iter().filter(|c| **c == Some(0)).count(),
        1,
        "one promote passes the gate: {codes:?}"
    );
    let st = env.status("web");
    assert_eq!(
        st["step"]["step"], 3,
        "at the second gate, not past it: {st:#}"
    );
    // Without --step, a promote binds to the gate it first reads.
    env.ok(&["promote", "web"]);
    env.ok(&["wait-for-rollout", "web", "--timeout", "30s"]);
}

/// A late wait on a release that was rolled back after a host failed: its JUnit names the
/// failure (from the ledger: the host's status has moved on), never "0 failures".
#[test]
fn a_late_wait_on_a_rolled_back_release_names_its_failure() {
    let env = TestEnv::new("verdict-late");
    let names = hosts("l", 3);
    let _agents = env.start_agents("web", &names, &[]);
    env.ok(&[
        "publish",
        "web",
        "1.0",
        "--deploy-cmd",
        DEPLOY,
        "--get-version-cmd",
        GET_VERSION,
    ]);
    env.ok(&["wait-for-rollout", "web", "--timeout", "30s"]);
    let bad = &names[1];
    env.ok(&[
        "publish",
        "web",
        "2.0",
        "--auto-rollback",
        "--var",
        &format!("bad={bad}"),
        "--get-version-cmd",
        GET_VERSION,
        "--deploy-cmd",
        "if [ {{ host }} = {{ vars.bad }} ]; then echo broken; exit 9; fi; echo {{ version }} > version",
    ]);
    let (code, _) = env.wait_json(&["web", "--release", "2", "--timeout", "40s"]);
    assert_eq!(code, Some(1));
    // The rollback has run everywhere: every status is release 3's now.
    env.ok(&["wait-for-rollout", "web", "--timeout", "30s"]);
    let junit = env.path("late.xml");
    let (code, summary) = env.wait_json(&[
        "web",
        "--release",
        "2",
        "--timeout",
        "10s",
        "--junit",
        junit.to_str().expect("path"),
    ]);
    assert_eq!(code, Some(1), "{summary:#}");
    assert_eq!(summary["result"], "rolled_back");
    assert_eq!(summary["failed_hosts"], serde_json::json!([bad]));
    let j = check_junit(&junit);
    assert!(j.counts.failures >= 1, "{:?}", j.cases);
    assert_eq!(j.case(bad).kind, "failure");
}

/// Found by the nemesis (seed 4): a host's deploy of 1.1 cut short in its health check, its
/// status then overwritten while it waited at a gate of another release; a later release of 1.1
/// must not count it `current` — the host remembers on disk that what it runs is unproven.
#[test]
fn a_deploy_cut_short_stays_unproven_across_releases() {
    let env = TestEnv::new("verdict-unproven");
    let health_log = env.path("health.log");
    let started = env.path("health-started");
    let health = format!(
        "echo {{{{ host }}}} {{{{ release }}}} >> {log}; if [ {{{{ host }}}} = u1 ] && [ ! -f {s} ]; then touch {s}; sleep 60; fi",
        log = health_log.display(),
        s = started.display()
    );
    let names = hosts("u", 2);
    let mut agents = env.start_agents("web", &names, &[]);
    let publish = |version: &str, extra: &[&str]| {
        let mut args = vec![
            "publish",
            "web",
            version,
            "--deploy-cmd",
            DEPLOY,
            "--get-version-cmd",
            GET_VERSION,
            "--health-cmd",
            &health,
        ];
        args.extend_from_slice(extra);
        env.ok(&args);
    };
    publish("1.1", &[]);
    wait_until("u1's first health check running", T, || {
        started.exists().then_some(())
    });
    agents[0].kill9();
    env.wait_hosts("web", &names[1..], 1, &["healthy"], T);
    // Release 2 holds at a gate after u2: u1, back, waits there (its status now release 2's).
    publish("1.2", &["--steps", "1,pause,100%"]);
    env.wait_status("web", T, "the gate", |st| st["step"]["step"] == 2);
    agents[0] = env.agent("u1", &["web"]);
    env.wait_hosts("web", &names[..1], 2, &["waiting"], T);
    publish("1.1", &["--force"]);
    let (code, summary) = env.wait_json(&["web", "--timeout", "40s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    let u1 = summary["hosts"]
        .as_array()
        .and_then(|hs| hs.iter().find(|h| h["host"] == "u1"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(u1["state"], "healthy", "redone, not current: {summary:#}");
    let log = std::fs::read_to_string(&health_log).unwrap_or_default();
    assert!(
        log.lines().any(|l| l == "u1 3"),
        "u1's health ran for release 3: {log}"
    );
}
