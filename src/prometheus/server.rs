//! A throwaway Prometheus from the local install (Debian's `prometheus`), on a free loopback
//! port with a generated config, for the sandbox's metric-gated canary. Says how to install it
//! when missing.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::Prometheus;
use crate::error::{Error, Result};

pub const INSTALL_HINT: &str =
    "install Prometheus: `apt-get install -y prometheus` (or run .ci/install-deps)";

/// A running server, stopped (SIGKILL) when dropped.
pub struct LocalPrometheus {
    pub url: String,
    child: Child,
}

impl LocalPrometheus {
    /// Start a server with its config and data under `dir`, scraping each of `targets`
    /// (`host:port`, job `job`) every second. It is not ready yet: see `wait_scraped`.
    pub fn start(dir: &Path, job: &str, targets: &[String]) -> Result<Self> {
        let port = crate::exec::free_port()?;
        let config = dir.join("prometheus.yml");
        let targets: Vec<String> = targets.iter().map(|t| format!("'{t}'")).collect();
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: {job}\n    static_configs:\n      - targets: [{}]\n",
                targets.join(", ")
            ),
        )
        .map_err(|e| Error::io(format!("writing {}", config.display()), e))?;
        let log = std::fs::File::create(dir.join("prometheus.log"))
            .map_err(|e| Error::io("creating prometheus.log", e))?;
        let log2 = log
            .try_clone()
            .map_err(|e| Error::io("creating prometheus.log", e))?;
        let mut cmd = Command::new("prometheus");
        cmd.arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2);
        crate::exec::dies_with_parent(&mut cmd, libc::SIGKILL);
        let child = cmd.spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                Error::Failed(format!("`prometheus` not found; {INSTALL_HINT}"))
            }
            _ => Error::io("starting prometheus", e),
        })?;
        Ok(LocalPrometheus {
            url: format!("http://127.0.0.1:{port}"),
            child,
        })
    }

    /// Wait (at most `limit`) until `query` — e.g. `up{job="demo"} == 1` — has a sample: the
    /// server answers and has scraped what the checks will ask about.
    pub async fn wait_scraped(
        &mut self,
        client: &Prometheus,
        query: &str,
        limit: Duration,
    ) -> Result<()> {
        let deadline = Instant::now() + limit;
        loop {
            let why = match client.query(query).await {
                Ok(samples) if !samples.is_empty() => return Ok(()),
                Ok(_) => "nothing scraped yet".to_string(),
                Err(e) => e,
            };
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(Error::Failed(format!(
                    "prometheus exited ({status}); its log is prometheus.log"
                )));
            }
            if Instant::now() >= deadline {
                return Err(Error::Failed(format!(
                    "prometheus at {} not ready within {}: {why}",
                    self.url,
                    humantime::format_duration(limit)
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for LocalPrometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
