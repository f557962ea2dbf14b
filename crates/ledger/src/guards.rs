//! Refusals before a ledger file is used: a file that lost its contents, and a schema written
//! by a newer ledgerbridge. Both would otherwise go wrong quietly or cryptically: SQLite treats
//! a 0-byte file as a new database (and the migrations would turn a lost ledger into an empty
//! one), and sqlx names only the first migration it does not know.

use std::path::Path;

use crate::{LedgerError, MIGRATOR};

/// Refuses an existing 0-byte ledger file, unless its write-ahead log holds the data (a crash
/// before the first checkpoint of a new ledger leaves the pages there; SQLite recovers them).
pub(crate) fn refuse_empty_file(path: &Path) -> Result<(), LedgerError> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    if !meta.is_file() || meta.len() > 0 {
        return Ok(());
    }
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Ok(());
    }
    Err(LedgerError::EmptyFile {
        path: path.display().to_string(),
    })
}

/// The newest migration this build knows.
pub(crate) fn known_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Refuses a ledger that has applied a migration newer than any this build knows.
pub(crate) fn refuse_newer(applied: &[i64]) -> Result<(), LedgerError> {
    let known = known_version();
    match applied.iter().copied().max() {
        Some(found) if found > known => Err(LedgerError::NewerSchema { found, known }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_versions_beyond_the_newest_known_are_newer() {
        let known = known_version();
        assert!(known >= 7);
        assert!(refuse_newer(&[]).is_ok());
        assert!(refuse_newer(&[1, known]).is_ok());
        let err = refuse_newer(&[1, known, known + 1000]).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "this ledger was written by a newer ledgerbridge (schema {}, this one knows up \
                 to {known}); upgrade ledgerbridge",
                known + 1000
            )
        );
    }

    #[test]
    fn a_0_byte_file_is_refused_but_a_missing_one_or_one_with_a_log_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        assert!(refuse_empty_file(&path).is_ok(), "missing: init creates it");
        std::fs::write(&path, b"").unwrap();
        let err = refuse_empty_file(&path).unwrap_err();
        assert!(matches!(err, LedgerError::EmptyFile { .. }), "{err}");
        std::fs::write(dir.path().join("ledger.db-wal"), b"pages").unwrap();
        assert!(refuse_empty_file(&path).is_ok());
    }
}
