//! The bodies Xero POSTs (spec `xero-webhooks.yaml`, `WebhookEvent`).

use rand::Rng;
use serde_json::{Value, json};

use super::changes::Change;

/// `{"events": [...], "firstEventSequence", "lastEventSequence", "entropy"}`; `first` is the
/// sequence number of the first event.
pub(super) fn events(base_url: &str, tenant_id: &str, changes: &[Change], first: u32) -> Vec<u8> {
    let events: Vec<Value> = changes
        .iter()
        .map(|c| {
            let mut event = json!({
                "resourceUrl": format!(
                    "{base_url}/api.xro/2.0/{}/{}",
                    c.category.collection(),
                    c.id
                ),
                "resourceId": c.id.to_string(),
                "eventDateUtc": c.at.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
                "eventType": c.event_type.as_str(),
                "eventCategory": c.category.as_str(),
                "tenantId": tenant_id,
                "tenantType": "ORGANISATION",
            });
            if let Some((kind, status)) = &c.credit_note {
                event["data"] = json!({ "Type": kind, "Status": status });
            }
            event
        })
        .collect();
    let last = first + changes.len().saturating_sub(1) as u32;
    body(events, first, last)
}

/// An intent-to-receive probe: no events, sequences 0.
pub(super) fn intent_to_receive() -> Vec<u8> {
    body(Vec::new(), 0, 0)
}

fn body(events: Vec<Value>, first: u32, last: u32) -> Vec<u8> {
    let value = json!({
        "events": events,
        "firstEventSequence": first,
        "lastEventSequence": last,
        "entropy": entropy(),
    });
    serde_json::to_vec(&value).expect("a JSON value serializes")
}

/// 20 random capital letters, like the spec's example `FXNGWLCCGVANWHKILRUB`.
fn entropy() -> String {
    let mut rng = rand::rng();
    (0..20)
        .map(|_| char::from(rng.random_range(b'A'..=b'Z')))
        .collect()
}
