//! The collection's folders and requests.

use serde_json::{Value, json};

use super::scripts::{SERVICETITAN_TOKEN, consent_redirect, expect, refresh, token_answer};

/// Collection variables the scripts fill in as the run goes.
pub(super) const RUNTIME_VARIABLES: [&str; 17] = [
    "st_access_token",
    "st_token_expires_at",
    "st_invoice_id",
    "qbo_code",
    "qbo_access_token",
    "qbo_refresh_token",
    "qbo_expires_at",
    "qbo_customer_id",
    "qbo_item_id",
    "qbo_invoice_id",
    "xero_code",
    "xero_access_token",
    "xero_refresh_token",
    "xero_expires_at",
    "xero_tenant_id",
    "xero_contact_id",
    "xero_invoice_id",
];

fn script(listen: &str, lines: Vec<String>) -> Value {
    json!({ "listen": listen, "script": { "type": "text/javascript", "exec": lines } })
}

fn lines(src: &[&str]) -> Vec<String> {
    src.iter().map(|l| (*l).to_owned()).collect()
}

fn headers(pairs: &[(&str, &str)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(k, v)| json!({ "key": k, "value": v }))
            .collect(),
    )
}

/// One request item; `body` is raw JSON text (or `Value::Null` for none).
fn request(
    name: &str,
    method: &str,
    url: &str,
    header: Value,
    body: Value,
    test: Vec<String>,
) -> Value {
    let mut request = json!({ "method": method, "header": header, "url": url });
    if let Value::String(raw) = body {
        request["body"] =
            json!({ "mode": "raw", "raw": raw, "options": { "raw": { "language": "json" } } });
    } else if body.is_array() {
        request["body"] = json!({ "mode": "urlencoded", "urlencoded": body });
    }
    json!({ "name": name, "event": [script("test", test)], "request": request })
}

fn form(pairs: &[(&str, &str)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(k, v)| json!({ "key": k, "value": v }))
            .collect(),
    )
}

fn basic(prefix: &str) -> Value {
    json!({ "type": "basic", "basic": [
        { "key": "username", "value": format!("{{{{{prefix}_client_id}}}}"), "type": "string" },
        { "key": "password", "value": format!("{{{{{prefix}_client_secret}}}}"), "type": "string" },
    ]})
}

fn folder(name: &str, description: &str, prerequest: Vec<String>, items: Vec<Value>) -> Value {
    json!({ "name": name, "description": description, "item": items, "event": [script("prerequest", prerequest)] })
}

