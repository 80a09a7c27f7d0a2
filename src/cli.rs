//! The command-line surface: the top-level parser and global flags. Each subcommand's own
//! arguments live beside its implementation in `cmd/`.

use std::ffi::OsString;
use std::time::{Duration, SystemTime};

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::cmd;
use crate::error::ExitCode;
use crate::zk::ZkOptions;

/// Help headings of the global flags, so each subcommand's own options stand apart.
pub const ZK_HEADING: &str = "ZooKeeper options";
pub const GLOBAL_HEADING: &str = "Global options";

/// The exit-code table shown after every command's `--help`, from the one list in `error.rs`.
pub fn exit_codes_help() -> String {
    let mut s = String::from("Exit codes:");
    for c in ExitCode::ALL {
        s.push_str(&format!("\n  {}  {}", c.code(), c.meaning()));
    }
    s
}

/// The CLI as parsed and documented: the derive definition plus what derive cannot express —
/// the exit-code table after every command's help, and usage lines that do not depend on which
/// global flags happen to be set (clap lists the flags present, environment included, in the
/// usage of an error, so `DEPLOYCTL_ZK=… wait-for-rollout` looked as if `--zk` were required).
pub fn command() -> clap::Command {
    let mut built = Cli::command();
    built.build();
    fn decorate(c: clap::Command, built: &clap::Command, help: &str) -> clap::Command {
        let mut c = c.after_help(help.to_string());
        if built.get_bin_name() != Some("deployctl") {
            let usage = built.clone().render_usage().to_string();
            let usage = usage.trim_start_matches("Usage:").trim().to_string();
            c = c.override_usage(usage);
        }
        // Only the declared subcommands: `built` also has clap's generated `help` ones.
        let names: Vec<String> = c
            .get_subcommands()
            .map(|s| s.get_name().to_string())
            .collect();
        for name in names {
            if let Some(sub) = built.find_subcommand(&name) {
                c = c.mut_subcommand(&name, |s| decorate(s, sub, help));
            }
        }
        c
    }
    decorate(Cli::command(), &built, &exit_codes_help())
}

impl Cli {
    /// Parse the process arguments with [`command`]; on bad usage, exit 2 with clap's message
    /// (one JSON line when `--log-format json` was asked for).
    pub fn parse_args() -> Cli {
        let args: Vec<OsString> = std::env::args_os().collect();
        let parsed = command()
            .try_get_matches_from(&args)
            .and_then(|m| Cli::from_arg_matches(&m));
        match parsed {
            Ok(cli) => cli,
            // With `--output json` a usage error is the one JSON document on stdout too.
            Err(e) if e.use_stderr() && output_requested(&args) == OutputFormat::Json => {
                let text = e.render().to_string();
                let text = text.trim_end().trim_start_matches("error: ");
                let doc = crate::output::report::RunError::from_message(
                    command_named(&args),
                    None,
                    text.to_string(),
                    e.exit_code(),
                );
                println!("{}", serde_json::to_string(&doc).unwrap_or_default());
                match log_format_requested(&args) {
                    LogFormat::Json => {
                        eprintln!("{}", error_line(LogFormat::Json, text, e.exit_code()))
                    }
                    LogFormat::Text => eprintln!("{}", e.render().to_string().trim_end()),
                }
                std::process::exit(e.exit_code());
            }
            // --help and --version go to stdout as they are.
            Err(e) if e.use_stderr() && log_format_requested(&args) == LogFormat::Json => {
                let text = e.render().to_string();
                let text = text.trim_end().trim_start_matches("error: ");
                eprintln!("{}", error_line(LogFormat::Json, text, e.exit_code()));
                std::process::exit(e.exit_code());
            }
            Err(e) => e.exit(),
        }
    }
}

/// The log format asked for on the command line or in the environment, read before parsing so
/// that a usage error follows it too.
fn log_format_requested(args: &[OsString]) -> LogFormat {
    let mut words = args.iter().skip(1).map(|a| a.to_string_lossy());
    let mut format = std::env::var("DEPLOYCTL_LOG_FORMAT").ok();
    while let Some(w) = words.next() {
        if w == "--" {
            break;
        } else if w == "--log-format" {
            format = words.next().map(|v| v.into_owned());
        } else if let Some(v) = w.strip_prefix("--log-format=") {
            format = Some(v.to_string());
        }
    }
    match format.as_deref() {
        Some("json") => LogFormat::Json,
        _ => LogFormat::Text,
    }
}

