//! The vault: a folder holding the encrypted database and its key slots, and an open
//! session on it.
//!
//! ```text
//! <vault dir>/
//!   vault.db (+ -wal, -shm)   SQLCipher database, random 256-bit raw key
//!   keyslots                  the key slots (see keyslots.rs)
//!   keyslots.backup           a second copy, written after the first
//!   unlock-attempts.json      failed-attempt counter and not-yet-audited failures
//!   vault.lock                held exclusively while a process has the vault open
//! ```

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit::{self, Action, NewEntry};
use crate::check::{self, VaultCheck};
use crate::db;
use crate::error::{Error, Result};
use crate::fsutil::{self, DirLock};
use crate::kdf::KdfParams;
use crate::keyslots::{Anchor, Body, Erasure, Record, Removal, Slot, SlotKind, SlotSpec};
use crate::progress::Work;
use crate::recovery::{RecoveryKey, ResetCode};
use crate::secret::{Passphrase, VaultKey};
use crate::settings::{self, Setting};

use crate::strength;
use crate::throttle::{self, Attempts};
use crate::SecureRng;

pub const DEFAULT_AUTO_LOCK_MINUTES: u32 = 5;
pub const MAX_AUTO_LOCK_MINUTES: u32 = 120;
const MAX_NAME_CHARS: usize = 80;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    StrategicLead,
    KeyAdult,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::StrategicLead => "strategic_lead",
            Role::KeyAdult => "key_adult",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "strategic_lead" | "lead" => Some(Role::StrategicLead),
            "key_adult" => Some(Role::KeyAdult),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Role::StrategicLead => "Strategic lead",
            Role::KeyAdult => "Key adult",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UserInfo {
    pub id: String,
    pub name: String,
    pub role: Role,
}

/// Who has the vault open.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: UserInfo,
    /// Opened with the recovery key, or with a one-time code after a lead's reset: a new
    /// passphrase must be set before anything else.
    pub via_recovery: bool,
    /// Of those, opened with a lead's one-time code (the window says so, not "the recovery key").
    pub via_reset_code: bool,
}

/// What can be known about a vault folder without its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultStatus {
    Absent,
    Present {
        school: String,
        users: Vec<UserInfo>,
        retry_after_secs: u64,
    },
}

/// The files of a vault folder.
#[derive(Debug, Clone)]
pub struct VaultPaths {
    pub dir: PathBuf,
}

impl VaultPaths {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        VaultPaths { dir: dir.into() }
    }
    pub fn db(&self) -> PathBuf {
        self.dir.join("vault.db")
    }
    pub fn keyslots(&self) -> PathBuf {
        self.dir.join("keyslots")
    }
    pub fn keyslots_backup(&self) -> PathBuf {
        self.dir.join("keyslots.backup")
    }
    pub(crate) fn exists(&self) -> bool {
        self.db().exists() || self.keyslots().exists() || self.keyslots_backup().exists()
    }
}

/// Read the key slots: the primary file, or the backup copy if the primary is damaged or
/// missing. Returns the body, its bytes, and whether the backup had to be used.
fn read_slots(paths: &VaultPaths) -> Result<(Body, Vec<u8>, bool)> {
    let primary = std::fs::read(paths.keyslots());
    let primary_err = match primary {
        Ok(bytes) => match Body::parse(&bytes) {
            Ok(b) => return Ok((b, bytes, false)),
            Err(e) => e,
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Error::KeySlotsMissing(paths.dir.display().to_string())
        }
        Err(e) => return Err(e.into()),
    };
    match std::fs::read(paths.keyslots_backup()) {
        Ok(bytes) => match Body::parse(&bytes) {
            Ok(b) => Ok((b, bytes, true)),
            Err(_) => Err(primary_err),
        },
        Err(_) => Err(primary_err),
    }
}

/// What the unlock screen may show: the school, the users, and any wait.
pub fn status(dir: &Path, now: DateTime<Utc>) -> Result<VaultStatus> {
    let paths = VaultPaths::new(dir);
    if !paths.exists() {
        return Ok(VaultStatus::Absent);
    }
    let (body, _, _) = read_slots(&paths)?;
    let users = body
        .slots
        .iter()
        .filter(|s| s.kind == SlotKind::User)
        .filter_map(|s| {
            Some(UserInfo {
                id: s.user_id.clone()?,
                name: s.name.clone()?,
                role: s.role?,
            })
        })
        .collect();
    Ok(VaultStatus::Present {
        school: body.school.clone(),
        users,
        retry_after_secs: Attempts::load(dir).retry_after(now.timestamp()),
    })
}

/// Leaves no half-made vault behind (nothing in it was ever readable).
pub(crate) fn remove_half_made(paths: &VaultPaths) {
    for p in [paths.keyslots(), paths.keyslots_backup()] {
        let _ = std::fs::remove_file(&p);
    }
    fsutil::remove_db_files(&paths.db());
}

fn random_hex(rng: &mut impl SecureRng, bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rng.fill_bytes(&mut b);
    hex::encode(b)
}

