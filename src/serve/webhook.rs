//! Webhook notifications: release published, gate reached, halted, rolled back, succeeded,
//! failed. Driven by the same ZooKeeper watch as the page, and by a timer (a claim left unsent
//! by a dead instance must be taken over on a quiet app too). One claim across any number of
//! `serve` instances: an event is sent by the instance whose create of
//! `apps/<app>/events/r-<id>-<kind>` succeeded; the others see the node and skip it. Delivery
//! is retried with backoff in its own task (a failure is logged, never blocks the page). It is
//! at-least-once (a sender killed mid-send is taken over and the event sent again), so every
//! event carries a stable id (`"id"`, `X-Deployctl-Delivery`) for receivers to drop repeats.
//!
//! Only the newest two releases of an app are looked at: a `serve` started for the first time
//! against an old history does not announce every release since the beginning.

use std::collections::HashSet;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use serde::Serialize;
use serde_json::json;

use super::Shared;
use crate::error::{Error, Result};
use crate::model::{Ledger, ReleaseSpec, ReleaseState, RunOnceState};
use crate::policy::verdict::{self, Case, TargetHost};
use crate::rollout::HostView;
use crate::zk::Zk;
use crate::zk::layout::release_node_name;

/// How the body of a webhook request is shaped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// The event as JSON (docs/serve.md).
    #[default]
    Json,
    /// `{"text": "..."}`, which Slack's (and Mattermost's, Rocket.Chat's…) incoming webhooks take.
    Slack,
}

/// A webhook URL (`http://` or `https://`).
#[derive(Debug, Clone)]
pub struct Target {
    pub url: String,
    uri: hyper::Uri,
}

impl Target {
    pub fn parse(url: &str) -> Result<Target> {
        let bad = |why: &str| Error::invalid("--webhook URL", url, why);
        let uri: hyper::Uri = url.parse().map_err(|_| bad("not a URL"))?;
        match uri.scheme_str() {
            Some("http" | "https") => {}
            _ => return Err(bad("must start with http:// or https://")),
        }
        if uri.host().is_none() {
            return Err(bad("has no host"));
        }
        Ok(Target {
            url: url.to_string(),
            uri,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Published,
    GateReached,
    Halted,
    RolledBack,
    Succeeded,
    Failed,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Published => "published",
            Kind::GateReached => "gate_reached",
            Kind::Halted => "halted",
            Kind::RolledBack => "rolled_back",
            Kind::Succeeded => "succeeded",
            Kind::Failed => "failed",
        }
    }
}

/// The header naming an event's stable id (the body's `"id"`).
pub const DELIVERY_HEADER: &str = "x-deployctl-delivery";

/// One event, as posted (secrets masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// `<app>/r-<release>-<kind>`: the same in every retry and from every instance, so a
    /// receiver can drop a repeat (delivery is at-least-once).
    pub id: String,
    pub event: Kind,
    pub app: String,
    pub release: u64,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_version: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub published_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<crate::model::Source>,
    pub message: String,
    /// On `halted` and `failed`: the metric checks behind it — each failed host's check
    /// records and each failed step check's — with the rendered query, the samples and their
    /// times, the threshold and the verdict.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckEvidence>,
}

/// Failed metric checks of one host, or of one step boundary (`--step-check`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckEvidence {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The step (1-based) whose boundary the step checks judged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    pub checks: Vec<crate::checks::CheckRecord>,
}

/// The failed metric checks of a release, as its ledger keeps them: its failed hosts' and its
/// failed step checks'.
fn failed_checks(l: &Ledger) -> Vec<CheckEvidence> {
    let hosts = l.failed_checks.iter().map(|h| CheckEvidence {
        host: Some(h.host.clone()),
        step: None,
        checks: h.checks.clone(),
    });
    let steps = l
        .step_checks
        .iter()
        .flat_map(|sc| &sc.decisions)
        .filter(|d| d.verdict == crate::checks::Verdict::Fail)
        .map(|d| CheckEvidence {
            host: None,
            step: Some(d.step + 1),
            checks: d.records.clone(),
        });
    hosts.chain(steps).collect()
}

/// The name of an event's claim node.
fn claim_name(release: u64, kind: Kind) -> String {
    format!("{}-{}", release_node_name(release), kind.as_str())
}

