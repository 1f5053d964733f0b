//! The run and failure corpus (SQLite) — in progress.
