//! Command policy, secrets hygiene, credentials handling, and a hostile-input corpus.
//! Side effects are detected with a canary file that must never appear.

mod common;

use std::time::Duration;

use common::*;

const T: Duration = Duration::from_secs(30);

#[test]
fn agent_refuses_remote_commands_when_told_to() {
    let env = TestEnv::new("policy");
    let pwned = env.path("pwned");
    let cfg = env.path("agent.toml");
    std::fs::write(
        &cfg,
        "host = \"s1\"\nallow_remote_commands = false\n[apps.web]\ndeploy_cmd = \"echo local {{ version }} > local.txt\"\nallowed_vars = [\"region\"]\n",
    )
    .unwrap();
    let _agent = env.agent_with("s1", &[], &["--config", cfg.to_str().unwrap()]);
    env.wait_status("web", T, "agent", |st| {
        st["hosts"].as_array().is_some_and(|h| !h.is_empty())
    });

    env.ok(&[
        "publish",
        "web",
        "1.0",
        "--deploy-cmd",
        &format!("touch {}", pwned.display()),
    ]);
    let st = env.wait_hosts("web", &["s1".into()], 1, &["failed"], T);
    let msg = host(&st, "s1").unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("allow_remote_commands = false") && msg.contains("deploy_cmd"),
        "{msg}"
    );
    assert!(!pwned.exists());

    // Version and allowed vars only: the agent's own command runs.
    env.ok(&["publish", "web", "1.1", "--var", "region=eu"]);
    env.wait_hosts("web", &["s1".into()], 2, &["healthy"], T);
    assert_eq!(
        std::fs::read_to_string(env.path("state-s1/apps/web/local.txt")).unwrap(),
        "local 1.1\n"
    );

    // A var outside allowed_vars is refused.
    env.ok(&["publish", "web", "1.2", "--var", "other=x"]);
    let st = env.wait_hosts("web", &["s1".into()], 3, &["failed"], T);
    assert!(
        host(&st, "s1").unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("allowed_vars")
    );
}

