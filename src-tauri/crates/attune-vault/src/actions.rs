//! Every action the audit log records, named once. The log stores each as its text
//! ([`Action::as_str`]); a reader that finds a text this version does not know (an older or
//! newer vault) still shows it, since [`crate::audit::AuditEntry`] keeps the text.

macro_rules! actions {
    ($($variant:ident = $text:literal,)*) => {
        /// What an audit entry records that someone did (or tried to do).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            /// Every action, in the order of their texts.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The text the audit log stores.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $text,)*
                }
            }

            /// The action a stored text names, if this version knows it.
            pub fn parse(text: &str) -> Option<Action> {
                match text {
                    $($text => Some(Action::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

actions! {
    AdviceCreate = "advice.create",
    AdviceDelete = "advice.delete",
    AuditAnchor = "audit.anchor",
    AuditKeyed = "audit.keyed",
    AuditVerify = "audit.verify",
    AuditView = "audit.view",
    BackupCheck = "backup.check",
    BackupCreate = "backup.create",
    BackupPurge = "backup.purge",
    BackupRestore = "backup.restore",
    CalendarDelete = "calendar.delete",
    CalendarUpdate = "calendar.update",
    CaseloadView = "caseload.view",
    ChronologyCorrect = "chronology.correct",
    ChronologyCreate = "chronology.create",
    ChronologyWithdraw = "chronology.withdraw",
    CrashProbeWrite = "crash_probe.write",
    FrameworkAdd = "framework.add",
    GoalCreate = "goal.create",
    GoalProgress = "goal.progress",
    GoalUpdate = "goal.update",
    HandoverExport = "handover.export",
    HandoverImport = "handover.import",
    HandoverMerge = "handover.merge",
    HandoverPreview = "handover.preview",
    IndicatorsCorrect = "indicators.correct",
    IndicatorsImport = "indicators.import",
    IndicatorsUpdate = "indicators.update",
    IndicatorsWithdraw = "indicators.withdraw",
    KeyslotDropRemoved = "keyslot.drop_removed",
    KeyslotsRecord = "keyslots.record",
    ListAdd = "list.add",
    ListRename = "list.rename",
    ListReorder = "list.reorder",
    ListRetire = "list.retire",
    ListRestore = "list.restore",
    Lock = "lock",
    OverviewView = "overview.view",
    PassphraseChange = "passphrase.change",
    PassphraseReset = "passphrase.reset",
    PassphraseResetByLead = "passphrase.reset_by_lead",
    PlanClose = "plan.close",
    PlanCreate = "plan.create",
    PlanList = "plan.list",
    PlanPdf = "plan.pdf",
    PlanPrint = "plan.print",
    PlanRenew = "plan.renew",
    PlanTimeline = "plan.timeline",
    PlanUpdate = "plan.update",
    PlanView = "plan.view",
    ProfileUpdate = "profile.update",
    PupilArchive = "pupil.archive",
    PupilAssign = "pupil.assign",
    PupilCreate = "pupil.create",
    PupilErase = "pupil.erase",
    PupilImport = "pupil.import",
    PupilLeave = "pupil.leave",
    PupilRollover = "pupil.rollover",
    PupilSar = "pupil.sar",
    PupilSarPdf = "pupil.sar.pdf",
    PupilSarPrint = "pupil.sar.print",
    PupilStatusCorrect = "pupil.status.correct",
    PupilStatusRemove = "pupil.status.remove",
    PupilUpdate = "pupil.update",
    PupilView = "pupil.view",
    RecoveryKeyReplace = "recovery_key.replace",
    RetentionView = "retention.view",
    ReviewAmend = "review.amend",
    ReviewList = "review.list",
    ReviewPdf = "review.pdf",
    ReviewPrepare = "review.prepare",
    ReviewPrint = "review.print",
    ReviewSign = "review.sign",
    ReviewUpdate = "review.update",
    ReviewView = "review.view",
    SchoolYearRollover = "school_year.rollover",
    ScoreCorrect = "score.correct",
    ScoreCreate = "score.create",
    ScoreWithdraw = "score.withdraw",
    Search = "search",
    SessionCorrect = "session.correct",
    SessionCreate = "session.create",
    SessionList = "session.list",
    SessionWithdraw = "session.withdraw",
    SettingsAutoBackupKeep = "settings.auto_backup_keep",
    SettingsAutoLock = "settings.auto_lock",
    SettingsRetention = "settings.retention",
    SettingsReviewSignOff = "settings.review_sign_off",
    SettingsSafeguardingWords = "settings.safeguarding_words",
    SummaryExport = "summary.export",
    SummaryMerge = "summary.merge",
    SummaryPreview = "summary.preview",
    SupervisionCorrect = "supervision.correct",
    SupervisionCreate = "supervision.create",
    SupervisionList = "supervision.list",
    SupervisionOptions = "supervision.options",
    SupervisionView = "supervision.view",
    SupervisionWithdraw = "supervision.withdraw",
    SyncDigest = "sync.digest",
    SyncEnrol = "sync.enrol",
    SyncExport = "sync.export",
    SyncConflicts = "sync.conflicts",
    SyncImport = "sync.import",
    SyncJoin = "sync.join",
    SyncResolve = "sync.resolve",
    SyncWipe = "sync.wipe",
    TeamName = "team.name",
    TeamRole = "team.role",
    TeamUpdate = "team.update",
    UnlockAttemptsFile = "unlock.attempts_file",
    UnlockBackupPassphrase = "unlock.backup_passphrase",
    UnlockBackupRecoveryKey = "unlock.backup_recovery_key",
    UnlockPassphrase = "unlock.passphrase",
    UnlockRecoveryKey = "unlock.recovery_key",
    UnlockResetCode = "unlock.reset_code",
    UserAdd = "user.add",
    UserRemove = "user.remove",
    VaultCreate = "vault.create",
    VaultDbRekey = "vault.db.rekey",
    VaultLock = "vault.lock",
    VaultPurgeReplaced = "vault.purge_replaced",
    VaultVerify = "vault.verify",
}

impl Action {
    /// The action of an unlock by `method` as the attempts file names it (`passphrase`,
    /// `recovery_key`, `backup_passphrase`, `backup_recovery_key`).
    pub fn unlock_by(method: &str) -> Option<Action> {
        match method {
            "passphrase" => Some(Action::UnlockPassphrase),
            "recovery_key" => Some(Action::UnlockRecoveryKey),
            "backup_passphrase" => Some(Action::UnlockBackupPassphrase),
            "backup_recovery_key" => Some(Action::UnlockBackupRecoveryKey),
            _ => None,
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_text_names_one_action_and_reads_back() {
        let mut seen = std::collections::BTreeSet::new();
        for a in Action::ALL {
            assert!(seen.insert(a.as_str()), "{a:?} shares its text");
            assert_eq!(Action::parse(a.as_str()), Some(*a));
            assert!(a
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_'));
        }
        assert_eq!(Action::parse("no.such_action"), None);
    }
}
