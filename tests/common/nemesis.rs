//! The nemesis: Jepsen-style randomized schedules against real processes (issue 23).
//!
//! A seed gives a schedule (`generate`): releases published with random slots, steps, canary,
//! bake time, health failures, failure budget, auto-rollback and progress deadline; operator
//! commands (promote, pause, resume, abort, rollback); 1–3 `wait-for-rollout --output json`
//! waiters per release (some `--on-timeout rollback` with a short timeout); and faults: agents
//! SIGKILLed or SIGSTOPped (alone or with their whole process tree, also at chosen moments: in a
//! health check, in a deploy, waiting at a gate), the standalone ZooKeeper restarted, ensemble
//! members killed or frozen. Every fault heals at the end of the schedule.
//!
//! `Nemesis::run` plays the schedule against a real ZooKeeper, real `deployctl agent` processes
//! and real CLI processes, recording a history: the deploy, health and finalize commands append
//! to one log (host, app, version, `{{ release }}`, `$DEPLOYCTL_RELEASE`, nanosecond times), the
//! harness records its own operations, faults and every waiter's exit code and JSON, and at the
//! end reads `status` and `history`. `check` then asserts the invariants over that history and
//! returns every violation (it never stops at the first).
//!
//! Used by `tests/nemesis.rs` (a short fixed-seed pass) and `benches/nemesis.rs` (a soak).
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::common::ensemble::Ensemble;
use crate::common::{Agent, TestEnv, max_overlap, now_ns};
use deployctl::zk::server::LocalZooKeeper;
use serde_json::Value;

/// Session timeout every nemesis agent announces (the default of `TestEnv::agent`).
const SESSION_NS: u128 = 2_000_000_000;
/// Verdict bound after the faults heal.
const FINAL_WAIT: &str = "60s";

// ---------------------------------------------------------------------------------------------
// Randomness

/// splitmix64: tiny, deterministic, replayable from the printed seed.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p && p > 0.0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

// ---------------------------------------------------------------------------------------------
// Schedules

#[derive(Debug, Clone)]
pub struct ReleasePlan {
    pub slots: u64,
    pub steps: Option<&'static str>,
    pub canary: Option<u64>,
    pub bake_ms: u64,
    /// Hosts whose health check fails for this release's version.
    pub failing: BTreeSet<usize>,
    pub max_failures: String,
    pub auto_rollback: bool,
    pub progress_deadline_ms: Option<u64>,
    pub finalize: bool,
    pub deploy_ms: u64,
    pub health_ms: u64,
    pub waiters: Vec<WaiterPlan>,
    /// Published with `--override-freeze` (break glass: it rolls out through a freeze).
    pub override_freeze: bool,
}

#[derive(Debug, Clone)]
pub struct WaiterPlan {
    pub timeout_s: u64,
    pub on_timeout_rollback: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Deploy,
    Health,
    /// Waiting at a step or gate (status `waiting`).
    Waiting,
}

#[derive(Debug, Clone)]
pub enum Fault {
    /// SIGKILL the agent (its supervisor kills the running command), restart after `ms`.
    KillAgent { host: usize, restart_ms: u64 },
    /// SIGKILL the agent and every process below it, restart after `ms`.
    KillTree { host: usize, restart_ms: u64 },
    /// SIGSTOP the agent alone (its command's supervisor sees the heartbeats stop), SIGCONT after.
    StopAgent { host: usize, ms: u64 },
    /// SIGSTOP the agent's whole process tree, SIGCONT after `ms`.
    FreezeTree { host: usize, ms: u64 },
    /// Wait (bounded) until some host is in `phase`, then SIGKILL its agent (tree), restart after.
    KillWhen {
        phase: Phase,
        tree: bool,
        restart_ms: u64,
    },
    /// Standalone ZooKeeper killed, started again on the same port and data after `ms`.
    ZkRestart { ms: u64 },
    /// Ensemble member (`None`: the leader) killed, restarted after `ms`.
    MemberKill { member: Option<usize>, ms: u64 },
    /// Ensemble member frozen with SIGSTOP for `ms`.
    MemberFreeze { member: usize, ms: u64 },
}

#[derive(Debug, Clone)]
pub enum Op {
    Publish(Box<ReleasePlan>),
    Promote {
        all: bool,
    },
    Pause,
    Resume,
    Abort,
    Rollback,
    /// `deployctl freeze APP --until <ms>`: no host starts a deploy until it ends (by itself).
    Freeze {
        until_ms: u64,
    },
    Unfreeze,
    Fault(Fault),
}

#[derive(Debug, Clone)]
pub struct Schedule {
    pub seed: u64,
    pub hosts: usize,
    pub ensemble: bool,
    /// (delay before, operation)
    pub ops: Vec<(u64, Op)>,
}

fn release_plan(rng: &mut Rng, hosts: usize) -> ReleasePlan {
    let steps = *rng.pick(&[
        None,
        None,
        Some("1,100%"),
        Some("1,pause,100%"),
        Some("1,pause,100%"),
        Some("1,50%,100%"),
        Some("1,pause 2s,100%"),
    ]);
    let canary = if steps.is_none() && rng.chance(0.3) {
        Some(1)
    } else {
        None
    };
    // A manual gate is where a release hangs: there the waiters that roll back on a timeout
    // matter most, and a release every host fails is less interesting.
    let gated = steps.is_some_and(|s| s.split(',').any(|i| i == "pause"));
    let p = if gated {
        *rng.pick(&[0.0, 0.0, 0.3])
    } else {
        *rng.pick(&[0.0, 0.0, 0.0, 0.3, 1.0])
    };
    let failing = (0..hosts).filter(|_| rng.chance(p)).collect();
    let max_failures = match rng.below(4) {
        0 | 1 => "0".to_string(),
        2 => "1".to_string(),
        _ => hosts.to_string(),
    };
    // CI jobs of one pipeline share their config: the waiters that roll back on a timeout have
    // the same (short) timeout, and race when it passes.
    let rb_timeout = rng.range(2, 4);
    let waiters = (0..rng.range(1, 3))
        .map(|_| {
            let rb = rng.chance(if gated { 0.8 } else { 0.5 });
            WaiterPlan {
                timeout_s: if rb { rb_timeout } else { 90 },
                on_timeout_rollback: rb,
            }
        })
        .collect();
    ReleasePlan {
        slots: rng.range(1, 3),
        steps,
        canary,
        bake_ms: *rng.pick(&[0, 0, 500, 1500]),
        failing,
        max_failures,
        auto_rollback: rng.chance(0.4),
        progress_deadline_ms: if rng.chance(0.3) {
            Some(rng.range(3000, 6000))
        } else {
            None
        },
        finalize: rng.chance(0.5),
        deploy_ms: rng.range(200, 400),
        health_ms: rng.range(250, 500),
        waiters,
        override_freeze: false,
    }
}

