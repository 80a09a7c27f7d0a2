//! JUnit XML: one testsuite per rollout, one testcase per host (via `quick-junit`).

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::summary::RolloutSummary;
use crate::model::HostState;

pub fn render(s: &RolloutSummary) -> String {
    let mut report = Report::new(format!("deployctl {}", s.app));
    let mut suite = TestSuite::new(format!("{} release {} ({})", s.app, s.release, s.version));
    suite.set_time(Duration::from_millis(s.duration_ms));
    suite.add_property(("result", s.result.as_str()));
    suite.add_property(("message", s.message.as_str()));
    if let Some(src) = &s.source {
        for (k, v) in [
            ("commit", &src.commit),
            ("ref", &src.git_ref),
            ("subject", &src.message),
            ("author", &src.author),
        ] {
            if let Some(v) = v {
                suite.add_property((k, v.as_str()));
            }
        }
    }
    for h in &s.hosts {
        let status = match h.state {
            HostState::Healthy => TestCaseStatus::success(),
            HostState::Current => {
                let mut st = TestCaseStatus::skipped();
                st.set_message(format!("already running {}", s.version));
                st
            }
            HostState::Failed => {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                st.set_message(h.message.clone()).set_type("deploy failed");
                st.set_description(h.output_tail.clone());
                st
            }
            other => {
                // Lost, or never finished before the wait ended (timeout, superseded...).
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Error);
                let msg = if h.message.is_empty() {
                    format!("{other} when the wait ended ({})", s.result.as_str())
                } else {
                    format!("{other}: {}", h.message)
                };
                st.set_message(msg).set_type(other.as_str());
                if !h.output_tail.is_empty() {
                    st.set_description(h.output_tail.clone());
                }
                st
            }
        };
        let mut case = TestCase::new(h.host.clone(), status);
        case.set_classname(format!("{}.release-{}", s.app, s.release));
        if let Some(ms) = h.duration_ms {
            case.set_time(Duration::from_millis(ms));
        }
        if !h.output_tail.is_empty() {
            case.set_system_out(h.output_tail.clone());
        }
        suite.add_test_case(case);
    }
    report.add_test_suite(suite);
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- deployctl: cannot write JUnit: {e} -->\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::summary::fixtures;

    #[test]
    fn junit_snapshot() {
        insta::assert_snapshot!(render(&fixtures::summary()));
    }
}
