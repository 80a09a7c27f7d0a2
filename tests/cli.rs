//! publish / status / apps against a real ZooKeeper, bad input, and exit codes.

mod common;

use std::time::{Duration, Instant};

use common::*;

#[test]
fn publish_is_idempotent_and_force_makes_a_new_release() {
    let env = TestEnv::new("idempotent");
    let a = env.json(&[
        "publish",
        "web",
        "1.0",
        "--slots",
        "2",
        "--deploy-cmd",
        "deploy {{ version }}",
    ]);
    assert_eq!(a["release"], 1);
    assert_eq!(a["unchanged"], false);
    let b = env.json(&[
        "publish",
        "web",
        "1.0",
        "--slots",
        "2",
        "--deploy-cmd",
        "deploy {{ version }}",
    ]);
    assert_eq!(b["release"], 1);
    assert_eq!(b["unchanged"], true);
    let c = env.json(&[
        "publish",
        "web",
        "1.0",
        "--slots",
        "2",
        "--deploy-cmd",
        "deploy {{ version }}",
        "--force",
    ]);
    assert_eq!(c["release"], 2);
    assert_eq!(c["previous"], 1);
    // A different spec for the same version is a new release too.
    let d = env.json(&[
        "publish",
        "web",
        "1.0",
        "--slots",
        "3",
        "--deploy-cmd",
        "deploy {{ version }}",
    ]);
    assert_eq!(d["release"], 3);
    let human = env.ok(&["publish", "web", "1.1"]);
    assert_eq!(
        human.trim(),
        "published web 1.1 as release 4, replacing release 3 (1.0)"
    );
}

#[test]
fn racing_publishers_lose_nothing() {
    let env = TestEnv::new("racing");
    let children: Vec<_> = (0..8)
        .map(|i| {
            env.cmd()
                .args(["--output", "json", "publish", "race", &format!("1.{i}")])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ids: Vec<u64> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
            release_of(&schema::parse(schema::Kind::Publish, &out.stdout))
        })
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        (1..=8).collect::<Vec<u64>>(),
        "distinct, gap-free release ids"
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    let opts = deployctl::zk::ZkOptions {
        servers: zk_addr().to_string(),
        root: env.root.clone(),
        ..Default::default()
    };
    let (history, current) = rt.block_on(async {
        let zk = deployctl::zk::connect(&opts).await.unwrap();
        (
            zk.releases("race").await.unwrap(),
            zk.read_spec("race").await.unwrap().unwrap().0,
        )
    });
    assert_eq!(history.len(), 8, "the history holds every release");
    let mut versions: Vec<String> = history.iter().map(|s| s.version.clone()).collect();
    versions.sort();
    assert_eq!(
        versions,
        (0..8).map(|i| format!("1.{i}")).collect::<Vec<_>>()
    );
    // Each release names the one it replaced: a single chain, nothing overwritten.
    for (i, s) in history.iter().enumerate() {
        assert_eq!(s.release, i as u64 + 1);
        assert_eq!(s.previous, if i == 0 { None } else { Some(i as u64) });
    }
    assert_eq!(current.release, 8);
}

