//! Slowing down repeated wrong passphrases, and remembering failed attempts until they can
//! be written to the (encrypted) audit log.
//!
//! A failed attempt cannot be written into the database, which it failed to open, so it is
//! kept in `unlock-attempts.json` beside the vault: when, which user was chosen, and how
//! (passphrase or recovery key) — no secret and nothing about a pupil. The next successful
//! unlock moves those entries into the audit chain. The same file carries the count of
//! consecutive failures, so quitting and relaunching does not reset the delay.
//!
//! This is a guard for the unlock screen. Against someone who copies the vault folder, the
//! protection is Argon2id's cost per guess, not this file.
//!
//! The file is plain text that anyone with the folder can edit, so it is **sealed**: at each
//! unlock and lock, once it is clean, it gets a MAC under a key derived from the vault key
//! ([`Attempts::seal`]). Failures written after the seal (while nobody could unlock, so
//! nobody had the key) cannot be authenticated: the next unlock enters them into the audit
//! chain as *unverified claims* with their count, never as fact. A seal that does not verify,
//! a missing one where there was one, or entries dated before the seal are reported, and
//! those entries are not entered at all.

use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::Result;
use crate::fsutil;
use crate::secret::VaultKey;

/// Wrong attempts allowed in a row before each further one must wait.
pub const FREE_ATTEMPTS: u32 = 5;
/// The longest wait, in seconds.
pub const MAX_DELAY_SECS: u64 = 300;
/// Pending entries kept at most (oldest dropped first).
const MAX_PENDING: usize = 1000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempts {
    pub consecutive_failures: u32,
    pub last_failure_unix: i64,
    pub pending: Vec<PendingEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<Seal>,
}

/// The MAC written when the file was last clean (no pending failures).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    pub at_unix: i64,
    /// Hex HMAC-SHA256 (see [`Attempts::seal`]).
    pub mac: String,
}

const SEAL_CONTEXT: &[u8] = b"attune-attempts-seal/1";

