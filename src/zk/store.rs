//! Typed reads and writes of release specs, host status and presence.
//!
//! Every write that depends on what was read is a versioned write or a multi-op.

use zookeeper_client as zkc;

use super::Zk;
use super::cas::{self, Attempt};
use super::layout::{parse_release_node, release_node_name};
use super::semaphore::Lease;
use crate::error::{Error, Result, ZkContext};
use crate::model::{HostStatus, Presence, ReleaseSpec};
use crate::validate;

/// What `publish` did.
#[derive(Debug, Clone)]
pub enum Published {
    Created(ReleaseSpec),
    /// The same request was already the current release: nothing written.
    Unchanged(ReleaseSpec),
}

impl Published {
    pub fn spec(&self) -> &ReleaseSpec {
        match self {
            Published::Created(s) | Published::Unchanged(s) => s,
        }
    }
}

/// The app node and history as `publish` reads them.
struct AppRead {
    node: Option<ReleaseSpec>,
    version: i32,
    release_ids: Vec<u64>,
}

fn unexpected_read(path: &str, got: Option<zkc::MultiReadResult>) -> Error {
    match got {
        Some(zkc::MultiReadResult::Error { err }) => Error::zk(format!("reading {path}"), err),
        other => Error::zk(
            format!("reading {path}: unexpected reply {other:?}"),
            zkc::Error::UnexpectedError("multi-read".into()),
        ),
    }
}

/// A status read back, or why it could not be used.
pub type StatusRead = std::result::Result<HostStatus, Error>;

/// What the app node holds right now (`Zk::read_spec_watched`).
pub enum SpecRead {
    Missing,
    Invalid(Error),
    Spec(Box<ReleaseSpec>),
}

impl SpecRead {
    pub fn spec(&self) -> Option<&ReleaseSpec> {
        match self {
            SpecRead::Spec(s) => Some(s),
            _ => None,
        }
    }
}

impl Zk {
    /// What the app node holds right now, plus a watcher for its next change (also when the
    /// node does not exist yet).
    pub async fn read_spec_watched(
        &self,
        app: &str,
    ) -> Result<(SpecRead, crate::zk::OneshotWatcher)> {
        let path = self.layout.app(app);
        loop {
            match self.client.get_data_cached(&path).await {
                Ok((data, _, w)) if data.is_empty() => return Ok((SpecRead::Missing, w)),
                Ok((data, _, w)) => {
                    let read = match ReleaseSpec::from_znode(app, &data) {
                        Ok(s) => SpecRead::Spec(Box::new(s)),
                        Err(e) => SpecRead::Invalid(e),
                    };
                    return Ok((read, w));
                }
                Err(zkc::Error::NoNode) => {
                    let (stat, w) = self
                        .client
                        .check_and_watch_stat(&path)
                        .await
                        .zk_context(|| format!("watching {path}"))?;
                    if stat.is_none() {
                        return Ok((SpecRead::Missing, w));
                    }
                }
                Err(e) => return Err(Error::zk(format!("reading {path}"), e)),
            }
        }
    }

    /// Create `apps/<app>` and its sub-directories if missing.
    pub async fn ensure_app(&self, app: &str) -> Result<()> {
        validate::app_name(app)?;
        for dir in self.layout.app_dirs(app) {
            self.ensure_path(&dir).await?;
        }
        Ok(())
    }

    /// Claim the event `name` of `app` for sending: `true` for the one caller whose create made
    /// the node, `false` for everyone after (another `serve` instance sends it).
    pub async fn claim_event(&self, app: &str, name: &str, data: &[u8]) -> Result<bool> {
        validate::app_name(app)?;
        self.ensure_path(&self.layout.events(app)).await?;
        let path = self.layout.event(app, name);
        let acls = self.acls(&path);
        let opts = zkc::CreateMode::Persistent.with_acls(zkc::Acls::new(&acls));
        match self.client.create(&path, data, &opts).await {
            Ok(_) => Ok(true),
            Err(zkc::Error::NodeExists) => Ok(false),
            Err(e) => Err(Error::zk(format!("creating {path}"), e)),
        }
    }