#[test]
fn secrets_never_reach_status_outputs_or_logs() {
    let env = TestEnv::new("secrets");
    let cfg = env.path("agent.toml");
    std::fs::write(
        &cfg,
        "host = \"k1\"\nsecret_names = [\"*_cred\"]\n[apps.api]\n",
    )
    .unwrap();
    let agent = env.agent_with("k1", &[], &["--config", cfg.to_str().unwrap()]);
    env.wait_status("api", T, "agent", |st| {
        st["hosts"].as_array().is_some_and(|h| !h.is_empty())
    });
    let secret = "Sup3rS3cretPassw0rd";
    let pattern_secret = "tok-9f8e7d6c5b"; // api_token: secret by the default name patterns
    let agent_secret = "agent-side-cred-77"; // svc_cred: secret by the agent's secret_names
    let published = env.ok(&[
        "--output",
        "json",
        "publish",
        "api",
        "1.0",
        "--secret-var",
        &format!("db_password={secret}"),
        "--var",
        &format!("api_token={pattern_secret}"),
        "--var",
        &format!("svc_cred={agent_secret}"),
        "--deploy-cmd",
        "echo connecting with {{ vars.db_password }} and {{ vars.api_token }} as {{ vars.svc_cred }}; exit 1",
    ]);
    assert!(
        !published.contains(secret),
        "publish output leaks: {published}"
    );
    let junit = env.path("junit.xml");
    let json = env.path("summary.json");
    let gh_summary = env.path("gh_summary.md");
    let out = env
        .cmd()
        .args([
            "wait-for-rollout",
            "api",
            "--timeout",
            "30s",
            "--junit",
            junit.to_str().unwrap(),
            "--json-file",
            json.to_str().unwrap(),
        ])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &gh_summary)
        .env("GITHUB_OUTPUT", env.path("gh_output"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    schema::parse(schema::Kind::Publish, published.as_bytes());
    schema::parse(
        schema::Kind::WaitSummary,
        &std::fs::read(&json).expect("--json-file written"),
    );
    common::junit::check_junit(&junit);
    let mut texts = vec![
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr(&out),
        std::fs::read_to_string(&junit).unwrap(),
        std::fs::read_to_string(&json).unwrap(),
        std::fs::read_to_string(&gh_summary).unwrap(),
        std::fs::read_to_string(env.path("gh_output")).unwrap(),
        env.json(&["status", "api"]).to_string(),
        env.json(&["apps", "show", "api"]).to_string(),
        env.json(&["history", "api"]).to_string(),
    ];
    drop(agent);
    texts.push(std::fs::read_to_string(env.path("state-k1/agent.log")).unwrap());
    let status = env.status("api");
    let tail = host(&status, "k1").unwrap()["output_tail"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        tail.trim(),
        "connecting with **** and **** as ****",
        "the tail is masked, not dropped"
    );
    for t in &texts {
        assert!(!t.contains(secret), "secret leaked into: {t}");
        assert!(!t.contains(pattern_secret), "secret leaked into: {t}");
    }
    // The agent's own secret names: masked in everything the agent writes (status, its logs).
    let host_status = serde_json::to_string(host(&status, "k1").unwrap()).unwrap();
    assert!(!host_status.contains(agent_secret), "{host_status}");
    assert!(!texts.last().unwrap().contains(agent_secret));
}

#[test]
fn auth_file_keeps_credentials_out_of_argv_and_messages() {
    let env = TestEnv::new("authfile");
    let auth = env.path("zk-auth");
    std::fs::write(&auth, "deployer:Very-Secret-Pw\n").unwrap();
    env.ok(&[
        "--zk-auth-file",
        auth.to_str().unwrap(),
        "publish",
        "app",
        "1.0",
    ]);
    std::fs::write(&auth, "no-colon-here\n").unwrap();
    let out = env.run(&["--zk-auth-file", auth.to_str().unwrap(), "status", "app"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains("no-colon-here"), "{}", stderr(&out));
    let out = env.run(&[
        "--zk-auth",
        "user:pw",
        "--zk-auth-file",
        auth.to_str().unwrap(),
        "status",
        "app",
    ]);
    assert_eq!(out.status.code(), Some(2), "both at once is a usage error");
}

#[test]
fn hostile_cli_input_is_exit_2_and_runs_nothing() {
    let env = TestEnv::new("hostile-cli");
    let canary = env.path("canary");
    let c = canary.display().to_string();
    let long = "a".repeat(10_000);
    let bad_versions = [
        format!("$(touch {c})"),
        format!("`touch {c}`"),
        format!("1.0; touch {c}"),
        format!("1.0\ntouch {c}"),
        "1.0-é".to_string(),
        "1.0 beta".to_string(),
    ];
    let mut cases: Vec<Vec<String>> = vec![
        vec!["publish".into(), "a/b".into(), "1.0".into()],
        vec!["publish".into(), "..".into(), "1.0".into()],
        vec!["publish".into(), long.clone(), "1.0".into()],
        vec!["status".into(), "../../etc".into()],
        vec![
            "publish".into(),
            "web".into(),
            "1.0".into(),
            "--deploy-cmd".into(),
            "{% for %}".into(),
        ],
        vec![
            "publish".into(),
            "web".into(),
            "1.0".into(),
            "--health-cmd".into(),
            "{{ version".into(),
        ],
        vec![
            "wait-for-rollout".into(),
            "web".into(),
            "--version".into(),
            format!("$(touch {c})"),
        ],
        vec![
            "ssh-push".into(),
            "--hosts".into(),
            "h".into(),
            "--cmd".into(),
            "true".into(),
            "--version".into(),
            format!("`touch {c}`"),
        ],
    ];
    for v in &bad_versions {
        cases.push(vec![
            "publish".into(),
            "web".into(),
            v.clone(),
            "--deploy-cmd".into(),
            format!("touch {c}"),
        ]);
    }
    // Spec files: truncated, deeply nested, 10 MB, wrong types, unknown fields.
    let specs = [
        (
            "truncated.json",
            r#"{"app":"web","version":"1.0","slo"#.to_string(),
        ),
        (
            "nested.json",
            format!(
                r#"{{"app":"web","version":"1.0","vars":{}{}}}"#,
                "{\"a\":".repeat(3000),
                "}".repeat(3000)
            ),
        ),
        (
            "huge.json",
            format!(
                r#"{{"app":"web","version":"1.0","vars":{{"x":"{}"}}}}"#,
                "a".repeat(10 << 20)
            ),
        ),
        (
            "types.json",
            r#"{"app":"web","version":"1.0","slots":"two"}"#.to_string(),
        ),
        (
            "unknown.toml",
            "app = \"web\"\nversion = \"1.0\"\ncanary_typo = 1\n".to_string(),
        ),
    ];
    for (name, text) in &specs {
        let p = env.path(name);
        std::fs::write(&p, text).unwrap();
        cases.push(vec![
            "publish".into(),
            "--spec".into(),
            p.display().to_string(),
        ]);
    }
    for args in &cases {
        let out = env.cmd().args(args).output().unwrap();
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{:?}: {err}",
            &args
                .iter()
                .map(|a| a.chars().take(60).collect::<String>())
                .collect::<Vec<_>>()
        );
        assert!(!err.contains("panicked"), "{err}");
        assert!(err.lines().count() <= 10, "a clear, short error: {err}");
    }
    assert!(!canary.exists(), "a hostile value ran a command");
}

#[test]
fn planted_znodes_fail_cleanly() {
    let env = TestEnv::new("hostile-zk");
    let canary = env.path("canary");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let opts = deployctl::zk::ZkOptions {
        servers: zk_addr().to_string(),
        root: env.root.clone(),
        ..Default::default()
    };
    let nested = format!(
        r#"{{"app":"x","version":"1.0","vars":{}{}}}"#,
        "{\"a\":".repeat(3000),
        "}".repeat(3000)
    );
    let planted: Vec<(&str, String)> = vec![
        (
            "truncated",
            r#"{"app":"truncated","version":"1.0","deploy_cmd":"tou"#.into(),
        ),
        ("nested", nested.replace("\"x\"", "\"nested\"")),
        ("types", r#"{"app":"types","version":1.0}"#.into()),
        (
            "unknown",
            format!(
                r#"{{"app":"unknown","version":"1.0","deploy_cmd":"touch {}","extra":true}}"#,
                canary.display()
            ),
        ),
        (
            "badtemplate",
            r#"{"app":"badtemplate","version":"1.0","release":1,"deploy_cmd":"{{ nope.nope }}"}"#
                .into(),
        ),
    ];
    rt.block_on(async {
        let zk = deployctl::zk::connect(&opts).await.unwrap();
        for (app, data) in &planted {
            zk.ensure_app(app).await.unwrap();
            zk.client
                .set_data(&zk.layout.app(app), data.as_bytes(), None)
                .await
                .unwrap();
        }
    });
    for (app, _) in &planted {
        let state = env.path(&format!("s-{app}"));
        let out = env.run(&[
            "agent",
            "--once",
            "--host",
            "z1",
            "--app",
            app,
            "--state-dir",
            state.to_str().unwrap(),
        ]);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{app}: {err}");
        if *app == "badtemplate" {
            // Parses, but the template cannot render: the host fails with the reason.
            assert_eq!(out.status.code(), Some(1), "{app}: {err}");
            let st = env.status(app);
            assert!(
                host(&st, "z1").unwrap()["message"]
                    .as_str()
                    .unwrap()
                    .contains("nope"),
                "{st:#}"
            );
        } else {
            assert_eq!(out.status.code(), Some(2), "{app}: {err}");
        }
    }
    assert!(!canary.exists());

    // A slot node with garbage data, held by a live session: the rollout waits for it, `status`
    // shows it without choking, and it proceeds once that session ends.
    env.ok(&["publish", "slotted", "1.0", "--deploy-cmd", "true"]);
    let _agent = env.agent("g1", &["slotted"]);
    let squatter = rt.block_on(async {
        let zk = deployctl::zk::connect(&opts).await.unwrap();
        zk.ensure_app("slotted").await.unwrap();
        let mode = zookeeper_client::CreateMode::EphemeralSequential
            .with_acls(zookeeper_client::Acls::anyone_all());
        zk.client
            .create(
                &zk.layout.lease_prefix("slotted"),
                b"\xff\xfe garbage",
                &mode,
            )
            .await
            .unwrap();
        zk
    });
    std::thread::sleep(Duration::from_millis(1500));
    let st = env.status("slotted");
    assert_ne!(
        host(&st, "g1").map(|h| h["state"].clone()),
        Some(serde_json::json!("healthy")),
        "{st:#}"
    );
    assert!(
        st["slots"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["host"].is_null()),
        "{st:#}"
    );
    drop(squatter);
    env.wait_hosts("slotted", &["g1".into()], 1, &["healthy"], T);
}

/// Issue 12, defect 3: a value inside double quotes or a nested shell (`sh -c '…'`) is data,
/// also in the host's own command with `allowed_vars` (`allow_remote_commands = false`).
#[test]
fn values_inside_quotes_and_nested_shells_never_run() {
    let env = TestEnv::new("quoted-vars");
    let pwned = env.path("PWNED");
    let p = pwned.display().to_string();
    let cfg = env.path("agent.toml");
    std::fs::write(
        &cfg,
        "host = \"q1\"\nallow_remote_commands = false\n[apps.web]\ndeploy_cmd = 'echo \"deploying to {{ vars.region }}\"'\nallowed_vars = [\"region\"]\n",
    )
    .unwrap();
    let _local = env.agent_with("q1", &[], &["--config", cfg.to_str().unwrap()]);
    let _remote = env.agent("q2", &["api"]);
    env.wait_status("web", T, "agent", |st| {
        st["hosts"].as_array().is_some_and(|h| !h.is_empty())
    });
    let region = format!("eu$(touch {p})`touch {p}`\"; touch {p}; \"");
    env.ok(&[
        "publish",
        "web",
        "1.0",
        "--var",
        &format!("region={region}"),
    ]);
    let st = env.wait_hosts("web", &["q1".into()], 1, &["healthy"], T);
    assert_eq!(
        host(&st, "q1").unwrap()["output_tail"].as_str().unwrap(),
        format!("deploying to {region}\n")
    );

    let x = format!("a'; touch {p}; '$(touch {p})");
    env.ok(&[
        "publish",
        "api",
        "1.0",
        "--var",
        &format!("x={x}"),
        "--deploy-cmd",
        "echo \"one {{ vars.x }}\"; sh -c 'echo two {{ vars.x }}; echo \"three {{ vars.x }}\"'",
    ]);
    let st = env.wait_hosts("api", &["q2".into()], 1, &["healthy"], T);
    assert_eq!(
        host(&st, "q2").unwrap()["output_tail"].as_str().unwrap(),
        format!("one {x}\ntwo {x}\nthree {x}\n")
    );
    assert!(!pwned.exists(), "a value ran as a command");
}

/// The processes of `root`'s tree (its descendants), with their command lines.
fn process_tree(root: u32) -> Vec<(u32, String)> {
    let parent_of = |pid: u32| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
        let rest = &stat[stat.rfind(')')? + 2..];
        rest.split(' ').nth(1)?.parse().ok()
    };
    let mut out = vec![];
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let mut p = pid;
        let mut depth = 0;
        while let Some(pp) = parent_of(p) {
            if pp == root {
                let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                out.push((pid, String::from_utf8_lossy(&cmdline).replace('\0', " ")));
                break;
            }
            if pp <= 1 || depth > 20 {
                break;
            }
            p = pp;
            depth += 1;
        }
    }
    out
}

