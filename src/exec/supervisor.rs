//! The in-process command supervisor: a `clone(CLONE_VM)` of the agent, on a stack of its own.
//! No second program is loaded, and, unlike a `fork`, nothing is copied: its cost does not grow
//! with the agent's address space (an agent process serving many apps, or the in-process bench
//! running a thousand agents, forked its whole address space twice per command before).
//!
//! A deploy must not outlive its agent unobserved. The supervisor leads a new process group, and
//! the command is spawned into that group (`posix_spawn`, also independent of the agent's size)
//! after the supervisor is in place, so no moment exists where the command runs unwatched. The
//! supervisor holds the read end of a pipe whose only write end is the agent's; it kills the
//! whole group (itself included) when
//! - the pipe reaches end-of-file: the agent died (SIGKILL included) or gave the command up;
//! - no heartbeat byte arrived for the heartbeat interval: the agent is stopped (SIGSTOP, a
//!   frozen VM) and its ZooKeeper session will expire, so the command must die first;
//!
//! and exits quietly when the agent writes `q` (the command ended and was reaped: background
//! processes it started stay). The agent itself kills the group (`killpg`) on a timeout or when
//! it abandons the step.
//!
//! The supervisor shares the agent's memory while the agent's threads go on running, so it runs
//! only code that touches its own stack: raw system calls through rustix's `linux_raw` backend
//! (no libc wrapper, so no `errno`, which lives in the cloning thread's TLS), no allocation, no
//! lock, no panic, every signal blocked (handlers are the agent's).

use std::ffi::c_void;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use rustix::event::{PollFd, PollFlags};

/// What the supervisor prints to the command's output when the heartbeats stop.
const NO_HEARTBEAT: &[u8] = b"deployctl: no heartbeat from the agent: stopping the command\n";

/// The supervisor's stack (it needs a few hundred bytes; the rest is headroom), plus a guard page.
const STACK_BYTES: usize = 64 * 1024;
const GUARD_BYTES: usize = 4096;

/// What the supervisor is told: copied into its own stack mapping, read only by it.
#[repr(C)]
struct Args {
    /// The read end of the control pipe (heartbeats, `q`, end-of-file).
    control: RawFd,
    /// Where the heartbeat message goes (the command's output pipe), or -1.
    message: RawFd,
    /// The longest silence tolerated, -1: none (only end-of-file counts).
    heartbeat_ms: i32,
}

/// A running supervisor: kill the command's group through `pgid`, end it with `release`.
pub(super) struct Supervisor {
    /// The supervisor's pid: the command's process group.
    pub pgid: libc::pid_t,
    control: Option<OwnedFd>,
    stack: *mut c_void,
}

// SAFETY: `stack` is a mapping owned by this value alone (unmapped once the supervisor is reaped).
unsafe impl Send for Supervisor {}

impl Supervisor {
    /// Start a supervisor. `message`: a descriptor of the command's output, kept open by the
    /// supervisor for its one message (the caller must send `q` before waiting for that
    /// output's end-of-file).
    pub(super) fn start(heartbeat_ms: i32, message: Option<RawFd>) -> io::Result<Self> {
        let (read, write) = pipe_cloexec()?;
        // SAFETY: a fresh anonymous mapping; released in `reap`.
        let stack = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                STACK_BYTES + GUARD_BYTES,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
                -1,
                0,
            )
        };
        if stack == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let mut sup = Supervisor {
            pgid: -1,
            control: Some(write),
            stack,
        };
        // SAFETY: inside our mapping; the lowest page becomes the guard, `Args` sits at the top.
        let top = unsafe {
            libc::mprotect(stack, GUARD_BYTES, libc::PROT_NONE);
            let args = (stack as *mut u8).add(STACK_BYTES + GUARD_BYTES - 64) as *mut Args;
            args.write(Args {
                control: read.as_raw_fd(),
                message: message.unwrap_or(-1),
                heartbeat_ms,
            });
            args
        };
        // Every signal stays blocked in the supervisor: the handlers it would run are the agent's.
        // SAFETY: plain signal-mask calls on locals.
        let pid = unsafe {
            let mut all: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut all);
            libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
            let pid = libc::clone(
                supervise,
                top as *mut c_void,
                libc::CLONE_VM | libc::SIGCHLD,
                top as *mut c_void,
            );
            libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
            pid
        };
        if pid < 0 {
            return Err(io::Error::last_os_error());
        }
        sup.pgid = pid;
        // The supervisor makes itself a group leader too; doing it here as well means the group
        // exists when `start` returns, before the command is spawned into it.
        // SAFETY: our own child, which never execs.
        unsafe { libc::setpgid(pid, pid) };
        drop(read);
        Ok(sup)
    }

    /// The write end of the control pipe (for heartbeats), non-blocking.
    pub(super) fn control(&self) -> io::Result<OwnedFd> {
        let fd = self
            .control
            .as_ref()
            .ok_or_else(|| io::Error::other("supervisor released"))?
            .try_clone()?;
        // SAFETY: fcntl on a descriptor we own.
        unsafe {
            let flags = libc::fcntl(fd.as_raw_fd(), libc::F_GETFL);
            libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
        Ok(fd)
    }

    /// The command ended and was reaped: the supervisor exits without killing its group.
    pub(super) fn release(mut self) {
        if let Some(fd) = self.control.take() {
            let _ = rustix::io::write(&fd, b"q");
        }
    }

    /// Kill the supervisor and the command's group.
    pub(super) fn kill(&self) {
        if self.pgid <= 0 {
            return;
        }
        // SAFETY: a signal to a process group we created.
        unsafe { libc::killpg(self.pgid, libc::SIGKILL) };
    }
}

