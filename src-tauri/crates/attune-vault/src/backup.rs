//! Backups: the whole vault in one encrypted, self-checking file, and restoring from it.
//!
//! # The file (`ATTUNE-BACKUP/1`, integers little-endian)
//!
//! ```text
//! 16 bytes   "ATTUNE-BACKUP/1\n"
//! u32 H      then H bytes: the header, JSON (`BackupHeader`): school, vault id, when, schema
//!            version, record counts. Plain text, like the key-slot file: nothing about a pupil.
//! u32 S      then S bytes: the key-slot file (`ATTUNE-KEYSLOTS/1`) as it was at backup time
//! u64 D      then D bytes: a consistent snapshot of `vault.db` (online backup API), every page
//!            encrypted by SQLCipher under the vault key, exactly as in the vault
//! 32 bytes   HMAC-SHA256 over every byte before it, keyed by HKDF-SHA256(vault key, vault id)
//! 32 bytes   SHA-256 over every byte before it
//! ```
//!
//! - The SHA-256 tells a damaged file (a flipped bit on a USB stick, a truncated copy) before
//!   anyone is asked for a passphrase. It is not a security boundary: anyone can recompute it.
//! - The MAC is: once a passphrase or the recovery key has opened one of the file's own key
//!   slots, any change anywhere (header, slots, database) is detected.
//! - The key slots travel with the database, so a backup opens with exactly the passphrases
//!   and recovery key that were valid in the vault when it was made — and, after a user was
//!   removed, an old backup still opens with that user's old passphrase. That is inherent in
//!   keeping a copy; keep backups as safe as the laptop.
//!
//! # Invariants
//! - Nothing readable reaches the disk: the snapshot is written by SQLCipher itself, encrypted
//!   under the vault key, into the vault's own folder (or the destination's); that it is
//!   encrypted is checked before it is copied into the backup. Every temporary file is
//!   removed on success and on failure.
//! - A backup is written atomically (temporary file, fsync, rename, fsync of the folder) and
//!   then read back and checked end to end; one that does not check out is removed.
//! - A restore replaces nothing until the backup has been unpacked beside the vault and has
//!   passed every check there; the replaced vault is kept aside, and any failure after the
//!   swap puts it back.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use hmac::{Hmac, Mac};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::audit::{self, Action};
use crate::db;
use crate::error::{Error, Result};
use crate::fsutil::{self, DirLock};
use crate::keyslots::{Body, SlotKind};
use crate::progress::Work;
use crate::secret::VaultKey;
use crate::settings::{self, Setting};
use crate::throttle::Attempts;
use crate::vault::{Role, Secret, UserInfo, Vault};
use crate::SecureRng;

/// The first 16 bytes of every backup file of this version.
pub const MAGIC: &[u8; 16] = b"ATTUNE-BACKUP/1\n";
const MAGIC_PREFIX: &[u8] = b"ATTUNE-BACKUP/";
pub const FORMAT_NAME: &str = "ATTUNE-BACKUP";
pub const FORMAT_VERSION: u32 = 1;
/// The extension Attune gives backup files.
pub const FILE_EXTENSION: &str = "attune-backup";
/// The folder inside the vault folder that holds the automatic backups.
pub const AUTO_BACKUP_DIR: &str = "backups";
pub const DEFAULT_AUTO_BACKUP_KEEP: u32 = 7;
pub const MAX_AUTO_BACKUP_KEEP: u32 = 365;

const MAX_HEADER_BYTES: u32 = 64 * 1024;
const MAX_SLOT_BYTES: u32 = 4 * 1024 * 1024;
const TRAILER_BYTES: u64 = 64;
/// Magic, the three lengths and the trailer.
const FIXED_BYTES: u64 = 16 + 4 + 4 + 8 + TRAILER_BYTES;
const MAC_CONTEXT: &[u8] = b"attune-backup-mac/1";
/// Tables whose rows the header counts, when they exist.
const COUNTED_TABLES: [&str; 3] = ["pupils", "plans", "reviews"];
const SQLITE_PLAIN_MAGIC: &[u8; 16] = b"SQLite format 3\0";

type HmacSha256 = Hmac<Sha256>;

/// How many records of each kind the backup holds; `None` when the vault had no such table
/// yet (a vault from before that kind of record existed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCounts {
    pub pupils: Option<u64>,
    pub plans: Option<u64>,
    pub reviews: Option<u64>,
}

/// The plain-text header of a backup file: what can be shown before it is unlocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupHeader {
    /// Always "ATTUNE-BACKUP".
    pub format: String,
    pub format_version: u32,
    pub vault_id: String,
    pub school: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// The database's schema version (number of migrations applied).
    pub schema_version: u32,
    /// Which vault key (see key rotation) the database is encrypted with.
    pub key_epoch: u64,
    pub counts: RecordCounts,
    pub database_bytes: u64,
    /// The program that wrote it, e.g. "attune-vault 0.1.0".
    pub written_by: String,
    /// The audit chain's head when the backup was made (authenticated by the file's MAC): a
    /// backup whose audit log was cut or rewritten afterwards is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_anchor: Option<crate::keyslots::Anchor>,
}

/// What can be known about a backup file without a key. Reading it checks the layout and the
/// SHA-256, so a damaged file is reported before anyone types a passphrase.
#[derive(Debug, Clone)]
pub struct BackupFile {
    pub header: BackupHeader,
    pub slots: Body,
    pub file_bytes: u64,
    /// Hex SHA-256 of the file up to its last 32 bytes (which hold it).
    pub checksum: String,
    slot_bytes: Vec<u8>,
}

impl BackupFile {
    /// The users whose passphrase opens this backup (from its key slots).
    pub fn users(&self) -> Vec<UserInfo> {
        self.slots
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
            .collect()
    }

    pub fn has_recovery_slot(&self) -> bool {
        self.slots.recovery_slot().is_some()
    }
}

/// A backup just written and read back.
#[derive(Debug, Clone)]
pub struct BackupInfo {
    pub path: PathBuf,
    pub file_bytes: u64,
    pub checksum: String,
    pub header: BackupHeader,
}

/// What an unlocked and fully checked backup holds.
#[derive(Debug, Clone)]
pub struct BackupContents {
    pub header: BackupHeader,
    pub file_bytes: u64,
    pub checksum: String,
    /// The users in the backup's database who had not been removed.
    pub users: Vec<UserInfo>,
    /// Who opened it.
    pub opened_as: UserInfo,
    pub audit_entries: u64,
    /// When the newest audit entry was written (RFC 3339).
    pub last_audit_at: Option<String>,
    /// Counted in the backup's database (and equal to the header's).
    pub counts: RecordCounts,
}

/// A finished restore: the restored vault, open, and where the vault it replaced was put.
#[derive(Debug)]
pub struct Restored {
    pub vault: Vault,
    pub contents: BackupContents,
    /// `<vault dir>.replaced-<timestamp>`: the vault that was there before, kept for the
    /// person to delete once they are sure. `None` when the folder held no vault.
    pub replaced: Option<PathBuf>,
    /// The automatic backups folder was moved from the replaced vault into the restored one.
    pub moved_auto_backups: bool,
}

fn damaged(why: impl Into<String>) -> Error {
    Error::BackupDamaged(why.into())
}

fn not_a_backup() -> Error {
    Error::InvalidInput("That file is not an Attune backup.".into())
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A name no other temporary file of this process (or another process) uses.
fn unique() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_name_of(path: &Path) -> Result<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| Error::InvalidInput(format!("{} is not a file name.", path.display())))
}

fn stamp(t: DateTime<Utc>) -> String {
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A temporary file removed when dropped (with SQLite's side files), unless kept.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl TempFile {
    /// Create it empty, private, and new (never reusing an existing file).
    fn create(path: PathBuf) -> Result<(TempFile, File)> {
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        fsutil::set_private(&f);
        Ok((TempFile { path, keep: false }, f))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            fsutil::remove_db_files(&self.path);
        }
    }
}

/// A temporary folder removed (with everything in it) when dropped, unless kept.
struct TempDir {
    path: PathBuf,
    keep: bool,
}

impl TempDir {
    fn create(path: PathBuf) -> Result<TempDir> {
        fs::create_dir(&path)?;
        let d = TempDir { path, keep: false };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&d.path, fs::Permissions::from_mode(0o700))?;
        }
        Ok(d)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// Run `f` on a fresh temporary file in the first of `dirs` with room: a full disk moves on
/// to the next folder; any other failure stops.
fn in_scratch<T>(
    dirs: &[&Path],
    prefix: &str,
    mut f: impl FnMut(&Path, File) -> Result<T>,
) -> Result<(TempFile, T)> {
    let mut last = None;
    for dir in dirs {
        let (tmp, file) = match TempFile::create(dir.join(format!(".{prefix}-{}.db", unique()))) {
            Ok(x) => x,
            Err(e @ Error::DiskFull(_)) => {
                last = Some(e);
                continue;
            }
            Err(e) => return Err(e),
        };
        match f(&tmp.path, file) {
            Ok(v) => return Ok((tmp, v)),
            Err(e @ Error::DiskFull(_)) => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| Error::Internal("no folder for a temporary file".into())))
}

