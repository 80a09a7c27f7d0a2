//! `deployctl sandbox`: the README's "run it" command.

mod common;

use std::process::Command;

use common::bin;

/// Processes whose command line mentions `needle`.
fn processes_mentioning(needle: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let c = std::fs::read(e.path().join("cmdline")).ok()?;
            let c = String::from_utf8_lossy(&c).replace('\0', " ");
            c.contains(needle).then_some(c)
        })
        .collect()
}

fn sandbox(
    tmp: &std::path::Path,
    results: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    Command::new(bin())
        .args(["sandbox", "--hosts", "3", "--results"])
        .arg(results)
        .args(extra)
        .env("TMPDIR", tmp)
        .env_remove("DEPLOYCTL_ZK")
        .output()
        .expect("run sandbox")
}

#[test]
fn sandbox_rolls_out_and_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let results = tempfile::tempdir().unwrap();
    let out = sandbox(tmp.path(), results.path(), &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("demo release 1 (1.0.0): succeeded"),
        "{stdout}"
    );
    assert!(
        stdout.contains("demo release 2 (1.1.0): succeeded"),
        "{stdout}"
    );
    for release in [1, 2] {
        let report = common::junit::check_junit(
            &results.path().join(format!("release-{release}.junit.xml")),
        );
        assert_eq!(
            report.counts.failures + report.counts.errors,
            0,
            "{report:?}"
        );
        assert!(
            report.cases.iter().all(|c| c.classname == "demo"),
            "{report:?}"
        );
    }
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "temp files left behind: {left:?}");
    let procs = processes_mentioning(&tmp.path().display().to_string());
    assert!(procs.is_empty(), "processes left behind: {procs:?}");
}

#[test]
fn sandbox_fail_host_exits_1_with_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let results = tempfile::tempdir().unwrap();
    let out = sandbox(tmp.path(), results.path(), &["--fail-host", "host-2"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("demo release 2 (1.1.0): failed"),
        "{stdout}"
    );
    assert!(stdout.contains("host-2  failed"), "{stdout}");
    let json = std::fs::read_to_string(results.path().join("release-2.json")).unwrap();
    assert!(json.contains("simulated failure on host-2"), "{json}");
    assert!(std::fs::read_dir(tmp.path()).unwrap().next().is_none());
    let out = Command::new(bin())
        .args(["sandbox", "--fail-host", "nobody"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
