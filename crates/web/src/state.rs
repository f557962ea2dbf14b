//! The options `serve` takes and the state every handler shares.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ledgerbridge_ledger::Ledger;
use secrecy::{ExposeSecret, SecretString};

use crate::error::WebError;
use crate::ports::{
    ApplyOnNextSync, LedgerUnmapped, MappingChoices, ResolutionHook, TypedTargets, UnmappedValues,
};
use crate::report_source::{Reconciliation, ReportSource};
use crate::security::host::HostRule;
use crate::security::session::SessionStore;
use crate::security::throttle::LoginThrottle;

/// How to serve the UI. Built with [`ServeOptions::new`] and the builder methods; the CLI reads
/// the password from `--password-file` or `LEDGERBRIDGE_WEB_PASSWORD` and passes it in.
#[derive(Clone)]
pub struct ServeOptions {
    pub(crate) addr: SocketAddr,
    pub(crate) password: Option<SecretString>,
    pub(crate) ledger: Ledger,
    pub(crate) allowed_hosts: Vec<String>,
    pub(crate) on_resolved: Arc<dyn ResolutionHook>,
    pub(crate) report: Arc<dyn ReportSource>,
    pub(crate) choices: Arc<dyn MappingChoices>,
    pub(crate) unmapped: Arc<dyn UnmappedValues>,
    pub(crate) remote_timeout: Duration,
    pub(crate) login_delay: Duration,
}

impl std::fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeOptions")
            .field("addr", &self.addr)
            .field("password", &self.password.as_ref().map(|_| "[REDACTED]"))
            .field("allowed_hosts", &self.allowed_hosts)
            .finish_non_exhaustive()
    }
}

impl ServeOptions {
    /// Serve `ledger` on `addr` (port 0 picks a free port), without a password, resolutions
    /// applied on the next sync, the report from the ledger's snapshots, and typed mapping
    /// targets.
    pub fn new(addr: SocketAddr, ledger: Ledger) -> Self {
        Self {
            addr,
            password: None,
            ledger,
            allowed_hosts: Vec::new(),
            on_resolved: Arc::new(ApplyOnNextSync),
            report: Arc::new(Reconciliation::default()),
            choices: Arc::new(TypedTargets),
            unmapped: Arc::new(LedgerUnmapped),
            remote_timeout: Duration::from_secs(10),
            login_delay: Duration::from_millis(500),
        }
    }

    /// Requires this password to log in (required for any address that is not loopback).
    pub fn password(mut self, password: SecretString) -> Self {
        self.password = Some(password);
        self
    }

    /// Also answers to `Host: name:port` (e.g. the machine's name on the LAN). By default only
    /// the bound address and localhost are served.
    pub fn allow_host(mut self, name: impl Into<String>) -> Self {
        self.allowed_hosts.push(name.into());
        self
    }

    /// What happens after a resolution is recorded (default: [`ApplyOnNextSync`]).
    pub fn on_resolved(mut self, hook: Arc<dyn ResolutionHook>) -> Self {
        self.on_resolved = hook;
        self
    }

    /// Where `GET /report` gets its numbers (default: [`Reconciliation`] from the ledger).
    pub fn report_source(mut self, source: Arc<dyn ReportSource>) -> Self {
        self.report = source;
        self
    }

    /// Where the mapping form gets its target choices (default: [`TypedTargets`]).
    pub fn mapping_choices(mut self, choices: Arc<dyn MappingChoices>) -> Self {
        self.choices = choices;
        self
    }

    /// Where the dashboard gets the unmapped values that block records (default:
    /// [`LedgerUnmapped`]).
    pub fn unmapped_values(mut self, source: Arc<dyn UnmappedValues>) -> Self {
        self.unmapped = source;
        self
    }

    /// How long a page waits for a remote (mapping choices, unmapped values) before it shows
    /// the page without them and says why (default 10 s).
    pub fn remote_timeout(mut self, timeout: Duration) -> Self {
        self.remote_timeout = timeout;
        self
    }

    /// How long a wrong password waits before the answer (default 500 ms), which slows
    /// guessing without locking the real user out.
    pub fn login_delay(mut self, delay: Duration) -> Self {
        self.login_delay = delay;
        self
    }

    /// The address to bind.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// Everything handlers share; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) ledger: Ledger,
    pub(crate) password: Option<SecretString>,
    pub(crate) hosts: HostRule,
    pub(crate) sessions: SessionStore,
    pub(crate) on_resolved: Arc<dyn ResolutionHook>,
    pub(crate) report: Arc<dyn ReportSource>,
    pub(crate) choices: Arc<dyn MappingChoices>,
    pub(crate) unmapped: Arc<dyn UnmappedValues>,
    pub(crate) remote_timeout: Duration,
    pub(crate) login_delay: Duration,
    pub(crate) throttle: LoginThrottle,
}

/// The fewest characters a web password may have: a short one falls to guessing even at the
/// throttled rate (docs/security.md).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Refuses a password that protects too little: empty ([`WebError::EmptyPassword`]) or shorter
/// than [`MIN_PASSWORD_CHARS`] ([`WebError::PasswordTooShort`]). The CLI calls this to name the
/// source of a bad password; [`AppState::new`] calls it again for every other caller.
pub fn check_password(password: &SecretString) -> Result<(), WebError> {
    let chars = password.expose_secret().chars().count();
    if chars == 0 {
        return Err(WebError::EmptyPassword);
    }
    if chars < MIN_PASSWORD_CHARS {
        return Err(WebError::PasswordTooShort {
            min: MIN_PASSWORD_CHARS,
        });
    }
    Ok(())
}

impl AppState {
    /// The state of a server bound to `options.addr` (pass the *bound* address, with the real
    /// port, when binding port 0). Refuses ([`WebError::PasswordRequired`]) an address that is
    /// not loopback without a password, and a password [`check_password`] refuses.
    pub fn new(options: ServeOptions) -> Result<Self, WebError> {
        if let Some(p) = &options.password {
            check_password(p)?;
        }
        if !options.addr.ip().is_loopback() && options.password.is_none() {
            return Err(WebError::PasswordRequired { addr: options.addr });
        }
        Ok(Self {
            inner: Arc::new(Inner {
                hosts: HostRule::new(options.addr, &options.allowed_hosts),
                throttle: LoginThrottle::new(options.ledger.clock().clone()),
                ledger: options.ledger,
                password: options.password,
                sessions: SessionStore::new(),
                on_resolved: options.on_resolved,
                report: options.report,
                choices: options.choices,
                unmapped: options.unmapped,
                remote_timeout: options.remote_timeout,
                login_delay: options.login_delay,
            }),
        })
    }

    /// The ledger the UI reads and writes.
    pub fn ledger(&self) -> &Ledger {
        &self.inner.ledger
    }

    /// Whether a login is required (a password is configured).
    pub fn requires_login(&self) -> bool {
        self.inner.password.is_some()
    }
}

impl AppState {
    /// Waits for a remote-backed plug-in at most the configured time; a timeout becomes an
    /// error message the page shows.
    pub(crate) async fn within_timeout<T>(
        &self,
        work: impl Future<Output = Result<T, String>>,
    ) -> Result<T, String> {
        let limit = self.inner.remote_timeout;
        tokio::time::timeout(limit, work)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {limit:?}")))
    }
}
