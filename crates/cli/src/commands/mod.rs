//! One module per subcommand; each exposes `run(..) -> anyhow::Result<Exit>`.

pub(crate) mod connect;
pub(crate) mod db;
pub(crate) mod doctor;
pub(crate) mod init;
pub(crate) mod mappings;
pub(crate) mod runs;
pub(crate) mod sandbox;
