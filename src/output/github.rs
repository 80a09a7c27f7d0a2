//! GitHub Actions integration: step summary, `::error::` annotations, step outputs.

use std::io::Write;
use std::path::Path;

use super::summary::RolloutSummary;
use crate::error::{Error, Result};
use crate::model::HostState;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A Markdown table for `$GITHUB_STEP_SUMMARY`.
pub fn step_summary(s: &RolloutSummary) -> String {
    let icon = if s.succeeded() { "✅" } else { "❌" };
    let mut out = format!(
        "### {icon} {} release {} ({}): {}\n\n{}\n\n| host | state | version | attempts | duration | message |\n|---|---|---|---|---|---|\n",
        cell(&s.app),
        s.release,
        cell(&s.version),
        s.result.as_str(),
        cell(&s.message)
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
        .filter(|h| matches!(h.state, HostState::Failed | HostState::Lost))
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
            format!(
                "::error title={}::{}",
                escape_property(&title),
                escape_data(&body)
            )
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
    if std::env::var("GITHUB_ACTIONS").as_deref() != Ok("true") {
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

/// When `GITHUB_ACTIONS=true`: write the step summary and outputs; return the annotation lines
/// (the caller prints them to stdout, where the runner reads workflow commands).
pub fn publish(s: &RolloutSummary) -> Result<Vec<String>> {
    if std::env::var("GITHUB_ACTIONS").as_deref() != Ok("true") {
        return Ok(vec![]);
    }
    if let Ok(p) = std::env::var("GITHUB_STEP_SUMMARY") {
        append(Path::new(&p), &step_summary(s))?;
    }
    if let Ok(p) = std::env::var("GITHUB_OUTPUT") {
        append(Path::new(&p), &outputs(s))?;
    }
    Ok(annotations(s))
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
