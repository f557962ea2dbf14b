//! `GET /suggestions`: the customer matches the engine was not sure enough to link (the list
//! behind `ledgerbridge links suggested`), and `POST /suggestions/{tenant}/{customer}/accept`
//! or `/reject` to settle one.
//!
//! Accepting links the pair exactly as `ledgerbridge links set` does (audited `link.set`; the
//! next sync adopts ServiceTitan's record as the base and moves the customer's parked
//! invoices). Rejecting records `customer.match.rejected`: the pair leaves the list and the
//! engine never proposes or links it again, so the next sync creates the customer as new
//! (or suggests another candidate if one matches). Both are audited with who decided; the log
//! gets ids only. The form carries the accounting id it showed, so a decision made on a
//! suggestion that a sync replaced meanwhile is refused instead of applied to the new one.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use ledgerbridge_core::{Customer, EntityKind};
use ledgerbridge_ledger::{Ledger, RecordKey};
use ledgerbridge_reconcile::links::{Suggestion, reject_suggestion, set_link, suggested};
use ledgerbridge_reconcile::parked;
use serde::Deserialize;
use serde_json::Value;

use crate::error::AppError;
use crate::pages::conflicts::record_href;
use crate::pages::{Choice, known_tenants, non_blank};
use crate::render::{Chrome, Html, encode, when};
use crate::security::session::{CurrentSession, Flash};
use crate::state::AppState;

/// Evidence fields that speak for the match, as the page names them.
const AGREE: [(&str, &str); 5] = [
    ("stamp", "bridge stamp"),
    ("email", "email"),
    ("phone", "phone"),
    ("name", "name"),
    ("address", "address"),
];
/// Evidence fields that speak against it.
const DIFFER: [(&str, &str); 2] = [("email_differs", "email"), ("phone_differs", "phone")];

/// One suggestion as a table row.
pub(crate) struct SuggestionRow {
    pub(crate) tenant: String,
    pub(crate) servicetitan_id: String,
    pub(crate) record_href: String,
    /// ServiceTitan's display name of the customer (from its parked record), for the person
    /// deciding; empty when the record is no longer parked.
    pub(crate) name: String,
    pub(crate) target_id: String,
    /// The tenant's accounting system (`quickbooks`, `xero`), empty when not connected.
    pub(crate) target: String,
    pub(crate) confidence: u64,
    pub(crate) agree: String,
    pub(crate) differ: String,
    pub(crate) suggested: String,
    pub(crate) action: String,
}

fn named(evidence: &Value, fields: &[(&str, &str)]) -> String {
    let names: Vec<&str> = fields
        .iter()
        .filter(|(key, _)| evidence.get(*key).and_then(Value::as_bool) == Some(true))
        .map(|(_, name)| *name)
        .collect();
    names.join(", ")
}

impl SuggestionRow {
    fn new(tenant: &str, target: &str, s: &Suggestion, name: Option<&str>) -> Self {
        Self {
            tenant: tenant.to_owned(),
            servicetitan_id: s.servicetitan_id.clone(),
            record_href: record_href(EntityKind::Customer, &s.servicetitan_id, tenant),
            name: name.unwrap_or_default().to_owned(),
            target_id: s.target_id.clone(),
            target: target.to_owned(),
            confidence: s.confidence,
            agree: named(&s.evidence, &AGREE),
            differ: named(&s.evidence, &DIFFER),
            suggested: when(&s.at),
            action: format!(
                "/suggestions/{}/{}",
                encode(tenant),
                encode(&s.servicetitan_id)
            ),
        }
    }
}

