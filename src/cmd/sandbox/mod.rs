//! `deployctl sandbox`: a real local rollout in one command. A throwaway ZooKeeper from the
//! local install, N agent processes with their own state dirs, demo traffic and a throwaway
//! Prometheus judging it, two staggered metric-gated canary releases, then everything is stopped
//! and removed (also on Ctrl-C).

mod traffic;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use clap::Args;

use super::Ctx;
use super::wait::WaitFlags;
use crate::error::{Error, Result};
use crate::model::{GitSourceSpec, ReleaseSpec};
use crate::prometheus::server::LocalPrometheus;
use crate::rollout::watch::Target;
use crate::zk::server::LocalZooKeeper;
use crate::zk::{self, store::Published};

const APP: &str = "demo";
const ROOT: &str = "/deployctl-sandbox";

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Number of agents (hosts)
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub hosts: u32,
    /// Hosts deploying at once
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
    pub slots: u32,
    /// Make this host's deploy fail (e.g. host-2), to see a failed rollout
    #[arg(long, value_name = "HOST")]
    pub fail_host: Option<String>,
    /// Make the second release fail 30% of the demo traffic, to see its metric check fail the
    /// canary and halt the release
    #[arg(long)]
    pub fail_check: bool,
    /// Where the JUnit and JSON reports are written
    #[arg(long, value_name = "DIR", default_value = "deployctl-sandbox-results")]
    pub results: PathBuf,
    /// Address of the web page (`deployctl serve`) the sandbox starts (port 0: a free port)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: String,
    /// After the releases, keep ZooKeeper, the agents and the page running until Ctrl-C or
    /// SIGTERM (to look around: the page, `status`, `history`)
    #[arg(long)]
    pub stay: bool,
}

/// Agent processes that are stopped (SIGTERM, then SIGKILL) when dropped.
struct Agents(Vec<Child>);

