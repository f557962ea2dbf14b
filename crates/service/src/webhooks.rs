//! Webhook notifications from the books: the signature check and what a verified body names.
//!
//! Both systems sign the raw body: `base64(HMAC-SHA256(key, body))`, QuickBooks in
//! `intuit-signature` with the app's verifier token, Xero in `x-xero-signature` with the
//! webhook key. The check runs on the bytes as received (before any parsing, so a re-encoded
//! body cannot pass) and compares in constant time (`Mac::verify_slice`). A notification only
//! says *which company changed*: the run that follows reads the changes through the API, so a
//! forged or replayed notification could at most cost a run, and it cannot pass the check.

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::Sha256;

/// Whether `signature` (the header's base64 text) is the HMAC-SHA256 of `body` under `key`.
/// A missing, non-base64 or wrong signature is `false`; the comparison is constant-time.
pub fn verify(key: &SecretString, body: &[u8], signature: Option<&str>) -> bool {
    let Some(signature) = signature else {
        return false;
    };
    let Ok(expected) = STANDARD.decode(signature.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.expose_secret().as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// The signature a sender puts in the header (tests and tools).
pub fn sign(key: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// A verified body that is not a notification of the expected shape.
#[derive(Debug, thiserror::Error)]
#[error("not a {system} webhook notification: {reason}")]
pub struct NotANotification {
    system: &'static str,
    reason: String,
}

fn refuse(system: &'static str, reason: impl Into<String>) -> NotANotification {
    NotANotification {
        system,
        reason: reason.into(),
    }
}

/// QuickBooks entities whose changes a books run reads (the others, a Vendor or a Bill, wake
/// nobody).
const QUICKBOOKS_ENTITIES: [&str; 6] = [
    "invoice",
    "payment",
    "customer",
    "creditmemo",
    "refundreceipt",
    "salesreceipt",
];

/// The realm ids a QuickBooks notification names for entities the bridge syncs, in either
/// format: CloudEvents (a JSON array of events with `specversion`, `type`
/// `qbo.<entity>.<operation>.v1` and `intuitaccountid`) or the legacy `eventNotifications`.
pub fn quickbooks_realms(body: &[u8]) -> Result<BTreeSet<String>, NotANotification> {
    const QBO: &str = "QuickBooks";
    let value: Value = serde_json::from_slice(body).map_err(|e| refuse(QBO, e.to_string()))?;
    let mut realms = BTreeSet::new();
    match &value {
        Value::Array(events) => {
            for event in events {
                if event.get("specversion").is_none() {
                    return Err(refuse(QBO, "an event without specversion"));
                }
                let kind = event["type"]
                    .as_str()
                    .ok_or_else(|| refuse(QBO, "an event without type"))?;
                let realm = event["intuitaccountid"]
                    .as_str()
                    .ok_or_else(|| refuse(QBO, "an event without intuitaccountid"))?;
                let entity = kind.split('.').nth(1).unwrap_or_default();
                if QUICKBOOKS_ENTITIES.contains(&entity.to_ascii_lowercase().as_str()) {
                    realms.insert(realm.to_owned());
                }
            }
        }
        Value::Object(_) => {
            let notifications = value["eventNotifications"]
                .as_array()
                .ok_or_else(|| refuse(QBO, "no eventNotifications array"))?;
            for notification in notifications {
                let realm = notification["realmId"]
                    .as_str()
                    .ok_or_else(|| refuse(QBO, "a notification without realmId"))?;
                let entities = notification["dataChangeEvent"]["entities"]
                    .as_array()
                    .ok_or_else(|| refuse(QBO, "a notification without entities"))?;
                let synced = entities.iter().any(|e| {
                    e["name"].as_str().is_some_and(|name| {
                        QUICKBOOKS_ENTITIES.contains(&name.to_ascii_lowercase().as_str())
                    })
                });
                if synced {
                    realms.insert(realm.to_owned());
                }
            }
        }
        _ => return Err(refuse(QBO, "neither an array nor an object")),
    }
    Ok(realms)
}

/// Xero event categories a books run reads (payments have none: Xero sends no payment
/// events, which the safety poll covers).
const XERO_CATEGORIES: [&str; 3] = ["INVOICE", "CREDITNOTE", "CONTACT"];

/// The Xero tenant ids a notification names for categories the bridge syncs. An intent-to-
/// receive payload (`"events": []`) names none.
pub fn xero_tenants(body: &[u8]) -> Result<BTreeSet<String>, NotANotification> {
    const XERO: &str = "Xero";
    let value: Value = serde_json::from_slice(body).map_err(|e| refuse(XERO, e.to_string()))?;
    let events = value["events"]
        .as_array()
        .ok_or_else(|| refuse(XERO, "no events array"))?;
    let mut tenants = BTreeSet::new();
    for event in events {
        let tenant = event["tenantId"]
            .as_str()
            .ok_or_else(|| refuse(XERO, "an event without tenantId"))?;
        let category = event["eventCategory"].as_str().unwrap_or_default();
        if XERO_CATEGORIES.contains(&category) {
            tenants.insert(tenant.to_owned());
        }
    }
    Ok(tenants)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEGACY: &str = r#"{"eventNotifications":[{"realmId":"1185883450","dataChangeEvent":{"entities":[{"name":"Customer","id":"1","operation":"Create","lastUpdated":"2015-10-05T14:42:19-0700"}]}}]}"#;

    #[test]
    fn the_published_quickbooks_vector_verifies_and_any_other_body_does_not() {
        let key = SecretString::from("verifier-token-example");
        let signature = "EfHoL/Jcn2M6tBOsHcC/6CABYnTxqlUYEzms5kG25P0=";
        assert!(verify(&key, LEGACY.as_bytes(), Some(signature)));
        assert_eq!(sign("verifier-token-example", LEGACY.as_bytes()), signature);
        // The same signature on another body (a replay with an edited body), a missing one,
        // one that is not base64, another key.
        let edited = LEGACY.replace("1185883450", "1185883451");
        assert!(!verify(&key, edited.as_bytes(), Some(signature)));
        assert!(!verify(&key, LEGACY.as_bytes(), None));
        assert!(!verify(&key, LEGACY.as_bytes(), Some("not base64!")));
        let other = SecretString::from("another-token");
        assert!(!verify(&other, LEGACY.as_bytes(), Some(signature)));
    }

    #[test]
    fn quickbooks_both_formats_name_their_realms_for_synced_entities_only() {
        assert_eq!(
            quickbooks_realms(LEGACY.as_bytes()).unwrap(),
            BTreeSet::from(["1185883450".to_owned()])
        );
        let cloud = r#"[
          {"specversion":"1.0","id":"a","source":"intuit.x","type":"qbo.payment.created.v1",
           "datacontenttype":"application/json","time":"2025-09-10T21:31:25Z",
           "intuitentityid":"12","intuitaccountid":"310687","data":{}},
          {"specversion":"1.0","id":"b","source":"intuit.x","type":"qbo.vendor.created.v1",
           "intuitentityid":"3","intuitaccountid":"999","data":{}}]"#;
        assert_eq!(
            quickbooks_realms(cloud.as_bytes()).unwrap(),
            BTreeSet::from(["310687".to_owned()]),
            "a vendor change wakes nobody"
        );
        assert!(quickbooks_realms(b"[{\"type\":\"qbo.invoice.created.v1\"}]").is_err());
        assert!(quickbooks_realms(b"{\"BadJson\":true}").is_err());
        assert!(quickbooks_realms(b"not json").is_err());
    }

    #[test]
    fn xero_events_name_tenants_and_intent_to_receive_names_none() {
        let itr = r#"{"events":[],"lastEventSequence":0,"firstEventSequence":0,"entropy":"S0m3"}"#;
        assert!(xero_tenants(itr.as_bytes()).unwrap().is_empty());
        let events = r#"{"events":[
          {"resourceUrl":"https://api.xero.com/api.xro/2.0/Invoices/1","resourceId":"1",
           "eventDateUtc":"2024-06-21T01:15:39.902","eventType":"UPDATE","eventCategory":"INVOICE",
           "tenantId":"c2cc","tenantType":"ORGANISATION"},
          {"resourceId":"s","eventType":"CREATE","eventCategory":"SUBSCRIPTION",
           "tenantId":"app","tenantType":"APPLICATION"}],
          "firstEventSequence":1,"lastEventSequence":2,"entropy":"x"}"#;
        assert_eq!(
            xero_tenants(events.as_bytes()).unwrap(),
            BTreeSet::from(["c2cc".to_owned()])
        );
        assert!(xero_tenants(b"[]").is_err());
    }
}
