//! `deployctl ssh-push`: run a command or a staged plan on hosts over SSH.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::Ctx;
use super::report::{ReportArgs, Reports};
use crate::error::{Error, Result};
use crate::output::report::Outcome;
use crate::ssh::inventory::{self, Target};
use crate::ssh::plan::{self, Plan};
use crate::ssh::runner::{self, PushOptions, PushSummary};
use crate::ssh::transport::{Connector, SshOptions};
use crate::ssh::zk_link::{ZkLink, status_name};
use crate::validate;

#[derive(Debug, Args)]
pub struct SshPushArgs {
    /// Hosts, [user@]host[:port], comma-separated
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "HOST,...",
        conflicts_with = "inventory",
        required_unless_present_any = ["inventory", "rerun_failed"]
    )]
    pub hosts: Vec<String>,
    /// Inventory file: one [user@]host[:port] per line, `#` comments, `[group]` sections
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,
    /// Only the hosts of this inventory section
    #[arg(long, value_name = "NAME", requires = "inventory")]
    pub group: Option<String>,
    /// The command to run on each host (a template; values are shell-quoted)
    #[arg(
        long,
        value_name = "TEMPLATE",
        conflicts_with = "plan",
        required_unless_present = "plan"
    )]
    pub cmd: Option<String>,
    /// A TOML plan of stages (see docs/ssh-push.md)
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// The version being deployed ({{ version }} in commands)
    #[arg(long)]
    pub version: Option<String>,
    /// Take this app's ZooKeeper slots and report status like its agents (needs a published
    /// release; its version is used when --version is not given)
    #[arg(long, value_name = "APP")]
    pub app: Option<String>,
    /// Template variable, {{ vars.NAME }} (repeatable)
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = super::publish::parse_var)]
    pub vars: Vec<(String, String)>,
    /// Secret template variable: masked in every output (repeatable)
    #[arg(long = "secret-var", value_name = "NAME=VALUE", value_parser = super::publish::parse_var)]
    pub secret_vars: Vec<(String, String)>,
    /// Hosts running at once after the canaries
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub parallel: u32,
    /// The first N hosts run first; a failure there stops everything
    #[arg(long, default_value_t = 1)]
    pub canary: u32,
    /// Extra attempts per command, with doubling backoff
    #[arg(long, default_value_t = 0)]
    pub retries: u32,
    /// First delay between attempts
    #[arg(long, value_parser = crate::validate::duration, default_value = "1s", value_name = "DURATION")]
    pub retry_delay: Duration,
    /// Timeout of each command
    #[arg(long, value_parser = crate::validate::duration, default_value = "10m", value_name = "DURATION")]
    pub timeout: Duration,
    /// Keep going on the other hosts after a (non-canary) failure
    #[arg(long)]
    pub continue_on_error: bool,
    /// Failed hosts tolerated, as a count or N% of the hosts: one more stops the push; within
    /// it the push goes on and succeeds (as a rollout does) [default: 0]
    #[arg(long, value_name = "N|N%", value_parser = super::publish::parse_budget, conflicts_with = "continue_on_error")]
    pub max_failures: Option<crate::model::FailureBudget>,
    /// Prints the version a host runs; a host already at --version runs nothing (`current`)
    #[arg(long, value_name = "TEMPLATE")]
    pub get_version_cmd: Option<String>,
    /// Push only to the hosts that failed in an earlier run's JSON report (its --json-file, or
    /// its JSON stdout); with --hosts/--inventory, only those of them
    #[arg(long, value_name = "REPORT.json")]
    pub rerun_failed: Option<PathBuf>,
    /// Only the hosts whose name matches one of these globs (`*`, `?`, `[a-z]`), comma-separated
    #[arg(long, value_name = "PATTERN")]
    pub limit: Option<String>,
    /// Extra ssh_config option, e.g. --ssh-option ProxyJump=bastion (repeatable)
    #[arg(long = "ssh-option", value_name = "KEY=VALUE", value_parser = parse_ssh_option)]
    pub ssh_options: Vec<(String, String)>,
    /// Private key to use (only this key is offered)
    #[arg(long, value_name = "FILE")]
    pub identity: Option<PathBuf>,
    /// Remote user when a host does not name one
    #[arg(long)]
    pub user: Option<String>,
    /// SSH connect timeout
    #[arg(long, value_parser = crate::validate::duration, default_value = "10s", value_name = "DURATION")]
    pub ssh_timeout: Duration,
    /// Do not check host keys (host key checking is on by default)
    #[arg(long)]
    pub insecure_ignore_host_keys: bool,
    /// Run on this machine without SSH (hosts must be `localhost`)
    #[arg(long)]
    pub local: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

