//! `GET /report?period=YYYY-MM | from=DATE&to=DATE & tenant=ID & target=quickbooks|xero &
//! status=attention|all|<status>`: the period report from the configured
//! [`ReportSource`](crate::report_source::ReportSource); with `format=csv|json` the same report as a
//! download (when the source offers one). The default period is the current month by the
//! ledger's clock.

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use ledgerbridge_core::System;
use ledgerbridge_report::Status;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::pages::{Choice, known_tenants, non_blank};
use crate::render::{Chrome, Html};
use crate::report_source::{DownloadFormat, Period, ReportQuery, ReportView, StatusFilter};
use crate::security::session::CurrentSession;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReportParams {
    period: Option<String>,
    from: Option<String>,
    to: Option<String>,
    tenant: Option<String>,
    target: Option<String>,
    status: Option<String>,
    format: Option<String>,
}

/// A download link's query: the page's own filters plus the format.
#[derive(Serialize)]
struct LinkQuery<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tenant: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'a str>,
    format: &'a str,
}

/// A download offered beside the report.
struct DownloadLink {
    label: &'static str,
    href: String,
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
    targets: Vec<Choice>,
    statuses: Vec<Choice>,
    downloads: Vec<DownloadLink>,
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

fn target(params: &ReportParams) -> Result<Option<System>, AppError> {
    match non_blank(params.target.clone()) {
        None => Ok(None),
        Some(t) => match t.parse::<System>() {
            Ok(s) if s.is_accounting() => Ok(Some(s)),
            _ => Err(AppError::BadRequest(format!(
                "target {t:?} is not quickbooks or xero."
            ))),
        },
    }
}

fn status_choices(selected: StatusFilter) -> Vec<Choice> {
    let mut choices = vec![
        Choice {
            value: "attention".to_owned(),
            label: "Needing attention".to_owned(),
            selected: selected == StatusFilter::NeedsAttention,
        },
        Choice {
            value: "all".to_owned(),
            label: "All records".to_owned(),
            selected: selected == StatusFilter::All,
        },
    ];
    choices.extend(Status::ALL.iter().map(|s| Choice {
        value: s.as_str().to_owned(),
        label: s.label().to_owned(),
        selected: selected == StatusFilter::Only(*s),
    }));
    choices
}

fn target_choices(selected: Option<System>) -> Vec<Choice> {
    let mut choices = vec![Choice {
        value: String::new(),
        label: "Both".to_owned(),
        selected: selected.is_none(),
    }];
    choices.extend([System::QuickBooks, System::Xero].map(|s| Choice {
        value: s.as_str().to_owned(),
        label: if s == System::QuickBooks {
            "QuickBooks Online".to_owned()
        } else {
            "Xero".to_owned()
        },
        selected: selected == Some(s),
    }));
    choices
}

fn download_format(text: &str) -> Result<DownloadFormat, AppError> {
    match text {
        "csv" => Ok(DownloadFormat::Csv),
        "json" => Ok(DownloadFormat::Json),
        other => Err(AppError::BadRequest(format!(
            "format {other:?} is not csv or json."
        ))),
    }
}

/// `GET /report`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Extension(session): Extension<CurrentSession>,
    Query(params): Query<ReportParams>,
) -> Result<Response, AppError> {
    let today = state.ledger().now().date_naive();
    let period = period(&params, today)?;
    let tenant = non_blank(params.tenant.clone());
    let target = target(&params)?;
    let status = StatusFilter::parse(params.status.as_deref()).map_err(AppError::BadRequest)?;
    let query = ReportQuery {
        period,
        tenant: tenant.clone(),
        target,
        status,
    };
    let source = &state.inner.report;
    if let Some(format) = non_blank(params.format.clone()) {
        let format = download_format(&format)?;
        let Some(file) = source.download(state.ledger(), &query, format).await? else {
            return Err(AppError::NotFound(
                "This report is not offered as a download.".to_owned(),
            ));
        };
        let disposition = format!("attachment; filename=\"{}\"", file.filename);
        return Ok((
            [
                (CONTENT_TYPE, file.content_type.to_owned()),
                (CONTENT_DISPOSITION, disposition),
            ],
            file.body,
        )
            .into_response());
    }
    let report = source.report(state.ledger(), &query).await?;
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
    let is_month = period.is_month();
    let (month, from, to) = if is_month {
        (period.label(), String::new(), String::new())
    } else {
        (
            String::new(),
            period.from.to_string(),
            period.to.to_string(),
        )
    };
    let downloads = if source.offers_downloads() {
        [("CSV", "csv"), ("JSON", "json")]
            .into_iter()
            .map(|(label, format)| {
                let link = LinkQuery {
                    period: is_month.then(|| month.clone()),
                    from: (!is_month).then(|| from.clone()),
                    to: (!is_month).then(|| to.clone()),
                    tenant: tenant.as_deref(),
                    target: target.map(System::as_str),
                    format,
                };
                DownloadLink {
                    label,
                    href: format!(
                        "/report?{}",
                        serde_urlencoded::to_string(&link).unwrap_or_default()
                    ),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Html(ReportPage {
        chrome: Chrome::new(&state, &session, "Report", "/report"),
        period: month,
        from,
        to,
        label: period.label(),
        tenants,
        targets: target_choices(target),
        statuses: status_choices(status),
        downloads,
        report,
    })
    .into_response())
}
