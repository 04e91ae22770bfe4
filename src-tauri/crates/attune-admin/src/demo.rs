//! The deterministic demo-data generator behind `attune-admin demo` and `attune-admin bench`.
//!
//! Everything is written through the same domain functions the app's commands call
//! (`pupils::add_pupil`, `assign_key_adult`, `plans::start_plan`, `add_goal`,
//! `records::log_session`, `add_chronology_event`, `add_score`, `set_indicators`,
//! `reviews::prepare_review`, `save_review_draft`, `sign_review`, `Vault::add_user`), so the rules, the audit entries and the search index are exactly what
//! real use produces. Each call commits on its own (`synchronous=FULL`), as in the app.
//!
//! The *content* (names, dates, notes, scores) comes from a `ChaCha20Rng` seeded with `--seed`,
//! so the same seed and size give the same records. The vault's own secrets (its key, key
//! slots, user ids) still come from the operating system's generator: a seed printed on a
//! command line must never be a key.
//!
//! Shape of one pupil (3 school years, September 2023 to July 2026): a plan (default framework,
//! half-termly reviews, about 18 due dates) with 6 goals; about 350 sessions (3 a week in term
//! time) with notes of 80–300 characters; 10 chronology events; 4 instrument scores; termly
//! indicators for 9 terms; a signed review for every due date but the last (17 of the 18 due
//! by July 2026: the last is left as the next review to prepare), each with 2–6 attendees and
//! their own scaling, a rating, evidence and a decision per active goal (mostly continue; a goal
//! at its target is sometimes achieved, and a new goal replaces it), the pupil's and the
//! carer's voices and the three Signs of Safety columns (60–700 characters each). Also an
//! "about me", two pieces of outside-agency advice and a TouchBase team of four per pupil, and
//! a supervision note for each key adult every half term (from a second seeded stream, so the
//! rest is as it was before these were added). Users: the strategic lead plus 19 key adults, each assigned an
//! equal share of the pupils (about 25 each at the large size).

use std::time::Instant;

use std::collections::BTreeMap;

use attune_domain::lead::supervision::{self, SupervisionKind, SupervisionNoteInput};
use attune_domain::model::{
    AgencyAdviceInput, AgencyKind, AttendeeInput, ChronologyInput, ChronologyKind, GoalDecision,
    GoalInput, GoalReviewInput, IndicatorsInput, Instrument, PlanInput, Profile, PupilInput,
    ReviewInput, ScoreInput, SessionInput, SessionKind, TeamMemberInput,
};
use attune_domain::rules::schedule::Cadence;
use attune_domain::{
    planning::plans, planning::reviews, planning::school_frameworks, record::profile,
    record::pupils, record::records, rules::framework::Framework,
};
use attune_vault::{Passphrase, Role, UserInfo, Vault};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use rand::rngs::OsRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::error::Result;

/// How big a school to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Size {
    /// 30 pupils.
    Small,
    /// 500 pupils.
    Large,
    /// 2,000 pupils.
    Xl,
}

impl Size {
    pub fn pupils(self) -> usize {
        match self {
            Size::Small => 30,
            Size::Large => 500,
            Size::Xl => 2000,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Size::Small => "small",
            Size::Large => "large",
            Size::Xl => "xl",
        }
    }
}

/// Key adults added besides the strategic lead (20 users in all).
pub const KEY_ADULTS: usize = 19;

/// What was generated.
#[derive(Debug, Clone)]
pub struct Generated {
    pub key_adults: Vec<UserInfo>,
    /// Every pupil id, and the key adult each is assigned to (index into `key_adults`).
    pub pupils: Vec<(i64, usize)>,
    pub sessions: u64,
    pub chronology: u64,
    pub scores: u64,
    pub goals: u64,
    /// Signed reviews.
    pub reviews: u64,
    /// Seconds spent preparing, saving and signing the reviews (part of `secs`).
    pub review_secs: f64,
    /// Per pupil, in the order of `pupils`: its plan and what the benchmark uses of it.
    pub plans: Vec<GenPlan>,
    pub secs: f64,
}

