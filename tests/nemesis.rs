//! The nemesis (Jepsen-style, issue 23): seeded schedules of releases, operator commands,
//! waiters and faults against a real ZooKeeper, real agents and real CLI processes; a checker
//! over the recorded history (tests/common/nemesis.rs). Every violation is printed with its seed
//! and a one-line reproduction; the test fails if there is any.
//!
//! `NEMESIS_SEED=<n>` plays seed n (and the `NEMESIS_SCHEDULES - 1` seeds after it);
//! `NEMESIS_SCHEDULES=<k>` plays seeds 1..=k; `NEMESIS_SEEDS=a,b,c` plays those (default: a
//! short fixed pass, `DEFAULT_SEEDS`). `NEMESIS_REPEAT=<r>` plays each seed r times (the
//! schedule is the seed's, the interleaving with real processes is not), `NEMESIS_VERBOSE=1`
//! prints each operation, `NEMESIS_DRY=1` only prints the schedules,
//! `DEPLOYCTL_KEEP_TEST_DIRS=1` keeps each schedule's dir (logs, waiter outputs). The variables
//! apply to both passes: the plain one and the one with deploy freezes.

mod common;
#[path = "common/nemesis.rs"]
mod nemesis;

use nemesis::Nemesis;

fn env_num(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// The default pass (CI runs it with `cargo test`): seeds whose schedules reach the known
/// failure modes — 6: a kill in a health check, hosts killed waiting at a step; 64: two
/// `--on-timeout rollback` waiters of one timed-out release; 20: ZooKeeper restarted during the
/// health checks; 22: a progress deadline with kills around a success; 57: `--steps
/// 1,pause,100%` with the hosts waiting at the gate killed; 101: every host failing within
/// `--max-failures`; 226: `--steps 1,100%` with the canary killed in its health check.
/// The schedule is the seed's; whether a race is hit depends on the machine.
const DEFAULT_SEEDS: &[u64] = &[6, 20, 22, 57, 64, 101, 226];

/// The freeze pass: schedules with deploy freezes that end by themselves (agents wake for it),
/// early unfreezes and break-glass publishes (`nemesis::generate_with_freezes`) — 3: an abort,
/// ZooKeeper restarted, two freezes around a pause and a promote; 6: a progress deadline, a freeze
/// over kills in a health check and at a gate, then unfrozen early; 9: an auto-rollback release, a
/// freeze and unfreeze, then a break-glass publish. Seeds 1–12 were played in a hunt: no
/// violation.
const DEFAULT_FREEZE_SEEDS: &[u64] = &[3, 6, 9];

/// The seeds to play: from the environment (see the module docs), else `default`; each
/// `NEMESIS_REPEAT` times.
fn seeds(default: &[u64]) -> Vec<u64> {
    let list: Option<Vec<u64>> = std::env::var("NEMESIS_SEEDS")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect());
    let seeds: Vec<u64> = match (env_num("NEMESIS_SEED"), env_num("NEMESIS_SCHEDULES")) {
        _ if list.is_some() => list.unwrap_or_default(),
        (Some(s), n) => (s..s + n.unwrap_or(1)).collect(),
        (None, Some(n)) => (1..=n).collect(),
        (None, None) => default.to_vec(),
    };
    // The schedule is the seed's; the interleaving with real processes is not: replay a seed
    // several times to catch a race it found.
    let repeat = env_num("NEMESIS_REPEAT").unwrap_or(1).max(1);
    seeds
        .into_iter()
        .flat_map(|s| std::iter::repeat_n(s, repeat as usize))
        .collect()
}

/// Play `seeds` (`NEMESIS_DRY`: print their schedules only) and fail on any violation.
fn play(
    seeds: Vec<u64>,
    schedule: fn(u64) -> nemesis::Schedule,
    run: fn(&mut Nemesis, u64) -> nemesis::Outcome,
) {
    if std::env::var_os("NEMESIS_DRY").is_some() {
        // Print the schedules only (to pick seeds for a scenario).
        for seed in seeds {
            eprintln!("seed {seed}: {:?}", schedule(seed));
        }
        return;
    }
    let mut nem = Nemesis::new();
    nem.verbose = std::env::var_os("NEMESIS_VERBOSE").is_some();
    let mut all = vec![];
    for seed in seeds {
        let o = run(&mut nem, seed);
        eprintln!(
            "nemesis seed {seed}: {} ops, {} faults ({} skipped), {} violation(s), {:.1?}",
            o.ops,
            o.faults,
            o.skipped_faults,
            o.violations.len(),
            o.elapsed
        );
        for v in &o.violations {
            eprintln!("VIOLATION {v}");
        }
        all.extend(o.violations);
    }
    assert!(
        all.is_empty(),
        "{} violation(s):\n{}",
        all.len(),
        all.iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn nemesis_schedules_keep_the_invariants() {
    play(seeds(DEFAULT_SEEDS), nemesis::generate, Nemesis::run);
}

#[test]
fn nemesis_schedules_with_freezes_keep_the_invariants() {
    play(
        seeds(DEFAULT_FREEZE_SEEDS),
        nemesis::generate_with_freezes,
        Nemesis::run_with_freezes,
    );
}
