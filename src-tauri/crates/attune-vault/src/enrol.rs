//! Enrolment files (`ATTUNE-ENROL/1`): how a key adult's laptop gets its replica of the
//! school vault (issue 17, "several laptops, one school").
//!
//! **At the school** ([`Vault::write_enrolment`], strategic lead only, audited
//! `sync.enrol`): a fresh SQLCipher database under a fresh random key — never the school's —
//! migrated to this version's schema, is attached to the session's connection as `replica`,
//! and the caller copies into it what the key adult's laptop may hold (the domain decides:
//! `attune_domain::transfer::scope`). That database and its key are sealed into the file
//! under a generated one-time passphrase, shown once, given to the key adult apart from the
//! file.
//!
//! **On the laptop** ([`Vault::join`], audited `sync.join` in the laptop's own chain): the
//! file is checked and opened with the one-time passphrase, the database is copied under
//! *another* fresh key that only the laptop knows (so neither the file nor its passphrase
//! opens the laptop's vault), and a vault is made whose one user is that key adult — same
//! user id as at the school, their own passphrase for this laptop, no recovery key (a
//! laptop that loses its passphrase is enrolled again; its records are at the school).
//!
//! **The sync files' keys** ([`crate::sync_keys`]): the school makes its own identity
//! (device 0) at its first enrolment; each enrolment makes the laptop's Ed25519 signing key
//! and X25519 secret from the rng passed in, records the laptop's public halves in the
//! school's `sync_peers` (with the `sync.enrol` audit entry, one transaction), and carries
//! the secrets, binary and inside the encryption, to the laptop; the school's public keys
//! are in the meta. The join stores the laptop's identity and the school as its one peer.
//!
//! # The file (integers little-endian)
//!
//! ```text
//! 15 bytes   "ATTUNE-ENROL/1\n"
//! u32 H      then H bytes: the header, JSON (`EnrolmentHeader`): format and version, the
//!            date it was made, the Argon2id parameters, salt and nonce. Nothing about the
//!            school, the key adult or a pupil.
//! ...        XChaCha20-Poly1305 of the content, its AAD every byte before it
//! 32 bytes   SHA-256 over every byte before it (reports damage before a key is derived)
//! ```
//!
//! The content:
//!
//! ```text
//! u32 M      then M bytes of JSON ([`EnrolmentMeta`]: school, school vault id, the laptop's
//!            device number, the key adult's id, name and role, the school's sync public keys)
//! 32 bytes   the replica's database key
//! 32 bytes   the laptop's Ed25519 signing key (seed)
//! 32 bytes   the laptop's X25519 static secret
//! ...        the database file (pages SQLCipher encrypted under the replica's key)
//! ```

use std::fs;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use x25519_dalek::PublicKey;
use zeroize::Zeroizing;

use crate::audit::NewEntry;
use crate::error::{Error, Result};
use crate::kdf::{self, KdfParams};
use crate::secret::VaultKey;
use crate::sync_keys::{self, SyncIdentity};
use crate::vault::{Role, UserInfo, Vault};
use crate::{db, fsutil, Action, Passphrase, RecoveryKey, SecureRng};

pub const MAGIC: &[u8; 15] = b"ATTUNE-ENROL/1\n";
const MAGIC_PREFIX: &[u8] = b"ATTUNE-ENROL/";
pub const FORMAT_NAME: &str = "ATTUNE-ENROL";
pub const FORMAT_VERSION: u32 = 1;
const META_FORMAT: &str = "attune-enrolment/1";
pub const FILE_EXTENSION: &str = "attune-enrol";
const MAX_HEADER_BYTES: u32 = 16 * 1024;
const MAX_META_BYTES: u32 = 64 * 1024;
const SUM_BYTES: usize = 32;
const TAG_BYTES: usize = 16;

/// The generated one-time passphrase of an enrolment file: 160 random bits in the recovery
/// key's encoding (8 groups of 4 Crockford base32 characters). `Debug` shows nothing.
pub struct EnrolmentPassphrase(Zeroizing<String>);

