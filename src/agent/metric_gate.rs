//! Metric checks on this host while it bakes (`--check`): render each query for this host,
//! ask Prometheus every check interval, judge (`crate::checks`) and keep the records that the
//! status shows. Missing data never passes: the bake does not end before every check's last
//! evaluation passed.

use std::time::Duration;

use super::release::HostRelease;
use crate::checks::{self, CheckRecord, MetricCheck, Scope, Standing};
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
        Self::for_scope(runner, Scope::Host)
    }

    /// The checks of one scope: a host's own (rendered for this host), or the fleet-wide step
    /// checks (`{{ host }}` renders empty).
    pub(super) fn for_scope(runner: &HostRelease<'_>, scope: Scope) -> Result<Option<MetricGate>> {
        let spec = runner.spec;
        let checks: Vec<MetricCheck> = spec
            .checks_of(scope)
            .cloned()
            .chain(match scope {
                Scope::Host => runner
                    .settings
                    .local
                    .get(&spec.app)
                    .map_or(vec![], |l| l.checks.clone()),
                Scope::Step => vec![],
            })
            .collect();
        if checks.is_empty() {
            return Ok(None);
        }
        let ctx = RenderContext {
            app: spec.app.clone(),
            version: spec.version.clone(),
            previous_version: spec.previous_version.clone().unwrap_or_default(),
            host: match scope {
                Scope::Host => runner.settings.host.clone(),
                Scope::Step => String::new(),
            },
            group: match scope {
                Scope::Host => crate::policy::group_of(&spec.groups, &runner.settings.groups),
                Scope::Step => String::new(),
            },
            release: spec.release,
            vars: spec.vars.clone(),
        };
        // A relative check's baseline: the same query for the version the hosts ran before.
        let previous = spec.previous_version.as_ref().map(|v| RenderContext {
            version: v.clone(),
            ..ctx.clone()
        });
        let mut records = vec![];
        for c in &checks {
            let baseline = match (&previous, c.baseline) {
                (Some(p), true) => Some(render::render_text(&c.query, p)?),
                _ => None,
            };
            records.push(CheckRecord::new(
                c,
                render::render_text(&c.query, &ctx)?,
                baseline,
            ));
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
            checks,
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
            let prometheus = self.prometheus.as_ref();
            let ask = |query: Option<String>| async move {
                match (prometheus, query) {
                    (Some(p), Some(q)) => p.query(&q).await,
                    (None, _) => Err(format!(
                        "no Prometheus to ask: set prometheus_url in the agent config, or \
                         publish --prometheus-url (check {})",
                        check.name
                    )),
                    (_, None) => Err("the release has no previous version to compare with".into()),
                }
            };
            let result = ask(Some(record.query.clone())).await;
            if check.baseline {
                let baseline = ask(record.baseline_query.clone()).await;
                record.judge_against(result, baseline, self.min_samples);
            } else {
                record.judge(result, self.min_samples);
            }
        }
        self.standing()
    }

    pub(super) fn standing(&self) -> Standing {
        checks::standing(&self.records, self.failure_limit, self.inconclusive_limit)
    }
}
