//! What a key adult writes on their laptop reaches everything the school vault is read through
//! (issue 17: "the anonymised summary, overview and search in the school vault include what
//! came from every laptop"). Each is asked before and after the laptop's file is taken in, so
//! the test fails if the laptop's work does not reach it — the oracle is the difference, not
//! the sync code's report.

mod common;
use common::*;

use attune_domain::lead::overview::{overview, OverviewQuery};
use attune_domain::lead::summary_facts::{summary_facts, Period, Purpose};
use attune_domain::model::{SessionInput, SessionKind};
use attune_domain::record::{records, search};
use attune_domain::transfer::sync;
use attune_vault::Vault;

/// A word no one else writes, to search for.
const WORD: &str = "tangrams";

/// Whether the school's search finds the word, as the lead.
fn found(v: &Vault) -> bool {
    search::search(v, WORD, 20, now())
        .unwrap()
        .iter()
        .any(|h| h.snippet.contains(WORD))
}

/// The pupil's sessions counted by the school's anonymised summary of this school year.
fn summary_sessions(v: &Vault) -> u32 {
    summary_facts(v, &Period::school_year(2026), Purpose::Preview, now())
        .unwrap()
        .pupils
        .iter()
        .flat_map(|p| p.sessions.iter().map(|s| s.sessions))
        .sum()
}

/// Whether the overview lists the pupil under "no recent session".
fn listed_without_session(v: &Vault, pupil_id: i64) -> bool {
    overview(v, &OverviewQuery::default(), today(), now())
        .unwrap()
        .rows
        .iter()
        .flat_map(|r| r.no_recent_session.iter())
        .any(|p| p.pupil_id == pupil_id)
}

#[test]
fn a_session_logged_on_a_laptop_is_in_the_schools_search_overview_and_summary() {
    let (s, mut v) = school();
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let mut r = rng(61);
    let (_laptop_dir, mut lv) = laptop(&mut v, &s.ka1_id, &mut r);

    assert!(!found(&v), "no one at school wrote the word");
    assert_eq!(summary_sessions(&v), 0);
    assert!(listed_without_session(&v, mia), "Mia has had no session");

    records::log_session(
        &mut lv,
        mia,
        &SessionInput {
            held_on: today(),
            minutes: 40,
            kind: SessionKind::Planned,
            regulation: Some(7),
            note: format!("Built {WORD} together and talked about the move"),
            safeguarding_ref: None,
        },
        now(),
    )
    .unwrap();
    // The laptop's own search finds it; the school's does not, until the file is in.
    assert!(found(&lv));
    assert!(!found(&v));

    let (up, _) = sync::export(&mut lv, None, &mut r, now()).unwrap();
    sync::import(&mut v, &up, &mut r, now()).expect("the school takes it in");

    assert!(found(&v), "the school's search finds the laptop's words");
    assert_eq!(
        summary_sessions(&v),
        1,
        "the school's summary counts the laptop's session"
    );
    assert!(
        !listed_without_session(&v, mia),
        "the overview no longer lists Mia as without a session"
    );
}

/// Issue 15, item 6: the school's lists are school settings. A rename, a new order and a
/// retirement made at school reach the laptop with its next sync file: the laptop offers the
/// same choices in the same order, marks the same item retired, and its pupil holding the
/// renamed level follows. The oracle is the laptop's own reading, before and after.
#[test]
fn the_schools_lists_reach_the_laptop_renamed_reordered_and_retired() {
    use attune_domain::model::ListKind;
    use attune_domain::record::{lists, pupils};
    let (s, mut v) = school();
    let mut held = pupil("Mia", "Jones", None);
    held.support_level = Some("Intensive".into());
    let mia = add_assigned(&mut v, &held, &s.ka1_id);
    let mut r = rng(62);
    let (_laptop_dir, mut lv) = laptop(&mut v, &s.ka1_id, &mut r);
    let offered = |v: &Vault| lists::pick_lists(v).unwrap().support_levels;
    assert_eq!(offered(&lv), ["Universal", "Additional", "Intensive"]);

    lists::rename_list_item(
        &mut v,
        ListKind::SupportLevel,
        "Intensive",
        "Enhanced",
        now(),
    )
    .unwrap();
    let order = ["Enhanced", "Universal", "Additional"].map(String::from);
    lists::reorder_list(&mut v, ListKind::SupportLevel, &order, now()).unwrap();
    lists::set_list_item_retired(&mut v, ListKind::SupportLevel, "Universal", true, now()).unwrap();
    assert_eq!(
        offered(&lv),
        ["Universal", "Additional", "Intensive"],
        "not before the file"
    );

    let (down, _) = sync::export(&mut v, Some(1), &mut r, now()).unwrap();
    sync::import(&mut lv, &down, &mut r, now()).expect("the laptop takes it in");
    assert_eq!(offered(&lv), ["Enhanced", "Additional"]);
    let items: Vec<(String, bool)> = lists::pick_lists(&lv)
        .unwrap()
        .support_level_items
        .into_iter()
        .map(|i| (i.label, i.retired))
        .collect();
    assert_eq!(
        items,
        [
            ("Enhanced".to_string(), false),
            ("Universal".to_string(), true),
            ("Additional".to_string(), false)
        ]
    );
    assert_eq!(
        pupils::get_pupil(&lv, mia, now())
            .unwrap()
            .support_level
            .as_deref(),
        Some("Enhanced")
    );
}
