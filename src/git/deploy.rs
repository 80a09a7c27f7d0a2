//! The agent's git source: a bare mirror, one checkout per version under `releases/`, and a
//! `current` symlink switched atomically (created beside, renamed over) — Capistrano's layout.
//!
//! ```text
//! <deploy_to>/repo.git          bare mirror (fetch with tags)
//! <deploy_to>/releases/<ver>/   checkouts
//! <deploy_to>/current -> releases/<ver>
//! ```

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitDeploy {
    /// URL or path of the origin repository.
    pub repo: String,
    /// The ref to deploy, already rendered (e.g. `v1.2`).
    pub git_ref: String,
    pub deploy_to: PathBuf,
    pub keep_releases: usize,
    /// Paths in each checkout that are links into `shared/` (see `GitSourceSpec`).
    pub linked_dirs: Vec<String>,
    pub linked_files: Vec<String>,
    /// The `run_as` user's (uid, gid): checkouts and shared dirs are given to it.
    pub owner: Option<(u32, u32)>,
    /// The commit the release pins (`GitSourceSpec::commit`): checked out whatever the ref
    /// names now.
    pub commit: Option<String>,
}

impl GitDeploy {
    pub fn mirror(&self) -> PathBuf {
        self.deploy_to.join("repo.git")
    }
    pub fn releases(&self) -> PathBuf {
        self.deploy_to.join("releases")
    }
    pub fn release_dir(&self, version: &str) -> PathBuf {
        self.releases().join(version)
    }
    pub fn current(&self) -> PathBuf {
        self.deploy_to.join("current")
    }
    pub fn shared(&self) -> PathBuf {
        self.deploy_to.join("shared")
    }
    /// Which commit `releases/<version>` holds (`commits/<version>`, written at checkout;
    /// outside `releases/`, whose entries are the checkouts).
    fn commit_note(&self, version: &str) -> PathBuf {
        self.deploy_to.join("commits").join(version)
    }
}

/// Give `path` (not following links) and, for a directory, everything below it to uid:gid.
fn chown_tree(path: &Path, uid: u32, gid: u32) -> std::io::Result<()> {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid))?;
    if std::fs::symlink_metadata(path)?.is_dir() {
        for entry in std::fs::read_dir(path)? {
            chown_tree(&entry?.path(), uid, gid)?;
        }
    }
    Ok(())
}

/// Replace the linked paths of a fresh checkout (`dir`) with links into `shared/`: linked dirs
/// are created there when missing; linked files must exist there (the operator puts them).
pub fn link_shared(g: &GitDeploy, dir: &Path) -> Result<()> {
    let shared = g.shared();
    for (rel, is_dir) in g
        .linked_dirs
        .iter()
        .map(|d| (d, true))
        .chain(g.linked_files.iter().map(|f| (f, false)))
    {
        let target = shared.join(rel);
        if is_dir {
            std::fs::create_dir_all(&target)
                .map_err(io_err(format!("creating {}", target.display())))?;
        } else if !target.is_file() {
            return Err(Error::Failed(format!(
                "linked file {rel}: {} does not exist; create it on the host",
                target.display()
            )));
        }
        let link = dir.join(rel);
        // What the repository has at that path gives way to the shared one.
        match std::fs::symlink_metadata(&link) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(&link),
            Ok(_) => std::fs::remove_file(&link),
            Err(_) => Ok(()),
        }
        .map_err(io_err(format!("removing {}", link.display())))?;
        if let Some(parent) = link.parent() {
            std::fs::create_dir_all(parent)
                .map_err(io_err(format!("creating {}", parent.display())))?;
        }
        std::os::unix::fs::symlink(&target, &link)
            .map_err(io_err(format!("linking {}", link.display())))?;
    }
    Ok(())
}

fn git_err(what: String) -> impl Fn(git2::Error) -> Error {
    move |e| Error::Failed(format!("{what}: {}", e.message()))
}

fn io_err(what: String) -> impl Fn(std::io::Error) -> Error {
    move |e| Error::io(what.clone(), e)
}

