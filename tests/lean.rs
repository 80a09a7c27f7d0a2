//! Issue 15: lean coordination. How many ZooKeeper requests a host's rollout and a publish cost
//! (counted by the agents themselves and by the server), and the data cache's coherence: a
//! cached read never returns data older than what this session already saw from the server.

mod common;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::*;
use deployctl::model::ReleaseSpec;
use deployctl::zk::{self, server::four_letter};

const T: Duration = Duration::from_secs(60);
/// Bound for hearing a watch event on an idle server.
const HEAR: Duration = Duration::from_secs(20);

/// The server is shared by the tests of this binary: the counting test runs alone.
static SERVER: Mutex<()> = Mutex::new(());

/// (requests, reads, writes, multi-ops) from an agent's debug line for its release.
fn traffic(log: &str) -> Vec<(u64, u64, u64, u64)> {
    log.lines()
        .filter_map(|l| l.split("ZooKeeper traffic of this release: ").nth(1))
        .map(|t| {
            let nums: Vec<u64> = t
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|n| n.parse().ok())
                .collect();
            (nums[0], nums[1], nums[2], nums[3])
        })
        .collect()
}

/// Packets the server received so far (`mntr`).
fn packets(addr: &str) -> i64 {
    let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();
    let mntr = four_letter(port, "mntr").expect("mntr");
    mntr.lines()
        .find_map(|l| l.strip_prefix("zk_packets_received"))
        .and_then(|v| v.trim().parse().ok())
        .expect("zk_packets_received")
}

#[test]
fn a_rollout_and_a_publish_cost_few_requests() {
    let _alone = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let env = TestEnv::new("lean-counts");
    let names = hosts("l", 6);
    let agents: Vec<Agent> = names.iter().map(|h| env.agent(h, &["api"])).collect();
    env.wait_status("api", T, "6 agents registered", |st| {
        st["hosts"].as_array().is_some_and(|h| h.len() == 6)
    });
    let log = env.path("deploys.log");
    let release = release_of(&env.json(&[
        "publish",
        "api",
        "1.0",
        "--slots",
        "2",
        "--var",
        &format!("log={}", log.display()),
        "--deploy-cmd",
        &logging_deploy("0.2"),
    ]));
    env.wait_hosts("api", &names, release, &["healthy"], T);
    // Every host took a slot, deployed and recorded its outcome: at most 15 requests and 6
    // writes each (before issue 15: ~53 and ~9).
    for a in &agents {
        let counts = wait_until(&format!("{}'s traffic line", a.host), T, || {
            Some(traffic(&a.log())).filter(|t| !t.is_empty())
        });
        let [(requests, _reads, writes, multis)] = counts[..] else {
            panic!("{}: one release expected: {counts:?}\n{}", a.host, a.log());
        };
        eprintln!(
            "{}: {requests} requests, {writes} writes, {multis} multi-ops",
            a.host
        );
        assert!(requests <= 15, "{}: {requests} requests", a.host);
        assert!(
            writes + multis <= 6,
            "{}: {writes} + {multis} writes",
            a.host
        );
    }
    // The second release of an app, published by a process of its own: at most 6 requests with
    // the session's connect and close (before issue 15: ~26).
    drop(agents);
    let addr = env.servers.clone();
    let overhead = {
        let (a, b) = (packets(&addr), packets(&addr));
        b - a
    };
    let before = packets(&addr);
    env.ok(&["publish", "api", "2.0", "--deploy-cmd", "true"]);
    let cost = packets(&addr) - before - overhead;
    eprintln!("publish: {cost} requests");
    assert!(cost <= 6, "publish cost {cost} requests");
}

