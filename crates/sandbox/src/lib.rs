//! The sandbox: the three API emulators (ServiceTitan, QuickBooks Online, Xero) served together
//! as one world, which is what `ledgerbridge sandbox serve`, `ledgerbridge demo` and the
//! end-to-end tests start.
//!
//! Design decisions:
//!
//! * **One clock.** All three emulators share one [`Clock`], so advancing time through any
//!   emulator's `POST /_sandbox/clock` expires tokens, idempotency keys and ServiceTitan's export
//!   lag everywhere at once, as real time would.
//! * **One world, three independent emulators.** The facts the three demo datasets must agree on
//!   (tenants, customers that already exist in the books, a pre-existing invoice) are pinned in
//!   `ledgerbridge_emulator::demo_world`; each emulator seeds them itself, so each also works
//!   alone and survives its own `POST /_sandbox/reset`.
//! * **Faults stay per emulator.** Each emulator has its own fault plan, so a test can make one
//!   remote flaky while the others behave.
//! * **Alert sinks ride along.** A Slack-compatible incoming-webhook receiver (on the
//!   ServiceTitan emulator's port, beside the routes listing what arrived) and an SMTP sink on
//!   its own port (`smtp_port`), so alert channels can be tried without Slack or a mail server.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use chrono::NaiveDate;
use ledgerbridge_emulator::server::serve_on;
use ledgerbridge_emulator::{Clock, EmulatorContext, EmulatorHandle, SeedOptions};
use serde::de::DeserializeOwned;

mod alert_sinks;
mod info;
mod smtp_sink;

pub use alert_sinks::{AlertSinks, AlertSinksInfo, SLACK_WEBHOOK_PATH, SlackMessage};
pub use smtp_sink::{Mailbox, ReceivedMail, SmtpSink};

pub use info::{QuickBooksInfo, SandboxInfo, ServiceTitanInfo, ServiceTitanTenant, XeroInfo};

mod demo_mappings;
pub mod postman;

pub use demo_mappings::demo_mappings;

pub use ledgerbridge_emulator::demo_world;
pub use ledgerbridge_emulator::{LimitMode, Scenario};
pub use ledgerbridge_emulator_quickbooks as quickbooks;
pub use ledgerbridge_emulator_servicetitan as servicetitan;
pub use ledgerbridge_emulator_xero as xero;

/// The ports of `sandbox serve` when none are given (CONTRACTS.md).
pub const DEFAULT_PORTS: Ports = Ports {
    servicetitan: 8701,
    quickbooks: 8702,
    xero: 8703,
};

/// The SMTP sink's port of `sandbox serve` when none is given (CONTRACTS.md).
pub const DEFAULT_SMTP_PORT: u16 = 8725;

/// Where each emulator listens; 0 picks a free port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ports {
    pub servicetitan: u16,
    pub quickbooks: u16,
    pub xero: u16,
}

impl Ports {
    /// Three ephemeral ports (tests).
    pub const EPHEMERAL: Self = Self {
        servicetitan: 0,
        quickbooks: 0,
        xero: 0,
    };
}

/// How to start the sandbox.
#[derive(Clone, Debug)]
pub struct SandboxOptions {
    pub host: IpAddr,
    pub ports: Ports,
    pub seed: u64,
    pub scenario: Scenario,
    /// The first day of the seeded month; `None` = 30 days before today.
    pub start: Option<NaiveDate>,
    pub limits: LimitMode,
    /// The webhook receiver's base URL (`sandbox serve --webhooks-url`): the QuickBooks and
    /// Xero emulators POST to `URL/webhooks/quickbooks` and `URL/webhooks/xero`.
    pub webhooks_url: Option<String>,
    /// The QuickBooks notification body (`--qbo-webhook-format`).
    pub qbo_webhook_format: quickbooks::WebhookFormat,
    /// The SMTP sink's port; 0 picks a free port.
    pub smtp_port: u16,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            ports: DEFAULT_PORTS,
            seed: 42,
            scenario: Scenario::Demo,
            start: None,
            limits: LimitMode::Real,
            webhooks_url: None,
            qbo_webhook_format: quickbooks::WebhookFormat::default(),
            smtp_port: DEFAULT_SMTP_PORT,
        }
    }
}

impl SandboxOptions {
    /// Ephemeral loopback ports, the given scenario and limits: what tests start.
    pub fn for_tests(scenario: Scenario, limits: LimitMode) -> Self {
        Self {
            ports: Ports::EPHEMERAL,
            scenario,
            limits,
            smtp_port: 0,
            ..Self::default()
        }
    }
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on {addr} for the {emulator} emulator (is another sandbox running?)")]
    Bind {
        emulator: &'static str,
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("--webhooks-url: {0}")]
    WebhooksUrl(String),
}

