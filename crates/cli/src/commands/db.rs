//! `ledgerbridge db migrate`.

use crate::args::{DbCommand, GlobalArgs};
use crate::context::Context;
use crate::exit::Exit;

pub(crate) async fn run(global: &GlobalArgs, command: DbCommand) -> anyhow::Result<Exit> {
    match command {
        DbCommand::Migrate => {
            let ctx = Context::load(global)?;
            // Opening applies pending migrations; report where the schema now stands.
            let ledger = ctx.open_ledger_creating().await?;
            let version = ledger.schema_version().await?;
            println!(
                "ledger {} is at schema version {}",
                ctx.ledger_path().display(),
                version.map_or_else(|| "none".to_owned(), |v| v.to_string())
            );
            ledger.close().await;
            Ok(Exit::Ok)
        }
    }
}
