//! Rollouts with real agent processes against a real ZooKeeper.

mod common;

use std::time::Duration;

use common::*;

const T: Duration = Duration::from_secs(40);

fn publish(
    env: &TestEnv,
    app: &str,
    version: &str,
    slots: u32,
    log: &std::path::Path,
    sleep: &str,
) -> u64 {
    let log_var = format!("log={}", log.display());
    let slots = slots.to_string();
    let deploy = logging_deploy(sleep);
    release_of(&env.json(&[
        "publish",
        app,
        version,
        "--slots",
        &slots,
        "--deploy-cmd",
        &deploy,
        "--get-version-cmd",
        GET_VERSION,
        "--var",
        &log_var,
    ]))
}

#[test]
fn six_agents_never_exceed_slots_and_reach_exactly_slots() {
    let env = TestEnv::new("six-agents");
    let names = hosts("h", 6);
    let _agents: Vec<Agent> = names.iter().map(|h| env.agent(h, &["web"])).collect();
    env.wait_status("web", T, "6 agents registered", |st| {
        st["hosts"]
            .as_array()
            .is_some_and(|h| h.iter().filter(|h| h["registered"] == true).count() == 6)
    });

    let log2 = env.path("deploys-slots2.log");
    let r1 = publish(&env, "web", "1.0", 2, &log2, "0.4");
    let st = env.wait_hosts("web", &names, r1, &["healthy"], T);
    let iv = intervals(&log2);
    assert_eq!(iv.len(), 6, "each host deploys exactly once: {iv:?}");
    assert!(iv.iter().all(|i| i.end.is_some()));
    // Conveyor ran about half of `slots` (it counted its own lease twice): we reach exactly 2.
    assert_eq!(max_overlap(&iv, now_ns()), 2, "{iv:?}");
    for h in st["hosts"].as_array().unwrap() {
        assert_eq!(h["version"], "1.0");
        assert_eq!(h["attempts"], 1);
    }
    assert_eq!(
        st["slots"].as_array().map(Vec::len),
        Some(0),
        "no lease left behind"
    );

    let log1 = env.path("deploys-slots1.log");
    let r2 = publish(&env, "web", "2.0", 1, &log1, "0.2");
    assert_eq!(r2, r1 + 1);
    env.wait_hosts("web", &names, r2, &["healthy"], T);
    let iv = intervals(&log1);
    assert_eq!(iv.len(), 6);
    assert_eq!(max_overlap(&iv, now_ns()), 1, "{iv:?}");
}

