//! Running one command locally — for the agent and for `ssh-push --local` — `sh -c` under the
//! in-process supervisor (`supervisor.rs`), with a timeout and an output tail: the one local
//! command runner.

mod supervisor;

use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::error::{Error, Result};
use crate::render::Script;

/// Bytes of combined stdout/stderr kept for status, JSON and JUnit.
pub const TAIL_BYTES: usize = 4096;
/// Bytes of stdout kept for comparisons (get-version output).
const STDOUT_BYTES: usize = 64 * 1024;
/// After the command exits, how long background children may keep its pipes busy.
const DRAIN_GRACE: Duration = Duration::from_millis(300);

#[derive(Debug, Clone)]
pub struct CommandOutcome {
    /// `None` when it was killed for running too long.
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    /// The command's stdout alone, only with `Capture::StdoutApart` (get-version).
    pub stdout: Option<String>,
    /// Output tail, secrets masked.
    pub tail: String,
    pub duration: Duration,
    /// Set when the command could not be started at all (the reason).
    pub start_error: Option<String>,
}

impl CommandOutcome {
    pub fn success(&self) -> bool {
        self.exit_code == Some(0)
    }

    /// One line for status messages.
    pub fn describe(&self, what: &str) -> String {
        if let Some(e) = &self.start_error {
            return format!("{what} could not start: {e}");
        }
        match (self.timed_out, self.exit_code) {
            (true, _) => format!("{what} timed out after {}s", self.duration.as_secs()),
            (false, Some(0)) => format!("{what} succeeded"),
            (false, Some(c)) => format!("{what} failed with exit code {c}"),
            (false, None) => format!("{what} failed"),
        }
    }
}

/// Kills the command's process group (the supervisor, the shell and what they started) when
/// dropped before it was reaped.
struct GuardChild {
    child: tokio::process::Child,
    supervisor: Option<supervisor::Supervisor>,
    heartbeats: Option<tokio::task::JoinHandle<()>>,
}

impl GuardChild {
    fn terminate(&self) {
        if let Some(s) = &self.supervisor {
            s.kill();
        }
    }

    /// The command was reaped: the supervisor goes without killing what the command left
    /// running in the background.
    fn reaped(&mut self) {
        if let Some(b) = self.heartbeats.take() {
            b.abort();
        }
        if let Some(s) = self.supervisor.take() {
            s.release();
        }
    }
}

impl Drop for GuardChild {
    fn drop(&mut self) {
        if let Some(b) = self.heartbeats.take() {
            b.abort();
        }
        self.terminate();
    }
}

#[derive(Default)]
struct Captured {
    stdout: Vec<u8>,
    tail: Vec<u8>,
    /// Output before `tail` was dropped (a secret may have been cut there).
    cut: bool,
}

impl Captured {
    fn push(&mut self, bytes: &[u8], is_stdout: bool) {
        if is_stdout && self.stdout.len() < STDOUT_BYTES {
            let room = STDOUT_BYTES - self.stdout.len();
            self.stdout
                .extend_from_slice(&bytes[..bytes.len().min(room)]);
        }
        self.tail.extend_from_slice(bytes);
        if self.tail.len() > 2 * TAIL_BYTES {
            let cut = self.tail.len() - TAIL_BYTES;
            self.tail.drain(..cut);
            self.cut = true;
        }
    }
}

async fn pump(mut r: impl AsyncRead + Unpin, sink: Arc<Mutex<Captured>>, is_stdout: bool) {
    let mut buf = [0u8; 8192];
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if let Ok(mut c) = sink.lock() {
                    c.push(&buf[..n], is_stdout);
                }
            }
        }
    }
}

/// Keep the last `max` bytes, cut at a char boundary.
pub fn tail_of(bytes: &[u8], max: usize) -> String {
    let start = bytes.len().saturating_sub(max);
    let s = String::from_utf8_lossy(&bytes[start..]);
    s.trim_start_matches('\u{FFFD}').to_string()
}

/// How the command's output is captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capture {
    /// stdout and stderr share one pipe, so the tail keeps the order the command wrote in (two
    /// pipes read by two pumps interleave by scheduling, not by time).
    Combined,
    /// stdout on its own pipe as well (a get-version comparison needs it alone); the tail's
    /// interleaving of stdout and stderr is then not reliable.
    StdoutApart,
}

