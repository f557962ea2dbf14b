//! A webhook receiver for the tests: records every POST and answers with a status the test
//! sets; signatures are checked here independently of the emulator's code.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// One POST that arrived.
#[derive(Clone, Debug)]
pub(crate) struct Hit {
    pub(crate) path: String,
    pub(crate) signature: Option<String>,
    pub(crate) body: Vec<u8>,
}

impl Hit {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Clone, Default)]
struct Shared {
    /// Woken on every POST, so a test waits for what arrives instead of polling.
    arrived: Arc<tokio::sync::Notify>,
    hits: Arc<Mutex<Vec<Hit>>>,
    status: Arc<AtomicU16>,
}

pub(crate) struct Receiver {
    pub(crate) url: String,
    shared: Shared,
}

async fn record(State(s): State<Shared>, uri: Uri, headers: HeaderMap, body: Bytes) -> StatusCode {
    s.hits.lock().expect("hits").push(Hit {
        path: uri.path().to_owned(),
        signature: headers
            .get("intuit-signature")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: body.to_vec(),
    });
    s.arrived.notify_waiters();
    StatusCode::from_u16(s.status.load(Ordering::SeqCst)).expect("a status")
}

impl Receiver {
    /// Serves on 127.0.0.1:0, answering `status` until told otherwise.
    pub(crate) async fn start(status: u16) -> Self {
        let shared = Shared::default();
        shared.status.store(status, Ordering::SeqCst);
        let app = Router::new().fallback(record).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, shared }
    }

    pub(crate) fn answer(&self, status: u16) {
        self.shared.status.store(status, Ordering::SeqCst);
    }

    pub(crate) fn hits(&self) -> Vec<Hit> {
        self.shared.hits.lock().expect("hits").clone()
    }

    /// Waits until `found` finds something in what arrived, woken by each POST. The bound is
    /// only a guard against a hang (minutes); the wait itself is on what arrives.
    pub(crate) async fn wait_for<T>(&self, what: &str, found: impl Fn(&[Hit]) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
        loop {
            let arrived = self.shared.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if let Some(t) = found(&self.hits()) {
                return t;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!("never received {what}; got {:?}", self.hits());
            }
        }
    }
}

/// base64(HMAC-SHA256(key, body)), computed here apart from the emulator's code.
pub(crate) fn expected_signature(key: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}
