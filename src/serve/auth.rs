//! The token guarding the controls: `Authorization: Bearer TOKEN` for the API; for the page a
//! login form that sets a session cookie, and a CSRF token in every control form.
//!
//! Stateless like the rest of `serve`: a session is `EXPIRY.NONCE.MAC` with the MAC an
//! HMAC-SHA1 keyed by the token, so every instance reading the same token file accepts it, and
//! a new token ends every session. The CSRF token of a session is the MAC of the session
//! (a form posted from another site cannot know it; the cookie is also `SameSite=Strict`).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};
use axum::http::HeaderMap;
use axum::http::header;
use sha1::Sha1;

pub const COOKIE: &str = "deployctl_session";
/// How long a login lasts.
pub const SESSION: Duration = Duration::from_secs(12 * 3600);

/// HMAC-SHA1 (RustCrypto's `hmac`).
fn hmac(key: &[u8], msg: &[u8]) -> [u8; 20] {
    use hmac::{KeyInit, Mac};
    // Any key length is valid for HMAC: this cannot fail.
    let mut m = <hmac::Hmac<Sha1> as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
    m.update(msg);
    m.finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compare without leaking where the first difference is (`subtle`).
pub fn same(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
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

/// Wrong tokens tolerated from one client address per window; after that its token attempts
/// (the login form, `Authorization` headers) are answered 429 until the window ends.
pub const GUESSES: u32 = 10;
pub const GUESS_WINDOW: Duration = Duration::from_secs(60);
/// Addresses remembered at most (expired windows go first).
const GUESS_ADDRESSES: usize = 10_000;

/// Wrong-token counts by client address, in fixed windows. Behind a reverse proxy every client
/// has the proxy's address: a guesser then blocks everyone's token attempts for a window (not
/// their logged-in sessions); `X-Forwarded-For` is not trusted, it is the guesser's to write.
#[derive(Debug, Default)]
pub struct Guesses(std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, (Instant, u32)>>);

impl Guesses {
    /// How long `ip` must wait before its next token attempt counts, if it has used up its
    /// wrong guesses.
    pub fn blocked(&self, ip: std::net::IpAddr, now: Instant) -> Option<Duration> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (start, n) = map.get(&ip)?;
        let end = *start + GUESS_WINDOW;
        (*n >= GUESSES && now < end).then(|| end - now)
    }

    /// `ip` presented a wrong (or no) token.
    pub fn failed(&self, ip: std::net::IpAddr, now: Instant) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= GUESS_ADDRESSES {
            map.retain(|_, (start, _)| now < *start + GUESS_WINDOW);
            if map.len() >= GUESS_ADDRESSES {
                map.clear();
            }
        }
        let e = map.entry(ip).or_insert((now, 0));
        if now >= e.0 + GUESS_WINDOW {
            *e = (now, 0);
        }
        e.1 += 1;
    }
}

/// The token in `path`: one line, at least 16 characters (it is all that guards the controls).
pub fn read_token(path: &std::path::Path) -> Result<String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::input_file("--token-file", path, e))?;
    let token = text.trim();
    if token.lines().count() != 1 || token.len() < 16 {
        return Err(Error::invalid(
            "--token-file",
            path.display(),
            "must hold one line of at least 16 characters",
        ));
    }
    Ok(token.to_string())
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
    fn wrong_guesses_block_an_address_for_the_rest_of_its_window() {
        let g = Guesses::default();
        let (a, b) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        for _ in 0..GUESSES - 1 {
            g.failed(a, t0);
        }
        assert_eq!(g.blocked(a, t0), None);
        g.failed(a, t0);
        let later = t0 + Duration::from_secs(20);
        assert_eq!(
            g.blocked(a, later),
            Some(GUESS_WINDOW - Duration::from_secs(20))
        );
        assert_eq!(g.blocked(b, later), None, "another address is not affected");
        // A new window starts afresh.
        let next = t0 + GUESS_WINDOW;
        assert_eq!(g.blocked(a, next), None);
        g.failed(a, next);
        assert_eq!(g.blocked(a, next), None);
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
