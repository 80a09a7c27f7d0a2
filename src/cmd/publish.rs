//! `deployctl publish APP VERSION`

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use serde::Deserialize;

use super::Ctx;
use super::report::Reports;
use crate::error::{Error, Result};
use crate::model::{FailureBudget, ReleaseSpec, Step};
use crate::output::report::Outcome;
use crate::policy::retention;
use crate::settings::{Combine, combine_fields};
use crate::zk::{self, store::Published};

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// App name (letters, digits, '-', '_', '.')
    pub app: Option<String>,
    /// Version to roll out
    #[arg(conflicts_with = "version_from_git")]
    pub version: Option<String>,
    /// Derive the version from the git repository at PATH (tag, describe, or short sha) and
    /// record its commit, ref, author and subject in the release
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = ".")]
    pub version_from_git: Option<PathBuf>,
    /// With --version-from-git: accept uncommitted changes (the version gets `-dirty`)
    #[arg(long, requires = "version_from_git")]
    pub allow_dirty: bool,
    /// Agents deploy from this git repository: a checkout per version and a `current` symlink
    #[arg(long, value_name = "URL|PATH")]
    pub git_repo: Option<String>,
    /// With --git-repo: the ref to deploy, a template [default: {{ version }}]
    #[arg(long, value_name = "TEMPLATE", requires = "git_repo")]
    pub git_ref: Option<String>,
    /// With --git-repo: the commit hosts check out [default: the one the ref names now,
    /// resolved in the repository at publish time]
    #[arg(long, value_name = "SHA", requires = "git_repo", value_parser = parse_commit)]
    pub git_commit: Option<String>,
    /// With --git-repo: checkouts kept on each host [default: 5]
    #[arg(long, value_name = "N", requires = "git_repo")]
    pub keep_releases: Option<usize>,
    /// Max hosts deploying at once [default: 1]
    #[arg(long)]
    pub slots: Option<u32>,
    /// Deploy command (minijinja template; every value is shell-quoted)
    #[arg(long, value_name = "TEMPLATE")]
    pub deploy_cmd: Option<String>,
    /// Prints the version a host runs; a host already at VERSION does not take a slot
    #[arg(long, value_name = "TEMPLATE")]
    pub get_version_cmd: Option<String>,
    /// Must succeed after the deploy for the host to count as healthy
    #[arg(long, value_name = "TEMPLATE")]
    pub health_cmd: Option<String>,
    /// Runs before the deploy command on each host
    #[arg(long, value_name = "TEMPLATE")]
    pub pre_cmd: Option<String>,
    /// Runs on each host after it became healthy
    #[arg(long, value_name = "TEMPLATE")]
    pub post_cmd: Option<String>,
    /// Runs on exactly one host before any host deploys (e.g. a database migration)
    #[arg(long, value_name = "TEMPLATE")]
    pub run_once_cmd: Option<String>,
    /// Runs on exactly one host once every target host is done (e.g. switch the proxy, remove
    /// old bundles); its failure fails the release
    #[arg(long, value_name = "TEMPLATE")]
    pub finalize_cmd: Option<String>,
    /// Runs on a host after each of its failed attempts (cleanup); its result is in the status
    #[arg(long, value_name = "TEMPLATE")]
    pub on_failure_cmd: Option<String>,
    /// Restarts the app at its version, for `deployctl restart` (the agent config may supply it)
    #[arg(long, value_name = "TEMPLATE")]
    pub restart_cmd: Option<String>,
    /// The first N hosts to take a slot must be healthy before any other host starts (the same
    /// as --steps N,100%)
    #[arg(long, value_name = "N")]
    pub canary: Option<u32>,
    /// Roll out in steps: host counts, percentages of the target hosts (rounded up) and gates,
    /// e.g. `1,pause,25%,pause 10m,100%`; `pause` waits for `deployctl promote`
    #[arg(long, value_name = "LIST", value_parser = parse_steps)]
    pub steps: Option<StepList>,
    /// Halt the release (rolled back with --auto-rollback) when no host turns healthy or fails
    /// this long after the last progress; not counted while paused at a gate; its running
    /// commands are killed
    #[arg(long, value_parser = crate::validate::duration, value_name = "DURATION")]
    pub progress_deadline: Option<Duration>,
    /// A metric check judged on each host while it bakes (needs --bake-time): NAME=QUERY OP
    /// THRESHOLD, e.g. `err=sum(rate(errors{host="{{ host }}"}[1m])) <= 0.05` (OP: < <= > >=;
    /// the query is a template). An empty result, NaN or an unreachable Prometheus is never a
    /// pass: the host holds (repeatable)
    #[arg(long = "check", value_name = "NAME=QUERY OP THRESHOLD", value_parser = parse_check)]
    pub checks: Vec<crate::checks::MetricCheck>,
    /// A fleet-wide metric check at each step boundary (needs --steps or --canary): once a
    /// step's hosts are healthy, one agent evaluates it and the next step starts only on its
    /// pass; a failure halts the release (repeatable; the same form as --check, `{{ host }}`
    /// renders empty)
    #[arg(long = "step-check", value_name = "NAME=QUERY OP THRESHOLD", value_parser = parse_step_check)]
    pub step_checks: Vec<crate::checks::MetricCheck>,
    /// The Prometheus the checks ask (the agent config's prometheus_url wins)
    #[arg(long, value_name = "URL", env = "DEPLOYCTL_PROMETHEUS_URL")]
    pub prometheus_url: Option<String>,
    /// Time between evaluations of the checks during the bake [default: 30s]
    #[arg(long, value_parser = crate::validate::duration, value_name = "DURATION")]
    pub check_interval: Option<Duration>,
    /// Failing evaluations of one check that fail the host [default: 2]
    #[arg(long, value_name = "N")]
    pub check_failure_limit: Option<u32>,
    /// Inconclusive evaluations in a row after which the host reports the rollout held
    /// [default: 3]; it holds until the checks are conclusive either way
    #[arg(long, value_name = "N")]
    pub check_inconclusive_limit: Option<u32>,
    /// Fewer samples than this in a check's result is inconclusive [default: 1]
    #[arg(long, value_name = "N")]
    pub check_min_samples: Option<u32>,
    /// Hosts start deploying this release only within this window: DAYS HH:MM-HH:MM ZONE, e.g.
    /// 'Mon-Fri 09:00-16:00 Europe/Berlin' (DAYS: Mon-Fri, Mon,Wed, *; past midnight: 22:00-02:00)
    #[arg(long, value_name = "WINDOW")]
    pub window: Option<String>,
    /// Publish during a deploy freeze (`deployctl freeze`) anyway, saying why: recorded in the
    /// release (history, status) — break glass
    #[arg(long, value_name = "REASON")]
    pub override_freeze: Option<String>,
    /// Four-eyes: the release waits at its first manual gate (a `pause` is put first when the
    /// steps have none) until N promotes signed with --sign-key by keys other than the
    /// publisher's; needs --sign-key
    #[arg(long, value_name = "N")]
    pub approvals: Option<u32>,
    /// Failed hosts tolerated before the release halts, as a count or N% [default: 0]
    #[arg(long, value_name = "N|N%", value_parser = parse_budget)]
    pub max_failures: Option<FailureBudget>,
    /// When the release halts, publish the previous release again
    #[arg(long)]
    pub auto_rollback: bool,
    /// Extra attempts per host after a failed deploy, with doubling backoff [default: 0]
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// First delay between attempts [default: 1s]
    #[arg(long, value_parser = crate::validate::duration, value_name = "DURATION")]
    pub retry_delay: Option<Duration>,
    /// Extra runs of the health command before the host counts as failed [default: 0]
    #[arg(long, value_name = "N")]
    pub health_retries: Option<u32>,
    /// Pause between health command runs [default: 1s]
    #[arg(long, value_parser = crate::validate::duration, value_name = "DURATION")]
    pub health_interval: Option<Duration>,
    /// Timeout of one health command run [default: the command timeout]
    #[arg(long, value_parser = crate::validate::duration, value_name = "DURATION")]
    pub health_timeout: Option<Duration>,
    /// A host that turned healthy keeps its slot this long more, its health command re-run at
    /// --health-interval during it and at its end, before it counts as healthy
    #[arg(long, value_parser = crate::validate::duration, value_name = "DURATION")]
    pub bake_time: Option<Duration>,
    /// Only agents in one of these groups take part
    #[arg(long, value_delimiter = ',', value_name = "GROUP,...")]
    pub groups: Vec<String>,
    /// Only the agents on these hosts deploy this release (with --groups: both must hold)
    #[arg(long, value_delimiter = ',', value_name = "HOST,...")]
    pub hosts: Vec<String>,
    /// The agents on these hosts do not deploy this release
    #[arg(long, value_delimiter = ',', value_name = "HOST,...")]
    pub exclude_hosts: Vec<String>,
    /// After each healthy host, grow the slot count by K (accelerating rollout)
    #[arg(long, value_name = "K")]
    pub slot_increment: Option<u32>,
    /// Timeout for each command on a host [default: 10m]
    #[arg(long, value_parser = crate::validate::duration, value_name = "DURATION")]
    pub command_timeout: Option<Duration>,
    /// SHA-256 of the artifact the deploy command downloads: in the (signed) release, given to
    /// every command as DEPLOYCTL_ARTIFACT_SHA256 for `deployctl verify-artifact FILE`
    #[arg(long, value_name = "HEX", value_parser = parse_sha256)]
    pub artifact_sha256: Option<String>,
    /// Template variable, available as {{ vars.NAME }} (repeatable)
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Secret template variable: like --var, but its value is masked in every output, status and
    /// log (repeatable)
    #[arg(long = "secret-var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub secret_vars: Vec<(String, String)>,
    /// Read the release from a TOML or JSON file; flags override its values
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// Publish a new release even if the current one asks for the same
    #[arg(long)]
    pub force: bool,
    /// Publish even when --hosts, --exclude-hosts or --groups leave none of the registered
    /// agents to deploy it
    #[arg(long)]
    pub allow_empty: bool,
    /// Keep the newest N releases (with their ledgers) in the history and delete older ones;
    /// the current release, its previous one and the release a rollback would go back to are
    /// always kept [default: 100]
    #[arg(long, value_name = "N")]
    pub keep_history: Option<usize>,
    #[command(flatten)]
    pub sign: super::sign::SignFlags,
    /// Then wait for the rollout like `wait-for-rollout` (same flags and exit codes)
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub wait_flags: super::wait::WaitFlags,
}

