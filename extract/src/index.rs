//! The index: each archive's members (path, size, offset, checksum), recorded when the archive is
//! first seen, and each member's manifest once it is extracted — zstash's `index.db`.
//!
//! [`SqliteIndex`] is the program's (one SQLite file, WAL, one transaction per call);
//! [`MemIndex`] holds the same in memory behind a facade mutex, for tests and the simulator.
//!
//! Guarantees of every [`Index`]: an archive's member list is written once, in one transaction,
//! and never replaced (so a later corruption of the archive is caught against it, not indexed
//! over); an extraction starts by [clearing](Index::clear) the archive's manifests and
//! [records](Index::record) each member's as soon as it is stored and checked — before its line
//! is printed — so manifests never mix two runs, and every member printed as extracted is in
//! the index (SQLite: one transaction per member, WAL; it survives the process dying, and with
//! `synchronous = NORMAL` a power loss may undo the last few).

use crate::archives::Member;
use lockstep::sync::{Mutex, Runtime, Std};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::Duration;

/// An archive's indexed members, and the archive's size when it was indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indexed {
    /// The archive's size in bytes when it was indexed.
    pub size: u64,
    /// Its regular-file members, in archive order.
    pub members: Vec<Member>,
}

/// Where member lists and manifests are kept. Called from several workers at once.
pub trait Index: Send + Sync + 'static {
    /// The members of `archive`, or `None` if it was never indexed.
    fn lookup(&self, archive: &str) -> Result<Option<Indexed>, String>;
    /// Record `archive`'s members (first use). An archive already indexed is left as it is.
    fn insert(&self, archive: &str, indexed: &Indexed) -> Result<(), String>;
    /// Forget `archive`'s manifests (an extraction of it starts).
    fn clear(&self, archive: &str) -> Result<(), String>;
    /// Record the manifest of member `seq` of `archive`.
    fn record(&self, archive: &str, seq: u32, manifest: &str) -> Result<(), String>;
    /// `archive`'s members with their manifests (if extracted), in archive order.
    fn manifests(&self, archive: &str) -> Result<Vec<(Member, Option<String>)>, String>;
}

/// Per archive: its members, and the manifests recorded by member seq.
type Entries = BTreeMap<String, (Indexed, BTreeMap<u32, String>)>;

/// An [`Index`] in memory, on runtime `R`.
pub struct MemIndex<R: Runtime = Std> {
    archives: Mutex<Entries, R>,
}

impl<R: Runtime> MemIndex<R> {
    /// An empty index.
    pub fn new() -> Self {
        MemIndex {
            archives: Mutex::new(BTreeMap::new()),
        }
    }
}

impl<R: Runtime> Default for MemIndex<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Runtime> fmt::Debug for MemIndex<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let archives = self.archives.lock();
        f.debug_struct("MemIndex")
            .field("archives", &archives.len())
            .finish()
    }
}

impl<R: Runtime> Index for MemIndex<R> {
    fn lookup(&self, archive: &str) -> Result<Option<Indexed>, String> {
        Ok(self.archives.lock().get(archive).map(|(i, _)| i.clone()))
    }

    fn insert(&self, archive: &str, indexed: &Indexed) -> Result<(), String> {
        self.archives
            .lock()
            .entry(archive.to_owned())
            .or_insert_with(|| (indexed.clone(), BTreeMap::new()));
        Ok(())
    }

    fn clear(&self, archive: &str) -> Result<(), String> {
        if let Some((_, recorded)) = self.archives.lock().get_mut(archive) {
            recorded.clear();
        }
        Ok(())
    }

    fn record(&self, archive: &str, seq: u32, manifest: &str) -> Result<(), String> {
        let mut archives = self.archives.lock();
        let (indexed, recorded) = archives
            .get_mut(archive)
            .ok_or_else(|| format!("{archive} is not indexed"))?;
        if !indexed.members.iter().any(|m| m.seq == seq) {
            return Err(format!("{archive} has no member {seq}"));
        }
        recorded.insert(seq, manifest.to_owned());
        Ok(())
    }

    fn manifests(&self, archive: &str) -> Result<Vec<(Member, Option<String>)>, String> {
        let archives = self.archives.lock();
        let Some((indexed, recorded)) = archives.get(archive) else {
            return Ok(Vec::new());
        };
        Ok(indexed
            .members
            .iter()
            .map(|m| (m.clone(), recorded.get(&m.seq).cloned()))
            .collect())
    }
}

/// The index in one SQLite file.
pub struct SqliteIndex {
    db: Mutex<Connection>,
}

impl fmt::Debug for SqliteIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteIndex").finish_non_exhaustive()
    }
}

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS archives (
        name TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        members INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS members (
        archive TEXT NOT NULL REFERENCES archives(name),
        seq INTEGER NOT NULL,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        offset INTEGER NOT NULL,
        md5 TEXT NOT NULL,
        manifest TEXT,
        PRIMARY KEY (archive, seq)
    );";

fn sql(what: &str) -> impl Fn(rusqlite::Error) -> String + '_ {
    move |e| format!("index: {what}: {e}")
}

