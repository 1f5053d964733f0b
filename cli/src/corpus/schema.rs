//! Opening a corpus file: the checks that it is one, and the schema.
//!
//! Guarantees: a file that is not a lockstep corpus (random bytes, text, a damaged database, an
//! SQLite database of another application) is refused with `Corrupt` before anything is written
//! to it; a newer schema is refused with `Version`, also untouched; a file that cannot be written
//! is refused with `ReadOnly` at open when the operating system or SQLite says so at open. The
//! schema is created in one immediate transaction that re-checks the file inside it, so two
//! processes opening a new corpus at once create it once.
//!
//! The file is marked as a lockstep corpus by `PRAGMA application_id` and versioned by
//! `PRAGMA user_version`. It is kept in WAL journal mode where the file system allows (readers
//! never wait for the writer) with `synchronous = FULL`, so a committed transaction survives a
//! crash of the process or of the machine.

use std::fs;
use std::path::Path;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::error::{classify, classify_os, CorpusError};
use super::{Options, SCHEMA_VERSION};

/// `PRAGMA application_id` of a lockstep corpus: "LKSC".
const APPLICATION_ID: i64 = 0x4C4B_5343;

/// Version 1. Unsigned 64-bit values (seed, schedules) are stored as their two's-complement
/// bit pattern in SQLite's signed integers.
const SCHEMA_V1: &str = "
CREATE TABLE runs (
    id               INTEGER PRIMARY KEY,
    model            TEXT    NOT NULL,
    variant          TEXT    NOT NULL,
    checker          TEXT    NOT NULL,
    seed             INTEGER NOT NULL,
    shard_index      INTEGER,
    shard_count      INTEGER,
    schedules        INTEGER NOT NULL,
    verdict          TEXT    NOT NULL,
    seconds          REAL    NOT NULL,
    started_at       INTEGER NOT NULL,
    lockstep_version TEXT    NOT NULL,
    recorded_at      INTEGER NOT NULL,
    CHECK ((shard_index IS NULL) = (shard_count IS NULL))
);
CREATE INDEX runs_by_start ON runs (started_at);

CREATE TABLE failures (
    model      TEXT    NOT NULL,
    variant    TEXT    NOT NULL,
    checker    TEXT    NOT NULL,
    token      TEXT    NOT NULL,
    summary    TEXT    NOT NULL,
    report     TEXT    NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    times_seen INTEGER NOT NULL,
    first_run  INTEGER NOT NULL REFERENCES runs (id),
    last_run   INTEGER NOT NULL REFERENCES runs (id),
    PRIMARY KEY (model, variant, checker, token)
);
CREATE INDEX failures_by_recency ON failures (model, variant, last_seen DESC, last_run DESC);
";

/// Version 2 adds the schedule fuzzer's corpus: per model, variant and model version, the
/// inputs (`lockstep_sim::FuzzCorpus` entries) that found new feedback, in the order added.
/// Migrating a version-1 file adds this table and changes nothing else.
const SCHEMA_V2: &str = "
CREATE TABLE fuzz_corpus (
    model         TEXT    NOT NULL,
    variant       TEXT    NOT NULL,
    model_version INTEGER NOT NULL,
    entry         BLOB    NOT NULL,
    added_at      INTEGER NOT NULL,
    PRIMARY KEY (model, variant, model_version, entry)
);
";

/// What a file holds, as far as the corpus is concerned.
#[derive(Debug, PartialEq, Eq)]
enum Contents {
    /// A new (or zero-length) database: no schema yet.
    Empty,
    /// A lockstep corpus of this schema version.
    Current,
    /// A lockstep corpus of an older schema version this build migrates.
    Older(i64),
    /// A lockstep corpus written by a newer schema.
    Newer(i64),
    /// Something else; the string says what.
    Foreign(String),
}

