//! The shell's safety commands without a window: backups and restore through `AppState`, the
//! handover round trip, subject access, retention and erasure — and that each refuses a key
//! adult where the domain says "strategic lead only", and answers `locked` when locked.

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, Utc};

use super::*;
use crate::dto::*;
use attune_vault::progress::Work;

const LEAD_PASS: &str = "correct horse battery staple 1917";
const KEY_ADULT_PASS: &str = "paper lantern orchard violin 4471";
const NOTE: &str = "made a kaleidoscope from card";

struct School {
    state: AppState,
    lead_id: String,
    key_adult_id: String,
    recovery: String,
    /// Assigned to the key adult.
    mine: i64,
    /// Not assigned; has a session with NOTE.
    other: i64,
}

fn pupil(forename: &str, surname: &str) -> PupilInput {
    PupilInput {
        legal_forename: forename.into(),
        legal_surname: surname.into(),
        preferred_name: None,
        date_of_birth: NaiveDate::from_ymd_opt(2016, 3, 4).unwrap(),
        year_group: "Year 5".into(),
        identifiers: vec![],
        care_status: None,
        support_level: None,
        relationship_start: None,
        relationship_planned_end: None,
    }
}

fn school(dir: &Path) -> School {
    let state = AppState::new(dir.to_path_buf());
    let pending = state
        .begin_setup(SetupRequest {
            school: "Hillside Primary".into(),
            name: "Ada Lovelace".into(),
            passphrase: LEAD_PASS.into(),
        })
        .unwrap();
    let typed = pending
        .confirm_positions
        .iter()
        .map(|&p| pending.recovery_groups[p as usize - 1].clone())
        .collect();
    state.finish_setup(typed).unwrap();
    let lead_id = state.list_users().unwrap()[0].id.clone();
    let ka = state
        .add_user(NewUserRequest {
            name: "Kim Adebayo".into(),
            role: Role::KeyAdult,
            passphrase: KEY_ADULT_PASS.into(),
        })
        .unwrap();
    let mine = state.add_pupil(pupil("Amara", "O'Neill")).unwrap().id;
    let other = state.add_pupil(pupil("Zoë", "Quennell")).unwrap().id;
    state
        .assign_key_adult(mine, Some(ka.id.clone()), None)
        .unwrap();
    state
        .log_session(
            other,
            SessionInput {
                held_on: Utc::now().date_naive(),
                minutes: 20,
                kind: SessionKind::CheckIn,
                regulation: Some(6),
                note: NOTE.into(),
                safeguarding_ref: None,
            },
        )
        .unwrap();
    School {
        state,
        lead_id,
        key_adult_id: ka.id,
        recovery: pending.recovery_groups.concat(),
        mine,
        other,
    }
}

fn unlock_as(state: &AppState, user_id: &str, pass: &str) {
    state.lock("manual");
    state.unlock(user_id, pass.into()).unwrap();
}

