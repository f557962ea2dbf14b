//! `POST /taxservice/taxcode`: the only way to create tax codes and rates (they are read-only
//! through the entity endpoints). The response is not wrapped in an entity key.

use chrono::{DateTime, Utc};

use crate::fault::Fault;
use crate::json::{Json, Obj, reference};
use crate::model::names::find_by_name;
use crate::model::{Company, Kind};
use crate::obj;

/// Creates a TaxCode from new or existing rates; returns `{TaxCode, TaxCodeId, TaxRateDetails}`.
pub(super) fn create(co: &mut Company, now: DateTime<Utc>, request: &Obj) -> Result<Obj, Fault> {
    crate::schema::check_tax_service(request)?;
    let code_name = request
        .str("TaxCode")
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Fault::required("TaxCode"))?;
    if let Some(existing) = find_by_name(co, Kind::TaxCode, code_name) {
        return Err(Fault::duplicate_name(&existing.id).with_element("TaxCode"));
    }
    let details = request.arr("TaxRateDetails");
    if details.is_empty() {
        return Err(Fault::required("TaxRateDetails"));
    }
    // Validate everything before writing anything.
    let mut plan: Vec<(Option<String>, Obj)> = Vec::new();
    for detail in details {
        let detail = detail.as_obj().cloned().unwrap_or_default();
        let applicable = detail.str("TaxApplicableOn").unwrap_or("Sales");
        if applicable != "Sales" && applicable != "Purchase" {
            return Err(Fault::invalid_enum("TaxApplicableOn", applicable));
        }
        if let Some(rate_id) = detail.str("TaxRateId") {
            co.get(Kind::TaxRate, rate_id)
                .ok_or_else(|| Fault::not_found("TaxRate", rate_id))?;
            plan.push((Some(rate_id.to_owned()), detail));
            continue;
        }
        let name = detail
            .str("TaxRateName")
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| Fault::required("TaxRateName"))?;
        if let Some(existing) = find_by_name(co, Kind::TaxRate, name) {
            return Err(Fault::duplicate_name(&existing.id).with_element("TaxRateName"));
        }
        match detail.decimal("RateValue") {
            Ok(Some(_)) => {}
            Ok(None) => return Err(Fault::required("RateValue")),
            Err(_) => return Err(Fault::invalid_number("RateValue")),
        }
        plan.push((None, detail));
    }
    let mut rate_refs = Vec::new();
    let mut out_details = Vec::new();
    for (existing, detail) in plan {
        let applicable = detail.str("TaxApplicableOn").unwrap_or("Sales").to_owned();
        let id = match existing {
            Some(id) => {
                out_details.push(Json::Obj(
                    obj! { "TaxRateId" => id.as_str(), "TaxApplicableOn" => applicable.as_str() },
                ));
                id
            }
            None => {
                let name = detail
                    .str("TaxRateName")
                    .unwrap_or_default()
                    .trim()
                    .to_owned();
                let rate = detail
                    .decimal("RateValue")
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                let agency = detail.str("TaxAgencyId").unwrap_or("1").to_owned();
                let body = obj! {
                    "Name" => name.as_str(),
                    "Description" => name.as_str(),
                    "Active" => true,
                    "RateValue" => Json::num(rate.normalize()),
                    "AgencyRef" => reference(&agency, None),
                    "SpecialTaxType" => "NONE",
                    "DisplayType" => "ReadOnly",
                };
                let id = co.insert_new(Kind::TaxRate, body, now);
                out_details.push(Json::Obj(obj! {
                    "TaxRateName" => name.as_str(),
                    "TaxRateId" => id.as_str(),
                    "RateValue" => Json::num(rate.normalize()),
                    "TaxAgencyId" => agency.as_str(),
                    "TaxApplicableOn" => applicable.as_str(),
                }));
                id
            }
        };
        let name = co
            .get(Kind::TaxRate, &id)
            .and_then(|r| r.body.str("Name"))
            .unwrap_or_default()
            .to_owned();
        rate_refs.push(Json::Obj(obj! {
            "TaxRateRef" => reference(&id, Some(&name)),
            "TaxTypeApplicable" => "TaxOnAmount",
            "TaxOrder" => Json::int(0),
        }));
    }
    let code = obj! {
        "Name" => code_name,
        "Description" => code_name,
        "Active" => true,
        "Hidden" => false,
        "Taxable" => true,
        "TaxGroup" => rate_refs.len() > 1,
        "SalesTaxRateList" => obj! { "TaxRateDetail" => Json::Arr(rate_refs) },
        "PurchaseTaxRateList" => obj! { "TaxRateDetail" => Json::Arr(vec![]) },
    };
    let code_id = co.insert_new(Kind::TaxCode, code, now);
    tracing::info!(realm_id = %co.realm, tax_code_id = %code_id, "quickbooks tax code created");
    Ok(
        obj! { "TaxCode" => code_name, "TaxCodeId" => code_id.as_str(), "TaxRateDetails" => Json::Arr(out_details) },
    )
}
