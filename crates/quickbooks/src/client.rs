//! The connector value: one HTTP layer, one token provider, one realm, its pacers.

use std::collections::BTreeMap;
use std::sync::Arc;

use governor::{DefaultDirectRateLimiter, RateLimiter};
use ledgerbridge_connector::oauth::{AuthorizationCodeTokens, OAuthApp};
use ledgerbridge_connector::{
    ApiRequest, ApiResponse, ConnectorError, CredentialStore, HttpLayer, RateLimit, RemoteProblem,
    TokenProvider,
};
use serde::de::DeserializeOwned;
use url::Url;

use crate::config::{Environment, QuickBooksConfig};
use crate::map::Mappings;
use crate::wire::{Fault, QueryAnswer, QueryPage};

/// The transaction and name-list entities the bridge reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    /// A customer (name list: deactivated, never deleted).
    Customer,
    /// An invoice.
    Invoice,
    /// A customer payment.
    Payment,
    /// A credit memo (a credit note).
    CreditMemo,
    /// A refund receipt (money paid back).
    RefundReceipt,
}

impl Entity {
    /// Every entity.
    pub const ALL: [Entity; 5] = [
        Self::Customer,
        Self::Invoice,
        Self::Payment,
        Self::CreditMemo,
        Self::RefundReceipt,
    ];

    /// The QuickBooks name (`Invoice`), used in queries, CDC and batch items.
    pub fn name(self) -> &'static str {
        match self {
            Self::Customer => "Customer",
            Self::Invoice => "Invoice",
            Self::Payment => "Payment",
            Self::CreditMemo => "CreditMemo",
            Self::RefundReceipt => "RefundReceipt",
        }
    }

    /// The URL segment (`invoice`).
    pub fn segment(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Invoice => "invoice",
            Self::Payment => "payment",
            Self::CreditMemo => "creditmemo",
            Self::RefundReceipt => "refundreceipt",
        }
    }

    /// Parses a QuickBooks name or URL segment.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|e| e.name().eq_ignore_ascii_case(text))
    }

    /// The canonical entity kind it maps to.
    pub fn kind(self) -> ledgerbridge_core::EntityKind {
        use ledgerbridge_core::EntityKind;
        match self {
            Self::Customer => EntityKind::Customer,
            Self::Invoice => EntityKind::Invoice,
            Self::Payment | Self::RefundReceipt => EntityKind::Payment,
            Self::CreditMemo => EntityKind::CreditNote,
        }
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A QuickBooks Online connector for one realm. Every method takes `&self`; share it behind
/// an `Arc`. `A` is the token provider: [`AuthorizationCodeTokens`] in production.
pub struct QuickBooks<A = AuthorizationCodeTokens> {
    pub(crate) http: HttpLayer,
    pub(crate) auth: A,
    pub(crate) config: QuickBooksConfig,
    pub(crate) mappings: Mappings,
    per_minute: Option<DefaultDirectRateLimiter>,
    batches_per_minute: Option<DefaultDirectRateLimiter>,
    /// CDC sections fetched for another entity's pull ([`crate::read::CdcShare`]).
    pub(crate) cdc_share: crate::read::CdcShare,
}

impl<A> std::fmt::Debug for QuickBooks<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuickBooks")
            .field("realm_id", &self.config.realm_id)
            .field("api_base", &self.config.endpoints.api_base.as_str())
            .finish_non_exhaustive()
    }
}

fn limiter(limit: Option<RateLimit>) -> Option<DefaultDirectRateLimiter> {
    limit.map(|l| RateLimiter::direct(l.quota()))
}

impl QuickBooks<AuthorizationCodeTokens> {
    /// A connector using the tokens stored for `connection` (see [`crate::connect()`]).
    pub fn from_store(
        config: QuickBooksConfig,
        app: OAuthApp,
        store: Arc<dyn CredentialStore>,
        connection: &str,
    ) -> Result<Self, ConnectorError> {
        let clock = config.clock.clone();
        let retry = config.http.retry.clone();
        Self::new(config, |client| {
            AuthorizationCodeTokens::new(app, client.clone(), retry, store, connection, clock)
        })
    }
}

