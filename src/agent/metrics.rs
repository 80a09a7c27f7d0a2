//! The agent's own metrics (`agent --metrics-listen ADDR`, Prometheus text): deploys by outcome,
//! deploy durations, and the ZooKeeper session. Process-wide, recorded where the agent decides.

use std::sync::OnceLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::model::HostState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    app: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct App {
    app: String,
}

struct Metrics {
    registry: Registry,
    deploys: Family<Outcome, Counter>,
    durations: Family<App, Histogram>,
    connected: Gauge,
    sessions: Counter,
    losses: Counter,
}

fn metrics() -> &'static Metrics {
    static M: OnceLock<Metrics> = OnceLock::new();
    M.get_or_init(|| {
        let deploys = Family::<Outcome, Counter>::default();
        let durations = Family::<App, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.25, 2.0, 16))
        });
        let connected = Gauge::default();
        let sessions = Counter::default();
        let losses = Counter::default();
        let mut registry = Registry::default();
        registry.register(
            "deployctl_agent_deploys",
            "Deploys this agent finished, by app and outcome (healthy, failed)",
            deploys.clone(),
        );
        registry.register(
            "deployctl_agent_deploy_duration_seconds",
            "Duration of this agent's finished deploys",
            durations.clone(),
        );
        registry.register(
            "deployctl_agent_zk_connected",
            "1 while the ZooKeeper session is connected, else 0",
            connected.clone(),
        );
        registry.register(
            "deployctl_agent_zk_sessions",
            "ZooKeeper sessions this agent started",
            sessions.clone(),
        );
        registry.register(
            "deployctl_agent_zk_session_losses",
            "ZooKeeper sessions this agent lost (expired, or disconnected too long)",
            losses.clone(),
        );
        Metrics {
            registry,
            deploys,
            durations,
            connected,
            sessions,
            losses,
        }
    })
}

/// A deploy of `app` finished on this host.
pub fn deploy_finished(app: &str, state: HostState, duration: Option<Duration>) {
    let m = metrics();
    m.deploys
        .get_or_create(&Outcome {
            app: app.into(),
            outcome: state.as_str().into(),
        })
        .inc();
    if let Some(d) = duration {
        m.durations
            .get_or_create(&App { app: app.into() })
            .observe(d.as_secs_f64());
    }
}

pub fn session_started() {
    metrics().sessions.inc();
}

pub fn session_lost() {
    metrics().losses.inc();
}

pub fn connected(yes: bool) {
    metrics().connected.set(i64::from(yes));
}

/// Everything, in the Prometheus text (OpenMetrics) format.
pub fn encode() -> String {
    let mut out = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &metrics().registry) {
        tracing::warn!("encoding the agent's metrics: {e}");
    }
    out
}