/// The output format asked for on the command line or in the environment, read before parsing
/// so that a usage error follows it too.
fn output_requested(args: &[OsString]) -> OutputFormat {
    let mut words = args.iter().skip(1).map(|a| a.to_string_lossy());
    let mut format = std::env::var("DEPLOYCTL_OUTPUT").ok();
    while let Some(w) = words.next() {
        if w == "--" {
            break;
        } else if w == "--output" {
            format = words.next().map(|v| v.into_owned());
        } else if let Some(v) = w.strip_prefix("--output=") {
            format = Some(v.to_string());
        }
    }
    match format.as_deref() {
        Some("json") => OutputFormat::Json,
        _ => OutputFormat::Human,
    }
}

/// The subcommand named on a command line that did not parse (`deployctl` when none is).
fn command_named(args: &[OsString]) -> &'static str {
    let c = Cli::command();
    for a in args.iter().skip(1) {
        let a = a.to_string_lossy();
        if let Some(sub) = c.get_subcommands().find(|s| s.get_name() == a) {
            return Command::from_name(sub.get_name());
        }
    }
    "deployctl"
}

/// The line a failed command ends with on stderr: `error: …`, or with `--log-format json` one
/// JSON object shaped like the JSON log lines (timestamp, level, fields.message, target), so
/// that every stderr line is JSON for a log shipper.
pub fn error_line(format: LogFormat, message: &str, exit_code: i32) -> String {
    match format {
        LogFormat::Text => format!("error: {message}"),
        LogFormat::Json => serde_json::json!({
            "timestamp": humantime::format_rfc3339_micros(SystemTime::now()).to_string(),
            "level": "ERROR",
            "fields": { "message": message, "exit_code": exit_code },
            "target": "deployctl",
        })
        .to_string(),
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "deployctl",
    version,
    about = "Staggered, ZooKeeper-coordinated deployments driven from CI"
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
    /// Freeze deploys of an app: no host starts one until `unfreeze` or --until
    Freeze(cmd::freeze::FreezeArgs),
    /// Lift an app's deploy freeze
    Unfreeze(cmd::freeze::UnfreezeArgs),
    /// Pass the gate a stepped release (--steps) waits at
    Promote(cmd::promote::PromoteArgs),
    /// Publish an earlier release again, marked as a rollback
    Rollback(cmd::rollback::RollbackArgs),
    /// Restart every host at the current version, through the same slots, canary and health gate
    Restart(cmd::restart::RestartArgs),
    /// List the releases with their outcome
    History(cmd::history::HistoryArgs),
    /// Lock the tree down with ZooKeeper ACLs: publisher, agent and world permissions
    Init(cmd::init::InitArgs),
    /// List, show or delete apps
    Apps(cmd::apps::AppsArgs),
    /// Every host with the apps it serves, their versions and states (or delete a dead host)
    Hosts(cmd::hosts::HostsArgs),
    /// Deploy over SSH to hosts without agents: canary first, then a bounded parallel pool
    SshPush(Box<cmd::ssh_push::SshPushArgs>),
    /// Serve a live web page of every rollout, a JSON API, Prometheus metrics and webhooks
    Serve(cmd::serve::ServeArgs),
    /// Run a real local rollout: throwaway ZooKeeper, N agents, two staggered releases
    Sandbox(cmd::sandbox::SandboxArgs),
    /// Check a downloaded file against the SHA-256 the release pins (--artifact-sha256)
    VerifyArtifact(cmd::verify_artifact::VerifyArtifactArgs),
    /// Print shell completions
    Completions(cmd::assets::CompletionsArgs),
    /// Print the man page (or write all pages with --out-dir)
    Man(cmd::assets::ManArgs),
    /// Write completions/ and man/ from the CLI definition (--check: fail on drift)
    #[command(hide = true)]
    GenerateAssets(cmd::assets::GenerateAssetsArgs),
}

impl Command {
    /// The command's name as typed (`apps show`, `hosts delete` with their action), for the
    /// error report of a run that ended without a result.
    pub fn name(&self) -> &'static str {
        use cmd::apps::AppsAction;
        use cmd::hosts::HostsAction;
        match self {
            Command::Publish(_) => "publish",
            Command::Agent(_) => "agent",
            Command::WaitForRollout(_) => "wait-for-rollout",
            Command::Status(_) => "status",
            Command::Pause(_) => "pause",
            Command::Resume(_) => "resume",
            Command::Abort(_) => "abort",
            Command::Promote(_) => "promote",
            Command::Freeze(_) => "freeze",
            Command::Unfreeze(_) => "unfreeze",
            Command::Rollback(_) => "rollback",
            Command::Restart(_) => "restart",
            Command::History(_) => "history",
            Command::Init(_) => "init",
            Command::Apps(a) => match a.action {
                None | Some(AppsAction::List) => "apps",
                Some(AppsAction::Show { .. }) => "apps show",
                Some(AppsAction::Delete { .. }) => "apps delete",
            },
            Command::Hosts(h) => match h.action {
                None => "hosts",
                Some(HostsAction::Delete { .. }) => "hosts delete",
            },
            Command::SshPush(_) => "ssh-push",
            Command::Serve(_) => "serve",
            Command::Sandbox(_) => "sandbox",
            Command::VerifyArtifact(_) => "verify-artifact",
            Command::Completions(_) => "completions",
            Command::Man(_) => "man",
            Command::GenerateAssets(_) => "generate-assets",
        }
    }

    /// The static name of a subcommand clap knows (for a command line that did not parse).
    fn from_name(name: &str) -> &'static str {
        const NAMES: &[&str] = &[
            "publish",
            "agent",
            "wait-for-rollout",
            "status",
            "pause",
            "resume",
            "abort",
            "promote",
            "freeze",
            "unfreeze",
            "rollback",
            "restart",
            "history",
            "init",
            "apps",
            "hosts",
            "ssh-push",
            "serve",
            "sandbox",
            "verify-artifact",
            "completions",
            "man",
            "generate-assets",
        ];
        NAMES
            .iter()
            .find(|n| **n == name)
            .copied()
            .unwrap_or("deployctl")
    }

    /// The one app the command is about, when it names one.
    pub fn app(&self) -> Option<&str> {
        use cmd::apps::AppsAction;
        match self {
            Command::Publish(a) => a.app.as_deref(),
            Command::WaitForRollout(a) if a.apps.len() == 1 => a.apps.first().map(String::as_str),
            Command::Agent(a) if a.apps.len() == 1 => a.apps.first().map(String::as_str),
            Command::Status(a) => Some(a.app.as_str()),
            Command::Pause(a) | Command::Resume(a) | Command::Abort(a) => Some(a.app.as_str()),
            Command::Promote(a) => Some(a.app.as_str()),
            Command::Freeze(a) => Some(a.app.as_str()),
            Command::Unfreeze(a) => Some(a.app.as_str()),
            Command::Rollback(a) => Some(a.app.as_str()),
            Command::Restart(a) => Some(a.app.as_str()),
            Command::History(a) => Some(a.app.as_str()),
            Command::Apps(a) => match &a.action {
                Some(AppsAction::Show { app }) | Some(AppsAction::Delete { app, .. }) => {
                    Some(app.as_str())
                }
                _ => None,
            },
            Command::SshPush(a) => a.app.as_deref(),
            _ => None,
        }
        .filter(|a| !a.is_empty())
    }
}

