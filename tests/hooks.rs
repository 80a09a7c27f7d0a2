//! Release hooks with real agents and a real ZooKeeper: the finalize command (once per release,
//! after every host is done, through a ledger claim), the on-failure command (on the failing
//! host only), rolling restarts, and the git source's prefetch and shared dirs.

mod common;

use std::time::Duration;

use common::*;

const T: Duration = Duration::from_secs(60);

/// `echo KIND HOST NANOS >> {{ vars.NAME }}`: a hook that logs when and where it ran.
fn logging_hook(kind: &str, var: &str) -> String {
    format!("echo {kind} {{{{ host }}}} $(date +%s%N) >> {{{{ vars.{var} }}}}")
}

/// Lines of a hook log: (kind, host, nanos).
fn hook_lines(path: &std::path::Path) -> Vec<(String, String, u128)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let p: Vec<&str> = l.split_whitespace().collect();
            (
                p[0].to_string(),
                p[1].to_string(),
                p[2].parse().expect("ns"),
            )
        })
        .collect()
}

/// Three agents with a slot each finish their deploys at the same moment (a gate file released
/// by the test) and race for the finalize command: it runs exactly once, after the last deploy
/// ended, and the wait reports it done.
#[test]
fn finalize_runs_once_after_the_last_host_even_when_agents_race() {
    let env = TestEnv::new("finalize-race");
    let names = hosts("k", 3);
    let _agents = env.start_agents("api", &names, &[]);
    let (log, fin, gate) = (env.path("d.log"), env.path("fin.log"), env.path("go"));
    let deploy = format!(
        "echo start {{{{ host }}}} $(date +%s%N) >> {{{{ vars.log }}}}; {}",
        gated_deploy(
            &gate,
            "echo end {{ host }} $(date +%s%N) >> {{ vars.log }}; echo {{ version }} > version"
        )
    );
    let release = release_of(&env.json(&[
        "publish",
        "api",
        "2.0",
        "--slots",
        "3",
        "--deploy-cmd",
        &deploy,
        "--get-version-cmd",
        GET_VERSION,
        "--health-cmd",
        "true",
        "--finalize-cmd",
        &logging_hook("finalize", "fin"),
        "--var",
        &format!("log={}", log.display()),
        "--var",
        &format!("fin={}", fin.display()),
    ]));
    env.wait_hosts("api", &names, release, &["deploying"], T);
    // Every host is mid-deploy: the finalize command has not run.
    assert!(hook_lines(&fin).is_empty());
    std::fs::write(&gate, "").unwrap();
    let (code, summary) = env.wait_json(&["api", "--timeout", "60s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    assert_eq!(summary["finalize"]["state"], "done", "{summary:#}");
    assert!(
        summary["message"]
            .as_str()
            .is_some_and(|m| m.contains("finalize command done on")),
        "{summary:#}"
    );
    let runs = hook_lines(&fin);
    assert_eq!(runs.len(), 1, "finalize ran {runs:?}");
    let iv = intervals(&log);
    assert_eq!(iv.len(), 3, "{iv:?}");
    let last_end = iv
        .iter()
        .filter_map(|i| i.end)
        .max()
        .expect("deploys ended");
    assert!(
        runs[0].2 > last_end,
        "finalize ran {} ms before the last deploy ended",
        (last_end - runs[0].2) / 1_000_000
    );
    assert_eq!(summary["finalize"]["host"], runs[0].1.as_str());
    // The NDJSON stream has the finalize command too (schema-checked).
    let ev = finalize_events(&env, "api");
    assert_eq!(ev.len(), 1, "{ev:#?}");
    assert_eq!(ev[0]["finalize"]["state"], "done");
    assert_eq!(ev[0]["finalize"]["host"], runs[0].1.as_str());
}

/// The `finalize` events of a `wait-for-rollout APP --events` over the app's latest release.
fn finalize_events(env: &TestEnv, app: &str) -> Vec<serde_json::Value> {
    let out = env.run(&["wait-for-rollout", app, "--events", "--timeout", "30s"]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
            common::schema::check(common::schema::Kind::WaitEvent, &v);
            v
        })
        .filter(|v| v["event"] == "finalize")
        .collect()
}

/// A finalize command that fails fails the release: halted, the wait exits 1 and names it, the
/// JUnit report has a failed `finalize` case.
#[test]
fn a_failing_finalize_command_fails_the_release() {
    let env = TestEnv::new("finalize-fail");
    let names = hosts("f", 2);
    let _agents = env.start_agents("api", &names, &[]);
    let junit = env.path("junit.xml");
    env.json(&[
        "publish",
        "api",
        "2.0",
        "--slots",
        "2",
        "--deploy-cmd",
        "echo {{ version }} > version",
        "--get-version-cmd",
        GET_VERSION,
        "--finalize-cmd",
        "echo switching; exit 7",
    ]);
    let (code, summary) = env.wait_json(&[
        "api",
        "--timeout",
        "60s",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{summary:#}");
    assert_eq!(summary["result"], "failed");
    let msg = summary["message"].as_str().unwrap_or_default();
    assert!(msg.contains("finalize command"), "{summary:#}");
    let ev = finalize_events(&env, "api");
    assert_eq!(ev.len(), 1, "{ev:#?}");
    assert_eq!(ev[0]["finalize"]["state"], "failed");
    assert_eq!(ev[0]["finalize"]["exit_code"], 7);
    // Valid for Jenkins' schema and junitparser, with the finalize case failed.
    let report = common::junit::check_junit(&junit);
    assert!(
        report
            .cases
            .iter()
            .any(|c| c.name == "finalize" && c.kind == "failure"),
        "{report:?}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("classname=\"api.finalize\"") && xml.contains("finalize failed"),
        "{xml}"
    );
    let history = env.json(&["history", "api"]);
    assert!(history.to_string().contains("halted"), "{history:#}");
}

/// With one failure allowed, the host whose deploy fails runs the on-failure command (and only
/// it); its result is in its status, the others have none.
#[test]
fn on_failure_runs_on_the_failing_host_only() {
    let env = TestEnv::new("on-failure");
    let names = hosts("o", 3);
    let _agents = env.start_agents("api", &names, &[]);
    let cleanup = env.path("cleanup.log");
    let release = release_of(&env.json(&[
        "publish",
        "api",
        "2.0",
        "--slots",
        "3",
        "--max-failures",
        "1",
        "--deploy-cmd",
        "[ {{ host }} != o2 ] && echo {{ version }} > version",
        "--get-version-cmd",
        GET_VERSION,
        "--on-failure-cmd",
        &logging_hook("cleanup", "cleanup"),
        "--var",
        &format!("cleanup={}", cleanup.display()),
    ]));
    let (code, summary) = env.wait_json(&["api", "--timeout", "60s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    let runs: Vec<String> = hook_lines(&cleanup).into_iter().map(|r| r.1).collect();
    assert_eq!(runs, vec!["o2".to_string()]);
    let st = env.wait_hosts("api", &names, release, &["healthy", "failed"], T);
    let o2 = host(&st, "o2").unwrap();
    assert_eq!(o2["state"], "failed", "{st:#}");
    assert_eq!(o2["on_failure"]["ok"], true, "{o2:#}");
    for h in ["o1", "o3"] {
        assert!(host(&st, h).unwrap().get("on_failure").is_none(), "{st:#}");
    }
    let text = env.ok(&["status", "api"]);
    assert!(text.contains("on-failure command ran"), "{text}");
    // The wait's summary shows it too.
    let o2 = summary["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["host"] == "o2")
        .unwrap();
    assert_eq!(o2["on_failure"]["ok"], true, "{summary:#}");
}

#[test]
fn bad_hook_templates_are_refused_with_exit_2() {
    let env = TestEnv::new("hooks-bad");
    for flag in ["--finalize-cmd", "--on-failure-cmd"] {
        let out = env.run(&["publish", "api", "1.0", flag, "deploy {{ version"]);
        assert_eq!(out.status.code(), Some(2), "{flag}: {}", stderr(&out));
        assert!(stderr(&out).contains("{{ version"), "{}", stderr(&out));
    }
}

/// `restart api --slots 1` on 3 hosts already at the version: each host runs the restart
/// command exactly once (its get-version says it is current), never two at once; the wait exits
/// 0 and the history names the release a restart.
#[test]
fn a_rolling_restart_restarts_each_host_once_one_at_a_time() {
    let env = TestEnv::new("restart");
    let names = hosts("r", 3);
    let _agents = env.start_agents("api", &names, &[]);
    let log = env.path("restart.log");
    let first = release_of(&env.json(&[
        "publish",
        "api",
        "2.0",
        "--slots",
        "3",
        "--deploy-cmd",
        "echo {{ version }} > version",
        "--get-version-cmd",
        GET_VERSION,
        "--health-cmd",
        "true",
        "--var",
        &format!("log={}", log.display()),
    ]));
    let (code, summary) = env.wait_json(&["api", "--timeout", "60s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    let restart = env.json(&[
        "restart",
        "api",
        "--slots",
        "1",
        "--restart-cmd",
        &logging_deploy("0.3"),
    ]);
    let release = release_of(&restart);
    assert_eq!(release, first + 1);
    assert_eq!(restart["spec"]["kind"], "restart");
    assert_eq!(restart["spec"]["version"], "2.0");
    assert_eq!(restart["spec"]["slots"], 1);
    let (code, summary) = env.wait_json(&["api", "--timeout", "60s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    assert_eq!(summary["release"], release);
    assert_eq!(summary["counts"]["healthy"], 3, "{summary:#}");
    let iv = intervals(&log);
    let mut restarted: Vec<&str> = iv.iter().map(|i| i.host.as_str()).collect();
    restarted.sort();
    assert_eq!(restarted, vec!["r1", "r2", "r3"], "{iv:?}");
    assert!(iv.iter().all(|i| i.end.is_some()), "{iv:?}");
    assert_eq!(
        max_overlap(&iv, now_ns()),
        1,
        "two restarts overlapped: {iv:?}"
    );
    let history = env.json(&["history", "api"]);
    assert!(history.to_string().contains("restart"), "{history:#}");
}

#[test]
fn restart_refuses_bad_input_with_exit_2() {
    let env = TestEnv::new("restart-bad");
    let out = env.run(&["restart", "../api"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("../api"), "{}", stderr(&out));
    let out = env.run(&["restart", "api", "--slots", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = env.run(&["restart", "api", "--restart-cmd", "x {{ oops"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // No such app.
    let out = env.run(&["restart", "nothere"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// An agent config serving `site` from the git repository `origin`, with `extra` TOML lines in
/// the app's git table and `app_extra` in the app's table.
fn git_agent_config(
    env: &TestEnv,
    host: &str,
    origin: &std::path::Path,
    app_extra: &str,
    git_extra: &str,
) -> std::path::PathBuf {
    let cfg = env.path(&format!("{host}.toml"));
    std::fs::write(
        &cfg,
        format!(
            "host = \"{host}\"\n[apps.site]\n{app_extra}\n[apps.site.git]\nrepo = \"{}\"\n{git_extra}\n",
            origin.display()
        ),
    )
    .unwrap();
    cfg
}

/// With a git source the checkout happens before the slot is taken: while one host holds the
/// only slot, the other host's release dir is already checked out as it waits for the slot, and
/// every host's status says it was prepared before it got its slot.
#[test]
fn git_checkout_happens_before_the_slot_is_taken() {
    let env = TestEnv::new("git-prefetch");
    let origin = env.path("origin");
    let repo = common::git::init(&origin);
    common::git::release(&repo, "v1");
    let names = hosts("p", 2);
    let _agents: Vec<Agent> = names
        .iter()
        .map(|h| {
            let cfg = git_agent_config(&env, h, &origin, "", "");
            env.agent_with(h, &[], &["--config", cfg.to_str().unwrap()])
        })
        .collect();
    env.wait_status("site", T, "agents", |st| {
        names
            .iter()
            .all(|n| host(st, n).is_some_and(|h| h["registered"] == true))
    });
    let gate = env.path("go");
    let release = release_of(&env.json(&[
        "publish",
        "site",
        "v1",
        "--slots",
        "1",
        "--deploy-cmd",
        &gated_deploy(&gate, "true"),
    ]));
    let holder = env.wait_for_deploying("site", T);
    let other = names.iter().find(|n| **n != holder).unwrap().clone();
    let st = env.wait_status("site", T, "the other host waiting for the slot", |st| {
        host(st, &other).is_some_and(|h| {
            h["release"] == release
                && h["state"] == "waiting"
                && h["message"] == "waiting for a slot"
        })
    });
    let waiting = host(&st, &other).unwrap();
    let checkout = env.path(&format!("state-{other}/apps/site/releases/v1/VERSION"));
    assert!(
        checkout.exists(),
        "{other} waits for the slot without its checkout: {waiting:#}"
    );
    assert!(waiting["prepared_at"].is_string(), "{waiting:#}");
    assert!(waiting.get("slot_at").is_none(), "{waiting:#}");
    std::fs::write(&gate, "").unwrap();
    let (code, summary) = env.wait_json(&["site", "--timeout", "60s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    let st = env.wait_hosts("site", &names, release, &["healthy"], T);
    for n in &names {
        let h = host(&st, n).unwrap();
        let (prepared, slot) = (h["prepared_at"].as_str(), h["slot_at"].as_str());
        assert!(
            prepared.is_some() && slot.is_some() && prepared < slot,
            "{n}: checkout not ready before the slot: {h:#}"
        );
    }
}

/// `linked_dirs` / `linked_files` live in `shared/` and are linked into every checkout, so what
/// a release wrote there survives the switch to the next; with `run_as` the commands run as
/// that user, who owns the checkouts and the shared dirs (`nobody` when the tests run as root;
/// otherwise the test's own user, the one user a non-root agent may name).
#[test]
fn linked_dirs_survive_a_release_switch_and_run_as_applies() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let env = TestEnv::new("git-shared");
    // `nobody` must reach the agent's state dir.
    std::fs::set_permissions(env.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let origin = env.path("origin");
    let repo = common::git::init(&origin);
    common::git::release(&repo, "v1");
    common::git::release(&repo, "v2");
    let deploy_to = env.path("state-s1/apps/site");
    std::fs::create_dir_all(deploy_to.join("shared")).unwrap();
    std::fs::write(deploy_to.join("shared/settings.conf"), "secret=1\n").unwrap();
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let me = String::from_utf8(
        std::process::Command::new("id")
            .arg("-un")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    let (user, uid) = if root {
        ("nobody".to_string(), 65534)
    } else {
        (me, unsafe { libc::geteuid() })
    };
    let cfg = git_agent_config(
        &env,
        "s1",
        &origin,
        &format!("run_as = \"{user}\""),
        "linked_dirs = [\"log\", \"tmp/cache\"]\nlinked_files = [\"settings.conf\"]",
    );
    let _agent = env.agent_with("s1", &[], &["--config", cfg.to_str().unwrap()]);
    env.wait_status("site", T, "agent", |st| {
        host(st, "s1").is_some_and(|h| h["registered"] == true)
    });
    let deploy = "id -un >> log/who && echo {{ version }} >> log/deploys && cat settings.conf >> tmp/cache/seen";
    for v in ["v1", "v2"] {
        env.ok(&[
            "publish",
            "site",
            v,
            "--deploy-cmd",
            deploy,
            "--health-cmd",
            "test \"$(cat VERSION)\" = {{ version }}",
            "--wait",
            "--timeout",
            "30s",
        ]);
    }
    let current = deploy_to.join("current");
    assert_eq!(
        std::fs::read_link(&current).unwrap(),
        std::path::Path::new("releases/v2")
    );
    let read = |p: &str| std::fs::read_to_string(current.join(p)).unwrap_or_default();
    assert_eq!(
        read("log/deploys"),
        "v1\nv2\n",
        "v1's log did not survive the switch"
    );
    assert_eq!(read("log/who"), format!("{user}\n{user}\n"));
    assert_eq!(read("tmp/cache/seen"), "secret=1\nsecret=1\n");
    for v in ["v1", "v2"] {
        let link = deploy_to.join(format!("releases/{v}/log"));
        assert_eq!(
            std::fs::read_link(&link).unwrap(),
            deploy_to.join("shared/log")
        );
    }
    let owner = std::fs::metadata(deploy_to.join("shared/log"))
        .unwrap()
        .uid();
    assert_eq!(owner, uid);
    assert_eq!(
        std::fs::metadata(deploy_to.join("releases/v2/VERSION"))
            .unwrap()
            .uid(),
        uid
    );
}

/// Bad git and run_as settings are refused at start with exit 2, naming the value; an agent
/// that is not root cannot switch user.
#[test]
fn bad_linked_paths_and_run_as_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let env = TestEnv::new("git-shared-bad");
    std::fs::set_permissions(env.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let origin = env.path("origin");
    for (app_extra, git_extra, named) in [
        ("", "linked_dirs = [\"../escape\"]", "../escape"),
        ("", "linked_files = [\"/etc/passwd\"]", "/etc/passwd"),
        ("run_as = \"no-such-user-x\"", "", "no-such-user-x"),
    ] {
        let cfg = git_agent_config(&env, "b1", &origin, app_extra, git_extra);
        let out = env.run(&["agent", "--once", "--config", cfg.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{named}: {}", stderr(&out));
        assert!(stderr(&out).contains(named), "{}", stderr(&out));
    }
    // Not root: switching to another user is refused (as root, the agent runs as `nobody`).
    let cfg = git_agent_config(&env, "b2", &origin, "run_as = \"root\"", "");
    let state = env.path("state-b2");
    let mut agent = env.cmd();
    agent
        .args(["agent", "--once", "--config", cfg.to_str().unwrap()])
        .arg("--state-dir")
        .arg(&state);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        agent.uid(65534).gid(65534);
    }
    let out = agent.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("needs the agent to run as root"),
        "{}",
        stderr(&out)
    );
    // A spec carrying a bad linked dir is refused by publish.
    let spec = env.path("spec.toml");
    std::fs::write(
        &spec,
        "app = \"site\"\nversion = \"v1\"\n[git]\nrepo = \"x\"\nlinked_dirs = [\"a/../../b\"]\n",
    )
    .unwrap();
    let out = env.run(&["publish", "--spec", spec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("a/../../b"), "{}", stderr(&out));
}

/// ssh-push plans: a `finalize = true` stage runs once, after every host went through the
/// other stages (whatever its place in the file); an `on_failure = true` stage runs on each
/// failed host only, and a failure keeps the finalize stage from running.
#[test]
fn ssh_push_finalize_and_on_failure_stages() {
    use common::sshd::sshd;
    let env = TestEnv::new("ssh-hooks");
    let hosts: Vec<String> = sshd().hosts[..3].to_vec();
    let d = env.dir.path().display().to_string();
    let plan = |fail: &str| {
        format!(
            r#"
[[stage]]
name = "switch proxy"
run = "echo finalize {{{{ host }}}} $(date +%s%N) >> {d}/fin.log"
finalize = true

[[stage]]
name = "cleanup"
run = "echo cleanup {{{{ host }}}} $(date +%s%N) >> {d}/cleanup.log"
on_failure = true

[[stage]]
name = "deploy"
run = "echo start {{{{ host }}}} $(date +%s%N) >> {d}/d.log; sleep 0.2; [ {{{{ host }}}} != '{fail}' ]; r=$?; echo end {{{{ host }}}} $(date +%s%N) >> {d}/d.log; exit $r"
parallel = 3
"#
        )
    };
    let push = |plan_text: String| {
        std::fs::write(env.path("plan.toml"), plan_text).unwrap();
        env.cmd()
            .args([
                "ssh-push",
                "--hosts",
                &hosts.join(","),
                "--continue-on-error",
            ])
            .args(sshd().flags())
            .args(["--plan", env.path("plan.toml").to_str().unwrap()])
            .args(["--output", "json"])
            .output()
            .unwrap()
    };
    // Every host deploys: finalize runs once, after the last deploy ended; no cleanup.
    let out = push(plan("none"));
    assert!(out.status.success(), "{}", stderr(&out));
    let v = schema::parse(schema::Kind::SshPushSummary, &out.stdout);
    let fin = hook_lines(&env.path("fin.log"));
    assert_eq!(fin.len(), 1, "{fin:?}");
    let last_end = intervals(&env.path("d.log"))
        .iter()
        .filter_map(|i| i.end)
        .max()
        .unwrap();
    assert!(
        fin[0].2 > last_end,
        "finalize ran before the last deploy ended"
    );
    assert!(hook_lines(&env.path("cleanup.log")).is_empty());
    let names: Vec<&str> = v["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["deploy", "cleanup", "switch proxy"]);
    assert_eq!(v["stages"][2]["finalize"], true);

    // One host fails: cleanup runs there only, finalize does not run, the push fails.
    for f in ["fin.log", "cleanup.log", "d.log"] {
        let _ = std::fs::remove_file(env.path(f));
    }
    let out = push(plan(&hosts[1]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v = schema::parse(schema::Kind::SshPushSummary, &out.stdout);
    let cleaned: Vec<String> = hook_lines(&env.path("cleanup.log"))
        .into_iter()
        .map(|l| l.1)
        .collect();
    assert_eq!(cleaned, vec![hosts[1].clone()]);
    assert!(hook_lines(&env.path("fin.log")).is_empty());
    assert_eq!(v["stages"][2]["state"], "skipped", "{v:#}");
}

/// The agent running the finalize command dies mid-run: the wait fails naming it, and another
/// agent halts the release (as for a run-once command whose host vanished).
#[test]
fn a_finalize_claimer_that_vanishes_fails_the_release() {
    let env = TestEnv::new("finalize-vanish");
    let names = hosts("v", 2);
    let mut agents = env.start_agents("api", &names, &[]);
    let marker = env.path("claimer");
    env.json(&[
        "publish",
        "api",
        "2.0",
        "--slots",
        "2",
        "--deploy-cmd",
        "echo {{ version }} > version",
        "--get-version-cmd",
        GET_VERSION,
        "--finalize-cmd",
        &format!("echo {{{{ host }}}} > {}; sleep 60", marker.display()),
    ]);
    let claimer = wait_until("the finalize command to start", T, || {
        let who = std::fs::read_to_string(&marker).unwrap_or_default();
        (!who.trim().is_empty()).then(|| who.trim().to_string())
    });
    agents
        .iter_mut()
        .find(|a| a.host == claimer)
        .expect("the claimer's agent")
        .kill9();
    let (code, summary) = env.wait_json(&["api", "--timeout", "60s"]);
    assert_eq!(code, Some(1), "{summary:#}");
    let msg = summary["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains(&format!(
            "{claimer} vanished while running the finalize command"
        )),
        "{summary:#}"
    );
    // The surviving agent halts the release on its next look.
    let deadline = std::time::Instant::now() + T;
    loop {
        let history = env.json(&["history", "api"]).to_string();
        if history.contains("vanished while running the finalize command") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not halted: {history}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A finalize command from the agents' own config (the spec carries none): the agents say so in
/// the ledger, and the wait waits for it.
#[test]
fn a_finalize_command_from_the_agent_config_is_waited_for() {
    let env = TestEnv::new("finalize-config");
    let names = hosts("c", 2);
    let fin = env.path("fin.log");
    let _agents: Vec<Agent> = names
        .iter()
        .map(|h| {
            let cfg = env.path(&format!("{h}.toml"));
            std::fs::write(
                &cfg,
                format!(
                    "host = \"{h}\"\n[apps.api]\nfinalize_cmd = \"sleep 0.5; echo finalize {{{{ host }}}} $(date +%s%N) >> {}\"\n",
                    fin.display()
                ),
            )
            .unwrap();
            env.agent_with(h, &[], &["--config", cfg.to_str().unwrap()])
        })
        .collect();
    env.wait_status("api", T, "agents", |st| {
        names
            .iter()
            .all(|n| host(st, n).is_some_and(|h| h["registered"] == true))
    });
    env.json(&[
        "publish",
        "api",
        "2.0",
        "--slots",
        "2",
        "--deploy-cmd",
        "echo {{ version }} > version",
    ]);
    let (code, summary) = env.wait_json(&["api", "--timeout", "60s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    assert_eq!(summary["finalize"]["state"], "done", "{summary:#}");
    assert_eq!(hook_lines(&fin).len(), 1);
}

/// A restart reaches a host that does not run the version (it lost its deploy, or joined
/// since): that host gets the deploy, not the restart command.
#[test]
fn a_restart_deploys_a_host_that_is_not_at_the_version() {
    let env = TestEnv::new("restart-deploy");
    let names = hosts("d", 2);
    let _agents = env.start_agents("api", &names, &[]);
    let log = env.path("restart.log");
    env.json(&[
        "publish",
        "api",
        "2.0",
        "--slots",
        "2",
        "--deploy-cmd",
        "echo deployed >> deploys; echo {{ version }} > version",
        "--get-version-cmd",
        GET_VERSION,
        "--restart-cmd",
        &logging_deploy("0.1"),
        "--var",
        &format!("log={}", log.display()),
    ]);
    let (code, summary) = env.wait_json(&["api", "--timeout", "60s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    let app_dir = |h: &str| env.path(&format!("state-{h}/apps/api"));
    std::fs::remove_file(app_dir("d2").join("version")).unwrap();
    env.json(&["restart", "api"]);
    let (code, summary) = env.wait_json(&["api", "--timeout", "60s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    let restarted: Vec<String> = intervals(&log).into_iter().map(|i| i.host).collect();
    assert_eq!(restarted, vec!["d1".to_string()]);
    let deploys = |h: &str| {
        std::fs::read_to_string(app_dir(h).join("deploys"))
            .unwrap_or_default()
            .lines()
            .count()
    };
    assert_eq!((deploys("d1"), deploys("d2")), (1, 2));
}
