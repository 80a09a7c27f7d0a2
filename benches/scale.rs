//! Scale benchmark: one rollout per row against one local ZooKeeper, deployctl and the kazoo
//! Semaphore peer side by side in the same run. Rows: N separate `deployctl agent` processes
//! (`PROCS`, default 12), and N agents in this process (the agent as a library, one ZooKeeper
//! session each; `N`). Prints a table; docs/performance.md records the results.
//!
//! Per row: ZooKeeper requests and writes per host as the *server* counts them (`mntr`
//! zk_packets_received and `srvr` Zxid before/after the rollout, less the bench's own requests,
//! which `deployctl::zk::client::counts` knows), handoffs (the latest deploy end to the next
//! start, from the deploy commands' own timestamps), total/ideal, and the same for the peer.
//! Also the requests of one `deployctl publish` process (first and second release of an app).
//!
//! Reproduce: `pip install kazoo && cargo bench --bench scale`
//! (PROCS=12 PROC_SLOTS=3 PROC_D=0.5,0 N=100,500,1000 SLOTS=5 (percent) D=0.1,0 PEER=1
//! PEER_MAX_N=1000 IDLE_SECS=10 to change the runs).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use deployctl::agent::{self, AgentSettings};
use deployctl::model::ReleaseSpec;
use deployctl::zk::client::counts;
use deployctl::zk::semaphore::SLOT_WAKEUPS;
use deployctl::zk::server::{LocalZooKeeper, four_letter};
use deployctl::zk::{self, Zk, ZkOptions};

const BIN: &str = env!("CARGO_BIN_EXE_deployctl");

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

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// What the server has seen: packets received and the last zxid (one per write).
#[derive(Clone, Copy)]
struct Server {
    packets: i64,
    zxid: i64,
}

fn server(port: u16) -> Server {
    // Right after start the server answers "not currently serving requests" for a moment.
    for _ in 0..100 {
        let mntr = four_letter(port, "mntr").unwrap_or_default();
        let srvr = four_letter(port, "srvr").unwrap_or_default();
        let packets = mntr
            .lines()
            .find_map(|l| l.strip_prefix("zk_packets_received"))
            .and_then(|v| v.trim().parse().ok());
        let zxid = srvr
            .lines()
            .find_map(|l| l.strip_prefix("Zxid: 0x"))
            .and_then(|v| i64::from_str_radix(v.trim(), 16).ok());
        if let (Some(packets), Some(zxid)) = (packets, zxid) {
            return Server { packets, zxid };
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("ZooKeeper on port {port} does not answer mntr/srvr");
}

/// The deploy command: logs its start and end (ns) to `log`, sleeps `d` seconds in between.
fn command(log: &std::path::Path, d: f64) -> String {
    let log = log.display();
    let sleep = if d > 0.0 {
        format!("sleep {d}; ")
    } else {
        String::new()
    };
    format!("echo s $(date +%s%N) >> {log}; {sleep}echo e $(date +%s%N) >> {log}")
}

/// From a command log: (first start, handoff p50, handoff p99, total), seconds after `t0_ns`.
/// A handoff: a start after the first `slots`, from the latest end before it.
fn timings(log: &std::path::Path, t0_ns: u128, slots: u32) -> (f64, f64, f64, f64) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let at = |kind: &str| -> Vec<f64> {
        let mut v: Vec<f64> = text
            .lines()
            .filter_map(|l| l.strip_prefix(kind))
            .filter_map(|t| t.trim().parse::<u128>().ok())
            .map(|t| t.saturating_sub(t0_ns) as f64 / 1e9)
            .collect();
        v.sort_by(|a, b| a.total_cmp(b));
        v
    };
    let (starts, ends) = (at("s "), at("e "));
    let mut handoffs: Vec<f64> = starts
        .iter()
        .skip(slots as usize)
        .filter_map(|s| ends.iter().rev().find(|e| *e <= s).map(|e| s - e))
        .collect();
    (
        starts.first().copied().unwrap_or(f64::NAN),
        percentile(&mut handoffs.clone(), 0.5),
        percentile(&mut handoffs, 0.99),
        ends.last().copied().unwrap_or(f64::NAN),
    )
}

struct Side {
    requests_per_host: f64,
    writes_per_host: f64,
    first_start: f64,
    handoff_p50: f64,
    handoff_p99: f64,
    total: f64,
}

impl Side {
    /// One side of a row: the server's counts over `n` hosts, the timings from the command log.
    fn measured(
        packets: f64,
        zxids: f64,
        n: usize,
        log: &std::path::Path,
        t0: u128,
        slots: u32,
    ) -> Self {
        let (first_start, handoff_p50, handoff_p99, total) = timings(log, t0, slots);
        Side {
            requests_per_host: packets / n as f64,
            writes_per_host: zxids / n as f64,
            first_start,
            handoff_p50,
            handoff_p99,
            total,
        }
    }
}

struct Row {
    mode: &'static str,
    n: usize,
    slots: u32,
    d: f64,
    ours: Side,
    /// This process's own count of the agents' requests (in-process rows only).
    client_requests_per_host: Option<f64>,
    wakeups_per_release: Option<f64>,
    cpu: Option<f64>,
    peer: Option<Side>,
}

struct Env<'a> {
    opts: &'a ZkOptions,
    port: u16,
    dir: &'a std::path::Path,
    peer: bool,
    peer_max: usize,
}

