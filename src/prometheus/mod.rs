//! Instant queries through the Prometheus HTTP API (`POST /api/v1/query`), for metric checks.
//! Every way a query can come back without usable data is an error string, which the check
//! judges inconclusive (`checks`): never a pass.

pub mod server;

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;

use crate::checks::Sample;
use crate::http::HttpClient;

/// Where metric checks ask.
#[derive(Debug, Clone)]
pub struct Prometheus {
    pub url: String,
    /// Sent as `Authorization: Bearer …` (read from a file at start).
    pub bearer: Option<String>,
    pub client: HttpClient,
    pub timeout: Duration,
}

impl Prometheus {
    /// Evaluate `query` now: its samples, or why there are none.
    pub async fn query(&self, query: &str) -> std::result::Result<Vec<Sample>, String> {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("query", query)
            .finish();
        let url = format!("{}/api/v1/query", self.url.trim_end_matches('/'));
        let mut req = hyper::Request::post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json");
        if let Some(token) = &self.bearer {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("building the request to {url}: {e}"))?;
        let resp = match tokio::time::timeout(self.timeout, self.client.request(req)).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => return Err(format!("Prometheus at {} unreachable: {e}", self.url)),
            Err(_) => {
                return Err(format!(
                    "Prometheus at {} gave no answer within {}",
                    self.url,
                    humantime::format_duration(self.timeout)
                ));
            }
        };
        let status = resp.status();
        let bytes = match tokio::time::timeout(self.timeout, resp.into_body().collect()).await {
            Ok(Ok(b)) => b.to_bytes(),
            Ok(Err(e)) => return Err(format!("reading Prometheus's answer: {e}")),
            Err(_) => return Err("Prometheus's answer did not arrive in time".into()),
        };
        parse(status.as_u16(), &bytes)
    }
}

/// The samples of an API answer (a vector or a scalar), or why there are none.
pub fn parse(status: u16, body: &[u8]) -> std::result::Result<Vec<Sample>, String> {
    let doc: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| format!("Prometheus answered {status} with no JSON: {e}"))?;
    if doc["status"] != "success" {
        return Err(format!(
            "the query failed ({status}, {}): {}",
            doc["errorType"].as_str().unwrap_or("error"),
            doc["error"].as_str().unwrap_or("no reason given")
        ));
    }
    let data = &doc["data"];
    let point = |v: &serde_json::Value| -> Option<(f64, f64)> {
        let at = v.get(0)?.as_f64()?;
        // Prometheus sends values as strings ("NaN", "+Inf" included).
        let value = match v.get(1)?.as_str()? {
            "NaN" => f64::NAN,
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            s => s.parse().ok()?,
        };
        Some((at, value))
    };
    match data["resultType"].as_str() {
        Some("vector") => data["result"]
            .as_array()
            .map(|series| {
                series
                    .iter()
                    .map(|s| {
                        let (at, value) = point(&s["value"]).ok_or_else(|| {
                            format!("a sample Prometheus sent is unreadable: {s}")
                        })?;
                        Ok(Sample {
                            series: labels(&s["metric"]),
                            at,
                            value,
                        })
                    })
                    .collect()
            })
            .unwrap_or_else(|| Err("the answer has no result".into())),
        Some("scalar") => {
            let (at, value) =
                point(&data["result"]).ok_or("the scalar Prometheus sent is unreadable")?;
            Ok(vec![Sample {
                series: "scalar".into(),
                at,
                value,
            }])
        }
        other => Err(format!(
            "the query returns {}, not an instant vector or a scalar (use an instant query)",
            other.unwrap_or("nothing")
        )),
    }
}

/// `{host="h1",job="web"}`
fn labels(metric: &serde_json::Value) -> String {
    let pairs: Vec<String> = metric
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    format!("{{{}}}", pairs.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_scalars_and_every_kind_of_nothing() {
        let ok = br#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"host":"h1"},"value":[1700000000.5,"0.25"]},
            {"metric":{},"value":[1700000000.5,"NaN"]}]}}"#;
        let s = parse(200, ok).expect("samples");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].series, "{host=\"h1\"}");
        assert_eq!(s[0].value, 0.25);
        assert!(s[1].value.is_nan());
        let scalar = br#"{"status":"success","data":{"resultType":"scalar","result":[1.0,"3"]}}"#;
        assert_eq!(parse(200, scalar).expect("scalar")[0].value, 3.0);
        let empty = br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert!(parse(200, empty).expect("empty").is_empty());
        let err = br#"{"status":"error","errorType":"bad_data","error":"parse error"}"#;
        assert!(parse(400, err).unwrap_err().contains("parse error"));
        assert!(parse(502, b"<html>bad gateway").is_err());
        let matrix = br#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        assert!(parse(200, matrix).unwrap_err().contains("matrix"));
    }
}