impl<A: TokenProvider> QuickBooks<A> {
    /// Builds the connector; `auth` gets the connector's HTTP client (redirects off) for its
    /// token requests. No request is sent until the first call.
    pub fn new(
        config: QuickBooksConfig,
        auth: impl FnOnce(&reqwest::Client) -> Result<A, ConnectorError>,
    ) -> Result<Self, ConnectorError> {
        let http = HttpLayer::new(&config.http)?
            .with_problem_parser(fault_response_problem)
            // QuickBooks sends no Retry-After with its 429 and says to wait a minute.
            .with_default_retry_after(std::time::Duration::from_secs(60));
        let auth = auth(http.client())?;
        Ok(Self {
            per_minute: limiter(config.limits.per_minute),
            batches_per_minute: limiter(config.limits.batches_per_minute),
            cdc_share: crate::read::CdcShare::default(),
            http,
            auth,
            config,
            mappings: Mappings::default(),
        })
    }

    /// Sets the value mappings writes use (items, classes, tax codes, payment types).
    pub fn with_mappings(mut self, mappings: Mappings) -> Self {
        self.mappings = mappings;
        self
    }

    /// The value mappings in use.
    pub fn mappings(&self) -> &Mappings {
        &self.mappings
    }

    /// The realm id.
    pub fn realm_id(&self) -> &str {
        &self.config.realm_id
    }

    /// Sandbox or production, by the API host.
    pub fn environment(&self) -> Environment {
        self.config.endpoints.environment()
    }

    /// The token provider (for `doctor`: token status, request counts).
    pub fn auth(&self) -> &A {
        &self.auth
    }

    /// The connector's settings.
    pub fn config(&self) -> &QuickBooksConfig {
        &self.config
    }

    /// `/v3/company/{realm}/{rest}` with `minorversion` and `params`: the path and query
    /// below the API base, as a ledger request row stores it.
    pub fn path(&self, rest: &str, params: &[(&str, &str)]) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in params {
            query.append_pair(k, v);
        }
        query.append_pair("minorversion", &self.config.minor_version.to_string());
        format!(
            "/v3/company/{}/{rest}?{}",
            self.config.realm_id,
            query.finish()
        )
    }

    /// The absolute URL of a [`QuickBooks::path`].
    pub(crate) fn url(&self, path_and_query: &str) -> Result<Url, ConnectorError> {
        let base = self
            .config
            .endpoints
            .api_base
            .as_str()
            .trim_end_matches('/');
        Url::parse(&format!("{base}{path_and_query}"))
            .map_err(|e| ConnectorError::fatal("the QuickBooks URL is not valid", e))
    }

    /// Waits for the local pacers (per-minute, and batch when `batch`).
    pub(crate) async fn pace(&self, batch: bool) {
        if let Some(l) = &self.per_minute {
            l.until_ready().await;
        }
        if batch && let Some(l) = &self.batches_per_minute {
            l.until_ready().await;
        }
    }

    /// Sends `request` through the shared layer after the local pacers.
    pub(crate) async fn send(
        &self,
        request: ApiRequest,
        batch: bool,
    ) -> Result<ApiResponse, ConnectorError> {
        if request.method != http::Method::GET {
            // It may change the books: kept CDC sections may no longer be current.
            self.cdc_share.forget();
        }
        self.pace(batch).await;
        let request = request.with_header(
            http::header::ACCEPT,
            http::HeaderValue::from_static("application/json"),
        );
        self.http
            .send(&self.auth, &request)
            .await
            .map_err(reclassify)
    }

    /// GETs `path` (from [`QuickBooks::path`]) and decodes it.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        path: &str,
    ) -> Result<T, ConnectorError> {
        let request = ApiRequest::get(operation, self.url(path)?, self.config.realm_id.clone());
        self.send(request, false).await?.json(operation)
    }

    /// Runs one query statement and returns its page.
    pub async fn query(&self, statement: &str) -> Result<QueryPage, ConnectorError> {
        let path = self.path("query", &[("query", statement)]);
        let answer: QueryAnswer = self.get_json("query", &path).await?;
        if let Some(fault) = answer.fault {
            return Err(fault_error(&fault, 200, None));
        }
        Ok(answer.page.unwrap_or_default())
    }
}