/// Issue 12, defect 8b: while a deploy runs, no process of the agent's tree carries a secret
/// in its argv (readable by every local user with `ps`).
#[test]
fn secrets_stay_out_of_argv() {
    let env = TestEnv::new("argv-secret");
    let agent = env.agent("v1", &["api"]);
    env.wait_status("api", T, "agent", |st| {
        st["hosts"].as_array().is_some_and(|h| !h.is_empty())
    });
    let secret = "Argv-S3cret-Value-9x";
    let started = env.path("started");
    let seen = env.path("seen");
    env.ok(&[
        "publish",
        "api",
        "1.0",
        "--secret-var",
        &format!("db_password={secret}"),
        "--var",
        &format!("seen={}", seen.display()),
        "--var",
        &format!("started={}", started.display()),
        "--deploy-cmd",
        "printf %s {{ vars.db_password }} > {{ vars.seen }}; sh -c 'echo {{ vars.db_password }} >/dev/null; touch {{ vars.started }}; sleep 3'",
    ]);
    let deadline = std::time::Instant::now() + T;
    while !started.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the deploy never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let tree = process_tree(agent.pid().unwrap());
    // The supervisor is a clone of the agent (its argv); the shells and sleep run beside it.
    assert!(
        tree.iter().any(|(_, c)| c.starts_with("/bin/sh -c"))
            && tree.iter().any(|(_, c)| c.contains("sleep 3")),
        "expected the shells and sleep: {tree:#?}"
    );
    for (pid, cmdline) in &tree {
        assert!(
            !cmdline.contains(secret),
            "pid {pid} shows the secret: {cmdline}"
        );
    }
    env.wait_hosts("api", &["v1".into()], 1, &["healthy"], T);
    assert_eq!(std::fs::read_to_string(&seen).unwrap(), secret);
}