fn kind_of<T: std::fmt::Debug>(r: CmdResult<T>) -> ErrorKind {
    match r {
        Ok(v) => panic!("expected a refusal, got {v:?}"),
        Err(e) => e.kind,
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn audited(state: &AppState, action: &str, outcome: &str) -> usize {
    state
        .audit_entries(Some(AuditQuery {
            action_prefix: Some(action.into()),
            ..Default::default()
        }))
        .unwrap()
        .iter()
        .filter(|e| e.action == action && e.outcome == outcome)
        .count()
}

fn names(state: &AppState) -> Vec<String> {
    state
        .caseload(Some(CaseloadQuery {
            include_left: true,
            ..Default::default()
        }))
        .unwrap()
        .into_iter()
        .map(|r| format!("{} {}", r.preferred_name, r.surname))
        .collect()
}

#[test]
fn a_key_adult_is_refused_every_lead_only_safety_command_and_each_refusal_is_audited() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = school(&tmp.path().join("vault"));
    let st = &sc.state;
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    unlock_as(st, &sc.key_adult_id, KEY_ADULT_PASS);

    // Even for their own pupil: subject access and handover are the strategic lead's.
    assert_eq!(
        kind_of(st.subject_access_document(sc.mine)),
        ErrorKind::NotPermitted
    );
    let sar_file = out.join("sar.html");
    assert_eq!(
        kind_of(st.save_subject_access_document(sc.mine, &sar_file)),
        ErrorKind::NotPermitted
    );
    assert!(!sar_file.exists(), "nothing written on a refusal");
    assert_eq!(
        kind_of(st.export_handover(sc.mine, &out)),
        ErrorKind::NotPermitted
    );
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "no handover pack written on a refusal"
    );
    let pack = out.join("x.attune-handover");
    std::fs::write(&pack, b"ATTUNE-HANDOVER/1\n").unwrap();
    assert_eq!(kind_of(st.inspect_handover(&pack)), ErrorKind::NotPermitted);
    assert_eq!(
        kind_of(st.import_handover(&pack, "0000".into(), None)),
        ErrorKind::NotPermitted
    );
    assert_eq!(kind_of(st.set_retention_years(3)), ErrorKind::NotPermitted);
    assert_eq!(kind_of(st.retention_due()), ErrorKind::NotPermitted);
    assert_eq!(kind_of(st.erase_pupil(sc.mine)), ErrorKind::NotPermitted);
    assert_eq!(kind_of(st.set_auto_backup_keep(3)), ErrorKind::NotPermitted);
    // What a key adult may do: read the retention period, see the automatic backups.
    assert_eq!(st.retention_years().unwrap(), 7);
    assert_eq!(st.auto_backups().unwrap().keep, 7);

    unlock_as(st, &sc.lead_id, LEAD_PASS);
    for action in [
        "pupil.sar",
        "handover.export",
        "handover.import",
        "settings.retention",
        "retention.view",
        "pupil.erase",
        "settings.auto_backup_keep",
    ] {
        assert!(
            audited(st, action, "refused") >= 1,
            "the refusal of {action} is audited"
        );
    }
    assert_eq!(names(st).len(), 2, "nothing erased");
}

#[test]
fn when_locked_the_safety_commands_that_need_the_vault_answer_locked() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = school(&tmp.path().join("vault"));
    let st = &sc.state;
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    st.lock("manual");
    assert_eq!(
        kind_of(st.backup_now(&out, &Work::none())),
        ErrorKind::Locked
    );
    assert_eq!(kind_of(st.auto_backups()), ErrorKind::Locked);
    assert_eq!(kind_of(st.set_auto_backup_keep(2)), ErrorKind::Locked);
    assert_eq!(
        kind_of(st.subject_access_document(sc.other)),
        ErrorKind::Locked
    );
    assert_eq!(
        kind_of(st.export_handover(sc.other, &out)),
        ErrorKind::Locked
    );
    assert_eq!(kind_of(st.retention_years()), ErrorKind::Locked);
    assert_eq!(kind_of(st.retention_due()), ErrorKind::Locked);
    assert_eq!(kind_of(st.erase_pupil(sc.other)), ErrorKind::Locked);
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
}

