//! Server-side sessions: a random 256-bit id in an HttpOnly, SameSite=Strict cookie, and
//! everything else (the CSRF token, who logged in, the next flash message) in memory.
//!
//! Keeping the state server-side means a cookie carries no data worth stealing besides the id,
//! logging out really ends the session, and restarting `serve` logs everybody out (acceptable
//! for a local review tool). Anonymous sessions exist too: the login form itself is a POST and
//! needs a CSRF token before anybody has logged in.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngCore;

/// The session cookie's name.
pub(crate) const COOKIE: &str = "lb_session";

/// How long an unused session lives.
const IDLE: Duration = Duration::from_secs(12 * 60 * 60);

/// More live sessions than this evicts the least recently used: a client that never sends the
/// cookie back (a script, a scanner) must not grow the map without bound.
const MAX_SESSIONS: usize = 4096;

/// How serious a flash message is (it picks the colour and the ARIA role).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FlashLevel {
    /// Something was done.
    Success,
    /// Something was refused.
    Error,
}

/// A one-shot message shown on the next page a session renders (post/redirect/get).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Flash {
    pub(crate) level: FlashLevel,
    pub(crate) message: String,
}

impl Flash {
    pub(crate) fn success(message: impl Into<String>) -> Self {
        Self {
            level: FlashLevel::Success,
            message: message.into(),
        }
    }

    pub(crate) fn error(message: impl Into<String>) -> Self {
        Self {
            level: FlashLevel::Error,
            message: message.into(),
        }
    }

    /// The CSS class of the message box.
    pub(crate) fn class(&self) -> &'static str {
        match self.level {
            FlashLevel::Success => "flash ok",
            FlashLevel::Error => "flash err",
        }
    }
}

struct Entry {
    csrf: String,
    user: Option<String>,
    flash: Option<Flash>,
    last_seen: Instant,
}

/// What a handler knows about the session of its request (put in the request's extensions by
/// the guard).
#[derive(Clone, Debug)]
pub(crate) struct CurrentSession {
    /// The session id (the cookie value). Never logged.
    pub(crate) id: String,
    /// The token every POST form of this session must carry.
    pub(crate) csrf: String,
    /// Who logged in, when a password is configured (`None` before login).
    pub(crate) user: Option<String>,
}

impl CurrentSession {
    /// Who acts, for the ledger's audit trail: `web`, or `web:<name>` after a login.
    pub(crate) fn actor(&self) -> String {
        match &self.user {
            Some(user) => format!("web:{user}"),
            None => "web".to_owned(),
        }
    }
}

/// The in-memory session store.
pub(crate) struct SessionStore {
    sessions: Mutex<HashMap<String, Entry>>,
}

impl SessionStore {
    pub(crate) fn new() -> Self {
        Self {
            sessions: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock leaves plain data behind, still consistent.
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts a session (anonymous with `user: None`).
    pub(crate) fn create(&self, user: Option<String>) -> CurrentSession {
        let now = Instant::now();
        let id = random_token();
        let csrf = random_token();
        let mut sessions = self.lock();
        sessions.retain(|_, e| now.duration_since(e.last_seen) < IDLE);
        if sessions.len() >= MAX_SESSIONS {
            let oldest = sessions
                .iter()
                .min_by_key(|(_, e)| e.last_seen)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                sessions.remove(&oldest);
            }
        }
        sessions.insert(
            id.clone(),
            Entry {
                csrf: csrf.clone(),
                user: user.clone(),
                flash: None,
                last_seen: now,
            },
        );
        CurrentSession { id, csrf, user }
    }

    /// The live session with this id, marking it used; `None` for an unknown or expired id.
    pub(crate) fn touch(&self, id: &str) -> Option<CurrentSession> {
        let now = Instant::now();
        let mut sessions = self.lock();
        let entry = sessions.get_mut(id)?;
        if now.duration_since(entry.last_seen) >= IDLE {
            sessions.remove(id);
            return None;
        }
        entry.last_seen = now;
        Some(CurrentSession {
            id: id.to_owned(),
            csrf: entry.csrf.clone(),
            user: entry.user.clone(),
        })
    }

    /// Ends a session.
    pub(crate) fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    /// Leaves a message for the session's next page.
    pub(crate) fn set_flash(&self, id: &str, flash: Flash) {
        if let Some(entry) = self.lock().get_mut(id) {
            entry.flash = Some(flash);
        }
    }

    /// Takes the session's pending message, if any (it is shown once).
    pub(crate) fn take_flash(&self, id: &str) -> Option<Flash> {
        self.lock().get_mut(id).and_then(|e| e.flash.take())
    }
}

/// 256 random bits as 64 hex digits, from the thread-local CSPRNG (seeded from the OS).
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets in time that depends only on their lengths, not on where they differ,
/// so a network observer cannot find a password or token byte by byte.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    std::hint::black_box(diff) == 0
}

/// The `Set-Cookie` value that hands `id` to the browser: not readable by scripts, never sent
/// by another site's request, valid for the whole UI until the browser closes.
pub(crate) fn cookie(id: &str) -> String {
    format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict")
}

/// The `Set-Cookie` value that deletes the session cookie.
pub(crate) fn expired_cookie() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// The session id in a `Cookie` header, if any.
pub(crate) fn session_id(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_hex_and_distinct() {
        let a = random_token();
        let b = random_token();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret!"));
        assert!(!constant_time_eq(b"", b"x"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn a_session_keeps_its_token_and_forgets_its_flash_after_one_read() {
        let store = SessionStore::new();
        let s = store.create(None);
        let again = store.touch(&s.id).expect("live");
        assert_eq!(again.csrf, s.csrf);
        store.set_flash(&s.id, Flash::success("done"));
        assert_eq!(store.take_flash(&s.id), Some(Flash::success("done")));
        assert_eq!(store.take_flash(&s.id), None);
        store.remove(&s.id);
        assert!(store.touch(&s.id).is_none());
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            axum::http::header::COOKIE,
            "a=1; lb_session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(session_id(&headers).as_deref(), Some("abc"));
    }
}
