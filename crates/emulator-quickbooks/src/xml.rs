//! XML answers, as QuickBooks gives them.
//!
//! * `/v3/company/...` answers `application/xml` unless the request's `Accept` asks for JSON
//!   (fact sheet §2: a client that misspelled the header got XML, oauth-jsclient issue #135);
//!   JSON only when asked.
//! * A 429 throttle body is XML (`<IntuitResponse><Fault type="SERVICE"><Error code="3001">`)
//!   even when JSON was asked, as the real service has been observed to answer (the captured
//!   throttle bodies in `ruckus/quickbooks-ruby` `spec/fixtures/{too_many_requests,
//!   throttle_exceeded}_error.xml` are XML): clients must key their retry on the status.
//!
//! The rendering follows Intuit's v3 XSD (`IntuitRestServiceDef.xsd`, `IntuitBaseTypes.xsd`):
//! the envelope is `<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="...">`;
//! `domain`, `sparse`, `status` (entities), `startPosition`, `maxResults`, `totalCount`
//! (`QueryResponse`), `bId` (batch items), `code`, `element` (`Error`) and a `Fault`'s `type`
//! are XML attributes; a reference or memo (`{"value": .., "name": ..}`) is simple content
//! with its other keys as attributes; an array is the element repeated.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::json::{Json, Obj};

const NAMESPACE: &str = "http://schema.intuit.com/finance/v3";
/// Keys that are XML attributes wherever they appear (XSD attributes of IntuitEntity,
/// QueryResponse, BatchItemResponse, CDCResponse and Error).
const ATTRIBUTES: [&str; 10] = [
    "domain",
    "sparse",
    "status",
    "startPosition",
    "maxResults",
    "totalCount",
    "bId",
    "code",
    "element",
    "size",
];
/// The largest body converted (the emulator's pages are far smaller).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// Whether the request asked for JSON (`Accept: application/json`, any JSON media type).
pub fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("json"))
}

/// The layer over the API: converts JSON answers to XML unless JSON was asked, and every 429
/// to XML.
pub async fn negotiate(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/v3/company/");
    let json_asked = wants_json(request.headers());
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    let throttled = response.status() == StatusCode::TOO_MANY_REQUESTS;
    if !is_api || !is_json || (json_asked && !throttled) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Some(xml) = Json::parse(&bytes).ok().as_ref().and_then(render) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml;charset=UTF-8"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(xml))
}

