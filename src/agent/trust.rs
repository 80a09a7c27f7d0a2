//! Signed releases on the agent: which apps require signatures (`trusted_signers`,
//! `require_signatures`), the check of a spec before anything else happens, and the on-disk
//! record of the signed releases this host ran (replay protection). See docs/security.md.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use super::AgentSettings;
use super::config::AgentConfig;
use crate::error::{Error, Result};
use crate::model::ReleaseSpec;
use crate::signing::{self, AllowedSigners, RanRecord, Refusal, Verified};

/// One app's signature policy.
#[derive(Debug)]
pub struct TrustPolicy {
    pub signers: AllowedSigners,
    /// Unsigned releases are refused too (else only a signature that fails is).
    pub required: bool,
}

/// The policy of each served app that has one: the app's own `trusted_signers` /
/// `require_signatures`, else the top-level ones. Loaded at start and at every reload, so a
/// rotated trust file takes effect on SIGHUP.
pub fn load_policies(
    config: &AgentConfig,
    apps: &[String],
) -> Result<BTreeMap<String, Arc<TrustPolicy>>> {
    let mut files: BTreeMap<PathBuf, AllowedSigners> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for app in apps {
        let local = config.apps.get(app);
        let file = local
            .and_then(|l| l.trusted_signers.clone())
            .or_else(|| config.trusted_signers.clone());
        let required = local
            .and_then(|l| l.require_signatures)
            .or(config.require_signatures)
            .unwrap_or(false);
        let Some(file) = file else {
            if required {
                return Err(Error::invalid(
                    "require_signatures",
                    app,
                    "needs a trusted_signers file (top level or in [apps.APP])",
                ));
            }
            continue;
        };
        if !files.contains_key(&file) {
            files.insert(file.clone(), AllowedSigners::load(&file)?);
        }
        let signers = files[&file].clone();
        out.insert(app.clone(), Arc::new(TrustPolicy { signers, required }));
    }
    Ok(out)
}

/// May this host act on `spec`? `Ok(None)`: the app has no policy, or the release is unsigned
/// and signatures are not required. Checked before the spec is rendered or a slot is asked for;
/// no ZooKeeper request (the trust file and the replay record are local).
pub(super) fn admit(
    settings: &AgentSettings,
    app: &str,
    spec: &ReleaseSpec,
) -> std::result::Result<Option<Verified>, Refusal> {
    let Some(policy) = settings.trust.get(app) else {
        return Ok(None);
    };
    if spec.signature.is_none() && !policy.required {
        return Ok(None);
    }
    let verified = signing::verify_release(&policy.signers, app, spec, SystemTime::now())?;
    let record = read_record(&record_path(&settings.state_dir, app));
    record.check(&verified, spec.rollback_of.is_some())?;
    Ok(Some(verified))
}

/// Remember, before its first command, that this host ran `v` (what later replays are judged by).
pub(super) fn note_ran(settings: &AgentSettings, app: &str, v: &Verified) -> Result<()> {
    let path = record_path(&settings.state_dir, app);
    let mut record = read_record(&path);
    record.note(v);
    let write = || -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // Whole or not at all: a torn record would forget what ran.
        let tmp = path.with_extension("tmp");
        let mut f = std::fs::File::create(&tmp)?;
        std::io::Write::write_all(&mut f, &serde_json::to_vec(&record).unwrap_or_default())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    };
    write().map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

fn record_path(state_dir: &Path, app: &str) -> PathBuf {
    state_dir.join("signed").join(format!("{app}.json"))
}

/// The record, or an empty one when there is none. An unreadable record is logged and read as
/// empty: the signature and expiry checks still hold, only older replays are not caught.
fn read_record(path: &Path) -> RanRecord {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            tracing::warn!("{} is unreadable ({e}); starting it afresh", path.display());
            RanRecord::default()
        }),
        Err(_) => RanRecord::default(),
    }
}