fn parse_ssh_option(s: &str) -> std::result::Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not KEY=VALUE"))?;
    if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!("{k:?} is not an ssh_config keyword"));
    }
    if v.contains('\n') {
        return Err("option values cannot contain newlines".into());
    }
    // ssh takes the first value it sees, and host keys are checked strictly on its command line:
    // a config-file override would be silently ignored, so say how to get what was meant.
    if k.eq_ignore_ascii_case("StrictHostKeyChecking") && !v.eq_ignore_ascii_case("yes") {
        return Err(
            "host keys are always checked strictly here; use --insecure-ignore-host-keys to skip the check (test hosts only)"
                .into(),
        );
    }
    Ok((k.to_string(), v.to_string()))
}

/// Pure: which hosts, which stages.
fn targets(args: &SshPushArgs) -> Result<Vec<Target>> {
    let failed = match &args.rerun_failed {
        Some(p) => Some(failed_hosts(p)?),
        None => None,
    };
    let mut targets = match (&args.inventory, &failed) {
        (Some(p), _) => {
            let text =
                std::fs::read_to_string(p).map_err(|e| Error::input_file("inventory", p, e))?;
            inventory::select(&inventory::parse_inventory(&text)?, args.group.as_deref())?
        }
        (None, Some(failed)) if args.hosts.is_empty() => failed
            .iter()
            .map(|h| Target::parse(h))
            .collect::<Result<_>>()?,
        (None, _) => args
            .hosts
            .iter()
            .map(|h| Target::parse(h))
            .collect::<Result<_>>()?,
    };
    if let (Some(failed), Some(p)) = (&failed, &args.rerun_failed) {
        targets.retain(|t| failed.contains(&t.name()));
        if targets.is_empty() {
            return Err(Error::invalid(
                "--rerun-failed",
                p.display(),
                "names no failed host among the hosts given",
            ));
        }
    }
    if let Some(limit) = &args.limit {
        let patterns = inventory::parse_limit(limit)?;
        targets.retain(|t| inventory::limit_matches(&patterns, t));
        if targets.is_empty() {
            return Err(Error::invalid(
                "--limit",
                limit,
                "matches none of the hosts",
            ));
        }
    }
    if targets.is_empty() {
        return Err(Error::Usage("no hosts to push to".into()));
    }
    if args.local
        && let Some(t) = targets.iter().find(|t| !t.is_local())
    {
        return Err(Error::invalid(
            "host",
            t.name(),
            "--local runs only on `localhost`",
        ));
    }
    Ok(targets)
}

/// The hosts that failed in an earlier ssh-push's JSON report (a host whose `failed_stage` is
/// set: it failed or was unreachable in a stage that may not fail).
fn failed_hosts(path: &std::path::Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::input_file("--rerun-failed report", path, e))?;
    let bad = |why: String| Error::invalid("--rerun-failed report", path.display(), why);
    let v: serde_json::Value =
        serde_json::from_str(text.trim()).map_err(|e| bad(format!("not JSON: {e}")))?;
    let hosts = v
        .get("hosts")
        .and_then(|h| h.as_array())
        .filter(|_| v.get("stages").is_some())
        .ok_or_else(|| bad("is not an ssh-push JSON report (no `stages` and `hosts`)".into()))?;
    let failed: Vec<String> = hosts
        .iter()
        .filter(|h| h.get("failed_stage").is_some_and(|s| s.is_string()))
        .filter_map(|h| h.get("host").and_then(|n| n.as_str()).map(str::to_string))
        .collect();
    if failed.is_empty() {
        return Err(bad("lists no failed host: nothing to rerun".into()));
    }
    Ok(failed)
}

