//! Metric checks (`--check NAME=QUERY OP THRESHOLD`): a PromQL query judged against a threshold
//! while a host bakes. Pure: what a check is, how its samples are judged, and how its record
//! explains itself. The agent queries Prometheus (`crate::prometheus`) and applies this; the records live in
//! host statuses (`model`), so this sits on the bottom floor with it.
//!
//! **Missing data is never a pass.** A result with no sample, fewer samples than
//! `min_samples`, a NaN or infinite value, a query error or an unreachable Prometheus is
//! *inconclusive*: the host keeps baking (holding its slot, so the rollout holds) until the
//! check is conclusive; it never turns healthy on it.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How a value compares with its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }

    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Op::Lt => value < threshold,
            Op::Le => value <= threshold,
            Op::Gt => value > threshold,
            Op::Ge => value >= threshold,
        }
    }
}

/// Where a check is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// On each host while it bakes (`--check`): a failing check fails the host.
    #[default]
    Host,
    /// Fleet-wide at each step boundary (`--step-check`): one agent evaluates it, and the step
    /// passes only on its pass; a failing check halts the release.
    Step,
}

impl Scope {
    fn is_host(&self) -> bool {
        *self == Scope::Host
    }
}

/// One check, as published: `error_rate=QUERY <= 0.05`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricCheck {
    pub name: String,
    /// A PromQL query, a template (`{{ host }}`, `{{ version }}`, `{{ app }}`, `{{ vars.X }}`).
    pub query: String,
    pub op: Op,
    /// The limit; with `baseline`, a factor of the baseline's value.
    pub threshold: f64,
    /// A relative check (`<= baseline * 1.2`): the same query, rendered with `{{ version }}` the
    /// release's previous version, is the baseline — the hosts still on the old version,
    /// measured at the same moment over the same window.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub baseline: bool,
    #[serde(default, skip_serializing_if = "Scope::is_host")]
    pub scope: Scope,
}

// A threshold is a finite number (checked on parse and on read), so equality is total.
impl Eq for MetricCheck {}

impl MetricCheck {
    /// `NAME=QUERY OP THRESHOLD`; the operator and threshold are the last two words.
    pub fn parse(s: &str) -> Result<MetricCheck> {
        let bad = |why: &str| Error::invalid("--check", s, why.to_string());
        let (name, rest) = s
            .split_once('=')
            .ok_or_else(|| bad("is not NAME=QUERY OP THRESHOLD"))?;
        let name = name.trim();
        crate::validate::var_name(name).map_err(|_| bad("its name must be a plain identifier"))?;
        let rest = rest.trim();
        // The operator is the last word that is one; the threshold is what follows it.
        let words: Vec<(usize, &str)> = rest
            .split_whitespace()
            .map(|w| (w.as_ptr() as usize - rest.as_ptr() as usize, w))
            .collect();
        let (at, op) = words
            .iter()
            .rev()
            .find_map(|(at, w)| Op::parse(w).map(|op| (*at, op)))
            .ok_or_else(|| {
                bad("needs an operator (< <= > >=) between the query and the threshold")
            })?;
        let query = rest[..at].trim();
        let expr = rest[at..]
            .split_once(char::is_whitespace)
            .map_or("", |(_, t)| t)
            .trim();
        let (baseline, threshold) = match expr.strip_prefix("baseline") {
            Some(factor) => {
                let factor = factor.trim();
                let f = match factor.strip_prefix('*') {
                    Some(f) => f
                        .trim()
                        .parse()
                        .map_err(|_| bad("the baseline factor must be a number"))?,
                    None if factor.is_empty() => 1.0,
                    None => {
                        return Err(bad("a relative threshold is `baseline` or `baseline * F`"));
                    }
                };
                (true, f)
            }
            None => (
                false,
                expr.parse()
                    .map_err(|_| bad("the threshold must be a number or `baseline * F`"))?,
            ),
        };
        if query.is_empty() {
            return Err(bad("is not NAME=QUERY OP THRESHOLD"));
        }
        let check = MetricCheck {
            name: name.to_string(),
            query: query.to_string(),
            op,
            threshold,
            baseline,
            scope: Scope::Host,
        };
        check.validate()?;
        Ok(check)
    }

    pub fn validate(&self) -> Result<()> {
        if !self.threshold.is_finite() {
            return Err(Error::invalid(
                "check threshold",
                self.threshold,
                "must be a finite number",
            ));
        }
        if self.query.is_empty() {
            return Err(Error::invalid("check", &self.name, "has an empty query"));
        }
        crate::render::check_syntax(&self.query)
    }
}