pub use crate::output::OutputFormat;
use crate::settings::Combine;

/// When stderr gets ANSI colours (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    Never,
    // Only when stderr is a terminal and `NO_COLOR` is unset or empty.
    #[default]
    Auto,
    Always,
}

impl ColorChoice {
    /// Whether stderr gets colours: `auto` asks whether stderr is a terminal and honours
    /// `NO_COLOR` (https://no-color.org); `always` and `never` are what they say.
    pub fn for_stderr(self) -> bool {
        use std::io::IsTerminal;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        decide(self, std::io::stderr().is_terminal(), no_color)
    }
}

/// Pure: colour or not, from the choice, whether the stream is a terminal and `NO_COLOR`.
pub fn decide(choice: ColorChoice, terminal: bool, no_color: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && !no_color,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// ZooKeeper servers, HOST:PORT[,HOST:PORT...] [default: 127.0.0.1:2181]
    #[arg(long, env = "DEPLOYCTL_ZK", global = true, help_heading = ZK_HEADING, value_name = "SERVERS")]
    pub zk: Option<String>,
    /// Root znode under which deployctl keeps its data [default: /deployctl]
    #[arg(long, env = "DEPLOYCTL_ZK_ROOT", global = true, help_heading = ZK_HEADING, value_name = "PATH")]
    pub zk_root: Option<String>,
    /// ZooKeeper digest credentials USER:PASSWORD
    #[arg(
        long,
        env = "DEPLOYCTL_ZK_AUTH",
        global = true, help_heading = ZK_HEADING,
        hide_env_values = true,
        value_name = "USER:PASSWORD"
    )]
    pub zk_auth: Option<String>,
    /// File holding USER:PASSWORD (keeps the secret out of argv and `ps`)
    #[arg(
        long,
        env = "DEPLOYCTL_ZK_AUTH_FILE",
        global = true, help_heading = ZK_HEADING,
        value_name = "FILE",
        conflicts_with = "zk_auth"
    )]
    pub zk_auth_file: Option<std::path::PathBuf>,
    /// Connect to ZooKeeper over TLS (its secure client port)
    #[arg(long, env = "DEPLOYCTL_ZK_TLS", global = true, help_heading = ZK_HEADING)]
    pub zk_tls: bool,
    /// PEM file of the CA that signed the ZooKeeper servers' certificates
    #[arg(
        long,
        env = "DEPLOYCTL_ZK_TLS_CA",
        global = true, help_heading = ZK_HEADING,
        value_name = "FILE",
        requires = "zk_tls"
    )]
    pub zk_tls_ca: Option<std::path::PathBuf>,
    /// PEM client certificate, for servers that authenticate clients
    #[arg(
        long,
        env = "DEPLOYCTL_ZK_TLS_CERT",
        global = true, help_heading = ZK_HEADING,
        value_name = "FILE",
        requires = "zk_tls_key"
    )]
    pub zk_tls_cert: Option<std::path::PathBuf>,
    /// PEM private key of the client certificate
    #[arg(
        long,
        env = "DEPLOYCTL_ZK_TLS_KEY",
        global = true, help_heading = ZK_HEADING,
        value_name = "FILE",
        requires = "zk_tls_cert"
    )]
    pub zk_tls_key: Option<std::path::PathBuf>,
    /// How long to try reaching ZooKeeper before giving up with exit code 4
    #[arg(long, env = "DEPLOYCTL_CONNECT_TIMEOUT", global = true, help_heading = ZK_HEADING, value_parser = crate::validate::duration, default_value = "10s")]
    pub connect_timeout: Duration,
    /// Output format
    #[arg(
        long,
        env = "DEPLOYCTL_OUTPUT",
        global = true, help_heading = GLOBAL_HEADING,
        value_enum,
        default_value_t
    )]
    pub output: OutputFormat,
    /// Log format on stderr (json for log shippers)
    #[arg(
        long,
        env = "DEPLOYCTL_LOG_FORMAT",
        global = true, help_heading = GLOBAL_HEADING,
        value_enum,
        default_value_t
    )]
    pub log_format: LogFormat,
    /// Colours in the logs on stderr: auto = only on a terminal, and not when NO_COLOR is set
    #[arg(
        long,
        env = "DEPLOYCTL_COLOR",
        global = true, help_heading = GLOBAL_HEADING,
        value_enum,
        value_name = "WHEN",
        default_value_t
    )]
    pub color: ColorChoice,
    /// More log output (repeat for more)
    #[arg(short, long, action = clap::ArgAction::Count, global = true, help_heading = GLOBAL_HEADING)]
    pub verbose: u8,
    /// Less output
    #[arg(short, long, action = clap::ArgAction::Count, global = true, help_heading = GLOBAL_HEADING, conflicts_with = "verbose")]
    pub quiet: u8,
}

impl GlobalArgs {
    /// Connection settings; `config` values (from an agent config) sit between flags/env and defaults.
    pub fn zk_options(&self, config_zk: Option<&str>, config_root: Option<&str>) -> ZkOptions {
        let d = ZkOptions::default();
        // Flags (and their environment variables, folded in by clap) over the config file.
        ZkOptions {
            servers: self
                .zk
                .clone()
                .combine(config_zk.map(str::to_string))
                .unwrap_or(d.servers),
            root: self
                .zk_root
                .clone()
                .combine(config_root.map(str::to_string))
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
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(decide(ColorChoice::Auto, true, false));
        assert!(!decide(ColorChoice::Auto, false, false));
        assert!(!decide(ColorChoice::Auto, true, true));
        assert!(decide(ColorChoice::Always, false, true));
        assert!(!decide(ColorChoice::Never, true, false));
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
        command().debug_assert();
    }
}
