//! `ledgerbridge serve`: the review UI on loopback, or beyond it with a password.

use anyhow::Context as _;
use ledgerbridge_web::{ServeOptions, bind};
use secrecy::SecretString;

use crate::args::{GlobalArgs, ServeArgs};
use crate::context::{Context, WEB_PASSWORD_VAR};
use crate::exit::Exit;

fn password(args: &ServeArgs) -> anyhow::Result<Option<SecretString>> {
    if let Some(path) = &args.password_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("--password-file {}", path.display()))?;
        return Ok(Some(SecretString::from(
            text.trim_end_matches(['\r', '\n']).to_owned(),
        )));
    }
    Ok(std::env::var(WEB_PASSWORD_VAR)
        .ok()
        .filter(|p| !p.is_empty())
        .map(SecretString::from))
}

pub(crate) async fn run(global: &GlobalArgs, args: ServeArgs) -> anyhow::Result<Exit> {
    let ctx = Context::load(global)?;
    let ledger = ctx.open_ledger().await?;
    let mut options = ServeOptions::new(args.addr, ledger);
    if let Some(password) = password(&args)? {
        options = options.password(password);
    }
    for host in &args.allow_hosts {
        options = options.allow_host(host.clone());
    }
    let server = bind(options).await?;
    println!("Review UI on http://{} (Ctrl-C stops)", server.local_addr());
    server
        .run_until(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(Exit::Ok)
}
