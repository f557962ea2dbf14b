//! App builders and a tiny cookie-keeping client over `oneshot`.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use ledgerbridge_ledger::Ledger;
use ledgerbridge_web::{AppState, ServeOptions, app};
use secrecy::SecretString;
use tower::ServiceExt;

pub(crate) use crate::seed::*;

/// The UI on `ledger`, as bound to [`ADDR`], without a password.
pub(crate) fn app_on(ledger: &Ledger) -> Router {
    app(AppState::new(ServeOptions::new(ADDR.parse().unwrap(), ledger.clone())).unwrap())
}

/// The UI on `ledger` with options adjusted by `f`.
pub(crate) fn app_with(ledger: &Ledger, f: impl FnOnce(ServeOptions) -> ServeOptions) -> Router {
    app(AppState::new(f(ServeOptions::new(ADDR.parse().unwrap(), ledger.clone()))).unwrap())
}

pub(crate) fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

/// A response, its body read.
#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Resp {
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The CSRF token of the first form on the page.
    pub(crate) fn csrf(&self) -> String {
        let start = self
            .body
            .find(r#"name="csrf" value=""#)
            .expect("a form with a CSRF token")
            + 19;
        self.body[start..start + 64].to_owned()
    }

    /// The value of a hidden input.
    pub(crate) fn hidden(&self, name: &str) -> String {
        let marker = format!(r#"name="{name}" value=""#);
        let start = self.body.find(&marker).expect("the hidden input") + marker.len();
        let end = self.body[start..].find('"').unwrap();
        self.body[start..start + end].to_owned()
    }
}

/// A browser stand-in: keeps the session cookie and sends the right Host.
pub(crate) struct Client {
    app: Router,
    pub(crate) host: String,
    pub(crate) cookie: Option<String>,
    /// The client address the server sees (as `serve` hands it over), if any.
    pub(crate) peer: Option<std::net::SocketAddr>,
}

impl Client {
    pub(crate) fn new(app: Router) -> Self {
        Self {
            app,
            host: ADDR.to_owned(),
            cookie: None,
            peer: None,
        }
    }

    pub(crate) async fn send(&mut self, request: Request<Body>) -> Resp {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for value in headers.get_all(header::SET_COOKIE) {
            let pair = value
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned();
            self.cookie = if pair.ends_with('=') {
                None
            } else {
                Some(pair)
            };
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    fn request(&self, method: &str, path: &str) -> axum::http::request::Builder {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, &self.host);
        if let Some(cookie) = &self.cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        if let Some(peer) = self.peer {
            builder = builder.extension(axum::extract::ConnectInfo(peer));
        }
        builder
    }

    pub(crate) async fn get(&mut self, path: &str) -> Resp {
        let request = self.request("GET", path).body(Body::empty()).unwrap();
        self.send(request).await
    }

    /// Posts exactly these fields (no token added).
    pub(crate) async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let request = self
            .request("POST", path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// Posts the fields with the session's CSRF token, read from `form_page` first.
    pub(crate) async fn post(
        &mut self,
        form_page: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Resp {
        let csrf = self.get(form_page).await.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }
}

/// The `<main>` element of a page: what the snapshots compare.
pub(crate) fn main_of(body: &str) -> &str {
    let start = body.find("<main").expect("a main element");
    let end = body.find("</main>").expect("a closed main element") + "</main>".len();
    &body[start..end]
}

/// A hook that counts the resolutions it saw.
#[derive(Default)]
pub(crate) struct CountingHook(pub(crate) std::sync::atomic::AtomicUsize);

impl ledgerbridge_web::ResolutionHook for CountingHook {
    fn resolved<'a>(
        &'a self,
        _conflict: &'a ledgerbridge_ledger::Conflict,
    ) -> ledgerbridge_web::BoxFuture<'a, ledgerbridge_web::AfterResolve> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Box::pin(async {
            ledgerbridge_web::AfterResolve::Applied {
                detail: "invoice 130 updated".into(),
            }
        })
    }
}

pub(crate) fn counting_hook() -> Arc<CountingHook> {
    Arc::new(CountingHook::default())
}
