//! Binding and running the server.

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::TcpListener;

use crate::error::WebError;
use crate::state::{AppState, ServeOptions};

/// A bound, not yet running server. Binding first lets a caller learn the real port (after
/// asking for port 0) before serving, with no race between "find a free port" and "bind it".
pub struct Server {
    listener: TcpListener,
    addr: SocketAddr,
    state: AppState,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish()
    }
}

/// Binds `options.addr`. Refuses to start ([`WebError::PasswordRequired`]) on an address that
/// is not loopback without a password, before anything is bound.
pub async fn bind(mut options: ServeOptions) -> Result<Server, WebError> {
    let requested = options.addr;
    // Check before binding, so a refused start never opens the port even briefly.
    AppState::new(options.clone())?;
    let listener = TcpListener::bind(requested)
        .await
        .map_err(|source| WebError::Bind {
            addr: requested,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| WebError::Bind {
        addr: requested,
        source,
    })?;
    options.addr = addr;
    let state = AppState::new(options)?;
    Ok(Server {
        listener,
        addr,
        state,
    })
}

impl Server {
    /// The bound address (with the real port).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The state the server runs with (tests reach its ledger through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), WebError> {
        tracing::info!(addr = %self.addr, login = self.state.requires_login(), "web UI listening");
        // The peer address feeds the per-client login throttle.
        let app = crate::app(self.state).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(WebError::Serve)
    }

    /// Serves until the process ends.
    pub async fn run(self) -> Result<(), WebError> {
        self.run_until(std::future::pending()).await
    }
}

/// Binds and serves until the process ends: `ledgerbridge serve`.
pub async fn serve(options: ServeOptions) -> Result<(), WebError> {
    bind(options).await?.run().await
}
