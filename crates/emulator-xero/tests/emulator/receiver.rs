//! A webhook receiver for the tests: records every POST; either answers a fixed status with an
//! empty body, or verifies `x-xero-signature` itself (independently of the emulator's code)
//! and answers 200 / 401 as Xero requires.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use ledgerbridge_emulator_xero::WEBHOOK_KEY;
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

    pub(crate) fn correctly_signed(&self) -> bool {
        self.signature.as_deref() == Some(expected_signature(&self.body).as_str())
    }

    /// An intent-to-receive probe (no events).
    pub(crate) fn is_probe(&self) -> bool {
        self.json()["events"]
            .as_array()
            .is_some_and(|events| events.is_empty())
    }
}

/// 0 = verify signatures; any other value = answer that status to everything.
const VERIFY: u16 = 0;

#[derive(Clone, Default)]
struct Shared {
    /// Woken on every POST, so a test waits for what arrives instead of polling.
    arrived: Arc<tokio::sync::Notify>,
    hits: Arc<Mutex<Vec<Hit>>>,
    mode: Arc<AtomicU16>,
}

pub(crate) struct Receiver {
    pub(crate) url: String,
    shared: Shared,
}

async fn record(State(s): State<Shared>, uri: Uri, headers: HeaderMap, body: Bytes) -> StatusCode {
    let hit = Hit {
        path: uri.path().to_owned(),
        signature: headers
            .get("x-xero-signature")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: body.to_vec(),
    };
    let answer = match s.mode.load(Ordering::SeqCst) {
        VERIFY if hit.correctly_signed() => StatusCode::OK,
        VERIFY => StatusCode::UNAUTHORIZED,
        status => StatusCode::from_u16(status).expect("a status"),
    };
    s.hits.lock().expect("hits").push(hit);
    s.arrived.notify_waiters();
    answer
}

impl Receiver {
    /// A receiver that verifies signatures like a correct one must.
    pub(crate) async fn verifying() -> Self {
        Self::start(VERIFY).await
    }

    /// A receiver that answers `status` (empty body) whatever the signature.
    pub(crate) async fn answering(status: u16) -> Self {
        Self::start(status).await
    }

    async fn start(mode: u16) -> Self {
        let shared = Shared::default();
        shared.mode.store(mode, Ordering::SeqCst);
        let app = Router::new().fallback(record).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, shared }
    }

    /// From now on, answer `status` to everything.
    pub(crate) fn answer(&self, status: u16) {
        self.shared.mode.store(status, Ordering::SeqCst);
    }

    /// From now on, verify signatures.
    pub(crate) fn verify(&self) {
        self.shared.mode.store(VERIFY, Ordering::SeqCst);
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
                panic!("never received {what}; got {} POSTs", self.hits().len());
            }
        }
    }
}

/// base64(HMAC-SHA256(body, webhook key)), computed here apart from the emulator's code.
pub(crate) fn expected_signature(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(WEBHOOK_KEY.as_bytes()).expect("any key");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}
