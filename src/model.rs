//! The records deployctl keeps in ZooKeeper: release specs, host status, agent presence.
//!
//! Field names are part of the stable JSON interface (docs/zookeeper-layout.md).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::validate;

/// Default per-command timeout when a spec does not say.
pub const DEFAULT_COMMAND_TIMEOUT_SECS: u64 = 600;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    Default,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum ReleaseState {
    #[default]
    Active,
    Paused,
    Halted,
    Aborted,
}

impl ReleaseState {
    /// The same name as in JSON (one derive, so they cannot drift).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What a release asks of the hosts.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    Default,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum ReleaseKind {
    /// Deploy the version (hosts already running it are `current`).
    #[default]
    Deploy,
    /// Restart every host at the version it runs (`deployctl restart`): the restart command
    /// instead of pre/deploy, through the same slots, canary, budget and health gate.
    Restart,
}

impl ReleaseKind {
    pub fn is_deploy(&self) -> bool {
        *self == ReleaseKind::Deploy
    }
}

/// Where the released code came from, when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Source {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// The commit's subject line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
}

impl Source {
    /// `abc1234 (main): subject`, for tables.
    pub fn short(&self) -> String {
        let sha = self
            .commit
            .as_deref()
            .map(|c| &c[..c.len().min(7)])
            .unwrap_or("?");
        let mut s = sha.to_string();
        if let Some(r) = &self.git_ref {
            s.push_str(&format!(" ({r})"));
        }
        if let Some(m) = &self.message {
            s.push_str(&format!(": {m}"));
        }
        s
    }
}

/// A git repository the agent deploys from (spec or agent config).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitSourceSpec {
    /// URL or path of the repository.
    pub repo: String,
    /// The ref to check out, a template (default `{{ version }}`).
    #[serde(default = "default_git_ref", rename = "ref")]
    pub git_ref: String,
    #[serde(default = "default_keep_releases")]
    pub keep_releases: usize,
    /// Where releases/ and current live (agent config only; default STATE_DIR/apps/APP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy_to: Option<std::path::PathBuf>,
    /// Directories (relative to the checkout) kept in `shared/` across releases and linked into
    /// each checkout (logs, uploads): Capistrano's `linked_dirs`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub linked_dirs: Vec<String>,
    /// Files kept in `shared/` (created there by the operator) and linked into each checkout.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub linked_files: Vec<String>,
    /// The commit the ref named when the release was published (`publish` pins it; signed with
    /// the spec): the agent checks out exactly this commit, whatever the ref points at since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

impl GitSourceSpec {
    /// Linked paths must stay inside the checkout and `shared/`: relative, no `..`.
    pub fn validate(&self) -> Result<()> {
        if let Some(c) = &self.commit
            && validate::commit_id(c)? != *c
        {
            return Err(Error::invalid("git commit", c, "must be lowercase hex"));
        }
        for (what, paths) in [
            ("linked dir", &self.linked_dirs),
            ("linked file", &self.linked_files),
        ] {
            for p in paths {
                let path = std::path::Path::new(p);
                let plain = !p.is_empty()
                    && path
                        .components()
                        .all(|c| matches!(c, std::path::Component::Normal(_)));
                if !plain {
                    return Err(Error::invalid(
                        what,
                        p,
                        "must be a relative path inside the checkout (no `..`, not absolute)",
                    ));
                }
            }
        }
        Ok(())
    }
}

fn default_git_ref() -> String {
    "{{ version }}".into()
}
fn default_keep_releases() -> usize {
    5
}

/// Largest spec accepted, serialized (ZooKeeper's own limit is about 1 MiB per znode).
pub const MAX_SPEC_BYTES: usize = 256 * 1024;