#[test]
fn backup_to_a_folder_then_restore_it_replacing_nothing_until_it_has_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let sc = school(&dir);
    let st = &sc.state;
    let usb = tmp.path().join("usb");
    std::fs::create_dir(&usb).unwrap();

    let done = st.backup_now(&usb, &Work::none()).unwrap();
    assert!(done.verified);
    assert!(
        done.file_name.starts_with("attune-backup-") && done.file_name.ends_with(".attune-backup")
    );
    assert_eq!(done.counts.pupils, Some(2));
    let bytes = std::fs::read(&done.path).unwrap();
    assert_eq!(bytes.len() as u64, done.file_bytes);
    for secret in ["Amara", "O'Neill", "Quennell", "kaleidoscope"] {
        assert!(
            !contains(&bytes, secret),
            "{secret} is not readable in the backup"
        );
    }
    // A second backup in the same minute gets its own name.
    let again = st.backup_now(&usb, &Work::none()).unwrap();
    assert_ne!(again.path, done.path);

    // Recorded after the backup: gone once it is restored.
    st.add_pupil(pupil("Later", "Added")).unwrap();
    let file = PathBuf::from(&done.path);

    let summary = st.inspect_backup(&file).unwrap();
    assert_eq!(summary.same_vault, Some(true));
    assert_eq!(summary.school, "Hillside Primary");
    assert!(summary.has_recovery_key);
    assert!(summary.users.iter().any(|u| u.id == sc.lead_id));

    assert_eq!(
        kind_of(st.open_backup(
            &file,
            &sc.lead_id,
            "not the passphrase at all".into(),
            false
        )),
        ErrorKind::WrongPassphrase
    );
    let opened = st
        .open_backup(&file, &sc.lead_id, sc.recovery.clone(), true)
        .unwrap();
    assert_eq!(opened.counts.pupils, Some(2));
    assert_eq!(opened.opened_as.id, sc.lead_id);

    // A key adult's slot cannot restore; the session stays open, nothing is replaced.
    assert_eq!(
        kind_of(st.restore_backup(&file, &sc.key_adult_id, KEY_ADULT_PASS.into(), false)),
        ErrorKind::NotPermitted
    );
    assert!(st.is_unlocked());

    let restored = st
        .restore_backup(&file, &sc.lead_id, LEAD_PASS.into(), false)
        .unwrap();
    let aside = PathBuf::from(restored.replaced.expect("the old vault is kept aside"));
    assert!(aside.join("vault.db").exists());
    assert!(!st.is_unlocked(), "the app is locked after a restore");
    match st.status().unwrap() {
        AppStatus::Locked {
            last_lock_reason, ..
        } => assert_eq!(last_lock_reason.as_deref(), Some("restored")),
        s => panic!("{s:?}"),
    }
    unlock_as(st, &sc.lead_id, LEAD_PASS);
    let mut now_names = names(st);
    now_names.sort();
    assert_eq!(now_names, vec!["Amara O'Neill", "Zoë Quennell"]);
    assert!(audited(st, "backup.restore", "ok") >= 1);
}

#[test]
fn another_vaults_backup_is_refused_before_anything_is_locked_or_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = school(&tmp.path().join("vault"));
    let other = school(&tmp.path().join("elsewhere"));
    let usb = tmp.path().join("usb");
    std::fs::create_dir(&usb).unwrap();
    let theirs = PathBuf::from(other.state.backup_now(&usb, &Work::none()).unwrap().path);

    let st = &sc.state;
    assert_eq!(st.inspect_backup(&theirs).unwrap().same_vault, Some(false));
    let e = st
        .restore_backup(&theirs, &other.lead_id, LEAD_PASS.into(), false)
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert!(e.message.contains("another vault"), "{}", e.message);
    assert!(st.is_unlocked(), "the session was not closed");
    assert_eq!(names(st).len(), 2);

    // A damaged backup is refused before any passphrase is asked for.
    let mut bytes = std::fs::read(&theirs).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    let bad = usb.join("bad.attune-backup");
    std::fs::write(&bad, &bytes).unwrap();
    assert_eq!(kind_of(st.inspect_backup(&bad)), ErrorKind::VaultDamaged);
}

