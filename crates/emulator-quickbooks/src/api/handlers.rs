//! Handlers of `/v3/company/{realmId}/{entity}[/{id}]`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{authorize, taxservice, throttle};
use crate::fault::Fault;
use crate::idempotency::{Cached, IdemStore};
use crate::json::{Json, Obj};
use crate::model::Kind;
use crate::model::names::WriteCtx;
use crate::obj;
use crate::ops::{self, Op};
use crate::state::{EmulatorState, Inner};
use crate::time::{company_date, format_envelope_time};
use crate::{batch, cdc, query};

/// Query-string parameters (a trailing `&`, as the Java SDK sends, is harmless).
struct Params(Vec<(String, String)>);

impl Params {
    fn new(raw: Option<&str>) -> Self {
        Self(
            raw.and_then(|q| serde_urlencoded::from_str(q).ok())
                .unwrap_or_default(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `include=a,b` contains `value`.
    fn includes(&self, value: &str) -> bool {
        self.get("include")
            .is_some_and(|i| i.split(',').any(|v| v.trim().eq_ignore_ascii_case(value)))
    }
}

/// What one call needs besides the company.
struct Call {
    ctx: WriteCtx,
    params: Params,
}

/// `minorversion`: any integer; values under 75 are served as 75 (Intuit's rule since August
/// 2025), missing means the latest (75).
fn check_minor_version(params: &Params) -> Result<(), Fault> {
    match params.get("minorversion") {
        Some(v) if v.trim().parse::<u32>().is_err() => Err(Fault::invalid_request(format!(
            "Invalid minor version: {v}"
        ))
        .with_element("minorversion")),
        _ => Ok(()),
    }
}

/// Runs one API call through auth, limits, minorversion and requestid replay. `op` returns
/// the envelope's payload (without `time`).
fn call(
    state: &EmulatorState,
    headers: &HeaderMap,
    realm: &str,
    raw: Option<&str>,
    is_post: bool,
    is_batch: bool,
    op: impl FnOnce(&mut Inner, &Call) -> Result<Obj, Fault>,
) -> Response {
    let caller = match authorize(state, headers, realm) {
        Ok(c) => c,
        Err(response) => return *response,
    };
    if let Err(response) = throttle(state, &caller, realm, is_batch) {
        return *response;
    }
    let now = state.now();
    let params = Params::new(raw);
    if let Err(fault) = check_minor_version(&params) {
        return fault.response(now);
    }
    let request_id = if is_post {
        params.get("requestid").map(str::to_owned)
    } else {
        None
    };
    let ctx = WriteCtx {
        now,
        today: company_date(now),
        allow_duplicate_doc_number: params.includes("allowduplicatedocnum"),
    };
    let mut inner = state.lock();
    if let Some(id) = &request_id {
        if let Err(fault) = IdemStore::validate(id, is_batch) {
            return fault.response(now);
        }
        if let Some(cached) = inner.idem.get(realm, id, now) {
            tracing::info!(realm_id = %realm, request_id = %id, "quickbooks requestid replayed");
            let status = StatusCode::from_u16(cached.status).unwrap_or(StatusCode::OK);
            return (
                status,
                [(
                    axum::http::header::CONTENT_TYPE,
                    "application/json;charset=UTF-8",
                )],
                cached.body.clone(),
            )
                .into_response();
        }
    }
    let (status, body) = match op(&mut inner, &Call { ctx, params }) {
        Ok(mut payload) => {
            payload.insert("time", format_envelope_time(now));
            (StatusCode::OK, Json::Obj(payload).to_text())
        }
        Err(fault) => {
            tracing::info!(realm_id = %realm, code = fault.code(), "quickbooks fault");
            let body = obj! { "Fault" => fault.to_obj(), "time" => format_envelope_time(now) };
            (fault.status, Json::Obj(body).to_text())
        }
    };
    if let Some(id) = request_id {
        inner.idem.put(
            realm,
            &id,
            Cached {
                at: now,
                status: status.as_u16(),
                body: body.clone(),
            },
        );
    }
    drop(inner);
    (
        status,
        [(
            axum::http::header::CONTENT_TYPE,
            "application/json;charset=UTF-8",
        )],
        body,
    )
        .into_response()
}

fn unsupported_path(state: &EmulatorState, what: &str) -> Response {
    let mut fault = Fault::unsupported("Unknown");
    fault.errors[0].detail = format!("Could not find resource for relative : {what}");
    fault.response(state.now())
}

fn parse_body(body: &[u8]) -> Result<Obj, Fault> {
    match Json::parse(body) {
        Ok(Json::Obj(o)) => Ok(o),
        Ok(_) => Err(Fault::invalid_request(
            "The request body must be a JSON object",
        )),
        Err(e) => Err(Fault::invalid_request(format!(
            "Error parsing the request body as JSON: {e}"
        ))),
    }
}

/// `GET .../query?query=`, `GET .../cdc`, `GET .../preferences`.
pub(super) async fn get_root(
    State(state): State<EmulatorState>,
    Path((realm, entity)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    match entity.to_ascii_lowercase().as_str() {
        "query" => call(
            &state,
            &headers,
            &realm,
            raw.as_deref(),
            false,
            false,
            |inner, c| {
                let text = c
                    .params
                    .get("query")
                    .ok_or_else(|| Fault::required("query"))?;
                Ok(obj! { "QueryResponse" => query::run(&inner.company, text)? })
            },
        ),
        "cdc" => call(
            &state,
            &headers,
            &realm,
            raw.as_deref(),
            false,
            false,
            |inner, c| {
                let response = cdc::run(
                    &inner.company,
                    c.ctx.now,
                    c.params.get("entities"),
                    c.params.get("changedSince"),
                )?;
                Ok(obj! { "CDCResponse" => response })
            },
        ),
        "preferences" => call(
            &state,
            &headers,
            &realm,
            raw.as_deref(),
            false,
            false,
            |inner, _| {
                let prefs = inner
                    .company
                    .live(Kind::Preferences)
                    .next()
                    .map(|r| r.render())
                    .unwrap_or_default();
                Ok(obj! { "Preferences" => prefs })
            },
        ),
        _ => unsupported_path(&state, &format!("/v3/company/{realm}/{entity}")),
    }
}

/// `POST .../{entity}` (create, update, delete, void), `.../query`, `.../batch`.
pub(super) async fn post_root(
    State(state): State<EmulatorState>,
    Path((realm, entity)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lower = entity.to_ascii_lowercase();
    match lower.as_str() {
        "query" => call(
            &state,
            &headers,
            &realm,
            raw.as_deref(),
            true,
            false,
            |inner, c| {
                let text = String::from_utf8_lossy(&body);
                let text = if text.trim().is_empty() {
                    c.params.get("query").unwrap_or_default().to_owned()
                } else {
                    text.into_owned()
                };
                Ok(obj! { "QueryResponse" => query::run(&inner.company, &text)? })
            },
        ),
        "batch" => call(
            &state,
            &headers,
            &realm,
            raw.as_deref(),
            true,
            true,
            |inner, c| {
                let request = Json::parse(&body)
                    .map_err(|e| Fault::invalid_request(format!("Error parsing batch: {e}")))?;
                let with_id = c.params.get("requestid").is_some();
                Ok(
                    obj! { "BatchItemResponse" => batch::run(&mut inner.company, &c.ctx, c.ctx.now, &request, with_id)? },
                )
            },
        ),
        _ => match Kind::parse(&lower) {
            Some(kind) => call(
                &state,
                &headers,
                &realm,
                raw.as_deref(),
                true,
                false,
                |inner, c| {
                    let request = parse_body(&body)?;
                    let op = match Op::parse(c.params.get("operation"))? {
                        Op::Create if request.contains("Id") => Op::Update,
                        Op::Update if c.params.includes("void") => Op::Void,
                        op => op,
                    };
                    let result = ops::execute(&mut inner.company, &c.ctx, kind, op, request)?;
                    let id = result.str("Id").unwrap_or_default();
                    tracing::info!(realm_id = %realm, entity = kind.name(), id, op = ?op, "quickbooks write");
                    Ok(obj! { kind.name() => result })
                },
            ),
            None => unsupported_path(&state, &format!("/v3/company/{realm}/{entity}")),
        },
    }
}

/// `GET .../{entity}/{id}` and `GET .../companyinfo/{realmId}`.
pub(super) async fn get_one(
    State(state): State<EmulatorState>,
    Path((realm, entity, id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Some(kind) = Kind::parse(&entity) else {
        return unsupported_path(&state, &format!("/v3/company/{realm}/{entity}/{id}"));
    };
    call(
        &state,
        &headers,
        &realm,
        raw.as_deref(),
        false,
        false,
        |inner, _| {
            let found = if kind == Kind::CompanyInfo && id == inner.company.realm {
                inner
                    .company
                    .live(Kind::CompanyInfo)
                    .next()
                    .map(|r| r.render())
                    .ok_or_else(|| Fault::not_found("CompanyInfo", &id))?
            } else {
                ops::read(&inner.company, kind, &id)?
            };
            Ok(obj! { kind.name() => found })
        },
    )
}

/// `POST .../taxservice/taxcode`.
pub(super) async fn post_sub(
    State(state): State<EmulatorState>,
    Path((realm, first, second)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !(first.eq_ignore_ascii_case("taxservice") && second.eq_ignore_ascii_case("taxcode")) {
        return unsupported_path(&state, &format!("/v3/company/{realm}/{first}/{second}"));
    }
    call(
        &state,
        &headers,
        &realm,
        raw.as_deref(),
        true,
        false,
        |inner, c| {
            let request = parse_body(&body)?;
            taxservice::create(&mut inner.company, c.ctx.now, &request)
        },
    )
}
