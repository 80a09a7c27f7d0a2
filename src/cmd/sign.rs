//! `--sign-key` / `--sign-ttl`, shared by every command that writes a release (publish,
//! rollback, restart) or approves one (promote).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::error::Result;
use crate::signing::{DEFAULT_TTL, Signer};

#[derive(Debug, Clone, Default, Args)]
pub struct SignFlags {
    /// Sign with this OpenSSH private key (unencrypted; ed25519): agents with
    /// `require_signatures` run only what a key in their trusted_signers file signed
    #[arg(long, value_name = "FILE", env = "DEPLOYCTL_SIGN_KEY")]
    pub sign_key: Option<PathBuf>,
    /// How long the signature is valid; agents refuse it after that [default: 24h]
    #[arg(
        long,
        value_parser = crate::validate::duration,
        value_name = "DURATION",
        env = "DEPLOYCTL_SIGN_TTL"
    )]
    pub sign_ttl: Option<Duration>,
}

impl SignFlags {
    /// The signer, loaded (exit 2 naming the file when it is no usable key).
    pub fn signer(&self) -> Result<Option<Signer>> {
        match &self.sign_key {
            Some(path) => Ok(Some(Signer::load(
                path,
                self.sign_ttl.unwrap_or(DEFAULT_TTL),
            )?)),
            None if self.sign_ttl.is_some() => Err(crate::error::Error::Usage(
                "--sign-ttl only applies with --sign-key".into(),
            )),
            None => Ok(None),
        }
    }
}
