//! The role matrix: every command of the table (`api.rs`) called through its command function
//! on Tauri's mock runtime (the same handler, argument parsing and async path as the window's
//! calls), while locked and as a key adult on another adult's pupil. The expected outcomes are
//! data (`src-tauri/role_matrix.toml`); the test fails when a command has no row, when an
//! answer differs, when a row contradicts the command's declared access class, when a refusal
//! that should be audited is not (counted in the audit table itself), or when a refusal carries
//! the other pupil's name or notes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::Value;
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

use crate::api::{self, Access, COMMANDS};
use crate::dto::*;
use crate::safety::ChosenPaths;
use crate::state::AppState;

const LEAD_PASS: &str = "correct horse battery staple 1917";
const KEY_ADULT_PASS: &str = "paper lantern orchard violin 4471";
const OTHER_ADULT_PASS: &str = "quiet harbour mosaic tulip 8023";
/// Words that exist only in the other adult's pupil's record: no refusal may carry them.
const SECRETS: &[&str] = &["Zoë", "Łukasik", "marmalade", "kaleidoscope"];

#[derive(Deserialize)]
struct Row {
    args: String,
    locked: String,
    as_other_adult: String,
    #[serde(default)]
    audited: bool,
    /// Why a refusal of this command is not audited (required when `audited` is false and the
    /// command refuses a key adult as not permitted).
    #[serde(default)]
    not_audited_because: Option<String>,
}

struct Fixture {
    app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    values: BTreeMap<&'static str, Value>,
    lead: String,
    key_adult: String,
    /// The paths "chosen" in the file dialogs. Chosen paths are forgotten at every lock, so they
    /// are chosen again after each change of session, as a person would.
    chosen: Vec<(PathKind, PathBuf)>,
    _tmp: tempfile::TempDir,
}

/// Chooses the fixture's paths again (after a lock forgot them).
fn choose_again(fx: &Fixture) {
    let chosen = fx.app.state::<ChosenPaths>();
    // As the chooser command does: first catch up with the locks since the last command.
    chosen.forget_after_lock(state(&fx.app).locks());
    for (kind, p) in &fx.chosen {
        chosen.remember(*kind, p);
    }
}

fn state(app: &tauri::App<MockRuntime>) -> tauri::State<'_, AppState> {
    app.state::<AppState>()
}

fn pupil(forename: &str, surname: &str) -> PupilInput {
    PupilInput {
        legal_forename: forename.into(),
        legal_surname: surname.into(),
        preferred_name: None,
        date_of_birth: NaiveDate::from_ymd_opt(2016, 3, 4).unwrap(),
        year_group: "Year 5".into(),
        identifiers: vec![],
        care_status: Some("Looked after".into()),
        support_level: Some("Intensive".into()),
        relationship_start: None,
        relationship_planned_end: None,
    }
}

