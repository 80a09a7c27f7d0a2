//! A 3-node ZooKeeper ensemble on loopback for fault tests: kill, restart, pause (SIGSTOP) and
//! resume members, find the leader with the `srvr` four-letter word.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use deployctl::zk::server::{classpath, four_letter, free_port};

pub struct Member {
    pub client_port: u16,
    cfg: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

pub struct Ensemble {
    pub members: Vec<Member>,
    _dir: tempfile::TempDir,
}

impl Member {
    fn spawn(&mut self) {
        let log = std::fs::File::create(&self.log).unwrap();
        let mut cmd = Command::new("java");
        cmd.args(["-Xmx192m", "-cp"])
            .arg(classpath().unwrap_or_else(|e| panic!("{e}")))
            .arg("org.apache.zookeeper.server.quorum.QuorumPeerMain")
            .arg(&self.cfg)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        // The member dies with the test's thread at the latest.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong);
                Ok(())
            });
        }
        self.child =
            Some(cmd.spawn().expect(
                "java (.ci/install-deps: apt-get install -y zookeeper default-jre-headless)",
            ));
    }

    fn signal(&self, sig: i32) {
        if let Some(c) = &self.child {
            unsafe { libc::kill(c.id() as i32, sig) };
        }
    }

    pub fn mode(&self) -> Option<String> {
        let out = four_letter(self.client_port, "srvr")?;
        out.lines()
            .find_map(|l| l.strip_prefix("Mode: ").map(str::to_string))
    }
}

impl Ensemble {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ports: Vec<(u16, u16, u16)> = (0..3)
            .map(|_| {
                (
                    free_port().unwrap(),
                    free_port().unwrap(),
                    free_port().unwrap(),
                )
            })
            .collect();
        let servers: String = ports
            .iter()
            .enumerate()
            .map(|(i, (_, q, e))| format!("server.{}=127.0.0.1:{q}:{e}\n", i + 1))
            .collect();
        let mut members = vec![];
        for (i, (client, _, _)) in ports.iter().enumerate() {
            let data = dir.path().join(format!("m{}", i + 1));
            std::fs::create_dir_all(&data).unwrap();
            std::fs::write(data.join("myid"), format!("{}\n", i + 1)).unwrap();
            let cfg = dir.path().join(format!("zoo{}.cfg", i + 1));
            std::fs::write(
                &cfg,
                format!(
                    "tickTime=250\ninitLimit=40\nsyncLimit=10\ndataDir={}\nclientPort={client}\n\
                     clientPortAddress=127.0.0.1\nadmin.enableServer=false\n4lw.commands.whitelist=*\n\
                     maxClientCnxns=0\n{servers}",
                    data.display()
                ),
            )
            .unwrap();
            let mut m = Member {
                client_port: *client,
                cfg,
                log: dir.path().join(format!("m{}.log", i + 1)),
                child: None,
            };
            m.spawn();
            members.push(m);
        }
        let e = Ensemble { members, _dir: dir };
        e.wait_for_quorum(Duration::from_secs(60));
        e
    }

    pub fn servers(&self) -> String {
        self.members
            .iter()
            .map(|m| format!("127.0.0.1:{}", m.client_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn wait_for_quorum(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let running: Vec<&Member> = self.members.iter().filter(|m| m.child.is_some()).collect();
            let modes: Vec<Option<String>> = running.iter().map(|m| m.mode()).collect();
            if modes.iter().all(Option::is_some)
                && modes.iter().flatten().filter(|m| *m == "leader").count() == 1
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "ensemble did not form a quorum: {modes:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn leader(&self) -> Option<usize> {
        self.members
            .iter()
            .position(|m| m.mode().as_deref() == Some("leader"))
    }

    pub fn kill(&mut self, i: usize) {
        if let Some(mut c) = self.members[i].child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn restart(&mut self, i: usize) {
        self.kill(i);
        self.members[i].spawn();
    }

    pub fn pause(&self, i: usize) {
        self.members[i].signal(libc::SIGSTOP);
    }

    pub fn resume(&self, i: usize) {
        self.members[i].signal(libc::SIGCONT);
    }
}

impl Drop for Ensemble {
    fn drop(&mut self) {
        for i in 0..self.members.len() {
            self.resume(i);
            self.kill(i);
        }
    }
}
