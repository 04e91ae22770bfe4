//! Attune's encrypted vault: everything about keeping a school's records safe at rest.
//!
//! - The records live in one SQLCipher database (`vault.db`) encrypted with a random
//!   256-bit raw key, the *vault key*, which never touches the disk unwrapped.
//! - The vault key is kept in *key slots* (`keyslots`, see [`keyslots`]) like LUKS: one per
//!   user passphrase and one for the recovery key, each derived with Argon2id. Changing a
//!   passphrase rewraps one slot; removing a user rotates the vault key.
//! - Schema migrations are applied in a transaction at unlock ([`db`]).
//! - The audit log is a hash chain inside the database ([`audit`]).
//! - Record ids come from this vault's device range, unique across laptops ([`ids`]).
//! - Sync files' keys: this vault's identity and its peers, sealing and opening
//!   ([`sync_keys`]).
//! - Failed unlocks slow down and are remembered until they can be audited ([`throttle`]).
//!
//! Invariants:
//! - No plaintext record reaches the disk: SQLCipher encrypts every page, temp storage is in
//!   memory, and nothing here writes pupil data anywhere else.
//! - Secrets (passphrases, recovery key, vault key, slot secrets, derived keys) are zeroised
//!   on drop, never logged, never in an error message.
//! - Time and randomness are passed in by the caller.
//!
//! This crate knows nothing of Tauri or of pupils.

pub mod actions;
pub mod audit;
pub mod backup;
pub mod check;
pub mod datetime;
pub mod db;
pub mod enrol;
mod error;
pub mod fsutil;
pub mod ids;
pub mod kdf;
pub mod keyslots;
pub mod progress;
pub mod recovery;
mod secret;
pub mod settings;
pub mod strength;
pub mod sync_base;
pub mod sync_keys;
pub mod throttle;
mod vault;

pub use actions::Action;
pub use check::{CheckArea, CheckProblem, VaultCheck};
pub use error::{Error, ErrorKind, Result};
pub use recovery::{RecoveryKey, ResetCode};
pub use secret::Passphrase;
pub use settings::Setting;
pub use strength::{assess as assess_passphrase, PassphraseStrength};
pub use vault::{
    status, Role, Session, UserInfo, Vault, VaultPaths, VaultStatus, DEFAULT_AUTO_LOCK_MINUTES,
    MAX_AUTO_LOCK_MINUTES,
};
pub use vault::{Secret, UNVERIFIED_CLAIM};

/// A cryptographically secure random source, passed in by the caller (the OS generator in
/// the app, a seeded one in tests).
pub trait SecureRng: rand::RngCore + rand::CryptoRng {}
impl<T: rand::RngCore + rand::CryptoRng> SecureRng for T {}