fn iso(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// A school: a lead, the key adult under test ("Kim"), another key adult ("Oli"); pupil `mine`
/// is Kim's, pupil `other` is Oli's and has a plan, a goal, advice, a session, a prepared
/// review and a supervision note. A backup, a handover pack and a summary file exist in a folder
/// the person "chose".
fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let chosen_dir = tmp.path().join("chosen");
    std::fs::create_dir_all(&chosen_dir).unwrap();
    // The debug-only stand-in for the native chooser (see safety.rs).
    std::env::set_var("ATTUNE_E2E_PICK_DIR", &chosen_dir);
    let app = mock_builder()
        .manage(AppState::new(tmp.path().join("vault")))
        .manage(ChosenPaths::default())
        .invoke_handler(api::handler())
        .build(mock_context(noop_assets()))
        .unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();

    let st = state(&app);
    let pending = st
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
    st.finish_setup(typed).unwrap();
    let lead = st.list_users().unwrap()[0].id.clone();
    let add = |name: &str, pass: &str| {
        st.add_user(NewUserRequest {
            name: name.into(),
            role: Role::KeyAdult,
            passphrase: pass.into(),
        })
        .unwrap()
        .id
    };
    let key_adult = add("Kim Adebayo", KEY_ADULT_PASS);
    let other_adult = add("Oli Brennan", OTHER_ADULT_PASS);
    let mine = st.add_pupil(pupil("Amara", "O'Neill")).unwrap().id;
    let other = st.add_pupil(pupil("Zoë", "Łukasik-Brown")).unwrap().id;
    st.assign_key_adult(mine, Some(key_adult.clone()), None)
        .unwrap();
    st.assign_key_adult(other, Some(other_adult.clone()), None)
        .unwrap();
    let today = Utc::now().date_naive();
    let in_two_years = today
        .with_year(today.year() + 2)
        .unwrap_or(today + Duration::days(730));
    let plan = st
        .start_plan(
            other,
            PlanInput {
                framework_id: None,
                start: today,
                horizon_end: in_two_years,
                cadence: Cadence::SixWeekly,
            },
        )
        .unwrap();
    let goal = st
        .add_goal(
            plan.id,
            GoalInput {
                domain_id: "availability".into(),
                outcome: "Zoë asks for help".into(),
                baseline: 2,
                target: 7,
                strategies: String::new(),
                who: String::new(),
                how_often: String::new(),
                pp_plus_cost_pence: None,
            },
        )
        .unwrap();
    let advice = st
        .add_agency_advice(
            other,
            AgencyAdviceInput {
                agency: AgencyKind::EducationalPsychologist,
                source: "EP service".into(),
                advised_on: today,
                advice: "Keep transitions predictable".into(),
            },
        )
        .unwrap();
    let session = st
        .log_session(
            other,
            SessionInput {
                held_on: today,
                minutes: 20,
                kind: SessionKind::CheckIn,
                regulation: None,
                note: "talked about marmalade and a kaleidoscope".into(),
                safeguarding_ref: None,
            },
        )
        .unwrap();
    let event = st
        .add_chronology_event(
            other,
            ChronologyInput {
                occurred_on: today,
                kind: ChronologyKind::Transition,
                description: "moved class".into(),
                safeguarding_ref: None,
            },
        )
        .unwrap();
    let score = st
        .add_score(
            other,
            ScoreInput {
                instrument: Instrument::Sdq,
                subscale: None,
                score: Some(20),
                stage: None,
                completed_on: today,
                completed_by: "Class teacher".into(),
            },
        )
        .unwrap();
    st.set_indicators(
        other,
        IndicatorsInput {
            term: "Autumn 2026".into(),
            attendance_pct: Some(90.0),
            exclusion_days: None,
            physical_interventions: None,
        },
    )
    .unwrap();
    let indicators = st.open_pupil(other, None).unwrap().indicators[0].id;
    let slots = st.list_reviews(plan.id).unwrap();
    let due = iso(slots[0].due_date);
    let review = st.prepare_review(plan.id, &due).unwrap();
    let note = st
        .record_supervision_note(attune_domain::lead::supervision::SupervisionNoteInput {
            held_on: today,
            kind: attune_domain::lead::supervision::SupervisionKind::Supervision,
            key_adult_id: other_adult.clone(),
            pupil_ids: vec![other],
            notes: "Zoë: marmalade".into(),
            actions: String::new(),
        })
        .unwrap();

    // The files, and the paths "chosen" for each use.
    let chosen = app.state::<ChosenPaths>();
    let backup = st
        .backup_now(&chosen_dir, &attune_vault::progress::Work::none())
        .unwrap();
    let handover = st.export_handover(other, &chosen_dir).unwrap();
    // A laptop prepared for the key adult (issue 17): its enrolment file, and laptop 1 to name.
    let enrolment = st.enrol_laptop(&key_adult, &chosen_dir).unwrap();
    let summary = st
        .export_summary(
            "2026-27",
            3,
            &chosen_dir,
            &attune_export::ExportOptions::default(),
        )
        .map(|f| PathBuf::from(f.json))
        .unwrap_or_else(|_| {
            let p = chosen_dir.join("not-a-summary.json");
            std::fs::write(&p, "{}").unwrap();
            p
        });
    let (pdf, sad) = (chosen_dir.join("plan.pdf"), chosen_dir.join("sar.html"));
    let chosen_paths = vec![
        (PathKind::Folder, chosen_dir.clone()),
        (PathKind::Open, PathBuf::from(&backup.path)),
        (PathKind::Open, PathBuf::from(&handover.path)),
        (PathKind::Open, PathBuf::from(&enrolment.path)),
        (PathKind::Open, summary.clone()),
        (PathKind::Save, pdf.clone()),
        (PathKind::Save, sad.clone()),
    ];
    for (kind, p) in &chosen_paths {
        chosen.remember(*kind, p);
    }

    let s = |p: &Path| Value::String(p.display().to_string());
    let mut values = BTreeMap::new();
    values.insert("key_adult", Value::from(key_adult.clone()));
    values.insert("key_adult_pass", Value::from(KEY_ADULT_PASS));
    values.insert("other_adult", Value::from(other_adult));
    values.insert("lead", Value::from(lead.clone()));
    values.insert("mine", Value::from(mine));
    values.insert("other", Value::from(other));
    values.insert("other_plan", Value::from(plan.id));
    values.insert("other_goal", Value::from(goal.id));
    values.insert("other_advice", Value::from(advice));
    values.insert("other_review", Value::from(review.id));
    values.insert("other_note", Value::from(note.id));
    values.insert("other_session", Value::from(session.id));
    values.insert("other_event", Value::from(event.id));
    values.insert("other_score", Value::from(score.id));
    values.insert("other_indicators", Value::from(indicators));
    values.insert("due_date", Value::from(due));
    values.insert("today", Value::from(iso(today)));
    values.insert("in_two_years", Value::from(iso(in_two_years)));
    values.insert("dir", s(&chosen_dir));
    values.insert("backup", Value::from(backup.path.clone()));
    values.insert("handover", Value::from(handover.path.clone()));
    values.insert("enrolment", Value::from(enrolment.path.clone()));
    values.insert("summary", s(&summary));
    values.insert("pdf", s(&pdf));
    values.insert("sad", s(&sad));
    Fixture {
        app,
        window,
        values,
        lead,
        key_adult,
        chosen: chosen_paths,
        _tmp: tmp,
    }
}

