//! JUnit XML for wait-for-rollout and ssh-push, valid against Jenkins' xunit schema
//! (junit-10.xsd, vendored in tests/data/): the attributes that schema allows and no others.
//!
//! Test identity is stable across releases so CI servers can track a host ("failing since"):
//! classname = the app (ssh-push: `<app or ssh-push>.<stage>`), name = the host. The release,
//! version and run time go into the suite name and its properties.

use std::fmt::Write as _;
use std::time::Duration;

use super::report::RunError;
use super::summary::{AppsSummary, RolloutSummary};
use crate::model::HostState;
use crate::rollout::wait::WaitResult;
use crate::ssh::runner::{PushSummary, StepState};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Skipped { message: String },
    Failure { kind: String, message: String },
    Error { kind: String, message: String },
}

#[derive(Debug, Clone)]
pub struct Case {
    pub classname: String,
    pub name: String,
    pub time: Option<Duration>,
    pub outcome: Outcome,
    pub system_out: String,
    pub system_err: String,
}

#[derive(Debug, Clone)]
pub struct Suite {
    pub name: String,
    pub timestamp: String,
    pub hostname: String,
    pub time: Duration,
    pub properties: Vec<(String, String)>,
    pub cases: Vec<Case>,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub name: String,
    pub suites: Vec<Suite>,
}

/// This machine's name, for the suites' `hostname`.
pub fn local_hostname() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

/// XML 1.0 cannot carry most control characters (an ANSI colour code in a deploy's output would
/// make the whole file unparseable): drop escape sequences, replace the rest.
fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                // CSI: ESC [ params final-byte (@..~).
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Attribute values: as text, with whitespace escaped so it survives attribute normalisation.
fn xml_attr(s: &str) -> String {
    xml_text(s)
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
        .replace('\t', "&#9;")
}

fn secs(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

fn counts<'a>(cases: impl Iterator<Item = &'a Case>) -> Counts {
    let mut c = Counts {
        tests: 0,
        failures: 0,
        errors: 0,
        skipped: 0,
    };
    for case in cases {
        c.tests += 1;
        match case.outcome {
            Outcome::Passed => {}
            Outcome::Skipped { .. } => c.skipped += 1,
            Outcome::Failure { .. } => c.failures += 1,
            Outcome::Error { .. } => c.errors += 1,
        }
    }
    c
}

impl Report {
    pub fn to_xml(&self) -> String {
        let all = counts(self.suites.iter().flat_map(|s| &s.cases));
        let total: Duration = self.suites.iter().map(|s| s.time).sum();
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        // `<testsuites>` takes no `skipped` (junit-10.xsd): the suites carry it.
        let _ = writeln!(
            x,
            "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\">",
            xml_attr(&self.name),
            all.tests,
            all.failures,
            all.errors,
            secs(total)
        );
        for s in &self.suites {
            let c = counts(s.cases.iter());
            let _ = writeln!(
                x,
                "    <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\" timestamp=\"{}\" hostname=\"{}\">",
                xml_attr(&s.name),
                c.tests,
                c.failures,
                c.errors,
                c.skipped,
                secs(s.time),
                xml_attr(&s.timestamp),
                xml_attr(&s.hostname)
            );
            if !s.properties.is_empty() {
                x.push_str("        <properties>\n");
                for (k, v) in &s.properties {
                    let _ = writeln!(
                        x,
                        "            <property name=\"{}\" value=\"{}\"/>",
                        xml_attr(k),
                        xml_attr(v)
                    );
                }
                x.push_str("        </properties>\n");
            }
            for case in &s.cases {
                write_case(&mut x, case);
            }
            x.push_str("    </testsuite>\n");
        }
        x.push_str("</testsuites>\n");
        x
    }
}

