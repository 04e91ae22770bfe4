//! Tests of the shell without a window: the generated TypeScript types are current, and a
//! locked session refuses every command that reads the vault.

use ts_rs::TS;

use crate::dto::*;
use crate::state::AppState;

/// Every type that crosses the IPC boundary, in the order they appear in bindings.ts.
fn bindings() -> String {
    let decls = [
        Role::decl(),
        UserInfo::decl(),
        PassphraseStrength::decl(),
        ErrorKind::decl(),
        CommandError::decl(),
        SessionInfo::decl(),
        AppStatus::decl(),
        SetupPending::decl(),
        SetupRequest::decl(),
        NewUserRequest::decl(),
        LockedEvent::decl(),
        attune_vault::audit::AuditEntry::decl(),
    ];
    let mut out = String::from(
        "// Generated from the Rust types in src-tauri (ts-rs). Do not edit by hand:\n\
         // run `UPDATE_BINDINGS=1 cargo test -p attune bindings` after changing a type.\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push('\n');
    }
    out
}

#[test]
fn bindings_are_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/bindings.ts");
    let fresh = bindings();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/lib/bindings.ts is stale: run `UPDATE_BINDINGS=1 cargo test -p attune bindings`"
    );
}

const PASS: &str = "correct horse battery staple 1917";

fn set_up(dir: &std::path::Path) -> AppState {
    let state = AppState::new(dir.to_path_buf());
    let pending = state
        .begin_setup(SetupRequest {
            school: "Hillside Primary".into(),
            name: "Ada Lovelace".into(),
            passphrase: PASS.into(),
        })
        .unwrap();
    let typed: Vec<String> = pending
        .confirm_positions
        .iter()
        .map(|&p| pending.recovery_groups[p as usize - 1].clone())
        .collect();
    assert!(matches!(
        state.finish_setup(typed).unwrap(),
        AppStatus::Unlocked { .. }
    ));
    state
}

#[test]
fn setup_writes_nothing_until_the_recovery_key_is_confirmed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let state = AppState::new(dir.clone());
    let weak = state.begin_setup(SetupRequest {
        school: "Hillside".into(),
        name: "Ada".into(),
        passphrase: "hillside1".into(),
    });
    assert_eq!(weak.unwrap_err().kind, ErrorKind::WeakPassphrase);
    let pending = state
        .begin_setup(SetupRequest {
            school: "Hillside".into(),
            name: "Ada".into(),
            passphrase: PASS.into(),
        })
        .unwrap();
    assert_eq!(pending.recovery_groups.len(), 8);
    assert!(
        !dir.join("vault.db").exists(),
        "nothing is written before confirmation"
    );
    let wrong = state
        .finish_setup(vec!["AAAA".into(), "BBBB".into()])
        .unwrap_err();
    assert_eq!(wrong.kind, ErrorKind::InvalidInput);
    assert!(!dir.join("vault.db").exists());
    assert!(matches!(
        state.status().unwrap(),
        AppStatus::FirstRun { .. }
    ));
}

#[test]
fn locking_drops_the_key_and_every_reading_command_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let state = set_up(&tmp.path().join("vault"));
    assert_eq!(state.list_users().unwrap().len(), 1);
    assert!(state.lock("manual"));
    assert!(!state.is_unlocked());
    assert_eq!(state.list_users().unwrap_err().kind, ErrorKind::Locked);
    assert_eq!(
        state.set_auto_lock_minutes(10).unwrap_err().kind,
        ErrorKind::Locked
    );
    assert_eq!(
        state
            .change_passphrase(PASS.into(), "another long passphrase here 5".into())
            .unwrap_err()
            .kind,
        ErrorKind::Locked
    );
    assert_eq!(state.remove_user("x").unwrap_err().kind, ErrorKind::Locked);
    assert_eq!(
        state
            .add_user(NewUserRequest {
                name: "B".into(),
                role: Role::KeyAdult,
                passphrase: PASS.into()
            })
            .unwrap_err()
            .kind,
        ErrorKind::Locked
    );
    assert_eq!(
        state.reset_passphrase(PASS.into()).unwrap_err().kind,
        ErrorKind::Locked
    );
    // The folder lock went with the key: another process could open the vault now.
    match state.status().unwrap() {
        AppStatus::Locked {
            users,
            last_lock_reason,
            ..
        } => {
            assert_eq!(last_lock_reason.as_deref(), Some("manual"));
            let again = state.unlock(&users[0].id, PASS.into()).unwrap();
            assert!(matches!(again, AppStatus::Unlocked { .. }));
        }
        other => panic!("expected locked, got {other:?}"),
    }
}

#[test]
fn idle_session_locks_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let state = set_up(&tmp.path().join("vault"));
    assert!(!state.lock_if_idle(), "just used: stays open");
    // Pretend the last activity was long ago.
    state.backdate_activity(std::time::Duration::from_secs(5 * 60 + 1));
    assert!(state.lock_if_idle());
    assert_eq!(state.list_users().unwrap_err().kind, ErrorKind::Locked);
    match state.status().unwrap() {
        AppStatus::Locked {
            last_lock_reason, ..
        } => assert_eq!(last_lock_reason.as_deref(), Some("idle")),
        other => panic!("expected locked, got {other:?}"),
    }
}