/// A parsed `--steps` list (one flag value, not one value per item).
#[derive(Debug, Clone)]
pub struct StepList(pub Vec<Step>);

fn parse_steps(s: &str) -> std::result::Result<StepList, String> {
    Step::parse_list(s).map(StepList).map_err(|e| e.to_string())
}

/// `steps` in a spec file: a list (`["1", "pause", "100%"]`) or the flag's comma string.
fn steps_field<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Vec<Step>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        List(Vec<Step>),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::List(l) => Ok(Some(l)),
        Raw::Text(t) => Step::parse_list(&t)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

pub(crate) fn parse_budget(s: &str) -> std::result::Result<FailureBudget, String> {
    FailureBudget::parse(s).map_err(|e| e.to_string())
}

fn parse_check(s: &str) -> std::result::Result<crate::checks::MetricCheck, String> {
    crate::checks::MetricCheck::parse(s).map_err(|e| e.to_string())
}

fn parse_step_check(s: &str) -> std::result::Result<crate::checks::MetricCheck, String> {
    let mut c = parse_check(s)?;
    c.scope = crate::checks::Scope::Step;
    Ok(c)
}

fn parse_sha256(s: &str) -> std::result::Result<String, String> {
    crate::validate::sha256(s).map_err(|e| e.to_string())
}

