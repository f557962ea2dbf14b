//! Spawning the Xero emulator, a token provider for its tokens, a connector pointed at it,
//! and canonical records to write.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::NaiveDate;
use ledgerbridge_connector::{AccessToken, ConnectorError, RetryPolicy, TokenProvider};
use ledgerbridge_core::{Currency, Invoice, InvoiceLine, InvoiceStatus, Money, SourceRef};
use ledgerbridge_emulator::{EmulatorContext, EmulatorHandle, LimitMode, Scenario, SeedOptions};
use ledgerbridge_emulator_xero::{EmulatorState, XERO_TENANT_ID, router};
use ledgerbridge_xero::{Endpoints, Mappings, Xero, XeroConfig};
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde_json::{Value, json};
use url::Url;

/// The scopes the tests' consent grants (the granular set).
pub(crate) const SCOPES: &str = "offline_access accounting.invoices accounting.payments accounting.contacts accounting.settings.read";

/// A fixed access token from the emulator's `issue_tokens`, counting how often the HTTP layer
/// asked for it: one per attempt, so retries show.
pub(crate) struct FixedToken {
    token: SecretString,
    attempts: AtomicU64,
}

impl FixedToken {
    pub(crate) fn attempts(&self) -> u64 {
        self.attempts.load(Ordering::SeqCst)
    }
}

impl TokenProvider for FixedToken {
    async fn access_token(&self) -> Result<AccessToken, ConnectorError> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        Ok(AccessToken::new(self.token.clone(), 1))
    }

    fn reject(&self, _token: &AccessToken) {}
}

/// A running emulator.
pub(crate) struct World {
    pub(crate) state: EmulatorState,
    pub(crate) handle: EmulatorHandle,
    pub(crate) http: reqwest::Client,
}

pub(crate) fn start_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 1).expect("valid date")
}

impl World {
    pub(crate) async fn start(limits: LimitMode) -> Self {
        let seed = SeedOptions {
            seed: 42,
            scenario: Scenario::Demo,
            start: start_date(),
        };
        let state = EmulatorState::new(EmulatorContext::new(limits), seed);
        // Every write body the connector sends is checked against the spec first.
        let served = state.clone();
        let handle = ledgerbridge_emulator::serve_on(
            ledgerbridge_emulator::server::ephemeral(),
            move |base| {
                served.set_base_url(base);
                router(served).layer(axum::middleware::from_fn(crate::spec_gate::gate))
            },
        )
        .await
        .expect("emulator starts");
        Self {
            state,
            handle,
            http: reqwest::Client::new(),
        }
    }

    pub(crate) fn base(&self) -> Url {
        Url::parse(&self.handle.base_url).expect("base url")
    }

    pub(crate) fn token(&self) -> FixedToken {
        let issued = self.state.issue_tokens(SCOPES);
        FixedToken {
            token: SecretString::from(issued["access_token"].as_str().expect("token").to_owned()),
            attempts: AtomicU64::new(0),
        }
    }

    /// A config for the demo tenant with quick retries and no local pacing (tests drive the
    /// emulator's limits directly).
    pub(crate) fn config(&self) -> XeroConfig {
        let mut config = XeroConfig::new(Endpoints::sandbox(&self.base()), XERO_TENANT_ID);
        config.http.retry = RetryPolicy {
            max_retries: 4,
            min_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
            max_retry_after: Duration::from_secs(5),
        };
        config.http.timeout = Duration::from_secs(20);
        config.http.rate_limit = None;
        config
    }

    pub(crate) fn connector(&self) -> Xero<FixedToken> {
        Xero::new(self.config(), self.token()).expect("connector builds")
    }

    pub(crate) fn connector_with(&self, config: XeroConfig) -> Xero<FixedToken> {
        Xero::new(config, self.token()).expect("connector builds")
    }

    /// POSTs a control route under `/_sandbox/`.
    pub(crate) async fn control(&self, route: &str, body: Value) {
        let response = self
            .http
            .post(format!("{}/_sandbox/{route}", self.handle.base_url))
            .json(&body)
            .send()
            .await
            .expect("control call");
        assert!(
            response.status().is_success(),
            "{route}: {}",
            response.status()
        );
    }

    pub(crate) async fn clear_faults(&self) {
        let response = self
            .http
            .delete(format!("{}/_sandbox/faults", self.handle.base_url))
            .send()
            .await
            .expect("control call");
        assert!(response.status().is_success());
    }