/// A generated pupil's plan.
#[derive(Debug, Clone)]
pub struct GenPlan {
    pub plan_id: i64,
    /// The goal with the longest progress series (the most signed ratings).
    pub series_goal: i64,
    /// The plan's first due date with no review: the next one to prepare, if any.
    pub next_due: Option<NaiveDate>,
}

const FORENAMES: &[&str] = &[
    "Amelia",
    "Oliver",
    "Zoë",
    "Siân",
    "Aoife",
    "Chloé",
    "José",
    "Oluwaseun",
    "Mohammed",
    "Aisha",
    "Noah",
    "Isla",
    "Leo",
    "Freya",
    "Kacper",
    "Zuzanna",
    "Niamh",
    "Eilidh",
    "Ruaidhrí",
    "Dmitri",
    "Anaïs",
    "Björn",
    "Ngozi",
    "Priya",
    "Arjun",
    "Fatima",
    "Yusuf",
    "Mei",
    "Hiroshi",
    "Ellie-May",
    "Jayden",
    "Renée",
    "Seán",
    "Tomás",
    "Ana-Sofia",
    "Ifeoluwa",
    "Lily",
    "Harry",
    "Grace",
    "Muhammad",
    "Дмитрий",
    "Анна",
    "محمد",
    "فاطمة",
    "李娜",
    "王伟",
    "김민준",
    "Αλέξης",
    "Kofi",
    "Amara",
];

const SURNAMES: &[&str] = &[
    "O'Brien",
    "D'Souza",
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Müller",
    "Núñez",
    "Kowalczyk",
    "Wójcik",
    "Ó Súilleabháin",
    "MacDonald",
    "Ahmed",
    "Khan",
    "Patel",
    "Iyer",
    "Popescu",
    "Nguyễn",
    "Okafor",
    "Adeyemi",
    "Evans",
    "Davies",
    "ap Rhys",
    "Le Fèvre",
    "van der Berg",
    "Brown",
    "Wilson",
    "Thompson",
    "Robinson",
    "Wright",
    "Walker",
    "Hughes",
    "Green",
    "Hall",
    "Clarke",
    "Jackson",
    "Wood",
    "Harris",
    "Martin",
    "Cooper",
    "Иванов",
    "Петрова",
    "الحسن",
    "王",
    "李",
    "김",
    "Παπαδόπουλος",
    "Mensah",
    "Owusu",
    "Fitzgerald",
];

