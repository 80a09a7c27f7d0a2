//! Rendering the rollout summary (`rollout::summary::RolloutSummary`, the domain's result) for
//! people: the headline and host table.

use std::time::Duration;

use super::{render_table, short_duration};
pub use crate::rollout::summary::{AppsSummary, RolloutSummary};

fn dash(s: Option<String>) -> String {
    s.unwrap_or_else(|| "-".into())
}

/// `checks: error_rate <= 0.05: 2 pass, 1 fail (web-2: 0.17)` — each metric check the hosts
/// carry, with how many hosts it passed, failed or left inconclusive on, and where it failed the
/// last value seen (one line per check; none without checks).
pub fn checks_lines(hosts: &[crate::rollout::HostView]) -> Vec<String> {
    use crate::checks::Verdict;
    let mut names: Vec<(&str, String)> = vec![];
    for c in hosts.iter().flat_map(|h| &h.checks) {
        if !names.iter().any(|(n, _)| *n == c.name) {
            names.push((&c.name, c.limit()));
        }
    }
    names
        .into_iter()
        .map(|(name, limit)| {
            let on = |v: Verdict| {
                hosts
                    .iter()
                    .filter_map(move |h| {
                        h.checks
                            .iter()
                            .find(|c| c.name == name && c.verdict == v)
                            .map(|c| (h.host.as_str(), c))
                    })
                    .collect::<Vec<_>>()
            };
            let (pass, fail, open) = (
                on(Verdict::Pass),
                on(Verdict::Fail),
                on(Verdict::Inconclusive),
            );
            let mut line = format!("checks: {name} {limit}: {} pass", pass.len());
            if !fail.is_empty() {
                let seen: Vec<String> = fail
                    .iter()
                    .map(|(h, c)| match c.samples.first() {
                        Some(s) => format!("{h}: {}", s.value),
                        None => h.to_string(),
                    })
                    .collect();
                line.push_str(&format!(", {} fail ({})", fail.len(), seen.join(", ")));
            }
            if !open.is_empty() {
                line.push_str(&format!(", {} inconclusive", open.len()));
            }
            line
        })
        .collect()
}

/// The human final report: a headline and a host table.
pub fn render_human(s: &RolloutSummary) -> String {
    let headline = format!(
        "{} release {} ({}): {} in {}: {}",
        s.app,
        s.release,
        s.version,
        s.result.as_str(),
        short_duration(Duration::from_millis(s.duration_ms)),
        s.message
    );
    let rows: Vec<Vec<String>> = s
        .hosts
        .iter()
        .map(|h| {
            vec![
                h.host.clone(),
                h.state.to_string(),
                dash(h.version.clone()),
                h.attempts.to_string(),
                dash(
                    h.duration_ms
                        .map(|ms| short_duration(Duration::from_millis(ms))),
                ),
                h.message_for_table(),
            ]
        })
        .collect();
    let headline = match &s.source {
        Some(src) => format!("{headline}\nsource: {}", src.short()),
        None => headline,
    };
    let headline = match &s.finalize {
        Some(f) => format!("{headline}\nfinalize: {}", finalize_line(f)),
        None => headline,
    };
    let headline = checks_lines(&s.hosts)
        .into_iter()
        .fold(headline, |h, l| format!("{h}\n{l}"));
    if rows.is_empty() {
        return format!("{headline}\n");
    }
    format!(
        "{headline}\n{}",
        render_table(
            &[
                "HOST", "STATE", "VERSION", "ATTEMPTS", "DURATION", "MESSAGE"
            ],
            &rows
        )
    )
}

/// The human final report of a wait over several apps: each app's report, then the overall
/// line.
pub fn render_apps_human(s: &AppsSummary) -> String {
    let mut out: String = s.apps.iter().map(|a| render_human(a) + "\n").collect();
    out.push_str(&format!(
        "{} app(s): {} in {}: {}\n",
        s.apps.len(),
        s.result.as_str(),
        short_duration(Duration::from_millis(s.duration_ms)),
        s.message
    ));
    out
}