/// A release of an app, as stored in `apps/<app>` and `apps/<app>/releases/r-<release>`.
/// Unknown fields are refused: a field this agent does not understand (a typo, or a newer
/// publisher's safety setting) must not be silently ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseSpec {
    pub app: String,
    pub version: String,
    /// Monotonic per app, gap-free; also the name of the history node.
    #[serde(default)]
    pub release: u64,
    #[serde(default = "default_slots")]
    pub slots: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy_cmd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_version_cmd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_cmd: Option<String>,
    /// Runs before the deploy command (in the app's working dir).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_cmd: Option<String>,
    /// Runs after the host became healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_cmd: Option<String>,
    /// Runs on exactly one host per release, before any host deploys (e.g. a migration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_once_cmd: Option<String>,
    /// Runs on exactly one host per release, once every target host is done and the release
    /// did not fail (e.g. switch the proxy, remove old bundles); its failure fails the release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finalize_cmd: Option<String>,
    /// Runs on a host after each of its failed attempts (cleanup); its result is in the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure_cmd: Option<String>,
    /// Restarts the app at its version (`deployctl restart`; the agent config may supply it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_cmd: Option<String>,
    /// `restart` for a rolling restart at the same version.
    #[serde(default, skip_serializing_if = "ReleaseKind::is_deploy")]
    pub kind: ReleaseKind,
    /// Timeout for each command run for this release, in seconds.
    #[serde(default = "default_timeout")]
    pub command_timeout_secs: u64,
    /// Extra attempts per host after a failed deploy (pre, deploy, health).
    #[serde(default)]
    pub retries: u32,
    /// First delay between attempts; doubles per attempt, capped at 60 s.
    #[serde(default = "default_retry_delay")]
    pub retry_delay_ms: u64,
    /// Extra runs of the health command before a host is declared failed.
    #[serde(default)]
    pub health_retries: u32,
    #[serde(default = "default_health_interval")]
    pub health_interval_ms: u64,
    /// Timeout of one health command run; defaults to `command_timeout_secs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_timeout_secs: Option<u64>,
    /// A host that turned healthy keeps its slot this long more (its health command re-run at
    /// `health_interval_ms` during it and at its end) before it is `healthy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bake_time_ms: Option<u64>,
    /// The first `canary` hosts to take a slot must be healthy before any other host starts
    /// (the same as `steps` `N,100%`).
    #[serde(default)]
    pub canary: u32,
    /// A stepped rollout (`--steps`): host counts, percentages and gates, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    /// Halt the release when no host turned healthy (or failed) this long after the last
    /// progress (not counted while paused at a gate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_deadline_ms: Option<u64>,
    /// Failures tolerated before the release halts (0: the first failure halts).
    #[serde(default)]
    pub max_failures: FailureBudget,
    /// When halted, publish the previous release again.
    #[serde(default)]
    pub auto_rollback: bool,
    /// After each healthy host the slot count grows by this much.
    #[serde(default)]
    pub slot_increment: u32,
    /// Only agents in one of these groups take part (empty: all agents).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Only these hosts take part (empty: every host in the groups).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// These hosts do not take part.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_hosts: Vec<String>,
    /// Deploy from this git repository (checkout per version, `current` symlink switch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<GitSourceSpec>,
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// Names of `vars` whose values are secret (masked in every output).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_vars: Vec<String>,
    #[serde(default)]
    pub state: ReleaseState,
    /// The release this one replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_version: Option<String>,
    /// Set when this release re-publishes an earlier one to undo release `rollback_of`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_of: Option<u64>,
    #[serde(default)]
    pub published_by: String,
    #[serde(default)]
    pub published_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Metric checks judged while each host bakes (`--check`; docs/safety.md, "Metric checks").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<crate::checks::MetricCheck>,
    /// The Prometheus the checks ask (the agent config's `prometheus_url` wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus_url: Option<String>,
    /// How often the checks are evaluated during the bake (default 30 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_interval_ms: Option<u64>,
    /// Failing evaluations of one check that fail the host (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_failure_limit: Option<u32>,
    /// Inconclusive evaluations in a row after which the host says the rollout is held
    /// (default 3); it holds either way until the checks are conclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_inconclusive_limit: Option<u32>,
    /// Fewer samples than this in a result is inconclusive (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_min_samples: Option<u32>,
    /// Promotes, signed by keys other than the publisher's, that the first manual gate waits for
    /// (`--approvals N`; four-eyes).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub approvals: u32,
    /// The SHA-256 of the artifact the deploy command downloads (`--artifact-sha256`): given to
    /// every command as `DEPLOYCTL_ARTIFACT_SHA256`, checked by `deployctl verify-artifact`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_sha256: Option<String>,
    /// The app's deploy freeze (`deployctl freeze`), carried from release to release until
    /// `unfreeze` or its end: no host starts a deploy meanwhile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freeze: Option<Freeze>,
    /// When hosts may start a deploy of this release (`--window 'Mon-Fri 09:00-16:00
    /// Europe/Berlin'`; `policy::window`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    /// A break-glass release published during a freeze (`--override-freeze REASON`; a rollback
    /// gets one too): it rolls out anyway, and the history says why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freeze_override: Option<String>,
    /// The publisher's SSH signature over the spec (`publish --sign-key`; docs/security.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
}

/// A release's signature, as stored in its spec (`signature`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// The release id the payload names: the spec's own, or for a rollback that carries the
    /// signature of the release it republishes, that release's.
    pub release: u64,
    /// Unix seconds after which agents refuse it.
    pub expires_at: u64,
    /// The signing key's fingerprint (`SHA256:…`), for people; the key itself is in `sshsig`.
    pub key: String,
    /// The armored SSH signature (`-----BEGIN SSH SIGNATURE-----`).
    pub sshsig: String,
    /// The payload as signed, carried only by a rollback of a signed release (its content lost
    /// its gates, so it cannot be rebuilt from the rollback's spec).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn default_slots() -> u32 {
    1
}
fn default_timeout() -> u64 {
    DEFAULT_COMMAND_TIMEOUT_SECS
}
fn default_retry_delay() -> u64 {
    1000
}
fn default_health_interval() -> u64 {
    1000
}