fn parse_commit(s: &str) -> std::result::Result<String, String> {
    crate::validate::commit_id(s).map_err(|e| e.to_string())
}

pub(crate) fn parse_var(s: &str) -> std::result::Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not NAME=VALUE"))?;
    crate::validate::var_name(k).map_err(|e| e.to_string())?;
    Ok((k.to_string(), v.to_string()))
}

/// The fields a `--spec` file may set — also the shape of the flags' layer (`SpecFile::from_flags`):
/// the two combine field by field, flags winning (`settings::Combine`), defaults after.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    app: Option<String>,
    version: Option<String>,
    slots: Option<u32>,
    deploy_cmd: Option<String>,
    get_version_cmd: Option<String>,
    health_cmd: Option<String>,
    command_timeout_secs: Option<u64>,
    pre_cmd: Option<String>,
    post_cmd: Option<String>,
    run_once_cmd: Option<String>,
    finalize_cmd: Option<String>,
    on_failure_cmd: Option<String>,
    restart_cmd: Option<String>,
    canary: Option<u32>,
    #[serde(default, deserialize_with = "steps_field")]
    steps: Option<Vec<Step>>,
    progress_deadline_ms: Option<u64>,
    max_failures: Option<FailureBudget>,
    auto_rollback: Option<bool>,
    retries: Option<u32>,
    retry_delay_ms: Option<u64>,
    health_retries: Option<u32>,
    health_interval_ms: Option<u64>,
    health_timeout_secs: Option<u64>,
    bake_time_ms: Option<u64>,
    /// Replaced, not added to: `--groups` names all the groups of the release.
    groups: Option<Vec<String>>,
    /// Replaced, not added to, like `groups`.
    hosts: Option<Vec<String>>,
    exclude_hosts: Option<Vec<String>>,
    slot_increment: Option<u32>,
    git: Option<crate::model::GitSourceSpec>,
    artifact_sha256: Option<String>,
    approvals: Option<u32>,
    window: Option<String>,
    checks: Option<Vec<crate::checks::MetricCheck>>,
    prometheus_url: Option<String>,
    check_interval_ms: Option<u64>,
    check_failure_limit: Option<u32>,
    check_inconclusive_limit: Option<u32>,
    check_min_samples: Option<u32>,
    #[serde(default)]
    vars: BTreeMap<String, String>,
    #[serde(default)]
    secret_vars: Vec<String>,
    keep_history: Option<usize>,
}