impl EnrolmentPassphrase {
    fn generate(rng: &mut impl SecureRng) -> Self {
        EnrolmentPassphrase(Zeroizing::new(RecoveryKey::generate(rng).display()))
    }

    /// "ABCD-EFGH-…", to show once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for EnrolmentPassphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EnrolmentPassphrase(hidden)")
    }
}

/// The plain-text header: nothing about the school, the key adult or a pupil.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentHeader {
    pub format: String,
    pub format_version: u32,
    /// `YYYY-MM-DD`.
    pub created_on: String,
    pub kdf: KdfParams,
    /// Hex, 16 bytes.
    pub salt: String,
    /// Hex, 24 bytes.
    pub nonce: String,
}

/// Who and where the laptop's replica is for (inside the encryption).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentMeta {
    pub format: String,
    pub school: String,
    /// The school vault's id: sync files are exchanged with that vault only.
    pub school_vault_id: String,
    /// The laptop's device number (its range of record ids, 1..=4095).
    pub device_no: u16,
    pub user_id: String,
    pub user_name: String,
    /// Always a key adult.
    pub user_role: Role,
    /// When the lead wrote it (RFC 3339).
    pub created_at: String,
    /// The school vault's Ed25519 verifying key (hex, 32 bytes): its sync files' signer.
    pub school_verify_key: String,
    /// The school vault's X25519 public key (hex, 32 bytes): the laptop's files are sealed to it.
    pub school_box_public: String,
}

/// What [`Vault::write_enrolment`] made: the file's bytes and the passphrase to show once.
#[derive(Debug)]
pub struct Enrolment {
    pub bytes: Vec<u8>,
    pub passphrase: EnrolmentPassphrase,
    pub meta: EnrolmentMeta,
}

fn damaged(why: &str) -> Error {
    Error::VaultDamaged(format!(
        "the enrolment file is damaged or has been altered ({why}); nothing was made from it. Ask the strategic lead for a new one"
    ))
}

fn wrong_passphrase() -> Error {
    Error::WrongPassphrase {
        user: "this enrolment file".into(),
    }
}

fn cipher(pass: &str, salt: &[u8], params: KdfParams) -> Result<XChaCha20Poly1305> {
    let key = kdf::derive(pass.as_bytes(), salt, params)?;
    Ok(XChaCha20Poly1305::new(key.as_ref().into()))
}

fn seal(
    content: &[u8],
    pass: &EnrolmentPassphrase,
    rng: &mut impl SecureRng,
    now: DateTime<Utc>,
    params: KdfParams,
) -> Result<Vec<u8>> {
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    let mut nonce = [0u8; 24];
    rng.fill_bytes(&mut nonce);
    let header = EnrolmentHeader {
        format: FORMAT_NAME.into(),
        format_version: FORMAT_VERSION,
        created_on: now.date_naive().format("%Y-%m-%d").to_string(),
        kdf: params,
        salt: hex::encode(salt),
        nonce: hex::encode(nonce),
    };
    let header_bytes = serde_json::to_vec(&header)
        .map_err(|e| Error::Internal(format!("the enrolment header: {e}")))?;
    let mut out = Vec::with_capacity(content.len() + header_bytes.len() + 128);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(header_bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(&header_bytes);
    let ct = cipher(pass.expose(), &salt, params)?
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: content,
                aad: &out,
            },
        )
        .map_err(|_| Error::Internal("the enrolment file could not be encrypted".into()))?;
    out.extend_from_slice(&ct);
    let sum = Sha256::digest(&out);
    out.extend_from_slice(&sum);
    Ok(out)
}

/// Checks the layout and checksum (no key needed) and returns the header.
pub fn inspect(bytes: &[u8]) -> Result<EnrolmentHeader> {
    Ok(split(bytes)?.0)
}

