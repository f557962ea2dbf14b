//! The emulators' control API (`/_sandbox/...`): faults, the clock, malformed records.

use serde_json::{Value, json};

use crate::World;

impl World {
    /// The three emulators' base URLs: ServiceTitan, QuickBooks, Xero.
    pub fn bases(&self) -> [String; 3] {
        [
            self.sandbox.servicetitan_handle.base_url.clone(),
            self.sandbox.quickbooks_handle.base_url.clone(),
            self.sandbox.xero_handle.base_url.clone(),
        ]
    }

    /// `POST {base}/_sandbox/{route}` with `body`; panics unless it succeeds. The answer, or
    /// `{}` when it is not JSON.
    pub async fn control(&self, base: &str, route: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{base}/_sandbox/{route}"))
            .json(&body)
            .send()
            .await
            .expect("control call");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "{route}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(json!({}))
    }

    /// Moves the sandbox's one clock forward (tokens, idempotency keys and ServiceTitan's
    /// export lag all follow it), through the control API as a test of a remote would.
    pub async fn advance_clock(&self, seconds: u64) {
        let base = self.sandbox.servicetitan_handle.base_url.clone();
        self.control(&base, "clock", json!({ "advance_seconds": seconds }))
            .await;
    }

    /// The faults injected so far by the emulator at `base` (`GET /_sandbox/faults`).
    pub async fn injected(&self, base: &str) -> Value {
        self.http
            .get(format!("{base}/_sandbox/faults"))
            .send()
            .await
            .expect("faults")
            .json::<Value>()
            .await
            .expect("faults JSON")["injected"]
            .clone()
    }

    /// Stops the emulator at `base` injecting faults.
    pub async fn clear_faults(&self, base: &str) {
        let response = self
            .http
            .delete(format!("{base}/_sandbox/faults"))
            .send()
            .await
            .expect("clear faults");
        assert!(response.status().is_success());
    }
}
