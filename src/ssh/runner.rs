//! Runs a plan over hosts: stages in order; within a stage, canaries first and then a bounded
//! pool (see `planner`). Emits events for reporters and returns a `PushSummary`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use tokio::sync::OnceCell;
use tokio::task::JoinSet;

use super::inventory::Target;
use super::plan::Stage;
use super::planner::StagePlanner;
use super::transport::{Conn, Connector};
use super::zk_link::{ZkLink, status_name};
use crate::model::{EventSink, FailureBudget, HostState};
use crate::model::{format_time, now_rfc3339};
use crate::render::{self, RenderContext};

#[derive(Debug, Clone)]
pub struct PushOptions {
    pub app: String,
    pub version: String,
    pub vars: BTreeMap<String, String>,
    /// Values masked in results (tails, messages).
    pub secrets: Vec<String>,
    pub parallel: u32,
    pub canary: u32,
    pub retries: u32,
    pub retry_delay: Duration,
    pub timeout: Duration,
    pub continue_on_error: bool,
    /// Failed hosts tolerated before the push stops (`--max-failures`); unset: the first
    /// failure stops it, or none does with `continue_on_error`.
    pub max_failures: Option<FailureBudget>,
    /// `--get-version-cmd`: a host whose output says it runs `version` already runs nothing.
    pub get_version_cmd: Option<String>,
    pub local: bool,
    /// `--app`: take ZooKeeper slots and report status like agents.
    pub zk: Option<Arc<ZkLink>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Ok,
    /// The command failed (or timed out).
    Failed,
    /// The host could not be reached.
    Error,
    /// Not run: the push stopped first, or the host dropped out in an earlier stage.
    Skipped,
    /// Not run: the host already runs the version (`--get-version-cmd`).
    Current,
}

