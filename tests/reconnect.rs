//! A waiter keeps hearing the rollout after its ZooKeeper connection comes back (same session):
//! after a standalone server restart and after an ensemble leader kill, every host's progress
//! arrives and the verdict comes within 2 s of the last host turning healthy — not at the next
//! heartbeat re-read (docs/reliability.md, "persistent watches across reconnections").

mod common;

use std::io::BufRead;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::ensemble::Ensemble;
use common::*;
use deployctl::zk::server::LocalZooKeeper;
use serde_json::Value;

const T: Duration = Duration::from_secs(60);
const HOSTS: usize = 3;

/// A waiter with `--events`; its NDJSON lines arrive on the channel as they are printed.
struct Waiter {
    child: Child,
    lines: mpsc::Receiver<Value>,
    seen: Vec<Value>,
}

impl Waiter {
    fn spawn(env: &TestEnv, app: &str) -> Self {
        let mut child = env
            .cmd()
            .args(["wait-for-rollout", app, "--events", "--timeout", "120s"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn wait-for-rollout");
        let out = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(|l| l.ok()) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    common::schema::check(common::schema::Kind::WaitEvent, &v);
                    let _ = tx.send(v);
                }
            }
        });
        Waiter {
            child,
            lines,
            seen: vec![],
        }
    }

    /// Wait (bounded) for an event matching `pred`.
    fn expect(&mut self, what: &str, pred: impl Fn(&Value) -> bool) {
        let deadline = Instant::now() + T;
        if self.seen.iter().any(&pred) {
            return;
        }
        while let Ok(v) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            let hit = pred(&v);
            self.seen.push(v);
            if hit {
                return;
            }
        }
        panic!("waiter never reported {what}; events: {:#?}", self.seen);
    }

    /// Wait (bounded) for the exit; the exit's wall-clock time in ns, and the stderr.
    fn finish(mut self) -> (std::process::ExitStatus, u128, Vec<Value>, String) {
        let deadline = Instant::now() + Duration::from_secs(150);
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                break s;
            }
            assert!(Instant::now() < deadline, "waiter did not exit");
            std::thread::sleep(Duration::from_millis(20));
        };
        let exited = now_ns();
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        // The reader thread ends with the pipe.
        while let Ok(v) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(v);
        }
        (status, exited, self.seen, err)
    }
}

/// The scenario: 3 agents, slots 1, a 1 s deploy; a waiter starts, sees the first host
/// deploying, then `fault` breaks every client's connection. Every host must turn healthy after
/// the fault, the waiter must report each of them and exit 0 within 2 s of the last deploy's end.
///
/// The agents' sessions (`agent_session`) outlast the fault, so no presence vanishes: this is
/// about the waiter's watch, not about hosts coming and going.
fn waiter_survives(env: &TestEnv, agent_session: &str, fault: impl FnOnce()) {
    let app = "web";
    let names = hosts("h", HOSTS);
    let agents = env.start_agents(app, &names, &["--session-timeout", agent_session]);
    let agent_logs = || {
        agents
            .iter()
            .zip(&names)
            .map(|(a, h)| format!("--- agent {h}:\n{}", a.log()))
            .collect::<String>()
    };
    let log = env.path("d.log");
    let l = format!("log={}", log.display());
    let release = release_of(&env.json(&[
        "publish",
        app,
        "1.0",
        "--slots",
        "1",
        "--deploy-cmd",
        &logging_deploy("1"),
        "--get-version-cmd",
        GET_VERSION,
        "--var",
        &l,
    ]));
    let mut waiter = Waiter::spawn(env, app);
    // The waiter's watch is live: it reported a host deploying.
    waiter.expect("a host deploying", |v| {
        v["event"] == "host" && v["state"] == "deploying"
    });
    // The scenario is a waiter idle on its watch when the connection breaks (one caught in the
    // middle of a read takes its error path and a new session, which hides nothing).
    std::thread::sleep(Duration::from_millis(300));
    fault();
    let after_fault = now_ns();
    let (status, exited, events, err) = waiter.finish();
    assert!(status.success(), "waiter failed: {status}\n{err}");
    let finished = events.last().expect("events");
    assert_eq!(finished["event"], "finished", "{events:#?}");
    assert_eq!(finished["result"], "succeeded", "{events:#?}");
    for h in &names {
        assert!(
            events
                .iter()
                .any(|v| v["event"] == "host" && v["host"] == *h && v["state"] == "healthy"),
            "no healthy event for {h}: {events:#?}\n--- waiter:\n{err}{}",
            agent_logs()
        );
    }
    let st = env.status(app);
    for h in &names {
        assert_eq!(host(&st, h).unwrap()["release"], release);
    }
    // The last host turned healthy after the fault: the verdict needed the watch to be back.
    let last_end = intervals(&log)
        .iter()
        .filter_map(|i| i.end)
        .max()
        .expect("a finished deploy");
    assert!(
        last_end > after_fault,
        "every deploy ended before the fault was over; the scenario proves nothing"
    );
    let gap_ms = exited.saturating_sub(last_end) / 1_000_000;
    assert!(
        !err.contains("reconnecting"),
        "the waiter was caught mid-read and took a new session; the scenario proves nothing:\n{err}"
    );
    assert!(
        gap_ms < 2000,
        "the verdict came {gap_ms} ms after the last host turned healthy (deaf watch?)\n{err}"
    );
}

