//! Test harness: one real ZooKeeper per test binary, a root path per test, real agent processes.
#![allow(dead_code)]

pub mod ensemble;
pub mod git;
pub mod junit;
pub mod prometheus;
pub mod schema;
pub mod sshd;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use deployctl::zk::server::LocalZooKeeper;
use serde_json::Value;

static ZK: OnceLock<String> = OnceLock::new();

/// Address of this binary's ZooKeeper, started on first use. Missing ZooKeeper or java fails
/// the test with the install command; it never skips.
pub fn zk_addr() -> &'static str {
    ZK.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        // The server is tied (PR_SET_PDEATHSIG) to the thread that starts it, so start it from a
        // thread that lives as long as the test process.
        std::thread::spawn(move || {
            let dir =
                std::env::temp_dir().join(format!("deployctl-test-zk-{}", std::process::id()));
            clean_stale_dirs();
            let _ = std::fs::remove_dir_all(&dir);
            match LocalZooKeeper::start(&dir, 250) {
                Ok(zk) => {
                    let _ = tx.send(Ok(zk.address()));
                    loop {
                        std::thread::park();
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                }
            }
        });
        match rx.recv() {
            Ok(Ok(addr)) => addr,
            Ok(Err(e)) => panic!("cannot start ZooKeeper for the tests: {e}"),
            Err(_) => panic!("ZooKeeper starter thread died"),
        }
    })
}

/// Remove data dirs of earlier test runs whose process is gone.
fn clean_stale_dirs() {
    let Ok(rd) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix("deployctl-test-zk-")
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_deployctl")
}

/// One test's world: its own ZooKeeper root and temp dir.
pub struct TestEnv {
    pub root: String,
    /// ZooKeeper servers for everything this env runs (the shared one, or an ensemble).
    pub servers: String,
    pub dir: tempfile::TempDir,
}

impl TestEnv {
    pub fn new(name: &str) -> Self {
        Self::with_servers(name, zk_addr())
    }