#[derive(Debug, Clone, Serialize)]
pub struct HostStep {
    pub host: String,
    pub state: StepState,
    pub attempts: u32,
    // Printed as JSON (docs/schema/): a value that is not there is left out, never "" or null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub output_tail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageState {
    Succeeded,
    Failed,
    /// A `can_fail` stage with failures.
    FailedAllowed,
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct StageReport {
    pub name: String,
    pub state: StageState,
    pub can_fail: bool,
    pub run_once: bool,
    /// Ran once after the other stages, when no host had failed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub finalize: bool,
    /// Ran on the hosts that had failed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub on_failure: bool,
    pub duration_ms: u64,
    pub hosts: Vec<HostStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HostSummary {
    pub host: String,
    /// Stages this host completed successfully.
    pub completed: Vec<String>,
    /// The stage where it failed (not counting `can_fail` stages), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_stage: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PushSummary {
    pub result: &'static str,
    pub message: String,
    /// With `--app`: the app and the release id pushed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<u64>,
    /// Empty (left out) when pushed without a version.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: u64,
    pub stages: Vec<StageReport>,
    pub hosts: Vec<HostSummary>,
}

impl PushSummary {
    pub fn succeeded(&self) -> bool {
        self.result == "succeeded"
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PushEvent {
    StageStarted {
        at: String,
        stage: String,
        hosts: usize,
    },
    HostStarted {
        at: String,
        stage: String,
        host: String,
    },
    HostRetry {
        at: String,
        stage: String,
        host: String,
        attempt: u32,
        message: String,
    },
    HostFinished {
        at: String,
        stage: String,
        result: HostStep,
    },
    StageFinished {
        at: String,
        stage: String,
        state: StageState,
    },
    Finished {
        at: String,
        result: &'static str,
        message: String,
    },
}

type SharedConn = Arc<OnceCell<std::result::Result<Conn, String>>>;

struct HostJob {
    target: Target,
    conn: SharedConn,
    stage: Stage,
    opts: Arc<PushOptions>,
    connector: Arc<Connector>,
    events: tokio::sync::mpsc::UnboundedSender<PushEvent>,
}

async fn run_host(job: HostJob) -> HostStep {
    let Some(link) = job.opts.zk.clone() else {
        return run_host_stage(job).await;
    };
    let host = status_name(&job.target.name());
    let lease = match link.acquire(&host).await {
        Ok(l) => l,
        Err(e) => {
            return HostStep {
                host: job.target.name(),
                state: StepState::Error,
                attempts: 0,
                exit_code: None,
                duration_ms: 0,
                message: format!("cannot take a slot: {e}"),
                output_tail: String::new(),
            };
        }
    };
    let stage = job.stage.name.clone();
    if let Err(e) = link
        .report(
            &host,
            HostState::Deploying,
            1,
            &format!("ssh-push stage {stage}"),
            "",
            None,
        )
        .await
    {
        tracing::warn!("{e}");
    }
    let step = run_host_stage(job).await;
    link.release(&lease).await;
    step
}

/// Run the get-version command on one host: does it already run `opts.version`? Any trouble
/// (unreachable, the command failed) means no: the stages then run and report it.
async fn is_current(
    target: &Target,
    conn: &SharedConn,
    template: &str,
    opts: &PushOptions,
    connector: &Connector,
) -> bool {
    let conn = conn
        .get_or_init(|| async { connector.connect(target, opts.local).await })
        .await;
    let Ok(conn) = conn else { return false };
    let ctx = RenderContext {
        app: opts.app.clone(),
        version: opts.version.clone(),
        previous_version: String::new(),
        host: target.name(),
        group: String::new(),
        release: 0,
        vars: opts.vars.clone(),
    };
    let Ok(script) = render::render(template, &ctx) else {
        return false;
    };
    match conn.run(&script, opts.timeout, &opts.secrets).await {
        Ok(out) => out.success() && crate::policy::version_matches(&out.tail, &opts.version),
        Err(_) => false,
    }
}

async fn run_host_stage(job: HostJob) -> HostStep {
    let started = std::time::Instant::now();
    let name = job.target.name();
    let mut step = HostStep {
        host: name.clone(),
        state: StepState::Ok,
        attempts: 0,
        exit_code: None,
        duration_ms: 0,
        message: String::new(),
        output_tail: String::new(),
    };
    let conn = job
        .conn
        .get_or_init(|| async { job.connector.connect(&job.target, job.opts.local).await })
        .await;
    let conn = match conn {
        Ok(c) => c,
        Err(e) => {
            step.state = StepState::Error;
            step.message = e.clone();
            step.duration_ms = started.elapsed().as_millis() as u64;
            return step;
        }
    };
    let ctx = RenderContext {
        app: job.opts.app.clone(),
        version: job.opts.version.clone(),
        previous_version: String::new(),
        host: name.clone(),
        group: String::new(),
        release: 0,
        vars: job.opts.vars.clone(),
    };
    let retries = job.stage.retries.unwrap_or(job.opts.retries);
    let timeout = job.stage.timeout.unwrap_or(job.opts.timeout);
    for template in &job.stage.run {
        let script = match render::render(template, &ctx) {
            Ok(s) => s,
            Err(e) => {
                step.state = StepState::Failed;
                step.message = e.to_string();
                break;
            }
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            step.attempts = step.attempts.max(attempt);
            let (ok, message) = match conn.run(&script, timeout, &job.opts.secrets).await {
                Ok(out) => {
                    step.exit_code = out.exit_code;
                    step.output_tail = out.tail.clone();
                    (out.success(), out.describe("command"))
                }
                Err(e) => (false, e),
            };
            if ok {
                step.message = "ok".into();
                break;
            }
            if attempt > retries {
                step.state = StepState::Failed;
                step.message = message;
                break;
            }
            let _ = job.events.send(PushEvent::HostRetry {
                at: now_rfc3339(),
                stage: job.stage.name.clone(),
                host: name.clone(),
                attempt,
                message,
            });
            tokio::time::sleep(crate::policy::retry_delay(
                job.opts.retry_delay.as_millis() as u64,
                attempt,
            ))
            .await;
        }
        if step.state != StepState::Ok {
            break;
        }
    }
    step.duration_ms = started.elapsed().as_millis() as u64;
    step.output_tail = crate::secrets::redact(&step.output_tail, &job.opts.secrets);
    step.message = crate::secrets::redact(&step.message, &job.opts.secrets);
    step
}

fn skipped(host: &Target, why: &str) -> HostStep {
    HostStep {
        host: host.name(),
        state: StepState::Skipped,
        attempts: 0,
        exit_code: None,
        duration_ms: 0,
        message: why.into(),
        output_tail: String::new(),
    }
}

/// Run `stages` over `targets`.
pub async fn run(
    stages: &[Stage],
    targets: &[Target],
    opts: PushOptions,
    connector: Connector,
    reporter: &mut dyn EventSink<PushEvent>,
) -> PushSummary {
    let started = SystemTime::now();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<PushEvent>();
    let allowed = match (opts.max_failures, opts.continue_on_error) {
        (Some(b), _) => b.allowed(targets.len()),
        (None, true) => usize::MAX,
        (None, false) => 0,
    };
    let mut push = Push {
        targets,
        opts: Arc::new(opts),
        connector: Arc::new(connector),
        conns: targets.iter().map(|_| Arc::new(OnceCell::new())).collect(),
        alive: vec![true; targets.len()],
        current: vec![false; targets.len()],
        allowed,
        failed: 0,
        tx,
        rx,
    };
    push.check_versions().await;
    let mut stopped: Option<String> = None;
    let mut reports = vec![];
    // Ordinary stages in plan order, then the on-failure stages (on the hosts that failed), then
    // the finalize stages (once, when no host failed).
    let ordered = stages
        .iter()
        .filter(|s| s.is_regular())
        .chain(stages.iter().filter(|s| s.on_failure))
        .chain(stages.iter().filter(|s| s.finalize));
    for stage in ordered {
        if stage.on_failure {
            // Cleanup runs whether or not the push stopped: that is when it is needed.
            let (report, _) = push.run_stage(stage, reporter).await;
            reports.push(report);
            continue;
        }
        if stage.finalize && stopped.is_none() && push.alive.iter().any(|a| !a) {
            stopped = Some("not run: a host failed".into());
        }
        if let Some(why) = &stopped {
            reports.push(StageReport {
                name: stage.name.clone(),
                state: StageState::Skipped,
                can_fail: stage.can_fail,
                run_once: stage.run_once,
                finalize: stage.finalize,
                on_failure: stage.on_failure,
                duration_ms: 0,
                hosts: targets.iter().map(|t| skipped(t, why)).collect(),
            });
            continue;
        }
        let (report, stop) = push.run_stage(stage, reporter).await;
        if stop {
            stopped = Some(format!("not run: stage {:?} failed", stage.name));
        }
        reports.push(report);
    }
    let Push { opts, conns, .. } = push;
    if let Some(link) = &opts.zk {
        report_to_zk(link, &reports, targets).await;
    }
    for c in conns {
        if let Some(cell) = Arc::into_inner(c)
            && let Some(Ok(conn)) = cell.into_inner()
        {
            conn.close().await;
        }
    }
    summarize(reports, targets, &opts, started, reporter)
}

/// One push's shared state across its stages: one connection per host (opened on first use),
/// which hosts still take part, and the channel host tasks report progress on.
struct Push<'t> {
    targets: &'t [Target],
    opts: Arc<PushOptions>,
    connector: Arc<Connector>,
    conns: Vec<SharedConn>,
    /// A non-`can_fail` failure drops a host from later stages.
    alive: Vec<bool>,
    /// Hosts that already run the version: they run no stage.
    current: Vec<bool>,
    /// Failed hosts tolerated (see `PushOptions::max_failures`), and failed so far.
    allowed: usize,
    failed: usize,
    tx: tokio::sync::mpsc::UnboundedSender<PushEvent>,
    rx: tokio::sync::mpsc::UnboundedReceiver<PushEvent>,
}

impl Push<'_> {
    /// `--get-version-cmd`: ask every host (at most `parallel` at once) which version it runs.
    async fn check_versions(&mut self) {
        let Some(template) = self.opts.get_version_cmd.clone() else {
            return;
        };
        let limit = Arc::new(tokio::sync::Semaphore::new(
            self.opts.parallel.max(1) as usize
        ));
        let mut tasks = JoinSet::new();
        for (i, t) in self.targets.iter().enumerate() {
            let (t, conn, opts, connector, limit, template) = (
                t.clone(),
                self.conns[i].clone(),
                self.opts.clone(),
                self.connector.clone(),
                limit.clone(),
                template.clone(),
            );
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                (i, is_current(&t, &conn, &template, &opts, &connector).await)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            if let Ok((i, true)) = joined {
                tracing::info!(
                    "{}: already runs {}; nothing to do",
                    self.targets[i].name(),
                    self.opts.version
                );
                self.current[i] = true;
            }
        }
    }

    /// Run one stage over the hosts still taking part: canary first, then a bounded pool (the
    /// pure `StagePlanner` decides who starts when). Returns its report and whether the push
    /// stops after it.
    async fn run_stage(
        &mut self,
        stage: &Stage,
        reporter: &mut dyn EventSink<PushEvent>,
    ) -> (StageReport, bool) {
        let targets = self.targets;
        let stage_started = std::time::Instant::now();
        // An on-failure stage runs on the hosts that dropped out with a failure, the others on
        // the hosts still taking part (and not already at the version).
        let mut eligible: Vec<usize> = (0..targets.len())
            .filter(|i| !self.current[*i] && self.alive[*i] != stage.on_failure)
            .collect();
        if stage.run_once {
            eligible.truncate(1);
        }
        reporter.emit(&PushEvent::StageStarted {
            at: now_rfc3339(),
            stage: stage.name.clone(),
            hosts: eligible.len(),
        });
        let canary = stage.canary.unwrap_or(self.opts.canary) as usize;
        let parallel = stage.parallel.unwrap_or(self.opts.parallel) as usize;
        let mut planner = StagePlanner::new(
            eligible.len(),
            canary,
            parallel,
            self.allowed.saturating_sub(self.failed),
            stage.can_fail,
        );
        let mut results: Vec<Option<HostStep>> = vec![None; targets.len()];
        let mut tasks = JoinSet::new();
        let mut canary_failed = false;
        loop {
            while let Some(k) = planner.launch() {
                let i = eligible[k];
                reporter.emit(&PushEvent::HostStarted {
                    at: now_rfc3339(),
                    stage: stage.name.clone(),
                    host: targets[i].name(),
                });
                let job = HostJob {
                    target: targets[i].clone(),
                    conn: self.conns[i].clone(),
                    stage: stage.clone(),
                    opts: self.opts.clone(),
                    connector: self.connector.clone(),
                    events: self.tx.clone(),
                };
                tasks.spawn(async move { (k, run_host(job).await) });
            }
            if planner.finished() {
                break;
            }
            tokio::select! {
                Some(e) = self.rx.recv() => reporter.emit(&e),
                Some(joined) = tasks.join_next() => {
                    let Ok((k, step)) = joined else { continue };
                    let ok = step.state == StepState::Ok;
                    if !ok && k < canary.min(eligible.len()) && !stage.can_fail {
                        canary_failed = true;
                    }
                    planner.complete(k, ok);
                    reporter.emit(&PushEvent::HostFinished { at: now_rfc3339(), stage: stage.name.clone(), result: step.clone() });
                    results[eligible[k]] = Some(step);
                }
            }
        }
        while let Ok(e) = self.rx.try_recv() {
            reporter.emit(&e);
        }
        let failures = planner.failures();
        let mut hosts = vec![];
        for (i, t) in targets.iter().enumerate() {
            let step = match results[i].take() {
                Some(s) => s,
                None if self.current[i] => HostStep {
                    state: StepState::Current,
                    message: format!("already running {}", self.opts.version),
                    ..skipped(t, "")
                },
                None if stage.on_failure => skipped(t, "on_failure: this host did not fail"),
                None if !self.alive[i] => skipped(t, "dropped out in an earlier stage"),
                None if stage.run_once && eligible.first() != Some(&i) => {
                    skipped(t, "run_once: ran on another host")
                }
                None => skipped(t, "not started: the stage stopped after a failure"),
            };
            if step.state != StepState::Ok && step.state != StepState::Skipped && !stage.can_fail {
                self.alive[i] = false;
            }
            hosts.push(step);
        }
        let state = match (failures, stage.can_fail) {
            (0, _) => StageState::Succeeded,
            (_, true) => StageState::FailedAllowed,
            (_, false) => StageState::Failed,
        };
        if !stage.can_fail {
            self.failed += failures;
        }
        let stop = state == StageState::Failed && (canary_failed || self.failed > self.allowed);
        reporter.emit(&PushEvent::StageFinished {
            at: now_rfc3339(),
            stage: stage.name.clone(),
            state,
        });
        let report = StageReport {
            name: stage.name.clone(),
            state,
            can_fail: stage.can_fail,
            run_once: stage.run_once,
            finalize: stage.finalize,
            on_failure: stage.on_failure,
            duration_ms: stage_started.elapsed().as_millis() as u64,
            hosts,
        };
        (report, stop)
    }
}

/// Final per-host status for `--app`: healthy when every stage that ran for it succeeded.
async fn report_to_zk(link: &ZkLink, stages: &[StageReport], targets: &[Target]) {
    for (i, t) in targets.iter().enumerate() {
        let host = status_name(&t.name());
        let steps: Vec<(&StageReport, &HostStep)> =
            stages.iter().map(|s| (s, &s.hosts[i])).collect();
        if steps.iter().all(|(_, h)| h.state == StepState::Current) {
            let msg = format!("already running {} (ssh-push)", link.spec.version);
            if let Err(e) = link
                .report(&host, HostState::Current, 0, &msg, "", None)
                .await
            {
                tracing::warn!("reporting {host} to ZooKeeper: {e}");
            }
            link.unregister(&host).await;
            continue;
        }
        if steps.iter().all(|(_, h)| h.state == StepState::Skipped) {
            link.unregister(&host).await;
            continue;
        }
        let failed = steps
            .iter()
            .find(|(s, h)| !s.can_fail && matches!(h.state, StepState::Failed | StepState::Error));
        let attempts = steps.iter().map(|(_, h)| h.attempts).max().unwrap_or(0);
        let r = match failed {
            Some((s, h)) => {
                let msg = format!("ssh-push stage {}: {}", s.name, h.message);
                link.report(
                    &host,
                    HostState::Failed,
                    attempts,
                    &msg,
                    &h.output_tail,
                    h.exit_code,
                )
                .await
            }
            None => {
                let msg = format!("running {} (ssh-push)", link.spec.version);
                link.report(&host, HostState::Healthy, attempts, &msg, "", Some(0))
                    .await
            }
        };
        if let Err(e) = r {
            tracing::warn!("reporting {host} to ZooKeeper: {e}");
        }
        link.unregister(&host).await;
    }
}

fn summarize(
    stages: Vec<StageReport>,
    targets: &[Target],
    opts: &PushOptions,
    started: SystemTime,
    reporter: &mut dyn EventSink<PushEvent>,
) -> PushSummary {
    let hosts: Vec<HostSummary> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| HostSummary {
            host: t.name(),
            completed: stages
                .iter()
                .filter(|s| s.hosts[i].state == StepState::Ok)
                .map(|s| s.name.clone())
                .collect(),
            failed_stage: stages
                .iter()
                .find(|s| {
                    !s.can_fail && matches!(s.hosts[i].state, StepState::Failed | StepState::Error)
                })
                .map(|s| s.name.clone()),
        })
        .collect();
    let failed: Vec<String> = hosts
        .iter()
        .filter_map(|h| h.failed_stage.as_ref().map(|s| format!("{} ({s})", h.host)))
        .collect();
    let skipped = stages.iter().any(|s| s.state == StageState::Skipped);
    let current = stages.first().map_or(0, |s| {
        s.hosts
            .iter()
            .filter(|h| h.state == StepState::Current)
            .count()
    });
    let already = match current {
        0 => String::new(),
        n => format!(", {n} already running {}", opts.version),
    };
    let done = format!("{} host(s) done{already}", targets.len() - current);
    // Within `--max-failures` the push went on to the end and succeeds, as a rollout does.
    let tolerated = opts
        .max_failures
        .filter(|b| !failed.is_empty() && failed.len() <= b.allowed(targets.len()) && !skipped);
    let (result, message) = if failed.is_empty() && !skipped {
        ("succeeded", done)
    } else if let Some(b) = tolerated {
        (
            "succeeded",
            format!(
                "{} host(s) done{already}; failed on {} within max_failures {b}",
                targets.len() - current - failed.len(),
                failed.join(", ")
            ),
        )
    } else if failed.is_empty() {
        ("failed", "stopped before every stage ran".to_string())
    } else {
        ("failed", format!("failed on {}", failed.join(", ")))
    };
    let now = SystemTime::now();
    reporter.emit(&PushEvent::Finished {
        at: format_time(now),
        result,
        message: message.clone(),
    });
    PushSummary {
        result,
        message,
        app: opts.zk.as_ref().map(|l| l.spec.app.clone()),
        release: opts.zk.as_ref().map(|l| l.spec.release),
        version: opts.version.clone(),
        started_at: format_time(started),
        finished_at: format_time(now),
        duration_ms: now.duration_since(started).unwrap_or_default().as_millis() as u64,
        stages,
        hosts,
    }
}