fn clean_name(name: &str, what: &str) -> Result<String> {
    let n = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if n.is_empty() {
        return Err(Error::InvalidInput(format!("Enter {what}.")));
    }
    if n.chars().count() > MAX_NAME_CHARS {
        return Err(Error::InvalidInput(format!(
            "{} must be {MAX_NAME_CHARS} characters or fewer.",
            capitalise(what)
        )));
    }
    if n.chars().any(char::is_control) {
        return Err(Error::InvalidInput(format!(
            "{} has characters that cannot be used.",
            capitalise(what)
        )));
    }
    Ok(n)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// An open vault. Dropping it closes the database and wipes the key; `lock` does the same
/// after writing an audit entry.
pub struct Vault {
    // Field order matters: the connection closes before the folder lock is released.
    pub(crate) conn: Connection,
    pub(crate) key: VaultKey,
    pub(crate) epoch: u64,
    pub(crate) slots: Body,
    session: Session,
    pub(crate) paths: VaultPaths,
    /// What the unlock (or a later step) found wrong and the strategic lead must be told:
    /// a cut or rewritten audit tail, an edited attempts file or key-slot record. Each is
    /// also in the audit log.
    warnings: Vec<String>,
    /// Pupils the vault has erased whose rows this database still holds (a restored backup
    /// made before the erasure): until they are erased again ([`Vault::erasure_conn`],
    /// [`Vault::erased_again`]), `conn` and `conn_mut` are refused, so nothing reads them.
    pending_erasures: Vec<i64>,
    _lock: DirLock,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("dir", &self.paths.dir)
            .field("user", &self.session.user)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Create a new vault in `dir` (which must not hold one) with its first user, a
    /// strategic lead, and the recovery key the caller generated and will show once.
    pub fn create(
        dir: &Path,
        school: &str,
        lead_name: &str,
        passphrase: &Passphrase,
        recovery: &RecoveryKey,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
    ) -> Result<Vault> {
        Self::create_with_params(
            dir,
            school,
            lead_name,
            passphrase,
            recovery,
            KdfParams::DEFAULT,
            rng,
            now,
        )
    }

    /// A laptop's replica vault in `dir` (see [`crate::enrol`]): `stage` writes the replica's
    /// database to the path it is given and returns the key it is under; the database is
    /// copied from there under a fresh key of this vault's own (the staged file is removed),
    /// migrated, and given one key slot, `user`'s, under `passphrase`. No recovery slot: a
    /// laptop that loses its passphrase is enrolled again. Nothing is left in `dir` on failure.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn create_replica(
        dir: &Path,
        school: &str,
        user: UserInfo,
        passphrase: &Passphrase,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
        stage: impl FnOnce(&Path) -> Result<VaultKey>,
    ) -> Result<Vault> {
        let paths = VaultPaths::new(dir);
        if paths.exists() {
            return Err(Error::AlreadyExists(format!(
                "There is already a vault in {}.",
                dir.display()
            )));
        }
        fsutil::create_private_dir(dir)?;
        let lock = DirLock::acquire(dir)?;
        let staging = dir.join(".attune-join-staging.db");
        let result = (|| {
            let staged_key = stage(&staging)?;
            let key = VaultKey::random(rng);
            {
                let conn = db::open(&staging, &staged_key).map_err(|e| match e {
                    Error::KeyRejected => Error::VaultDamaged(
                        "the enrolment file's database does not open with its own key".into(),
                    ),
                    e => e,
                })?;
                let copy = db::write_rekeyed_copy(&conn, &paths.db(), &key)?;
                drop(conn);
                std::fs::rename(&copy, paths.db())?;
                fsutil::sync_dir(dir)?;
            }
            let vault_id = random_hex(rng, 16);
            let epoch = 1;
            let (mut slot, _) = Slot::create(
                rng,
                &vault_id,
                None,
                SlotSpec {
                    kind: SlotKind::User,
                    user_id: Some(&user.id),
                    name: Some(&user.name),
                    role: Some(user.role),
                },
                passphrase.expose().as_bytes(),
                KdfParams::DEFAULT,
            )?;
            slot.seal(rng, &vault_id, epoch, &key)?;
            let slots = Body {
                version: 1,
                vault_id,
                school: school.to_string(),
                slots: vec![slot],
                record: None,
            };
            let mut conn = db::open(&paths.db(), &key)?;
            db::migrate(&mut conn, &key, now)?;
            Ok((conn, key, slots, epoch))
        })();
        fsutil::remove_db_files(&staging);
        db::remove_rekey_copy(&paths.db());
        let made = result.and_then(|(conn, key, slots, epoch)| {
            Self::first_session(conn, key, epoch, slots, user, &paths, lock, now)
        });
        if made.is_err() {
            remove_half_made(&paths);
        }
        made
    }

    /// The session of a vault just made: its key slots written (file, backup copy and the
    /// database's copy) and its attempts file sealed.
    #[allow(clippy::too_many_arguments)]
    fn first_session(
        conn: Connection,
        key: VaultKey,
        epoch: u64,
        slots: Body,
        user: UserInfo,
        paths: &VaultPaths,
        lock: DirLock,
        now: DateTime<Utc>,
    ) -> Result<Vault> {
        let mut vault = Vault {
            conn,
            key,
            epoch,
            slots,
            session: Session {
                user,
                via_recovery: false,
                via_reset_code: false,
            },
            paths: paths.clone(),
            warnings: Vec::new(),
            pending_erasures: Vec::new(),
            _lock: lock,
        };
        vault.write_slots()?;
        let mut attempts = Attempts::load(&paths.dir);
        attempts.seal(&vault.slots.vault_id, &vault.key, now.timestamp());
        attempts.save(&paths.dir)?;
        Ok(vault)
    }

    /// Check what a first-run form asks for before the recovery key is shown, so a weak
    /// passphrase is refused before anything is generated.
    pub fn check_setup(
        dir: &Path,
        school: &str,
        lead_name: &str,
        passphrase: &Passphrase,
    ) -> Result<()> {
        let school = clean_name(school, "the school's name")?;
        let lead_name = clean_name(lead_name, "your name")?;
        strength::require_strong(passphrase, &[&school, &lead_name])?;
        if VaultPaths::new(dir).exists() {
            return Err(Error::AlreadyExists(format!(
                "There is already a vault in {}.",
                dir.display()
            )));
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn create_with_params(
        dir: &Path,
        school: &str,
        lead_name: &str,
        passphrase: &Passphrase,
        recovery: &RecoveryKey,
        kdf: KdfParams,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
    ) -> Result<Vault> {
        let school = clean_name(school, "the school's name")?;
        let lead_name = clean_name(lead_name, "your name")?;
        strength::require_strong(passphrase, &[&school, &lead_name])?;
        let paths = VaultPaths::new(dir);
        if paths.exists() {
            return Err(Error::AlreadyExists(format!(
                "There is already a vault in {}.",
                dir.display()
            )));
        }
        fsutil::create_private_dir(dir)?;
        let lock = DirLock::acquire(dir)?;
        let result = Self::create_locked(
            &paths, &school, &lead_name, passphrase, recovery, kdf, rng, now, lock,
        );
        if result.is_err() {
            remove_half_made(&paths);
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn create_locked(
        paths: &VaultPaths,
        school: &str,
        lead_name: &str,
        passphrase: &Passphrase,
        recovery: &RecoveryKey,
        kdf: KdfParams,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
        lock: DirLock,
    ) -> Result<Vault> {
        let key = VaultKey::random(rng);
        let vault_id = random_hex(rng, 16);
        let user = UserInfo {
            id: random_hex(rng, 8),
            name: lead_name.to_string(),
            role: Role::StrategicLead,
        };
        let epoch = 1;
        let (mut lead_slot, _) = Slot::create(
            rng,
            &vault_id,
            None,
            SlotSpec {
                kind: SlotKind::User,
                user_id: Some(&user.id),
                name: Some(&user.name),
                role: Some(user.role),
            },
            passphrase.expose().as_bytes(),
            kdf,
        )?;
        lead_slot.seal(rng, &vault_id, epoch, &key)?;
        let (mut recovery_slot, _) = Slot::create(
            rng,
            &vault_id,
            None,
            SlotSpec {
                kind: SlotKind::Recovery,
                user_id: None,
                name: None,
                role: None,
            },
            recovery.as_bytes(),
            kdf,
        )?;
        recovery_slot.seal(rng, &vault_id, epoch, &key)?;
        let slots = Body {
            version: 1,
            vault_id,
            school: school.to_string(),
            slots: vec![lead_slot, recovery_slot],
            record: None,
        };

        let mut conn = db::open(&paths.db(), &key)?;
        db::migrate(&mut conn, &key, now)?;
        {
            let tx = conn.transaction()?;
            settings::write(&tx, Setting::School, school)?;
            settings::write(
                &tx,
                Setting::AutoLockMinutes,
                &DEFAULT_AUTO_LOCK_MINUTES.to_string(),
            )?;
            tx.execute(
                "INSERT INTO users (id, name, role, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    user.id,
                    user.name,
                    user.role.as_str(),
                    crate::datetime::format_instant(now)
                ],
            )?;
            audit::append(
                &tx,
                &NewEntry {
                    at: now,
                    actor_id: Some(&user.id),
                    actor_name: &user.name,
                    action: Action::VaultCreate,
                    target: None,
                    outcome: "ok",
                },
            )?;
            tx.commit()?;
        }
        Self::first_session(conn, key, epoch, slots, user, paths, lock, now)
    }

    /// Open the vault as `user_id` with their passphrase.
    pub fn unlock(
        dir: &Path,
        user_id: &str,
        passphrase: &Passphrase,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
    ) -> Result<Vault> {
        Self::unlock_inner(dir, user_id, Secret::Passphrase(passphrase), rng, now)
    }

    /// Open the vault with the recovery key, acting as `user_id`, who must then set a new
    /// passphrase (`reset_passphrase`) before anything else is allowed.
    pub fn unlock_with_recovery(
        dir: &Path,
        user_id: &str,
        recovery: &RecoveryKey,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
    ) -> Result<Vault> {
        Self::unlock_inner(dir, user_id, Secret::Recovery(recovery), rng, now)
    }

    fn unlock_inner(
        dir: &Path,
        user_id: &str,
        secret: Secret<'_>,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
    ) -> Result<Vault> {
        if !VaultPaths::new(dir).exists() {
            return Err(Error::NotFound(format!(
                "There is no vault in {}.",
                dir.display()
            )));
        }
        let lock = DirLock::acquire(dir)?;
        Self::unlock_locked(dir, lock, user_id, secret, rng, now)
    }

    /// Unlock with the folder's lock already held (a restore holds it across the swap of
    /// folders, so nobody can open the vault in between).
    pub(crate) fn unlock_locked(
        dir: &Path,
        lock: DirLock,
        user_id: &str,
        secret: Secret<'_>,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
    ) -> Result<Vault> {
        Self::unlock_locked_mode(dir, lock, user_id, secret, rng, now, false)
    }

    /// [`Self::unlock_locked`], or with `plain` (only reachable through the `bench-plain`
    /// feature's [`Self::unlock_unencrypted_for_benchmark`]) the database opened without a key.
    #[allow(clippy::too_many_arguments)]
    fn unlock_locked_mode(
        dir: &Path,
        lock: DirLock,
        user_id: &str,
        secret: Secret<'_>,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
        plain: bool,
    ) -> Result<Vault> {
        let paths = VaultPaths::new(dir);
        if !paths.exists() {
            return Err(Error::NotFound(format!(
                "There is no vault in {}.",
                dir.display()
            )));
        }
        let (slots, slot_bytes, used_backup) = read_slots(&paths)?;
        let mut attempts = Attempts::load(dir);
        let wait = attempts.retry_after(now.timestamp());
        if wait > 0 {
            return Err(Error::Throttled {
                retry_after_secs: wait,
            });
        }
        let user_slot = slots
            .user_slot(user_id)
            .ok_or_else(|| Error::NotFound("That user is not in this vault.".into()))?;
        let user_name = user_slot.name.clone().unwrap_or_default();
        // A slot a lead reset opens with the one-time code they were given, typed where the
        // passphrase goes; the session it opens may only set a new passphrase.
        let by_code = matches!(secret, Secret::Passphrase(_)) && user_slot.reset_pending;
        let typed = match &secret {
            Secret::Passphrase(p) => user_slot.typed_secret(p.expose()),
            Secret::Recovery(_) => zeroize::Zeroizing::new(Vec::new()),
        };
        let (slot, method, bytes): (&Slot, &str, &[u8]) = match &secret {
            Secret::Passphrase(_) => (user_slot, "passphrase", typed.as_slice()),
            Secret::Recovery(r) => (
                slots
                    .recovery_slot()
                    .ok_or_else(|| Error::KeySlotsDamaged("it has no recovery key slot".into()))?,
                "recovery_key",
                r.as_bytes(),
            ),
        };
        let Some(slot_secret) = slot.open(&slots.vault_id, bytes)? else {
            attempts.record_failure(now.timestamp(), Some(user_id), &user_name, method);
            attempts.save(dir)?;
            return Err(match secret {
                Secret::Passphrase(_) => Error::WrongPassphrase { user: user_name },
                Secret::Recovery(_) => Error::WrongRecoveryKey,
            });
        };
        let keys = slot.unseal_all(&slots.vault_id, &slot_secret)?;
        drop(slot_secret);
        let mut opened = None;
        for (epoch, key) in &keys {
            match open_db(&paths, key, plain) {
                Ok(conn) => {
                    opened = Some((conn, *epoch, key.clone()));
                    break;
                }
                Err(Error::KeyRejected) => continue,
                Err(e) => return Err(e),
            }
        }
        let Some((mut conn, epoch, key)) = opened else {
            return Err(Error::VaultDamaged(
                "the passphrase is right, but the database did not accept the key it unlocked. \
                 The key-slot file may be an old copy (for example from before a user was removed), \
                 or the database's first page is damaged. Restore the vault folder from a backup."
                    .into(),
            ));
        };
        db::migrate(&mut conn, &key, now)?;
        // The key-slot file's record, trusted only if its MAC holds under that epoch's key.
        let mut warnings = Vec::new();
        let record: Option<Record> = match &slots.record {
            Some(r) => {
                let k = keys.iter().find(|(e, _)| *e == r.epoch).map(|(_, k)| k);
                if k.is_some_and(|k| r.verify(&slots.vault_id, k)) {
                    Some(r.clone())
                } else {
                    warnings.push(
                        "The key-slot file's record (removed users, the audit log's head) has been altered. It was not trusted, and has been written afresh."
                            .to_string(),
                    );
                    None
                }
            }
            None => None,
        };
        if record.as_ref().is_some_and(|r| r.is_removed(user_id)) {
            return Err(Error::NotPermitted(
                "this user has been removed from the vault.".into(),
            ));
        }
        let user: Option<(String, String)> = conn
            .query_row(
                "SELECT name, role FROM users WHERE id = ?1 AND removed_at IS NULL",
                [user_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((name, role)) = user else {
            return Err(Error::NotPermitted(
                "this user has been removed from the vault.".into(),
            ));
        };
        let role = Role::parse(&role)
            .ok_or_else(|| Error::VaultDamaged("a user has an unknown role".into()))?;
        if user_slot.role != Some(role) {
            return Err(Error::KeySlotsDamaged(
                "a key slot's role does not match the vault's record".into(),
            ));
        }
        let via_recovery = matches!(secret, Secret::Recovery(_)) || by_code;
        let mut vault = Vault {
            conn,
            key,
            epoch,
            slots,
            session: Session {
                user: UserInfo {
                    id: user_id.to_string(),
                    name,
                    role,
                },
                via_recovery,
                via_reset_code: by_code,
            },
            paths,
            warnings,
            pending_erasures: Vec::new(),
            _lock: lock,
        };
        vault.slots.record = record.clone();
        vault.finish_rotation(&keys)?;
        vault.repair_slots(&slot_bytes, used_backup)?;
        // Failed attempts kept outside the vault: judged against their seal.
        let key_refs: Vec<&VaultKey> = keys.iter().map(|(_, k)| k).collect();
        let expect_seal = record.as_ref().is_some_and(|r| r.anchor.is_some());
        let reading = attempts.read_claims(&vault.slots.vault_id, &key_refs, expect_seal);
        drop(key_refs);
        drop(keys);
        let removed = record
            .as_ref()
            .map(|r| r.removed.clone())
            .unwrap_or_default();
        vault.reapply_removals(removed, rng, now)?;
        vault.find_pending_erasures()?;
        // Whatever still opens with a removed user's passphrase beside the vault goes.
        vault.purge_removed_users_files(now);
        let anchor_problem =
            vault.anchor_problem(record.as_ref().and_then(|r| r.anchor.as_ref()))?;

        // Failed attempts kept outside the vault go into the audit chain now, as the
        // unverified claims they are.
        attempts.pending.clear();
        let tx = vault.conn.transaction()?;
        let mut failures = 0usize;
        for p in &reading.claims {
            let at = DateTime::from_timestamp(p.at_unix, 0)
                .filter(|t| (-9999..=9999).contains(&chrono::Datelike::year(t)))
                .unwrap_or(now);
            let (action, target, outcome) = if p.method == throttle::BACKUP_OPENED {
                let file = p.file.as_deref().unwrap_or("");
                (
                    Action::BackupCheck,
                    format!("{file} (from the lock screen; {UNVERIFIED_CLAIM})"),
                    "ok",
                )
            } else {
                // Only the methods Attune writes get this far (`read_claims`).
                let Some(action) = Action::unlock_by(&p.method) else {
                    continue;
                };
                failures += 1;
                (action, UNVERIFIED_CLAIM.to_string(), "failed")
            };
            audit::append(
                &tx,
                &NewEntry {
                    at,
                    actor_id: p.user_id.as_deref(),
                    actor_name: &p.user_name,
                    action,
                    target: Some(&target),
                    outcome,
                },
            )?;
        }
        if failures > 0 {
            audit::append(
                &tx,
                &NewEntry {
                    at: now,
                    actor_id: None,
                    actor_name: "Attune",
                    action: Action::UnlockAttemptsFile,
                    target: Some(&format!("{failures} unverified failed attempt(s)",)),
                    outcome: "claimed",
                },
            )?;
        }
        for problem in &reading.problems {
            audit::append(
                &tx,
                &NewEntry {
                    at: now,
                    actor_id: None,
                    actor_name: "Attune",
                    action: Action::UnlockAttemptsFile,
                    target: Some(problem),
                    outcome: "altered",
                },
            )?;
        }
        if let Some(problem) = &anchor_problem {
            audit::append(
                &tx,
                &NewEntry {
                    at: now,
                    actor_id: None,
                    actor_name: "Attune",
                    action: Action::AuditAnchor,
                    target: Some(problem),
                    outcome: "failed",
                },
            )?;
        }
        if slots_record_altered(&vault.warnings) {
            audit::append(
                &tx,
                &NewEntry {
                    at: now,
                    actor_id: None,
                    actor_name: "Attune",
                    action: Action::KeyslotsRecord,
                    target: None,
                    outcome: "altered",
                },
            )?;
        }
        audit::append(
            &tx,
            &NewEntry {
                at: now,
                actor_id: Some(&vault.session.user.id),
                actor_name: &vault.session.user.name,
                action: if by_code {
                    Action::UnlockResetCode
                } else {
                    Action::unlock_by(method).unwrap_or(Action::UnlockPassphrase)
                },
                target: None,
                outcome: "ok",
            },
        )?;
        tx.commit()?;
        vault.warnings.extend(reading.problems);
        vault.warnings.extend(anchor_problem);
        attempts.consecutive_failures = 0;
        attempts.seal(&vault.slots.vault_id, &vault.key, now.timestamp());
        attempts.save(dir)?;
        vault.write_slots()?;
        Ok(vault)
    }

    /// What the unlock found wrong (see the field); empty when all is well.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Compare the audit chain with the head recorded outside the database (and with the
    /// highest sequence number ever issued): a cut or rewritten tail, as a sentence naming
    /// the first missing (or rewritten) entry.
    fn anchor_problem(&self, anchor: Option<&Anchor>) -> Result<Option<String>> {
        if let Some(a) = anchor {
            let mac = hex::decode(&a.mac).unwrap_or_default();
            match audit::check_anchor(&self.conn, a.seq, &mac)? {
                Some(n) if n == a.seq && audit::has_entry(&self.conn, n)? => {
                    return Ok(Some(format!(
                        "The audit log has been rewritten: entry {n} is not the one recorded when the vault was last locked."
                    )))
                }
                Some(n) => {
                    return Ok(Some(format!(
                        "The audit log has been cut: entries from {n} to {} (recorded when the vault was last locked) are missing; the first missing is {n}.",
                        a.seq
                    )))
                }
                None => {}
            }
        }
        if let Some(n) = audit::cut_tail(&self.conn)? {
            return Ok(Some(format!(
                "The audit log has been cut: entries from {n} on are missing; the first missing is {n}."
            )));
        }
        Ok(None)
    }

    /// Removals survive a restore: every user the record (or the database) says was removed
    /// is marked removed in the database and loses their key slot; if any still had one, the
    /// vault key is rotated so that slot's old copies open nothing.
    pub(crate) fn reapply_removals(
        &mut self,
        mut removed: Vec<Removal>,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if let Some(r) = &self.slots.record {
            for x in &r.removed {
                if !removed.iter().any(|y| y.user_id == x.user_id) {
                    removed.push(x.clone());
                }
            }
        }
        {
            let mut stmt = self
                .conn
                .prepare("SELECT id, removed_at FROM users WHERE removed_at IS NOT NULL")?;
            let rows = stmt.query_map([], |r| {
                Ok(Removal {
                    user_id: r.get(0)?,
                    at: r.get(1)?,
                })
            })?;
            for r in rows {
                let r = r?;
                if !removed.iter().any(|x| x.user_id == r.user_id) {
                    removed.push(r);
                }
            }
        }
        let mut with_slot = Vec::new();
        for r in &removed {
            if r.user_id == self.session.user.id {
                continue;
            }
            let changed = self.conn.execute(
                "UPDATE users SET removed_at = ?2 WHERE id = ?1 AND removed_at IS NULL",
                params![r.user_id, r.at],
            )?;
            if changed > 0 {
                self.audit(Action::UserRemove, Some(&r.user_id), "reapplied", now)?;
            }
            // A restored backup or an interrupted removal: their laptops stay refused.
            crate::sync_keys::remove_peers_of(&self.conn, &r.user_id, &r.at)?;
            if self.slots.user_slot(&r.user_id).is_some() {
                with_slot.push(r.user_id.clone());
            }
        }
        let record = self.record_mut();
        record.removed = removed;
        if with_slot.is_empty() {
            return Ok(());
        }
        self.slots.slots.retain(|s| {
            !(s.kind == SlotKind::User
                && s.user_id
                    .as_deref()
                    .is_some_and(|u| with_slot.iter().any(|w| w == u)))
        });
        self.rotate_key(None, rng)?;
        for u in &with_slot {
            self.audit(Action::KeyslotDropRemoved, Some(u), "ok", now)?;
        }
        Ok(())
    }

    /// The key-slot file's record, made if there is none yet (signed when written).
    fn record_mut(&mut self) -> &mut Record {
        let (vault_id, epoch) = (self.slots.vault_id.clone(), self.epoch);
        let key = self.key.clone();
        self.slots.record.get_or_insert_with(|| {
            Record::signed(&vault_id, &key, epoch, Vec::new(), None, Vec::new())
        })
    }

    /// Record the audit chain's head in the key-slot file (at every lock).
    fn write_anchor(&mut self) -> Result<()> {
        let head = audit::head(&self.conn)?;
        self.record_mut().anchor = head.map(|(seq, mac)| Anchor {
            seq,
            mac: hex::encode(mac),
        });
        self.write_slots()
    }

    /// If a key rotation was interrupted (the key-slot file holds two epochs), finish it:
    /// bring the database to the newest key and drop the older sealed keys.
    fn finish_rotation(&mut self, keys: &[(u64, VaultKey)]) -> Result<()> {
        let epochs = self.slots.epochs();
        if epochs.len() <= 1 {
            db::remove_rekey_copy(&self.paths.db());
            return Ok(());
        }
        let newest = *epochs.last().expect("non-empty");
        if self.epoch < newest {
            let (_, new_key) = keys.iter().find(|(e, _)| *e == newest).ok_or_else(|| {
                Error::KeySlotsDamaged("an interrupted key change cannot be finished".into())
            })?;
            if let Err(e) = self.swap_in_rekeyed(new_key) {
                // Still under the old key: keep both epochs and say so; try again next time.
                self.warnings.push(format!(
                    "An interrupted change of the vault's key could not be finished ({e}). The vault opens with its old key until it is."
                ));
                return Ok(());
            }
            self.key = new_key.clone();
            self.epoch = newest;
        }
        // Before the older epochs are dropped from the slots: the attempts file may still be
        // sealed under one of them (a kill between the database's rename and the reseal).
        let all: Vec<&VaultKey> = keys.iter().map(|(_, k)| k).collect();
        self.reseal_attempts(&all)?;
        let epoch = self.epoch;
        for s in &mut self.slots.slots {
            s.sealed.retain(|x| x.epoch == epoch);
        }
        if self.slots.slots.iter().any(|s| s.sealed.is_empty()) {
            return Err(Error::KeySlotsDamaged(
                "a key slot lost its sealed key".into(),
            ));
        }
        self.write_slots()
    }

    /// The copy of the key slots inside the database is authoritative once the vault is
    /// open: it is written before the files. If the file used differs (an old copy restored,
    /// or a crash between the two writes), or the backup file had to be used, rewrite both.
    fn repair_slots(&mut self, used: &[u8], used_backup: bool) -> Result<()> {
        let copy: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT content FROM keyslot_copy WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        let current = self.slots.to_bytes();
        match copy {
            Some(copy) if copy != current && copy != used => {
                if let Ok(body) = Body::parse(&copy) {
                    if body.vault_id == self.slots.vault_id && body.epochs() == vec![self.epoch] {
                        self.slots = body;
                        return self.write_slots();
                    }
                }
                self.write_slots()
            }
            None => self.write_slots(),
            _ if used_backup || current != used => self.write_slots(),
            // A crash between writing the file and its second copy: the copy is rewritten,
            // so no older slot (a removed user's) lingers in it.
            _ if std::fs::read(self.paths.keyslots_backup()).ok().as_deref()
                != Some(current.as_slice()) =>
            {
                self.write_slots()
            }
            _ => Ok(()),
        }
    }

    /// Write the key slots: first the copy inside the database, then the file, then its
    /// backup copy, each atomically.
    fn write_slots(&mut self) -> Result<()> {
        let (removed, anchor, erased) = match &self.slots.record {
            Some(r) => (r.removed.clone(), r.anchor.clone(), r.erased.clone()),
            None => (Vec::new(), None, Vec::new()),
        };
        self.slots.record = Some(Record::signed(
            &self.slots.vault_id,
            &self.key,
            self.epoch,
            removed,
            anchor,
            erased,
        ));
        let bytes = self.slots.to_bytes();
        self.conn.execute(
            "INSERT INTO keyslot_copy (id, content, written_at) VALUES (1, ?1, datetime('now'))
             ON CONFLICT(id) DO UPDATE SET content = excluded.content, written_at = excluded.written_at",
            [&bytes],
        )?;
        fsutil::write_atomic(&self.paths.keyslots(), &bytes)?;
        fsutil::write_atomic(&self.paths.keyslots_backup(), &bytes)?;
        Ok(())
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn dir(&self) -> &Path {
        &self.paths.dir
    }

    pub fn school(&self) -> &str {
        &self.slots.school
    }

    /// Refuse everything but setting a passphrase after a recovery-key unlock.
    pub(crate) fn require_ready(&self) -> Result<()> {
        if self.session.via_recovery {
            Err(Error::MustSetPassphrase)
        } else if !self.pending_erasures.is_empty() {
            Err(Error::ErasurePending)
        } else {
            Ok(())
        }
    }

    /// The pupils erased from this vault, by record id, oldest erasure first: the key-slot
    /// file's authenticated record and the database's `pupil_erasures` table together (either
    /// alone survives what the other may not: a restore replaces the database, an edited
    /// key-slot file loses its record).
    pub fn erased_pupils(&self) -> Result<Vec<i64>> {
        let mut ids: Vec<i64> = self
            .slots
            .record
            .as_ref()
            .map(|r| r.erased.iter().map(|e| e.pupil_id).collect())
            .unwrap_or_default();
        let has_table: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pupil_erasures')",
            [],
            |r| r.get(0),
        )?;
        if has_table {
            let mut stmt = self
                .conn
                .prepare("SELECT pupil_id FROM pupil_erasures ORDER BY erased_at, pupil_id")?;
            for id in stmt.query_map([], |r| r.get::<_, i64>(0))? {
                let id = id?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        Ok(ids)
    }

    /// Remember, in the key-slot file's authenticated record (written atomically, both copies,
    /// and the copy inside the database), that pupil `pupil_id` is erased. Called before the
    /// rows are deleted, so a crash in between is finished at the next unlock.
    pub fn remember_erasure(&mut self, pupil_id: i64, now: DateTime<Utc>) -> Result<()> {
        self.require_lead("erase a pupil")?;
        self.add_erasures(&[Erasure {
            pupil_id,
            at: crate::datetime::format_instant(now),
        }])
    }

    /// Adds erasures to the record (those it lacks) and writes the key slots if any was new.
    pub(crate) fn add_erasures(&mut self, erasures: &[Erasure]) -> Result<()> {
        let record = self.record_mut();
        let mut changed = false;
        for e in erasures {
            if !record.erased.iter().any(|x| x.pupil_id == e.pupil_id) {
                record.erased.push(e.clone());
                changed = true;
            }
        }
        if changed {
            self.write_slots()?;
        }
        Ok(())
    }

    /// Erasures carried over from the vault a restore replaced: added to the record, and
    /// any of those pupils the restored database holds is pending until erased again.
    pub(crate) fn carry_erasures(&mut self, erasures: &[Erasure]) -> Result<()> {
        self.add_erasures(erasures)?;
        self.find_pending_erasures()
    }

    /// Which erased pupils this database still holds (see the field). Also makes sure no
    /// erased id is handed out again to a new pupil (a restored database's high-water mark may
    /// be older than the erasure): a new pupil with that id would be erased at the next unlock.
    fn find_pending_erasures(&mut self) -> Result<()> {
        let (start, end) = crate::ids::range(crate::ids::device_no(&self.conn)?);
        let mut pending = Vec::new();
        for id in self.erased_pupils()? {
            if (start..end).contains(&id) {
                self.conn.execute(
                    "INSERT INTO sync_id_high (tbl, high) VALUES ('pupils', ?1)
                     ON CONFLICT (tbl) DO UPDATE SET high = max(high, excluded.high)",
                    [id],
                )?;
            }
            let held: bool = self.conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM pupils WHERE id = ?1)",
                [id],
                |r| r.get(0),
            )?;
            if held {
                pending.push(id);
            }
        }
        self.pending_erasures = pending;
        Ok(())
    }

    /// Erased pupils this database still holds, to be erased again before anything else
    /// (`attune_domain::transfer::retention::erase_again`).
    pub fn pending_erasures(&self) -> &[i64] {
        &self.pending_erasures
    }

    /// The database for erasing the pending pupils again: the one way in while any is pending.
    pub fn erasure_conn(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Says pupil `pupil_id` has been erased again; once none is pending the vault is usable.
    /// Refused if their row is still there.
    pub fn erased_again(&mut self, pupil_id: i64) -> Result<()> {
        let held: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM pupils WHERE id = ?1)",
            [pupil_id],
            |r| r.get(0),
        )?;
        if held {
            return Err(Error::Internal(format!(
                "pupil {pupil_id} was to be erased again but is still in the database"
            )));
        }
        self.pending_erasures.retain(|&p| p != pupil_id);
        Ok(())
    }

    pub(crate) fn require_lead(&self, what: &str) -> Result<()> {
        self.require_ready()?;
        if self.session.user.role != Role::StrategicLead {
            return Err(Error::NotPermitted(format!(
                "only a strategic lead can {what}."
            )));
        }
        Ok(())
    }

    /// The open database, for the domain crate. Refused until a recovery-key session has
    /// set a new passphrase.
    pub fn conn(&self) -> Result<&Connection> {
        self.require_ready()?;
        Ok(&self.conn)
    }

    /// Bulk loading (generating a demo or benchmark vault, hundreds of thousands of small
    /// writes): `true` lets each commit go without waiting for the disk (`synchronous = OFF`);
    /// `false` puts back the vault's own setting (`FULL`). A crash while it is on can lose the
    /// newest commits, never the encryption: use it only for data that can be made again.
    pub fn set_bulk_loading(&self, on: bool) -> Result<()> {
        self.require_ready()?;
        let mode = if on { "OFF" } else { "FULL" };
        self.conn
            .execute_batch(&format!("PRAGMA synchronous = {mode};"))?;
        Ok(())
    }

    pub fn conn_mut(&mut self) -> Result<&mut Connection> {
        self.require_ready()?;
        Ok(&mut self.conn)
    }

    /// Record an action by the session's user in the audit chain.
    pub fn audit(
        &self,
        action: Action,
        target: Option<&str>,
        outcome: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        audit::append(
            &self.conn,
            &NewEntry {
                at: now,
                actor_id: Some(&self.session.user.id),
                actor_name: &self.session.user.name,
                action,
                target,
                outcome,
            },
        )?;
        Ok(())
    }

    pub fn users(&self) -> Result<Vec<UserInfo>> {
        self.require_ready()?;
        let mut stmt = self.conn.prepare(
            "SELECT id, name, role FROM users WHERE removed_at IS NULL ORDER BY lower(name)",
        )?;
        let rows = stmt.query_map([], |r| {
            let role: String = r.get(2)?;
            Ok(UserInfo {
                id: r.get(0)?,
                name: r.get(1)?,
                role: Role::parse(&role).unwrap_or(Role::KeyAdult),
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    pub fn auto_lock_minutes(&self) -> Result<u32> {
        Ok(settings::read(&self.conn, Setting::AutoLockMinutes)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_AUTO_LOCK_MINUTES))
    }

    /// This vault's device number ([`crate::ids::device_no`]). Readable in a session that must
    /// still set its passphrase, like the auto-lock time: the window needs it to show that
    /// session at all.
    pub fn device_no(&self) -> Result<u16> {
        crate::ids::device_no(&self.conn)
    }

    pub fn set_auto_lock_minutes(&self, minutes: u32, now: DateTime<Utc>) -> Result<()> {
        if let Err(e) = self.require_lead("change the auto-lock time") {
            let _ = self.audit(Action::SettingsAutoLock, None, "refused", now);
            return Err(e);
        }
        if !(1..=MAX_AUTO_LOCK_MINUTES).contains(&minutes) {
            return Err(Error::InvalidInput(format!(
                "Auto-lock must be between 1 and {MAX_AUTO_LOCK_MINUTES} minutes."
            )));
        }
        settings::write(&self.conn, Setting::AutoLockMinutes, &minutes.to_string())?;
        self.audit(
            Action::SettingsAutoLock,
            Some(&minutes.to_string()),
            "ok",
            now,
        )
    }

    /// Change the session user's own passphrase. The current one is asked for again, so a
    /// laptop left unlocked cannot have its passphrase changed by a passer-by. Rewraps the
    /// slot; the data is not re-encrypted.
    pub fn change_passphrase(
        &mut self,
        current: &Passphrase,
        new: &Passphrase,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.require_ready()?;
        let user = self.session.user.clone();
        strength::require_strong(new, &[&user.name, &self.slots.school])?;
        let idx = self.user_slot_index(&user.id)?;
        let slot = &self.slots.slots[idx];
        let Some(secret) = slot.open(&self.slots.vault_id, current.expose().as_bytes())? else {
            self.audit(Action::PassphraseChange, Some(&user.id), "failed", now)?;
            return Err(Error::WrongPassphrase { user: user.name });
        };
        let mut new_slot = Slot::wrap_existing(
            rng,
            &self.slots.vault_id,
            slot.id.clone(),
            SlotSpec {
                kind: SlotKind::User,
                user_id: Some(&user.id),
                name: Some(&user.name),
                role: Some(user.role),
            },
            &secret,
            new.expose().as_bytes(),
            KdfParams::DEFAULT,
        )?;
        new_slot.sealed = slot.sealed.clone();
        self.slots.slots[idx] = new_slot;
        self.write_slots()?;
        self.audit(Action::PassphraseChange, Some(&user.id), "ok", now)
    }

    /// After a recovery-key unlock: give the session user a new passphrase (a new slot).
    pub fn reset_passphrase(
        &mut self,
        new: &Passphrase,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if !self.session.via_recovery {
            return Err(Error::NotPermitted(
                "a passphrase can be reset only after unlocking with the recovery key or a one-time code; use Change passphrase.".into(),
            ));
        }
        let user = self.session.user.clone();
        strength::require_strong(new, &[&user.name, &self.slots.school])?;
        let idx = self.user_slot_index(&user.id)?;
        let kept_id = self.slots.slots[idx].id.clone();
        self.slots.slots[idx] = self.new_user_slot(Some(kept_id), &user, new, rng)?;
        self.write_slots()?;
        self.session.via_recovery = false;
        self.session.via_reset_code = false;
        self.audit(Action::PassphraseReset, Some(&user.id), "ok", now)
    }

    /// A strategic lead replaces the recovery key (`new`, generated by the caller, who shows
    /// it once). The old recovery slot is dropped from the key-slot file and its backup copy
    /// in the same write, and the vault key is then rotated (as when a user is removed), so
    /// the old recovery key opens nothing from now on, even with an old copy of the key-slot
    /// file. Automatic backups and set-aside vaults in this folder that the old key opens are
    /// deleted and a fresh automatic backup is written. Backups copied elsewhere (a USB stick)
    /// carry their own key slots and still open with the old key: that cannot be undone from
    /// here. Audited as `recovery_key.replace` (refusals too).
    pub fn replace_recovery_key(
        &mut self,
        new: &RecoveryKey,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if let Err(e) = self.require_lead("replace the recovery key") {
            let _ = self.audit(Action::RecoveryKeyReplace, None, "refused", now);
            return Err(e);
        }
        let Some(idx) = self
            .slots
            .slots
            .iter()
            .position(|s| s.kind == SlotKind::Recovery)
        else {
            return Err(Error::InvalidInput(
                "This vault has no recovery key to replace: a laptop's copy never has one (if its passphrase is lost, the laptop is prepared again from the school's vault).".into(),
            ));
        };
        let old = self.slots.slots[idx].clone();
        let (mut slot, _) = Slot::create(
            rng,
            &self.slots.vault_id,
            None,
            SlotSpec {
                kind: SlotKind::Recovery,
                user_id: None,
                name: None,
                role: None,
            },
            new.as_bytes(),
            // The strength the vault was made with.
            old.kdf,
        )?;
        slot.seal(rng, &self.slots.vault_id, self.epoch, &self.key)?;
        self.slots.slots[idx] = slot;
        // The old slot is gone from both files (and the database's copy) before anything else.
        if let Err(e) = self.write_slots() {
            self.put_slot_back(idx, old, "recovery key");
            let _ = self.audit(Action::RecoveryKeyReplace, None, "failed", now);
            return Err(e);
        }
        self.audit(Action::RecoveryKeyReplace, None, "ok", now)?;
        // From here the new key is the one in force, so this succeeds (the caller shows it);
        // a key change that cannot finish now finishes at the next unlock.
        if let Err(e) = self.rotate_key(None, rng) {
            self.warnings.push(format!(
                "The recovery key was replaced, but the vault's key could not be changed yet ({e}). It is changed at the next unlock; until then an old copy of the key-slot file with the old recovery key would still open the vault."
            ));
        }
        self.purge_files_where(
            |b| {
                b.recovery_slot()
                    .is_some_and(|r| r.public_key == old.public_key)
            },
            now,
        );
        if let Err(e) = self.auto_backup_after_purge(now) {
            self.warnings.push(format!(
                "The recovery key was replaced, but a fresh automatic backup could not be written: {e}"
            ));
        }
        Ok(())
    }

    /// A strategic lead resets another user's passphrase (someone who forgot theirs). The
    /// user keeps their id, assignments and history; their key slot is replaced by one that
    /// opens with the returned one-time code (shown once to the lead, who gives it to them),
    /// so their old passphrase stops opening the vault at once. At their next unlock with the
    /// code they must choose a new passphrase before anything else ([`Vault::reset_passphrase`],
    /// as after a recovery-key unlock). Audited as `passphrase.reset_by_lead` (refusals too).
    ///
    /// The vault key is not changed: a copy of the key-slot file made before the reset (in a
    /// backup) still opens with the old passphrase, as after a passphrase change.
    pub fn reset_user_passphrase(
        &mut self,
        user_id: &str,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
    ) -> Result<ResetCode> {
        if let Err(e) = self.require_lead("reset someone's passphrase") {
            let _ = self.audit(Action::PassphraseResetByLead, Some(user_id), "refused", now);
            return Err(e);
        }
        if user_id == self.session.user.id {
            return Err(Error::InvalidInput(
                "You cannot reset your own passphrase this way: use Change passphrase.".into(),
            ));
        }
        let user: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT name, role FROM users WHERE id = ?1 AND removed_at IS NULL",
                [user_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((name, role)) = user else {
            return Err(Error::NotFound("That user is not in this vault.".into()));
        };
        let role = Role::parse(&role)
            .ok_or_else(|| Error::VaultDamaged("a user has an unknown role".into()))?;
        let Some(idx) = self
            .slots
            .slots
            .iter()
            .position(|s| s.kind == SlotKind::User && s.user_id.as_deref() == Some(user_id))
        else {
            return Err(Error::NotFound(format!(
                "{name} cannot unlock on this computer, so there is no passphrase here to reset."
            )));
        };
        let code = ResetCode::generate(rng);
        let kept_id = self.slots.slots[idx].id.clone();
        let mut slot = Slot::create_reset(
            rng,
            &self.slots.vault_id,
            kept_id,
            SlotSpec {
                kind: SlotKind::User,
                user_id: Some(user_id),
                name: Some(&name),
                role: Some(role),
            },
            &code,
            KdfParams::DEFAULT,
        )?;
        slot.seal(rng, &self.slots.vault_id, self.epoch, &self.key)?;
        let old = std::mem::replace(&mut self.slots.slots[idx], slot);
        if let Err(e) = self.write_slots() {
            self.put_slot_back(idx, old, "passphrase");
            let _ = self.audit(Action::PassphraseResetByLead, Some(user_id), "failed", now);
            return Err(e);
        }
        self.audit(Action::PassphraseResetByLead, Some(user_id), "ok", now)?;
        Ok(code)
    }

    /// After a failed write of a replaced slot: put the old one back and write again, so the
    /// files do not keep a slot whose secret nobody was shown. If that fails too, say so.
    fn put_slot_back(&mut self, idx: usize, old: Slot, what: &str) {
        self.slots.slots[idx] = old;
        if let Err(e) = self.write_slots() {
            self.warnings.push(format!(
                "Replacing the {what} failed part-way, and the key-slot files could not be put back as they were ({e}). Do it again once the problem is fixed."
            ));
        }
    }

    /// An unlock asked while this session is already open: answered only after checking, never
    /// taken on trust. The session's own user with their right passphrase is fine (a second
    /// press of Unlock); a wrong passphrase is refused and audited as a failed unlock; anyone
    /// else is told to lock first (one session at a time).
    pub fn confirm_unlock(
        &self,
        user_id: &str,
        passphrase: &Passphrase,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let user = &self.session.user;
        if user_id != user.id {
            return Err(Error::InvalidInput(format!(
                "Attune is already unlocked by {}. Lock it first, then sign in.",
                user.name
            )));
        }
        let slot = &self.slots.slots[self.user_slot_index(user_id)?];
        let typed = slot.typed_secret(passphrase.expose());
        match slot.open(&self.slots.vault_id, &typed)? {
            Some(_) => Ok(()),
            None => {
                self.audit(Action::UnlockPassphrase, Some(user_id), "failed", now)?;
                Err(Error::WrongPassphrase {
                    user: user.name.clone(),
                })
            }
        }
    }

    fn user_slot_index(&self, user_id: &str) -> Result<usize> {
        self.slots
            .slots
            .iter()
            .position(|s| s.kind == SlotKind::User && s.user_id.as_deref() == Some(user_id))
            .ok_or_else(|| Error::KeySlotsDamaged("the user's key slot is missing".into()))
    }

    fn new_user_slot(
        &self,
        id: Option<String>,
        user: &UserInfo,
        passphrase: &Passphrase,
        rng: &mut impl SecureRng,
    ) -> Result<Slot> {
        let (mut slot, _) = Slot::create(
            rng,
            &self.slots.vault_id,
            id,
            SlotSpec {
                kind: SlotKind::User,
                user_id: Some(&user.id),
                name: Some(&user.name),
                role: Some(user.role),
            },
            passphrase.expose().as_bytes(),
            KdfParams::DEFAULT,
        )?;
        slot.seal(rng, &self.slots.vault_id, self.epoch, &self.key)?;
        Ok(slot)
    }

    /// A strategic lead adds a user, who chooses their own passphrase at this laptop.
    pub fn add_user(
        &mut self,
        name: &str,
        role: Role,
        passphrase: &Passphrase,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
    ) -> Result<UserInfo> {
        if let Err(e) = self.require_lead("add users") {
            let _ = self.audit(Action::UserAdd, None, "refused", now);
            return Err(e);
        }
        let name = clean_name(name, "the person's name")?;
        let taken: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE lower(name) = lower(?1) AND removed_at IS NULL)",
            [&name],
            |r| r.get(0),
        )?;
        if taken {
            return Err(Error::AlreadyExists(format!(
                "There is already a user called {name}."
            )));
        }
        strength::require_strong(passphrase, &[&name, &self.slots.school])?;
        let user = UserInfo {
            id: random_hex(rng, 8),
            name,
            role,
        };
        let slot = self.new_user_slot(None, &user, passphrase, rng)?;
        {
            let tx = self.conn.transaction()?;
            tx.execute(
                "INSERT INTO users (id, name, role, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    user.id,
                    user.name,
                    role.as_str(),
                    crate::datetime::format_instant(now)
                ],
            )?;
            audit::append(
                &tx,
                &NewEntry {
                    at: now,
                    actor_id: Some(&self.session.user.id),
                    actor_name: &self.session.user.name,
                    action: Action::UserAdd,
                    target: Some(&user.id),
                    outcome: "ok",
                },
            )?;
            tx.commit()?;
        }
        self.slots.slots.push(slot);
        self.write_slots()?;
        Ok(user)
    }

    /// A strategic lead removes a user. The vault key is rotated and sealed again to every
    /// remaining slot, so the removed user's passphrase — even with an old copy of the
    /// key-slot file — no longer opens the vault. Nobody else's passphrase is needed.
    pub fn remove_user(
        &mut self,
        user_id: &str,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if let Err(e) = self.require_lead("remove users") {
            let _ = self.audit(Action::UserRemove, Some(user_id), "refused", now);
            return Err(e);
        }
        if user_id == self.session.user.id {
            return Err(Error::InvalidInput("You cannot remove yourself.".into()));
        }
        let exists: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1 AND removed_at IS NULL)",
            [user_id],
            |r| r.get(0),
        )?;
        if !exists {
            return Err(Error::NotFound("That user is not in this vault.".into()));
        }
        // One step: the removal record and the dropped slot are in the same key-slot file
        // write (the first one of the rotation); an unlock after a crash re-applies it.
        let at = crate::datetime::format_instant(now);
        let record = self.record_mut();
        record.removed.retain(|r| r.user_id != user_id);
        record.removed.push(Removal {
            user_id: user_id.to_string(),
            at,
        });
        self.rotate_key(Some(user_id), rng)?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE users SET removed_at = ?2 WHERE id = ?1",
            params![user_id, crate::datetime::format_instant(now)],
        )?;
        // Their laptops' sync files are refused from now on.
        crate::sync_keys::remove_peers_of(&tx, user_id, &crate::datetime::format_instant(now))?;
        audit::append(
            &tx,
            &NewEntry {
                at: now,
                actor_id: Some(&self.session.user.id),
                actor_name: &self.session.user.name,
                action: Action::UserRemove,
                target: Some(user_id),
                outcome: "ok",
            },
        )?;
        tx.commit()?;
        self.purge_auto_backups(now);
        Ok(())
    }

    /// After a removal: delete every automatic backup and set-aside vault that opens with the
    /// removed user's passphrase ([`Vault::purge_removed_users_files`]) and write one fresh
    /// backup under the new key. A failure to write the fresh one is a warning, not a failed
    /// removal.
    fn purge_auto_backups(&mut self, now: DateTime<Utc>) {
        self.purge_removed_users_files(now);
        if let Err(e) = self.auto_backup_after_purge(now) {
            self.warnings.push(format!(
                "The automatic backups made before the removal were deleted, but a fresh one could not be written: {e}"
            ));
        }
    }

    /// Replace the vault key. Crash-safe in three steps: (1) slots hold the key sealed for
    /// both epochs (the removed slot already gone), (2) the database is rekeyed, (3) the old
    /// epoch is dropped. An unlock after a crash at any point finishes the job.
    fn rotate_key(&mut self, drop_user: Option<&str>, rng: &mut impl SecureRng) -> Result<()> {
        let new_key = VaultKey::random(rng);
        let new_epoch = self.epoch + 1;
        let vault_id = self.slots.vault_id.clone();
        if let Some(uid) = drop_user {
            self.slots
                .slots
                .retain(|s| !(s.kind == SlotKind::User && s.user_id.as_deref() == Some(uid)));
        }
        for s in &mut self.slots.slots {
            s.seal(rng, &vault_id, new_epoch, &new_key)?;
        }
        self.write_slots()?;
        if let Err(e) = self.swap_in_rekeyed(&new_key) {
            // The database is still under the old key and opens with it; the slots hold
            // both epochs, so the next unlock finishes the change when there is room.
            let full = match &e {
                Error::DiskFull(_) => true,
                // sqlcipher_export reports a full disk as a plain error with SQLite's words.
                Error::Sqlite(x) => x.to_string().contains("disk is full"),
                _ => false,
            };
            return Err(match e {
                _ if full => Error::DiskFull(
                    "there was no room to re-encrypt the vault under its new key. The vault still opens with its old key; free some space, then unlock again to finish the change".into(),
                ),
                e => e,
            });
        }
        let old_key = std::mem::replace(&mut self.key, new_key);
        self.epoch = new_epoch;
        // Reseal the attempts file while the key-slot file still holds both epochs: a kill
        // between the two writes then leaves a seal that one of the slot's keys verifies
        // (found by the SIGKILL test: resealing after dropping the old epoch left a window in
        // which the file read as edited).
        self.reseal_attempts(&[&old_key])?;
        for s in &mut self.slots.slots {
            s.sealed.retain(|x| x.epoch == new_epoch);
        }
        self.write_slots()
    }

    /// The key change itself: a complete copy under `new_key` written beside the database,
    /// the connection closed, the copy renamed over the database, and the database opened
    /// again with the new key. A crash anywhere leaves either the old database (old key) or
    /// the new one (new key), and the key-slot file holds both keys until the end.
    fn swap_in_rekeyed(&mut self, new_key: &VaultKey) -> Result<()> {
        let db_path = self.paths.db();
        let copy = db::write_rekeyed_copy(&self.conn, &db_path, new_key)?;
        let old = std::mem::replace(&mut self.conn, Connection::open_in_memory()?);
        if let Err((c, e)) = old.close() {
            drop(c);
            db::remove_rekey_copy(&db_path);
            self.conn = db::open(&db_path, &self.key)?;
            return Err(e.into());
        }
        // Closed cleanly: everything is in vault.db; side files are of the old database.
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(self.paths.dir.join(format!("vault.db{suffix}")));
        }
        if let Err(e) = std::fs::rename(&copy, &db_path) {
            db::remove_rekey_copy(&db_path);
            self.conn = db::open(&db_path, &self.key)?;
            return Err(e.into());
        }
        fsutil::sync_dir(&self.paths.dir)?;
        self.conn = db::open(&db_path, new_key)?;
        Ok(())
    }

    /// Keep the attempts file's seal valid under the (new) vault key.
    fn reseal_attempts(&self, valid_under: &[&VaultKey]) -> Result<()> {
        let mut attempts = Attempts::load(&self.paths.dir);
        if attempts.seal.is_some() {
            attempts.reseal(&self.slots.vault_id, valid_under, &self.key);
            attempts.save(&self.paths.dir)?;
        }
        Ok(())
    }

    /// SQLCipher's HMAC check of every page, SQLite's integrity check, the audit chain and
    /// the key slots against their copy. Empty when all is well; otherwise each problem in
    /// the check's own words ([`Vault::verify_with`] has them in plain English too).
    pub fn verify(&self) -> Result<Vec<String>> {
        Ok(self.verify_with(&Work::none())?.details())
    }

    /// The full check, phase by phase, reporting to `work`: "pages" (SQLCipher's seal on
    /// every page of the file, read from the disk), "structure" (SQLite's integrity check),
    /// "audit chain" (each entry; the head recorded outside the database) and "key slots"
    /// (the file against its record and its copy inside the database). It only reads, so it
    /// stops when asked between phases and at any audit entry ([`Error::Cancelled`]); a part
    /// that cannot be read at all is a problem found, not an error, and the check goes on.
    pub fn verify_with(&self, work: &Work<'_>) -> Result<VaultCheck> {
        let mut problems = Vec::new();
        // Pages: SQLCipher reads each page of the file itself and checks its HMAC.
        let pages: i64 = self
            .conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap_or(0);
        let pages = pages.max(0) as u64;
        work.step("pages", 0, pages)?;
        match db::cipher_problems(&self.conn) {
            Ok(lines) if lines.is_empty() => {}
            Ok(lines) => problems.push(check::pages_problem(lines)),
            Err(e) => problems.push(check::pages_problem(vec![e.to_string()])),
        }
        work.step("pages", pages, pages)?;
        // Structure: SQLite's own check, through the pager (a page whose seal fails is an
        // error here, reported as damage).
        work.step("structure", 0, 1)?;
        match db::structure_problems(&self.conn) {
            Ok(lines) if lines.is_empty() => {}
            Ok(lines) => problems.push(check::structure_problem(lines.join("; "))),
            Err(e) => problems.push(check::structure_problem(e.to_string())),
        }
        work.step("structure", 1, 1)?;
        // The audit chain, entry by entry, then its head against the key-slot file's record.
        let mut audit_entries_checked = 0;
        match audit::verify_in_phase(&self.conn, work, "audit chain") {
            Ok((broken, checked)) => {
                audit_entries_checked = checked;
                if let Some(seq) = broken {
                    problems.push(check::chain_problem(seq));
                }
            }
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => problems.push(check::chain_unreadable(e.to_string())),
        }
        work.step("key slots", 0, 1)?;
        match &self.slots.record {
            Some(r) if r.verify(&self.slots.vault_id, &self.key) => {
                match self.anchor_problem(r.anchor.as_ref()) {
                    Ok(None) => {}
                    Ok(Some(p)) => problems.push(check::anchor_problem(p)),
                    Err(e) => problems.push(check::chain_unreadable(e.to_string())),
                }
            }
            Some(_) => problems.push(check::slots_problem(
                "the key-slot file's record does not verify".into(),
            )),
            None => problems.push(check::slots_problem(
                "the key-slot file has no record".into(),
            )),
        }
        // What unlocking found (an altered record, a rewritten or cut audit trail). An
        // unfinished key change is not damage (the vault opens; it finishes when it can).
        for w in self
            .warnings
            .iter()
            .filter(|w| !w.starts_with("An interrupted change"))
        {
            if problems.iter().any(|p| &p.detail == w) {
                continue;
            }
            problems.push(if w.contains("audit log") {
                check::anchor_problem(w.clone())
            } else {
                check::slots_problem(w.clone())
            });
        }
        let copy: rusqlite::Result<Option<Vec<u8>>> = self
            .conn
            .query_row("SELECT content FROM keyslot_copy WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional();
        match copy {
            Ok(c) if c.as_deref() == Some(self.slots.to_bytes().as_slice()) => {}
            Ok(_) => problems.push(check::slots_problem(
                "the key-slot file differs from its copy inside the vault".into(),
            )),
            Err(e) => problems.push(check::slots_problem(format!(
                "the copy of the key-slot file inside the vault could not be read ({e})"
            ))),
        }
        work.step("key slots", 1, 1)?;
        Ok(VaultCheck {
            pages_checked: pages,
            audit_entries_checked,
            problems,
        })
    }

    /// The full check as a person asks for it (the window's "Check the vault", the
    /// command-line tool's `verify`): [`Vault::verify_with`], audited `vault.verify` with the
    /// outcome `ok`, `failed` or `cancelled`. Anyone signed in may run it: it reads no record
    /// and reports only page and entry numbers, and on a key adult's own laptop they are the
    /// only one who can.
    pub fn check(&self, work: &Work<'_>, now: DateTime<Utc>) -> Result<VaultCheck> {
        self.require_ready()?;
        match self.verify_with(work) {
            Ok(c) if c.is_sound() => {
                self.audit(Action::VaultVerify, None, "ok", now)?;
                Ok(c)
            }
            // A damaged database may refuse the write (SQLite turns read-only after a
            // corrupt page): the report matters more than its audit row then.
            Ok(c) => {
                let _ = self.audit(Action::VaultVerify, None, "failed", now);
                Ok(c)
            }
            Err(Error::Cancelled) => {
                self.audit(Action::VaultVerify, None, "cancelled", now)?;
                Err(Error::Cancelled)
            }
            Err(e) => Err(e),
        }
    }

    pub fn schema_version(&self) -> Result<u32> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Lock: audit, anchor the audit chain's head in the key-slot file, seal the attempts
    /// file, close the database, wipe the key.
    pub fn lock(mut self, reason: &str, now: DateTime<Utc>) {
        let _ = self.audit(Action::Lock, Some(reason), "ok", now);
        let _ = self.write_anchor();
        let mut attempts = Attempts::load(&self.paths.dir);
        if attempts.pending.is_empty() {
            attempts.seal(&self.slots.vault_id, &self.key, now.timestamp());
            let _ = attempts.save(&self.paths.dir);
        }
        drop(self);
    }
}

/// Open the vault's database: always with its key, except for the benchmark's plain copy.
fn open_db(paths: &VaultPaths, key: &VaultKey, plain: bool) -> Result<Connection> {
    #[cfg(feature = "bench-plain")]
    if plain {
        return db::open_unencrypted_for_benchmark(&paths.db());
    }
    if plain {
        return Err(Error::NotSqlCipher);
    }
    db::open(&paths.db(), key)
}

/// **Benchmark only**, behind the cargo feature `bench-plain`, which only `attune-admin`
/// enables (for `attune-admin bench`); the app does not, so no plain database can be made or
/// opened from it, and without the feature `db::open` still refuses anything but SQLCipher.
///
/// `bench` measures the cost of encryption by running the same operations, through the same
/// code, on the same data held in an unencrypted SQLite database: these two functions make
/// that copy and open it.
#[cfg(feature = "bench-plain")]
impl Vault {
    /// Write an **unencrypted** copy of this vault into `dir` (a new folder): the key-slot
    /// files as they are and the database decrypted with `sqlcipher_export`. Only for
    /// benchmarks on generated data: never point it at a vault holding real records.
    pub fn export_unencrypted_for_benchmark(&self, dir: &Path) -> Result<()> {
        self.require_lead("make a benchmark copy")?;
        let dest = VaultPaths::new(dir);
        if dest.exists() {
            return Err(Error::AlreadyExists(format!(
                "There is already a vault in {}.",
                dir.display()
            )));
        }
        fsutil::create_private_dir(dir)?;
        let db_path = dest.db();
        let s = db_path.to_str().ok_or_else(|| {
            Error::InvalidInput("The benchmark folder's name is not valid text.".into())
        })?;
        self.conn
            .execute("ATTACH DATABASE ?1 AS bench_plain KEY ''", [s])?;
        let version = self.schema_version()?;
        let result = self
            .conn
            .query_row("SELECT sqlcipher_export('bench_plain')", [], |_| Ok(()))
            .and_then(|()| {
                self.conn
                    .execute_batch(&format!("PRAGMA bench_plain.user_version = {version};"))
            });
        self.conn.execute_batch("DETACH DATABASE bench_plain;")?;
        result?;
        let bytes = self.slots.to_bytes();
        fsutil::write_atomic(&dest.keyslots(), &bytes)?;
        fsutil::write_atomic(&dest.keyslots_backup(), &bytes)?;
        Ok(())
    }

    /// Unlock a copy made by [`Self::export_unencrypted_for_benchmark`]: the same steps as
    /// [`Vault::unlock`] (the key slot's Argon2id included), then the database opened with no
    /// key.
    pub fn unlock_unencrypted_for_benchmark(
        dir: &Path,
        user_id: &str,
        passphrase: &Passphrase,
        rng: &mut impl SecureRng,
        now: DateTime<Utc>,
    ) -> Result<Vault> {
        let lock = DirLock::acquire(dir)?;
        Self::unlock_locked_mode(
            dir,
            lock,
            user_id,
            Secret::Passphrase(passphrase),
            rng,
            now,
            true,
        )
    }
}

/// The target of a failed attempt entered from `unlock-attempts.json`: nobody could
/// authenticate it when it was written.
pub const UNVERIFIED_CLAIM: &str = "unverified claim (unlock-attempts.json)";

fn slots_record_altered(warnings: &[String]) -> bool {
    warnings
        .iter()
        .any(|w| w.starts_with("The key-slot file's record"))
}

/// What opens a key slot: a user's passphrase or the recovery key.
#[derive(Debug, Clone, Copy)]
pub enum Secret<'a> {
    Passphrase(&'a Passphrase),
    Recovery(&'a RecoveryKey),
}