combine_fields!(SpecFile {
    app,
    version,
    slots,
    deploy_cmd,
    get_version_cmd,
    health_cmd,
    command_timeout_secs,
    pre_cmd,
    post_cmd,
    run_once_cmd,
    finalize_cmd,
    on_failure_cmd,
    restart_cmd,
    canary,
    steps,
    progress_deadline_ms,
    max_failures,
    auto_rollback,
    retries,
    retry_delay_ms,
    health_retries,
    health_interval_ms,
    health_timeout_secs,
    bake_time_ms,
    groups,
    hosts,
    exclude_hosts,
    slot_increment,
    git,
    artifact_sha256,
    approvals,
    window,
    checks,
    prometheus_url,
    check_interval_ms,
    check_failure_limit,
    check_inconclusive_limit,
    check_min_samples,
    vars,
    secret_vars,
    keep_history,
});

impl SpecFile {
    /// The flags as a layer (durations in the file's units); `version` is `--version-from-git`'s
    /// when no VERSION argument is given.
    fn from_flags(args: &PublishArgs, git_version: Option<String>) -> SpecFile {
        let secs = |d: Option<Duration>| d.map(|d| d.as_secs().max(1));
        let millis = |d: Option<Duration>| d.map(|d| d.as_millis() as u64);
        SpecFile {
            app: args.app.clone(),
            version: args.version.clone().or(git_version),
            slots: args.slots,
            deploy_cmd: args.deploy_cmd.clone(),
            get_version_cmd: args.get_version_cmd.clone(),
            health_cmd: args.health_cmd.clone(),
            command_timeout_secs: secs(args.command_timeout),
            pre_cmd: args.pre_cmd.clone(),
            post_cmd: args.post_cmd.clone(),
            run_once_cmd: args.run_once_cmd.clone(),
            finalize_cmd: args.finalize_cmd.clone(),
            on_failure_cmd: args.on_failure_cmd.clone(),
            restart_cmd: args.restart_cmd.clone(),
            canary: args.canary,
            steps: args.steps.clone().map(|s| s.0),
            progress_deadline_ms: millis(args.progress_deadline),
            max_failures: args.max_failures,
            auto_rollback: args.auto_rollback.then_some(true),
            retries: args.retries,
            retry_delay_ms: millis(args.retry_delay),
            health_retries: args.health_retries,
            health_interval_ms: millis(args.health_interval),
            health_timeout_secs: secs(args.health_timeout),
            bake_time_ms: millis(args.bake_time),
            groups: (!args.groups.is_empty()).then(|| args.groups.clone()),
            hosts: (!args.hosts.is_empty()).then(|| args.hosts.clone()),
            exclude_hosts: (!args.exclude_hosts.is_empty()).then(|| args.exclude_hosts.clone()),
            slot_increment: args.slot_increment,
            git: args
                .git_repo
                .as_ref()
                .map(|repo| crate::model::GitSourceSpec {
                    repo: repo.clone(),
                    git_ref: args
                        .git_ref
                        .clone()
                        .unwrap_or_else(|| "{{ version }}".into()),
                    keep_releases: args.keep_releases.unwrap_or(5),
                    deploy_to: None,
                    linked_dirs: vec![],
                    linked_files: vec![],
                    commit: args.git_commit.clone(),
                }),
            artifact_sha256: args.artifact_sha256.clone(),
            approvals: args.approvals,
            window: args.window.clone(),
            checks: (!args.checks.is_empty() || !args.step_checks.is_empty()).then(|| {
                args.checks
                    .iter()
                    .chain(&args.step_checks)
                    .cloned()
                    .collect()
            }),
            prometheus_url: args.prometheus_url.clone(),
            check_interval_ms: millis(args.check_interval),
            check_failure_limit: args.check_failure_limit,
            check_inconclusive_limit: args.check_inconclusive_limit,
            check_min_samples: args.check_min_samples,
            vars: args.vars.iter().chain(&args.secret_vars).cloned().collect(),
            secret_vars: args.secret_vars.iter().map(|(k, _)| k.clone()).collect(),
            keep_history: args.keep_history,
        }
    }
}

