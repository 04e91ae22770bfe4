//! The app's state between commands: where the vault is, the open session (if any), a
//! first-run setup in progress, and when the user was last active. Every command goes
//! through here; none touches the database itself.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use attune_vault::backup::BackupCanceller;
use attune_vault::{recovery, Action, Passphrase, RecoveryKey, Role, Vault, VaultStatus};
use chrono::{DateTime, NaiveDate, Utc};
use rand::rngs::OsRng;
use zeroize::Zeroize;

use crate::dto::*;
use crate::error::{CmdResult, CommandError};
use crate::work::Works;

/// A first-run setup between "show the recovery key" and "confirmed": nothing is written
/// until the person has re-typed part of the key.
struct PendingSetup {
    school: String,
    name: String,
    passphrase: Passphrase,
    recovery: RecoveryKey,
    positions: Vec<u32>,
}

pub struct AppState {
    vault_dir: PathBuf,
    session: Mutex<Option<Vault>>,
    pending: Mutex<Option<PendingSetup>>,
    last_activity: Mutex<Instant>,
    last_lock_reason: Mutex<Option<String>>,
    /// The day the automatic backup was last seen to (or made to) exist.
    auto_backup_checked: Mutex<Option<NaiveDate>>,
    /// The automatic backup being written, if one is: stopped when the vault locks.
    auto_backup_running: Mutex<Option<BackupCanceller>>,
    /// How many times a session has been locked: the chosen paths are forgotten at each.
    locks: std::sync::atomic::AtomicU64,
    /// The stop flags of the long work the window started (see work.rs).
    works: Works,
}

/// The only clock the records see: the crates are given the time, never read it.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
}

/// `now`, and today's date (UTC) for the operations that decide what is due or overdue.
pub(crate) fn clock() -> (DateTime<Utc>, NaiveDate) {
    let now = now();
    (now, now.date_naive())
}

impl AppState {
    pub fn new(vault_dir: PathBuf) -> Self {
        AppState {
            vault_dir,
            session: Mutex::new(None),
            pending: Mutex::new(None),
            last_activity: Mutex::new(Instant::now()),
            last_lock_reason: Mutex::new(None),
            auto_backup_checked: Mutex::new(None),
            auto_backup_running: Mutex::new(None),
            locks: std::sync::atomic::AtomicU64::new(0),
            works: Works::default(),
        }
    }

    /// The long work in flight that the window may stop (see work.rs).
    pub fn works(&self) -> &Works {
        &self.works
    }