/// Reads a failed QuickBooks response: the `Fault` envelope (`{"Fault": …}`, or the 401's
/// lower-case `{"fault": …}`) when there is one, RFC 7807 otherwise. Installed on the HTTP layer
/// so fault codes reach the caller for calls outside a batch too.
pub(crate) fn fault_response_problem(
    status: u16,
    _headers: &reqwest::header::HeaderMap,
    body: &[u8],
    trace_id: Option<String>,
) -> RemoteProblem {
    #[derive(serde::Deserialize)]
    struct Envelope {
        #[serde(rename = "Fault", alias = "fault")]
        fault: Option<Fault>,
    }
    match serde_json::from_slice::<Envelope>(body) {
        Ok(Envelope { fault: Some(fault) }) => fault_problem(&fault, status, trace_id),
        _ => RemoteProblem::from_body(status, body, trace_id),
    }
}

/// The caller reaction to a QuickBooks `Fault` (sent with `status`). The message becomes the
/// problem's title, the code its kind; details (which may quote names) stay in `errors`,
/// keyed by the element, and out of `Display`.
pub fn fault_error(fault: &Fault, status: u16, trace_id: Option<String>) -> ConnectorError {
    classify_fault(fault_problem(fault, status, trace_id))
}

/// A QuickBooks `Fault` as a [`RemoteProblem`]: the first error's message (with its code) is
/// the title, the code the kind; details stay in `errors`, keyed by element.
pub(crate) fn fault_problem(fault: &Fault, status: u16, trace_id: Option<String>) -> RemoteProblem {
    let first = fault.errors.first();
    let code = first.and_then(|e| e.code.clone()).unwrap_or_default();
    let mut errors = BTreeMap::new();
    for e in &fault.errors {
        let key = e
            .element
            .clone()
            .filter(|el| !el.is_empty())
            .unwrap_or_else(|| format!("code {}", e.code.as_deref().unwrap_or("?")));
        errors
            .entry(key)
            .or_insert_with(Vec::new)
            .extend(e.detail.clone());
    }
    RemoteProblem {
        status,
        title: first
            .and_then(|e| e.message.clone())
            .map(|m| format!("{m} ({code})")),
        detail: first.and_then(|e| e.detail.clone()),
        kind: Some(code),
        trace_id,
        errors,
    }
}

/// The caller reaction to a QuickBooks fault, by its code (the problem's kind): the HTTP status
/// alone cannot tell a stale SyncToken (5010, a conflict) from a bad field (a validation).
pub(crate) fn classify_fault(problem: RemoteProblem) -> ConnectorError {
    let code = problem.kind.clone().unwrap_or_default();
    let numeric: u32 = code.parse().unwrap_or(0);
    match numeric {
        3001 => ConnectorError::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(60)),
            problem: Some(Box::new(problem)),
        },
        5010 | 6140 | 6210 | 6240 => ConnectorError::Conflict {
            problem: Box::new(problem),
        },
        610 => ConnectorError::NotFound {
            problem: Box::new(problem),
        },
        1..=499 => ConnectorError::Unauthorized {
            problem: Box::new(problem),
        },
        10_000.. => ConnectorError::Transient {
            reason: format!("QuickBooks answered a system fault ({code})"),
            problem: Some(Box::new(problem)),
            source: None,
        },
        _ => ConnectorError::Validation {
            problem: Box::new(problem),
        },
    }
}

/// Re-reads an error the shared layer classified by HTTP status in the light of its QuickBooks
/// fault code (a 400 with 5010 is a stale SyncToken, not a bad field).
fn reclassify(error: ConnectorError) -> ConnectorError {
    let by_code = matches!(
        error,
        ConnectorError::Validation { .. }
            | ConnectorError::NotFound { .. }
            | ConnectorError::Conflict { .. }
    );
    match error.problem() {
        Some(problem)
            if by_code
                && problem
                    .kind
                    .as_deref()
                    .is_some_and(|k| k.parse::<u32>().is_ok()) =>
        {
            classify_fault(problem.clone())
        }
        _ => error,
    }
}