    pub(crate) fn advance(&self, seconds: i64) {
        self.state.context().clock.advance(seconds);
    }

    /// A raw GET of the API with a fresh token, bypassing the connector.
    pub(crate) async fn raw_get(&self, token: &str, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/api.xro/2.0{path}", self.handle.base_url))
            .bearer_auth(token)
            .header("xero-tenant-id", XERO_TENANT_ID)
            .header("Accept", "application/json")
            .send()
            .await
            .expect("raw call")
    }

    /// The id of the active demo contact named `name`.
    pub(crate) async fn contact_id(&self, xero: &Xero<FixedToken>, name: &str) -> String {
        let found = xero.contacts_named(name).await.expect("contacts");
        found
            .into_iter()
            .find(|c| c.contact_status.as_deref() == Some("ACTIVE"))
            .and_then(|c| c.contact_id)
            .unwrap_or_else(|| panic!("no active contact {name}"))
    }
}

/// The demo organisation's mappings: service lines to 210, materials to 220, taxable lines
/// to the two-component `TAX001`, business units to the "Business Unit" tracking category,
/// checks deposited to bank account 090.
pub(crate) fn mappings() -> Mappings {
    let mut m = Mappings::new();
    m.gl_accounts.insert("Service".into(), "210".into());
    m.gl_accounts.insert("Materials".into(), "220".into());
    m.taxable_tax_type = Some("TAX001".into());
    m.tracking_category = Some("Business Unit".into());
    m.business_units
        .insert("Residential".into(), "Residential Service".into());
    m.payment_accounts.insert("Check".into(), "090".into());
    m
}

pub(crate) fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).expect("amount")
}

/// A line: (ServiceTitan item id, quantity, unit price, amount, taxable).
pub(crate) type LineSpec<'a> = (i64, &'a str, &'a str, &'a str, bool);

/// A posted ServiceTitan invoice with `lines` and invoice-level `tax`.
pub(crate) fn invoice(number: &str, lines: &[LineSpec<'_>], tax: &str) -> Invoice {
    let lines: Vec<InvoiceLine> = lines
        .iter()
        .map(|(id, qty, unit, amount, taxable)| InvoiceLine {
            key: SourceRef::servicetitan(*id).expect("id"),
            item: None,
            description: format!("Line {id}"),
            quantity: qty.parse::<Decimal>().expect("qty"),
            unit_price: unit.parse::<Decimal>().expect("unit"),
            amount: usd(amount),
            gl_account: Some(if *taxable { "Materials" } else { "Service" }.into()),
            taxable: *taxable,
            tax_code: None,
        })
        .collect();
    let subtotal = Money::sum(Currency::USD, lines.iter().map(|l| &l.amount)).expect("sum");
    let tax = usd(tax);
    let total = subtotal.checked_add(&tax).expect("total");
    Invoice {
        number: number.to_owned(),
        customer: SourceRef::servicetitan(7).expect("id"),
        invoice_date: NaiveDate::from_ymd_opt(2026, 10, 12).expect("date"),
        due_date: NaiveDate::from_ymd_opt(2026, 11, 11),
        status: InvoiceStatus::Posted,
        currency: Currency::USD,
        lines,
        tax_lines: Vec::new(),
        subtotal,
        tax,
        total,
        balance: total,
        memo: Some(format!("Job for {number}")),
        business_unit: Some("Residential".into()),
    }
}

/// A simple one-line, non-taxable invoice.
pub(crate) fn simple_invoice(number: &str, amount: &str) -> Invoice {
    invoice(number, &[(1, "1", amount, amount, false)], "0.00")
}

/// Maps `invoices` for `contact` as new invoices.
pub(crate) fn to_xero(
    invoices: &[Invoice],
    contact: &str,
) -> Vec<ledgerbridge_xero::wire::invoice::Invoice> {
    let no_lines = HashMap::new();
    invoices
        .iter()
        .map(|i| {
            let target = ledgerbridge_xero::map::InvoiceTarget {
                contact_id: contact,
                invoice_id: None,
                line_ids: &no_lines,
            };
            ledgerbridge_xero::map::invoice_to_xero(i, &target, &mappings()).expect("maps")
        })
        .collect()
}

/// A fault plan where every request gets `fault` (`error_rate`, `lost_after_commit_rate`, …).
pub(crate) fn always(fault: &str) -> Value {
    json!({ "seed": 7, fault: 1 })
}
