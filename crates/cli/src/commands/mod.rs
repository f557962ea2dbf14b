//! One module per subcommand; each exposes `run(..) -> anyhow::Result<Exit>`.

pub(crate) mod audit;
pub(crate) mod conflicts;
pub(crate) mod conflicts_resolve;
pub(crate) mod connect;
pub(crate) mod db;
pub(crate) mod demo;
pub(crate) mod demo_apis;
pub(crate) mod demo_edits;
pub(crate) mod demo_summary;
pub(crate) mod doctor;
pub(crate) mod init;
pub(crate) mod init_sandbox;
pub(crate) mod links;
pub(crate) mod mappings;
pub(crate) mod mappings_csv;
pub(crate) mod oauth;
pub(crate) mod report;
pub(crate) mod runs;
pub(crate) mod sandbox;
pub(crate) mod serve;
pub(crate) mod sync;
pub(crate) mod sync_plan;
pub(crate) mod sync_stop;
pub(crate) mod targets;
pub(crate) mod unmapped;
