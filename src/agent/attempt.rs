//! One attempt on this host: pre, deploy and health commands (with the health retries), each
//! abandoned when the agent is told to or its slot lease vanishes.

use std::time::Duration;

use super::commands::Commands;
use super::release::HostRelease;
use super::{Shutdown, shutdown_at};
use crate::checks;
use crate::error::Result;
use crate::exec::{self, CommandOutcome};
use crate::git::{self};
use crate::model::{HostState, HostStatus};
use crate::render::Script;
use crate::zk::semaphore::Lease;

/// How one attempt (pre, deploy, health with its retries) ended.
pub(super) enum Attempt {
    Passed,
    /// This attempt failed, with the reason (retries and the budget apply).
    Failed(String),
    /// Abandoned: a second signal, or the slot lease vanished.
    Abandoned,
}

/// Append a command's output to the status tail (the tail keeps the newest bytes).
fn append_tail(st: &mut HostStatus, out: &CommandOutcome) {
    st.exit_code = out.exit_code;
    st.output_tail = exec::tail_of(
        format!("{}{}", st.output_tail, out.tail).as_bytes(),
        exec::TAIL_BYTES,
    );
}

/// pre, deploy, health (with its retries), in the release's git checkout when it has one.
pub(super) async fn attempt(
    runner: &HostRelease<'_>,
    cmds: &Commands,
    st: &mut HostStatus,
    lease: &Lease,
    shutdown: &mut Shutdown,
) -> Result<Attempt> {
    let spec = runner.spec;
    let timeout = runner.command_timeout();
    let restart = cmds.restart_only;
    // With a git source: the checkout first (reused when the version is still on disk); a
    // restart runs in the live checkout.
    let release_dir = match &cmds.git {
        Some(g) if restart => Some(g.current()).filter(|d| d.exists()),
        Some(g) => {
            let (g2, version) = (g.clone(), spec.version.clone());
            match tokio::task::spawn_blocking(move || git::deploy::ensure_release(&g2, &version))
                .await
            {
                Ok(Ok((dir, fetched))) => {
                    tracing::info!(app = %spec.app, "release dir {} ({})", dir.display(), if fetched { "fetched" } else { "already on disk" });
                    Some(dir)
                }
                Ok(Err(e)) => return Ok(Attempt::Failed(format!("git checkout failed: {e}"))),
                Err(e) => return Ok(Attempt::Failed(format!("git checkout failed: {e}"))),
            }
        }
        None => None,
    };
    let mut steps: Vec<(&str, &Script)> = vec![];
    if restart {
        if let Some(r) = &cmds.restart {
            steps.push(("restart command", r));
        }
    } else {
        if let Some(pre) = &cmds.pre {
            steps.push(("pre command", pre));
        }
        if let Some(deploy) = &cmds.deploy {
            steps.push(("deploy command", deploy));
        }
    }
    for (what, script) in steps {
        let Some(out) = run_step(
            runner,
            script,
            release_dir.as_deref(),
            timeout,
            lease,
            shutdown,
        )
        .await?
        else {
            return Ok(Attempt::Abandoned);
        };
        append_tail(st, &out);
        if !out.success() {
            return Ok(Attempt::Failed(out.describe(what)));
        }
    }
    if let Some(g) = cmds.git.as_ref().filter(|_| !restart)
        && let Err(e) = git::deploy::switch_current(g, &spec.version)
    {
        return Ok(Attempt::Failed(e.to_string()));
    }
    let health_timeout = Duration::from_secs(
        spec.health_timeout_secs
            .unwrap_or(spec.command_timeout_secs),
    );
    let check = cmds.health.as_ref().map(|script| HealthCheck {
        script,
        dir: release_dir.as_deref(),
        timeout: health_timeout,
    });
    if let Some(check) = &check {
        runner
            .set(
                st,
                HostState::Verifying,
                "running health check",
                Some(lease),
            )
            .await?;
        match check
            .run(runner, spec.health_retries, st, lease, shutdown)
            .await?
        {
            Attempt::Passed => {}
            other => return Ok(other),
        }
    }
    // Bake: keep the slot, re-check health every health interval and at the end, and judge the
    // metric checks every check interval and at the end.
    let mut metrics = match super::metric_gate::MetricGate::new(runner) {
        Ok(m) => m,
        Err(e) => return Ok(Attempt::Failed(format!("metric checks: {e}"))),
    };
    // A release's own checks come with a bake (publish insists); the agent config's may not:
    // they get one check interval.
    let bake = spec
        .bake_time_ms
        .map(Duration::from_millis)
        .or(metrics.as_ref().map(|m| m.interval));
    let Some(bake) = bake else {
        return Ok(Attempt::Passed);
    };
    // The next time something is due: an interval on, but not past the bake's end while it
    // lasts (the end itself is a check).
    let after = |now: tokio::time::Instant, step: Duration, until| {
        if now >= until {
            now + step
        } else {
            (now + step).min(until)
        }
    };
    let start = tokio::time::Instant::now();
    let until = start + bake;
    let message = format!(
        "baking: healthy, holding the slot until {} ({} more)",
        crate::model::format_time(std::time::SystemTime::now() + bake),
        humantime::format_duration(bake)
    );
    runner
        .set(st, HostState::Baking, message, Some(lease))
        .await?;
    let interval = Duration::from_millis(spec.health_interval_ms.max(100));
    let mut next_health = after(start, interval, until);
    let mut next_metrics = metrics.as_ref().map(|m| after(start, m.interval, until));
    loop {
        let wake = next_metrics.map_or(next_health, |m| m.min(next_health));
        tokio::select! {
            _ = tokio::time::sleep_until(wake) => {}
            _ = shutdown_at(shutdown, 2) => return Ok(Attempt::Abandoned),
        }
        let now = tokio::time::Instant::now();
        if now >= next_health {
            if let Some(check) = &check {
                match check.run(runner, 0, st, lease, shutdown).await? {
                    Attempt::Failed(why) => {
                        return Ok(Attempt::Failed(format!("during the bake: {why}")));
                    }
                    Attempt::Abandoned => return Ok(Attempt::Abandoned),
                    Attempt::Passed => {}
                }
            }
            next_health = after(now, interval, until);
        }
        let Some(m) = metrics.as_mut() else {
            if now >= until {
                return Ok(Attempt::Passed);
            }
            continue;
        };
        if next_metrics.is_some_and(|t| now < t) {
            continue;
        }
        let standing = m.evaluate().await;
        st.checks = m.records.clone();
        next_metrics = Some(after(now, m.interval, until));
        let message = match standing {
            checks::Standing::Failed(why) => {
                return Ok(Attempt::Failed(format!("during the bake: {why}")));
            }
            // The bake is over only when every check's last evaluation passed.
            checks::Standing::Passing if now >= until => {
                runner.write(st, Some(lease)).await?;
                return Ok(Attempt::Passed);
            }
            checks::Standing::Passing => "baking: metric checks passing".to_string(),
            checks::Standing::Pending { held: Some(why) } => {
                format!("{why}; the rollout holds until the checks are conclusive")
            }
            checks::Standing::Pending { held: None } => {
                let pending: Vec<String> = m
                    .records
                    .iter()
                    .filter(|r| r.verdict != checks::Verdict::Pass)
                    .map(|r| r.explain())
                    .collect();
                format!("baking: {}", pending.join("; "))
            }
        };
        runner
            .set(st, HostState::Baking, message, Some(lease))
            .await?;
    }
}