/// Fetch the origin into the bare mirror (branches and tags).
fn fetch(g: &GitDeploy) -> Result<git2::Repository> {
    let mirror = g.mirror();
    let repo = match git2::Repository::open_bare(&mirror) {
        Ok(r) => r,
        Err(_) => {
            std::fs::create_dir_all(&g.deploy_to)
                .map_err(io_err(format!("creating {}", g.deploy_to.display())))?;
            git2::Repository::init_bare(&mirror)
                .map_err(git_err(format!("creating mirror {}", mirror.display())))?
        }
    };
    {
        let mut remote = repo
            .remote_anonymous(&g.repo)
            .map_err(git_err(format!("using origin {}", g.repo)))?;
        let mut fo = git2::FetchOptions::new();
        fo.download_tags(git2::AutotagOption::All);
        remote
            .fetch(
                &["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
                Some(&mut fo),
                None,
            )
            .map_err(git_err(format!("fetching {}", g.repo)))?;
    }
    Ok(repo)
}

fn resolve<'r>(repo: &'r git2::Repository, r: &str) -> Result<git2::Commit<'r>> {
    for candidate in [
        format!("refs/tags/{r}"),
        format!("refs/heads/{r}"),
        r.to_string(),
    ] {
        if let Ok(obj) = repo.revparse_single(&candidate)
            && let Ok(c) = obj.peel_to_commit()
        {
            return Ok(c);
        }
    }
    Err(Error::Failed(format!(
        "ref {r:?} not found in the repository"
    )))
}

/// Make sure `releases/<version>` holds the ref's tree. Returns the dir and whether it fetched
/// (a version still on disk is reused as is: rolling back needs no network).
pub fn ensure_release(g: &GitDeploy, version: &str) -> Result<(PathBuf, bool)> {
    let dir = g.release_dir(version);
    if dir.is_dir() {
        // A pinned release reuses a checkout only of its own commit.
        let held = std::fs::read_to_string(g.commit_note(version)).ok();
        match (&g.commit, held.as_deref().map(str::trim)) {
            (Some(pin), Some(held)) if held != pin => {
                return Err(Error::Failed(format!(
                    "{} holds commit {held}, but the release pins {pin} (the ref moved since \
                     that checkout); remove the directory to check the pinned commit out",
                    dir.display()
                )));
            }
            _ => return Ok((dir, false)),
        }
    }
    let repo = fetch(g)?;
    let commit = match &g.commit {
        Some(pin) => pinned(&repo, g, pin)?,
        None => resolve(&repo, &g.git_ref)?,
    };
    let commit_id = commit.id().to_string();
    let releases = g.releases();
    std::fs::create_dir_all(&releases)
        .map_err(io_err(format!("creating {}", releases.display())))?;
    // Check out beside, then rename: a half-written release dir never carries the real name.
    let tmp = releases.join(format!(".{version}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(io_err(format!("creating {}", tmp.display())))?;
    let mut co = git2::build::CheckoutBuilder::new();
    co.target_dir(&tmp).force().recreate_missing(true);
    repo.checkout_tree(commit.as_object(), Some(&mut co))
        .map_err(git_err(format!(
            "checking out {} into {}",
            g.git_ref,
            tmp.display()
        )))?;
    link_shared(g, &tmp)?;
    if let Some((uid, gid)) = g.owner {
        for p in [tmp.clone(), g.shared()] {
            if p.exists() {
                chown_tree(&p, uid, gid)
                    .map_err(io_err(format!("giving {} to uid {uid}", p.display())))?;
            }
        }
    }
    let note = g.commit_note(version);
    if let Some(dir) = note.parent() {
        std::fs::create_dir_all(dir).map_err(io_err(format!("creating {}", dir.display())))?;
    }
    std::fs::write(&note, format!("{commit_id}\n"))
        .map_err(io_err(format!("writing {}", note.display())))?;
    std::fs::rename(&tmp, &dir).map_err(io_err(format!("moving {} into place", dir.display())))?;
    Ok((dir, true))
}

/// The pinned commit, from the fetched mirror. A ref that has moved since the publish is
/// logged, and the pinned commit is what is checked out; one no ref reaches any more (a
/// force-push) is not in the mirror: the deploy fails rather than run other code.
fn pinned<'r>(repo: &'r git2::Repository, g: &GitDeploy, pin: &str) -> Result<git2::Commit<'r>> {
    let oid = git2::Oid::from_str(pin)
        .map_err(|e| Error::invalid("git commit", pin, e.message().to_string()))?;
    let commit = repo.find_commit(oid).map_err(|_| {
        Error::Failed(format!(
            "the release pins commit {pin}, which {} no longer has under any branch or tag",
            g.repo
        ))
    })?;
    if let Ok(now) = resolve(repo, &g.git_ref)
        && now.id() != oid
    {
        tracing::warn!(
            "{} now names {} in {}; checking out the pinned {pin}",
            g.git_ref,
            now.id(),
            g.repo
        );
    }
    Ok(commit)
}

