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
        pages += 1;
    }
    assert!(pages >= 15, "one page per subcommand");
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
