//! The sandbox's demo traffic: every host serves a steady stream of requests, and fails the
//! share of them its deployed version's `ERROR_RATE` file names. The counters are exposed at
//! `/metrics` for the sandbox's Prometheus, so its metric check judges something real.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use crate::error::{Error, Result};

/// Requests each host serves per tick (10 ticks a second).
const PER_TICK: u64 = 10;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HostLabel {
    host: String,
}

/// The running traffic and its `/metrics` endpoint; both stop when dropped.
pub struct Traffic {
    /// `127.0.0.1:PORT`, the scrape target.
    pub target: String,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Traffic {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// The error rate of the version `current` points at: its `ERROR_RATE` file (0 when there is
/// none: no deploy yet, or a version without one).
fn error_rate(current: &std::path::Path) -> f64 {
    std::fs::read_to_string(current.join("ERROR_RATE"))
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|r| (0.0..=1.0).contains(r))
        .unwrap_or(0.0)
}

/// Start serving traffic on `hosts` (name, the `current` link of its deploy).
pub async fn start(hosts: Vec<(String, PathBuf)>) -> Result<Traffic> {
    let requests = Family::<HostLabel, Counter>::default();
    let errors = Family::<HostLabel, Counter>::default();
    let mut registry = Registry::default();
    registry.register(
        "demo_requests",
        "Requests the demo app served",
        requests.clone(),
    );
    registry.register(
        "demo_errors",
        "Requests the demo app failed",
        errors.clone(),
    );
    let registry = Arc::new(registry);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Error::io("starting the demo traffic's /metrics", e))?;
    let target = listener
        .local_addr()
        .map_err(|e| Error::io("starting the demo traffic's /metrics", e))?
        .to_string();
    let app = Router::new().route(
        "/metrics",
        get(move || {
            let registry = registry.clone();
            async move {
                let mut out = String::new();
                // Encoding into a String cannot fail but for a formatter error; serve what there is.
                let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
                out
            }
        }),
    );
    let serve = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::warn!("demo traffic's /metrics: {e}");
        }
    });
    let ticks = tokio::spawn(async move {
        // Errors owed but not yet counted, per host: the counts follow the rate exactly.
        let mut owed = vec![0.0_f64; hosts.len()];
        let mut every = tokio::time::interval(Duration::from_millis(100));
        loop {
            every.tick().await;
            for ((host, current), owed) in hosts.iter().zip(owed.iter_mut()) {
                let label = HostLabel { host: host.clone() };
                requests.get_or_create(&label).inc_by(PER_TICK);
                *owed += PER_TICK as f64 * error_rate(current);
                let whole = owed.floor();
                *owed -= whole;
                errors.get_or_create(&label).inc_by(whole as u64);
            }
        }
    });
    Ok(Traffic {
        target,
        tasks: vec![serve, ticks],
    })
}
