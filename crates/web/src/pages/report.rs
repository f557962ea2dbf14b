//! `GET /report?period=YYYY-MM | from=DATE&to=DATE & tenant=ID`: the period report from the
//! configured [`ReportSource`](crate::report::ReportSource). The default period is the
//! current month by the ledger's clock.

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::error::AppError;
use crate::pages::{Choice, known_tenants, non_blank};
use crate::render::{Chrome, Html};
use crate::report::{Period, ReportQuery, ReportView};
use crate::security::session::CurrentSession;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReportParams {
    period: Option<String>,
    from: Option<String>,
    to: Option<String>,
    tenant: Option<String>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    chrome: Chrome,
    period: String,
    from: String,
    to: String,
    label: String,
    tenants: Vec<Choice>,
    report: ReportView,
}

fn date(name: &str, text: &str) -> Result<NaiveDate, AppError> {
    text.parse()
        .map_err(|_| AppError::BadRequest(format!("{name} {text:?} is not a date (YYYY-MM-DD).")))
}

/// The period asked for: a complete date range wins over the month (the form sends both), a
/// month alone is that month, nothing is the current month.
fn period(params: &ReportParams, today: NaiveDate) -> Result<Period, AppError> {
    let from = non_blank(params.from.clone());
    let to = non_blank(params.to.clone());
    match (from, to, non_blank(params.period.clone())) {
        (Some(from), Some(to), _) => {
            Period::range(date("from", &from)?, date("to", &to)?).map_err(AppError::BadRequest)
        }
        (Some(_), None, _) | (None, Some(_), _) => Err(AppError::BadRequest(
            "A date range needs both from and to.".to_owned(),
        )),
        (None, None, Some(month)) => Period::parse_month(&month).map_err(AppError::BadRequest),
        (None, None, None) => Ok(Period::month_of(today)),
    }
}

/// `GET /report`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Extension(session): Extension<CurrentSession>,
    Query(params): Query<ReportParams>,
) -> Result<impl IntoResponse, AppError> {
    let today = state.ledger().clock().now().date_naive();
    let period = period(&params, today)?;
    let tenant = non_blank(params.tenant.clone());
    let query = ReportQuery {
        period,
        tenant: tenant.clone(),
    };
    let report = state.inner.report.report(state.ledger(), &query).await?;
    let mut names = known_tenants(state.ledger()).await?;
    if let Some(t) = &tenant
        && !names.contains(t)
    {
        names.push(t.clone());
    }
    let mut tenants = vec![Choice {
        value: String::new(),
        label: "All tenants".to_owned(),
        selected: tenant.is_none(),
    }];
    tenants.extend(Choice::list(
        names.iter().map(|t| (t.as_str(), t.as_str())),
        tenant.as_deref(),
    ));
    let is_month = period == Period::month_of(period.from);
    Ok(Html(ReportPage {
        chrome: Chrome::new(&state, &session, "Report", "/report"),
        period: if is_month {
            period.label()
        } else {
            String::new()
        },
        from: if is_month {
            String::new()
        } else {
            period.from.to_string()
        },
        to: if is_month {
            String::new()
        } else {
            period.to.to_string()
        },
        label: period.label(),
        tenants,
        report,
    }))
}
