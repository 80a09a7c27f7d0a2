//! The final human report of an ssh-push: one row per host, one column per stage, then the
//! failures' details.

use std::time::Duration;

use super::{render_table, short_duration};
use crate::ssh::runner::{PushSummary, StepState};

pub fn state_word(s: StepState) -> &'static str {
    match s {
        StepState::Ok => "ok",
        StepState::Failed => "failed",
        StepState::Error => "error",
        StepState::Skipped => "skipped",
        StepState::Current => "current",
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
    // `ssh-push web 1.2`, `ssh-push 1.2`, or plain `ssh-push` when neither is known.
    let what: Vec<&str> = [s.app.as_deref(), Some(s.version.as_str())]
        .into_iter()
        .flatten()
        .filter(|w| !w.is_empty())
        .collect();
    let headline = std::iter::once("ssh-push")
        .chain(what)
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = format!(
        "{headline}: {} in {}: {}\n{}",
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