fn mac_key(key: &VaultKey, vault_id: &str) -> Zeroizing<[u8; 32]> {
    let hk = hkdf::Hkdf::<Sha256>::new(Some(vault_id.as_bytes()), &key.0);
    let mut out = Zeroizing::new([0u8; 32]);
    hk.expand(MAC_CONTEXT, out.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    out
}

fn new_mac(key: &[u8; 32]) -> HmacSha256 {
    <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes a key of any length")
}

// ---------------------------------------------------------------------------------------
// Reading

/// Reads a backup, feeding every byte to the SHA-256 and, up to the MAC, to the MACs.
struct Reader<R> {
    inner: R,
    sha: Sha256,
    macs: Vec<HmacSha256>,
}

impl<R: Read> Reader<R> {
    fn take(&mut self, buf: &mut [u8], into_mac: bool) -> Result<()> {
        self.inner.read_exact(buf).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                damaged("it is cut short")
            } else {
                e.into()
            }
        })?;
        self.sha.update(&*buf);
        if into_mac {
            for m in &mut self.macs {
                m.update(buf);
            }
        }
        Ok(())
    }

    fn u32(&mut self) -> Result<u32> {
        let mut b = [0u8; 4];
        self.take(&mut b, true)?;
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self) -> Result<u64> {
        let mut b = [0u8; 8];
        self.take(&mut b, true)?;
        Ok(u64::from_le_bytes(b))
    }

    fn bytes(&mut self, n: usize) -> Result<Vec<u8>> {
        let mut v = vec![0u8; n];
        self.take(&mut v, true)?;
        Ok(v)
    }

    fn copy_to(&mut self, mut n: u64, mut sink: Option<&mut dyn Write>) -> Result<()> {
        let mut buf = vec![0u8; 64 * 1024];
        while n > 0 {
            let k = n.min(buf.len() as u64) as usize;
            self.take(&mut buf[..k], true)?;
            if let Some(s) = sink.as_deref_mut() {
                s.write_all(&buf[..k])?;
            }
            n -= k as u64;
        }
        Ok(())
    }
}

/// Read a whole backup of `len` bytes: layout, header, key slots, the database (to `sink`),
/// MAC and checksum. Returns the parsed file and which of `mac_keys` (if any) matched.
fn read_backup<R: Read>(
    r: R,
    len: u64,
    check_sum: bool,
    mac_keys: &[Zeroizing<[u8; 32]>],
    sink: Option<&mut dyn Write>,
) -> Result<(BackupFile, Option<usize>)> {
    let mut rd = Reader {
        inner: r,
        sha: Sha256::new(),
        macs: mac_keys.iter().map(|k| new_mac(k)).collect(),
    };
    let mut magic = [0u8; 16];
    if len < 16 {
        return Err(not_a_backup());
    }
    rd.take(&mut magic, true)?;
    if &magic != MAGIC {
        return Err(if magic.starts_with(MAGIC_PREFIX) {
            Error::InvalidInput(
                "That backup was made by a newer version of Attune. Update Attune to open it."
                    .into(),
            )
        } else {
            not_a_backup()
        });
    }
    if len < FIXED_BYTES {
        return Err(damaged("it is cut short"));
    }
    let h = rd.u32()?;
    if h > MAX_HEADER_BYTES || 16 + 4 + u64::from(h) + 4 + 8 + TRAILER_BYTES > len {
        return Err(damaged("its header length is impossible"));
    }
    let header_bytes = rd.bytes(h as usize)?;
    let s = rd.u32()?;
    if s > MAX_SLOT_BYTES || FIXED_BYTES + u64::from(h) + u64::from(s) > len {
        return Err(damaged("its key-slot length is impossible"));
    }
    let slot_bytes = rd.bytes(s as usize)?;
    let d = rd.u64()?;
    if FIXED_BYTES
        .checked_add(u64::from(h) + u64::from(s))
        .and_then(|x| x.checked_add(d))
        != Some(len)
    {
        return Err(damaged(
            "its length does not match what it says it holds: it has been cut short or added to",
        ));
    }
    rd.copy_to(d, sink)?;
    let mut tag = [0u8; 32];
    rd.take(&mut tag, false)?;
    let mut sum = [0u8; 32];
    rd.inner.read_exact(&mut sum).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            damaged("it is cut short")
        } else {
            Error::from(e)
        }
    })?;
    let actual: [u8; 32] = rd.sha.finalize().into();
    if check_sum && !constant_time_eq(&actual, &sum) {
        return Err(damaged(
            "its checksum does not match: it has been altered or damaged, for example by a failing USB stick",
        ));
    }
    let header = parse_header(&header_bytes)?;
    let slots = Body::parse(&slot_bytes).map_err(|e| match e {
        Error::KeySlotsDamaged(m) => damaged(format!("its key slots cannot be read: {m}")),
        other => other,
    })?;
    if header.database_bytes != d {
        return Err(damaged("its header gives the wrong database size"));
    }
    if header.vault_id != slots.vault_id || header.school != slots.school {
        return Err(damaged(
            "its header and its key slots are of different vaults",
        ));
    }
    let matched = rd
        .macs
        .into_iter()
        .position(|m| m.verify_slice(&tag).is_ok());
    Ok((
        BackupFile {
            header,
            slots,
            file_bytes: len,
            checksum: hex::encode(sum),
            slot_bytes,
        },
        matched,
    ))
}

fn parse_header(bytes: &[u8]) -> Result<BackupHeader> {
    let h: BackupHeader = serde_json::from_slice(bytes)
        .map_err(|e| damaged(format!("its header cannot be read ({e})")))?;
    if h.format != FORMAT_NAME {
        return Err(damaged("its header names another format"));
    }
    if h.format_version != FORMAT_VERSION {
        return Err(Error::InvalidInput(
            "That backup was made by a newer version of Attune. Update Attune to open it.".into(),
        ));
    }
    Ok(h)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Parse a backup held in memory (layout, checksum, header, key slots; no key needed).
/// Never panics, whatever the bytes: the fuzz target `backup_header` calls it.
pub fn parse_bytes(bytes: &[u8]) -> Result<BackupFile> {
    read_backup(bytes, bytes.len() as u64, true, &[], None).map(|(f, _)| f)
}

/// As [`parse_bytes`] but without the checksum, so a fuzzer reaches the parsers behind it.
#[doc(hidden)]
pub fn parse_bytes_unchecked(bytes: &[u8]) -> Result<BackupFile> {
    read_backup(bytes, bytes.len() as u64, false, &[], None).map(|(f, _)| f)
}

/// Read a backup file without any key: its header and key slots, after checking its layout
/// and checksum. A damaged file is `BackupDamaged` (kind `vault_damaged`); a file that is not
/// a backup at all is `InvalidInput`.
pub fn inspect(file: &Path) -> Result<BackupFile> {
    let f = open_file(file)?;
    let len = f.metadata()?.len();
    read_backup(BufReader::new(f), len, true, &[], None).map(|(f, _)| f)
}

fn open_file(file: &Path) -> Result<File> {
    File::open(file).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            Error::NotFound(format!("There is no file {}.", file.display()))
        } else {
            e.into()
        }
    })
}

// ---------------------------------------------------------------------------------------
// The database inside

fn open_keyed_read_only(path: &Path, key: Option<&VaultKey>) -> Result<Connection> {
    crate::db::sqlcipher_ready();
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    if let Some(k) = key {
        conn.execute_batch(&k.pragma("key"))?;
    }
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(conn),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            Err(Error::KeyRejected)
        }
        Err(e) => Err(e.into()),
    }
}

fn cipher_problems(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA cipher_integrity_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Count the rows of the counted tables that exist.
fn count_records(conn: &Connection) -> Result<RecordCounts> {
    let mut out = [None; 3];
    for (i, t) in COUNTED_TABLES.iter().enumerate() {
        let exists: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
            [t],
            |r| r.get(0),
        )?;
        if exists {
            // The table name is one of three constants, never input.
            let n: i64 =
                conn.query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))?;
            out[i] = Some(n.max(0) as u64);
        }
    }
    Ok(RecordCounts {
        pupils: out[0],
        plans: out[1],
        reviews: out[2],
    })
}

/// The snapshot must be encrypted: not SQLite's plain header, not readable without the key,
/// and sound with it. Returns its schema version and counts.
fn check_snapshot(path: &Path, key: &VaultKey) -> Result<(u32, RecordCounts)> {
    let mut head = [0u8; 16];
    File::open(path)?.read_exact(&mut head)?;
    let unencrypted = || {
        Error::Internal(
            "the database snapshot was not encrypted, so no backup was written; report this".into(),
        )
    };
    if &head == SQLITE_PLAIN_MAGIC {
        return Err(unencrypted());
    }
    match open_keyed_read_only(path, None) {
        Err(Error::KeyRejected) => {}
        Ok(_) => return Err(unencrypted()),
        Err(e) => return Err(e),
    }
    let conn = open_keyed_read_only(path, Some(key)).map_err(|e| match e {
        Error::KeyRejected => {
            Error::Internal("the snapshot did not open with the vault key".into())
        }
        e => e,
    })?;
    let problems = db::integrity_problems(&conn)?;
    if !problems.is_empty() {
        return Err(Error::VaultDamaged(format!(
            "it fails its integrity check ({}), so no backup was made. Run attune-admin verify.",
            problems.join("; ")
        )));
    }
    let schema: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    Ok((schema, count_records(&conn)?))
}

// ---------------------------------------------------------------------------------------
// Writing

struct Writer<W: Write> {
    inner: W,
    sha: Sha256,
    mac: HmacSha256,
}

impl<W: Write> Writer<W> {
    fn put(&mut self, b: &[u8]) -> Result<()> {
        self.inner.write_all(b)?;
        self.sha.update(b);
        self.mac.update(b);
        Ok(())
    }

    /// Write the MAC and the checksum; returns the writer and the checksum.
    fn finish(mut self) -> Result<(W, [u8; 32])> {
        let tag = self.mac.finalize().into_bytes();
        self.inner.write_all(&tag)?;
        self.sha.update(tag);
        let sum: [u8; 32] = self.sha.finalize().into();
        self.inner.write_all(&sum)?;
        Ok((self.inner, sum))
    }
}

