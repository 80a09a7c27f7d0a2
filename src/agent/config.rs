//! The agent's TOML config (`/etc/deployctl/agent.toml` by default). See docs/agent.md.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::validate;

/// Commands this host runs for an app when the release spec does not supply them.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LocalCommands {
    pub deploy_cmd: Option<String>,
    pub get_version_cmd: Option<String>,
    pub health_cmd: Option<String>,
    pub pre_cmd: Option<String>,
    pub post_cmd: Option<String>,
    /// Runs once per release on one host, after every host is done (see `finalize_cmd`).
    pub finalize_cmd: Option<String>,
    /// Runs on this host after each failed attempt (cleanup).
    pub on_failure_cmd: Option<String>,
    /// Restarts the app at its version (`deployctl restart`).
    pub restart_cmd: Option<String>,
    /// Run the app's commands as this user, and give it the app's checkouts (the agent must run
    /// as root).
    pub run_as: Option<String>,
    /// Deploy from git (overrides a git source in the release spec).
    pub git: Option<crate::model::GitSourceSpec>,
    /// Overrides the top-level `allow_remote_commands` for this app.
    pub allow_remote_commands: Option<bool>,
    /// When set, a release may only carry these var names.
    pub allowed_vars: Option<Vec<String>>,
    /// Overrides the top-level `trusted_signers` for this app.
    pub trusted_signers: Option<PathBuf>,
    /// Overrides the top-level `require_signatures` for this app.
    pub require_signatures: Option<bool>,
    /// Metric checks this host judges for every release of the app, besides the release's
    /// own (`"NAME=QUERY OP THRESHOLD"`, as `publish --check`; parsed with the config); a
    /// release without a bake time bakes one check interval for them.
    #[serde(default, deserialize_with = "parse_checks")]
    pub checks: Vec<crate::checks::MetricCheck>,
}

fn parse_checks<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<crate::checks::MetricCheck>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|s| crate::checks::MetricCheck::parse(s).map_err(serde::de::Error::custom))
        .collect()
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    pub host: Option<String>,
    pub zk: Option<String>,
    pub zk_root: Option<String>,
    pub state_dir: Option<PathBuf>,
    /// e.g. "10s"
    pub session_timeout: Option<String>,
    /// Groups this host belongs to.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Run commands that arrive in release specs (default true). False: only this file's
    /// commands run; a release may supply only its version and vars.
    pub allow_remote_commands: Option<bool>,
    /// Var name patterns (`*` wildcard) whose values are masked in status, logs and outputs.
    #[serde(default)]
    pub secret_names: Vec<String>,
    /// An OpenSSH `allowed_signers` file: the keys whose release signatures this host trusts.
    /// A signed release is verified against it; see `require_signatures`.
    pub trusted_signers: Option<PathBuf>,
    /// Refuse every release not signed by a key in `trusted_signers` (default false).
    pub require_signatures: Option<bool>,
    /// The Prometheus metric checks ask (wins over a release's `prometheus_url`).
    pub prometheus_url: Option<String>,
    /// A file holding the bearer token sent to Prometheus.
    pub prometheus_bearer_token_file: Option<PathBuf>,
    /// A PEM file with the CA certificates of an internal Prometheus.
    pub prometheus_ca: Option<PathBuf>,
    #[serde(default)]
    pub apps: BTreeMap<String, LocalCommands>,
}

impl AgentConfig {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("reading agent config {}", path.display()), e))?;
        Self::parse(&text).map_err(|e| match e {
            Error::Invalid {
                what: "agent config",
                reason,
                ..
            } => Error::invalid("agent config", path.display(), reason),
            // A bad value inside the file: name it too.
            Error::Invalid {
                what,
                value,
                reason,
            } => Error::invalid(
                "agent config",
                path.display(),
                format!("{what} {value:?}: {reason}"),
            ),
            other => other,
        })
    }

    pub fn parse(text: &str) -> Result<Self> {
        let cfg: AgentConfig = toml::from_str(text)
            .map_err(|e| Error::invalid("agent config", "<toml>", e.to_string()))?;
        if let Some(h) = &cfg.host {
            validate::host_name(h)?;
        }
        for g in &cfg.groups {
            validate::group_name(g)?;
        }
        for (app, local) in &cfg.apps {
            validate::app_name(app)?;
            if let Some(g) = &local.git {
                g.validate()?;
            }
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_config() {
        let cfg = AgentConfig::parse(
            r#"
host = "web-1"
zk = "10.0.0.1:2181"
state_dir = "/var/lib/deployctl"
session_timeout = "6s"
[apps.web]
deploy_cmd = "/opt/web/deploy {{ version }}"
[apps.api]
"#,
        )
        .unwrap();
        assert_eq!(cfg.host.as_deref(), Some("web-1"));
        assert_eq!(cfg.apps.len(), 2);
        assert!(cfg.apps["web"].deploy_cmd.is_some());
    }

    #[test]
    fn rejects_typos_and_bad_names() {
        assert!(AgentConfig::parse("hots = \"x\"").is_err());
        assert!(AgentConfig::parse("[apps.\"../x\"]").is_err());
        assert!(AgentConfig::parse("host = \"a b\"").is_err());
    }
}
