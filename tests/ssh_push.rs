//! ssh-push against a real sshd on loopback.

mod common;

use common::junit::check_junit;
use common::sshd::sshd;
use common::*;

fn push(env: &TestEnv, hosts: &[String], extra: &[&str]) -> std::process::Output {
    let mut c = env.cmd();
    c.arg("ssh-push")
        .arg("--hosts")
        .arg(hosts.join(","))
        .args(sshd().flags())
        .args(extra);
    c.current_dir(env.dir.path());
    c.output().expect("run ssh-push")
}

fn err(o: &std::process::Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// (host, kind) of every testcase, after Jenkins' schema and junitparser accepted the file.
fn junit(path: &std::path::Path) -> Vec<(String, String)> {
    let report = check_junit(path);
    report
        .cases
        .iter()
        .map(|c| {
            let kind = if c.kind == "passed" {
                "pass"
            } else {
                c.kind.as_str()
            };
            (c.name.clone(), kind.to_string())
        })
        .collect()
}

#[test]
fn five_hosts_canary_then_two_at_a_time() {
    let env = TestEnv::new("ssh-five");
    let log = env.path("d.log");
    let junit_file = env.path("junit.xml");
    let out = push(
        &env,
        &sshd().hosts,
        &[
            "--parallel",
            "2",
            "--canary",
            "1",
            "--version",
            "1.0",
            "--var",
            &format!("log={}", log.display()),
            "--cmd",
            &logging_deploy("0.4"),
            "--junit",
            junit_file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", err(&out));
    let mut iv = intervals(&log);
    iv.sort_by_key(|i| i.start);
    assert_eq!(iv.len(), 5, "once on every host: {iv:?}");
    let mut names: Vec<&str> = iv.iter().map(|i| i.host.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 5);
    // The canary ran alone; after it never more than 2 at once, and 2 were reached.
    assert!(iv[0].end.unwrap() <= iv[1].start, "{iv:?}");
    assert_eq!(max_overlap(&iv[1..], now_ns()), 2, "{iv:?}");
    let cases = junit(&junit_file);
    assert_eq!(cases.len(), 5);
    assert!(cases.iter().all(|(_, k)| k == "pass"), "{cases:?}");
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(human.starts_with("ssh-push 1.0: succeeded"), "{human}");
}

#[test]
fn failed_canary_stops_everything() {
    let env = TestEnv::new("ssh-canary");
    let hosts = &sshd().hosts;
    let first = hosts[0].clone();
    // An absolute path: over ssh the command runs in the remote home directory, not here.
    let dir = env.dir.path().display();
    let cmd = format!(
        "if [ {{{{ host }}}} = {first} ]; then echo canary broke; exit 4; fi; touch {dir}/ran-$(echo {{{{ host }}}} | tr : _)"
    );
    let out = push(
        &env,
        hosts,
        &["--cmd", &cmd, "--continue-on-error", "--output", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", err(&out));
    let ran: Vec<_> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("ran-"))
        .collect();
    assert!(ran.is_empty(), "other hosts ran: {ran:?}");
    let v = schema::parse(schema::Kind::SshPushSummary, &out.stdout);
    let steps = v["stages"][0]["hosts"].as_array().unwrap();
    assert_eq!(steps[0]["state"], "failed");
    assert_eq!(steps[0]["exit_code"], 4);
    assert!(
        steps[0]["output_tail"]
            .as_str()
            .unwrap()
            .contains("canary broke")
    );
    assert!(steps[1..].iter().all(|s| s["state"] == "skipped"));
}

#[test]
fn down_host_is_an_error_and_the_others_proceed() {
    let env = TestEnv::new("ssh-down");
    let s = sshd();
    let closed = format!("127.0.0.9:{}", s.port);
    let hosts = vec![
        s.hosts[0].clone(),
        closed.clone(),
        s.hosts[1].clone(),
        s.hosts[2].clone(),
    ];
    let junit_file = env.path("junit.xml");
    let out = push(
        &env,
        &hosts,
        &[
            "--cmd",
            "true",
            "--continue-on-error",
            "--ssh-timeout",
            "3s",
            "--junit",
            junit_file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", err(&out));
    let text = err(&out);
    assert!(
        text.contains(&format!("cannot connect to {closed}")),
        "{text}"
    );
    let cases = junit(&junit_file);
    let kinds: Vec<&str> = cases.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(kinds, vec!["pass", "error", "pass", "pass"], "{cases:?}");
}

#[test]
fn retries_recover_a_flaky_first_attempt() {
    let env = TestEnv::new("ssh-retry");
    let hosts = vec![sshd().hosts[3].clone()];
    let cmd = "f=flaky-$(echo {{ host }} | tr : _); if [ ! -f $f ]; then touch $f; echo first; exit 1; fi; echo second";
    let out = push(
        &env,
        &hosts,
        &[
            "--cmd",
            &format!("cd {} && {cmd}", env.dir.path().display()),
            "--retries",
            "1",
            "--retry-delay",
            "100ms",
            "--output",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", err(&out));
    let v = schema::parse(schema::Kind::SshPushSummary, &out.stdout);
    assert_eq!(v["stages"][0]["hosts"][0]["attempts"], 2);
    assert!(
        v["stages"][0]["hosts"][0]["output_tail"]
            .as_str()
            .unwrap()
            .contains("second")
    );
}

#[test]
fn hostile_values_are_refused_or_quoted() {
    let env = TestEnv::new("ssh-hostile");
    let hosts = vec![sshd().hosts[4].clone()];
    let pwned = env.path("pwned");
    let out = push(
        &env,
        &hosts,
        &[
            "--cmd",
            "echo {{ version }}",
            "--version",
            &format!("1.0; touch {}", pwned.display()),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    let evil = format!(
        "$(touch {p}); `touch {p}`; ' \" ; touch {p}",
        p = pwned.display()
    );
    let outfile = env.path("out.txt");
    let out = push(
        &env,
        &hosts,
        &[
            "--cmd",
            &format!("echo {{{{ vars.x }}}} > {}", outfile.display()),
            "--var",
            &format!("x={evil}"),
        ],
    );
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(std::fs::read_to_string(&outfile).unwrap().trim_end(), evil);
    assert!(!pwned.exists(), "a metacharacter ran");
    for bad in ["-oProxyCommand=touch x", "a b"] {
        let out = push(&env, &[bad.to_string()], &["--cmd", "true"]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", err(&out));
    }
}

#[test]
fn plan_with_run_once_and_can_fail_stages() {
    let env = TestEnv::new("ssh-plan");
    let hosts: Vec<String> = sshd().hosts[..3].to_vec();
    let d = env.dir.path().display().to_string();
    let plan = format!(
        r#"
[[stage]]
name = "migrate"
run = "echo {{{{ host }}}} >> {d}/once.log"
run_once = true

[[stage]]
name = "deploy"
run = ["echo {{{{ host }}}} >> {d}/deploy.log", "echo {{{{ version }}}} > /dev/null"]
parallel = 3

[[stage]]
name = "warm"
run = "if [ {{{{ host }}}} = {h1} ]; then echo cold; exit 1; fi"
can_fail = true

[[stage]]
name = "finish"
run = "echo {{{{ host }}}} >> {d}/finish.log"
"#,
        h1 = hosts[1]
    );
    std::fs::write(env.path("plan.toml"), plan).unwrap();
    let out = push(
        &env,
        &hosts,
        &[
            "--plan",
            env.path("plan.toml").to_str().unwrap(),
            "--version",
            "2.0",
            "--output",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", err(&out));
    let lines = |f: &str| {
        std::fs::read_to_string(env.path(f))
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!(lines("once.log"), 1, "run_once ran on one host");
    assert_eq!(lines("deploy.log"), 3);
    assert_eq!(
        lines("finish.log"),
        3,
        "a can_fail failure does not stop anyone"
    );
    let v = schema::parse(schema::Kind::SshPushSummary, &out.stdout);
    let states: Vec<&str> = v["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        vec!["succeeded", "succeeded", "failed_allowed", "succeeded"]
    );
    assert_eq!(v["stages"][0]["hosts"][1]["state"], "skipped");
    assert_eq!(
        v["hosts"][1]["completed"],
        serde_json::json!(["deploy", "finish"])
    );

    // Without can_fail, a failing stage stops the push: later stages are skipped.
    let strict = std::fs::read_to_string(env.path("plan.toml"))
        .unwrap()
        .replace("can_fail = true", "");
    std::fs::write(env.path("strict.toml"), strict).unwrap();
    let out = push(
        &env,
        &hosts,
        &[
            "--plan",
            env.path("strict.toml").to_str().unwrap(),
            "--output",
            "json",
            "--junit",
            env.path("strict.xml").to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let v = schema::parse(schema::Kind::SshPushSummary, &out.stdout);
    assert_eq!(v["stages"][3]["state"], "skipped");
    assert_eq!(v["hosts"][1]["failed_stage"], "warm");
    // One suite per stage, one case per host and stage; the stopped stage's hosts are skipped.
    let report = check_junit(&env.path("strict.xml"));
    assert_eq!(report.suites.len(), 4);
    assert_eq!(report.counts.tests, 12);
    assert_eq!(report.counts.failures, 1);
    let finish: Vec<&str> = report
        .cases
        .iter()
        .filter(|c| c.classname == "ssh-push.finish")
        .map(|c| c.kind.as_str())
        .collect();
    assert_eq!(finish, vec!["skipped"; 3], "{report:?}");
}

#[test]
fn host_keys_are_checked_unless_told_otherwise() {
    let env = TestEnv::new("ssh-hostkey");
    let s = sshd();
    let empty = env.path("empty_known_hosts");
    std::fs::write(&empty, "").unwrap();
    let base = ["--cmd", "true", "--identity", s.identity.to_str().unwrap()];
    let run = |extra: &[&str]| {
        env.cmd()
            .args(["ssh-push", "--hosts", &s.hosts[0]])
            .args(base)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[
        "--ssh-option",
        &format!("UserKnownHostsFile={}", empty.display()),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "unknown host key must be refused: {}",
        err(&out)
    );
    assert!(
        err(&out).to_lowercase().contains("host key"),
        "{}",
        err(&out)
    );
    let out = run(&[
        "--ssh-option",
        &format!("UserKnownHostsFile={}", empty.display()),
        "--insecure-ignore-host-keys",
    ]);
    assert!(out.status.success(), "{}", err(&out));
}

#[test]
fn local_preview_runs_without_ssh() {
    let env = TestEnv::new("ssh-local");
    let out = env
        .cmd()
        .current_dir(env.dir.path())
        .args([
            "ssh-push",
            "--local",
            "--hosts",
            "localhost",
            "--version",
            "0.1",
            "--cmd",
            "echo {{ version }} > local.txt",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(
        std::fs::read_to_string(env.path("local.txt")).unwrap(),
        "0.1\n"
    );
    let out = env.run(&[
        "ssh-push",
        "--local",
        "--hosts",
        "example.com",
        "--cmd",
        "true",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// ssh-push reports like wait-for-rollout (one reporting path): GitHub step outputs, summary
/// and annotations; report files in directories that do not exist yet; and on bad input an
/// error report replaces a stale file.
#[test]
fn local_push_reports_to_github_and_files() {
    let env = TestEnv::new("ssh-reports");
    let gh_output = env.path("gh_output");
    let step_summary = env.path("step_summary.md");
    let junit_file = env.path("out/nested/junit.xml");
    let json_file = env.path("out/nested/push.json");
    let run = |cmd: &str, extra: &[&str]| {
        env.cmd()
            .current_dir(env.dir.path())
            .args([
                "-q",
                "ssh-push",
                "--local",
                "--hosts",
                "localhost",
                "--version",
                "0.2",
            ])
            .args(["--cmd", cmd])
            .args(["--junit", junit_file.to_str().unwrap()])
            .args(["--json-file", json_file.to_str().unwrap()])
            .args(extra)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", &gh_output)
            .env("GITHUB_STEP_SUMMARY", &step_summary)
            .output()
            .unwrap()
    };
    let out = run("echo out; echo broken >&2; exit 3", &["--output", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", err(&out));
    let v = schema::parse(schema::Kind::SshPushSummary, &out.stdout);
    assert_eq!(v["result"], "failed");
    let outputs = std::fs::read_to_string(&gh_output).unwrap();
    assert!(outputs.starts_with("result=failed\njson={"), "{outputs}");
    let json_line = outputs
        .lines()
        .find_map(|l| l.strip_prefix("json="))
        .unwrap();
    assert_eq!(
        schema::parse(schema::Kind::SshPushSummary, json_line.as_bytes()),
        v
    );
    assert!(
        stderr(&out).contains("::error title=ssh-push stage deploy failed on localhost::"),
        "{}",
        stderr(&out)
    );
    let md = std::fs::read_to_string(&step_summary).unwrap();
    assert!(md.contains("| localhost | deploy | failed |"), "{md}");
    let report = check_junit(&junit_file);
    assert_eq!(report.kinds(), vec!["failure"]);
    assert_eq!(report.cases[0].classname, "ssh-push.deploy");
    assert!(report.cases[0].system_out.contains("broken"), "{report:?}");
    assert!(!report.suites[0].contains("  "), "{:?}", report.suites);
    let saved = schema::parse(
        schema::Kind::SshPushSummary,
        &std::fs::read(&json_file).expect("--json-file written"),
    );
    assert_eq!(saved, v);

    // Bad input (exit 2): the reports are still written, as an error.
    std::fs::write(&gh_output, "").unwrap();
    let out = run("{{ nosuch", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    let report = check_junit(&junit_file);
    assert_eq!(report.kinds(), vec!["error"]);
    let saved = schema::parse(
        schema::Kind::SshPushSummary,
        &std::fs::read(&json_file).expect("--json-file written"),
    );
    assert_eq!(saved["result"], "error");
    assert_eq!(saved["exit_code"], 2);
    let outputs = std::fs::read_to_string(&gh_output).unwrap();
    assert!(outputs.starts_with("result=error\njson={"), "{outputs}");
}

#[test]
fn app_mode_takes_zookeeper_slots_and_reports_status() {
    let env = TestEnv::new("ssh-app");
    env.ok(&["publish", "pushed", "3.0", "--slots", "1"]);
    let hosts: Vec<String> = sshd().hosts[..3].to_vec();
    let log = env.path("d.log");
    let out = push(
        &env,
        &hosts,
        &[
            "--app",
            "pushed",
            "--parallel",
            "3",
            "--cmd",
            &logging_deploy("0.3"),
            "--var",
            &format!("log={}", log.display()),
        ],
    );
    assert!(out.status.success(), "{}", err(&out));
    // --parallel 3, but the app's single slot bounds it.
    assert_eq!(max_overlap(&intervals(&log), now_ns()), 1);
    let st = env.status("pushed");
    let states: Vec<(&str, &str, &str)> = st["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["host"].as_str().unwrap(),
                h["state"].as_str().unwrap(),
                h["version"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(states.len(), 3, "{st:#}");
    assert!(
        states
            .iter()
            .all(|(h, s, v)| h.starts_with("127.0.0.") && *s == "healthy" && *v == "3.0"),
        "{states:?}"
    );
    env.ok(&["wait-for-rollout", "pushed", "--timeout", "10s"]);
    // A version that is not the app's current release is refused.
    let out = push(
        &env,
        &hosts,
        &["--app", "pushed", "--version", "9.9", "--cmd", "true"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));

    // A host is found by the name ssh-push reports (HOST:PORT) as by its stored one
    // (HOST-PORT): `hosts` and `hosts delete` accept both.
    let reported = &hosts[0];
    assert!(reported.contains(':'), "{reported}");
    let stored = reported.replace(':', "-");
    let shown = env.json(&["hosts", reported]);
    assert_eq!(shown["hosts"][0]["host"], stored.as_str(), "{shown:#}");
    let deleted = env.json(&["hosts", "delete", reported]);
    assert_eq!(deleted["host"], stored.as_str(), "{deleted:#}");
    assert_eq!(deleted["deleted_from"][0], "pushed", "{deleted:#}");
    let other = hosts[1].replace(':', "-");
    let deleted = env.json(&["hosts", "delete", &other]);
    assert_eq!(deleted["host"], other.as_str(), "{deleted:#}");
    let out = env.run(&["hosts", reported]);
    assert_eq!(out.status.code(), Some(2), "gone: {}", err(&out));
}

/// Every process's command line on this machine (the sshd is on loopback, so this covers the
/// local `ssh` client and the remote shells alike).
fn all_cmdlines() -> Vec<(u32, String)> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            Some((pid, String::from_utf8_lossy(&raw).replace('\0', " ")))
        })
        .collect()
}

/// Issue 12, defects 3 and 8 over ssh: values inside quotes and nested shells are data, a
/// secret is in no process's argv (local `ssh` or remote shells) while the command runs, and
/// the output tail is masked before it is cut.
#[test]
fn ssh_values_are_data_and_secrets_stay_hidden() {
    let env = TestEnv::new("ssh-secret");
    let hosts = [sshd().hosts[2].clone()];
    let pwned = env.path("pwned");
    let started = env.path("started");
    let secret = "Ssh-S3cret-Argv-Value-42";
    let x = format!("a'; touch {p}; '$(touch {p})\"", p = pwned.display());
    let seen = env.path("seen");
    let cmd = format!(
        "echo \"one {{{{ vars.x }}}}\" > {s}; sh -c 'echo two {{{{ vars.x }}}} >> {s}; echo {{{{ vars.db_password }}}} >/dev/null; touch {}; sleep 2'; printf %s {{{{ vars.api_token }}}} {{{{ vars.db_password }}}}; head -c 4080 /dev/zero | tr '\\0' z; exit 1",
        started.display(),
        s = seen.display()
    );
    let child = env
        .cmd()
        .arg("ssh-push")
        .arg("--hosts")
        .arg(hosts.join(","))
        .args(sshd().flags())
        .args(["--cmd", &cmd, "--output", "json", "--var"])
        .arg(format!("x={x}"))
        .arg("--secret-var")
        .arg(format!("db_password={secret}"))
        // Secret by its name (the default patterns), without --secret-var.
        .arg("--var")
        .arg("api_token=Tok-Value-777")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !started.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the command never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The operator's own `--secret-var` argument is theirs; every process deployctl starts
    // (the local `ssh`, the remote shells) is checked.
    let procs: Vec<_> = all_cmdlines()
        .into_iter()
        .filter(|(pid, _)| *pid != child.id())
        .collect();
    assert!(
        procs.iter().any(|(_, c)| c.contains("sleep 2")),
        "{procs:#?}"
    );
    for (pid, c) in &procs {
        assert!(!c.contains(secret), "pid {pid} shows the secret: {c}");
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", err(&out));
    let v = schema::parse(schema::Kind::SshPushSummary, &out.stdout);
    let tail = v["stages"][0]["hosts"][0]["output_tail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(tail.starts_with("********zzzz"), "{tail:.200}");
    assert_eq!(
        std::fs::read_to_string(&seen).unwrap(),
        format!("one {x}\ntwo {x}\n")
    );
    let text = err(&out);
    assert!(!text.contains(&secret[secret.len() - 6..]), "{text:.300}");
    assert!(!text.contains("Tok-Value-777"), "{text:.300}");
    assert!(!pwned.exists(), "a value ran as a command");
}

/// Issue 14: the output tail keeps the order the command printed stdout and stderr in, over
/// ssh (two channels) and with --local (two pipes) alike, run after run.
#[test]
fn output_tail_keeps_the_order_the_command_printed() {
    let env = TestEnv::new("ssh-tail-order");
    let interleaved: String = (1..=20)
        .map(|i| format!("echo o{i}; echo e{i} >&2; "))
        .collect();
    let want_interleaved: String = (1..=20).map(|i| format!("o{i}\ne{i}\n")).collect();
    let cases = [
        (
            "echo 1; echo 2 >&2; echo 3".to_string(),
            "1\n2\n3\n".to_string(),
        ),
        (interleaved, want_interleaved),
    ];
    for round in 0..3 {
        for (cmd, want) in &cases {
            let out = push(&env, &sshd().hosts, &["--cmd", cmd, "--output", "json"]);
            assert!(out.status.success(), "{}", err(&out));
            let v = schema::parse(schema::Kind::SshPushSummary, &out.stdout);
            for step in v["stages"][0]["hosts"].as_array().unwrap() {
                // The account's shell startup files may print too, before or (from a
                // background job) after the command: this machine's root `.bashrc` runs
                // `pyenv init`, whose rehash complains when two sessions race. Those lines are
                // not the command's; the command's own lines must all be there, in order.
                let tail = step["output_tail"].as_str().unwrap_or_default();
                let own: Vec<&str> = tail
                    .lines()
                    .filter(|l| want.lines().any(|w| w == *l))
                    .collect();
                let want_lines: Vec<&str> = want.lines().collect();
                assert_eq!(own, want_lines, "round {round}: {step}");
            }
            let out = env
                .cmd()
                .current_dir(env.dir.path())
                .args(["ssh-push", "--local", "--hosts", "localhost", "--cmd", cmd])
                .args(["--output", "json", "--events", "--json-file"])
                .arg(env.path("push.json"))
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", err(&out));
            let file = std::fs::read(env.path("push.json")).unwrap();
            schema::parse(schema::Kind::SshPushSummary, &file);
            // NDJSON events, each checked against its schema, then the summary.
            let docs =
                schema::parse_stdout(&["ssh-push", "--output", "json", "--events"], &out.stdout);
            assert!(docs.len() > 2, "{docs:?}");
            let v = docs.last().unwrap();
            assert_eq!(
                v["stages"][0]["hosts"][0]["output_tail"],
                want.as_str(),
                "round {round} (--local)"
            );
        }
    }
}

/// Hosts that ran the command, from the `ran-HOST` files it leaves (`:` as `_`), sorted.
fn ran(env: &TestEnv) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.strip_prefix("ran-").map(|h| h.replace('_', ":"))
        })
        .collect();
    v.sort();
    v
}

/// A command that leaves `ran-HOST` in the test's dir and fails (exit 5) on the hosts in `bad`.
fn touch_failing_on(env: &TestEnv, bad: &[&String]) -> String {
    let bad: Vec<&str> = bad.iter().map(|s| s.as_str()).collect();
    format!(
        "touch {}/ran-$(echo {{{{ host }}}} | tr : _); for b in {}; do if [ {{{{ host }}}} = $b ]; then echo broken; exit 5; fi; done",
        env.dir.path().display(),
        bad.join(" ")
    )
}

#[test]
fn hosts_already_at_the_version_run_nothing() {
    let env = TestEnv::new("ssh-current");
    let h = &sshd().hosts[..3];
    let getv = format!(
        "if [ {{{{ host }}}} = {} ]; then echo starting; echo 2.0; else echo 1.9; fi",
        h[1]
    );
    let out = push(
        &env,
        h,
        &[
            "--version",
            "2.0",
            "--get-version-cmd",
            &getv,
            "--cmd",
            &touch_failing_on(&env, &[]),
            "--output",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", err(&out));
    let v = schema::parse(schema::Kind::SshPushSummary, &out.stdout);
    let states: Vec<&str> = v["stages"][0]["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["ok", "current", "ok"], "{v:#}");
    let mut expect = vec![h[0].clone(), h[2].clone()];
    expect.sort();
    assert_eq!(ran(&env), expect);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("1 already running 2.0"),
        "{v:#}"
    );
    // Without a version to compare with: exit 2.
    let out = push(&env, h, &["--get-version-cmd", "echo 1", "--cmd", "true"]);
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
}

#[test]
fn rerun_failed_pushes_exactly_the_failed_hosts() {
    let env = TestEnv::new("ssh-rerun");
    let h = &sshd().hosts[..5];
    let report = env.path("first.json");
    let out = push(
        &env,
        h,
        &[
            "--canary",
            "0",
            "--continue-on-error",
            "--cmd",
            &touch_failing_on(&env, &[&h[1], &h[3]]),
            "--json-file",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", err(&out));
    assert_eq!(ran(&env).len(), 5);
    for e in std::fs::read_dir(env.dir.path()).unwrap().flatten() {
        if e.file_name().to_string_lossy().starts_with("ran-") {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    let mut c = env.cmd();
    c.args(["ssh-push", "--rerun-failed", report.to_str().unwrap()])
        .args(sshd().flags())
        .args(["--cmd", &touch_failing_on(&env, &[]), "--output", "json"])
        .current_dir(env.dir.path());
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", err(&out));
    let mut expect = vec![h[1].clone(), h[3].clone()];
    expect.sort();
    assert_eq!(ran(&env), expect);
    let v = schema::parse(schema::Kind::SshPushSummary, &out.stdout);
    assert_eq!(v["hosts"].as_array().unwrap().len(), 2, "{v:#}");
    // With --hosts: only those of them that failed.
    let out = push(
        &env,
        &[h[0].clone(), h[1].clone()],
        &[
            "--rerun-failed",
            report.to_str().unwrap(),
            "--cmd",
            "true",
            "--output",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", err(&out));
    let v = schema::parse(schema::Kind::SshPushSummary, &out.stdout);
    assert_eq!(v["hosts"][0]["host"], h[1].as_str(), "{v:#}");
    assert_eq!(v["hosts"].as_array().unwrap().len(), 1, "{v:#}");
    // A missing report: exit 2 naming it.
    let missing = env.path("no-such-report.json");
    let mut c = env.cmd();
    c.args(["ssh-push", "--rerun-failed", missing.to_str().unwrap()])
        .args(["--cmd", "true"]);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert!(err(&out).contains("no-such-report.json"), "{}", err(&out));
}

#[test]
fn max_failures_stops_at_one_failure_more() {
    let env = TestEnv::new("ssh-budget");
    let h = &sshd().hosts[..5];
    let out = push(
        &env,
        h,
        &[
            "--canary",
            "0",
            "--parallel",
            "1",
            "--max-failures",
            "1",
            "--cmd",
            &touch_failing_on(&env, &[&h[1], &h[2], &h[3], &h[4]]),
            "--output",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", err(&out));
    // One at a time, in order: h0 ok, h1 failed (tolerated), h2 failed: stop.
    let mut expect = vec![h[0].clone(), h[1].clone(), h[2].clone()];
    expect.sort();
    assert_eq!(ran(&env), expect);
    let v = schema::parse(schema::Kind::SshPushSummary, &out.stdout);
    let states: Vec<&str> = v["stages"][0]["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["ok", "failed", "failed", "skipped", "skipped"]);

    // Within the budget the push goes on and succeeds.
    let env = TestEnv::new("ssh-budget-ok");
    let out = push(
        &env,
        h,
        &[
            "--canary",
            "0",
            "--max-failures",
            "40%",
            "--cmd",
            &touch_failing_on(&env, &[&h[1], &h[3]]),
            "--output",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(ran(&env).len(), 5);
    let v = schema::parse(schema::Kind::SshPushSummary, &out.stdout);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("within max_failures 40%"),
        "{v:#}"
    );
    // Bad budget: exit 2 naming it.
    let out = push(&env, h, &["--max-failures", "lots", "--cmd", "true"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(err(&out).contains("lots"), "{}", err(&out));

    // The same budget from a plan file; the flag wins over it.
    let env = TestEnv::new("ssh-budget-plan");
    let plan = env.path("plan.toml");
    let cmd = touch_failing_on(&env, &[&h[1], &h[3]]);
    std::fs::write(
        &plan,
        format!("max_failures = \"40%\"\n[[stage]]\nname = \"deploy\"\nrun = {cmd:?}\n"),
    )
    .unwrap();
    let plan = plan.to_str().unwrap();
    let out = push(
        &env,
        h,
        &["--canary", "0", "--plan", plan, "--output", "json"],
    );
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(ran(&env).len(), 5);
    let args = ["--canary", "0", "--plan", plan, "--max-failures", "1"];
    let out = push(&env, h, &args);
    assert_eq!(out.status.code(), Some(1), "the flag's budget of 1 applies");
}

#[test]
fn limit_picks_hosts_by_glob() {
    let env = TestEnv::new("ssh-limit");
    let h = &sshd().hosts;
    let port = sshd().port;
    let out = push(
        &env,
        h,
        &[
            "--limit",
            &format!("127.0.0.[34]:{port},nomatch*"),
            "--cmd",
            &touch_failing_on(&env, &[]),
        ],
    );
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(
        ran(&env),
        vec![format!("127.0.0.3:{port}"), format!("127.0.0.4:{port}")]
    );
    for bad in ["127.0.0.[3", "zzz*"] {
        let out = push(&env, h, &["--limit", bad, "--cmd", "true"]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", err(&out));
        assert!(err(&out).contains(bad), "{}", err(&out));
    }
}
