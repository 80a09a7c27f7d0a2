//! Chaos on a real 3-node ZooKeeper ensemble with real agent processes: agents SIGKILLed and
//! restarted at random (during the canary phase and while they wait for a slot), the ZooKeeper
//! leader killed once, a member frozen (SIGSTOP) once, and a waiter running through it all that
//! must not report a host lost that came back. Invariants come from the deploy
//! commands' own timestamp log. CI runs 3 rounds; `DEPLOYCTL_CHAOS_ROUNDS=50` soaks, and
//! `DEPLOYCTL_CHAOS_SEED` replays a run.

mod common;

use std::time::{Duration, Instant};

use common::ensemble::Ensemble;
use common::*;

const SLOTS: usize = 3;
const HOSTS: usize = 12;

/// xorshift64*: small, deterministic, replayable from the printed seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545F4914F6CDD1D) % n as u64) as usize
    }
}

fn env_num(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[test]
fn rollouts_survive_agent_kills_and_a_leader_change() {
    let rounds = env_num("DEPLOYCTL_CHAOS_ROUNDS").unwrap_or(3);
    let seed = env_num("DEPLOYCTL_CHAOS_SEED").unwrap_or_else(|| (now_ns() as u64) | 1);
    eprintln!("chaos seed {seed} (replay with DEPLOYCTL_CHAOS_SEED={seed})");
    let mut rng = Rng(seed);
    let mut ensemble = Ensemble::start();
    let env = TestEnv::with_servers("chaos", &ensemble.servers());
    for round in 0..rounds {
        let app = format!("chaos{round}");
        let names = hosts(&format!("r{round}-"), HOSTS);
        let mut agents: Vec<Agent> = names.iter().map(|h| env.agent(h, &[&app])).collect();
        env.wait_status(&app, Duration::from_secs(60), "agents registered", |st| {
            st["hosts"]
                .as_array()
                .is_some_and(|h| h.iter().filter(|h| h["registered"] == true).count() == HOSTS)
        });
        let log = env.path(&format!("round{round}.log"));
        let l = format!("log={}", log.display());
        let release = release_of(&env.json(&[
            "publish",
            &app,
            "1.0",
            "--slots",
            &SLOTS.to_string(),
            "--canary",
            "1",
            "--deploy-cmd",
            &logging_deploy("0.3"),
            "--get-version-cmd",
            GET_VERSION,
            "--var",
            &l,
        ]));

        // A waiter through the whole round: restarted agents are not lost, the verdict is success.
        let waiter = env
            .cmd()
            .args([
                "--output",
                "json",
                "wait-for-rollout",
                &app,
                "--timeout",
                "150s",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn wait-for-rollout");
        let started = Instant::now();
        let mut kills: Vec<(String, u128)> = vec![];
        // When a member was frozen: deploys of agents connected to it may be cut off then.
        let mut frozen_at: Option<u128> = None;
        let mut thawed_at: Option<u128> = None;
        let mut frozen: Option<(usize, Instant)> = None;
        let mut restarts: Vec<(usize, Instant)> = vec![];
        let mut leader: Option<(usize, Instant)> = None;
        let mut leader_done = false;
        while started.elapsed() < Duration::from_secs(6) {
            std::thread::sleep(Duration::from_millis(200));
            if rng.below(2) == 0 {
                let i = rng.below(HOSTS);
                if !restarts.iter().any(|(j, _)| *j == i) {
                    agents[i].kill9();
                    kills.push((names[i].clone(), now_ns()));
                    restarts.push((
                        i,
                        Instant::now() + Duration::from_millis(300 + rng.below(500) as u64),
                    ));
                }
            }
            if !leader_done
                && started.elapsed() > Duration::from_millis(1200)
                && let Some(l) = ensemble.leader()
            {
                ensemble.kill(l);
                leader = Some((l, Instant::now() + Duration::from_secs(2)));
                leader_done = true;
            }
            if frozen_at.is_none() && started.elapsed() > Duration::from_millis(3000) {
                let m = rng.below(3);
                ensemble.pause(m);
                frozen_at = Some(now_ns());
                frozen = Some((m, Instant::now() + Duration::from_millis(2500)));
            }
            let now = Instant::now();
            if let Some((m, at)) = frozen
                && at <= now
            {
                ensemble.resume(m);
                thawed_at = Some(now_ns());
                frozen = None;
            }
            for (i, _) in restarts.iter().filter(|(_, at)| *at <= now) {
                agents[*i] = env.agent(&names[*i], &[&app]);
            }
            restarts.retain(|(_, at)| *at > now);
            if let Some((l, at)) = leader
                && at <= now
            {
                ensemble.restart(l);
                leader = None;
            }
        }
        for (i, _) in restarts.drain(..) {
            agents[i] = env.agent(&names[i], &[&app]);
        }
        if let Some((l, _)) = leader.take() {
            ensemble.restart(l);
        }
        if let Some((m, _)) = frozen.take() {
            ensemble.resume(m);
            thawed_at = Some(now_ns());
        }
        ensemble.wait_for_quorum(Duration::from_secs(60));

        // Every host converges, and wait-for-rollout says so.
        env.wait_hosts(
            &app,
            &names,
            release,
            &["healthy", "current"],
            Duration::from_secs(90),
        );
        env.ok(&["wait-for-rollout", &app, "--timeout", "60s"]);
        let out = waiter.wait_with_output().expect("waiter output");
        let summary = schema::parse(schema::Kind::WaitSummary, &out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "round {round} (seed {seed}): the waiter through the chaos: {summary:#}"
        );

        // Never more than `slots` deploys at once. A deploy cut short by its agent's SIGKILL ends at
        // that kill (its guard kills the process group at once); one cut short by the freeze of
        // its agent's server ends within the agent's 2 s session timeout of the freeze (the
        // agent abandons it after a third of that, the guard's heartbeat stops it by then).
        let iv: Vec<Interval> = intervals(&log)
            .into_iter()
            .map(|i| {
                let killed = kills
                    .iter()
                    .filter(|(h, t)| *h == i.host && *t >= i.start)
                    .map(|(_, t)| *t)
                    .min();
                // Cut off by the freeze: 2 s after it began, or after the deploy began if that was
                // while the member was already frozen.
                let freeze_end = frozen_at
                    .zip(thawed_at)
                    .filter(|(_, thawed)| *thawed >= i.start)
                    .map(|(frozen, _)| frozen.max(i.start) + 2_000_000_000);
                let end = i.end.or(killed).or(freeze_end);
                Interval {
                    end: Some(end.unwrap_or_else(|| {
                        panic!("a deploy of {} never ended and was not killed", i.host)
                    })),
                    ..i
                }
            })
            .collect();
        let peak = max_overlap(&iv, now_ns());
        assert!(
            peak <= SLOTS,
            "round {round} (seed {seed}): {peak} deploys at once:\n{iv:?}"
        );
        assert!(iv.len() >= HOSTS, "every host deployed");

        // After every agent is gone, no lease or presence is left behind.
        drop(agents);
        env.wait_status(&app, Duration::from_secs(20), "no orphaned nodes", |st| {
            st["slots"].as_array().is_some_and(|s| s.is_empty())
                && st["hosts"]
                    .as_array()
                    .is_some_and(|h| h.iter().all(|h| h["registered"] == false))
        });
        eprintln!(
            "round {round}: {} kills, peak {peak} of {SLOTS}, {} deploys",
            kills.len(),
            iv.len()
        );
    }
}