/// The open suggestions of `tenants`, newest first within each tenant.
pub(crate) async fn open_suggestions(
    ledger: &Ledger,
    tenants: &[String],
) -> Result<Vec<SuggestionRow>, AppError> {
    let connections = ledger.connections().list().await?;
    let mut rows = Vec::new();
    for tenant in tenants {
        let target = connections
            .iter()
            .find(|c| &c.tenant == tenant && c.system.is_accounting())
            .map(|c| c.system.to_string())
            .unwrap_or_default();
        let mut list = suggested(ledger, tenant).await?;
        if list.is_empty() {
            continue;
        }
        list.sort_by_key(|s| std::cmp::Reverse(s.at));
        let waiting = parked::load::<Customer>(ledger, tenant, EntityKind::Customer).await?;
        for s in &list {
            let name = s
                .servicetitan_id
                .parse::<i64>()
                .ok()
                .and_then(|id| waiting.get(&id))
                .map(|p| p.record.display_name.as_str());
            rows.push(SuggestionRow::new(tenant, &target, s, name));
        }
    }
    Ok(rows)
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SuggestionQuery {
    tenant: Option<String>,
}

#[derive(Template)]
#[template(path = "suggestions.html")]
struct SuggestionsPage {
    chrome: Chrome,
    tenants: Vec<Choice>,
    filter_tenant: String,
    suggestions: Vec<SuggestionRow>,
}

/// `GET /suggestions`.
pub(crate) async fn list(
    State(state): State<AppState>,
    Extension(session): Extension<CurrentSession>,
    Query(query): Query<SuggestionQuery>,
) -> Result<impl IntoResponse, AppError> {
    let filter = non_blank(query.tenant);
    let all = known_tenants(state.ledger()).await?;
    let shown: Vec<String> = match &filter {
        Some(t) => vec![t.clone()],
        None => all.clone(),
    };
    let rows = open_suggestions(state.ledger(), &shown).await?;
    let mut tenants = vec![Choice {
        value: String::new(),
        label: "All tenants".to_owned(),
        selected: filter.is_none(),
    }];
    tenants.extend(Choice::list(
        all.iter().map(|t| (t.as_str(), t.as_str())),
        filter.as_deref(),
    ));
    Ok(Html(SuggestionsPage {
        chrome: Chrome::new(&state, &session, "Customer matches", "/suggestions"),
        tenants,
        filter_tenant: filter.unwrap_or_default(),
        suggestions: rows,
    }))
}

#[derive(Debug, Deserialize)]
pub(crate) struct DecisionForm {
    /// The accounting customer the page showed.
    target_id: String,
}

/// The tenant's accounting connection: where an accepted link points.
async fn accounting_key(
    ledger: &Ledger,
    tenant: &str,
    customer: &str,
) -> Result<RecordKey, AppError> {
    let mut targets: Vec<_> = ledger
        .connections()
        .list()
        .await?
        .into_iter()
        .filter(|c| c.tenant == tenant && c.system.is_accounting())
        .collect();
    match (targets.pop(), targets.is_empty()) {
        (Some(c), true) => Ok(RecordKey::new(
            tenant,
            EntityKind::Customer,
            customer,
            c.system,
            &c.company,
        )),
        (Some(_), false) => Err(AppError::Conflict(format!(
            "Tenant {tenant} has more than one accounting connection; link the customer with \
             `ledgerbridge links set`, which takes the target from the config."
        ))),
        (None, _) => Err(AppError::Conflict(format!(
            "Tenant {tenant} has no accounting connection; run `ledgerbridge connect` first."
        ))),
    }
}

/// The suggestion the form was about, if it is still open and still names `target_id`.
async fn still_open(
    ledger: &Ledger,
    tenant: &str,
    customer: &str,
    target_id: &str,
) -> Result<Suggestion, AppError> {
    suggested(ledger, tenant)
        .await?
        .into_iter()
        .find(|s| s.servicetitan_id == customer && s.target_id == target_id)
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "The suggestion for customer {customer} is no longer open (it was decided, \
                 linked, or a sync suggested another match). Reload the list."
            ))
        })
}

/// `POST /suggestions/{tenant}/{customer}/accept`.
pub(crate) async fn accept(
    State(state): State<AppState>,
    Extension(session): Extension<CurrentSession>,
    Path((tenant, customer)): Path<(String, String)>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let ledger = state.ledger();
    let s = still_open(ledger, &tenant, &customer, &form.target_id).await?;
    let key = accounting_key(ledger, &tenant, &customer).await?;
    // One accounting customer is the twin of one ServiceTitan customer (the ledger enforces
    // it); say so instead of failing on the constraint.
    if let Some(other) = ledger
        .links()
        .find_by_target(
            EntityKind::Customer,
            key.target_system,
            &key.target_company,
            &s.target_id,
        )
        .await?
    {
        return Err(AppError::Conflict(format!(
            "{} customer {} is already linked to ServiceTitan customer {} of tenant {}. \
             Unlink that one first (`ledgerbridge links unset`), or reject this match.",
            key.target_system, s.target_id, other.key.servicetitan_id, other.key.tenant
        )));
    }
    set_link(ledger, &key, &s.target_id, &session.actor()).await?;
    tracing::info!(%tenant, customer = %customer, target_id = %s.target_id, "customer match accepted");
    state.inner.sessions.set_flash(
        &session.id,
        Flash::success(format!(
            "Customer {customer} linked to {} customer {}. The next sync moves its waiting records.",
            key.target_system, s.target_id
        )),
    );
    Ok(Redirect::to("/suggestions").into_response())
}

/// `POST /suggestions/{tenant}/{customer}/reject`.
pub(crate) async fn reject(
    State(state): State<AppState>,
    Extension(session): Extension<CurrentSession>,
    Path((tenant, customer)): Path<(String, String)>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let ledger = state.ledger();
    let s = still_open(ledger, &tenant, &customer, &form.target_id).await?;
    reject_suggestion(ledger, &tenant, &customer, &s.target_id, &session.actor()).await?;
    tracing::info!(%tenant, customer = %customer, target_id = %s.target_id, "customer match rejected");
    state.inner.sessions.set_flash(
        &session.id,
        Flash::success(format!(
            "Match of customer {customer} with {} rejected. The next sync creates the customer \
             as new (unless another customer matches).",
            s.target_id
        )),
    );
    Ok(Redirect::to("/suggestions").into_response())
}