/// How to run one command: where, with what environment, for how long, what to mask, what to
/// capture, and whether the supervisor expects the caller's heartbeats.
#[derive(Debug, Clone)]
pub struct RunOptions<'a> {
    pub cwd: &'a Path,
    /// Set before the script's own values (`Script::env`).
    pub env: &'a [(String, String)],
    pub timeout: Duration,
    /// Masked in the output tail before it is cut.
    pub secrets: &'a [String],
    pub capture: Capture,
    /// The supervisor kills the command when no heartbeat arrives for this long: a
    /// stopped (SIGSTOP) agent's command dies before its session can expire.
    pub heartbeat: Option<Duration>,
    /// Run as this user and group (the agent's `run_as`; needs root).
    pub user: Option<(u32, u32)>,
    /// With heartbeats: beat only while this vouches for the command (the agent: its ZooKeeper
    /// session is confirmed alive). `None`: beat while this process runs.
    pub vouch: Option<Vouch>,
}

/// The caller's word that its command may go on, given to the heartbeats. A process resumed
/// from a freeze (SIGSTOP, a paused VM) must not beat before it knows its right still holds —
/// the supervisor, resumed too, would take that beat as proof of life while another host holds
/// the slot — so after a gap in the heartbeats they wait for a confirmation newer than the gap.
#[derive(Debug, Clone)]
pub struct Vouch {
    /// When the caller last confirmed its right (`boottime_ns`); `None`: it cannot now.
    pub confirmed: tokio::sync::watch::Receiver<Option<u64>>,
    /// Asks the caller for a fresh confirmation.
    pub ask: Arc<tokio::sync::Notify>,
}

/// A loopback port free right now, for a local server (ZooKeeper, Prometheus) to listen on.
pub fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Error::io("finding a free port", e))?;
    Ok(l.local_addr()
        .map_err(|e| Error::io("finding a free port", e))?
        .port())
}

/// Have `cmd`'s process get `signal` when the thread that spawns it ends (a local server or
/// agent goes with the sandbox or test that started it, even on SIGKILL).
pub fn dies_with_parent(cmd: &mut std::process::Command, signal: libc::c_int) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe, the only kind of call allowed between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, signal as libc::c_ulong);
            Ok(())
        });
    }
}

/// CLOCK_BOOTTIME in nanoseconds: unlike the monotonic clock it also runs while the machine (or
/// VM) is suspended, so a freeze of any kind shows as a gap.
pub fn boottime_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_BOOTTIME exists on Linux since 2.6.39.
    unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) };
    (ts.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as u64)
}

/// The heartbeats to a command's supervisor: one byte every `tick`, while `vouch` (if any) says
/// the command may go on. A tick later than twice its period means this process was frozen (or
/// starved): no beat until the caller confirms anew. Returns when the supervisor is gone.
async fn heartbeats(control: OwnedFd, tick: Duration, mut vouch: Option<Vouch>) {
    let mut ticks = tokio::time::interval(tick);
    let gap = 2 * tick.as_nanos() as u64;
    let mut last = boottime_ns();
    // A beat needs a confirmation at least this new (a gap raises it).
    let mut need = 0u64;
    loop {
        ticks.tick().await;
        let now = boottime_ns();
        if now.saturating_sub(last) > gap {
            need = now;
        }
        last = now;
        if let Some(v) = vouch.as_mut() {
            let fresh = |c: &Option<u64>| c.is_some_and(|t| t >= need);
            if !fresh(&v.confirmed.borrow_and_update()) {
                v.ask.notify_one();
                // Until a confirmation arrives nothing is sent: the supervisor's clock runs.
                if v.confirmed.wait_for(fresh).await.is_err() {
                    return;
                }
                last = boottime_ns();
                ticks.reset();
            }
        }
        // A full pipe (the supervisor is stopped) is no reason to stop beating.
        match rustix::io::write(&control, b".") {
            Ok(_) | Err(rustix::io::Errno::AGAIN) => {}
            Err(_) => return,
        }
    }
}