/// The three running emulators. Dropping it stops them.
pub struct Sandbox {
    clock: Clock,
    pub servicetitan: servicetitan::EmulatorState,
    pub quickbooks: quickbooks::EmulatorState,
    pub xero: xero::EmulatorState,
    pub servicetitan_handle: EmulatorHandle,
    pub quickbooks_handle: EmulatorHandle,
    pub xero_handle: EmulatorHandle,
    /// The SMTP sink.
    pub smtp: SmtpSink,
    /// What the Slack receiver and the SMTP sink received.
    pub alert_sinks: AlertSinks,
}

impl Sandbox {
    /// Seeds and serves the three emulators.
    pub async fn start(options: SandboxOptions) -> Result<Self, SandboxError> {
        let clock = Clock::new();
        let today = clock.now().date_naive();
        let seed = SeedOptions {
            seed: options.seed,
            scenario: options.scenario,
            start: options.start.unwrap_or(today - chrono::Days::new(30)),
        };
        let context = || EmulatorContext::with_clock(clock.clone(), options.limits);
        let addr = |port| SocketAddr::new(options.host, port);

        let st = servicetitan::EmulatorState::new(context(), seed);
        let qbo = quickbooks::EmulatorState::new(context(), seed);
        let xero_state = xero::EmulatorState::new(context(), seed);

        let smtp_addr = addr(options.smtp_port);
        let smtp = SmtpSink::start(smtp_addr)
            .await
            .map_err(|source| SandboxError::Bind {
                emulator: "smtp sink",
                addr: smtp_addr,
                source,
            })?;
        let alert_sinks = AlertSinks::new(smtp.mailbox.clone());

        let st_addr = addr(options.ports.servicetitan);
        // The ServiceTitan emulator's routes plus the alert sinks' (CONTRACTS.md puts the
        // sinks' listings on this port).
        let st_handle = serve_on(st_addr, |base_url| {
            st.set_base_url(base_url);
            alert_sinks.set_info(AlertSinksInfo {
                slack_webhook_url: format!("{base_url}{SLACK_WEBHOOK_PATH}"),
                smtp_url: smtp.url(),
            });
            servicetitan::router(st.clone()).merge(alert_sinks.router())
        })
        .await
        .map_err(|source| SandboxError::Bind {
            emulator: "servicetitan",
            addr: st_addr,
            source,
        })?;
        let qbo_addr = addr(options.ports.quickbooks);
        let qbo_handle = quickbooks::spawn_on(qbo.clone(), qbo_addr)
            .await
            .map_err(|source| SandboxError::Bind {
                emulator: "quickbooks",
                addr: qbo_addr,
                source,
            })?;
        let xero_addr = addr(options.ports.xero);
        let xero_handle = xero::spawn_on(xero_state.clone(), xero_addr)
            .await
            .map_err(|source| SandboxError::Bind {
                emulator: "xero",
                addr: xero_addr,
                source,
            })?;

        qbo.set_webhook_format(options.qbo_webhook_format);
        if let Some(url) = options.webhooks_url.as_deref() {
            qbo.set_webhook_url(Some(url))
                .and_then(|()| xero_state.set_webhook_url(Some(url)))
                .map_err(SandboxError::WebhooksUrl)?;
        }

        Ok(Self {
            clock,
            servicetitan: st,
            quickbooks: qbo,
            xero: xero_state,
            servicetitan_handle: st_handle,
            quickbooks_handle: qbo_handle,
            xero_handle,
            smtp,
            alert_sinks,
        })
    }

    /// Every emulator's URLs and credentials; serialized, the line `sandbox serve --json`
    /// prints.
    pub fn info(&self) -> SandboxInfo {
        SandboxInfo {
            servicetitan: typed("servicetitan", self.servicetitan.info()),
            quickbooks: typed("quickbooks", self.quickbooks.info()),
            xero: typed("xero", self.xero.info()),
            alerts: self
                .alert_sinks
                .info()
                .expect("the alert sinks' info is set when the ServiceTitan port is bound"),
        }
    }

    /// The world's clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Stops the three servers and waits for them.
    pub async fn shutdown(self) {
        self.servicetitan_handle.shutdown().await;
        self.quickbooks_handle.shutdown().await;
        self.xero_handle.shutdown().await;
    }
}

/// An emulator's `/_sandbox/info` object, read into its typed form. Each emulator stays the one
/// place that builds its URLs; a field added there and not here fails the sandbox's tests
/// (`deny_unknown_fields`), so the typed info can never silently drop a key.
fn typed<T: DeserializeOwned>(emulator: &str, info: serde_json::Value) -> T {
    serde_json::from_value(info)
        .unwrap_or_else(|e| panic!("the {emulator} emulator's info does not match its type: {e}"))
}