/// Words for notes. Realistic vocabulary of a key adult's notes; "lego" is the word the
/// benchmark searches for.
const WORDS: &[&str] = &[
    "calm",
    "settled",
    "arrived",
    "late",
    "breakfast",
    "club",
    "lego",
    "drawing",
    "talked",
    "about",
    "weekend",
    "contact",
    "visit",
    "carer",
    "foster",
    "mum",
    "dad",
    "nan",
    "brother",
    "sister",
    "worried",
    "anxious",
    "happy",
    "proud",
    "reading",
    "maths",
    "lesson",
    "playtime",
    "friendship",
    "fell",
    "out",
    "with",
    "peer",
    "repaired",
    "apologised",
    "used",
    "zones",
    "regulation",
    "breathing",
    "sensory",
    "room",
    "walk",
    "outside",
    "garden",
    "planted",
    "seeds",
    "checked",
    "in",
    "at",
    "lunch",
    "quiet",
    "tired",
    "slept",
    "poorly",
    "new",
    "shoes",
    "uniform",
    "PE",
    "kit",
    "forgot",
    "homework",
    "praised",
    "sticker",
    "chart",
    "target",
    "met",
    "transition",
    "class",
    "teacher",
    "supply",
    "change",
    "routine",
    "visual",
    "timetable",
    "social",
    "story",
    "emotion",
    "coaching",
    "named",
    "feelings",
    "angry",
    "sad",
    "excited",
    "birthday",
    "party",
    "trip",
    "museum",
    "swimming",
    "football",
    "team",
    "game",
    "turn",
    "taking",
    "shared",
    "snack",
    "toast",
    "hot",
    "chocolate",
    "music",
    "drumming",
    "art",
    "clay",
    "puppets",
    "sand",
    "tray",
    "story",
    "book",
    "library",
    "chose",
    "wrote",
    "letter",
    "to",
    "future",
    "self",
    "goal",
    "progress",
    "review",
    "meeting",
    "PEP",
    "social",
    "worker",
    "virtual",
    "school",
    "head",
    "attendance",
    "improved",
    "dropped",
    "absent",
    "medical",
    "appointment",
    "dentist",
    "glasses",
    "hearing",
    "speech",
    "therapy",
    "said",
    "felt",
    "safe",
    "trusted",
    "adult",
    "asked",
    "for",
    "help",
    "independently",
    "returned",
    "to",
    "class",
    "after",
    "ten",
    "minutes",
    "wobble",
    "morning",
    "afternoon",
    "hometime",
    "pickup",
    "taxi",
    "escort",
    "bus",
    "rain",
    "wet",
    "play",
    "indoors",
    "computer",
    "coding",
    "minecraft",
    "building",
    "model",
    "volcano",
    "science",
    "experiment",
    "baking",
    "cookies",
];

const DOMAIN_OUTCOMES: &[&str] = &[
    "will seek out a trusted adult when feeling worried, on most days",
    "will use a regulation strategy of their choosing before an incident escalates",
    "will join a small group activity at lunchtime twice a week",
    "will arrive at school and settle into class within ten minutes",
    "will name how they feel using the emotion chart in check-ins",
    "will take part in a shared game, taking turns, without adult prompting",
    "will accept help with a task they find hard in class",
    "will keep their belongings organised and ready for the day",
];

const COMPLETED_BY: &[&str] = &["class teacher", "key adult", "carer", "SENCo"];
const CARE: &[&str] = &[
    "Looked after",
    "Previously looked after",
    "Child in need",
    "None",
];
const SUPPORT: &[&str] = &["Universal", "Additional", "Intensive"];

fn date(y: i32, m: u8, d: u8) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, u32::from(m), u32::from(d)).expect("valid date")
}

fn at(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(15, 30, 0).expect("valid time").and_utc()
}

/// Term-time ranges of the three school years generated (England's usual shape).
fn terms() -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    for y in 2023..2026 {
        out.extend([
            (date(y, 9, 4), date(y, 10, 20)),
            (date(y, 10, 30), date(y, 12, 19)),
            (date(y + 1, 1, 6), date(y + 1, 2, 13)),
            (date(y + 1, 2, 23), date(y + 1, 3, 27)),
            (date(y + 1, 4, 13), date(y + 1, 5, 22)),
            (date(y + 1, 6, 1), date(y + 1, 7, 17)),
        ]);
    }
    out
}