/// An event's stable id: the app and its claim node's name.
pub fn event_id(app: &str, release: u64, kind: Kind) -> String {
    format!("{app}/{}", claim_name(release, kind))
}

impl Event {
    /// The name of its claim node.
    pub fn claim_name(&self) -> String {
        claim_name(self.release, self.event)
    }

    pub fn text(&self) -> String {
        format!(
            "deployctl: {} release {} ({}): {}",
            self.app, self.release, self.version, self.message
        )
    }

    pub fn body(&self, format: Format) -> String {
        match format {
            Format::Json => serde_json::to_string(self).unwrap_or_default(),
            Format::Slack => json!({ "text": self.text() }).to_string(),
        }
    }
}

fn canaries_passed(spec: &ReleaseSpec, l: &Ledger) -> bool {
    let healthy = l
        .canaries
        .iter()
        .filter(|c| l.healthy.contains(c) || l.current.contains(c))
        .count();
    healthy >= spec.canary as usize
}

/// Pure: the events the newest releases of an app have reached. `history` is oldest first,
/// unmasked (for the secret values); `targets`: the current release's target hosts (registered,
/// in its groups) as `status` shows them.
pub fn events(history: &[(ReleaseSpec, Option<Ledger>)], targets: &[HostView]) -> Vec<Event> {
    let newest = history.last().map(|(s, _)| s.release);
    let mut out = vec![];
    for (spec, ledger) in history.iter().rev().take(2) {
        let secrets = crate::secrets::values(&spec.vars, &spec.secret_vars, &[]);
        let mask = |s: &str| crate::secrets::redact(s, &secrets);
        let mut push = |kind: Kind, message: String, mut checks: Vec<CheckEvidence>| {
            for r in checks.iter_mut().flat_map(|e| e.checks.iter_mut()) {
                r.redact(&secrets);
            }
            out.push(Event {
                id: event_id(&spec.app, spec.release, kind),
                event: kind,
                app: spec.app.clone(),
                release: spec.release,
                version: spec.version.clone(),
                previous_version: spec.previous_version.clone(),
                published_by: spec.published_by.clone(),
                source: spec.source.clone(),
                message: mask(&message),
                checks,
            })
        };
        push(
            Kind::Published,
            match spec.rollback_of {
                Some(of) => format!("published (a rollback of release {of})"),
                None => "published".into(),
            },
            vec![],
        );
        let Some(l) = ledger else { continue };
        let run_once_done = spec.run_once_cmd.is_some()
            && l.run_once
                .as_ref()
                .is_some_and(|r| r.state == RunOnceState::Done);
        let canary_done = spec.canary > 0 && canaries_passed(spec, l);
        // A stepped release waiting at a manual gate (`--steps …,pause,…`): someone must promote.
        let manual_gate = (Some(spec.release) == newest && l.state == ReleaseState::Active)
            .then(|| {
                let plan = crate::policy::steps::plan(spec);
                crate::policy::steps::position(&plan, l, std::time::SystemTime::now())
            })
            .flatten()
            .filter(|p| p.at_gate());
        if let Some(p) = manual_gate {
            push(Kind::GateReached, p.describe(&spec.app), vec![]);
        } else if run_once_done || canary_done {
            push(
                Kind::GateReached,
                if canary_done {
                    format!("canary gate passed ({} canaries healthy)", spec.canary)
                } else {
                    "run-once command done".into()
                },
                vec![],
            );
        }
        let halted = l.halt_reason.is_some() || l.state == ReleaseState::Halted;
        let evidence = failed_checks(l);
        if halted {
            push(
                Kind::Halted,
                format!(
                    "halted: {}",
                    l.halt_reason.as_deref().unwrap_or("(no reason recorded)")
                ),
                evidence.clone(),
            );
        }
        if let Some(by) = l.rolled_back_by {
            push(
                Kind::RolledBack,
                format!("rolled back by release {by}"),
                vec![],
            );
        }
        let failed_pushed = !l.failed.is_empty() && (halted || l.state == ReleaseState::Aborted);
        if failed_pushed {
            let mut failed = l.failed.clone();
            failed.sort();
            push(
                Kind::Failed,
                format!("failed on {}", failed.join(", ")),
                evidence.clone(),
            );
        }
        // The one judge decides (policy::verdict): every step passed, every target settled
        // within the budget with one running it, finalize done.
        let is_current = Some(spec.release) == newest;
        if is_current {
            let hosts: Vec<TargetHost<'_>> = targets
                .iter()
                .map(|h| TargetHost {
                    host: &h.host,
                    state: if h.release == Some(spec.release) {
                        h.state
                    } else {
                        crate::model::HostState::Idle
                    },
                    note: &h.message,
                })
                .collect();
            let registered: Vec<String> = targets.iter().map(|h| h.host.clone()).collect();
            let judged = verdict::judge(&Case {
                target: spec,
                current: Some(spec),
                ledger: Some(l),
                hosts: &hosts,
                registered: &registered,
                expect_hosts: None,
                now: std::time::SystemTime::now(),
            });
            if judged.succeeded() {
                push(
                    Kind::Succeeded,
                    format!("succeeded on {} host(s)", targets.len()),
                    vec![],
                );
            }
            // A host that refused the release (its signature) fails it with no ledger record.
            if let verdict::Judgement::Failed { message } = &judged
                && !failed_pushed
                && hosts
                    .iter()
                    .any(|h| h.state == crate::model::HostState::Refused)
            {
                push(Kind::Failed, message.clone(), vec![]);
            }
        }
    }
    out
}

