//! Metric checks (`--check`) against a real Prometheus (Debian's `prometheus`, started here on a
//! free port) scraping a small exporter whose values each host's deploy command (or the test)
//! sets. Missing data is never a pass: an empty series or a dead Prometheus holds the rollout.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::prometheus::Prom;
use common::*;

const T: Duration = Duration::from_secs(60);

/// Each host's deploy writes the version and the error ratio its traffic will show (a var).
const DEPLOY: &str = "echo {{ version }} > version; echo {{ vars.error_ratio }} > error_ratio";
const CHECK: &str = "err=demo_error_ratio{host=\"{{ host }}\"} <= 0.05";

fn app_dir(env: &TestEnv, host: &str) -> PathBuf {
    env.path(&format!("state-{host}/apps/web"))
}

fn start(env: &TestEnv, names: &[String]) -> Prom {
    let dirs: Vec<(String, PathBuf)> = names.iter().map(|h| (h.clone(), app_dir(env, h))).collect();
    Prom::start(env.dir.path(), &dirs)
}

fn publish_args<'a>(prom: &'a str, version: &'a str, ratio: &'a str, bake: &'a str) -> Vec<String> {
    [
        "publish",
        "web",
        version,
        "--deploy-cmd",
        DEPLOY,
        "--get-version-cmd",
        GET_VERSION,
        "--var",
        &format!("error_ratio={ratio}"),
        "--bake-time",
        bake,
        "--check",
        CHECK,
        "--check-interval",
        "1s",
        "--check-failure-limit",
        "2",
        "--check-inconclusive-limit",
        "2",
        "--prometheus-url",
        prom,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn ok(env: &TestEnv, args: &[String]) -> String {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    env.ok(&a)
}

/// `publish web VERSION` with a fleet-wide step check (`--step-check CHECK`, judged every second)
/// over `STEPS`, each host's traffic at `ratio`; extra flags after.
fn step_publish(
    env: &TestEnv,
    prom: &str,
    version: &str,
    ratio: &str,
    steps: &str,
    check: &str,
    extra: &[&str],
) -> serde_json::Value {
    let ratio = format!("error_ratio={ratio}");
    let mut args = vec![
        "publish",
        "web",
        version,
        "--deploy-cmd",
        DEPLOY,
        "--var",
        &ratio,
        "--steps",
        steps,
        "--step-check",
        check,
        "--check-interval",
        "1s",
        "--prometheus-url",
        prom,
    ];
    args.extend_from_slice(extra);
    env.json(&args)
}

/// The release's ledger as ZooKeeper has it now.
fn ledger_of(env: &TestEnv, release: u64) -> deployctl::model::Ledger {
    block_on(async {
        let zk = deployctl::zk::connect(&env.zk_options()).await.unwrap();
        zk.read_ledger("web", release).await.unwrap().unwrap().0
    })
}

/// A version that raises the canary's error rate fails it after the check's failure limit; the
/// release halts and rolls back exactly once; the wait exits 1, and its JSON and JUnit name the
/// check, the query, the value and the threshold.
#[test]
fn a_version_that_raises_the_error_rate_halts_and_rolls_back_once() {
    let env = TestEnv::new("metrics-halt");
    let names = hosts("m", 2);
    let prom = start(&env, &names);
    let _agents = env.start_agents("web", &names, &[]);
    ok(&env, &publish_args(&prom.url, "1.0", "0.01", "2s"));
    env.ok(&["wait-for-rollout", "web", "--timeout", "60s"]);
    let st = env.status("web");
    for h in &names {
        let checks = &host(&st, h).expect("host")["checks"];
        assert_eq!(checks[0]["verdict"], "pass", "{st:#}");
        assert_eq!(
            checks[0]["query"],
            format!("demo_error_ratio{{host=\"{h}\"}}")
        );
    }

    let mut args = publish_args(&prom.url, "2.0", "0.5", "10s");
    args.extend(["--steps", "1,100%", "--auto-rollback"].map(String::from));
    ok(&env, &args);
    let junit = env.path("junit.xml");
    let (code, summary) = env.wait_json(&[
        "web",
        "--release",
        "2",
        "--timeout",
        "60s",
        "--junit",
        junit.to_str().expect("path"),
    ]);
    assert_eq!(code, Some(1), "{summary:#}");
    assert_eq!(summary["result"], "rolled_back", "{summary:#}");
    let msg = summary["message"].as_str().unwrap_or_default();
    for part in ["check err", "0.5 is not <= 0.05", "demo_error_ratio{host="] {
        assert!(msg.contains(part), "{part:?} not in {msg}");
    }
    let xml = std::fs::read_to_string(&junit).expect("junit");
    common::junit::check_junit(&junit);
    assert!(
        xml.contains("0.5 is not &lt;= 0.05") || xml.contains("0.5 is not <= 0.05"),
        "{xml}"
    );
    // The rollback runs: every host back on 1.0, and exactly one rollback of release 2.
    env.ok(&["wait-for-rollout", "web", "--timeout", "60s"]);
    let history = env.json(&["history", "web"]);
    let rollbacks = history["releases"]
        .as_array()
        .expect("releases")
        .iter()
        .filter(|r| r["spec"]["rollback_of"] == 2 || r["rollback_of"] == 2)
        .count();
    assert_eq!(rollbacks, 1, "{history:#}");
    // Why the canary failed outlives its status (now the rollback's): release 2's ledger keeps
    // the check that failed it, with the value and threshold.
    let r2 = history["releases"]
        .as_array()
        .expect("releases")
        .iter()
        .find(|r| r["release"] == 2)
        .expect("release 2");
    let kept = &r2["ledger"]["failed_checks"];
    assert_eq!(kept.as_array().map(Vec::len), Some(1), "{r2:#}");
    assert_eq!(kept[0]["checks"][0]["name"], "err", "{r2:#}");
    assert_eq!(kept[0]["checks"][0]["verdict"], "fail", "{r2:#}");
    assert_eq!(kept[0]["checks"][0]["samples"][0]["value"], 0.5, "{r2:#}");
    assert_eq!(kept[0]["checks"][0]["threshold"], 0.05, "{r2:#}");
    // Only the canary took 2.0.
    let ran_2: Vec<&String> = names
        .iter()
        .filter(|h| {
            std::fs::read_to_string(app_dir(&env, h).join("error_ratio"))
                .is_ok_and(|v| v.trim() == "0.5")
        })
        .collect();
    assert!(
        ran_2.is_empty(),
        "hosts still on the bad version: {ran_2:?}"
    );
}

/// No traffic — the query's series is empty — holds the rollout as inconclusive: the host keeps
/// baking and the wait does not succeed. Traffic back, it goes on.
#[test]
fn no_data_holds_the_rollout_until_traffic_returns() {
    let env = TestEnv::new("metrics-empty");
    let names = hosts("e", 1);
    let prom = start(&env, &names);
    let _agents = env.start_agents("web", &names, &[]);
    ok(&env, &publish_args(&prom.url, "1.0", "none", "1s"));
    env.wait_status("web", T, "the host held for want of data", |st| {
        host(st, "e1").is_some_and(|h| {
            h["state"] == "baking"
                && h["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("held:"))
                && h["checks"][0]["verdict"] == "inconclusive"
        })
    });
    let (code, summary) = env.wait_json(&["web", "--timeout", "2s"]);
    assert_eq!(code, Some(3), "no data must not pass: {summary:#}");
    let msg = summary["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("held on e1") && msg.contains("inconclusive"),
        "{msg}"
    );
    // The hold stops the rollout like a gate: `--until-gate` ends there, saying why.
    let (code, summary) = env.wait_json(&["web", "--until-gate", "--timeout", "30s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    assert_eq!(summary["result"], "paused", "{summary:#}");
    let msg = summary["message"].as_str().unwrap_or_default();
    assert!(msg.contains("held on e1: check err: inconclusive"), "{msg}");
    assert_eq!(
        host(&env.status("web"), "e1").expect("host")["state"],
        "baking"
    );
    // Traffic comes back.
    std::fs::write(app_dir(&env, "e1").join("error_ratio"), "0.01\n").expect("write");
    let (code, summary) = env.wait_json(&["web", "--timeout", "60s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    assert_eq!(summary["hosts"][0]["checks"][0]["verdict"], "pass");
}

/// Prometheus killed mid-rollout: every evaluation is inconclusive (unreachable) and the host
/// holds, even once its traffic is fine; restarted, the rollout goes on.
#[test]
fn a_dead_prometheus_holds_the_rollout_and_a_restarted_one_lets_it_go_on() {
    let env = TestEnv::new("metrics-down");
    let names = hosts("d", 1);
    let mut prom = start(&env, &names);
    let _agents = env.start_agents("web", &names, &[]);
    // No data at first: the host holds whatever the timing.
    ok(&env, &publish_args(&prom.url, "1.0", "none", "1s"));
    env.wait_status("web", T, "the host baking", |st| {
        host(st, "d1").is_some_and(|h| h["state"] == "baking")
    });
    prom.kill();
    std::fs::write(app_dir(&env, "d1").join("error_ratio"), "0.01\n").expect("write");
    env.wait_status("web", T, "the host held: Prometheus unreachable", |st| {
        host(st, "d1").is_some_and(|h| {
            h["state"] == "baking"
                && h["checks"][0]["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains("unreachable"))
        })
    });
    let (code, _) = env.wait_json(&["web", "--timeout", "2s"]);
    assert_eq!(code, Some(3), "a dead Prometheus must not pass");
    prom.start_again();
    let (code, summary) = env.wait_json(&["web", "--timeout", "60s"]);
    assert_eq!(code, Some(0), "{summary:#}");
}

/// A relative check (`<= baseline * 1.2`: the same query for the hosts still on the previous
/// version, at the same moment) fails a canary whose error ratio an absolute threshold passes.
#[test]
fn a_relative_check_fails_a_canary_an_absolute_threshold_passes() {
    let env = TestEnv::new("metrics-relative");
    let names = hosts("r", 3);
    let prom = start(&env, &names);
    let _agents = env.start_agents("web", &names, &[]);
    ok(&env, &publish_args(&prom.url, "1.0", "0.01", "1s"));
    env.ok(&["wait-for-rollout", "web", "--timeout", "60s"]);
    let relative = "rel=avg(demo_error_ratio{version=\"{{ version }}\"}) <= baseline * 1.2";
    let mut args = publish_args(&prom.url, "2.0", "0.03", "5s");
    args.extend(["--check", relative, "--steps", "1,100%"].map(String::from));
    ok(&env, &args);
    let (code, summary) = env.wait_json(&["web", "--timeout", "60s"]);
    assert_eq!(code, Some(1), "{summary:#}");
    assert_eq!(summary["result"], "failed", "{summary:#}");
    let canary = summary["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .find(|h| h["release"] == 2 && h["state"] == "failed")
        .expect("the failed canary");
    let checks = canary["checks"].as_array().expect("checks");
    let by = |name: &str| checks.iter().find(|c| c["name"] == name).expect("check");
    assert_eq!(
        by("err")["verdict"],
        "pass",
        "absolute 0.03 <= 0.05: {canary:#}"
    );
    let rel = by("rel");
    assert_eq!(rel["verdict"], "fail", "{canary:#}");
    assert_eq!(rel["baseline"], 0.01, "{rel:#}");
    assert_eq!(
        rel["baseline_query"], "avg(demo_error_ratio{version=\"1.0\"})",
        "{rel:#}"
    );
    // Only the canary took 2.0.
    assert_eq!(
        summary["hosts"]
            .as_array()
            .expect("hosts")
            .iter()
            .filter(|h| h["release"] == 2 && h["attempts"].as_u64() > Some(0))
            .count(),
        1,
        "{summary:#}"
    );
}

/// A step-scope check (`--step-check`) with 6 agents racing to each step boundary: exactly one
/// agent evaluates it per step and records the decision in the ledger; the next step starts only
/// on its pass. A failing one halts the release, naming the check.
#[test]
fn a_step_check_is_evaluated_once_per_step_by_one_of_six_agents() {
    let env = TestEnv::new("metrics-step");
    let names = hosts("s", 6);
    let prom = start(&env, &names);
    let agents = env.start_agents("web", &names, &[]);
    let step_check = "fleet=max(demo_error_ratio) <= 0.05";
    let publish = |version: &str, ratio: &str| {
        step_publish(
            &env,
            &prom.url,
            version,
            ratio,
            "2,50%,100%",
            step_check,
            &["--check-failure-limit", "1"],
        )
    };
    let out = publish("1.0", "0.01");
    let release = release_of(&out);
    env.ok(&["wait-for-rollout", "web", "--timeout", "90s"]);
    let sc = ledger_of(&env, release)
        .step_checks
        .expect("step checks in the ledger");
    let mut steps: Vec<usize> = sc.decisions.iter().map(|d| d.step).collect();
    steps.sort();
    assert_eq!(
        steps,
        vec![0, 1],
        "one decision per boundary: {:?}",
        sc.decisions
    );
    assert!(
        sc.decisions
            .iter()
            .all(|d| d.verdict == deployctl::checks::Verdict::Pass)
    );
    assert!(sc.claim.is_none());
    let evaluations: usize = agents
        .iter()
        .map(|a| a.log().matches("evaluating the step checks").count())
        .sum();
    assert_eq!(evaluations, 2, "exactly one evaluation per step boundary");

    // A version that raises the error ratio: the first boundary's check fails, the release halts.
    publish("2.0", "0.5");
    let (code, summary) = env.wait_json(&["web", "--timeout", "90s"]);
    assert_eq!(code, Some(1), "{summary:#}");
    let msg = summary["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("step checks failed") && msg.contains("max(demo_error_ratio)"),
        "{msg}"
    );
    let st = env.status("web");
    assert_eq!(
        hosts_in(&st, 2, "healthy").len(),
        2,
        "only the first step ran: {st:#}"
    );
    // The history shows both releases' step decisions (checked against its schema), the failed
    // one with its records.
    let history = env.json(&["history", "web"]);
    let decisions = |r: u64| {
        history["releases"]
            .as_array()
            .expect("releases")
            .iter()
            .find(|e| e["release"] == r)
            .map(|e| e["ledger"]["step_checks"]["decisions"].clone())
            .unwrap_or_default()
    };
    assert_eq!(decisions(release)[1]["verdict"], "pass", "{history:#}");
    let failed = decisions(release + 1);
    assert_eq!(failed[0]["verdict"], "fail", "{history:#}");
    assert_eq!(failed[0]["records"][0]["name"], "fleet", "{history:#}");
}

/// The agent config's own checks (`[apps.web] checks`, with its `prometheus_url`) apply to a
/// release that carries none, baking one check interval for them.
#[test]
fn the_agent_configs_own_checks_judge_a_release_without_any() {
    let env = TestEnv::new("metrics-local");
    let names = hosts("l", 1);
    let prom = start(&env, &names);
    let config = env.path("agent.toml");
    std::fs::write(
        &config,
        format!(
            "prometheus_url = {:?}\n[apps.web]\nchecks = [{:?}]\n",
            prom.url,
            "local=demo_error_ratio{host=\"{{ host }}\", group=\"{{ group }}\"} or demo_error_ratio{host=\"{{ host }}\"} <= 0.05"
        ),
    )
    .expect("config");
    let _agents = env.start_agents("web", &names, &["--config", config.to_str().expect("path")]);
    env.ok(&[
        "publish",
        "web",
        "1.0",
        "--deploy-cmd",
        DEPLOY,
        "--var",
        "error_ratio=0.5",
        "--check-interval",
        "1s",
    ]);
    let (code, summary) = env.wait_json(&["web", "--timeout", "60s"]);
    assert_eq!(code, Some(1), "{summary:#}");
    let host = &summary["hosts"][0];
    assert_eq!(host["checks"][0]["name"], "local", "{summary:#}");
    assert_eq!(host["checks"][0]["verdict"], "fail", "{summary:#}");
}

/// A step whose hosts are all done, with none left to wait for the next step (`--steps 2,100%`
/// on 2 hosts): a done host evaluates its step checks, so the release does not wait for ever.
#[test]
fn step_checks_with_no_host_left_waiting_are_evaluated_by_a_done_one() {
    let env = TestEnv::new("metrics-step-done");
    let names = hosts("t", 2);
    let prom = start(&env, &names);
    let agents = env.start_agents("web", &names, &[]);
    step_publish(
        &env,
        &prom.url,
        "1.0",
        "0.01",
        "2,100%",
        "fleet=max(demo_error_ratio) <= 0.05",
        &[],
    );
    let (code, summary) = env.wait_json(&["web", "--timeout", "60s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    let evaluations: usize = agents
        .iter()
        .map(|a| a.log().matches("evaluating the step checks").count())
        .sum();
    assert_eq!(evaluations, 1);
}

/// Step checks at a boundary followed by a timed hold (`--steps 1,pause 6s,100%`) are judged over
/// the whole hold, not once before it: a fleet that passes the first evaluations and then turns
/// bad while the release holds fails the step and halts the release.
#[test]
fn step_checks_are_judged_over_a_timed_hold() {
    let env = TestEnv::new("metrics-hold");
    let names = hosts("h", 3);
    let prom = start(&env, &names);
    let _agents = env.start_agents("web", &names, &[]);
    // The query renders a secret var (a label that matches every series): it must not reach
    // the ledger, the history or the halt reason.
    let publish = |version: &str| {
        step_publish(
            &env,
            &prom.url,
            version,
            "0.01",
            "1,pause 6s,100%",
            "fleet=max(demo_error_ratio{absent!=\"{{ vars.tok }}\"}) <= 0.05",
            &["--secret-var", "tok=s3cr3t-tok"],
        )
    };
    let r1 = release_of(&publish("1.0"));
    env.ok(&["wait-for-rollout", "web", "--timeout", "90s"]);
    let sc = ledger_of(&env, r1).step_checks.expect("step checks");
    let steps: Vec<usize> = sc.decisions.iter().map(|d| d.step).collect();
    assert_eq!(steps, vec![1], "one decision, for the hold: {sc:?}");
    let evaluations = sc.decisions[0].records[0].evaluations;
    assert!(
        evaluations >= 5,
        "judged every second over the 6 s hold, not once: {evaluations}"
    );

    // Release 2: once the hold's first evaluations passed, the canary's traffic turns bad.
    let r2 = release_of(&publish("2.0"));
    wait_until("two passing evaluations in the hold", T, || {
        ledger_of(&env, r2)
            .step_checks
            .and_then(|c| c.claim)
            .filter(|c| {
                c.records
                    .first()
                    .is_some_and(|r| r.evaluations >= 2 && r.failures == 0)
            })
    });
    let st = env.status("web");
    let canary = hosts_in(&st, r2, "healthy");
    assert_eq!(canary.len(), 1, "{st:#}");
    std::fs::write(app_dir(&env, &canary[0]).join("error_ratio"), "0.5\n").expect("ratio");
    let (code, summary) = env.wait_json(&["web", "--timeout", "90s"]);
    assert_eq!(code, Some(1), "{summary:#}");
    let msg = summary["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("step checks failed over step 2 of 3") && msg.contains("0.5"),
        "{msg}"
    );
    let st = env.status("web");
    assert_eq!(
        hosts_in(&st, r2, "healthy"),
        canary,
        "only the canary ran 2.0: {st:#}"
    );
    let history = env.json(&["history", "web"]).to_string();
    assert!(
        history.contains("absent!="),
        "the queries are there: {history}"
    );
    assert!(
        !history.contains("s3cr3t-tok"),
        "a secret in the history: {history}"
    );
    assert!(!msg.contains("s3cr3t-tok"), "{msg}");
}

/// `promote` ends a timed hold early, and with it the step checks judged over it: the agent
/// evaluating them (here: no data, inconclusive for ever) stops without a decision and deploys
/// like the others; the release completes.
#[test]
fn a_promote_ends_a_hold_and_the_checks_over_it() {
    let env = TestEnv::new("metrics-hold-promote");
    let names = hosts("p", 3);
    let prom = start(&env, &names);
    let agents = env.start_agents("web", &names, &[]);
    let out = step_publish(
        &env,
        &prom.url,
        "1.0",
        "0.01",
        "1,pause 10m,100%",
        "fleet=max(demo_no_such_metric) <= 1",
        &[],
    );
    let release = release_of(&out);
    wait_until("the hold's checks inconclusive twice", T, || {
        ledger_of(&env, release)
            .step_checks
            .and_then(|c| c.claim)
            .filter(|c| c.records.first().is_some_and(|r| r.inconclusive >= 2))
    });
    env.ok(&["promote", "web"]);
    env.ok(&["wait-for-rollout", "web", "--timeout", "60s"]);
    let st = env.status("web");
    assert_eq!(hosts_in(&st, release, "healthy").len(), 3, "{st:#}");
    // The evaluating agent stopped: no decision, no evaluation for ever of a passed hold.
    wait_until("the evaluator to stop", T, || {
        agents
            .iter()
            .any(|a| a.log().contains("end without a decision"))
            .then_some(())
    });
    assert!(
        ledger_of(&env, release)
            .step_checks
            .is_some_and(|c| c.decisions.is_empty()),
        "a promoted hold has no decision"
    );
}