/// Renders a JSON envelope (`{"Invoice": {..}, "time": ".."}`, a `Fault`, the 401's
/// lower-case body) as an `IntuitResponse` document.
pub fn render(envelope: &Json) -> Option<String> {
    let envelope = envelope.as_obj()?;
    let envelope = match envelope.obj("fault") {
        Some(fault) => authentication_fault(fault, envelope.get("time")),
        None => envelope.clone(),
    };
    let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#);
    out.push_str(&format!(r#"<IntuitResponse xmlns="{NAMESPACE}""#));
    if let Some(time) = envelope.get("time").and_then(scalar_text) {
        out.push_str(&format!(r#" time="{}""#, escape(&time)));
    }
    out.push('>');
    for (key, value) in envelope.iter().filter(|(k, _)| *k != "time") {
        element(&mut out, key, value);
    }
    out.push_str("</IntuitResponse>");
    Some(out)
}

/// The 401's lower-case `{"fault": {"error": [..], "type"}}` in the XSD's `Fault` form.
fn authentication_fault(fault: &Obj, time: Option<&Json>) -> Obj {
    let errors = fault
        .arr("error")
        .iter()
        .filter_map(Json::as_obj)
        .map(|e| {
            let mut error = Obj::new();
            for (from, to) in [
                ("message", "Message"),
                ("detail", "Detail"),
                ("code", "code"),
            ] {
                if let Some(v) = e.get(from) {
                    error.insert(to, v.clone());
                }
            }
            Json::Obj(error)
        })
        .collect();
    let mut converted = Obj::new();
    converted.insert("Error", Json::Arr(errors));
    converted.insert("type", fault.get("type").cloned().unwrap_or(Json::Null));
    let mut envelope = Obj::new();
    envelope.insert("Fault", Json::Obj(converted));
    if let Some(time) = time {
        envelope.insert("time", time.clone());
    }
    envelope
}

fn scalar_text(value: &Json) -> Option<String> {
    match value {
        Json::Bool(b) => Some(b.to_string()),
        Json::Num(n) => Some(n.clone()),
        Json::Str(s) => Some(s.clone()),
        _ => None,
    }
}

fn is_attribute(parent: &str, key: &str, value: &Json) -> bool {
    let named = ATTRIBUTES.contains(&key) || (parent == "Fault" && key == "type");
    named && scalar_text(value).is_some()
}

fn element(out: &mut String, name: &str, value: &Json) {
    match value {
        Json::Null => {}
        Json::Arr(items) => items.iter().for_each(|item| element(out, name, item)),
        Json::Obj(obj) => object(out, name, obj),
        scalar => {
            let text = scalar_text(scalar).unwrap_or_default();
            out.push_str(&format!("<{name}>{}</{name}>", escape(&text)));
        }
    }
}

fn object(out: &mut String, name: &str, obj: &Obj) {
    out.push('<');
    out.push_str(name);
    // A reference or memo: `value` is the content, every other scalar key an attribute.
    let simple = obj.get("value").and_then(scalar_text);
    for (key, value) in obj.iter() {
        let as_attribute = if simple.is_some() {
            key != "value"
        } else {
            is_attribute(name, key, value)
        };
        if as_attribute && let Some(text) = scalar_text(value) {
            out.push_str(&format!(r#" {key}="{}""#, escape(&text)));
        }
    }
    out.push('>');
    if let Some(text) = simple {
        out.push_str(&escape(&text));
    } else {
        for (key, value) in obj.iter().filter(|(k, v)| !is_attribute(name, k, v)) {
            element(out, key, value);
        }
    }
    out.push_str(&format!("</{name}>"));
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_references_and_faults_render_as_the_xsd_says() {
        let invoice = Json::parse(
            br#"{"Invoice":{"domain":"QBO","sparse":false,"Id":"12","CustomerRef":{"value":"1","name":"A & B"},
                "Line":[{"Id":"1","Amount":10.00},{"Id":"2","Amount":5}],"CustomField":[]},"time":"2025-06-01T09:00:00.000-06:00"}"#,
        )
        .expect("json");
        let xml = render(&invoice).expect("rendered");
        assert!(xml.contains(r#"<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="2025-06-01T09:00:00.000-06:00">"#), "{xml}");
        assert!(xml.contains(r#"<Invoice domain="QBO" sparse="false"><Id>12</Id><CustomerRef name="A &amp; B">1</CustomerRef><Line><Id>1</Id><Amount>10.00</Amount></Line><Line><Id>2</Id>"#), "{xml}");
        let fault = Json::parse(
            br#"{"Fault":{"Error":[{"Message":"m","Detail":"d","code":"3001","element":""}],"type":"SERVICE"},"time":"t"}"#,
        )
        .expect("json");
        let xml = render(&fault).expect("rendered");
        assert!(xml.contains(r#"<Fault type="SERVICE"><Error code="3001" element=""><Message>m</Message><Detail>d</Detail></Error></Fault>"#), "{xml}");
        let unauthorized = Json::parse(
            br#"{"warnings":null,"fault":{"error":[{"message":"x","detail":"y","code":"3200","element":null}],"type":"AUTHENTICATION"},"time":1}"#,
        )
        .expect("json");
        let xml = render(&unauthorized).expect("rendered");
        assert!(xml.contains(r#"<Fault type="AUTHENTICATION"><Error code="3200"><Message>x</Message><Detail>y</Detail></Error></Fault>"#), "{xml}");
    }
}