/// The schedule a seed stands for.
pub fn generate(seed: u64) -> Schedule {
    let mut rng = Rng::new(seed);
    let hosts = rng.range(3, 4) as usize;
    let ensemble = rng.below(5) == 0;
    let mut ops = vec![(0, Op::Publish(Box::new(release_plan(&mut rng, hosts))))];
    let n = rng.range(4, 9);
    for _ in 0..n {
        let delay = rng.range(100, 1500);
        let op = match rng.below(20) {
            0 | 1 => Op::Publish(Box::new(release_plan(&mut rng, hosts))),
            2 | 3 => Op::Promote {
                all: rng.chance(0.2),
            },
            4 => Op::Pause,
            5 => Op::Resume,
            6 => Op::Abort,
            7 => Op::Rollback,
            8 | 9 => Op::Fault(Fault::KillAgent {
                host: rng.below(hosts as u64) as usize,
                restart_ms: rng.range(100, 3000),
            }),
            10 => Op::Fault(Fault::KillTree {
                host: rng.below(hosts as u64) as usize,
                restart_ms: rng.range(100, 3000),
            }),
            11 => Op::Fault(Fault::StopAgent {
                host: rng.below(hosts as u64) as usize,
                ms: rng.range(300, 3000),
            }),
            12 => Op::Fault(Fault::FreezeTree {
                host: rng.below(hosts as u64) as usize,
                ms: rng.range(300, 3000),
            }),
            13..=16 => Op::Fault(Fault::KillWhen {
                phase: *rng.pick(&[
                    Phase::Health,
                    Phase::Health,
                    Phase::Deploy,
                    Phase::Waiting,
                    Phase::Waiting,
                ]),
                tree: rng.chance(0.3),
                restart_ms: rng.range(100, 4000),
            }),
            _ if ensemble => {
                if rng.chance(0.5) {
                    Op::Fault(Fault::MemberKill {
                        member: if rng.chance(0.5) {
                            None
                        } else {
                            Some(rng.below(3) as usize)
                        },
                        ms: rng.range(500, 2500),
                    })
                } else {
                    Op::Fault(Fault::MemberFreeze {
                        member: rng.below(3) as usize,
                        ms: rng.range(500, 2500),
                    })
                }
            }
            _ => Op::Fault(Fault::ZkRestart {
                ms: rng.range(300, 2000),
            }),
        };
        ops.push((delay, op));
    }
    Schedule {
        seed,
        hosts,
        ensemble,
        ops,
    }
}

/// The schedule of `generate(seed)` with deploy freezes added from a second stream of the
/// seed (the first stream's schedule is untouched): 1–3 freezes that end by themselves after 1–4
/// s (agents must wake for it), now and then an early `unfreeze`, and some releases published
/// with `--override-freeze` (the others, published while frozen, are refused: exit 2).
pub fn generate_with_freezes(seed: u64) -> Schedule {
    let mut s = generate(seed);
    let mut rng = Rng::new(seed ^ 0xF4EE_2E00);
    for (_, op) in s.ops.iter_mut() {
        if let Op::Publish(plan) = op {
            plan.override_freeze = rng.chance(0.3);
        }
    }
    for _ in 0..rng.range(1, 3) {
        let at = rng.range(1, s.ops.len() as u64) as usize;
        let freeze = Op::Freeze {
            until_ms: rng.range(1000, 4000),
        };
        if rng.chance(0.3) {
            s.ops.insert(at, (rng.range(200, 1500), Op::Unfreeze));
        }
        s.ops.insert(at, (rng.range(100, 800), freeze));
    }
    s
}

// ---------------------------------------------------------------------------------------------
// History

#[derive(Debug, Clone)]
pub struct LogLine {
    pub kind: String,
    pub host: String,
    pub app: String,
    pub version: String,
    /// `{{ release }}` as rendered.
    pub release_tmpl: String,
    /// `$DEPLOYCTL_RELEASE`.
    pub release: u64,
    pub t: u128,
}

fn parse_log(path: &Path) -> Vec<LogLine> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let p: Vec<&str> = l.split_whitespace().collect();
            let [kind, host, app, version, rt, r, t] = p[..] else {
                return None;
            };
            Some(LogLine {
                kind: kind.into(),
                host: host.into(),
                app: app.into(),
                version: version.into(),
                release_tmpl: rt.into(),
                release: r.parse().ok()?,
                t: t.parse().ok()?,
            })
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct WaiterRecord {
    pub release: u64,
    pub args: Vec<String>,
    pub started: u128,
    pub exited: Option<u128>,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub summary: Option<Value>,
    /// The final waits of the heal phase.
    pub final_wait: bool,
}

#[derive(Debug, Clone)]
pub struct OpRecord {
    pub what: String,
    /// The release the command acted on (from its JSON), if any.
    pub release: Option<u64>,
    pub code: Option<i32>,
    pub start: u128,
    pub end: u128,
}

#[derive(Debug, Clone, Default)]
pub struct FaultLog {
    /// (host, when) the agent (and maybe its tree) was killed.
    pub kills: Vec<(String, u128)>,
    /// (host, from, to): the agent's whole tree frozen.
    pub tree_freezes: Vec<(String, u128, u128)>,
    /// (host, from): the agent alone stopped.
    pub agent_stops: Vec<(String, u128)>,
    /// ZooKeeper disruptions (restart, member kill or freeze): (from, to).
    pub zk: Vec<(u128, u128)>,
}

#[derive(Debug, Clone)]
pub struct PublishRecord {
    pub release: u64,
    pub version: String,
    pub plan: ReleasePlan,
}

#[derive(Debug, Clone)]
pub struct History {
    pub seed: u64,
    pub app: String,
    pub hosts: Vec<String>,
    pub secret: String,
    pub log: Vec<LogLine>,
    pub publishes: Vec<PublishRecord>,
    pub ops: Vec<OpRecord>,
    pub waiters: Vec<WaiterRecord>,
    pub faults: FaultLog,
    pub status: Option<Value>,
    pub status_text: String,
    pub history: Option<Value>,
    pub history_text: String,
    pub agent_logs: String,
    /// When the schedule started and ended (ns since the epoch).
    pub t0: u128,
    pub end: u128,
}

impl History {
    /// A time as seconds since the schedule started, for messages.
    fn at(&self, t: u128) -> String {
        format!("+{:.3}s", (t.saturating_sub(self.t0)) as f64 / 1e9)
    }

    /// The faults that hit `host` in `from..=to`, for messages.
    fn faults_on(&self, host: &str, from: u128, to: u128) -> String {
        let mut out: Vec<String> = vec![];
        for (h, t) in &self.faults.kills {
            if h == host && (from..=to).contains(t) {
                out.push(format!("agent killed at {}", self.at(*t)));
            }
        }
        for (h, t, _) in &self.faults.tree_freezes {
            if h == host && (from..=to).contains(t) {
                out.push(format!("tree frozen at {}", self.at(*t)));
            }
        }
        for (h, t) in &self.faults.agent_stops {
            if h == host && (from..=to).contains(t) {
                out.push(format!("agent stopped at {}", self.at(*t)));
            }
        }
        for (a, b) in &self.faults.zk {
            if *b >= from && *a <= to {
                out.push(format!(
                    "ZooKeeper disrupted {}..{}",
                    self.at(*a),
                    self.at(*b)
                ));
            }
        }
        if out.is_empty() {
            "no fault on it".into()
        } else {
            out.join(", ")
        }
    }
}

#[derive(Debug, Clone)]
pub struct Violation {
    pub seed: u64,
    pub invariant: &'static str,
    pub detail: String,
    /// The waiters that saw it (the same fact seen by several waiters is one violation).
    pub seen_by: Vec<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "seed {} [{}] {}", self.seed, self.invariant, self.detail)?;
        for w in &self.seen_by {
            write!(f, "\n  seen by {w}")?;
        }
        write!(
            f,
            "\n  reproduce: NEMESIS_SEED={} cargo test --test nemesis -- --nocapture",
            self.seed
        )
    }
}

#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub ops: usize,
    pub faults: usize,
    pub skipped_faults: usize,
    pub violations: Vec<Violation>,
    pub elapsed: Duration,
}

