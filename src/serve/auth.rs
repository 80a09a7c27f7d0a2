//! The token guarding the controls: `Authorization: Bearer TOKEN` for the API; for the page a
//! login form that sets a session cookie, and a CSRF token in every control form.
//!
//! Stateless like the rest of `serve`: a session is `EXPIRY.NONCE.MAC` with the MAC an
//! HMAC-SHA1 keyed by the token, so every instance reading the same token file accepts it, and
//! a new token ends every session. The CSRF token of a session is the MAC of the session
//! (a form posted from another site cannot know it; the cookie is also `SameSite=Strict`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::HeaderMap;
use axum::http::header;
use sha1::{Digest, Sha1};

pub const COOKIE: &str = "deployctl_session";
/// How long a login lasts.
pub const SESSION: Duration = Duration::from_secs(12 * 3600);

fn hmac(key: &[u8], msg: &[u8]) -> [u8; 20] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..20].copy_from_slice(&Sha1::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha1::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let mut outer = Sha1::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compare without leaking where the first difference is.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn nonce() -> String {
    let mut buf = [0u8; 16];
    // The kernel's randomness; a failure leaves a time-based nonce (the MAC still needs the token).
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut buf))
        .is_err()
    {
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        buf.copy_from_slice(&t.to_le_bytes());
    }
    hex(&buf)
}

/// A fresh random token (for a throwaway server such as the sandbox's).
pub fn random_token() -> String {
    format!("{}{}", nonce(), nonce())
}

/// A new session cookie value, signed with `token`.
pub fn new_session(token: &str) -> String {
    let body = format!("{}.{}", now_secs() + SESSION.as_secs(), nonce());
    let mac = hex(&hmac(
        token.as_bytes(),
        format!("session:{body}").as_bytes(),
    ));
    format!("{body}.{mac}")
}

/// Whether `value` is an unexpired session signed with `token`.
pub fn valid_session(token: &str, value: &str) -> bool {
    let Some((body, mac)) = value.rsplit_once('.') else {
        return false;
    };
    let Some(expiry) = body
        .split_once('.')
        .and_then(|(e, _)| e.parse::<u64>().ok())
    else {
        return false;
    };
    let want = hex(&hmac(
        token.as_bytes(),
        format!("session:{body}").as_bytes(),
    ));
    same(want.as_bytes(), mac.as_bytes()) && expiry > now_secs()
}

/// The CSRF token the forms of `session` carry.
pub fn csrf_token(token: &str, session: &str) -> String {
    hex(&hmac(
        token.as_bytes(),
        format!("csrf:{session}").as_bytes(),
    ))
}

/// The session cookie's value, if the request has one.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// The logged-in session of this request (its cookie, checked), if any.
pub fn session(token: Option<&str>, headers: &HeaderMap) -> Option<String> {
    let token = token?;
    session_cookie(headers).filter(|s| valid_session(token, s))
}

/// Whether the request carries `Authorization: Bearer TOKEN` with the right token.
pub fn bearer_ok(token: &str, headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| same(t.trim().as_bytes(), token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha1_matches_rfc_2202() {
        assert_eq!(
            hex(&hmac(b"Jefe", b"what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }

    #[test]
    fn sessions_are_bound_to_the_token() {
        let s = new_session("secret-token");
        assert!(valid_session("secret-token", &s));
        assert!(!valid_session("other-token", &s));
        let mut forged = s.clone();
        forged.replace_range(..1, "9");
        assert!(!valid_session("secret-token", &forged));
        assert!(!valid_session("secret-token", "garbage"));
        assert!(!valid_session("secret-token", "1.2.3"));
        assert_ne!(csrf_token("secret-token", &s), csrf_token("other", &s));
    }
}
