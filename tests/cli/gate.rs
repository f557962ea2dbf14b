//! A TCP relay in front of an emulator that can hold one connection until the test releases
//! it. A test that needs "a sync is still running" makes it a fact this way (the sync cannot
//! finish while its request is held) instead of racing the sync to its end.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

pub(crate) struct Gate {
    pub(crate) port: u16,
    armed: Arc<AtomicBool>,
    held: Arc<Notify>,
    release: Arc<Notify>,
}

impl Gate {
    /// A relay to `upstream` on a free loopback port, letting everything through until armed.
    pub(crate) async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gate = Self {
            port: listener.local_addr().unwrap().port(),
            armed: Arc::default(),
            held: Arc::default(),
            release: Arc::default(),
        };
        let (armed, held, release) = (gate.armed.clone(), gate.held.clone(), gate.release.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let hold = armed.swap(false, Ordering::SeqCst);
                let (held, release) = (held.clone(), release.clone());
                tokio::spawn(async move {
                    if hold {
                        held.notify_one();
                        release.notified().await;
                    }
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        gate
    }

    /// Holds the next connection (only that one) until [`Gate::release`].
    pub(crate) fn arm(&self) {
        self.armed.store(true, Ordering::SeqCst);
    }

    /// Returns once a connection is held.
    pub(crate) async fn held(&self) {
        self.held.notified().await;
    }

    /// Lets the held connection through.
    pub(crate) fn release(&self) {
        self.release.notify_one();
    }
}
