#![allow(dead_code)]
//! Hand-built facts for the exporter's tests: no vault needed.

use attune_domain::date;
use attune_domain::lead::summary_facts::{
    GoalFacts, IndicatorValues, Period, PeriodTerm, PupilFacts, ResolvedPeriod, ReviewOutcome,
    SessionFacts, SosFacts, SummaryFacts, YearBand,
};
use attune_domain::model::SessionKind;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

pub fn period() -> ResolvedPeriod {
    ResolvedPeriod {
        period: Period::school_year(2025),
        start: date!(2025 - 08 - 01),
        end: date!(2026 - 07 - 31),
        terms: vec![
            PeriodTerm {
                name: "Autumn".into(),
                label: "Autumn 2025".into(),
                start: date!(2025 - 09 - 01),
                from: date!(2025 - 08 - 01),
                to: date!(2026 - 01 - 04),
            },
            PeriodTerm {
                name: "Spring".into(),
                label: "Spring 2026".into(),
                start: date!(2026 - 01 - 05),
                from: date!(2026 - 01 - 05),
                to: date!(2026 - 04 - 12),
            },
            PeriodTerm {
                name: "Summer".into(),
                label: "Summer 2026".into(),
                start: date!(2026 - 04 - 13),
                from: date!(2026 - 04 - 13),
                to: date!(2026 - 07 - 31),
            },
        ],
        default_calendar: true,
    }
}

pub fn care_statuses() -> Vec<String> {
    [
        "Looked after",
        "Previously looked after",
        "Child in need",
        "None",
    ]
    .map(String::from)
    .to_vec()
}

pub fn support_levels() -> Vec<String> {
    ["Universal", "Additional", "Intensive"]
        .map(String::from)
        .to_vec()
}

/// A pupil with a plan, no reviews, goals, sessions or scaling.
pub fn pupil(band: YearBand, care: &str, support: &str) -> PupilFacts {
    PupilFacts {
        year_band: band,
        care_status: Some(care.into()),
        support_level: Some(support.into()),
        plan_active: true,
        reviews: Vec::new(),
        goals: Vec::new(),
        sessions: Vec::new(),
        sos: None,
        indicators_before: None,
        indicators_latest: None,
    }
}

pub fn goal(domain: &str, position: u32, baseline: u8, latest: Option<u8>) -> GoalFacts {
    GoalFacts {
        framework_id: "secure-base".into(),
        framework_name: "Secure Base model".into(),
        domain_id: domain.into(),
        domain_name: format!("{domain} name"),
        domain_position: position,
        baseline,
        latest,
    }
}

pub fn facts(pupils: Vec<PupilFacts>) -> SummaryFacts {
    facts_with_id(pupils, "0123456789abcdef")
}

pub fn facts_with_id(pupils: Vec<PupilFacts>, id: &str) -> SummaryFacts {
    SummaryFacts {
        period: period(),
        today: date!(2026 - 11 - 22),
        care_statuses: care_statuses(),
        support_levels: support_levels(),
        source_id: id.into(),
        pupils,
    }
}

/// A varied cohort of `n` pupils (deterministic in `seed`) touching every table.
pub fn cohort(n: usize, seed: u64) -> Vec<PupilFacts> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move |m: u64| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) % m
    };
    let care = care_statuses();
    let levels = support_levels();
    (0..n)
        .map(|_| {
            let band = YearBand::ALL[next(YearBand::ALL.len() as u64) as usize];
            let mut p = pupil(band, &care[next(4) as usize], &levels[next(3) as usize]);
            if next(10) == 0 {
                p.care_status = None;
            }
            p.plan_active = next(8) != 0;
            for _ in 0..next(4) {
                p.reviews.push(ReviewOutcome::ALL[next(3) as usize]);
            }
            for g in 0..next(4) {
                let b = next(6) as u8;
                let latest = (next(3) != 0).then(|| next(11) as u8);
                p.goals.push(goal(
                    ["availability", "sensitivity", "acceptance"][g as usize % 3],
                    (g % 3) as u32,
                    b,
                    latest,
                ));
            }
            for kind in SessionKind::ALL {
                if next(2) == 0 {
                    let s = 1 + next(30) as u32;
                    p.sessions.push(SessionFacts {
                        kind: *kind,
                        sessions: s,
                        minutes: s * (10 + next(40) as u32),
                    });
                }
            }
            if next(2) == 0 {
                p.sos = Some(SosFacts {
                    first: next(11) as f64,
                    latest: next(11) as f64,
                });
            }
            if next(2) == 0 {
                p.indicators_before = Some(IndicatorValues {
                    attendance_pct: Some(70.0 + next(300) as f64 / 10.0),
                    exclusion_days: Some(next(4) as f64 / 2.0),
                    physical_interventions: Some(next(5) as u32),
                });
                p.indicators_latest = Some(IndicatorValues {
                    attendance_pct: Some(70.0 + next(300) as f64 / 10.0),
                    exclusion_days: Some(next(4) as f64 / 2.0),
                    physical_interventions: Some(next(5) as u32),
                });
            }
            p
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Real vaults (SQLCipher in a temporary folder)

use attune_vault::{Passphrase, RecoveryKey, Vault};
use rand::SeedableRng;

pub const LEAD_PASS: &str = "correct horse battery staple 1917";

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()
}

pub fn at(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(10, 0, 0).unwrap().and_utc()
}

/// A temporary folder, in memory where the system has one (vault commits are fsynced, and
/// the property test makes many).
pub fn scratch() -> tempfile::TempDir {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(t) = tempfile::tempdir_in(shm) {
            return t;
        }
    }
    tempfile::tempdir().unwrap()
}

/// A new vault in `dir` with its strategic lead (Ada Lovelace) signed in.
pub fn new_vault(dir: &std::path::Path, seed: u64) -> Vault {
    let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let recovery = RecoveryKey::generate(&mut r);
    Vault::create(
        dir,
        "Hillside Primary",
        "Ada Lovelace",
        &Passphrase::new(LEAD_PASS),
        &recovery,
        &mut r,
        now(),
    )
    .unwrap()
}

/// A valid permanent UPN from 12 digits' worth of `n`.
pub fn upn(n: u64) -> String {
    let rest = format!("{:012}", n);
    format!(
        "{}{}",
        attune_domain::rules::identifiers::upn_check_letter(&rest).unwrap(),
        rest
    )
}

/// The bytes of every file in `dir`, by name.
pub fn read_dir(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}
