//! Serving an emulator on a socket it bound itself.

use std::io;
use std::net::SocketAddr;

use axum::Router;
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
    let router = make_router(&base_url);
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
