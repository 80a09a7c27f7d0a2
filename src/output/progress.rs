//! Human progress while waiting: an indicatif bar on a terminal, plain timestamped lines in CI
//! logs. Both on stderr; stdout carries the final report (or NDJSON events).

use std::io::Write;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::model::HostState;
use crate::rollout::events::{Reporter, WaitEvent};

pub struct HumanProgress {
    bar: Option<ProgressBar>,
    /// `--log-format json`: each line goes out as a log event, so stderr stays all JSON.
    logged: bool,
}

impl HumanProgress {
    /// A bar when stderr is a terminal, plain lines otherwise.
    pub fn new(terminal: bool) -> Self {
        let bar = terminal.then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            let style =
                ProgressStyle::with_template("{spinner} {elapsed:>4} [{bar:30}] {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> ");
            bar.set_style(style);
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        HumanProgress { bar, logged: false }
    }

    /// Lines as `info` events of target `deployctl::progress` (JSON with `--log-format json`).
    pub fn logged() -> Self {
        HumanProgress {
            bar: None,
            logged: true,
        }
    }

    fn line(&self, text: &str) {
        if self.logged {
            tracing::info!(target: "deployctl::progress", "{text}");
            return;
        }
        match &self.bar {
            Some(bar) => bar.println(text),
            None => {
                let _ = writeln!(std::io::stderr().lock(), "{text}");
            }
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
    fn event(&mut self, event: &WaitEvent) {
        match event {
            WaitEvent::Started {
                at,
                app,
                release,
                version,
            } => {
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
                if let Some(bar) = &self.bar {
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
                    "[{}] {host}: {from}{state}{msg} ({done}/{total} done)",
                    clock(at)
                ));
            }
            WaitEvent::Heartbeat {
                at,
                counts,
                pending,
                ..
            } => {
                if self.bar.is_none() {
                    self.line(&format!(
                        "[{}] {}; {pending}",
                        clock(at),
                        counts_text(counts)
                    ));
                }
            }
            WaitEvent::Finished { .. } => {}
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