    /// How many times a session has been locked (see `ChosenPaths::forget_after_lock`).
    pub fn locks(&self) -> u64 {
        self.locks.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn vault_dir(&self) -> &Path {
        &self.vault_dir
    }

    pub(crate) fn session(&self) -> std::sync::MutexGuard<'_, Option<Vault>> {
        // A panic while holding the lock must not leave the vault unusable or open.
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn touch(&self) {
        *self.last_activity.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    #[cfg(test)]
    pub fn backdate_activity(&self, by: std::time::Duration) {
        let mut t = self.last_activity.lock().unwrap_or_else(|p| p.into_inner());
        *t = Instant::now().checked_sub(by).unwrap_or(*t);
    }

    pub fn idle_for(&self) -> std::time::Duration {
        self.last_activity
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .elapsed()
    }

    /// Run `f` on the open vault, or refuse with `locked`. Counts as activity. `f` may fail
    /// with a vault error or a domain error; either becomes the UI's `{kind, message}`.
    pub fn with_vault<T, E: Into<CommandError>>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<T, E>,
    ) -> CmdResult<T> {
        let mut guard = self.session();
        let vault = guard.as_mut().ok_or_else(CommandError::locked)?;
        self.touch();
        f(vault).map_err(Into::into)
    }

    fn session_info(vault: &Vault) -> attune_vault::Result<SessionInfo> {
        let s = vault.session();
        Ok(SessionInfo {
            user: s.user.clone(),
            must_set_passphrase: s.via_recovery,
            opened_with_code: s.via_reset_code,
            auto_lock_minutes: vault.auto_lock_minutes()?,
            // Not through `conn()`: that refuses a session which must set its passphrase
            // first (after a recovery-key or one-time-code unlock), and the window could not
            // show it the screen to do so.
            device_no: vault.device_no()?,
        })
    }

    pub fn status(&self) -> CmdResult<AppStatus> {
        let vault_dir = self.vault_dir.display().to_string();
        if let Some(v) = self.session().as_ref() {
            return Ok(AppStatus::Unlocked {
                vault_dir,
                school: v.school().to_string(),
                session: Self::session_info(v)?,
            });
        }
        match attune_vault::status(&self.vault_dir, now())? {
            VaultStatus::Absent => Ok(AppStatus::FirstRun { vault_dir }),
            VaultStatus::Present {
                school,
                users,
                retry_after_secs,
            } => Ok(AppStatus::Locked {
                vault_dir,
                school,
                users,
                retry_after_secs,
                last_lock_reason: self
                    .last_lock_reason
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone(),
            }),
        }
    }

    pub fn begin_setup(&self, req: SetupRequest) -> CmdResult<SetupPending> {
        let SetupRequest {
            school,
            name,
            passphrase,
        } = req;
        let passphrase = Passphrase::new(passphrase);
        Vault::check_setup(&self.vault_dir, &school, &name, &passphrase)?;
        let recovery = RecoveryKey::generate(&mut OsRng);
        let positions = recovery::confirm_positions(&mut OsRng);
        let out = SetupPending {
            recovery_groups: recovery.groups(),
            confirm_positions: positions.clone(),
        };
        *self.pending.lock().unwrap_or_else(|p| p.into_inner()) = Some(PendingSetup {
            school,
            name,
            passphrase,
            recovery,
            positions,
        });
        Ok(out)
    }

    pub fn cancel_setup(&self) {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }

    pub fn finish_setup(&self, mut typed: Vec<String>) -> CmdResult<AppStatus> {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let p = pending.as_ref().ok_or_else(|| {
            CommandError::invalid("Setup has not started, or was cancelled. Start again.")
        })?;
        let ok = p.recovery.confirms(&p.positions, &typed);
        typed.zeroize();
        if !ok {
            return Err(CommandError::invalid(
                "Those groups do not match the recovery key. Check each group against what you wrote down.",
            ));
        }
        let vault = Vault::create(
            &self.vault_dir,
            &p.school,
            &p.name,
            &p.passphrase,
            &p.recovery,
            &mut OsRng,
            now(),
        )?;
        pending.take();
        drop(pending);
        *self.session() = Some(vault);
        self.touch();
        self.status()
    }

    pub fn unlock(&self, user_id: &str, passphrase: String) -> CmdResult<AppStatus> {
        let passphrase = Passphrase::new(passphrase);
        self.open_with(
            |dir| Vault::unlock(dir, user_id, &passphrase, &mut OsRng, now()),
            |open| open.confirm_unlock(user_id, &passphrase, now()),
        )
    }

    pub fn unlock_with_recovery(
        &self,
        user_id: &str,
        mut recovery_key: String,
    ) -> CmdResult<AppStatus> {
        let key = RecoveryKey::parse(&recovery_key);
        recovery_key.zeroize();
        let key = key?;
        self.open_with(
            |dir| Vault::unlock_with_recovery(dir, user_id, &key, &mut OsRng, now()),
            |_| {
                Err(attune_vault::Error::InvalidInput(
                    "Attune is already unlocked. Lock it first, then use the recovery key.".into(),
                ))
            },
        )
    }

    /// Opens the vault with `open`; when a session is already open, `confirm` decides (an
    /// unlock is never answered "ok" unchecked).
    fn open_with(
        &self,
        open: impl FnOnce(&Path) -> attune_vault::Result<Vault>,
        confirm: impl FnOnce(&Vault) -> attune_vault::Result<()>,
    ) -> CmdResult<AppStatus> {
        {
            let mut guard = self.session();
            match guard.as_ref() {
                Some(v) => confirm(v)?,
                None => {
                    let mut v = open(&self.vault_dir)?;
                    // A pupil erased earlier whom this database still holds (a backup made
                    // before the erasure was restored) goes before anything reads the vault.
                    attune_domain::transfer::retention::erase_again(&mut v, now())?;
                    *guard = Some(v);
                }
            }
        }
        *self
            .last_lock_reason
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
        self.touch();
        self.status()
    }

    pub fn reset_passphrase(&self, passphrase: String) -> CmdResult<AppStatus> {
        let p = Passphrase::new(passphrase);
        self.with_vault(|v| v.reset_passphrase(&p, &mut OsRng, now()))?;
        self.status()
    }

    /// Close the database and drop the key. Safe to call when already locked.
    pub fn lock(&self, reason: &str) -> bool {
        self.stop_auto_backup();
        // Work in the session (a backup, an export…) stops at its next step, undoing what it
        // began, and lets go of the session.
        self.works.cancel_in_session();
        let vault = self.session().take();
        self.cancel_setup();
        match vault {
            Some(v) => {
                v.lock(reason, now());
                self.locks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                *self
                    .last_lock_reason
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()) = Some(reason.to_string());
                true
            }
            None => false,
        }
    }

