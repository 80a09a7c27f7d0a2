//! `GET /metrics`: Prometheus metrics, gauges built from ZooKeeper at each scrape (every `serve`
//! instance reports the same numbers for them). Counters and histograms only grow: each
//! instance keeps running totals per app — every host's deploy is observed once (keyed by app,
//! release, host and attempt), every finished rollout, halt and rollback once — so a new release
//! does not reset them mid-rollout, and pruning the history does not lower them.
//!
//! The answer is negotiated: OpenMetrics for a scraper that asks for
//! `application/openmetrics-text`, else the classic Prometheus text format 0.0.4.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
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

/// OpenMetrics, for a scraper that asks for it.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// The classic Prometheus text format, for everyone else.
pub const CLASSIC_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Whether an `Accept` header asks for OpenMetrics (listed with a q above 0).
pub fn wants_openmetrics(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|range| {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f64>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            media.eq_ignore_ascii_case("application/openmetrics-text") && !refused
        })
}

/// OpenMetrics text as prometheus-client encodes it, in the classic text format 0.0.4: no
/// `# EOF` or `# UNIT`, and a counter's `# HELP`/`# TYPE` name its samples' `_total` name (the
/// classic parser types a sample by its exact family name; it would leave `x_total` untyped
/// under `# TYPE x counter`).
pub fn to_classic(openmetrics: &str) -> String {
    let counters: HashSet<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let renamed = ["# HELP ", "# TYPE "].iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            (counters.contains(name) && !name.ends_with("_total")).then(|| {
                format!("{prefix}{name}_total {tail}")
                    .trim_end()
                    .to_string()
            })
        });
        out.push_str(renamed.as_deref().unwrap_or(line));
        out.push('\n');
    }
    out
}

/// The response for a scrape: the format the scraper asked for.
pub fn negotiated(headers: &HeaderMap, openmetrics: String) -> Response {
    if wants_openmetrics(headers) {
        ([(header::CONTENT_TYPE, CONTENT_TYPE)], openmetrics).into_response()
    } else {
        (
            [(header::CONTENT_TYPE, CLASSIC_CONTENT_TYPE)],
            to_classic(&openmetrics),
        )
            .into_response()
    }
}

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

fn rollout_histogram() -> Histogram {
    Histogram::new(exponential_buckets(1.0, 2.0, 14))
}

fn deploy_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.25, 2.0, 16))
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// How many releases per app the "seen" sets remember; older ones count as seen.
const REMEMBERED: usize = 256;

/// Whether `key` of `release` is new, recording it. Releases older than the `REMEMBERED` newest
/// ones count as seen (their statuses were observed while they were newer).
fn first_time<K: std::hash::Hash + Eq>(
    seen: &mut BTreeMap<u64, HashSet<K>>,
    release: u64,
    key: K,
) -> bool {
    if seen.len() >= REMEMBERED && seen.first_key_value().is_some_and(|(r, _)| release < *r) {
        return false;
    }
    let new = seen.entry(release).or_default().insert(key);
    while seen.len() > REMEMBERED {
        seen.pop_first();
    }
    new
}

/// What one app's totals already counted.
#[derive(Default)]
struct Seen {
    /// (host, attempt) per release.
    deploys: BTreeMap<u64, HashSet<(String, u32)>>,
    rollouts: BTreeMap<u64, HashSet<()>>,
    halts: BTreeMap<u64, HashSet<()>>,
    rollbacks: BTreeMap<u64, HashSet<()>>,
}

/// The running totals of one `serve` process (counters and histograms only grow).
pub struct Totals {
    deploy: Histograms<OutcomeLabel>,
    rollout: Histograms<AppLabel>,
    halts: Family<AppLabel, Counter>,
    rollbacks: Family<AppLabel, Counter>,
    seen: Mutex<HashMap<String, Seen>>,
}

impl Default for Totals {
    fn default() -> Self {
        Totals {
            deploy: Family::new_with_constructor(deploy_histogram),
            rollout: Family::new_with_constructor(rollout_histogram),
            halts: Family::default(),
            rollbacks: Family::default(),
            seen: Mutex::default(),
        }
    }
}