/// Look at the file's header and schema; reads only. One statement, so one snapshot: another
/// connection creating the schema meanwhile is seen entirely or not at all.
fn inspect(conn: &Connection) -> rusqlite::Result<Contents> {
    let (application_id, version, objects): (i64, i64, i64) = conn.query_row(
        "SELECT (SELECT application_id FROM pragma_application_id),
                (SELECT user_version FROM pragma_user_version),
                (SELECT count(*) FROM sqlite_master)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok(if application_id == APPLICATION_ID {
        match version {
            SCHEMA_VERSION => Contents::Current,
            v if v > SCHEMA_VERSION => Contents::Newer(v),
            1 => Contents::Older(1),
            v => Contents::Foreign(format!("a lockstep corpus with unknown schema version {v}")),
        }
    } else if application_id == 0 && version == 0 && objects == 0 {
        Contents::Empty
    } else {
        Contents::Foreign(format!(
            "an SQLite database of another application (application_id {application_id:#x}, \
             user_version {version}, {objects} schema objects)"
        ))
    })
}

/// Open the corpus at `path`, creating its directory, the file and the schema as needed.
pub(crate) fn open(path: &Path, options: &Options) -> Result<Connection, CorpusError> {
    let sqlite = |err| explain_cannot_open(path, options, err);

    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)
            .map_err(|e| classify_os(path, &format!("cannot create {}", dir.display()), &e))?;
    }
    // Create (or open for writing) the file ourselves: SQLite reports a file or directory it
    // cannot write only as "cannot open" or by silently opening read-only; the OS says why.
    fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| classify_os(path, "cannot open for writing", &e))?;

    // No SQLITE_OPEN_URI: the path is a path, whatever characters it holds.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).map_err(sqlite)?;
    conn.busy_timeout(options.busy_timeout).map_err(sqlite)?;
    // SQLite falls back to read-only when the OS refuses a read-write open.
    if conn.is_readonly("main").map_err(sqlite)? {
        return Err(CorpusError::ReadOnly {
            path: path.to_path_buf(),
            detail: "SQLite could open the file only for reading".into(),
        });
    }

    refuse(path, inspect(&conn).map_err(sqlite)?)?;
    // WAL where the file system supports it (SQLite answers with the mode it kept otherwise);
    // the journal mode cannot change inside a transaction, so before the schema.
    let _mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(sqlite)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(sqlite)?;
    refuse(path, create_schema_if_empty(&mut conn).map_err(sqlite)?)?;
    Ok(conn)
}

/// [`classify`], except that SQLite's "unable to open database file" met while opening is
/// `ReadOnly` when the file's directory cannot be written: a WAL database needs its `-wal` and
/// `-shm` files created beside it, and SQLite does not say why it could not.
fn explain_cannot_open(path: &Path, options: &Options, err: rusqlite::Error) -> CorpusError {
    let cannot_open = err.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen);
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if cannot_open {
        if let Err(probe) = directory_writable(dir) {
            return CorpusError::ReadOnly {
                path: path.to_path_buf(),
                detail: format!(
                    "{err}: SQLite needs to create files in {}, which cannot be written ({probe})",
                    dir.display()
                ),
            };
        }
    }
    classify(path, options.busy_timeout, err)
}

/// Whether a file can be created in `dir` (tried, then removed). Only on an error path.
fn directory_writable(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".lockstep-probe-{}", std::process::id()));
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => fs::remove_file(probe),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Refuse a file that is not a corpus this build can use.
fn refuse(path: &Path, contents: Contents) -> Result<(), CorpusError> {
    match contents {
        Contents::Empty | Contents::Current | Contents::Older(_) => Ok(()),
        Contents::Newer(found) => Err(CorpusError::Version {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        }),
        Contents::Foreign(detail) => Err(CorpusError::Corrupt {
            path: path.to_path_buf(),
            detail,
        }),
    }
}

/// Create the schema unless the file has one, or migrate an older one (another connection may
/// have done either since the file was inspected): one immediate transaction that re-inspects
/// under the write lock. Returns what the file holds afterwards.
fn create_schema_if_empty(conn: &mut Connection) -> rusqlite::Result<Contents> {
    let before = inspect(conn)?;
    if !matches!(before, Contents::Empty | Contents::Older(_)) {
        return Ok(before);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let contents = match inspect(&tx)? {
        Contents::Empty => {
            tx.execute_batch(SCHEMA_V1)?;
            tx.execute_batch(SCHEMA_V2)?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            Contents::Current
        }
        Contents::Older(1) => {
            tx.execute_batch(SCHEMA_V2)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            Contents::Current
        }
        other => other,
    };
    tx.commit()?;
    Ok(contents)
}
