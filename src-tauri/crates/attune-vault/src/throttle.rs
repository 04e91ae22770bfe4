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

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::fsutil;

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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEntry {
    pub at_unix: i64,
    pub user_id: Option<String>,
    pub user_name: String,
    pub method: String,
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
        });
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