/// Text of roughly `min..=max` characters made of sentences from the word list.
pub fn note(rng: &mut ChaCha20Rng, min: usize, max: usize) -> String {
    let target = rng.gen_range(min..=max);
    let mut s = String::new();
    let mut sentence_len = 0;
    loop {
        let w = WORDS[rng.gen_range(0..WORDS.len())];
        let next_len = s.chars().count() + w.chars().count() + 2;
        if next_len > target && s.chars().count() >= min {
            break;
        }
        if next_len > max {
            break;
        }
        if sentence_len == 0 {
            if !s.is_empty() {
                s.push(' ');
            }
            let mut c = w.chars();
            let first = c.next().expect("non-empty word");
            s.extend(first.to_uppercase());
            s.push_str(c.as_str());
        } else {
            s.push(' ');
            s.push_str(w);
        }
        sentence_len += 1;
        if sentence_len >= rng.gen_range(6..14) {
            s.push('.');
            sentence_len = 0;
        }
    }
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

/// Who else comes to a review besides the key adult (name, role).
const ATTENDEES: &[(&str, &str)] = &[
    ("Class teacher", "class teacher"),
    ("Carer", "foster carer"),
    ("Parent", "parent"),
    ("SENCo", "SENCo"),
    ("Social worker", "social worker"),
    ("Virtual school", "virtual school head"),
    ("Teaching assistant", "teaching assistant"),
    ("Educational psychologist", "educational psychologist"),
];

/// A TouchBase team member's role (one of them the Lego therapy lead, so the search word is
/// in some teams).
const TEAM_ROLES: &[&str] = &[
    "class teacher",
    "SENCo",
    "foster carer",
    "teaching assistant",
    "Lego therapy lead",
    "designated teacher",
    "social worker",
];

/// Outside agencies and who gave their advice.
const AGENCIES: &[(AgencyKind, &str)] = &[
    (
        AgencyKind::EducationalPsychologist,
        "Dr A. Patel, EP service",
    ),
    (AgencyKind::Camhs, "CAMHS duty worker"),
    (
        AgencyKind::SocialWorker,
        "Social worker, children's services",
    ),
    (AgencyKind::Other, "Speech and language therapist"),
];

/// The pupil's "about me", two pieces of outside-agency advice and a TouchBase team of four,
/// from `rng` (its own stream, so the rest of the data is as it was before these were added).
fn write_about(
    vault: &mut Vault,
    rng: &mut ChaCha20Rng,
    pupil_id: i64,
    forename: &str,
) -> Result<()> {
    let written = at(date(2023, 9, 15));
    let about = Profile {
        strengths_interests: note(rng, 60, 300),
        what_helps: note(rng, 60, 300),
        what_does_not_help: note(rng, 60, 300),
        stressors: note(rng, 40, 200),
        calmers: note(rng, 40, 200),
        story: note(rng, 100, 600),
        starting_point: note(rng, 60, 300),
        developmental_age_notes: note(rng, 40, 200),
    };
    profile::save_profile(vault, pupil_id, &about, written)?;
    for k in 0..2 {
        let (agency, source) = AGENCIES[rng.gen_range(0..AGENCIES.len())];
        let on = date(2024, 1, 10) + Duration::days(k * 300 + rng.gen_range(0..200));
        profile::add_agency_advice(
            vault,
            pupil_id,
            &AgencyAdviceInput {
                agency,
                source: source.to_string(),
                advised_on: on,
                advice: note(rng, 100, 500),
            },
            at(on),
        )?;
    }
    let mut team = vec![TeamMemberInput {
        name: forename.to_string(),
        role: "pupil".into(),
    }];
    for _ in 0..3 {
        team.push(TeamMemberInput {
            name: format!("{} {}", pick(rng, FORENAMES), pick(rng, SURNAMES)),
            role: pick(rng, TEAM_ROLES).to_string(),
        });
    }
    profile::set_team(vault, pupil_id, &team, written)?;
    Ok(())
}

/// A supervision note for each key adult every half term of the history (18 each), recorded by the
/// lead, with no pupils named (the text is from the word list).
fn write_supervision(
    vault: &mut Vault,
    rng: &mut ChaCha20Rng,
    key_adults: &[UserInfo],
    end: NaiveDate,
) -> Result<u64> {
    let mut n = 0;
    for (from, _) in terms() {
        let held_on = from + Duration::weeks(2);
        if held_on > end {
            continue;
        }
        for ka in key_adults {
            let input = SupervisionNoteInput {
                held_on,
                kind: if rng.gen_bool(0.8) {
                    SupervisionKind::Supervision
                } else {
                    SupervisionKind::Consultation
                },
                key_adult_id: ka.id.clone(),
                pupil_ids: Vec::new(),
                notes: note(rng, 150, 800),
                actions: note(rng, 40, 300),
            };
            supervision::record_supervision_note(vault, &input, end, at(held_on))?;
            n += 1;
        }
    }
    Ok(n)
}

/// Every review of one generated plan needs these.
struct ReviewCtx<'a> {
    plan_id: i64,
    /// The plan's due dates, in order.
    due: Vec<NaiveDate>,
    /// The last day of the generated history.
    end: NaiveDate,
    forename: &'a str,
    key_adult: &'a str,
}

