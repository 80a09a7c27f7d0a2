//! `GET /metrics`: Prometheus text (OpenMetrics) built from ZooKeeper at each scrape, so every
//! `serve` instance reports the same numbers and none keeps state. Counters (halts, rollbacks)
//! count what the kept history records; pruning old releases can lower them, which Prometheus
//! treats as a counter reset.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::Shared;
use crate::error::Result;
use crate::model::{HostState, ReleaseState, parse_time};
use crate::ops::{self, HistoryEntry, StatusReport};
use crate::zk::Zk;

pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AppLabel {
    app: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HostsLabel {
    app: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    app: String,
    outcome: String,
}

/// Every host state, so a state with no host is a 0 rather than a missing series.
const HOST_STATES: [HostState; 9] = [
    HostState::Idle,
    HostState::Waiting,
    HostState::Deploying,
    HostState::Verifying,
    HostState::Baking,
    HostState::Healthy,
    HostState::Failed,
    HostState::Current,
    HostState::Lost,
];

/// What became of a release, as one label value.
pub fn release_outcome(e: &HistoryEntry, current: Option<&StatusReport>) -> &'static str {
    if e.ledger
        .as_ref()
        .is_some_and(|l| l.rolled_back_by.is_some())
    {
        return "rolled_back";
    }
    match e.state() {
        ReleaseState::Halted => return "halted",
        ReleaseState::Aborted => return "aborted",
        ReleaseState::Paused => return "paused",
        ReleaseState::Active => {}
    }
    let failed = e.ledger.as_ref().is_some_and(|l| !l.failed.is_empty());
    let done = e
        .ledger
        .as_ref()
        .is_some_and(|l| !l.healthy.is_empty() || !l.current.is_empty());
    match current {
        // The current release: as the one judge (policy::verdict) says in `status`.
        Some(r) if r.spec.as_ref().is_some_and(|s| s.release == e.spec.release) => {
            match r.verdict.as_ref().map(|v| v.result) {
                Some("succeeded") => "succeeded",
                Some("failed") => "failed",
                _ => "active",
            }
        }
        _ if failed => "failed",
        _ if done => "succeeded",
        _ => "superseded",
    }
}

/// The current release's rollout time: published to its last host finished, once every host
/// of it finished (ZooKeeper keeps no finish time for older releases).
fn rollout_seconds(r: &StatusReport) -> Option<f64> {
    let spec = r.spec.as_ref()?;
    let start = parse_time(&spec.published_at)?;
    let mine: Vec<_> = r
        .hosts
        .iter()
        .filter(|h| h.release == Some(spec.release))
        .collect();
    if mine.is_empty() || !mine.iter().all(|h| h.state.is_terminal()) {
        return None;
    }
    let end = mine
        .iter()
        .filter_map(|h| h.finished_at.as_deref().and_then(parse_time))
        .max()?;
    end.duration_since(start).ok().map(|d| d.as_secs_f64())
}

pub async fn gather(zk: &Zk) -> Result<String> {
    let hosts = Family::<HostsLabel, Gauge>::default();
    let releases = Family::<OutcomeLabel, Gauge>::default();
    let slots_in_use = Family::<AppLabel, Gauge>::default();
    let slots = Family::<AppLabel, Gauge>::default();
    let halts = Family::<AppLabel, Counter>::default();
    let rollbacks = Family::<AppLabel, Counter>::default();
    let rollout = Family::<AppLabel, Histogram>::new_with_constructor(|| {
        Histogram::new(exponential_buckets(1.0, 2.0, 14))
    });
    let deploy = Family::<AppLabel, Histogram>::new_with_constructor(|| {
        Histogram::new(exponential_buckets(0.25, 2.0, 16))
    });
    for row in ops::apps(zk).await? {
        let app = AppLabel {
            app: row.app.clone(),
        };
        let report = match ops::status(zk, &row.app).await {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!("metrics of {}: {e}", row.app);
                continue;
            }
        };
        let history = ops::history(zk, &row.app).await.unwrap_or_default();
        for s in HOST_STATES {
            let n = report.hosts.iter().filter(|h| h.state == s).count();
            hosts
                .get_or_create(&HostsLabel {
                    app: row.app.clone(),
                    state: s.as_str().into(),
                })
                .set(n as i64);
        }
        for e in &history {
            releases
                .get_or_create(&OutcomeLabel {
                    app: row.app.clone(),
                    outcome: release_outcome(e, Some(&report)).into(),
                })
                .inc();
        }
        let halted = history
            .iter()
            .filter(|e| {
                e.ledger
                    .as_ref()
                    .is_some_and(|l| l.halt_reason.is_some() || l.state == ReleaseState::Halted)
            })
            .count();
        halts.get_or_create(&app).inc_by(halted as u64);
        let rolled = history
            .iter()
            .filter(|e| e.spec.rollback_of.is_some())
            .count();
        rollbacks.get_or_create(&app).inc_by(rolled as u64);
        let ledger = history
            .iter()
            .find(|e| {
                report
                    .spec
                    .as_ref()
                    .is_some_and(|s| s.release == e.spec.release)
            })
            .and_then(|e| e.ledger.as_ref());
        slots_in_use
            .get_or_create(&app)
            .set(report.slots_in_use() as i64);
        if let Some(spec) = &report.spec {
            slots
                .get_or_create(&app)
                .set(crate::policy::effective_slots(spec, ledger) as i64);
        }
        if let Some(secs) = rollout_seconds(&report) {
            rollout.get_or_create(&app).observe(secs);
        }
        let current = report.spec.as_ref().map(|s| s.release);
        for h in &report.hosts {
            if h.state.is_terminal()
                && h.release == current
                && let Some(ms) = h.duration_ms
            {
                deploy.get_or_create(&app).observe(ms as f64 / 1000.0);
            }
        }
    }
    let mut reg = Registry::default();
    reg.register("deployctl_hosts", "Hosts per app by state", hosts);
    reg.register(
        "deployctl_releases",
        "Releases in the kept history per app by outcome",
        releases,
    );
    reg.register(
        "deployctl_slots_in_use",
        "Deploy slots held now per app",
        slots_in_use,
    );
    reg.register(
        "deployctl_slots_capacity",
        "Deploy slots of the current release per app (after slot growth)",
        slots,
    );
    reg.register(
        "deployctl_halts",
        "Releases in the kept history that halted",
        halts,
    );
    reg.register(
        "deployctl_rollbacks",
        "Rollback releases in the kept history",
        rollbacks,
    );
    reg.register(
        "deployctl_rollout_duration_seconds",
        "Published to last host finished, for each app's finished current release",
        rollout,
    );
    reg.register(
        "deployctl_host_deploy_duration_seconds",
        "Deploy duration of each host that finished the current release",
        deploy,
    );
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &reg)
        .map_err(|e| crate::error::Error::Failed(format!("encoding metrics: {e}")))?;
    Ok(out)
}

pub async fn metrics(State(state): State<Shared>) -> Response {
    let zk = state.zk().await;
    match gather(&zk).await {
        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(e) => {
            tracing::warn!("metrics: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("cannot read ZooKeeper: {e}\n"),
            )
                .into_response()
        }
    }
}