/// The release's health command, where and how long it runs.
struct HealthCheck<'a> {
    script: &'a Script,
    dir: Option<&'a std::path::Path>,
    timeout: Duration,
}

impl HealthCheck<'_> {
    /// Run it up to `retries` + 1 times, `health_interval` apart, until it passes.
    async fn run(
        &self,
        runner: &HostRelease<'_>,
        retries: u32,
        st: &mut HostStatus,
        lease: &Lease,
        shutdown: &mut Shutdown,
    ) -> Result<Attempt> {
        let mut last = String::new();
        for check in 0..=retries {
            if check > 0 {
                let interval = runner.spec.health_interval_ms;
                tokio::time::sleep(Duration::from_millis(interval)).await;
            }
            let Some(out) =
                run_step(runner, self.script, self.dir, self.timeout, lease, shutdown).await?
            else {
                return Ok(Attempt::Abandoned);
            };
            if out.success() {
                return Ok(Attempt::Passed);
            }
            append_tail(st, &out);
            last = out.describe("health check");
        }
        Ok(Attempt::Failed(last))
    }
}

/// Run a command unless the agent is told to abandon (second signal): `None` then.
pub(super) async fn run_step(
    runner: &HostRelease<'_>,
    script: &Script,
    dir: Option<&std::path::Path>,
    timeout: Duration,
    lease: &Lease,
    shutdown: &mut Shutdown,
) -> Result<Option<CommandOutcome>> {
    // Self-check while the command runs: if our lease vanished (deleted by hand, or the session
    // is gone), someone else may be granted the slot — stop the command rather than overlap.
    let lease_gone = async {
        loop {
            tokio::time::sleep(runner.settings.zk.session_timeout / 3).await;
            // Errors are connection trouble: the session loop decides about those.
            if let Ok(None) = runner.zk.client.check_stat(&lease.path).await {
                tracing::warn!(app = %runner.spec.app, "slot lease {} vanished: abandoning the running step", lease.path);
                return;
            }
        }
    };
    let run = async {
        match dir {
            Some(d) => runner.exec_in(script, d, timeout).await,
            None => runner.exec(script, timeout).await,
        }
    };
    tokio::select! {
        out = run => out.map(Some),
        _ = shutdown_at(shutdown, 2) => Ok(None),
        _ = lease_gone => Ok(None),
    }
}