// ---------------------------------------------------------------------------------------------
// Processes

/// Every process below `pid` (children first found, by scanning /proc).
fn descendants(pid: u32) -> Vec<u32> {
    let mut parent: Vec<(u32, u32)> = vec![];
    if let Ok(rd) = std::fs::read_dir("/proc") {
        for e in rd.flatten() {
            let Ok(p) = e.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
                continue;
            };
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
            let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
                continue;
            };
            if let Some(pp) = rest.split_whitespace().nth(1).and_then(|s| s.parse().ok()) {
                parent.push((p, pp));
            }
        }
    }
    let mut out = vec![];
    let mut frontier = vec![pid];
    while let Some(p) = frontier.pop() {
        for (c, _) in parent.iter().filter(|(_, pp)| *pp == p) {
            out.push(*c);
            frontier.push(*c);
        }
    }
    out
}

fn signal(pid: u32, sig: i32) {
    // SAFETY: kill(2) on a process this harness started (or one below it).
    unsafe {
        libc::kill(pid as libc::pid_t, sig);
    }
}

/// Stop an agent and everything below it; the pids, to continue later.
fn freeze_tree(agent: &Agent) -> Vec<u32> {
    let Some(pid) = agent.pid() else {
        return vec![];
    };
    signal(pid, libc::SIGSTOP);
    let mut all = vec![pid];
    // Twice: a child forked between the scan and its parent's stop is found the second time.
    for _ in 0..2 {
        for d in descendants(pid) {
            if !all.contains(&d) {
                signal(d, libc::SIGSTOP);
                all.push(d);
            }
        }
    }
    all
}

fn kill_tree(agent: &mut Agent) {
    let frozen = freeze_tree(agent);
    for p in frozen.iter().skip(1) {
        signal(*p, libc::SIGKILL);
    }
    agent.kill9();
}

/// A background CLI process whose output goes to files (no pipe to fill).
struct Bg {
    child: Child,
    out: PathBuf,
    err: PathBuf,
    rec: usize,
}

impl Drop for Bg {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

enum Heal {
    Restart(usize),
    Cont(Vec<u32>, usize),
    Zk,
    Member(usize),
    Thaw(usize),
}

// ---------------------------------------------------------------------------------------------
// The cluster and the runner

static RUNS: AtomicU64 = AtomicU64::new(0);

/// ZooKeeper servers the schedules run on: a standalone server this harness owns (so it can
/// restart it) and, for some schedules, a 3-node ensemble. Both are started on first use.
#[derive(Default)]
pub struct Nemesis {
    zk: Option<(tempfile::TempDir, LocalZooKeeper)>,
    ensemble: Option<Ensemble>,
    /// Print progress to stderr.
    pub verbose: bool,
}

fn scripts(dir: &Path) {
    let log = dir.join("history.log");
    let line = |kind: &str| {
        format!(
            "echo \"{kind} $DEPLOYCTL_HOST $DEPLOYCTL_APP $DEPLOYCTL_VERSION $REL $DEPLOYCTL_RELEASE $(date +%s%N)\" >> {}",
            log.display()
        )
    };
    // deploy.sh RELEASE_TMPL SLEEP TOKEN
    std::fs::write(
        dir.join("deploy.sh"),
        format!(
            "REL=$1\n{}\necho \"deploying with token $3\"\nsleep $2\n{}\necho \"$DEPLOYCTL_VERSION\" > version\n",
            line("start"),
            line("end")
        ),
    )
    .unwrap();
    // health.sh RELEASE_TMPL SLEEP FAILDIR
    std::fs::write(
        dir.join("health.sh"),
        format!(
            "REL=$1\n{}\nsleep $2\nif [ -e \"$3/fail-$DEPLOYCTL_HOST-$DEPLOYCTL_VERSION\" ]; then\n{}\nexit 1\nfi\n{}\n",
            line("hstart"),
            line("hfail"),
            line("hok")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("finalize.sh"),
        format!("REL=$1\n{}\n", line("final")),
    )
    .unwrap();
}

struct Run<'a> {
    nem: &'a mut Nemesis,
    env: TestEnv,
    app: String,
    names: Vec<String>,
    agents: Vec<Agent>,
    dead: BTreeSet<usize>,
    heals: Vec<(Instant, Heal)>,
    waiters: Vec<Bg>,
    hist_waiters: Vec<WaiterRecord>,
    ops: Vec<OpRecord>,
    publishes: Vec<PublishRecord>,
    faults: FaultLog,
    /// Open ZooKeeper disruptions (start times) by key.
    zk_open: BTreeMap<String, u128>,
    t0: u128,
    secret: String,
    n_faults: usize,
    skipped: usize,
    next_version: u64,
}

impl Nemesis {
    pub fn new() -> Self {
        Self::default()
    }

    fn standalone(&mut self) -> String {
        if self.zk.is_none() {
            let dir = tempfile::Builder::new()
                .prefix("deployctl-nemesis-zk-")
                .tempdir()
                .expect("temp dir");
            let zk = LocalZooKeeper::start(dir.path(), 250)
                .unwrap_or_else(|e| panic!("cannot start ZooKeeper: {e}"));
            self.zk = Some((dir, zk));
        }
        self.zk.as_ref().map(|(_, z)| z.address()).unwrap()
    }

    fn ensemble(&mut self) -> String {
        self.ensemble.get_or_insert_with(Ensemble::start).servers()
    }

    /// Play one seed's schedule and check its history.
    pub fn run(&mut self, seed: u64) -> Outcome {
        self.play(generate(seed))
    }

    /// `run` with the deploy freezes of `generate_with_freezes`.
    pub fn run_with_freezes(&mut self, seed: u64) -> Outcome {
        self.play(generate_with_freezes(seed))
    }

    fn play(&mut self, schedule: Schedule) -> Outcome {
        let seed = schedule.seed;
        let started = Instant::now();
        let servers = if schedule.ensemble {
            self.ensemble()
        } else {
            self.standalone()
        };
        let n = RUNS.fetch_add(1, Ordering::SeqCst);
        let env = TestEnv::with_servers(&format!("nemesis-{seed}-{n}"), &servers);
        let app = "web".to_string();
        let names: Vec<String> = (1..=schedule.hosts).map(|i| format!("n{i}")).collect();
        scripts(env.dir.path());
        std::fs::create_dir_all(env.path("fail")).unwrap();
        let agents = env.start_agents(&app, &names, &[]);
        let mut rng = Rng::new(seed ^ 0x005E_C2E7);
        let secret = format!("s3cr3t{:016x}", rng.next_u64());
        let mut run = Run {
            nem: self,
            env,
            app,
            names,
            agents,
            dead: BTreeSet::new(),
            heals: vec![],
            waiters: vec![],
            hist_waiters: vec![],
            ops: vec![],
            publishes: vec![],
            faults: FaultLog::default(),
            zk_open: BTreeMap::new(),
            t0: now_ns(),
            secret,
            n_faults: 0,
            skipped: 0,
            next_version: 0,
        };
        run.baseline();
        let mut outcome = Outcome::default();
        for (delay, op) in &schedule.ops {
            run.advance(Duration::from_millis(*delay));
            if run.nem.verbose {
                eprintln!("nemesis {seed}: {op:?}");
            }
            run.apply(op);
            outcome.ops += 1;
        }
        run.heal_all();
        run.final_phase();
        let history = run.finish(seed);
        outcome.faults = run.n_faults;
        outcome.skipped_faults = run.skipped;
        outcome.violations = check(&history);
        outcome.elapsed = started.elapsed();
        outcome
    }
}

impl Drop for Run<'_> {
    /// On a panic mid-schedule: nothing stays stopped (a frozen command would outlive its
    /// killed agent). Agents and waiters are killed by their own guards.
    fn drop(&mut self) {
        for (_, h) in self.heals.drain(..) {
            if let Heal::Cont(pids, _) = h {
                for p in pids.iter().rev() {
                    signal(*p, libc::SIGCONT);
                }
            }
        }
    }
}

