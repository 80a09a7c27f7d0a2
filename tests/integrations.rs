//! The pipeline side: generated completions and man pages, the Jenkins step, the GitHub Action.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::*;
use yaml_rust2::{Yaml, YamlLoader};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn clean_cmd(program: &str) -> Command {
    let mut c = Command::new(program);
    for (k, _) in std::env::vars() {
        if k.starts_with("DEPLOYCTL_") {
            c.env_remove(k);
        }
    }
    c
}

#[test]
fn completions_and_man_pages_are_up_to_date() {
    let out = clean_cmd(bin())
        .args(["generate-assets", "--check", "--dir"])
        .arg(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\nregenerate with `cargo run -- generate-assets`",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bash_completion_parses() {
    let out = Command::new("bash")
        .arg("-n")
        .arg(root().join("completions/deployctl.bash"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn man_pages_render_without_warnings() {
    let mut pages = 0;
    for e in std::fs::read_dir(root().join("man")).unwrap().flatten() {
        let out = Command::new("man")
            .args(["--warnings", "-l"])
            .arg(e.path())
            .env("MANWIDTH", "80")
            .env("MANPAGER", "cat")
            .output()
            .expect("man (apt-get install -y man-db groff)");
        assert!(out.status.success(), "{}", e.path().display());
        let warnings = String::from_utf8_lossy(&out.stderr);
        assert!(
            warnings.trim().is_empty(),
            "{}: {warnings}",
            e.path().display()
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("deployctl"));
        // mandoc is stricter than groff (dates, paragraph macros): no warning at all.
        let lint = Command::new("mandoc")
            .args(["-Tlint", "-W", "warning"])
            .arg(e.path())
            .output()
            .expect("mandoc (apt-get install -y mandoc)");
        assert!(
            lint.status.success() && lint.stdout.is_empty() && lint.stderr.is_empty(),
            "mandoc -Tlint: {}{}",
            String::from_utf8_lossy(&lint.stdout),
            String::from_utf8_lossy(&lint.stderr)
        );
        let text = std::fs::read_to_string(e.path()).unwrap();
        let status = text
            .split(".SH \"EXIT STATUS\"")
            .nth(1)
            .unwrap_or_else(|| panic!("{}: no EXIT STATUS section", e.path().display()));
        for c in deployctl::error::ExitCode::ALL {
            assert!(
                status.contains(&format!("\\fB{}\\fR\n{}", c.code(), c.meaning())),
                "{}: exit code {} missing",
                e.path().display(),
                c.code()
            );
        }
        // Every page a page refers to is shipped (`deployctl\-help(1)` was not).
        for xref in text
            .split("(1)")
            .map(|t| t.rsplit(['\n', ' ', '>']).next().unwrap_or(""))
        {
            let name = xref
                .replace("\\fB", "")
                .replace("\\fR", "")
                .replace("\\-", "-");
            if name.starts_with("deployctl") {
                assert!(
                    root().join("man").join(format!("{name}.1")).exists(),
                    "{} refers to {name}(1), which is not shipped",
                    e.path().display()
                );
            }
        }
        pages += 1;
    }
    assert!(pages >= 15, "one page per subcommand");
}

#[test]
fn completions_offer_no_internal_command_or_hidden_flag() {
    for e in std::fs::read_dir(root().join("completions"))
        .unwrap()
        .flatten()
    {
        let text = std::fs::read_to_string(e.path()).unwrap();
        for hidden in [
            "exec-guard",
            "exec__guard",
            "generate-assets",
            "generate__assets",
            "heartbeat",
        ] {
            assert!(
                !text.contains(hidden),
                "{} offers the hidden {hidden}",
                e.path().display()
            );
        }
        assert!(text.contains("wait-for-rollout"), "{}", e.path().display());
    }
}

#[test]
fn jenkins_step_and_jenkinsfile_compile() {
    let dir = tempfile::tempdir().unwrap();
    let groovyc = |args: &[&Path]| {
        let out = Command::new("groovyc")
            .arg("-d")
            .arg(dir.path().join("out"))
            .args(args)
            .output()
            .unwrap_or_else(|e| {
                panic!("groovyc: {e}; install it with `apt-get install -y groovy`")
            });
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    groovyc(&[&root().join("jenkins/vars/deployctl.groovy")]);
    // The Jenkinsfile is compiled as a script, with a stand-in for Jenkins' @Library.
    let stub = dir.path().join("Library.groovy");
    std::fs::write(&stub, "import java.lang.annotation.*\n@Retention(RetentionPolicy.SOURCE)\n@interface Library { String[] value() }\n").unwrap();
    let jf = dir.path().join("Jenkinsfile.groovy");
    std::fs::copy(root().join("jenkins/Jenkinsfile"), &jf).unwrap();
    groovyc(&[&stub, &jf]);
}

/// The Jenkins step and the example pipeline pass npm-groovy-lint (CodeNarc) without an error or
/// a warning (`.ci/install-deps` installs it from npm; it runs on the installed Java).
#[test]
fn jenkins_step_passes_npm_groovy_lint() {
    let out = Command::new("npm-groovy-lint")
        .args(["--noserver", "--failon", "warning", "--output", "txt"])
        .arg(root().join("jenkins/vars/deployctl.groovy"))
        .arg(root().join("jenkins/Jenkinsfile"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| {
            panic!("npm-groovy-lint: {e}; install it with `npm install -g npm-groovy-lint`")
        });
    assert!(
        out.status.success(),
        "npm-groovy-lint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs action.yml's steps like the GitHub runner: `${{ }}` expressions substituted, each step's
/// `env`, `bash --noprofile --norc -eo pipefail`, a fresh GITHUB_OUTPUT per step.
struct ActionRun {
    outputs: HashMap<String, String>,
    stdout: String,
    code: Option<i32>,
}

fn run_action(env: &TestEnv, inputs: &[(&str, &str)], summary: &Path) -> ActionRun {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let action = &YamlLoader::load_from_str(&text).unwrap()[0];
    let mut input_values: HashMap<String, String> = HashMap::new();
    if let Yaml::Hash(h) = &action["inputs"] {
        for (k, v) in h {
            input_values.insert(
                k.as_str().unwrap().to_string(),
                v["default"].as_str().unwrap_or("").to_string(),
            );
        }
    }
    for (k, v) in inputs {
        assert!(input_values.contains_key(*k), "unknown input {k}");
        input_values.insert(k.to_string(), v.to_string());
    }
    let mut step_outputs: HashMap<String, HashMap<String, String>> = HashMap::new();
    let expr = |s: &str, step_outputs: &HashMap<String, HashMap<String, String>>| -> String {
        let mut out = s.to_string();
        while let Some(start) = out.find("${{") {
            let end = out[start..].find("}}").unwrap() + start;
            let e = out[start + 3..end].trim().to_string();
            let value = if let Some(name) = e.strip_prefix("inputs.") {
                input_values[name].clone()
            } else if e == "github.action_path" {
                root().display().to_string()
            } else if e == "github.action_repository" {
                String::new()
            } else if let Some(rest) = e.strip_prefix("steps.") {
                let (id, name) = rest.split_once(".outputs.").unwrap();
                step_outputs
                    .get(id)
                    .and_then(|o| o.get(name))
                    .cloned()
                    .unwrap_or_default()
            } else {
                panic!("unsupported expression {e}")
            };
            out.replace_range(start..end + 2, &value);
        }
        out
    };
    let mut stdout = String::new();
    let mut code = Some(0);
    for (i, step) in action["runs"]["steps"].as_vec().unwrap().iter().enumerate() {
        let id = step["id"].as_str().unwrap().to_string();
        assert_eq!(step["shell"].as_str(), Some("bash"));
        let script = env.path(&format!("step-{i}.sh"));
        std::fs::write(&script, expr(step["run"].as_str().unwrap(), &step_outputs)).unwrap();
        let output_file = env.path(&format!("github_output-{i}"));
        std::fs::write(&output_file, "").unwrap();
        // Like the runner: the job's environment (here: this test's ZooKeeper root) plus the step's.
        let mut c = clean_cmd("bash");
        c.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script)
            .env("DEPLOYCTL_ZK_ROOT", &env.root);
        c.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_STEP_SUMMARY", summary)
            .env("RUNNER_TEMP", env.dir.path())
            .current_dir(env.dir.path());
        if let Yaml::Hash(h) = &step["env"] {
            for (k, v) in h {
                c.env(
                    k.as_str().unwrap(),
                    expr(v.as_str().unwrap_or(""), &step_outputs),
                );
            }
        }
        let out = c.output().unwrap();
        stdout.push_str(&String::from_utf8_lossy(&out.stdout));
        let outputs: HashMap<String, String> = std::fs::read_to_string(&output_file)
            .unwrap()
            .lines()
            .filter_map(|l| {
                l.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            })
            .collect();
        step_outputs.insert(id, outputs);
        code = out.status.code();
        if !out.status.success() {
            stdout.push_str(&String::from_utf8_lossy(&out.stderr));
            break;
        }
    }
    let mut outputs = HashMap::new();
    if let Yaml::Hash(h) = &action["outputs"] {
        for (k, v) in h {
            outputs.insert(
                k.as_str().unwrap().to_string(),
                expr(v["value"].as_str().unwrap(), &step_outputs),
            );
        }
    }
    ActionRun {
        outputs,
        stdout,
        code,
    }
}

#[test]
fn github_action_publishes_waits_and_reports() {
    let env = TestEnv::new("action");
    let _agents: Vec<Agent> = hosts("a", 2)
        .iter()
        .map(|h| env.agent(h, &["web"]))
        .collect();
    env.wait_status("web", Duration::from_secs(30), "agents", |st| {
        st["hosts"].as_array().is_some_and(|h| h.len() == 2)
    });
    let summary = env.path("step_summary.md");
    let junit = env.path("junit.xml");
    let common = [("binary", bin()), ("zk", zk_addr()), ("app", "web")];

    let mut inputs = common.to_vec();
    inputs.extend([
        ("command", "publish"),
        ("version", "1.0"),
        ("args", "--slots 2 --deploy-cmd true"),
    ]);
    let run = run_action(&env, &inputs, &summary);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(
        run.outputs["release"], "1",
        "{:?}\n{}",
        run.outputs, run.stdout
    );
    assert!(run.outputs["json"].contains("\"release\":1"));

    let mut inputs = common.to_vec();
    inputs.extend([
        ("command", "wait-for-rollout"),
        ("version", "1.0"),
        ("timeout", "30s"),
        ("junit", junit.to_str().unwrap()),
    ]);
    let run = run_action(&env, &inputs, &summary);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.outputs["result"], "succeeded");
    assert_eq!(run.outputs["release"], "1");
    assert_eq!(run.outputs["exit-code"], "0");
    let json: serde_json::Value = serde_json::from_str(&run.outputs["json"]).unwrap();
    assert_eq!(json["hosts"].as_array().unwrap().len(), 2);
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("<testcase name=\"a1\"")
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains("web release 1 (1.0): succeeded") && md.contains("| a2 | healthy |"),
        "{md}"
    );

    // A failing rollout: the step fails with exit code 1, result failed, an annotation.
    let mut inputs = common.to_vec();
    inputs.extend([
        ("command", "publish"),
        ("version", "2.0"),
        ("args", "--wait --slots 2 --deploy-cmd false"),
        ("timeout", "30s"),
    ]);
    let run = run_action(&env, &inputs, &summary);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert_eq!(run.outputs["result"], "failed");
    assert_eq!(run.outputs["exit-code"], "1");
    assert!(
        run.stdout
            .contains("::error title=deploy of web 2.0 failed on"),
        "{}",
        run.stdout
    );
}

/// Every `deployctl ...` command in the README's shell blocks must parse with the real CLI, so
/// the README cannot drift from the flags.
#[test]
fn readme_commands_parse() {
    use clap::Parser;
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    // None: outside a fence; Some(lang): inside one.
    let mut fence: Option<String> = None;
    let mut lines = vec![];
    let mut joined = String::new();
    for line in readme.lines() {
        if let Some(lang) = line.trim_start().strip_prefix("```") {
            fence = match fence {
                Some(_) => None,
                None => Some(lang.trim().to_string()),
            };
            continue;
        }
        if fence.as_deref() != Some("sh") {
            continue;
        }
        let l = line.trim();
        if let Some(cont) = l.strip_suffix('\\') {
            joined.push_str(cont);
            joined.push(' ');
            continue;
        }
        joined.push_str(l);
        lines.push(std::mem::take(&mut joined));
    }
    let mut checked = 0;
    for line in lines {
        let line = line.split(" #").next().unwrap().trim().to_string();
        for part in line.split("&&").chain(line.split(';')) {
            let part = part.trim().trim_end_matches('&').trim();
            let Some(at) = part.find("deployctl ") else {
                continue;
            };
            if part[..at].contains("cargo") || part.starts_with('#') {
                continue;
            }
            let words = shlex::split(&part[at..])
                .unwrap_or_else(|| panic!("unparsable README line: {part}"));
            if let Err(e) = deployctl::cli::Cli::try_parse_from(&words) {
                panic!("README command does not parse: {part}\n{e}");
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 5,
        "found only {checked} deployctl commands in the README"
    );
}
