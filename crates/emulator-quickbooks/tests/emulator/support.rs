//! Shared helpers: a fresh emulator per test, an authorised client, exact JSON access and the
//! spec validator.

use std::str::FromStr;
use std::sync::OnceLock;

use chrono::Days;
use ledgerbridge_emulator::spec_check::SpecValidator;
use ledgerbridge_emulator::{EmulatorContext, EmulatorHandle, LimitMode, Scenario, SeedOptions};
use ledgerbridge_emulator_quickbooks::json::Json;
use ledgerbridge_emulator_quickbooks::{EmulatorState, REALM_ID, spawn};
use rust_decimal::Decimal;

/// A running emulator with a connected client.
pub(crate) struct Sandbox {
    pub(crate) state: EmulatorState,
    pub(crate) handle: EmulatorHandle,
    pub(crate) http: reqwest::Client,
    pub(crate) token: String,
    /// The seed's start date: dates a test sends derive from it, never from a second reading
    /// of the clock (the seed counts in UTC days, the company in Central time: between 00:00
    /// and 06:00 UTC the two "todays" differ by a day).
    pub(crate) start: chrono::NaiveDate,
}

/// One response: status, text and the exact JSON tree.
#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) text: String,
    pub(crate) json: Json,
    pub(crate) headers: reqwest::header::HeaderMap,
}

impl Resp {
    /// A node by dotted path; numeric segments index arrays (`QueryResponse.Invoice.0.Id`).
    pub(crate) fn at(&self, path: &str) -> &Json {
        at(&self.json, path)
    }

    pub(crate) fn str(&self, path: &str) -> &str {
        self.at(path)
            .as_str()
            .unwrap_or_else(|| panic!("{path} is not a string in {}", self.text))
    }

    /// An amount, exactly.
    pub(crate) fn dec(&self, path: &str) -> Decimal {
        self.at(path)
            .decimal()
            .unwrap_or_else(|| panic!("{path} is not a number in {}", self.text))
    }

    /// The first fault code, from a JSON body or an XML one (429s are XML whatever was asked).
    pub(crate) fn code(&self) -> &str {
        if self.text.starts_with("<?xml") {
            return xml_attribute(&self.text, "<Error code=\"")
                .unwrap_or_else(|| panic!("no Error code in {}", self.text));
        }
        self.str("Fault.Error.0.code")
    }

    /// The body as a `serde_json::Value`, for schema validation only (amounts in it are
    /// `f64`; no test reads an amount from it).
    pub(crate) fn value(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).expect("JSON body")
    }
}

static NULL: Json = Json::Null;

pub(crate) fn at<'a>(json: &'a Json, path: &str) -> &'a Json {
    path.split('.')
        .fold(json, |node, key| match (node, key.parse::<usize>()) {
            (Json::Arr(items), Ok(i)) => items.get(i).unwrap_or(&NULL),
            (Json::Obj(o), _) => o.get(key).unwrap_or(&NULL),
            _ => &NULL,
        })
}

pub(crate) fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("decimal literal")
}

impl Sandbox {
    /// The demo company, no rate limits, connected.
    pub(crate) async fn start() -> Self {
        Self::with(LimitMode::Off, Scenario::Demo).await
    }

    pub(crate) async fn with(limits: LimitMode, scenario: Scenario) -> Self {
        let ctx = EmulatorContext::new(limits);
        let today = ctx.clock.now().date_naive();
        let seed = SeedOptions {
            seed: 42,
            scenario,
            start: today - Days::new(30),
        };
        let start = seed.start;
        let state = EmulatorState::new(ctx, seed);
        let handle = spawn(state.clone()).await.expect("emulator starts");
        let token = state.connect().access_token;
        Self {
            state,
            handle,
            http: reqwest::Client::new(),
            token,
            start,
        }
    }

    pub(crate) fn base(&self) -> &str {
        &self.handle.base_url
    }

    /// `/v3/company/{realm}` + `path`.
    pub(crate) fn api(&self, path: &str) -> String {
        format!("{}/v3/company/{REALM_ID}{path}", self.base())
    }

    pub(crate) async fn send(&self, request: reqwest::RequestBuilder) -> Resp {
        let response = request.send().await.expect("request completes");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let json = Json::parse(text.as_bytes()).unwrap_or(Json::Null);
        Resp {
            status,
            text,
            json,
            headers,
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Resp {
        self.send(
            self.http
                .get(self.api(path))
                .bearer_auth(&self.token)
                .header("Accept", "application/json"),
        )
        .await
    }

    pub(crate) async fn post(&self, path: &str, body: &str) -> Resp {
        let request = self
            .http
            .post(self.api(path))
            .bearer_auth(&self.token)
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .body(body.to_owned());
        self.send(request).await
    }

    /// POST query with `Content-Type: application/text`.
    pub(crate) async fn query(&self, statement: &str) -> Resp {
        let request = self
            .http
            .post(self.api("/query?minorversion=75"))
            .bearer_auth(&self.token)
            .header("Accept", "application/json")
            .header("Content-Type", "application/text")
            .body(statement.to_owned());
        self.send(request).await
    }

    /// Moves the sandbox clock through the control API.
    pub(crate) async fn advance(&self, seconds: i64) {
        let response = self
            .http
            .post(format!("{}/_sandbox/clock", self.base()))
            .json(&serde_json::json!({ "advance_seconds": seconds }))
            .send()
            .await
            .expect("clock");
        assert_eq!(response.status(), 200);
    }

    /// Creates an invoice for customer 1 (John Smith, Springfield) and returns the response.
    pub(crate) async fn invoice(&self, doc: &str, amount: &str, extra: &str) -> Resp {
        let body = format!(
            r#"{{"CustomerRef":{{"value":"1"}},"DocNumber":"{doc}",{extra}"Line":[{{"Amount":{amount},"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{{"ItemRef":{{"value":"2"}},"TaxCodeRef":{{"value":"NON"}}}}}}]}}"#
        );
        self.post("/invoice?minorversion=75", &body).await
    }

    /// The id of a customer by display name.
    pub(crate) async fn customer_id(&self, name: &str) -> String {
        let escaped = name.replace('\'', "\\'");
        let r = self
            .query(&format!(
                "SELECT * FROM Customer WHERE DisplayName = '{escaped}' AND Active IN (true, false)"
            ))
            .await;
        r.str("QueryResponse.Customer.0.Id").to_owned()
    }
}

/// The value of the attribute whose opening text (`<Error code="`) is `prefix`.
pub(crate) fn xml_attribute<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let start = text.find(prefix)? + prefix.len();
    let len = text[start..].find('"')?;
    Some(&text[start..start + len])
}

/// The response schemas (spec/qbo-v3-responses.json), strict: a property the document does
/// not declare fails validation.
pub(crate) fn spec() -> &'static SpecValidator {
    static SPEC: OnceLock<SpecValidator> = OnceLock::new();
    SPEC.get_or_init(|| {
        let doc = serde_json::from_str(include_str!("../../spec/qbo-v3-responses.json"))
            .expect("the spec is JSON");
        SpecValidator::strict(doc, &[]).expect("the spec loads")
    })
}

/// Asserts a response body matches a schema.
pub(crate) fn assert_valid(schema: &str, resp: &Resp) {
    if let Err(errors) = spec().validate(schema, &resp.value()) {
        panic!("{schema} does not match: {errors:#?}\n{}", resp.text);
    }
}