/// Point `current` at `releases/<version>` atomically: a new symlink beside it, renamed over it.
/// Readers see the old target or the new one, never a missing link.
pub fn switch_current(g: &GitDeploy, version: &str) -> Result<()> {
    let tmp = g
        .deploy_to
        .join(format!(".current.tmp-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let target = Path::new("releases").join(version);
    std::os::unix::fs::symlink(&target, &tmp)
        .map_err(io_err(format!("creating {}", tmp.display())))?;
    std::fs::rename(&tmp, g.current())
        .map_err(io_err(format!("switching {}", g.current().display())))
}

/// The version `current` points at.
pub fn current_version(g: &GitDeploy) -> Option<String> {
    let target = std::fs::read_link(g.current()).ok()?;
    target.file_name().map(|n| n.to_string_lossy().into_owned())
}

/// Pure: which releases to delete, given (name, created) pairs. Keeps the newest `keep`, and
/// never the current or previous one.
pub fn to_prune(
    mut releases: Vec<(String, SystemTime)>,
    keep: usize,
    current: Option<&str>,
    previous: Option<&str>,
) -> Vec<String> {
    releases.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
    releases
        .into_iter()
        .skip(keep)
        .map(|(name, _)| name)
        .filter(|n| Some(n.as_str()) != current && Some(n.as_str()) != previous)
        .collect()
}

/// Delete old releases beyond `keep_releases`; returns what was removed.
pub fn prune(g: &GitDeploy, previous: Option<&str>) -> Result<Vec<String>> {
    let releases = g.releases();
    let Ok(rd) = std::fs::read_dir(&releases) else {
        return Ok(vec![]);
    };
    let entries: Vec<(String, SystemTime)> = rd
        .flatten()
        .filter(|e| e.path().is_dir() && !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            let t = e
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            (e.file_name().to_string_lossy().into_owned(), t)
        })
        .collect();
    let current = current_version(g);
    let doomed = to_prune(
        entries,
        g.keep_releases.max(1),
        current.as_deref(),
        previous,
    );
    for name in &doomed {
        let p = releases.join(name);
        std::fs::remove_dir_all(&p).map_err(io_err(format!("removing {}", p.display())))?;
        let _ = std::fs::remove_file(g.commit_note(name));
    }
    Ok(doomed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn rel(names: &[&str]) -> Vec<(String, SystemTime)> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    n.to_string(),
                    SystemTime::UNIX_EPOCH + Duration::from_secs(i as u64),
                )
            })
            .collect()
    }

    #[test]
    fn prune_keeps_the_newest() {
        let r = rel(&["1", "2", "3", "4"]);
        let mut p = to_prune(r.clone(), 2, Some("4"), Some("3"));
        p.sort();
        assert_eq!(p, vec!["1", "2"]);
        // Never the current one, even when it is old (after a rollback).
        let mut p = to_prune(r.clone(), 2, Some("1"), Some("4"));
        p.sort();
        assert_eq!(p, vec!["2"]);
        assert!(to_prune(r, 5, None, None).is_empty());
    }
}
