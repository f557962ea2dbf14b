//! A demo sandbox and a ledger set up against it with `init --sandbox`, for tests that start
//! from a connected ledger.

use std::path::PathBuf;

use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_sandbox::{Sandbox, SandboxOptions};

use crate::helpers::{ledgerbridge, run, stdout_json};

/// The running sandbox, the temp folder and the ledger's folder inside it (`books`).
pub(crate) struct Books {
    pub(crate) sandbox: Sandbox,
    pub(crate) _dir: tempfile::TempDir,
    pub(crate) books: PathBuf,
}

pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

/// Starts the demo sandbox and runs `init --sandbox --dir books` against it.
pub(crate) async fn books() -> Books {
    let sandbox = Sandbox::start(SandboxOptions::for_tests(
        Scenario::Demo,
        LimitMode::Relaxed,
    ))
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let ports = [
        sandbox.servicetitan_handle.addr.port(),
        sandbox.quickbooks_handle.addr.port(),
        sandbox.xero_handle.addr.port(),
    ];
    blocking(move || {
        run(
            ledgerbridge(&root)
                .args(["init", "--sandbox", "--dir", "books"])
                .args(["--servicetitan-port", &ports[0].to_string()])
                .args(["--quickbooks-port", &ports[1].to_string()])
                .args(["--xero-port", &ports[2].to_string()]),
            0,
        )
    })
    .await;
    let books = dir.path().join("books");
    Books {
        sandbox,
        _dir: dir,
        books,
    }
}

impl Books {
    /// Runs `ledgerbridge ARGS` in the ledger's folder, expecting exit code `expected`.
    pub(crate) async fn run(&self, args: &[&str], expected: i32) -> std::process::Output {
        let books = self.books.clone();
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        blocking(move || run(ledgerbridge(&books).args(&args), expected)).await
    }

    /// `doctor --format json` (expecting `expected`), as JSON.
    pub(crate) async fn doctor(&self, expected: i32) -> serde_json::Value {
        stdout_json(&self.run(&["doctor", "--format", "json"], expected).await)
    }

    /// The newest run of `runs list --format json`.
    pub(crate) async fn latest_run(&self) -> serde_json::Value {
        let runs = stdout_json(&self.run(&["runs", "list", "--format", "json"], 0).await);
        runs[0].clone()
    }

    /// The ServiceTitan tenant that syncs to `target` (`quickbooks` or `xero`).
    pub(crate) async fn tenant_of(&self, target: &str) -> String {
        let doctor = self.doctor(0).await;
        doctor
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["system"] == target)
            .and_then(|c| c["tenant"].as_str())
            .unwrap()
            .to_owned()
    }
}
