//! What signed releases cost an agent (docs/performance.md, "Signed releases").
//!
//! 1. Verification time: `signing::verify_release` on a realistic spec (every command, 12 vars,
//!    3 of them secret, steps, targets), ITERS times (default 5000): p50 / p99 / max. Also what
//!    signing costs the publisher.
//! 2. ZooKeeper requests: one `--once` agent pass over an unsigned release and over a signed one
//!    that the agent verifies (`require_signatures`), against a throwaway local ZooKeeper,
//!    counted by the client (`deployctl::zk::client::counts`). The check is pure: the two must
//!    be equal.
//!
//! Reproduce: `cargo bench --bench signing` (needs Debian's zookeeper and ssh-keygen).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use deployctl::agent::trust::TrustPolicy;
use deployctl::agent::{self, AgentSettings};
use deployctl::model::{ReleaseSpec, Step};
use deployctl::signing::{self, AllowedSigners, Signer};
use deployctl::zk::client::counts;
use deployctl::zk::server::LocalZooKeeper;
use deployctl::zk::{self, ZkOptions};

fn spec(app: &str, version: &str) -> ReleaseSpec {
    let mut s = ReleaseSpec::new(app, version);
    s.release = 42;
    s.deploy_cmd = Some("./deploy.sh {{ version }} --region {{ vars.region }}".into());
    s.get_version_cmd = Some("cat VERSION 2>/dev/null || true".into());
    s.health_cmd = Some("curl -fsS localhost:8080/health".into());
    s.pre_cmd = Some("./pre.sh".into());
    s.post_cmd = Some("./post.sh".into());
    s.on_failure_cmd = Some("./cleanup.sh".into());
    s.steps = Step::parse_list("1,pause,25%,100%").expect("steps");
    s.groups = vec!["web".into(), "edge".into()];
    for i in 0..12 {
        s.vars
            .insert(format!("var{i}"), format!("value-{i}-{}", "x".repeat(40)));
    }
    s.secret_vars = vec!["var0".into(), "var1".into(), "var2".into()];
    s
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn keygen(dir: &std::path::Path) -> (std::path::PathBuf, String) {
    let key = dir.join("key");
    let ok = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen (apt-get install openssh-client)")
        .success();
    assert!(ok, "ssh-keygen failed");
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("public key");
    (key, public.trim().to_string())
}

fn main() {
    let iters: usize = std::env::var("ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let dir = tempfile::tempdir().expect("temp dir");
    let (key, public) = keygen(dir.path());
    let trust_file = dir.path().join("allowed_signers");
    std::fs::write(&trust_file, format!("bench@example.com {public}\n")).expect("trust");
    let signer = Signer::load(&key, Duration::from_secs(3600)).expect("signer");
    let trust = AllowedSigners::load(&trust_file).expect("trust file");

    // 1. Time.
    let mut signed = spec("web", "1.0");
    let mut sign_us = vec![];
    for _ in 0..200 {
        let t = Instant::now();
        signer.sign(&mut signed, SystemTime::now()).expect("sign");
        sign_us.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let payload_len = signing::payload(&signed, 42, 0).len();
    let mut verify_us = Vec::with_capacity(iters);
    for _ in 0..iters {
        let t = Instant::now();
        let v = signing::verify_release(&trust, "web", &signed, SystemTime::now());
        verify_us.push(t.elapsed().as_secs_f64() * 1e6);
        assert!(v.is_ok());
    }
    println!("signed releases: {iters} verifications of a {payload_len}-byte payload");
    println!(
        "  verify  p50 {:.0} µs  p99 {:.0} µs  max {:.0} µs",
        percentile(&mut verify_us, 0.5),
        percentile(&mut verify_us, 0.99),
        percentile(&mut verify_us, 1.0)
    );
    println!(
        "  sign    p50 {:.0} µs  p99 {:.0} µs (publisher, 200 signatures)",
        percentile(&mut sign_us, 0.5),
        percentile(&mut sign_us, 0.99)
    );

    // 2. ZooKeeper requests of one agent pass, unsigned vs signed-and-verified.
    let server = LocalZooKeeper::start(&dir.path().join("zk"), 2000).expect("ZooKeeper");
    let opts = ZkOptions {
        servers: server.address(),
        root: "/bench-signing".into(),
        ..Default::default()
    };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let pass = |app: &str, sign: bool| -> u64 {
        rt.block_on(async {
            let zk = zk::connect(&opts).await.expect("connect");
            let mut s = ReleaseSpec::new(app, "1.0");
            s.deploy_cmd = Some("true".into());
            zk.publish_counted(&s, true, sign.then_some(&signer))
                .await
                .expect("publish");
            let mut trust_map = BTreeMap::new();
            if sign {
                trust_map.insert(
                    app.to_string(),
                    Arc::new(TrustPolicy {
                        signers: trust.clone(),
                        required: true,
                    }),
                );
            }
            let settings = AgentSettings {
                host: "h1".into(),
                apps: vec![app.to_string()],
                local: Default::default(),
                groups: vec![],
                allow_remote_commands: true,
                secret_names: vec![],
                state_dir: dir.path().join(format!("state-{app}")),
                zk: opts.clone(),
                once: true,
                trust: trust_map,
                prometheus: Default::default(),
            };
            let (_stop, stop_rx) = tokio::sync::watch::channel(0u8);
            let before = counts();
            let results = agent::run(settings, stop_rx).await.expect("agent");
            let used = counts().since(&before);
            for (app, r) in results {
                let st = r.expect("agent pass").expect("a status");
                assert_eq!(st.state.as_str(), "healthy", "{app}: {st:?}");
            }
            used.requests()
        })
    };
    let unsigned = pass("plain", false);
    let verified = pass("signed", true);
    let unsigned_again = pass("plain2", false);
    println!(
        "ZooKeeper requests of one agent pass (connect, register, deploy, report): unsigned {unsigned}, \
         signed and verified {verified}, unsigned again {unsigned_again}"
    );
    assert_eq!(
        verified, unsigned,
        "verification must add no ZooKeeper request"
    );
}