impl Totals {
    /// Count what is new in one app's status and history.
    fn add(&self, app: &str, report: &StatusReport, history: &[HistoryEntry]) {
        let label = AppLabel { app: app.into() };
        // Every app that has been looked at has its series, 0 included.
        let _ = self.halts.get_or_create(&label);
        let _ = self.rollbacks.get_or_create(&label);
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let seen = seen.entry(app.to_string()).or_default();
        for e in history {
            let r = e.spec.release;
            let halted = e
                .ledger
                .as_ref()
                .is_some_and(|l| l.halt_reason.is_some() || l.state == ReleaseState::Halted);
            if halted && first_time(&mut seen.halts, r, ()) {
                self.halts.get_or_create(&label).inc();
            }
            if e.spec.rollback_of.is_some() && first_time(&mut seen.rollbacks, r, ()) {
                self.rollbacks.get_or_create(&label).inc();
            }
        }
        if let (Some(secs), Some(spec)) = (rollout_seconds(report), report.spec.as_ref())
            && first_time(&mut seen.rollouts, spec.release, ())
        {
            self.rollout.get_or_create(&label).observe(secs);
        }
        for h in &report.hosts {
            if let (true, Some(release), Some(ms)) =
                (h.state.is_terminal(), h.release, h.duration_ms)
                && first_time(&mut seen.deploys, release, (h.host.clone(), h.attempts))
            {
                self.deploy
                    .get_or_create(&OutcomeLabel {
                        app: app.into(),
                        outcome: h.state.as_str().into(),
                    })
                    .observe(ms as f64 / 1000.0);
            }
        }
    }
}

/// Every host state, so a state with no host is a 0 rather than a missing series.
const HOST_STATES: [HostState; 10] = [
    HostState::Idle,
    HostState::Waiting,
    HostState::Deploying,
    HostState::Verifying,
    HostState::Baking,
    HostState::Healthy,
    HostState::Failed,
    HostState::Current,
    HostState::Lost,
    HostState::Refused,
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

pub async fn gather(zk: &Zk, totals: &Totals) -> Result<String> {
    let hosts = Family::<HostsLabel, Gauge>::default();
    let releases = Family::<OutcomeLabel, Gauge>::default();
    let slots_in_use = Family::<AppLabel, Gauge>::default();
    let slots = Family::<AppLabel, Gauge>::default();
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
        totals.add(&row.app, &report, &history);
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
    }
    // Families are handles: the registry of this scrape encodes the process's running totals.
    let halts = totals.halts.clone();
    let rollbacks = totals.rollbacks.clone();
    let rollout = totals.rollout.clone();
    let deploy = totals.deploy.clone();
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
        "Releases seen halted (a running total of this serve process)",
        halts,
    );
    reg.register(
        "deployctl_rollbacks",
        "Rollback releases seen (a running total of this serve process)",
        rollbacks,
    );
    reg.register(
        "deployctl_rollout_duration_seconds",
        "Published to last host finished, each finished release observed once",
        rollout,
    );
    reg.register(
        "deployctl_host_deploy_duration_seconds",
        "Deploy duration of each host's finished attempt, observed once, by outcome",
        deploy,
    );
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &reg)
        .map_err(|e| crate::error::Error::Failed(format!("encoding metrics: {e}")))?;
    Ok(out)
}

pub async fn metrics(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let zk = state.zk().await;
    match gather(&zk, &state.totals).await {
        Ok(text) => negotiated(&headers, text),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_picks_the_format() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT, v.parse().unwrap());
            wants_openmetrics(&m)
        };
        assert!(h("application/openmetrics-text; version=1.0.0"));
        assert!(h(
            "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.1"
        ));
        assert!(!h("text/plain; version=0.0.4"));
        assert!(!h("application/openmetrics-text; q=0"));
        assert!(!wants_openmetrics(&HeaderMap::new()));
    }

    #[test]
    fn classic_names_counters_by_their_samples() {
        let om =
            "# HELP x_halts Halts.\n# TYPE x_halts counter\nx_halts_total{app=\"a\"} 1\n# EOF\n";
        assert_eq!(
            to_classic(om),
            "# HELP x_halts_total Halts.\n# TYPE x_halts_total counter\nx_halts_total{app=\"a\"} 1\n"
        );
    }
}
