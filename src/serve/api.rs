//! The JSON API under `/api/`: the same documents as the CLI's `--output json` (docs/schema/),
//! produced by the same functions (`ops`). Controls need `Authorization: Bearer TOKEN`; bad input
//! is a 400 with `{"error": "..."}` naming the bad value, before anything is written or run.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{BODY_LIMIT, Shared, auth};
use crate::error::Error;
use crate::ops::{self, Control, ControlOutput, PublishOutput};
use crate::validate;
use crate::zk::store::Published;

/// An error answer: `{"error": "..."}` with its status.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.0, axum::Json(serde_json::json!({ "error": self.1 }))).into_response();
        if self.0 == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"deployctl\""),
            );
        }
        r
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let status = super::status_of(&e);
        if status.is_server_error() {
            tracing::warn!("API request failed: {e}");
        }
        ApiError(status, e.to_string())
    }
}

type ApiResult = Result<Response, ApiError>;

fn json(v: impl serde::Serialize) -> ApiResult {
    Ok(axum::Json(v).into_response())
}

/// Controls are allowed for this request: a token is configured, `--read-only` is off, and the
/// request carries the token.
pub fn authorized(state: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
    if state.config.read_only {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            "serve runs with --read-only: controls are off".into(),
        ));
    }
    let current = state.token();
    let Some(token) = current.as_deref() else {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            "controls are off: serve was started without --token-file".into(),
        ));
    };
    if !auth::bearer_ok(token, headers) {
        return Err(ApiError(
            StatusCode::UNAUTHORIZED,
            "this needs the token: Authorization: Bearer TOKEN".into(),
        ));
    }
    Ok(())
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, msg.into())
}

/// The request's JSON body (at most `BODY_LIMIT` bytes, `Content-Type: application/json`);
/// `None` for an empty body when `optional`.
async fn body_json<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Body,
    optional: bool,
) -> Result<Option<T>, ApiError> {
    let limited = http_body_util::Limited::new(body, BODY_LIMIT);
    let bytes = match limited.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return Err(bad(format!(
                "request body too large (at most {BODY_LIMIT} bytes)"
            )));
        }
    };
    if bytes.is_empty() && optional {
        return Ok(None);
    }
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ctype.split(';').next().unwrap_or("").trim();
    if !mime.eq_ignore_ascii_case("application/json") {
        return Err(bad(format!(
            "Content-Type must be application/json, not {:?}",
            ctype
        )));
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| bad(format!("invalid JSON body: {e}")))
}

pub async fn apps(State(state): State<Shared>) -> ApiResult {
    let zk = state.zk().await;
    let rows = ops::apps(&zk).await?;
    json(serde_json::json!({ "apps": rows }))
}

pub async fn status(State(state): State<Shared>, Path(app): Path<String>) -> ApiResult {
    validate::app_name(&app)?;
    let zk = state.zk().await;
    let report = ops::status(&zk, &app).await?;
    json(report.output())
}

pub async fn history(State(state): State<Shared>, Path(app): Path<String>) -> ApiResult {
    validate::app_name(&app)?;
    let zk = state.zk().await;
    let entries = ops::history(&zk, &app).await?;
    json(ops::history_json(&app, &entries))
}

/// pause, resume, abort: no body (an empty JSON object is accepted too).
async fn control(
    state: Shared,
    headers: HeaderMap,
    app: String,
    body: Body,
    what: Control,
) -> ApiResult {
    authorized(&state, &headers)?;
    validate::app_name(&app)?;
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Empty {}
    let _: Option<Empty> = body_json(&headers, body, true).await?;
    let zk = state.zk().await;
    let spec = ops::control(&zk, &app, what).await?;
    tracing::info!(
        "{} {app} release {} through the API",
        what.done(),
        spec.release
    );
    json(ControlOutput::new(&spec))
}

pub async fn pause(
    State(s): State<Shared>,
    Path(app): Path<String>,
    h: HeaderMap,
    b: Body,
) -> ApiResult {
    control(s, h, app, b, Control::Pause).await
}

pub async fn resume(
    State(s): State<Shared>,
    Path(app): Path<String>,
    h: HeaderMap,
    b: Body,
) -> ApiResult {
    control(s, h, app, b, Control::Resume).await
}

pub async fn abort(
    State(s): State<Shared>,
    Path(app): Path<String>,
    h: HeaderMap,
    b: Body,
) -> ApiResult {
    control(s, h, app, b, Control::Abort).await
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PromoteBody {
    /// Only if this is still the current release.
    release: Option<u64>,
    /// Only if the release still waits at this step (1-based).
    step: Option<usize>,
    /// Pass every gate left.
    #[serde(default)]
    all: bool,
}

/// promote: an optional body `{"release": ID, "step": N, "all": true}`, as `deployctl promote`.
pub async fn promote(
    State(state): State<Shared>,
    Path(app): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    authorized(&state, &headers)?;
    validate::app_name(&app)?;
    let req: Option<PromoteBody> = body_json(&headers, body, true).await?;
    let req = req.unwrap_or_default();
    let zk = state.zk().await;
    let out = ops::promote(&zk, &app, req.release, req.step, req.all, None).await?;
    tracing::info!(
        "promoted {app} release {} through the API: {}",
        out.release,
        out.message
    );
    json(out)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RollbackBody {
    /// The version to go back to; default as `deployctl rollback`.
    to: Option<String>,
    /// Only roll back this release, once (as `deployctl rollback --release`).
    release: Option<u64>,
}

pub async fn rollback(
    State(state): State<Shared>,
    Path(app): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    authorized(&state, &headers)?;
    validate::app_name(&app)?;
    let req: Option<RollbackBody> = body_json(&headers, body, true).await?;
    let (to, of) = req.map_or((None, None), |r| (r.to, r.release));
    let zk = state.zk().await;
    let by = format!("rollback by {} (serve API)", ops::publisher());
    let (rb, published) = ops::rollback(&zk, &app, to.as_deref(), &by, of, None).await?;
    json(PublishOutput::new(&rb.redacted(), !published))
}

/// `POST /api/apps/APP/publish`: the current release's spec with another version (and
/// optionally other groups), as the page's publish form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    pub version: String,
    #[serde(default)]
    pub groups: Option<Vec<String>>,
}

pub async fn publish(
    State(state): State<Shared>,
    Path(app): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    authorized(&state, &headers)?;
    validate::app_name(&app)?;
    let Some(req) = body_json::<PublishBody>(&headers, body, false).await? else {
        return Err(bad("publish needs a JSON body {\"version\": ...}"));
    };
    let zk = state.zk().await;
    let published = ops::republish(
        &zk,
        &app,
        &ops::Republish {
            version: req.version,
            groups: req.groups,
            by: format!("{} (serve API)", ops::publisher()),
        },
    )
    .await?;
    let unchanged = matches!(published, Published::Unchanged(_));
    json(PublishOutput::new(&published.spec().redacted(), unchanged))
}
