//! Issue 15, item 3, through the exporter's files: a summary of 2024-25 exported after pupils'
//! care status changed in 2025-26 counts them under their 2024-25 status, and the summary of
//! 2025-26 under the new one. A hand-built vault with known answers (the counts are written
//! out by hand below, not computed by the code under test).

mod common;

use attune_domain::date;
use attune_domain::model::*;
use attune_domain::record::{pupils, records};
use attune_export::{export, ExportOptions, Period};
use chrono::NaiveDate;
use common::*;

fn input(forename: &str, care: &str) -> PupilInput {
    PupilInput {
        legal_forename: forename.into(),
        legal_surname: "Marsh".into(),
        preferred_name: None,
        date_of_birth: date!(2016 - 03 - 04),
        year_group: "Year 5".into(),
        identifiers: vec![],
        care_status: Some(care.into()),
        support_level: Some("Universal".into()),
        relationship_start: Some(date!(2024 - 09 - 02)),
        relationship_planned_end: None,
    }
}

fn session(v: &mut attune_vault::Vault, pupil: i64, d: NaiveDate) {
    records::log_session(
        v,
        pupil,
        &SessionInput {
            held_on: d,
            minutes: 30,
            kind: SessionKind::Planned,
            regulation: None,
            note: String::new(),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
}

/// The `pupils` figure of each care status in the exported CSV (value as written).
fn by_care(csv: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|c| c[1] == "pupils_by_care_status" && c[6] == "pupils")
        .map(|c| (c[3].clone(), c[7].clone()))
        .collect();
    out.sort();
    out
}

#[test]
fn last_years_summary_exported_after_a_change_counts_last_years_status() {
    let tmp = scratch();
    let mut v = new_vault(&tmp.path().join("vault"), 3);
    // Four pupils in need of care in 2024-25, looked after from 3 November 2025; four looked
    // after throughout. Each has a session in both years.
    for (i, care) in ["Child in need", "Looked after"].iter().enumerate() {
        for n in 0..4 {
            let base = input(&format!("P{i}{n}"), care);
            let id = pupils::add_pupil(&mut v, &base, now()).unwrap().id;
            session(&mut v, id, date!(2024 - 11 - 04));
            session(&mut v, id, date!(2026 - 01 - 12));
            if *care == "Child in need" {
                let changed = PupilInput {
                    care_status: Some("Looked after".into()),
                    ..base
                };
                pupils::update_pupil_from(&mut v, id, &changed, Some(date!(2025 - 11 - 03)), now())
                    .unwrap();
            }
        }
    }
    let read = |name: &str| std::fs::read_to_string(tmp.path().join("out").join(name)).unwrap();
    std::fs::create_dir(tmp.path().join("out")).unwrap();
    let opts = ExportOptions::default();
    let out = tmp.path().join("out");

    // 2024-25, exported on 22 November 2026: 4 in need, 4 looked after, 8 in all.
    export(
        &v,
        &Period::parse("2024-25").unwrap(),
        3,
        &out,
        &opts,
        now(),
    )
    .unwrap();
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        by_care(&read("attune-summary-2024-25.csv")),
        pairs(&[
            ("All pupils supported", "8"),
            ("Child in need", "4"),
            ("Looked after", "4"),
            ("None", "0"),
            ("Previously looked after", "0"),
        ])
    );

    // 2025-26: all 8 looked after, none in need.
    export(
        &v,
        &Period::parse("2025-26").unwrap(),
        3,
        &out,
        &opts,
        now(),
    )
    .unwrap();
    assert_eq!(
        by_care(&read("attune-summary-2025-26.csv")),
        pairs(&[
            ("All pupils supported", "8"),
            ("Child in need", "0"),
            ("Looked after", "8"),
            ("None", "0"),
            ("Previously looked after", "0"),
        ])
    );
}