#[test]
fn waiter_hears_everything_after_a_server_restart() {
    // A server of our own (the shared one must not restart under other tests), on the same port
    // and data dir across the restart so sessions survive it. 2 s ticks allow sessions up to
    // 40 s: the waiter's (10 s) and the agents' (30 s) outlast the restart. The clients
    // reconnect on a backoff (…, 3.4 s, 6.6 s after the drop); the agent whose deploy runs
    // gives its session up after a third of its timeout (10 s), which a restart must not reach
    // for the scenario to hold (with 9 s sessions, a loaded machine's slow restart did).
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = LocalZooKeeper::start(dir.path(), 2000).expect("ZooKeeper");
    let env = TestEnv::with_servers("reconnect-restart", &server.address());
    waiter_survives(&env, "30s", || {
        server.stop();
        server.start_again().expect("ZooKeeper restarts");
    });
}

#[test]
fn waiter_hears_everything_after_a_leader_kill() {
    let mut ensemble = Ensemble::start();
    let env = TestEnv::with_servers("reconnect-leader", &ensemble.servers());
    // 250 ms ticks: 5 s is the longest session the ensemble grants.
    waiter_survives(&env, "5s", || {
        let leader = ensemble.leader().expect("a leader");
        ensemble.kill(leader);
        // The two others elect a new leader; clients of every member reconnect.
        let deadline = Instant::now() + T;
        while !ensemble
            .members
            .iter()
            .enumerate()
            .any(|(i, m)| i != leader && m.mode().as_deref() == Some("leader"))
        {
            assert!(Instant::now() < deadline, "no new leader");
            std::thread::sleep(Duration::from_millis(100));
        }
    });
}

/// ZooKeeper trouble in an agent's app task (here: its app deleted under it, so registering
/// fails; in the field: a session that expired while the agent was frozen) must not drop the
/// app — an agent serving only that app used to exit 0.
#[test]
fn an_agent_keeps_serving_an_app_through_zookeeper_errors() {
    let env = TestEnv::new("reconnect-app-errors");
    let names = hosts("e", 1);
    let agents = env.start_agents("web", &names, &[]);
    let publish = |v: &str| {
        release_of(&env.json(&[
            "publish",
            "web",
            v,
            "--deploy-cmd",
            "echo {{ version }} > version",
            "--get-version-cmd",
            GET_VERSION,
        ]))
    };
    let r = publish("1.0");
    env.wait_hosts("web", &names, r, &["healthy"], T);
    env.ok(&["apps", "delete", "web", "--force"]);
    let deadline = Instant::now() + T;
    while !agents[0].log().contains("registering") {
        assert!(Instant::now() < deadline, "no error:\n{}", agents[0].log());
        std::thread::sleep(Duration::from_millis(100));
    }
    let r = publish("2.0");
    let st = env.wait_hosts("web", &names, r, &["healthy"], T);
    assert_eq!(host(&st, "e1").unwrap()["version"], "2.0");
}

/// Bytes the server has not read yet on its connections on `port` (from /proc/net): a
/// request written by a client while the server is stopped sits there.
fn unread_by_server(port: u16) -> u64 {
    // Java listens on IPv6 sockets (IPv4 connections appear as mapped addresses in tcp6).
    let tcp = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect::<String>();
    let local = format!(":{port:04X}");
    tcp.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // local address, remote, state 01 (established), tx_queue:rx_queue
            (f.len() > 4 && f[1].ends_with(&local) && f[3] == "01").then(|| f[4].to_string())
        })
        .filter_map(|q| u64::from_str_radix(q.split(':').nth(1)?, 16).ok())
        .sum()
}