fn split(bytes: &[u8]) -> Result<(EnrolmentHeader, &[u8], &[u8])> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        if bytes.starts_with(MAGIC_PREFIX) {
            return Err(Error::InvalidInput(
                "That enrolment file was made by a newer version of Attune. Update Attune to open it."
                    .into(),
            ));
        }
        return Err(Error::InvalidInput(
            "That file is not an Attune enrolment file.".into(),
        ));
    }
    let m = MAGIC.len();
    if bytes.len() < m + 4 + SUM_BYTES + TAG_BYTES {
        return Err(damaged("it is cut short"));
    }
    let (body, sum) = bytes.split_at(bytes.len() - SUM_BYTES);
    if Sha256::digest(body).as_slice() != sum {
        return Err(damaged("its checksum does not match"));
    }
    let h = u32::from_le_bytes(body[m..m + 4].try_into().expect("4 bytes"));
    if h > MAX_HEADER_BYTES || m + 4 + h as usize + TAG_BYTES > body.len() {
        return Err(damaged("its header length is impossible"));
    }
    let end = m + 4 + h as usize;
    let header: EnrolmentHeader = serde_json::from_slice(&body[m + 4..end])
        .map_err(|_| damaged("its header is unreadable"))?;
    if header.format != FORMAT_NAME || header.format_version != FORMAT_VERSION {
        return Err(damaged("its header names another format"));
    }
    Ok((header, &body[..end], &body[end..]))
}

fn hex_bytes<const N: usize>(s: &str, what: &str) -> Result<[u8; N]> {
    let v = hex::decode(s).map_err(|_| damaged(what))?;
    v.try_into().map_err(|_| damaged(what))
}

/// What an opened enrolment file holds.
struct Opened {
    meta: EnrolmentMeta,
    key: VaultKey,
    /// The laptop's own sync secrets.
    signing_seed: Zeroizing<[u8; 32]>,
    box_secret: Zeroizing<[u8; 32]>,
    /// The school's public keys, from the meta.
    school_verify: VerifyingKey,
    school_box: PublicKey,
    db: Zeroizing<Vec<u8>>,
}

fn open(bytes: &[u8], passphrase_text: &str) -> Result<Opened> {
    let (header, aad, ciphertext) = split(bytes)?;
    header
        .kdf
        .check()
        .map_err(|_| damaged("it asks for key-derivation parameters Attune does not accept"))?;
    let salt: [u8; 16] = hex_bytes(&header.salt, "its salt is unreadable")?;
    let nonce: [u8; 24] = hex_bytes(&header.nonce, "its nonce is unreadable")?;
    let pass = RecoveryKey::parse(passphrase_text)
        .map_err(|_| wrong_passphrase())?
        .display();
    let plain = Zeroizing::new(
        cipher(&pass, &salt, header.kdf)?
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map_err(|_| wrong_passphrase())?,
    );
    // Authenticated from here on: a malformed content is ours, not an attacker's, but it
    // is still refused cleanly.
    let bad = || damaged("its content is not laid out as this version expects");
    if plain.len() < 4 {
        return Err(bad());
    }
    let m = u32::from_le_bytes(plain[..4].try_into().expect("4 bytes"));
    if m > MAX_META_BYTES || plain.len() < 4 + m as usize + 3 * 32 {
        return Err(bad());
    }
    let meta: EnrolmentMeta =
        serde_json::from_slice(&plain[4..4 + m as usize]).map_err(|_| bad())?;
    if meta.format != META_FORMAT
        || meta.user_role != Role::KeyAdult
        || !(1..=4095).contains(&meta.device_no)
    {
        return Err(bad());
    }
    let school_verify =
        VerifyingKey::from_bytes(&hex_bytes(&meta.school_verify_key, "its school key")?)
            .map_err(|_| bad())?;
    let school_box = PublicKey::from(hex_bytes::<32>(&meta.school_box_public, "its school key")?);
    let k = 4 + m as usize;
    let mut key = [0u8; 32];
    key.copy_from_slice(&plain[k..k + 32]);
    let mut signing_seed = Zeroizing::new([0u8; 32]);
    signing_seed.copy_from_slice(&plain[k + 32..k + 64]);
    let mut box_secret = Zeroizing::new([0u8; 32]);
    box_secret.copy_from_slice(&plain[k + 64..k + 96]);
    Ok(Opened {
        meta,
        key: VaultKey(key),
        signing_seed,
        box_secret,
        school_verify,
        school_box,
        db: Zeroizing::new(plain[k + 96..].to_vec()),
    })
}

