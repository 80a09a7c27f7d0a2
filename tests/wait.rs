//! wait-for-rollout against real agents: exit codes, JUnit, JSON, events, GitHub files.

mod common;

use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

const T: Duration = Duration::from_secs(40);

fn spawn_wait(env: &TestEnv, args: &[&str]) -> Child {
    env.cmd()
        .arg("wait-for-rollout")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wait")
}

fn finish(child: Child) -> (Output, Instant) {
    let out = child.wait_with_output().expect("wait output");
    (out, Instant::now())
}

fn junit_cases(path: &std::path::Path) -> (usize, usize, Vec<String>) {
    let xml = std::fs::read_to_string(path).expect("junit file");
    let doc = roxmltree::Document::parse(&xml).expect("valid XML");
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let failures: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .map(|n| {
            format!(
                "{} {}",
                n.attribute("message").unwrap_or(""),
                n.text().unwrap_or("")
            )
        })
        .collect();
    let suites = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .count();
    (suites, cases.len(), failures)
}

#[test]
fn succeeds_promptly_with_junit_and_json() {
    let env = TestEnv::new("wait-ok");
    let names = hosts("w", 4);
    let _agents = env.start_agents("web", &names, &[]);
    let log = env.path("d.log");
    let log_var = format!("log={}", log.display());
    env.ok(&[
        "publish",
        "web",
        "1.0",
        "--slots",
        "2",
        "--deploy-cmd",
        &logging_deploy("0.5"),
        "--var",
        &log_var,
    ]);
    let junit = env.path("out/junit.xml");
    let json = env.path("out/summary.json");
    let (out, done) = finish(spawn_wait(
        &env,
        &[
            "web",
            "--timeout",
            "60s",
            "--junit",
            junit.to_str().unwrap(),
            "--json-file",
            json.to_str().unwrap(),
        ],
    ));
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = schema::parse(schema::Kind::WaitSummary, &std::fs::read(&json).unwrap());
    assert_eq!(summary["result"], "succeeded");
    assert_eq!(summary["release"], 1);
    assert_eq!(summary["hosts"].as_array().unwrap().len(), 4);
    assert!(
        summary["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["state"] == "healthy")
    );
    assert_eq!(summary["counts"]["healthy"], 4);
    // It returned soon after the last host turned healthy (watch-driven, not a slow poll).
    let last_end = intervals(&log).iter().filter_map(|i| i.end).max().unwrap();
    let lag_ms = (now_ns() - last_end) / 1_000_000;
    let since_exit = done.elapsed().as_millis();
    assert!(
        lag_ms - since_exit < 2000,
        "wait returned {}ms after the last deploy ended",
        lag_ms - since_exit
    );
    let (suites, cases, failures) = junit_cases(&junit);
    assert_eq!((suites, cases, failures.len()), (1, 4, 0));
    // Human report on stdout, progress lines on stderr.
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(
        human.starts_with("web release 1 (1.0): succeeded"),
        "{human}"
    );
    assert!(stderr(&out).contains("healthy"), "{}", stderr(&out));
}

#[test]
fn failed_host_fails_the_wait_promptly_with_its_output() {
    let env = TestEnv::new("wait-fail");
    let names = hosts("f", 3);
    let _agents = env.start_agents("api", &names, &[]);
    let deploy = "if [ {{ host }} = f2 ]; then echo 'disk full on f2' >&2; exit 9; fi; sleep 0.2";
    env.ok(&[
        "publish",
        "api",
        "1.0",
        "--slots",
        "3",
        "--deploy-cmd",
        deploy,
    ]);
    let junit = env.path("junit.xml");
    let started = Instant::now();
    let (out, _) = finish(spawn_wait(
        &env,
        &[
            "api",
            "--timeout",
            "60s",
            "--junit",
            junit.to_str().unwrap(),
            "--output",
            "json",
        ],
    ));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "failure must not wait for the timeout"
    );
    let summary = schema::parse(schema::Kind::WaitSummary, &out.stdout);
    assert_eq!(summary["result"], "failed");
    let f2 = summary["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["host"] == "f2")
        .unwrap();
    assert_eq!(f2["state"], "failed");
    assert_eq!(f2["exit_code"], 9);
    let (_, cases, failures) = junit_cases(&junit);
    assert_eq!(cases, 3);
    assert_eq!(failures.len(), 1);
    assert!(
        failures[0].contains("exit code 9") && failures[0].contains("disk full on f2"),
        "{failures:?}"
    );
}

#[test]
fn no_agents_times_out_with_exit_3() {
    let env = TestEnv::new("wait-timeout");
    env.ok(&["publish", "lonely", "1.0", "--deploy-cmd", "true"]);
    let started = Instant::now();
    let out = env.run(&["wait-for-rollout", "lonely", "--timeout", "3s"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        stderr(&out).contains("no hosts are registered for lonely"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn killed_agent_is_reported_lost() {
    let env = TestEnv::new("wait-lost");
    let names = hosts("l", 2);
    let mut agents = env.start_agents("svc", &names, &[]);
    env.ok(&[
        "publish",
        "svc",
        "1.0",
        "--slots",
        "1",
        "--deploy-cmd",
        "sleep 30",
    ]);
    let child = spawn_wait(&env, &["svc", "--timeout", "60s", "--output", "json"]);
    let victim = env.wait_for_deploying("svc", T);
    agents[names.iter().position(|h| *h == victim).unwrap()].kill9();
    let (out, _) = finish(child);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let summary = schema::parse(schema::Kind::WaitSummary, &out.stdout);
    let v = summary["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["host"] == victim.as_str())
        .unwrap();
    assert_eq!(v["state"], "lost", "{summary:#}");
    assert!(summary["message"].as_str().unwrap().contains("lost"));
}

#[test]
fn newer_release_supersedes_the_wait() {
    let env = TestEnv::new("wait-superseded");
    let _agents = env.start_agents("app", &hosts("s", 1), &[]);
    env.ok(&["publish", "app", "1.0", "--deploy-cmd", "sleep 30"]);
    let child = spawn_wait(
        &env,
        &[
            "app",
            "--release",
            "1",
            "--timeout",
            "60s",
            "--output",
            "json",
        ],
    );
    env.wait_status("app", T, "deploying", |st| {
        st["hosts"][0]["state"] == "deploying"
    });
    env.ok(&["publish", "app", "2.0", "--deploy-cmd", "true"]);
    let (out, _) = finish(child);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let summary = schema::parse(schema::Kind::WaitSummary, &out.stdout);
    assert_eq!(summary["result"], "superseded");
    assert_eq!(summary["superseded_by"], 2);
    // Waiting for an old version now ends at once the same way.
    let out = env.run(&[
        "wait-for-rollout",
        "app",
        "--version",
        "1.0",
        "--timeout",
        "5s",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("superseded by release 2"),
        "{}",
        stderr(&out)
    );
    // A version never published is bad input.
    let out = env.run(&["wait-for-rollout", "app", "--version", "9.9"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn publish_wait_events_and_github_files() {
    let env = TestEnv::new("wait-gh");
    let _agents = env.start_agents("site", &hosts("g", 2), &[]);
    let step_summary = env.path("step_summary.md");
    let gh_output = env.path("github_output");
    let out = env
        .cmd()
        .args([
            "--output",
            "json",
            "publish",
            "site",
            "3.1",
            "--slots",
            "2",
            "--deploy-cmd",
            "if [ {{ host }} = g2 ]; then echo broken; exit 1; fi",
            "--wait",
            "--timeout",
            "60s",
            "--events",
        ])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &step_summary)
        .env("GITHUB_OUTPUT", &gh_output)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    // NDJSON events, then the ::error:: annotation, then the summary object last.
    let events: Vec<Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("event").is_some())
        .inspect(|v| schema::check(schema::Kind::WaitEvent, v))
        .collect();
    assert_eq!(events.first().unwrap()["event"], "started");
    assert_eq!(events.last().unwrap()["event"], "finished");
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "host" && e["host"] == "g2" && e["state"] == "failed")
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::error title=deploy of site 3.1 failed on g2::")),
        "{stdout}"
    );
    let summary = schema::parse(schema::Kind::WaitSummary, lines.last().unwrap().as_bytes());
    assert_eq!(summary["result"], "failed");
    let md = std::fs::read_to_string(&step_summary).unwrap();
    assert!(md.contains("| g2 | failed |"), "{md}");
    let outputs = std::fs::read_to_string(&gh_output).unwrap();
    assert!(
        outputs.contains("result=failed\nrelease=1\njson={"),
        "{outputs}"
    );

    // Wait flags without --wait are a usage error, not silently ignored.
    let out = env.run(&["publish", "site", "3.2", "--timeout", "1m"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--timeout only applies with --wait"));
}

#[test]
fn plain_progress_has_heartbeats() {
    let env = TestEnv::new("wait-heartbeat");
    let _agents = env.start_agents("slow", &hosts("b", 1), &[]);
    env.ok(&["publish", "slow", "1.0", "--deploy-cmd", "sleep 1.5"]);
    let out = env.run(&[
        "wait-for-rollout",
        "slow",
        "--timeout",
        "30s",
        "--heartbeat",
        "300ms",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("still waiting on b1 deploying for"), "{err}");
    assert!(err.contains("b1: deploying -> healthy"), "{err}");
}