    /// A vault just restored (opened by the restore's own checks) is locked at once, reason
    /// `restored`: the person unlocks it afresh, with a passphrase valid when the backup was made.
    pub(crate) fn lock_restored(&self, vault: Vault) {
        *self.session() = Some(vault);
        self.lock("restored");
        // The restored vault gets its own automatic backup today, once it is unlocked.
        *self
            .auto_backup_checked
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Once a day while a vault is open, write the day's automatic backup beside it (and
    /// prune old ones). Called from the auto-lock thread once the person has paused (see
    /// `watch.rs`), never at unlock, so unlocking and the first screens stay quick.
    ///
    /// The session's lock is held only to start the job and, afterwards, to audit it: the copy
    /// itself (seconds on a large vault) runs on the job's own connection, from a consistent
    /// snapshot, so every command keeps answering meanwhile. Locking the vault stops it (the job's
    /// connection and key copy go with it), leaving no file, and it is tried again at the next
    /// pause. A failure (a full disk, say) is audited and tried again the next day.
    ///
    /// Its steps go to `report`; returns how it ended ("finished", "stopped", "failed"), or
    /// `None` when there was nothing to do.
    pub fn auto_backup_if_due(
        &self,
        report: &(dyn Fn(attune_vault::progress::Step) + Sync),
    ) -> Option<&'static str> {
        let now = now();
        let today = now.date_naive();
        if *self
            .auto_backup_checked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            == Some(today)
        {
            return None;
        }
        let (job, keep) = {
            let guard = self.session();
            let v = guard.as_ref()?;
            if v.session().via_recovery {
                return None;
            }
            let keep = v
                .auto_backup_keep()
                .unwrap_or(attune_vault::backup::DEFAULT_AUTO_BACKUP_KEEP);
            match v.auto_backup_job(now) {
                Ok(Some(job)) => {
                    *self
                        .auto_backup_running
                        .lock()
                        .unwrap_or_else(|p| p.into_inner()) = Some(job.canceller());
                    (job, keep)
                }
                Ok(None) => {
                    let _ = v.finish_auto_backup(None, keep, now);
                    self.auto_backup_done(today);
                    return None;
                }
                Err(_) => {
                    let _ = v.audit(Action::BackupCreate, None, "failed", now);
                    self.auto_backup_done(today);
                    return Some("failed");
                }
            }
        };
        let written = job.run_with(now, report);
        let name = job.file_name();
        let path = job.path().to_path_buf();
        drop(job);
        let stopped = self
            .auto_backup_running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .is_none();
        let guard = self.session();
        let Some(v) = guard.as_ref().filter(|_| !stopped) else {
            // Locked while it ran (and so stopped): try again once unlocked. Had it finished
            // just before the lock, its file goes too: it could not be audited, and a locked
            // session leaves no backup half-accounted for.
            if written.is_ok() {
                let _ = std::fs::remove_file(&path);
            }
            return Some("stopped");
        };
        let _ = v.finish_auto_backup(Some((&name, &written)), keep, now);
        self.auto_backup_done(today);
        Some(if written.is_ok() {
            "finished"
        } else {
            "failed"
        })
    }

