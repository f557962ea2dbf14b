//! Running the real binary.

use std::path::Path;
use std::process::{Command, Output};

/// A `ledgerbridge` command in `dir`, isolated from the caller's environment.
pub(crate) fn ledgerbridge(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ledgerbridge"));
    cmd.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("LEDGERBRIDGE_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// Runs and returns the output; panics with stderr when the exit code differs from `expected`.
pub(crate) fn run(cmd: &mut Command, expected: i32) -> Output {
    let out = cmd.output().expect("the binary runs");
    assert_eq!(
        out.status.code(),
        Some(expected),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub(crate) fn stdout_json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}
