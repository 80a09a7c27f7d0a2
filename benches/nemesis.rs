//! Nemesis soak (issue 23): seeded schedules of releases, operator commands, waiters and faults
//! against a real ZooKeeper, real agents and real CLI processes, each history checked
//! (tests/common/nemesis.rs). Prints a report: schedules explored, operations, faults injected,
//! violations per invariant (with the seeds that found them), elapsed time.
//!
//! `cargo bench --bench nemesis` runs for `NEMESIS_SECS` (default 300) or `NEMESIS_SCHEDULES`
//! schedules, from `NEMESIS_SEED` (default: the clock) on. `--profile dev` reuses the test
//! build (the processes under test are what is measured, not this harness). Replay a finding with
//! `NEMESIS_SEED=<n> cargo test --test nemesis -- --nocapture`.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/common/nemesis.rs"]
mod nemesis;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn env_num(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let secs = env_num("NEMESIS_SECS").unwrap_or(300);
    let limit = env_num("NEMESIS_SCHEDULES");
    let first = env_num("NEMESIS_SEED").unwrap_or_else(|| (common::now_ns() as u64) % 1_000_000);
    let budget = Duration::from_secs(secs);
    let started = Instant::now();
    let mut nem = nemesis::Nemesis::new();
    nem.verbose = std::env::var_os("NEMESIS_VERBOSE").is_some();
    let (mut schedules, mut ops, mut faults, mut skipped) = (0u64, 0usize, 0usize, 0usize);
    let mut per: BTreeMap<&'static str, Vec<u64>> = BTreeMap::new();
    let mut examples: Vec<String> = vec![];
    let mut seed = first;
    loop {
        if let Some(n) = limit {
            if schedules >= n {
                break;
            }
        } else if started.elapsed() >= budget {
            break;
        }
        let o = nem.run(seed);
        schedules += 1;
        ops += o.ops;
        faults += o.faults;
        skipped += o.skipped_faults;
        eprintln!(
            "seed {seed}: {} ops, {} faults, {} violation(s), {:.1?}",
            o.ops,
            o.faults,
            o.violations.len(),
            o.elapsed
        );
        for v in o.violations {
            let seeds = per.entry(v.invariant).or_default();
            if !seeds.contains(&seed) {
                seeds.push(seed);
            }
            if examples.len() < 30 {
                examples.push(v.to_string());
            }
        }
        seed += 1;
    }
    let elapsed = started.elapsed();
    println!("nemesis report");
    println!("  seeds              {first}..{}", seed.saturating_sub(1));
    println!("  schedules          {schedules}");
    println!("  operations         {ops}");
    println!("  faults injected    {faults} ({skipped} skipped: no target)");
    println!("  elapsed            {:.1?}", elapsed);
    if per.is_empty() {
        println!("  violations         none");
    } else {
        println!("  violations (invariant: schedules, seeds)");
        for (inv, seeds) in &per {
            println!("    {inv:<22} {:>3}  {seeds:?}", seeds.len());
        }
        println!("  examples");
        for e in &examples {
            println!("    {e}");
        }
    }
}
