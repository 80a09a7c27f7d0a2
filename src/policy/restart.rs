//! Pure: the release a rolling restart publishes (`deployctl restart`).

use crate::error::{Error, Result};
use crate::model::{ReleaseKind, ReleaseSpec, ReleaseState};

/// What `restart` may change about the current release.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestartRequest {
    pub slots: Option<u32>,
    pub restart_cmd: Option<String>,
    pub published_by: String,
}

/// The restart of `current`: the same version, slots, canary, budget and health gate, kind
/// `restart`. The run-once and finalize commands belong to the deploy (a migration, a proxy
/// switch) and are not repeated; an automatic rollback would only re-deploy the same version.
/// The caller sets the release id and `previous` (as for any publish).
pub fn restart_spec(current: &ReleaseSpec, req: &RestartRequest) -> Result<ReleaseSpec> {
    if current.state != ReleaseState::Active {
        return Err(Error::invalid(
            "app",
            &current.app,
            format!(
                "release {} is {}: restart a settled release (resume, publish or roll back first)",
                current.release, current.state
            ),
        ));
    }
    let spec = ReleaseSpec {
        kind: ReleaseKind::Restart,
        slots: req.slots.unwrap_or(current.slots),
        restart_cmd: req.restart_cmd.clone().or(current.restart_cmd.clone()),
        run_once_cmd: None,
        finalize_cmd: None,
        auto_rollback: false,
        rollback_of: None,
        state: ReleaseState::Active,
        published_by: req.published_by.clone(),
        ..current.clone()
    };
    spec.validate()?;
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restart_keeps_the_version_and_the_gates() {
        let mut cur = ReleaseSpec::new("api", "2.0");
        cur.release = 4;
        cur.slots = 3;
        cur.canary = 1;
        cur.health_cmd = Some("check".into());
        cur.run_once_cmd = Some("migrate".into());
        cur.restart_cmd = Some("systemctl restart api".into());
        cur.auto_rollback = true;
        let req = RestartRequest {
            slots: Some(1),
            ..Default::default()
        };
        let r = restart_spec(&cur, &req).unwrap();
        assert_eq!(
            (r.kind, r.version.as_str(), r.slots, r.canary),
            (ReleaseKind::Restart, "2.0", 1, 1)
        );
        assert_eq!(r.health_cmd.as_deref(), Some("check"));
        assert_eq!(r.restart_cmd.as_deref(), Some("systemctl restart api"));
        assert!(r.run_once_cmd.is_none() && !r.auto_rollback);
        let flag = RestartRequest {
            restart_cmd: Some("kill -HUP 1".into()),
            ..Default::default()
        };
        assert_eq!(
            restart_spec(&cur, &flag).unwrap().restart_cmd.as_deref(),
            Some("kill -HUP 1")
        );
        assert_eq!(restart_spec(&cur, &flag).unwrap().slots, 3);
        let zero = RestartRequest {
            slots: Some(0),
            ..Default::default()
        };
        assert_eq!(restart_spec(&cur, &zero).unwrap_err().exit_code().code(), 2);
        cur.state = ReleaseState::Halted;
        let e = restart_spec(&cur, &req).unwrap_err();
        assert!(e.to_string().contains("halted"), "{e}");
    }
}