/// `done on web-2 (exit 0)`, `running on web-2`, `pending`, `failed on web-2: …`.
pub fn finalize_line(f: &crate::model::HookRun) -> String {
    let mut s = f.state.to_string();
    if !f.host.is_empty() {
        s.push_str(&format!(" on {}", f.host));
    }
    // The message names the host already.
    if !f.message.is_empty() {
        s = format!("{}: {}", f.state, f.message);
    }
    s
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use crate::model::HostState;
    use crate::rollout::HostView;
    use crate::rollout::wait::WaitResult;
    use std::collections::BTreeMap;

    /// A fixed summary with every interesting host state, for snapshot tests.
    pub fn summary() -> RolloutSummary {
        let host = |name: &str,
                    state: HostState,
                    ms: Option<u64>,
                    msg: &str,
                    code: Option<i32>,
                    tail: &str| HostView {
            host: name.into(),
            state,
            registered: state != HostState::Lost,
            release: Some(7),
            version: Some("2.1.0".into()),
            attempts: u32::from(state != HostState::Current),
            exit_code: code,
            started_at: ms.map(|_| "2026-11-21T10:00:00.000Z".into()),
            finished_at: ms.map(|_| "2026-11-21T10:00:04.200Z".into()),
            updated_at: ms.map(|_| "2026-11-21T10:00:04.200Z".into()),
            duration_ms: ms,
            message: msg.into(),
            output_tail: tail.into(),
            on_failure: None,
            prepared_at: None,
            slot_at: None,
            checks: vec![],
        };
        let hosts = vec![
            host(
                "web-1",
                HostState::Healthy,
                Some(4200),
                "running 2.1.0",
                Some(0),
                "migrated\n",
            ),
            host(
                "web-2",
                HostState::Current,
                None,
                "already running 2.1.0",
                None,
                "",
            ),
            host(
                "web-3",
                HostState::Failed,
                Some(1500),
                "deploy command failed with exit code 3",
                Some(3),
                "error: <disk> & \"full\"\n",
            ),
            host(
                "web-4",
                HostState::Lost,
                Some(900),
                "agent gone for 40s while deploying",
                None,
                "",
            ),
        ];
        // A metric check: passed on web-1, failed on web-3 (the JUnit report, the step summary
        // and the human report name it).
        let mut hosts = hosts;
        let check = crate::checks::MetricCheck::parse(
            "error_rate=sum(rate(errors{host=\"{{ host }}\"}[1m])) <= 0.05",
        )
        .expect("check");
        for (i, value) in [(0, 0.01), (2, 0.2)] {
            let query = format!("sum(rate(errors{{host=\"{}\"}}[1m]))", hosts[i].host);
            let mut r = crate::checks::CheckRecord::new(&check, query, None);
            r.judge(
                Ok(vec![crate::checks::Sample {
                    series: "{}".into(),
                    at: 1_795_000_000.0,
                    value,
                }]),
                1,
            );
            r.at = "2026-11-21T10:00:04.000Z".into();
            hosts[i].checks = vec![r];
        }
        let mut counts = BTreeMap::new();
        for h in &hosts {
            *counts.entry(h.state).or_insert(0) += 1;
        }
        RolloutSummary {
            app: "web".into(),
            version: "2.1.0".into(),
            release: 7,
            result: WaitResult::Failed,
            message:
                "release 7 failed: web-3 failed, web-4 lost (agent gone for 40s while deploying)"
                    .into(),
            superseded_by: None,
            started_at: "2026-11-21T10:00:00.000Z".into(),
            finished_at: "2026-11-21T10:00:05.000Z".into(),
            duration_ms: 5000,
            source: None,
            counts,
            failed_hosts: vec!["web-3".into(), "web-4".into()],
            hosts,
            finalize: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_snapshot() {
        insta::assert_snapshot!(render_human(&fixtures::summary()));
    }

    #[test]
    fn json_snapshot() {
        let v: serde_json::Value = serde_json::from_str(&fixtures::summary().to_json()).unwrap();
        insta::assert_json_snapshot!(v);
    }
}