impl<'a> RunOptions<'a> {
    /// Combined output, no heartbeat, nothing to mask.
    pub fn new(cwd: &'a Path, timeout: Duration) -> Self {
        RunOptions {
            cwd,
            env: &[],
            timeout,
            secrets: &[],
            capture: Capture::Combined,
            heartbeat: None,
            user: None,
            vouch: None,
        }
    }
}

/// Run `script` with `sh -c` under its supervisor, killing it (and its process group) after the
/// timeout or when this future is dropped. The script's values go in its environment; argv
/// holds only the value-free text. A command that cannot start is a failed outcome with the
/// reason, not an error. With `Capture::Combined`, stdout and stderr go to one pipe: the tail is
/// in the order the command printed.
pub async fn run(script: &Script, opts: &RunOptions<'_>) -> Result<CommandOutcome> {
    let RunOptions {
        cwd,
        env,
        timeout,
        secrets,
        capture,
        heartbeat,
        user,
        vouch,
    } = opts.clone();
    // `sh -c` directly (posix_spawn), into the group of a supervisor cloned from this process.
    let mut cmd = tokio::process::Command::new("/bin/sh");
    // deployctl's own settings (`DEPLOYCTL_ZK_AUTH` and the rest) are not the command's: a deploy
    // that prints its environment must not store the agent's ZooKeeper password in its tail.
    // The command's DEPLOYCTL_ values are the ones set below.
    for (k, _) in std::env::vars_os() {
        if k.to_str().is_some_and(|k| k.starts_with("DEPLOYCTL_")) {
            cmd.env_remove(&k);
        }
    }
    cmd.arg("-c").arg(&script.text).current_dir(cwd).envs(
        env.iter()
            .chain(&script.env)
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    // Combined: one pipe, both ends of the command write to it (the kernel keeps the order).
    // The read end is close-on-exec, so only the command and its children hold the write end.
    let mut shared = None;
    let mut shared_writer = None;
    match capture {
        Capture::Combined => {
            let (reader, writer) =
                std::io::pipe().map_err(|e| Error::io("creating the output pipe", e))?;
            let writer2 = writer
                .try_clone()
                .map_err(|e| Error::io("creating the output pipe", e))?;
            shared_writer = Some(
                writer
                    .try_clone()
                    .map_err(|e| Error::io("creating the output pipe", e))?,
            );
            cmd.stdout(writer).stderr(writer2);
            shared = Some(reader);
        }
        Capture::StdoutApart => {
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        }
    }
    // The supervisor reads a pipe whose only write end is ours: its end-of-file says we died
    // (or gave the command up); with an interval, its silence says we are stopped.
    let heartbeat = heartbeat.filter(|d| !d.is_zero());
    cmd.stdin(Stdio::null());
    let heartbeat_ms = heartbeat.map_or(-1, |d| d.as_millis().min(i32::MAX as u128) as i32);
    // The command runs as the app's `run_as` user; std drops root's supplementary groups with
    // it (and forks instead of posix_spawn: a short-lived copy until the exec).
    if let Some((uid, gid)) = user {
        cmd.uid(uid).gid(gid);
    }
    let started = Instant::now();
    // With one output pipe the supervisor writes its heartbeat message there.
    let message = shared_writer.as_ref().map(|w| w.as_raw_fd());
    let spawned = supervisor::Supervisor::start(heartbeat_ms, message).and_then(|sup| {
        cmd.process_group(sup.pgid);
        cmd.spawn().map(|c| (c, sup))
    });
    // The command holds our copies of the shared pipe's write end: drop them now, or the pipe
    // never reaches end-of-file.
    drop(cmd);
    drop(shared_writer);
    let (child, sup) = match spawned {
        Ok(c) => c,
        // E2BIG, a missing working directory, …: this attempt failed; retrying is the policy's
        // call, not a loop of agent errors.
        Err(e) => {
            return Ok(CommandOutcome {
                exit_code: None,
                timed_out: false,
                stdout: None,
                tail: String::new(),
                duration: started.elapsed(),
                start_error: Some(format!("{e} (in {})", cwd.display())),
            });
        }
    };
    let mut guard = GuardChild {
        child,
        supervisor: Some(sup),
        heartbeats: None,
    };
    let sink = Arc::new(Mutex::new(Captured::default()));
    let out = match shared {
        Some(reader) => {
            let r = tokio::net::unix::pipe::Receiver::from_owned_fd(OwnedFd::from(reader))
                .map_err(|e| Error::io("reading the command's output", e))?;
            // Not `stdout`: this pipe carries stderr as well.
            Some(tokio::spawn(pump(r, sink.clone(), false)))
        }
        None => guard
            .child
            .stdout
            .take()
            .map(|o| tokio::spawn(pump(o, sink.clone(), true))),
    };
    let err = guard
        .child
        .stderr
        .take()
        .map(|e| tokio::spawn(pump(e, sink.clone(), false)));
    if let (Some(interval), Some(sup)) = (heartbeat, &guard.supervisor) {
        let control = sup
            .control()
            .map_err(|e| Error::io("setting up the command's heartbeats", e))?;
        guard.heartbeats = Some(tokio::spawn(heartbeats(control, interval / 4, vouch)));
    }

    let (exit_code, timed_out) = match tokio::time::timeout(timeout, guard.child.wait()).await {
        // Killed by signal N: 128+N, as a shell reports it.
        Ok(Ok(status)) => (
            status.code().or_else(|| status.signal().map(|n| 128 + n)),
            false,
        ),
        Ok(Err(e)) => return Err(Error::io("waiting for command", e)),
        Err(_) => {
            guard.terminate();
            let _ = tokio::time::timeout(Duration::from_secs(5), guard.child.wait()).await;
            (None, true)
        }
    };
    // Before draining: the supervisor holds the output pipe (for its message) until it goes.
    guard.reaped();
    for pump in [out, err].into_iter().flatten() {
        // Background children may hold the pipes open; don't wait on them for ever.
        if tokio::time::timeout(DRAIN_GRACE, async { pump.await.ok() })
            .await
            .is_err()
        {
            tracing::debug!("command left background output open; stopped reading it");
        }
    }
    let captured = std::mem::take(
        &mut *sink
            .lock()
            .map_err(|_| Error::Failed("output capture poisoned".into()))?,
    );
    Ok(CommandOutcome {
        exit_code,
        timed_out,
        stdout: (capture == Capture::StdoutApart)
            .then(|| String::from_utf8_lossy(&captured.stdout).into_owned()),
        tail: crate::secrets::masked_tail(&captured.tail, captured.cut, secrets, TAIL_BYTES),
        duration: started.elapsed(),
        start_error: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_end() {
        assert_eq!(tail_of(b"hello world", 5), "world");
        assert_eq!(tail_of(b"hi", 5), "hi");
        // A cut through a multi-byte char drops the broken part instead of showing garbage.
        let s = "aé".as_bytes();
        assert_eq!(tail_of(s, 1), "");
    }

    /// Issue 12, defect 6: a command that cannot start (here: an environment string over
    /// Linux's 128 KiB limit) is a failed outcome with the reason, not an agent error.
    #[tokio::test]
    async fn a_command_that_cannot_start_is_a_failed_outcome() {
        let script = Script {
            text: "true".into(),
            env: vec![("DEPLOYCTL_V1".into(), "x".repeat(200 * 1024))],
        };
        let dir = tempfile::tempdir().unwrap();
        let out = run(
            &script,
            &RunOptions::new(dir.path(), Duration::from_secs(5)),
        )
        .await
        .expect("an outcome, not an error");
        assert!(!out.success());
        let msg = out.describe("deploy command");
        assert!(
            msg.starts_with("deploy command could not start: ") && msg.contains("too long"),
            "{msg}"
        );
        // A missing working directory, likewise.
        let nope = dir.path().join("nope");
        let out = run(&script, &RunOptions::new(&nope, Duration::from_secs(5)))
            .await
            .unwrap();
        assert!(out.describe("x").contains("could not start"));
    }

    /// Bounded wait for a condition (unit tests have no `tests/common`).
    async fn until(what: &str, mut f: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !f() {
            assert!(Instant::now() < deadline, "timed out waiting: {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The supervisor (a clone of this process) keeps only its control pipe and the output
    /// pipe: a copy of this process's descriptors (another command's output pipe, a ZooKeeper
    /// socket) would hold them open. The command is in the supervisor's process group, and the
    /// supervisor is gone once the command was reaped.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_supervisor_holds_only_its_pipes_and_leads_the_group() {
        let dir = tempfile::tempdir().unwrap();
        let (pgid_file, stop) = (dir.path().join("pgid"), dir.path().join("stop"));
        let script = Script {
            text: format!(
                "cut -d' ' -f5 /proc/$$/stat > {p}.tmp && mv {p}.tmp {p}; \
                 while [ ! -e {s} ]; do sleep 0.02; done; echo done",
                p = pgid_file.display(),
                s = stop.display()
            ),
            env: vec![],
        };
        // Descriptors of this process the supervisor must not keep.
        let (_r, _w) = std::io::pipe().unwrap();
        let cwd = dir.path().to_path_buf();
        let running = tokio::spawn(async move {
            let mut opts = RunOptions::new(&cwd, Duration::from_secs(60));
            opts.heartbeat = Some(Duration::from_secs(30));
            run(&script, &opts).await
        });
        until("the command's pgid", || {
            std::fs::read_to_string(&pgid_file).is_ok_and(|s| !s.trim().is_empty())
        })
        .await;
        let pgid: i32 = std::fs::read_to_string(&pgid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let fds = format!("/proc/{pgid}/fd");
        until("the supervisor closes what it does not need", || {
            std::fs::read_dir(&fds).is_ok_and(|d| d.count() <= 2)
        })
        .await;
        std::fs::write(&stop, "").unwrap();
        let out = running.await.unwrap().unwrap();
        assert!(out.success(), "{out:?}");
        assert!(out.tail.contains("done"), "{out:?}");
        until("the supervisor is reaped", || {
            !std::path::Path::new(&format!("/proc/{pgid}")).exists()
        })
        .await;
    }

    /// Heartbeats read from the control pipe's read end (non-blocking): how many arrived.
    fn beats(r: &std::io::PipeReader) -> usize {
        let mut buf = [0u8; 256];
        let mut n = 0;
        while let Ok(k) = rustix::io::read(r, &mut buf) {
            if k == 0 {
                break;
            }
            n += k;
        }
        n
    }

    /// After a freeze (the runtime's thread blocked, as under SIGSTOP) no heartbeat goes out
    /// before the caller confirms anew — the first thing the task does is ask; without a
    /// confirmation (the session not alive) none goes out at all.
    #[tokio::test(flavor = "current_thread")]
    async fn heartbeats_wait_for_a_fresh_confirmation_after_a_freeze() {
        let (r, w) = std::io::pipe().unwrap();
        rustix::io::ioctl_fionbio(&r, true).unwrap();
        let (tx, rx) = tokio::sync::watch::channel(Some(boottime_ns()));
        let ask = Arc::new(tokio::sync::Notify::new());
        let vouch = Vouch {
            confirmed: rx,
            ask: ask.clone(),
        };
        let tick = Duration::from_millis(20);
        let task = tokio::spawn(heartbeats(OwnedFd::from(w), tick, Some(vouch)));
        until("beats while confirmed", || beats(&r) > 0).await;

        // Frozen: nothing of this runtime runs for many ticks.
        beats(&r);
        std::thread::sleep(tick * 10);
        tokio::time::timeout(Duration::from_secs(30), ask.notified())
            .await
            .expect("the heartbeats ask for a confirmation after a freeze");
        // Asked and waiting: a few ticks pass, and nothing is sent.
        tokio::time::sleep(tick * 5).await;
        assert_eq!(
            beats(&r),
            0,
            "a heartbeat went out before the session was confirmed"
        );
        tx.send_replace(Some(boottime_ns()));
        until("beats once confirmed", || beats(&r) > 0).await;

        // Not alive (disconnected): none.
        tx.send_replace(None);
        tokio::time::sleep(tick * 2).await;
        beats(&r);
        tokio::time::sleep(tick * 5).await;
        assert_eq!(
            beats(&r),
            0,
            "a heartbeat went out while the session was not alive"
        );
        tx.send_replace(Some(boottime_ns()));
        until("beats once alive again", || beats(&r) > 0).await;
        task.abort();
    }

    #[test]
    fn captured_tail_is_bounded() {
        let mut c = Captured::default();
        for _ in 0..100 {
            c.push(&[b'x'; 1000], true);
        }
        assert!(c.tail.len() <= 2 * TAIL_BYTES);
        assert_eq!(c.stdout.len(), STDOUT_BYTES);
    }
}
