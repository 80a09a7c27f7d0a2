//! A real `sshd` on loopback for the ssh-push tests: one server per test binary, listening on
//! 127.0.0.2–127.0.0.6 (five distinct "hosts"), keys generated here, strict host key checking
//! through a known_hosts file the test writes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub struct Sshd {
    pub port: u16,
    /// `127.0.0.N:PORT` for each listening address.
    pub hosts: Vec<String>,
    pub identity: PathBuf,
    pub known_hosts: PathBuf,
}

impl Sshd {
    /// Flags that make ssh-push use this server's key and known_hosts (strict checking stays on).
    pub fn flags(&self) -> Vec<String> {
        vec![
            "--identity".into(),
            self.identity.display().to_string(),
            "--ssh-option".into(),
            format!("UserKnownHostsFile={}", self.known_hosts.display()),
        ]
    }
}

static SSHD: OnceLock<Sshd> = OnceLock::new();

const INSTALL: &str =
    "install it with .ci/install-test-deps (`apt-get install -y openssh-server openssh-client`)";

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}; {INSTALL}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn keygen(path: &Path) {
    run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path));
}

/// This test binary's server (five hosts).
pub fn sshd() -> &'static Sshd {
    SSHD.get_or_init(|| start(5))
}

/// Start a server listening on 127.0.0.2 .. 127.0.0.(1+addresses), tied to the calling process.
pub fn start(addresses: u8) -> Sshd {
    {
        assert!(
            Path::new("/usr/sbin/sshd").exists(),
            "/usr/sbin/sshd is missing: {INSTALL}"
        );
        let dir = std::env::temp_dir().join(format!(
            "deployctl-test-sshd-{}-{addresses}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let _ = std::fs::create_dir_all("/run/sshd");
        keygen(&dir.join("host_key"));
        keygen(&dir.join("client_key"));
        std::fs::copy(dir.join("client_key.pub"), dir.join("authorized_keys")).unwrap();
        let port = deployctl::zk::server::free_port().unwrap();
        let addrs: Vec<String> = (2..2 + addresses).map(|n| format!("127.0.0.{n}")).collect();
        let mut cfg = format!(
            "Port {port}\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\nAuthorizedKeysFile {d}/authorized_keys\n\
             StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             PermitRootLogin prohibit-password\nPubkeyAuthentication yes\nLogLevel ERROR\n\
             MaxStartups 200\nMaxSessions 200\n",
            d = dir.display()
        );
        for a in &addrs {
            cfg.push_str(&format!("ListenAddress {a}\n"));
        }
        std::fs::write(dir.join("sshd_config"), cfg).unwrap();
        let host_pub = std::fs::read_to_string(dir.join("host_key.pub")).unwrap();
        let host_pub = host_pub
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        let known: String = addrs
            .iter()
            .map(|a| format!("[{a}]:{port} {host_pub}\n"))
            .collect();
        std::fs::write(dir.join("known_hosts"), known).unwrap();

        let (tx, rx) = std::sync::mpsc::channel();
        let config = dir.join("sshd_config");
        // Started from a thread that lives as long as the test process (parent-death signal).
        std::thread::spawn(move || {
            let mut cmd = Command::new("/usr/sbin/sshd");
            cmd.args(["-D", "-e", "-f"])
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null());
            unsafe {
                std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong);
                    Ok(())
                });
            }
            match cmd.spawn() {
                Ok(_child) => {
                    let _ = tx.send(Ok(()));
                    loop {
                        std::thread::park();
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(format!("cannot start sshd: {e}; {INSTALL}")));
                }
            }
        });
        if let Ok(Err(e)) = rx.recv() {
            panic!("{e}");
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        for a in &addrs {
            while std::net::TcpStream::connect((a.as_str(), port)).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "sshd did not listen on {a}:{port}"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Sshd {
            port,
            hosts: addrs.iter().map(|a| format!("{a}:{port}")).collect(),
            identity: dir.join("client_key"),
            known_hosts: dir.join("known_hosts"),
        }
    }
}
