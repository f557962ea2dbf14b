//! The two notification bodies QuickBooks sends (fact sheet §10.1 and §10.4).

use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::changes::Change;

/// Which body QuickBooks sends: CloudEvents since the 2026 migration (the default), or the
/// legacy `eventNotifications` object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    #[default]
    CloudEvents,
    Legacy,
}

impl WebhookFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::CloudEvents => "cloudevents",
            WebhookFormat::Legacy => "legacy",
        }
    }
}

/// The CloudEvents `source` of the sandbox app (real ones look like `intuit.<opaque id>`).
pub const CLOUD_EVENTS_SOURCE: &str = "intuit.ledgerbridgeSandboxApp0000000000000000=";

/// One POST body for `changes` of `realm`.
pub(super) fn render(format: WebhookFormat, realm: &str, changes: &[Change]) -> Vec<u8> {
    let value = match format {
        WebhookFormat::CloudEvents => cloud_events(realm, changes),
        WebhookFormat::Legacy => legacy(realm, changes),
    };
    serde_json::to_vec(&value).expect("a JSON value serializes")
}

/// `[{specversion, id, source, type, datacontenttype, time, intuitentityid, intuitaccountid,
/// data}]`; `type` is `qbo.<entity lower case>.<created|updated|deleted|voided>.v1`.
fn cloud_events(realm: &str, changes: &[Change]) -> Value {
    let events: Vec<Value> = changes
        .iter()
        .map(|c| {
            json!({
                "specversion": "1.0",
                "id": uuid::Uuid::new_v4().to_string(),
                "source": CLOUD_EVENTS_SOURCE,
                "type": format!(
                    "qbo.{}.{}.v1",
                    c.kind.name().to_ascii_lowercase(),
                    c.operation.cloud_event_verb()
                ),
                "datacontenttype": "application/json",
                "time": c.at.to_rfc3339_opts(SecondsFormat::Nanos, true),
                "intuitentityid": c.id,
                "intuitaccountid": realm,
                "data": {},
            })
        })
        .collect();
    Value::Array(events)
}

/// `{"eventNotifications":[{"realmId", "dataChangeEvent":{"entities":[{name, id, operation,
/// lastUpdated}]}}]}`; `lastUpdated` in the company's offset, as the documented sample
/// (`2015-10-05T14:42:19-0700`).
fn legacy(realm: &str, changes: &[Change]) -> Value {
    let entities: Vec<Value> = changes
        .iter()
        .map(|c| {
            json!({
                "name": c.kind.name(),
                "id": c.id,
                "operation": c.operation.legacy(),
                "lastUpdated": c
                    .at
                    .with_timezone(&crate::time::offset())
                    .format("%Y-%m-%dT%H:%M:%S%z")
                    .to_string(),
            })
        })
        .collect();
    json!({
        "eventNotifications": [{
            "realmId": realm,
            "dataChangeEvent": { "entities": entities },
        }]
    })
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::model::Kind;
    use crate::webhooks::Operation;

    #[test]
    fn both_formats_name_entity_operation_and_time() {
        let at = DateTime::from_timestamp(1_444_081_339, 0).expect("valid");
        let changes = [Change {
            kind: Kind::CreditMemo,
            id: "42".into(),
            operation: Operation::Void,
            at,
        }];
        let events: Value =
            serde_json::from_slice(&render(WebhookFormat::CloudEvents, "9", &changes))
                .expect("JSON");
        assert_eq!(events[0]["type"], "qbo.creditmemo.voided.v1");
        assert_eq!(events[0]["time"], "2015-10-05T21:42:19.000000000Z");
        assert_eq!(events[0]["intuitaccountid"], "9");
        let legacy: Value =
            serde_json::from_slice(&render(WebhookFormat::Legacy, "9", &changes)).expect("JSON");
        assert_eq!(
            legacy,
            json!({"eventNotifications": [{"realmId": "9", "dataChangeEvent": {"entities": [
                {"name": "CreditMemo", "id": "42", "operation": "Void",
                 "lastUpdated": "2015-10-05T15:42:19-0600"}
            ]}}]})
        );
    }
}