fn plan(args: &SshPushArgs) -> Result<Plan> {
    match (&args.cmd, &args.plan) {
        (Some(c), _) => plan::single(c),
        (None, Some(p)) => {
            let text = std::fs::read_to_string(p).map_err(|e| Error::input_file("plan", p, e))?;
            plan::parse_plan(&text, &p.display().to_string())
        }
        (None, None) => Err(Error::Usage("ssh-push needs --cmd or --plan".into())),
    }
}

pub async fn run(ctx: &Ctx, args: SshPushArgs) -> Result<()> {
    let mut reports = Reports::new(ctx, &args.report, "ssh-push", args.app.as_deref());
    let summary = push(ctx, &args, &mut reports).await;
    reports.conclude(summary.map(|summary| Outcome::Push {
        summary,
        app: args.app.clone(),
    }))
}

/// Check the input, connect, push; progress goes to `reports`, the caller concludes them.
async fn push(ctx: &Ctx, args: &SshPushArgs, reports: &mut Reports) -> Result<PushSummary> {
    let targets = targets(args)?;
    let plan = plan(args)?;
    // The flags win over the plan file's settings (`--continue-on-error` over its
    // `max_failures`).
    let max_failures = match args.continue_on_error {
        true => None,
        false => args.max_failures.or(plan.max_failures),
    };
    let get_version_cmd = args.get_version_cmd.clone().or(plan.get_version_cmd);
    if let Some(t) = &get_version_cmd {
        crate::render::check_syntax(t)?;
        if args.version.is_none() && args.app.is_none() {
            return Err(Error::Usage(
                "--get-version-cmd needs the version to compare with (--version or --app)".into(),
            ));
        }
    }
    for (k, v) in args.vars.iter().chain(&args.secret_vars) {
        validate::var_value(k, v)?;
    }
    let mut version = args.version.clone().unwrap_or_default();
    if !version.is_empty() {
        validate::version(&version)?;
    }
    let link = match &args.app {
        Some(app) => {
            validate::app_name(app)?;
            let link = ZkLink::connect(
                &ctx.global.zk_options(None, None),
                app,
                args.version.as_deref(),
            )
            .await?;
            version = link.spec.version.clone();
            for t in &targets {
                link.register(&status_name(&t.name())).await?;
            }
            Some(std::sync::Arc::new(link))
        }
        None => None,
    };
    if let Some(u) = &args.user {
        Target::parse(&format!("{u}@x"))?;
    }
    let connector = Connector::new(SshOptions {
        user: args.user.clone(),
        identity: args.identity.clone(),
        options: args.ssh_options.clone(),
        insecure: args.insecure_ignore_host_keys,
        connect_timeout: args.ssh_timeout,
    })?;
    let opts = PushOptions {
        app: args.app.clone().unwrap_or_default(),
        version,
        vars: args
            .vars
            .iter()
            .chain(&args.secret_vars)
            .cloned()
            .collect::<BTreeMap<_, _>>(),
        // Every var, so the default name patterns (`*token*`, …) apply to `--var` too.
        secrets: crate::secrets::values(
            &args.vars.iter().chain(&args.secret_vars).cloned().collect(),
            &args
                .secret_vars
                .iter()
                .map(|(k, _)| k.clone())
                .collect::<Vec<_>>(),
            &[],
        ),
        parallel: args.parallel,
        canary: args.canary,
        retries: args.retries,
        retry_delay: args.retry_delay,
        timeout: args.timeout,
        continue_on_error: args.continue_on_error,
        max_failures,
        get_version_cmd,
        local: args.local,
        zk: link,
    };
    Ok(runner::run(&plan.stages, &targets, opts, connector, reports.sink()).await)
}
