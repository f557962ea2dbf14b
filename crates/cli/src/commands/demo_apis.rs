//! Plain HTTP to the three emulators for the demo's edits, with the tokens a user of each
//! product holds (issued by the in-process emulators, as each product's own login would).
//! Amounts never pass through a float: the payments' amounts go on the wire as exact decimal
//! text spliced into the JSON body, and the accountant's line edit sends QuickBooks' own lines
//! back as the raw JSON it returned, only the description changed.

use std::collections::BTreeMap;

use anyhow::{Context as _, bail};
use ledgerbridge_sandbox::{Sandbox, SandboxInfo};
use rust_decimal::Decimal;
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// What the books' payments use: QuickBooks' `Check` method; Xero's bank account `090`.
pub(crate) const QUICKBOOKS_METHOD: &str = "Check";
pub(crate) const XERO_ACCOUNT: &str = "090";

/// Plain HTTP to the three emulators, with the tokens a user of each product would hold.
pub(crate) struct Apis {
    http: reqwest::Client,
    info: SandboxInfo,
    quickbooks_token: String,
    xero_token: String,
}

/// A base URL without its trailing slash, so paths can be appended.
fn trimmed(url: &str) -> &str {
    url.trim_end_matches('/')
}

impl Apis {
    pub(crate) fn new(sandbox: &Sandbox) -> Self {
        let xero = sandbox
            .xero
            .issue_tokens("accounting.invoices accounting.payments accounting.contacts");
        Self {
            http: reqwest::Client::new(),
            info: sandbox.info(),
            quickbooks_token: sandbox.quickbooks.connect().access_token,
            xero_token: xero["access_token"].as_str().unwrap_or_default().to_owned(),
        }
    }

    fn quickbooks_url(&self, path: &str) -> String {
        let (base, realm) = (
            trimmed(&self.info.quickbooks.api_base),
            &self.info.quickbooks.realm_id,
        );
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{base}/v3/company/{realm}/{path}{sep}minorversion=75")
    }