impl Vault {
    /// Writes an enrolment file for the key adult `user_id`'s laptop, device number
    /// `device_no` (see the module's notes). `copy` is given the session's connection with
    /// the replica's empty, migrated database attached as `replica`, and copies into it what
    /// the laptop may hold. Strategic lead only; audited `sync.enrol` with the user's id.
    pub fn write_enrolment(
        &self,
        user_id: &str,
        device_no: u16,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
        copy: impl FnOnce(&Connection) -> Result<()>,
    ) -> Result<Enrolment> {
        if let Err(e) = self.require_lead("prepare a laptop") {
            let _ = self.audit(Action::SyncEnrol, Some(user_id), "refused", now);
            return Err(e);
        }
        let user = self
            .users()?
            .into_iter()
            .find(|u| u.id == user_id)
            .ok_or_else(|| Error::NotFound("There is no such user.".into()))?;
        if user.role != Role::KeyAdult {
            return Err(Error::InvalidInput(
                "A laptop is prepared for a key adult; a strategic lead works in the school vault."
                    .into(),
            ));
        }
        if !(1..=4095).contains(&device_no) {
            return Err(Error::InvalidInput(
                "A laptop's device number is between 1 and 4095.".into(),
            ));
        }
        let taken: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sync_laptops WHERE device_no = ?1)",
            [device_no],
            |r| r.get(0),
        )?;
        if taken {
            return Err(Error::InvalidInput(format!(
                "Device number {device_no} is already another laptop's."
            )));
        }
        let school = self.school_sync_identity(rng, now)?;
        let laptop = SyncIdentity::generate(device_no, rng, now);
        let replica_key = VaultKey::random(rng);
        let scratch = self.paths.dir.join(format!(
            ".attune-enrol-{}.db",
            hex::encode(rng.next_u64().to_le_bytes())
        ));
        let _cleanup = Scratch(&scratch);
        {
            let mut conn = db::open(&scratch, &replica_key)?;
            db::migrate(&mut conn, &replica_key, now)?;
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            conn.execute_batch("PRAGMA journal_mode = DELETE;")?;
        }
        let path = scratch.to_str().ok_or_else(|| {
            Error::InvalidInput("The vault's folder name is not valid text.".into())
        })?;
        let attach = Zeroizing::new(format!(
            "ATTACH DATABASE ?1 AS replica KEY \"x'{}'\"",
            hex::encode(replica_key.0)
        ));
        self.conn.execute(attach.as_str(), [path])?;
        let copied = copy(&self.conn);
        let detached = self.conn.execute_batch("DETACH DATABASE replica;");
        copied?;
        detached?;
        let meta = EnrolmentMeta {
            format: META_FORMAT.into(),
            school: self.slots.school.clone(),
            school_vault_id: self.slots.vault_id.clone(),
            device_no,
            user_id: user.id.clone(),
            user_name: user.name.clone(),
            user_role: user.role,
            created_at: crate::datetime::format_instant(now),
            school_verify_key: hex::encode(school.verifying_key().as_bytes()),
            school_box_public: hex::encode(school.box_public().as_bytes()),
        };
        let meta_bytes = serde_json::to_vec(&meta)
            .map_err(|e| Error::Internal(format!("the enrolment's description: {e}")))?;
        let db_bytes = Zeroizing::new(fs::read(&scratch)?);
        let mut content = Zeroizing::new(Vec::with_capacity(db_bytes.len() + 1024));
        content.extend_from_slice(&(meta_bytes.len() as u32).to_le_bytes());
        content.extend_from_slice(&meta_bytes);
        content.extend_from_slice(&replica_key.0);
        content.extend_from_slice(&*Zeroizing::new(laptop.signing_key().to_bytes()));
        content.extend_from_slice(&*Zeroizing::new(laptop.box_secret().to_bytes()));
        content.extend_from_slice(&db_bytes);
        let passphrase = EnrolmentPassphrase::generate(rng);
        let bytes = seal(&content, &passphrase, rng, now, KdfParams::DEFAULT)?;
        // The laptop's public keys and the audit entry together: a laptop the school knows
        // is one whose enrolment was recorded.
        let tx = self.conn.unchecked_transaction()?;
        sync_keys::put_peer(
            &tx,
            device_no,
            Some(&user.id),
            &laptop.verifying_key(),
            &laptop.box_public(),
            now,
        )?;
        self.audit(Action::SyncEnrol, Some(&user.id), "ok", now)?;
        tx.commit()?;
        Ok(Enrolment {
            bytes,
            passphrase,
            meta,
        })
    }

    /// Makes the laptop's vault in `dir` from an enrolment file (see the module's notes):
    /// `one_time` is the passphrase shown to the lead, `passphrase` the key adult's own for
    /// this laptop. A wrong one-time passphrase is `WrongPassphrase`, a damaged or altered
    /// file `VaultDamaged`; either way nothing is left in `dir`.
    pub fn join(
        dir: &Path,
        file: &[u8],
        one_time: &str,
        passphrase: &Passphrase,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
    ) -> Result<(Vault, EnrolmentMeta)> {
        // A vault already here is said before the one-time passphrase's key derivation (and
        // refused again, under the folder's lock, when the replica is created).
        if crate::vault::VaultPaths::new(dir).exists() {
            return Err(Error::AlreadyExists(format!(
                "There is already a vault in {}: a laptop joins a school only on its first run.",
                dir.display()
            )));
        }
        let opened = open(file, one_time)?;
        let meta = opened.meta.clone();
        crate::strength::require_strong(passphrase, &[&meta.school, &meta.user_name])?;
        let user = UserInfo {
            id: meta.user_id.clone(),
            name: meta.user_name.clone(),
            role: meta.user_role,
        };
        let mut vault =
            Vault::create_replica(dir, &meta.school, user, passphrase, rng, now, |staging| {
                fsutil::write_atomic(staging, &opened.db)?;
                Ok(opened.key.clone())
            })?;
        if let Err(e) = vault.finish_join(&opened, now) {
            let paths = vault.paths.clone();
            drop(vault);
            crate::vault::remove_half_made(&paths);
            return Err(e);
        }
        Ok((vault, meta))
    }
}