impl MetricCheck {
    /// What the value must stay within: `<= 0.05`, `<= baseline * 1.2`.
    pub fn limit(&self) -> String {
        if self.baseline {
            format!("{} baseline * {}", self.op.as_str(), self.threshold)
        } else {
            format!("{} {}", self.op.as_str(), self.threshold)
        }
    }
}

impl std::fmt::Display for MetricCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={} {}", self.name, self.query, self.limit())
    }
}

/// One sample a query returned: its series' labels (as `{a="b"}`), time (Unix seconds) and value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub series: String,
    pub at: f64,
    pub value: f64,
}

/// What one evaluation of a check came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Inconclusive,
}

/// The record of a check on a host: every evaluation counted, the last one explained (the
/// rendered query, the samples seen, the threshold). In the host status and every report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckRecord {
    pub name: String,
    /// The query as sent to Prometheus.
    pub query: String,
    pub op: Op,
    /// The limit compared with; for a relative check, the baseline times `factor`.
    pub threshold: f64,
    /// A relative check's factor (`baseline * F`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
    /// A relative check's baseline query (the query with the previous version) and the value it
    /// gave (the mean of its samples) at the last evaluation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
    pub verdict: Verdict,
    /// Why, in words: "0.31 > 0.05 on {…}", "no sample (empty result)", the query's error.
    pub reason: String,
    /// The last evaluation's samples.
    #[serde(default)]
    pub samples: Vec<Sample>,
    #[serde(default)]
    pub evaluations: u32,
    #[serde(default)]
    pub failures: u32,
    /// Inconclusive evaluations in a row (reset by a conclusive one).
    #[serde(default)]
    pub inconclusive: u32,
    /// Recent values (newest last): the page's sparkline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<f64>,
    pub at: String,
}

// Thresholds and samples are finite (NaN is an inconclusive result, never stored as a value).
impl Eq for CheckRecord {}

/// How many values a record's history keeps.
const HISTORY: usize = 20;

impl CheckRecord {
    /// Mask `secrets` in what the record shows: queries are rendered with the release's vars,
    /// secret ones too, and the reason quotes them.
    pub fn redact(&mut self, secrets: &[String]) {
        self.query = crate::secrets::redact(&self.query, secrets);
        self.reason = crate::secrets::redact(&self.reason, secrets);
        if let Some(b) = self.baseline_query.as_mut() {
            *b = crate::secrets::redact(b, secrets);
        }
    }

    /// What the value had to stay within: `<= 0.05`; for a relative check `<= 0.012 (baseline
    /// 0.01 × 1.2)`, or `<= baseline × 1.2` before a baseline was seen.
    pub fn limit(&self) -> String {
        let value = match (self.factor, self.baseline) {
            (Some(f), Some(b)) => format!("{} (baseline {b} × {f})", self.threshold),
            (Some(f), None) => format!("baseline × {f}"),
            (None, _) => self.threshold.to_string(),
        };
        format!("{} {value}", self.op.as_str())
    }

    pub fn new(check: &MetricCheck, query: String, baseline_query: Option<String>) -> CheckRecord {
        CheckRecord {
            name: check.name.clone(),
            query,
            op: check.op,
            threshold: check.threshold,
            factor: check.baseline.then_some(check.threshold),
            baseline_query,
            baseline: None,
            verdict: Verdict::Inconclusive,
            reason: "not evaluated yet".into(),
            samples: vec![],
            evaluations: 0,
            failures: 0,
            inconclusive: 0,
            history: vec![],
            at: String::new(),
        }
    }

    /// Judge one evaluation of a relative check against its baseline's samples (the mean of
    /// them, times the factor, is the limit); no usable baseline is inconclusive. An absolute
    /// check ignores `baseline`.
    pub fn judge_against(
        &mut self,
        result: std::result::Result<Vec<Sample>, String>,
        baseline: std::result::Result<Vec<Sample>, String>,
        min_samples: u32,
    ) {
        let Some(factor) = self.factor else {
            return self.judge(result, min_samples);
        };
        let usable = baseline.and_then(|s| {
            let finite: Vec<f64> = s
                .iter()
                .map(|x| x.value)
                .filter(|v| v.is_finite())
                .collect();
            if finite.is_empty() || finite.len() < s.len() {
                Err("the baseline query has no usable sample (empty or NaN)".to_string())
            } else {
                Ok(finite.iter().sum::<f64>() / finite.len() as f64)
            }
        });
        match usable {
            Ok(b) => {
                self.baseline = Some(b);
                self.threshold = b * factor;
                self.judge(result, min_samples);
            }
            Err(why) => {
                self.baseline = None;
                self.judge(
                    Err(format!("no baseline to compare with: {why}")),
                    min_samples,
                );
            }
        }
    }