impl SqliteIndex {
    /// Open (creating if needed) the index at `path`. Its directory must exist.
    pub fn open(path: &Path) -> Result<Self, String> {
        let db = Connection::open(path).map_err(|e| e.to_string())?;
        db.busy_timeout(Duration::from_secs(10))
            .map_err(|e| e.to_string())?;
        db.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| e.to_string())?;
        db.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| e.to_string())?;
        db.execute_batch(SCHEMA).map_err(|e| e.to_string())?;
        Ok(SqliteIndex { db: Mutex::new(db) })
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Index for SqliteIndex {
    fn lookup(&self, archive: &str) -> Result<Option<Indexed>, String> {
        let db = self.db.lock();
        let size: Option<i64> = db
            .query_row(
                "SELECT size FROM archives WHERE name = ?1",
                [archive],
                |row| row.get(0),
            )
            .optional()
            .map_err(sql("lookup"))?;
        let Some(size) = size else { return Ok(None) };
        let members = self.members_locked(&db, archive)?;
        Ok(Some(Indexed {
            size: size as u64,
            members: members.into_iter().map(|(m, _)| m).collect(),
        }))
    }

    fn insert(&self, archive: &str, indexed: &Indexed) -> Result<(), String> {
        let mut db = self.db.lock();
        let tx = db.transaction().map_err(sql("insert"))?;
        let added = tx
            .execute(
                "INSERT OR IGNORE INTO archives (name, size, members) VALUES (?1, ?2, ?3)",
                params![archive, to_i64(indexed.size), indexed.members.len() as i64],
            )
            .map_err(sql("insert"))?;
        if added == 1 {
            let mut insert = tx
                .prepare(
                    "INSERT INTO members (archive, seq, path, size, offset, md5)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(sql("insert"))?;
            for m in &indexed.members {
                insert
                    .execute(params![
                        archive,
                        m.seq,
                        m.path,
                        to_i64(m.size),
                        to_i64(m.offset),
                        m.md5
                    ])
                    .map_err(sql("insert"))?;
            }
        }
        tx.commit().map_err(sql("insert"))
    }

    fn clear(&self, archive: &str) -> Result<(), String> {
        let db = self.db.lock();
        db.execute(
            "UPDATE members SET manifest = NULL WHERE archive = ?1",
            [archive],
        )
        .map_err(sql("clear"))?;
        Ok(())
    }

    fn record(&self, archive: &str, seq: u32, manifest: &str) -> Result<(), String> {
        let db = self.db.lock();
        let mut update = db
            .prepare_cached("UPDATE members SET manifest = ?3 WHERE archive = ?1 AND seq = ?2")
            .map_err(sql("record"))?;
        match update.execute(params![archive, seq, manifest]) {
            Ok(1) => Ok(()),
            Ok(_) => Err(format!("index: {archive} has no member {seq}")),
            Err(e) => Err(sql("record")(e)),
        }
    }

    fn manifests(&self, archive: &str) -> Result<Vec<(Member, Option<String>)>, String> {
        let db = self.db.lock();
        self.members_locked(&db, archive)
    }
}

impl SqliteIndex {
    fn members_locked(
        &self,
        db: &Connection,
        archive: &str,
    ) -> Result<Vec<(Member, Option<String>)>, String> {
        let mut query = db
            .prepare_cached(
                "SELECT seq, path, size, offset, md5, manifest FROM members
                 WHERE archive = ?1 ORDER BY seq",
            )
            .map_err(sql("read"))?;
        let rows = query
            .query_map([archive], |row| {
                Ok((
                    Member {
                        seq: row.get(0)?,
                        path: row.get(1)?,
                        size: row.get::<_, i64>(2)? as u64,
                        offset: row.get::<_, i64>(3)? as u64,
                        md5: row.get(4)?,
                    },
                    row.get(5)?,
                ))
            })
            .map_err(sql("read"))?;
        rows.collect::<Result<_, _>>().map_err(sql("read"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(seq: u32, path: &str) -> Member {
        Member {
            seq,
            path: path.to_owned(),
            size: 3,
            offset: 512 * u64::from(seq + 1),
            md5: "acbd18db4cc2f85cedef654fccc4a4d8".to_owned(),
        }
    }

    /// Both indexes: the member list is written once; `clear` forgets the manifests.
    fn contract(index: &dyn Index) {
        assert_eq!(index.lookup("a.tar").unwrap(), None);
        let first = Indexed {
            size: 2048,
            members: vec![member(0, "x"), member(1, "y")],
        };
        index.insert("a.tar", &first).unwrap();
        let other = Indexed {
            size: 1,
            members: vec![member(0, "z")],
        };
        index.insert("a.tar", &other).unwrap();
        assert_eq!(index.lookup("a.tar").unwrap(), Some(first.clone()));
        index.record("a.tar", 0, "m0").unwrap();
        index.record("a.tar", 1, "m1").unwrap();
        index.clear("a.tar").unwrap();
        index.record("a.tar", 1, "m1'").unwrap();
        assert!(index.record("a.tar", 2, "m2").is_err(), "no member 2");
        let manifests = index.manifests("a.tar").unwrap();
        let manifests: Vec<Option<&str>> = manifests.iter().map(|(_, m)| m.as_deref()).collect();
        assert_eq!(manifests, [None, Some("m1'")]);
        assert!(
            index.record("b.tar", 0, "m").is_err(),
            "b.tar is not indexed"
        );
        assert!(index.manifests("b.tar").unwrap().is_empty());
    }

    #[test]
    fn memory_and_sqlite_indexes_keep_the_same_contract() {
        contract(&MemIndex::<Std>::new());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.db");
        contract(&SqliteIndex::open(&path).unwrap());
        // Reopened, the member list is still there.
        let reopened = SqliteIndex::open(&path).unwrap();
        assert_eq!(reopened.lookup("a.tar").unwrap().unwrap().members.len(), 2);
    }
}