impl Vault {
    /// Write an encrypted backup of the whole vault to `path` (replacing the file atomically
    /// if it exists), read it back and check it end to end, and audit it (`backup.create`,
    /// target: the file's name). The folder must exist.
    ///
    /// Strategic lead only: a backup is the whole vault, every pupil in it. A key adult's
    /// attempt is refused and audited (`backup.create`, outcome `refused`), and no file is
    /// written.
    pub fn backup_to(&self, path: &Path, now: DateTime<Utc>) -> Result<BackupInfo> {
        self.backup_to_with(path, now, &Work::none())
    }

    /// [`Vault::backup_to`], reporting its steps to `work` ("checking" the vault's pages,
    /// "snapshot", "copying", "reading back", by the vault's size) and stopping when asked:
    /// a stopped backup leaves no file (its temporary files are removed; one already renamed
    /// into place is removed too) and is audited `cancelled`.
    pub fn backup_to_with(
        &self,
        path: &Path,
        now: DateTime<Utc>,
        work: &Work<'_>,
    ) -> Result<BackupInfo> {
        if let Err(e) = self.require_lead("back up the whole vault") {
            if !matches!(e, Error::MustSetPassphrase) {
                let _ = self.audit(
                    Action::BackupCreate,
                    file_name_of(path).ok().as_deref(),
                    "refused",
                    now,
                );
            }
            return Err(e);
        }
        self.backup_to_unchecked(path, now, work)
    }

    /// [`Vault::backup_to`] without the role check: the automatic backups beside the vault,
    /// which stay in the vault's own folder whoever's session triggers them.
    fn backup_to_unchecked(
        &self,
        path: &Path,
        now: DateTime<Utc>,
        work: &Work<'_>,
    ) -> Result<BackupInfo> {
        self.require_ready()?;
        let name = file_name_of(path)?;
        match write_backup(&self.source(work), path, &name, now) {
            Ok(info) => {
                self.audit(Action::BackupCreate, Some(&name), "ok", now)?;
                Ok(info)
            }
            Err(Error::Cancelled) => {
                let _ = self.audit(Action::BackupCreate, Some(&name), "cancelled", now);
                Err(Error::Cancelled)
            }
            Err(e) => {
                let _ = self.audit(Action::BackupCreate, Some(&name), "failed", now);
                Err(match e {
                    Error::DiskFull(_) => Error::DiskFull(format!(
                        "there is no room for the backup in {}, so none was written",
                        folder_of(path).display()
                    )),
                    e => e,
                })
            }
        }
    }

    /// What a backup is written from: this session's own connection.
    fn source<'a>(&'a self, work: &'a Work<'a>) -> Source<'a> {
        Source {
            conn: &self.conn,
            key: &self.key,
            epoch: self.epoch,
            slots: &self.slots,
            dir: &self.paths.dir,
            work,
            pause: Duration::ZERO,
        }
    }
}

/// What a backup is written from: a connection to the vault (the session's, or one of an
/// automatic backup's own), its key, epoch and key slots, and the work it reports to (whose
/// flag stops it early).
struct Source<'a> {
    conn: &'a Connection,
    key: &'a VaultKey,
    epoch: u64,
    slots: &'a Body,
    dir: &'a Path,
    work: &'a Work<'a>,
    /// Rest between two steps of the snapshot, and after each MiB copied or read back: none
    /// for a backup a person is waiting for, [`BACKGROUND_PAUSE`] for the automatic one, so
    /// the window's threads get the processor.
    pause: Duration,
}

/// Pages copied per step of a snapshot (4 KiB each: 1 MiB).
const SNAPSHOT_PAGES: i32 = 256;
/// The automatic backup's rest between two steps of its snapshot, and after each MiB it
/// copies or reads back.
pub const BACKGROUND_PAUSE: Duration = Duration::from_millis(15);

/// A consistent snapshot of the vault in the (empty) file `dest`, with SQLite's online backup
/// API, [`SNAPSHOT_PAGES`] at a time, each step reported to `progress` (pages done, pages in
/// all; an error from it — the work stopped — ends the copy). The whole copy runs inside one
/// read transaction on the source connection, so every step reads the same version of the
/// database while the session goes on writing through its own connection (WAL): the backup
/// is never restarted by a write and never mixes two versions. The destination is keyed with
/// the vault key (SQLCipher copies page by page, decrypting and encrypting), and ends as an
/// ordinary rollback-journal database with no `-wal` beside it.
fn snapshot_in_steps(
    src: &Source<'_>,
    dest: &Path,
    progress: impl Fn(u64, u64) -> Result<()>,
) -> Result<()> {
    crate::db::sqlcipher_ready();
    let mut to = Connection::open_with_flags(
        dest,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    to.execute_batch("PRAGMA cipher_log_level = NONE; PRAGMA cipher_memory_security = ON;")?;
    to.execute_batch(&src.key.pragma("key"))?;
    to.execute_batch("PRAGMA journal_mode = OFF;")?;
    // Our own read transaction, unless the caller is already inside one.
    let own = src.conn.is_autocommit();
    if own {
        src.conn.execute_batch("BEGIN DEFERRED")?;
    }
    let copied = (|| -> Result<()> {
        // The first read fixes the version every step will copy.
        src.conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })?;
        let backup = rusqlite::backup::Backup::new(src.conn, &mut to)?;
        loop {
            let state = backup.step(SNAPSHOT_PAGES)?;
            let p = backup.progress();
            let all = p.pagecount.max(1) as u64;
            let done = (p.pagecount - p.remaining).max(0) as u64;
            progress(done, all)?;
            match state {
                rusqlite::backup::StepResult::Done => return Ok(()),
                rusqlite::backup::StepResult::More => {}
                // Busy or locked: wait a little and try again (the busy timeout's job).
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
            if !src.pause.is_zero() {
                std::thread::sleep(src.pause);
            }
        }
    })();
    if own {
        let _ = src.conn.execute_batch("ROLLBACK");
    }
    copied?;
    // The copied first page says WAL, as the vault is; the snapshot is a plain file.
    to.execute_batch("PRAGMA journal_mode = DELETE;")?;
    drop(to);
    Ok(())
}

/// The phases of writing a backup, each a quarter of the way (in units of the vault's size).
const CHECKING: &str = "checking";
const SNAPSHOT: &str = "snapshot";
const COPYING: &str = "copying";
const READING_BACK: &str = "reading back";

fn write_backup(
    src: &Source<'_>,
    path: &Path,
    name: &str,
    now: DateTime<Utc>,
) -> Result<BackupInfo> {
    write_backup_steps(src, path, name, now).map_err(|e| src.work.or_cancelled(e))
}

fn write_backup_steps(
    src: &Source<'_>,
    path: &Path,
    name: &str,
    now: DateTime<Utc>,
) -> Result<BackupInfo> {
    let work = src.work;
    // Progress is counted in bytes of the vault: a quarter for each phase.
    let size = fs::metadata(crate::VaultPaths::new(src.dir).db())
        .map(|m| m.len())
        .unwrap_or(0)
        .max(1);
    let total = 4 * size;
    work.step(CHECKING, 0, total)?;
    let dest = folder_of(path);
    if !dest.is_dir() {
        return Err(Error::NotFound(format!(
            "The folder {} does not exist.",
            dest.display()
        )));
    }
    let scratch_dirs = [src.dir, dest.as_path()];
    // 0. Every page of the vault passes its HMAC: a backup must not hide a damaged page
    //    (one no query happens to read, such as a free page, would otherwise go unseen).
    let damaged_pages = cipher_problems(src.conn)?;
    if !damaged_pages.is_empty() {
        return Err(Error::VaultDamaged(format!(
            "{}, so no backup was made. Run attune-admin verify, and restore an earlier backup.",
            damaged_pages.join("; ")
        )));
    }
    work.step(SNAPSHOT, size, total)?;
    // The chain's head before the snapshot: the snapshot holds at least up to it.
    let audit_anchor = audit::head(src.conn)?.map(|(seq, mac)| crate::keyslots::Anchor {
        seq,
        mac: hex::encode(mac),
    });
    // 1. A consistent snapshot, written by SQLCipher under the vault key.
    let (snapshot, (schema_version, counts)) =
        in_scratch(&scratch_dirs, "attune-snapshot", |p, _| {
            snapshot_in_steps(src, p, |done, all| {
                work.step(SNAPSHOT, size + scaled(done, all, size), total)
            })?;
            check_snapshot(p, src.key)
        })?;
    let db_len = fs::metadata(&snapshot.path)?.len();
    work.step(COPYING, 2 * size, total)?;
    let header = BackupHeader {
        format: FORMAT_NAME.into(),
        format_version: FORMAT_VERSION,
        vault_id: src.slots.vault_id.clone(),
        school: src.slots.school.clone(),
        created_at: crate::datetime::format_instant(now),
        schema_version,
        key_epoch: src.epoch,
        counts,
        database_bytes: db_len,
        written_by: concat!("attune-vault ", env!("CARGO_PKG_VERSION")).into(),
        audit_anchor,
    };
    let header_json = serde_json::to_vec_pretty(&header)
        .map_err(|e| Error::Internal(format!("the backup header: {e}")))?;
    let slot_bytes = src.slots.to_bytes();
    let mkey = mac_key(src.key, &src.slots.vault_id);

    // 2. The file, beside its destination, then renamed over it.
    let (mut tmp, file) = TempFile::create(dest.join(format!(".{name}.tmp-{}", unique())))?;
    let checksum = {
        let mut w = Writer {
            inner: BufWriter::new(file),
            sha: Sha256::new(),
            mac: new_mac(&mkey),
        };
        w.put(MAGIC)?;
        w.put(&(header_json.len() as u32).to_le_bytes())?;
        w.put(&header_json)?;
        w.put(&(slot_bytes.len() as u32).to_le_bytes())?;
        w.put(&slot_bytes)?;
        w.put(&db_len.to_le_bytes())?;
        let mut snap = BufReader::new(File::open(&snapshot.path)?);
        let mut buf = vec![0u8; 64 * 1024];
        let mut copied = 0u64;
        loop {
            // Stopped (asked to, or the vault locked) at any 64 KiB.
            work.step(COPYING, 2 * size + scaled(copied, db_len, size), total)?;
            let n = snap.read(&mut buf)?;
            if n == 0 {
                break;
            }
            w.put(&buf[..n])?;
            copied += n as u64;
            rest_after_each_mib(src.pause, copied, n as u64);
        }
        if copied != db_len {
            return Err(Error::Internal(
                "the snapshot changed size while it was copied".into(),
            ));
        }
        let (inner, sum) = w.finish()?;
        let f = inner
            .into_inner()
            .map_err(|e| Error::from(e.into_error()))?;
        f.sync_all()?;
        sum
    };
    drop(snapshot);
    fs::rename(&tmp.path, path)?;
    tmp.keep = true;
    fsutil::sync_dir(&dest)?;

    // 3. Read it back from the disk and check it end to end. Stopped while it does (or just
    //    after), the file goes: a stopped backup leaves nothing behind.
    if let Err(e) = work
        .step(READING_BACK, 3 * size, total)
        .and_then(|_| {
            check_written(
                src,
                path,
                &header,
                &scratch_dirs,
                (3 * size, size - 1, total),
            )
        })
        .and_then(|_| work.check())
    {
        let _ = fs::remove_file(path);
        let _ = fsutil::sync_dir(&dest);
        return Err(match work.or_cancelled(e) {
            e @ (Error::DiskFull(_) | Error::Io(_) | Error::Cancelled) => e,
            e => Error::BackupDamaged(format!(
                "the backup written to {} did not read back correctly, so it was removed; the disk or USB stick may be failing: {e}",
                dest.display()
            )),
        });
    }
    let file_bytes = fs::metadata(path)?.len();
    // The last step (the read-back stops one unit short of it): written and checked. Work
    // that is finished is not undone, even if the stop comes now.
    let _ = work.step(READING_BACK, total, total);
    Ok(BackupInfo {
        path: path.to_path_buf(),
        file_bytes,
        checksum: hex::encode(checksum),
        header,
    })
}