impl Run<'_> {
    fn cmd_json(&mut self, what: &str, args: &[&str]) -> (Option<i32>, Option<Value>) {
        let start = now_ns();
        let mut a = vec!["--output", "json", "--connect-timeout", "3s"];
        a.extend_from_slice(args);
        let out = self.env.run(&a);
        let v: Option<Value> = serde_json::from_slice(&out.stdout).ok();
        let release = v.as_ref().and_then(|v| v["release"].as_u64());
        self.ops.push(OpRecord {
            what: what.to_string(),
            release,
            code: out.status.code(),
            start,
            end: now_ns(),
        });
        (out.status.code(), v)
    }

    /// Let `d` pass, healing faults as they come due and noting waiters that exit.
    fn advance(&mut self, d: Duration) {
        let until = Instant::now() + d;
        loop {
            self.poll_waiters();
            let now = Instant::now();
            let due: Vec<Heal> = {
                let (due, keep): (Vec<_>, Vec<_>) =
                    self.heals.drain(..).partition(|(at, _)| *at <= now);
                self.heals = keep;
                due.into_iter().map(|(_, h)| h).collect()
            };
            for h in due {
                self.heal(h);
            }
            if Instant::now() >= until {
                return;
            }
            std::thread::sleep(Duration::from_millis(20).min(until - Instant::now()));
        }
    }

    fn poll_waiters(&mut self) {
        let mut i = 0;
        while i < self.waiters.len() {
            if let Ok(Some(st)) = self.waiters[i].child.try_wait() {
                let bg = self.waiters.remove(i);
                let rec = &mut self.hist_waiters[bg.rec];
                rec.exited = Some(now_ns());
                rec.code = st.code();
                rec.stdout = std::fs::read_to_string(&bg.out).unwrap_or_default();
                rec.stderr = std::fs::read_to_string(&bg.err).unwrap_or_default();
                rec.summary = serde_json::from_str(rec.stdout.trim()).ok();
            } else {
                i += 1;
            }
        }
    }

    fn spawn_waiter(&mut self, release: u64, plan: &WaiterPlan) {
        let k = self.hist_waiters.len();
        let mut args = vec![
            self.app.clone(),
            "--release".into(),
            release.to_string(),
            "--timeout".into(),
            format!("{}s", plan.timeout_s),
        ];
        if plan.on_timeout_rollback {
            args.extend(["--on-timeout".into(), "rollback".into()]);
        }
        let out = self.env.path(&format!("waiter-{k}.out"));
        let err = self.env.path(&format!("waiter-{k}.err"));
        let child = self
            .env
            .cmd()
            .args(["--output", "json", "wait-for-rollout"])
            .args(&args)
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .expect("spawn wait-for-rollout");
        self.hist_waiters.push(WaiterRecord {
            release,
            args,
            started: now_ns(),
            exited: None,
            code: None,
            stdout: String::new(),
            stderr: String::new(),
            summary: None,
            final_wait: false,
        });
        self.waiters.push(Bg {
            child,
            out,
            err,
            rec: k,
        });
    }

    fn publish(&mut self, plan: &ReleasePlan) {
        let version = format!("1.{}", self.next_version);
        self.next_version += 1;
        let dir = self.env.dir.path().to_path_buf();
        for h in &plan.failing {
            std::fs::write(
                dir.join("fail")
                    .join(format!("fail-{}-{version}", self.names[*h])),
                "",
            )
            .unwrap();
        }
        let d = dir.display().to_string();
        let deploy = format!(
            "sh {d}/deploy.sh {{{{ release }}}} {:.3} {{{{ vars.token }}}}",
            plan.deploy_ms as f64 / 1000.0
        );
        let health = format!(
            "sh {d}/health.sh {{{{ release }}}} {:.3} {d}/fail",
            plan.health_ms as f64 / 1000.0
        );
        let finalize = format!("sh {d}/finalize.sh {{{{ release }}}}");
        let token = format!("token={}", self.secret);
        let mut args: Vec<String> = vec![
            "publish".into(),
            self.app.clone(),
            version.clone(),
            "--slots".into(),
            plan.slots.to_string(),
            "--deploy-cmd".into(),
            deploy,
            "--get-version-cmd".into(),
            crate::common::GET_VERSION.into(),
            "--health-cmd".into(),
            health,
            "--health-interval".into(),
            "300ms".into(),
            "--max-failures".into(),
            plan.max_failures.clone(),
            "--secret-var".into(),
            token,
            "--force".into(),
        ];
        if let Some(s) = plan.steps {
            args.extend(["--steps".into(), s.into()]);
        }
        if let Some(c) = plan.canary {
            args.extend(["--canary".into(), c.to_string()]);
        }
        if plan.bake_ms > 0 {
            args.extend(["--bake-time".into(), format!("{}ms", plan.bake_ms)]);
        }
        if plan.auto_rollback {
            args.push("--auto-rollback".into());
        }
        if let Some(p) = plan.progress_deadline_ms {
            args.extend(["--progress-deadline".into(), format!("{p}ms")]);
        }
        if plan.finalize {
            args.extend(["--finalize-cmd".into(), finalize]);
        }
        if plan.override_freeze {
            args.extend(["--override-freeze".into(), "nemesis break glass".into()]);
        }
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, v) = self.cmd_json("publish", &a);
        let Some(release) = v.as_ref().and_then(|v| v["release"].as_u64()) else {
            if self.nem.verbose {
                eprintln!("publish failed ({code:?})");
            }
            return;
        };
        self.publishes.push(PublishRecord {
            release,
            version,
            plan: plan.clone(),
        });
        for w in &plan.waiters {
            self.spawn_waiter(release, w);
        }
    }

    fn restart_agent(&mut self, i: usize) {
        if self.dead.remove(&i) {
            self.agents[i] = self.env.agent(&self.names[i], &[&self.app]);
        }
    }

    fn kill_agent(&mut self, i: usize, tree: bool, restart_ms: u64) {
        if self.dead.contains(&i) {
            self.skipped += 1;
            return;
        }
        if tree {
            kill_tree(&mut self.agents[i]);
        } else {
            self.agents[i].kill9();
        }
        self.faults.kills.push((self.names[i].clone(), now_ns()));
        self.dead.insert(i);
        self.n_faults += 1;
        self.heals.push((
            Instant::now() + Duration::from_millis(restart_ms),
            Heal::Restart(i),
        ));
    }

    /// The first host (by name) in `phase` within a bound, for a targeted kill.
    fn find_in_phase(&mut self, phase: Phase) -> Option<usize> {
        let deadline = Instant::now() + Duration::from_secs(6);
        let log = self.env.path("history.log");
        while Instant::now() < deadline {
            let found: Option<String> = match phase {
                Phase::Deploy | Phase::Health => {
                    let (open, close): (&[&str], &[&str]) = if phase == Phase::Deploy {
                        (&["start"], &["end"])
                    } else {
                        (&["hstart"], &["hok", "hfail"])
                    };
                    let mut state: BTreeMap<String, bool> = BTreeMap::new();
                    for l in parse_log(&log) {
                        if open.contains(&l.kind.as_str()) {
                            state.insert(l.host.clone(), true);
                        } else if close.contains(&l.kind.as_str()) {
                            state.insert(l.host.clone(), false);
                        }
                    }
                    state.into_iter().find(|(_, open)| *open).map(|(h, _)| h)
                }
                Phase::Waiting => {
                    let out = self.env.run(&["--output", "json", "status", &self.app]);
                    serde_json::from_slice::<Value>(&out.stdout)
                        .ok()
                        .and_then(|st| {
                            let rel = st["release"].as_u64()?;
                            let hs = st["hosts"].as_array()?;
                            hs.iter()
                                .filter(|h| h["release"] == rel && h["state"] == "waiting")
                                .filter_map(|h| h["host"].as_str().map(str::to_string))
                                .next()
                        })
                }
            };
            if let Some(h) = found
                && let Some(i) = self.names.iter().position(|n| *n == h)
                && !self.dead.contains(&i)
            {
                return Some(i);
            }
            self.advance(Duration::from_millis(40));
        }
        None
    }

    fn zk_down(&mut self, key: String) {
        self.zk_open.insert(key, now_ns());
    }

    fn zk_up(&mut self, key: &str) {
        if let Some(from) = self.zk_open.remove(key) {
            self.faults.zk.push((from, now_ns()));
        }
    }

    fn apply(&mut self, op: &Op) {
        match op {
            Op::Publish(plan) => self.publish(plan),
            Op::Promote { all } => {
                let app = self.app.clone();
                if *all {
                    self.cmd_json("promote --all", &["promote", &app, "--all"]);
                } else {
                    self.cmd_json("promote", &["promote", &app]);
                }
            }
            Op::Pause => {
                let app = self.app.clone();
                self.cmd_json("pause", &["pause", &app]);
            }
            Op::Resume => {
                let app = self.app.clone();
                self.cmd_json("resume", &["resume", &app]);
            }
            Op::Abort => {
                let app = self.app.clone();
                self.cmd_json("abort", &["abort", &app]);
            }
            Op::Rollback => {
                let app = self.app.clone();
                let (_, v) = self.cmd_json("rollback", &["rollback", &app]);
                if let Some(r) = v.as_ref().and_then(|v| v["release"].as_u64()) {
                    self.spawn_waiter(
                        r,
                        &WaiterPlan {
                            timeout_s: 90,
                            on_timeout_rollback: false,
                        },
                    );
                }
            }
            Op::Freeze { until_ms } => {
                let app = self.app.clone();
                let until = format!("{until_ms}ms");
                self.cmd_json(
                    "freeze",
                    &["freeze", &app, "--reason", "nemesis", "--until", &until],
                );
            }
            Op::Unfreeze => {
                let app = self.app.clone();
                self.cmd_json("unfreeze", &["unfreeze", &app]);
            }
            Op::Fault(f) => self.fault(f),
        }
    }

    fn fault(&mut self, f: &Fault) {
        match *f {
            Fault::KillAgent { host, restart_ms } => self.kill_agent(host, false, restart_ms),
            Fault::KillTree { host, restart_ms } => self.kill_agent(host, true, restart_ms),
            Fault::StopAgent { host, ms } => {
                if self.dead.contains(&host) {
                    self.skipped += 1;
                    return;
                }
                if let Some(pid) = self.agents[host].pid() {
                    signal(pid, libc::SIGSTOP);
                    self.faults
                        .agent_stops
                        .push((self.names[host].clone(), now_ns()));
                    self.n_faults += 1;
                    self.heals.push((
                        Instant::now() + Duration::from_millis(ms),
                        Heal::Cont(vec![pid], host),
                    ));
                }
            }
            Fault::FreezeTree { host, ms } => {
                if self.dead.contains(&host) {
                    self.skipped += 1;
                    return;
                }
                let pids = freeze_tree(&self.agents[host]);
                self.faults
                    .tree_freezes
                    .push((self.names[host].clone(), now_ns(), u128::MAX));
                self.n_faults += 1;
                self.heals.push((
                    Instant::now() + Duration::from_millis(ms),
                    Heal::Cont(pids, host),
                ));
            }
            Fault::KillWhen {
                phase,
                tree,
                restart_ms,
            } => match self.find_in_phase(phase) {
                Some(i) => {
                    if self.nem.verbose {
                        eprintln!("  kill {} in {phase:?}", self.names[i]);
                    }
                    self.kill_agent(i, tree, restart_ms);
                    if phase == Phase::Waiting {
                        // Every host waiting at the step or gate (defect 3's trigger).
                        while let Some(j) = self.find_waiting_now() {
                            self.kill_agent(j, tree, restart_ms);
                        }
                    }
                }
                None => self.skipped += 1,
            },
            Fault::ZkRestart { ms } => {
                if let Some((_, zk)) = self.nem.zk.as_mut()
                    && !self.zk_open.contains_key("standalone")
                {
                    zk.stop();
                    self.zk_down("standalone".into());
                    self.n_faults += 1;
                    self.heals
                        .push((Instant::now() + Duration::from_millis(ms), Heal::Zk));
                } else {
                    self.skipped += 1;
                }
            }
            Fault::MemberKill { member, ms } => {
                let Some(e) = self.nem.ensemble.as_mut() else {
                    self.skipped += 1;
                    return;
                };
                let m = member.or_else(|| e.leader()).unwrap_or(0);
                let key = format!("member{m}");
                if self.zk_open.contains_key(&key) || !self.zk_open.is_empty() {
                    // One member out at a time: the quorum stays.
                    self.skipped += 1;
                    return;
                }
                e.kill(m);
                self.zk_down(key);
                self.n_faults += 1;
                self.heals
                    .push((Instant::now() + Duration::from_millis(ms), Heal::Member(m)));
            }
            Fault::MemberFreeze { member, ms } => {
                let Some(e) = self.nem.ensemble.as_mut() else {
                    self.skipped += 1;
                    return;
                };
                if !self.zk_open.is_empty() {
                    self.skipped += 1;
                    return;
                }
                e.pause(member);
                self.zk_down(format!("member{member}"));
                self.n_faults += 1;
                self.heals.push((
                    Instant::now() + Duration::from_millis(ms),
                    Heal::Thaw(member),
                ));
            }
        }
    }

    fn find_waiting_now(&mut self) -> Option<usize> {
        let out = self.env.run(&["--output", "json", "status", &self.app]);
        let st: Value = serde_json::from_slice(&out.stdout).ok()?;
        let rel = st["release"].as_u64()?;
        st["hosts"]
            .as_array()?
            .iter()
            .filter(|h| h["release"] == rel && h["state"] == "waiting")
            .filter_map(|h| h["host"].as_str())
            .filter_map(|h| self.names.iter().position(|n| n == h))
            .find(|i| !self.dead.contains(i))
    }

    fn heal(&mut self, h: Heal) {
        match h {
            Heal::Restart(i) => self.restart_agent(i),
            Heal::Cont(pids, host) => {
                for p in pids.iter().rev() {
                    signal(*p, libc::SIGCONT);
                }
                let name = self.names[host].clone();
                if let Some(f) = self
                    .faults
                    .tree_freezes
                    .iter_mut()
                    .rev()
                    .find(|f| f.0 == name && f.2 == u128::MAX)
                {
                    f.2 = now_ns();
                }
            }
            Heal::Zk => {
                if let Some((_, zk)) = self.nem.zk.as_mut() {
                    zk.start_again().expect("ZooKeeper restarts");
                }
                self.zk_up("standalone");
            }
            Heal::Member(m) => {
                if let Some(e) = self.nem.ensemble.as_mut() {
                    e.restart(m);
                }
                self.zk_up(&format!("member{m}"));
            }
            Heal::Thaw(m) => {
                if let Some(e) = self.nem.ensemble.as_mut() {
                    e.resume(m);
                }
                self.zk_up(&format!("member{m}"));
            }
        }
    }

    fn heal_all(&mut self) {
        let pending: Vec<Heal> = self.heals.drain(..).map(|(_, h)| h).collect();
        for h in pending {
            self.heal(h);
        }
        let dead: Vec<usize> = self.dead.iter().copied().collect();
        for i in dead {
            self.restart_agent(i);
        }
        if let Some(e) = self.nem.ensemble.as_ref() {
            e.wait_for_quorum(Duration::from_secs(60));
        }
        // Every agent registered again before the final waits (which must then count them).
        let names = self.names.clone();
        self.env.wait_status(
            &self.app,
            Duration::from_secs(60),
            "agents registered",
            |st| {
                names
                    .iter()
                    .all(|n| crate::common::host(st, n).is_some_and(|h| h["registered"] == true))
            },
        );
    }

    /// `wait-for-rollout --output json ARGS`, in the foreground, recorded.
    fn blocking_wait(&mut self, args: Vec<String>, final_wait: bool) -> Option<Value> {
        let started = now_ns();
        let out = self
            .env
            .cmd()
            .args(["--output", "json", "wait-for-rollout"])
            .args(&args)
            .output()
            .expect("run wait-for-rollout");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let summary: Option<Value> = serde_json::from_str(stdout.trim()).ok();
        let release = summary
            .as_ref()
            .and_then(|s| s["release"].as_u64())
            .unwrap_or(0);
        self.hist_waiters.push(WaiterRecord {
            release,
            args,
            started,
            exited: Some(now_ns()),
            code: out.status.code(),
            stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            summary: summary.clone(),
            final_wait,
        });
        summary
    }

    /// Before the nemesis starts: releases 1.0 and 1.1 on every host, so that rollbacks have
    /// somewhere to go. Its wait is recorded and checked like any other.
    fn baseline(&mut self) {
        let plan = ReleasePlan {
            slots: self.names.len() as u64,
            steps: None,
            canary: None,
            bake_ms: 0,
            failing: BTreeSet::new(),
            max_failures: "0".into(),
            auto_rollback: false,
            progress_deadline_ms: None,
            finalize: false,
            deploy_ms: 100,
            health_ms: 50,
            waiters: vec![],
            override_freeze: false,
        };
        // Two good versions (1.0, 1.1): a rollback of a rollback has somewhere to go too.
        for _ in 0..2 {
            self.publish(&plan);
            let args = vec![self.app.clone(), "--timeout".into(), FINAL_WAIT.into()];
            self.blocking_wait(args, true);
        }
    }

    /// Every release reaches a verdict once the faults healed: pass any gate, resume, and wait
    /// for the newest release (again when a newer one — an automatic rollback — replaces it).
    fn final_phase(&mut self) {
        let app = self.app.clone();
        for _ in 0..4 {
            self.cmd_json("final resume", &["resume", &app]);
            self.cmd_json("final promote --all", &["promote", &app, "--all"]);
            let args = vec![app.clone(), "--timeout".into(), FINAL_WAIT.into()];
            let summary = self.blocking_wait(args, true);
            let release = summary
                .as_ref()
                .and_then(|s| s["release"].as_u64())
                .unwrap_or(0);
            let result = summary
                .as_ref()
                .and_then(|s| s["result"].as_str().map(str::to_string))
                .unwrap_or_default();
            // A newer release (an automatic rollback, a waiter's --on-timeout rollback) took
            // over: wait for that one too.
            let newest = self
                .env
                .run(&["--output", "json", "status", &app])
                .stdout
                .clone();
            let newest: Option<u64> = serde_json::from_slice::<Value>(&newest)
                .ok()
                .and_then(|v| v["release"].as_u64());
            if result != "superseded" && newest == Some(release) {
                break;
            }
        }
        // Every waiter ends (they follow the same releases); bounded.
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.waiters.is_empty() && Instant::now() < deadline {
            self.advance(Duration::from_millis(100));
        }
        for bg in std::mem::take(&mut self.waiters) {
            let rec = &mut self.hist_waiters[bg.rec];
            rec.stdout = std::fs::read_to_string(&bg.out).unwrap_or_default();
            rec.stderr = std::fs::read_to_string(&bg.err).unwrap_or_default();
            // still running: `exited` stays None (a violation); Drop kills it.
        }
    }

    fn finish(&mut self, seed: u64) -> History {
        let app = self.app.clone();
        let st = self.env.run(&["--output", "json", "status", &app]);
        let hi = self.env.run(&["--output", "json", "history", &app]);
        let status_text = String::from_utf8_lossy(&st.stdout).into_owned();
        let history_text = String::from_utf8_lossy(&hi.stdout).into_owned();
        let end = now_ns();
        let agent_logs: String = self.agents.iter().map(Agent::log).collect();
        // Agents last: their deploy log is complete once they are gone.
        for a in &mut self.agents {
            a.kill9();
        }
        History {
            seed,
            app,
            hosts: self.names.clone(),
            secret: self.secret.clone(),
            log: parse_log(&self.env.path("history.log")),
            publishes: self.publishes.clone(),
            ops: self.ops.clone(),
            waiters: self.hist_waiters.clone(),
            faults: self.faults.clone(),
            status: serde_json::from_str(&status_text).ok(),
            status_text,
            history: serde_json::from_str(&history_text).ok(),
            history_text,
            agent_logs,
            t0: self.t0,
            end,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The checker

fn parse_time(s: &str) -> Option<u128> {
    humantime::parse_rfc3339_weak(s)
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_nanos())
}

/// When a waiter's verdict was made: its summary's `finished_at`, else when it exited.
fn verdict_time(w: &WaiterRecord) -> u128 {
    w.summary
        .as_ref()
        .and_then(|s| s["finished_at"].as_str())
        .and_then(parse_time)
        .or(w.exited)
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        })
}

