//! `Idempotency-Key` (PUT/POST, at most 128 characters): the first response to a key is kept
//! for 6 minutes of sandbox time from the first call. The same key with the same method, URL
//! and body replays that response; the same key with a different request is a 400; after the
//! window the key is new again. Keys are scoped per app and tenant. Rate limits are counted
//! before this step, so replays count as calls (as Xero's guide says).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

pub(crate) const WINDOW_SECONDS: i64 = 6 * 60;
pub(crate) const MAX_KEY_LEN: usize = 128;

#[derive(Clone, Debug)]
pub(crate) struct Stored {
    pub(crate) status: StatusCode,
    pub(crate) content_type: Option<HeaderValue>,
    pub(crate) body: Bytes,
}

#[derive(Clone, Debug)]
struct Entry {
    fingerprint: [u8; 32],
    first_seen: DateTime<Utc>,
    response: Stored,
}

#[derive(Debug, Default)]
pub(crate) struct IdempotencyStore {
    entries: HashMap<(String, String, String), Entry>,
}

/// What to do with a request carrying a key.
pub(crate) enum Lookup {
    /// Run it and keep the response under this fingerprint.
    Fresh([u8; 32]),
    /// Answer with the kept response.
    Replay(Stored),
    /// Same key, different request.
    Mismatch,
}

pub(crate) fn fingerprint(method: &str, path_and_query: &str, body: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(method.as_bytes());
    hash.update([0]);
    hash.update(path_and_query.as_bytes());
    hash.update([0]);
    hash.update(body);
    hash.finalize().into()
}

impl IdempotencyStore {
    pub(crate) fn lookup(
        &mut self,
        scope: (&str, &str, &str),
        fingerprint: [u8; 32],
        now: DateTime<Utc>,
    ) -> Lookup {
        let key = (scope.0.to_owned(), scope.1.to_owned(), scope.2.to_owned());
        self.entries
            .retain(|_, e| now - e.first_seen < Duration::seconds(WINDOW_SECONDS));
        match self.entries.get(&key) {
            None => Lookup::Fresh(fingerprint),
            Some(e) if e.fingerprint == fingerprint => Lookup::Replay(e.response.clone()),
            Some(_) => Lookup::Mismatch,
        }
    }

    pub(crate) fn store(
        &mut self,
        scope: (&str, &str, &str),
        fingerprint: [u8; 32],
        now: DateTime<Utc>,
        response: Stored,
    ) {
        let key = (scope.0.to_owned(), scope.1.to_owned(), scope.2.to_owned());
        self.entries.insert(
            key,
            Entry {
                fingerprint,
                first_seen: now,
                response,
            },
        );
    }
}

impl Stored {
    pub(crate) fn into_response(self) -> Response {
        let mut response = (self.status, self.body).into_response();
        if let Some(ct) = self.content_type {
            response.headers_mut().insert(header::CONTENT_TYPE, ct);
        }
        response
    }
}
