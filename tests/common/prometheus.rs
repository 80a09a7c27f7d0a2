//! A real Prometheus (Debian's `prometheus`) for the metric-check tests, on a free loopback
//! port, scraping `tests/data/exporter.py` every second. Missing binary: the test fails with the
//! install command (never skips).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::wait_until;

pub struct Prom {
    pub url: String,
    port: u16,
    config: PathBuf,
    data: PathBuf,
    log: PathBuf,
    child: Option<Child>,
    exporter: Child,
}

fn free_port() -> u16 {
    deployctl::zk::server::free_port().expect("a free port")
}

impl Prom {
    /// Start the exporter for `hosts` (name → the dir whose `error_ratio` file it reads) and a
    /// Prometheus scraping it; returns once Prometheus has scraped the exporter once.
    pub fn start(dir: &Path, hosts: &[(String, PathBuf)]) -> Prom {
        let which = Command::new("sh")
            .args(["-c", "command -v prometheus"])
            .output()
            .expect("sh");
        assert!(
            which.status.success(),
            "prometheus is not installed: apt-get install prometheus (or run .ci/install-deps)"
        );
        let exporter_port = free_port();
        let conf = dir.join("exporter.json");
        let map: serde_json::Map<String, serde_json::Value> = hosts
            .iter()
            .map(|(h, d)| (h.clone(), serde_json::Value::from(d.display().to_string())))
            .collect();
        std::fs::write(&conf, serde_json::json!({ "hosts": map }).to_string()).expect("conf");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/exporter.py");
        let exporter = Command::new("python3")
            .arg(script)
            .arg(exporter_port.to_string())
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 exporter");
        let port = free_port();
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: demo\n    static_configs:\n      - targets: ['127.0.0.1:{exporter_port}']\n"
            ),
        )
        .expect("prometheus.yml");
        let mut p = Prom {
            url: format!("http://127.0.0.1:{port}"),
            port,
            config,
            data: dir.join("prometheus-data"),
            log: dir.join("prometheus.log"),
            child: None,
            exporter,
        };
        p.start_again();
        // Scraped once: the `up` series of the exporter's target is there.
        wait_until(
            "Prometheus scraping the exporter",
            Duration::from_secs(60),
            || {
                p.query("up{job=\"demo\"} == 1").filter(|r| {
                    r["data"]["result"]
                        .as_array()
                        .is_some_and(|a| !a.is_empty())
                })
            },
        );
        p
    }

    /// (Re)start the server on the same port and data: back once it answers ready.
    pub fn start_again(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("prometheus log");
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", self.config.display()))
            .arg(format!("--storage.tsdb.path={}", self.data.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{}", self.port))
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("prometheus");
        self.child = Some(child);
        let url = format!("{}/-/ready", self.url);
        wait_until("Prometheus ready", Duration::from_secs(60), || {
            ureq_get(&url).filter(|(code, _)| *code == 200).map(|_| ())
        });
    }

    /// SIGKILL the server (the exporter stays).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// An instant query's JSON answer, when Prometheus answered.
    pub fn query(&self, q: &str) -> Option<serde_json::Value> {
        let url = format!(
            "{}/api/v1/query?query={}",
            self.url,
            q.bytes()
                .map(|b| if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                })
                .collect::<String>()
        );
        let (code, body) = ureq_get(&url)?;
        (code == 200)
            .then(|| serde_json::from_str(&body).ok())
            .flatten()
    }
}

impl Drop for Prom {
    fn drop(&mut self) {
        self.kill();
        let _ = self.exporter.kill();
        let _ = self.exporter.wait();
    }
}

/// A GET with curl (status code and body), None when nothing answered.
fn ureq_get(url: &str) -> Option<(u16, String)> {
    let out = Command::new("curl")
        .args(["-s", "-m", "5", "-w", "\n%{http_code}", url])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n')?;
    Some((code.trim().parse().ok()?, body.to_string()))
}
