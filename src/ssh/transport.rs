//! Running a command on a host: over one multiplexed `ssh` master connection per host (the
//! `openssh` crate drives the system client), or locally for `--local` preview deploys.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use openssh::{KnownHosts, Session, SessionBuilder};

use super::inventory::Target;
use crate::agent::exec::{self, CommandOutcome};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Default)]
pub struct SshOptions {
    pub user: Option<String>,
    pub identity: Option<PathBuf>,
    /// Extra `ssh_config` options (`--ssh-option K=V`).
    pub options: Vec<(String, String)>,
    /// Skip host key checking (`--insecure-ignore-host-keys`).
    pub insecure: bool,
    pub connect_timeout: Duration,
}

/// Opens connections; owns the control-socket dir and the generated ssh config.
pub struct Connector {
    opts: SshOptions,
    /// Short, private dir for control sockets (Unix socket paths are limited to ~108 bytes).
    control_dir: tempfile::TempDir,
    config_file: Option<PathBuf>,
}

pub enum Conn {
    Ssh(Session),
    Local(PathBuf),
}

fn short_tmp() -> PathBuf {
    let t = std::env::temp_dir();
    if t.as_os_str().len() <= 40 {
        t
    } else {
        PathBuf::from("/tmp")
    }
}

impl Connector {
    pub fn new(opts: SshOptions) -> Result<Self> {
        let control_dir = tempfile::Builder::new()
            .prefix("dctl-")
            .tempdir_in(short_tmp())
            .map_err(|e| Error::io("creating the ssh control dir", e))?;
        let config_file = if opts.options.is_empty() {
            None
        } else {
            let path = control_dir.path().join("ssh_config");
            let mut text = String::from("Host *\n");
            for (k, v) in &opts.options {
                text.push_str(&format!("  {k} {v}\n"));
            }
            std::fs::write(&path, text).map_err(|e| Error::io("writing the ssh config", e))?;
            Some(path)
        };
        Ok(Connector {
            opts,
            control_dir,
            config_file,
        })
    }

    /// Connect to `target` (a clear one-line error on failure).
    pub async fn connect(&self, target: &Target, local: bool) -> std::result::Result<Conn, String> {
        if local {
            let cwd = std::env::current_dir().map_err(|e| format!("no working directory: {e}"))?;
            return Ok(Conn::Local(cwd));
        }
        let mut b = SessionBuilder::default();
        b.control_directory(self.control_dir.path())
            .connect_timeout(self.opts.connect_timeout)
            .server_alive_interval(Duration::from_secs(15));
        if self.opts.insecure {
            b.known_hosts_check(KnownHosts::Accept)
                .user_known_hosts_file("/dev/null");
        } else {
            b.known_hosts_check(KnownHosts::Strict);
        }
        if let Some(u) = target.user.as_ref().or(self.opts.user.as_ref()) {
            b.user(u.clone());
        }
        if let Some(p) = target.port {
            b.port(p);
        }
        if let Some(k) = &self.opts.identity {
            b.keyfile(k);
        }
        if let Some(c) = &self.config_file {
            b.config_file(c);
        }
        let limit = self.opts.connect_timeout + Duration::from_secs(5);
        match tokio::time::timeout(limit, b.connect(&target.host)).await {
            Ok(Ok(s)) => Ok(Conn::Ssh(s)),
            Ok(Err(e)) => Err(format!(
                "cannot connect to {}: {}",
                target.name(),
                describe(&e)
            )),
            Err(_) => Err(format!(
                "cannot connect to {}: no answer within {}s",
                target.name(),
                limit.as_secs()
            )),
        }
    }

    pub fn control_dir(&self) -> &Path {
        self.control_dir.path()
    }
}

/// openssh's errors nest the ssh client's message; show the innermost useful part.
fn describe(e: &openssh::Error) -> String {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg = format!("{msg}: {s}");
        src = s.source();
    }
    msg.lines()
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The remote wrapper enforces the timeout on the host itself (coreutils `timeout`, when present),
/// so a timed-out command does not keep running there unobserved.
fn remote_script(script: &str, timeout: Duration) -> Result<String> {
    let q = shlex::try_quote(script).map_err(|e| Error::invalid("command", script, e))?;
    let secs = timeout.as_secs().max(1);
    Ok(format!(
        "if command -v timeout >/dev/null 2>&1; then exec timeout -k 5 {secs} sh -c {q}; else exec sh -c {q}; fi"
    ))
}

impl Conn {
    pub async fn run(
        &self,
        script: &str,
        timeout: Duration,
    ) -> std::result::Result<CommandOutcome, String> {
        match self {
            Conn::Local(cwd) => exec::run(script, cwd, &[], timeout)
                .await
                .map_err(|e| e.to_string()),
            Conn::Ssh(session) => {
                let wrapped = remote_script(script, timeout).map_err(|e| e.to_string())?;
                let started = Instant::now();
                let out = tokio::time::timeout(
                    timeout + Duration::from_secs(10),
                    session.command("sh").arg("-c").arg(&wrapped).output(),
                )
                .await;
                let out = match out {
                    Err(_) => {
                        return Ok(CommandOutcome {
                            exit_code: None,
                            timed_out: true,
                            stdout: String::new(),
                            tail: String::new(),
                            duration: started.elapsed(),
                        });
                    }
                    Ok(Err(e)) => return Err(format!("ssh: {}", describe(&e))),
                    Ok(Ok(o)) => o,
                };
                let code = out.status.code();
                let mut combined = out.stdout.clone();
                combined.extend_from_slice(&out.stderr);
                Ok(CommandOutcome {
                    // 124: coreutils `timeout` killed it on the host.
                    timed_out: code == Some(124),
                    exit_code: code,
                    stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                    tail: exec::tail_of(&combined, exec::TAIL_BYTES),
                    duration: started.elapsed(),
                })
            }
        }
    }

    pub async fn close(self) {
        if let Conn::Ssh(s) = self {
            let _ = s.close().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_script_runs_the_command_once_with_its_exit_code() {
        let s = remote_script("echo 'a b'; exit 3", Duration::from_secs(7)).unwrap();
        assert!(s.contains("timeout -k 5 7 sh -c"));
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&s)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "a b\n");
    }

    #[test]
    fn remote_timeout_is_enforced_by_the_host() {
        let s = remote_script("sleep 5", Duration::from_secs(1)).unwrap();
        let started = std::time::Instant::now();
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&s)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(124));
        assert!(started.elapsed() < Duration::from_secs(4));
    }
}
