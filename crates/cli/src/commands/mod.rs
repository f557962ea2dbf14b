//! One module per subcommand; each exposes `run(..) -> anyhow::Result<Exit>`.
//!
//! The demo and the sandbox (`demo`, `init --sandbox`, `sandbox serve`) live behind the
//! default-on `sandbox` feature: without it the binary links no emulator.

pub(crate) mod alerts;
pub(crate) mod audit;
pub(crate) mod blocked;
pub(crate) mod blocked_kind;
pub(crate) mod blocked_retry;
pub(crate) mod conflicts;
pub(crate) mod conflicts_resolve;
pub(crate) mod connect;
pub(crate) mod db;
#[cfg(feature = "sandbox")]
pub(crate) mod demo;
#[cfg(feature = "sandbox")]
pub(crate) mod demo_apis;
#[cfg(feature = "sandbox")]
pub(crate) mod demo_edits;
#[cfg(feature = "sandbox")]
pub(crate) mod demo_summary;
#[cfg(feature = "sandbox")]
pub(crate) mod demo_watch;
pub(crate) mod doctor;
pub(crate) mod init;
#[cfg(feature = "sandbox")]
pub(crate) mod init_sandbox;
pub(crate) mod links;
pub(crate) mod mappings;
pub(crate) mod mappings_csv;
pub(crate) mod oauth;
pub(crate) mod report;
pub(crate) mod runs;
#[cfg(feature = "sandbox")]
pub(crate) mod sandbox;
#[cfg(feature = "sandbox")]
pub(crate) mod sandbox_postman;
pub(crate) mod serve;
pub(crate) mod sync;
pub(crate) mod sync_plan;
pub(crate) mod sync_stop;
pub(crate) mod targets;
pub(crate) mod unmapped;
pub(crate) mod watch;
pub(crate) mod watch_sync;
