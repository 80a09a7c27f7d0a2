//! The report flags shared by wait-for-rollout (and `publish`/`rollback --wait`) and ssh-push,
//! and the wiring from flags to the reporters of `output::report`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use super::Ctx;
use crate::error::{Error, Result};
use crate::output::github;
use crate::output::progress::HumanProgress;
use crate::output::report::{
    FinalReport, GithubActions, JsonFile, JunitFile, NdjsonEvents, Outcome, RunError,
};
use crate::rollout::wait::WaitResult;

pub use crate::output::report::Fanout;

/// Where the run's report goes besides stdout.
#[derive(Debug, Args, Clone, Default)]
pub struct ReportArgs {
    /// Write a JUnit XML report here (one testcase per host; written on every exit)
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the JSON summary here (written on every exit)
    #[arg(long, value_name = "FILE")]
    pub json_file: Option<PathBuf>,
    /// Stream NDJSON progress events on stdout
    #[arg(long)]
    pub events: bool,
}

impl ReportArgs {
    /// The first report flag given, for commands where they only apply in some modes.
    pub fn any_set(&self) -> Option<&'static str> {
        if self.junit.is_some() {
            Some("--junit")
        } else if self.json_file.is_some() {
            Some("--json-file")
        } else if self.events {
            Some("--events")
        } else {
            None
        }
    }
}

/// A run's reporters, from the flags; `command`/`app` name the run in an error report.
pub struct Reports {
    fanout: Fanout,
    command: &'static str,
    app: Option<String>,
}

impl Reports {
    pub fn new(ctx: &Ctx, args: &ReportArgs, command: &'static str, app: Option<&str>) -> Self {
        let mut fanout = Fanout::default();
        // Progress first: it clears its bars before anything else prints the end.
        if !ctx.printer.quiet {
            fanout.add(match ctx.global.log_format {
                crate::cli::LogFormat::Json => HumanProgress::logged(),
                crate::cli::LogFormat::Text => HumanProgress::new(std::io::stderr().is_terminal()),
            });
        }
        if args.events {
            fanout.add(NdjsonEvents);
        }
        if let Some(p) = &args.junit {
            fanout.add(JunitFile(p.clone()));
        }
        if let Some(p) = &args.json_file {
            fanout.add(JsonFile(p.clone()));
        }
        // Not subject to -q: annotations are how a failure shows on the pull request.
        if github::enabled() {
            fanout.add(GithubActions);
        }
        fanout.add(FinalReport {
            json: ctx.printer.is_json(),
            human_to_stderr: args.events,
        });
        Reports {
            fanout,
            command,
            app: app.map(str::to_string),
        }
    }

    /// Where the run sends its progress events.
    pub fn sink(&mut self) -> &mut Fanout {
        &mut self.fanout
    }

    /// Name the run's subject in an error report (known only after the arguments were read).
    pub fn set_app(&mut self, app: Option<String>) {
        self.app = app;
    }

    /// Report how the run ended (also when it ended in an error) and turn that into the exit
    /// status. A report that cannot be written fails a run that otherwise succeeded; it never
    /// hides the run's own error.
    pub fn conclude(self, result: Result<Outcome>) -> Result<()> {
        let (outcome, status) = match result {
            Ok(o) => {
                let status = status_of(&o);
                (o, status)
            }
            Err(e) => (
                Outcome::Error(RunError::new(self.command, self.app.as_deref(), &e)),
                Err(e),
            ),
        };
        let written = self.fanout.finish(&outcome);
        match (status, written) {
            (Ok(()), w) => w,
            (Err(e), _) => Err(e),
        }
    }
}

/// The documented exit status of a finished run.
fn status_of(o: &Outcome) -> Result<()> {
    match o {
        Outcome::Rollout(s) => match s.result {
            // `--until-gate`: reaching the gate is what was asked for.
            WaitResult::Succeeded | WaitResult::Paused => Ok(()),
            WaitResult::TimedOut => Err(Error::TimedOut(s.message.clone())),
            _ => Err(Error::Failed(format!(
                "{}: {}",
                s.result.as_str(),
                s.message
            ))),
        },
        Outcome::Rollouts(s) => match s.result {
            WaitResult::Succeeded => Ok(()),
            WaitResult::TimedOut => Err(Error::TimedOut(s.message.clone())),
            _ => Err(Error::Failed(format!(
                "{}: {}",
                s.result.as_str(),
                s.message
            ))),
        },
        Outcome::Push { summary, .. } if summary.succeeded() => Ok(()),
        Outcome::Push { summary, .. } => {
            Err(Error::Failed(format!("ssh-push {}", summary.message)))
        }
        Outcome::Error(e) => Err(Error::Failed(e.message.clone())),
    }
}
