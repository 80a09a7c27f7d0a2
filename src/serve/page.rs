//! The web page: server-rendered HTML (minijinja), readable without JavaScript; the stylesheet
//! and the small live-update script are embedded in the binary (no CDN: air-gapped networks).

use std::time::Duration;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Shared, auth};
use crate::error::{Error, Result};
use crate::model::{Ledger, ReleaseSpec, RunOnceState};
use crate::ops::{self, Control};
use crate::output::short_duration;
use crate::validate;
use crate::zk::Zk;

const TEMPLATES: [(&str, &str); 9] = [
    ("base.html", include_str!("templates/base.html")),
    ("index.html", include_str!("templates/index.html")),
    ("live_index.html", include_str!("templates/live_index.html")),
    ("app.html", include_str!("templates/app.html")),
    ("live_app.html", include_str!("templates/live_app.html")),
    ("host.html", include_str!("templates/host.html")),
    ("sparkline.html", include_str!("templates/sparkline.html")),
    (
        "check_badge.html",
        include_str!("templates/check_badge.html"),
    ),
    ("login.html", include_str!("templates/login.html")),
];
const ICON: &str = include_str!("assets/icon.svg");
const STYLE: &str = include_str!("assets/style.css");
const SCRIPT: &str = include_str!("assets/live.js");

pub fn templates() -> Result<minijinja::Environment<'static>> {
    let mut env = minijinja::Environment::new();
    for (name, text) in TEMPLATES {
        env.add_template(name, text)
            .map_err(|e| Error::Failed(format!("page template {name}: {e}")))?;
    }
    Ok(env)
}

pub fn render(state: &Shared, name: &str, ctx: &Value) -> Result<String> {
    state
        .templates
        .get_template(name)
        .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(ctx))))
        .map_err(|e| Error::Failed(format!("rendering {name}: {e}")))
}

/// An error page with the status the error calls for.
fn error_page(e: &Error) -> Response {
    let status = super::status_of(e);
    if status.is_server_error() {
        tracing::warn!("page request failed: {e}");
    }
    let text = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>deployctl: error</title>\
         <link rel=\"stylesheet\" href=\"/static/style.css\"></head><body><main id=\"main\">\
         <h1>{status}</h1><p class=\"error\" role=\"alert\">{}</p><p><a href=\"/\">All apps</a></p></main></body></html>",
        html_escape(&e.to_string())
    );
    (status, Html(text)).into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What every page's header needs: whether controls exist, whether this request is logged in,
/// its CSRF token.
fn base(state: &Shared, headers: &HeaderMap) -> Value {
    let current = state.token();
    let token = current.as_deref();
    let session = auth::session(token, headers);
    let csrf = match (token, &session) {
        (Some(t), Some(s)) => auth::csrf_token(t, s),
        _ => String::new(),
    };
    json!({
        "controls_on": state.controls_on(),
        "read_only": state.config.read_only,
        "logged_in": session.is_some(),
        "csrf": csrf,
    })
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Value::Object(a), Value::Object(b)) = (&mut a, b) {
        a.extend(b);
    }
    a
}

// ---------------------------------------------------------------------------------------------
// what the pages show (also rendered by the live updates)

/// The apps table.
pub async fn index_context(zk: &Zk) -> Result<Value> {
    let mut apps = vec![];
    for row in ops::apps(zk).await? {
        let (in_use, slots) = match ops::status(zk, &row.app).await {
            Ok(r) => (r.slots_in_use(), r.spec.as_ref().map(|s| s.slots)),
            Err(_) => (0, None),
        };
        let mut v = serde_json::to_value(&row).unwrap_or_default();
        v["in_use"] = json!(in_use);
        v["slots"] = json!(slots);
        apps.push(v);
    }
    Ok(json!({ "apps": apps }))
}