/// How many failed hosts a release tolerates: a count, or a percentage of the target hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureBudget {
    Count(u32),
    Percent(u32),
}

impl Default for FailureBudget {
    /// Conveyor's default: the first failure halts.
    fn default() -> Self {
        FailureBudget::Count(0)
    }
}

impl FailureBudget {
    pub fn parse(s: &str) -> Result<Self> {
        let bad = |why: &str| Error::invalid("failure budget", s, why);
        if let Some(p) = s.strip_suffix('%') {
            let p: u32 = p.trim().parse().map_err(|_| bad("expected N or N%"))?;
            if p > 100 {
                return Err(bad("a percentage is at most 100%"));
            }
            Ok(FailureBudget::Percent(p))
        } else {
            Ok(FailureBudget::Count(
                s.trim().parse().map_err(|_| bad("expected N or N%"))?,
            ))
        }
    }

    /// Failures allowed with `targets` hosts taking part.
    pub fn allowed(self, targets: usize) -> usize {
        match self {
            FailureBudget::Count(n) => n as usize,
            FailureBudget::Percent(p) => targets * p as usize / 100,
        }
    }
}

impl std::fmt::Display for FailureBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailureBudget::Count(n) => write!(f, "{n}"),
            FailureBudget::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl Serialize for FailureBudget {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for FailureBudget {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u32),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => Ok(FailureBudget::Count(n)),
            Raw::S(s) => FailureBudget::parse(&s).map_err(serde::de::Error::custom),
        }
    }
}

/// Most items a `--steps` list may have.
pub const MAX_STEPS: usize = 32;

/// One item of a stepped rollout (`--steps 1,pause,25%,pause 10m,100%`): deploy until this many
/// hosts (or this share of the target hosts, rounded up) are healthy, or a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Hosts(u32),
    Percent(u32),
    /// Stop until promoted (`None`), or for this many milliseconds (or until promoted).
    Pause(Option<u64>),
}

impl Step {
    /// One item: `N`, `N%`, `pause` or `pause DURATION`.
    pub fn parse(item: &str) -> Result<Self> {
        let s = item.trim();
        let bad = |why: &str| Error::invalid("step", item, why);
        if let Some(rest) = s.strip_prefix("pause") {
            let rest = rest.trim();
            if rest.is_empty() {
                return Ok(Step::Pause(None));
            }
            let d = crate::validate::duration(rest).map_err(|e| {
                bad(&format!(
                    "a timed pause is `pause DURATION`, e.g. `pause 10m` ({e})"
                ))
            })?;
            if d.is_zero() {
                return Err(bad("a timed pause must be longer than zero"));
            }
            return Ok(Step::Pause(Some(d.as_millis() as u64)));
        }
        const EXPECTED: &str =
            "expected a host count N, a percentage N%, `pause` or `pause DURATION`";
        let (num, percent) = match s.strip_suffix('%') {
            Some(p) => (p.trim(), true),
            None => (s, false),
        };
        let n: u32 = num.parse().map_err(|_| bad(EXPECTED))?;
        if n == 0 {
            return Err(bad("a step deploys at least one host (or 1%)"));
        }
        if percent {
            if n > 100 {
                return Err(bad("a percentage is at most 100%"));
            }
            Ok(Step::Percent(n))
        } else {
            Ok(Step::Hosts(n))
        }
    }

    /// A comma list (`1,pause,25%,pause 10m,100%`), checked as a whole.
    pub fn parse_list(list: &str) -> Result<Vec<Step>> {
        let steps = list
            .split(',')
            .map(Step::parse)
            .collect::<Result<Vec<_>>>()?;
        Step::check_list(&steps)?;
        Ok(steps)
    }

    /// The rules for a whole list: not too long, growing counts and percentages, nothing after
    /// 100%.
    pub fn check_list(steps: &[Step]) -> Result<()> {
        if steps.len() > MAX_STEPS {
            return Err(Error::invalid(
                "steps",
                steps.len(),
                format!("items; at most {MAX_STEPS}"),
            ));
        }
        let (mut hosts, mut percent) = (0, 0);
        for step in steps {
            let bad = |why: String| Error::invalid("step", step, why);
            if percent == 100 {
                return Err(bad("comes after 100%: nothing can follow all hosts".into()));
            }
            match *step {
                Step::Hosts(n) if n <= hosts => {
                    return Err(bad(format!(
                        "must be more hosts than the step before it ({hosts})"
                    )));
                }
                Step::Percent(p) if p <= percent => {
                    return Err(bad(format!(
                        "must be a larger share than the step before it ({percent}%)"
                    )));
                }
                Step::Hosts(n) => hosts = n,
                Step::Percent(p) => percent = p,
                Step::Pause(Some(0)) => return Err(bad("must be longer than zero".into())),
                Step::Pause(_) => {}
            }
        }
        Ok(())
    }

