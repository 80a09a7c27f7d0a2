//! Human progress of a wait or an ssh-push: bars and spinners on a terminal, plain timestamped
//! lines in CI logs. Always on stderr; stdout carries the final report (or NDJSON events).

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::push::state_word;
use super::report::{Event, Reporter};
use super::short_duration;
use crate::error::Result;
use crate::model::HostState;
use crate::rollout::events::WaitEvent;
use crate::ssh::runner::{PushEvent, StepState};

pub struct HumanProgress {
    /// On a terminal: the bars' owner (lines are printed above them).
    multi: Option<MultiProgress>,
    /// The wait's overall bar.
    bar: Option<ProgressBar>,
    /// ssh-push: one spinner per active host.
    spinners: HashMap<String, ProgressBar>,
    /// `--log-format json`: each line goes out as a log event, so stderr stays all JSON.
    logged: bool,
}

impl HumanProgress {
    /// Bars when stderr is a terminal, plain lines otherwise.
    pub fn new(terminal: bool) -> Self {
        HumanProgress {
            multi: terminal.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
            bar: None,
            spinners: HashMap::new(),
            logged: false,
        }
    }

    /// Lines as `info` events of target `deployctl::progress` (JSON with `--log-format json`).
    pub fn logged() -> Self {
        HumanProgress {
            multi: None,
            bar: None,
            spinners: HashMap::new(),
            logged: true,
        }
    }

    fn line(&self, text: &str) {
        if self.logged {
            tracing::info!(target: "deployctl::progress", "{text}");
            return;
        }
        match &self.multi {
            Some(m) => {
                let _ = m.println(text);
            }
            None => {
                let _ = writeln!(std::io::stderr().lock(), "{text}");
            }
        }
    }

    fn wait_bar(&mut self) -> Option<&ProgressBar> {
        if self.bar.is_none()
            && let Some(m) = &self.multi
        {
            let bar = m.add(ProgressBar::new(0));
            let style =
                ProgressStyle::with_template("{spinner} {elapsed:>4} [{bar:30}] {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> ");
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(120));
            self.bar = Some(bar);
        }
        self.bar.as_ref()
    }

    /// `app` is set when one run waits for several apps: lines then name it, and there is no
    /// single bar to move.
    fn wait_event(&mut self, app: Option<&str>, event: &WaitEvent) {
        let prefix = app.map(|a| format!("{a} ")).unwrap_or_default();
        match event {
            WaitEvent::Started {
                at,
                app,
                release,
                version,
            } => {
                self.wait_bar();
                self.line(&format!(
                    "[{}] waiting for {app} release {release} ({version})",
                    clock(at)
                ));
            }
            WaitEvent::Host {
                at,
                host,
                state,
                previous,
                message,
                done,
                total,
                active,
            } => {
                if let Some(bar) = app.is_none().then(|| self.wait_bar()).flatten() {
                    bar.set_length(*total as u64);
                    bar.set_position(*done as u64);
                    let msg = if active.is_empty() {
                        String::new()
                    } else {
                        format!("deploying: {}", active.join(", "))
                    };
                    bar.set_message(msg);
                    // On a terminal only outcomes get a line; the bar shows the rest.
                    if !state.is_terminal() && *state != HostState::Lost {
                        return;
                    }
                }
                let from = previous.map(|p| format!("{p} -> ")).unwrap_or_default();
                let msg = if message.is_empty() {
                    String::new()
                } else {
                    format!(": {message}")
                };
                self.line(&format!(
                    "[{}] {prefix}{host}: {from}{state}{msg} ({done}/{total} done)",
                    clock(at)
                ));
            }
            WaitEvent::Heartbeat {
                at,
                counts,
                pending,
                ..
            } => {
                if self.multi.is_none() {
                    self.line(&format!(
                        "[{}] {prefix}{}; {pending}",
                        clock(at),
                        counts_text(counts)
                    ));
                }
            }
            WaitEvent::Gate { at, message, .. } => {
                if let Some(bar) = self.wait_bar() {
                    bar.set_message(message.clone());
                }
                self.line(&format!("[{}] {message}", clock(at)));
            }
            WaitEvent::Finalize { at, finalize } => {
                let on = if finalize.host.is_empty() {
                    String::new()
                } else {
                    format!(" on {}", finalize.host)
                };
                let why = if finalize.message.is_empty() {
                    String::new()
                } else {
                    format!(": {}", finalize.message)
                };
                let state = serde_json::to_value(finalize.state)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                self.line(&format!("[{}] finalize {state}{on}{why}", clock(at)));
            }
            WaitEvent::Finished { .. } => {}
        }
    }

    fn push_event(&mut self, e: &PushEvent) {
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
                    self.spinners.insert(host.clone(), bar);
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
                if let Some(bar) = self.spinners.remove(&result.host) {
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

    /// Before the final report: no bar may be left drawn over it.
    fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        for (_, bar) in self.spinners.drain() {
            bar.finish_and_clear();
        }
    }
}

fn counts_text(counts: &std::collections::BTreeMap<HostState, usize>) -> String {
    counts
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `2026-11-21T10:00:04Z` → `10:00:04`: CI logs carry the date already.
fn clock(at: &str) -> &str {
    at.get(11..19).unwrap_or(at)
}

impl Reporter for HumanProgress {
    fn event(&mut self, event: &Event<'_>) -> Result<()> {
        match event {
            Event::Wait(e) => self.wait_event(None, e),
            Event::AppWait { app, event } => self.wait_event(Some(app), event),
            Event::Push(e) => self.push_event(e),
            Event::Finished(_) => self.clear(),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_keeps_the_time_of_day() {
        assert_eq!(clock("2026-11-21T10:00:04.200Z"), "10:00:04");
        assert_eq!(clock("short"), "short");
    }
}