/// ServiceTitan: customers, invoices, payments, export feeds, markasexported.
pub(super) fn servicetitan() -> Value {
    let st = |path: &str| format!("{{{{st_api_base}}}}/{path}");
    let auth = || {
        headers(&[
            ("Authorization", "Bearer {{st_access_token}}"),
            ("ST-App-Key", "{{st_app_key}}"),
        ])
    };
    let page = |what: &str| {
        expect(
            200,
            what,
            &[
                "pm.expect(body.data).to.be.an('array');",
                "pm.expect(body.hasMore).to.be.a('boolean');",
            ],
        )
    };
    let export = |what: &str| {
        expect(
            200,
            what,
            &[
                "pm.expect(body.data).to.be.an('array');",
                "pm.expect(body.continueFrom).to.be.a('string');",
            ],
        )
    };
    let mut invoices = page("a page of invoices");
    invoices.insert(
        invoices.len() - 1,
        "  pm.expect(body.data.length).to.be.above(0);".into(),
    );
    invoices.insert(
        invoices.len() - 1,
        "  pm.collectionVariables.set('st_invoice_id', String(body.data[0].id));".into(),
    );
    let items = vec![
        request("Customers", "GET", &st("crm/v2/tenant/{{st_tenant_id}}/customers?pageSize=5"), auth(), Value::Null, page("a page of customers")),
        request("Invoices", "GET", &st("accounting/v2/tenant/{{st_tenant_id}}/invoices?pageSize=5"), auth(), Value::Null, invoices),
        request("Payments", "GET", &st("accounting/v2/tenant/{{st_tenant_id}}/payments?pageSize=5"), auth(), Value::Null, page("a page of payments")),
        request("Export feed: invoices", "GET", &st("accounting/v2/tenant/{{st_tenant_id}}/export/invoices"), auth(), Value::Null, export("the invoice export feed")),
        request("Export feed: payments", "GET", &st("accounting/v2/tenant/{{st_tenant_id}}/export/payments"), auth(), Value::Null, export("the payment export feed")),
        request("Mark an invoice as exported", "POST", &st("accounting/v2/tenant/{{st_tenant_id}}/invoices/markasexported"),
            headers(&[("Authorization", "Bearer {{st_access_token}}"), ("ST-App-Key", "{{st_app_key}}"), ("Content-Type", "application/json")]),
            Value::String(r#"[{"invoiceId": {{st_invoice_id}}, "externalId": "postman-1", "externalMessage": "Exported by the Postman collection"}]"#.into()),
            expect(200, "one result per invoice", &["pm.expect(body).to.be.an('array').with.lengthOf(1);", "pm.expect(body[0].success).to.equal(true);"])),
    ];
    folder(
        "ServiceTitan",
        "Client-credentials token (folder pre-request script) and the ST-App-Key header on every call.",
        lines(SERVICETITAN_TOKEN),
        items,
    )
}

/// QuickBooks Online: consent, code exchange, query, invoice, payment, batch, CDC.
pub(super) fn quickbooks() -> Value {
    let consent = "{{qbo_authorize_url}}?client_id={{qbo_client_id}}&response_type=code&scope=com.intuit.quickbooks.accounting&redirect_uri={{qbo_redirect_uri}}&state=postman";
    let api = |path: &str| format!("{{{{qbo_api_base}}}}/v3/company/{{{{qbo_realm_id}}}}/{path}");
    let auth = || {
        headers(&[
            ("Authorization", "Bearer {{qbo_access_token}}"),
            ("Accept", "application/json"),
            ("Content-Type", "application/json"),
        ])
    };
    let mut approve = request(
        "Approve the consent (no redirect followed)",
        "POST",
        consent,
        headers(&[]),
        form(&[("decision", "approve")]),
        consent_redirect("qbo"),
    );
    approve["protocolProfileBehavior"] = json!({ "followRedirects": false });
    let mut token = request(
        "Exchange the code for tokens",
        "POST",
        "{{qbo_token_url}}",
        headers(&[("Accept", "application/json")]),
        form(&[
            ("grant_type", "authorization_code"),
            ("code", "{{qbo_code}}"),
            ("redirect_uri", "{{qbo_redirect_uri}}"),
        ]),
        token_answer("qbo"),
    );
    token["request"]["auth"] = basic("qbo");
    let items = vec![
        request("Consent page", "GET", consent, headers(&[]), Value::Null, vec![
            "pm.test('200: the consent form', () => {".into(), "  pm.response.to.have.status(200);".into(),
            "  pm.expect(pm.response.text()).to.include('<form method=\"post\"');".into(), "});".into()]),
        approve,
        token,
        request("Query customers", "GET", &api("query?minorversion=75&query=select%20*%20from%20Customer%20maxresults%205"), auth(), Value::Null,
            expect(200, "a QueryResponse of customers", &["pm.expect(body.QueryResponse.Customer).to.be.an('array').that.is.not.empty;",
                "pm.collectionVariables.set('qbo_customer_id', body.QueryResponse.Customer[0].Id);"])),
        request("Query a service item", "GET", &api("query?minorversion=75&query=select%20*%20from%20Item%20where%20Type%20%3D%20%27Service%27%20maxresults%201"), auth(), Value::Null,
            expect(200, "one service item", &["pm.expect(body.QueryResponse.Item).to.be.an('array').with.lengthOf(1);",
                "pm.collectionVariables.set('qbo_item_id', body.QueryResponse.Item[0].Id);"])),
        request("Create an invoice", "POST", &api("invoice?minorversion=75&requestid={{$guid}}"), auth(),
            Value::String(r#"{"CustomerRef": {"value": "{{qbo_customer_id}}"}, "Line": [{"Amount": 150.00, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "{{qbo_item_id}}"}, "Qty": 1, "UnitPrice": 150, "TaxCodeRef": {"value": "NON"}}}]}"#.into()),
            expect(200, "the stored invoice", &["pm.expect(body.Invoice.Id).to.be.a('string');", "pm.expect(body.Invoice.SyncToken).to.equal('0');",
                "pm.expect(body.Invoice.Balance).to.be.above(0);", "pm.collectionVariables.set('qbo_invoice_id', body.Invoice.Id);"])),
        request("Create a payment", "POST", &api("payment?minorversion=75&requestid={{$guid}}"), auth(),
            Value::String(r#"{"CustomerRef": {"value": "{{qbo_customer_id}}"}, "TotalAmt": 50.00, "Line": [{"Amount": 50.00, "LinkedTxn": [{"TxnId": "{{qbo_invoice_id}}", "TxnType": "Invoice"}]}]}"#.into()),
            expect(200, "the stored payment", &["pm.expect(body.Payment.Id).to.be.a('string');", "pm.expect(body.Payment.TotalAmt).to.equal(50);"])),
        request("Batch: a query and a create", "POST", &api("batch?minorversion=75"), auth(),
            Value::String(r#"{"BatchItemRequest": [{"bId": "q1", "Query": "select * from Invoice maxresults 2"}, {"bId": "c1", "operation": "create", "Customer": {"DisplayName": "Postman {{$timestamp}}"}}]}"#.into()),
            expect(200, "one answer per item", &["pm.expect(body.BatchItemResponse).to.be.an('array').with.lengthOf(2);",
                "pm.expect(body.BatchItemResponse[0].QueryResponse.Invoice).to.be.an('array');", "pm.expect(body.BatchItemResponse[1].Customer.Id).to.be.a('string');"])),
        request("Change data capture", "GET", &api("cdc?minorversion=75&entities=Invoice,Payment&changedSince={{qbo_cdc_since}}"), auth(), Value::Null,
            expect(200, "the invoice just created among the changes", &["const pages = body.CDCResponse[0].QueryResponse;", "pm.expect(pages).to.be.an('array').with.lengthOf(2);",
                "const ids = (pages[0].Invoice || []).map(i => i.Id);", "pm.expect(ids).to.include(pm.collectionVariables.get('qbo_invoice_id'));"])),
    ];
    let mut prerequest = refresh("qbo");
    prerequest.push("pm.variables.set('qbo_cdc_since', new Date(Date.now() - 3600000).toISOString().slice(0, 19) + 'Z');".into());
    folder(
        "QuickBooks Online",
        "OAuth 2.0 authorization code through the sandbox's consent page, then the API (Accept: application/json; without it QuickBooks answers XML). The folder pre-request script refreshes the access token before it expires.",
        prerequest,
        items,
    )
}

/// Xero: consent, code exchange, tenant, contacts, invoices, payments.
pub(super) fn xero() -> Value {
    let scope = "offline_access accounting.invoices accounting.payments accounting.contacts accounting.settings.read";
    let consent_query = format!(
        "response_type=code&client_id={{{{xero_client_id}}}}&redirect_uri={{{{xero_redirect_uri}}}}&scope={}&state=postman",
        scope.replace(' ', "%20")
    );
    let api = |path: &str| format!("{{{{xero_api_base}}}}/api.xro/2.0/{path}");
    let auth = || {
        headers(&[
            ("Authorization", "Bearer {{xero_access_token}}"),
            ("xero-tenant-id", "{{xero_tenant_id}}"),
            ("Accept", "application/json"),
            ("Content-Type", "application/json"),
        ])
    };
    let mut approve = request(
        "Approve the consent (no redirect followed)",
        "POST",
        "{{xero_authorize_url}}",
        headers(&[]),
        form(&[
            ("response_type", "code"),
            ("client_id", "{{xero_client_id}}"),
            ("redirect_uri", "{{xero_redirect_uri}}"),
            ("scope", scope),
            ("state", "postman"),
            ("decision", "approve"),
        ]),
        consent_redirect("xero"),
    );
    approve["protocolProfileBehavior"] = json!({ "followRedirects": false });
    let mut token = request(
        "Exchange the code for tokens",
        "POST",
        "{{xero_token_url}}",
        headers(&[("Accept", "application/json")]),
        form(&[
            ("grant_type", "authorization_code"),
            ("code", "{{xero_code}}"),
            ("redirect_uri", "{{xero_redirect_uri}}"),
        ]),
        token_answer("xero"),
    );
    token["request"]["auth"] = basic("xero");
    let items = vec![
        request("Consent page", "GET", &format!("{{{{xero_authorize_url}}}}?{consent_query}"), headers(&[]), Value::Null, vec![
            "pm.test('200: the consent form', () => {".into(), "  pm.response.to.have.status(200);".into(),
            "  pm.expect(pm.response.text()).to.include('<form method=\"post\"');".into(), "});".into()]),
        approve,
        token,
        request("Connections (the tenant id)", "GET", "{{xero_identity_base}}/connections", headers(&[("Authorization", "Bearer {{xero_access_token}}")]), Value::Null,
            expect(200, "the connected organisation", &["pm.expect(body).to.be.an('array').that.is.not.empty;", "pm.collectionVariables.set('xero_tenant_id', body[0].tenantId);"])),
        request("Contacts", "GET", &api("Contacts"), auth(), Value::Null,
            expect(200, "the contacts", &["pm.expect(body.Contacts).to.be.an('array').that.is.not.empty;", "pm.collectionVariables.set('xero_contact_id', body.Contacts[0].ContactID);"])),
        request("Invoices", "GET", &api("Invoices?page=1"), auth(), Value::Null,
            expect(200, "a page of invoices", &["pm.expect(body.Invoices).to.be.an('array');"])),
        request("Create an invoice", "PUT", &api("Invoices?summarizeErrors=false"), auth(),
            Value::String(r#"{"Invoices": [{"Type": "ACCREC", "Contact": {"ContactID": "{{xero_contact_id}}"}, "Date": "{{today}}", "DueDate": "{{today}}", "Status": "AUTHORISED", "LineAmountTypes": "Exclusive", "LineItems": [{"Description": "Postman visit", "Quantity": 1, "UnitAmount": 120.00, "AccountCode": "210", "TaxType": "NONE"}]}]}"#.into()),
            expect(200, "the saved invoice", &["pm.expect(body.Invoices[0].StatusAttributeString).to.equal('OK');", "pm.collectionVariables.set('xero_invoice_id', body.Invoices[0].InvoiceID);"])),
        request("Create a payment", "PUT", &api("Payments?summarizeErrors=false"), auth(),
            Value::String(r#"{"Payments": [{"Invoice": {"InvoiceID": "{{xero_invoice_id}}"}, "Account": {"Code": "090"}, "Date": "{{today}}", "Amount": 20.00}]}"#.into()),
            expect(200, "the saved payment", &["pm.expect(body.Payments[0].StatusAttributeString).to.equal('OK');", "pm.expect(body.Payments[0].PaymentID).to.be.a('string');"])),
    ];
    let mut prerequest = refresh("xero");
    prerequest.push("pm.variables.set('today', new Date().toISOString().slice(0, 10));".into());
    folder(
        "Xero",
        "OAuth 2.0 authorization code through the sandbox's consent page, the tenant from /connections (xero-tenant-id header), then the API. The folder pre-request script refreshes the access token before it expires.",
        prerequest,
        items,
    )
}
