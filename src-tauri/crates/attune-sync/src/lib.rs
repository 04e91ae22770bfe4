//! Sync across laptops (issue 17), the foundation: Tauri-free and vault-free, so the next
//! step can wire it into `attune-vault`, the CLI and the window. See `DESIGN.md`.
//!
//! - [`hlc`] — hybrid logical clocks: an order of changes that survives clock skew.
//! - [`envelope`] — the sync file `ATTUNE-SYNC/1`: sealed to the recipient vault's X25519
//!   key, signed by the sender device's Ed25519 key, with sequence and acknowledgements in
//!   the authenticated header.
//! - [`changes`] (feature `session`) — change capture with SQLite's session extension (by
//!   difference against a base, `sqlite3session_diff`), apply with last-writer-wins by HLC
//!   keeping each losing value as data, and the school's relay of each change cut to one
//!   laptop's rows.
//! - [`sqlite`] (feature `sqlite`) — [`sqlite::sqlcipher_ready`], the wait every SQLCipher
//!   connection of the product (the vault's, and these tests') makes before opening.

pub mod batch;
pub mod envelope;
pub mod error;
pub mod hlc;

#[cfg(feature = "sqlite")]
pub mod sqlite;

#[cfg(feature = "session")]
pub mod changes;

pub use error::{Error, Result};

/// The rusqlite the change functions take connections of (with its `session` feature).
#[cfg(feature = "session")]
pub use rusqlite;
