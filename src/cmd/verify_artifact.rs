//! `deployctl verify-artifact FILE [--sha256 HEX]`: the check a deploy command runs on what it
//! downloaded, against the digest the signed release pins (`publish --artifact-sha256`, given
//! to every command as `DEPLOYCTL_ARTIFACT_SHA256`).

use std::io::Read;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;
use sha2::Digest;

use super::Ctx;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct VerifyArtifactArgs {
    /// The file to check
    pub file: PathBuf,
    /// The SHA-256 it must have (64 hex digits) [default: $DEPLOYCTL_ARTIFACT_SHA256, set by the
    /// agent for a release published with --artifact-sha256]
    #[arg(long, value_name = "HEX", env = "DEPLOYCTL_ARTIFACT_SHA256")]
    pub sha256: Option<String>,
}

#[derive(Serialize)]
struct Verified<'a> {
    file: String,
    sha256: &'a str,
}

pub fn run(ctx: &Ctx, args: VerifyArtifactArgs) -> Result<()> {
    let Some(expected) = &args.sha256 else {
        return Err(Error::Usage(
            "no digest to check against: pass --sha256 HEX (or run under an agent for a release \
             published with --artifact-sha256)"
                .into(),
        ));
    };
    let expected = crate::validate::sha256(expected)?;
    let mut file = std::fs::File::open(&args.file)
        .map_err(|e| Error::invalid("artifact", args.file.display(), e.to_string()))?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| Error::io(format!("reading {}", args.file.display()), e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let actual: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if actual != expected {
        return Err(Error::Failed(format!(
            "{} has sha256 {actual}, the release pins {expected}: do not deploy it",
            args.file.display()
        )));
    }
    if ctx.printer.is_json() {
        ctx.printer.json(&Verified {
            file: args.file.display().to_string(),
            sha256: &actual,
        });
    } else {
        ctx.printer
            .line(&format!("{}: sha256 {actual} OK", args.file.display()));
    }
    Ok(())
}