    /// Judge one evaluation: `result` is the samples the query returned, or why there are none
    /// (a query error, Prometheus unreachable). Every sample must hold for a pass.
    pub fn judge(&mut self, result: std::result::Result<Vec<Sample>, String>, min_samples: u32) {
        self.evaluations += 1;
        self.at = crate::model::now_rfc3339();
        let (verdict, reason, samples) = match result {
            Err(why) => (Verdict::Inconclusive, why, vec![]),
            Ok(samples) => {
                let finite: Vec<&Sample> = samples.iter().filter(|s| s.value.is_finite()).collect();
                if samples.is_empty() {
                    (
                        Verdict::Inconclusive,
                        "no sample (empty result: no data is never a pass)".to_string(),
                        samples,
                    )
                } else if finite.len() < samples.len() {
                    (
                        Verdict::Inconclusive,
                        "a sample is NaN or infinite (no data is never a pass)".to_string(),
                        samples,
                    )
                } else if (samples.len() as u32) < min_samples.max(1) {
                    (
                        Verdict::Inconclusive,
                        format!(
                            "{} sample(s), fewer than the {} required",
                            samples.len(),
                            min_samples
                        ),
                        samples,
                    )
                } else {
                    let bad: Vec<String> = samples
                        .iter()
                        .filter(|s| !self.op.holds(s.value, self.threshold))
                        .map(|s| {
                            format!(
                                "{} is not {} {} on {}",
                                s.value,
                                self.op.as_str(),
                                self.threshold,
                                s.series
                            )
                        })
                        .collect();
                    if bad.is_empty() {
                        let values: Vec<String> =
                            samples.iter().map(|s| s.value.to_string()).collect();
                        (
                            Verdict::Pass,
                            format!(
                                "{} {} {}",
                                values.join(", "),
                                self.op.as_str(),
                                self.threshold
                            ),
                            samples,
                        )
                    } else {
                        (Verdict::Fail, bad.join("; "), samples)
                    }
                }
            }
        };
        if let Some(worst) = samples
            .iter()
            .map(|s| s.value)
            .filter(|v| v.is_finite())
            .reduce(|a, b| {
                if self.op.holds(a, self.threshold) {
                    b
                } else {
                    a
                }
            })
        {
            self.history.push(worst);
            let excess = self.history.len().saturating_sub(HISTORY);
            self.history.drain(..excess);
        }
        match verdict {
            Verdict::Fail => {
                self.failures += 1;
                self.inconclusive = 0;
            }
            Verdict::Pass => self.inconclusive = 0,
            Verdict::Inconclusive => self.inconclusive += 1,
        }
        self.verdict = verdict;
        self.reason = reason;
        // Only finite values are kept (JSON has no NaN; the reason says a sample was NaN).
        self.samples = samples
            .into_iter()
            .filter(|s| s.value.is_finite())
            .collect();
    }

    /// One line: `error_rate: fail — 0.31 is not <= 0.05 on {host="h1"} (query: …)`.
    pub fn explain(&self) -> String {
        let verdict = match self.verdict {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
        };
        let baseline_query = self
            .baseline_query
            .as_deref()
            .map(|q| format!("; baseline query: {q}"))
            .unwrap_or_default();
        format!(
            "check {}: {verdict} — {} (threshold {}; query: {}{baseline_query})",
            self.name,
            self.reason,
            self.limit(),
            self.query
        )
    }
}

/// Where a host's checks stand after an evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Every check's last evaluation passed.
    Passing,
    /// A check failed `failure_limit` times: the host fails.
    Failed(String),
    /// A check is inconclusive (or failed, under its limit): not done. `held`: a check has been
    /// inconclusive `inconclusive_limit` times in a row — the rollout holds, and says why.
    Pending { held: Option<String> },
}

