//! Scale benchmark: N agents in one process (the agent as a library, one ZooKeeper session
//! each) against one local ZooKeeper; the same rollout by a kazoo Semaphore peer; and the idle
//! footprint of one real agent process. Prints a table; docs/performance.md records the results.
//!
//! Reproduce: `pip install kazoo && cargo bench --bench scale`
//! (N=100,500,1000 SLOTS=1,5 (percent) D=0.1,0 IDLE_SECS=60 PEER=1 PEER_MAX_N=500 to change the runs).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use deployctl::agent::{self, AgentSettings};
use deployctl::model::{HostState, ReleaseSpec, parse_time};
use deployctl::zk::semaphore::SLOT_WAKEUPS;
use deployctl::zk::server::LocalZooKeeper;
use deployctl::zk::{self, ZkOptions};

fn list<T: std::str::FromStr>(name: &str, default: &str) -> Vec<T> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_string())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("VmRSS:")
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU seconds (user + system) of this process and its reaped children.
fn cpu_secs() -> f64 {
    let mut total = 0.0;
    for who in [libc::RUSAGE_SELF, libc::RUSAGE_CHILDREN] {
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(who, &mut ru) };
        total += ru.ru_utime.tv_sec as f64 + ru.ru_utime.tv_usec as f64 / 1e6;
        total += ru.ru_stime.tv_sec as f64 + ru.ru_stime.tv_usec as f64 / 1e6;
    }
    total
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

struct Row {
    n: usize,
    slots: u32,
    d: f64,
    first_start: f64,
    handoff_p50: f64,
    handoff_p99: f64,
    total: f64,
    ideal: f64,
    wakeups_per_release: f64,
    rss_per_agent_kib: f64,
    cpu: f64,
    peer_total: Option<f64>,
}

async fn scenario(
    opts: &ZkOptions,
    n: usize,
    slots_pct: u32,
    d: f64,
    dir: &std::path::Path,
    peer: bool,
) -> Row {
    let slots = ((n as u32 * slots_pct) / 100).max(1);
    let app = format!("b{n}-{slots}-{}", (d * 1000.0) as u64);
    let zk = zk::connect(opts).await.unwrap();
    zk.ensure_app(&app).await.unwrap();
    let rss_before = rss_kib(std::process::id());
    let (stop, stop_rx) = tokio::sync::watch::channel(0u8);
    let mut tasks = vec![];
    for i in 0..n {
        let settings = AgentSettings {
            host: format!("h{i}"),
            apps: vec![app.clone()],
            local: Default::default(),
            groups: vec![],
            allow_remote_commands: true,
            secret_names: vec![],
            state_dir: dir.join(format!("{app}/h{i}")),
            zk: opts.clone(),
            once: false,
        };
        tasks.push(tokio::spawn(agent::run(settings, stop_rx.clone())));
    }
    while zk.hosts(&app).await.unwrap().len() < n {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rss_agents = rss_kib(std::process::id()).saturating_sub(rss_before) as f64 / n as f64;
    let cmd = if d > 0.0 {
        format!("sleep {d}")
    } else {
        "true".to_string()
    };
    let spec = ReleaseSpec {
        slots,
        deploy_cmd: Some(cmd.clone()),
        ..ReleaseSpec::new(&app, "1.0")
    };
    let wake0 = SLOT_WAKEUPS.load(Ordering::Relaxed);
    let cpu0 = cpu_secs();
    let t0 = SystemTime::now();
    let release = zk.publish(&spec, true).await.unwrap().spec().release;
    // Poll the release ledger (one read), not every status node: the bench must not be the load.
    loop {
        let healthy = zk
            .read_ledger(&app, release)
            .await
            .unwrap()
            .map_or(0, |(l, _)| l.healthy.len());
        if healthy == n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let statuses: Vec<_> = zk
        .statuses(&app)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|(_, s)| s.ok())
        .collect();
    let healthy = statuses
        .iter()
        .filter(|s| s.release == release && s.state == HostState::Healthy)
        .count();
    assert_eq!(healthy, n);
    let cpu = cpu_secs() - cpu0;
    let wakeups = SLOT_WAKEUPS.load(Ordering::Relaxed) - wake0;
    let secs = |t: &Option<String>| {
        t.as_deref()
            .and_then(parse_time)
            .and_then(|t| t.duration_since(t0).ok())
            .map(|d| d.as_secs_f64())
            .unwrap_or(f64::NAN)
    };
    let mut starts: Vec<f64> = statuses.iter().map(|s| secs(&s.started_at)).collect();
    let mut ends: Vec<f64> = statuses.iter().map(|s| secs(&s.finished_at)).collect();
    starts.sort_by(|a, b| a.total_cmp(b));
    ends.sort_by(|a, b| a.total_cmp(b));
    // A handoff: a start after the first `slots`, measured from the latest finish before it.
    let mut handoffs: Vec<f64> = starts
        .iter()
        .skip(slots as usize)
        .filter_map(|s| ends.iter().rev().find(|e| *e <= s).map(|e| s - e))
        .collect();
    let total = ends.last().copied().unwrap_or(f64::NAN);
    let _ = stop.send(1);
    for t in tasks {
        let _ = t.await;
    }
    let peer_max: usize = list("PEER_MAX_N", "500").first().copied().unwrap_or(500);
    // Each kazoo agent is a client plus two Python threads: the peer stops scaling first.
    let peer_total = if peer && n <= peer_max {
        run_peer(opts, n, slots, &cmd, &app)
    } else {
        None
    };
    zk.delete_app(&app).await.unwrap();
    Row {
        n,
        slots,
        d,
        first_start: starts.first().copied().unwrap_or(f64::NAN),
        handoff_p50: percentile(&mut handoffs.clone(), 0.5),
        handoff_p99: percentile(&mut handoffs, 0.99),
        total,
        ideal: (n as f64 / slots as f64).ceil() * d,
        wakeups_per_release: wakeups as f64 / n as f64,
        rss_per_agent_kib: rss_agents,
        cpu,
        peer_total,
    }
}

fn run_peer(opts: &ZkOptions, n: usize, slots: u32, cmd: &str, app: &str) -> Option<f64> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/kazoo_peer.py");
    let out = std::process::Command::new("python3")
        .args([
            script,
            "--zk",
            &opts.servers,
            "--n",
            &n.to_string(),
            "--slots",
            &slots.to_string(),
            "--cmd",
            cmd,
        ])
        .args(["--path", &format!("/kazoo-peer/{app}")])
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "kazoo peer failed (pip install kazoo): {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    v["total"].as_f64()
}