/// `"$name"` strings replaced by the fixture's values, recursively.
fn fill(v: Value, values: &BTreeMap<&'static str, Value>) -> Value {
    match v {
        Value::String(s) if s.starts_with('$') => values
            .get(&s[1..])
            .cloned()
            .unwrap_or_else(|| panic!("role_matrix.toml names an unknown value {s}")),
        Value::Array(a) => Value::Array(a.into_iter().map(|x| fill(x, values)).collect()),
        Value::Object(o) => {
            Value::Object(o.into_iter().map(|(k, x)| (k, fill(x, values))).collect())
        }
        other => other,
    }
}

/// Calls `cmd` through the IPC handler; the outcome as the matrix spells it, and the answer.
fn call(fx: &Fixture, cmd: &str, args: Value) -> (String, String) {
    let request = tauri::webview::InvokeRequest {
        cmd: cmd.into(),
        callback: tauri::ipc::CallbackFn(0),
        error: tauri::ipc::CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: tauri::ipc::InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: tauri::test::INVOKE_KEY.to_string(),
    };
    match get_ipc_response(&fx.window, request) {
        Ok(body) => {
            let v = body.deserialize::<Value>().unwrap_or(Value::Null);
            ("ok".into(), v.to_string())
        }
        Err(e) => {
            let kind = e
                .get("kind")
                .and_then(Value::as_str)
                .map(str::to_string)
                // Tauri's own refusal (arguments that do not parse): a plain string.
                .unwrap_or_else(|| format!("bad_args: {e}"));
            (kind, e.to_string())
        }
    }
}

