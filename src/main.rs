//! The `ledgerbridge` binary. All the work lives in `ledgerbridge-cli`, so the top-level
//! `tests/` can drive the real binary through `CARGO_BIN_EXE_ledgerbridge`.

fn main() -> std::process::ExitCode {
    ledgerbridge_cli::main()
}
