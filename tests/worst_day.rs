//! An operator's worst day, with real agent processes: canary hosts killed and restarted at every
//! point of the canary phase, agents leaving while they wait for a slot, ZooKeeper frozen past
//! every session timeout while a waiter runs, and past the progress deadline while a host
//! finishes. The rollout always completes, nothing is reported lost that came back, and
//! concurrency never exceeds `slots`.

mod common;

use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::*;
use deployctl::zk::server::LocalZooKeeper;
use serde_json::Value;

const T: Duration = Duration::from_secs(60);

fn start_wait(env: &TestEnv, app: &str, timeout: &str) -> Child {
    env.spawn_wait(&[app, "--timeout", timeout])
}

fn finish_wait(child: Child) -> (Option<i32>, Value) {
    wait_summary(child.wait_with_output().expect("wait-for-rollout output"))
}

fn sigterm(agent: &Agent) {
    let pid = agent.pid().expect("agent running");
    // SAFETY: plain kill(2) on a child we own.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGTERM);
    }
}

#[derive(Debug, Clone, Copy)]
enum KillPoint {
    /// Holding the slot, in the pre command: the deploy has not started.
    BeforeDeploy,
    DuringDeploy,
    /// The deploy ended; the health check runs.
    DuringHealth,
}

/// 3 agents, `--slots 1 --canary 1`: kill the canary's agent at `point` and restart it
/// (`at_once`: before its session expires; otherwise after its presence is gone and the others
/// had a chance to grab the slot). The rollout must complete with every host healthy.
fn canary_killed(name: &str, point: KillPoint, at_once: bool) {
    let env = TestEnv::new(name);
    let names = hosts("k", 3);
    let mut agents = env.start_agents("web", &names, &[]);
    let log = env.path("d.log");
    let marks = env.path("marks");
    std::fs::create_dir_all(&marks).unwrap();
    let (pre, health) = match point {
        KillPoint::BeforeDeploy => ("touch {{ vars.marks }}/pre-{{ host }}; sleep 2", "true"),
        KillPoint::DuringDeploy => ("true", "true"),
        KillPoint::DuringHealth => (
            "true",
            "touch {{ vars.marks }}/health-{{ host }}; sleep 1.5",
        ),
    };
    let publish = env.json(&[
        "publish",
        "web",
        "2.0",
        "--slots",
        "1",
        "--canary",
        "1",
        "--deploy-cmd",
        &logging_deploy("1.5"),
        "--pre-cmd",
        pre,
        "--health-cmd",
        health,
        "--get-version-cmd",
        GET_VERSION,
        "--var",
        &format!("log={}", log.display()),
        "--var",
        &format!("marks={}", marks.display()),
    ]);
    let release = release_of(&publish);
    let waiter = start_wait(&env, "web", "90s");

    // Find the canary at the kill point.
    let mark = |prefix: &str| -> Option<String> {
        std::fs::read_dir(&marks).ok()?.flatten().find_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.strip_prefix(prefix).map(str::to_string)
        })
    };
    let canary = wait_until("the canary at its kill point", T, || match point {
        KillPoint::BeforeDeploy => mark("pre-"),
        KillPoint::DuringHealth => mark("health-"),
        KillPoint::DuringDeploy => intervals(&log)
            .into_iter()
            .find(|i| i.end.is_none())
            .map(|i| i.host),
    });
    let i = names.iter().position(|n| *n == canary).expect("known host");
    agents[i].kill9();
    let killed_at = now_ns();
    if !at_once {
        env.wait_status("web", T, "the canary's presence gone", |st| {
            host(st, &canary).is_some_and(|h| h["registered"] == false)
        });
    }
    agents[i] = env.agent(&canary, &["web"]);

    let (code, summary) = finish_wait(waiter);
    assert_eq!(code, Some(0), "{summary:#}");
    assert_eq!(summary["result"], "succeeded", "{summary:#}");
    env.wait_hosts("web", &names, release, &["healthy", "current"], T);
    // The killed deploy (if any) ended when its agent died: count it open until then.
    let iv: Vec<Interval> = intervals(&log)
        .into_iter()
        .map(|mut i| {
            if i.end.is_none() && i.start < killed_at {
                i.end = Some(killed_at);
            }
            i
        })
        .collect();
    assert!(
        max_overlap(&iv, now_ns()) <= 1,
        "more than one deploy at once with slots 1: {iv:?}"
    );
}

#[test]
fn canary_killed_before_its_deploy_and_restarted_at_once() {
    canary_killed("canary-kill-pre", KillPoint::BeforeDeploy, true);
}

