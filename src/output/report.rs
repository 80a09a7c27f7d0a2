//! One reporting path for the long-running commands (wait-for-rollout, `publish --wait`,
//! ssh-push), after cargo-nextest's reporter: the run emits one stream of events, and one
//! `Fanout` hands each to every reporter the flags asked for — human progress, NDJSON, the final
//! JSON or human report, the JUnit and JSON files, GitHub Actions. A new destination (a webhook,
//! the web page) is one more `Reporter`.
//!
//! Every run ends with exactly one `Event::Finished`, also when it ended without a result (bad
//! input, ZooKeeper unreachable): the report files are then still written, so a CI server never
//! archives a stale one from an earlier build.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::summary::{AppsSummary, RolloutSummary, render_apps_human, render_human};
use super::{github, junit, push};
use crate::error::{Error, Result};
use crate::model::EventSink;
use crate::rollout::events::WaitEvent;
use crate::ssh::runner::{PushEvent, PushSummary};

/// How a run ended.
// One value per run, moved a few times: its size does not matter, boxing would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Outcome {
    Rollout(RolloutSummary),
    /// A wait over several apps (`wait-for-rollout APP1 APP2 …`).
    Rollouts(AppsSummary),
    Push {
        summary: PushSummary,
        /// `--app`, when the push reported to ZooKeeper like an agent.
        app: Option<String>,
    },
    /// No result: bad input (exit 2), ZooKeeper unreachable (exit 4), a local I/O error.
    Error(RunError),
}

/// The report of a run that ended without a result (`result: "error"`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RunError {
    pub result: &'static str,
    pub command: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    pub message: String,
    pub exit_code: i32,
    pub finished_at: String,
}

impl RunError {
    pub fn new(command: &'static str, app: Option<&str>, e: &Error) -> Self {
        Self::from_message(command, app, e.to_string(), e.exit_code().code())
    }

    /// An error that is not an [`Error`] (the argument parser's).
    pub fn from_message(
        command: &'static str,
        app: Option<&str>,
        message: String,
        exit_code: i32,
    ) -> Self {
        RunError {
            result: "error",
            command,
            app: app.map(str::to_string),
            message,
            exit_code,
            finished_at: crate::model::now_rfc3339(),
        }
    }
}

impl Outcome {
    /// The one-line JSON document of this outcome (stdout, `--json-file`, `$GITHUB_OUTPUT`).
    pub fn to_json(&self) -> String {
        match self {
            Outcome::Rollout(s) => s.to_json(),
            Outcome::Rollouts(s) => s.to_json(),
            Outcome::Push { summary, .. } => serde_json::to_string(summary).unwrap_or_default(),
            Outcome::Error(e) => serde_json::to_string(e).unwrap_or_default(),
        }
    }

    pub fn junit(&self, hostname: &str) -> String {
        match self {
            Outcome::Rollout(s) => junit::rollout(s, hostname),
            Outcome::Rollouts(s) => junit::rollouts(s, hostname),
            Outcome::Push { summary, app } => junit::push(summary, app.as_deref(), hostname),
            Outcome::Error(e) => junit::error(e, hostname),
        }
        .to_xml()
    }
}

