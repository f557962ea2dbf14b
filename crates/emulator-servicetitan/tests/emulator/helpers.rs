//! Spawning the emulator and talking to it like a client would.

use std::sync::OnceLock;

use ledgerbridge_emulator::demo_world::TENANTS;
use ledgerbridge_emulator::spec_check::SpecValidator;
use ledgerbridge_emulator::{EmulatorContext, EmulatorHandle, LimitMode, SeedOptions};
use ledgerbridge_emulator_servicetitan::{APP_KEY, CLIENTS, EmulatorState, spawn};
use reqwest::{Method, Response};
use serde_json::Value;

pub(crate) struct World {
    pub(crate) handle: EmulatorHandle,
    pub(crate) state: EmulatorState,
    pub(crate) http: reqwest::Client,
}

pub(crate) async fn spawn_world(limits: LimitMode) -> World {
    let ctx = EmulatorContext::new(limits);
    let seed = SeedOptions::demo(ctx.clock.now().date_naive());
    let state = EmulatorState::new(ctx, seed);
    let handle = spawn(state.clone()).await.expect("emulator starts");
    World {
        handle,
        state,
        http: reqwest::Client::new(),
    }
}

pub(crate) fn tenant(i: usize) -> u64 {
    TENANTS[i].tenant_id
}

pub(crate) fn acc(i: usize, path: &str) -> String {
    format!("/accounting/v2/tenant/{}/{path}", tenant(i))
}

pub(crate) fn crm(i: usize, path: &str) -> String {
    format!("/crm/v2/tenant/{}/{path}", tenant(i))
}

impl World {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url)
    }

    /// A token for demo tenant `i` (bare, as servicepytan sends it).
    pub(crate) async fn token(&self, i: usize) -> String {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", CLIENTS[i].client_id),
            ("client_secret", CLIENTS[i].client_secret),
        ];
        let response = self
            .http
            .post(self.url("/connect/token"))
            .form(&form)
            .send()
            .await
            .expect("token request");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("token json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    pub(crate) async fn send(
        &self,
        method: Method,
        token: &str,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let mut request = self
            .http
            .request(method, self.url(path))
            .header("ST-App-Key", APP_KEY)
            .header("Authorization", token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request")
    }

    /// GET that must answer 200 with JSON.
    pub(crate) async fn get_json(&self, token: &str, path: &str) -> Value {
        let response = self.send(Method::GET, token, path, None).await;
        let status = response.status();
        let text = response.text().await.expect("body");
        assert_eq!(status, 200, "GET {path}: {text}");
        serde_json::from_str(&text).expect("json body")
    }

    pub(crate) async fn control(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.http.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("control request")
    }
}

fn load(name: &str) -> SpecValidator {
    let path = format!("{}/spec/{name}", env!("CARGO_MANIFEST_DIR"));
    let doc = serde_json::from_str(&std::fs::read_to_string(&path).expect("spec file"))
        .expect("spec is JSON");
    // Strict (issue 21): a property the document does not declare fails validation.
    SpecValidator::strict(doc, &[]).expect("spec parses")
}

pub(crate) fn accounting_spec() -> &'static SpecValidator {
    static SPEC: OnceLock<SpecValidator> = OnceLock::new();
    SPEC.get_or_init(|| load("tenant-accounting-v2.json"))
}

pub(crate) fn crm_spec() -> &'static SpecValidator {
    static SPEC: OnceLock<SpecValidator> = OnceLock::new();
    SPEC.get_or_init(|| load("tenant-crm-v2.json"))
}

pub(crate) fn settings_spec() -> &'static SpecValidator {
    static SPEC: OnceLock<SpecValidator> = OnceLock::new();
    SPEC.get_or_init(|| load("tenant-settings-v2.business-units.json"))
}

/// Asserts that `json` validates against `schema` of `spec`.
pub(crate) fn assert_valid(spec: &SpecValidator, schema: &str, json: &Value) {
    if let Err(errors) = spec.validate(schema, json) {
        panic!(
            "{schema}: {} errors, first: {:?}",
            errors.len(),
            &errors[..errors.len().min(5)]
        );
    }
}

/// Asserts that an error response is the documented RFC 7807 shape with `status`.
pub(crate) async fn assert_problem(response: Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.expect("problem json");
    assert_valid(accounting_spec(), "ApiErrorResponse", &body);
    assert_eq!(body["status"], status);
    assert!(
        body["traceId"]
            .as_str()
            .is_some_and(|t| t.starts_with("00-") && t.len() == 55),
        "{body}"
    );
    body
}
