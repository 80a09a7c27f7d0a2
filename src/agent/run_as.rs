//! `run_as`: an app's commands run as another user (set in the agent config only), and its
//! checkout and shared files belong to that user. Switching user needs an agent running as root.

use crate::error::{Error, Result};

/// A user's ids, looked up by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunAs {
    pub uid: u32,
    pub gid: u32,
}

/// Look `name` up in the user database.
pub fn resolve(name: &str) -> Result<RunAs> {
    let bad = |why: String| Error::invalid("run_as", name, why);
    let c_name = std::ffi::CString::new(name).map_err(|_| bad("holds a NUL byte".into()))?;
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call; `buf` outlives the use of `pwd`'s strings
    // (none are used).
    let rc = unsafe {
        libc::getpwnam_r(
            c_name.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut found,
        )
    };
    if rc != 0 {
        return Err(bad(format!(
            "looking the user up failed: {}",
            std::io::Error::from_raw_os_error(rc)
        )));
    }
    if found.is_null() {
        return Err(bad("no such user on this host".into()));
    }
    Ok(RunAs {
        uid: pwd.pw_uid,
        gid: pwd.pw_gid,
    })
}

/// `resolve`, refusing when this process cannot become that user (not root, and not already
/// that user).
pub fn check(name: &str) -> Result<RunAs> {
    let r = resolve(name)?;
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    if euid != 0 && euid != r.uid {
        return Err(Error::invalid(
            "run_as",
            name,
            format!("needs the agent to run as root to switch user (it runs as uid {euid})"),
        ));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_looked_up_by_name() {
        assert_eq!(resolve("root").unwrap().uid, 0);
        let e = resolve("no-such-user-here").unwrap_err();
        assert!(e.to_string().contains("no-such-user-here"), "{e}");
        assert_eq!(e.exit_code().code(), 2);
        assert!(resolve("a\0b").is_err());
    }
}
