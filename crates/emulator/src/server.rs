//! Serving an emulator on a socket it bound itself.

use std::io;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::Response;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct EmulatorHandle {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    join: Option<JoinHandle<io::Result<()>>>,
}

impl EmulatorHandle {
    /// Stops the server and waits for it to finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(join) = self.join.take() {
            let _ = join.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds `addr` (port 0 for an ephemeral port), builds the router with the resulting base URL
/// (emulators put it in their info and discovery documents) and serves on that same listener.
pub async fn serve_on(
    addr: SocketAddr,
    make_router: impl FnOnce(&str) -> Router,
) -> io::Result<EmulatorHandle> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}");
    let router = make_router(&base_url).layer(middleware::from_fn(read_unread_body));
    let (tx, rx) = oneshot::channel::<()>();
    let join = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await
    });
    Ok(EmulatorHandle {
        base_url,
        addr,
        shutdown: Some(tx),
        join: Some(join),
    })
}

/// `127.0.0.1:0`.
pub fn ephemeral() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// Reads the body of a GET/HEAD/DELETE before the handler runs, keeping its bytes.
///
/// Some clients (servicepytan among them) send a body with every GET. Handlers of such methods
/// never read it, and a body left unread on the socket makes hyper close the connection after
/// the response with unread bytes pending, which the kernel turns into a TCP reset that can cut
/// the response short. Reading it here keeps every emulator safe from that.
async fn read_unread_body(request: Request, next: Next) -> Response {
    if !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::DELETE
    ) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
