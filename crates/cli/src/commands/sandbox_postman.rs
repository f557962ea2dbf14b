//! `ledgerbridge sandbox postman`: writes the Postman v2.1 collection and environment for a
//! sandbox on the given ports (CONTRACTS.md); no sandbox needs to be running.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use ledgerbridge_sandbox::Ports;
use ledgerbridge_sandbox::postman::{info_for, write_files};

use crate::exit::Exit;

#[derive(Debug, Args)]
pub(crate) struct SandboxPostmanArgs {
    /// Folder to write the two files into (default: the current folder).
    #[arg(long, default_value = ".")]
    pub(crate) out: PathBuf,
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) host: std::net::IpAddr,
    #[arg(long, default_value_t = 8701)]
    pub(crate) servicetitan_port: u16,
    #[arg(long, default_value_t = 8702)]
    pub(crate) quickbooks_port: u16,
    #[arg(long, default_value_t = 8703)]
    pub(crate) xero_port: u16,
}

pub(crate) fn run(args: SandboxPostmanArgs) -> anyhow::Result<Exit> {
    let info = info_for(
        args.host,
        Ports {
            servicetitan: args.servicetitan_port,
            quickbooks: args.quickbooks_port,
            xero: args.xero_port,
        },
    );
    let (collection, environment) = write_files(&args.out, &info)
        .with_context(|| format!("writing the Postman files into {}", args.out.display()))?;
    println!("{}", collection.display());
    println!("{}", environment.display());
    Ok(Exit::Ok)
}
