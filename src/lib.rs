//! deployctl: staggered, ZooKeeper-coordinated deployments driven from CI.
//!
//! Layout: `cli` (the parser), `cmd` (one module per subcommand), `agent` (the host daemon),
//! `zk` (ZooKeeper layout, typed store, slot semaphore), `rollout` (pure views of a rollout), `policy` (pure rollout-safety decisions, below `zk`),
//! `render` (command templates), `exec` (running one command locally, under its supervisor), `model` (stored records), `validate`, `output`, `error`.

pub mod agent;
pub mod checks;
pub mod cli;
pub mod cmd;
pub mod error;
pub mod exec;
pub mod git;
pub mod http;
pub mod model;
pub mod ops;
pub mod output;
pub mod policy;
pub mod prometheus;
pub mod render;
pub mod rollout;
pub mod secrets;
pub mod serve;
pub mod settings;
pub mod signing;
pub mod ssh;
pub mod validate;
pub mod zk;

#[cfg(test)]
mod proptests;
