//! The command-line surface: the top-level parser and global flags. Each subcommand's own
//! arguments live beside its implementation in `cmd/`.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cmd;
use crate::zk::ZkOptions;

pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  rollout or deploy failed (a host failed, the release halted or was rolled back)
  2  bad usage or invalid input
  3  timed out
  4  ZooKeeper unreachable or not authorised";

#[derive(Debug, Parser)]
#[command(
    name = "deployctl",
    version,
    about = "Staggered, ZooKeeper-coordinated deployments driven from CI",
    after_help = EXIT_CODES_HELP
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Register a new release of an app in ZooKeeper
    Publish(Box<cmd::publish::PublishArgs>),
    /// Run the host daemon that rolls releases out on this host
    Agent(cmd::agent::AgentArgs),
    /// Block until every host runs the release, it fails, or the timeout passes
    WaitForRollout(cmd::wait::WaitArgs),
    /// Show every host's state for an app
    Status(cmd::status::StatusArgs),
    /// Hold the rollout: running deploys finish, no new slot is granted
    Pause(cmd::control::ControlArgs),
    /// Continue a paused rollout
    Resume(cmd::control::ControlArgs),
    /// Stop the current release for good
    Abort(cmd::control::ControlArgs),
    /// Publish an earlier release again, marked as a rollback
    Rollback(cmd::rollback::RollbackArgs),
    /// List the releases with their outcome
    History(cmd::history::HistoryArgs),
    /// Lock the tree down with ZooKeeper ACLs: publisher, agent and world permissions
    Init(cmd::init::InitArgs),
    /// List, show or delete apps
    Apps(cmd::apps::AppsArgs),
    /// Deploy over SSH to hosts without agents: canary first, then a bounded parallel pool
    SshPush(Box<cmd::ssh_push::SshPushArgs>),
    /// Run a real local rollout: throwaway ZooKeeper, N agents, two staggered releases
    Sandbox(cmd::sandbox::SandboxArgs),
    /// Print shell completions
    Completions(cmd::assets::CompletionsArgs),
    /// Print the man page (or write all pages with --out-dir)
    Man(cmd::assets::ManArgs),
    /// Write completions/ and man/ from the CLI definition (--check: fail on drift)
    #[command(hide = true)]
    GenerateAssets(cmd::assets::GenerateAssetsArgs),
    /// Internal: supervise one agent command (kills its process group when the agent goes)
    #[command(hide = true)]
    ExecGuard(cmd::exec_guard::ExecGuardArgs),
}

pub use crate::output::OutputFormat;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]
    #[arg(long, env = "DEPLOYCTL_ZK", global = true, value_name = "SERVERS")]
    pub zk: Option<String>,
    /// Root znode under which deployctl keeps its data [default: /deployctl]
    #[arg(long, env = "DEPLOYCTL_ZK_ROOT", global = true, value_name = "PATH")]
    pub zk_root: Option<String>,
    /// ZooKeeper digest credentials USER:PASSWORD
    #[arg(
        long,
        env = "DEPLOYCTL_ZK_AUTH",
        global = true,
        hide_env_values = true,
        value_name = "USER:PASSWORD"
    )]
    pub zk_auth: Option<String>,
    /// File holding USER:PASSWORD (keeps the secret out of argv and `ps`)
    #[arg(
        long,
        env = "DEPLOYCTL_ZK_AUTH_FILE",
        global = true,
        value_name = "FILE",
        conflicts_with = "zk_auth"
    )]
    pub zk_auth_file: Option<std::path::PathBuf>,
    /// Connect to ZooKeeper over TLS (its secure client port)
    #[arg(long, env = "DEPLOYCTL_ZK_TLS", global = true)]
    pub zk_tls: bool,
    /// PEM file of the CA that signed the ZooKeeper servers' certificates
    #[arg(
        long,
        env = "DEPLOYCTL_ZK_TLS_CA",
        global = true,
        value_name = "FILE",
        requires = "zk_tls"
    )]
    pub zk_tls_ca: Option<std::path::PathBuf>,
    /// PEM client certificate, for servers that authenticate clients
    #[arg(
        long,
        env = "DEPLOYCTL_ZK_TLS_CERT",
        global = true,
        value_name = "FILE",
        requires = "zk_tls_key"
    )]
    pub zk_tls_cert: Option<std::path::PathBuf>,
    /// PEM private key of the client certificate
    #[arg(
        long,
        env = "DEPLOYCTL_ZK_TLS_KEY",
        global = true,
        value_name = "FILE",
        requires = "zk_tls_cert"
    )]
    pub zk_tls_key: Option<std::path::PathBuf>,
    /// How long to try reaching ZooKeeper before giving up with exit code 4
    #[arg(long, env = "DEPLOYCTL_CONNECT_TIMEOUT", global = true, value_parser = humantime::parse_duration, default_value = "10s")]
    pub connect_timeout: Duration,
    /// Output format
    #[arg(
        long,
        env = "DEPLOYCTL_OUTPUT",
        global = true,
        value_enum,
        default_value_t
    )]
    pub output: OutputFormat,
    /// Log format on stderr (json for log shippers)
    #[arg(
        long,
        env = "DEPLOYCTL_LOG_FORMAT",
        global = true,
        value_enum,
        default_value_t
    )]
    pub log_format: LogFormat,
    /// More log output (repeat for more)
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Less output
    #[arg(short, long, action = clap::ArgAction::Count, global = true, conflicts_with = "verbose")]
    pub quiet: u8,
}

impl GlobalArgs {
    /// Connection settings; `config` values (from an agent config) sit between flags/env and defaults.
    pub fn zk_options(&self, config_zk: Option<&str>, config_root: Option<&str>) -> ZkOptions {
        let d = ZkOptions::default();
        ZkOptions {
            servers: self
                .zk
                .clone()
                .or(config_zk.map(str::to_string))
                .unwrap_or(d.servers),
            root: self
                .zk_root
                .clone()
                .or(config_root.map(str::to_string))
                .unwrap_or(d.root),
            auth: self.zk_auth.clone(),
            connect_timeout: self.connect_timeout,
            session_timeout: d.session_timeout,
            tls: self.zk_tls.then(|| crate::zk::TlsFiles {
                ca: self.zk_tls_ca.clone().unwrap_or_default(),
                cert: self.zk_tls_cert.clone(),
                key: self.zk_tls_key.clone(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