pub fn standing(records: &[CheckRecord], failure_limit: u32, inconclusive_limit: u32) -> Standing {
    if let Some(r) = records.iter().find(|r| r.failures >= failure_limit.max(1)) {
        return Standing::Failed(r.explain());
    }
    if records.iter().all(|r| r.verdict == Verdict::Pass) {
        return Standing::Passing;
    }
    let held = records
        .iter()
        .find(|r| r.verdict == Verdict::Inconclusive && r.inconclusive >= inconclusive_limit.max(1))
        .map(|r| format!("held: {}", r.explain()));
    Standing::Pending { held }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: f64) -> Sample {
        Sample {
            series: "{host=\"h1\"}".into(),
            at: 1.0,
            value: v,
        }
    }

    fn record() -> CheckRecord {
        let c = MetricCheck::parse("err=rate(errors[1m]) <= 0.05").expect("check");
        CheckRecord::new(&c, c.query.clone(), None)
    }

    #[test]
    fn a_relative_check_compares_with_its_baseline() {
        let c = MetricCheck::parse("err=avg(e{version=\"{{ version }}\"}) <= baseline * 1.2")
            .expect("check");
        assert!(c.baseline && c.threshold == 1.2, "{c:?}");
        assert_eq!(
            c.to_string(),
            "err=avg(e{version=\"{{ version }}\"}) <= baseline * 1.2"
        );
        assert!(MetricCheck::parse("x=q <= baseline").is_ok_and(|c| c.threshold == 1.0));
        assert!(MetricCheck::parse("x=q <= baseline / 2").is_err());
        let mut r = CheckRecord::new(&c, "new".into(), Some("old".into()));
        assert_eq!(r.limit(), "<= baseline × 1.2", "before a baseline was seen");
        // 0.03 passes an absolute 0.05, not 1.2 × a 0.01 baseline.
        r.judge_against(Ok(vec![s(0.03)]), Ok(vec![s(0.01)]), 1);
        assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
        assert!(
            r.explain().contains("baseline 0.01 × 1.2"),
            "{}",
            r.explain()
        );
        assert!(
            r.limit().starts_with("<= 0.012") && r.limit().ends_with("(baseline 0.01 × 1.2)"),
            "the computed limit, not the factor: {}",
            r.limit()
        );
        r.judge_against(Ok(vec![s(0.011)]), Ok(vec![s(0.01)]), 1);
        assert_eq!(r.verdict, Verdict::Pass);
        // No baseline is never a pass.
        r.judge_against(Ok(vec![s(0.001)]), Ok(vec![]), 1);
        assert_eq!(r.verdict, Verdict::Inconclusive);
        r.judge_against(Ok(vec![s(0.001)]), Err("down".into()), 1);
        assert_eq!(r.verdict, Verdict::Inconclusive);
    }

    #[test]
    fn parses_name_query_op_threshold() {
        let c = MetricCheck::parse(
            "error_rate=sum(rate(e{host=\"{{ host }}\"}[30s])) / sum(rate(r[30s])) < 0.05",
        )
        .expect("check");
        assert_eq!(c.name, "error_rate");
        assert_eq!(c.op, Op::Lt);
        assert_eq!(c.threshold, 0.05);
        assert!(c.query.ends_with("sum(rate(r[30s]))"));
        for bad in [
            "noequals",
            "x=q",
            "x=q ~ 1",
            "x=q < abc",
            "x=q < NaN",
            "x=q < inf",
            "1x=q < 1",
            "x= < 1",
        ] {
            assert!(MetricCheck::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn missing_data_is_never_a_pass() {
        for result in [
            Ok(vec![]),
            Ok(vec![s(f64::NAN)]),
            Ok(vec![s(0.01), s(f64::INFINITY)]),
            Err("connection refused".to_string()),
        ] {
            let mut r = record();
            r.judge(result, 1);
            assert_eq!(r.verdict, Verdict::Inconclusive, "{r:?}");
        }
        let mut r = record();
        r.judge(Ok(vec![s(0.01)]), 2);
        assert_eq!(r.verdict, Verdict::Inconclusive, "too few samples");
        assert_eq!(
            standing(std::slice::from_ref(&r), 1, 1),
            Standing::Pending {
                held: Some(format!("held: {}", r.explain()))
            }
        );
    }

    #[test]
    fn every_sample_must_hold_and_failures_count() {
        let mut r = record();
        r.judge(Ok(vec![s(0.01), s(0.02)]), 1);
        assert_eq!(r.verdict, Verdict::Pass);
        assert_eq!(standing(std::slice::from_ref(&r), 2, 3), Standing::Passing);
        r.judge(Ok(vec![s(0.01), s(0.3)]), 1);
        assert_eq!(r.verdict, Verdict::Fail);
        assert!(r.reason.contains("0.3 is not <= 0.05"), "{}", r.reason);
        assert!(matches!(
            standing(std::slice::from_ref(&r), 2, 3),
            Standing::Pending { held: None }
        ));
        r.judge(Ok(vec![s(0.4)]), 1);
        assert!(matches!(
            standing(std::slice::from_ref(&r), 2, 3),
            Standing::Failed(why) if why.contains("query: rate(errors[1m])")
        ));
        assert_eq!(r.history, vec![0.02, 0.3, 0.4]);
    }
}
