//! `--help` and usage as a new user meets them: each subcommand's own options apart from the
//! global ZooKeeper/output ones, the exit-code table everywhere, usage lines that do not depend
//! on the environment. No ZooKeeper needed.

use std::process::Command;

use deployctl::error::ExitCode;

fn deployctl() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_deployctl"));
    for (k, _) in std::env::vars() {
        if k.starts_with("DEPLOYCTL_") {
            c.env_remove(k);
        }
    }
    c
}

/// Every visible command path: [], ["publish"], ["apps", "show"], ...
fn command_paths() -> Vec<Vec<String>> {
    fn walk(c: &clap::Command, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        out.push(path.clone());
        for sub in c.get_subcommands().filter(|s| !s.is_hide_set()) {
            let mut p = path.clone();
            p.push(sub.get_name().to_string());
            walk(sub, p, out);
        }
    }
    let mut out = vec![];
    walk(&deployctl::cli::command(), vec![], &mut out);
    out
}

fn help(path: &[String]) -> String {
    let out = deployctl().args(path).arg("--help").output().unwrap();
    assert!(out.status.success(), "{path:?} --help failed");
    String::from_utf8(out.stdout).unwrap()
}

/// The text under `heading` up to the next blank line.
fn section<'a>(text: &'a str, heading: &str) -> Option<&'a str> {
    let start = text.find(&format!("\n{heading}:\n"))? + heading.len() + 3;
    let rest = &text[start..];
    Some(&rest[..rest.find("\n\n").unwrap_or(rest.len())])
}

#[test]
fn every_help_separates_global_options_and_shows_the_exit_codes() {
    let paths = command_paths();
    assert!(paths.len() >= 18, "{paths:?}");
    for path in paths {
        let text = help(&path);
        let zk = section(&text, "ZooKeeper options")
            .unwrap_or_else(|| panic!("{path:?}: no ZooKeeper options heading:\n{text}"));
        assert!(
            zk.contains("--zk <SERVERS>") && zk.contains("--zk-root"),
            "{path:?}:\n{text}"
        );
        let global = section(&text, "Global options")
            .unwrap_or_else(|| panic!("{path:?}: no Global options heading:\n{text}"));
        assert!(
            global.contains("--output") && global.contains("--log-format"),
            "{path:?}"
        );
        // The command's own options hold none of the global ones.
        if let Some(own) = section(&text, "Options") {
            for global_flag in [
                "--zk",
                "--output",
                "--log-format",
                "--connect-timeout",
                "--quiet",
            ] {
                assert!(
                    !own.contains(&format!("{global_flag} "))
                        && !own.contains(&format!("{global_flag}\n")),
                    "{path:?}: {global_flag} among the command's own options:\n{own}"
                );
            }
        }
        let codes = section(&text, "Exit codes")
            .unwrap_or_else(|| panic!("{path:?}: no exit-code table:\n{text}"));
        for c in ExitCode::ALL {
            assert!(
                codes.contains(&format!("  {}  {}", c.code(), c.meaning())),
                "{path:?}: exit code {} missing:\n{codes}",
                c.code()
            );
        }
    }
}

#[test]
fn usage_line_does_not_depend_on_the_environment() {
    for env in [
        None,
        Some(("DEPLOYCTL_ZK", "127.0.0.1:2181")),
        Some(("DEPLOYCTL_OUTPUT", "json")),
    ] {
        let mut c = deployctl();
        if let Some((k, v)) = env {
            c.env(k, v);
        }
        let out = c.arg("wait-for-rollout").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{env:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("<APP>"), "{env:?}: {err}");
        assert!(
            err.contains("Usage: deployctl wait-for-rollout [OPTIONS] <APP>...\n"),
            "{env:?}: the usage line must not list the flags that happen to be set: {err}"
        );
    }
    // The same with the flag on the command line.
    let out = deployctl()
        .args(["--zk", "127.0.0.1:1", "status"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Usage: deployctl status [OPTIONS] <APP>\n"),
        "{err}"
    );
    assert!(!err.contains("--zk <SERVERS>"), "{err}");
}

/// The README's exit-code table is the same list, row for row.
#[test]
fn readme_exit_code_table_is_the_same_list() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let rows: Vec<&str> = readme
        .lines()
        .skip_while(|l| *l != "## Exit codes")
        .skip_while(|l| !l.starts_with("| code"))
        .skip(2) // the header and its rule
        .take_while(|l| l.starts_with("| "))
        .collect();
    let expected: Vec<String> = ExitCode::ALL
        .iter()
        .map(|c| format!("| {} | {} |", c.code(), c.meaning()))
        .collect();
    assert_eq!(rows, expected);
}

/// The man page's synopsis, as mandoc renders it, repeats a positional wherever `--help`'s usage
/// does (`wait-for-rollout <APP>...`; the synopsis said `<APP>`); and no option's help shows two
/// defaults (`sandbox --listen` printed `[default: a free port] [default: 127.0.0.1:0]`).
#[test]
fn man_synopsis_matches_usage_and_one_default_per_option() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for path in command_paths() {
        let text = help(&path);
        for line in text.lines() {
            assert!(
                line.matches("[default:").count() <= 1,
                "{path:?}: two defaults: {line}"
            );
        }
        if path.is_empty() {
            continue;
        }
        let usage = text
            .lines()
            .find_map(|l| l.strip_prefix("Usage: "))
            .unwrap_or_else(|| panic!("{path:?}: no usage line"));
        let page = root
            .join("man")
            .join(format!("deployctl-{}.1", path.join("-")));
        let out = Command::new("mandoc")
            .args(["-T", "utf8", "-O", "width=200"])
            .arg(&page)
            .env("MANWIDTH", "200")
            .output()
            .expect("mandoc (apt-get install -y mandoc)");
        assert!(out.status.success(), "{}", page.display());
        // Plain text: drop the overstrike (bold/underline) mandoc's terminal output uses.
        let rendered = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut plain = String::new();
        for c in rendered.chars() {
            if c == '\u{8}' {
                plain.pop();
            } else {
                plain.push(c);
            }
        }
        let synopsis = plain
            .split("SYNOPSIS")
            .nth(1)
            .and_then(|s| s.split("DESCRIPTION").next())
            .unwrap_or_else(|| panic!("{}: no SYNOPSIS", page.display()));
        let synopsis = synopsis.split_whitespace().collect::<Vec<_>>().join(" ");
        for word in usage.split_whitespace() {
            if word.starts_with('<') || word.starts_with("[<") {
                let name = word.trim_start_matches('[').trim_end_matches(']');
                let repeated = name.ends_with("...");
                let bare = name.trim_end_matches("...").trim_end_matches('>');
                let in_man = synopsis.contains(&format!("{bare}>..."))
                    || synopsis.contains(&format!("{}]...", bare.trim_start_matches('<')));
                assert_eq!(
                    repeated, in_man,
                    "{path:?}: --help says {word}, the man synopsis: {synopsis}"
                );
            }
        }
    }
}