/// A read cut off by a lost connection is sent again once the session is back (a one-shot
/// command such as `status` or `history` used to exit 4 on a loaded machine's missed ping).
/// The read is written while the server is stopped (SIGSTOP), then the server is killed and
/// started again: the read fails with a connection loss in the client and must be resent.
#[test]
fn a_read_cut_by_a_lost_connection_is_sent_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = LocalZooKeeper::start(dir.path(), 1000).expect("ZooKeeper");
    let env = TestEnv::with_servers("reconnect-read", &server.address());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut opts = env.zk_options();
        opts.session_timeout = Duration::from_secs(15);
        let zk = deployctl::zk::connect(&opts).await.expect("connect");
        zk.publish(&deployctl::model::ReleaseSpec::new("web", "1.0"), true)
            .await
            .expect("publish");
        let path = zk.layout.app("web");
        let before = unread_by_server(server.port);
        let pid = server.pid().expect("running") as i32;
        unsafe { libc::kill(pid, libc::SIGSTOP) };
        let read = tokio::spawn(zk.client.get_data(&path));
        let deadline = Instant::now() + T;
        while unread_by_server(server.port) <= before {
            assert!(
                Instant::now() < deadline,
                "the read never reached the server"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        server.stop();
        server.start_again().expect("ZooKeeper restarts");
        let (data, _) = tokio::time::timeout(T, read)
            .await
            .expect("the read ends")
            .expect("the task")
            .expect("the read is sent again and answered");
        assert!(String::from_utf8_lossy(&data).contains("1.0"));
    });
}

/// A loopback TCP proxy to `target` whose server-to-client bytes are dropped while `mute` is
/// set: requests reach the server and are applied, their replies are lost.
fn muting_proxy(target: u16) -> (u16, std::sync::Arc<std::sync::atomic::AtomicBool>) {
    use std::io::{Read, Write};
    use std::sync::atomic::Ordering;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mute = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let m = mute.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().map_while(Result::ok) {
            let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", target)) else {
                continue;
            };
            let pipe =
                |mut from: std::net::TcpStream,
                 mut to: std::net::TcpStream,
                 mute: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>| {
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 16384];
                        while let Ok(n @ 1..) = from.read(&mut buf) {
                            if mute.as_ref().is_some_and(|m| m.load(Ordering::SeqCst)) {
                                continue;
                            }
                            if to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(std::net::Shutdown::Both);
                        let _ = from.shutdown(std::net::Shutdown::Both);
                    });
                };
            let (c2, s2) = (
                client.try_clone().expect("clone"),
                server.try_clone().expect("clone"),
            );
            pipe(client, server, None);
            pipe(s2, c2, Some(m.clone()));
        }
    });
    (port, mute)
}

