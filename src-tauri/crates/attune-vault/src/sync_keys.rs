//! The keys of sync files (issue 17): who this vault is to sync, whom it syncs with, and
//! sealing and opening `ATTUNE-SYNC/1` files ([`attune_sync::envelope`]) with them.
//!
//! - **This vault's identity** (`sync_identity`, migration `0011_sync_keys`, at most one row):
//!   its device number, the Ed25519 key it signs its sync files with and the X25519 static
//!   secret files to it are sealed to. The school vault (device 0) makes its own at its first
//!   enrolment ([`Vault::write_enrolment`]); a laptop's is made by the school with its
//!   enrolment file (the secrets travel inside the file's encryption, never in its JSON) and
//!   stored by [`Vault::join`]. The school keeps only the laptop's public keys.
//! - **Its peers** (`sync_peers`): at the school one row per enrolled laptop (its key adult;
//!   marked removed in the transaction that removes that user, [`Vault::remove_user`]); on a
//!   laptop one row, device 0, the school.
//!
//! Invariants: the secrets live only in the SQLCipher database (encrypted pages, like the
//! records) and in memory in zeroise-on-drop types; no `Debug` prints them; neither table
//! is ever copied to a replica (`attune_domain::transfer::scope` classifies both as local).
//! A file is sealed only to an enrolled peer that has not been removed, and opened only from
//! one ([`attune_sync::envelope::open`]'s order of checks); every refusal says which.

use attune_sync::envelope::{self, Devices, Outgoing};
use chrono::{DateTime, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use rusqlite::{params, Connection, OptionalExtension};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

pub use attune_sync::envelope::{Ack, Header};
pub use attune_sync::hlc::{DeviceId, Hlc};

use crate::error::{Error, ErrorKind, Result};
use crate::vault::Vault;
use crate::SecureRng;

/// This vault's own sync keys. The secrets are wiped when it is dropped and never printed.
pub struct SyncIdentity {
    /// 0 for the school vault, 1..=4095 for a laptop.
    pub device_no: u16,
    signing: SigningKey,
    box_secret: StaticSecret,
    /// RFC 3339.
    pub created_at: String,
}

impl SyncIdentity {
    /// Fresh keys for device `device_no`.
    pub(crate) fn generate(device_no: u16, rng: &mut impl SecureRng, now: DateTime<Utc>) -> Self {
        SyncIdentity {
            device_no,
            signing: SigningKey::generate(rng),
            box_secret: StaticSecret::random_from_rng(&mut *rng),
            created_at: crate::datetime::format_instant(now),
        }
    }

    pub(crate) fn from_secrets(
        device_no: u16,
        signing_seed: &[u8; 32],
        box_secret: &[u8; 32],
        created_at: String,
    ) -> Self {
        SyncIdentity {
            device_no,
            signing: SigningKey::from_bytes(signing_seed),
            box_secret: StaticSecret::from(*box_secret),
            created_at,
        }
    }

    /// The key this vault signs its sync files with.
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// The key the peers check this vault's signatures with.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The secret sync files to this vault are sealed to.
    pub fn box_secret(&self) -> &StaticSecret {
        &self.box_secret
    }

    /// The public key peers seal their files to.
    pub fn box_public(&self) -> PublicKey {
        PublicKey::from(&self.box_secret)
    }
}

impl std::fmt::Debug for SyncIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Public halves only.
        f.debug_struct("SyncIdentity")
            .field("device_no", &self.device_no)
            .field(
                "verifying_key",
                &hex::encode(self.verifying_key().as_bytes()),
            )
            .field("box_public", &hex::encode(self.box_public().as_bytes()))
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// A device this vault exchanges sync files with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPeer {
    pub device_no: u16,
    /// The laptop's key adult; `None` for the school vault (a laptop's one peer).
    pub user_id: Option<String>,
    pub verify_key: VerifyingKey,
    pub box_public: PublicKey,
    /// RFC 3339.
    pub added_at: String,
    /// RFC 3339; set when the laptop's user was removed: its files are refused from then on.
    pub removed_at: Option<String>,
}

impl SyncPeer {
    pub fn is_removed(&self) -> bool {
        self.removed_at.is_some()
    }
}