/// Issue 12, defect 8a: the output tail is masked before it is cut, so a secret followed by
/// almost 4 KiB of output does not leave its end in the status.
#[test]
fn a_secret_at_the_edge_of_the_tail_is_masked() {
    let env = TestEnv::new("tail-secret");
    let _agent = env.agent("t1", &["api"]);
    env.wait_status("api", T, "agent", |st| {
        st["hosts"].as_array().is_some_and(|h| !h.is_empty())
    });
    let secret = "Tail-S3cret-Value-1234";
    env.ok(&[
        "publish",
        "api",
        "1.0",
        "--secret-var",
        &format!("db_password={secret}"),
        "--deploy-cmd",
        "printf %s {{ vars.db_password }}; head -c 4080 /dev/zero | tr '\\0' x; exit 1",
    ]);
    env.wait_hosts("api", &["t1".into()], 1, &["failed"], T);
    let json = env.path("summary.json");
    env.run(&[
        "wait-for-rollout",
        "api",
        "--timeout",
        "30s",
        "--json-file",
        json.to_str().unwrap(),
    ]);
    let end = &secret[secret.len() - 6..];
    schema::parse(
        schema::Kind::WaitSummary,
        &std::fs::read(&json).expect("--json-file written"),
    );
    for text in [
        env.json(&["status", "api"]).to_string(),
        std::fs::read_to_string(&json).unwrap(),
    ] {
        assert!(!text.contains(end), "the secret's end leaked: {text:.300}");
        assert!(text.contains("****xxxx"), "{text:.300}");
    }
}

