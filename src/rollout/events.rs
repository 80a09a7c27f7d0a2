//! Events the wait runner emits; reporters turn them into progress lines, bars or NDJSON.

use std::collections::BTreeMap;

use serde::Serialize;

use super::wait::WaitResult;
use crate::model::HostState;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum WaitEvent {
    Started {
        at: String,
        app: String,
        release: u64,
        version: String,
    },
    /// A target host changed state (for the target release).
    Host {
        at: String,
        host: String,
        state: HostState,
        #[serde(skip_serializing_if = "Option::is_none")]
        previous: Option<HostState>,
        #[serde(skip_serializing_if = "String::is_empty")]
        message: String,
        /// Done / total target hosts after this change.
        done: usize,
        total: usize,
        /// Hosts deploying or verifying right now.
        active: Vec<String>,
    },
    /// Emitted at least every heartbeat interval while nothing is decided.
    Heartbeat {
        at: String,
        elapsed_ms: u64,
        counts: BTreeMap<HostState, usize>,
        #[serde(skip_serializing_if = "String::is_empty")]
        pending: String,
    },
    Finished {
        at: String,
        result: WaitResult,
        message: String,
    },
}

pub trait Reporter {
    fn event(&mut self, event: &WaitEvent);
    /// Called once before the final report is printed (e.g. to clear a progress bar).
    fn finish(&mut self) {}
}

/// NDJSON on stdout (`--events`).
pub struct NdjsonReporter;

impl Reporter for NdjsonReporter {
    fn event(&mut self, event: &WaitEvent) {
        use std::io::Write;
        if let Ok(line) = serde_json::to_string(event) {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }
}

/// Sends every event to several reporters.
#[derive(Default)]
pub struct Fanout(pub Vec<Box<dyn Reporter + Send>>);

impl Reporter for Fanout {
    fn event(&mut self, event: &WaitEvent) {
        for r in &mut self.0 {
            r.event(event);
        }
    }
    fn finish(&mut self) {
        for r in &mut self.0 {
            r.finish();
        }
    }
}