/// A sync file verified and decrypted by [`Vault::open_sync_file`].
pub struct OpenedSync {
    /// The device that signed it (one of this vault's peers, not removed).
    pub sender: u16,
    pub header: Header,
    /// Pupils' records: wiped when dropped, never printed.
    pub payload: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for OpenedSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedSync")
            .field("sender", &self.sender)
            .field("header", &self.header)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

/// Why a sync file was not sealed or not opened. Each message says what happened and what
/// to do; none quotes a key or the file's contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncRefusal {
    #[error("That file is not an Attune sync file; nothing was imported.")]
    NotASyncFile,
    #[error("This sync file was made by a newer version of Attune (format {0}); it was not imported. Update Attune on this computer, then import it again.")]
    NewerVersion(u8),
    #[error("This sync file is damaged or has been changed ({0}); it was not imported. Ask for the sync file to be made again.")]
    Damaged(&'static str),
    #[error("This sync file was made for another vault, not this one; it was not imported. Check that it is the file meant for this computer.")]
    WrongRecipient,
    #[error("This sync file comes from a device this vault does not know (device {0}): only the school vault and the laptops it prepared exchange sync files. It was not imported.")]
    UnknownSender(u64),
    #[error(
        "This sync file is from a laptop whose user was removed (device {0}); it was not imported."
    )]
    RemovedSender(u16),
    #[error("This vault has no sync keys yet: the school vault makes its own when it prepares its first laptop, and a laptop gets its own when it joins.")]
    NoKeys,
    #[error("This vault has no laptop with device number {0}; no sync file was made.")]
    UnknownRecipient(u16),
    #[error("The laptop with device number {0} belongs to a user who was removed; no sync file is made for it.")]
    RemovedRecipient(u16),
}

impl SyncRefusal {
    pub fn kind(&self) -> ErrorKind {
        match self {
            SyncRefusal::NotASyncFile
            | SyncRefusal::NewerVersion(_)
            | SyncRefusal::WrongRecipient => ErrorKind::InvalidInput,
            SyncRefusal::Damaged(_) => ErrorKind::VaultDamaged,
            SyncRefusal::UnknownSender(_)
            | SyncRefusal::RemovedSender(_)
            | SyncRefusal::RemovedRecipient(_) => ErrorKind::NotPermitted,
            SyncRefusal::NoKeys | SyncRefusal::UnknownRecipient(_) => ErrorKind::NotFound,
        }
    }
}

fn from_sync(e: attune_sync::Error) -> Error {
    use attune_sync::Error as S;
    match e {
        S::NotASyncFile => SyncRefusal::NotASyncFile.into(),
        S::UnsupportedVersion(v) => SyncRefusal::NewerVersion(v).into(),
        S::Damaged(why) => SyncRefusal::Damaged(why).into(),
        S::WrongRecipient => SyncRefusal::WrongRecipient.into(),
        S::UnknownDevice(d) => SyncRefusal::UnknownSender(d.0).into(),
        // Only devices of this vault's own table are in `Devices`, all 0..=4095.
        S::RemovedDevice(d) => match u16::try_from(d.0) {
            Ok(d) => SyncRefusal::RemovedSender(d).into(),
            Err(_) => SyncRefusal::UnknownSender(d.0).into(),
        },
        S::InvalidInput(m) => Error::InvalidInput(format!("No sync file was made: {m}.")),
        other => Error::Internal(other.to_string()),
    }
}

fn blob32(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Zeroizing<[u8; 32]>> {
    let b = r.get_ref(i)?.as_blob().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Blob, Box::new(e))
    })?;
    let mut out = Zeroizing::new([0u8; 32]);
    if b.len() != 32 {
        return Err(rusqlite::Error::InvalidColumnType(
            i,
            "a 32-byte key".into(),
            rusqlite::types::Type::Blob,
        ));
    }
    out.copy_from_slice(b);
    Ok(out)
}

fn damaged_key(what: &str) -> Error {
    Error::VaultDamaged(format!(
        "a stored sync key ({what}) is not a valid key. Restore the vault from a backup, or enrol the laptop again"
    ))
}

pub(crate) fn read_identity(conn: &Connection) -> Result<Option<SyncIdentity>> {
    Ok(conn
        .query_row(
            "SELECT device_no, signing_key, box_secret, created_at FROM sync_identity",
            [],
            |r| {
                let seed = blob32(r, 1)?;
                let secret = blob32(r, 2)?;
                Ok(SyncIdentity::from_secrets(
                    r.get(0)?,
                    &seed,
                    &secret,
                    r.get(3)?,
                ))
            },
        )
        .optional()?)
}

pub(crate) fn store_identity(conn: &Connection, id: &SyncIdentity) -> Result<()> {
    let seed = Zeroizing::new(id.signing.to_bytes());
    let secret = Zeroizing::new(id.box_secret.to_bytes());
    conn.execute(
        "INSERT INTO sync_identity (id, device_no, signing_key, box_secret, created_at)
         VALUES (1, ?1, ?2, ?3, ?4)",
        params![id.device_no, &seed[..], &secret[..], id.created_at],
    )?;
    Ok(())
}

/// Records (or, for a device number whose enrolment never finished, replaces) a peer.
pub(crate) fn put_peer(
    conn: &Connection,
    device_no: u16,
    user_id: Option<&str>,
    verify_key: &VerifyingKey,
    box_public: &PublicKey,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO sync_peers (device_no, user_id, verify_key, box_public, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            device_no,
            user_id,
            &verify_key.as_bytes()[..],
            &box_public.as_bytes()[..],
            crate::datetime::format_instant(now)
        ],
    )?;
    Ok(())
}