fn seal_mac(vault_id: &str, key: &VaultKey, at_unix: i64) -> String {
    let hk = hkdf::Hkdf::<Sha256>::new(Some(vault_id.as_bytes()), &key.0);
    let mut k = Zeroizing::new([0u8; 32]);
    hk.expand(SEAL_CONTEXT, k.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(k.as_ref()).expect("HMAC takes any key");
    m.update(SEAL_CONTEXT);
    m.update(&(vault_id.len() as u64).to_le_bytes());
    m.update(vault_id.as_bytes());
    m.update(&at_unix.to_le_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// What the unlock makes of the file: the claims it may enter (as unverified) and what it
/// must report.
#[derive(Debug, Default)]
pub struct Reading {
    pub claims: Vec<PendingEntry>,
    pub problems: Vec<String>,
}

/// The failure methods Attune itself writes.
const METHODS: [&str; 5] = [
    "passphrase",
    "recovery_key",
    "backup_passphrase",
    "backup_recovery_key",
    BACKUP_OPENED,
];

/// The method of a claim that is not a failure: a backup file opened from the lock screen
/// (entered as `backup.check`, outcome `ok`, with the file's name).
pub const BACKUP_OPENED: &str = "backup_opened";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEntry {
    pub at_unix: i64,
    pub user_id: Option<String>,
    pub user_name: String,
    pub method: String,
    /// The backup file's name, for a [`BACKUP_OPENED`] claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

pub fn path(dir: &Path) -> PathBuf {
    dir.join("unlock-attempts.json")
}

/// Delay after `failures` wrong attempts in a row: none for the first five, then 2, 4, 8 …
/// seconds, up to five minutes.
pub fn delay_after(failures: u32) -> u64 {
    if failures < FREE_ATTEMPTS {
        0
    } else {
        let exp = (failures - FREE_ATTEMPTS + 1).min(16);
        (1u64 << exp).min(MAX_DELAY_SECS)
    }
}

impl Attempts {
    /// Read the file; a missing or unreadable one counts as no failures (it is advisory).
    pub fn load(dir: &Path) -> Attempts {
        std::fs::read(path(dir))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, dir: &Path) -> Result<()> {
        let bytes = serde_json::to_vec(self).expect("attempts serialise");
        fsutil::write_atomic(&path(dir), &bytes)
    }

    /// Mark the file clean at `now_unix`: no pending failures, sealed under `key`.
    pub fn seal(&mut self, vault_id: &str, key: &VaultKey, now_unix: i64) {
        self.pending.clear();
        self.seal = Some(Seal {
            at_unix: now_unix,
            mac: seal_mac(vault_id, key, now_unix),
        });
    }

    /// After the vault key changed: the same seal (same time, pending entries kept), under
    /// the new key `key` — only when the seal verifies under one of `valid_under` (the keys it
    /// may have been made with), so a resealing never launders an edited file. Nothing to do
    /// for an unsealed file.
    pub fn reseal(&mut self, vault_id: &str, valid_under: &[&VaultKey], key: &VaultKey) {
        if let Some(s) = &mut self.seal {
            let verifies = valid_under.iter().chain([&key]).any(|k| {
                let m = seal_mac(vault_id, k, s.at_unix);
                m.len() == s.mac.len()
                    && m.bytes()
                        .zip(s.mac.bytes())
                        .fold(0u8, |a, (x, y)| a | (x ^ y))
                        == 0
            });
            if verifies {
                s.mac = seal_mac(vault_id, key, s.at_unix);
            }
        }
    }

    /// Judge the file at unlock, with the key that opened the vault. `expect_seal`: the vault
    /// has sealed this file before (an unsealed file is then an edited one).
    pub fn read_claims(&self, vault_id: &str, keys: &[&VaultKey], expect_seal: bool) -> Reading {
        let mut out = Reading::default();
        let sealed_at = match &self.seal {
            Some(s) => {
                let ok = keys.iter().any(|k| {
                    let m = seal_mac(vault_id, k, s.at_unix);
                    m.len() == s.mac.len()
                        && m.bytes()
                            .zip(s.mac.bytes())
                            .fold(0u8, |a, (x, y)| a | (x ^ y))
                            == 0
                });
                if !ok {
                    out.problems.push(
                        "unlock-attempts.json has been edited: its seal does not verify, so none of the failed attempts it lists was entered in the audit log".into(),
                    );
                    return out;
                }
                Some(s.at_unix)
            }
            None if expect_seal => {
                out.problems.push(
                    "unlock-attempts.json has been edited: its seal is missing, so none of the failed attempts it lists was entered in the audit log".into(),
                );
                return out;
            }
            None => None,
        };
        let mut early = 0usize;
        let mut odd = 0usize;
        for p in &self.pending {
            if sealed_at.is_some_and(|t| p.at_unix < t) {
                early += 1;
            } else if !METHODS.contains(&p.method.as_str())
                || p.user_name.chars().count() > 80
                || p.user_name.chars().any(char::is_control)
                || p.file
                    .as_deref()
                    .is_some_and(|f| f.chars().count() > 255 || f.chars().any(char::is_control))
                || p.user_id.as_deref().is_some_and(|u| {
                    u.len() > 64 || !u.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
            {
                odd += 1;
            } else {
                out.claims.push(p.clone());
            }
        }
        if early > 0 {
            out.problems.push(format!(
                "unlock-attempts.json has been edited: {early} failed attempt(s) dated before it was last sealed were not entered in the audit log"
            ));
        }
        if odd > 0 {
            out.problems.push(format!(
                "unlock-attempts.json has been edited: {odd} entry(ies) Attune could not have written were not entered in the audit log"
            ));
        }
        out
    }

    /// Seconds to wait before the next attempt is allowed at `now_unix`.
    pub fn retry_after(&self, now_unix: i64) -> u64 {
        let delay = delay_after(self.consecutive_failures) as i64;
        let ready_at = self.last_failure_unix.saturating_add(delay);
        // A clock set backwards must not make the wait endless: never more than the delay.
        (ready_at - now_unix).clamp(0, delay) as u64
    }

    pub fn record_failure(
        &mut self,
        now_unix: i64,
        user_id: Option<&str>,
        user_name: &str,
        method: &str,
    ) {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        self.last_failure_unix = now_unix;
        self.pending.push(PendingEntry {
            at_unix: now_unix,
            user_id: user_id.map(str::to_string),
            user_name: user_name.to_string(),
            method: method.to_string(),
            file: None,
        });
        self.trim();
    }

    /// A backup file opened from the lock screen: no wait changes (the right secret does not
    /// end one), and the claim enters the audit chain at the next unlock.
    pub fn record_backup_opened(
        &mut self,
        now_unix: i64,
        user_id: &str,
        user_name: &str,
        file: &str,
    ) {
        self.pending.push(PendingEntry {
            at_unix: now_unix,
            user_id: Some(user_id.to_string()),
            user_name: user_name.to_string(),
            method: BACKUP_OPENED.to_string(),
            file: Some(
                file.chars()
                    .take(255)
                    .map(|c| if c.is_control() { '?' } else { c })
                    .collect(),
            ),
        });
        self.trim();
    }

    fn trim(&mut self) {
        if self.pending.len() > MAX_PENDING {
            let excess = self.pending.len() - MAX_PENDING;
            self.pending.drain(..excess);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_after_five() {
        let d: Vec<u64> = (0..12).map(delay_after).collect();
        assert_eq!(d, vec![0, 0, 0, 0, 0, 2, 4, 8, 16, 32, 64, 128]);
        assert_eq!(delay_after(40), MAX_DELAY_SECS);
    }

    #[test]
    fn retry_after_counts_down() {
        let mut a = Attempts::default();
        for _ in 0..6 {
            a.record_failure(1000, Some("u1"), "Sam", "passphrase");
        }
        assert_eq!(a.retry_after(1000), 4);
        assert_eq!(a.retry_after(1003), 1);
        assert_eq!(a.retry_after(1004), 0);
        assert_eq!(
            a.retry_after(10),
            4,
            "a clock set back never waits longer than the delay"
        );
        assert_eq!(a.pending.len(), 6);
    }
}
