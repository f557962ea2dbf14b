//! The `ledgerbridge` command line: argument parsing, configuration, logging and wiring.
//!
//! This is the only crate that uses `anyhow`: library crates return typed errors grouped by how
//! the caller reacts, and here each error becomes a message for a person and an exit code for a
//! script ([`exit::classify`]). Commands that touch the ledger open it through
//! [`context::Context`], which applies the config lookup order and migrations first.

mod any_target;
mod args;
mod commands;
mod config;
mod context;
mod exit;
mod output;
mod telemetry;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::exit::Exit;

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage.into()
            } else {
                Exit::Ok.into()
            };
        }
    };
    telemetry::init(&cli.global);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Exit::Error.into();
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(exit) => exit.into(),
        Err(error) => {
            eprintln!("error: {error:#}");
            exit::classify(&error).into()
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<Exit> {
    let global = cli.global;
    match cli.command {
        Command::Init(args) => commands::init::run(args).await,
        Command::Db(cmd) => commands::db::run(&global, cmd).await,
        Command::Mappings(cmd) => commands::mappings::run(&global, cmd).await,
        Command::Runs(cmd) => commands::runs::run(&global, cmd).await,
        Command::Sync(args) => commands::sync::run(&global, args).await,
        Command::Watch => commands::watch::run(&global).await,
        Command::Audit(args) => commands::audit::run(&global, args).await,
        Command::Blocked(args) => commands::blocked::run(&global, args).await,
        Command::Alerts(cmd) => commands::alerts::run(&global, cmd).await,
        Command::Report(args) => commands::report::run(&global, args).await,
        Command::Links(cmd) => commands::links::run(&global, cmd).await,
        Command::Conflicts(cmd) => commands::conflicts::run(&global, cmd).await,
        #[cfg(feature = "sandbox")]
        Command::Sandbox(cmd) => commands::sandbox::run(cmd).await,
        Command::Serve(args) => commands::serve::run(&global, args).await,
        #[cfg(feature = "sandbox")]
        Command::Demo(args) => commands::demo::run(&global, args).await,
        Command::Connect(cmd) => commands::connect::run(&global, cmd).await,
        Command::Disconnect(args) => commands::oauth::disconnect(&global, args).await,
        Command::Doctor { format } => commands::doctor::run(&global, format).await,
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use crate::args::Cli;

    /// `demo`, `sandbox` and `init --sandbox` exist exactly when the `sandbox` feature is on
    /// (`cargo test -p ledgerbridge-cli --no-default-features` checks the other half).
    #[test]
    fn the_demo_commands_exist_exactly_with_the_sandbox_feature() {
        let on = cfg!(feature = "sandbox");
        let parses = |args: &[&str]| Cli::try_parse_from(args).is_ok();
        assert_eq!(parses(&["ledgerbridge", "demo"]), on);
        assert_eq!(parses(&["ledgerbridge", "sandbox", "serve"]), on);
        assert_eq!(
            parses(&["ledgerbridge", "sandbox", "postman", "--out", "x"]),
            on
        );
        assert_eq!(parses(&["ledgerbridge", "init", "--sandbox"]), on);
        assert!(parses(&["ledgerbridge", "init"]));
        let help = Cli::command().render_long_help().to_string();
        let listed = |name: &str| {
            help.lines()
                .any(|l| l.split_whitespace().next() == Some(name))
        };
        assert_eq!(listed("demo"), on, "{help}");
        assert_eq!(listed("sandbox"), on, "{help}");
        assert!(listed("sync"), "{help}");
    }
}