/// A real agent process watching 10 apps, idle: RSS and CPU over `secs`.
fn idle_footprint(opts: &ZkOptions, secs: u64, dir: &std::path::Path) -> (u64, f64) {
    let bin = std::env::var("DEPLOYCTL_BIN").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/deployctl").into()
    });
    let mut cmd = std::process::Command::new(&bin);
    cmd.args([
        "-q",
        "--zk",
        &opts.servers,
        "--zk-root",
        &opts.root,
        "agent",
        "--host",
        "idle",
        "--state-dir",
    ])
    .arg(dir.join("idle"));
    for i in 0..10 {
        cmd.args(["--app", &format!("idle{i}")]);
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("{bin}: {e} (cargo build --release first)"));
    std::thread::sleep(Duration::from_secs(2));
    let ticks = |pid: u32| -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let f: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
            + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
    };
    let c0 = ticks(child.id());
    std::thread::sleep(Duration::from_secs(secs));
    let cpu = (ticks(child.id()) - c0) as f64 / 100.0;
    let rss = rss_kib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    (rss, cpu / secs as f64 * 100.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // The agent runs each command under `<current exe> exec-guard -- SCRIPT`: here that is us.
    if args.get(1).map(String::as_str) == Some("exec-guard") {
        std::process::exit(deployctl::agent::guard::run(
            args.last().map(String::as_str).unwrap_or("true"),
        ));
    }
    let ns: Vec<usize> = list("N", "100,500,1000");
    let slot_pcts: Vec<u32> = list("SLOTS", "1,5");
    let ds: Vec<f64> = list("D", "0.1,0");
    let idle_secs: u64 = list("IDLE_SECS", "60").first().copied().unwrap_or(60);
    let peer = list::<u32>("PEER", "1").first() == Some(&1);
    let dir = tempfile::tempdir().unwrap();
    let server = LocalZooKeeper::start(&dir.path().join("zk"), 2000).expect("ZooKeeper");
    let opts = ZkOptions {
        servers: server.address(),
        root: "/bench".into(),
        session_timeout: Duration::from_secs(20),
        connect_timeout: Duration::from_secs(30),
        ..Default::default()
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    println!(
        "| N | slots | D | first start | handoff p50 | handoff p99 | total | ideal | total/ideal | kazoo total | kazoo/deployctl | slot wake-ups per release | RSS per agent | CPU s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for &n in &ns {
        for &pct in &slot_pcts {
            for &d in &ds {
                let started = Instant::now();
                let r = rt.block_on(scenario(&opts, n, pct, d, dir.path(), peer));
                let ratio = if r.ideal > 0.0 {
                    format!("{:.2}", r.total / r.ideal)
                } else {
                    "-".into()
                };
                let (peer_total, peer_ratio) = match r.peer_total {
                    Some(p) => (format!("{p:.2} s"), format!("{:.2}", p / r.total)),
                    None => ("-".into(), "-".into()),
                };
                println!(
                    "| {} | {} | {} s | {:.3} s | {:.1} ms | {:.1} ms | {:.2} s | {:.1} s | {ratio} | {peer_total} | {peer_ratio} | {:.2} | {:.0} KiB | {:.1} |",
                    r.n,
                    r.slots,
                    r.d,
                    r.first_start,
                    r.handoff_p50 * 1000.0,
                    r.handoff_p99 * 1000.0,
                    r.total,
                    r.ideal,
                    r.wakeups_per_release,
                    r.rss_per_agent_kib,
                    r.cpu
                );
                eprintln!("  (scenario took {:.1} s)", started.elapsed().as_secs_f64());
            }
        }
    }
    if idle_secs > 0 {
        let (rss, cpu_pct) = idle_footprint(&opts, idle_secs, dir.path());
        println!("\nidle agent, 10 apps, {idle_secs} s: RSS {rss} KiB, CPU {cpu_pct:.3}%");
    }
}
