//! The sync base (issue 17): `sync-base.db` beside the vault, the synced records as this
//! vault last shared them, which `attune_sync::changes::capture` compares the vault with to
//! find what changed since (see attune-sync's DESIGN.md, "Capture by difference").
//!
//! It holds copies of records, so it is encrypted like the vault: a SQLCipher database under
//! a random key of its own, kept in the vault (`sync_base_key`, migration 0012) — a change of
//! the vault's key leaves it readable, and without the vault's key it cannot be opened. It is
//! attached to the session's connection only while a sync runs ([`Vault::with_sync_base`]),
//! with `secure_delete` on, as the vault has.

use rusqlite::OptionalExtension;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::vault::Vault;
use crate::{fsutil, SecureRng};

/// The schema name the base is attached under.
pub const SCHEMA: &str = "sync_base";
/// Its file in the vault folder.
pub const FILE_NAME: &str = "sync-base.db";

impl Vault {
    /// Runs `f` with the sync base attached as [`SCHEMA`] (made, with its key, on first use),
    /// and detaches it afterwards, whatever `f` returned.
    pub fn with_sync_base<T, E: From<Error>>(
        &mut self,
        rng: &mut impl SecureRng,
        f: impl FnOnce(&mut Vault) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.require_ready()?;
        let key = self.sync_base_key(rng)?;
        let path = self.dir().join(FILE_NAME);
        let new = !path.exists();
        let s = path.to_str().ok_or_else(|| {
            Error::InvalidInput("The vault folder's name is not valid text.".into())
        })?;
        let attach = Zeroizing::new(format!(
            "ATTACH DATABASE ?1 AS {SCHEMA} KEY \"x'{}'\"",
            hex::encode(key.as_slice())
        ));
        let conn = self.conn()?;
        conn.execute(&attach, [s]).map_err(Error::from)?;
        let ready = conn
            .query_row(&format!("SELECT count(*) FROM {SCHEMA}.sqlite_master"), [], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::NotADatabase) => Error::VaultDamaged(format!(
                    "the sync base ({FILE_NAME}) does not open with its key; sync cannot go on until it is repaired"
                )),
                _ => e.into(),
            })
            .and_then(|_| {
                conn.execute_batch(&format!("PRAGMA {SCHEMA}.secure_delete = ON;"))
                    .map_err(Error::from)
            });
        if let Err(e) = ready {
            let _ = conn.execute_batch(&format!("DETACH DATABASE {SCHEMA};"));
            return Err(e.into());
        }
        if new {
            let _ = fsutil::sync_dir(self.dir());
        }
        let out = f(self);
        let detached = self
            .conn()
            .and_then(|c| Ok(c.execute_batch(&format!("DETACH DATABASE {SCHEMA};"))?));
        let out = out?;
        detached?;
        Ok(out)
    }

    /// Whether this vault has its sync base. A vault that syncs always has one from its first
    /// enrolment (school) or its join (laptop); a restore puts back the database alone, so a
    /// restored vault has none — and its sync state is from the backup's day.
    pub fn has_sync_base(&self) -> bool {
        self.dir().join(FILE_NAME).exists()
    }

    /// The base's key, made on first use.
    fn sync_base_key(&self, rng: &mut impl SecureRng) -> Result<Zeroizing<[u8; 32]>> {
        let conn = self.conn()?;
        let held: Option<Vec<u8>> = conn
            .query_row("SELECT key FROM sync_base_key WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        let mut key = Zeroizing::new([0u8; 32]);
        match held {
            Some(mut k) if k.len() == 32 => {
                key.copy_from_slice(&k);
                zeroize::Zeroize::zeroize(&mut k);
            }
            Some(_) => {
                return Err(Error::VaultDamaged(
                    "the sync base's key is not 32 bytes".into(),
                ))
            }
            None => {
                rng.fill_bytes(key.as_mut_slice());
                conn.execute(
                    "INSERT INTO sync_base_key (id, key) VALUES (1, ?1)",
                    [key.as_slice()],
                )?;
            }
        }
        Ok(key)
    }
}