    async fn answer(what: &str, request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
        let text = Self::answer_text(what, request).await?;
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).with_context(|| format!("{what}: the answer is not JSON"))
    }

    /// The answer's body as text, so amounts can be passed on without ever being parsed.
    async fn answer_text(what: &str, request: reqwest::RequestBuilder) -> anyhow::Result<String> {
        let response = request
            .header("accept", "application/json")
            .send()
            .await
            .with_context(|| format!("{what}: the emulator did not answer"))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            bail!("{what}: {status}: {text}");
        }
        Ok(text)
    }

    async fn quickbooks_get(&self, what: &str, path: &str) -> anyhow::Result<Value> {
        let request = self
            .http
            .get(self.quickbooks_url(path))
            .bearer_auth(&self.quickbooks_token);
        Self::answer(what, request).await
    }

    async fn quickbooks_post(&self, what: &str, path: &str, body: String) -> anyhow::Result<Value> {
        let request = self
            .http
            .post(self.quickbooks_url(path))
            .bearer_auth(&self.quickbooks_token)
            .header("content-type", "application/json")
            .body(body);
        Self::answer(what, request).await
    }

    /// The QuickBooks invoice as its API returns it.
    pub(crate) async fn quickbooks_invoice(&self, id: &str) -> anyhow::Result<Value> {
        let answer = self
            .quickbooks_get("reading a QuickBooks invoice", &format!("invoice/{id}"))
            .await?;
        Ok(answer["Invoice"].clone())
    }

    /// A payment of `amount` against the QuickBooks invoice `id`, by check.
    pub(crate) async fn quickbooks_payment(&self, id: &str, amount: Decimal) -> anyhow::Result<()> {
        let invoice = self.quickbooks_invoice(id).await?;
        let query = "query?query=select%20*%20from%20PaymentMethod";
        let methods = self
            .quickbooks_get("listing payment methods", query)
            .await?;
        let check = methods["QueryResponse"]["PaymentMethod"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["Name"] == QUICKBOOKS_METHOD)
            .map(|m| m["Id"].clone())
            .context("QuickBooks has no Check payment method")?;
        let body = format!(
            r#"{{"CustomerRef": {customer}, "TotalAmt": {amount}, "PaymentRefNum": "1042",
                "PaymentMethodRef": {{"value": {check}}},
                "Line": [{{"Amount": {amount}, "LinkedTxn": [{{"TxnId": {id}, "TxnType": "Invoice"}}]}}]}}"#,
            customer = invoice["CustomerRef"],
            id = json!(id),
        );
        self.quickbooks_post("recording a payment in QuickBooks", "payment", body)
            .await
            .map(drop)
    }

    /// The accountant's description of one line of the QuickBooks invoice (a sparse update).
    ///
    /// The lines go back exactly as QuickBooks gave them: each line is kept as raw JSON
    /// members, so its amounts are passed on as the text QuickBooks wrote and never parsed
    /// into a binary float; only the one description is replaced.
    pub(crate) async fn quickbooks_describe(
        &self,
        id: &str,
        line: &str,
        text: &str,
    ) -> anyhow::Result<()> {
        #[derive(serde::Deserialize, serde::Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Sparse {
            id: String,
            sync_token: String,
            #[serde(default, rename = "sparse")]
            sparse: bool,
            line: Vec<BTreeMap<String, Box<RawValue>>>,
        }
        #[derive(serde::Deserialize)]
        struct Answer {
            #[serde(rename = "Invoice")]
            invoice: Sparse,
        }
        const WHAT: &str = "reading a QuickBooks invoice";
        let request = self
            .http
            .get(self.quickbooks_url(&format!("invoice/{id}")))
            .bearer_auth(&self.quickbooks_token);
        let answer = Self::answer_text(WHAT, request).await?;
        let mut invoice = serde_json::from_str::<Answer>(&answer)
            .with_context(|| format!("{WHAT}: unexpected answer"))?
            .invoice;
        let wanted = serde_json::to_string(line)?;
        let description = RawValue::from_string(serde_json::to_string(text)?)?;
        for l in &mut invoice.line {
            if l.get("Id").is_some_and(|v| v.get() == wanted) {
                l.insert("Description".to_owned(), description.clone());
            }
        }
        invoice.sparse = true;
        let body = serde_json::to_string(&invoice)?;
        self.quickbooks_post("editing a QuickBooks invoice", "invoice", body)
            .await
            .map(drop)
    }

    /// A payment of `amount` against the Xero invoice `id`, into the bank account 090.
    pub(crate) async fn xero_payment(
        &self,
        id: &str,
        amount: Decimal,
        date: &str,
    ) -> anyhow::Result<()> {
        let body = format!(
            r#"{{"Payments": [{{"Invoice": {{"InvoiceID": {id}}}, "Account": {{"Code": "{XERO_ACCOUNT}"}},
                "Date": "{date}", "Amount": {amount}, "Reference": "EFT 7731"}}]}}"#,
            id = json!(id),
        );
        let request = self
            .http
            .put(format!(
                "{}/api.xro/2.0/Payments",
                trimmed(&self.info.xero.api_base)
            ))
            .bearer_auth(&self.xero_token)
            .header("xero-tenant-id", &self.info.xero.tenant_id)
            .header("content-type", "application/json")
            .body(body);
        Self::answer("recording a payment in Xero", request)
            .await
            .map(drop)
    }

    /// The SKU id of the invoice's first item, from ServiceTitan's API (the canonical invoice
    /// carries SKU names; an item is added by SKU id).
    pub(crate) async fn servicetitan_sku(&self, tenant: &str, invoice: i64) -> anyhow::Result<i64> {
        let st = &self.info.servicetitan;
        let t = st
            .tenants
            .iter()
            .find(|t| Some(t.tenant_id) == tenant.parse().ok())
            .context("the sandbox has no such ServiceTitan tenant")?;
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", t.client_id.as_str()),
            ("client_secret", t.client_secret.as_str()),
        ];
        let token = self.http.post(&st.token_url).form(&form);
        let token = Self::answer("a ServiceTitan token", token).await?;
        let url = format!(
            "{}/accounting/v2/tenant/{tenant}/invoices?ids={invoice}",
            trimmed(&st.api_base)
        );
        let request = self
            .http
            .get(url)
            .bearer_auth(token["access_token"].as_str().unwrap_or_default())
            .header("ST-App-Key", &st.app_key);
        let page = Self::answer("reading a ServiceTitan invoice", request).await?;
        page["data"][0]["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|i| i["skuId"].as_i64())
            .with_context(|| format!("ServiceTitan invoice {invoice} has no item with a SKU"))
    }
}
