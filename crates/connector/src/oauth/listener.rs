//! The one-shot loopback redirect listener.
//!
//! A tiny HTTP/1.1 responder on the redirect URI's loopback port: it reads request heads
//! until one asks for the redirect path, answers it with a short page, and returns the query
//! parameters. Requests for other paths (a browser's `/favicon.ico`) get a 404 and do not end
//! the wait. It binds loopback only, so nothing off the machine can deliver a code, and it
//! checks `state` before anything else: a redirect with the wrong `state` is a possible
//! cross-site request and ends the flow with [`AuthorizeError::StateMismatch`].

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

use super::flow::AuthorizeError;
use super::is_loopback;

/// The longest request head read (a redirect carries a code of at most 512 characters).
const MAX_HEAD: usize = 16 * 1024;

/// What the provider's redirect carried.
pub struct Callback {
    /// The authorization code.
    pub code: SecretString,
    /// The `state` (already checked).
    pub state: String,
    /// Every other query parameter (QuickBooks: `realmId`; Xero: `scope`).
    pub params: BTreeMap<String, String>,
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

/// A listener bound to the redirect URI's loopback address, waiting for one redirect.
#[derive(Debug)]
pub struct RedirectListener {
    listener: TcpListener,
    redirect_uri: Url,
}

impl RedirectListener {
    /// Binds the redirect URI's host and port. The URI must be `http://` on a loopback host;
    /// port 0 binds a free port, and [`RedirectListener::redirect_uri`] then names it.
    pub async fn bind(redirect_uri: &Url) -> Result<Self, AuthorizeError> {
        if redirect_uri.scheme() != "http" || !is_loopback(redirect_uri) {
            return Err(AuthorizeError::Setup {
                reason: format!(
                    "the redirect URI {redirect_uri} must be http:// on 127.0.0.1, [::1] or localhost"
                ),
                source: None,
            });
        }
        let ip = match redirect_uri.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
            _ => IpAddr::V4(Ipv4Addr::LOCALHOST),
        };
        let port = redirect_uri.port_or_known_default().unwrap_or(80);
        let listener = TcpListener::bind(SocketAddr::new(ip, port))
            .await
            .map_err(|e| AuthorizeError::Setup {
                reason: format!("could not listen on {ip}:{port} for the redirect"),
                source: Some(Box::new(e)),
            })?;
        let mut redirect_uri = redirect_uri.clone();
        let bound = listener.local_addr().map_err(|e| AuthorizeError::Setup {
            reason: "the redirect listener has no address".to_owned(),
            source: Some(Box::new(e)),
        })?;
        if port == 0 {
            redirect_uri
                .set_port(Some(bound.port()))
                .expect("http URLs have ports");
        }
        Ok(Self {
            listener,
            redirect_uri,
        })
    }

    /// The redirect URI to register in the consent request (with the bound port).
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// Serves requests until the redirect arrives (or `timeout` passes), answers it, and
    /// returns its code and parameters once `state` matches `expected_state`.
    pub async fn accept(
        self,
        expected_state: &str,
        timeout: Duration,
    ) -> Result<Callback, AuthorizeError> {
        let wait = async {
            loop {
                let (stream, _) =
                    self.listener
                        .accept()
                        .await
                        .map_err(|e| AuthorizeError::Setup {
                            reason: "the redirect listener failed".to_owned(),
                            source: Some(Box::new(e)),
                        })?;
                if let Some(outcome) = self.serve(stream, expected_state).await {
                    return outcome;
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| AuthorizeError::TimedOut { waited: timeout })?
    }

    /// Answers one connection; `None` when it was not the redirect (keep waiting).
    async fn serve(
        &self,
        mut stream: TcpStream,
        expected_state: &str,
    ) -> Option<Result<Callback, AuthorizeError>> {
        let target = read_request_target(&mut stream).await?;
        let url = self.redirect_uri.join(&target).ok()?;
        if url.path() != self.redirect_uri.path() {
            respond(&mut stream, "404 Not Found", "Not the redirect path.").await;
            return None;
        }
        let mut params: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
        let state = params.remove("state").unwrap_or_default();
        if state != expected_state {
            respond(
                &mut stream,
                "400 Bad Request",
                "The state did not match. Nothing was connected; start again from ledgerbridge.",
            )
            .await;
            return Some(Err(AuthorizeError::StateMismatch));
        }
        if let Some(error) = params.remove("error") {
            respond(
                &mut stream,
                "200 OK",
                "The connection was not approved. You can close this window.",
            )
            .await;
            return Some(Err(AuthorizeError::Denied {
                error,
                description: params.remove("error_description"),
            }));
        }
        let Some(code) = params.remove("code").filter(|c| !c.is_empty()) else {
            respond(
                &mut stream,
                "400 Bad Request",
                "The redirect carried no code.",
            )
            .await;
            return Some(Err(AuthorizeError::Setup {
                reason: "the redirect carried no authorization code".to_owned(),
                source: None,
            }));
        };
        respond(
            &mut stream,
            "200 OK",
            "ledgerbridge received the authorization. You can close this window.",
        )
        .await;
        Some(Ok(Callback {
            code: SecretString::from(code),
            state,
            params,
        }))
    }
}

/// The request target of the first line (`GET /callback?code=… HTTP/1.1`), or `None` for
/// anything that is not a readable GET.
async fn read_request_target(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .ok()?
            .ok()?;
        if n == 0 || head.len() + n > MAX_HEAD {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut parts = text.lines().next()?.split_whitespace();
    let method = parts.next()?;
    let target = parts.next()?;
    (method == "GET" && target.starts_with('/')).then(|| target.to_owned())
}

async fn respond(stream: &mut TcpStream, status: &str, message: &str) {
    let body = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>ledgerbridge</title></head>\
         <body><p>{message}</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    // The browser may already be gone; the outcome is decided either way.
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