fn refused_count(fx: &Fixture) -> i64 {
    state(&fx.app)
        .with_vault(|v| {
            v.conn()?
                .query_row(
                    "SELECT count(*) FROM audit_log WHERE outcome = 'refused'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(attune_vault::Error::from)
        })
        .unwrap()
}

fn signed_in_as(fx: &Fixture) -> Option<String> {
    match state(&fx.app).status().ok()? {
        AppStatus::Unlocked { session, .. } => Some(session.user.id),
        _ => None,
    }
}

/// Signed in as the key adult under test (again, if a command locked or changed the session).
fn as_key_adult(fx: &Fixture) {
    if signed_in_as(fx).as_deref() != Some(fx.key_adult.as_str()) {
        let st = state(&fx.app);
        st.lock("manual");
        st.unlock(&fx.key_adult, KEY_ADULT_PASS.into()).unwrap();
    }
    choose_again(fx);
}

fn locked(fx: &Fixture) {
    state(&fx.app).lock("manual");
    choose_again(fx);
}

#[test]
fn role_matrix() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/role_matrix.toml"),
    )
    .unwrap();
    let rows: BTreeMap<String, Row> = toml::from_str(&text).unwrap();
    let mut problems = Vec::new();
    for c in COMMANDS {
        if !rows.contains_key(c.name) {
            problems.push(format!("{}: no row in role_matrix.toml", c.name));
        }
    }
    for name in rows.keys() {
        if !COMMANDS.iter().any(|c| c.name == name) {
            problems.push(format!("{name}: a row for a command that does not exist"));
        }
    }
    // The rows must agree with the declared access classes.
    for c in COMMANDS {
        let Some(r) = rows.get(c.name) else { continue };
        let access = c.access;
        if access != Access::Open && r.locked != "locked" {
            problems.push(format!(
                "{}: declared {}, so it must answer `locked` while locked",
                c.name,
                access.as_str()
            ));
        }
        if access == Access::Open && r.locked == "locked" {
            problems.push(format!(
                "{}: declared open, yet expected to answer `locked`",
                c.name
            ));
        }
        if matches!(access, Access::Lead | Access::Pupil) && r.as_other_adult != "not_permitted" {
            problems.push(format!(
                "{}: declared {}, so a key adult (on another adult's pupil) must be refused",
                c.name,
                access.as_str()
            ));
        }
        if r.as_other_adult == "not_permitted" && !r.audited && r.not_audited_because.is_none() {
            problems.push(format!(
                "{}: a refusal must be audited, or the row say why not",
                c.name
            ));
        }
    }

    let fx = fixture();
    // As the key adult first (the locked case tries a wrong recovery key, which counts as a
    // failed unlock).
    for c in COMMANDS {
        let Some(r) = rows.get(c.name) else { continue };
        let args = fill(serde_json::from_str(&r.args).unwrap(), &fx.values);
        as_key_adult(&fx);
        let before = refused_count(&fx);
        let (got, answer) = call(&fx, c.name, args);
        if got != r.as_other_adult {
            problems.push(format!(
                "{}: as_other_adult expected {}, got {got} ({answer})",
                c.name, r.as_other_adult
            ));
        }
        if got != "ok" {
            if let Some(s) = SECRETS.iter().find(|s| answer.contains(*s)) {
                problems.push(format!(
                    "{}: the refusal names the other pupil ({s}): {answer}",
                    c.name
                ));
            }
        }
        if r.audited {
            as_key_adult(&fx);
            if refused_count(&fx) <= before {
                problems.push(format!(
                    "{}: refused but no `refused` row in the audit log",
                    c.name
                ));
            }
        }
    }
    for c in COMMANDS {
        let Some(r) = rows.get(c.name) else { continue };
        let args = fill(serde_json::from_str(&r.args).unwrap(), &fx.values);
        locked(&fx);
        let (got, answer) = call(&fx, c.name, args);
        if got != r.locked {
            problems.push(format!(
                "{}: locked expected {}, got {got} ({answer})",
                c.name, r.locked
            ));
        }
        if got != "ok" {
            if let Some(s) = SECRETS.iter().find(|s| answer.contains(*s)) {
                problems.push(format!(
                    "{}: the locked answer names the pupil ({s}): {answer}",
                    c.name
                ));
            }
        }
    }
    // The lead can still open the vault and its audit chain is intact after all that.
    locked(&fx);
    state(&fx.app).unlock(&fx.lead, LEAD_PASS.into()).unwrap();
    assert!(state(&fx.app).verify_audit().unwrap().intact);
    assert!(problems.is_empty(), "role matrix:\n{}", problems.join("\n"));
}