/// `part` of `whole`, in `span` units.
fn scaled(part: u64, whole: u64, span: u64) -> u64 {
    if whole == 0 {
        return span;
    }
    (u128::from(part.min(whole)) * u128::from(span) / u128::from(whole)) as u64
}

/// In background work (`pause` not zero), rests `pause` each time `done` passes a MiB
/// (`last`: the bytes just added), so a long copy leaves the processor to the window.
fn rest_after_each_mib(pause: Duration, done: u64, last: u64) {
    if !pause.is_zero() && passes_a_mib(done, last) {
        std::thread::sleep(pause);
    }
}

/// Did the count pass a multiple of 1 MiB when it grew by `last` to `done`?
fn passes_a_mib(done: u64, last: u64) -> bool {
    const MIB: u64 = 1 << 20;
    done / MIB != done.saturating_sub(last) / MIB
}

/// A sink that reports how much has gone through it, and fails once the work is stopped.
struct Counted<'a, W: Write> {
    inner: W,
    work: &'a Work<'a>,
    phase: &'static str,
    pause: Duration,
    written: u64,
    /// (where this phase starts, its span, the whole work's total) and the bytes expected.
    at: (u64, u64, u64),
    of: u64,
}

impl<W: Write> Write for Counted<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        rest_after_each_mib(self.pause, self.written, n as u64);
        let (start, span, total) = self.at;
        self.work
            .step(
                self.phase,
                start + scaled(self.written, self.of, span),
                total,
            )
            .map_err(|_| io::Error::other("stopped"))?;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn check_written(
    src: &Source<'_>,
    path: &Path,
    header: &BackupHeader,
    dirs: &[&Path],
    at: (u64, u64, u64),
) -> Result<()> {
    let keys = [mac_key(src.key, &src.slots.vault_id)];
    let key = src.key;
    let work = src.work;
    in_scratch(dirs, "attune-verify", |p, file| {
        let f = open_file(path)?;
        let len = f.metadata()?.len();
        let mut out = Counted {
            inner: BufWriter::new(file),
            work,
            phase: READING_BACK,
            pause: src.pause,
            written: 0,
            at,
            of: header.database_bytes,
        };
        let (read, matched) = read_backup(BufReader::new(f), len, true, &keys, Some(&mut out))?;
        out.inner
            .into_inner()
            .map_err(|e| Error::from(e.into_error()))?
            .sync_all()?;
        if matched != Some(0) {
            return Err(damaged("its authentication code does not match"));
        }
        if &read.header != header {
            return Err(damaged("its header is not what was written"));
        }
        let conn = open_keyed_read_only(p, Some(key))?;
        let problems = db::integrity_problems(&conn)?;
        if !problems.is_empty() {
            return Err(damaged(problems.join("; ")));
        }
        Ok(())
    })
    .map(|_| ())
}

impl Vault {
    /// How many automatic backups to keep (the `auto_backup_keep` setting; 7 unless set).
    pub fn auto_backup_keep(&self) -> Result<u32> {
        Ok(settings::read(&self.conn, Setting::AutoBackupKeep)?
            .and_then(|v| v.parse().ok())
            .filter(|n| (1..=MAX_AUTO_BACKUP_KEEP).contains(n))
            .unwrap_or(DEFAULT_AUTO_BACKUP_KEEP))
    }

    /// A strategic lead sets how many daily automatic backups are kept (1 to 365).
    pub fn set_auto_backup_keep(&self, keep: u32, now: DateTime<Utc>) -> Result<()> {
        if let Err(e) = self.require_lead("change how many automatic backups are kept") {
            let _ = self.audit(Action::SettingsAutoBackupKeep, None, "refused", now);
            return Err(e);
        }
        if !(1..=MAX_AUTO_BACKUP_KEEP).contains(&keep) {
            return Err(Error::InvalidInput(format!(
                "Keep between 1 and {MAX_AUTO_BACKUP_KEEP} automatic backups."
            )));
        }
        settings::write(&self.conn, Setting::AutoBackupKeep, &keep.to_string())?;
        self.audit(
            Action::SettingsAutoBackupKeep,
            Some(&keep.to_string()),
            "ok",
            now,
        )
    }

    /// The automatic backups folder, `<vault dir>/backups`.
    pub fn auto_backup_dir(&self) -> PathBuf {
        self.paths.dir.join(AUTO_BACKUP_DIR)
    }

    /// Write today's automatic backup, `<vault dir>/backups/attune-YYYY-MM-DD.attune-backup`
    /// (UTC date), unless it already exists; then keep only the newest `keep`. Returns the
    /// backup written, or `None` when one was already made today. Does nothing until a
    /// recovery-key session has set a new passphrase.
    pub fn auto_backup_if_due(&self, now: DateTime<Utc>, keep: u32) -> Result<Option<BackupInfo>> {
        if self.require_ready().is_err() {
            return Ok(None);
        }
        if keep == 0 {
            return Err(Error::InvalidInput(
                "Keep at least one automatic backup.".into(),
            ));
        }
        let dir = self.auto_backup_dir();
        fsutil::create_private_dir(&dir)?;
        let path = dir.join(auto_backup_name(now.date_naive()));
        let written = if path.exists() {
            None
        } else {
            Some(self.backup_to_unchecked(&path, now, &Work::none())?)
        };
        prune_auto_backups(&dir, keep)?;
        Ok(written)
    }
}

impl Vault {
    /// After an erasure: every automatic backup in `<vault dir>/backups` may hold the erased
    /// pupil, so a fresh one is written (as today's, from the vault as it is now) and then
    /// every older one is removed. Nothing happens when the folder holds no automatic backup.
    /// Files that are not automatic backups are left alone. Returns how many were removed.
    pub fn rewrite_auto_backups(&self, now: DateTime<Utc>) -> Result<usize> {
        self.require_ready()?;
        let dir = self.auto_backup_dir();
        if !dir.is_dir() {
            return Ok(0);
        }
        let mut old = Vec::new();
        for e in fs::read_dir(&dir)? {
            let e = e?;
            let name = e.file_name().to_string_lossy().into_owned();
            if auto_backup_date(&name).is_some() {
                old.push(e.path());
            }
        }
        if old.is_empty() {
            return Ok(0);
        }
        let fresh = dir.join(format!(".attune-rewrite.tmp-{}", unique()));
        if let Err(e) = self.backup_to_unchecked(&fresh, now, &Work::none()) {
            let _ = fs::remove_file(&fresh);
            return Err(e);
        }
        for p in &old {
            fs::remove_file(p)?;
        }
        fs::rename(&fresh, dir.join(auto_backup_name(now.date_naive())))?;
        fsutil::sync_dir(&dir)?;
        Ok(old.len())
    }
}

/// The day's automatic backup, written from a connection of its own so the session stays free
/// while it runs (see [`Vault::auto_backup_job`]); [`BackupJob::canceller`] stops it.
pub struct BackupJob {
    // Field order: the connection closes before the key copy is zeroised.
    conn: Connection,
    key: VaultKey,
    epoch: u64,
    slots: Body,
    dir: PathBuf,
    path: PathBuf,
    cancel: Arc<AtomicBool>,
}

