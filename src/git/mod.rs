//! Git, through `git2` (libgit2; no `git` binary needed): versions from a repository for
//! `publish --version-from-git`, and the agent's git source (`deploy`).
//!
//! Built without libgit2's https/ssh transports (no OpenSSL, so the binary can be static):
//! repositories are reached by local path, `file://` or `git://`.

pub mod deploy;

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::Source;

/// What `--version-from-git` derived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitVersion {
    pub version: String,
    pub source: Source,
}

fn git_err<'a>(what: &'a str, path: &'a Path) -> impl Fn(git2::Error) -> Error + 'a {
    move |e| {
        Error::invalid(
            "git repository",
            path.display(),
            format!("{what}: {}", e.message()),
        )
    }
}

/// `v1.2` on a tagged HEAD, `v1.2-3-gabc1234` after it, the short sha without tags; `-dirty` when
/// tracked files changed (refused unless `allow_dirty`).
pub fn version_from_git(path: &Path, allow_dirty: bool) -> Result<GitVersion> {
    let repo = git2::Repository::discover(path).map_err(git_err("not a repository", path))?;
    let head = repo
        .head()
        .map_err(git_err("no HEAD (no commits yet?)", path))?;
    let commit = head
        .peel_to_commit()
        .map_err(git_err("HEAD is not a commit", path))?;
    let mut status = git2::StatusOptions::new();
    status.include_untracked(false).include_ignored(false);
    let dirty = !repo
        .statuses(Some(&mut status))
        .map_err(git_err("reading status", path))?
        .is_empty();
    if dirty && !allow_dirty {
        return Err(Error::invalid(
            "git repository",
            path.display(),
            "has uncommitted changes; commit them or pass --allow-dirty",
        ));
    }
    let short = commit
        .as_object()
        .short_id()
        .map_err(git_err("abbreviating", path))?
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut opts = git2::DescribeOptions::new();
    opts.describe_tags();
    let described = repo.describe(&opts).and_then(|d| {
        let mut f = git2::DescribeFormatOptions::new();
        f.abbreviated_size(7);
        d.format(Some(&f))
    });
    let mut version = described.unwrap_or(short);
    if dirty {
        version.push_str("-dirty");
    }
    crate::validate::version(&version)?;
    let author = commit.author();
    Ok(GitVersion {
        version,
        source: Source {
            commit: Some(commit.id().to_string()),
            git_ref: head.shorthand().ok().map(str::to_string),
            message: commit.summary().ok().flatten().map(str::to_string),
            author: Some(format!(
                "{} <{}>",
                author.name().unwrap_or("?"),
                author.email().unwrap_or("?")
            )),
        },
    })
}

/// The tags of the repository at `repo` (a path or a URL the built-in transports reach) that are
/// valid versions, newest-looking first (`1.10` after `1.9`): the page's version choices for an
/// app with a git source. Blocking (network or disk).
pub fn version_tags(repo: &str) -> Result<Vec<String>> {
    let fail =
        |e: git2::Error| Error::Failed(format!("listing the tags of {repo}: {}", e.message()));
    let mut remote = git2::Remote::create_detached(repo).map_err(fail)?;
    remote.connect(git2::Direction::Fetch).map_err(fail)?;
    let mut tags: Vec<String> = remote
        .list()
        .map_err(fail)?
        .iter()
        .filter_map(|h| h.name().strip_prefix("refs/tags/"))
        .map(|t| t.trim_end_matches("^{}").to_string())
        .filter(|t| crate::validate::version(t).is_ok())
        .collect();
    tags.sort_by_key(|t| std::cmp::Reverse(natural_key(t)));
    tags.dedup();
    Ok(tags)
}

/// The commit `git_ref` names in the repository at `repo` now (a tag, peeled; a branch; or a
/// full commit id as is): what `publish` pins in the release so a moved tag cannot swap the code
/// hosts check out. Blocking (network or disk).
pub fn resolve_remote(repo: &str, git_ref: &str) -> Result<String> {
    if let Ok(id) = crate::validate::commit_id(git_ref) {
        return Ok(id);
    }
    let fail = |e: git2::Error| {
        Error::Failed(format!(
            "resolving {git_ref:?} in {repo}: {} (pin it yourself with --git-commit)",
            e.message()
        ))
    };
    let mut remote = git2::Remote::create_detached(repo).map_err(fail)?;
    remote.connect(git2::Direction::Fetch).map_err(fail)?;
    let heads = remote.list().map_err(fail)?;
    // An annotated tag's `^{}` entry is the commit it points at; prefer it to the tag object.
    for name in [
        format!("refs/tags/{git_ref}^{{}}"),
        format!("refs/tags/{git_ref}"),
        format!("refs/heads/{git_ref}"),
    ] {
        if let Some(h) = heads.iter().find(|h| h.name() == name) {
            return Ok(h.oid().to_string());
        }
    }
    Err(Error::invalid(
        "git ref",
        git_ref,
        format!("is neither a tag nor a branch of {repo} (pin a commit with --git-commit)"),
    ))
}

/// Digit runs compare as numbers: `v1.10` > `v1.9`.
fn natural_key(s: &str) -> Vec<(u64, String)> {
    let mut out = vec![];
    let mut num = String::new();
    let mut text = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !text.is_empty() {
                out.push((0, std::mem::take(&mut text)));
            }
            num.push(c);
        } else {
            if !num.is_empty() {
                out.push((num.parse().unwrap_or(u64::MAX), String::new()));
                num.clear();
            }
            text.push(c);
        }
    }
    if !num.is_empty() {
        out.push((num.parse().unwrap_or(u64::MAX), String::new()));
    }
    if !text.is_empty() {
        out.push((0, text));
    }
    out
}

#[cfg(test)]
mod version_tag_tests {
    #[test]
    fn natural_order() {
        let mut v = vec!["v1.9", "v1.10", "v1.2", "v2.0"];
        v.sort_by_key(|t| std::cmp::Reverse(super::natural_key(t)));
        assert_eq!(v, ["v2.0", "v1.10", "v1.9", "v1.2"]);
    }
}