fn write_case(x: &mut String, case: &Case) {
    let time = case
        .time
        .map(|t| format!(" time=\"{}\"", secs(t)))
        .unwrap_or_default();
    let _ = write!(
        x,
        "        <testcase name=\"{}\" classname=\"{}\"{time}",
        xml_attr(&case.name),
        xml_attr(&case.classname)
    );
    if case.outcome == Outcome::Passed && case.system_out.is_empty() && case.system_err.is_empty() {
        x.push_str("/>\n");
        return;
    }
    x.push_str(">\n");
    match &case.outcome {
        Outcome::Passed => {}
        Outcome::Skipped { message } => {
            let _ = writeln!(
                x,
                "            <skipped message=\"{}\"/>",
                xml_attr(message)
            );
        }
        Outcome::Failure { kind, message } | Outcome::Error { kind, message } => {
            let tag = if matches!(case.outcome, Outcome::Failure { .. }) {
                "failure"
            } else {
                "error"
            };
            let _ = writeln!(
                x,
                "            <{tag} type=\"{}\" message=\"{}\"/>",
                xml_attr(kind),
                xml_attr(message)
            );
        }
    }
    for (tag, text) in [
        ("system-out", &case.system_out),
        ("system-err", &case.system_err),
    ] {
        if !text.is_empty() {
            let _ = writeln!(x, "            <{tag}>{}</{tag}>", xml_text(text));
        }
    }
    x.push_str("        </testcase>\n");
}

/// One suite for the rollout, one case per target host.
pub fn rollout(s: &RolloutSummary, hostname: &str) -> Report {
    let mut properties: Vec<(String, String)> = vec![
        ("command".into(), "wait-for-rollout".into()),
        ("app".into(), s.app.clone()),
        ("release".into(), s.release.to_string()),
        ("version".into(), s.version.clone()),
        ("result".into(), s.result.as_str().into()),
        ("message".into(), s.message.clone()),
    ];
    if let Some(src) = &s.source {
        for (k, v) in [
            ("commit", &src.commit),
            ("ref", &src.git_ref),
            ("subject", &src.message),
            ("author", &src.author),
        ] {
            if let Some(v) = v {
                properties.push((k.into(), v.clone()));
            }
        }
    }
    let mut cases: Vec<Case> = s
        .hosts
        .iter()
        .map(|h| {
            let outcome = match h.state {
                HostState::Healthy => Outcome::Passed,
                HostState::Current => Outcome::Skipped {
                    message: format!("already running {}", s.version),
                },
                HostState::Failed => Outcome::Failure {
                    kind: "deploy failed".into(),
                    message: h.message.clone(),
                },
                HostState::Refused => Outcome::Failure {
                    kind: "refused".into(),
                    message: h.message.clone(),
                },
                HostState::Lost => Outcome::Error {
                    kind: "lost".into(),
                    message: format!("lost: {}", h.message),
                },
                // Still pending when the wait timed out: these hosts are why it did.
                other if s.result == WaitResult::TimedOut => Outcome::Error {
                    kind: other.as_str().into(),
                    message: if h.message.is_empty() {
                        format!("{other} when the wait timed out")
                    } else {
                        format!("{other} when the wait timed out: {}", h.message)
                    },
                },
                // Still pending when the wait ended for another reason (a failure elsewhere,
                // an abort, a newer release): not this host's fault.
                other => Outcome::Skipped {
                    message: format!(
                        "not finished ({other}): the wait ended first ({})",
                        s.result.as_str()
                    ),
                },
            };
            // Agents report one combined tail of stdout and stderr.
            Case {
                classname: s.app.clone(),
                name: h.host.clone(),
                time: h.duration_ms.map(Duration::from_millis),
                outcome,
                system_out: h.output_tail.clone(),
                system_err: String::new(),
            }
        })
        .collect();
    cases.extend(check_cases(s));
    if let Some(f) = &s.finalize {
        cases.push(finalize_case(s, f));
    }
    if let Some(case) = release_case(s, &cases) {
        cases.push(case);
    }
    Report {
        name: format!("deployctl wait-for-rollout {}", s.app),
        suites: vec![Suite {
            name: format!("{} release {} ({})", s.app, s.release, s.version),
            timestamp: s.started_at.clone(),
            hostname: hostname.into(),
            time: Duration::from_millis(s.duration_ms),
            properties,
            cases,
        }],
    }
}

