//! The run and failure corpus: every checker run and every failure it found, in SQLite — and
//! the schedule fuzzer's corpus of inputs per model variant and version (`lockstep fuzz`).
//!
//! `lockstep check` records each run (model variant, checker, seed, shard, schedules, verdict,
//! time) and each failure's replay token; failures already known are re-run first, so a
//! regression is caught by its old token before any new exploration. The default file is
//! [`DEFAULT_PATH`] under the current directory.
//!
//! Guarantees:
//! - **Nothing acknowledged is lost.** [`Corpus::record`] writes a run and its failures in one
//!   transaction and returns `Ok` only after it committed, with `synchronous = FULL` (durable
//!   across a crash of the process or the machine). Any failure returns an error and writes
//!   nothing; retrying records the same data.
//! - **Clear failures, never a panic.** A file that is not a corpus (random bytes, a text file, a
//!   damaged database, another application's database) gives [`CorpusError::Corrupt`]; a file
//!   written by a newer schema [`CorpusError::Version`]; a file, directory or file system that
//!   cannot be written [`CorpusError::ReadOnly`] (at open when the OS says so then, else from the
//!   first `record`); another process holding the write lock past the busy timeout
//!   [`CorpusError::Locked`].
//! - **Concurrent use.** Any number of processes and threads may open the same file, each with
//!   its own [`Corpus`]: writes are serialised by SQLite's lock (waiting up to
//!   [`Options::busy_timeout`]), readers never wait for the writer (WAL journal mode where the
//!   file system allows).
//! - **Deterministic.** No clock is read: times are passed in by the caller.
//!
//! ```
//! use lockstep_cli::corpus::{Corpus, FailureRecord, RunRecord};
//! use lockstep_cli::{Checker, Verdict};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let mut corpus = Corpus::open(dir.path().join("corpus.db")).unwrap();
//! let run = RunRecord {
//!     model: "handoff".into(), variant: "buggy".into(), checker: Checker::SimPct,
//!     seed: 7, shard: None, schedules: 12, verdict: Verdict::BugFound, seconds: 0.25,
//!     started_at_unix: 1_700_000_000, lockstep_version: "0.1.0".into(),
//! };
//! let failure = FailureRecord {
//!     model: "handoff".into(), variant: "buggy".into(), checker: Checker::SimPct,
//!     token: "ls1.abc".into(), summary: "deadlock: 2 threads".into(), report: "...".into(),
//! };
//! corpus.record(&run, &[failure], 1_700_000_001).unwrap();
//! let known = corpus.known_failures("handoff", "buggy").unwrap();
//! assert_eq!(known[0].token, "ls1.abc");
//! assert_eq!(known[0].times_seen, 1);
//! ```

mod error;
mod record;
mod schema;

use std::path::{Path, PathBuf};
use std::time::Duration;

use lockstep::check::Checker;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

pub use error::CorpusError;
use record::validate;
pub use record::{FailureRecord, KnownFailure, RunRecord};

/// The default location, relative to the current directory.
pub const DEFAULT_PATH: &str = ".lockstep/corpus.db";

/// The schema version this build reads and writes (`PRAGMA user_version` of the file).
pub const SCHEMA_VERSION: i64 = 2;

/// How to open a corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// How long a write waits for another connection's lock before it fails with
    /// [`CorpusError::Locked`]. Default 5 s.
    pub busy_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            busy_timeout: Duration::from_secs(5),
        }
    }
}

impl Options {
    /// Set [`Options::busy_timeout`].
    #[must_use]
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }
}

/// An open corpus file. One per thread: it is `Send`, not `Sync` (open another for another
/// thread; SQLite serialises them).
#[derive(Debug)]
pub struct Corpus {
    conn: Connection,
    path: PathBuf,
    options: Options,
}

impl Corpus {
    /// Open (creating the file, its parent directory and the schema if needed) with the default
    /// [`Options`].
    pub fn open(path: impl AsRef<Path>) -> Result<Corpus, CorpusError> {
        Corpus::open_with(path, Options::default())
    }

