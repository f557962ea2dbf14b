//! `POST /batch`: up to 30 `BatchItemRequest`s, run one after the other, each answered by a
//! `BatchItemResponse` with the entity, a `QueryResponse`, a `CDCResponse` or its own `Fault`
//! (the batch itself still answers 200).
//!
//! Choices: an item without `operation` is a create (node-quickbooks sends none); items run
//! in order and each sees the effects of the ones before it; more than 30 items refuses the
//! whole batch (1040) without running any; with a `requestid`, every `bId` must be at most 10
//! characters (Intuit's request-id page), else the batch is refused (2050).

use chrono::{DateTime, Utc};

use crate::fault::Fault;
use crate::json::{Json, Obj};
use crate::model::names::WriteCtx;
use crate::model::{Company, Kind};
use crate::ops::{self, Op};
use crate::{cdc, query};

/// The most items one batch may carry.
pub const MAX_ITEMS: usize = 30;
/// The longest `bId` when the batch carries a `requestid`.
pub const MAX_BID_WITH_REQUEST_ID: usize = 10;

/// Runs a batch and returns the `BatchItemResponse` array.
pub fn run(
    co: &mut Company,
    ctx: &WriteCtx,
    now: DateTime<Utc>,
    body: &Json,
    with_request_id: bool,
) -> Result<Json, Fault> {
    let items = body
        .as_obj()
        .and_then(|b| b.get("BatchItemRequest"))
        .and_then(Json::as_arr)
        .ok_or_else(|| Fault::required("BatchItemRequest"))?;
    if items.len() > MAX_ITEMS {
        return Err(Fault::batch_too_large(MAX_ITEMS));
    }
    if with_request_id {
        for item in items.iter().filter_map(Json::as_obj) {
            let len = item.str("bId").map_or(0, |b| b.chars().count());
            if len > MAX_BID_WITH_REQUEST_ID {
                return Err(Fault::length("bId", MAX_BID_WITH_REQUEST_ID, len));
            }
        }
    }
    let mut responses = Vec::with_capacity(items.len());
    for item in items {
        let item = item.as_obj().cloned().unwrap_or_default();
        let mut response = Obj::new();
        response.insert("bId", item.get("bId").cloned().unwrap_or(Json::Null));
        match run_item(co, ctx, now, &item) {
            Ok((key, value)) => response.insert(key, value),
            Err(fault) => response.insert("Fault", fault.to_obj()),
        }
        responses.push(Json::Obj(response));
    }
    Ok(Json::Arr(responses))
}

fn run_item(
    co: &mut Company,
    ctx: &WriteCtx,
    now: DateTime<Utc>,
    item: &Obj,
) -> Result<(String, Json), Fault> {
    if item.str("bId").is_none() {
        return Err(Fault::required("bId"));
    }
    if let Some(statement) = item.get("Query") {
        let text = statement.as_str().ok_or_else(|| Fault::required("Query"))?;
        return Ok(("QueryResponse".into(), Json::Obj(query::run(co, text)?)));
    }
    if let Some(cdc) = item.obj("CDCQuery") {
        let response = cdc::run(co, now, cdc.str("Entities"), cdc.str("ChangedSince"))?;
        return Ok(("CDCResponse".into(), response));
    }
    let entity = item
        .keys()
        .filter(|k| !matches!(*k, "bId" | "operation" | "optionsData"))
        .find_map(|k| Kind::parse(k).map(|kind| (kind, k.to_owned())));
    let Some((kind, key)) = entity else {
        let named = item
            .keys()
            .find(|k| !matches!(*k, "bId" | "operation" | "optionsData"))
            .unwrap_or("(none)");
        return Err(Fault::invalid_object_name(named));
    };
    let body = item
        .obj(&key)
        .cloned()
        .ok_or_else(|| Fault::required(&key))?;
    let mut op = Op::parse(item.str("operation"))?;
    let options = item
        .str("optionsData")
        .unwrap_or_default()
        .to_ascii_lowercase();
    if op == Op::Update && options.split(',').any(|o| o.trim() == "void") {
        op = Op::Void;
    }
    let item_ctx = WriteCtx {
        allow_duplicate_doc_number: ctx.allow_duplicate_doc_number
            || options
                .split(',')
                .any(|o| o.trim() == "allowduplicatedocnum"),
        ..*ctx
    };
    let result = ops::execute(co, &item_ctx, kind, op, body)?;
    Ok((kind.name().to_owned(), Json::Obj(result)))
}