/// One case per metric check per host (classname `<app>.checks`, name `<host> <check>`): the
/// rendered query, the values seen and the threshold in the message. A check left inconclusive
/// is an `error` (no data is never a pass).
fn check_cases(s: &RolloutSummary) -> Vec<Case> {
    use crate::checks::Verdict;
    s.hosts
        .iter()
        .flat_map(|h| {
            h.checks.iter().map(move |c| {
                let samples: Vec<String> = c
                    .samples
                    .iter()
                    .map(|x| format!("{} = {} at {}", x.series, x.value, x.at))
                    .collect();
                Case {
                    classname: format!("{}.checks", s.app),
                    name: format!("{} {}", h.host, c.name),
                    time: None,
                    outcome: match c.verdict {
                        Verdict::Pass => Outcome::Passed,
                        Verdict::Fail => Outcome::Failure {
                            kind: "check failed".into(),
                            message: c.explain(),
                        },
                        Verdict::Inconclusive => Outcome::Error {
                            kind: "inconclusive".into(),
                            message: c.explain(),
                        },
                    },
                    system_out: format!(
                        "query: {}\nthreshold: {}\nevaluations: {}, failed: {}\nsamples:\n{}\n",
                        c.query,
                        c.limit(),
                        c.evaluations,
                        c.failures,
                        samples.join("\n")
                    ),
                    system_err: String::new(),
                }
            })
        })
        .collect()
}

/// A wait that did not succeed always shows as a failure to a CI server: when no host's case
/// says why (an abort, a halt whose failed hosts' statuses moved on, a newer release, a wait that
/// timed out with no host), one case for the release itself (classname `<app>.release`).
fn release_case(s: &RolloutSummary, cases: &[Case]) -> Option<Case> {
    if matches!(s.result, WaitResult::Succeeded | WaitResult::Paused)
        || cases
            .iter()
            .any(|c| matches!(c.outcome, Outcome::Failure { .. } | Outcome::Error { .. }))
    {
        return None;
    }
    let kind = s.result.as_str().to_string();
    let message = s.message.clone();
    Some(Case {
        classname: format!("{}.release", s.app),
        name: format!("release {} ({})", s.release, s.version),
        time: Some(Duration::from_millis(s.duration_ms)),
        outcome: if s.result == WaitResult::TimedOut {
            Outcome::Error { kind, message }
        } else {
            Outcome::Failure { kind, message }
        },
        system_out: String::new(),
        system_err: String::new(),
    })
}

/// A wait over several apps: one suite per app (each as `rollout` makes it).
pub fn rollouts(s: &AppsSummary, hostname: &str) -> Report {
    let names: Vec<&str> = s.apps.iter().map(|a| a.app.as_str()).collect();
    Report {
        name: format!("deployctl wait-for-rollout {}", names.join(" ")),
        suites: s
            .apps
            .iter()
            .flat_map(|a| rollout(a, hostname).suites)
            .collect(),
    }
}

/// The release's finalize command as one more case (classname `<app>.finalize`).
fn finalize_case(s: &RolloutSummary, f: &crate::model::HookRun) -> Case {
    use crate::model::HookState;
    let line = super::summary::finalize_line(f);
    let outcome = match f.state {
        HookState::Done => Outcome::Passed,
        HookState::Failed => Outcome::Failure {
            kind: "finalize failed".into(),
            message: line,
        },
        _ if s.result == WaitResult::TimedOut => Outcome::Error {
            kind: "finalize".into(),
            message: format!("finalize {line} when the wait timed out"),
        },
        _ => Outcome::Skipped {
            message: format!(
                "finalize {line}: the wait ended first ({})",
                s.result.as_str()
            ),
        },
    };
    let time = match (&f.started_at, &f.finished_at) {
        (Some(a), Some(b)) => crate::model::parse_time(b)
            .zip(crate::model::parse_time(a))
            .and_then(|(b, a)| b.duration_since(a).ok()),
        _ => None,
    };
    Case {
        classname: format!("{}.finalize", s.app),
        name: "finalize".into(),
        time,
        outcome,
        system_out: String::new(),
        system_err: String::new(),
    }
}

