//! The printer: owns stdout for results (human or JSON). Logs go to stderr through `tracing`.

pub mod github;
pub mod junit;
pub mod progress;
pub mod push;
pub mod report;
pub mod summary;
pub mod views;

#[cfg(test)]
mod schema_tests;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

/// Whether this process printed its one result document on stdout (`--output json`). The
/// dispatcher prints the error report for a failed command only when nothing was printed, so
/// stdout carries exactly one document on every exit.
static DOCUMENT_PRINTED: AtomicBool = AtomicBool::new(false);

/// Record that the command's result document went to stdout.
pub fn mark_document_printed() {
    DOCUMENT_PRINTED.store(true, Ordering::SeqCst);
}

/// Whether the command's result document went to stdout already.
pub fn document_printed() -> bool {
    DOCUMENT_PRINTED.load(Ordering::SeqCst)
}

#[derive(Debug, Clone, Copy)]
pub struct Printer {
    pub format: OutputFormat,
    pub quiet: bool,
}

impl Printer {
    pub fn is_json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// Print the command's JSON result (one object, one line).
    pub fn json<T: Serialize>(&self, value: &T) {
        let text =
            serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
        mark_document_printed();
        self.raw_line(&text);
    }

    /// Print a line of the command's human result. `-q` never hides it: `-q` silences progress
    /// and info logs, not the answer.
    pub fn line(&self, text: &str) {
        self.raw_line(text);
    }

    /// Print a progress line on stdout that is not the command's result (suppressed by -q).
    pub fn info(&self, text: &str) {
        if !self.quiet {
            self.raw_line(text);
        }
    }

    fn raw_line(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        // A closed pipe (`| head`) is not an error worth a panic.
        let _ = writeln!(out, "{text}");
    }

    /// Print the command's result as a table (also with `-q`).
    pub fn table(&self, headers: &[&str], rows: &[Vec<String>]) {
        self.raw_line(render_table(headers, rows).trim_end());
    }
}

/// Left-aligned columns separated by two spaces; the last column is not padded.
pub fn render_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let mut push_row = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        for (i, cell) in cells.iter().enumerate() {
            if i == last {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        let trimmed = out.trim_end_matches(' ').len();
        out.truncate(trimmed);
        out.push('\n');
    };
    push_row(headers.to_vec());
    for row in rows {
        push_row(row.iter().map(String::as_str).collect());
    }
    out
}

/// What stdout carries: a human report, or one JSON document (`--output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum OutputFormat {
    #[default]
    Human,
    Json,
}

pub use crate::model::short_duration;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns() {
        let t = render_table(
            &["HOST", "STATE"],
            &[
                vec!["h1".into(), "healthy".into()],
                vec!["long-host".into(), "failed".into()],
            ],
        );
        assert_eq!(
            t,
            "HOST       STATE\nh1         healthy\nlong-host  failed\n"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(
            short_duration(std::time::Duration::from_millis(1500)),
            "1.5s"
        );
        assert_eq!(short_duration(std::time::Duration::from_secs(123)), "2m03s");
    }
}