/// A host's status says deploying a moment before its command logs its start: wait (bounded)
/// for the start line.
fn wait_for_start(log: &std::path::Path, host: &str) {
    let deadline = std::time::Instant::now() + T;
    while !intervals(log).iter().any(|i| i.host == host) {
        assert!(
            std::time::Instant::now() < deadline,
            "{host}'s deploy never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Is any process still running whose command line contains `marker`?
fn process_with(marker: &str) -> bool {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            std::fs::read(e.path().join("cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(marker))
                .unwrap_or(false)
        })
}

#[test]
fn killed_agent_frees_its_slot_and_capacity_survives() {
    let env = TestEnv::new("killed-agent");
    let names = hosts("k", 5);
    let mut agents: Vec<Agent> = names.iter().map(|h| env.agent(h, &["api"])).collect();
    env.wait_status("api", T, "5 agents registered", |st| {
        st["hosts"].as_array().is_some_and(|h| h.len() == 5)
    });
    // A distinctive sleep so the test can tell whether the killed deploy's children live on.
    let log = env.path("deploys.log");
    let r1 = publish(&env, "api", "1.0", 2, &log, "3.1415");
    let victim = env.wait_for_deploying("api", T);
    let idx = names.iter().position(|h| *h == victim).unwrap();
    wait_for_start(&log, &victim);
    assert!(process_with("3.1415"), "the deploy should be running");
    agents[idx].kill9();
    let killed_at = now_ns();

    // The other four finish although the victim held a slot when it died.
    let others: Vec<String> = names.iter().filter(|h| **h != victim).cloned().collect();
    env.wait_hosts("api", &others, r1, &["healthy"], T);
    let st = env.status("api");
    assert_eq!(host(&st, &victim).unwrap()["state"], "lost", "{st:#}");
    // The killed deploy died with its agent: it never wrote its end line.
    let iv = intervals(&log);
    let victim_iv: Vec<&Interval> = iv.iter().filter(|i| i.host == victim).collect();
    assert_eq!(victim_iv.len(), 1);
    assert_eq!(victim_iv[0].end, None, "the deploy outlived its agent");
    // Count the killed deploy as running until the kill: never more than 2 at once.
    let bounded: Vec<Interval> = iv
        .iter()
        .map(|i| Interval {
            end: Some(i.end.unwrap_or(killed_at)),
            ..i.clone()
        })
        .collect();
    assert!(max_overlap(&bounded, killed_at) <= 2, "{iv:?}");

    // Restarted, the victim converges.
    agents[idx] = env.agent(&victim, &["api"]);
    env.wait_hosts("api", &names, r1, &["healthy"], T);
    assert!(
        !process_with("3.1415"),
        "a deploy process outlived everything"
    );

    // Capacity survived the death: the next release again runs exactly 2 at once.
    let log2 = env.path("deploys2.log");
    let r2 = publish(&env, "api", "2.0", 2, &log2, "0.4");
    env.wait_hosts("api", &names, r2, &["healthy"], T);
    assert_eq!(max_overlap(&intervals(&log2), now_ns()), 2);
}

#[test]
fn host_already_at_version_does_not_take_a_slot() {
    let env = TestEnv::new("current");
    let names = hosts("c", 2);
    // c1 already runs 1.0.
    let app_dir = env.path("state-c1/apps/svc");
    std::fs::create_dir_all(&app_dir).unwrap();
    std::fs::write(app_dir.join("version"), "1.0\n").unwrap();
    let _agents: Vec<Agent> = names.iter().map(|h| env.agent(h, &["svc"])).collect();
    env.wait_status("svc", T, "2 agents", |st| {
        st["hosts"].as_array().is_some_and(|h| h.len() == 2)
    });
    let log = env.path("deploys.log");
    let r = publish(&env, "svc", "1.0", 1, &log, "0.1");
    let st = env.wait_hosts("svc", &names, r, &["healthy", "current"], T);
    assert_eq!(host(&st, "c1").unwrap()["state"], "current");
    assert_eq!(host(&st, "c2").unwrap()["state"], "healthy");
    let iv = intervals(&log);
    assert_eq!(
        iv.iter().map(|i| i.host.as_str()).collect::<Vec<_>>(),
        vec!["c2"]
    );
    // c1 never queued for a slot: its log has no slot wait.
    let agent_log = std::fs::read_to_string(env.path("state-c1/agent.log")).unwrap();
    assert!(!agent_log.contains("waiting for a slot"), "{agent_log}");
}

#[test]
fn planted_bad_specs_run_nothing_and_other_apps_keep_serving() {
    let env = TestEnv::new("planted");
    let pwned = env.path("pwned");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let opts = deployctl::zk::ZkOptions {
        servers: zk_addr().to_string(),
        root: env.root.clone(),
        ..Default::default()
    };
    rt.block_on(async {
        let zk = deployctl::zk::connect(&opts).await.unwrap();
        zk.ensure_app("garbage").await.unwrap();
        zk.ensure_app("evil").await.unwrap();
        zk.client
            .set_data(&zk.layout.app("garbage"), b"{not json", None)
            .await
            .unwrap();
        let evil = serde_json::json!({
            "app": "evil",
            "version": format!("1.0; touch {}", pwned.display()),
            "release": 1,
            "deploy_cmd": format!("touch {}", pwned.display()),
        });
        zk.client
            .set_data(&zk.layout.app("evil"), evil.to_string().as_bytes(), None)
            .await
            .unwrap();
    });

    let mut agent = env.agent("p1", &["garbage", "evil", "good"]);
    let log = env.path("deploys.log");
    let r = publish(&env, "good", "1.0", 1, &log, "0.1");
    env.wait_hosts("good", &["p1".to_string()], r, &["healthy"], T);
    assert!(!pwned.exists(), "a command from a planted spec ran");
    agent.kill9();
    let agent_log = agent.log();
    assert!(agent_log.contains("not valid JSON"), "{agent_log}");
    assert!(
        agent_log.contains("touch"),
        "the refusal names the bad version: {agent_log}"
    );

    // In --once mode the bad spec is an input error: exit 2, nothing run.
    let out = env.run(&[
        "agent",
        "--once",
        "--host",
        "p2",
        "--app",
        "evil",
        "--state-dir",
        env.path("s2").to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid version"));
    assert!(!pwned.exists());
    // status and apps list still work and show the problem.
    let apps = env.json(&["apps"]);
    let rows = apps["apps"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["app"] == "evil"
                && r["error"].as_str().is_some_and(|e| e.contains("version")))
    );
}

#[test]
fn once_mode_deploys_and_reports() {
    let env = TestEnv::new("once");
    let log = env.path("deploys.log");
    publish(&env, "batch", "3.0", 1, &log, "0");
    let state = env.path("s1");
    let args = [
        "agent",
        "--once",
        "--host",
        "o1",
        "--app",
        "batch",
        "--state-dir",
        state.to_str().unwrap(),
    ];
    let out = env.ok(&args);
    assert!(out.contains("healthy at 3.0"), "{out}");
    // A second pass finds the host done and deploys nothing more.
    let report = env.json(&args);
    assert_eq!(report["apps"][0]["status"]["state"], "healthy", "{report}");
    assert_eq!(intervals(&log).len(), 1);
    // A failing deploy: exit 1, output tail and exit code kept in the status.
    env.ok(&[
        "publish",
        "batch",
        "4.0",
        "--deploy-cmd",
        "echo boom >&2; exit 7",
    ]);
    let out = env.run(&args);
    assert_eq!(out.status.code(), Some(1));
    let st = env.status("batch");
    let h = host(&st, "o1").unwrap();
    assert_eq!(h["state"], "failed");
    assert_eq!(h["exit_code"], 7);
    assert!(h["output_tail"].as_str().unwrap().contains("boom"));
    assert!(h["message"].as_str().unwrap().contains("exit code 7"));
}

#[test]
fn sighup_reloads_the_config_and_json_logs_parse() {
    let env = TestEnv::new("reload");
    let cfg = env.path("agent.toml");
    std::fs::write(&cfg, "host = \"r1\"\n[apps.first]\n").unwrap();
    let agent = env.agent_with(
        "r1",
        &[],
        &["--config", cfg.to_str().unwrap(), "--log-format", "json"],
    );
    env.wait_status("first", T, "registered", |st| {
        st["hosts"].as_array().is_some_and(|h| !h.is_empty())
    });
    env.ok(&["publish", "second", "1.0", "--deploy-cmd", "echo hi"]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        env.status("second")["hosts"].as_array().map(Vec::len),
        Some(0),
        "not served before the reload"
    );

    // A broken config is refused and the agent keeps running.
    std::fs::write(&cfg, "host = \"r1\"\n[apps.first]\nbogus = 1\n").unwrap();
    unsafe { libc::kill(agent.pid().unwrap() as i32, libc::SIGHUP) };
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(&cfg, "host = \"r1\"\n[apps.first]\n[apps.second]\n").unwrap();
    unsafe { libc::kill(agent.pid().unwrap() as i32, libc::SIGHUP) };
    env.wait_hosts("second", &["r1".to_string()], 1, &["healthy"], T);

    // Removing an app stops serving it (its presence goes).
    std::fs::write(&cfg, "host = \"r1\"\n[apps.second]\n").unwrap();
    unsafe { libc::kill(agent.pid().unwrap() as i32, libc::SIGHUP) };
    env.wait_status("first", T, "first unregistered", |st| {
        st["hosts"]
            .as_array()
            .is_some_and(|h| h.iter().all(|h| h["registered"] == false))
    });
    drop(agent);
    let log = std::fs::read_to_string(env.path("state-r1/agent.log")).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "config reloaded"),
        "{log}"
    );
    assert!(lines.iter().any(|l| {
        l["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("keeping the running config"))
    }));
}

#[test]
fn stopped_agent_loses_its_deploy_before_its_slot() {
    let env = TestEnv::new("sigstop");
    let names = hosts("z", 2);
    let agents: Vec<Agent> = names.iter().map(|h| env.agent(h, &["frozen"])).collect();
    env.wait_status("frozen", T, "agents", |st| {
        st["hosts"].as_array().is_some_and(|h| h.len() == 2)
    });
    let log = env.path("d.log");
    let r = publish(&env, "frozen", "1.0", 1, &log, "4.2718");
    let victim = env.wait_for_deploying("frozen", T);
    wait_for_start(&log, &victim);
    let pid = agents[names.iter().position(|h| *h == victim).unwrap()]
        .pid()
        .unwrap() as i32;
    assert!(process_with("4.2718"));
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    let stopped_at = now_ns();
    // The session (2 s) cannot have expired yet, but the deploy must already be gone: the guard
    // lost the agent's heartbeats.
    std::thread::sleep(Duration::from_millis(1300));
    assert!(
        !process_with("4.2718"),
        "a stopped agent's deploy kept running"
    );
    // The slot passes on once the session expires; then the victim resumes and converges.
    let other: Vec<String> = names.iter().filter(|h| **h != victim).cloned().collect();
    env.wait_hosts("frozen", &other, r, &["healthy"], T);
    unsafe { libc::kill(pid, libc::SIGCONT) };
    env.wait_hosts("frozen", &names, r, &["healthy"], T);
    let iv = intervals(&log);
    let other_start = iv.iter().find(|i| i.host == other[0]).unwrap().start;
    assert!(
        other_start > stopped_at + 1_300_000_000,
        "the slot was handed on while the stopped deploy could still run"
    );
    drop(agents);
}

/// Every command under a slot gets `DEPLOYCTL_FENCE`, strictly increasing across the hosts'
/// deploys of an app in the order they held the slot (slots 1): a deploy touching shared state
/// can refuse a host resumed from a freeze after its slot went on (docs/safety.md).
#[test]
fn commands_get_a_fence_strictly_increasing_across_the_hosts() {
    let env = TestEnv::new("fence");
    let names = hosts("f", 4);
    let _agents = env.start_agents("fenced", &names, &[]);
    let log = env.path("fences.log");
    let log_var = format!("log={}", log.display());
    let run = |step: &str| {
        format!(r#"echo "{step} $DEPLOYCTL_HOST ${{DEPLOYCTL_FENCE:-none}}" >> {{{{ vars.log }}}}"#)
    };
    let r = release_of(&env.json(&[
        "publish",
        "fenced",
        "1.0",
        "--slots",
        "1",
        "--deploy-cmd",
        &run("deploy"),
        "--health-cmd",
        &run("health"),
        "--finalize-cmd",
        &run("finalize"),
        "--var",
        &log_var,
    ]));
    env.wait_hosts("fenced", &names, r, &["healthy"], T);
    // The finalize command runs once every host is done, after the last deploy.
    let text = wait_until("the finalize command", T, || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        text.contains("finalize ").then_some(text)
    });
    let lines: Vec<(&str, &str, &str)> = text
        .lines()
        .map(|l| {
            let mut w = l.split_whitespace();
            (w.next().unwrap(), w.next().unwrap(), w.next().unwrap())
        })
        .collect();
    assert_eq!(lines.len(), 2 * names.len() + 1, "{text}");
    let (fin, lines) = lines.split_last().unwrap();
    let mut last = 0i64;
    // With one slot the hosts run one after another: deploy and health of each host in turn.
    for pair in lines.chunks(2) {
        let [(s1, h1, f1), (s2, h2, f2)] = pair else {
            unreachable!()
        };
        assert_eq!((*s1, *s2), ("deploy", "health"), "{text}");
        assert_eq!(h1, h2, "{text}");
        assert_eq!(
            f1, f2,
            "one fence for a host's commands under one slot: {text}"
        );
        let fence: i64 = f1
            .parse()
            .unwrap_or_else(|_| panic!("DEPLOYCTL_FENCE {f1:?}: {text}"));
        assert!(fence > last, "fences must increase: {text}");
        last = fence;
    }
    // The finalize command's fence (its claim's) is above every deploy's.
    assert_eq!(fin.0, "finalize", "{text}");
    let fence: i64 = fin.2.parse().unwrap_or_else(|_| panic!("{text}"));
    assert!(fence > last, "finalize's fence must be the highest: {text}");
}

#[test]
fn self_checks_catch_a_vanished_lease_and_presence() {
    let env = TestEnv::new("selfcheck");
    let _agent = env.agent("s1", &["watched"]);
    env.wait_status("watched", T, "agent", |st| {
        st["hosts"].as_array().is_some_and(|h| !h.is_empty())
    });
    let log = env.path("d.log");
    publish(&env, "watched", "1.0", 1, &log, "5.1357");
    env.wait_status("watched", T, "deploying", |st| {
        st["hosts"][0]["state"] == "deploying"
    });
    assert!(process_with("5.1357"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let opts = deployctl::zk::ZkOptions {
        servers: zk_addr().to_string(),
        root: env.root.clone(),
        ..Default::default()
    };
    let zk = rt.block_on(deployctl::zk::connect(&opts)).unwrap();
    // Somebody deletes the running agent's lease: its command must stop (the slot may be
    // granted to another host now).
    rt.block_on(async {
        for (lease, _) in zk.leases("watched").await.unwrap() {
            zk.client
                .delete(&format!("{}/{lease}", zk.layout.slots("watched")), None)
                .await
                .unwrap();
        }
    });
    // The running step checks its lease every third of the session timeout (2 s here): the
    // command stops within a few of those (bounded, not slept for: a loaded machine is slower).
    wait_until(
        "the command to stop once its slot lease is gone",
        Duration::from_secs(15),
        || (!process_with("5.1357")).then_some(()),
    );
    // Somebody deletes its presence: it registers again within a session timeout.
    rt.block_on(zk.client.delete(&zk.layout.host("watched", "s1"), None))
        .unwrap();
    env.wait_status("watched", T, "re-registered", |st| {
        st["hosts"][0]["registered"] == true
    });
    drop(zk);
}

/// Issue 14: stdout and stderr reach the output tail in the order the command printed them
/// (they once came from two pipes read by two pumps: `1 3 2`, differently from run to run).
#[test]
fn output_tail_keeps_the_order_the_command_printed() {
    let env = TestEnv::new("tail-order");
    let state = env.path("s1");
    let args = [
        "agent",
        "--once",
        "--host",
        "t1",
        "--app",
        "ordered",
        "--state-dir",
        state.to_str().unwrap(),
    ];
    let interleaved: String = (1..=20)
        .map(|i| format!("echo o{i}; echo e{i} >&2; "))
        .collect();
    let want_interleaved: String = (1..=20).map(|i| format!("o{i}\ne{i}\n")).collect();
    for round in 0..6 {
        let (cmd, want) = if round % 2 == 0 {
            (
                "echo 1; echo 2 >&2; echo 3; exit 1".to_string(),
                "1\n2\n3\n".to_string(),
            )
        } else {
            (format!("{interleaved}exit 1"), want_interleaved.clone())
        };
        let version = format!("{round}.0");
        env.ok(&["publish", "ordered", &version, "--deploy-cmd", &cmd]);
        let out = env.run(&args);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let st = env.status("ordered");
        let h = host(&st, "t1").unwrap();
        assert_eq!(h["state"], "failed");
        assert_eq!(h["output_tail"], want.as_str(), "round {round}");
    }
}
