//! Rollout safety with real agent processes: canary, failure budget, auto-rollback, pause,
//! retries, health gate, run-once, groups, accelerating slots, rollback and history.

mod common;

use std::time::{Duration, Instant};

use common::*;

const T: Duration = Duration::from_secs(45);

fn log_var(log: &std::path::Path) -> String {
    format!("log={}", log.display())
}

/// A deploy that logs start/end and fails on the hosts listed in `{{ vars.bad }}`.
fn deploy_failing_on(sleep: &str) -> String {
    format!(
        "echo start {{{{ host }}}} $(date +%s%N) >> {{{{ vars.log }}}}; sleep {sleep}; \
         if echo {{{{ vars.bad }}}} | tr ' ' '\\n' | grep -qx {{{{ host }}}}; then echo end {{{{ host }}}} $(date +%s%N) >> {{{{ vars.log }}}}; echo broken on {{{{ host }}}}; exit 1; fi; \
         echo end {{{{ host }}}} $(date +%s%N) >> {{{{ vars.log }}}}; echo {{{{ version }}}} > version"
    )
}

#[test]
fn canary_failure_halts_before_anyone_else_deploys() {
    let env = TestEnv::new("canary");
    let names = hosts("c", 4);
    let _agents = env.start_agents("web", &names, &[]);
    let log = env.path("d.log");
    let bad = names.join(" ");
    env.ok(&[
        "publish",
        "web",
        "2.0",
        "--slots",
        "3",
        "--canary",
        "1",
        "--deploy-cmd",
        &deploy_failing_on("0.3"),
        "--var",
        &log_var(&log),
        "--var",
        &format!("bad={bad}"),
    ]);
    let (code, summary) = env.wait_json(&["web", "--timeout", "30s"]);
    assert_eq!(code, Some(1), "{summary:#}");
    assert_eq!(summary["result"], "failed", "{summary:#}");
    // Give the other slot holders time to (wrongly) start, then check nobody else deployed.
    std::thread::sleep(Duration::from_millis(1500));
    let iv = intervals(&log);
    assert_eq!(iv.len(), 1, "exactly one host ran the deploy: {iv:?}");
    let history = env.json(&["history", "web"]);
    assert_eq!(history["releases"][0]["ledger"]["state"], "halted");
}

#[test]
fn failure_budget_halts_then_auto_rollback_restores_the_previous_version() {
    let env = TestEnv::new("budget");
    let names = hosts("b", 6);
    let _agents = env.start_agents("api", &names, &[]);
    let log1 = env.path("v1.log");
    env.ok(&[
        "publish",
        "api",
        "1.0",
        "--slots",
        "2",
        "--deploy-cmd",
        &deploy_failing_on("0.1"),
        "--get-version-cmd",
        GET_VERSION,
        "--var",
        &log_var(&log1),
        "--var",
        "bad=none",
    ]);
    env.ok(&["wait-for-rollout", "api", "--timeout", "40s"]);

    let log2 = env.path("v2.log");
    let r2 = release_of(&env.json(&[
        "publish",
        "api",
        "2.0",
        "--slots",
        "2",
        "--max-failures",
        "1",
        "--auto-rollback",
        "--deploy-cmd",
        &deploy_failing_on("0.4"),
        "--get-version-cmd",
        GET_VERSION,
        "--var",
        &log_var(&log2),
        "--var",
        "bad=b2 b4",
    ]));
    let (code, summary) = env.wait_json(&["api", "--release", &r2.to_string(), "--timeout", "40s"]);
    assert_eq!(code, Some(1), "{summary:#}");
    assert_eq!(summary["result"], "rolled_back", "{summary:#}");

    // The first failure is within the budget, so the rollout goes on; the second halts it: after
    // the halting failure at most `slots` deploys started (those racing the halt), none later.
    let iv = intervals(&log2);
    let text = std::fs::read_to_string(&log2).unwrap();
    let mut failed_ends: Vec<u128> = iv
        .iter()
        .filter(|i| i.host == "b2" || i.host == "b4")
        .filter_map(|i| i.end)
        .collect();
    failed_ends.sort();
    assert_eq!(failed_ends.len(), 2, "{text}");
    let halting_failure = failed_ends[1];
    let started_after = iv.iter().filter(|i| i.start > halting_failure).count();
    assert!(
        started_after <= 2,
        "{started_after} deploys started after the halting failure:\n{text}"
    );

    // The rollback release converges: every host runs 1.0 again.
    let history = env.json(&["history", "api"]);
    let releases = history["releases"].as_array().unwrap();
    let rb = releases.last().unwrap();
    assert_eq!(rb["spec"]["rollback_of"], r2);
    assert_eq!(rb["spec"]["version"], "1.0");
    let rb_release = rb["spec"]["release"].as_u64().unwrap();
    assert_eq!(
        releases[1]["ledger"]["rolled_back_by"], rb_release,
        "exactly one rollback: {history:#}"
    );
    assert_eq!(releases.len(), 3, "exactly one rollback release");
    let (code, summary) = env.wait_json(&[
        "api",
        "--release",
        &rb_release.to_string(),
        "--timeout",
        "40s",
    ]);
    assert_eq!(code, Some(0), "{summary:#}");
    // Read the 2.0 log again now: a deploy that raced the halt may have been logged after the
    // first read. Every host has finished the rollback release, so all of them are in it now
    // (an agent works on one release of an app at a time).
    // Every host that ran a 2.0 command — the failed b2 and b4 included: a failed deploy may
    // have left anything half-changed — redoes 1.0 in full; only the untouched are `current`.
    let iv = intervals(&log2);
    let moved: Vec<String> = iv.iter().map(|i| i.host.clone()).collect();
    let st = env.status("api");
    for h in &names {
        let v = host(&st, h).unwrap();
        assert_eq!(v["version"], "1.0", "{h}: {v:#}");
        let expected = if moved.contains(h) {
            "healthy"
        } else {
            "current"
        };
        assert_eq!(v["state"], expected, "{h}: {v:#}");
    }
}