impl Vault {
    /// The laptop's own part of a join, in one transaction: its device number, its sync
    /// identity and the school as its one peer, and `sync.join`, the first entry of its chain.
    fn finish_join(&mut self, opened: &Opened, now: DateTime<Utc>) -> Result<()> {
        let meta = &opened.meta;
        let tx = self.conn.transaction()?;
        // The replica's local tables come from its own migrations, never from the school.
        let carried: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM sync_identity) OR EXISTS (SELECT 1 FROM sync_peers)",
            [],
            |r| r.get(0),
        )?;
        if carried {
            return Err(damaged("its database carries another vault's sync keys"));
        }
        crate::ids::set_device_no(&tx, meta.device_no)?;
        let me = SyncIdentity::from_secrets(
            meta.device_no,
            &opened.signing_seed,
            &opened.box_secret,
            crate::datetime::format_instant(now),
        );
        sync_keys::store_identity(&tx, &me)?;
        sync_keys::put_peer(&tx, 0, None, &opened.school_verify, &opened.school_box, now)?;
        let entry = NewEntry {
            at: now,
            actor_id: Some(&meta.user_id),
            actor_name: &meta.user_name,
            action: Action::SyncJoin,
            target: Some(&meta.school_vault_id),
            outcome: "ok",
        };
        crate::audit::append(&tx, &entry)?;
        tx.commit()?;
        Ok(())
    }
}

/// Removes the scratch database (and its side files) however the enrolment ends.
struct Scratch<'a>(&'a Path);

impl Drop for Scratch<'_> {
    fn drop(&mut self) {
        fsutil::remove_db_files(self.0);
    }
}