/// Stops a running [`BackupJob`]: at its next step, or inside SQLite's copy (an interrupt).
#[derive(Clone)]
pub struct BackupCanceller {
    cancel: Arc<AtomicBool>,
    interrupt: Arc<rusqlite::InterruptHandle>,
}

impl BackupCanceller {
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
        self.interrupt.interrupt();
    }

    /// Whether the job still exists (and so holds its connection and key copy): it holds the
    /// other reference to the flag.
    pub fn is_running(&self) -> bool {
        Arc::strong_count(&self.cancel) > 1
    }

    /// Whether it has been asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }
}

impl Vault {
    /// Today's automatic backup as a job to run without the session (`None` when it exists
    /// already, or the session awaits a new passphrase). The job has its own connection and a
    /// copy of the key, both dropped when it ends; its snapshot is SQLite's online backup in
    /// steps inside that connection's own read transaction, consistent while the session goes
    /// on writing (WAL), resting [`BACKGROUND_PAUSE`] between steps.
    /// Afterwards, [`Vault::finish_auto_backup`] audits it and prunes old ones.
    pub fn auto_backup_job(&self, now: DateTime<Utc>) -> Result<Option<BackupJob>> {
        if self.require_ready().is_err() {
            return Ok(None);
        }
        let dir = self.auto_backup_dir();
        fsutil::create_private_dir(&dir)?;
        let path = dir.join(auto_backup_name(now.date_naive()));
        if path.exists() {
            return Ok(None);
        }
        Ok(Some(BackupJob {
            conn: db::open(&self.paths.db(), &self.key)?,
            key: self.key.clone(),
            epoch: self.epoch,
            slots: self.slots.clone(),
            dir: self.paths.dir.clone(),
            path,
            cancel: Arc::new(AtomicBool::new(false)),
        }))
    }

    /// Today's automatic backup, written now whatever is already there (after the old ones
    /// were purged because a user was removed).
    pub(crate) fn auto_backup_after_purge(&self, now: DateTime<Utc>) -> Result<BackupInfo> {
        let dir = self.auto_backup_dir();
        fsutil::create_private_dir(&dir)?;
        let path = dir.join(auto_backup_name(now.date_naive()));
        self.backup_to_unchecked(&path, now, &Work::none())
    }

    /// After an automatic backup job (`written`: its file name and outcome; `None` when none
    /// was due): audit it as `backup.create` like any backup, then keep only the newest `keep`.
    pub fn finish_auto_backup(
        &self,
        written: Option<(&str, &Result<BackupInfo>)>,
        keep: u32,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if keep == 0 {
            return Err(Error::InvalidInput(
                "Keep at least one automatic backup.".into(),
            ));
        }
        if let Some((name, outcome)) = written {
            let outcome = if outcome.is_ok() { "ok" } else { "failed" };
            self.audit(Action::BackupCreate, Some(name), outcome, now)?;
        }
        // A job that began before a user was removed wrote their slot into its file: it
        // goes, and a fresh one is written in its place.
        if self.purge_removed_users_files(now).0 > 0 {
            if let Err(e) = self.auto_backup_after_purge(now) {
                self.audit(Action::BackupCreate, Some(&e.to_string()), "failed", now)?;
            }
        }
        prune_auto_backups(&self.auto_backup_dir(), keep)
    }

    /// Deletes each automatic backup whose key slots still hold a removed user's slot (it
    /// would open with that user's passphrase), and each `<vault>.replaced-*` folder (a vault
    /// a restore set aside) whose key slots do. Judged by the files' own slots, so whatever
    /// left one behind is caught: a removal that stopped half-way (a full disk), a backup
    /// being written while a user was removed, a restore that carried backups across. Runs
    /// after a removal, at every unlock and after every automatic backup; audited as
    /// `backup.purge` (how many) and `vault.purge_replaced` (which folder). Returns how many
    /// backups and folders it deleted.
    pub(crate) fn purge_removed_users_files(&self, now: DateTime<Utc>) -> (u32, u32) {
        let removed: Vec<String> = self
            .slots
            .record
            .as_ref()
            .map(|r| r.removed.iter().map(|x| x.user_id.clone()).collect())
            .unwrap_or_default();
        if removed.is_empty() {
            return (0, 0);
        }
        self.purge_files_where(
            |body| {
                body.slots
                    .iter()
                    .filter(|s| s.kind == SlotKind::User)
                    .filter_map(|s| s.user_id.as_ref())
                    .any(|u| removed.contains(u))
            },
            now,
        )
    }

    /// Deletes each automatic backup, and each `<vault>.replaced-*` folder, whose own key
    /// slots `opens_for` says must go (see [`Self::purge_removed_users_files`]); audited the
    /// same way. Returns how many backups and folders it deleted.
    pub(crate) fn purge_files_where(
        &self,
        opens_for: impl Fn(&Body) -> bool,
        now: DateTime<Utc>,
    ) -> (u32, u32) {
        let dir = self.auto_backup_dir();
        let mut backups = 0u32;
        if let Ok(entries) = fs::read_dir(&dir) {
            for e in entries.flatten() {
                let p = e.path();
                if p.is_file()
                    && slot_body(&p).is_some_and(|b| opens_for(&b))
                    && fs::remove_file(&p).is_ok()
                {
                    backups += 1;
                }
            }
            if backups > 0 {
                let _ = fsutil::sync_dir(&dir);
                let _ = self.audit(Action::BackupPurge, Some(&backups.to_string()), "ok", now);
            }
        }
        let mut folders = 0u32;
        let parent = folder_of(&self.paths.dir);
        let prefix = self
            .paths
            .dir
            .file_name()
            .map(|n| format!("{}.replaced-", n.to_string_lossy()));
        if let (Some(prefix), Ok(entries)) = (prefix, fs::read_dir(&parent)) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let p = e.path();
                if !name.starts_with(&prefix) || !p.is_dir() {
                    continue;
                }
                if vault_in(&p).is_some_and(|b| opens_for(&b)) && fs::remove_dir_all(&p).is_ok() {
                    folders += 1;
                    let _ = self.audit(Action::VaultPurgeReplaced, Some(&name), "ok", now);
                }
            }
            if folders > 0 {
                let _ = fsutil::sync_dir(&parent);
            }
        }
        (backups, folders)
    }
}

impl BackupJob {
    pub fn canceller(&self) -> BackupCanceller {
        BackupCanceller {
            cancel: self.cancel.clone(),
            interrupt: Arc::new(self.conn.get_interrupt_handle()),
        }
    }

    /// The backup's file name (`attune-YYYY-MM-DD.attune-backup`).
    pub fn file_name(&self) -> String {
        file_name_of(&self.path).unwrap_or_default()
    }

    /// Where the backup is written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the backup (snapshot, file, read back and checked end to end), as
    /// [`Vault::backup_to`] does, from the job's own connection.
    pub fn run(&self, now: DateTime<Utc>) -> Result<BackupInfo> {
        self.run_with(now, &|_| {})
    }

    /// [`BackupJob::run`], reporting its steps to `report` (as [`Vault::backup_to_with`]).
    /// Stopped by its [`BackupCanceller`] (the vault locking), it leaves no file and returns
    /// [`Error::Cancelled`].
    pub fn run_with(
        &self,
        now: DateTime<Utc>,
        report: &(dyn Fn(crate::progress::Step) + Sync),
    ) -> Result<BackupInfo> {
        let name = file_name_of(&self.path)?;
        let work = Work::new(report, &self.cancel);
        let src = Source {
            conn: &self.conn,
            key: &self.key,
            epoch: self.epoch,
            slots: &self.slots,
            dir: &self.dir,
            work: &work,
            pause: BACKGROUND_PAUSE,
        };
        write_backup(&src, &self.path, &name, now)
    }
}

fn auto_backup_name(date: NaiveDate) -> String {
    format!(
        "attune-{:04}-{:02}-{:02}.{FILE_EXTENSION}",
        date.year(),
        date.month(),
        date.day()
    )
}

/// The date in an automatic backup's file name, if it is one.
fn auto_backup_date(name: &str) -> Option<NaiveDate> {
    let d = name
        .strip_prefix("attune-")?
        .strip_suffix(&format!(".{FILE_EXTENSION}"))?;
    crate::datetime::parse_date(d)
}

/// Keep the newest `keep` automatic backups in `dir`; remove older ones and leftovers of
/// interrupted writes. Other files are left alone.
fn prune_auto_backups(dir: &Path, keep: u32) -> Result<()> {
    let mut dated = Vec::new();
    for e in fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(d) = auto_backup_date(&name) {
            dated.push((d, e.path()));
        } else if name.starts_with(".attune-") && name.contains(".tmp-") {
            let _ = fs::remove_file(e.path());
        }
    }
    dated.sort_by_key(|d| std::cmp::Reverse(d.0));
    for (_, p) in dated.into_iter().skip(keep as usize) {
        fs::remove_file(p)?;
    }
    fsutil::sync_dir(dir)
}

// ---------------------------------------------------------------------------------------
// Opening and restoring