#[derive(Debug, Clone)]
struct Deploy {
    host: String,
    release: u64,
    start: u128,
    end: u128,
    ended: bool,
}

/// Deploy intervals from the log. One without an `end` line was cut short: it counts until its
/// agent (tree) was killed, until its agent's tree was frozen, until the session timeout after
/// its agent alone was stopped or ZooKeeper was disrupted, or else until the host's next deploy
/// (its agent moved on) or the end of the history.
fn deploys(h: &History) -> Vec<Deploy> {
    let mut out: Vec<Deploy> = vec![];
    for l in &h.log {
        match l.kind.as_str() {
            "start" => out.push(Deploy {
                host: l.host.clone(),
                release: l.release,
                start: l.t,
                end: 0,
                ended: false,
            }),
            "end" => {
                if let Some(d) = out
                    .iter_mut()
                    .rev()
                    .find(|d| d.host == l.host && !d.ended && d.end == 0)
                {
                    d.end = l.t;
                    d.ended = true;
                }
            }
            _ => {}
        }
    }
    let starts: Vec<(String, u128)> = out.iter().map(|d| (d.host.clone(), d.start)).collect();
    for d in out.iter_mut().filter(|d| !d.ended) {
        let mut cut = h.end;
        let after = |t: u128| t >= d.start;
        for (host, t) in &h.faults.kills {
            if *host == d.host && after(*t) {
                cut = cut.min(*t);
            }
        }
        for (host, from, _) in &h.faults.tree_freezes {
            if *host == d.host && after(*from) {
                cut = cut.min(*from);
            }
        }
        for (host, from) in &h.faults.agent_stops {
            if *host == d.host && after(*from) {
                cut = cut.min(*from + SESSION_NS);
            }
        }
        for (from, to) in &h.faults.zk {
            if *to >= d.start {
                cut = cut.min((*from).max(d.start) + SESSION_NS);
            }
        }
        if let Some((_, next)) = starts
            .iter()
            .filter(|(host, t)| *host == d.host && *t > d.start)
            .min_by_key(|(_, t)| *t)
        {
            cut = cut.min(*next);
        }
        d.end = cut.max(d.start);
    }
    // A deploy that ran into a freeze of its own tree is cut at the freeze too (frozen, it runs
    // nothing; what it does after the thaw is its agent's business, checked elsewhere).
    for d in out.iter_mut() {
        for (host, from, _) in &h.faults.tree_freezes {
            if *host == d.host && *from >= d.start && *from < d.end {
                d.end = *from;
            }
        }
    }
    out
}