#[test]
fn a_handover_pack_round_trips_as_a_new_pupil_and_a_wrong_passphrase_imports_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = school(&tmp.path().join("vault"));
    let st = &sc.state;
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();

    let x = st.export_handover(sc.other, &out).unwrap();
    assert!(x.file_name.starts_with("handover-") && x.file_name.ends_with(".attune-handover"));
    assert_eq!(x.passphrase.len(), 39, "8 groups of 4 with dashes");
    let path = PathBuf::from(&x.path);
    let bytes = std::fs::read(&path).unwrap();
    for secret in ["Zoë", "Quennell", "kaleidoscope"] {
        assert!(
            !contains(&bytes, secret),
            "{secret} is not readable in the pack"
        );
    }
    assert_eq!(
        st.inspect_handover(&path).unwrap().file_bytes,
        bytes.len() as u64
    );

    let wrong = "0000-0000-0000-0000-0000-0000-0000-0000";
    assert_eq!(
        kind_of(st.import_handover(&path, wrong.into(), None)),
        ErrorKind::WrongPassphrase
    );
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 1;
    let bad = out.join("bad.attune-handover");
    std::fs::write(&bad, &flipped).unwrap();
    assert_eq!(
        kind_of(st.import_handover(&bad, x.passphrase.clone(), None)),
        ErrorKind::VaultDamaged
    );
    assert_eq!(names(st).len(), 2, "nothing imported");

    let p = st
        .import_handover(
            &path,
            x.passphrase.to_lowercase(),
            Some(sc.key_adult_id.clone()),
        )
        .unwrap();
    assert_ne!(p.id, sc.other);
    assert_eq!(p.display_name, "Zoë Quennell");
    assert_eq!(p.key_adult.map(|k| k.id), Some(sc.key_adult_id.clone()));
    let sessions = st.list_sessions(p.id, None).unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].note, NOTE);
    assert_eq!(names(st).len(), 3);
}

#[test]
fn the_subject_access_document_is_shown_and_saved_where_chosen() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = school(&tmp.path().join("vault"));
    let st = &sc.state;
    let doc = st.subject_access_document(sc.mine).unwrap();
    assert_eq!(doc.heading, "Everything held about Amara O'Neill");
    assert_eq!(doc.sections[0].heading, "The pupil");
    let file = tmp.path().join("sar.html");
    let saved = st.save_subject_access_document(sc.mine, &file).unwrap();
    assert_eq!(saved.file_name, "sar.html");
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.starts_with("<!DOCTYPE html>"));
    assert!(written.contains("<h1>Everything held about Amara O'Neill</h1>"));
    assert_eq!(saved.file_bytes, written.len() as u64);
    assert!(
        audited(st, "pupil.sar", "ok") >= 2,
        "shown and saved: both audited"
    );
}

#[test]
fn retention_lists_pupils_left_long_ago_by_name_and_erasure_removes_them() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = school(&tmp.path().join("vault"));
    let st = &sc.state;
    assert_eq!(kind_of(st.set_retention_years(0)), ErrorKind::InvalidInput);
    assert_eq!(st.set_retention_years(6).unwrap(), 6);
    assert!(st.retention_due().unwrap().is_empty());
    st.mark_left(sc.other, "2015-07-20".into()).unwrap();
    let due = st.retention_due().unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].pupil_id, sc.other);
    assert_eq!(due[0].display_name, "Zoë Quennell");
    assert_eq!(
        due[0].left_on,
        NaiveDate::from_ymd_opt(2015, 7, 20).unwrap()
    );
    assert_eq!(due[0].due_on, NaiveDate::from_ymd_opt(2021, 7, 20).unwrap());
    // An active pupil cannot be erased.
    assert_eq!(kind_of(st.erase_pupil(sc.mine)), ErrorKind::InvalidInput);

    st.erase_pupil(sc.other).unwrap();
    assert_eq!(kind_of(st.get_pupil(sc.other)), ErrorKind::NotFound);
    assert!(st.retention_due().unwrap().is_empty());
    assert_eq!(names(st), vec!["Amara O'Neill"]);
    assert_eq!(audited(st, "pupil.erase", "ok"), 1);
    st.lock("manual");
    let db = std::fs::read(tmp.path().join("vault/vault.db")).unwrap();
    assert!(!contains(&db, "Quennell"));
}
