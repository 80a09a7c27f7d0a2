//! Deploy freezes (`deployctl freeze` / `unfreeze`, `publish --override-freeze`) on real agents:
//! a freeze set during a rollout lets the running deploy finish and no other host start; the
//! wait says the release is held (and `--until-gate` ends there); a publish needs a break-glass
//! reason, recorded in the release.

mod common;

use std::time::Duration;

use common::*;

const T: Duration = Duration::from_secs(45);

#[test]
fn a_freeze_during_a_rollout_stops_new_starts_and_a_break_glass_publish_is_recorded() {
    let env = TestEnv::new("freeze");
    let names = hosts("z", 3);
    let _agents = env.start_agents("web", &names, &[]);
    let gate = env.path("gate");
    let log = env.path("starts.log");
    let deploy = format!(
        "echo {{{{ host }}}} >> {}; {}",
        log.display(),
        gated_deploy(&gate, "echo {{ version }} > version")
    );
    env.ok(&["publish", "web", "1.0", "--deploy-cmd", &deploy]);
    let first = env.wait_for_deploying("web", T);
    let out = env.json(&["freeze", "web", "--reason", "incident 42"]);
    assert_eq!(out["freeze"]["reason"], "incident 42", "{out:#}");
    // The running deploy finishes; nobody else starts.
    std::fs::write(&gate, "").expect("gate");
    env.wait_hosts("web", std::slice::from_ref(&first), 1, &["healthy"], T);
    let others: Vec<String> = names.iter().filter(|h| **h != first).cloned().collect();
    env.wait_status("web", T, "the others held by the freeze", |st| {
        others.iter().all(|h| {
            host(st, h).is_some_and(|v| v["message"].as_str().is_some_and(|m| m.contains("frozen")))
        })
    });
    let started = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(
        started.lines().count(),
        1,
        "only the running deploy: {started}"
    );
    // The wait is held; --until-gate ends there (exit 0, paused), a plain one times out.
    let (code, summary) = env.wait_json(&["web", "--until-gate", "--timeout", "30s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    assert_eq!(summary["result"], "paused", "{summary:#}");
    let msg = summary["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("frozen") && msg.contains("incident 42"),
        "{msg}"
    );
    let (code, summary) = env.wait_json(&["web", "--timeout", "2s"]);
    assert_eq!(code, Some(3), "{summary:#}");
    // Publishing needs a reason while frozen.
    let o = env.run(&["publish", "web", "2.0", "--deploy-cmd", &deploy]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--override-freeze"), "{}", stderr(&o));
    // Unfrozen, the rollout goes on.
    env.ok(&["unfreeze", "web"]);
    env.ok(&["wait-for-rollout", "web", "--timeout", "40s"]);
    // Break glass: frozen again, a hotfix goes out anyway and says why.
    env.ok(&["freeze", "web", "--reason", "holidays", "--until", "24h"]);
    let out = env.json(&[
        "publish",
        "web",
        "2.0",
        "--deploy-cmd",
        &deploy,
        "--override-freeze",
        "hotfix for CVE-1",
    ]);
    assert_eq!(
        out["spec"]["freeze_override"], "hotfix for CVE-1",
        "{out:#}"
    );
    assert_eq!(out["spec"]["freeze"]["reason"], "holidays", "{out:#}");
    env.ok(&["wait-for-rollout", "web", "--timeout", "40s"]);
    let history = env.json(&["history", "web"]);
    assert!(
        history.to_string().contains("hotfix for CVE-1"),
        "{history:#}"
    );
    // Bad input: exit 2 naming the value.
    let o = env.run(&["freeze", "web", "--reason", "x", "--until", "yesterday"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("\"yesterday\""), "{}", stderr(&o));
}

/// The Unix times the deploy command logged (`date +%s >> LOG`), one per start.
fn start_times(log: &std::path::Path) -> Vec<u64> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// `--window` a little ahead (UTC, to the second): the release is held ("held until …", and
/// `--until-gate` ends there), no host starts before the window opens, then it rolls out. Then a
/// freeze `--until` a little ahead stops the next release mid-way, and it goes on by itself once
/// the freeze ends. The agents' session timeout (their slowest look at ZooKeeper when nothing
/// changes) is 5 minutes: both rollouts finish well within their waits only because an agent
/// looks again when the hold ends.
#[test]
fn a_window_or_freeze_a_little_ahead_holds_then_releases_the_rollout() {
    let env = TestEnv::new("window");
    let names = hosts("w", 2);
    let _agents = env.start_agents("web", &names, &["--session-timeout", "300s"]);
    let log = env.path("starts.log");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    // Opens 30 s from now, for an hour (past midnight included).
    let opens = now + 30;
    let hms = |t: u64| {
        let s = t % 86_400;
        format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
    };
    let window = format!("* {}-{} UTC", hms(opens), hms(opens + 3600));
    let deploy = format!(
        "date +%s >> {}; echo {{{{ version }}}} > version",
        log.display()
    );
    env.ok(&[
        "publish",
        "web",
        "1.0",
        "--window",
        &window,
        "--deploy-cmd",
        &deploy,
    ]);
    let (code, summary) = env.wait_json(&["web", "--until-gate", "--timeout", "25s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    assert_eq!(summary["result"], "paused", "{summary:#}");
    let msg = summary["message"].as_str().unwrap_or_default();
    assert!(msg.contains("held until"), "{msg}");
    let (code, summary) = env.wait_json(&["web", "--timeout", "90s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    let starts = start_times(&log);
    assert_eq!(starts.len(), 2, "{starts:?}");
    assert!(
        starts.iter().all(|s| *s >= opens),
        "a host started before the window opened at {opens}: {starts:?}"
    );
    // A freeze that ends by itself: the running deploy finishes, the other host starts only
    // once the freeze is over — nobody unfreezes.
    let gate = env.path("gate");
    let log2 = env.path("starts2.log");
    let deploy = format!(
        "date +%s >> {}; {}",
        log2.display(),
        gated_deploy(&gate, "echo {{ version }} > version")
    );
    env.ok(&["publish", "web", "1.1", "--deploy-cmd", &deploy]);
    env.wait_for_deploying("web", T);
    let out = env.json(&["freeze", "web", "--reason", "lunch", "--until", "20s"]);
    let until = out["freeze"]["until"].as_str().expect("until").to_string();
    let until_secs = humantime::parse_rfc3339(&until)
        .expect("until")
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    std::fs::write(&gate, "").expect("gate");
    let (code, summary) = env.wait_json(&["web", "--timeout", "90s"]);
    assert_eq!(code, Some(0), "{summary:#}");
    let starts = start_times(&log2);
    assert_eq!(starts.len(), 2, "{starts:?}");
    assert!(
        starts[1] >= until_secs,
        "the second host started at {} before the freeze ended at {until}",
        starts[1]
    );
    // A bad window is refused at publish, naming it.
    let o = env.run(&[
        "publish",
        "web",
        "2.0",
        "--window",
        "Mon-Fri 9-5 Mars/Olympus",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("Mars/Olympus"), "{}", stderr(&o));
}