#[test]
fn cached_reads_never_go_back_behind_the_server() {
    let _alone = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let env = TestEnv::new("lean-cache");
    block_on(async {
        let a = zk::connect(&env.zk_options()).await.unwrap();
        let b = zk::connect(&env.zk_options()).await.unwrap();
        let r1 = b
            .publish(&ReleaseSpec::new("web", "1.0"), true)
            .await
            .unwrap()
            .spec()
            .release;

        // Cached, then changed by another session: the watch fires, the next read is fresh.
        let (read, watch) = a.read_spec_watched("web").await.unwrap();
        assert_eq!(read.spec().unwrap().release, r1);
        let r2 = b
            .publish(&ReleaseSpec::new("web", "2.0"), true)
            .await
            .unwrap()
            .spec()
            .release;
        tokio::time::timeout(T, watch.changed()).await.unwrap();
        assert_eq!(a.read_spec("web").await.unwrap().unwrap().0.release, r2);

        // Changed by another session, and this session has seen the change in a plain read of
        // the server: the cached read must not be older than that.
        let (ledger, _) = a.read_ledger("web", r2).await.unwrap().unwrap();
        assert!(ledger.healthy.is_empty());
        b.record_outcome("web", r2, "h1", deployctl::model::HostState::Healthy, 1)
            .await
            .unwrap();
        let path = a.ledger_path("web", r2);
        let deadline = Instant::now() + T;
        loop {
            let (data, _) = a.client.get_data(&path).await.unwrap();
            if String::from_utf8_lossy(&data).contains("h1") {
                break;
            }
            assert!(Instant::now() < deadline, "the server never showed h1");
        }
        let (ledger, _) = a.read_ledger("web", r2).await.unwrap().unwrap();
        assert_eq!(ledger.healthy, vec!["h1".to_string()]);

        // Our own write: the next cached read has it.
        a.record_outcome("web", r2, "h2", deployctl::model::HostState::Healthy, 1)
            .await
            .unwrap();
        let (ledger, _) = a.read_ledger("web", r2).await.unwrap().unwrap();
        assert_eq!(ledger.healthy, vec!["h1".to_string(), "h2".to_string()]);
    });
}

/// ZooKeeper before 3.9 keeps one watch mode per path and connection (ZOOKEEPER-4466): a one-shot
/// data watch set by a cached read on the path of this session's persistent recursive watch
/// turns that watch into a one-shot one, and after its first event the session hears nothing
/// under the path any more. `wait-for-rollout` watches the app node that way and reads the spec
/// from it: it must go on hearing every change.
#[test]
fn a_cached_read_does_not_cut_a_persistent_watch() {
    use deployctl::zk::watch::{PersistentWatch, WatchEvent};
    use zookeeper_client as zkc;
    let _alone = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let env = TestEnv::new("lean-persistent");
    block_on(async {
        let a = zk::connect(&env.zk_options()).await.unwrap();
        let b = zk::connect(&env.zk_options()).await.unwrap();
        b.publish(&ReleaseSpec::new("web", "1.0"), true)
            .await
            .unwrap();
        // Read (and cached, with a one-shot watch) before the persistent watch is added, as
        // `wait-for-rollout` does to resolve its target.
        assert_eq!(a.read_spec("web").await.unwrap().unwrap().0.version, "1.0");
        let app = a.layout.app("web");
        let mut watch =
            PersistentWatch::new(&a.client, &app, zkc::AddWatchMode::PersistentRecursive)
                .await
                .unwrap();
        // Until the watch reports the app node itself changed to `version`.
        async fn heard(w: &mut PersistentWatch, a: &zk::Zk, app: &str, version: &str) {
            loop {
                match tokio::time::timeout(HEAR, w.next()).await {
                    Ok(Ok(WatchEvent::Node(ev))) if ev.path == app => {
                        let (spec, _) = a.read_spec("web").await.unwrap().unwrap();
                        if spec.version == version {
                            return;
                        }
                    }
                    Ok(Ok(_)) => {}
                    other => panic!("waiting to hear {version} on {app}: {other:?}"),
                }
            }
        }
        assert_eq!(a.read_spec("web").await.unwrap().unwrap().0.version, "1.0");
        for version in ["2.0", "3.0", "4.0"] {
            b.publish(&ReleaseSpec::new("web", version), true)
                .await
                .unwrap();
            heard(&mut watch, &a, &app, version).await;
            // And a change below the app node, after the cached read re-read it.
            let child = format!("{app}/probe-{version}");
            b.client
                .create(
                    &child,
                    b"",
                    &zkc::CreateMode::Persistent.with_acls(zkc::Acls::anyone_all()),
                )
                .await
                .unwrap();
            loop {
                match tokio::time::timeout(HEAR, watch.next()).await {
                    Ok(Ok(WatchEvent::Node(ev))) if ev.path == child => break,
                    Ok(Ok(_)) => {}
                    other => panic!("waiting to hear {child}: {other:?}"),
                }
            }
        }
    });
}
