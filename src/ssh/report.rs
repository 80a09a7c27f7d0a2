//! ssh-push reporters: progress lines (or one spinner per active host on a terminal), NDJSON
//! events, the final human table, and JUnit (one testsuite per stage, one testcase per host).

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::runner::{PushEvent, PushReporter, PushSummary, StepState};
use crate::output::{render_table, short_duration};

pub struct HumanPush {
    multi: Option<MultiProgress>,
    bars: HashMap<String, ProgressBar>,
}

impl HumanPush {
    pub fn new(terminal: bool) -> Self {
        HumanPush {
            multi: terminal.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
            bars: HashMap::new(),
        }
    }

    fn line(&self, text: &str) {
        match &self.multi {
            Some(m) => {
                let _ = m.println(text);
            }
            None => {
                let _ = writeln!(std::io::stderr().lock(), "{text}");
            }
        }
    }
}

fn clock(at: &str) -> &str {
    at.get(11..19).unwrap_or(at)
}

impl PushReporter for HumanPush {
    fn event(&mut self, e: &PushEvent) {
        match e {
            PushEvent::StageStarted { at, stage, hosts } => {
                self.line(&format!("[{}] stage {stage}: {hosts} host(s)", clock(at)));
            }
            PushEvent::HostStarted { at, stage, host } => match &self.multi {
                Some(m) => {
                    let bar = m.add(ProgressBar::new_spinner());
                    bar.set_style(
                        ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    bar.set_message(format!("{host}: {stage}"));
                    bar.enable_steady_tick(Duration::from_millis(120));
                    self.bars.insert(host.clone(), bar);
                }
                None => self.line(&format!("[{}] {host}: {stage} started", clock(at))),
            },
            PushEvent::HostRetry {
                at,
                stage,
                host,
                attempt,
                message,
            } => {
                self.line(&format!(
                    "[{}] {host}: {stage} attempt {attempt} failed ({message}); retrying",
                    clock(at)
                ));
            }
            PushEvent::HostFinished { at, stage, result } => {
                if let Some(bar) = self.bars.remove(&result.host) {
                    bar.finish_and_clear();
                }
                let d = short_duration(Duration::from_millis(result.duration_ms));
                let what = match result.state {
                    StepState::Ok => format!("ok in {d}"),
                    _ => format!("{} in {d}: {}", state_word(result.state), result.message),
                };
                self.line(&format!("[{}] {}: {stage} {what}", clock(at), result.host));
            }
            PushEvent::StageFinished { .. } | PushEvent::Finished { .. } => {}
        }
    }

    fn finish(&mut self) {
        for (_, bar) in self.bars.drain() {
            bar.finish_and_clear();
        }
    }
}

/// NDJSON events on stdout (`--events`).
pub struct NdjsonPush;

impl PushReporter for NdjsonPush {
    fn event(&mut self, e: &PushEvent) {
        if let Ok(line) = serde_json::to_string(e) {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
        }
    }
}

#[derive(Default)]
pub struct PushFanout(pub Vec<Box<dyn PushReporter>>);

impl PushReporter for PushFanout {
    fn event(&mut self, e: &PushEvent) {
        for r in &mut self.0 {
            r.event(e);
        }
    }
    fn finish(&mut self) {
        for r in &mut self.0 {
            r.finish();
        }
    }
}

fn state_word(s: StepState) -> &'static str {
    match s {
        StepState::Ok => "ok",
        StepState::Failed => "failed",
        StepState::Error => "error",
        StepState::Skipped => "skipped",
    }
}

/// The final table: one row per host, one column per stage; then the failures' details.
pub fn render_human(s: &PushSummary) -> String {
    let mut headers = vec!["HOST"];
    headers.extend(s.stages.iter().map(|st| st.name.as_str()));
    let rows: Vec<Vec<String>> = s
        .hosts
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let mut row = vec![h.host.clone()];
            for st in &s.stages {
                let step = &st.hosts[i];
                let mut cell = state_word(step.state).to_string();
                if st.can_fail && step.state == StepState::Failed {
                    cell.push_str(" (allowed)");
                }
                row.push(cell);
            }
            row
        })
        .collect();
    let mut out = format!(
        "ssh-push {}: {} in {}: {}\n{}",
        s.version,
        s.result,
        short_duration(Duration::from_millis(s.duration_ms)),
        s.message,
        render_table(&headers, &rows)
    );
    for st in &s.stages {
        for h in st
            .hosts
            .iter()
            .filter(|h| matches!(h.state, StepState::Failed | StepState::Error))
        {
            out.push_str(&format!("\n{} / {}: {}\n", h.host, st.name, h.message));
            for l in h
                .output_tail
                .lines()
                .rev()
                .take(10)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
            {
                out.push_str(&format!("  | {l}\n"));
            }
        }
    }
    out
}

pub fn render_junit(s: &PushSummary) -> String {
    let mut report = Report::new("deployctl ssh-push");
    for st in &s.stages {
        let mut suite = TestSuite::new(format!("ssh-push {} / {}", s.version, st.name));
        suite.set_time(Duration::from_millis(st.duration_ms));
        for h in &st.hosts {
            let status = match h.state {
                StepState::Ok => TestCaseStatus::success(),
                StepState::Skipped => {
                    let mut t = TestCaseStatus::skipped();
                    t.set_message(h.message.clone());
                    t
                }
                StepState::Failed => {
                    let mut t = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    t.set_message(h.message.clone()).set_type("command failed");
                    t.set_description(h.output_tail.clone());
                    t
                }
                StepState::Error => {
                    let mut t = TestCaseStatus::non_success(NonSuccessKind::Error);
                    t.set_message(h.message.clone()).set_type("unreachable");
                    t
                }
            };
            let mut case = TestCase::new(h.host.clone(), status);
            case.set_classname(format!("ssh-push.{}", st.name));
            case.set_time(Duration::from_millis(h.duration_ms));
            if !h.output_tail.is_empty() {
                case.set_system_out(h.output_tail.clone());
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- deployctl: cannot write JUnit: {e} -->\n"))
}