fn load_spec_file(path: &Path) -> Result<SpecFile> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::input_file("spec file", path, e))?;
    let is_json =
        path.extension().is_some_and(|e| e == "json") || text.trim_start().starts_with('{');
    if is_json {
        serde_json::from_str(&text)
            .map_err(|e| Error::invalid("spec file", path.display(), e.to_string()))
    } else {
        toml::from_str(&text)
            .map_err(|e| Error::invalid("spec file", path.display(), e.to_string()))
    }
}

/// Pure: merge flags over the file over defaults into a request (no bookkeeping yet).
fn build_request(args: &PublishArgs, file: SpecFile) -> Result<ReleaseSpec> {
    let from_git = match &args.version_from_git {
        Some(p) => Some(crate::git::version_from_git(p, args.allow_dirty)?),
        None => None,
    };
    let layers =
        SpecFile::from_flags(args, from_git.as_ref().map(|g| g.version.clone())).combine(file);
    let app = layers
        .app
        .ok_or_else(|| Error::Usage("publish needs an APP (argument or `app` in --spec)".into()))?;
    let version = layers.version.ok_or_else(|| {
        Error::Usage(
            "publish needs a VERSION (argument, --version-from-git or `version` in --spec)".into(),
        )
    })?;
    let defaults = ReleaseSpec::new(&app, &version);
    let mut secret_vars = layers.secret_vars;
    secret_vars.sort();
    secret_vars.dedup();
    let mut spec = ReleaseSpec {
        approvals: layers.approvals.unwrap_or(0),
        window: layers.window,
        checks: layers.checks.unwrap_or_default(),
        prometheus_url: layers.prometheus_url,
        check_interval_ms: layers.check_interval_ms,
        check_failure_limit: layers.check_failure_limit,
        check_inconclusive_limit: layers.check_inconclusive_limit,
        check_min_samples: layers.check_min_samples,
        slots: layers.slots.unwrap_or(1),
        deploy_cmd: layers.deploy_cmd,
        get_version_cmd: layers.get_version_cmd,
        health_cmd: layers.health_cmd,
        command_timeout_secs: layers
            .command_timeout_secs
            .unwrap_or(crate::model::DEFAULT_COMMAND_TIMEOUT_SECS),
        pre_cmd: layers.pre_cmd,
        post_cmd: layers.post_cmd,
        run_once_cmd: layers.run_once_cmd,
        finalize_cmd: layers.finalize_cmd,
        on_failure_cmd: layers.on_failure_cmd,
        restart_cmd: layers.restart_cmd,
        canary: layers.canary.unwrap_or(0),
        steps: layers.steps.unwrap_or_default(),
        progress_deadline_ms: layers.progress_deadline_ms,
        max_failures: layers.max_failures.unwrap_or_default(),
        auto_rollback: layers.auto_rollback.unwrap_or(false),
        retries: layers.retries.unwrap_or(0),
        retry_delay_ms: layers.retry_delay_ms.unwrap_or(defaults.retry_delay_ms),
        health_retries: layers.health_retries.unwrap_or(0),
        health_interval_ms: layers
            .health_interval_ms
            .unwrap_or(defaults.health_interval_ms),
        health_timeout_secs: layers.health_timeout_secs,
        bake_time_ms: layers.bake_time_ms.filter(|ms| *ms > 0),
        groups: layers.groups.unwrap_or_default(),
        hosts: sorted_unique(layers.hosts.unwrap_or_default()),
        exclude_hosts: sorted_unique(layers.exclude_hosts.unwrap_or_default()),
        slot_increment: layers.slot_increment.unwrap_or(0),
        git: layers.git,
        artifact_sha256: layers
            .artifact_sha256
            .map(|h| crate::validate::sha256(&h))
            .transpose()?,
        source: from_git.map(|g| g.source),
        vars: layers.vars,
        secret_vars,
        published_by: publisher(),
        freeze_override: args.override_freeze.clone(),
        ..defaults
    };
    crate::policy::steps::add_approval_gate(&mut spec);
    crate::ops::check_request(&spec)?;
    Ok(spec)
}