fn spec_of(h: &History, release: u64) -> Option<&Value> {
    h.history.as_ref()?["releases"]
        .as_array()?
        .iter()
        .find(|r| r["release"] == release)
}

/// Every invariant over one history; all violations, not just the first.
pub fn check(h: &History) -> Vec<Violation> {
    let mut v: Vec<Violation> = vec![];
    let mut fail = |invariant: &'static str, detail: String| {
        // "waiter `…` (exit …): what" — one violation per fact, with the waiters that saw it.
        let (by, detail) = match detail.split_once("): ") {
            Some((w, rest)) if w.starts_with("waiter `") => (Some(format!("{w})")), rest.into()),
            _ => (None, detail),
        };
        if let Some(old) = v
            .iter_mut()
            .find(|x| x.invariant == invariant && x.detail == detail)
        {
            old.seen_by.extend(by);
            return;
        }
        v.push(Violation {
            seed: h.seed,
            invariant,
            detail,
            seen_by: by.into_iter().collect(),
        })
    };
    let Some(history) = h.history.as_ref() else {
        fail(
            "readable-state",
            format!("history is not JSON: {}", h.history_text),
        );
        return v;
    };
    let releases: Vec<Value> = history["releases"].as_array().cloned().unwrap_or_default();
    let slots_of = |r: u64| -> u64 {
        spec_of(h, r)
            .and_then(|e| e["spec"]["slots"].as_u64())
            .unwrap_or(1)
    };

    // 1. At most `slots` deploys at once, per release and across the app.
    let ds = deploys(h);
    let mut by_release: BTreeMap<u64, Vec<crate::common::Interval>> = BTreeMap::new();
    for d in &ds {
        by_release
            .entry(d.release)
            .or_default()
            .push(crate::common::Interval {
                host: d.host.clone(),
                start: d.start,
                end: Some(d.end),
            });
    }
    for (r, iv) in &by_release {
        let peak = max_overlap(iv, h.end);
        if peak as u64 > slots_of(*r) {
            fail(
                "slots",
                format!(
                    "release {r}: {peak} deploys at once with --slots {}: {iv:?}",
                    slots_of(*r)
                ),
            );
        }
    }
    {
        let mut ev: Vec<(u128, i32, u64)> = vec![];
        for d in &ds {
            ev.push((d.start, 1, d.release));
            ev.push((d.end, -1, d.release));
        }
        ev.sort_by_key(|e| (e.0, e.1));
        let mut active: Vec<u64> = vec![];
        for (t, k, r) in ev {
            if k > 0 {
                active.push(r);
                let limit = active.iter().map(|r| slots_of(*r)).max().unwrap_or(1);
                if active.len() as u64 > limit {
                    fail(
                        "slots",
                        format!(
                            "{} deploys of the app at once at {t} (releases {active:?}, most slots {limit})",
                            active.len()
                        ),
                    );
                }
            } else if let Some(p) = active.iter().position(|x| *x == r) {
                active.remove(p);
            }
        }
    }

    // Per waiter.
    for w in &h.waiters {
        let desc = format!(
            "waiter `wait-for-rollout {}` (exit {:?})",
            w.args.join(" "),
            w.code
        );
        if w.exited.is_none() {
            fail(
                "verdict-bound",
                format!("{desc} still running 20 s after the final verdict"),
            );
            continue;
        }
        let Some(s) = w.summary.as_ref() else {
            if w.code != Some(4) {
                fail(
                    "waiter-output",
                    format!("{desc}: stdout is not one JSON summary: {:?}", w.stdout),
                );
            }
            continue;
        };
        let result = s["result"].as_str().unwrap_or("");
        if w.final_wait && (w.code == Some(3) || result == "timed_out") {
            fail(
                "verdict-bound",
                format!(
                    "release {}: no verdict within {FINAL_WAIT} after the faults healed (gates passed, resumed): {}; spec steps {} canary {}; ledger {}; step {}",
                    w.release,
                    s["message"],
                    spec_of(h, w.release).map_or(Value::Null, |e| e["spec"]["steps"].clone()),
                    spec_of(h, w.release).map_or(Value::Null, |e| e["spec"]["canary"].clone()),
                    spec_of(h, w.release).map_or(Value::Null, |e| e["ledger"].clone()),
                    spec_of(h, w.release).map_or(Value::Null, |e| e["step"].clone()),
                ),
            );
        }
        if (w.code == Some(0)) != (result == "succeeded" || result == "paused") {
            fail(
                "exit-code",
                format!("{desc}: result {result} with exit {:?}", w.code),
            );
        }
        if result != "succeeded" {
            continue;
        }
        let r = s["release"].as_u64().unwrap_or(w.release);
        let version = s["version"].as_str().unwrap_or("").to_string();
        let cutoff = verdict_time(w);
        let entry = spec_of(h, r);
        let spec = entry.map(|e| e["spec"].clone()).unwrap_or(Value::Null);
        let hosts: Vec<Value> = s["hosts"].as_array().cloned().unwrap_or_default();
        let running: Vec<&Value> = hosts
            .iter()
            .filter(|x| x["state"] == "healthy" || x["state"] == "current")
            .collect();

        // 3'. After the faults healed every agent is registered: a final wait that succeeds
        // counts every host (healthy, current, or failed within the budget).
        if w.final_wait {
            for n in &h.hosts {
                let st = hosts
                    .iter()
                    .find(|x| x["host"] == n.as_str())
                    .and_then(|x| x["state"].as_str());
                if !matches!(st, Some("healthy" | "current" | "failed")) {
                    fail(
                        "final-covers-all-hosts",
                        format!(
                            "{desc}: release {r} ({version}) succeeded after the faults healed, every agent registered, but {n} is {}: {}",
                            st.unwrap_or("not counted"),
                            s["message"]
                        ),
                    );
                }
            }
        }

        // 3. A release no targeted host runs is never `succeeded`.
        if running.is_empty() {
            fail(
                "succeeded-on-no-host",
                format!(
                    "{desc}: release {r} succeeded on no host: {} (counts {})",
                    s["message"], s["counts"]
                ),
            );
        }

        // 2a. Every manual gate was passed by a promote before the verdict.
        let manual = spec["steps"]
            .as_array()
            .map(|st| st.iter().filter(|x| *x == "pause").count())
            .unwrap_or(0);
        if manual > 0 {
            let promotes: Vec<&OpRecord> = h
                .ops
                .iter()
                .filter(|o| o.what.starts_with("promote") || o.what.starts_with("final promote"))
                .filter(|o| o.code == Some(0) && o.release == Some(r) && o.start < cutoff)
                .collect();
            let all = promotes.iter().any(|o| o.what.contains("--all"));
            if !all && promotes.len() < manual {
                fail(
                    "gates-passed",
                    format!(
                        "{desc}: release {r} (steps {}) succeeded with {manual} manual gate(s) and {} promote(s) before the verdict: {}",
                        spec["steps"],
                        promotes.len(),
                        s["message"]
                    ),
                );
            }
        }
        // 2b. Not aborted or rolled back by the operator before the verdict; never halted.
        for o in &h.ops {
            if (o.what == "abort" || o.what == "rollback")
                && o.code == Some(0)
                && o.end + 500_000_000 < cutoff
            {
                let hit = if o.what == "abort" {
                    o.release == Some(r)
                } else {
                    spec_of(h, o.release.unwrap_or(0))
                        .is_some_and(|e| e["spec"]["rollback_of"] == r)
                };
                if hit {
                    fail(
                        "succeeded-after-stop",
                        format!(
                            "{desc}: release {r} succeeded after `{}` of it returned",
                            o.what
                        ),
                    );
                }
            }
        }
        if let Some(e) = entry
            && e["ledger"]["state"] == "halted"
        {
            fail(
                "succeeded-after-stop",
                format!(
                    "{desc}: release {r} succeeded but its ledger says halted: {}",
                    e["ledger"]["halt_reason"]
                ),
            );
        }

        // 2c. Every running host passed its health check after its last deploy start.
        let has_health = spec["health_cmd"].as_str().is_some_and(|c| !c.is_empty());
        for x in &running {
            let host = x["host"].as_str().unwrap_or("");
            let state = x["state"].as_str().unwrap_or("");
            let mine: Vec<&LogLine> = h
                .log
                .iter()
                .filter(|l| l.host == host && l.t <= cutoff)
                .collect();
            let by_this = mine
                .iter()
                .filter(|l| l.kind == "start" && l.release == r)
                .count();
            if state == "current" && by_this > 0 {
                fail(
                    "current-untouched",
                    format!(
                        "{desc}: {host} is `current` for release {r} though this release deployed it {by_this} time(s)"
                    ),
                );
            }
            let last_start = mine.iter().rev().find(|l| l.kind == "start");
            match last_start {
                None => {
                    if state == "healthy" {
                        fail(
                            "health-gate",
                            format!("{desc}: {host} is healthy at release {r} but never deployed"),
                        );
                    }
                }
                Some(ls) if ls.version == version => {
                    if has_health
                        && !mine
                            .iter()
                            .any(|l| l.kind == "hok" && l.version == version && l.t > ls.t)
                    {
                        fail(
                            "health-gate",
                            format!(
                                "{desc}: {host} counted `{state}` at {version} (release {r}) but no health check passed after its last deploy start (release {}, at {}; before the verdict: {})",
                                ls.release,
                                h.at(ls.t),
                                h.faults_on(host, ls.t, cutoff)
                            ),
                        );
                    }
                }
                Some(ls) => {
                    let last_done = mine.iter().rev().find(|l| l.kind == "end");
                    if last_done.is_none_or(|l| l.version != version) {
                        fail(
                            "health-gate",
                            format!(
                                "{desc}: {host} counted `{state}` at {version} but its last deploy was of {} (release {})",
                                ls.version, ls.release
                            ),
                        );
                    }
                }
            }
        }

        // 5. Finalize exactly once per succeeded release (by the verdict).
        if spec["finalize_cmd"].as_str().is_some() {
            let n = h
                .log
                .iter()
                .filter(|l| l.kind == "final" && l.release == r && l.t <= cutoff)
                .count();
            if n != 1 {
                fail(
                    "finalize-once",
                    format!("{desc}: release {r} succeeded with its finalize run {n} time(s)"),
                );
            }
        }
    }

    // The commands saw the release they were rendered for.
    for l in &h.log {
        if l.release_tmpl != l.release.to_string() {
            fail(
                "release-env",
                format!(
                    "{} on {}: {{{{ release }}}} is {} but $DEPLOYCTL_RELEASE is {}",
                    l.kind, l.host, l.release_tmpl, l.release
                ),
            );
        }
    }

    // 5'. Never more than one finalize per release.
    let mut finals: BTreeMap<u64, usize> = BTreeMap::new();
    for l in h.log.iter().filter(|l| l.kind == "final") {
        *finals.entry(l.release).or_default() += 1;
    }
    for (r, n) in finals {
        if n > 1 {
            fail(
                "finalize-once",
                format!("release {r}: finalize ran {n} times"),
            );
        }
    }

    // 4. At most one rollback per release.
    let mut rollbacks: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for e in &releases {
        if let Some(of) = e["spec"]["rollback_of"].as_u64() {
            rollbacks
                .entry(of)
                .or_default()
                .push(e["release"].as_u64().unwrap_or(0));
        }
    }
    // ... and each timed-out wait rolls back its own release only: "rolled back release X as
    // release Y" said by two waiters of X is two rollbacks for one timeout.
    let mut by_waiters: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
    for w in &h.waiters {
        let msg = w
            .summary
            .as_ref()
            .and_then(|s| s["message"].as_str())
            .unwrap_or("");
        if let Some(rest) = msg.split("rolled back release ").nth(1) {
            let nums: Vec<u64> = rest
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|x| x.parse().ok())
                .take(2)
                .collect();
            if let [x, y] = nums[..] {
                by_waiters.entry(x).or_default().insert(y);
            }
        }
    }
    for (x, ys) in by_waiters {
        if ys.len() > 1 {
            fail(
                "one-rollback",
                format!(
                    "the waiters of timed-out release {x} published {} rollbacks: releases {ys:?} (each waiter rolled back whatever was current)",
                    ys.len()
                ),
            );
        }
    }
    for (of, by) in rollbacks {
        let operator = h
            .ops
            .iter()
            .filter(|o| {
                o.what == "rollback" && o.code == Some(0) && by.contains(&o.release.unwrap_or(0))
            })
            .count();
        // Operator rollbacks (`deployctl rollback`) are asked for; the automatic ones
        // (--auto-rollback, --on-timeout rollback) must happen once.
        if by.len() - operator > 1 {
            fail(
                "one-rollback",
                format!(
                    "release {of} was rolled back {} times: releases {by:?}",
                    by.len()
                ),
            );
        }
    }

    // 7. No secret in any output, state or log.
    let mut places: Vec<(String, &str)> = vec![
        ("status".into(), h.status_text.as_str()),
        ("history".into(), h.history_text.as_str()),
        ("agent logs".into(), h.agent_logs.as_str()),
    ];
    for w in &h.waiters {
        places.push((format!("waiter {:?} stdout", w.args), w.stdout.as_str()));
        places.push((format!("waiter {:?} stderr", w.args), w.stderr.as_str()));
    }
    for (what, text) in places {
        if text.contains(&h.secret) {
            fail(
                "secret-masked",
                format!("the secret value appears in {what}"),
            );
        }
    }
    v
}
