//! A throwaway standalone ZooKeeper from the local install, on a free loopback port.
//!
//! Used by the test harness (and the sandbox). Finds the jar via `ZOOKEEPER_HOME` or the
//! Debian `zookeeper` package paths; says how to install it when missing.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

pub const INSTALL_HINT: &str = "install ZooKeeper and Java: `apt-get install -y zookeeper default-jre-headless` (or set ZOOKEEPER_HOME)";

pub struct LocalZooKeeper {
    /// `None` while stopped (see `stop` / `start_again`).
    child: Option<Child>,
    /// The java command line, kept to start the same server again.
    classpath: String,
    pub port: u16,
    /// The TLS client port, when started with `ServerTls`.
    pub secure_port: Option<u16>,
    pub dir: PathBuf,
}

/// PEM files for a secure client port: the server's key and certificate in one file, and the CA.
#[derive(Debug, Clone)]
pub struct ServerTls {
    pub key_and_cert: PathBuf,
    pub ca: PathBuf,
}

/// The classpath: Debian's `/usr/share/java/zookeeper.jar` (its manifest pulls in the rest),
/// or every jar under `$ZOOKEEPER_HOME` and `$ZOOKEEPER_HOME/lib`.
pub fn classpath() -> Result<String> {
    if let Ok(home) = std::env::var("ZOOKEEPER_HOME") {
        let mut jars = vec![];
        for dir in [PathBuf::from(&home), Path::new(&home).join("lib")] {
            if let Ok(rd) = std::fs::read_dir(&dir) {
                for e in rd.flatten() {
                    if e.path().extension().is_some_and(|x| x == "jar") {
                        jars.push(e.path().display().to_string());
                    }
                }
            }
        }
        if jars.is_empty() {
            return Err(Error::Failed(format!(
                "no ZooKeeper jars under ZOOKEEPER_HOME={home}; {INSTALL_HINT}"
            )));
        }
        return Ok(jars.join(":"));
    }
    let jar = Path::new("/usr/share/java/zookeeper.jar");
    if !jar.exists() {
        return Err(Error::Failed(format!(
            "ZooKeeper not found ({} missing); {INSTALL_HINT}",
            jar.display()
        )));
    }
    Ok(format!("/etc/zookeeper/conf:{}", jar.display()))
}

pub use crate::exec::free_port;

/// Send a four-letter word and return the answer.
pub fn four_letter(port: u16, word: &str) -> Option<String> {
    let mut s =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500))
            .ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    s.write_all(word.as_bytes()).ok()?;
    let _ = s.shutdown(Shutdown::Write);
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

impl LocalZooKeeper {
    /// Start a server with its data under `dir` and wait until it answers `ruok`.
    /// `tick_ms` sets the session timeout bounds (2 to 20 ticks).
    pub fn start(dir: &Path, tick_ms: u32) -> Result<Self> {
        Self::start_with(dir, tick_ms, None)
    }

    /// Like `start`, plus a TLS client port (Netty) when `tls` is given.
    pub fn start_with(dir: &Path, tick_ms: u32, tls: Option<&ServerTls>) -> Result<Self> {
        let mut cp = classpath()?;
        if tls.is_some() {
            // Debian's zookeeper.jar manifest leaves out the Netty codec the secure port needs.
            for jar in [
                "netty-codec",
                "netty-handler",
                "netty-transport",
                "netty-buffer",
                "netty-common",
                "netty-resolver",
                "netty-transport-native-unix-common",
            ] {
                let p = format!("/usr/share/java/{jar}.jar");
                if Path::new(&p).exists() {
                    cp.push(':');
                    cp.push_str(&p);
                }
            }
        }
        if Command::new("java")
            .arg("-version")
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            return Err(Error::Failed(format!("`java` not found; {INSTALL_HINT}")));
        }
        let data = dir.join("data");
        std::fs::create_dir_all(&data)
            .map_err(|e| Error::io(format!("creating {}", data.display()), e))?;
        let port = free_port()?;
        let cfg = dir.join("zoo.cfg");
        let mut text = format!(
            "tickTime={tick_ms}\ninitLimit=10\nsyncLimit=5\ndataDir={}\nclientPort={port}\n\
             clientPortAddress=127.0.0.1\nadmin.enableServer=false\n4lw.commands.whitelist=*\n\
             maxClientCnxns=0\n",
            data.display()
        );
        let secure_port = match tls {
            Some(t) => {
                let sp = free_port()?;
                text.push_str(&format!(
                    "secureClientPort={sp}\nsecureClientPortAddress=127.0.0.1\nserverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory\n\
                     ssl.keyStore.location={}\nssl.keyStore.type=PEM\n\
                     ssl.trustStore.location={}\nssl.trustStore.type=PEM\n\
                     ssl.clientAuth=none\nssl.hostnameVerification=false\n",
                    t.key_and_cert.display(),
                    t.ca.display()
                ));
                Some(sp)
            }
            None => None,
        };
        std::fs::write(&cfg, text)
            .map_err(|e| Error::io(format!("writing {}", cfg.display()), e))?;
        let mut zk = LocalZooKeeper {
            child: None,
            classpath: cp,
            port,
            secure_port,
            dir: dir.to_path_buf(),
        };
        zk.spawn_and_wait()?;
        Ok(zk)
    }

    /// Spawn java on the config in `dir` and wait until the server answers `ruok`.
    fn spawn_and_wait(&mut self) -> Result<()> {
        let dir = self.dir.clone();
        let port = self.port;
        // Append: a restarted server keeps the earlier log.
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("zookeeper.log"))
            .map_err(|e| Error::io("creating zookeeper.log", e))?;
        let log2 = log
            .try_clone()
            .map_err(|e| Error::io("creating zookeeper.log", e))?;
        let mut cmd = Command::new("java");
        cmd.arg("-Xmx256m")
            .arg(format!("-Dzookeeper.log.dir={}", dir.display()))
            .arg("-Dzookeeper.root.logger=INFO,CONSOLE")
            .arg("-cp")
            .arg(&self.classpath)
            .arg("org.apache.zookeeper.server.ZooKeeperServerMain")
            .arg(dir.join("zoo.cfg"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2);
        crate::exec::dies_with_parent(&mut cmd, libc::SIGKILL);
        let child = self.child.insert(
            cmd.spawn()
                .map_err(|e| Error::io("starting java for ZooKeeper", e))?,
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if four_letter(port, "ruok").as_deref() == Some("imok") {
                return Ok(());
            }
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(dir.join("zookeeper.log")).unwrap_or_default();
                let tail: String = log
                    .lines()
                    .rev()
                    .take(20)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n");
                return Err(Error::Failed(format!(
                    "ZooKeeper exited ({status}) before answering:\n{tail}\n{INSTALL_HINT}"
                )));
            }
            if Instant::now() > deadline {
                return Err(Error::TimedOut(format!(
                    "ZooKeeper on port {port} did not answer `ruok` within 60s"
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Kill the server (SIGKILL: a crash, not a clean shutdown). Its data stays.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Start the stopped server again on the same port and data: sessions that have not timed
    /// out yet survive, as with a real server restart.
    pub fn start_again(&mut self) -> Result<()> {
        self.stop();
        self.spawn_and_wait()
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The server's process id (`None` while stopped).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }
}

impl Drop for LocalZooKeeper {
    fn drop(&mut self) {
        self.stop();
    }
}