    /// A test world on other ZooKeeper servers (an ensemble).
    pub fn with_servers(name: &str, servers: &str) -> Self {
        TestEnv {
            servers: servers.to_string(),
            root: format!("/{name}"),
            dir: tempfile::Builder::new()
                .prefix(&format!("deployctl-{name}-"))
                .tempdir()
                .expect("temp dir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(bin());
        c.env("DEPLOYCTL_ZK", &self.servers)
            .env("DEPLOYCTL_ZK_ROOT", &self.root)
            .env_remove("DEPLOYCTL_OUTPUT")
            .env_remove("DEPLOYCTL_COLOR")
            .env_remove("NO_COLOR")
            .env_remove("GITHUB_ACTIONS")
            .stdin(Stdio::null());
        c
    }

    /// Run deployctl and return its output (whatever the exit code).
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run deployctl")
    }

    /// Run deployctl, insisting on success.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "deployctl {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Run `deployctl --output json ARGS` (insisting on success): stdout must be exactly one
    /// JSON document, valid against the command's schema (docs/schema/).
    pub fn json(&self, args: &[&str]) -> Value {
        let mut a = vec!["--output", "json"];
        a.extend_from_slice(args);
        let out = self.ok(&a);
        schema::parse(schema::Kind::of_command(&a), out.as_bytes())
    }

    /// Run `deployctl ARGS` (any exit code) and parse its stdout as the JSON it promises,
    /// checked against the schemas (see `schema::parse_stdout`); the last document.
    pub fn run_json(&self, args: &[&str]) -> (Output, Value) {
        let out = self.run(args);
        let docs = schema::parse_stdout(args, &out.stdout);
        let last = docs.last().cloned().unwrap_or_else(|| {
            panic!(
                "no JSON from {args:?} ({:?}): {}",
                out.status.code(),
                stderr(&out)
            )
        });
        (out, last)
    }

    pub fn status(&self, app: &str) -> Value {
        self.json(&["status", app])
    }

    /// Poll `status` until `pred` holds, or panic with the last status after `timeout`.
    pub fn wait_status(
        &self,
        app: &str,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            // Before an agent or a publish has created the app, `status` says "no such app"
            // (exit 2): that is "not yet" here.
            let out = self.run(&["--output", "json", "status", app]);
            let st = if out.status.code() == Some(2) && stderr(&out).contains("no such app") {
                Value::Null
            } else {
                assert!(out.status.success(), "status {app}: {}", stderr(&out));
                serde_json::from_slice(&out.stdout)
                    .unwrap_or_else(|e| panic!("bad JSON from status {app}: {e}"))
            };
            if pred(&st) {
                return st;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; last status:\n{st:#}");
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Wait until every host in `hosts` reports `state` for `release`.
    pub fn wait_hosts(
        &self,
        app: &str,
        hosts: &[String],
        release: u64,
        states: &[&str],
        timeout: Duration,
    ) -> Value {
        self.wait_status(
            app,
            timeout,
            &format!("{hosts:?} in {states:?} at release {release}"),
            |st| {
                hosts.iter().all(|h| {
                    host(st, h).is_some_and(|v| {
                        v["release"] == release
                            && states.contains(&v["state"].as_str().unwrap_or(""))
                    })
                })
            },
        )
    }

    /// Start one agent per name for `app` (with `extra` agent flags) and wait until each of
    /// them is registered.
    pub fn start_agents(&self, app: &str, names: &[String], extra: &[&str]) -> Vec<Agent> {
        let agents: Vec<Agent> = names
            .iter()
            .map(|h| self.agent_with(h, &[app], extra))
            .collect();
        self.wait_status(app, Duration::from_secs(60), "agents registered", |st| {
            names
                .iter()
                .all(|n| host(st, n).is_some_and(|h| h["registered"] == true))
        });
        agents
    }

    /// Wait until some host of `app` is deploying, and name it.
    pub fn wait_for_deploying(&self, app: &str, timeout: Duration) -> String {
        let st = self.wait_status(app, timeout, "a host deploying", |st| {
            st["hosts"]
                .as_array()
                .is_some_and(|h| h.iter().any(|h| h["state"] == "deploying"))
        });
        let hosts = st["hosts"].as_array().cloned().unwrap_or_default();
        let h = hosts
            .iter()
            .find(|h| h["state"] == "deploying")
            .expect("a deploying host");
        h["host"].as_str().expect("host name").to_string()
    }

    pub fn agent(&self, host: &str, apps: &[&str]) -> Agent {
        self.agent_with(host, apps, &[])
    }

    pub fn agent_with(&self, host: &str, apps: &[&str], extra: &[&str]) -> Agent {
        self.agent_setup(host, apps, extra, |_| {})
    }

    /// An agent whose command `setup` may adjust before it starts (limits, environment).
    pub fn agent_setup(
        &self,
        host: &str,
        apps: &[&str],
        extra: &[&str],
        setup: impl FnOnce(&mut Command),
    ) -> Agent {
        let state = self.path(&format!("state-{host}"));
        std::fs::create_dir_all(&state).expect("state dir");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(state.join("agent.log"))
            .expect("agent log");
        let mut c = self.cmd();
        c.args(["agent", "--host", host]);
        // 2 s sessions unless the test picks its own.
        if !extra.contains(&"--session-timeout") {
            c.args(["--session-timeout", "2s"]);
        }
        c.arg("--state-dir")
            .arg(&state)
            .args(apps.iter().flat_map(|a| ["--app", a]))
            .args(extra)
            .env("DEPLOYCTL_LOG", "deployctl=debug")
            .stdout(Stdio::null())
            .stderr(log);
        setup(&mut c);
        Agent {
            child: Some(c.spawn().expect("spawn agent")),
            host: host.to_string(),
            state,
        }
    }
}

impl TestEnv {
    /// `--output json wait-for-rollout ARGS…`, started in the background.
    pub fn spawn_wait(&self, args: &[&str]) -> Child {
        self.cmd()
            .args(["--output", "json", "wait-for-rollout"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn wait-for-rollout")
    }

    /// `--output json wait-for-rollout ARGS…`: its exit code and summary (schema-checked).
    pub fn wait_json(&self, args: &[&str]) -> (Option<i32>, Value) {
        let mut a = vec!["--output", "json", "wait-for-rollout"];
        a.extend_from_slice(args);
        wait_summary(self.run(&a))
    }

    /// Options for a direct ZooKeeper client on this test's servers and root.
    pub fn zk_options(&self) -> deployctl::zk::ZkOptions {
        deployctl::zk::ZkOptions {
            servers: self.servers.clone(),
            root: self.root.clone(),
            ..Default::default()
        }
    }
}

/// A finished wait's exit code and summary (schema-checked).
pub fn wait_summary(out: Output) -> (Option<i32>, Value) {
    assert!(
        !out.stdout.is_empty(),
        "no summary: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = schema::parse(schema::Kind::WaitSummary, &out.stdout);
    (out.status.code(), v)
}

/// Run a future to completion on a small runtime (direct ZooKeeper access from a test).
pub fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

impl Drop for TestEnv {
    /// `DEPLOYCTL_KEEP_TEST_DIRS=1` keeps a copy of the test's dir (agent logs, deploy logs).
    fn drop(&mut self) {
        if std::env::var_os("DEPLOYCTL_KEEP_TEST_DIRS").is_some() {
            let keep =
                std::env::temp_dir().join(format!("deployctl-kept{}", self.root.replace('/', "-")));
            let _ = std::fs::remove_dir_all(&keep);
            let _ = Command::new("cp")
                .arg("-r")
                .arg(self.dir.path())
                .arg(&keep)
                .status();
            eprintln!("kept {}", keep.display());
        }
    }
}

/// A finished command's stderr, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn host<'a>(status: &'a Value, name: &str) -> Option<&'a Value> {
    status["hosts"]
        .as_array()?
        .iter()
        .find(|h| h["host"] == name)
}

pub struct Agent {
    child: Option<Child>,
    pub host: String,
    pub state: PathBuf,
}

impl Agent {
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.state.join("agent.log")).unwrap_or_default()
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Deploy command used by the tests: logs start/end with nanosecond timestamps to
/// `{{ vars.log }}`, sleeps, then records the version where `get_version_cmd` finds it.
pub fn logging_deploy(sleep: &str) -> String {
    format!(
        "echo start {{{{ host }}}} $(date +%s%N) >> {{{{ vars.log }}}}; sleep {sleep}; \
         echo end {{{{ host }}}} $(date +%s%N) >> {{{{ vars.log }}}}; echo {{{{ version }}}} > version"
    )
}

/// A deploy command that holds its slot until the file `gate` exists, then runs `then`: the
/// test decides when the slot holder may finish.
pub fn gated_deploy(gate: &Path, then: &str) -> String {
    format!(
        "while [ ! -e {} ]; do sleep 0.05; done; {then}",
        gate.display()
    )
}

/// The hosts whose status for `release` is `state`, in name order.
pub fn hosts_in(status: &Value, release: u64, state: &str) -> Vec<String> {
    status["hosts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|h| h["release"] == release && h["state"] == state)
        .filter_map(|h| h["host"].as_str().map(str::to_string))
        .collect()
}

pub const GET_VERSION: &str = "cat version 2>/dev/null || true";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interval {
    pub host: String,
    pub start: u128,
    pub end: Option<u128>,
}

/// Parse the deploy log into intervals (an unterminated start has `end: None`).
pub fn intervals(log: &Path) -> Vec<Interval> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut out: Vec<Interval> = vec![];
    for line in text.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [kind, host, t] = parts[..] else {
            panic!("bad log line {line:?}")
        };
        let t: u128 = t.parse().expect("timestamp");
        match kind {
            "start" => out.push(Interval {
                host: host.into(),
                start: t,
                end: None,
            }),
            "end" => {
                let open = out
                    .iter_mut()
                    .rev()
                    .find(|i| i.host == host && i.end.is_none())
                    .unwrap_or_else(|| panic!("end without start: {line}"));
                open.end = Some(t);
            }
            _ => panic!("bad log line {line:?}"),
        }
    }
    out
}

/// The most deploys running at the same instant; unterminated ones last until `open_until`.
pub fn max_overlap(iv: &[Interval], open_until: u128) -> usize {
    let mut events: Vec<(u128, i32)> = vec![];
    for i in iv {
        events.push((i.start, 1));
        events.push((i.end.unwrap_or(open_until), -1));
    }
    // At equal times, an end comes before a start: touching intervals do not overlap.
    events.sort();
    let (mut cur, mut max) = (0i32, 0i32);
    for (_, d) in events {
        cur += d;
        max = max.max(cur);
    }
    max as usize
}

pub fn now_ns() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

pub fn hosts(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}{i}")).collect()
}

pub fn release_of(publish_json: &Value) -> u64 {
    publish_json["release"].as_u64().expect("release id")
}

/// Poll `f` until it yields a value (bounded): for conditions outside `status` (files, logs,
/// processes). Panics naming `what` when `timeout` passes first.
pub fn wait_until<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