#[test]
fn pause_holds_new_deploys_and_resume_completes() {
    let env = TestEnv::new("pause");
    let names = hosts("p", 4);
    let _agents = env.start_agents("svc", &names, &[]);
    let log = env.path("d.log");
    env.ok(&[
        "publish",
        "svc",
        "1.0",
        "--slots",
        "1",
        "--deploy-cmd",
        &logging_deploy("0.6"),
        "--var",
        &log_var(&log),
    ]);
    env.wait_status("svc", T, "a deploy", |st| {
        st["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["state"] == "deploying")
    });
    let out = env.ok(&["pause", "svc"]);
    assert!(out.starts_with("paused svc release 1"), "{out}");
    let paused_at = now_ns();
    std::thread::sleep(Duration::from_secs(3));
    let late: Vec<Interval> = intervals(&log)
        .into_iter()
        .filter(|i| i.start > paused_at + 300_000_000)
        .collect();
    assert!(late.is_empty(), "deploys started while paused: {late:?}");
    let out = env.run(&["pause", "svc"]);
    assert!(out.status.success(), "pausing a paused release is a no-op");
    env.ok(&["resume", "svc"]);
    let out = env.run(&["resume", "svc"]);
    assert_eq!(out.status.code(), Some(0));
    env.ok(&["wait-for-rollout", "svc", "--timeout", "40s"]);
    assert_eq!(intervals(&log).len(), 4);
    // Abort is final; resuming an aborted release is refused.
    env.ok(&["abort", "svc"]);
    let out = env.run(&["resume", "svc"]);
    assert_eq!(out.status.code(), Some(2));
    let (code, summary) = env.wait_json(&["svc", "--timeout", "5s"]);
    assert_eq!(
        (code, summary["result"].as_str()),
        (Some(1), Some("aborted"))
    );
}

#[test]
fn retries_health_gate_pre_and_post() {
    let env = TestEnv::new("retries");
    let _agents = env.start_agents("r", &hosts("r", 1), &[]);
    // Fails once, then succeeds.
    let flaky = "echo pre-$DEPLOYCTL_VERSION >> steps; if [ ! -f tried ]; then touch tried; echo first try fails; exit 1; fi";
    env.ok(&[
        "publish",
        "r",
        "1.0",
        "--deploy-cmd",
        flaky,
        "--retries",
        "2",
        "--retry-delay",
        "100ms",
        "--pre-cmd",
        "echo pre >> steps",
        "--post-cmd",
        "echo post >> steps",
    ]);
    env.ok(&["wait-for-rollout", "r", "--timeout", "30s"]);
    let h = host(&env.status("r"), "r1").unwrap().clone();
    assert_eq!(h["state"], "healthy");
    assert_eq!(h["attempts"], 2);
    let steps = std::fs::read_to_string(env.path("state-r1/apps/r/steps")).unwrap();
    assert_eq!(steps, "pre\npre-1.0\npre\npre-1.0\npost\n");

    // The deploy exits 0 but the health command fails (after its retries): failed.
    env.ok(&[
        "publish",
        "r",
        "2.0",
        "--deploy-cmd",
        "true",
        "--health-cmd",
        "echo unhealthy; exit 3",
        "--health-retries",
        "1",
        "--health-interval",
        "100ms",
    ]);
    let (code, summary) = env.wait_json(&["r", "--timeout", "30s"]);
    assert_eq!(code, Some(1));
    let h = &summary["hosts"][0];
    assert_eq!(h["state"], "failed");
    assert_eq!(h["attempts"], 1);
    assert!(
        h["message"]
            .as_str()
            .unwrap()
            .contains("health check failed with exit code 3"),
        "{h:#}"
    );
    assert!(h["output_tail"].as_str().unwrap().contains("unhealthy"));
}

#[test]
fn run_once_runs_on_exactly_one_host_before_any_deploy() {
    let env = TestEnv::new("run-once");
    let names = hosts("o", 5);
    let _agents = env.start_agents("db", &names, &[]);
    let once = env.path("once.log");
    let log = env.path("d.log");
    env.ok(&[
        "publish",
        "db",
        "7.0",
        "--slots",
        "5",
        "--run-once-cmd",
        "sleep 0.5; echo {{ host }} $(date +%s%N) >> {{ vars.once }}",
        "--deploy-cmd",
        &logging_deploy("0.1"),
        "--var",
        &format!("once={}", once.display()),
        "--var",
        &log_var(&log),
    ]);
    env.ok(&["wait-for-rollout", "db", "--timeout", "40s"]);
    let text = std::fs::read_to_string(&once).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    let done: u128 = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    let iv = intervals(&log);
    assert_eq!(iv.len(), 5);
    assert!(
        iv.iter().all(|i| i.start > done),
        "a deploy started before the run-once command finished"
    );
    let history = env.json(&["history", "db"]);
    assert_eq!(
        history["releases"][0]["ledger"]["run_once"]["state"],
        "done"
    );
}

#[test]
fn only_agents_in_the_groups_take_part() {
    let env = TestEnv::new("groups");
    let web = hosts("web", 2);
    let db = hosts("db", 2);
    let _a = env.start_agents("site", &web, &["--group", "web"]);
    let _b = env.start_agents("site", &db, &["--group", "db"]);
    let log = env.path("d.log");
    env.ok(&[
        "publish",
        "site",
        "1.0",
        "--groups",
        "web",
        "--slots",
        "4",
        "--deploy-cmd",
        &logging_deploy("0.1"),
        "--var",
        &log_var(&log),
    ]);
    let (code, summary) = env.wait_json(&["site", "--timeout", "30s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    let waited: Vec<&str> = summary["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["host"].as_str().unwrap())
        .collect();
    assert_eq!(waited, vec!["web1", "web2"]);
    std::thread::sleep(Duration::from_millis(500));
    let mut deployed: Vec<String> = intervals(&log).into_iter().map(|i| i.host).collect();
    deployed.sort();
    assert_eq!(deployed, web);
    let st = env.status("site");
    assert!(
        db.iter().all(|h| host(&st, h).unwrap()["state"] == "idle"),
        "{st:#}"
    );
}

#[test]
fn only_the_named_hosts_deploy_and_are_waited_for() {
    let env = TestEnv::new("chosenhosts");
    let names = hosts("k", 3);
    let agents = env.start_agents("pick", &names, &[]);
    let log = env.path("d.log");
    env.ok(&[
        "publish",
        "pick",
        "1.0",
        "--hosts",
        "k1,k3",
        "--slots",
        "3",
        "--deploy-cmd",
        &logging_deploy("0.1"),
        "--var",
        &log_var(&log),
    ]);
    let junit = env.path("junit.xml");
    let (code, summary) = env.wait_json(&[
        "pick",
        "--timeout",
        "30s",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{summary:#}");
    let waited: Vec<&str> = summary["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["host"].as_str().unwrap())
        .collect();
    assert_eq!(waited, vec!["k1", "k3"]);
    let j = common::junit::check_junit(&junit);
    let mut cases: Vec<&str> = j.cases.iter().map(|c| c.name.as_str()).collect();
    cases.sort();
    assert_eq!(cases, vec!["k1", "k3"], "{:?}", j.cases);
    // k2 saw the release and decided it is not one of its hosts (its own log says so), so it
    // never runs it: no deploy logged, its status stays idle.
    let k2 = &agents[1];
    let deadline = Instant::now() + T;
    while !k2.log().contains("not among the release's hosts") {
        assert!(Instant::now() < deadline, "k2 never decided:\n{}", k2.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut deployed: Vec<String> = intervals(&log).into_iter().map(|i| i.host).collect();
    deployed.sort();
    assert_eq!(deployed, vec!["k1", "k3"]);
    let st = env.status("pick");
    assert_eq!(host(&st, "k2").unwrap()["state"], "idle", "{st:#}");

    // Bad host syntax: exit 2, naming the value.
    let out = env.run(&["publish", "pick", "2.0", "--hosts", "k1,bad/host"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad/host"), "{}", stderr(&out));
}

#[test]
fn excluded_hosts_sit_out_with_groups() {
    let env = TestEnv::new("excludehosts");
    let web = hosts("w", 3);
    let _a = env.start_agents("mix", &web, &["--group", "web"]);
    let _b = env.start_agents("mix", &["d1".to_string()], &["--group", "db"]);
    env.ok(&[
        "publish",
        "mix",
        "1.0",
        "--groups",
        "web",
        "--exclude-hosts",
        "w2",
        "--slots",
        "3",
        "--deploy-cmd",
        "true",
    ]);
    let (code, summary) = env.wait_json(&["mix", "--timeout", "30s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    let waited: Vec<&str> = summary["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["host"].as_str().unwrap())
        .collect();
    assert_eq!(waited, vec!["w1", "w3"]);
}

#[test]
fn slot_increment_accelerates_one_two_three() {
    let env = TestEnv::new("increment");
    let names = hosts("i", 7);
    let _agents = env.start_agents("fast", &names, &[]);
    let log = env.path("d.log");
    env.ok(&[
        "publish",
        "fast",
        "1.0",
        "--slots",
        "1",
        "--slot-increment",
        "1",
        "--deploy-cmd",
        &logging_deploy("0.8"),
        "--var",
        &log_var(&log),
    ]);
    env.ok(&["wait-for-rollout", "fast", "--timeout", "45s"]);
    let mut iv = intervals(&log);
    iv.sort_by_key(|i| i.start);
    assert_eq!(iv.len(), 7);
    // The first host ran alone.
    assert!(iv[0].end.unwrap() <= iv[1].start, "{iv:?}");
    // At every start, running deploys never exceed 1 + successes so far.
    for (k, i) in iv.iter().enumerate() {
        let done = iv.iter().filter(|j| j.end.unwrap() <= i.start).count();
        let running = iv[..=k].iter().filter(|j| j.end.unwrap() > i.start).count();
        assert!(
            running <= 1 + done,
            "start {k}: {running} running with {done} done: {iv:?}"
        );
    }
    let peak = max_overlap(&iv, now_ns());
    assert!(peak >= 3, "never accelerated past 2: {iv:?}");
}

#[test]
fn rollback_command_and_history() {
    let env = TestEnv::new("rollback");
    let _agents = env.start_agents("app", &hosts("a", 2), &[]);
    let deploy = "echo {{ version }} > version";
    env.ok(&[
        "publish",
        "app",
        "1.0",
        "--deploy-cmd",
        deploy,
        "--get-version-cmd",
        GET_VERSION,
        "--slots",
        "2",
    ]);
    env.ok(&["wait-for-rollout", "app", "--timeout", "30s"]);
    env.ok(&[
        "publish",
        "app",
        "2.0",
        "--deploy-cmd",
        deploy,
        "--get-version-cmd",
        GET_VERSION,
        "--slots",
        "2",
        "--wait",
        "--timeout",
        "30s",
    ]);
    let started = Instant::now();
    let out = env.ok(&["rollback", "app", "--wait", "--timeout", "30s"]);
    assert!(
        out.contains("rolled app back to 1.0 as release 3 (rollback of release 2)"),
        "{out}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    let st = env.status("app");
    assert!(
        st["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["version"] == "1.0" && h["release"] == 3)
    );
    let hist = env.ok(&["history", "app"]);
    let lines: Vec<&str> = hist.lines().collect();
    assert!(lines[0].starts_with("RELEASE"));
    assert!(
        lines[1].starts_with("3") && lines[1].contains("rollback of 2"),
        "{hist}"
    );
    assert!(
        lines[2].starts_with("2") && lines[2].contains("rolled back by 3"),
        "{hist}"
    );
    assert!(
        lines[3].starts_with("1") && lines[3].contains("2 healthy"),
        "{hist}"
    );
    // --to an unknown version is bad input.
    let out = env.run(&["rollback", "app", "--to", "9.9"]);
    assert_eq!(out.status.code(), Some(2));
    let out = env.run(&["rollback", "app", "--to", "2.0"]);
    assert!(out.status.success());
}