fn goal_input(rng: &mut ChaCha20Rng, forename: &str, domain_id: &str) -> GoalInput {
    let baseline = rng.gen_range(1..=5);
    GoalInput {
        domain_id: domain_id.to_string(),
        outcome: format!("{forename} {}", pick(rng, DOMAIN_OUTCOMES)),
        baseline,
        target: rng.gen_range(baseline + 2..=10),
        strategies: note(rng, 40, 120),
        who: "Key adult and class teacher".into(),
        how_often: "Daily check-in".into(),
        pp_plus_cost_pence: rng.gen_bool(0.3).then(|| rng.gen_range(500..20000)),
    }
}

/// Holds and signs off a review for every due date of the history but the last, through
/// `reviews::prepare_review`, `save_review_draft` and `sign_review` as the app does. Ratings
/// move from each goal's last rating (its baseline at first); a goal rated at or above its
/// target is sometimes decided achieved, and a new goal in the same domain, agreed at the
/// review (`ReviewInput::new_goals`), takes its place when it is signed off.
/// Returns the signed reviews, the goal with the longest progress series, and the first due
/// date left without a review.
fn make_reviews(
    vault: &mut Vault,
    rng: &mut ChaCha20Rng,
    g: &mut Generated,
    c: &ReviewCtx<'_>,
) -> Result<(u64, i64, Option<NaiveDate>)> {
    let in_history: Vec<NaiveDate> = c.due.iter().copied().filter(|d| *d <= c.end).collect();
    let to_hold = in_history.len().saturating_sub(1);
    let mut ratings: BTreeMap<i64, u32> = BTreeMap::new();
    let mut signed = 0;
    for &due in &in_history[..to_hold] {
        // Held in the review week, or now and then a week or two late.
        let on = if rng.gen_bool(0.08) {
            due + Duration::days(rng.gen_range(7..=16))
        } else {
            due + Duration::days(rng.gen_range(0..=4))
        };
        let meeting = on.and_hms_opt(9, 30, 0).expect("valid time").and_utc();
        let review = reviews::prepare_review(vault, c.plan_id, due, on, meeting)?;
        let mut attendees = vec![AttendeeInput {
            name: c.key_adult.to_string(),
            role: "key adult".into(),
            scaling: Some(rng.gen_range(3..=9)),
        }];
        let mut others: Vec<&(&str, &str)> = ATTENDEES.iter().collect();
        others.shuffle(rng);
        for (name, role) in others.into_iter().take(rng.gen_range(1..=4)) {
            attendees.push(AttendeeInput {
                name: (*name).to_string(),
                role: (*role).to_string(),
                scaling: (!rng.gen_bool(0.1)).then(|| rng.gen_range(2..=10)),
            });
        }
        if rng.gen_bool(0.6) {
            attendees.push(AttendeeInput {
                name: c.forename.to_string(),
                role: "pupil".into(),
                scaling: Some(rng.gen_range(2..=10)),
            });
        }
        let mut achieved = Vec::new();
        let goals = review
            .prefill
            .goals
            .iter()
            .map(|p| {
                let last = i32::from(p.last_rating.unwrap_or(p.baseline));
                let step = [-1, 0, 0, 1, 1, 1, 2][rng.gen_range(0..7)];
                let rating = (last + step).clamp(0, 10) as u8;
                let decision = if rating >= p.target && rng.gen_bool(0.4) {
                    achieved.push(p.domain_id.clone());
                    GoalDecision::Achieved
                } else if rng.gen_bool(0.05) {
                    GoalDecision::Change
                } else {
                    GoalDecision::Continue
                };
                *ratings.entry(p.goal_id).or_default() += 1;
                GoalReviewInput {
                    goal_id: p.goal_id,
                    rating: Some(rating),
                    evidence: note(rng, 60, 300),
                    decision: Some(decision),
                }
            })
            .collect();
        // A new goal in the same domain replaces each one achieved, agreed at the review.
        let new_goals = achieved
            .iter()
            .map(|domain_id| goal_input(rng, c.forename, domain_id))
            .collect();
        let input = ReviewInput {
            attendees,
            goals,
            pupil_voice: note(rng, 60, 400),
            parent_carer_voice: note(rng, 60, 400),
            working_well: note(rng, 150, 700),
            worried_about: note(rng, 100, 600),
            needs_to_happen: note(rng, 100, 600),
            next_steps: note(rng, 80, 400),
            new_goals,
            next_review_date: None,
        };
        reviews::save_review_draft(vault, review.id, &input, meeting + Duration::minutes(50))?;
        reviews::sign_review(vault, review.id, meeting + Duration::minutes(55))?;
        signed += 1;
        g.goals += achieved.len() as u64;
    }
    let series_goal = ratings
        .iter()
        .max_by_key(|(id, n)| (**n, std::cmp::Reverse(**id)))
        .map(|(id, _)| *id)
        .unwrap_or_default();
    Ok((signed, series_goal, in_history.get(to_hold).copied()))
}