/// The current release's target hosts: registered, taking part (groups, `--hosts`).
async fn targets(zk: &Zk, app: &str, spec: Option<&ReleaseSpec>) -> Result<Vec<HostView>> {
    let Some(spec) = spec else {
        return Ok(vec![]);
    };
    let report = crate::ops::status(zk, app).await?;
    let presence = zk.hosts(app).await?;
    Ok(report
        .hosts
        .into_iter()
        .filter(|h| {
            presence.iter().any(|(name, p)| {
                *name == h.host
                    && crate::policy::takes_part(
                        spec,
                        name,
                        p.as_ref().map(|p| p.groups.as_slice()).unwrap_or(&[]),
                    )
            })
        })
        .collect())
}

pub use crate::http::{HttpClient, client};

/// Follow the change feed for the life of the process.
pub async fn run(state: Shared, client: HttpClient) {
    let mut rx = state.changes.subscribe();
    // A claim left unsent by a dead instance is found by a scan; on a quiet app no change
    // triggers one, so apps with a claim in flight elsewhere are scanned on a timer too.
    let mut rescan = tokio::time::interval(rescan_interval(takeover(&state)));
    rescan.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    rescan.tick().await;
    // Events this process has claimed or seen claimed: not tried again (a cache; ZooKeeper's
    // claim nodes are the truth).
    let mut seen: HashSet<(String, String)> = HashSet::new();
    // Apps with a claim in flight at another instance at their last scan: looked at again on
    // the timer, since that instance may die before it sends.
    let mut waiting: HashSet<String> = HashSet::new();
    let mut pending = vec![super::live::ALL.to_string()];
    loop {
        for changed in pending.drain(..) {
            let zk = state.zk().await;
            let apps = if changed == super::live::ALL {
                zk.list_apps().await.unwrap_or_default()
            } else {
                vec![changed]
            };
            for app in apps {
                match scan(&state, &zk, &app, &client, &mut seen).await {
                    Ok(true) => {
                        waiting.insert(app);
                    }
                    Ok(false) => {
                        waiting.remove(&app);
                    }
                    // Left as it was: a scan after the next change (or resync) tells.
                    Err(e) => tracing::warn!("webhook events of {app}: {e}"),
                }
            }
        }
        let changed = tokio::select! {
            r = rx.recv() => r,
            _ = rescan.tick() => {
                pending.extend(waiting.iter().cloned());
                continue;
            }
        };
        match changed {
            Ok(app) => pending.push(app),
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                pending.push(super::live::ALL.into())
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
        // One scan for a burst of changes.
        while let Ok(app) = rx.try_recv() {
            if !pending.contains(&app) {
                pending.push(app);
            }
        }
    }
}

/// What a claim node holds: who claimed the event, when, and whether it was sent.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Claim {
    pub by: String,
    pub at: String,
    /// Delivered, or given up on after every retry: nobody sends it again.
    #[serde(default)]
    pub sent: bool,
}

/// A claim not marked sent this long after it was made belongs to an instance that died before
/// it could deliver (delivery gives up after about three minutes): another instance takes it
/// over with a compare-and-set, so the event is not lost.
pub const TAKEOVER: Duration = Duration::from_secs(300);

fn takeover(state: &Shared) -> Duration {
    state.config.webhook_takeover.unwrap_or(TAKEOVER)
}