/// The bench's own share of a rollout's traffic: one in-process publish of a fresh app's first
/// release (server packets, zxids, and this process's count), measured on an app no agent serves.
async fn publish_probe(env: &Env<'_>, zk: &Zk) -> (i64, i64, u64) {
    let app = "probe";
    zk.ensure_app(app).await.unwrap();
    let (s0, c0) = (server(env.port), counts());
    zk.publish(&spec_for(app, 1, "true".into()), true)
        .await
        .unwrap();
    let (s1, c1) = (server(env.port), counts());
    zk.delete_app(app).await.unwrap();
    (
        s1.packets - s0.packets,
        s1.zxid - s0.zxid,
        c1.since(&c0).requests(),
    )
}

/// Publish and wait (polling the ledger, one read each 20 ms) until all `n` hosts are
/// healthy. Returns the server's packets and zxids less the bench's own (the probe publish and
/// one read per poll), the start time, and the bench's own count of requests.
async fn rollout(env: &Env<'_>, zk: &Zk, spec: &ReleaseSpec, n: usize) -> (i64, i64, u128, u64) {
    let (probe_packets, probe_zxids, probe_count) = publish_probe(env, zk).await;
    eprintln!("  (publishing {} release)", spec.app);
    let s0 = server(env.port);
    let t0 = now_ns();
    let release = zk.publish(spec, true).await.unwrap().spec().release;
    let mut polls = 0;
    let ledger = zk.ledger_path(&spec.app, release);
    loop {
        polls += 1;
        // A plain read (exactly one request), not the agents' cached one. With a thousand
        // sessions on two cores the bench's own connection may drop: the client reconnects.
        match zk.client.get_data(&ledger).await {
            Ok((data, _)) => {
                let l: deployctl::model::Ledger = serde_json::from_slice(&data).unwrap();
                if l.healthy.len() == n {
                    break;
                }
            }
            Err(e) => eprintln!("  (polling the ledger: {e}; again)"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let s1 = server(env.port);
    eprintln!("  (rollout of {} done)", spec.app);
    // The probe's packets include one reading of the server (`mntr` and `srvr` are packets
    // too), as does this window: taking them off takes both off.
    let packets = s1.packets - s0.packets - probe_packets - polls;
    let zxids = s1.zxid - s0.zxid - probe_zxids;
    (packets, zxids, t0, probe_count + polls as u64)
}

fn run_peer(env: &Env<'_>, n: usize, slots: u32, d: f64, app: &str) -> Option<Side> {
    if !env.peer || n > env.peer_max {
        return None;
    }
    let log = env.dir.join(format!("{app}-peer.log"));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/kazoo_peer.py");
    let out = std::process::Command::new("python3")
        .args([
            script,
            "--zk",
            &env.opts.servers,
            "--n",
            &n.to_string(),
            "--slots",
            &slots.to_string(),
            "--cmd",
            &command(&log, d),
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
    let t0 = v["t0_ns"].as_u64()? as u128;
    let (packets, zxids) = (v["packets"].as_f64()?, v["zxids"].as_f64()?);
    Some(Side::measured(packets, zxids, n, &log, t0, slots))
}

fn spec_for(app: &str, slots: u32, cmd: String) -> ReleaseSpec {
    ReleaseSpec {
        slots,
        deploy_cmd: Some(cmd),
        ..ReleaseSpec::new(app, "1.0")
    }
}

/// N agents as separate `deployctl agent` processes.
async fn processes(env: &Env<'_>, n: usize, slots: u32, d: f64) -> Row {
    let app = format!("p{n}-{slots}-{}", (d * 1000.0) as u64);
    let zk = zk::connect(env.opts).await.unwrap();
    zk.ensure_app(&app).await.unwrap();
    let mut agents: Vec<std::process::Child> = (0..n)
        .map(|i| {
            std::process::Command::new(BIN)
                .args(["-q", "--zk", &env.opts.servers, "--zk-root", &env.opts.root])
                .args(["agent", "--host", &format!("h{i}"), "--app", &app])
                .arg("--state-dir")
                .arg(env.dir.join(format!("{app}/h{i}")))
                .spawn()
                .expect("deployctl agent")
        })
        .collect();
    while zk.registered(&app).await.unwrap().len() < n {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Let the agents settle (each reads the empty app and waits on its watch).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let log = env.dir.join(format!("{app}.log"));
    let spec = spec_for(&app, slots, command(&log, d));
    let (packets, zxids, t0, _) = rollout(env, &zk, &spec, n).await;
    let ours = Side::measured(packets as f64, zxids as f64, n, &log, t0, slots);
    for a in &mut agents {
        unsafe { libc::kill(a.id() as i32, libc::SIGTERM) };
    }
    for a in &mut agents {
        let _ = a.wait();
    }
    zk.delete_app(&app).await.unwrap();
    Row {
        mode: "processes",
        n,
        slots,
        d,
        ours,
        client_requests_per_host: None,
        wakeups_per_release: None,
        cpu: None,
        peer: run_peer(env, n, slots, d, &app),
    }
}

/// N agents in this process.
async fn in_process(env: &Env<'_>, n: usize, slots_pct: u32, d: f64) -> Row {
    let slots = ((n as u32 * slots_pct) / 100).max(1);
    let app = format!("b{n}-{slots}-{}", (d * 1000.0) as u64);
    let zk = zk::connect(env.opts).await.unwrap();
    zk.ensure_app(&app).await.unwrap();
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
            state_dir: env.dir.join(format!("{app}/h{i}")),
            zk: env.opts.clone(),
            once: false,
            trust: Default::default(),
            prometheus: Default::default(),
        };
        tasks.push(tokio::spawn(agent::run(settings, stop_rx.clone())));
    }
    while zk.registered(&app).await.unwrap().len() < n {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let log = env.dir.join(format!("{app}.log"));
    let spec = spec_for(&app, slots, command(&log, d));
    let wake0 = SLOT_WAKEUPS.load(Ordering::Relaxed);
    let cpu0 = cpu_secs();
    let all0 = counts();
    let (packets, zxids, t0, own) = rollout(env, &zk, &spec, n).await;
    let agents_count = counts().since(&all0).requests() - own;
    let cpu = cpu_secs() - cpu0;
    let wakeups = SLOT_WAKEUPS.load(Ordering::Relaxed) - wake0;
    let ours = Side::measured(packets as f64, zxids as f64, n, &log, t0, slots);
    let _ = stop.send(1);
    for t in tasks {
        let _ = t.await;
    }
    zk.delete_app(&app).await.unwrap();
    Row {
        mode: "in-process",
        n,
        slots,
        d,
        ours,
        client_requests_per_host: Some(agents_count as f64 / n as f64),
        wakeups_per_release: Some(wakeups as f64 / n as f64),
        cpu: Some(cpu),
        peer: run_peer(env, n, slots, d, &app),
    }
}

/// Requests (server packets, with the session's connect and close) and writes of one
/// `deployctl publish` process: the first and the second release of a fresh app.
fn publish_cost(env: &Env<'_>) -> Vec<(i64, i64)> {
    // `mntr` and `srvr` are packets too: what a reading of the server costs, taken off.
    let (a, b) = (server(env.port), server(env.port));
    let overhead = b.packets - a.packets;
    (1..=2)
        .map(|i| {
            let s0 = server(env.port);
            let out = std::process::Command::new(BIN)
                .args(["-q", "--zk", &env.opts.servers, "--zk-root", &env.opts.root])
                .args([
                    "publish",
                    "pubcost",
                    &format!("{i}.0"),
                    "--deploy-cmd",
                    "true",
                ])
                .output()
                .expect("deployctl publish");
            assert!(out.status.success(), "{:?}", out);
            let s1 = server(env.port);
            (s1.packets - s0.packets - overhead, s1.zxid - s0.zxid)
        })
        .collect()
}

/// A real agent process watching 10 apps, idle: RSS and CPU over `secs`.
fn idle_footprint(opts: &ZkOptions, secs: u64, dir: &std::path::Path) -> (u64, f64) {
    let mut cmd = std::process::Command::new(BIN);
    cmd.args(["-q", "--zk", &opts.servers, "--zk-root", &opts.root])
        .args(["agent", "--host", "idle", "--state-dir"])
        .arg(dir.join("idle"));
    for i in 0..10 {
        cmd.args(["--app", &format!("idle{i}")]);
    }
    let mut child = cmd.spawn().expect("deployctl agent");
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

fn ms(s: f64) -> String {
    format!("{:.1} ms", s * 1000.0)
}

fn print_row(r: &Row) {
    let o = &r.ours;
    let ideal = (r.n as f64 / r.slots as f64).ceil() * r.d;
    let ratio = |total: f64| {
        if ideal > 0.0 {
            format!("{:.2}", total / ideal)
        } else {
            "-".into()
        }
    };
    let peer = match &r.peer {
        Some(p) => format!(
            "{:.1} | {:.1} | {} | {} | {:.2} s | {} | {:.2}",
            p.requests_per_host,
            p.writes_per_host,
            ms(p.handoff_p50),
            ms(p.handoff_p99),
            p.total,
            ratio(p.total),
            p.total / o.total
        ),
        None => "- | - | - | - | - | - | -".into(),
    };
    let opt = |v: Option<f64>, prec: usize| v.map_or("-".into(), |v| format!("{v:.prec$}"));
    println!(
        "| {} | {} | {} | {} s | {:.1} | {} | {:.1} | {:.3} s | {} | {} | {:.2} s | {ideal:.1} s | {} | {peer} | {} | {} |",
        r.mode,
        r.n,
        r.slots,
        r.d,
        o.requests_per_host,
        opt(r.client_requests_per_host, 1),
        o.writes_per_host,
        o.first_start,
        ms(o.handoff_p50),
        ms(o.handoff_p99),
        o.total,
        ratio(o.total),
        opt(r.wakeups_per_release, 2),
        opt(r.cpu, 1),
    );
}

fn main() {
    let procs: Vec<usize> = list("PROCS", "12");
    let proc_slots: u32 = list("PROC_SLOTS", "3").first().copied().unwrap_or(3);
    let proc_ds: Vec<f64> = list("PROC_D", "0.5,0");
    let ns: Vec<usize> = list("N", "100,500,1000");
    let slot_pcts: Vec<u32> = list("SLOTS", "5");
    let ds: Vec<f64> = list("D", "0.1,0");
    let idle_secs: u64 = list("IDLE_SECS", "10").first().copied().unwrap_or(10);
    let dir = tempfile::tempdir().unwrap();
    let server_dir = dir.path().join("zk");
    let zk_server = LocalZooKeeper::start(&server_dir, 2000).expect("ZooKeeper");
    let port: u16 = zk_server
        .address()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    let opts = ZkOptions {
        servers: zk_server.address(),
        root: "/bench".into(),
        session_timeout: Duration::from_secs(20),
        connect_timeout: Duration::from_secs(30),
        ..Default::default()
    };
    let env = Env {
        opts: &opts,
        port,
        dir: dir.path(),
        peer: list::<u32>("PEER", "1").first() == Some(&1),
        peer_max: list("PEER_MAX_N", "1000").first().copied().unwrap_or(1000),
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cost = publish_cost(&env);
    println!(
        "publish (one process, with its session's connect and close): first release of an app {} requests, {} writes; second {} requests, {} writes\n",
        cost[0].0, cost[0].1, cost[1].0, cost[1].1
    );
    println!(
        "| agents | N | slots | D | requests/host (server) | requests/host (client count) | writes/host | first start | handoff p50 | handoff p99 | total | ideal | total/ideal | kazoo requests/host | kazoo writes/host | kazoo handoff p50 | kazoo handoff p99 | kazoo total | kazoo total/ideal | kazoo/deployctl | slot wake-ups per release | CPU s |"
    );
    println!(
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    let mut rows: Vec<(usize, u32, f64, bool)> = vec![];
    for &n in &procs {
        for &d in &proc_ds {
            rows.push((n, proc_slots, d, true));
        }
    }
    for &n in &ns {
        for &pct in &slot_pcts {
            for &d in &ds {
                rows.push((n, pct, d, false));
            }
        }
    }
    for (n, slots, d, separate) in rows {
        let started = Instant::now();
        let r = if separate {
            rt.block_on(processes(&env, n, slots, d))
        } else {
            rt.block_on(in_process(&env, n, slots, d))
        };
        print_row(&r);
        eprintln!("  (row took {:.1} s)", started.elapsed().as_secs_f64());
    }
    if idle_secs > 0 {
        let (rss, cpu_pct) = idle_footprint(&opts, idle_secs, dir.path());
        println!("\nidle agent, 10 apps, {idle_secs} s: RSS {rss} KiB, CPU {cpu_pct:.3}%");
    }
}