/// A lease create whose reply is lost leaves a lease of ours we hold no handle to: it would
/// hold the app's only slot for the rest of the session, and the host's next try would wait
/// behind it for ever. The create goes through a proxy that drops the server's replies; the
/// server applies it, the client's ping times out and fails the create with a connection loss,
/// then the replies flow again and the session goes on. The same session and host's next queue
/// step must delete that lease, not wait behind it.
#[test]
fn a_lease_a_lost_reply_left_behind_is_deleted_not_waited_for() {
    use deployctl::model::ReleaseSpec;
    use deployctl::zk::semaphore::{SlotWait, Turn};
    use std::sync::atomic::Ordering;
    let env = TestEnv::new("reconnect-left-behind");
    let server_port: u16 = env
        .zk_options()
        .servers
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (port, mute) = muting_proxy(server_port);
    block_on(async {
        let direct = deployctl::zk::connect(&env.zk_options())
            .await
            .expect("connect");
        let mut opts = env.zk_options();
        opts.servers = format!("127.0.0.1:{port}");
        opts.session_timeout = Duration::from_secs(15);
        let zk = deployctl::zk::connect(&opts).await.expect("connect");
        let mut spec = ReleaseSpec::new("web", "1.0");
        spec.slots = 1;
        let spec = zk.publish(&spec, true).await.unwrap().spec().clone();
        // Another host of the same session (ssh-push queues many) is not ours to delete.
        let other = zk.enqueue("web", "h2").await.unwrap();

        mute.store(true, Ordering::SeqCst);
        let lost = {
            let zk = zk.clone();
            tokio::spawn(async move { zk.enqueue("web", "h1").await })
        };
        // Applied: the other session sees two leases.
        let deadline = Instant::now() + T;
        while direct.leases("web").await.unwrap().len() < 2 {
            assert!(
                Instant::now() < deadline,
                "the create never reached the server"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let failed = tokio::time::timeout(T, lost)
            .await
            .expect("the create ends");
        mute.store(false, Ordering::SeqCst);
        assert!(failed.expect("task").is_err(), "the create's reply arrived");

        let mut lease = zk.enqueue("web", "h1").await.unwrap();
        // h2 holds the slot: h1's step waits, having deleted only its own lease left behind.
        let names = |zk: &deployctl::zk::Zk| {
            let zk = zk.clone();
            async move {
                let leases = zk.leases("web").await.unwrap();
                leases.into_iter().map(|(n, _)| n).collect::<Vec<String>>()
            }
        };
        assert!(matches!(
            zk.try_acquire(&mut lease, 1).await.unwrap(),
            Turn::Wait(_)
        ));
        assert_eq!(
            names(&zk).await,
            vec![other.name.clone(), lease.name.clone()]
        );
        zk.release(&other).await.unwrap();
        let got = tokio::time::timeout(
            T,
            zk.wait_for_slot(&spec, &mut lease, std::future::pending()),
        )
        .await
        .expect("no slot: waiting behind our own lease a lost reply left behind")
        .unwrap();
        assert!(matches!(got, SlotWait::Holding));
        assert_eq!(names(&zk).await, vec![lease.name.clone()]);
    });
}

/// The server is down past a third of the agents' session timeout. The agent whose deploy runs
/// gives its session up (its command must be dead before the server could hand the slot on);
/// the one only waiting for the slot keeps its session, and with it its lease, presence and
/// place in the queue (it used to start a new session too: its presence vanished for a moment,
/// and a waiter could call the rollout done without it). Both finish once the server is back.
#[test]
fn a_waiting_agent_keeps_its_session_through_a_server_restart() {
    // 1 s ticks allow the 15 s sessions; the server restarts on its port and data dir, so
    // sessions survive it. Its client reconnects on a backoff (…, 3.4 s, 6.6 s, 13.2 s after
    // the drop), all within the 21 s it gives a session.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = LocalZooKeeper::start(dir.path(), 1000).expect("ZooKeeper");
    let env = TestEnv::with_servers("reconnect-keep", &server.address());
    let names = hosts("k", 2);
    let agents = env.start_agents("web", &names, &["--session-timeout", "15s"]);
    let gate = env.path("gate");
    let r = release_of(&env.json(&[
        "publish",
        "web",
        "1.0",
        "--slots",
        "1",
        "--deploy-cmd",
        &gated_deploy(&gate, "echo {{ version }} > version"),
        "--get-version-cmd",
        GET_VERSION,
    ]));
    let busy = env.wait_for_deploying("web", T);
    let (running, waiting) = if busy == names[0] { (0, 1) } else { (1, 0) };
    env.wait_status("web", T, "the other host queued", |st| {
        host(st, &names[waiting]).is_some_and(|h| h["message"] == "waiting for a slot")
    });
    server.stop();
    let logs = || {
        format!(
            "--- running:\n{}\n--- waiting:\n{}",
            agents[running].log(),
            agents[waiting].log()
        )
    };
    wait_until("both agents past a third of the session timeout", T, || {
        let (a, b) = (agents[running].log(), agents[waiting].log());
        (a.contains("while a command runs") && b.contains("the session is kept")).then_some(())
    });
    server.start_again().expect("ZooKeeper restarts");
    std::fs::write(&gate, "").unwrap();
    env.wait_hosts("web", &names, r, &["healthy"], T);
    let sessions = |i: usize| agents[i].log().matches("connected to ZooKeeper").count();
    assert_eq!(
        sessions(waiting),
        1,
        "the waiting agent took a new session\n{}",
        logs()
    );
    assert!(sessions(running) >= 2, "{}", logs());
    assert!(!agents[waiting].log().contains("abandoning"), "{}", logs());
}
