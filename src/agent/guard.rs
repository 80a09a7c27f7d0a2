//! `deployctl exec-guard -- SCRIPT`: the supervisor every agent command runs under.
//!
//! A deploy must not outlive its agent unobserved. The agent starts this guard with a
//! parent-death signal (SIGTERM); the guard runs `sh -c SCRIPT` in a new process group and, on
//! SIGTERM/SIGINT/SIGHUP, kills that whole group before exiting. So an agent that is SIGKILLed,
//! or that abandons a step (timeout, lost session), takes the command and its children with it.
//!
//! An agent that is *stopped* (SIGSTOP, a frozen VM) does not die, but its ZooKeeper session will
//! expire and its slot be handed on. So the agent also heartbeats the guard through its stdin
//! (`DEPLOYCTL_GUARD_HEARTBEAT_MS`); when the heartbeats stop for that long, or stdin closes, the
//! guard kills the group — before the server can expire the session.

use std::os::unix::process::CommandExt;
use std::os::unix::process::ExitStatusExt;
use std::sync::atomic::{AtomicI32, Ordering};

static CHILD_PGID: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(_sig: libc::c_int) {
    let pgid = CHILD_PGID.load(Ordering::SeqCst);
    // Only async-signal-safe calls here: killpg and _exit.
    unsafe {
        if pgid > 0 {
            libc::killpg(pgid, libc::SIGKILL);
        }
        libc::_exit(143);
    }
}

fn set_signals(block: bool) {
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::sigaddset(&mut set, s);
        }
        let how = if block {
            libc::SIG_BLOCK
        } else {
            libc::SIG_UNBLOCK
        };
        libc::pthread_sigmask(how, &set, std::ptr::null_mut());
    }
}

/// Kill the command's group unless a byte arrives on stdin at least every `interval_ms`.
fn watch_heartbeats(interval_ms: i32) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        loop {
            let mut fds = libc::pollfd {
                fd: 0,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd; read into a buffer we own.
            let ready = unsafe { libc::poll(&mut fds, 1, interval_ms) };
            if ready < 0
                && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
            {
                continue;
            }
            let alive =
                ready > 0 && unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) } > 0;
            if !alive {
                eprintln!(
                    "deployctl: no heartbeat from the agent for {interval_ms} ms: stopping the command"
                );
                on_signal(libc::SIGTERM);
            }
        }
    });
}

/// Run `script` and return the exit code to exit with (128+N when killed by signal N).
pub fn run(script: &str) -> i32 {
    // Block the signals until the child's group id is known, so a signal arriving in between
    // is not lost (it is delivered on unblock and then kills the group). std resets the mask in
    // the child.
    set_signals(true);
    unsafe {
        for s in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::signal(s, on_signal as *const () as libc::sighandler_t);
        }
    }
    let child = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .process_group(0)
        // The guard's stdin carries the agent's heartbeats, not input for the command.
        .stdin(std::process::Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!("deployctl: cannot start /bin/sh: {e}");
            set_signals(false);
            return 127;
        }
    };
    CHILD_PGID.store(child.id() as i32, Ordering::SeqCst);
    set_signals(false);
    let heartbeat = std::env::var("DEPLOYCTL_GUARD_HEARTBEAT_MS")
        .ok()
        .and_then(|v| v.parse::<i32>().ok());
    if let Some(ms) = heartbeat.filter(|ms| *ms > 0) {
        watch_heartbeats(ms);
    }
    match child.wait() {
        Ok(status) => status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)),
        Err(e) => {
            eprintln!("deployctl: waiting for command: {e}");
            1
        }
    }
}
