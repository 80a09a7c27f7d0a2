//! The compare-and-set recipe, in one place: read, decide, write conditionally on the versions
//! read; when someone else wrote in between (a lost race, not a failure), do it all again.
//! Every change of shared state (publish, the ledger, release states, rollbacks) goes through it.

use std::fmt::Display;

use zookeeper_client as zkc;

use crate::error::{Error, Result};

/// How often a change is tried before it gives up (contention that high is a bug or an attack).
pub(crate) const ATTEMPTS: usize = 200;

/// One attempt's outcome.
pub(crate) enum Attempt<T> {
    Done(T),
    /// Lost a race: read again and retry.
    Conflict,
}

impl<T> Attempt<T> {
    /// The same outcome, carrying `f`'s value when done.
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Attempt<U> {
        match self {
            Attempt::Done(t) => Attempt::Done(f(t)),
            Attempt::Conflict => Attempt::Conflict,
        }
    }
}

/// Run the attempt block until it is `Done`, at most `ATTEMPTS` times; `$what` names the change
/// in the error when contention never lets it through. A macro rather than a function taking an
/// async closure: such closures borrow their captures per call, which the compiler cannot yet
/// prove `Send` inside spawned tasks.
macro_rules! retry {
    ($what:expr, $attempt:block) => {{
        let mut done = None;
        for _ in 0..$crate::zk::cas::ATTEMPTS {
            match $crate::zk::cas::typed(async $attempt).await? {
                $crate::zk::cas::Attempt::Done(t) => {
                    done = Some(t);
                    break;
                }
                $crate::zk::cas::Attempt::Conflict => {}
            }
        }
        done.ok_or_else(|| $crate::zk::cas::gave_up($what))
    }};
}
pub(crate) use retry;

/// Pins an attempt block's output type (so `?` inside it knows its error type).
pub(crate) async fn typed<T>(
    attempt: impl Future<Output = Result<Attempt<T>>>,
) -> Result<Attempt<T>> {
    attempt.await
}

pub(crate) fn gave_up(what: impl Display) -> Error {
    Error::Failed(format!(
        "{what}: lost the race to other writers {ATTEMPTS} times"
    ))
}

/// Is this multi-op failure a lost race (a version check or a create that someone beat us to)?
pub(crate) fn is_conflict(e: &zkc::MultiWriteError) -> bool {
    matches!(
        e,
        zkc::MultiWriteError::OperationFailed {
            source: zkc::Error::BadVersion | zkc::Error::NodeExists,
            ..
        }
    )
}

/// Write `data` to `path` if it is still at `version`: `Done` when it landed, `Conflict` on a lost
/// race, an error naming the node otherwise.
pub(crate) async fn set(
    client: &super::Client,
    path: &str,
    data: &[u8],
    version: i32,
) -> Result<Attempt<()>> {
    match client.set_data(path, data, Some(version)).await {
        Ok(_) => Ok(Attempt::Done(())),
        Err(zkc::Error::BadVersion) => Ok(Attempt::Conflict),
        Err(e) => Err(Error::zk(format!("writing {path}"), e)),
    }
}

/// Commit `multi`: `Done` when it landed, `Conflict` on a lost race, an error naming `what`
/// otherwise.
pub(crate) async fn commit(
    mut multi: super::client::MultiWriter<'_>,
    what: impl Display,
) -> Result<Attempt<()>> {
    match multi.commit().await {
        Ok(_) => Ok(Attempt::Done(())),
        Err(e) if is_conflict(&e) => Ok(Attempt::Conflict),
        Err(e) => Err(Error::zk(what.to_string(), e.into())),
    }
}
