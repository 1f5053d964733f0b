//! The corpus's errors, and the one table that says which failure is which.
//!
//! Every failure reaches the caller as a [`CorpusError`] naming the database file. [`classify`]
//! is the only place that maps SQLite's result codes to variants (and [`classify_os`] the only
//! place for the few file-system calls made before SQLite opens the file), so "a corrupt file"
//! always arrives as `Corrupt`, "another process holds the lock" always as `Locked`, and so on,
//! whichever statement met it.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::ErrorCode;

/// Why the corpus could not do what was asked. Each variant names the database file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CorpusError {
    /// The file is not a lockstep corpus: random bytes, a text file, a damaged database, or an
    /// SQLite database of another application.
    #[error("corpus database {path}: not a lockstep corpus (corrupt, or another kind of file): {detail}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What SQLite (or the schema check) said.
        detail: String,
    },
    /// Another connection held the write lock for longer than the busy timeout. Nothing was
    /// written; retrying later records the same data.
    #[error("corpus database {path} is locked by another process (waited {waited_ms} ms)")]
    Locked {
        /// The database file.
        path: PathBuf,
        /// The busy timeout that expired, in milliseconds.
        waited_ms: u64,
    },
    /// The file, its directory or its file system cannot be written.
    #[error("corpus database {path} is read-only: {detail}")]
    ReadOnly {
        /// The database file.
        path: PathBuf,
        /// What the operating system or SQLite said.
        detail: String,
    },
    /// Any other failure of the file or of SQLite (cannot open, disk full, I/O error).
    #[error("corpus database {path}: {detail}")]
    Io {
        /// The database file.
        path: PathBuf,
        /// What the operating system or SQLite said.
        detail: String,
    },
    /// The file was written by a newer lockstep whose schema this one does not understand.
    #[error(
        "corpus database {path} has schema version {found}; this lockstep understands {supported}"
    )]
    Version {
        /// The database file.
        path: PathBuf,
        /// The file's schema version (`PRAGMA user_version`).
        found: i64,
        /// The schema version this build reads and writes ([`super::SCHEMA_VERSION`]).
        supported: i64,
    },
    /// A record handed to [`super::Corpus::record`] breaks the record contract (an unknown
    /// verdict, a shard index not below its count, a multi-line summary, ...). Nothing was
    /// written.
    #[error("corpus database {path}: invalid record: {detail}")]
    Invalid {
        /// The database file.
        path: PathBuf,
        /// Which field is wrong and why.
        detail: String,
    },
}

/// The variant a failure belongs to; [`classify`]'s table decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Corrupt,
    Locked,
    ReadOnly,
    Io,
}

/// The classification table for errors reported by SQLite (through rusqlite).
pub(crate) fn kind_of(err: &rusqlite::Error) -> Kind {
    match err {
        rusqlite::Error::SqliteFailure(failure, _) => match failure.code {
            // SQLITE_BUSY (another connection's lock outlived the busy timeout) and
            // SQLITE_LOCKED (a conflicting lock within this process).
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => Kind::Locked,
            // SQLITE_NOTADB (the header is not SQLite's) and SQLITE_CORRUPT (a damaged page).
            ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => Kind::Corrupt,
            // SQLITE_READONLY (any of its extended codes: a read-only file, directory or
            // file system) and SQLITE_PERM (access permission denied).
            ErrorCode::ReadOnly | ErrorCode::PermissionDenied => Kind::ReadOnly,
            // SQLITE_CANTOPEN, SQLITE_IOERR, SQLITE_FULL and everything else.
            _ => Kind::Io,
        },
        // A stored value of the wrong type or range: the file is not the corpus we wrote.
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => Kind::Corrupt,
        _ => Kind::Io,
    }
}

/// Turn an SQLite error met on the database at `path` into a [`CorpusError`]; `busy_timeout`
/// is what `Locked` reports as waited.
pub(crate) fn classify(path: &Path, busy_timeout: Duration, err: rusqlite::Error) -> CorpusError {
    let path = path.to_path_buf();
    let detail = err.to_string();
    match kind_of(&err) {
        Kind::Corrupt => CorpusError::Corrupt { path, detail },
        Kind::Locked => CorpusError::Locked {
            path,
            waited_ms: u64::try_from(busy_timeout.as_millis()).unwrap_or(u64::MAX),
        },
        Kind::ReadOnly => CorpusError::ReadOnly { path, detail },
        Kind::Io => CorpusError::Io { path, detail },
    }
}

/// Turn an operating-system error met while preparing the database at `path` (creating its
/// directory or the file) into a [`CorpusError`]: permission refused and read-only file
/// systems are `ReadOnly`, the rest `Io`.
pub(crate) fn classify_os(path: &Path, what: &str, err: &io::Error) -> CorpusError {
    let path = path.to_path_buf();
    let detail = format!("{what}: {err}");
    match err.kind() {
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
            CorpusError::ReadOnly { path, detail }
        }
        _ => CorpusError::Io { path, detail },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::ffi;

    fn sqlite(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(ffi::Error::new(code), None)
    }

    #[test]
    fn the_table() {
        let table = [
            (ffi::SQLITE_BUSY, Kind::Locked),
            (ffi::SQLITE_BUSY_SNAPSHOT, Kind::Locked),
            (ffi::SQLITE_LOCKED, Kind::Locked),
            (ffi::SQLITE_NOTADB, Kind::Corrupt),
            (ffi::SQLITE_CORRUPT, Kind::Corrupt),
            (ffi::SQLITE_READONLY, Kind::ReadOnly),
            (ffi::SQLITE_READONLY_DIRECTORY, Kind::ReadOnly),
            (ffi::SQLITE_READONLY_DBMOVED, Kind::ReadOnly),
            (ffi::SQLITE_PERM, Kind::ReadOnly),
            (ffi::SQLITE_CANTOPEN, Kind::Io),
            (ffi::SQLITE_IOERR, Kind::Io),
            (ffi::SQLITE_IOERR_FSYNC, Kind::Io),
            (ffi::SQLITE_FULL, Kind::Io),
            (ffi::SQLITE_CONSTRAINT, Kind::Io),
        ];
        for (code, kind) in table {
            assert_eq!(kind_of(&sqlite(code)), kind, "SQLite result code {code}");
        }
        assert_eq!(
            kind_of(&rusqlite::Error::IntegralValueOutOfRange(0, -1)),
            Kind::Corrupt
        );
        assert_eq!(kind_of(&rusqlite::Error::QueryReturnedNoRows), Kind::Io);
    }

    #[test]
    fn locked_reports_the_busy_timeout() {
        let err = classify(
            Path::new("c.db"),
            Duration::from_millis(250),
            sqlite(ffi::SQLITE_BUSY),
        );
        assert!(
            matches!(err, CorpusError::Locked { waited_ms: 250, .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "corpus database c.db is locked by another process (waited 250 ms)"
        );
    }

    #[test]
    fn os_errors() {
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        let rofs = io::Error::from(io::ErrorKind::ReadOnlyFilesystem);
        let missing = io::Error::from(io::ErrorKind::NotFound);
        let p = Path::new("c.db");
        assert!(matches!(
            classify_os(p, "x", &denied),
            CorpusError::ReadOnly { .. }
        ));
        assert!(matches!(
            classify_os(p, "x", &rofs),
            CorpusError::ReadOnly { .. }
        ));
        assert!(matches!(
            classify_os(p, "x", &missing),
            CorpusError::Io { .. }
        ));
    }
}