/// How often every app is scanned without a change: a fifth of the takeover age (a minute by
/// default), so a stale claim is taken over within 1.2 × its takeover age.
pub fn rescan_interval(takeover: Duration) -> Duration {
    (takeover / 5).clamp(Duration::from_millis(200), Duration::from_secs(60))
}

fn new_claim() -> Claim {
    Claim {
        by: format!(
            "{}:{}",
            gethostname::gethostname().to_string_lossy(),
            std::process::id()
        ),
        at: crate::model::now_rfc3339(),
        sent: false,
    }
}

fn json_bytes(c: &Claim) -> Vec<u8> {
    serde_json::to_vec(c).unwrap_or_default()
}

/// Whether this instance is to send the event: it created the claim, or took over one whose
/// sender died. `Ok(None)`: not ours, and nothing more to see (sent, or unreadable);
/// `Ok(Some(false))`: in flight at another instance, look again at the next scan.
async fn claim(
    zk: &Zk,
    app: &str,
    name: &str,
    mine: &Claim,
    takeover: Duration,
) -> Result<Option<bool>> {
    if zk.claim_event(app, name, &json_bytes(mine)).await? {
        return Ok(Some(true));
    }
    let Some((data, version)) = zk.read_claim(app, name).await? else {
        return Ok(None);
    };
    let Ok(theirs) = serde_json::from_slice::<Claim>(&data) else {
        return Ok(None);
    };
    if theirs.sent {
        return Ok(None);
    }
    let stale = crate::model::parse_time(&theirs.at)
        .and_then(|t| std::time::SystemTime::now().duration_since(t).ok())
        .is_none_or(|age| age > takeover);
    if !stale {
        return Ok(Some(false));
    }
    let took = zk
        .set_claim(app, name, &json_bytes(mine), Some(version))
        .await?;
    if took {
        tracing::warn!(
            "webhook event {name} of {app}: {} claimed it at {} and never sent it; sending it",
            theirs.by,
            theirs.at
        );
    }
    Ok(Some(took))
}

/// Claim and send the app's new events; `true` when one is in flight at another instance (to
/// be looked at again: it may die before sending).
async fn scan(
    state: &Shared,
    zk: &Zk,
    app: &str,
    client: &HttpClient,
    seen: &mut HashSet<(String, String)>,
) -> Result<bool> {
    let mut elsewhere = false;
    let history = zk.history(app).await?;
    let current = zk.read_spec(app).await.ok().flatten().map(|(s, _)| s);
    let targets = targets(zk, app, current.as_ref()).await?;
    for ev in events(&history, &targets) {
        let name = ev.claim_name();
        let key = (app.to_string(), name.clone());
        if seen.contains(&key) {
            continue;
        }
        let mine = new_claim();
        match claim(zk, app, &name, &mine, takeover(state)).await? {
            Some(true) => {}
            Some(false) => {
                tracing::debug!("webhook event {name} of {app}: claimed by another instance");
                elsewhere = true;
                continue;
            }
            None => {
                tracing::debug!("webhook event {name} of {app}: sent by another instance");
                seen.insert(key);
                continue;
            }
        }
        seen.insert(key);
        tracing::info!("webhook event: {}", ev.text());
        tokio::spawn(send(
            state.clone(),
            client.clone(),
            app.to_string(),
            ev,
            mine,
        ));
    }
    Ok(elsewhere)
}

/// Deliver one event to every target, then mark its claim sent.
async fn send(state: Shared, client: HttpClient, app: String, ev: Event, mut claim: Claim) {
    let body = ev.body(state.config.webhook_format);
    let text = ev.text();
    let deliveries = state.config.webhooks.iter().map(|t| {
        let (body, text, id) = (body.clone(), text.clone(), ev.id.clone());
        deliver(client.clone(), t.clone(), body, id, text)
    });
    futures::future::join_all(deliveries).await;
    claim.sent = true;
    let zk = state.zk().await;
    if let Err(e) = zk
        .set_claim(&app, &ev.claim_name(), &json_bytes(&claim), None)
        .await
    {
        tracing::warn!(
            "marking webhook event {} of {app} sent: {e}",
            ev.claim_name()
        );
    }
}

