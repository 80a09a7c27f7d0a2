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
    assert!(
        stdout.contains("checks: error_rate <= 0.05: 3 pass\n"),
        "the checks' tally: {stdout}"
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
            report
                .cases
                .iter()
                .all(|c| c.classname == "demo" || c.classname == "demo.checks"),
            "{report:?}"
        );
        // Every host passed the metric-gated canary's check, judged by a real Prometheus.
        let checks: Vec<_> = report
            .cases
            .iter()
            .filter(|c| c.classname == "demo.checks")
            .collect();
        assert_eq!(checks.len(), 3, "a check case per host: {report:?}");
        assert!(
            checks
                .iter()
                .all(|c| c.kind == "passed" && c.name.ends_with(" error_rate")),
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

/// `--fail-check`: the second release fails 30% of the demo traffic; the canary's metric check
/// (a real Prometheus) fails it and halts the release before any other host starts. The reports
/// name the check, its query, the value and the threshold.
#[test]
fn sandbox_fail_check_halts_the_canary_on_its_metric() {
    let tmp = tempfile::tempdir().unwrap();
    let results = tempfile::tempdir().unwrap();
    let out = sandbox(tmp.path(), results.path(), &["--fail-check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("demo release 2 (1.1.0): failed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("checks: error_rate <= 0.05: 0 pass, 1 fail (host-"),
        "the checks' tally: {stdout}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(results.path().join("release-2.json")).unwrap(),
    )
    .unwrap();
    common::schema::check(common::schema::Kind::WaitSummary, &json);
    let hosts = json["hosts"].as_array().unwrap();
    let failed: Vec<_> = hosts.iter().filter(|h| h["state"] == "failed").collect();
    assert_eq!(failed.len(), 1, "only the canary: {json:#}");
    // Nobody else started: the others never deployed 1.1.0.
    assert!(
        hosts
            .iter()
            .filter(|h| h["state"] != "failed")
            .all(|h| h["attempts"] == 0),
        "{json:#}"
    );
    let check = &failed[0]["checks"][0];
    assert_eq!(check["name"], "error_rate", "{json:#}");
    assert_eq!(check["verdict"], "fail", "{json:#}");
    assert_eq!(check["threshold"], 0.05, "{json:#}");
    assert!(
        check["query"]
            .as_str()
            .is_some_and(|q| q.contains("demo_errors_total")),
        "{json:#}"
    );
    assert!(
        check["samples"][0]["value"]
            .as_f64()
            .is_some_and(|v| v > 0.05),
        "{json:#}"
    );
    let report = common::junit::check_junit(&results.path().join("release-2.junit.xml"));
    let case = report
        .cases
        .iter()
        .find(|c| c.classname == "demo.checks")
        .unwrap_or_else(|| panic!("no check case: {report:?}"));
    assert_eq!(case.kind, "failure", "{case:?}");
    assert!(
        case.message.contains("error_rate") && case.message.contains("<= 0.05"),
        "{case:?}"
    );
    assert!(std::fs::read_dir(tmp.path()).unwrap().next().is_none());
}