/// A git-sourced release records the commit its ref names now, unless one was given: the
/// agents check out exactly that commit (a tag moved later cannot swap the code). A ref that
/// depends on the host cannot be pinned once for all: left unpinned, with a warning.
async fn pin_git_commit(request: &mut ReleaseSpec) -> Result<()> {
    let Some(git) = request.git.as_mut().filter(|g| g.commit.is_none()) else {
        return Ok(());
    };
    if git.git_ref.contains("host") {
        tracing::warn!(
            "the git ref {:?} depends on the host: the release is not pinned to a commit",
            git.git_ref
        );
        return Ok(());
    }
    let ctx = crate::render::RenderContext {
        app: request.app.clone(),
        version: request.version.clone(),
        previous_version: String::new(),
        host: String::new(),
        group: String::new(),
        release: 0,
        vars: request.vars.clone(),
    };
    let git_ref = crate::render::render_raw(&git.git_ref, &ctx)?;
    let repo = git.repo.clone();
    let commit = tokio::task::spawn_blocking(move || crate::git::resolve_remote(&repo, &git_ref))
        .await
        .map_err(|e| Error::Failed(format!("resolving the git ref: {e}")))??;
    git.commit = Some(commit);
    Ok(())
}

/// Host lists are sets: order and repeats do not make another release.
fn sorted_unique(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

fn keep_history(n: Option<usize>) -> Result<usize> {
    match n {
        Some(0) => Err(Error::invalid(
            "--keep-history",
            0,
            "must be at least 1 (the current release is always kept)",
        )),
        Some(n) => Ok(n),
        None => Ok(retention::DEFAULT_KEEP_HISTORY),
    }
}

pub use crate::ops::{PublishOutput, publisher};

pub async fn run(ctx: &Ctx, args: PublishArgs) -> Result<()> {
    if let (false, Some(flag)) = (args.wait, args.wait_flags.any_set()) {
        return Err(Error::Usage(format!("{flag} only applies with --wait")));
    }
    if !args.wait {
        return publish(ctx, &args).await.map(|_| ());
    }
    // With --wait the reports cover the publish too: bad input or an unreachable ZooKeeper
    // still replace an older report file.
    let mut reports = Reports::new(ctx, &args.wait_flags.report, "publish", args.app.as_deref());
    let summary = async {
        let (app, release) = publish(ctx, &args).await?;
        let target = crate::rollout::watch::Target::Release(release);
        super::wait::wait_with(ctx, &app, target, &args.wait_flags, &mut reports).await
    }
    .await;
    reports.conclude(summary.map(Outcome::Rollout))
}

/// Pure: a release whose filters (`--hosts`, `--exclude-hosts`, `--groups`) leave none of the
/// registered agents to deploy it is refused (exit 2, naming the filter): it would publish and
/// then wait for nobody. With no agent registered yet there is nothing to judge by.
fn check_targets(
    request: &ReleaseSpec,
    registered: &[(String, Option<crate::model::Presence>)],
) -> Result<()> {
    if registered.is_empty()
        || registered.iter().any(|(h, p)| {
            crate::policy::takes_part(request, h, p.as_ref().map_or(&[][..], |p| &p.groups))
        })
    {
        return Ok(());
    }
    let (flag, value) = if !request.exclude_hosts.is_empty() {
        ("--exclude-hosts", request.exclude_hosts.join(","))
    } else if !request.hosts.is_empty() {
        ("--hosts", request.hosts.join(","))
    } else {
        ("--groups", request.groups.join(","))
    };
    let names: Vec<&str> = registered.iter().map(|(h, _)| h.as_str()).collect();
    Err(Error::invalid(
        flag,
        value,
        format!(
            "leaves none of the {} registered host(s) of {} ({}) to deploy it; \
             --allow-empty publishes anyway",
            names.len(),
            request.app,
            names.join(", ")
        ),
    ))
}

/// Publish; returns the app and the release id.
async fn publish(ctx: &Ctx, args: &PublishArgs) -> Result<(String, u64)> {
    let file = match &args.spec {
        Some(p) => load_spec_file(p)?,
        None => SpecFile::default(),
    };
    let keep = keep_history(args.keep_history.combine(file.keep_history))?;
    let mut request = build_request(args, file)?;
    let signer = args.sign.signer()?;
    if request.approvals > 0 && signer.is_none() {
        // Approvals are counted by keys other than the publisher's: it must have one.
        return Err(Error::invalid(
            "--approvals",
            request.approvals,
            "needs --sign-key (approvals are promotes by keys other than the publisher's)",
        ));
    }
    pin_git_commit(&mut request).await?;
    let zk = zk::connect(&ctx.global.zk_options(None, None)).await?;
    // Only a release that filters its hosts can leave every registered one out (and only then
    // is the read worth its requests: a plain publish stays one multi-read + one multi-op).
    let filtered = !(request.hosts.is_empty()
        && request.exclude_hosts.is_empty()
        && request.groups.is_empty());
    if !args.allow_empty && filtered {
        check_targets(&request, &zk.hosts(&request.app).await?)?;
    }
    let published = crate::ops::publish(&zk, &request, args.force, keep, signer.as_ref()).await?;
    // Only the masked spec is ever printed.
    let shown = published.spec().redacted();
    let spec = &shown;
    let unchanged = matches!(published, Published::Unchanged(_));
    if ctx.printer.is_json() {
        // With --wait the rollout summary (which names the release) is the one JSON object.
        if !args.wait {
            ctx.printer.json(&PublishOutput::new(spec, unchanged));
        }
    } else if unchanged {
        ctx.printer.line(&format!(
            "{} {} is already release {} (unchanged; --force publishes it again)",
            spec.app, spec.version, spec.release
        ));
    } else {
        let replaced = match (&spec.previous, &spec.previous_version) {
            (Some(p), Some(v)) => format!(", replacing release {p} ({v})"),
            _ => String::new(),
        };
        ctx.printer.line(&format!(
            "published {} {} as release {}{replaced}",
            spec.app, spec.version, spec.release
        ));
    }
    if !args.wait {
        let json = serde_json::to_string(&PublishOutput::new(spec, unchanged)).unwrap_or_default();
        crate::output::github::write_outputs(&[
            ("release", spec.release.to_string()),
            ("json", json),
        ])?;
    }
    Ok((spec.app.clone(), spec.release))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(app: &str, version: &str) -> PublishArgs {
        PublishArgs {
            app: Some(app.into()),
            version: Some(version.into()),
            slots: None,
            deploy_cmd: None,
            get_version_cmd: None,
            health_cmd: None,
            command_timeout: None,
            pre_cmd: None,
            post_cmd: None,
            run_once_cmd: None,
            finalize_cmd: None,
            on_failure_cmd: None,
            restart_cmd: None,
            canary: None,
            steps: None,
            progress_deadline: None,
            max_failures: None,
            auto_rollback: false,
            retries: None,
            retry_delay: None,
            health_retries: None,
            health_interval: None,
            health_timeout: None,
            bake_time: None,
            groups: vec![],
            hosts: vec![],
            exclude_hosts: vec![],
            slot_increment: None,
            vars: vec![],
            secret_vars: vec![],
            version_from_git: None,
            allow_dirty: false,
            git_repo: None,
            git_ref: None,
            git_commit: None,
            artifact_sha256: None,
            approvals: None,
            override_freeze: None,
            window: None,
            step_checks: vec![],
            checks: vec![],
            prometheus_url: None,
            check_interval: None,
            check_failure_limit: None,
            check_inconclusive_limit: None,
            check_min_samples: None,
            keep_releases: None,
            spec: None,
            force: false,
            allow_empty: false,
            keep_history: None,
            sign: Default::default(),
            wait: false,
            wait_flags: Default::default(),
        }
    }

    #[test]
    fn flags_override_file() {
        let mut a = args("web", "2.0");
        a.slots = Some(3);
        a.vars = vec![("x".into(), "flag".into())];
        let file = SpecFile {
            slots: Some(1),
            deploy_cmd: Some("deploy {{ version }}".into()),
            vars: [
                ("x".to_string(), "file".to_string()),
                ("y".to_string(), "file".to_string()),
            ]
            .into(),
            ..Default::default()
        };
        let s = build_request(&a, file).unwrap();
        assert_eq!(s.slots, 3);
        assert_eq!(s.deploy_cmd.as_deref(), Some("deploy {{ version }}"));
        assert_eq!(s.vars["x"], "flag");
        assert_eq!(s.vars["y"], "file");
    }

    #[test]
    fn bad_input_is_rejected_with_the_value() {
        let e = build_request(&args("../x", "1.0"), SpecFile::default()).unwrap_err();
        assert!(e.to_string().contains("../x"));
        assert_eq!(e.exit_code().code(), 2);
        let e =
            build_request(&args("web", "1.0; touch /tmp/pwned"), SpecFile::default()).unwrap_err();
        assert!(e.to_string().contains("touch /tmp/pwned"));
        let mut a = args("web", "1.0");
        a.deploy_cmd = Some("deploy {{ version".into());
        assert!(build_request(&a, SpecFile::default()).is_err());
        let mut a = args("web", "1.0");
        a.slots = Some(0);
        assert!(build_request(&a, SpecFile::default()).is_err());
    }

    #[test]
    fn host_lists_are_checked_and_sets() {
        let mut a = args("web", "1.0");
        a.hosts = vec!["k3".into(), "k1".into(), "k3".into()];
        let s = build_request(&a, SpecFile::default()).unwrap();
        assert_eq!(s.hosts, vec!["k1", "k3"]);
        a.hosts = vec!["k1".into(), "bad/host".into()];
        let e = build_request(&a, SpecFile::default()).unwrap_err();
        assert!(e.to_string().contains("bad/host"), "{e}");
        assert_eq!(e.exit_code().code(), 2);
        a.hosts = vec!["k1".into()];
        a.exclude_hosts = vec!["k1".into()];
        let e = build_request(&a, SpecFile::default()).unwrap_err();
        assert_eq!(e.exit_code().code(), 2, "{e}");
        let file = SpecFile {
            exclude_hosts: Some(vec!["k2".into()]),
            ..Default::default()
        };
        let s = build_request(&args("web", "1.0"), file).unwrap();
        assert_eq!(s.exclude_hosts, vec!["k2"]);
    }

    #[test]
    fn hooks_come_from_the_spec_file_and_flags() {
        let file: SpecFile = toml::from_str(
            "finalize_cmd = \"switch {{ version }}\"\non_failure_cmd = \"cleanup\"\nrestart_cmd = \"restart\"\n",
        )
        .unwrap();
        let mut a = args("web", "2.0");
        a.on_failure_cmd = Some("flag cleanup".into());
        let s = build_request(&a, file).unwrap();
        assert_eq!(s.finalize_cmd.as_deref(), Some("switch {{ version }}"));
        assert_eq!(s.on_failure_cmd.as_deref(), Some("flag cleanup"));
        assert_eq!(s.restart_cmd.as_deref(), Some("restart"));
        let bad: SpecFile = toml::from_str("finalize_cmd = \"x {{ oops\"\n").unwrap();
        let e = build_request(&args("web", "2.0"), bad).unwrap_err();
        assert_eq!(e.exit_code().code(), 2, "{e}");
    }

    #[test]
    fn var_parsing() {
        assert_eq!(parse_var("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert!(parse_var("novalue").is_err());
        assert!(parse_var("bad-name=1").is_err());
    }
}
