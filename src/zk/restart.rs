//! Publishing a rolling restart: the current release again, kind `restart`, in one
//! compare-and-set write against the app node it was built from.

use super::Zk;
use super::cas::{self, Attempt};
use crate::error::{Error, Result, ZkContext};
use crate::model::{ReleaseSpec, now_rfc3339};
use crate::policy::{self, restart::RestartRequest};

impl Zk {
    /// Publish the restart of `app`'s current release (see `policy::restart::restart_spec`).
    pub async fn publish_restart(
        &self,
        app: &str,
        req: &RestartRequest,
        signer: Option<&crate::signing::Signer>,
    ) -> Result<ReleaseSpec> {
        let path = self.layout.app(app);
        cas::retry!(format!("restarting {app}"), {
            let (node, version) = match self.client.check_stat(&path).await {
                Ok(Some(_)) => self.read_app_node(app).await?,
                Ok(None) => return Err(Error::NoSuchApp(app.to_string())),
                Err(e) => return Err(Error::zk(format!("reading {path}"), e)),
            };
            let Some(mut current) = node else {
                return Err(Error::invalid(
                    "app",
                    app,
                    "has no usable current release to restart",
                ));
            };
            // A halt recorded only in the ledger (agents without app-node rights) counts too.
            let ledger = match self.read_ledger(app, current.release).await {
                Ok(l) => l.map(|(l, _)| l),
                Err(Error::Invalid { .. }) => None,
                Err(e) => return Err(e),
            };
            current.state = policy::effective_state(&current, ledger.as_ref());
            let mut spec = policy::restart::restart_spec(&current, req)?;
            let (_, next) = self.next_release_id(app).await?;
            spec.release = next;
            spec.previous = Some(current.release);
            spec.previous_version = Some(current.version.clone());
            spec.published_at = now_rfc3339();
            // The current release's signature does not cover a restart: signed afresh or none.
            spec.signature = None;
            if let Some(signer) = signer {
                signer.sign(&mut spec, std::time::SystemTime::now())?;
            }
            let mut multi = self.client.new_multi_writer();
            multi
                .add_set_data(&path, &spec.to_json(), Some(version))
                .zk_context(|| "building restart")?;
            self.add_release_creation(&mut multi, &spec)?;
            Ok(
                match cas::commit(multi, format!("restarting {app}")).await? {
                    Attempt::Done(()) => Attempt::Done(spec),
                    Attempt::Conflict => Attempt::Conflict,
                },
            )
        })
    }
}
