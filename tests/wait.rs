//! wait-for-rollout against real agents: exit codes, JUnit, JSON, events, GitHub files.

mod common;

use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use common::junit::check_junit;
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
    let report = check_junit(&junit);
    assert_eq!(report.suites.len(), 1);
    assert_eq!(
        (
            report.counts.tests,
            report.counts.failures,
            report.counts.errors
        ),
        (4, 0, 0)
    );
    assert!(
        report.cases.iter().all(|c| c.classname == "web"),
        "{report:?}"
    );
    assert_eq!(report.property("release"), Some("1"));
    // Human report on stdout, progress lines on stderr.
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(
        human.starts_with("web release 1 (1.0): succeeded"),
        "{human}"
    );
    assert!(stderr(&out).contains("healthy"), "{}", stderr(&out));

    // The next release: the same (classname, name) per host, so a CI server can track each
    // host across releases; the release is in the suite name and properties.
    env.ok(&[
        "publish",
        "web",
        "2.0",
        "--slots",
        "4",
        "--deploy-cmd",
        "true",
    ]);
    let junit2 = env.path("out/junit-2.xml");
    let (out, _) = finish(spawn_wait(
        &env,
        &[
            "web",
            "--timeout",
            "60s",
            "--junit",
            junit2.to_str().unwrap(),
        ],
    ));
    assert!(out.status.success(), "{}", stderr(&out));
    let report2 = check_junit(&junit2);
    let ids = |r: &common::junit::Junit| {
        let mut v: Vec<(String, String)> = r
            .cases
            .iter()
            .map(|c| (c.classname.clone(), c.name.clone()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&report), ids(&report2));
    assert_ne!(report.suites, report2.suites);
    assert_eq!(report2.property("release"), Some("2"));
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
    let report = check_junit(&junit);
    assert_eq!((report.counts.tests, report.counts.failures), (3, 1));
    let f2 = report.case("f2");
    assert_eq!(f2.kind, "failure");
    assert!(f2.message.contains("exit code 9"), "{f2:?}");
    // The output once, in system-out (agents report one combined tail).
    assert!(f2.system_out.contains("disk full on f2"), "{f2:?}");

    // Under GitHub Actions, even with -q: stdout is still exactly the one JSON document, the
    // annotation goes to stderr (the runner reads workflow commands from both).
    let gh_output = env.path("gh_output");
    let out = env
        .cmd()
        .args([
            "-q",
            "--output",
            "json",
            "wait-for-rollout",
            "api",
            "--timeout",
            "60s",
        ])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &gh_output)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert_eq!(summary["result"], "failed");
    assert!(
        stderr(&out).contains("::error title=deploy of api 1.0 failed on f2::"),
        "{}",
        stderr(&out)
    );
    let outputs = std::fs::read_to_string(&gh_output).unwrap();
    assert!(outputs.contains("result=failed\n"), "{outputs}");
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
    // NDJSON: every line one JSON object, the events then the summary object last.
    let values: Vec<Value> = lines
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l)
                .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}"))
        })
        .collect();
    let events: Vec<&Value> = values.iter().filter(|v| v.get("event").is_some()).collect();
    for e in &events {
        schema::check(schema::Kind::WaitEvent, e);
    }
    assert_eq!(events.first().unwrap()["event"], "started");
    assert_eq!(events.last().unwrap()["event"], "finished");
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "host" && e["host"] == "g2" && e["state"] == "failed")
    );
    assert!(
        stderr(&out)
            .lines()
            .any(|l| l.starts_with("::error title=deploy of site 3.1 failed on g2::")),
        "{}",
        stderr(&out)
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

/// Reports are written on every exit: bad input (2) and an unreachable ZooKeeper (4) replace a
/// stale file from an earlier build with an error report, instead of leaving it to be archived.
#[test]
fn stale_reports_are_replaced_on_exit_2_and_4() {
    let env = TestEnv::new("wait-stale");
    let junit = env.path("reports/junit.xml");
    let json = env.path("reports/summary.json");
    let stale = |env: &TestEnv| {
        std::fs::create_dir_all(env.path("reports")).unwrap();
        std::fs::write(&junit, "<testsuites name=\"stale\"/>").unwrap();
        std::fs::write(&json, "{\"result\":\"succeeded\",\"stale\":true}").unwrap();
    };
    let files = [
        "--junit",
        junit.to_str().unwrap(),
        "--json-file",
        json.to_str().unwrap(),
    ];
    for (code, zk, app) in [(2, None, "nosuch"), (4, Some("127.0.0.1:1"), "web")] {
        stale(&env);
        let mut c = env.cmd();
        c.args([
            "--output",
            "json",
            "--connect-timeout",
            "1s",
            "wait-for-rollout",
            app,
        ]);
        c.args(files);
        if let Some(zk) = zk {
            c.env("DEPLOYCTL_ZK", zk);
        }
        let out = c.output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{}", stderr(&out));
        let report = check_junit(&junit);
        assert_eq!(report.kinds(), vec!["error"], "{report:?}");
        assert_eq!(report.cases[0].classname, app);
        assert_eq!(
            report.property("exit_code"),
            Some(code.to_string().as_str())
        );
        let v = schema::parse(schema::Kind::Error, &std::fs::read(&json).unwrap());
        assert_eq!(v["result"], "error", "{v}");
        assert_eq!(v["exit_code"], code);
        assert!(v.get("stale").is_none());
        let message = v["message"].as_str().unwrap();
        assert!(!message.is_empty());
        // The same document on stdout, and the message on stderr.
        let on_stdout: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(on_stdout, v);
        assert!(stderr(&out).contains(message), "{}", stderr(&out));
        let leftovers: Vec<_> = std::fs::read_dir(env.path("reports"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers.len(), 2, "temp files left: {leftovers:?}");
    }
    // `publish --wait`: the reports cover the publish too (here: a bad version, exit 2).
    stale(&env);
    let mut args = vec!["publish", "web", "1.0;rm", "--deploy-cmd", "true", "--wait"];
    args.extend(files);
    let out = env.run(&args);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(check_junit(&junit).kinds(), vec!["error"]);
    let v = schema::parse(schema::Kind::Error, &std::fs::read(&json).unwrap());
    assert_eq!(
        (v["result"].as_str(), v["command"].as_str()),
        (Some("error"), Some("publish"))
    );
}

#[test]
fn one_wait_over_two_apps_reports_each_and_exits_with_the_worst() {
    let env = TestEnv::new("wait-apps");
    let names = hosts("m", 2);
    let agents: Vec<Agent> = names
        .iter()
        .map(|h| env.agent(h, &["web", "api"]))
        .collect();
    for app in ["web", "api"] {
        env.wait_status(app, T, "agents registered", |st| {
            names
                .iter()
                .all(|n| host(st, n).is_some_and(|h| h["registered"] == true))
        });
    }
    env.ok(&[
        "publish",
        "web",
        "1.0",
        "--slots",
        "2",
        "--deploy-cmd",
        "true",
    ]);
    env.ok(&[
        "publish",
        "api",
        "3.1",
        "--slots",
        "2",
        "--deploy-cmd",
        "echo api is broken; exit 4",
    ]);
    let junit = env.path("apps.xml");
    let json = env.path("apps.json");
    let (out, summary) = env.run_json(&[
        "--output",
        "json",
        "wait-for-rollout",
        "web",
        "api",
        "--timeout",
        "40s",
        "--events",
        "--junit",
        junit.to_str().unwrap(),
        "--json-file",
        json.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{summary:#}\n{}", stderr(&out));
    assert_eq!(summary["result"], "failed");
    let apps = summary["apps"].as_array().unwrap();
    let results: Vec<(&str, &str)> = apps
        .iter()
        .map(|a| (a["app"].as_str().unwrap(), a["result"].as_str().unwrap()))
        .collect();
    assert_eq!(results, vec![("web", "succeeded"), ("api", "failed")]);
    assert_eq!(apps[1]["version"], "3.1");
    assert!(
        summary["message"].as_str().unwrap().contains("api: failed"),
        "{summary:#}"
    );
    // The file holds the same document.
    let file = schema::parse(schema::Kind::WaitSummary, &std::fs::read(&json).unwrap());
    assert_eq!(file["apps"].as_array().unwrap().len(), 2);
    // Every progress line names its app.
    let events = schema::parse_stdout(
        &["--output", "json", "wait-for-rollout", "--events"],
        &out.stdout,
    );
    assert!(
        events
            .iter()
            .filter(|e| e["event"] == "host")
            .all(|e| e["app"] == "web" || e["app"] == "api"),
        "{events:#?}"
    );
    let report = check_junit(&junit);
    assert_eq!(report.suites.len(), 2, "{:?}", report.suites);
    assert!(
        report.suites[0].starts_with("web release 1"),
        "{:?}",
        report.suites
    );
    assert!(
        report.suites[1].starts_with("api release 1"),
        "{:?}",
        report.suites
    );
    let api_failed: Vec<&str> = report
        .cases
        .iter()
        .filter(|c| c.kind == "failure")
        .map(|c| c.classname.as_str())
        .collect();
    assert!(
        !api_failed.is_empty() && api_failed.iter().all(|c| *c == "api"),
        "{:?}",
        report.cases
    );
    assert_eq!(report.counts.tests, 4);
    drop(agents);

    // Human output: each app's report, then the overall line.
    let out = env.run(&["wait-for-rollout", "web", "api", "--timeout", "10s"]);
    assert_eq!(out.status.code(), Some(1));
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(human.contains("web release 1 (1.0): succeeded"), "{human}");
    assert!(human.contains("2 app(s): failed"), "{human}");

    // Bad input names the value, exit 2; --release pins one app only.
    let out = env.run(&["wait-for-rollout", "web", "../x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("../x"), "{}", stderr(&out));
    let out = env.run(&["wait-for-rollout", "web", "api", "--release", "1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = env.run(&["wait-for-rollout", "web", "nosuchapp", "--timeout", "10s"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("nosuchapp"), "{}", stderr(&out));
}