/// One suite per stage, one case per host. `app` is `--app` when given.
pub fn push(s: &PushSummary, app: Option<&str>, hostname: &str) -> Report {
    let subject = app.unwrap_or("ssh-push");
    let label = match (app, s.version.as_str()) {
        (Some(a), "") => format!("ssh-push {a}"),
        (Some(a), v) => format!("ssh-push {a} {v}"),
        (None, "") => "ssh-push".to_string(),
        (None, v) => format!("ssh-push {v}"),
    };
    let suites = s
        .stages
        .iter()
        .map(|st| {
            let cases = st
                .hosts
                .iter()
                .map(|h| {
                    let outcome = match h.state {
                        StepState::Ok => Outcome::Passed,
                        StepState::Skipped | StepState::Current => Outcome::Skipped {
                            message: h.message.clone(),
                        },
                        StepState::Failed => Outcome::Failure {
                            kind: "command failed".into(),
                            message: h.message.clone(),
                        },
                        StepState::Error => Outcome::Error {
                            kind: "unreachable".into(),
                            message: h.message.clone(),
                        },
                    };
                    Case {
                        classname: format!("{subject}.{}", st.name),
                        name: h.host.clone(),
                        time: Some(Duration::from_millis(h.duration_ms)),
                        outcome,
                        system_out: h.output_tail.clone(),
                        system_err: String::new(),
                    }
                })
                .collect();
            let mut properties = vec![
                ("command".to_string(), "ssh-push".to_string()),
                ("stage".into(), st.name.clone()),
                ("result".into(), s.result.to_string()),
                ("message".into(), s.message.clone()),
            ];
            if let Some(a) = app {
                properties.insert(1, ("app".into(), a.into()));
            }
            if !s.version.is_empty() {
                properties.push(("version".into(), s.version.clone()));
            }
            Suite {
                // The start time keeps two pushes in one CI build apart.
                name: format!("{label}: {} ({})", st.name, s.started_at),
                timestamp: s.started_at.clone(),
                hostname: hostname.into(),
                time: Duration::from_millis(st.duration_ms),
                properties,
                cases,
            }
        })
        .collect();
    Report {
        name: format!("deployctl {label}"),
        suites,
    }
}

/// The run ended without a result (bad input, ZooKeeper unreachable): one error case, so a CI
/// server shows why instead of archiving an older report.
pub fn error(e: &RunError, hostname: &str) -> Report {
    let subject = e.app.clone().unwrap_or_else(|| e.command.to_string());
    Report {
        name: format!("deployctl {}", e.command),
        suites: vec![Suite {
            name: format!("{subject} {}", e.command),
            timestamp: e.finished_at.clone(),
            hostname: hostname.into(),
            time: Duration::ZERO,
            properties: vec![
                ("command".into(), e.command.into()),
                ("result".into(), "error".into()),
                ("exit_code".into(), e.exit_code.to_string()),
                ("message".into(), e.message.clone()),
            ],
            cases: vec![Case {
                classname: subject,
                name: e.command.to_string(),
                time: None,
                outcome: Outcome::Error {
                    kind: format!("exit code {}", e.exit_code),
                    message: e.message.clone(),
                },
                system_out: String::new(),
                system_err: String::new(),
            }],
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::summary::fixtures;

    #[test]
    fn junit_snapshot() {
        insta::assert_snapshot!(rollout(&fixtures::summary(), "ci-runner").to_xml());
    }

    /// A host still deploying when another host's failure ended the wait is skipped (not its
    /// fault); when the wait timed out it is an error (it is why).
    #[test]
    fn pending_hosts_are_skipped_after_a_failure_and_errors_after_a_timeout() {
        let mut s = fixtures::summary();
        s.hosts[0].state = HostState::Deploying;
        let case = |s: &RolloutSummary| rollout(s, "h").suites[0].cases[0].outcome.clone();
        assert!(
            matches!(case(&s), Outcome::Skipped { ref message } if message.contains("(failed)")),
            "{:?}",
            case(&s)
        );
        s.result = WaitResult::TimedOut;
        assert!(matches!(case(&s), Outcome::Error { .. }), "{:?}", case(&s));
    }

    #[test]
    fn control_characters_do_not_break_the_xml() {
        assert_eq!(
            xml_text("\u{1b}[31mred\u{1b}[0m\u{7}<"),
            "red\u{fffd}&lt;".to_string()
        );
        assert_eq!(xml_attr("a\nb"), "a&#10;b");
    }
}
