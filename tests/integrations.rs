//! The pipeline side: generated completions and man pages, the Jenkins step (the GitHub Action
//! runs under act in tests/action.rs).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

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
/// a warning (`.ci/install-test-deps` installs it from npm; it runs on the installed Java).
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
