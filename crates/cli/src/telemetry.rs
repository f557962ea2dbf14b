//! Logging: tracing to stderr, text or JSON, filtered by `-v/-q` or `LEDGERBRIDGE_LOG`.
//!
//! Stdout is reserved for command output (tables, JSON), so scripts can parse it while logs
//! still flow. Log events carry ids, never customer names, emails, addresses or secrets.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt;

use crate::args::{GlobalArgs, LogFormat};

pub(crate) fn init(args: &GlobalArgs) {
    let level = match (args.verbose, args.quiet) {
        (0, 0) => "info",
        (1, _) => "debug",
        (v, _) if v >= 2 => "trace",
        (_, 1) => "warn",
        _ => "error",
    };
    let filter = EnvFilter::try_from_env("LEDGERBRIDGE_LOG")
        .unwrap_or_else(|_| EnvFilter::new(format!("{level},sqlx=warn,hyper=warn,reqwest=warn")));
    // Colour only for a person at a terminal; piped or collected logs stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(ansi);
    // `try_init`: a second call (tests that run `main` twice in one process) keeps the first.
    let _ = match args.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