    /// Open with explicit [`Options`].
    pub fn open_with(path: impl AsRef<Path>, options: Options) -> Result<Corpus, CorpusError> {
        let path = path.as_ref().to_path_buf();
        let conn = schema::open(&path, &options)?;
        Ok(Corpus {
            conn,
            path,
            options,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Record a run and the failures it found, in ONE transaction: `Ok` only after the commit.
    /// A failure already known (same model, variant, checker, token) has its `last_seen` raised
    /// to `now_unix` (its `first_seen` lowered, should `now_unix` be earlier), `times_seen`
    /// incremented, and its summary and report replaced by this sighting's.
    ///
    /// On any error nothing is written: an invalid record ([`CorpusError::Invalid`]), a lock
    /// held past the busy timeout ([`CorpusError::Locked`]; retry later), a read-only file
    /// ([`CorpusError::ReadOnly`]), ...
    pub fn record(
        &mut self,
        run: &RunRecord,
        failures: &[FailureRecord],
        now_unix: i64,
    ) -> Result<(), CorpusError> {
        self.record_and_forget(run, failures, &[], now_unix)
    }

    /// [`Corpus::record`], and in the same transaction forget the failures of the run's model,
    /// variant and checker whose tokens are in `forget` (known tokens that no longer fit the
    /// model): the run, its failures and the forgetting are committed together or not at all.
    pub fn record_and_forget(
        &mut self,
        run: &RunRecord,
        failures: &[FailureRecord],
        forget: &[String],
        now_unix: i64,
    ) -> Result<(), CorpusError> {
        validate(run, failures).map_err(|detail| CorpusError::Invalid {
            path: self.path.clone(),
            detail,
        })?;
        let (path, timeout) = (&self.path, self.options.busy_timeout);
        let sqlite = |err| error::classify(path, timeout, err);

        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sqlite)?;
        tx.prepare_cached(INSERT_RUN)
            .and_then(|mut insert| {
                insert.execute(params![
                    run.model,
                    run.variant,
                    run.checker.name(),
                    u64_to_sql(run.seed),
                    run.shard.map(|(i, _)| i),
                    run.shard.map(|(_, n)| n),
                    u64_to_sql(run.schedules),
                    run.verdict.name(),
                    run.seconds,
                    run.started_at_unix,
                    run.lockstep_version,
                    now_unix,
                ])
            })
            .map_err(sqlite)?;
        let run_id = tx.last_insert_rowid();
        if !forget.is_empty() {
            let mut delete = tx.prepare_cached(DELETE_FAILURE).map_err(sqlite)?;
            for token in forget {
                delete
                    .execute(params![run.model, run.variant, run.checker.name(), token])
                    .map_err(sqlite)?;
            }
        }
        {
            let mut upsert = tx.prepare_cached(UPSERT_FAILURE).map_err(sqlite)?;
            for f in failures {
                upsert
                    .execute(params![
                        f.model,
                        f.variant,
                        f.checker.name(),
                        f.token,
                        f.summary,
                        f.report,
                        now_unix,
                        run_id,
                    ])
                    .map_err(sqlite)?;
            }
        }
        tx.commit().map_err(sqlite)
    }

    /// Known failures of a model variant (every checker), most recently seen first; among
    /// equally recent ones, the latest recorded first, then by token.
    pub fn known_failures(
        &self,
        model: &str,
        variant: &str,
    ) -> Result<Vec<KnownFailure>, CorpusError> {
        let read = || -> rusqlite::Result<Vec<KnownFailure>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT model, variant, checker, token, summary, first_seen, last_seen, times_seen
                 FROM failures WHERE model = ?1 AND variant = ?2
                 ORDER BY last_seen DESC, last_run DESC, token ASC",
            )?;
            let rows = stmt.query_map(params![model, variant], |r| {
                Ok(KnownFailure {
                    model: r.get(0)?,
                    variant: r.get(1)?,
                    checker: parsed(r, 2)?,
                    token: r.get(3)?,
                    summary: r.get(4)?,
                    first_seen_unix: r.get(5)?,
                    last_seen_unix: r.get(6)?,
                    times_seen: r.get(7)?,
                })
            })?;
            rows.collect()
        };
        read().map_err(|e| self.error(e))
    }

    /// The full report of a known failure, if it is known.
    pub fn failure_report(
        &self,
        model: &str,
        variant: &str,
        checker: Checker,
        token: &str,
    ) -> Result<Option<String>, CorpusError> {
        self.conn
            .query_row(
                "SELECT report FROM failures
                 WHERE model = ?1 AND variant = ?2 AND checker = ?3 AND token = ?4",
                params![model, variant, checker.name(), token],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    /// The most recent runs, newest first: by `started_at_unix`, then the latest recorded.
    pub fn recent_runs(&self, limit: usize) -> Result<Vec<RunRecord>, CorpusError> {
        let read = || -> rusqlite::Result<Vec<RunRecord>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT model, variant, checker, seed, shard_index, shard_count, schedules,
                        verdict, seconds, started_at, lockstep_version
                 FROM runs ORDER BY started_at DESC, id DESC LIMIT ?1",
            )?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = stmt.query_map([limit], |r| {
                let shard = match (r.get::<_, Option<u32>>(4)?, r.get::<_, Option<u32>>(5)?) {
                    (Some(index), Some(count)) => Some((index, count)),
                    _ => None,
                };
                Ok(RunRecord {
                    model: r.get(0)?,
                    variant: r.get(1)?,
                    checker: parsed(r, 2)?,
                    seed: u64_from_sql(r.get(3)?),
                    shard,
                    schedules: u64_from_sql(r.get(6)?),
                    verdict: parsed(r, 7)?,
                    seconds: r.get(8)?,
                    started_at_unix: r.get(9)?,
                    lockstep_version: r.get(10)?,
                })
            })?;
            rows.collect()
        };
        read().map_err(|e| self.error(e))
    }