/// Issue 12, defect 6: a var too large for any command is refused at publish (exit 2, naming
/// it, nothing written); and a command that cannot start on a host is a failed attempt with the
/// reason, counted by the retries — not an agent error retried for ever.
#[test]
fn oversized_values_fail_instead_of_looping() {
    let env = TestEnv::new("oversized");
    // (A file: 140 KB does not even fit in one argv string.)
    let spec = env.path("big.json");
    std::fs::write(
        &spec,
        serde_json::json!({"app": "web", "version": "1.0", "deploy_cmd": "true",
            "vars": {"blob": "v".repeat(140 * 1024)}})
        .to_string(),
    )
    .unwrap();
    let out = env.run(&["publish", "--spec", spec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("\"blob\"") && err.contains("limit"),
        "{err:.300}"
    );
    assert!(
        err.len() < 2000,
        "the error does not echo the value: {}",
        err.len()
    );
    // Nothing was written: the app does not even exist.
    let out = env.run(&["status", "web"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no such app"), "{}", stderr(&out));

    // Three values under the per-value limit, but more than the 128 KiB that a process with a
    // small stack limit may receive in argv + environment (ARG_MAX is a quarter of the stack
    // limit, at least 128 KiB): the deploy command cannot start on this host.
    let _agent = env.agent_setup("o1", &["web"], &[], |c| {
        use std::os::unix::process::CommandExt;
        // SAFETY: only setrlimit between fork and exec.
        unsafe {
            c.pre_exec(|| {
                let lim = libc::rlimit {
                    rlim_cur: 512 * 1024,
                    rlim_max: libc::RLIM_INFINITY,
                };
                libc::setrlimit(libc::RLIMIT_STACK, &lim);
                Ok(())
            });
        }
    });
    env.wait_status("web", T, "agent", |st| {
        st["hosts"].as_array().is_some_and(|h| !h.is_empty())
    });
    env.ok(&[
        "publish",
        "web",
        "1.0",
        "--var",
        &format!("a={}", "a".repeat(60_000)),
        "--var",
        &format!("b={}", "b".repeat(60_000)),
        "--var",
        &format!("c={}", "c".repeat(60_000)),
        "--retries",
        "1",
        "--retry-delay",
        "100ms",
        "--deploy-cmd",
        "echo {{ vars.a }} {{ vars.b }} {{ vars.c }}",
    ]);
    let st = env.wait_hosts("web", &["o1".into()], 1, &["failed"], T);
    let h = host(&st, "o1").unwrap();
    let msg = h["message"].as_str().unwrap();
    assert!(
        msg.contains("deploy command could not start") && msg.contains("too long"),
        "{msg} {h:#}"
    );
    assert_eq!(h["attempts"], 2, "{h:#}");
}

/// Issue 12, defect 9: a template bomb is refused at publish when it can be checked there, and
/// on a host (here it depends on the host name) it fails that release with the reason while
/// the agent keeps serving its other apps.
#[test]
fn template_bombs_fail_the_release_not_the_agent() {
    let env = TestEnv::new("bomb");
    let bomb = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}";
    let out = env.run(&[
        "publish",
        "web",
        "1.0",
        "--deploy-cmd",
        &format!("{bomb}true"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("too much work"), "{}", stderr(&out));

    let _agent = env.agent("b1", &["web", "api"]);
    env.wait_status("web", T, "agent", |st| {
        st["hosts"].as_array().is_some_and(|h| !h.is_empty())
    });
    env.ok(&[
        "publish",
        "web",
        "1.0",
        "--deploy-cmd",
        &format!("{{% if host == \"b1\" %}}{bomb}{{% endif %}}true"),
    ]);
    let st = env.wait_hosts("web", &["b1".into()], 1, &["failed"], T);
    let msg = host(&st, "b1").unwrap()["message"].as_str().unwrap();
    assert!(msg.contains("too much work"), "{msg}");
    env.ok(&["publish", "api", "1.0", "--deploy-cmd", "true"]);
    env.wait_hosts("api", &["b1".into()], 1, &["healthy"], T);
}

/// The agent's own ZooKeeper credentials are not passed to its commands, and a password that
/// reaches a command's output anyway is masked in the stored tail.
#[test]
fn the_agents_credentials_stay_out_of_commands_and_their_output() {
    let env = TestEnv::new("agent-creds");
    let pw = "s3cr3t-agent-pw";
    let pw_file = env.path("pw");
    std::fs::write(&pw_file, pw).expect("pw file");
    let _agent = env.agent_setup("e1", &["web"], &[], |c| {
        c.env("DEPLOYCTL_ZK_AUTH", format!("agent:{pw}"));
    });
    env.wait_status("web", Duration::from_secs(30), "agent registered", |st| {
        host(st, "e1").is_some_and(|h| h["registered"] == true)
    });
    let deploy = format!(
        "env | grep ^DEPLOYCTL_ | sort; echo from-file $(cat {})",
        pw_file.display()
    );
    env.ok(&["publish", "web", "1.0", "--deploy-cmd", &deploy]);
    env.ok(&["wait-for-rollout", "web", "--timeout", "30s"]);
    let st = env.status("web");
    let tail = host(&st, "e1").expect("e1")["output_tail"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(tail.contains("DEPLOYCTL_APP=web"), "{tail}");
    assert!(!tail.contains("DEPLOYCTL_ZK_AUTH"), "{tail}");
    assert!(!tail.contains(pw), "{tail}");
    assert!(tail.contains("from-file"), "{tail}");
}
