//! `attune-admin rollover` as a strategic lead runs it at the start of a school year: a fresh
//! vault from `init`, pupils imported from a CSV, then a dry run (which writes nothing), the
//! rollover with one leaver confirmed and one kept on, and the same rollover again (refused).
//! The year groups before and after are read back through `attune-admin pupils --json`, an
//! oracle apart from the rollover's own report. No name is ever printed.

use std::collections::BTreeMap;
use std::process::Output;

use attune_domain::rules::identifiers::upn_check_letter;
use chrono::Datelike;

mod common;
use common::{stdout, Env, LEAD};

/// `attune-admin` as the strategic lead (Ada Lovelace, [`LEAD`]) on this environment's vault.
fn run(env: &Env, args: &[&str]) -> Output {
    env.run(args, &[("ATTUNE_PASSPHRASE", LEAD)])
}

fn ok(env: &Env, args: &[&str]) -> String {
    let out = run(env, args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}:\n{}{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

/// Each pupil's (year group code, status) by UPN, from `pupils --json`.
fn years(env: &Env) -> BTreeMap<String, (String, String)> {
    let text = ok(env, &["pupils", "--json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    rows.into_iter()
        .map(|r| {
            (
                r["upn"].as_str().unwrap().to_string(),
                (
                    r["year_group"].as_str().unwrap().to_string(),
                    r["status"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

fn upn(n: u64) -> String {
    let rest = format!("{n:012}");
    format!("{}{rest}", upn_check_letter(&rest).unwrap())
}

fn label(start: i32) -> String {
    format!("{start}-{:02}", (start + 1) % 100)
}

#[test]
fn rollover_moves_year_groups_on_once_and_leavers_only_when_confirmed() {
    let env = Env::new();
    ok(
        &env,
        &[
            "init",
            "--school",
            "Hillside Primary",
            "--user",
            "Ada Lovelace",
        ],
    );
    let (rec, y5, y6a, y6b) = (
        upn(801_200_003_001),
        upn(801_200_003_002),
        upn(801_200_003_003),
        upn(801_200_003_004),
    );
    let csv = format!(
        "UPN,Legal Surname,Legal Forename,DOB,Year\n\
         {rec},Nowak,Łukasz,01/12/2021,Reception\n\
         {y5},O'Brien,Siobhán,03/03/2016,Year 5\n\
         {y6a},Smith-Jones,Zoë,30/09/2014,Year 6\n\
         {y6b},Hassan,Amir,05/06/2015,Year 6\n"
    );
    let file = env.files.join("pupils.csv");
    std::fs::write(&file, csv).unwrap();
    ok(&env, &["import-pupils", file.to_str().unwrap()]);
    let before = years(&env);
    let active = |y: &str| (y.to_string(), "active".to_string());
    assert_eq!(before[&rec], active("R"));
    assert_eq!(before[&y5], active("Y5"));
    assert_eq!(before[&y6a], active("Y6"));
    // Record ids in import order: 1 to 4.
    let id_of = |u: &str| {
        [&rec, &y5, &y6a, &y6b]
            .iter()
            .position(|x| *x == u)
            .unwrap()
            + 1
    };

    // The next school year after today's (the first rollover may be to either).
    let today = chrono::Utc::now().date_naive();
    let this = if today.month() >= 8 {
        today.year()
    } else {
        today.year() - 1
    };
    let to = label(this + 1);
    let private = [
        "Nowak", "Łukasz", "O'Brien", "Siobhán", "Smith", "Zoë", "Hassan", "Amir", &rec, &y5, &y6a,
        &y6b,
    ];
    let no_names = |text: &str| {
        for p in private {
            assert!(!text.contains(p), "{p} printed:\n{text}");
        }
    };

    // A year that is not next is refused (bad usage), writing nothing.
    let out = run(&env, &["rollover", "--to", &label(this + 3), "--dry-run"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Roll over to this school year"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The dry run says what would move and who is offered, and writes nothing.
    let text = ok(&env, &["rollover", "--to", &to, "--dry-run"]);
    no_names(&text);
    for want in [
        format!("School year: not set by a rollover yet → {to}."),
        "The school's last year: Year 6 (the highest year group held".to_string(),
        format!("record {}: Reception → Year 1", id_of(&rec)),
        format!("record {}: Year 5 → Year 6", id_of(&y5)),
        format!(
            "record {}: leaver (Year 6) — offered; not marked as left",
            id_of(&y6a)
        ),
        "Dry run: 2 to move on, 2 leavers offered. Nothing was written.".to_string(),
    ] {
        assert!(text.contains(&want), "missing {want:?} in:\n{text}");
    }
    assert_eq!(years(&env), before, "the dry run changed nothing");

    // --stay names a pupil who is not a leaver: bad usage, nothing written.
    let not_leaver = id_of(&y5).to_string();
    let out = run(
        &env,
        &[
            "rollover",
            "--to",
            &to,
            "--leavers-left-on",
            "2027-07-21",
            "--stay",
            &not_leaver,
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(years(&env), before);

    // The rollover: one leaver confirmed (left), one kept on (--stay).
    let stays = id_of(&y6b).to_string();
    let text = ok(
        &env,
        &[
            "rollover",
            "--to",
            &to,
            "--leavers-left-on",
            "21/07/2027",
            "--stay",
            &stays,
        ],
    );
    no_names(&text);
    assert!(
        text.contains(&format!(
            "record {}: leaver (Year 6) — marked as left on 21 July 2027",
            id_of(&y6a)
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "Rolled over to {to}: 2 moved on, 1 marked as left, 1 leaver stays active in their year group."
        )),
        "{text}"
    );
    let after = years(&env);
    assert_eq!(after[&rec], active("Y1"));
    assert_eq!(after[&y5], active("Y6"));
    assert_eq!(after[&y6a], ("Y6".to_string(), "left".to_string()));
    assert_eq!(after[&y6b], active("Y6"));

    // Twice is refused with a plain message, and nobody moves again.
    let out = run(&env, &["rollover", "--to", &to]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("already been rolled over to {to}")),
        "{err}"
    );
    assert_eq!(years(&env), after);

    // The next year is offered: the Year 6s still active are its leavers; nothing written.
    let text = ok(&env, &["rollover", "--to", &label(this + 2), "--dry-run"]);
    assert!(
        text.contains(&format!("School year: {to} → {}.", label(this + 2))),
        "{text}"
    );
    assert!(
        text.contains("Dry run: 1 to move on, 2 leavers offered."),
        "{text}"
    );
    assert_eq!(years(&env), after);
}