fn pick<'a>(rng: &mut ChaCha20Rng, list: &[&'a str]) -> &'a str {
    list.choose(rng).copied().expect("non-empty list")
}

/// Fill `vault` (open as a strategic lead) with a generated school of `size`. Key adults get
/// `passphrase` too. Progress goes to stderr when `progress` is set.
pub fn generate(
    vault: &mut Vault,
    size: Size,
    seed: u64,
    passphrase: &Passphrase,
    progress: bool,
) -> Result<Generated> {
    // Made-up data that can be made again: its ~175,000 commits (500 pupils) need not each
    // wait for the disk. The vault's own setting is back before it is handed over.
    vault.set_bulk_loading(true)?;
    let result = generate_inner(vault, size, seed, passphrase, progress);
    vault.set_bulk_loading(false)?;
    result
}

fn generate_inner(
    vault: &mut Vault,
    size: Size,
    seed: u64,
    passphrase: &Passphrase,
    progress: bool,
) -> Result<Generated> {
    let started = Instant::now();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    // "About me", advice, teams and supervision notes: a stream of their own.
    let mut text_rng = ChaCha20Rng::seed_from_u64(seed ^ 0x5EA5_C4ED);
    let frameworks: Vec<Framework> = school_frameworks::list_frameworks(vault)?;
    let fw = frameworks
        .iter()
        .find(|f| f.is_default)
        .or(frameworks.first())
        .cloned()
        .expect("the built-in frameworks are always there");

    // Users: 19 key adults with distinct names.
    let setup = at(date(2023, 9, 1));
    let mut key_adults = Vec::new();
    let mut taken: Vec<String> = vault.users()?.into_iter().map(|u| u.name).collect();
    while key_adults.len() < KEY_ADULTS {
        let name = format!("{} {}", pick(&mut rng, FORENAMES), pick(&mut rng, SURNAMES));
        if taken
            .iter()
            .any(|t| t.to_lowercase() == name.to_lowercase())
        {
            continue;
        }
        taken.push(name.clone());
        // Argon2id per user: about half a second each in a release build.
        let u = vault.add_user(&name, Role::KeyAdult, passphrase, &mut OsRng, setup)?;
        key_adults.push(u);
    }
    if progress {
        eprintln!(
            "demo: {} key adults added ({:.1} s)",
            key_adults.len(),
            started.elapsed().as_secs_f64()
        );
    }

    let terms = terms();
    let end = date(2026, 7, 17);
    let plan_start = date(2023, 9, 11);
    let mut g = Generated {
        key_adults: Vec::new(),
        pupils: Vec::new(),
        sessions: 0,
        chronology: 0,
        scores: 0,
        goals: 0,
        reviews: 0,
        review_secs: 0.0,
        plans: Vec::new(),
        secs: 0.0,
    };
    for i in 0..size.pupils() {
        // The pupil: year 1 to 9 in September 2023, born in that school year.
        let year = rng.gen_range(1..=9);
        let born_from = date(2017 - (year - 1), 9, 1);
        let dob = born_from + Duration::days(rng.gen_range(0..365));
        let forename = pick(&mut rng, FORENAMES).to_string();
        let preferred = rng
            .gen_bool(0.1)
            .then(|| forename.chars().take(3).collect::<String>());
        let input = PupilInput {
            legal_forename: forename,
            legal_surname: pick(&mut rng, SURNAMES).to_string(),
            preferred_name: preferred,
            date_of_birth: dob,
            year_group: format!("Year {year}"),
            identifiers: Vec::new(),
            care_status: Some(pick(&mut rng, CARE).to_string()),
            support_level: Some(pick(&mut rng, SUPPORT).to_string()),
            relationship_start: Some(date(2023, 9, 4)),
            relationship_planned_end: None,
        };
        let pupil = pupils::add_pupil(vault, &input, setup)?;
        let ka = i % key_adults.len();
        pupils::assign_key_adult(
            vault,
            pupil.id,
            Some(&key_adults[ka].id),
            date(2023, 9, 1),
            setup,
        )?;

        // The plan and its 6 goals.
        let plan = plans::start_plan(
            vault,
            pupil.id,
            &PlanInput {
                framework_id: None,
                start: plan_start,
                horizon_end: plans::add_years(plan_start, 3),
                cadence: Cadence::HalfTermly,
            },
            &frameworks,
            plan_start,
            at(plan_start),
        )?;
        for k in 0..6 {
            let domain = &fw.domains[k % fw.domains.len()];
            plans::add_goal(
                vault,
                plan.id,
                &goal_input(&mut rng, &input.legal_forename, &domain.id),
                &frameworks,
                at(plan_start),
            )?;
            g.goals += 1;
        }

        // Sessions: Monday, Wednesday and Friday in term time, a few missed, a few extra.
        for (from, to) in &terms {
            let mut d = *from;
            while d <= *to && d <= end {
                let usual = matches!(d.weekday(), Weekday::Mon | Weekday::Wed | Weekday::Fri);
                let take = if usual {
                    !rng.gen_bool(0.06)
                } else {
                    d.weekday() == Weekday::Tue && rng.gen_bool(0.3)
                };
                if take {
                    let kind = match rng.gen_range(0..20) {
                        0 => SessionKind::Crisis,
                        1..=6 => SessionKind::CheckIn,
                        7..=9 => SessionKind::MeetAndGreet,
                        _ => SessionKind::Planned,
                    };
                    records::log_session(
                        vault,
                        pupil.id,
                        &SessionInput {
                            held_on: d,
                            minutes: rng.gen_range(10..=60),
                            kind,
                            regulation: Some(rng.gen_range(2..=10)),
                            note: note(&mut rng, 80, 300),
                            safeguarding_ref: None,
                        },
                        at(d),
                    )?;
                    g.sessions += 1;
                }
                d = d.succ_opt().expect("in range");
            }
        }

        // Chronology: 10 events across the three years.
        let mut days: Vec<i64> = (0..10).map(|_| rng.gen_range(0..1040)).collect();
        days.sort_unstable();
        for day in days {
            let d = date(2023, 9, 4) + Duration::days(day);
            let kind = match rng.gen_range(0..6) {
                0 => ChronologyKind::PlacementMove,
                1 => ChronologyKind::Bereavement,
                2 => ChronologyKind::Exclusion,
                3 => ChronologyKind::Transition,
                4 => ChronologyKind::NewSibling,
                _ => ChronologyKind::Other,
            };
            records::add_chronology_event(
                vault,
                pupil.id,
                &ChronologyInput {
                    occurred_on: d,
                    kind,
                    description: note(&mut rng, 40, 200),
                    safeguarding_ref: rng
                        .gen_bool(0.2)
                        .then(|| format!("CPOMS {}", rng.gen_range(10000..99999))),
                },
                at(d),
            )?;
            g.chronology += 1;
        }

        // Scores: SDQ total twice, a Boxall strand, a Thrive stage.
        let stage = records::THRIVE_STAGES[rng.gen_range(0..records::THRIVE_STAGES.len())];
        let scores = [
            (
                Instrument::Sdq,
                None,
                Some(rng.gen_range(8..=30)),
                None,
                date(2023, 9, 20),
            ),
            (
                Instrument::Boxall,
                Some("A".to_string()),
                Some(rng.gen_range(0..=40)),
                None,
                date(2024, 1, 15),
            ),
            (
                Instrument::Thrive,
                None,
                None,
                Some(stage.to_string()),
                date(2024, 10, 10),
            ),
            (
                Instrument::Sdq,
                None,
                Some(rng.gen_range(4..=25)),
                None,
                date(2025, 6, 20),
            ),
        ];
        for (instrument, subscale, score, stage, on) in scores {
            records::add_score(
                vault,
                pupil.id,
                &ScoreInput {
                    instrument,
                    subscale,
                    score,
                    stage,
                    completed_on: on,
                    completed_by: pick(&mut rng, COMPLETED_BY).to_string(),
                },
                at(on),
            )?;
            g.scores += 1;
        }

        // Termly indicators.
        for y in 2023..2026 {
            for (term, cal_year, month) in [
                ("Autumn", y, 12),
                ("Spring", y + 1, 4),
                ("Summer", y + 1, 7),
            ] {
                records::set_indicators(
                    vault,
                    pupil.id,
                    &IndicatorsInput {
                        term: format!("{term} {cal_year}"),
                        attendance_pct: Some(f64::from(rng.gen_range(780..=1000u32)) / 10.0),
                        exclusion_days: Some(if rng.gen_bool(0.1) { 0.5 } else { 0.0 }),
                        physical_interventions: Some(rng.gen_range(0..3)),
                    },
                    at(date(cal_year, month, 10)),
                )?;
            }
        }

        // Reviews: every due date of the history but the last is held and signed off.
        let reviews_started = Instant::now();
        let (signed, series_goal, next_due) = make_reviews(
            vault,
            &mut rng,
            &mut g,
            &ReviewCtx {
                plan_id: plan.id,
                due: plan.due_dates.iter().map(|d| d.date).collect(),
                end,
                forename: &input.legal_forename,
                key_adult: &key_adults[ka].name,
            },
        )?;
        g.reviews += signed;
        g.review_secs += reviews_started.elapsed().as_secs_f64();
        g.plans.push(GenPlan {
            plan_id: plan.id,
            series_goal,
            next_due,
        });

        write_about(vault, &mut text_rng, pupil.id, &input.legal_forename)?;

        g.pupils.push((pupil.id, ka));
        if progress && ((i + 1) % 25 == 0 || i + 1 == size.pupils()) {
            eprintln!(
                "demo: {}/{} pupils, {} sessions, {} reviews ({:.1} s, {:.1} s of it reviews)",
                i + 1,
                size.pupils(),
                g.sessions,
                g.reviews,
                started.elapsed().as_secs_f64(),
                g.review_secs
            );
        }
    }
    let notes = write_supervision(vault, &mut text_rng, &key_adults, end)?;
    if progress {
        eprintln!(
            "demo: {notes} supervision notes ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
    }
    g.key_adults = key_adults;
    g.secs = started.elapsed().as_secs_f64();
    Ok(g)
}