#[test]
fn canary_killed_during_its_deploy_and_restarted_later() {
    canary_killed("canary-kill-deploy", KillPoint::DuringDeploy, false);
}

#[test]
fn canary_killed_during_its_deploy_and_restarted_at_once() {
    canary_killed("canary-kill-deploy-now", KillPoint::DuringDeploy, true);
}

#[test]
fn canary_killed_during_its_health_check_and_restarted_later() {
    canary_killed("canary-kill-health", KillPoint::DuringHealth, false);
}

/// Agents that leave while they only wait for a slot are no failures: one stopped for good
/// (SIGTERM) is no target any more, one restarted takes part again.
#[test]
fn agents_leaving_while_waiting_for_a_slot_are_not_lost() {
    let env = TestEnv::new("leave-waiting");
    let names = hosts("w", 4);
    let mut agents = env.start_agents("web", &names, &[]);
    let log = env.path("d.log");
    // The first deploy holds the only slot until the gate file exists, so the others are
    // certainly still waiting for a slot when they are stopped.
    let gate = env.path("gate");
    let deploy = gated_deploy(&gate, &logging_deploy("0.2"));
    let publish = env.json(&[
        "publish",
        "web",
        "2.0",
        "--slots",
        "1",
        "--deploy-cmd",
        &deploy,
        "--get-version-cmd",
        GET_VERSION,
        "--var",
        &format!("log={}", log.display()),
    ]);
    let release = release_of(&publish);
    let waiter = start_wait(&env, "web", "90s");
    // One host holds the slot (deploying, held by the gate); the others queue behind it.
    let st = env.wait_status("web", T, "one deploying, the others waiting", |st| {
        hosts_in(st, release, "deploying").len() == 1 && hosts_in(st, release, "waiting").len() == 3
    });
    let waiting = hosts_in(&st, release, "waiting");
    let idx = |h: &str| names.iter().position(|n| n == h).unwrap();
    let (stopped, restarted) = (idx(&waiting[0]), idx(&waiting[1]));
    sigterm(&agents[stopped]);
    agents[restarted].kill9();
    env.wait_status("web", T, "both gone", |st| {
        [&names[stopped], &names[restarted]]
            .iter()
            .all(|n| host(st, n).is_some_and(|h| h["registered"] == false))
    });
    agents[restarted] = env.agent(&names[restarted], &["web"]);
    env.wait_status("web", T, "the restarted agent registered", |st| {
        host(st, &names[restarted]).is_some_and(|h| h["registered"] == true)
    });
    std::fs::write(&gate, "open").unwrap();

    let (code, summary) = finish_wait(waiter);
    assert_eq!(code, Some(0), "{summary:#}");
    let in_summary: Vec<&str> = summary["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["host"].as_str().unwrap())
        .collect();
    assert!(
        !in_summary.contains(&names[stopped].as_str()),
        "a host that left before deploying is no target: {summary:#}"
    );
    assert_eq!(in_summary.len(), 3, "{summary:#}");
    assert!(
        summary["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["state"] == "healthy"),
        "{summary:#}"
    );
}

/// Every status a poller sees, per host: (release, updated_at) never goes backwards.
struct StatusWatch {
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<Vec<String>>,
}

impl StatusWatch {
    fn start(env: &TestEnv, app: &str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (servers, root, app) = (env.servers.clone(), env.root.clone(), app.to_string());
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let mut seen: std::collections::BTreeMap<String, (u64, String)> = Default::default();
            let mut problems = vec![];
            while !flag.load(Ordering::Relaxed) {
                let out = std::process::Command::new(bin())
                    .env("DEPLOYCTL_ZK", &servers)
                    .env("DEPLOYCTL_ZK_ROOT", &root)
                    .args([
                        "--output",
                        "json",
                        "--connect-timeout",
                        "1s",
                        "status",
                        &app,
                    ])
                    .stdin(Stdio::null())
                    .stderr(Stdio::null())
                    .output();
                // While ZooKeeper is frozen the status call fails (exit 4, the error document on
                // stdout): that is expected.
                let Ok(out) = out else { continue };
                let v = serde_json::from_slice::<Value>(&out.stdout).ok();
                let Some(v) = v.filter(|_| out.status.success()) else {
                    if let Ok(v) = serde_json::from_slice::<Value>(&out.stdout) {
                        schema::check(schema::Kind::Error, &v);
                    }
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                };
                schema::check(schema::Kind::Status, &v);
                for h in v["hosts"].as_array().into_iter().flatten() {
                    let (Some(name), Some(release), Some(at)) = (
                        h["host"].as_str(),
                        h["release"].as_u64(),
                        h["updated_at"].as_str(),
                    ) else {
                        continue;
                    };
                    let now = (release, at.to_string());
                    if let Some(before) = seen.get(name)
                        && *before > now
                    {
                        problems.push(format!("{name}: {before:?} then {now:?}"));
                    }
                    seen.insert(name.to_string(), now);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            problems
        });
        StatusWatch { stop, handle }
    }

    fn finish(self) -> Vec<String> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().expect("status poller")
    }
}

/// ZooKeeper frozen (SIGSTOP) for 3, 7 and 14 s in the middle of three rollouts, each with a
/// waiter running: every wait exits 0, every host converges, no more than `slots` deploys at
/// once, and no host's status ever goes back to an older one.
#[test]
fn session_expiry_storm() {
    let dir = tempfile::tempdir().unwrap();
    let zk = LocalZooKeeper::start(dir.path(), 250).expect("ZooKeeper for the storm");
    let env = TestEnv::with_servers("storm", &zk.address());
    let names = hosts("s", 5);
    let _agents = env.start_agents("web", &names, &[]);
    let log = env.path("d.log");
    let statuses = StatusWatch::start(&env, "web");
    let pid = zk.pid().expect("ZooKeeper running") as libc::pid_t;
    let freeze = |secs: u64| {
        // SAFETY: plain kill(2) on the server process we started.
        unsafe { libc::kill(pid, libc::SIGSTOP) };
        let at = now_ns();
        std::thread::sleep(Duration::from_secs(secs)); // the freeze itself is the scenario
        unsafe { libc::kill(pid, libc::SIGCONT) };
        (at, now_ns())
    };
    let mut freezes = vec![];
    for (n, secs) in [3u64, 7, 14].into_iter().enumerate() {
        let version = format!("{}.0", n + 2);
        let publish = env.json(&[
            "publish",
            "web",
            &version,
            "--slots",
            "2",
            "--deploy-cmd",
            &logging_deploy("1.5"),
            "--get-version-cmd",
            GET_VERSION,
            "--var",
            &format!("log={}", log.display()),
        ]);
        let release = release_of(&publish);
        let waiter = start_wait(&env, "web", "150s");
        env.wait_for_deploying("web", T);
        freezes.push(freeze(secs));
        let (code, summary) = finish_wait(waiter);
        assert_eq!(code, Some(0), "freeze of {secs}s: {summary:#}");
        assert_eq!(summary["result"], "succeeded", "{summary:#}");
        env.wait_hosts("web", &names, release, &["healthy", "current"], T);
    }
    let problems = statuses.finish();
    assert!(problems.is_empty(), "statuses went backwards: {problems:?}");
    // A deploy cut off by a freeze has no end line: its agent abandoned it within a third of
    // its 2 s session timeout of losing the server (and the guard would have killed it by then
    // anyway), so it ended at the latest 2 s after the freeze began or after it started, if it
    // started while the server was already frozen — before any session could expire.
    let iv: Vec<Interval> = intervals(&log)
        .into_iter()
        .map(|mut i| {
            if i.end.is_none() {
                let cut = freezes
                    .iter()
                    .filter(|(_, thawed)| *thawed >= i.start)
                    .map(|(frozen, _)| (*frozen).max(i.start) + 2_000_000_000)
                    .min();
                i.end = Some(cut.unwrap_or_else(now_ns));
            }
            i
        })
        .collect();
    assert!(max_overlap(&iv, now_ns()) <= 2, "{iv:?}");
}

/// Garbage in a release's ledger: the hosts cannot go on, and `status` and the waiter say why
/// (not only the agent log).
#[test]
fn a_garbage_ledger_is_shown_where_operators_look() {
    let env = TestEnv::new("garbage-ledger");
    let release = release_of(&env.json(&["publish", "web", "2.0", "--deploy-cmd", "true"]));
    block_on(async {
        let zk = deployctl::zk::connect(&env.zk_options()).await.unwrap();
        zk.client
            .set_data(&zk.ledger_path("web", release), b"{not json", None)
            .await
            .unwrap();
    });
    let _agent = env.agent("g1", &["web"]);
    env.wait_status("web", T, "the reason in the host status", |st| {
        host(st, "g1").is_some_and(|h| {
            h["state"] == "waiting" && h["message"].as_str().is_some_and(|m| m.contains("ledger"))
        })
    });
    let out = env.run(&[
        "--output",
        "json",
        "wait-for-rollout",
        "web",
        "--timeout",
        "2s",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    let message = summary["message"].as_str().unwrap_or_default();
    assert!(message.contains("agents cannot go on"), "{summary:#}");
    assert!(message.contains("ledger"), "{summary:#}");
}

/// A host waiting for a slot when its release is aborted says so in its status.
#[test]
fn an_aborted_release_is_shown_on_the_hosts_that_wait() {
    let env = TestEnv::new("aborted-waiting");
    let names = hosts("a", 2);
    let _agents = env.start_agents("web", &names, &[]);
    let gate = env.path("gate");
    let release = release_of(&env.json(&[
        "publish",
        "web",
        "2.0",
        "--slots",
        "1",
        "--deploy-cmd",
        &gated_deploy(&gate, "true"),
    ]));
    // One host holds the slot (deploying, held by the gate file), the other queues behind it.
    let st = env.wait_status("web", T, "one host deploying, one waiting", |st| {
        hosts_in(st, release, "deploying").len() == 1 && hosts_in(st, release, "waiting").len() == 1
    });
    let waiting = hosts_in(&st, release, "waiting").remove(0);
    env.ok(&["abort", "web"]);
    env.wait_status("web", T, "the abort in the waiting host's status", |st| {
        host(st, &waiting).is_some_and(|h| {
            h["message"]
                .as_str()
                .is_some_and(|m| m.contains("release is aborted"))
        })
    });
    std::fs::write(&gate, "open").unwrap();
}

/// ZooKeeper frozen (SIGSTOP) for twice `--progress-deadline` while the first host's deploy
/// finishes: the host made progress in time by its own clock, it could not record it until the
/// server came back. The release must not halt: progress is judged by the hosts' completion
/// times, and agents that could not hear ZooKeeper give the hosts a full deadline once it
/// answers. Every host converges and the wait exits 0.
#[test]
fn a_freeze_past_the_progress_deadline_does_not_halt_a_healthy_release() {
    let dir = tempfile::tempdir().unwrap();
    // 1 s ticks allow 15 s sessions: they outlive the freeze (the lease and the report survive).
    let zk = LocalZooKeeper::start(dir.path(), 1000).expect("ZooKeeper");
    let env = TestEnv::with_servers("freeze-deadline", &zk.address());
    let names = hosts("p", 6);
    let agents = env.start_agents("web", &names, &["--session-timeout", "15s"]);
    let logs = || {
        agents
            .iter()
            .map(|a| format!("--- {} ---\n{}", a.host, a.log()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    env.wait_status("web", T, "6 agents registered", |st| {
        st["hosts"]
            .as_array()
            .is_some_and(|h| h.iter().filter(|h| h["registered"] == true).count() == 6)
    });
    let (gate, started) = (env.path("gate"), env.path("started"));
    let deploy = format!(
        "touch {}; {}",
        started.display(),
        gated_deploy(&gate, "echo {{ version }} > version")
    );
    let r = release_of(&env.json(&[
        "publish",
        "web",
        "1.0",
        "--slots",
        "1",
        "--progress-deadline",
        "4s",
        "--deploy-cmd",
        &deploy,
        "--get-version-cmd",
        GET_VERSION,
    ]));
    wait_until("the first deploy started", T, || {
        started.exists().then_some(())
    });
    let pid = zk.pid().expect("ZooKeeper running") as libc::pid_t;
    // SAFETY: plain kill(2) on the server process we started.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    let frozen_at = std::time::SystemTime::now();
    // The first host's deploy ends inside the freeze.
    std::fs::write(&gate, "").unwrap();
    let first = wait_until("the first host's deploy finished", T, || {
        names
            .iter()
            .find(|h| env.path(&format!("state-{h}/apps/web/version")).exists())
    });
    // Every agent's deadline (4 s from the first slot) passes inside the freeze.
    std::thread::sleep(Duration::from_secs(8)); // the freeze itself is the scenario
    unsafe { libc::kill(pid, libc::SIGCONT) };
    let thawed_at = std::time::SystemTime::now();
    let rs = r.to_string();
    let (code, summary) = env.wait_json(&["web", "--release", &rs, "--timeout", "60s"]);
    assert_eq!(code, Some(0), "{summary:#}\n{}", logs());
    assert_eq!(summary["result"], "succeeded", "{summary:#}");
    // The scenario as meant: the first host finished while ZooKeeper was frozen.
    let st = env.status("web");
    let finished = st["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["host"] == first.as_str())
        .and_then(|h| h["finished_at"].as_str())
        .and_then(deployctl::model::parse_time)
        .unwrap_or_else(|| panic!("{first}'s finished_at: {st:#}"));
    assert!(
        frozen_at < finished && finished < thawed_at,
        "{first} finished at {finished:?}, not inside the freeze ({frozen_at:?}..{thawed_at:?})"
    );
}