impl Drop for Supervisor {
    /// Reap the supervisor (it is exiting: released or killed) and free its stack, off the async
    /// threads.
    fn drop(&mut self) {
        // Not released: the command was given up (or never started); the group goes, a
        // stopped supervisor included.
        if self.control.take().is_some() {
            self.kill();
        }
        let (pid, stack) = (self.pgid, self.stack as usize);
        if pid <= 0 {
            // The clone failed: no child to reap (and `waitpid(-1)` would take someone else's).
            // SAFETY: our mapping, never used by a child.
            unsafe { libc::munmap(stack as *mut c_void, STACK_BYTES + GUARD_BYTES) };
            return;
        }
        let reap = move || {
            let mut status = 0;
            // SAFETY: our child; the mapping is ours and unused once it is gone.
            unsafe {
                while libc::waitpid(pid, &mut status, libc::__WALL) < 0
                    && *libc::__errno_location() == libc::EINTR
                {}
                libc::munmap(stack as *mut c_void, STACK_BYTES + GUARD_BYTES);
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(h) => drop(h.spawn_blocking(reap)),
            Err(_) => reap(),
        }
    }
}

fn pipe_cloexec() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills the array on success.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fresh descriptors, owned from here on.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// `close_range(first, ~0, 0)`: 0 on success (Linux 5.9+), negative otherwise.
fn close_range_from(first: u32) -> isize {
    #[allow(unused_assignments, unused_mut)]
    let mut ret: isize = -38; // ENOSYS
    // SAFETY: a raw system call on integers.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") 436isize => ret,
            in("rdi") first as usize,
            in("rsi") u32::MAX as usize,
            in("rdx") 0usize,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    // SAFETY: a raw system call on integers.
    #[cfg(target_arch = "aarch64")]
    unsafe {
        std::arch::asm!(
            "svc 0",
            in("x8") 436usize,
            inlateout("x0") first as usize => ret,
            in("x1") u32::MAX as usize,
            in("x2") 0usize,
            options(nostack),
        );
    }
    ret
}

/// Close every descriptor but `keep` (sorted, distinct): the supervisor's copies of the agent's
/// sockets and pipes must go — a copy of another command's output pipe would hold it open, a
/// copy of our own control pipe's write end would hide the agent's death.
fn close_all_but(keep: &[RawFd]) {
    let mut first = 0u32;
    for &k in keep {
        if k < 0 {
            continue;
        }
        let k = k as u32;
        for fd in first..k {
            // SAFETY: raw close in the supervisor's own descriptor table.
            unsafe { rustix::io::close(fd as RawFd) };
        }
        first = k + 1;
    }
    if close_range_from(first) != 0 {
        let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile)
            .current
            .unwrap_or(65536)
            .min(1 << 20) as u32;
        for fd in first..limit {
            // SAFETY: as above.
            unsafe { rustix::io::close(fd as RawFd) };
        }
    }
}

/// Kill the group (ourselves included); never returns normally.
fn kill_group() -> i32 {
    let _ = rustix::process::kill_current_process_group(rustix::process::Signal::KILL);
    137
}

/// The supervisor: runs on its own stack in the agent's address space; its return value is its
/// exit code.
extern "C" fn supervise(arg: *mut c_void) -> libc::c_int {
    // SAFETY: `start` wrote `Args` there and never touches it again.
    let Args {
        control,
        message,
        heartbeat_ms,
    } = unsafe { std::ptr::read(arg as *const Args) };
    let _ = rustix::process::setpgid(None, None);
    let (a, b) = if control < message {
        (control, message)
    } else {
        (message, control)
    };
    close_all_but(&[a, b]);
    // SAFETY: kept open above.
    let control = unsafe { BorrowedFd::borrow_raw(control) };
    let silence = rustix::event::Timespec {
        tv_sec: (heartbeat_ms.max(0) / 1000) as _,
        tv_nsec: ((heartbeat_ms.max(0) % 1000) as i64 * 1_000_000) as _,
    };
    let mut buf = [0u8; 64];
    loop {
        let mut fds = [PollFd::from_borrowed_fd(control, PollFlags::IN)];
        let timeout = (heartbeat_ms >= 0).then_some(&silence);
        match rustix::event::poll(&mut fds, timeout) {
            Ok(0) => {
                if message >= 0 {
                    // SAFETY: kept open above.
                    let out = unsafe { BorrowedFd::borrow_raw(message) };
                    let _ = rustix::io::write(out, NO_HEARTBEAT);
                }
                return kill_group();
            }
            Ok(_) => match rustix::io::read(control, &mut buf) {
                // End-of-file or an error: the agent is gone or gave up.
                Ok(0) | Err(_) => return kill_group(),
                Ok(n) => {
                    if buf.get(..n).is_some_and(|b| b.contains(&b'q')) {
                        return 0;
                    }
                }
            },
            Err(rustix::io::Errno::INTR) => {}
            Err(_) => return kill_group(),
        }
    }
}