    /// The claim node of an event: its data and version; `None` when nobody claimed it.
    pub async fn read_claim(&self, app: &str, name: &str) -> Result<Option<(Vec<u8>, i32)>> {
        let path = self.layout.event(app, name);
        match self.client.get_data(&path).await {
            Ok((data, stat)) => Ok(Some((data, stat.version))),
            Err(zkc::Error::NoNode) => Ok(None),
            Err(e) => Err(Error::zk(format!("reading {path}"), e)),
        }
    }

    /// Replace a claim's data, if it is still at `version` (`None`: whatever it is): `false`
    /// when someone else changed (or pruned) it first.
    pub async fn set_claim(
        &self,
        app: &str,
        name: &str,
        data: &[u8],
        version: Option<i32>,
    ) -> Result<bool> {
        let path = self.layout.event(app, name);
        match self.client.set_data(&path, data, version).await {
            Ok(_) => Ok(true),
            Err(zkc::Error::BadVersion | zkc::Error::NoNode) => Ok(false),
            Err(e) => Err(Error::zk(format!("writing {path}"), e)),
        }
    }

    /// `Err(NoSuchApp)` when ZooKeeper has no node for `app` at all (nothing ever published,
    /// no agent registered); read commands call it when they found nothing to show.
    pub async fn require_app(&self, app: &str) -> Result<()> {
        let path = self.layout.app(app);
        match self.client.check_stat(&path).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(Error::NoSuchApp(app.to_string())),
            Err(e) => Err(Error::zk(format!("reading {path}"), e)),
        }
    }

    /// The current release spec and the node's version; `None` when nothing is published.
    /// A spec that fails validation is an error naming the node (never a command run).
    pub async fn read_spec(&self, app: &str) -> Result<Option<(ReleaseSpec, i32)>> {
        let path = self.layout.app(app);
        match self.client.get_data_cached(&path).await {
            Err(zkc::Error::NoNode) => Ok(None),
            Err(e) => Err(Error::zk(format!("reading {path}"), e)),
            Ok((data, _, _)) if data.is_empty() => Ok(None),
            Ok((data, stat, _)) => Ok(Some((ReleaseSpec::from_znode(app, &data)?, stat.version))),
        }
    }

    /// Publish `request` as the next release of its app: one multi-op that compare-and-sets
    /// `apps/<app>` and creates `releases/r-<id>`, retried when another publisher got there first.
    /// The id comes from the history, never from the app node (see `next_release_id`): a
    /// restored older, garbage or made-up spec there is replaced, it cannot block the publish.
    pub async fn publish(&self, request: &ReleaseSpec, force: bool) -> Result<Published> {
        Ok(self.publish_counted(request, force, None).await?.0)
    }

    /// `publish`, plus how many releases the history holds afterwards (for retention without
    /// another read). One multi-read (the app node, its directories, the history) and one
    /// multi-op; the app's directories are created only when that read finds one missing (the
    /// first publish). With a `signer` the spec is signed as written: again for each id a
    /// compare-and-set retry picks.
    pub async fn publish_counted(
        &self,
        request: &ReleaseSpec,
        force: bool,
        signer: Option<&crate::signing::Signer>,
    ) -> Result<(Published, usize)> {
        request.validate()?;
        let app = &request.app;
        validate::app_name(app)?;
        let path = self.layout.app(app);
        let mut ensured = false;
        cas::retry!(format!("publishing {app}"), {
            let Some(AppRead {
                node,
                version,
                release_ids,
            }) = self.read_app_for_publish(app).await?
            else {
                if ensured {
                    return Err(Error::zk(format!("reading {path}"), zkc::Error::NoNode));
                }
                self.ensure_app(app).await?;
                ensured = true;
                return Ok(Attempt::Conflict);
            };
            let newest = release_ids.iter().copied().max().unwrap_or(0);
            let next = self.successor(app, newest)?;
            if let Some(cur) = &node
                && !force
                && cur.release == newest
                && cur.same_request(request)
                && cur.state == crate::model::ReleaseState::Active
                // A signed request is not met by an unsigned release (nor the other way round).
                && cur.signature.is_some() == signer.is_some()
            {
                return Ok(Attempt::Done((
                    Published::Unchanged(cur.clone()),
                    release_ids.len(),
                )));
            }
            // A freeze stays with the app; only a break-glass request goes through it.
            let freeze = node
                .as_ref()
                .and_then(|n| n.freeze.clone())
                .filter(|f| f.active(std::time::SystemTime::now()));
            if let Some(f) = &freeze
                && request.freeze_override.is_none()
            {
                return Err(Error::invalid(
                    "publish",
                    app,
                    format!(
                        "{app} is {}: `deployctl unfreeze {app}`, or publish with \
                         --override-freeze REASON (recorded in the history)",
                        f.describe()
                    ),
                ));
            }
            let replaced = self.replaced_release(app, node, newest).await?;
            let mut spec = request.clone();
            spec.freeze = freeze;
            spec.release = next;
            spec.previous = replaced.as_ref().map(|c| c.release);
            spec.previous_version = replaced.as_ref().map(|c| c.version.clone());
            spec.published_at = crate::model::now_rfc3339();
            spec.signature = None;
            if let Some(signer) = signer {
                signer.sign(&mut spec, std::time::SystemTime::now())?;
            }
            let json = spec.to_json();
            let mut multi = self.client.new_multi_writer();
            multi
                .add_set_data(&path, &json, Some(version))
                .zk_context(|| "building publish request")?;
            self.add_release_creation(&mut multi, &spec)?;
            Ok(
                match cas::commit(multi, format!("publishing {app}")).await? {
                    Attempt::Done(()) => {
                        Attempt::Done((Published::Created(spec), release_ids.len() + 1))
                    }
                    Attempt::Conflict => {
                        tracing::debug!("publish of {app} raced another publisher; retrying");
                        Attempt::Conflict
                    }
                },
            )
        })
    }

    /// What `publish` needs, in one multi-read: the app node (spec when usable, and version),
    /// and the history's ids. `None` when the app node or one of its directories is missing.
    async fn read_app_for_publish(&self, app: &str) -> Result<Option<AppRead>> {
        let path = self.layout.app(app);
        let releases = self.layout.releases(app);
        let mut reader = self.client.new_multi_reader();
        reader
            .add_get_data(&path)
            .zk_context(|| "building publish read")?;
        reader
            .add_get_children(&path)
            .zk_context(|| "building publish read")?;
        reader
            .add_get_children(&releases)
            .zk_context(|| "building publish read")?;
        let mut results = reader
            .commit()
            .await
            .zk_context(|| format!("reading {path}"))?
            .into_iter();
        let (data, stat) = match results.next() {
            Some(zkc::MultiReadResult::Data { data, stat }) => (data, stat),
            Some(zkc::MultiReadResult::Error {
                err: zkc::Error::NoNode,
            }) => return Ok(None),
            other => return Err(unexpected_read(&path, other)),
        };
        match results.next() {
            Some(zkc::MultiReadResult::Children { children }) => {
                let dirs = self.layout.app_dirs(app);
                let missing = dirs.iter().any(|d| {
                    let name = d.rsplit('/').next().unwrap_or_default();
                    !children.iter().any(|c| c == name)
                });
                if missing {
                    return Ok(None);
                }
            }
            other => return Err(unexpected_read(&path, other)),
        }
        let release_ids = match results.next() {
            Some(zkc::MultiReadResult::Children { children }) => children
                .iter()
                .filter_map(|c| parse_release_node(c))
                .collect(),
            Some(zkc::MultiReadResult::Error {
                err: zkc::Error::NoNode,
            }) => return Ok(None),
            other => return Err(unexpected_read(&releases, other)),
        };
        let node = if data.is_empty() {
            None
        } else {
            match ReleaseSpec::from_znode(app, &data) {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::warn!("{path} holds an unusable spec: {e}");
                    None
                }
            }
        };
        Ok(Some(AppRead {
            node,
            version: stat.version,
            release_ids,
        }))
    }

    /// The app node for a compare-and-set update: its spec when usable (`None` when empty or
    /// unusable, with a warning), and its version.
    pub(crate) async fn read_app_node(&self, app: &str) -> Result<(Option<ReleaseSpec>, i32)> {
        let path = self.layout.app(app);
        let (data, stat) = self
            .client
            .get_data(&path)
            .await
            .zk_context(|| format!("reading {path}"))?;
        if data.is_empty() {
            return Ok((None, stat.version));
        }
        match ReleaseSpec::from_znode(app, &data) {
            Ok(s) => Ok((Some(s), stat.version)),
            Err(e) => {
                tracing::warn!("{path} holds an unusable spec: {e}");
                Ok((None, stat.version))
            }
        }
    }

    /// The newest release id in the history (0 when empty) and the next one. Ids come from the
    /// history because it only grows (retention never prunes the newest release); the app node
    /// can be overwritten with an older or made-up spec. An id with no successor (u64::MAX,
    /// planted by hand) is an error naming the node rather than a wrap to 0.
    pub async fn next_release_id(&self, app: &str) -> Result<(u64, u64)> {
        let newest = self.last_release_id(app).await?;
        Ok((newest, self.successor(app, newest)?))
    }

    fn successor(&self, app: &str, newest: u64) -> Result<u64> {
        newest.checked_add(1).ok_or_else(|| {
            Error::invalid(
                "release history",
                self.layout.release(app, newest),
                "has the largest possible release id, so no release can follow it; delete that node",
            )
        })
    }

    /// The release an update of the app node replaces: the node's spec when it names a release
    /// of the history (a restored older one included); else — unusable, or an id the history
    /// never had — the newest release of the history.
    pub(crate) async fn replaced_release(
        &self,
        app: &str,
        node: Option<ReleaseSpec>,
        newest: u64,
    ) -> Result<Option<ReleaseSpec>> {
        match node {
            Some(s) if s.release >= 1 && s.release <= newest => Ok(Some(s)),
            Some(s) => {
                tracing::warn!(
                    "apps/{app} names release {}, which the history (up to {newest}) never had; \
                     replacing it",
                    s.release
                );
                self.newest_release(app, newest).await
            }
            None => self.newest_release(app, newest).await,
        }
    }

    async fn newest_release(&self, app: &str, newest: u64) -> Result<Option<ReleaseSpec>> {
        if newest == 0 {
            return Ok(None);
        }
        match self.release_spec(app, newest).await {
            Ok(s) => Ok(s),
            Err(e @ Error::Invalid { .. }) => {
                tracing::warn!("{e}");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Highest release id in the history (0 when empty).
    pub async fn last_release_id(&self, app: &str) -> Result<u64> {
        Ok(self.release_ids(app).await?.into_iter().max().unwrap_or(0))
    }

    /// Ids of the releases in the history (unsorted).
    pub async fn release_ids(&self, app: &str) -> Result<Vec<u64>> {
        let dir = self.layout.releases(app);
        let children = match self.client.list_children(&dir).await {
            Err(zkc::Error::NoNode) => vec![],
            r => r.zk_context(|| format!("listing {dir}"))?,
        };
        Ok(children
            .iter()
            .filter_map(|c| parse_release_node(c))
            .collect())
    }

    /// Delete releases (each with its ledger) from the history; ones already gone are fine.
    /// Which ones is `rollout::retention`'s decision.
    pub async fn delete_releases(&self, app: &str, ids: &[u64]) -> Result<()> {
        for id in ids {
            for path in [self.ledger_path(app, *id), self.layout.release(app, *id)] {
                match self.client.delete(&path, None).await {
                    Ok(()) | Err(zkc::Error::NoNode) => {}
                    Err(e) => return Err(Error::zk(format!("deleting {path}"), e)),
                }
            }
        }
        // The webhook claims of those releases (`serve`) go with them.
        let events = self.layout.events(app);
        let claims = match self.client.list_children(&events).await {
            Err(zkc::Error::NoNode) => vec![],
            r => r.zk_context(|| format!("listing {events}"))?,
        };
        for claim in claims {
            let pruned = ids
                .iter()
                .any(|id| claim.starts_with(&format!("{}-", release_node_name(*id))));
            if pruned {
                let path = self.layout.event(app, &claim);
                match self.client.delete(&path, None).await {
                    Ok(()) | Err(zkc::Error::NoNode) => {}
                    Err(e) => return Err(Error::zk(format!("deleting {path}"), e)),
                }
            }
        }
        Ok(())
    }

    /// All releases in the history, oldest first; unreadable entries are skipped with a warning.
    pub async fn releases(&self, app: &str) -> Result<Vec<ReleaseSpec>> {
        let dir = self.layout.releases(app);
        let children = match self.client.list_children(&dir).await {
            Err(zkc::Error::NoNode) => return Ok(vec![]),
            r => r.zk_context(|| format!("listing {dir}"))?,
        };
        let mut ids: Vec<u64> = children
            .iter()
            .filter_map(|c| parse_release_node(c))
            .collect();
        ids.sort_unstable();
        let reads: Vec<_> = ids
            .iter()
            .map(|id| self.client.get_data(&self.layout.release(app, *id)))
            .collect();
        let mut out = vec![];
        for (id, read) in ids.into_iter().zip(reads) {
            let (data, _) = read
                .await
                .zk_context(|| format!("reading release {id} of {app}"))?;
            match ReleaseSpec::from_znode(app, &data) {
                Ok(s) => out.push(s),
                Err(e) => tracing::warn!("skipping release {id} of {app}: {e}"),
            }
        }
        Ok(out)
    }

    /// Names of all apps (invalid names, planted by hand, are skipped).
    pub async fn list_apps(&self) -> Result<Vec<String>> {
        let dir = self.layout.apps();
        let mut apps = match self.client.list_children(&dir).await {
            Err(zkc::Error::NoNode) => vec![],
            r => r.zk_context(|| format!("listing {dir}"))?,
        };
        apps.retain(|a| validate::app_name(a).is_ok());
        apps.sort();
        Ok(apps)
    }

    /// Registered agents of `app` with their presence data.
    pub async fn hosts(&self, app: &str) -> Result<Vec<(String, Option<Presence>)>> {
        let dir = self.layout.hosts(app);
        let hosts = match self.client.list_children(&dir).await {
            Err(zkc::Error::NoNode) => vec![],
            r => host_names(r.zk_context(|| format!("listing {dir}"))?),
        };
        let paths: Vec<String> = hosts.iter().map(|h| self.layout.host(app, h)).collect();
        let reads = self
            .client
            .get_many(&paths)
            .await
            .zk_context(|| format!("reading the presence nodes under {dir}"))?;
        let mut out = vec![];
        for (host, read) in hosts.into_iter().zip(reads) {
            match read {
                Ok(data) => out.push((host, serde_json::from_slice(&data).ok())),
                Err(zkc::Error::NoNode) => {}
                Err(e) => return Err(Error::zk(format!("reading presence of {host}"), e)),
            }
        }
        Ok(out)
    }

    /// Names of the registered agents of `app`, plus a watcher for the next arrival or departure.
    pub async fn registered_watched(
        &self,
        app: &str,
    ) -> Result<(Vec<String>, crate::zk::OneshotWatcher)> {
        let dir = self.layout.hosts(app);
        let (hosts, _, watcher) = self
            .client
            .get_and_watch_children(&dir)
            .await
            .zk_context(|| format!("listing {dir}"))?;
        Ok((host_names(hosts), watcher))
    }

    /// Names of the registered agents of `app` (one read, none while no agent came or went
    /// since the last; `hosts` also reads each presence).
    pub async fn registered(&self, app: &str) -> Result<Vec<String>> {
        let dir = self.layout.hosts(app);
        match self.client.list_children_cached(&dir).await {
            Err(zkc::Error::NoNode) => Ok(vec![]),
            r => Ok(host_names(r.zk_context(|| format!("listing {dir}"))?.0)),
        }
    }

    /// Every host's status for `app`, by host name; unparsable ones are reported as errors.
    pub async fn statuses(&self, app: &str) -> Result<Vec<(String, StatusRead)>> {
        let dir = self.layout.statuses(app);
        let mut hosts = match self.client.list_children(&dir).await {
            Err(zkc::Error::NoNode) => vec![],
            r => r.zk_context(|| format!("listing {dir}"))?,
        };
        hosts.retain(|h| validate::host_name(h).is_ok());
        hosts.sort();
        let paths: Vec<String> = hosts.iter().map(|h| self.layout.status(app, h)).collect();
        let reads = self
            .client
            .get_many(&paths)
            .await
            .zk_context(|| format!("reading the statuses under {dir}"))?;
        let mut out = vec![];
        for (host, read) in hosts.into_iter().zip(reads) {
            match read {
                Ok(data) if data.is_empty() => {}
                Ok(data) => {
                    let st = HostStatus::from_znode(&host, &data).and_then(|st| {
                        if st.host == host {
                            Ok(st)
                        } else {
                            Err(Error::invalid(
                                "host status",
                                &host,
                                format!("names host {:?}", st.host),
                            ))
                        }
                    });
                    out.push((host, st));
                }
                Err(zkc::Error::NoNode) => {}
                Err(e) => return Err(Error::zk(format!("reading status of {host}"), e)),
            }
        }
        Ok(out)
    }

    /// One host's status (`None` when it has none yet or it is unreadable).
    pub async fn status_of(&self, app: &str, host: &str) -> Result<Option<HostStatus>> {
        let path = self.layout.status(app, host);
        match self.client.get_data(&path).await {
            Err(zkc::Error::NoNode) => Ok(None),
            Err(e) => Err(Error::zk(format!("reading {path}"), e)),
            Ok((data, _)) if data.is_empty() => Ok(None),
            Ok((data, _)) => match HostStatus::from_znode(host, &data) {
                Ok(st) => Ok(Some(st)),
                Err(e) => {
                    tracing::warn!("ignoring unusable status in {path}: {e}");
                    Ok(None)
                }
            },
        }
    }

    /// Write a host's status. With `fence`, the write is one multi-op with a check that our slot
    /// lease still exists at the version we wrote: an agent whose session expired (and so lost
    /// its lease) cannot overwrite what happened after.
    pub async fn write_status(
        &self,
        app: &str,
        status: &HostStatus,
        fence: Option<&Lease>,
    ) -> Result<()> {
        let path = self.layout.status(app, &status.host);
        let json = status.to_json();
        let Some(lease) = fence else {
            return match self.client.set_data(&path, &json, None).await {
                Ok(_) => Ok(()),
                Err(zkc::Error::NoNode) => match self
                    .client
                    .create(
                        &path,
                        &json,
                        &zkc::CreateMode::Persistent.with_acls(zkc::Acls::new(&self.acls(&path))),
                    )
                    .await
                {
                    Ok(_) => Ok(()),
                    Err(zkc::Error::NodeExists) => self
                        .client
                        .set_data(&path, &json, None)
                        .await
                        .map(|_| ())
                        .zk_context(|| format!("writing {path}")),
                    Err(e) => Err(Error::zk(format!("writing {path}"), e)),
                },
                Err(e) => Err(Error::zk(format!("writing {path}"), e)),
            };
        };
        let mut multi = self.client.new_multi_writer();
        // The first fenced write after the slot was granted also marks the lease `holding`
        // (the promotion and the status in one round trip, see `Lease::defer_holding`).
        let promote = !lease.holding_written();
        if promote {
            let version = lease.version();
            multi
                .add_set_data(&lease.path, &lease.holding_data(), Some(version))
                .zk_context(|| "building status write")?;
            // A set makes the version exactly one more. Recorded before the reply, so a fenced
            // write sent meanwhile checks the version this one makes: requests of one session
            // are applied in order, and if this one fails, that one fails its check too.
            lease.set_holding(version + 1);
        } else {
            multi
                .add_check_version(&lease.path, lease.version())
                .zk_context(|| "building status write")?;
        }
        multi
            .add_set_data(&path, &json, None)
            .zk_context(|| "building status write")?;
        match multi.commit().await {
            Ok(_) => Ok(()),
            Err(zkc::MultiWriteError::OperationFailed { index: 0, source }) => {
                Err(fenced_off(&status.host, lease, source))
            }
            Err(e) => Err(Error::zk(format!("writing {path}"), e.into())),
        }
    }

    /// Make sure a status node exists so fenced writes can be plain `set_data`s.
    pub async fn ensure_status_node(&self, app: &str, host: &str) -> Result<()> {
        let path = self.layout.status(app, host);
        let acls = self.acls(&path);
        match self
            .client
            .create(
                &path,
                b"",
                &zkc::CreateMode::Persistent.with_acls(zkc::Acls::new(&acls)),
            )
            .await
        {
            Ok(_) | Err(zkc::Error::NodeExists) => Ok(()),
            Err(e) => Err(Error::zk(format!("creating {path}"), e)),
        }
    }

    /// Delete an app and everything under it.
    pub async fn delete_app(&self, app: &str) -> Result<()> {
        validate::app_name(app)?;
        self.delete_tree(&self.layout.app(app)).await
    }

    /// Remove `host`'s status from `app` (`hosts delete`); false when it had none.
    pub async fn delete_status(&self, app: &str, host: &str) -> Result<bool> {
        validate::app_name(app)?;
        validate::host_name(host)?;
        let path = self.layout.status(app, host);
        let existed = self.client.get_data(&path).await.is_ok();
        self.delete_tree(&path).await?;
        Ok(existed)
    }

    async fn delete_tree(&self, path: &str) -> Result<()> {
        // Depth-first; children that vanish meanwhile (ephemerals) are fine.
        let mut stack = vec![(path.to_string(), false)];
        while let Some((p, expanded)) = stack.pop() {
            if expanded {
                match self.client.delete(&p, None).await {
                    Ok(()) | Err(zkc::Error::NoNode) => {}
                    Err(zkc::Error::NotEmpty) => stack.push((p, false)),
                    Err(e) => return Err(Error::zk(format!("deleting {p}"), e)),
                }
                continue;
            }
            let children = match self.client.list_children(&p).await {
                Err(zkc::Error::NoNode) => continue,
                r => r.zk_context(|| format!("listing {p}"))?,
            };
            stack.push((p.clone(), true));
            for c in children {
                stack.push((format!("{p}/{c}"), false));
            }
        }
        Ok(())
    }
}

/// A status write refused because our slot lease is gone (or not ours any more).
pub(crate) fn fenced_off(host: &str, lease: &Lease, source: zkc::Error) -> Error {
    Error::zk(
        format!(
            "status write for {host} fenced off: slot lease {} is gone",
            lease.path
        ),
        source,
    )
}

/// Children of a `hosts/` node that are host names (planted junk is ignored), sorted.
fn host_names(mut children: Vec<String>) -> Vec<String> {
    children.retain(|h| validate::host_name(h).is_ok());
    children.sort();
    children
}
