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

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use uuid::Uuid;

    use super::*;
    use crate::webhooks::{Category, EventType};

    #[test]
    fn credit_notes_carry_their_type_and_status_and_sequences_count_events() {
        let at = DateTime::from_timestamp_millis(1_718_932_539_902).expect("valid");
        let change = |category, credit_note| Change {
            category,
            id: Uuid::nil(),
            event_type: EventType::Update,
            at,
            credit_note,
        };
        let changes = [
            change(Category::Contact, None),
            change(
                Category::CreditNote,
                Some(("ACCRECCREDIT".into(), "AUTHORISED".into())),
            ),
        ];
        let body: Value =
            serde_json::from_slice(&events("http://h", "t", &changes, 7)).expect("JSON");
        assert_eq!(body["firstEventSequence"], 7);
        assert_eq!(body["lastEventSequence"], 8);
        assert_eq!(body["entropy"].as_str().map(str::len), Some(20));
        let note = &body["events"][1];
        assert_eq!(
            note["resourceUrl"],
            format!("http://h/api.xro/2.0/CreditNotes/{}", Uuid::nil())
        );
        assert_eq!(note["eventDateUtc"], "2024-06-21T01:15:39.902");
        assert_eq!(
            note["data"],
            json!({"Type": "ACCRECCREDIT", "Status": "AUTHORISED"})
        );
        assert!(body["events"][0].get("data").is_none());
    }
}
