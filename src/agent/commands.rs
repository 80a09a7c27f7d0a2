//! The command policy (may a release's own commands run here? are its vars allowed?) and the
//! rendering of a release's commands for this host.

use super::AgentSettings;
use crate::error::{Error, Result};
use crate::git::deploy::GitDeploy;
use crate::model::ReleaseSpec;
use crate::render::{self, RenderContext, Script};

/// The commands for this release on this host, rendered.
pub(super) struct Commands {
    pub(super) deploy: Option<Script>,
    pub(super) get_version: Option<Script>,
    pub(super) health: Option<Script>,
    pub(super) pre: Option<Script>,
    pub(super) post: Option<Script>,
    pub(super) run_once: Option<Script>,
    pub(super) finalize: Option<Script>,
    pub(super) on_failure: Option<Script>,
    pub(super) restart: Option<Script>,
    /// This host restarts (a restart release, host at its version) instead of deploying.
    pub(super) restart_only: bool,
    /// Deploy from git: checkout per version + `current` switch.
    pub(super) git: Option<GitDeploy>,
}

/// The command policy: may this release's own commands run here, and are its vars allowed?
pub(crate) fn check_policy(settings: &AgentSettings, spec: &ReleaseSpec) -> Result<()> {
    let local = settings.local.get(&spec.app).cloned().unwrap_or_default();
    let allow = local
        .allow_remote_commands
        .unwrap_or(settings.allow_remote_commands);
    if !allow {
        let carried: Vec<&str> = [
            ("deploy_cmd", spec.deploy_cmd.is_some()),
            ("get_version_cmd", spec.get_version_cmd.is_some()),
            ("health_cmd", spec.health_cmd.is_some()),
            ("pre_cmd", spec.pre_cmd.is_some()),
            ("post_cmd", spec.post_cmd.is_some()),
            ("run_once_cmd", spec.run_once_cmd.is_some()),
            ("finalize_cmd", spec.finalize_cmd.is_some()),
            ("on_failure_cmd", spec.on_failure_cmd.is_some()),
            ("restart_cmd", spec.restart_cmd.is_some()),
            ("git", spec.git.is_some()),
        ]
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(name, _)| name)
        .collect();
        if !carried.is_empty() {
            return Err(Error::invalid(
                "release",
                spec.release,
                format!(
                    "carries {}, but this agent runs only its own commands (allow_remote_commands = false)",
                    carried.join(", ")
                ),
            ));
        }
    }
    if let Some(allowed) = &local.allowed_vars
        && let Some(bad) = spec.vars.keys().find(|k| !allowed.contains(k))
    {
        return Err(Error::invalid(
            "var",
            bad,
            format!("not in this agent's allowed_vars for {}", spec.app),
        ));
    }
    Ok(())
}

pub(super) fn render_commands(settings: &AgentSettings, spec: &ReleaseSpec) -> Result<Commands> {
    check_policy(settings, spec)?;
    let local = settings.local.get(&spec.app).cloned().unwrap_or_default();
    let ctx = RenderContext {
        app: spec.app.clone(),
        version: spec.version.clone(),
        previous_version: spec.previous_version.clone().unwrap_or_default(),
        host: settings.host.clone(),
        group: crate::policy::group_of(&spec.groups, &settings.groups),
        release: spec.release,
        vars: spec.vars.clone(),
    };
    // The spec's command wins; the agent's config supplies a default.
    let pick = |remote: &Option<String>, local: Option<String>| -> Result<Option<Script>> {
        remote
            .clone()
            .or(local)
            .map(|t| render::render(&t, &ctx))
            .transpose()
    };
    // The agent's own git source wins over the spec's (its paths are the host's business).
    let git = match local.git.clone().or(spec.git.clone()) {
        Some(g) => Some(GitDeploy {
            git_ref: render::render_raw(&g.git_ref, &ctx)?,
            repo: g.repo,
            deploy_to: g
                .deploy_to
                .unwrap_or_else(|| settings.state_dir.join("apps").join(&spec.app)),
            keep_releases: g.keep_releases,
            linked_dirs: g.linked_dirs,
            linked_files: g.linked_files,
            // The pin is the release's, whoever supplies the repository.
            commit: spec.git.as_ref().and_then(|s| s.commit.clone()),
            owner: match &local.run_as {
                Some(user) => {
                    let r = super::run_as::check(user)?;
                    Some((r.uid, r.gid))
                }
                None => None,
            },
        }),
        None => None,
    };
    Ok(Commands {
        git,
        deploy: pick(&spec.deploy_cmd, local.deploy_cmd)?,
        get_version: pick(&spec.get_version_cmd, local.get_version_cmd)?,
        health: pick(&spec.health_cmd, local.health_cmd)?,
        pre: pick(&spec.pre_cmd, local.pre_cmd)?,
        post: pick(&spec.post_cmd, local.post_cmd)?,
        run_once: pick(&spec.run_once_cmd, None)?,
        finalize: pick(&spec.finalize_cmd, local.finalize_cmd)?,
        on_failure: pick(&spec.on_failure_cmd, local.on_failure_cmd)?,
        restart: pick(&spec.restart_cmd, local.restart_cmd)?,
        restart_only: false,
    })
}