impl Drop for Agents {
    fn drop(&mut self) {
        for c in &self.0 {
            unsafe {
                libc::kill(c.id() as libc::pid_t, libc::SIGTERM);
            }
        }
        for c in &mut self.0 {
            for _ in 0..50 {
                if matches!(c.try_wait(), Ok(Some(_))) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn start_agent(exe: &Path, zk: &str, dir: &Path, host: &str) -> Result<Child> {
    let state = dir.join(host);
    std::fs::create_dir_all(&state)
        .map_err(|e| Error::io(format!("creating {}", state.display()), e))?;
    let log = std::fs::File::create(state.join("agent.log"))
        .map_err(|e| Error::io("creating agent log", e))?;
    let mut cmd = Command::new(exe);
    cmd.args([
        "agent",
        "--host",
        host,
        "--app",
        APP,
        "--session-timeout",
        "4s",
        "--state-dir",
    ])
    .arg(&state)
    .env("DEPLOYCTL_ZK", zk)
    .env("DEPLOYCTL_ZK_ROOT", ROOT)
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(log);
    crate::exec::dies_with_parent(&mut cmd, libc::SIGTERM);
    cmd.spawn().map_err(|e| Error::io("starting an agent", e))
}

/// The demo app: a git repository with a VERSION file, tagged per release.
fn demo_commit(repo: &git2::Repository, version: &str, error_rate: f64) -> Result<()> {
    let fail =
        |e: git2::Error| Error::Failed(format!("creating the demo repository: {}", e.message()));
    let dir = repo
        .workdir()
        .ok_or_else(|| Error::Failed("demo repository has no work tree".into()))?;
    std::fs::write(dir.join("VERSION"), format!("{version}\n"))
        .map_err(|e| Error::io("writing the demo app", e))?;
    std::fs::write(
        dir.join("app.sh"),
        format!("#!/bin/sh\necho demo app {version}\n"),
    )
    .map_err(|e| Error::io("writing the demo app", e))?;
    // The share of requests this version fails (the demo traffic reads it from `current`).
    std::fs::write(dir.join("ERROR_RATE"), format!("{error_rate}\n"))
        .map_err(|e| Error::io("writing the demo app", e))?;
    let mut index = repo.index().map_err(fail)?;
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .map_err(fail)?;
    index.write().map_err(fail)?;
    let tree = repo
        .find_tree(index.write_tree().map_err(fail)?)
        .map_err(fail)?;
    let sig = git2::Signature::now("deployctl sandbox", "sandbox@localhost").map_err(fail)?;
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    let id = repo
        .commit(
            Some("HEAD"),
            &sig,
            &sig,
            &format!("demo app {version}"),
            &tree,
            &parents,
        )
        .map_err(fail)?;
    let obj = repo.find_object(id, None).map_err(fail)?;
    repo.tag_lightweight(version, &obj, false).map_err(fail)?;
    Ok(())
}

/// The canary's metric check: the share of the host's requests that failed over the last 5 s.
const CHECK: &str = "error_rate=sum(rate(demo_errors_total{host=\"{{ host }}\"}[5s])) \
                     / sum(rate(demo_requests_total{host=\"{{ host }}\"}[5s])) <= 0.05";

fn demo_release(
    repo: &Path,
    slots: u32,
    fail_host: Option<&str>,
    prometheus_url: &str,
) -> Result<ReleaseSpec> {
    let from_git = crate::git::version_from_git(repo, false)?;
    let fail = "if [ {{ host }} = {{ vars.fail_host }} ]; then echo \"simulated failure on {{ host }}\" >&2; exit 1; fi";
    Ok(ReleaseSpec {
        slots,
        // The git source is the deploy: checkout into releases/<version>, switch `current`.
        git: Some(GitSourceSpec {
            repo: repo.display().to_string(),
            git_ref: "{{ version }}".into(),
            keep_releases: 5,
            deploy_to: None,
            linked_dirs: vec![],
            linked_files: vec![],
            // Pinned, as `publish` does: the commit the version was read from.
            commit: from_git.source.commit.clone(),
        }),
        deploy_cmd: fail_host
            .map(|_| format!("{fail}; sleep 1"))
            .or_else(|| Some("sleep 1".into())),
        health_cmd: Some("test \"$(cat VERSION)\" = {{ version }}".into()),
        command_timeout_secs: 60,
        // A metric-gated canary: the first host bakes under the check before any other starts,
        // and so does every host after it.
        canary: 1,
        // Long enough, also on a loaded machine, for a bad version's errors to reach the check
        // through a scrape and the 5 s rate window before the bake ends.
        bake_time_ms: Some(8_000),
        checks: vec![crate::checks::MetricCheck::parse(CHECK)?],
        prometheus_url: Some(prometheus_url.into()),
        check_interval_ms: Some(1_000),
        vars: fail_host
            .map(|h| [("fail_host".to_string(), h.to_string())].into())
            .unwrap_or_default(),
        published_by: "sandbox".into(),
        source: Some(from_git.source),
        ..ReleaseSpec::new(APP, &from_git.version)
    })
}

pub async fn run(ctx: &Ctx, args: SandboxArgs) -> Result<()> {
    if let Some(h) = &args.fail_host {
        crate::validate::host_name(h)?;
    }
    let dir = tempfile::Builder::new()
        .prefix("deployctl-sandbox-")
        .tempdir()
        .map_err(|e| Error::io("creating a temp dir", e))?;
    ctx.printer.info(&format!(
        "sandbox: starting ZooKeeper in {}",
        dir.path().display()
    ));
    // Started on this (the main) thread: the server is tied to the thread that starts it.
    let server = LocalZooKeeper::start(&dir.path().join("zookeeper"), 500)?;
    let result = tokio::select! {
        // Polled first: with --stay, the rollouts' own Ctrl-C ends them as a success.
        biased;
        r = rollouts(ctx, &args, &server, dir.path()) => r,
        _ = tokio::signal::ctrl_c() => Err(Error::Failed("interrupted".into())),
    };
    drop(server);
    let path = dir.path().to_path_buf();
    dir.close()
        .map_err(|e| Error::io(format!("removing {}", path.display()), e))?;
    ctx.printer
        .line("sandbox: stopped every process and removed the temp dir");
    result
}

async fn rollouts(
    ctx: &Ctx,
    args: &SandboxArgs,
    server: &LocalZooKeeper,
    dir: &Path,
) -> Result<()> {
    let exe = std::env::current_exe().map_err(|e| Error::io("locating deployctl", e))?;
    let address = server.address();
    let hosts: Vec<String> = (1..=args.hosts).map(|i| format!("host-{i}")).collect();
    if let Some(h) = &args.fail_host
        && !hosts.contains(h)
    {
        return Err(Error::invalid(
            "--fail-host",
            h,
            format!("not one of {}", hosts.join(", ")),
        ));
    }
    // Demo traffic on every host, and a Prometheus scraping it for the releases' metric check.
    let hosts_dir = dir.join("hosts");
    let demo = traffic::start(
        hosts
            .iter()
            .map(|h| {
                (
                    h.clone(),
                    hosts_dir.join(h).join("apps").join(APP).join("current"),
                )
            })
            .collect(),
    )
    .await?;
    let mut prometheus = LocalPrometheus::start(
        &dir.join("prometheus"),
        "demo",
        std::slice::from_ref(&demo.target),
    )?;
    let prom_client = crate::prometheus::Prometheus {
        url: prometheus.url.clone(),
        bearer: None,
        client: crate::http::client(None)?,
        timeout: Duration::from_secs(5),
    };
    prometheus
        .wait_scraped(
            &prom_client,
            "up{job=\"demo\"} == 1",
            Duration::from_secs(60),
        )
        .await?;
    ctx.printer.info(&format!(
        "sandbox: Prometheus at {} scraping the demo traffic",
        prometheus.url
    ));
    let mut agents = Agents(vec![]);
    for h in &hosts {
        agents.0.push(start_agent(&exe, &address, &hosts_dir, h)?);
    }
    ctx.printer.info(&format!(
        "sandbox: ZooKeeper at {address}, {} agents ({}), {} slot(s)",
        hosts.len(),
        hosts.join(", "),
        args.slots
    ));
    let mut global = ctx.global.clone();
    global.zk = Some(address.clone());
    global.zk_root = Some(ROOT.into());
    let sctx = Ctx {
        global,
        printer: ctx.printer,
    };
    let zk = zk::connect(&sctx.global.zk_options(None, None)).await?;
    // The web page, so a newcomer sees the rollout live; its token only lives as long as we do.
    let token = crate::serve::auth::random_token();
    let page = Box::pin(crate::serve::start(
        &args.listen,
        sctx.global.zk_options(None, None),
        crate::serve::Config {
            token: Some(token.clone()),
            ..Default::default()
        },
    ))
    .await?;
    ctx.printer.line(&format!(
        "sandbox: watch it live at http://{}/apps/{APP} (log in with token {token})",
        page.addr
    ));
    std::fs::create_dir_all(&args.results)
        .map_err(|e| Error::io(format!("creating {}", args.results.display()), e))?;
    let repo_dir = dir.join("demo-app");
    let repo = git2::Repository::init(&repo_dir)
        .map_err(|e| Error::Failed(format!("creating the demo repository: {}", e.message())))?;
    let mut outcome = Ok(());
    let bad_rate = if args.fail_check { 0.3 } else { 0.0 };
    for (version, fail, error_rate) in [
        ("1.0.0", None, 0.0),
        ("1.1.0", args.fail_host.as_deref(), bad_rate),
    ] {
        demo_commit(&repo, version, error_rate)?;
        let release = demo_release(&repo_dir, args.slots, fail, &prometheus.url)?;
        let spec = match zk.publish(&release, true).await? {
            Published::Created(s) | Published::Unchanged(s) => s,
        };
        ctx.printer.info(&format!(
            "\nsandbox: published {APP} {version} (commit {}) as release {}",
            spec.source.as_ref().map(|s| s.short()).unwrap_or_default(),
            spec.release
        ));
        let junit = args
            .results
            .join(format!("release-{}.junit.xml", spec.release));
        let json = args.results.join(format!("release-{}.json", spec.release));
        let flags = WaitFlags {
            timeout: Some(Duration::from_secs(60 + 10 * u64::from(args.hosts))),
            expect_hosts: Some(hosts.len()),
            on_timeout: Default::default(),
            until_gate: false,
            report: super::report::ReportArgs {
                junit: Some(junit.clone()),
                json_file: Some(json.clone()),
                events: false,
            },
            heartbeat: Duration::from_secs(5),
        };
        let r =
            super::wait::wait_and_report(&sctx, APP, Target::Release(spec.release), &flags).await;
        ctx.printer.line(&format!(
            "sandbox: reports in {} and {}",
            junit.display(),
            json.display()
        ));
        if r.is_err() {
            outcome = r;
            break;
        }
    }
    if args.stay {
        ctx.printer.line(&format!(
            "sandbox: everything stays up: http://{}/apps/{APP}, DEPLOYCTL_ZK={address} \
             DEPLOYCTL_ZK_ROOT={ROOT}; Ctrl-C stops it",
            page.addr
        ));
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| Error::io("installing the SIGTERM handler", e))?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    drop(page);
    drop(zk);
    drop(agents);
    drop(prometheus);
    drop(demo);
    outcome
}
