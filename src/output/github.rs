//! GitHub Actions integration: step summary, `::error::` annotations (on stderr), step outputs.

use std::io::Write;
use std::path::Path;

use super::report::Outcome;
use super::summary::RolloutSummary;
use crate::error::{Error, Result};
use crate::ssh::runner::{PushSummary, StepState};

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A Markdown table for `$GITHUB_STEP_SUMMARY`.
pub fn step_summary(s: &RolloutSummary) -> String {
    let icon = if s.succeeded() { "✅" } else { "❌" };
    let mut out = format!(
        "### {icon} {} release {} ({}): {}\n\n{}\n\n",
        cell(&s.app),
        s.release,
        cell(&s.version),
        s.result.as_str(),
        cell(&s.message)
    );
    // The metric checks' tally (`checks: error_rate <= 0.05: 2 pass, …`), then the hosts.
    for l in super::summary::checks_lines(&s.hosts) {
        out.push_str(&format!("{}\n\n", cell(&l)));
    }
    out.push_str(
        "| host | state | version | attempts | duration | message |\n|---|---|---|---|---|---|\n",
    );
    for h in &s.hosts {
        let dur = h
            .duration_ms
            .map(|ms| super::short_duration(std::time::Duration::from_millis(ms)))
            .unwrap_or_else(|| "-".into());
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            cell(&h.host),
            h.state,
            cell(h.version.as_deref().unwrap_or("-")),
            h.attempts,
            dur,
            cell(&h.message)
        ));
    }
    out
}

/// Workflow-command escaping for annotation messages.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `::error::` lines for hosts that failed or were lost.
pub fn annotations(s: &RolloutSummary) -> Vec<String> {
    s.hosts
        .iter()
        .filter(|h| h.state.is_bad())
        .map(|h| {
            let title = format!(
                "deploy of {} {} {} on {}",
                s.app, s.version, h.state, h.host
            );
            let body = if h.output_tail.is_empty() {
                h.message.clone()
            } else {
                format!("{}\n{}", h.message, h.output_tail.trim_end())
            };
            annotation(&title, &body)
        })
        .collect()
}

/// `key=value` lines for `$GITHUB_OUTPUT` (the JSON is one line, so no heredoc is needed).
pub fn outputs(s: &RolloutSummary) -> String {
    format!(
        "result={}\nrelease={}\njson={}\n",
        s.result.as_str(),
        s.release,
        s.to_json()
    )
}

fn append(path: &Path, text: &str) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    f.write_all(text.as_bytes())
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// When `GITHUB_ACTIONS=true`: append `key=value` lines to `$GITHUB_OUTPUT` (values one line).
pub fn write_outputs(pairs: &[(&str, String)]) -> Result<()> {
    if !enabled() {
        return Ok(());
    }
    let Ok(p) = std::env::var("GITHUB_OUTPUT") else {
        return Ok(());
    };
    let text: String = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}\n", v.replace('\n', " ")))
        .collect();
    append(Path::new(&p), &text)
}

pub fn enabled() -> bool {
    std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true")
}

/// The step summary of an ssh-push: the result, then one row per host and stage.
pub fn push_step_summary(s: &PushSummary, app: Option<&str>) -> String {
    let icon = if s.succeeded() { "✅" } else { "❌" };
    let what = match (app, s.version.as_str()) {
        (Some(a), "") => format!("ssh-push {}", cell(a)),
        (Some(a), v) => format!("ssh-push {} {}", cell(a), cell(v)),
        (None, "") => "ssh-push".to_string(),
        (None, v) => format!("ssh-push {}", cell(v)),
    };
    let mut out = format!(
        "### {icon} {what}: {}\n\n{}\n\n| host | stage | state | attempts | duration | message |\n|---|---|---|---|---|---|\n",
        s.result,
        cell(&s.message)
    );
    for st in &s.stages {
        for h in &st.hosts {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                cell(&h.host),
                cell(&st.name),
                super::push::state_word(h.state),
                h.attempts,
                super::short_duration(std::time::Duration::from_millis(h.duration_ms)),
                cell(&h.message)
            ));
        }
    }
    out
}

fn annotation(title: &str, body: &str) -> String {
    format!(
        "::error title={}::{}",
        escape_property(title),
        escape_data(body)
    )
}

/// `::error` lines for the hosts and stages of an ssh-push that failed or could not be reached.
pub fn push_annotations(s: &PushSummary) -> Vec<String> {
    let mut out = vec![];
    for st in &s.stages {
        for h in st
            .hosts
            .iter()
            .filter(|h| matches!(h.state, StepState::Failed | StepState::Error))
        {
            let title = format!(
                "ssh-push stage {} {} on {}",
                st.name,
                super::push::state_word(h.state),
                h.host
            );
            let body = if h.output_tail.is_empty() {
                h.message.clone()
            } else {
                format!("{}\n{}", h.message, h.output_tail.trim_end())
            };
            out.push(annotation(&title, &body));
        }
    }
    out
}

/// When `GITHUB_ACTIONS=true`: append the step summary and the step outputs (`result`, `json`,
/// and `release` for a rollout), and print the annotations on stderr — the runner reads workflow
/// commands from both streams, and stdout stays the machine output.
pub fn publish(o: &Outcome) -> Result<()> {
    if !enabled() {
        return Ok(());
    }
    let (summary, outputs, annotations) = match o {
        Outcome::Rollout(s) => (step_summary(s), outputs(s), annotations(s)),
        Outcome::Rollouts(s) => (
            s.apps
                .iter()
                .map(step_summary)
                .collect::<Vec<_>>()
                .join("\n"),
            format!("result={}\njson={}\n", s.result.as_str(), s.to_json()),
            s.apps.iter().flat_map(annotations).collect(),
        ),
        Outcome::Push { summary, app } => (
            push_step_summary(summary, app.as_deref()),
            format!("result={}\njson={}\n", summary.result, o.to_json()),
            push_annotations(summary),
        ),
        Outcome::Error(e) => (
            format!(
                "### ❌ deployctl {}{}: error\n\n{}\n",
                e.command,
                e.app
                    .as_deref()
                    .map(|a| format!(" {}", cell(a)))
                    .unwrap_or_default(),
                cell(&e.message)
            ),
            format!("result=error\njson={}\n", o.to_json()),
            vec![annotation(&format!("deployctl {}", e.command), &e.message)],
        ),
    };
    if let Ok(p) = std::env::var("GITHUB_STEP_SUMMARY") {
        append(Path::new(&p), &summary)?;
    }
    if let Ok(p) = std::env::var("GITHUB_OUTPUT") {
        append(Path::new(&p), &outputs)?;
    }
    let mut err = std::io::stderr().lock();
    for line in annotations {
        let _ = writeln!(err, "{line}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::summary::fixtures;

    #[test]
    fn step_summary_snapshot() {
        insta::assert_snapshot!(step_summary(&fixtures::summary()));
    }

    #[test]
    fn annotations_escape_newlines() {
        let a = annotations(&fixtures::summary());
        assert_eq!(a.len(), 2);
        assert!(a[0].starts_with("::error title=deploy of web 2.1.0 failed on web-3::"));
        assert!(!a[0].contains('\n'));
        assert!(a[0].contains("%0A"));
    }

    #[test]
    fn outputs_are_single_lines() {
        let o = outputs(&fixtures::summary());
        assert_eq!(o.lines().count(), 3);
        assert!(o.starts_with("result=failed\nrelease=7\njson={"));
    }
}
