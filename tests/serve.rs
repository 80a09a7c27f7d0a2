//! `deployctl serve` against a real ZooKeeper and real agents: the page in a real headless
//! Chromium (WebDriver, Python selenium), the JSON API with and without the token, hostile
//! input, `/metrics` read by PyPI `prometheus-client`'s parser, and webhooks claimed once across
//! two instances (and taken over, with the same id, from one killed mid-send).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use serde_json::Value;

const TOKEN: &str = "test-token-0123456789abcdef";

/// A `deployctl serve` process on a free port.
struct Serve {
    child: Child,
    /// `http://127.0.0.1:PORT` (no trailing slash).
    base: String,
    addr: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn token_file(env: &TestEnv) -> PathBuf {
    let p = env.path("serve.token");
    std::fs::write(&p, format!("{TOKEN}\n")).expect("token file");
    p
}

fn serve(env: &TestEnv, extra: &[&str]) -> Serve {
    serve_with_env(env, extra, &[])
}

fn serve_with_env(env: &TestEnv, extra: &[&str], vars: &[(&str, &str)]) -> Serve {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(env.path("serve.log"))
        .expect("serve log");
    let mut child = env
        .cmd()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .env("DEPLOYCTL_LOG", "deployctl=debug")
        .envs(vars.iter().copied())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("spawn serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("serve's first line");
    let url = line
        .trim()
        .strip_prefix("serving ")
        .unwrap_or_else(|| panic!("serve printed {line:?}; log:\n{}", serve_log(env)));
    let base = url.trim_end_matches('/').to_string();
    let addr = base.trim_start_matches("http://").to_string();
    Serve { child, base, addr }
}

fn serve_log(env: &TestEnv) -> String {
    std::fs::read_to_string(env.path("serve.log")).unwrap_or_default()
}

/// A response: status, headers (lower-cased names), body.
#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    /// The body as JSON; an error answer's is checked against api-error.schema.json.
    fn json(&self) -> Value {
        let v: Value = serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body));
        if self.status >= 400 {
            schema::check(schema::Kind::ApiError, &v);
        }
        v
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request over a plain socket (`Connection: close`), as a client would send it.
fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).expect("connect to serve");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    s.write_all(req.as_bytes()).expect("send");
    // A server may answer (and close) before reading a body it refuses.
    let _ = s.write_all(body);
    let mut raw = vec![];
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

fn get(s: &Serve, path: &str) -> Resp {
    http(&s.addr, "GET", path, &[], b"")
}

fn post_json(s: &Serve, path: &str, token: Option<&str>, body: &str) -> Resp {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut h = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        h.push(("Authorization", a));
    }
    http(&s.addr, "POST", path, &h, body.as_bytes())
}

/// Publish `app` `version` with `args`, returning the release id.
fn publish(env: &TestEnv, app: &str, version: &str, args: &[&str]) -> u64 {
    let mut a = vec!["publish", app, version];
    a.extend_from_slice(args);
    release_of(&env.json(&a))
}

