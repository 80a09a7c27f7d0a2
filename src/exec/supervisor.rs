//! The in-process command supervisor: forked from the agent (no second program is executed),
//! it runs between `fork` and `exec` of the command's spawn and never returns there.
//!
//! A deploy must not outlive its agent unobserved. The spawn's child makes itself the leader of a
//! new process group and forks once more: the grandchild goes on to exec `sh -c SCRIPT` (in the
//! group), the child stays as the supervisor. The supervisor holds the read end of a pipe whose
//! only write end is the agent's; it kills the whole group when
//! - the pipe reaches end-of-file: the agent died (SIGKILL included) or gave the command up;
//! - no heartbeat byte arrived for the heartbeat interval: the agent is stopped (SIGSTOP, a
//!   frozen VM) and its ZooKeeper session will expire, so the command must die first;
//!
//! and exits with the command's code (128+N when it was killed by signal N) when it ends. The
//! agent itself kills the group (`killpg`) on a timeout or when it abandons the step.
//!
//! Between `fork` and `exec` of a multi-threaded program only async-signal-safe calls are
//! allowed: everything here is a raw system call on stack data (no allocation, no lock).

use std::io;

/// What the supervisor prints to the command's output when the heartbeats stop.
const NO_HEARTBEAT: &[u8] = b"deployctl: no heartbeat from the agent: stopping the command\n";

/// Close every descriptor from 3 up: the agent's sockets, pipes and the spawn's error pipe must
/// not stay open in the supervisor (a ZooKeeper socket held here would outlive the agent; the
/// spawn waits for its error pipe to close).
fn close_from_3() {
    // SAFETY: raw syscalls on integers.
    unsafe {
        if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) == 0 {
            return;
        }
        for fd in 3..65536 {
            libc::close(fd);
        }
    }
}

/// A monotonic clock in milliseconds (clock_gettime is async-signal-safe).
fn now_ms() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: writes into a timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec * 1000 + ts.tv_nsec / 1_000_000
}

/// The command's exit code as a shell reports it.
fn code_of(status: libc::c_int) -> libc::c_int {
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        1
    }
}

/// Kill the group (ourselves included) and exit.
fn kill_group() -> ! {
    // SAFETY: async-signal-safe calls only.
    unsafe {
        libc::killpg(0, libc::SIGKILL);
        libc::_exit(137)
    }
}

/// Runs in the spawned child before `exec` (a `pre_exec` hook). Returns `Ok(())` only in the
/// grandchild, which then execs the command; the supervisor never returns. `heartbeat_ms`: the
/// longest silence on stdin tolerated (`-1`: none, only end-of-file counts).
pub(super) fn fork_supervised(heartbeat_ms: libc::c_int) -> io::Result<()> {
    // SAFETY: async-signal-safe calls only (see the module comment).
    unsafe {
        if libc::setpgid(0, 0) != 0 {
            return Err(io::Error::last_os_error());
        }
        let pid = libc::fork();
        if pid < 0 {
            return Err(io::Error::last_os_error());
        }
        if pid == 0 {
            // The command: its stdin is not the heartbeat pipe, and it dies if the supervisor does.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong);
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY);
            if null >= 0 {
                libc::dup2(null, 0);
                libc::close(null);
            }
            return Ok(());
        }
        supervise(pid, heartbeat_ms)
    }
}

/// The supervisor's loop: never returns.
unsafe fn supervise(child: libc::pid_t, heartbeat_ms: libc::c_int) -> ! {
    // SAFETY: async-signal-safe calls only.
    unsafe {
        // Handlers inherited from the agent (its runtime's) must not run here.
        for sig in [libc::SIGCHLD, libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::signal(sig, libc::SIG_DFL);
        }
        close_from_3();
        let pidfd = libc::syscall(libc::SYS_pidfd_open, child, 0) as libc::c_int;
        let mut buf = [0u8; 64];
        let mut last_beat = now_ms();
        loop {
            let mut fds = [
                libc::pollfd {
                    fd: 0,
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: pidfd,
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            let left = if heartbeat_ms < 0 {
                -1
            } else {
                (last_beat + heartbeat_ms as i64 - now_ms()).max(0) as libc::c_int
            };
            // Without a pidfd (kernels before 5.3), look at the child every 20 ms.
            let (n, timeout) = match (pidfd >= 0, left) {
                (true, t) => (2, t),
                (false, -1) => (1, 20),
                (false, t) => (1, t.min(20)),
            };
            let ready = libc::poll(fds.as_mut_ptr(), n, timeout);
            if ready < 0 {
                if *libc::__errno_location() == libc::EINTR {
                    continue;
                }
                kill_group();
            }
            let mut status = 0;
            let ended = if pidfd >= 0 {
                fds[1].revents != 0 && libc::waitpid(child, &mut status, 0) == child
            } else {
                libc::waitpid(child, &mut status, libc::WNOHANG) == child
            };
            if ended {
                libc::_exit(code_of(status));
            }
            if fds[0].revents != 0 {
                // A heartbeat, or end-of-file / an error: the agent is gone or gave up.
                if libc::read(0, buf.as_mut_ptr().cast(), buf.len()) <= 0 {
                    kill_group();
                }
                last_beat = now_ms();
                continue;
            }
            if heartbeat_ms >= 0 && now_ms() - last_beat >= heartbeat_ms as i64 {
                libc::write(2, NO_HEARTBEAT.as_ptr().cast(), NO_HEARTBEAT.len());
                kill_group();
            }
        }
    }
}