    /// Forget a failure (e.g. a token that no longer matches its model). Returns whether it
    /// existed.
    pub fn forget(
        &mut self,
        model: &str,
        variant: &str,
        checker: Checker,
        token: &str,
    ) -> Result<bool, CorpusError> {
        self.conn
            .execute(
                DELETE_FAILURE,
                params![model, variant, checker.name(), token],
            )
            .map(|deleted| deleted > 0)
            .map_err(|e| self.error(e))
    }

    /// The schedule fuzzer's corpus of a model variant at `model_version` (entries of
    /// `lockstep_sim::FuzzCorpus`), in the order they were added.
    pub fn fuzz_entries(
        &self,
        model: &str,
        variant: &str,
        model_version: u32,
    ) -> Result<Vec<Vec<u8>>, CorpusError> {
        let read = || -> rusqlite::Result<Vec<Vec<u8>>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT entry FROM fuzz_corpus
                 WHERE model = ?1 AND variant = ?2 AND model_version = ?3 ORDER BY rowid",
            )?;
            let rows = stmt.query_map(params![model, variant, model_version], |r| r.get(0))?;
            rows.collect()
        };
        read().map_err(|e| self.error(e))
    }

    /// Add schedule fuzzer entries to a model variant's corpus at `model_version`, in one
    /// transaction (`Ok` only after the commit); entries it has already are skipped. Returns
    /// how many were new.
    pub fn add_fuzz_entries(
        &mut self,
        model: &str,
        variant: &str,
        model_version: u32,
        entries: &[Vec<u8>],
        now_unix: i64,
    ) -> Result<usize, CorpusError> {
        let (path, timeout) = (&self.path, self.options.busy_timeout);
        let sqlite = |err| error::classify(path, timeout, err);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sqlite)?;
        let mut added = 0;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO fuzz_corpus
                     (model, variant, model_version, entry, added_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(sqlite)?;
            for entry in entries {
                added += insert
                    .execute(params![model, variant, model_version, entry, now_unix])
                    .map_err(sqlite)?;
            }
        }
        tx.commit().map_err(sqlite)?;
        Ok(added)
    }

    fn error(&self, err: rusqlite::Error) -> CorpusError {
        error::classify(&self.path, self.options.busy_timeout, err)
    }
}

const INSERT_RUN: &str = "
INSERT INTO runs (model, variant, checker, seed, shard_index, shard_count, schedules, verdict,
                  seconds, started_at, lockstep_version, recorded_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

const DELETE_FAILURE: &str =
    "DELETE FROM failures WHERE model = ?1 AND variant = ?2 AND checker = ?3 AND token = ?4";

const UPSERT_FAILURE: &str = "
INSERT INTO failures (model, variant, checker, token, summary, report,
                      first_seen, last_seen, times_seen, first_run, last_run)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 1, ?8, ?8)
ON CONFLICT (model, variant, checker, token) DO UPDATE SET
    summary = excluded.summary,
    report = excluded.report,
    first_seen = min(first_seen, excluded.first_seen),
    last_seen = max(last_seen, excluded.last_seen),
    times_seen = times_seen + 1,
    last_run = excluded.last_run";

/// Column `index` of `row`, stored as text and parsed (a checker's or a verdict's name); a
/// value that does not parse means the file is not the corpus we wrote.
fn parsed<T>(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text: String = row.get(index)?;
    text.parse().map_err(|err: T::Err| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            format!("{text:?}: {err}").into(),
        )
    })
}

/// SQLite integers are signed: store a `u64` as its two's-complement bit pattern.
fn u64_to_sql(v: u64) -> i64 {
    i64::from_ne_bytes(v.to_ne_bytes())
}

fn u64_from_sql(v: i64) -> u64 {
    u64::from_ne_bytes(v.to_ne_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::OpenFlags;

    /// The path the integration tests cannot reach: a file that turns read-only after a
    /// successful open (a remount, say). SQLite then refuses the write; `record` must report it.
    #[test]
    fn a_write_refused_after_open_is_reported_by_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let _writer = Corpus::open(&path).unwrap(); // keeps -wal and -shm in place
        let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let mut corpus = Corpus {
            conn,
            path: path.clone(),
            options: Options::default(),
        };
        let run = RunRecord {
            model: "m".into(),
            variant: "v".into(),
            checker: Checker::SimPct,
            seed: 1,
            shard: None,
            schedules: 1,
            verdict: crate::Verdict::Passed,
            seconds: 0.5,
            started_at_unix: 1,
            lockstep_version: "0".into(),
        };
        let err = corpus.record(&run, &[], 1).unwrap_err();
        assert!(matches!(err, CorpusError::ReadOnly { .. }), "{err:?}");
        assert!(corpus.recent_runs(10).unwrap().is_empty());
        let err = corpus.forget("m", "v", Checker::SimPct, "t").unwrap_err();
        assert!(matches!(err, CorpusError::ReadOnly { .. }), "{err:?}");
    }
}