/// Where a release stands at its gates (run-once command, canaries), in words.
fn gate(
    spec: &ReleaseSpec,
    ledger: Option<&Ledger>,
    step: Option<&crate::policy::steps::Position>,
) -> Option<String> {
    let mut parts = vec![];
    if spec.run_once_cmd.is_some() {
        parts.push(match ledger.and_then(|l| l.run_once.as_ref()) {
            None => "run-once command not started".to_string(),
            Some(r) => match r.state {
                RunOnceState::Running => format!("run-once command running on {}", r.host),
                RunOnceState::Done => format!("run-once command done (on {})", r.host),
                RunOnceState::Failed => format!("run-once command failed on {}", r.host),
            },
        });
    }
    if let Some(p) = step {
        parts.push(p.describe(&spec.app));
    }
    if let Some(f) = ledger.and_then(|l| l.finalize.as_ref()) {
        parts.push(format!(
            "finalize command {}",
            crate::output::summary::finalize_line(f)
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// One app: its release, hosts and history.
pub async fn app_context(zk: &Zk, app: &str) -> Result<Value> {
    let report = ops::status(zk, app).await?;
    let history = ops::history(zk, app).await.or_else(|e| match e {
        Error::NoSuchApp(_) => Ok(vec![]),
        e => Err(e),
    })?;
    let spec = report.spec.as_ref();
    let ledger = history
        .iter()
        .find(|h| spec.is_some_and(|s| s.release == h.spec.release))
        .and_then(|h| h.ledger.as_ref());
    let hosts: Vec<Value> = report
        .hosts
        .iter()
        .map(|h| {
            let mut v = serde_json::to_value(h).unwrap_or_default();
            v["duration"] = json!(
                h.duration_ms
                    .map(|ms| short_duration(Duration::from_millis(ms)))
            );
            // The host's metric checks at a glance (verdict and sparkline; the host page has
            // the rest).
            v["check_views"] = json!(h.checks.iter().map(check_view).collect::<Vec<_>>());
            v
        })
        .collect();
    let entries: Vec<Value> = history
        .iter()
        .rev()
        .map(|e| {
            json!({
                "release": e.spec.release,
                "version": e.spec.version,
                "state": e.state().as_str(),
                "published_at": e.spec.published_at.get(..19).unwrap_or(&e.spec.published_at).replace('T', " "),
                "by": e.spec.published_by,
                "source": e.spec.source.as_ref().map(|s| s.short()),
                "outcome": e.outcome,
            })
        })
        .collect();
    let mut versions: Vec<&str> = history
        .iter()
        .rev()
        .map(|e| e.spec.version.as_str())
        .collect();
    versions.dedup();
    Ok(json!({
        "app": app,
        "release": spec.map(|s| s.release),
        "step_index": report.step.as_ref().map(|p| p.index + 1),
        "version": spec.map(|s| s.version.clone()),
        "state": spec.map(|s| crate::policy::effective_state(s, ledger).as_str()),
        "slots": spec.map(|s| crate::policy::effective_slots(s, ledger)),
        "in_use": report.slots_in_use(),
        "gate": spec.and_then(|s| gate(s, ledger, report.step.as_ref())),
        "source": spec.and_then(|s| s.source.as_ref()).map(|s| s.short()),
        "checks": spec.map(|s| {
            s.checks
                .iter()
                .map(|c| match c.scope {
                    crate::checks::Scope::Host => format!("{} {}", c.name, c.limit()),
                    crate::checks::Scope::Step => format!("{} {} (each step)", c.name, c.limit()),
                })
                .collect::<Vec<_>>()
                .join(", ")
        }),
        "hosts": hosts,
        "history": entries,
        "versions": versions,
    }))
}

// ---------------------------------------------------------------------------------------------
// handlers

pub async fn index(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let zk = state.zk().await;
    match index_context(&zk).await {
        Ok(ctx) => page(&state, "index.html", &merge(base(&state, &headers), ctx)),
        Err(e) => error_page(&e),
    }
}

fn page(state: &Shared, name: &str, ctx: &Value) -> Response {
    match render(state, name, ctx) {
        Ok(html) => Html(html).into_response(),
        Err(e) => error_page(&e),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct AppQuery {
    done: Option<String>,
}

/// A fixed text for each control that succeeded (nothing from the URL is shown as is).
fn done_text(action: &str) -> Option<&'static str> {
    Some(match action {
        "pause" => "Paused: running deploys finish, no new slot is granted.",
        "resume" => "Resumed.",
        "promote" => "Promoted: the release goes on to its next step.",
        "abort" => "Aborted.",
        "rollback" => "Rolled back: the earlier release is published again.",
        "publish" => "Published.",
        _ => return None,
    })
}

pub async fn app(
    State(state): State<Shared>,
    Path(app): Path<String>,
    Query(q): Query<AppQuery>,
    headers: HeaderMap,
) -> Response {
    app_page(
        &state,
        &app,
        &headers,
        q.done.as_deref().and_then(done_text),
        None,
    )
    .await
}

async fn app_page(
    state: &Shared,
    app: &str,
    headers: &HeaderMap,
    done: Option<&str>,
    failed: Option<(StatusCode, String)>,
) -> Response {
    if let Err(e) = validate::app_name(app) {
        return error_page(&e);
    }
    let zk = state.zk().await;
    match app_context(&zk, app).await {
        Ok(ctx) => {
            let mut ctx = merge(base(state, headers), ctx);
            if state.controls_on() {
                let mut versions = git_tags(&zk, app).await;
                for v in ctx["versions"].as_array().into_iter().flatten() {
                    if let Some(v) = v.as_str().filter(|v| !versions.iter().any(|t| t == v)) {
                        versions.push(v.to_string());
                    }
                }
                ctx["versions"] = json!(versions);
            }
            ctx["done"] = json!(done);
            ctx["failed"] = json!(failed.as_ref().map(|f| &f.1));
            let mut r = page(state, "app.html", &ctx);
            if let Some((status, _)) = failed {
                *r.status_mut() = status;
            }
            r
        }
        Err(e) => error_page(&e),
    }
}

/// The version tags of the app's git source, for the publish form (empty when it has none or
/// they cannot be listed within a few seconds).
async fn git_tags(zk: &Zk, app: &str) -> Vec<String> {
    let repo = match zk.read_spec(app).await {
        Ok(Some((spec, _))) => match spec.git {
            Some(g) => g.repo,
            None => return vec![],
        },
        _ => return vec![],
    };
    let listing = tokio::task::spawn_blocking(move || crate::git::version_tags(&repo));
    match tokio::time::timeout(Duration::from_secs(5), listing).await {
        Ok(Ok(Ok(tags))) => tags,
        Ok(Ok(Err(e))) => {
            tracing::debug!("{e}");
            vec![]
        }
        _ => vec![],
    }
}

pub async fn host(
    State(state): State<Shared>,
    Path((app, host)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(e) = validate::app_name(&app).and_then(|_| validate::host_name(&host)) {
        return error_page(&e);
    }
    let zk = state.zk().await;
    let report = match ops::status(&zk, &app).await {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    let Some(view) = report.hosts.iter().find(|h| h.host == host) else {
        return error_page(&Error::invalid(
            "host",
            &host,
            format!("is not a host of {app}"),
        ));
    };
    let checks: Vec<serde_json::Value> = view.checks.iter().map(check_view).collect();
    let ctx = merge(
        base(&state, &headers),
        json!({ "app": app, "host": view, "checks": checks }),
    );
    page(&state, "host.html", &ctx)
}

/// A metric check for the host page: its record, and a sparkline of its recent values (SVG
/// polyline points, 100 × 20, the threshold as a line) when it has two or more.
fn check_view(c: &crate::checks::CheckRecord) -> serde_json::Value {
    let (w, h) = (100.0, 20.0);
    let values: Vec<f64> = c
        .history
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let lo = values.iter().copied().fold(c.threshold, f64::min);
    let hi = values.iter().copied().fold(c.threshold, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let y = |v: f64| h - (v - lo) / span * h;
    let points = (values.len() >= 2).then(|| {
        let step = w / (values.len() - 1) as f64;
        values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", i as f64 * step, y(*v)))
            .collect::<Vec<_>>()
            .join(" ")
    });
    json!({
        "name": c.name,
        "verdict": c.verdict,
        // Styled as the host state it leads to: a pass as healthy, a fail as failed, and
        // inconclusive (or not judged yet) as waiting.
        "css": match c.verdict {
            crate::checks::Verdict::Pass => "healthy",
            crate::checks::Verdict::Fail => "failed",
            crate::checks::Verdict::Inconclusive => "waiting",
        },
        "reason": c.reason,
        "query": c.query,
        "limit": c.limit(),
        "evaluations": c.evaluations,
        "failures": c.failures,
        "spark": points,
        "threshold_y": format!("{:.1}", y(c.threshold)),
        "values": values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", "),
    })
}

#[derive(Debug, Deserialize)]
pub struct ControlForm {
    action: String,
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    groups: String,
    /// The release the page showed: a control acts on it or not at all.
    #[serde(default)]
    release: Option<u64>,
    /// The step (1-based) the page showed the release at: a promote passes that gate only.
    #[serde(default)]
    step: Option<usize>,
}

/// A control from the page: logged in, CSRF token checked, then the same code path as the CLI.
pub async fn control(
    State(state): State<Shared>,
    Path(app): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ControlForm>,
) -> Response {
    let forbidden = |msg: &str| {
        (
            StatusCode::FORBIDDEN,
            Html(format!(
                "<!doctype html><title>forbidden</title><p role=\"alert\">{}</p>",
                html_escape(msg)
            )),
        )
            .into_response()
    };
    let current = state.token();
    let Some(token) = current.as_deref().filter(|_| state.controls_on()) else {
        return forbidden("controls are off (--read-only, or no --token-file)");
    };
    let Some(session) = auth::session(Some(token), &headers) else {
        return Redirect::to("/login").into_response();
    };
    if !auth::same(
        auth::csrf_token(token, &session).as_bytes(),
        form.csrf.as_bytes(),
    ) {
        return forbidden("the form's CSRF token does not match: reload the page and try again");
    }
    if let Err(e) = validate::app_name(&app) {
        return error_page(&e);
    }
    let zk = state.zk().await;
    let by = format!("{} (serve page)", ops::publisher());
    let result = match form.action.as_str() {
        "pause" => ops::control(&zk, &app, Control::Pause).await.map(drop),
        "resume" => ops::control(&zk, &app, Control::Resume).await.map(drop),
        "promote" => ops::promote(&zk, &app, form.release, form.step, false, None)
            .await
            .map(drop),
        "abort" => ops::control(&zk, &app, Control::Abort).await.map(drop),
        "rollback" => ops::rollback(
            &zk,
            &app,
            None,
            &format!("rollback by {by}"),
            form.release,
            None,
        )
        .await
        .map(drop),
        "publish" => {
            let groups: Vec<String> = form
                .groups
                .split(',')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_string)
                .collect();
            ops::republish(
                &zk,
                &app,
                &ops::Republish {
                    version: form.version.trim().to_string(),
                    groups: (!groups.is_empty()).then_some(groups),
                    by,
                },
            )
            .await
            .map(drop)
        }
        other => Err(Error::invalid("action", other, "unknown control")),
    };
    match result {
        Ok(()) => {
            tracing::info!("{} {app} through the page", form.action);
            Redirect::to(&format!("/apps/{app}?done={}", form.action)).into_response()
        }
        Err(e) => {
            let status = super::status_of(&e);
            app_page(&state, &app, &headers, None, Some((status, e.to_string()))).await
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Only a path on this server (no `//host` or scheme): no open redirect through `next`.
fn local_path(next: Option<&str>) -> String {
    match next {
        // No control character or space either: `/%09/host` would put a raw tab into the
        // Location header, and browsers drop it there, making `//host`.
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            p.into()
        }
        _ => "/".into(),
    }
}

pub async fn login_form(
    State(state): State<Shared>,
    Query(q): Query<LoginQuery>,
    headers: HeaderMap,
) -> Response {
    let mut ctx = base(&state, &headers);
    ctx["next"] = json!(local_path(q.next.as_deref()));
    page(&state, "login.html", &ctx)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    token: String,
    #[serde(default)]
    next: Option<String>,
}

pub async fn login(
    State(state): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = local_path(form.next.as_deref());
    let current = state.token();
    let ok = current
        .as_deref()
        .filter(|_| state.controls_on())
        .filter(|t| auth::same(t.as_bytes(), form.token.trim().as_bytes()));
    let Some(token) = ok else {
        let mut ctx = base(&state, &headers);
        ctx["next"] = json!(next);
        ctx["failed"] = json!(if state.controls_on() {
            "Wrong token."
        } else {
            "Controls are off on this server (--read-only, or no --token-file)."
        });
        let mut r = page(&state, "login.html", &ctx);
        *r.status_mut() = StatusCode::UNAUTHORIZED;
        return r;
    };
    let cookie = format!(
        "{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        auth::COOKIE,
        auth::new_session(token),
        auth::SESSION.as_secs()
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    let current = state.token();
    let token = current.as_deref();
    let ok = match (token, auth::session(token, &headers)) {
        (Some(t), Some(s)) => auth::same(auth::csrf_token(t, &s).as_bytes(), form.csrf.as_bytes()),
        _ => true,
    };
    if !ok {
        return (StatusCode::FORBIDDEN, "CSRF check failed\n").into_response();
    }
    let cookie = format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
        auth::COOKIE
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
}

pub async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

/// The page's icon (also at `/favicon.ico`, where browsers look without a `<link>`): a 16×16
/// SVG, embedded like the stylesheet.
pub async fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "max-age=86400"),
        ],
        ICON,
    )
        .into_response()
}

pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every template renders with what the handlers give it (an unknown filter or a typo
    /// fails here, not in front of a user).
    #[test]
    fn templates_render() {
        let env = templates().unwrap();
        let base = json!({"controls_on": true, "read_only": false, "logged_in": true, "csrf": "c"});
        let host = json!({"host": "h1", "state": "failed", "registered": false, "attempts": 2,
                          "exit_code": 3, "message": "<script>x</script>", "output_tail": "out",
                          "duration": "1.0s", "version": "1.0", "release": 4});
        let app = json!({"app": "shop", "release": 4, "version": "1.0", "state": "halted",
                         "slots": 2, "in_use": 1, "gate": "canaries: 0 of 1 healthy",
                         "source": "abc1234: subject", "hosts": [host.clone()],
                         "history": [{"release": 4, "version": "1.0", "state": "halted",
                                      "published_at": "2026-01-01 00:00:00", "by": "me",
                                      "source": null, "outcome": "1 failed"}],
                         "versions": ["1.0"], "done": "Paused.", "failed": null});
        let cases = [
            (
                "index.html",
                json!({"apps": [{"app": "shop", "release": 4, "hosts": 1, "in_use": 0, "slots": 1}]}),
            ),
            ("index.html", json!({"apps": []})),
            ("app.html", app.clone()),
            ("host.html", json!({"app": "shop", "host": host})),
            (
                "host.html",
                json!({"app": "shop", "host": host, "checks": [check_view(&{
                    let c = crate::checks::MetricCheck::parse("err=e{host=\"h1\"} <= 0.05")
                        .expect("check");
                    let mut r = crate::checks::CheckRecord::new(&c, c.query.clone(), None);
                    for v in [0.01, 0.2] {
                        r.judge(Ok(vec![crate::checks::Sample {
                            series: "{}".into(), at: 1.0, value: v,
                        }]), 1);
                    }
                    r
                })]}),
            ),
            ("login.html", json!({"next": "/", "failed": "Wrong token."})),
        ];
        for (name, ctx) in cases {
            let ctx = merge(base.clone(), ctx);
            let html = env
                .get_template(name)
                .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(&ctx))))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!html.contains("<script>x"), "{name}: not escaped");
        }
    }

    #[test]
    fn next_stays_on_this_server() {
        assert_eq!(local_path(Some("/apps/shop")), "/apps/shop");
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "apps",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad}");
        }
        assert_eq!(local_path(None), "/");
    }
}
