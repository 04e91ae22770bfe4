//! Every session of a pupil's time, a page at a time (issue 16, item 2), against a real vault.
//! The oracle is the list of sessions this test wrote, filtered and sorted here by hand: paging
//! through with any filter and page size must give exactly that list, once each, in order.

mod common;
use common::*;

use attune_domain::date;
use attune_domain::model::*;
use attune_domain::record::{corrections, records, session_pages};
use attune_vault::ErrorKind;
use chrono::{Duration, NaiveDate};
use rand::Rng;

const KINDS: [SessionKind; 4] = [
    SessionKind::Planned,
    SessionKind::CheckIn,
    SessionKind::Crisis,
    SessionKind::MeetAndGreet,
];

fn all_pages(
    v: &attune_vault::Vault,
    pupil: i64,
    kind: Option<SessionKind>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    limit: u32,
) -> (Vec<(NaiveDate, i64)>, u32) {
    let mut out = Vec::new();
    let mut after = None;
    let mut total = None;
    loop {
        let page = session_pages::page_sessions(
            v,
            pupil,
            &SessionQuery {
                kind,
                from,
                to,
                after: after.clone(),
                limit,
            },
            now(),
        )
        .unwrap();
        assert!(page.sessions.len() <= limit as usize);
        assert_eq!(
            *total.get_or_insert(page.total),
            page.total,
            "the total is the same on every page"
        );
        out.extend(page.sessions.iter().map(|s| (s.held_on, s.id)));
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    (out, total.unwrap_or(0))
}

#[test]
fn paging_with_any_filter_gives_every_matching_session_once_newest_first() {
    let (s, mut v) = school();
    let other = add_assigned(&mut v, &pupil("Leo", "Smith", None), &s.ka1_id);
    let pupil = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let mut r = rng(42);
    // Three school years of sessions, several on some days; a few for another pupil.
    let first = date!(2023 - 09 - 04);
    let mut written: Vec<(NaiveDate, SessionKind, i64)> = Vec::new();
    for i in 0..420 {
        let day = first + Duration::days(r.gen_range(0..1175));
        let kind = KINDS[r.gen_range(0..KINDS.len())];
        let input = SessionInput {
            held_on: day,
            minutes: 20,
            kind,
            regulation: None,
            note: format!("Session {i}"),
            safeguarding_ref: None,
        };
        let e = records::log_session(&mut v, pupil, &input, now()).unwrap();
        written.push((day, kind, e.id));
        if i % 40 == 0 {
            records::log_session(&mut v, other, &input, now()).unwrap();
        }
    }
    let expect = |kind: Option<SessionKind>, from: Option<NaiveDate>, to: Option<NaiveDate>| {
        let mut list: Vec<(NaiveDate, i64)> = written
            .iter()
            .filter(|(d, k, _)| {
                kind.is_none_or(|x| x == *k)
                    && from.is_none_or(|f| *d >= f)
                    && to.is_none_or(|t| *d <= t)
            })
            .map(|(d, _, id)| (*d, *id))
            .collect();
        list.sort_by(|a, b| b.cmp(a));
        list
    };
    let autumn_2024 = (Some(date!(2024 - 09 - 02)), Some(date!(2024 - 12 - 20)));
    for (kind, (from, to)) in [
        (None, (None, None)),
        (Some(SessionKind::Crisis), (None, None)),
        (None, autumn_2024),
        (Some(SessionKind::Planned), autumn_2024),
        (None, (Some(date!(2026 - 09 - 01)), None)),
        (None, (None, Some(date!(2023 - 09 - 30)))),
        (
            Some(SessionKind::CheckIn),
            (Some(date!(2030 - 01 - 01)), None),
        ),
    ] {
        let want = expect(kind, from, to);
        for limit in [1, 7, 50, 200] {
            if limit == 1 && want.len() > 150 {
                continue;
            }
            let (got, total) = all_pages(&v, pupil, kind, from, to, limit);
            assert_eq!(
                got, want,
                "kind {kind:?}, {from:?} to {to:?}, pages of {limit}"
            );
            assert_eq!(total as usize, want.len());
        }
    }
}

#[test]
fn a_session_added_between_pages_does_not_shift_the_next_page() {
    let (s, mut v) = school();
    let pupil = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let mut ids = Vec::new();
    for d in 1..=10 {
        let input = SessionInput {
            held_on: date!(2026 - 10 - 01) + Duration::days(d),
            minutes: 20,
            kind: SessionKind::Planned,
            regulation: None,
            note: String::new(),
            safeguarding_ref: None,
        };
        ids.push(
            records::log_session(&mut v, pupil, &input, now())
                .unwrap()
                .id,
        );
    }
    let q = |after| SessionQuery {
        kind: None,
        from: None,
        to: None,
        after,
        limit: 4,
    };
    let p1 = session_pages::page_sessions(&v, pupil, &q(None), now()).unwrap();
    assert_eq!(
        p1.sessions.iter().map(|s| s.id).collect::<Vec<_>>(),
        [ids[9], ids[8], ids[7], ids[6]]
    );
    // A newer session is logged while page one is on screen: page two goes on where one ended.
    let input = SessionInput {
        held_on: date!(2026 - 11 - 20),
        minutes: 20,
        kind: SessionKind::Planned,
        regulation: None,
        note: String::new(),
        safeguarding_ref: None,
    };
    records::log_session(&mut v, pupil, &input, now()).unwrap();
    let p2 = session_pages::page_sessions(&v, pupil, &q(p1.next), now()).unwrap();
    assert_eq!(
        p2.sessions.iter().map(|s| s.id).collect::<Vec<_>>(),
        [ids[5], ids[4], ids[3], ids[2]]
    );
    assert_eq!(p2.total, 11);
}

#[test]
fn paging_is_refused_to_another_key_adult_and_a_bad_page_is_refused_in_words() {
    let (s, mut v) = school();
    let pupil = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let q = |limit, from, to| SessionQuery {
        kind: None,
        from,
        to,
        after: None,
        limit,
    };
    for limit in [0, 201] {
        let e = session_pages::page_sessions(&v, pupil, &q(limit, None, None), now()).unwrap_err();
        assert_eq!(e.field(), Some("limit"));
        assert!(e.to_string().contains("1 to 200"), "{e}");
    }
    let e = session_pages::page_sessions(
        &v,
        pupil,
        &q(10, Some(date!(2026 - 12 - 01)), Some(date!(2026 - 09 - 01))),
        now(),
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("from"));
    v.lock("test", now());
    let other = unlock(&s.dir, &s.ka2_id, KA2_PASS);
    let e = session_pages::page_sessions(&other, pupil, &q(10, None, None), now()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotPermitted);
    let a = last_audit(&other);
    assert_eq!(
        (a.action.as_str(), a.outcome.as_str()),
        ("session.list", "refused")
    );
}

#[test]
fn a_withdrawn_session_is_not_browsed_and_a_correction_shows_its_new_values() {
    let (s, mut v) = school();
    let pupil = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let mut ids = Vec::new();
    for d in 1..=5 {
        let input = SessionInput {
            held_on: date!(2026 - 10 - 01) + Duration::days(d),
            minutes: 20,
            kind: SessionKind::Planned,
            regulation: None,
            note: format!("Note {d}"),
            safeguarding_ref: None,
        };
        ids.push(
            records::log_session(&mut v, pupil, &input, now())
                .unwrap()
                .id,
        );
    }
    corrections::withdraw_entry(
        &mut v,
        EntryKind::Session,
        ids[2],
        "Logged for the wrong pupil",
        now(),
    )
    .unwrap();
    let fixed = SessionInput {
        held_on: date!(2026 - 10 - 02),
        minutes: 45,
        kind: SessionKind::Planned,
        regulation: None,
        note: "Note 1, corrected".into(),
        safeguarding_ref: None,
    };
    corrections::correct_session(&mut v, ids[0], &fixed, "Wrong length", now()).unwrap();
    let page = session_pages::page_sessions(
        &v,
        pupil,
        &SessionQuery {
            kind: None,
            from: None,
            to: None,
            after: None,
            limit: 10,
        },
        now(),
    )
    .unwrap();
    assert_eq!(
        page.sessions.iter().map(|s| s.id).collect::<Vec<_>>(),
        [ids[4], ids[3], ids[1], ids[0]]
    );
    assert_eq!(page.total, 4);
    let corrected = &page.sessions[3];
    assert_eq!(
        (corrected.minutes, corrected.note.as_str()),
        (45, "Note 1, corrected")
    );
    assert!(
        corrected.changes.corrected.is_some(),
        "the page says it was corrected"
    );
}

/// The years and terms offered to browse by are the school's calendar where the lead entered
/// one and the UK default dates elsewhere, newest first, only those with a session, counted
/// without withdrawn sessions. The dates below are worked out by hand: 2024-25's defaults are
/// Autumn 2 September–20 December 2024 and Spring 6 January (3 January is a Friday)–11 April
/// 2025 (Easter Sunday is 20 April); 2025-26 is the calendar this test enters.
#[test]
fn the_terms_to_browse_by_come_from_the_school_calendar_or_the_uk_defaults() {
    use attune_domain::planning::calendars;
    use attune_domain::rules::calendar::{SchoolCalendar, Term};
    let (s, mut v) = school();
    let other = add_assigned(&mut v, &pupil("Leo", "Smith", None), &s.ka1_id);
    let mia = add_assigned(&mut v, &pupil("Mia", "Jones", None), &s.ka1_id);
    let term = |name: &str, start, end| Term {
        name: name.into(),
        start,
        end,
        half_term: None,
    };
    calendars::save_school_calendar(
        &mut v,
        &SchoolCalendar {
            year_label: "2025-26".into(),
            terms: vec![
                term("Michaelmas", date!(2025 - 09 - 03), date!(2025 - 12 - 19)),
                term("Lent", date!(2026 - 01 - 05), date!(2026 - 03 - 27)),
                term("Trinity", date!(2026 - 04 - 13), date!(2026 - 07 - 21)),
            ],
            closures: vec![],
        },
        date!(2026 - 11 - 01),
        now(),
    )
    .unwrap();
    let log = |v: &mut attune_vault::Vault, who: i64, day: NaiveDate| {
        let input = SessionInput {
            held_on: day,
            minutes: 20,
            kind: SessionKind::Planned,
            regulation: None,
            note: format!("On {day}"),
            safeguarding_ref: None,
        };
        records::log_session(v, who, &input, now()).unwrap().id
    };
    for day in [
        date!(2024 - 10 - 10),
        date!(2024 - 12 - 01),
        date!(2025 - 02 - 01),
        date!(2025 - 04 - 15), // the Easter holiday: in the year, in no term
        date!(2025 - 08 - 05), // the summer holiday: 2025-26 from 1 August
        date!(2025 - 09 - 10),
        date!(2026 - 05 - 01),
    ] {
        log(&mut v, mia, day);
    }
    let withdrawn = log(&mut v, mia, date!(2024 - 03 - 01));
    corrections::withdraw_entry(&mut v, EntryKind::Session, withdrawn, "Wrong pupil", now())
        .unwrap();
    log(&mut v, other, date!(2022 - 10 - 10));

    let query = |from, to, after| SessionQuery {
        kind: None,
        from,
        to,
        after,
        limit: 2,
    };
    let first = session_pages::page_sessions(&v, mia, &query(None, None, None), now()).unwrap();
    let got: Vec<(&str, bool, NaiveDate, NaiveDate, u32)> = first
        .periods
        .iter()
        .map(|p| (p.label.as_str(), p.whole_year, p.from, p.to, p.sessions))
        .collect();
    assert_eq!(
        got,
        [
            (
                "The school year 2025-26",
                true,
                date!(2025 - 08 - 01),
                date!(2026 - 07 - 31),
                3
            ),
            (
                "Trinity term 2025-26",
                false,
                date!(2026 - 04 - 13),
                date!(2026 - 07 - 21),
                1
            ),
            (
                "Michaelmas term 2025-26",
                false,
                date!(2025 - 09 - 03),
                date!(2025 - 12 - 19),
                1
            ),
            (
                "The school year 2024-25",
                true,
                date!(2024 - 08 - 01),
                date!(2025 - 07 - 31),
                4
            ),
            (
                "Spring term 2024-25",
                false,
                date!(2025 - 01 - 06),
                date!(2025 - 04 - 11),
                1
            ),
            (
                "Autumn term 2024-25",
                false,
                date!(2024 - 09 - 02),
                date!(2024 - 12 - 20),
                2
            ),
        ]
    );
    // The next page continues the same filter and offers no periods again.
    let second =
        session_pages::page_sessions(&v, mia, &query(None, None, first.next.clone()), now())
            .unwrap();
    assert!(second.periods.is_empty());
    assert_eq!(second.sessions.len(), 2);
    // Filtering by a period gives its sessions.
    let autumn = &first.periods[5];
    let (days, total) = all_pages(&v, mia, None, Some(autumn.from), Some(autumn.to), 50);
    assert_eq!(total, 2);
    assert_eq!(
        days.iter().map(|(d, _)| *d).collect::<Vec<_>>(),
        [date!(2024 - 12 - 01), date!(2024 - 10 - 10)]
    );
    // A pupil with no session has nothing to browse by.
    let none = add_assigned(&mut v, &pupil("Ada", "Brown", None), &s.ka1_id);
    let empty = session_pages::page_sessions(&v, none, &query(None, None, None), now()).unwrap();
    assert!(empty.periods.is_empty() && empty.sessions.is_empty());
}