    pub fn is_gate(self) -> bool {
        matches!(self, Step::Pause(_))
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Hosts(n) => write!(f, "{n}"),
            Step::Percent(p) => write!(f, "{p}%"),
            Step::Pause(None) => write!(f, "pause"),
            Step::Pause(Some(ms)) => write!(
                f,
                "pause {}",
                humantime::format_duration(Duration::from_millis(*ms))
            ),
        }
    }
}

impl Serialize for Step {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u32),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => Step::parse(&n.to_string()).map_err(serde::de::Error::custom),
            Raw::S(s) => Step::parse(&s).map_err(serde::de::Error::custom),
        }
    }
}

/// Where a stepped release stands (`Ledger::step`): the item of the plan it is at, when that
/// item started, and — for a host-count step — its target and the hosts that may take part,
/// fixed when the step started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct StepState {
    /// 0-based index into the release's plan (`policy::steps::plan`).
    pub index: usize,
    pub started_at: String,
    /// Healthy hosts this step is reached with (unset until an agent fixed it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<u32>,
    /// The target hosts when the step started; a host joining later waits for the next step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
}

/// Who did what for one release: `releases/r-<id>/ledger`, updated by agents with
/// compare-and-set. The source of canary and run-once claims, the failure budget, slot growth
/// and `history` outcomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Ledger {
    pub release: u64,
    /// The release's state as last set (mirrors the app node while it is current).
    #[serde(default)]
    pub state: ReleaseState,
    #[serde(default)]
    pub healthy: Vec<String>,
    #[serde(default)]
    pub current: Vec<String>,
    #[serde(default)]
    pub failed: Vec<String>,
    /// Hosts that claimed a place in a step (with `--canary`: the canaries).
    #[serde(default)]
    pub canaries: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_once: Option<RunOnce>,
    /// The finalize command's claim and outcome (`finalize_cmd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finalize: Option<HookRun>,
    /// An agent whose own config has a finalize command takes part: waiters wait for it even
    /// though the spec carries none.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub finalize_expected: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub halt_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolled_back_by: Option<u64>,
    /// Halted with `auto_rollback`, but whoever halted it could not publish (ACLs): a process with
    /// publisher rights (wait-for-rollout, `rollback`) publishes the rollback.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rollback_pending: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<u64>,
    /// A stepped release's position (see `policy::steps`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<StepState>,
    /// With a progress deadline: when the rollout last made progress (first slot taken, a host
    /// healthy or failed, a gate passed, a resume).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_at: Option<String>,
    /// Halted because it passed its progress deadline: agents kill its running commands.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deadline_passed: bool,
    /// Signed promotes of the approval gate (`publish --approvals N`; docs/security.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<Approval>,
    /// Step-scope metric checks (`--step-check`): present when the release has them; a step
    /// passes only on a recorded pass (`policy::steps`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_checks: Option<StepChecks>,
    /// The metric checks of hosts that failed on them (at most `policy::MAX_FAILED_CHECKS`
    /// hosts): a host's status is overwritten by its next release (an auto-rollback at once),
    /// the ledger keeps why this one failed for `history`, webhooks and the page.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_checks: Vec<HostChecks>,
}

/// One host's metric check records, as they stood when it failed on them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostChecks {
    pub host: String,
    pub checks: Vec<crate::checks::CheckRecord>,
}

/// The step checks' decisions, and the claim of the one agent evaluating them now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct StepChecks {
    #[serde(default)]
    pub decisions: Vec<StepDecision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<StepClaim>,
}

impl StepChecks {
    /// Did the checks pass at the end of step `step`?
    pub fn passed(&self, step: usize) -> bool {
        self.decisions
            .iter()
            .any(|d| d.step == step && d.verdict == crate::checks::Verdict::Pass)
    }

    pub fn decided(&self, step: usize) -> bool {
        self.decisions.iter().any(|d| d.step == step)
    }
}

/// What the step checks came to at the end of a step, and who evaluated them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDecision {
    pub step: usize,
    pub verdict: crate::checks::Verdict,
    pub by: String,
    pub at: String,
    #[serde(default)]
    pub records: Vec<crate::checks::CheckRecord>,
}

/// The agent evaluating the step checks of `step` (one at a time, by compare-and-set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepClaim {
    pub step: usize,
    pub host: String,
    pub at: String,
    /// Its evaluations so far.
    #[serde(default)]
    pub records: Vec<crate::checks::CheckRecord>,
}

/// A deploy freeze (`deployctl freeze APP --until T --reason R`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Freeze {
    pub reason: String,
    /// When it ends by itself (RFC 3339); none: until `unfreeze`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub at: String,
}