/// Marks the laptops of a removed user as removed (their files are refused from then on).
pub(crate) fn remove_peers_of(conn: &Connection, user_id: &str, at: &str) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE sync_peers SET removed_at = ?2 WHERE user_id = ?1 AND removed_at IS NULL",
        params![user_id, at],
    )?)
}

fn read_peers(conn: &Connection, only: Option<u16>) -> Result<Vec<SyncPeer>> {
    let mut stmt = conn.prepare(
        "SELECT device_no, user_id, verify_key, box_public, added_at, removed_at
         FROM sync_peers WHERE ?1 IS NULL OR device_no = ?1 ORDER BY device_no",
    )?;
    let rows = stmt.query_map([only], |r| {
        let verify: [u8; 32] = *blob32(r, 2)?;
        let public: [u8; 32] = *blob32(r, 3)?;
        Ok((
            r.get::<_, u16>(0)?,
            r.get::<_, Option<String>>(1)?,
            verify,
            public,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (device_no, user_id, verify, public, added_at, removed_at) = row?;
        out.push(SyncPeer {
            device_no,
            user_id,
            verify_key: VerifyingKey::from_bytes(&verify)
                .map_err(|_| damaged_key("a peer's verifying key"))?,
            box_public: PublicKey::from(public),
            added_at,
            removed_at,
        });
    }
    Ok(out)
}

impl Vault {
    /// This vault's sync identity: `None` at a school vault that has prepared no laptop yet.
    pub fn sync_identity(&self) -> Result<Option<SyncIdentity>> {
        self.require_ready()?;
        read_identity(&self.conn)
    }

    /// The school's identity, made (from `rng`) and stored the first time it is needed.
    pub(crate) fn school_sync_identity(
        &self,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
    ) -> Result<SyncIdentity> {
        if let Some(id) = read_identity(&self.conn)? {
            return Ok(id);
        }
        let id = SyncIdentity::generate(crate::ids::device_no(&self.conn)?, rng, now);
        store_identity(&self.conn, &id)?;
        Ok(id)
    }

    /// The devices this vault exchanges sync files with, removed ones included.
    pub fn sync_peers(&self) -> Result<Vec<SyncPeer>> {
        self.require_ready()?;
        read_peers(&self.conn, None)
    }

    /// The peers as [`attune_sync::envelope`] checks a sender: active with its key, or removed.
    pub fn sync_devices(&self) -> Result<Devices> {
        let mut devices = Devices::new();
        for p in self.sync_peers()? {
            let id = DeviceId(u64::from(p.device_no));
            if p.is_removed() {
                devices.remove(id);
            } else {
                devices.enrol(id, p.verify_key);
            }
        }
        Ok(devices)
    }

    /// Seals `payload` to device `to_device` (an enrolled peer that has not been removed) and
    /// signs it as this vault: sequence number `seq` (from 1) of this vault's files to it,
    /// made at `created`, acknowledging `acks` (sorted by device, one per device).
    pub fn seal_sync_file(
        &self,
        to_device: u16,
        seq: u64,
        created: Hlc,
        acks: &[Ack],
        payload: &[u8],
        rng: &mut impl SecureRng,
    ) -> Result<Vec<u8>> {
        self.require_ready()?;
        let me = read_identity(&self.conn)?.ok_or(SyncRefusal::NoKeys)?;
        if to_device == me.device_no {
            return Err(Error::InvalidInput(
                "A sync file is made for another device, not for this vault itself.".into(),
            ));
        }
        let peer = read_peers(&self.conn, Some(to_device))?
            .pop()
            .ok_or(SyncRefusal::UnknownRecipient(to_device))?;
        if peer.is_removed() {
            return Err(SyncRefusal::RemovedRecipient(to_device).into());
        }
        let out = Outgoing {
            sender: DeviceId(u64::from(me.device_no)),
            seq,
            created,
            acks,
        };
        envelope::seal(payload, &out, &peer.box_public, me.signing_key(), rng).map_err(from_sync)
    }

    /// Verifies and decrypts a sync file sent to this vault. Refused, with nothing of it used:
    /// not a sync file, a newer format, a sender that is unknown or removed, a bad signature,
    /// a file for another vault, any damaged byte.
    pub fn open_sync_file(&self, bytes: &[u8]) -> Result<OpenedSync> {
        self.require_ready()?;
        let me = read_identity(&self.conn)?.ok_or(SyncRefusal::NoKeys)?;
        let devices = self.sync_devices()?;
        let opened = envelope::open(bytes, me.box_secret(), &devices).map_err(from_sync)?;
        let sender = u16::try_from(opened.header.sender.0)
            .map_err(|_| Error::from(SyncRefusal::UnknownSender(opened.header.sender.0)))?;
        Ok(OpenedSync {
            sender,
            header: opened.header,
            payload: opened.payload,
        })
    }
}