#[test]
fn bad_input_is_exit_2_naming_the_value_and_runs_nothing() {
    let env = TestEnv::new("bad-input");
    let pwned = env.path("pwned");
    let out = env.run(&["publish", "../x", "1.0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("invalid app name \"../x\""),
        "{}",
        stderr(&out)
    );

    let bad_version = format!("1.0; touch {}", pwned.display());
    let out = env.run(&["publish", "web", &bad_version, "--deploy-cmd", "true"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(&bad_version), "{}", stderr(&out));

    for args in [
        vec!["publish", "web", "1.0", "--slots", "0"],
        vec!["publish", "web", "1.0", "--deploy-cmd", "deploy {{ version"],
        vec!["publish", "web", "1.0", "--var", "not-a-name=1"],
        vec!["status", "a b"],
        vec!["--zk-root", "relative", "status", "web"],
        vec!["agent", "--once", "--host", "bad host", "--app", "web"],
        vec!["no-such-command"],
    ] {
        let out = env.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("panicked"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let spec = env.path("spec.toml");
    std::fs::write(
        &spec,
        "app = \"web\"\nversion = \"1.0\"\nslots = \"many\"\n",
    )
    .unwrap();
    let out = env.run(&["publish", "--spec", spec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("spec.toml"));
    // Files the user names that do not exist are bad input too, named in the message.
    let missing = env.path("no-such-spec.toml");
    let missing = missing.to_str().unwrap();
    for args in [
        vec!["publish", "--spec", missing],
        vec!["--zk-auth-file", missing, "status", "web"],
        vec!["ssh-push", "--inventory", missing, "--cmd", "true"],
        vec!["ssh-push", "--hosts", "h1", "--plan", missing],
    ] {
        let out = env.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("no-such-spec.toml"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert!(!pwned.exists());
    // `--zk` that cannot be a server list: exit 2 naming the value (was exit 4).
    let out = env.run(&["--zk", "not a server", "status", "web"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("\"not a server\""),
        "{}",
        stderr(&out)
    );
}

/// Durations that would overflow (they were stored truncated: `18446744073709553s` as 1384 ms)
/// are refused with exit 2 naming the value, on every flag and in spec files; nothing is written.
#[test]
fn overflowing_durations_are_refused_naming_the_value() {
    let env = TestEnv::new("durations");
    for flag in [
        "--progress-deadline",
        "--bake-time",
        "--retry-delay",
        "--health-interval",
    ] {
        for v in ["18446744073709553s", "999999999999999h"] {
            let out = env.run(&["publish", "web", "1.0", "--deploy-cmd", "true", flag, v]);
            assert_eq!(out.status.code(), Some(2), "{flag} {v}: {}", stderr(&out));
            assert!(stderr(&out).contains(v), "{flag} {v}: {}", stderr(&out));
        }
    }
    let out = env.run(&[
        "publish",
        "web",
        "1.0",
        "--steps",
        "1,pause 999999999999999h",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let spec = env.path("spec.toml");
    std::fs::write(
        &spec,
        "app = \"web\"\nversion = \"1.0\"\ndeploy_cmd = \"true\"\nprogress_deadline_ms = 9223372036854775807\n",
    )
    .unwrap();
    let out = env.run(&["publish", "--spec", spec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("9223372036854775807"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["status", "web"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "nothing was published: {}",
        stderr(&out)
    );
}

#[test]
fn spec_file_is_read_and_flags_override_it() {
    let env = TestEnv::new("spec-file");
    let spec = env.path("release.toml");
    std::fs::write(
        &spec,
        "app = \"web\"\nversion = \"5.0\"\nslots = 4\ndeploy_cmd = \"deploy {{ version }}\"\n[vars]\nregion = \"eu\"\n",
    )
    .unwrap();
    let out = env.json(&[
        "publish",
        "--spec",
        spec.to_str().unwrap(),
        "--var",
        "tier=web",
        "--slots",
        "3",
    ]);
    assert_eq!(out["version"], "5.0");
    assert_eq!(out["spec"]["slots"], 3);
    assert_eq!(out["spec"]["vars"]["region"], "eu");
    assert_eq!(out["spec"]["vars"]["tier"], "web");
    let shown = env.json(&["apps", "show", "web"]);
    assert_eq!(shown["deploy_cmd"], "deploy {{ version }}");
}

#[test]
fn unreachable_zookeeper_is_exit_4_within_the_timeout() {
    let port = deployctl::zk::server::free_port().unwrap();
    let started = Instant::now();
    let out = std::process::Command::new(bin())
        .args([
            "--zk",
            &format!("127.0.0.1:{port}"),
            // Refused is decided by probing, long before this timeout.
            "--connect-timeout",
            "30s",
            "status",
            "web",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "refused took {:?}",
        started.elapsed()
    );
    let msg = stderr(&out);
    assert!(msg.contains(&format!("127.0.0.1:{port}")), "{msg}");
    assert!(msg.contains("refused"), "{msg}");
    assert_eq!(msg.trim().lines().count(), 1, "one-line message: {msg}");
    // A name that does not resolve says so.
    let out = std::process::Command::new(bin())
        .args(["--zk", "zk.invalid:2181", "status", "web"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot resolve zk.invalid"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn apps_list_show_delete() {
    let env = TestEnv::new("apps");
    env.ok(&["publish", "one", "1.0"]);
    env.ok(&["publish", "two", "2.0"]);
    let list = env.ok(&["apps"]);
    assert!(list.starts_with("APP"), "{list}");
    assert!(list.contains("one") && list.contains("two"));
    let mut agent = env.agent("x1", &["two"]);
    env.wait_status("two", Duration::from_secs(20), "agent registered", |st| {
        st["hosts"].as_array().is_some_and(|h| !h.is_empty())
    });
    let out = env.run(&["apps", "delete", "two"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "refuses while agents are registered"
    );
    agent.kill9();
    let deleted = env.json(&["apps", "delete", "two", "--force"]);
    assert_eq!(deleted["deleted"], true);
    let apps = env.json(&["apps"]);
    let names: Vec<&str> = apps["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["app"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["one"]);
    let out = env.run(&["apps", "show", "two"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn an_ssh_option_that_would_be_ignored_is_refused() {
    let out = std::process::Command::new(bin())
        .args([
            "ssh-push",
            "--hosts",
            "h1",
            "--cmd",
            "true",
            "--ssh-option",
            "StrictHostKeyChecking=no",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let msg = stderr(&out);
    assert!(msg.contains("StrictHostKeyChecking=no"), "{msg}");
    assert!(msg.contains("--insecure-ignore-host-keys"), "{msg}");
}

/// One rule for "no such app": every command that reads or changes an app ZooKeeper has never
/// heard of exits 2 naming it (status used to print "nothing published" and exit 0, while
/// wait-for-rollout exited 2). An app whose agents registered before its first publish exists:
/// status shows its hosts.
#[test]
fn no_such_app_is_exit_2_in_every_command() {
    let env = TestEnv::new("nosuch");
    env.ok(&["publish", "real", "1.0"]);
    for args in [
        vec!["status", "nosuch"],
        vec!["history", "nosuch"],
        vec!["wait-for-rollout", "nosuch", "--timeout", "5s"],
        vec!["pause", "nosuch"],
        vec!["resume", "nosuch"],
        vec!["abort", "nosuch"],
        vec!["rollback", "nosuch"],
        vec!["apps", "show", "nosuch"],
    ] {
        for json in [false, true] {
            let mut a = if json {
                vec!["--output", "json"]
            } else {
                vec![]
            };
            a.extend_from_slice(&args);
            let out = env.run(&a);
            assert_eq!(out.status.code(), Some(2), "{a:?}: {}", stderr(&out));
            assert!(
                stderr(&out).contains("no such app \"nosuch\""),
                "{a:?}: {}",
                stderr(&out)
            );
            if !json {
                assert!(out.stdout.is_empty(), "{a:?}: nothing on stdout");
            }
        }
    }

    // Registered before anything is published: it exists, with its host and no release.
    let _agent = env.agent("early-1", &["early"]);
    let st = env.wait_status("early", Duration::from_secs(30), "agent registered", |st| {
        host(st, "early-1").is_some()
    });
    assert!(st["release"].is_null(), "{st}");
    assert!(
        env.ok(&["status", "early"])
            .contains("early: nothing published")
    );
    let out = env.run(&["history", "early"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// `--log-format json`: every stderr line is one JSON object — logs, wait's progress lines, the
/// final error line, and clap's usage errors — so a log shipper never meets plain text.
#[test]
fn log_format_json_makes_every_stderr_line_json() {
    fn json_lines(out: &std::process::Output) -> Vec<serde_json::Value> {
        let err = stderr(out);
        err.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("stderr line is not JSON ({e}): {l}\n{err}"))
            })
            .collect()
    }
    fn last_error(lines: &[serde_json::Value]) -> &serde_json::Value {
        let last = lines.last().expect("an error line");
        assert_eq!(last["level"], "ERROR", "{last}");
        last
    }
    let env = TestEnv::new("logjson");

    // Usage error, flag or environment.
    let out = env.run(&["--log-format", "json", "wait-for-rollout"]);
    assert_eq!(out.status.code(), Some(2));
    let lines = json_lines(&out);
    assert!(
        last_error(&lines)["fields"]["message"]
            .as_str()
            .unwrap()
            .contains("<APP>")
    );
    let out = env
        .cmd()
        .env("DEPLOYCTL_LOG_FORMAT", "json")
        .args(["status", "a b"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(last_error(&json_lines(&out))["fields"]["exit_code"], 2);

    // A failed command's error line.
    let out = env.run(&["--log-format", "json", "status", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    let lines = json_lines(&out);
    assert!(
        last_error(&lines)["fields"]["message"]
            .as_str()
            .unwrap()
            .contains("no such app")
    );

    // wait's progress lines (and heartbeats), then the failure.
    let names = hosts("lj", 2);
    let _agents = env.start_agents("lj", &names, &[]);
    env.ok(&[
        "publish",
        "lj",
        "1.0",
        "--deploy-cmd",
        "echo broken; exit 3",
    ]);
    let out = env.run(&[
        "--log-format",
        "json",
        "wait-for-rollout",
        "lj",
        "--timeout",
        "60s",
        "--heartbeat",
        "200ms",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let lines = json_lines(&out);
    let progress: Vec<&str> = lines
        .iter()
        .filter(|l| l["target"] == "deployctl::progress")
        .filter_map(|l| l["fields"]["message"].as_str())
        .collect();
    assert!(
        progress
            .iter()
            .any(|m| m.contains("waiting for lj release 1")),
        "{progress:?}"
    );
    assert!(
        progress.iter().any(|m| m.contains("failed")),
        "{progress:?}"
    );
    assert_eq!(last_error(&lines)["fields"]["exit_code"], 1);
}

#[test]
fn hosts_across_apps_and_deleting_a_dead_one() {
    let env = TestEnv::new("hosts-cmd");
    let _k1 = env.agent("k1", &["web", "api"]);
    let mut k2 = env.agent("k2", &["web"]);
    env.ok(&[
        "publish",
        "web",
        "1.0",
        "--slots",
        "2",
        "--deploy-cmd",
        "true",
    ]);
    env.ok(&["publish", "api", "2.0", "--deploy-cmd", "true"]);
    let both = vec!["k1".to_string(), "k2".to_string()];
    env.wait_hosts("web", &both, 1, &["healthy"], Duration::from_secs(40));
    env.wait_hosts("api", &both[..1], 1, &["healthy"], Duration::from_secs(40));
    let v = env.json(&["hosts"]);
    let rows = v["hosts"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{v:#}");
    assert_eq!(rows[0]["host"], "k1");
    let k1: Vec<(&str, &str, &str)> = rows[0]["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["app"].as_str().unwrap(),
                a["version"].as_str().unwrap(),
                a["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        k1,
        vec![("api", "2.0", "healthy"), ("web", "1.0", "healthy")]
    );
    let one = env.json(&["hosts", "k2"]);
    assert_eq!(one["hosts"].as_array().unwrap().len(), 1);
    assert_eq!(one["hosts"][0]["apps"][0]["app"], "web");
    let human = env.ok(&["hosts"]);
    assert!(human.contains("HOST") && human.contains("api"), "{human}");

    // k2's agent is still there: refused.
    let out = env.run(&["hosts", "delete", "k2"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("k2"), "{}", stderr(&out));
    k2.kill9();
    env.wait_status("web", Duration::from_secs(30), "k2 gone", |st| {
        host(st, "k2").is_some_and(|h| h["registered"] == false)
    });
    let v = env.json(&["hosts", "delete", "k2"]);
    assert_eq!(v["deleted_from"], serde_json::json!(["web"]));
    let st = env.status("web");
    assert!(host(&st, "k2").is_none(), "{st:#}");
    let out = env.run(&["hosts", "k2"]);
    assert_eq!(out.status.code(), Some(2));
    // Bad host syntax: exit 2 naming it.
    let out = env.run(&["hosts", "delete", "../k1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("../k1"), "{}", stderr(&out));
}

/// With `--output json` every command's failure is exactly one JSON document on stdout, the
/// error report (docs/schema/error.schema.json), with `-q` too: before, status, history, apps
/// show, hosts, publish and the rest printed nothing when they failed.
#[test]
fn every_command_fails_with_one_json_error_document() {
    let env = TestEnv::new("json-errors");
    env.ok(&["publish", "real", "1.0"]);
    let unreachable = format!("127.0.0.1:{}", deployctl::zk::server::free_port().unwrap());
    let missing = env.path("no-such-file.toml");
    let missing = missing.to_str().unwrap();
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (vec!["status", "nosuch"], 2),
        (vec!["--zk", &unreachable, "publish", "web", "1"], 4),
        (vec!["--zk", &unreachable, "status", "web"], 4),
        // A value that cannot be servers is bad input, not an unreachable ZooKeeper.
        (vec!["--zk", "not a server", "status", "web"], 2),
        (vec!["--zk", "zk1:notaport", "publish", "web", "1"], 2),
        (vec!["history", "nosuch"], 2),
        (vec!["history", "a b"], 2),
        (vec!["apps", "show", "nosuch"], 2),
        (vec!["apps", "delete", "a b"], 2),
        (vec!["hosts", "bad host"], 2),
        (vec!["hosts", "delete", "bad host"], 2),
        (vec!["publish", "web", "1.0;rm"], 2),
        (vec!["publish", "--spec", missing], 2),
        (vec!["wait-for-rollout", "nosuch", "--timeout", "5s"], 2),
        (vec!["pause", "nosuch"], 2),
        (vec!["resume", "nosuch"], 2),
        (vec!["abort", "nosuch"], 2),
        (vec!["promote", "nosuch"], 2),
        (vec!["rollback", "nosuch"], 2),
        (vec!["restart", "nosuch"], 2),
        (
            vec!["agent", "--once", "--host", "bad host", "--app", "web"],
            2,
        ),
        (vec!["ssh-push", "--hosts", "h1", "--plan", missing], 2),
        (vec!["--zk-auth-file", missing, "status", "real"], 2),
        (vec!["serve", "--listen", "not an address"], 2),
        // The argument parser's errors too.
        (vec!["status"], 2),
        (vec!["no-such-command"], 2),
    ];
    for (args, code) in &cases {
        for quiet in [false, true] {
            let mut a = vec!["--output", "json"];
            if quiet {
                a.push("-q");
            }
            a.extend_from_slice(args);
            let out = env.run(&a);
            assert_eq!(out.status.code(), Some(*code), "{a:?}: {}", stderr(&out));
            // Exactly one document, valid against the error schema.
            let doc = schema::parse(schema::Kind::Error, &out.stdout);
            assert_eq!(doc["result"], "error", "{a:?}: {doc}");
            assert_eq!(doc["exit_code"], *code, "{a:?}: {doc}");
            assert!(
                !stderr(&out).is_empty(),
                "{a:?}: the error is still on stderr"
            );
        }
    }
    // A failure after the command's document was printed adds no second one.
    let out = env.run(&["--output", "json", "status", "real"]);
    assert!(out.status.success(), "{}", stderr(&out));
    schema::parse(schema::Kind::Status, &out.stdout);
}

/// `-q` silences progress and info logs, never the answer: status, history, apps, hosts and
/// publish print their result with `-q` as without it.
#[test]
fn quiet_still_prints_the_result() {
    let env = TestEnv::new("quiet-result");
    let out = env.ok(&["-q", "publish", "web", "1.0"]);
    assert!(out.contains("published web 1.0 as release"), "{out}");
    for args in [
        vec!["status", "web"],
        vec!["history", "web"],
        vec!["apps"],
        vec!["apps", "show", "web"],
        vec!["hosts"],
        vec!["pause", "web"],
        vec!["resume", "web"],
    ] {
        let loud = env.ok(&args);
        let mut a = vec!["-q"];
        a.extend_from_slice(&args);
        let quiet = env.ok(&a);
        assert!(!quiet.trim().is_empty(), "{a:?} printed nothing");
        // The same answer (its first line: a table's header or the status line).
        assert_eq!(
            quiet.lines().next(),
            loud.lines().next(),
            "{a:?}:\n{quiet}\nvs\n{loud}"
        );
    }
    let quiet = env.ok(&["-q", "history", "web"]);
    assert!(quiet.contains("1.0"), "{quiet}");
    // A wait's human report too.
    let out = env.run(&["-q", "wait-for-rollout", "web", "--timeout", "1s"]);
    assert!(
        !out.stdout.is_empty(),
        "wait -q printed no report: {}",
        stderr(&out)
    );
}

/// A publish whose --exclude-hosts (or --hosts) leaves none of the registered agents to deploy
/// is refused (exit 2, naming the filter) unless --allow-empty; the wait for such a release
/// names the filter, not "no hosts are registered".
#[test]
fn publish_targeting_no_registered_host_is_refused() {
    let env = TestEnv::new("no-targets");
    let names = hosts("nt", 2);
    let _agents = env.start_agents("web", &names, &[]);
    let all = names.join(",");
    let out = env.run(&["publish", "web", "1.0", "--exclude-hosts", &all]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let msg = stderr(&out);
    assert!(
        msg.contains("--exclude-hosts") && msg.contains(&all),
        "{msg}"
    );
    assert!(msg.contains("--allow-empty"), "{msg}");
    let out = env.run(&["publish", "web", "1.0", "--hosts", "elsewhere"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("\"elsewhere\""), "{}", stderr(&out));
    // Nothing was published.
    assert!(env.status("web")["release"].is_null());
    // One host left: fine.
    let out = env.run(&[
        "publish",
        "web",
        "1.0",
        "--exclude-hosts",
        &names[0],
        "--deploy-cmd",
        "true",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // --allow-empty publishes; the wait then says which filter left nobody.
    env.ok(&[
        "publish",
        "web",
        "2.0",
        "--exclude-hosts",
        &all,
        "--allow-empty",
    ]);
    let (code, summary) = env.wait_json(&["web", "--timeout", "1s"]);
    assert_eq!(code, Some(3), "{summary}");
    let message = summary["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("--exclude-hosts") && message.contains(&all),
        "{summary}"
    );
}