    /// The automatic backup running, if one is (for the tests that lock in the middle of one).
    #[cfg(test)]
    pub(crate) fn auto_backup_canceller(&self) -> Option<BackupCanceller> {
        self.auto_backup_running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn auto_backup_done(&self, today: NaiveDate) {
        *self
            .auto_backup_checked
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(today);
    }

    /// Stops the automatic backup if one is running, and waits (a moment) for it to let go of
    /// its connection and key copy.
    fn stop_auto_backup(&self) {
        let Some(c) = self
            .auto_backup_running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        else {
            return;
        };
        c.cancel();
        let started = Instant::now();
        while c.is_running() && started.elapsed() < std::time::Duration::from_secs(10) {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// Lock if the session has been idle for longer than its auto-lock time.
    pub fn lock_if_idle(&self) -> bool {
        let minutes = match self.session().as_ref() {
            Some(v) => v
                .auto_lock_minutes()
                .unwrap_or(attune_vault::DEFAULT_AUTO_LOCK_MINUTES),
            None => return false,
        };
        if self.idle_for().as_secs() >= u64::from(minutes) * 60 {
            self.lock("idle")
        } else {
            false
        }
    }

    pub fn change_passphrase(&self, current: String, new: String) -> CmdResult<()> {
        let (current, new) = (Passphrase::new(current), Passphrase::new(new));
        self.with_vault(|v| v.change_passphrase(&current, &new, &mut OsRng, now()))
    }

    pub fn list_users(&self) -> CmdResult<Vec<UserInfo>> {
        self.with_vault(|v| v.users())
    }

    pub fn add_user(&self, req: NewUserRequest) -> CmdResult<UserInfo> {
        let NewUserRequest {
            name,
            role,
            passphrase,
        } = req;
        let p = Passphrase::new(passphrase);
        self.with_vault(|v| v.add_user(&name, role, &p, &mut OsRng, now()))
    }

    pub fn remove_user(&self, user_id: &str) -> CmdResult<Vec<UserInfo>> {
        self.with_vault(|v| {
            v.remove_user(user_id, &mut OsRng, now())?;
            v.users()
        })
    }

    /// A lead resets `user_id`'s passphrase; the one-time code, as it is shown ("ABCDE-…").
    pub fn reset_user_passphrase(&self, user_id: &str) -> CmdResult<String> {
        self.with_vault(|v| v.reset_user_passphrase(user_id, &mut OsRng, now()))
            .map(|code| code.display())
    }

    /// A lead replaces the recovery key; the new key's 8 groups, shown once.
    pub fn replace_recovery_key(&self) -> CmdResult<Vec<String>> {
        let key = RecoveryKey::generate(&mut OsRng);
        self.with_vault(|v| v.replace_recovery_key(&key, &mut OsRng, now()))?;
        Ok(key.groups())
    }

    pub fn set_auto_lock_minutes(&self, minutes: u32) -> CmdResult<SessionInfo> {
        self.with_vault(|v| {
            v.set_auto_lock_minutes(minutes, now())?;
            Self::session_info(v)
        })
    }

    pub fn is_unlocked(&self) -> bool {
        self.session().is_some()
    }

    pub fn current_role(&self) -> Option<Role> {
        self.session().as_ref().map(|v| v.session().user.role)
    }
}

/// Strength advice for the meter; Rust refuses weak passphrases again wherever one is set.
pub fn passphrase_strength(passphrase: String, name: &str, school: &str) -> PassphraseStrength {
    let p = Passphrase::new(passphrase);
    attune_vault::assess_passphrase(&p, &[name, school])
}