fn spec_state(env: &TestEnv, app: &str) -> String {
    env.status(app)["spec"]["state"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn api_mirrors_the_cli_and_controls_need_the_token() {
    let env = TestEnv::new("serve-api");
    let hosts = hosts("api", 2);
    let _agents = env.start_agents("shop", &hosts, &[]);
    let r1 = publish(
        &env,
        "shop",
        "1.0",
        &["--deploy-cmd", "true", "--slots", "2"],
    );
    env.wait_hosts("shop", &hosts, r1, &["healthy"], Duration::from_secs(60));
    let tf = token_file(&env);
    let s = serve(&env, &["--token-file", tf.to_str().unwrap()]);

    // Reading needs no token; the documents are the CLI's (same schemas).
    let apps = get(&s, "/api/apps");
    assert_eq!(apps.status, 200, "{}", apps.body);
    schema::check(schema::Kind::Apps, &apps.json());
    let st = get(&s, "/api/apps/shop");
    assert_eq!(st.status, 200, "{}", st.body);
    schema::check(schema::Kind::Status, &st.json());
    assert_eq!(st.json()["hosts"], env.status("shop")["hosts"]);
    let h = get(&s, "/api/apps/shop/history");
    schema::check(schema::Kind::History, &h.json());
    assert_eq!(h.json(), env.json(&["history", "shop"]));
    assert_eq!(get(&s, "/api/apps/nope").status, 404);

    // Controls: 401 without the token (or with a wrong one), done with it.
    for token in [None, Some("wrong-token-0123456789")] {
        let r = post_json(&s, "/api/apps/shop/pause", token, "");
        assert_eq!(r.status, 401, "{}", r.body);
        assert!(r.json()["error"].as_str().unwrap().contains("token"));
        assert_eq!(
            r.header("www-authenticate"),
            Some("Bearer realm=\"deployctl\"")
        );
    }
    assert_eq!(spec_state(&env, "shop"), "active");
    let r = post_json(&s, "/api/apps/shop/pause", Some(TOKEN), "");
    assert_eq!(r.status, 200, "{}", r.body);
    schema::check(schema::Kind::Control, &r.json());
    assert_eq!(spec_state(&env, "shop"), "paused");
    let r = post_json(&s, "/api/apps/shop/resume", Some(TOKEN), "{}");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(spec_state(&env, "shop"), "active");
    // An unknown app: the CLI's message, as a 404.
    let r = post_json(&s, "/api/apps/nope/pause", Some(TOKEN), "");
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(r.json()["error"].as_str().unwrap().contains("no such app"));

    // Publish through the API: the current spec with another version, rolled out by the agents.
    let r = post_json(
        &s,
        "/api/apps/shop/publish",
        Some(TOKEN),
        r#"{"version": "1.1"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    schema::check(schema::Kind::Publish, &r.json());
    let r2 = r.json()["release"].as_u64().unwrap();
    env.wait_hosts("shop", &hosts, r2, &["healthy"], Duration::from_secs(60));
    let r = post_json(&s, "/api/apps/shop/rollback", Some(TOKEN), "");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["version"], "1.0");
    assert_eq!(r.json()["spec"]["rollback_of"], r2);

    // A rotated token file takes over at once: the old token stops working, the new one works.
    const ROTATED: &str = "rotated-token-0123456789abcdef";
    let tmp = env.path("serve.token.new");
    std::fs::write(&tmp, format!("{ROTATED}\n")).expect("new token");
    std::fs::rename(&tmp, &tf).expect("rotate the token file");
    let r = post_json(&s, "/api/apps/shop/pause", Some(TOKEN), "");
    assert_eq!(r.status, 401, "the old token after rotation: {}", r.body);
    let r = post_json(&s, "/api/apps/shop/pause", Some(ROTATED), "");
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post_json(&s, "/api/apps/shop/resume", Some(ROTATED), "");
    assert_eq!(r.status, 200, "{}", r.body);
    std::fs::write(&tf, format!("{TOKEN}\n")).expect("token back");

    // --read-only: no controls, whatever the token.
    let ro = serve(&env, &["--token-file", tf.to_str().unwrap(), "--read-only"]);
    let r = post_json(&ro, "/api/apps/shop/pause", Some(TOKEN), "");
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(spec_state(&env, "shop"), "active");
}

/// A stepped release waits at its manual gate until promoted through the API (token needed);
/// the API and the page name the gate while it waits.
#[test]
fn promote_through_the_api_passes_the_gate() {
    let env = TestEnv::new("serve-promote");
    let hosts = hosts("pr", 3);
    let _agents = env.start_agents("shop", &hosts, &[]);
    let r1 = publish(
        &env,
        "shop",
        "1.0",
        &["--deploy-cmd", "true", "--slots", "3", "--steps", "1,pause"],
    );
    let tf = token_file(&env);
    let s = serve(&env, &["--token-file", tf.to_str().unwrap()]);
    let healthy = |st: &Value| {
        st["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["state"] == "healthy")
            .count()
    };
    // One read takes the host statuses before the ledger: the gate may show a moment before
    // the host that reached it reads healthy.
    let gate = wait_until("the release at its gate", Duration::from_secs(60), || {
        let st = get(&s, "/api/apps/shop").json();
        (st["step"]["gate"].is_string() && healthy(&st) > 0).then_some(st)
    });
    schema::check(schema::Kind::Status, &gate);
    assert_eq!(healthy(&gate), 1, "{gate}");
    let page = get(&s, "/apps/shop");
    assert!(
        page.body.contains("paused at step 2 of 3"),
        "the page names the gate:\n{}",
        page.body
    );

    let r = post_json(&s, "/api/apps/shop/promote", None, "");
    assert_eq!(r.status, 401, "{}", r.body);
    let r = post_json(
        &s,
        "/api/apps/shop/promote",
        Some(TOKEN),
        r#"{"release": 99}"#,
    );
    assert_eq!(r.status, 400, "an old or unknown release: {}", r.body);
    let r = post_json(&s, "/api/apps/shop/promote", Some(TOKEN), r#"{"bogus": 1}"#);
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(healthy(&env.status("shop")), 1);
    let r = post_json(&s, "/api/apps/shop/promote", Some(TOKEN), "");
    assert_eq!(r.status, 200, "{}", r.body);
    schema::check(schema::Kind::Promote, &r.json());
    env.wait_hosts("shop", &hosts, r1, &["healthy"], Duration::from_secs(60));
}

#[test]
fn hostile_api_input_is_refused_and_nothing_is_published_or_run() {
    let env = TestEnv::new("serve-hostile");
    let hosts = hosts("hostile", 1);
    let _agents = env.start_agents("shop", &hosts, &[]);
    let r1 = publish(&env, "shop", "1.0", &["--deploy-cmd", "true"]);
    env.wait_hosts("shop", &hosts, r1, &["healthy"], Duration::from_secs(60));
    let tf = token_file(&env);
    let s = serve(&env, &["--token-file", tf.to_str().unwrap()]);
    let pwned = env.path("pwned");
    let pwned_s = pwned.display().to_string();
    let shell = format!(r#"{{"version": "1.1; touch {pwned_s}"}}"#);
    let subst = format!(r#"{{"version": "$(touch {pwned_s})"}}"#);
    let huge = format!(r#"{{"version": "{}"}}"#, "9".repeat(200_000));
    let cases: Vec<(&str, &str, &str, String, &str)> = vec![
        // (path, content type, what, body, the message names)
        (
            "/api/apps/shop/publish",
            "application/json",
            "shell",
            shell,
            "touch",
        ),
        (
            "/api/apps/shop/publish",
            "application/json",
            "subst",
            subst,
            "$(touch",
        ),
        (
            "/api/apps/shop/publish",
            "application/json",
            "backtick",
            r#"{"version": "`id`"}"#.into(),
            "`id`",
        ),
        (
            "/api/apps/shop/publish",
            "application/json",
            "huge",
            huge,
            "too large",
        ),
        (
            "/api/apps/shop/publish",
            "text/plain",
            "content type",
            r#"{"version": "1.1"}"#.into(),
            "Content-Type",
        ),
        (
            "/api/apps/shop/publish",
            "application/x-www-form-urlencoded",
            "form",
            "version=1.1".into(),
            "Content-Type",
        ),
        (
            "/api/apps/shop/publish",
            "application/json",
            "unknown field",
            r#"{"version": "1.1", "deploy_cmd": "touch /tmp/x"}"#.into(),
            "deploy_cmd",
        ),
        (
            "/api/apps/shop/publish",
            "application/json",
            "not json",
            "{version: 1.1".into(),
            "invalid JSON",
        ),
        (
            "/api/apps/shop/publish",
            "application/json",
            "bad group",
            r#"{"version": "1.1", "groups": ["a;b"]}"#.into(),
            "a;b",
        ),
        (
            "/api/apps/sh%24op/publish",
            "application/json",
            "bad app",
            r#"{"version": "1.1"}"#.into(),
            "sh$op",
        ),
        (
            "/api/apps/..%2F..%2Fetc/pause",
            "application/json",
            "traversal",
            String::new(),
            "../../etc",
        ),
        (
            "/api/apps/shop/rollback",
            "application/json",
            "bad rollback version",
            r#"{"to": "1.0 && reboot"}"#.into(),
            "1.0 && reboot",
        ),
    ];
    for (path, ctype, what, body, names) in &cases {
        let auth = format!("Bearer {TOKEN}");
        let r = http(
            &s.addr,
            "POST",
            path,
            &[("Content-Type", ctype), ("Authorization", &auth)],
            body.as_bytes(),
        );
        assert_eq!(r.status, 400, "{what}: {} {}", r.status, r.body);
        let msg = r.json()["error"].as_str().unwrap_or_default().to_string();
        assert!(
            msg.contains(names),
            "{what}: message {msg:?} should name {names:?}"
        );
    }
    // Nothing was published, nothing ran.
    let history = env.json(&["history", "shop"]);
    assert_eq!(
        history["releases"].as_array().unwrap().len(),
        1,
        "{history:#}"
    );
    assert!(!pwned.exists());
    let st = env.status("shop");
    assert_eq!(st["release"], r1);
    assert_eq!(hosts_in(&st, r1, "healthy"), hosts);
}

/// The samples of `/metrics` as PyPI `prometheus-client`'s parser reads them.
fn parse_metrics(text: &str) -> Vec<Value> {
    parse_metrics_with("prometheus_client.openmetrics.parser", text)
}

/// The samples of a classic (text format 0.0.4) exposition, as `prometheus_client.parser` reads
/// them.
fn parse_classic(text: &str) -> Vec<Value> {
    parse_metrics_with("prometheus_client.parser", text)
}

fn parse_metrics_with(module: &str, text: &str) -> Vec<Value> {
    let script = format!(
        r#"
import json, sys
from {module} import text_string_to_metric_families
out = []
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        out.append({{"family": fam.name, "type": fam.type, "name": s.name, "labels": s.labels, "value": s.value}})
print(json.dumps(out))
"#
    );
    let mut child = Command::new("python3")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 (installed by .ci/install-test-deps)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "prometheus-client ({module}) cannot parse /metrics: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("parser output")
}

/// `GET /metrics` at `addr` in both formats, each checked by its parser: the classic one (no
/// Accept header, as a plain `curl`, and `text/plain; version=0.0.4`) and OpenMetrics (asked
/// for). Returns the OpenMetrics samples and the classic ones.
fn scrape_both(addr: &str) -> (Vec<Value>, Vec<Value>) {
    let om = http(
        addr,
        "GET",
        "/metrics",
        &[(
            "Accept",
            "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3",
        )],
        b"",
    );
    assert_eq!(om.status, 200, "{}", om.body);
    assert!(
        om.header("content-type")
            .is_some_and(|c| c.starts_with("application/openmetrics-text")),
        "{:?}",
        om.headers
    );
    assert!(om.body.ends_with("# EOF\n"), "{}", om.body);
    let mut classic_samples = None;
    for accept in [None, Some("text/plain; version=0.0.4")] {
        let headers: Vec<(&str, &str)> = accept.iter().map(|a| ("Accept", *a)).collect();
        let classic = http(addr, "GET", "/metrics", &headers, b"");
        assert_eq!(classic.status, 200, "{}", classic.body);
        assert_eq!(
            classic.header("content-type"),
            Some("text/plain; version=0.0.4; charset=utf-8"),
            "{accept:?}"
        );
        assert!(!classic.body.contains("# EOF"), "{}", classic.body);
        let samples = parse_classic(&classic.body);
        // Counters are typed as counters by the classic parser (not left untyped).
        for s in &samples {
            if s["name"].as_str().is_some_and(|n| n.ends_with("_total")) {
                assert_eq!(s["type"], "counter", "{s}\n{}", classic.body);
            }
        }
        classic_samples = Some(samples);
    }
    (parse_metrics(&om.body), classic_samples.unwrap())
}

fn sample(samples: &[Value], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| s["name"] == name && labels.iter().all(|(k, v)| s["labels"][k] == *v))
        .and_then(|s| s["value"].as_f64())
}

#[test]
fn metrics_parse_and_count_the_healthy_hosts() {
    let env = TestEnv::new("serve-metrics");
    let hosts = hosts("metrics", 3);
    let _agents = env.start_agents("shop", &hosts, &[]);
    let s = serve(&env, &[]);
    let r1 = publish(
        &env,
        "shop",
        "1.0",
        &["--deploy-cmd", "true", "--slots", "3"],
    );
    let st = env.wait_hosts("shop", &hosts, r1, &["healthy"], Duration::from_secs(60));
    let healthy = hosts_in(&st, r1, "healthy").len();
    let (samples, classic) = scrape_both(&s.addr);
    assert_eq!(
        sample(&classic, "deployctl_halts_total", &[("app", "shop")]),
        Some(0.0)
    );
    let h = |state| {
        sample(
            &samples,
            "deployctl_hosts",
            &[("app", "shop"), ("state", state)],
        )
    };
    assert_eq!(h("healthy"), Some(healthy as f64));
    assert_eq!(h("failed"), Some(0.0));
    let app = [("app", "shop")];
    assert_eq!(
        sample(&samples, "deployctl_slots_capacity", &app),
        Some(3.0)
    );
    assert_eq!(sample(&samples, "deployctl_slots_in_use", &app), Some(0.0));
    assert_eq!(sample(&samples, "deployctl_halts_total", &app), Some(0.0));
    assert_eq!(
        sample(&samples, "deployctl_rollbacks_total", &app),
        Some(0.0)
    );
    assert_eq!(
        sample(
            &samples,
            "deployctl_releases",
            &[("app", "shop"), ("outcome", "succeeded")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &samples,
            "deployctl_host_deploy_duration_seconds_count",
            &app
        ),
        Some(3.0)
    );
    assert_eq!(
        sample(&samples, "deployctl_rollout_duration_seconds_count", &app),
        Some(1.0)
    );
}

fn post_form(s: &Serve, path: &str, cookie: Option<&str>, body: &str) -> Resp {
    let mut h = vec![("Content-Type", "application/x-www-form-urlencoded")];
    if let Some(c) = cookie {
        h.push(("Cookie", c));
    }
    http(&s.addr, "POST", path, &h, body.as_bytes())
}

/// The page's controls without a browser: a login sets the session cookie, a control form
/// needs it and the session's CSRF token; nothing changes otherwise.
#[test]
fn page_controls_need_a_login_and_the_csrf_token() {
    let env = TestEnv::new("serve-csrf");
    let r1 = publish(&env, "shop", "1.0", &["--deploy-cmd", "true"]);
    let tf = token_file(&env);
    let s = serve(&env, &["--token-file", tf.to_str().unwrap()]);
    // Not logged in: no controls on the page, and a posted form goes to the login.
    let page = get(&s, "/apps/shop");
    assert_eq!(page.status, 200);
    // Never framed by another site (the controls cannot be clickjacked).
    assert!(
        page.header("content-security-policy")
            .is_some_and(|c| c.contains("frame-ancestors 'none'")),
        "{:?}",
        page.headers
    );
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert!(!page.body.contains("id=\"do-pause\""));
    let r = post_form(&s, "/apps/shop/control", None, "action=pause&csrf=x");
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/login"));
    // A wrong token: 401, no cookie.
    let r = post_form(&s, "/login", None, "token=wrong&next=%2Fapps%2Fshop");
    assert_eq!(r.status, 401);
    assert!(r.header("set-cookie").is_none());
    let r = post_form(
        &s,
        "/login",
        None,
        &format!("token={TOKEN}&next=%2Fapps%2Fshop"),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/apps/shop"));
    let set = r.header("set-cookie").expect("session cookie").to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_string();
    // Logged in: the page has the controls and the session's CSRF token.
    let page = http(&s.addr, "GET", "/apps/shop", &[("Cookie", &cookie)], b"");
    assert!(page.body.contains("id=\"do-pause\""), "{}", page.body);
    let csrf = page
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("csrf token in the page")
        .to_string();
    // A form without the right CSRF token (another site's) is refused.
    for bad in ["", "csrf=", "csrf=0000"] {
        let r = post_form(
            &s,
            "/apps/shop/control",
            Some(&cookie),
            &format!("action=pause&{bad}"),
        );
        assert!(
            r.status == 403 || r.status == 400 || r.status == 422,
            "{bad}: {} {}",
            r.status,
            r.body
        );
    }
    assert_eq!(spec_state(&env, "shop"), "active");
    // Bad input through the form: the page says why, nothing is published.
    let r = post_form(
        &s,
        "/apps/shop/control",
        Some(&cookie),
        &format!("action=publish&csrf={csrf}&version=1.1%3B+reboot"),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("1.1; reboot"), "{}", r.body);
    assert_eq!(env.status("shop")["release"], r1);
    let r = post_form(
        &s,
        "/apps/shop/control",
        Some(&cookie),
        &format!("action=pause&csrf={csrf}"),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(spec_state(&env, "shop"), "paused");
    let r = post_form(
        &s,
        "/apps/shop/control",
        Some(&cookie),
        &format!("action=publish&csrf={csrf}&version=1.1&groups=web"),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let st = env.status("shop");
    assert_eq!(st["version"], "1.1");
    assert_eq!(st["spec"]["groups"], serde_json::json!(["web"]));
    assert_eq!(st["spec"]["deploy_cmd"], "true");
    // An app with a git source: its version tags are the publish form's choices.
    let repo_dir = env.path("lib-repo");
    let repo = common::git::init(&repo_dir);
    for v in ["2.9", "2.10"] {
        common::git::release(&repo, v);
    }
    publish(
        &env,
        "lib",
        "2.9",
        &["--git-repo", repo_dir.to_str().unwrap()],
    );
    let page = http(&s.addr, "GET", "/apps/lib", &[("Cookie", &cookie)], b"");
    let options = page
        .body
        .find("<datalist")
        .map(|i| &page.body[i..])
        .unwrap_or_default();
    let first_two: Vec<&str> = options
        .split("<option value=\"")
        .skip(1)
        .filter_map(|o| o.split('"').next())
        .take(2)
        .collect();
    assert_eq!(first_two, ["2.10", "2.9"], "{options}");
}

/// A webhook receiver: records every body posted to it (and its `X-Deployctl-Delivery`).
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
    /// The delivery header of each body, in the same order.
    deliveries: Arc<Mutex<Vec<Option<String>>>>,
    /// While set, a post of this event is recorded but not answered (a slow receiver).
    hang: Arc<Mutex<Option<String>>>,
}

fn receiver() -> Receiver {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(vec![]));
    let deliveries = Arc::new(Mutex::new(vec![]));
    let hang: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let (b, d, h) = (bodies.clone(), deliveries.clone(), hang.clone());
    std::thread::spawn(move || {
        for conn in l.incoming().flatten() {
            let (b, d, h) = (b.clone(), d.clone(), h.clone());
            std::thread::spawn(move || {
                let mut r = BufReader::new(conn.try_clone().unwrap());
                let mut len = 0;
                let mut delivery = None;
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if line == "\r\n" {
                        break;
                    }
                    let lower = line.to_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                    if lower.starts_with("x-deployctl-delivery:") {
                        delivery = line.split_once(':').map(|(_, v)| v.trim().to_string());
                    }
                }
                let mut body = vec![0; len];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let mut event = None;
                if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                    // Every body the receiver gets is valid against its schema.
                    if v.get("text").is_some() {
                        schema::check(schema::Kind::WebhookSlack, &v);
                    } else {
                        schema::check(schema::Kind::Webhook, &v);
                    }
                    event = v["event"].as_str().map(str::to_string);
                    // One lock for both: a body and its header are recorded together.
                    let mut b = b.lock().unwrap();
                    b.push(v);
                    d.lock().unwrap().push(delivery);
                }
                while event.is_some() && *h.lock().unwrap() == event {
                    std::thread::sleep(Duration::from_millis(20));
                }
                let mut w = conn;
                let _ = w.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
            });
        }
    });
    Receiver {
        url,
        bodies,
        deliveries,
        hang,
    }
}

impl Receiver {
    fn count(&self, release: u64, event: &str) -> usize {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .filter(|b| b["release"] == release && b["event"] == event)
            .count()
    }
}

#[test]
fn two_instances_send_each_webhook_event_exactly_once() {
    let env = TestEnv::new("serve-hooks");
    let hosts = hosts("hooks", 2);
    let _agents = env.start_agents("shop", &hosts, &[]);
    let r1 = publish(
        &env,
        "shop",
        "1.0",
        &["--deploy-cmd", "true", "--slots", "2"],
    );
    env.wait_hosts("shop", &hosts, r1, &["healthy"], Duration::from_secs(60));
    let rx = receiver();
    let hook = ["--webhook", rx.url.as_str()];
    let _a = serve(&env, &hook);
    let _b = serve(&env, &hook);
    wait_until("release 1's events", Duration::from_secs(30), || {
        (rx.count(r1, "published") >= 1 && rx.count(r1, "succeeded") >= 1).then_some(())
    });
    // A bad release with auto-rollback: it halts, the previous release is published again.
    let secret = "hunter2-very-secret";
    let r2 = publish(
        &env,
        "shop",
        "2.0",
        &[
            "--deploy-cmd",
            "echo deploying with {{ vars.db_password }}; exit 3",
            "--auto-rollback",
            "--var",
            &format!("db_password={secret}"),
        ],
    );
    let rb = wait_until("the rollback release", Duration::from_secs(60), || {
        let h = env.json(&["history", "shop"]);
        h["releases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["spec"]["rollback_of"] == r2)
            .and_then(|r| r["release"].as_u64())
    });
    env.wait_hosts(
        "shop",
        &hosts,
        rb,
        &["healthy", "current"],
        Duration::from_secs(60),
    );
    let expected = [
        (r1, "published"),
        (r1, "succeeded"),
        (r2, "published"),
        (r2, "halted"),
        (r2, "rolled_back"),
        (r2, "failed"),
        (rb, "published"),
        (rb, "succeeded"),
    ];
    // Deliveries run concurrently: wait until each event arrived, then count. The rollback's
    // success comes last (it needs every host deployed again), long after both instances saw
    // and claimed the earlier events; a second sender would have been as quick as the first.
    wait_until("every event", Duration::from_secs(30), || {
        expected
            .iter()
            .all(|(r, e)| rx.count(*r, e) >= 1)
            .then_some(())
    });
    for (release, event) in expected {
        assert_eq!(
            rx.count(release, event),
            1,
            "{event} of release {release}: {:#?}",
            rx.bodies.lock().unwrap()
        );
    }
    // Every body carries its stable id, in the body and the header alike.
    let deliveries = rx.deliveries.lock().unwrap().clone();
    for (body, header) in rx.bodies.lock().unwrap().iter().zip(&deliveries) {
        let id = format!(
            "shop/r-{:010}-{}",
            body["release"].as_u64().unwrap(),
            body["event"].as_str().unwrap()
        );
        assert_eq!(body["id"], id.as_str(), "{body}");
        assert_eq!(header.as_deref(), Some(id.as_str()), "{body}");
    }
    // Both instances saw the events; the one that lost a claim left it to the other.
    assert!(
        serve_log(&env).contains("by another instance"),
        "{}",
        serve_log(&env)
    );
    let all = rx.bodies.lock().unwrap().clone();
    let text = serde_json::to_string(&all).unwrap();
    assert!(!text.contains(secret), "a secret reached a webhook: {text}");
    let halted = all
        .iter()
        .find(|b| b["event"] == "halted")
        .expect("halted event");
    assert_eq!(halted["app"], "shop");
    assert_eq!(halted["version"], "2.0");
}

/// The page in a real headless Chromium, over WebDriver (tests/data/serve_browser.py), with
/// axe-core (npm, `.ci/install-test-deps`) run on every page it visits.
#[test]
fn the_page_in_chromium_updates_live_and_pauses_after_login() {
    let env = TestEnv::new("serve-page");
    let hosts = hosts("page", 2);
    let _agents = env.start_agents("shop", &hosts, &[]);
    let gate = env.path("gate");
    // A metric check (a constant query: only its rendering matters here), so the app and host
    // pages axe-core judges carry check verdicts and sparklines.
    let prom = common::prometheus::Prom::start(env.dir.path(), &[]);
    let r1 = publish(
        &env,
        "shop",
        "1.0",
        &[
            "--deploy-cmd",
            &gated_deploy(&gate, "echo deployed {{ version }}"),
            "--slots",
            "2",
            "--check",
            "latency=vector(0.1) <= 0.5",
            "--prometheus-url",
            &prom.url,
            "--bake-time",
            "2s",
            "--check-interval",
            "500ms",
        ],
    );
    env.wait_hosts("shop", &hosts, r1, &["deploying"], Duration::from_secs(60));
    let tf = token_file(&env);
    let s = serve(&env, &["--token-file", tf.to_str().unwrap()]);
    // Without JavaScript (server-rendered): the app, every host and its state.
    let html = get(&s, "/apps/shop");
    assert_eq!(html.status, 200, "{}", html.body);
    for h in &hosts {
        assert!(
            html.body
                .contains(&format!("data-host=\"{h}\" data-state=\"deploying\"")),
            "{h} deploying:\n{}",
            html.body
        );
    }
    let shot_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shot_dir).unwrap();
    let shot = shot_dir.join("serve-page.png");
    let _ = std::fs::remove_file(&shot);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/serve_browser.py");
    let mut b = Command::new("python3")
        .arg(&script)
        .args([&s.base, "shop", TOKEN])
        .arg(&shot)
        .args(&hosts)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 with selenium (installed by .ci/install-test-deps)");
    let mut to_browser = b.stdin.take().unwrap();
    let mut from_browser = BufReader::new(b.stdout.take().unwrap());
    let mut next = |b: &mut Child| -> Value {
        let mut line = String::new();
        from_browser.read_line(&mut line).unwrap();
        if line.is_empty() {
            let mut err = String::new();
            b.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            panic!(
                "the browser script stopped:\n{err}\nserve log:\n{}",
                serve_log(&env)
            );
        }
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    };
    // The page shows the app and every host with its state, as `status` does.
    let seen = next(&mut b);
    assert_eq!(seen["step"], "hosts", "{seen}");
    assert_eq!(seen["app"], "shop");
    for h in &hosts {
        assert_eq!(seen["hosts"][h], "deploying", "{seen}");
    }
    // The agents finish their deploys: the page follows without a reload.
    std::fs::write(&gate, "").unwrap();
    env.wait_hosts("shop", &hosts, r1, &["healthy"], Duration::from_secs(60));
    writeln!(to_browser, "go").unwrap();
    let updated = next(&mut b);
    assert_eq!(updated["step"], "updated", "{updated}");
    assert_eq!(updated["reloaded"], false, "{updated}");
    for h in &hosts {
        assert_eq!(updated["hosts"][h], "healthy", "{updated}");
    }
    let html = get(&s, "/apps/shop");
    assert!(
        html.body.contains("latency &lt;= 0.5")
            && html.body.matches("class=\"spark\"").count() == 2,
        "the check on each host row, with its sparkline:\n{}",
        html.body
    );
    // Log in, press pause: the release is paused (as `deployctl status` shows).
    let paused = next(&mut b);
    assert_eq!(paused["step"], "paused", "{paused}");
    // Reached with Tab and pressed with Enter.
    assert_eq!(paused["focused"], "do-pause", "{paused}");
    assert_eq!(spec_state(&env, "shop"), "paused");
    let done = next(&mut b);
    assert_eq!(done["step"], "done", "{done}");
    assert_eq!(
        done["overflow"], 0,
        "the page is wider than a phone: {done}"
    );
    // Every page — the app logged out while deploying, the login page and its wrong-token
    // answer, then index, app and host logged in with the controls — has no console error (a
    // 404 for /favicon.ico was one) and no violation of axe-core's rules (all of its defaults:
    // WCAG A/AA and best practices; landmark-unique caught `#live` and its table both "Apps").
    let pages = done["pages"].as_array().expect("pages");
    assert_eq!(pages.len(), 6, "{done}");
    for page in pages {
        // The wrong token's answer is a 401 (what counts a guess), which Chromium logs for the
        // page itself; any other message is an error.
        let wrong_token = page["url"].as_str().unwrap().ends_with("(wrong token)");
        let errors: Vec<&Value> = page["console_errors"]
            .as_array()
            .expect("console_errors")
            .iter()
            .filter(|e| {
                !(wrong_token
                    && e.as_str().unwrap().ends_with(
                        "/login - Failed to load resource: the server responded with a status \
                         of 401 (Unauthorized)",
                    ))
            })
            .collect();
        assert!(errors.is_empty(), "{page}");
        assert_eq!(page["axe_error"], Value::Null, "{page}");
        assert!(
            page["axe"].as_str().is_some_and(|v| v.starts_with("4.")),
            "axe-core 4 ran: {page}"
        );
        assert_eq!(
            page["violations"],
            serde_json::json!([]),
            "axe-core on {}:\n{:#}",
            page["url"],
            page["violations"]
        );
    }
    assert_eq!(done["favicon"][0], 200, "{done}");
    assert_eq!(done["favicon"][1], "image/svg+xml", "{done}");
    assert!(b.wait().unwrap().success());
    for f in [shot.clone(), shot.with_file_name("serve-page-phone.png")] {
        let png = std::fs::read(&f).expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "{}: not a PNG", f.display());
    }
}

/// `sandbox` starts the page too and prints its URL; with `--stay` it keeps it up until SIGTERM.
#[test]
fn sandbox_serves_its_page() {
    let tmp = tempfile::tempdir().unwrap();
    let results = tempfile::tempdir().unwrap();
    let mut child = Command::new(bin())
        .args(["sandbox", "--hosts", "2", "--stay", "--results"])
        .arg(results.path())
        .env("TMPDIR", tmp.path())
        .env_remove("DEPLOYCTL_ZK")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sandbox");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut url = None;
    let mut printed = String::new();
    loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "sandbox stopped early:\n{printed}"
        );
        printed.push_str(&line);
        if let Some(rest) = line.split("watch it live at ").nth(1) {
            url = rest.split_whitespace().next().map(str::to_string);
        }
        if line.contains("everything stays up") {
            break;
        }
    }
    let url = url.unwrap_or_else(|| panic!("no URL printed:\n{printed}"));
    let rest = url.trim_start_matches("http://");
    let (addr, path) = rest.split_at(rest.find('/').unwrap());
    let page = http(addr, "GET", path, &[], b"");
    assert_eq!(page.status, 200, "{}", page.body);
    for h in ["host-1", "host-2"] {
        assert!(
            page.body
                .contains(&format!("data-host=\"{h}\" data-state=\"healthy\"")),
            "{h}: {}",
            page.body
        );
    }
    // A metric-gated canary: the release's check, and on each host its verdict from the
    // sandbox's real Prometheus with a sparkline of the values it judged.
    assert!(
        page.body.contains("Metric checks") && page.body.contains("error_rate &lt;= 0.05"),
        "{}",
        page.body
    );
    let rows: Vec<&str> = page.body.split("<tr data-host=").skip(1).collect();
    assert_eq!(rows.len(), 2, "{}", page.body);
    for row in rows {
        assert!(
            row.contains("state-healthy\">pass</span>") && row.contains("class=\"spark\""),
            "{row}"
        );
    }
    let host = http(addr, "GET", &format!("{path}/hosts/host-1"), &[], b"");
    assert!(
        host.body
            .contains("demo_errors_total{host=&quot;host-1&quot;}"),
        "the rendered query: {}",
        host.body
    );
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}\n{printed}");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().collect();
    assert!(left.is_empty(), "temp files left behind: {left:?}");
}

/// `agent --metrics-listen`: the agent's deploys, durations and ZooKeeper session.
#[test]
fn agent_metrics_count_its_deploys_and_session() {
    let env = TestEnv::new("serve-agent-metrics");
    let agent = env.agent_with("am1", &["shop"], &["--metrics-listen", "127.0.0.1:0"]);
    let r1 = publish(&env, "shop", "1.0", &["--deploy-cmd", "true"]);
    env.wait_hosts(
        "shop",
        &["am1".into()],
        r1,
        &["healthy"],
        Duration::from_secs(60),
    );
    let addr = wait_until(
        "the agent's metrics address",
        Duration::from_secs(30),
        || {
            let log = agent.log();
            let rest = log.split("agent metrics at http://").nth(1)?;
            rest.split('/').next().map(str::to_string)
        },
    );
    let (samples, classic) = scrape_both(&addr);
    assert_eq!(
        sample(
            &classic,
            "deployctl_agent_deploys_total",
            &[("app", "shop"), ("outcome", "healthy")]
        ),
        Some(1.0)
    );
    let deploys = |outcome| {
        sample(
            &samples,
            "deployctl_agent_deploys_total",
            &[("app", "shop"), ("outcome", outcome)],
        )
    };
    assert_eq!(deploys("healthy"), Some(1.0), "{samples:?}");
    assert_eq!(deploys("failed"), None, "{samples:?}");
    assert_eq!(
        sample(
            &samples,
            "deployctl_agent_deploy_duration_seconds_count",
            &[("app", "shop")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&samples, "deployctl_agent_zk_connected", &[]),
        Some(1.0)
    );
    assert_eq!(
        sample(&samples, "deployctl_agent_zk_sessions_total", &[]),
        Some(1.0)
    );
    assert_eq!(
        sample(&samples, "deployctl_agent_zk_session_losses_total", &[]),
        Some(0.0)
    );
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl (installed by .ci/install-test-deps)");
    assert!(out.status.success(), "openssl {args:?}: {}", stderr(&out));
}

/// `https://` webhooks, verified against `--webhook-ca`, with the Slack body.
#[test]
fn https_webhook_with_a_private_ca_gets_the_slack_body() {
    let env = TestEnv::new("serve-https-hook");
    let dir = env.dir.path();
    let req = |key: &str, out: &str, subj: &str, x509: bool| {
        let mut a = vec![
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", out,
        ];
        a.extend_from_slice(&["-subj", subj]);
        if x509 {
            a.extend_from_slice(&["-x509", "-days", "2"]);
        }
        openssl(dir, &a);
    };
    req("ca.key", "ca.pem", "/CN=deployctl-test-ca", true);
    req("hook.key", "hook.csr", "/CN=localhost", false);
    std::fs::write(dir.join("ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "hook.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "hook.pem",
            "-days",
            "2",
            "-extfile",
            "ext",
        ],
    );
    // The receiver: Python's HTTPS server, one body per line on stdout.
    let script = r#"
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        print(self.headers["Content-Type"] + " " + body.decode(), flush=True)
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;
    let mut rx = Command::new("python3")
        .args(["-c", script])
        .arg(dir.join("hook.pem"))
        .arg(dir.join("hook.key"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    // Lines through a channel, so every wait for one is bounded.
    let (tx, lines) = std::sync::mpsc::channel();
    let out = rx.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let next = || {
        lines
            .recv_timeout(Duration::from_secs(30))
            .expect("a line from the HTTPS receiver within 30s")
    };
    let port = next();
    let url = format!("https://127.0.0.1:{}/hook", port.trim());
    let ca = dir.join("ca.pem");
    let _s = serve(
        &env,
        &[
            "--webhook",
            &url,
            "--webhook-format",
            "slack",
            "--webhook-ca",
            ca.to_str().unwrap(),
        ],
    );
    publish(&env, "shop", "1.0", &["--deploy-cmd", "true"]);
    let line = next();
    let _ = rx.kill();
    let _ = rx.wait();
    let (ctype, body) = line.split_once(' ').unwrap();
    assert_eq!(ctype, "application/json");
    let v: Value = serde_json::from_str(body).unwrap();
    schema::check(schema::Kind::WebhookSlack, &v);
    assert_eq!(
        v["text"], "deployctl: shop release 1 (1.0): published",
        "{v}"
    );
}

/// Pruning the history takes the webhook claims of the pruned releases with it.
#[test]
fn pruned_releases_take_their_webhook_claims_along() {
    let env = TestEnv::new("serve-prune-claims");
    for v in ["1.0", "2.0", "3.0"] {
        publish(&env, "shop", v, &[]);
    }
    let o = env.zk_options();
    block_on(async {
        let zk = deployctl::zk::connect(&o).await.unwrap();
        for name in ["r-0000000001-published", "r-0000000003-published"] {
            assert!(zk.claim_event("shop", name, b"{}").await.unwrap());
            assert!(!zk.claim_event("shop", name, b"{}").await.unwrap());
        }
    });
    publish(&env, "shop", "4.0", &["--keep-history", "1"]);
    let left = block_on(async {
        let zk = deployctl::zk::connect(&o).await.unwrap();
        let mut c = zk
            .client
            .list_children(&zk.layout.events("shop"))
            .await
            .unwrap();
        c.sort();
        c
    });
    assert_eq!(left, ["r-0000000003-published"]);
}

/// A rollback prints (CLI) and answers (API) the spec with secret values masked, like publish.
#[test]
fn rollback_output_masks_secrets() {
    let env = TestEnv::new("serve-rollback-secret");
    let secret = "rollback-S3cret-value";
    let sv = format!("db_password={secret}");
    for v in ["1.0", "2.0", "3.0"] {
        publish(&env, "shop", v, &["--secret-var", &sv]);
    }
    let cli = env.json(&["rollback", "shop", "--to", "1.0"]);
    assert_eq!(cli["version"], "1.0");
    assert!(!cli.to_string().contains(secret), "CLI rollback: {cli}");
    let tf = token_file(&env);
    let s = serve(&env, &["--token-file", tf.to_str().unwrap()]);
    let r = post_json(
        &s,
        "/api/apps/shop/rollback",
        Some(TOKEN),
        r#"{"to": "2.0"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.body.contains(secret), "API rollback: {}", r.body);
    // Masked in the output only: the agents still get the value.
    let stored = block_on(async {
        let zk = deployctl::zk::connect(&env.zk_options()).await.unwrap();
        zk.read_spec("shop").await.unwrap().unwrap().0
    });
    assert_eq!(stored.vars["db_password"], secret);
}

/// A claim left by an instance that died before sending is taken over once it is stale; a sent
/// one is never sent again.
#[test]
fn a_stale_unsent_claim_is_taken_over_and_a_sent_one_is_left_alone() {
    let env = TestEnv::new("serve-takeover");
    let r1 = publish(&env, "shop", "1.0", &[]);
    let r2 = publish(&env, "shop", "2.0", &[]);
    let o = env.zk_options();
    let sent = r#"{"by":"gone:1","at":"2000-01-01T00:00:00Z","sent":true}"#;
    let dead = r#"{"by":"gone:2","at":"2000-01-01T00:00:00Z","sent":false}"#;
    block_on(async {
        let zk = deployctl::zk::connect(&o).await.unwrap();
        assert!(
            zk.claim_event("shop", "r-0000000001-published", sent.as_bytes())
                .await
                .unwrap()
        );
        assert!(
            zk.claim_event("shop", "r-0000000002-published", dead.as_bytes())
                .await
                .unwrap()
        );
    });
    let rx = receiver();
    let _s = serve(&env, &["--webhook", rx.url.as_str()]);
    wait_until("the taken-over event", Duration::from_secs(30), || {
        (rx.count(r2, "published") == 1).then_some(())
    });
    let claim = |name: &str| -> Value {
        block_on(async {
            let zk = deployctl::zk::connect(&o).await.unwrap();
            let (data, _) = zk.read_claim("shop", name).await.unwrap().unwrap();
            serde_json::from_slice(&data).unwrap()
        })
    };
    // Marked sent by its new owner once delivered.
    wait_until("the claim marked sent", Duration::from_secs(30), || {
        let c = claim("r-0000000002-published");
        (c["sent"] == true && c["by"] != "gone:2").then_some(())
    });
    // The sent one was looked at in the same scan and left as it was.
    assert_eq!(
        claim("r-0000000001-published").to_string(),
        serde_json::from_str::<Value>(sent).unwrap().to_string()
    );
    assert_eq!(
        rx.count(r1, "published"),
        0,
        "{:#?}",
        rx.bodies.lock().unwrap()
    );
    assert!(
        serve_log(&env).contains("never sent it; sending it"),
        "{}",
        serve_log(&env)
    );
}

/// The instance sending `succeeded` is SIGKILLed mid-send on a quiet app: the survivor takes the
/// claim over on its own (no change in ZooKeeper wakes it), and the receiver, which got the
/// event twice, can drop the repeat by its id (the same in both posts, body and header).
#[test]
fn a_sender_killed_mid_send_is_taken_over_on_a_quiet_app_with_the_same_id() {
    let env = TestEnv::new("serve-killed-sender");
    let hosts = hosts("quiet", 2);
    let _agents = env.start_agents("shop", &hosts, &[]);
    let r1 = publish(
        &env,
        "shop",
        "1.0",
        &["--deploy-cmd", "true", "--slots", "2"],
    );
    env.wait_hosts("shop", &hosts, r1, &["healthy"], Duration::from_secs(60));
    let rx = receiver();
    // The first post of `succeeded` is never answered: its sender is still sending when killed.
    *rx.hang.lock().unwrap() = Some("succeeded".into());
    let hook = ["--webhook", rx.url.as_str()];
    let takeover = [("DEPLOYCTL_WEBHOOK_TAKEOVER", "5s")];
    let mut instances = vec![
        serve_with_env(&env, &hook, &takeover),
        serve_with_env(&env, &hook, &takeover),
    ];
    wait_until(
        "the first post of succeeded",
        Duration::from_secs(30),
        || (rx.count(r1, "succeeded") == 1).then_some(()),
    );
    let o = env.zk_options();
    let claim = || -> Value {
        block_on(async {
            let zk = deployctl::zk::connect(&o).await.unwrap();
            let (data, _) = zk
                .read_claim("shop", "r-0000000001-succeeded")
                .await
                .unwrap()
                .unwrap();
            serde_json::from_slice(&data).unwrap()
        })
    };
    let first = claim();
    let sender: u32 = first["by"]
        .as_str()
        .and_then(|b| b.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("claim {first}"));
    let at = instances
        .iter()
        .position(|s| s.child.id() == sender)
        .unwrap_or_else(|| panic!("claimed by {sender}, not one of ours: {first}"));
    // SIGKILL: no chance to mark anything.
    drop(instances.remove(at));
    *rx.hang.lock().unwrap() = None;
    let survivor = instances[0].child.id();
    wait_until(
        "the survivor's post of succeeded",
        Duration::from_secs(30),
        || (rx.count(r1, "succeeded") >= 2).then_some(()),
    );
    wait_until("the claim marked sent", Duration::from_secs(30), || {
        let c = claim();
        (c["sent"] == true).then_some(c)
    });
    let c = claim();
    assert!(
        c["by"]
            .as_str()
            .is_some_and(|b| b.ends_with(&format!(":{survivor}"))),
        "{c}"
    );
    let bodies = rx.bodies.lock().unwrap().clone();
    let deliveries = rx.deliveries.lock().unwrap().clone();
    let ids: Vec<(String, Option<String>)> = bodies
        .iter()
        .zip(&deliveries)
        .filter(|(b, _)| b["event"] == "succeeded")
        .map(|(b, h)| (b["id"].as_str().unwrap_or_default().to_string(), h.clone()))
        .collect();
    let id = "shop/r-0000000001-succeeded".to_string();
    assert_eq!(ids.len(), 2, "{bodies:#?}");
    for (body_id, header) in &ids {
        assert_eq!(body_id, &id, "{bodies:#?}");
        assert_eq!(header.as_ref(), Some(&id), "{bodies:#?}");
    }
    assert!(
        serve_log(&env).contains("never sent it; sending it"),
        "{}",
        serve_log(&env)
    );
}

/// Guessing the token: after 10 wrong ones from an address, its token attempts are refused (429
/// with Retry-After) without looking at the token — the right one included — for the rest of
/// the minute, on the API and the login form alike; reading and the page stay open.
#[test]
fn wrong_tokens_are_limited_per_address() {
    let env = TestEnv::new("serve-guesses");
    let tf = token_file(&env);
    let s = serve(&env, &["--token-file", tf.to_str().unwrap()]);
    publish(&env, "shop", "1.0", &["--deploy-cmd", "true"]);
    for i in 0..10 {
        let r = post_json(&s, "/api/apps/shop/pause", Some(&format!("guess-{i}")), "");
        assert_eq!(r.status, 401, "guess {i}: {}", r.body);
    }
    let r = post_json(&s, "/api/apps/shop/pause", Some(TOKEN), "");
    assert_eq!(r.status, 429, "{}", r.body);
    let wait: u64 = r
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no Retry-After: {:?}", r.headers));
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert_eq!(spec_state(&env, "shop"), "active", "nothing was done");
    let login = http(
        &s.addr,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        format!("token={TOKEN}&next=%2F").as_bytes(),
    );
    assert_eq!(login.status, 429, "{}", login.body);
    assert_eq!(get(&s, "/api/apps/shop").status, 200);
    assert_eq!(get(&s, "/").status, 200);
}

/// Logs written to a file carry no ANSI escapes (colour only when stderr is a terminal):
/// `serve`'s and the agents' logs, over a real rollout. `--color always` still colours them, so
/// the check is not vacuous.
#[test]
fn logs_in_files_have_no_colour() {
    let env = TestEnv::new("serve-no-colour");
    let hosts = hosts("nocolour", 2);
    let agents = env.start_agents("shop", &hosts, &[]);
    let s = serve(&env, &[]);
    let r1 = publish(
        &env,
        "shop",
        "1.0",
        &["--deploy-cmd", "true", "--slots", "2"],
    );
    env.wait_hosts("shop", &hosts, r1, &["healthy"], Duration::from_secs(60));
    assert_eq!(get(&s, "/apps/shop").status, 200);
    let serve_text = serve_log(&env);
    for (who, text) in [
        ("serve", serve_text.clone()),
        ("agent 0", agents[0].log()),
        ("agent 1", agents[1].log()),
    ] {
        assert!(!text.trim().is_empty(), "{who} logged nothing");
        assert!(
            !text.as_bytes().contains(&0x1b),
            "{who}'s log file has escape bytes:\n{text}"
        );
    }
    // Asked for, colours are there (the same logs, to a pipe).
    let out = env
        .cmd()
        .args([
            "--color",
            "always",
            "agent",
            "--once",
            "--host",
            "nocolour-x",
        ])
        .args(["--app", "shop", "--state-dir"])
        .arg(env.path("state-x"))
        .env("DEPLOYCTL_LOG", "deployctl=debug")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stderr.contains(&0x1b), "{}", stderr(&out));
    // DEPLOYCTL_COLOR=never wins over nothing; NO_COLOR keeps auto plain (a pipe is plain anyway).
    let out = env
        .cmd()
        .args(["agent", "--once", "--host", "nocolour-y"])
        .args(["--app", "shop", "--state-dir"])
        .arg(env.path("state-y"))
        .env("DEPLOYCTL_LOG", "deployctl=debug")
        .env("DEPLOYCTL_COLOR", "never")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!out.stderr.is_empty() && !out.stderr.contains(&0x1b));
}

/// Counters and histogram counts only grow: scraped after one release, during the next and
/// after it, in both formats, the deploy-duration and rollout-duration counts never go down
/// (they were per-release snapshots that vanished when the next release began).
#[test]
fn metrics_totals_only_grow_across_releases() {
    let env = TestEnv::new("serve-metrics-grow");
    let hosts = hosts("grow", 2);
    let _agents = env.start_agents("shop", &hosts, &[]);
    let s = serve(&env, &[]);
    let total = |samples: &[Value], name: &str| -> f64 {
        samples
            .iter()
            .filter(|x| x["name"] == name && x["labels"]["app"] == "shop")
            .filter_map(|x| x["value"].as_f64())
            .sum()
    };
    let names = [
        "deployctl_host_deploy_duration_seconds_count",
        "deployctl_rollout_duration_seconds_count",
        "deployctl_halts_total",
        "deployctl_rollbacks_total",
    ];
    let mut last: Vec<f64> = vec![0.0; names.len()];
    let mut check = |when: &str| -> Vec<f64> {
        let (om, classic) = scrape_both(&s.addr);
        let now: Vec<f64> = names.iter().map(|n| total(&om, n)).collect();
        let classic_now: Vec<f64> = names.iter().map(|n| total(&classic, n)).collect();
        assert_eq!(now, classic_now, "{when}: both formats say the same");
        for (i, n) in names.iter().enumerate() {
            assert!(
                now[i] >= last[i],
                "{when}: {n} went down: {} -> {}",
                last[i],
                now[i]
            );
        }
        last = now.clone();
        now
    };
    let r1 = publish(
        &env,
        "shop",
        "1.0",
        &["--deploy-cmd", "true", "--slots", "2"],
    );
    env.wait_hosts("shop", &hosts, r1, &["healthy"], Duration::from_secs(60));
    let after1 = check("after release 1");
    assert_eq!(after1[0], 2.0, "two deploys observed");
    assert_eq!(after1[1], 1.0, "one rollout observed");
    // Release 2: one slot and a deploy that waits for a file, so one host is mid-deploy while
    // the other has not started.
    let gate = env.path("go");
    let cmd = format!("while [ ! -e {} ]; do sleep 0.05; done", gate.display());
    let r2 = publish(&env, "shop", "2.0", &["--deploy-cmd", &cmd, "--slots", "1"]);
    env.wait_for_deploying("shop", Duration::from_secs(60));
    let during = check("during release 2");
    assert_eq!(during[0], 2.0, "release 1's deploys still counted");
    std::fs::write(&gate, "").unwrap();
    env.wait_hosts("shop", &hosts, r2, &["healthy"], Duration::from_secs(60));
    let after2 = check("after release 2");
    assert_eq!(after2[0], 4.0, "{after2:?}");
    assert_eq!(after2[1], 2.0, "{after2:?}");
    // Scraping again counts nothing twice.
    assert_eq!(check("again"), after2);
}

/// `serve --output json` prints one document, `{"url": ...}` (serve.schema.json), and the API's
/// error answers are `{"error": ...}` (api-error.schema.json, checked by `Resp::json`).
#[test]
fn serve_json_line_and_api_errors_match_their_schemas() {
    let env = TestEnv::new("serve-json-line");
    let mut child = env
        .cmd()
        .args(["--output", "json", "serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("serve's first line");
    let doc = schema::parse(schema::Kind::Serve, line.as_bytes());
    let addr = doc["url"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let r = http(&addr, "GET", "/api/apps/nope", &[], b"");
    assert_eq!(r.status, 404, "{}", r.body);
    r.json();
    let r = http(
        &addr,
        "POST",
        "/api/apps/nope/pause",
        &[("Content-Type", "application/json")],
        b"{}",
    );
    assert!(r.status >= 400, "{}", r.body);
    r.json();
    let _ = child.kill();
    let _ = child.wait();
}

/// Clients that trickle their headers (slowloris) are cut off after the header-read timeout,
/// and the server answers everyone else meanwhile.
#[test]
fn slow_header_clients_are_disconnected() {
    use std::io::{Read, Write};
    let env = TestEnv::new("serve-slowloris");
    let s = serve(&env, &[]);
    let mut slow: Vec<std::net::TcpStream> = (0..50)
        .map(|_| {
            let mut c = std::net::TcpStream::connect(&s.addr).expect("connect");
            c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")
                .expect("partial headers");
            c.set_read_timeout(Some(Duration::from_millis(20)))
                .expect("read timeout");
            c
        })
        .collect();
    // Served meanwhile.
    assert_eq!(get(&s, "/api/apps").status, 200);
    // Every slow connection is closed by the server (end of file, or a reset): after the 10 s
    // header-read timeout, well before hyper's own 30 s default would (the bound tells them
    // apart with room for a loaded machine).
    let mut closed = vec![false; slow.len()];
    wait_until(
        "the slow connections to be closed",
        Duration::from_secs(25),
        || {
            for (c, done) in slow.iter_mut().zip(closed.iter_mut()) {
                let mut buf = [0u8; 512];
                match c.read(&mut buf) {
                    Ok(0) => *done = true,
                    // A 408 answer may come first; the close follows.
                    Ok(_) => {}
                    Err(e)
                        if e.kind() == std::io::ErrorKind::WouldBlock
                            || e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(_) => *done = true,
                }
            }
            closed.iter().all(|d| *d).then_some(())
        },
    );
    assert_eq!(get(&s, "/api/apps").status, 200);
}
