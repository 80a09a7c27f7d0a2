//! ssh-push: staggered deploys over SSH to hosts without agents (or locally with `--local`).

pub mod inventory;
pub mod plan;
pub mod planner;
pub mod runner;
pub mod transport;
pub mod zk_link;
