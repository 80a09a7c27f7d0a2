//! Running a command on a host: over one multiplexed `ssh` master connection per host (the
//! `openssh` crate drives the system client), or locally for `--local` preview deploys.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use openssh::{KnownHosts, Session, SessionBuilder};

use super::inventory::Target;
use crate::error::{Error, Result};
use crate::exec::{self, CommandOutcome};
use crate::render::Script;

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

/// What the remote `sh` reads on its stdin: the values as exported variables (environment
/// variables do not cross ssh), then the command. The remote wrapper enforces the timeout on the
/// host itself (coreutils `timeout`, when present), so a timed-out command does not keep running
/// there unobserved. The command's own text holds no value, so the remote argv (`sh -c TEXT`)
/// holds none either; and the whole thing goes over stdin, never into the local `ssh` argv.
fn remote_script(script: &Script, timeout: Duration) -> Result<String> {
    let mut out = String::new();
    for (k, v) in &script.env {
        let q = shlex::try_quote(v).map_err(|e| Error::invalid("value", k, e))?;
        out.push_str(&format!("export {k}={q}\n"));
    }
    let q =
        shlex::try_quote(&script.text).map_err(|e| Error::invalid("command", &script.text, e))?;
    let secs = timeout.as_secs().max(1);
    // `</dev/null`: the command must not read the rest of this script (nor block on it).
    // `2>&1`: stdout and stderr travel over ssh as two channels, read apart; one stream keeps
    // the order the command printed in (the output tail).
    out.push_str(&format!(
        "if command -v timeout >/dev/null 2>&1; then exec timeout -k 5 {secs} sh -c {q} </dev/null 2>&1; else exec sh -c {q} </dev/null 2>&1; fi\n"
    ));
    Ok(out)
}

impl Conn {
    /// Run `script`; `secrets` are masked in the output tail before it is cut.
    pub async fn run(
        &self,
        script: &Script,
        timeout: Duration,
        secrets: &[String],
    ) -> std::result::Result<CommandOutcome, String> {
        match self {
            Conn::Local(cwd) => exec::run(
                script,
                &exec::RunOptions {
                    secrets,
                    ..exec::RunOptions::new(cwd, timeout)
                },
            )
            .await
            .map_err(|e| e.to_string()),
            Conn::Ssh(session) => {
                let stdin = remote_script(script, timeout).map_err(|e| e.to_string())?;
                let started = Instant::now();
                let out = tokio::time::timeout(timeout + Duration::from_secs(10), async {
                    let mut child = session
                        .command("sh")
                        .stdin(openssh::Stdio::piped())
                        .stdout(openssh::Stdio::piped())
                        .stderr(openssh::Stdio::piped())
                        .spawn()
                        .await?;
                    if let Some(mut w) = child.stdin().take() {
                        use tokio::io::AsyncWriteExt;
                        // A failed write (sh gone) shows in the exit status and output.
                        let _ = w.write_all(stdin.as_bytes()).await;
                        let _ = w.shutdown().await;
                    }
                    child.wait_with_output().await
                })
                .await;
                let out = match out {
                    Err(_) => {
                        return Ok(CommandOutcome {
                            exit_code: None,
                            timed_out: true,
                            stdout: None,
                            tail: String::new(),
                            duration: started.elapsed(),
                            start_error: None,
                        });
                    }
                    Ok(Err(e)) => return Err(format!("ssh: {}", describe(&e))),
                    Ok(Ok(o)) => o,
                };
                let code = out.status.code();
                // The command's own output is all on stdout (see remote_script); stderr holds
                // only what the wrapper or ssh itself said, after it.
                let mut combined = out.stdout;
                combined.extend_from_slice(&out.stderr);
                Ok(CommandOutcome {
                    // 124: coreutils `timeout` killed it on the host.
                    timed_out: code == Some(124),
                    exit_code: code,
                    stdout: None,
                    tail: crate::secrets::masked_tail(&combined, false, secrets, exec::TAIL_BYTES),
                    duration: started.elapsed(),
                    start_error: None,
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

    /// Feed the remote script to `sh` on stdin, as ssh does.
    fn sh_stdin(input: &str) -> std::process::Output {
        use std::io::Write;
        let mut child = std::process::Command::new("sh")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    #[test]
    fn remote_script_runs_the_command_once_with_its_exit_code() {
        let s =
            remote_script(&Script::plain("echo 'a b'; exit 3"), Duration::from_secs(7)).unwrap();
        assert!(s.contains("timeout -k 5 7 sh -c"));
        let out = sh_stdin(&s);
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "a b\n");
    }

    #[test]
    fn remote_values_are_exported_and_never_parsed() {
        let value = "it's \"x\" $(touch /nonexistent/PWNED) `id`\nline2; exit 9";
        let script = Script {
            text: r#"printf '%s' "${DEPLOYCTL_V1}"; cat"#.into(),
            env: vec![("DEPLOYCTL_V1".into(), value.into())],
        };
        let out = sh_stdin(&remote_script(&script, Duration::from_secs(7)).unwrap());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // `cat` reads nothing: the command's stdin is not the rest of the script.
        assert_eq!(String::from_utf8_lossy(&out.stdout), value);
    }

    #[test]
    fn remote_timeout_is_enforced_by_the_host() {
        let s = remote_script(&Script::plain("sleep 5"), Duration::from_secs(1)).unwrap();
        let started = std::time::Instant::now();
        let out = sh_stdin(&s);
        assert_eq!(out.status.code(), Some(124));
        assert!(started.elapsed() < Duration::from_secs(4));
    }
}
