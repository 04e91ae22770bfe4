#![allow(dead_code)]
//! Shared set-up: real SQLCipher vaults in temporary folders.

use std::path::{Path, PathBuf};

use attune_domain::date;
use attune_domain::model::{IdentifierInput, PupilInput};
use attune_domain::rules::identifiers::{upn_check_letter, IdentifierKind};
use attune_domain::{record::pupils, rules::framework};
use attune_vault::{Passphrase, RecoveryKey, Role, Vault};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rand::SeedableRng;

pub const LEAD_PASS: &str = "correct horse battery staple 1917";
pub const KA1_PASS: &str = "plum orchard lantern quietly 42";
pub const KA2_PASS: &str = "violet tugboat meadow sings 8";

pub fn rng(seed: u64) -> rand_chacha::ChaCha20Rng {
    rand_chacha::ChaCha20Rng::seed_from_u64(seed)
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()
}

pub fn today() -> NaiveDate {
    now().date_naive()
}

pub fn frameworks() -> Vec<framework::Framework> {
    framework::builtin()
}

/// A valid permanent UPN from 12 digits' worth of `n`.
pub fn upn(n: u64) -> String {
    let rest = format!("{:012}", n);
    format!("{}{}", upn_check_letter(&rest).unwrap(), rest)
}

pub fn pupil(forename: &str, surname: &str, upn_value: Option<&str>) -> PupilInput {
    PupilInput {
        legal_forename: forename.into(),
        legal_surname: surname.into(),
        preferred_name: None,
        date_of_birth: date!(2016 - 03 - 04),
        year_group: "Year 5".into(),
        identifiers: upn_value
            .map(|v| {
                vec![IdentifierInput {
                    kind: IdentifierKind::Upn,
                    value: v.into(),
                }]
            })
            .unwrap_or_default(),
        care_status: Some("Looked after".into()),
        support_level: Some("Intensive".into()),
        relationship_start: None,
        relationship_planned_end: None,
    }
}

/// A vault with a strategic lead (open) and two key adults.
pub struct School {
    pub _tmp: tempfile::TempDir,
    pub dir: PathBuf,
    pub lead_id: String,
    pub ka1_id: String,
    pub ka2_id: String,
}

pub fn school() -> (School, Vault) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let mut r = rng(1);
    let recovery = RecoveryKey::generate(&mut r);
    let mut v = Vault::create(
        &dir,
        "Hillside Primary",
        "Ada Lovelace",
        &Passphrase::new(LEAD_PASS),
        &recovery,
        &mut r,
        now(),
    )
    .unwrap();
    let lead_id = v.session().user.id.clone();
    let ka1 = v
        .add_user(
            "Grace Hopper",
            Role::KeyAdult,
            &Passphrase::new(KA1_PASS),
            &mut r,
            now(),
        )
        .unwrap();
    let ka2 = v
        .add_user(
            "Alan Turing",
            Role::KeyAdult,
            &Passphrase::new(KA2_PASS),
            &mut r,
            now(),
        )
        .unwrap();
    (
        School {
            _tmp: tmp,
            dir,
            lead_id,
            ka1_id: ka1.id,
            ka2_id: ka2.id,
        },
        v,
    )
}

pub fn unlock(dir: &Path, user_id: &str, pass: &str) -> Vault {
    Vault::unlock(dir, user_id, &Passphrase::new(pass), &mut rng(7), now()).unwrap()
}

/// Adds a pupil as the lead and assigns them to `key_adult`.
pub fn add_assigned(v: &mut Vault, input: &PupilInput, key_adult: &str) -> i64 {
    let p = pupils::add_pupil(v, input, now()).unwrap();
    pupils::assign_key_adult(v, p.id, Some(key_adult), today(), now()).unwrap();
    p.id
}

/// The newest audit entry.
pub fn last_audit(v: &Vault) -> attune_vault::audit::AuditEntry {
    attune_vault::audit::list(v.conn().unwrap(), None, 1)
        .unwrap()
        .remove(0)
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A plan with one goal for `pupil_id`, and the draft review of its first due date. Returns
/// (plan, goal, review).
pub fn plan_with_review(v: &mut Vault, pupil_id: i64) -> (i64, i64, i64) {
    use attune_domain::model::{GoalInput, PlanInput};
    use attune_domain::planning::{plans, reviews};
    use attune_domain::rules::schedule::Cadence;
    let plan = plans::start_plan(
        v,
        pupil_id,
        &PlanInput {
            framework_id: None,
            start: date!(2026 - 09 - 07),
            horizon_end: date!(2029 - 07 - 20),
            cadence: Cadence::Termly,
        },
        &frameworks(),
        today(),
        now(),
    )
    .unwrap();
    plans::add_goal(
        v,
        plan.id,
        &GoalInput {
            domain_id: "belonging".into(),
            outcome: "Joins a lunchtime club".into(),
            baseline: 1,
            target: 6,
            strategies: "Check-ins".into(),
            who: String::new(),
            how_often: String::new(),
            pp_plus_cost_pence: None,
        },
        &frameworks(),
        now(),
    )
    .unwrap();
    let goal = plans::get_plan(v, plan.id, &frameworks(), today(), now())
        .unwrap()
        .goals[0]
        .id;
    let r = reviews::prepare_review(v, plan.id, plan.due_dates[0].date, today(), now()).unwrap();
    (plan.id, goal, r.id)
}

/// A review ready to sign: one attendee, the goal rated, the pupil's voice.
pub fn review_input(goal: i64, voice: &str, rating: u8) -> attune_domain::model::ReviewInput {
    use attune_domain::model::{AttendeeInput, GoalDecision, GoalReviewInput, ReviewInput};
    ReviewInput {
        attendees: vec![AttendeeInput {
            name: "Carer".into(),
            role: "carer".into(),
            scaling: Some(6),
        }],
        goals: vec![GoalReviewInput {
            goal_id: goal,
            rating: Some(rating),
            evidence: format!("Evidence: {voice}"),
            decision: Some(GoalDecision::Continue),
        }],
        pupil_voice: voice.into(),
        ..ReviewInput::default()
    }
}

/// The passphrase a key adult sets on the laptop [`laptop`] prepares.
pub const LAPTOP_PASS: &str = "violet harbour ginger tramline 58";

/// Prepares a laptop for `key_adult` at the school `v` and joins it in a temporary folder, its
/// sync started: the laptop's vault, open as the key adult, and the folder that holds it.
pub fn laptop(
    v: &mut Vault,
    key_adult: &str,
    r: &mut rand_chacha::ChaCha20Rng,
) -> (tempfile::TempDir, Vault) {
    let e = attune_domain::transfer::enrol::enrol_laptop(v, key_adult, r, now()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let (mut lv, _) = Vault::join(
        &tmp.path().join("laptop"),
        &e.bytes,
        e.passphrase.expose(),
        &Passphrase::new(LAPTOP_PASS),
        r,
        now(),
    )
    .unwrap();
    attune_domain::transfer::sync::start(&mut lv, r).unwrap();
    (tmp, lv)
}