/// Post `body` until the receiver takes it (2xx), with doubling delays; give up after a while.
/// `id` goes in `X-Deployctl-Delivery`, the same in every attempt.
async fn deliver(client: HttpClient, target: Target, body: String, id: String, what: String) {
    const ATTEMPTS: u32 = 8;
    let mut delay = Duration::from_millis(500);
    for attempt in 1..=ATTEMPTS {
        let req = hyper::Request::post(target.uri.clone())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(DELIVERY_HEADER, id.as_str())
            .header(
                hyper::header::USER_AGENT,
                concat!("deployctl/", env!("CARGO_PKG_VERSION")),
            )
            .body(Full::new(Bytes::from(body.clone())));
        let req = match req {
            Ok(r) => r,
            Err(e) => {
                tracing::error!("webhook {}: cannot build the request: {e}", target.url);
                return;
            }
        };
        let why = match tokio::time::timeout(Duration::from_secs(10), client.request(req)).await {
            Ok(Ok(resp)) if resp.status().is_success() => {
                tracing::debug!("webhook {} took: {what}", target.url);
                return;
            }
            Ok(Ok(resp)) => format!("answered {}", resp.status()),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "no answer within 10s".into(),
        };
        tracing::warn!(
            "webhook {} (attempt {attempt} of {ATTEMPTS}): {why}",
            target.url
        );
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(60));
    }
    tracing::error!("webhook {}: gave up delivering: {what}", target.url);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HostState, ReleaseSpec};

    fn spec(release: u64) -> ReleaseSpec {
        let mut s = ReleaseSpec::new("shop", &format!("1.{release}"));
        s.release = release;
        s
    }

    #[test]
    fn a_halted_release_that_was_rolled_back() {
        let mut bad = spec(2);
        bad.vars = [("api_token".to_string(), "s3cr3t-value".to_string())].into();
        let ledger = Ledger {
            release: 2,
            state: ReleaseState::Halted,
            failed: vec!["h1".into()],
            halt_reason: Some("h1 failed: s3cr3t-value rejected".into()),
            rolled_back_by: Some(3),
            ..Default::default()
        };
        let mut rb = spec(3);
        rb.rollback_of = Some(2);
        let history = vec![(spec(1), None), (bad, Some(ledger)), (rb, None)];
        let evs = events(&history, &[]);
        let kinds: Vec<(u64, Kind)> = evs.iter().map(|e| (e.release, e.event)).collect();
        assert_eq!(
            kinds,
            vec![
                (3, Kind::Published),
                (2, Kind::Published),
                (2, Kind::Halted),
                (2, Kind::RolledBack),
                (2, Kind::Failed),
            ]
        );
        let halted = &evs[2];
        assert!(!halted.message.contains("s3cr3t"), "{}", halted.message);
        assert_eq!(halted.claim_name(), "r-0000000002-halted");
        let json: serde_json::Value = serde_json::from_str(&halted.body(Format::Json)).unwrap();
        assert_eq!(json["id"], "shop/r-0000000002-halted");
        let slack: serde_json::Value = serde_json::from_str(&halted.body(Format::Slack)).unwrap();
        assert!(slack["text"].as_str().unwrap().contains("halted"));
    }

    #[test]
    fn a_halt_on_metric_checks_carries_them_masked() {
        let mut bad = spec(2);
        bad.vars = [("api_token".to_string(), "s3cr3t-value".to_string())].into();
        let check =
            crate::checks::MetricCheck::parse("err=e{t=\"s3cr3t-value\"} <= 0.05").expect("check");
        let mut record = crate::checks::CheckRecord::new(&check, check.query.clone(), None);
        for _ in 0..2 {
            record.judge(
                Ok(vec![crate::checks::Sample {
                    series: "{}".into(),
                    at: 1.0,
                    value: 0.2,
                }]),
                1,
            );
        }
        let ledger = Ledger {
            release: 2,
            state: ReleaseState::Halted,
            failed: vec!["h1".into()],
            halt_reason: Some("h1: check err failed".into()),
            failed_checks: vec![crate::model::HostChecks {
                host: "h1".into(),
                checks: vec![record.clone()],
            }],
            step_checks: Some(crate::model::StepChecks {
                decisions: vec![crate::model::StepDecision {
                    step: 0,
                    verdict: crate::checks::Verdict::Fail,
                    by: "h2".into(),
                    at: "now".into(),
                    records: vec![record.clone()],
                }],
                claim: None,
            }),
            ..Default::default()
        };
        // The ledger keeps the evidence: the hosts may be on the rollback already.
        let evs = events(&[(spec(1), None), (bad, Some(ledger))], &[]);
        for kind in [Kind::Halted, Kind::Failed] {
            let e = evs.iter().find(|e| e.event == kind).expect("event");
            let json: serde_json::Value = serde_json::from_str(&e.body(Format::Json)).unwrap();
            assert_eq!(json["checks"][0]["host"], "h1", "{json:#}");
            assert_eq!(
                json["checks"][0]["checks"][0]["verdict"], "fail",
                "{json:#}"
            );
            assert_eq!(json["checks"][0]["checks"][0]["samples"][0]["value"], 0.2);
            assert_eq!(json["checks"][1]["step"], 1, "{json:#}");
            assert!(!json.to_string().contains("s3cr3t"), "{json:#}");
        }
        let published = evs
            .iter()
            .find(|e| e.event == Kind::Published)
            .expect("event");
        assert!(published.checks.is_empty());
    }

    #[test]
    fn success_needs_every_target_on_the_release() {
        let l = Ledger {
            release: 1,
            healthy: vec!["a".into()],
            ..Default::default()
        };
        let view = |host: &str, state| HostView {
            host: host.into(),
            state,
            registered: true,
            release: Some(1),
            attempts: 1,
            ..Default::default()
        };
        let history = vec![(spec(1), Some(l))];
        let some = events(
            &history,
            &[
                view("a", HostState::Healthy),
                view("b", HostState::Deploying),
            ],
        );
        assert!(!some.iter().any(|e| e.event == Kind::Succeeded));
        let all = events(
            &history,
            &[view("a", HostState::Healthy), view("b", HostState::Current)],
        );
        assert!(all.iter().any(|e| e.event == Kind::Succeeded));

        // With a finalize command, success waits for it.
        let mut fin = spec(1);
        fin.finalize_cmd = Some("switch".into());
        let mut l = history[0].1.clone().unwrap();
        let both = [view("a", HostState::Healthy), view("b", HostState::Healthy)];
        let pending = events(&[(fin.clone(), Some(l.clone()))], &both);
        assert!(!pending.iter().any(|e| e.event == Kind::Succeeded));
        l.finalize = Some(crate::model::HookRun {
            host: "a".into(),
            state: crate::model::HookState::Done,
            started_at: None,
            finished_at: None,
            exit_code: Some(0),
            message: String::new(),
        });
        let done = events(&[(fin, Some(l))], &both);
        assert!(done.iter().any(|e| e.event == Kind::Succeeded));

        // A host that refused the release's signature fails it: a `failed` event naming why.
        let mut refused = view("b", HostState::Refused);
        refused.message = "refused: the release is not signed".into();
        let evs = events(&history, &[view("a", HostState::Healthy), refused]);
        let failed: Vec<&Event> = evs.iter().filter(|e| e.event == Kind::Failed).collect();
        assert_eq!(failed.len(), 1, "{evs:?}");
        assert!(
            failed[0]
                .message
                .contains("b refused: the release is not signed")
        );
    }

    #[test]
    fn a_manual_gate_is_a_gate_reached_event_naming_the_step() {
        let mut s = spec(1);
        s.steps = crate::model::Step::parse_list("1,pause").unwrap();
        let mut l = Ledger {
            release: 1,
            healthy: vec!["a".into()],
            canaries: vec!["a".into()],
            ..Default::default()
        };
        let plan = crate::policy::steps::plan(&s);
        let now = std::time::SystemTime::now();
        crate::policy::steps::advance(
            &plan,
            &mut l,
            now,
            Some(&["a".to_string(), "b".to_string()]),
        );
        crate::policy::steps::advance(
            &plan,
            &mut l,
            now,
            Some(&["a".to_string(), "b".to_string()]),
        );
        let evs = events(&[(s, Some(l))], &[]);
        let gate = evs.iter().find(|e| e.event == Kind::GateReached);
        assert!(
            gate.is_some_and(|e| e.message.contains("paused at step 2 of 3")),
            "{evs:?}"
        );
    }

    #[test]
    fn only_plain_http_urls() {
        assert!(Target::parse("http://127.0.0.1:9/hook").is_ok());
        assert!(Target::parse("https://hooks.example/x").is_ok());
        assert!(Target::parse("ftp://x").is_err());
        assert!(Target::parse("not a url").is_err());
    }
}