/// Open one of the backup's own key slots; every vault key sealed to it, newest first.
fn unseal(file: &BackupFile, user_id: &str, secret: Secret<'_>) -> Result<Vec<(u64, VaultKey)>> {
    let body = &file.slots;
    let user_slot = body
        .user_slot(user_id)
        .ok_or_else(|| Error::NotFound("That user is not in this backup.".into()))?;
    let user_name = user_slot.name.clone().unwrap_or_default();
    let typed = match secret {
        Secret::Passphrase(p) => user_slot.typed_secret(p.expose()),
        Secret::Recovery(_) => zeroize::Zeroizing::new(Vec::new()),
    };
    let (slot, bytes): (_, &[u8]) = match secret {
        Secret::Passphrase(_) => (user_slot, typed.as_slice()),
        Secret::Recovery(r) => (
            body.recovery_slot()
                .ok_or_else(|| damaged("it has no recovery key slot"))?,
            r.as_bytes(),
        ),
    };
    let slot_secret = slot
        .open(&body.vault_id, bytes)
        .map_err(slot_damage)?
        .ok_or(match secret {
            Secret::Passphrase(_) => Error::WrongPassphrase { user: user_name },
            Secret::Recovery(_) => Error::WrongRecoveryKey,
        })?;
    slot.unseal_all(&body.vault_id, &slot_secret)
        .map_err(slot_damage)
}

fn slot_damage(e: Error) -> Error {
    match e {
        Error::KeySlotsDamaged(m) => damaged(format!("a key slot: {m}")),
        e => e,
    }
}

/// Unpack the database to `dest_db` while checking the MAC, then check it there: SQLCipher's
/// HMAC of every page, SQLite's integrity, the audit chain, the key slots' copy, the counts,
/// and that `user_id` is a current user. Returns the key that opened it and what it holds.
fn unpack_and_check(
    path: &Path,
    first: &BackupFile,
    keys: &[(u64, VaultKey)],
    user_id: &str,
    dest_db: &Path,
    work: &Work<'_>,
) -> Result<(VaultKey, BackupContents)> {
    // Progress in bytes of the database: unpacked, then checked (one step).
    let size = first.header.database_bytes.max(1);
    let total = 2 * size;
    let macs: Vec<_> = keys
        .iter()
        .map(|(_, k)| mac_key(k, &first.header.vault_id))
        .collect();
    let src = open_file(path)?;
    let len = src.metadata()?.len();
    let out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dest_db)?;
    fsutil::set_private(&out);
    let mut out = Counted {
        inner: BufWriter::new(out),
        work,
        phase: "unpacking",
        pause: Duration::ZERO,
        written: 0,
        at: (0, size, total),
        of: size,
    };
    let (again, matched) = read_backup(BufReader::new(src), len, true, &macs, Some(&mut out))
        .map_err(|e| work.or_cancelled(e))?;
    out.inner
        .into_inner()
        .map_err(|e| Error::from(e.into_error()))?
        .sync_all()?;
    work.step("checking", size, total)?;
    if again.header != first.header || again.slot_bytes != first.slot_bytes {
        return Err(damaged("it changed while it was being read"));
    }
    let Some(i) = matched else {
        return Err(damaged(
            "its authentication code does not match: it has been altered since it was written",
        ));
    };
    let key = keys[i].1.clone();
    let contents = check_database(dest_db, &key, first, user_id).map_err(|e| match e {
        Error::VaultDamaged(m) => damaged(format!("its database: {m}")),
        Error::KeyRejected => damaged("its database does not open with its own key"),
        e => e,
    })?;
    Ok((key, contents))
}

