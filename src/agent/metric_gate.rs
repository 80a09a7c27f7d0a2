//! Metric checks on this host while it bakes (`--check`): render each query for this host,
//! ask Prometheus every check interval, judge (`crate::checks`) and keep the records that the
//! status shows. Missing data never passes: the bake does not end before every check's last
//! evaluation passed.

use std::time::Duration;

use super::release::HostRelease;
use crate::checks::{self, CheckRecord, MetricCheck, Standing};
use crate::error::Result;
use crate::prometheus::Prometheus;
use crate::render::{self, RenderContext};

/// Default time between evaluations.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);

pub(super) struct MetricGate {
    prometheus: Option<Prometheus>,
    checks: Vec<MetricCheck>,
    pub(super) records: Vec<CheckRecord>,
    pub(super) interval: Duration,
    failure_limit: u32,
    inconclusive_limit: u32,
    min_samples: u32,
}

impl MetricGate {
    /// `None` when the release has no checks. A query that does not render fails the attempt
    /// (like a command template); a missing Prometheus URL does not: every evaluation is then
    /// inconclusive, and the host holds, saying why.
    pub(super) fn new(runner: &HostRelease<'_>) -> Result<Option<MetricGate>> {
        let spec = runner.spec;
        if spec.checks.is_empty() {
            return Ok(None);
        }
        let ctx = RenderContext {
            app: spec.app.clone(),
            version: spec.version.clone(),
            previous_version: spec.previous_version.clone().unwrap_or_default(),
            host: runner.settings.host.clone(),
            release: spec.release,
            vars: spec.vars.clone(),
        };
        let mut records = vec![];
        for c in &spec.checks {
            records.push(CheckRecord::new(c, render::render_text(&c.query, &ctx)?));
        }
        let settings = &runner.settings.prometheus;
        let prometheus = match settings.url.clone().or(spec.prometheus_url.clone()) {
            Some(url) => Some(Prometheus {
                url,
                bearer: settings.bearer.clone(),
                client: crate::http::client_for("prometheus_ca", settings.ca.as_deref())?,
                timeout: Duration::from_secs(10),
            }),
            None => None,
        };
        Ok(Some(MetricGate {
            prometheus,
            checks: spec.checks.clone(),
            records,
            interval: spec
                .check_interval_ms
                .map(Duration::from_millis)
                .unwrap_or(DEFAULT_INTERVAL)
                .max(Duration::from_millis(100)),
            failure_limit: spec.check_failure_limit.unwrap_or(2),
            inconclusive_limit: spec.check_inconclusive_limit.unwrap_or(3),
            min_samples: spec.check_min_samples.unwrap_or(1),
        }))
    }

    /// Evaluate every check once, now.
    pub(super) async fn evaluate(&mut self) -> Standing {
        for (record, check) in self.records.iter_mut().zip(&self.checks) {
            let result = match &self.prometheus {
                Some(p) => p.query(&record.query).await,
                None => Err(format!(
                    "no Prometheus to ask: set prometheus_url in the agent config, or publish \
                     --prometheus-url (check {})",
                    check.name
                )),
            };
            record.judge(result, self.min_samples);
        }
        self.standing()
    }

    pub(super) fn standing(&self) -> Standing {
        checks::standing(&self.records, self.failure_limit, self.inconclusive_limit)
    }
}