impl Freeze {
    /// In force at `now`?
    pub fn active(&self, now: SystemTime) -> bool {
        self.until
            .as_deref()
            .is_none_or(|u| parse_time(u).is_none_or(|t| t > now))
    }

    /// "frozen until 2026-12-06T18:00:00Z (release night), by ci@host".
    pub fn describe(&self) -> String {
        let until = self
            .until
            .as_deref()
            .map_or("until unfrozen".to_string(), |u| format!("until {u}"));
        format!("frozen {until} ({}), by {}", self.reason, self.by)
    }
}

/// One signed promote of a release's approval gate (`promote --sign-key`), kept in its ledger.
/// Agents that trust signatures check each one themselves: the ledger is no proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// The gate approved (0-based index into the plan).
    pub step: usize,
    /// The approving key's fingerprint (`SHA256:…`).
    pub key: String,
    /// SSH signature (namespace `deployctl-approval`) over `signing::approval_payload`.
    pub sshsig: String,
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOnce {
    pub host: String,
    pub state: RunOnceState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunOnceState {
    Running,
    Done,
    Failed,
}

/// A once-per-release hook (the finalize command): who claimed it, and how it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookRun {
    /// The host that claimed it (empty while nobody has).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub host: String,
    pub state: HookState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::Display,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum HookState {
    /// Not claimed yet (shown by waiters only; the ledger has no record then).
    Pending,
    Running,
    Done,
    Failed,
}

/// What a per-host hook (the on-failure command) did, in the host's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HookResult {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

impl Ledger {
    pub fn new(release: u64) -> Self {
        Ledger {
            release,
            ..Default::default()
        }
    }

    /// The ledger a release starts with: with step checks, their (empty) record, which makes
    /// every step boundary wait for a pass.
    pub fn for_spec(spec: &ReleaseSpec) -> Self {
        Ledger {
            step_checks: spec
                .checks_of(crate::checks::Scope::Step)
                .next()
                .map(|_| StepChecks::default()),
            ..Ledger::new(spec.release)
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Has `host` a final outcome for the release: healthy, current or failed?
    pub fn is_done(&self, host: &str) -> bool {
        [&self.healthy, &self.current, &self.failed]
            .iter()
            .any(|l| l.iter().any(|h| h == host))
    }
}

impl Default for ReleaseSpec {
    fn default() -> Self {
        ReleaseSpec {
            app: String::new(),
            version: String::new(),
            release: 0,
            slots: default_slots(),
            deploy_cmd: None,
            get_version_cmd: None,
            health_cmd: None,
            pre_cmd: None,
            post_cmd: None,
            run_once_cmd: None,
            finalize_cmd: None,
            on_failure_cmd: None,
            restart_cmd: None,
            kind: ReleaseKind::Deploy,
            command_timeout_secs: default_timeout(),
            retries: 0,
            retry_delay_ms: default_retry_delay(),
            health_retries: 0,
            health_interval_ms: default_health_interval(),
            health_timeout_secs: None,
            bake_time_ms: None,
            canary: 0,
            steps: vec![],
            progress_deadline_ms: None,
            max_failures: FailureBudget::Count(0),
            auto_rollback: false,
            slot_increment: 0,
            groups: vec![],
            hosts: vec![],
            exclude_hosts: vec![],
            git: None,
            vars: BTreeMap::new(),
            secret_vars: vec![],
            state: ReleaseState::Active,
            previous: None,
            previous_version: None,
            rollback_of: None,
            checks: vec![],
            prometheus_url: None,
            check_interval_ms: None,
            check_failure_limit: None,
            check_inconclusive_limit: None,
            check_min_samples: None,
            approvals: 0,
            artifact_sha256: None,
            freeze: None,
            window: None,
            freeze_override: None,
            signature: None,
            published_by: String::new(),
            published_at: String::new(),
            source: None,
        }
    }
}

impl ReleaseSpec {
    pub fn new(app: &str, version: &str) -> Self {
        ReleaseSpec {
            app: app.into(),
            version: version.into(),
            ..Default::default()
        }
    }

    /// Every check that must hold for a spec, whether it came from the CLI or from a znode.
    /// The release's metric checks of one scope (`--check` or `--step-check`).
    pub fn checks_of(
        &self,
        scope: crate::checks::Scope,
    ) -> impl Iterator<Item = &crate::checks::MetricCheck> {
        self.checks.iter().filter(move |c| c.scope == scope)
    }

    pub fn validate(&self) -> Result<()> {
        validate::app_name(&self.app)?;
        validate::version(&self.version)?;
        for c in &self.checks {
            c.validate()?;
        }
        if let Some(c) = self.checks_of(crate::checks::Scope::Host).next()
            && self.bake_time_ms.is_none_or(|b| b == 0)
        {
            return Err(Error::invalid(
                "check",
                &c.name,
                "metric checks are judged while a host bakes: give the release a --bake-time",
            ));
        }
        if let Some(c) = self.checks_of(crate::checks::Scope::Step).next()
            && self.steps.is_empty()
            && self.canary == 0
        {
            return Err(Error::invalid(
                "step check",
                &c.name,
                "is judged at step boundaries: give the release --steps (or --canary)",
            ));
        }
        if self.approvals > 0 && !self.steps.contains(&Step::Pause(None)) {
            return Err(Error::invalid(
                "approvals",
                self.approvals,
                "need a manual gate (`pause`) in the steps to wait at",
            ));
        }
        if let Some(h) = &self.artifact_sha256
            && validate::sha256(h)? != *h
        {
            return Err(Error::invalid(
                "artifact_sha256",
                h,
                "must be lowercase hex",
            ));
        }
        if let Some(prev) = &self.previous_version {
            validate::version(prev)?;
        }
        // Durations beyond the longest any flag takes: a spec written by hand (or planted in
        // ZooKeeper) must not overflow a clock on the hosts.
        let max_ms = validate::MAX_DURATION.as_millis() as u64;
        let max_secs = validate::MAX_DURATION.as_secs();
        let pauses = self.steps.iter().filter_map(|s| match s {
            Step::Pause(Some(ms)) => Some(("steps pause (ms)", Some(*ms), max_ms)),
            _ => None,
        });
        for (what, value, max) in [
            (
                "command_timeout_secs",
                Some(self.command_timeout_secs),
                max_secs,
            ),
            ("health_timeout_secs", self.health_timeout_secs, max_secs),
            ("retry_delay_ms", Some(self.retry_delay_ms), max_ms),
            ("health_interval_ms", Some(self.health_interval_ms), max_ms),
            ("bake_time_ms", self.bake_time_ms, max_ms),
            ("progress_deadline_ms", self.progress_deadline_ms, max_ms),
        ]
        .into_iter()
        .chain(pauses)
        {
            if let Some(v) = value.filter(|v| *v > max) {
                return Err(Error::invalid(what, v, "longer than 100 years"));
            }
        }
        if self.slots == 0 {
            return Err(Error::invalid("slots", self.slots, "must be at least 1"));
        }
        if self.canary > 0 && self.slots == 0 {
            return Err(Error::invalid(
                "canary",
                self.canary,
                "needs at least one slot",
            ));
        }
        for g in &self.groups {
            validate::group_name(g)?;
        }
        for h in self.hosts.iter().chain(&self.exclude_hosts) {
            validate::host_name(h)?;
        }
        if !self.hosts.is_empty() && self.hosts.iter().all(|h| self.exclude_hosts.contains(h)) {
            return Err(Error::invalid(
                "exclude hosts",
                self.exclude_hosts.join(","),
                "leaves none of --hosts to deploy to",
            ));
        }
        Step::check_list(&self.steps)?;
        if self.canary > 0 && !self.steps.is_empty() {
            return Err(Error::invalid(
                "canary",
                self.canary,
                format!(
                    "and steps both given: --canary {} means --steps {},100%; give one of them",
                    self.canary, self.canary
                ),
            ));
        }
        if self.progress_deadline_ms == Some(0) {
            return Err(Error::invalid(
                "progress deadline",
                "0s",
                "must be more than zero",
            ));
        }
        if let Some(g) = &self.git {
            g.validate()?;
        }
        if self.health_timeout_secs == Some(0) {
            return Err(Error::invalid(
                "health timeout",
                0,
                "must be at least 1 second",
            ));
        }
        if self.command_timeout_secs == 0 {
            return Err(Error::invalid(
                "command timeout",
                0,
                "must be at least 1 second",
            ));
        }
        for (name, value) in &self.vars {
            validate::var_name(name)?;
            validate::var_value(name, value)?;
        }
        if let Some(s) = self
            .secret_vars
            .iter()
            .find(|s| !self.vars.contains_key(*s))
        {
            return Err(Error::invalid("secret var", s, "is not one of the vars"));
        }
        let size = self.to_json().len();
        if size > MAX_SPEC_BYTES {
            return Err(Error::invalid(
                "release spec",
                format!("{} {}", self.app, self.version),
                format!("is {size} bytes; the limit is {MAX_SPEC_BYTES}"),
            ));
        }
        Ok(())
    }

    /// Parse and validate a spec read from ZooKeeper; `app` is the node it was read from.
    pub fn from_znode(app: &str, data: &[u8]) -> Result<Self> {
        if data.len() > MAX_SPEC_BYTES {
            return Err(Error::invalid(
                "release spec",
                format!("apps/{app}"),
                format!("is {} bytes; the limit is {MAX_SPEC_BYTES}", data.len()),
            ));
        }
        let spec: ReleaseSpec = serde_json::from_slice(data).map_err(|e| {
            Error::invalid(
                "release spec",
                format!("apps/{app}"),
                format!("not valid JSON: {e}"),
            )
        })?;
        spec.validate()?;
        if spec.app != app {
            return Err(Error::invalid(
                "release spec",
                format!("apps/{app}"),
                format!("names app {:?}", spec.app),
            ));
        }
        Ok(spec)
    }

    /// True when `other` asks for the same rollout (ignores bookkeeping fields), so publishing it
    /// again is a no-op.
    pub fn same_request(&self, other: &ReleaseSpec) -> bool {
        let strip = |s: &ReleaseSpec| ReleaseSpec {
            release: 0,
            previous: None,
            previous_version: None,
            rollback_of: None,
            published_by: String::new(),
            published_at: String::new(),
            state: ReleaseState::Active,
            signature: None,
            freeze: None,
            ..s.clone()
        };
        strip(self) == strip(other)
    }

    /// What a rollback to this spec runs: its steps keep their sizes but lose their gates (a
    /// rollback waits for no one), and it deploys (going back to a restart's spec means
    /// deploying its version, not restarting hosts that run another one). Signature checks
    /// rebuild a rollback's content with it, so it is the one place that says so.
    pub fn as_rollback(&self) -> ReleaseSpec {
        ReleaseSpec {
            steps: self
                .steps
                .iter()
                .copied()
                .filter(|s| !s.is_gate())
                .collect(),
            // No gate left to hold for approvals, and no window: a rollback is the way out.
            approvals: 0,
            window: None,
            kind: ReleaseKind::Deploy,
            ..self.clone()
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        // Serialising plain structs with string keys cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// This spec with secret var values masked, for printing.
    pub fn redacted(&self) -> ReleaseSpec {
        ReleaseSpec {
            vars: crate::secrets::mask_vars(&self.vars, &self.secret_vars),
            ..self.clone()
        }
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    Default,
    Hash,
    PartialOrd,
    Ord,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum HostState {
    #[default]
    Idle,
    Waiting,
    Deploying,
    Verifying,
    /// Healthy, and holding its slot through the bake time (`--bake-time`).
    Baking,
    Healthy,
    Failed,
    Current,
    Lost,
    /// The agent refused the release before doing anything: its signature is missing, does not
    /// verify, expired or replays an older one (docs/security.md). Fails the release's verdict.
    Refused,
}

impl HostState {
    /// The host is done with its release (for better or worse).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            HostState::Healthy | HostState::Failed | HostState::Current | HostState::Refused
        )
    }
    /// The host did not run the release and never will: failed, lost or refused it.
    pub fn is_bad(self) -> bool {
        matches!(
            self,
            HostState::Failed | HostState::Lost | HostState::Refused
        )
    }
    /// The host runs the release.
    pub fn is_success(self) -> bool {
        matches!(self, HostState::Healthy | HostState::Current)
    }
    /// The same name as in JSON (one derive, so they cannot drift).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What a host reports about its release, in `apps/<app>/status/<host>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HostStatus {
    pub host: String,
    pub release: u64,
    pub version: String,
    pub state: HostState,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(default)]
    pub output_tail: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub updated_at: String,
    /// The on-failure command's result after the last failed attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<HookResult>,
    /// When the release's git checkout was ready on this host (fetched before taking a slot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prepared_at: Option<String>,
    /// When this host was granted its slot for the release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot_at: Option<String>,
    /// The release's metric checks on this host, each explained (`--check`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<crate::checks::CheckRecord>,
}

impl HostStatus {
    pub fn from_znode(host: &str, data: &[u8]) -> Result<Self> {
        let st: HostStatus = serde_json::from_slice(data)
            .map_err(|e| Error::invalid("host status", host, format!("not valid JSON: {e}")))?;
        validate::host_name(&st.host)?;
        validate::version(&st.version)?;
        Ok(st)
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Deploy duration: started to finished, or to now while running.
    pub fn duration(&self, now: SystemTime) -> Option<Duration> {
        let start = parse_time(self.started_at.as_deref()?)?;
        let end = match &self.finished_at {
            Some(f) => parse_time(f)?,
            None => now,
        };
        end.duration_since(start).ok()
    }
}

/// Agent presence, in the ephemeral `apps/<app>/hosts/<host>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Presence {
    pub host: String,
    pub agent_version: String,
    pub pid: u32,
    #[serde(default)]
    pub groups: Vec<String>,
    pub since: String,
    /// The agent's ZooKeeper session timeout: how long it may be gone before it is `lost`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_timeout_ms: Option<u64>,
}

/// `1.5s`, `2m03s`: short durations for tables.
pub fn short_duration(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1}s")
    } else {
        let total = d.as_secs();
        format!("{}m{:02}s", total / 60, total % 60)
    }
}

pub fn now_rfc3339() -> String {
    format_time(SystemTime::now())
}

pub fn format_time(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

pub fn parse_time(s: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(s).ok()
}

/// Where a long-running command (a wait, an ssh-push) sends its progress events. The producers
/// (`rollout::watch`, `ssh::runner`) know only this; `output::report::Fanout` implements it for
/// every event type and hands each event to all reporters.
pub trait EventSink<E>: Send {
    fn emit(&mut self, event: &E);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_names_are_the_json_names() {
        use HostState::*;
        for st in [
            Idle, Waiting, Deploying, Verifying, Healthy, Failed, Current, Lost,
        ] {
            assert_eq!(serde_json::to_string(&st).unwrap(), format!("\"{st}\""));
            assert_eq!(st.as_str(), st.to_string());
        }
        for rs in [
            ReleaseState::Active,
            ReleaseState::Paused,
            ReleaseState::Halted,
            ReleaseState::Aborted,
        ] {
            assert_eq!(serde_json::to_string(&rs).unwrap(), format!("\"{rs}\""));
        }
    }

    fn spec() -> ReleaseSpec {
        serde_json::from_str(r#"{"app":"web","version":"1.0"}"#).unwrap()
    }

    #[test]
    fn defaults_apply() {
        let s = spec();
        assert_eq!(s.slots, 1);
        assert_eq!(s.command_timeout_secs, DEFAULT_COMMAND_TIMEOUT_SECS);
        assert_eq!(s.state, ReleaseState::Active);
    }

    #[test]
    fn same_request_ignores_bookkeeping() {
        let a = spec();
        let mut b = a.clone();
        b.release = 7;
        b.published_at = "x".into();
        b.previous = Some(6);
        assert!(a.same_request(&b));
        b.slots = 2;
        assert!(!a.same_request(&b));
    }

    #[test]
    fn from_znode_rejects_hostile_data() {
        assert!(ReleaseSpec::from_znode("web", b"{not json").is_err());
        let bad = br#"{"app":"web","version":"1.0; touch /tmp/pwned"}"#;
        let e = ReleaseSpec::from_znode("web", bad).unwrap_err();
        assert!(e.to_string().contains("touch /tmp/pwned"), "{e}");
        let other = br#"{"app":"db","version":"1.0"}"#;
        assert!(ReleaseSpec::from_znode("web", other).is_err());
        let zero = br#"{"app":"web","version":"1.0","slots":0}"#;
        assert!(ReleaseSpec::from_znode("web", zero).is_err());
        let unknown = br#"{"app":"web","version":"1.0","canary_typo":1}"#;
        let e = ReleaseSpec::from_znode("web", unknown).unwrap_err();
        assert!(e.to_string().contains("canary_typo"), "{e}");
        let wrong_type = br#"{"app":"web","version":"1.0","slots":"two"}"#;
        assert!(ReleaseSpec::from_znode("web", wrong_type).is_err());
        let nested = format!(
            r#"{{"app":"web","version":"1.0","vars":{}1{}}}"#,
            "[".repeat(5000),
            "]".repeat(5000)
        );
        assert!(ReleaseSpec::from_znode("web", nested.as_bytes()).is_err());
        let huge = format!(
            r#"{{"app":"web","version":"1.0","vars":{{"x":"{}"}}}}"#,
            "a".repeat(MAX_SPEC_BYTES)
        );
        assert!(
            ReleaseSpec::from_znode("web", huge.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("limit")
        );
    }

    #[test]
    fn failure_budget() {
        assert_eq!(FailureBudget::parse("2").unwrap(), FailureBudget::Count(2));
        assert_eq!(
            FailureBudget::parse("25%").unwrap(),
            FailureBudget::Percent(25)
        );
        assert!(FailureBudget::parse("x").is_err());
        assert!(FailureBudget::parse("101%").is_err());
        assert_eq!(FailureBudget::Percent(25).allowed(10), 2);
        assert_eq!(FailureBudget::Percent(10).allowed(5), 0);
        assert_eq!(FailureBudget::Count(1).allowed(0), 1);
        let s: ReleaseSpec =
            serde_json::from_str(r#"{"app":"web","version":"1","max_failures":"10%"}"#).unwrap();
        assert_eq!(s.max_failures, FailureBudget::Percent(10));
        let s: ReleaseSpec =
            serde_json::from_str(r#"{"app":"web","version":"1","max_failures":3}"#).unwrap();
        assert_eq!(s.max_failures, FailureBudget::Count(3));
        assert!(
            serde_json::to_string(&s)
                .unwrap()
                .contains(r#""max_failures":"3""#)
        );
    }

    #[test]
    fn duration_from_timestamps() {
        let st = HostStatus {
            started_at: Some("2026-01-01T00:00:00.000Z".into()),
            finished_at: Some("2026-01-01T00:00:02.500Z".into()),
            ..Default::default()
        };
        assert_eq!(
            st.duration(SystemTime::now()),
            Some(Duration::from_millis(2500))
        );
    }
}