fn check_database(
    db_path: &Path,
    key: &VaultKey,
    file: &BackupFile,
    user_id: &str,
) -> Result<BackupContents> {
    let conn = open_keyed_read_only(db_path, Some(key))?;
    let schema: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if schema > db::schema_version() {
        return Err(Error::InvalidInput(format!(
            "That backup was made by a newer version of Attune (schema {schema}; this version knows {}). Update Attune to restore it.",
            db::schema_version()
        )));
    }
    if schema != file.header.schema_version {
        return Err(damaged("its header gives the wrong schema version"));
    }
    let problems = db::integrity_problems(&conn)?;
    if !problems.is_empty() {
        return Err(damaged(format!(
            "its database fails SQLCipher's or SQLite's integrity check: {}",
            problems.into_iter().take(3).collect::<Vec<_>>().join("; ")
        )));
    }
    if let Some(seq) = audit::verify(&conn)? {
        return Err(damaged(format!(
            "its audit log's chain is broken at entry {seq}"
        )));
    }
    if let Some(a) = &file.header.audit_anchor {
        let mac = hex::decode(&a.mac).unwrap_or_default();
        if let Some(n) = audit::check_anchor(&conn, a.seq, &mac)? {
            return Err(damaged(format!(
                "its audit log does not reach the entry recorded in its header: the first missing or rewritten entry is {n}"
            )));
        }
    }
    let copy: Option<Vec<u8>> = conn
        .query_row("SELECT content FROM keyslot_copy WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    if copy.as_deref() != Some(file.slot_bytes.as_slice()) {
        return Err(damaged(
            "its key slots differ from the copy inside its database",
        ));
    }
    let counts = count_records(&conn)?;
    if counts != file.header.counts {
        return Err(damaged(
            "its header's record counts differ from its database",
        ));
    }
    let users = {
        let mut stmt = conn.prepare(
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
        rows.collect::<std::result::Result<Vec<_>, _>>()?
    };
    let opened_as = users
        .iter()
        .find(|u| u.id == user_id)
        .cloned()
        .ok_or_else(|| {
            Error::NotPermitted("that user had been removed when the backup was made.".into())
        })?;
    let (audit_entries, last_audit_at): (i64, Option<String>) =
        conn.query_row("SELECT count(*), max(at) FROM audit_log", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    Ok(BackupContents {
        header: file.header.clone(),
        file_bytes: file.file_bytes,
        checksum: file.checksum.clone(),
        users,
        opened_as,
        audit_entries: audit_entries.max(0) as u64,
        last_audit_at,
        counts,
    })
}

/// Unlock a backup with one of its own key slots (a passphrase valid when it was made, or
/// the recovery key, acting as `user_id`) and check it end to end — MAC, SQLCipher's HMAC of
/// every page, SQLite's integrity check, the audit chain — without restoring anything. The
/// encrypted database is unpacked into a private temporary folder and removed afterwards.
pub fn open_backup(
    file: &Path,
    user_id: &str,
    secret: Secret<'_>,
    rng: &mut impl SecureRng,
    now: DateTime<Utc>,
) -> Result<BackupContents> {
    let _ = (rng, now); // for a uniform API with unlocking; nothing random or dated here
    open_inspected(file, &inspect(file)?, user_id, secret)
}

/// [`open_backup`] of a file already read by [`inspect`].
fn open_inspected(
    file: &Path,
    first: &BackupFile,
    user_id: &str,
    secret: Secret<'_>,
) -> Result<BackupContents> {
    let keys = unseal(first, user_id, secret)?;
    let scratch =
        TempDir::create(std::env::temp_dir().join(format!("attune-backup-check-{}", unique())))?;
    let (_, contents) = unpack_and_check(
        file,
        first,
        &keys,
        user_id,
        &scratch.path.join("vault.db"),
        &Work::none(),
    )?;
    Ok(contents)
}

/// Counts a wrong secret given for a backup file against the vault in `vault_dir` (its
/// attempts file: the unlock screen's waits, and an unverified claim at the next unlock).
fn count_backup_failure(
    attempts: &mut Attempts,
    vault_dir: &Path,
    file: &BackupFile,
    user_id: &str,
    secret: Secret<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let user_name = file
        .slots
        .user_slot(user_id)
        .and_then(|s| s.name.clone())
        .unwrap_or_default();
    let method = match secret {
        Secret::Passphrase(_) => "backup_passphrase",
        Secret::Recovery(_) => "backup_recovery_key",
    };
    attempts.record_failure(now.timestamp(), Some(user_id), &user_name, method);
    attempts.save(vault_dir)
}

/// A backup file's key slots, from its first few kilobytes (never the database inside).
pub(crate) fn slot_body(file: &Path) -> Option<Body> {
    let mut f = BufReader::new(File::open(file).ok()?);
    let mut magic = [0u8; 16];
    f.read_exact(&mut magic).ok()?;
    if &magic != MAGIC {
        return None;
    }
    let mut n = [0u8; 4];
    f.read_exact(&mut n).ok()?;
    let h = u32::from_le_bytes(n);
    if h > MAX_HEADER_BYTES {
        return None;
    }
    io::copy(&mut (&mut f).take(u64::from(h)), &mut io::sink()).ok()?;
    f.read_exact(&mut n).ok()?;
    let s = u32::from_le_bytes(n);
    if s > MAX_SLOT_BYTES {
        return None;
    }
    let mut slot_bytes = vec![0u8; s as usize];
    f.read_exact(&mut slot_bytes).ok()?;
    Body::parse(&slot_bytes).ok()
}

/// The key-slot file of the vault in `vault_dir` (no key needed), if there is a readable one.
pub fn vault_in(vault_dir: &Path) -> Option<Body> {
    [
        vault_dir.join("keyslots"),
        vault_dir.join("keyslots.backup"),
    ]
    .iter()
    .find_map(|p| fs::read(p).ok().and_then(|b| Body::parse(&b).ok()))
}

/// What [`restore`] would refuse before any key is derived, so the app can say so before it
/// closes the session: a user the backup does not have, a key adult (only a strategic lead
/// restores), and a backup of another vault than the one in `vault_dir`.
pub fn precheck_restore(file: &Path, vault_dir: &Path, user_id: &str) -> Result<()> {
    let f = inspect(file)?;
    match f
        .users()
        .into_iter()
        .find(|u| u.id == user_id)
        .map(|u| u.role)
    {
        None => {
            return Err(Error::NotFound("That user is not in this backup.".into()));
        }
        Some(Role::KeyAdult) => {
            return Err(Error::NotPermitted(
                "only a strategic lead can restore a backup.".into(),
            ));
        }
        Some(Role::StrategicLead) => {}
    }
    if let Some(current) = vault_in(vault_dir) {
        if current.vault_id != f.header.vault_id {
            return Err(Error::InvalidInput(format!(
                "That backup is of another vault ({}), not of this one ({}). Nothing was restored.",
                f.header.school, current.school
            )));
        }
    }
    Ok(())
}

/// [`open_backup`] from the lock screen of the vault in `vault_dir`: guessing a passphrase
/// against a backup file there is slowed and counted exactly like guessing it at unlock (the
/// same `unlock-attempts.json`, the same waits), and each wrong secret enters that vault's
/// audit chain at its next unlock (`unlock.backup_passphrase`, an unverified claim). A folder
/// with no vault has no attempts to keep: the check runs unguarded.
pub fn open_backup_locked(
    file: &Path,
    user_id: &str,
    secret: Secret<'_>,
    vault_dir: &Path,
    rng: &mut impl SecureRng,
    now: DateTime<Utc>,
) -> Result<BackupContents> {
    let has_vault = ["keyslots", "keyslots.backup"]
        .iter()
        .any(|f| vault_dir.join(f).is_file());
    if !has_vault {
        return open_backup(file, user_id, secret, rng, now);
    }
    let mut attempts = Attempts::load(vault_dir);
    let wait = attempts.retry_after(now.timestamp());
    if wait > 0 {
        return Err(Error::Throttled {
            retry_after_secs: wait,
        });
    }
    let first = inspect(file)?;
    match open_inspected(file, &first, user_id, secret) {
        Err(e @ (Error::WrongPassphrase { .. } | Error::WrongRecoveryKey)) => {
            count_backup_failure(&mut attempts, vault_dir, &first, user_id, secret, now)?;
            Err(e)
        }
        Ok(contents) => {
            // Opened: kept as a claim for the audit chain at the next unlock (there is no
            // vault key here to audit with).
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let user_name = first
                .slots
                .user_slot(user_id)
                .and_then(|s| s.name.clone())
                .unwrap_or_default();
            attempts.record_backup_opened(now.timestamp(), user_id, &user_name, &name);
            attempts.save(vault_dir)?;
            Ok(contents)
        }
        other => other,
    }
}

/// Audits a check of a backup file made inside a session ([`open_backup`]), as
/// `backup.check` with the file's name and whether it opened.
pub fn audit_backup_check(
    vault: &Vault,
    file: &Path,
    opened: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let outcome = if opened { "ok" } else { "failed" };
    vault.audit(Action::BackupCheck, Some(&name), outcome, now)
}

/// What opening the vault being replaced gives: its keys (per epoch) and its removals.
type Authority = (
    Vec<(u64, VaultKey)>,
    Vec<crate::keyslots::Removal>,
    Vec<crate::keyslots::Erasure>,
);

/// Restoring over an existing vault needs *its* authority: its current strategic lead's
/// passphrase (`user_id`'s slot, a lead's), or its recovery key. Returns that vault's keys and
/// the removals its authenticated record holds. A folder whose key slots cannot be read at
/// all can be restored over with the recovery key only (checked against the backup).
fn authorise_over(current: Option<&Body>, user_id: &str, secret: Secret<'_>) -> Result<Authority> {
    let Some(body) = current else {
        return match secret {
            Secret::Recovery(_) => Ok((Vec::new(), Vec::new(), Vec::new())),
            Secret::Passphrase(_) => Err(Error::NotPermitted(
                "the vault in this folder cannot be read, so only the recovery key can restore over it.".into(),
            )),
        };
    };
    let refused = || {
        Error::NotPermitted(
            "restoring over this vault needs the current passphrase of one of its strategic leads, or its recovery key.".into(),
        )
    };
    let typed;
    let (slot, bytes): (_, &[u8]) = match secret {
        Secret::Passphrase(p) => {
            let s = body.user_slot(user_id).ok_or_else(refused)?;
            if s.role != Some(Role::StrategicLead) {
                return Err(refused());
            }
            typed = s.typed_secret(p.expose());
            (s, typed.as_slice())
        }
        Secret::Recovery(r) => (body.recovery_slot().ok_or_else(refused)?, r.as_bytes()),
    };
    let opened = slot.open(&body.vault_id, bytes)?.ok_or(match secret {
        Secret::Passphrase(_) => Error::WrongPassphrase {
            user: slot.name.clone().unwrap_or_default(),
        },
        Secret::Recovery(_) => Error::WrongRecoveryKey,
    })?;
    let keys = slot.unseal_all(&body.vault_id, &opened)?;
    let record = body.record.as_ref().filter(|r| {
        keys.iter()
            .any(|(e, k)| *e == r.epoch && r.verify(&body.vault_id, k))
    });
    let removed = record.map(|r| r.removed.clone()).unwrap_or_default();
    let erased = record.map(|r| r.erased.clone()).unwrap_or_default();
    Ok((keys, removed, erased))
}

fn unique_path(parent: &Path, base: &str) -> PathBuf {
    let first = parent.join(base);
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|i| parent.join(format!("{base}-{i}")))
        .find(|p| !p.exists())
        .expect("some name is free")
}

/// Restore the vault in `vault_dir` from a backup, as `user_id` (a strategic lead in the
/// backup) with a passphrase valid when it was made, or with the recovery key.
///
/// 1. Refuses if the vault is open elsewhere (its folder lock), if the wait after wrong
///    passphrases applies, or if the folder holds a *different* vault.
/// 2. Unpacks the backup into a staging folder beside the vault and checks it there (MAC,
///    SQLCipher's HMACs, integrity, audit chain, key slots). Nothing has been replaced yet.
/// 3. Moves the current vault folder aside (`<dir>.replaced-<timestamp>`), moves the staged
///    one in, and opens it again through the ordinary unlock; audits `backup.restore` in it.
///    Any failure puts the original back. The automatic backups folder moves across.
///
/// Wrong passphrases count towards the vault folder's wait like wrong unlocks.
pub fn restore(
    file: &Path,
    vault_dir: &Path,
    user_id: &str,
    secret: Secret<'_>,
    rng: &mut impl SecureRng,
    now: DateTime<Utc>,
) -> Result<Restored> {
    restore_with(file, vault_dir, user_id, secret, rng, now, &Work::none())
}

/// [`restore`], reporting to `work`: "unpacking" the backup beside the vault and "checking"
/// it there (by the database's size), then "replacing". Stopped while it unpacks or checks,
/// nothing is replaced and the staging folder is removed ([`Error::Cancelled`]); once the
/// swap begins it is no longer stopped, since a half-done swap is what must never happen.
pub fn restore_with(
    file: &Path,
    vault_dir: &Path,
    user_id: &str,
    secret: Secret<'_>,
    rng: &mut impl SecureRng,
    now: DateTime<Utc>,
    work: &Work<'_>,
) -> Result<Restored> {
    restore_inner(
        file,
        vault_dir,
        user_id,
        secret,
        rng,
        now,
        work,
        &|_| Ok(()),
    )
}

/// `after_swap` runs once the staged vault has been moved in, before it is opened again: the
/// unit tests make it fail to show that the original is put back.
#[allow(clippy::too_many_arguments)]
fn restore_inner(
    file: &Path,
    vault_dir: &Path,
    user_id: &str,
    secret: Secret<'_>,
    rng: &mut impl SecureRng,
    now: DateTime<Utc>,
    work: &Work<'_>,
    after_swap: &dyn Fn(&Path) -> Result<()>,
) -> Result<Restored> {
    if vault_dir.exists() && !vault_dir.is_dir() {
        return Err(Error::InvalidInput(format!(
            "{} is a file, not a vault folder.",
            vault_dir.display()
        )));
    }
    let name = vault_dir
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| {
            Error::InvalidInput(format!("{} is not a folder name.", vault_dir.display()))
        })?;
    let parent = folder_of(vault_dir);
    // An empty folder (made ready for the restore) holds nothing to keep aside.
    let existing = vault_dir.is_dir() && fs::read_dir(vault_dir)?.next().is_some();
    // Held until the swap is done: nobody opens the old vault meanwhile.
    let old_lock = if existing {
        Some(DirLock::acquire(vault_dir)?)
    } else {
        None
    };
    let mut attempts = if existing {
        Attempts::load(vault_dir)
    } else {
        Attempts::default()
    };
    let wait = attempts.retry_after(now.timestamp());
    if wait > 0 {
        return Err(Error::Throttled {
            retry_after_secs: wait,
        });
    }

    let first = inspect(file)?;
    // What the vault being replaced says must survive: its removals.
    let mut carried_removals = Vec::new();
    // And its erasures: a backup made before a pupil was erased must not bring them back.
    let mut carried_erasures = Vec::new();
    // The vault being replaced, opened with the same secret: its keys.
    let mut current_keys: Vec<(u64, VaultKey)> = Vec::new();
    if existing {
        let current = vault_in(vault_dir);
        if let Some(current) = &current {
            if current.vault_id != first.header.vault_id {
                return Err(Error::InvalidInput(format!(
                    "That backup is of another vault ({}), not of the vault in {} ({}). To restore it, first move that folder somewhere else.",
                    first.header.school,
                    vault_dir.display(),
                    current.school
                )));
            }
        }
        match authorise_over(current.as_ref(), user_id, secret) {
            Ok((keys, removed, erased)) => {
                current_keys = keys;
                carried_removals = removed;
                carried_erasures = erased;
            }
            Err(e) => {
                // A wrong secret, or a user the vault no longer has (a removed one): counted.
                let unknown = current
                    .as_ref()
                    .is_some_and(|c| c.user_slot(user_id).is_none());
                if unknown || matches!(e, Error::WrongPassphrase { .. } | Error::WrongRecoveryKey) {
                    count_backup_failure(&mut attempts, vault_dir, &first, user_id, secret, now)?;
                }
                return Err(e);
            }
        }
        let current_epoch = current.as_ref().and_then(|c| c.epochs().last().copied());
        if let (Some(ce), Secret::Passphrase(_)) = (current_epoch, secret) {
            if first.header.key_epoch < ce {
                return Err(Error::NotPermitted(
                    "that backup was made before the vault's key last changed (a user has been removed, or the recovery key replaced, since). Restoring it needs the recovery key; if the recovery key has been replaced since the backup was made, move the vault folder somewhere else first, then restore the backup with the recovery key of that time.".into(),
                ));
            }
        }
        if carried_removals.iter().any(|r| r.user_id == user_id) {
            return Err(Error::NotPermitted(
                "that user has been removed from the vault.".into(),
            ));
        }
    }
    let keys = match unseal(&first, user_id, secret) {
        Ok(k) => k,
        Err(e @ (Error::WrongPassphrase { .. } | Error::WrongRecoveryKey)) => {
            if existing {
                count_backup_failure(&mut attempts, vault_dir, &first, user_id, secret, now)?;
            }
            return Err(e);
        }
        Err(e) => return Err(e),
    };

    fs::create_dir_all(&parent)?;
    let mut staging = TempDir::create(unique_path(
        &parent,
        &format!(".{name}.restore-{}", stamp(now)),
    ))?;
    let staging_lock = DirLock::acquire(&staging.path)?;
    let (restored_key, contents) = unpack_and_check(
        file,
        &first,
        &keys,
        user_id,
        &staging.path.join("vault.db"),
        work,
    )?;
    drop(keys);
    if contents.opened_as.role != Role::StrategicLead {
        return Err(Error::NotPermitted(
            "only a strategic lead can restore a backup.".into(),
        ));
    }
    fsutil::write_atomic(&staging.path.join("keyslots"), &first.slot_bytes)?;
    fsutil::write_atomic(&staging.path.join("keyslots.backup"), &first.slot_bytes)?;
    // Failed attempts not yet audited follow the vault, judged against the seal of the vault
    // they were written beside and sealed afresh for the restored one; the right secret ends
    // the wait.
    attempts.consecutive_failures = 0;
    let mut attempts_problems = Vec::new();
    if existing {
        let refs: Vec<&VaultKey> = current_keys.iter().map(|(_, k)| k).collect();
        let reading = attempts.read_claims(&first.header.vault_id, &refs, false);
        attempts_problems = reading.problems;
        let earliest = reading
            .claims
            .iter()
            .map(|p| p.at_unix)
            .min()
            .unwrap_or(now.timestamp())
            .min(now.timestamp());
        attempts.seal(&first.header.vault_id, &restored_key, earliest);
        attempts.pending = reading.claims;
        attempts.save(&staging.path)?;
    }
    drop(current_keys);
    drop(restored_key);
    fsutil::sync_dir(&staging.path)?;

    // The last point at which it stops when asked: the staging folder goes, nothing changed.
    work.check()?;
    let size = first.header.database_bytes.max(1);
    let _ = work.step("replacing", 2 * size, 2 * size);
    // The swap. From here on, any failure puts the original back.
    let aside = if existing {
        let a = unique_path(&parent, &format!("{name}.replaced-{}", stamp(now)));
        fs::rename(vault_dir, &a)?;
        Some(a)
    } else {
        if vault_dir.exists() {
            // The empty folder: `remove_dir` refuses anything else.
            fs::remove_dir(vault_dir)?;
        }
        None
    };
    if let Err(e) = fs::rename(&staging.path, vault_dir) {
        if let Some(a) = &aside {
            let _ = fs::rename(a, vault_dir);
        }
        let _ = fsutil::sync_dir(&parent);
        return Err(e.into());
    }
    staging.keep = true;
    fsutil::sync_dir(&parent)?;

    let mut lock = staging_lock;
    lock.path = vault_dir.join("vault.lock");
    let file_name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let reopened = after_swap(vault_dir)
        .and_then(|()| Vault::unlock_locked(vault_dir, lock, user_id, secret, rng, now))
        .and_then(|mut v| {
            v.audit(Action::BackupRestore, Some(&file_name), "ok", now)?;
            for p in &attempts_problems {
                v.audit(Action::UnlockAttemptsFile, Some(p), "altered", now)?;
            }
            // Removals survive a restore.
            v.reapply_removals(carried_removals.clone(), rng, now)?;
            // Erasures too: the restored vault is refused to every reader until the pupils
            // it should not hold are erased again (`Vault::pending_erasures`).
            v.carry_erasures(&carried_erasures)?;
            Ok(v)
        });
    let vault = match reopened {
        Ok(v) => v,
        Err(e) => {
            // Put the original back; drop what was restored.
            let failed = unique_path(&parent, &format!(".{name}.restore-failed-{}", stamp(now)));
            if fs::rename(vault_dir, &failed).is_ok() {
                if let Some(a) = &aside {
                    let _ = fs::rename(a, vault_dir);
                }
                let _ = fs::remove_dir_all(&failed);
            }
            let _ = fsutil::sync_dir(&parent);
            return Err(e);
        }
    };
    let mut moved_auto_backups = false;
    if let Some(a) = &aside {
        let from = a.join(AUTO_BACKUP_DIR);
        let to = vault_dir.join(AUTO_BACKUP_DIR);
        if from.is_dir() && !to.exists() && fs::rename(&from, &to).is_ok() {
            moved_auto_backups = true;
            let _ = fsutil::sync_dir(vault_dir);
            let _ = fsutil::sync_dir(a);
        }
    }
    if moved_auto_backups {
        // Those the vault it replaced still had that a removed user's passphrase opens.
        vault.purge_removed_users_files(now);
    }
    drop(old_lock);
    Ok(Restored {
        vault,
        contents,
        replaced: aside,
        moved_auto_backups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Passphrase, RecoveryKey};
    use rand::SeedableRng;

    #[test]
    fn a_failure_after_the_swap_puts_the_original_back() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("vault");
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 22, 9, 0, 0).unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let pass = Passphrase::new("correct horse battery staple 1917");
        let rk = RecoveryKey::generate(&mut rng);
        let v = Vault::create(&dir, "Hillside", "Ada Lovelace", &pass, &rk, &mut rng, now).unwrap();
        let user_id = v.session().user.id.clone();
        let out = tmp.path().join("b.attune-backup");
        v.backup_to(&out, now).unwrap();
        v.conn()
            .unwrap()
            .execute_batch("CREATE TABLE after_backup (x); INSERT INTO after_backup VALUES (1);")
            .unwrap();
        drop(v);
        let db_before = std::fs::read(dir.join("vault.db")).unwrap();
        let e = restore_inner(
            &out,
            &dir,
            &user_id,
            Secret::Passphrase(&pass),
            &mut rng,
            now,
            &Work::none(),
            &|d| {
                assert!(d.join("vault.db").exists(), "the staged vault is in place");
                Err(Error::Io(io::Error::other(
                    "simulated failure after the swap",
                )))
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("simulated"), "{e}");
        let mut left: Vec<String> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            vec!["b.attune-backup", "vault"],
            "nothing left behind"
        );
        assert_eq!(fs::read(dir.join("vault.db")).unwrap(), db_before);
        let v = Vault::unlock(&dir, &user_id, &pass, &mut rng, now).unwrap();
        let n: i64 = v
            .conn()
            .unwrap()
            .query_row("SELECT count(*) FROM after_backup", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1, "the original vault, with what came after the backup");
    }

    #[test]
    fn a_background_copy_rests_once_per_mib() {
        // 64 KiB at a time over 5 MiB: one rest per MiB passed.
        let chunk = 64 * 1024;
        let rests = (1..=80u64)
            .filter(|i| passes_a_mib(i * chunk, chunk))
            .count();
        assert_eq!(rests, 5);
        // Odd sizes: 1000 bytes at a time over 3 MiB and a bit.
        let rests = (1..=3200u64)
            .filter(|i| passes_a_mib(i * 1000, 1000))
            .count();
        assert_eq!(rests, 3);
        assert!(!passes_a_mib(0, 0));
    }

    #[test]
    fn auto_backup_names_round_trip() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        let n = auto_backup_name(d);
        assert_eq!(n, "attune-2026-03-07.attune-backup");
        assert_eq!(auto_backup_date(&n), Some(d));
        assert_eq!(auto_backup_date("attune-2026-3-7.attune-backup"), None);
        assert_eq!(auto_backup_date("mine.attune-backup"), None);
    }

    #[test]
    fn stamps_sort_and_read() {
        let t = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 22, 9, 5, 3).unwrap();
        assert_eq!(stamp(t), "20261122-090503");
    }

    #[test]
    fn short_and_foreign_files_are_refused_without_panic() {
        for bytes in [
            &b""[..],
            b"ATTUNE",
            b"ATTUNE-BACKUP/1\n",
            b"ATTUNE-BACKUP/2\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            b"%PDF-1.7 not a backup at all, but long enough to be read past the magic bytes.....",
        ] {
            assert!(parse_bytes(bytes).is_err());
            assert!(parse_bytes_unchecked(bytes).is_err());
        }
        let mut b = MAGIC.to_vec();
        b.extend_from_slice(&u32::MAX.to_le_bytes());
        b.extend_from_slice(&[0u8; 100]);
        assert!(matches!(parse_bytes(&b), Err(Error::BackupDamaged(_))));
    }
}
