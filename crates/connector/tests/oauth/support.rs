//! A credential store in memory and a scripted consent page for the OAuth tests.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use ledgerbridge_connector::oauth::OAuthApp;
use ledgerbridge_connector::{CredentialError, CredentialStore, RetryPolicy, SecretEntry};
use secrecy::{ExposeSecret, SecretString};
use url::Url;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

#[derive(Default)]
pub(crate) struct Store {
    pub(crate) entries: Mutex<HashMap<String, String>>,
    pub(crate) fail: AtomicBool,
}

impl Store {
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        self.entries.lock().unwrap().get(name).cloned()
    }
}

impl CredentialStore for Store {
    fn load<'a>(
        &'a self,
        _c: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<SecretString>, CredentialError>> {
        let v = self.get(name).map(SecretString::from);
        Box::pin(async move { Ok(v) })
    }
    fn store<'a>(
        &'a self,
        _c: &'a str,
        entries: &'a [SecretEntry],
    ) -> BoxFuture<'a, Result<(), CredentialError>> {
        Box::pin(async move {
            if self.fail.load(Ordering::SeqCst) {
                return Err(CredentialError::Storage("disk full".into()));
            }
            let mut map = self.entries.lock().unwrap();
            for e in entries {
                map.insert(e.name.clone(), e.value.expose_secret().to_owned());
            }
            Ok(())
        })
    }
    fn forget<'a>(&'a self, _c: &'a str) -> BoxFuture<'a, Result<(), CredentialError>> {
        self.entries.lock().unwrap().clear();
        Box::pin(async { Ok(()) })
    }
}

pub(crate) fn app(server: &MockServer, pkce: bool) -> OAuthApp {
    let base = Url::parse(&server.uri()).unwrap();
    let mut app = OAuthApp::new(
        "Xero",
        (
            base.join("/authorize").unwrap(),
            base.join("/token").unwrap(),
            Some(base.join("/revoke").unwrap()),
        ),
        Url::parse("http://127.0.0.1:0/callback").unwrap(),
        "client-1",
        SecretString::from("secret-1".to_owned()),
        "ledgerbridge connect xero",
    );
    app.pkce = pkce;
    app.scopes = vec!["offline_access".into(), "accounting.transactions".into()];
    app
}

pub(crate) fn retry() -> RetryPolicy {
    RetryPolicy {
        max_retries: 2,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(1),
    }
}

fn query(req: &Request, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn form(req: &Request, name: &str) -> Option<String> {
    url::form_urlencoded::parse(&req.body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The consent page: the pinned plain-HTML form, echoing the request's parameters.
pub(crate) struct ConsentPage;
impl Respond for ConsentPage {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let hidden: String = ["client_id", "redirect_uri", "state", "code_challenge"]
            .iter()
            .filter_map(|k| query(req, k).map(|v| (k, v)))
            .map(|(k, v)| {
                format!(
                    "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
                    v.replace('&', "&amp;")
                )
            })
            .collect();
        let html = format!(
            "<html><body><form method=\"post\" action=\"/authorize/decision\">{hidden}\
             <button name=\"decision\" value=\"approve\">Allow</button>\
             <button name=\"decision\" value=\"deny\">Deny</button></form></body></html>"
        );
        ResponseTemplate::new(200).set_body_raw(html, "text/html")
    }
}

/// The decision: a redirect back with a code (or `access_denied`), keeping `state`.
pub(crate) struct Decision;
impl Respond for Decision {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut to = Url::parse(&form(req, "redirect_uri").unwrap()).unwrap();
        let state = form(req, "state").unwrap_or_default();
        if form(req, "decision").as_deref() == Some("approve")
            && form(req, "code_challenge").is_some()
        {
            to.query_pairs_mut()
                .append_pair("code", "code-1")
                .append_pair("state", &state)
                .append_pair("scope", "offline_access");
        } else {
            to.query_pairs_mut()
                .append_pair("error", "access_denied")
                .append_pair("state", &state);
        }
        ResponseTemplate::new(302).insert_header("location", to.as_str())
    }
}
