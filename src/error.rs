//! One error type for the whole tool, mapped to the documented exit codes in one place.

use std::fmt;

/// Process exit codes. Documented in the README and `--help`; never change their meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Success = 0,
    /// A rollout or deploy failed (a host failed, the release halted or was rolled back).
    Failed = 1,
    /// Bad usage or invalid input.
    Usage = 2,
    /// Timed out.
    TimedOut = 3,
    /// ZooKeeper unreachable or not authorised.
    Zk = 4,
}

impl ExitCode {
    /// Every code, in order: the one list that `--help`, the man pages and the docs render.
    pub const ALL: [ExitCode; 5] = [
        ExitCode::Success,
        ExitCode::Failed,
        ExitCode::Usage,
        ExitCode::TimedOut,
        ExitCode::Zk,
    ];

    pub fn code(self) -> i32 {
        self as i32
    }

    /// What the code means, as printed in `--help` and the EXIT STATUS man section.
    pub fn meaning(self) -> &'static str {
        match self {
            ExitCode::Success => "success",
            ExitCode::Failed => {
                "rollout or deploy failed (a host failed or was lost, the release halted, was \
                 aborted, rolled back or superseded)"
            }
            ExitCode::Usage => {
                "bad usage or invalid input, an unknown app included (the message names the bad \
                 value)"
            }
            ExitCode::TimedOut => "timed out",
            ExitCode::Zk => "ZooKeeper unreachable or not authorised",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value supplied by a user (or read back from ZooKeeper) is not acceptable.
    #[error("invalid {what} {value:?}: {reason}")]
    Invalid {
        what: &'static str,
        value: String,
        reason: String,
    },
    #[error("{0}")]
    Usage(String),
    /// One rule for every command that reads an app: an app ZooKeeper has never heard of
    /// (nothing published, no agent registered) is bad input, not an empty result.
    #[error(
        "no such app {0:?}: nothing was published and no agent registered (`deployctl apps` lists the apps)"
    )]
    NoSuchApp(String),
    #[error("{context}: {source}{hint}", hint = zk_hint(source))]
    Zk {
        context: String,
        #[source]
        source: zookeeper_client::Error,
    },
    #[error("cannot reach ZooKeeper at {servers}: {reason} (gave up after {waited_s:.1}s)")]
    Unreachable {
        servers: String,
        /// How long we tried: the connect timeout, or less when every server refused.
        waited_s: f64,
        reason: String,
    },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Failed(String),
    #[error("{0}")]
    TimedOut(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What to do about the ZooKeeper errors people actually meet.
fn zk_hint(e: &zookeeper_client::Error) -> &'static str {
    match e {
        zookeeper_client::Error::NoAuth => {
            " (ZooKeeper ACL: these credentials may not do this; check --zk-auth / --zk-auth-file)"
        }
        zookeeper_client::Error::AuthFailed => " (check --zk-auth / --zk-auth-file)",
        _ => "",
    }
}

impl Error {
    pub fn invalid(
        what: &'static str,
        value: impl fmt::Display,
        reason: impl fmt::Display,
    ) -> Self {
        Error::Invalid {
            what,
            value: value.to_string(),
            reason: reason.to_string(),
        }
    }

    pub fn zk(context: impl Into<String>, source: zookeeper_client::Error) -> Self {
        Error::Zk {
            context: context.into(),
            source,
        }
    }

    /// A file the user named cannot be read: bad input (exit 2), not a failure of deployctl.
    pub fn input_file(what: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        Error::invalid(what, path.display(), format!("cannot be read: {source}"))
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// The single place where errors become exit codes.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Invalid { .. } | Error::Usage(_) | Error::NoSuchApp(_) => ExitCode::Usage,
            Error::Zk { .. } | Error::Unreachable { .. } => ExitCode::Zk,
            Error::Io { .. } | Error::Failed(_) => ExitCode::Failed,
            Error::TimedOut(_) => ExitCode::TimedOut,
        }
    }
}

/// Attach context to ZooKeeper results: `client.get_data(p).await.zk_context(|| ...)`.
pub trait ZkContext<T> {
    fn zk_context<S: Into<String>>(self, f: impl FnOnce() -> S) -> Result<T>;
}

impl<T> ZkContext<T> for std::result::Result<T, zookeeper_client::Error> {
    fn zk_context<S: Into<String>>(self, f: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|e| Error::zk(f(), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_documented_ones() {
        assert_eq!(
            Error::invalid("app name", "../x", "bad").exit_code().code(),
            2
        );
        assert_eq!(Error::Usage("x".into()).exit_code().code(), 2);
        assert_eq!(
            Error::zk("read", zookeeper_client::Error::NoAuth)
                .exit_code()
                .code(),
            4
        );
        assert_eq!(Error::Failed("x".into()).exit_code().code(), 1);
        assert_eq!(Error::TimedOut("x".into()).exit_code().code(), 3);
    }

    #[test]
    fn invalid_names_the_value() {
        let e = Error::invalid("version", "1.0; touch /tmp/pwned", "only [A-Za-z0-9._+-]");
        assert!(e.to_string().contains("\"1.0; touch /tmp/pwned\""));
    }
}
