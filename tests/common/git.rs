//! Real git repositories for the tests, made with git2.

use std::path::Path;

use git2::{Repository, Signature};

pub fn init(dir: &Path) -> Repository {
    let repo = Repository::init(dir).expect("git init");
    let mut cfg = repo.config().unwrap();
    cfg.set_str("user.name", "Test Author").unwrap();
    cfg.set_str("user.email", "author@example.com").unwrap();
    repo
}

/// Write `file` and commit everything; returns the commit id.
pub fn commit(repo: &Repository, file: &str, content: &str, message: &str) -> git2::Oid {
    let workdir = repo.workdir().unwrap();
    std::fs::write(workdir.join(file), content).unwrap();
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("Test Author", "author@example.com").unwrap();
    let parents: Vec<git2::Commit> = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .into_iter()
        .collect();
    let parent_refs: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parent_refs)
        .unwrap()
}

pub fn tag(repo: &Repository, name: &str) {
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    repo.tag_lightweight(name, head.as_object(), false).unwrap();
}

/// Commit a release: VERSION file with `version`, tagged `version`.
pub fn release(repo: &Repository, version: &str) -> git2::Oid {
    let id = commit(
        repo,
        "VERSION",
        &format!("{version}\n"),
        &format!("release {version}"),
    );
    tag(repo, version);
    id
}