/// What reporters see.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// Progress of a wait.
    Wait(&'a WaitEvent),
    /// Progress of one app's wait among several (`wait-for-rollout APP1 APP2 …`).
    AppWait { app: &'a str, event: &'a WaitEvent },
    /// Progress of an ssh-push.
    Push(&'a PushEvent),
    /// The run is over (always the last event, exactly once).
    Finished(&'a Outcome),
}

pub trait Reporter: Send {
    fn event(&mut self, event: &Event<'_>) -> Result<()>;
}

/// Every event to every reporter, in order. A reporter that fails (a report file that cannot be
/// written) does not stop the others; the first failure is returned by `finish`.
#[derive(Default)]
pub struct Fanout {
    reporters: Vec<Box<dyn Reporter>>,
    failed: Option<Error>,
}

impl Fanout {
    pub fn add(&mut self, r: impl Reporter + 'static) {
        self.reporters.push(Box::new(r));
    }

    fn dispatch(&mut self, event: &Event<'_>) {
        for r in &mut self.reporters {
            if let Err(e) = r.event(event) {
                tracing::error!("{e}");
                self.failed.get_or_insert(e);
            }
        }
    }

    /// Report how the run ended.
    pub fn finish(mut self, outcome: &Outcome) -> Result<()> {
        self.dispatch(&Event::Finished(outcome));
        match self.failed {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl EventSink<WaitEvent> for Fanout {
    fn emit(&mut self, event: &WaitEvent) {
        self.dispatch(&Event::Wait(event));
    }
}

/// One app's wait events, when one run waits for several apps at once: each app's wait sends
/// through its own `AppSink`, and they share the run's one `Fanout`.
pub struct AppSink<'a, 'b> {
    pub app: String,
    pub fanout: &'a std::sync::Mutex<&'b mut Fanout>,
}

impl EventSink<WaitEvent> for AppSink<'_, '_> {
    fn emit(&mut self, event: &WaitEvent) {
        // A reporter that panicked while holding the lock poisoned it; the events still count.
        let mut fanout = self.fanout.lock().unwrap_or_else(|p| p.into_inner());
        fanout.dispatch(&Event::AppWait {
            app: &self.app,
            event,
        });
    }
}

impl EventSink<PushEvent> for Fanout {
    fn emit(&mut self, event: &PushEvent) {
        self.dispatch(&Event::Push(event));
    }
}

fn stdout_line(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// `--events`: progress events as NDJSON on stdout, one object per line.
pub struct NdjsonEvents;

impl Reporter for NdjsonEvents {
    fn event(&mut self, event: &Event<'_>) -> Result<()> {
        let line = match event {
            Event::Wait(e) => serde_json::to_string(e),
            // Several apps in one stream: every line names its app.
            Event::AppWait { app, event } => serde_json::to_value(event).map(|mut v| {
                if let Some(o) = v.as_object_mut() {
                    o.insert("app".into(), serde_json::Value::String(app.to_string()));
                }
                v.to_string()
            }),
            Event::Push(e) => serde_json::to_string(e),
            Event::Finished(_) => return Ok(()),
        };
        if let Ok(line) = line {
            stdout_line(&line);
        }
        Ok(())
    }
}

/// The final report on stdout: one JSON document (`--output json`, also for an error) or the
/// human table (also with `-q`: it is the answer; an error is only the `error:` line on stderr;
/// with `--events` on stderr, after the NDJSON stream).
pub struct FinalReport {
    pub json: bool,
    /// With `--events` stdout is an NDJSON stream: the human report goes to stderr.
    pub human_to_stderr: bool,
}

impl Reporter for FinalReport {
    fn event(&mut self, event: &Event<'_>) -> Result<()> {
        let Event::Finished(outcome) = event else {
            return Ok(());
        };
        if self.json {
            super::mark_document_printed();
            stdout_line(&outcome.to_json());
            return Ok(());
        }
        let text = match outcome {
            Outcome::Rollout(s) => render_human(s),
            Outcome::Rollouts(s) => render_apps_human(s),
            Outcome::Push { summary, .. } => push::render_human(summary),
            Outcome::Error(_) => return Ok(()),
        };
        if self.human_to_stderr {
            eprintln!("{}", text.trim_end());
        } else {
            stdout_line(text.trim_end());
        }
        Ok(())
    }
}

/// Write `text` to `path` so a reader sees the old file or the whole new one, never a torn one;
/// parent directories are created.
pub fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let ctx = || format!("writing {}", path.display());
    let mut tmp = tempfile::Builder::new()
        .prefix(".deployctl-")
        .tempfile_in(dir)
        .map_err(|e| Error::io(ctx(), e))?;
    tmp.write_all(text.as_bytes())
        .map_err(|e| Error::io(ctx(), e))?;
    {
        use std::os::unix::fs::PermissionsExt;
        // A report is for the CI server to read, not private like a temp file (0600).
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| Error::io(ctx(), e))?;
    }
    tmp.persist(path).map_err(|e| Error::io(ctx(), e.error))?;
    Ok(())
}

/// `--junit FILE`.
pub struct JunitFile(pub PathBuf);

impl Reporter for JunitFile {
    fn event(&mut self, event: &Event<'_>) -> Result<()> {
        match event {
            Event::Finished(o) => write_atomic(&self.0, &o.junit(&junit::local_hostname())),
            _ => Ok(()),
        }
    }
}

/// `--json-file FILE`.
pub struct JsonFile(pub PathBuf);

impl Reporter for JsonFile {
    fn event(&mut self, event: &Event<'_>) -> Result<()> {
        match event {
            Event::Finished(o) => write_atomic(&self.0, &(o.to_json() + "\n")),
            _ => Ok(()),
        }
    }
}

/// Under GitHub Actions: step summary, step outputs, annotations (on stderr).
pub struct GithubActions;

impl Reporter for GithubActions {
    fn event(&mut self, event: &Event<'_>) -> Result<()> {
        match event {
            Event::Finished(o) => github::publish(o),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_creates_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b/report.xml");
        write_atomic(&p, "one").unwrap();
        write_atomic(&p, "two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        let left: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left.len(), 1, "no temp file left: {left:?}");
    }
}
