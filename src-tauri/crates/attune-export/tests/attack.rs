//! The independent attacker (tests/attacker, no code of the exporter) against exported
//! summaries: generated cohorts for every table shape, and the hand-made cases of issue 11.

#[path = "../../../../tests/attacker/mod.rs"]
mod attacker;
mod common;

use attacker::{attack, Truth};
use attune_domain::lead::summary_facts::{PupilFacts, SosFacts, SummaryFacts, YearBand};
use attune_export::model::CellStatus;
use attune_export::{aggregate, render, summarise_audited, NEUTRAL_LABEL};
use common::*;
use proptest::prelude::*;

/// The true figures, before disclosure control (the test's knowledge, not the attacker's).
fn truth(facts: &SummaryFacts, k: u32) -> Truth {
    let s = aggregate::summary(facts, NEUTRAL_LABEL, k);
    let mut out = Truth::new();
    for t in &s.tables {
        for r in &t.rows {
            for (c, cell) in t.columns.iter().zip(&r.cells) {
                if let Some(v) = cell.raw {
                    out.insert((t.id.clone(), r.key.clone(), c.key.clone()), v);
                }
            }
        }
    }
    out
}

/// Exports, attacks, and returns the breaches (also checking the audit claimed what it did).
fn breaches(facts: &SummaryFacts, k: u32) -> Vec<String> {
    let (s, report) = summarise_audited(facts, NEUTRAL_LABEL, k);
    let out = render(&s);
    let found = attack(&out.json, Some(&out.csv), &truth(facts, k));
    assert!(
        report.proved() || !found.is_empty() || report.unproved.is_empty(),
        "the audit's report is consistent"
    );
    assert!(
        report.proved(),
        "the exporter's audit could not prove: {:?}",
        report.unproved
    );
    found
}

fn assert_safe(facts: &SummaryFacts, k: u32) {
    let found = breaches(facts, k);
    assert!(
        found.is_empty(),
        "the attacker found:\n{}",
        found.join("\n")
    );
}

fn care_counts(counts: &[usize]) -> Vec<PupilFacts> {
    let statuses = care_statuses();
    let mut out = Vec::new();
    for (i, n) in counts.iter().enumerate() {
        for _ in 0..*n {
            let mut p = pupil(YearBand::Years3To4, "None", "Universal");
            p.care_status = statuses.get(i).cloned();
            out.push(p);
        }
    }
    out
}

#[test]
fn care_status_1_1_6_0_20_gives_nothing_away() {
    // Looked after 1, previously looked after 1, child in need 6, none 0, not recorded 20.
    let f = facts(care_counts(&[1, 1, 6, 0, 20]));
    assert_eq!(f.pupils.len(), 28);
    assert_safe(&f, 5);
    // The old check published 6 and withheld only the two 1s, which are then exactly 1.
    let (s, _) = summarise_audited(&f, NEUTRAL_LABEL, 5);
    let t = s.table("pupils_by_care_status").unwrap();
    let withheld = t
        .rows
        .iter()
        .filter(|r| r.cells[0].status == CellStatus::Suppressed)
        .count();
    assert!(withheld >= 3, "{withheld} withheld");
}

fn crosstab(m: &[Vec<usize>]) -> Vec<PupilFacts> {
    let levels = support_levels();
    let bands = [
        YearBand::Years3To4,
        YearBand::Years5To6,
        YearBand::Years7To9,
    ];
    let mut out = Vec::new();
    for (r, row) in m.iter().enumerate() {
        for (c, n) in row.iter().enumerate() {
            for _ in 0..*n {
                out.push(pupil(bands[r], "None", &levels[c]));
            }
        }
    }
    out
}

#[test]
fn year_band_by_support_level_10_1_1_10_7_5_gives_nothing_away() {
    assert_safe(&facts(crosstab(&[vec![10, 1, 1], vec![10, 7, 5]])), 5);
}

#[test]
fn the_attacker_catches_the_old_real_number_check() {
    // The attacker is not blind: on the table the old check let through it finds the two
    // withheld 1s of [[10,1,1],[10,7,5]] when only they and their pair are withheld.
    let json = serde_json::json!({ "summary": { "k": 5, "tables": [{
        "id": "pupils_by_year_band_and_support_level",
        "dimension_2": "support_level",
        "columns": [
            {"key": "u", "kind": "count", "unit": "pupils", "additive": true, "total": false},
            {"key": "a", "kind": "count", "unit": "pupils", "additive": true, "total": false},
            {"key": "i", "kind": "count", "unit": "pupils", "additive": true, "total": false},
            {"key": "all", "kind": "count", "unit": "pupils", "additive": true, "total": true}],
        "rows": [
            {"key": "b1", "total": false, "cells": [
                {"status": "published", "value": 10}, {"status": "suppressed"},
                {"status": "suppressed"}, {"status": "published", "value": 12}]},
            {"key": "b2", "total": false, "cells": [
                {"status": "published", "value": 10}, {"status": "suppressed"},
                {"status": "suppressed"}, {"status": "published", "value": 22}]},
            {"key": "all", "total": true, "cells": [
                {"status": "published", "value": 20}, {"status": "published", "value": 8},
                {"status": "published", "value": 6}, {"status": "published", "value": 34}]}]
    }]}});
    let mut truth = Truth::new();
    let t = "pupils_by_year_band_and_support_level".to_string();
    for (r, c, v) in [
        ("b1", "a", 1.0),
        ("b1", "i", 1.0),
        ("b2", "a", 7.0),
        ("b2", "i", 5.0),
    ] {
        truth.insert((t.clone(), r.into(), c.into()), v);
    }
    let found = attack(&json.to_string(), None, &truth);
    assert!(
        found
            .iter()
            .any(|b| b.contains("b1") && b.contains("is ruled out")),
        "{found:?}"
    );
}

#[test]
fn a_cohort_of_5_where_one_improved_publishes_no_share() {
    let mut pupils: Vec<PupilFacts> = (0..5)
        .map(|i| {
            let mut p = pupil(YearBand::Years3To4, "None", "Universal");
            let improved = i == 0;
            p.sos = Some(SosFacts {
                first: 4.0,
                latest: if improved { 6.0 } else { 3.0 },
            });
            p.goals.push(goal(
                "availability",
                0,
                4,
                Some(if improved { 6 } else { 3 }),
            ));
            p
        })
        .collect();
    pupils.extend((0..6).map(|_| pupil(YearBand::Years5To6, "None", "Universal")));
    let f = facts(pupils);
    let (s, _) = summarise_audited(&f, NEUTRAL_LABEL, 5);
    for (table, row) in [
        ("signs_of_safety", "scaled_twice"),
        ("goals_by_domain", "all"),
    ] {
        let t = s.table(table).unwrap();
        let r = t.rows.iter().find(|r| r.key == row).unwrap();
        let c = t.column("share_improved").unwrap();
        assert_eq!(r.cells[c].status, CellStatus::Suppressed, "{table}");
    }
    assert_safe(&f, 5);
}

#[test]
fn a_60_percent_share_of_5_is_withheld_but_one_of_10_over_10_pupils_is_not() {
    let scaled = |n: usize, up: usize| -> Vec<PupilFacts> {
        (0..n)
            .map(|i| {
                let mut p = pupil(YearBand::Years3To4, "None", "Universal");
                p.sos = Some(SosFacts {
                    first: 4.0,
                    latest: if i < up { 6.0 } else { 3.0 },
                });
                p
            })
            .collect()
    };
    let share = |f: &SummaryFacts| {
        let (s, _) = summarise_audited(f, NEUTRAL_LABEL, 5);
        let t = s.table("signs_of_safety").unwrap();
        t.rows[0].cells[t.column("share_improved").unwrap()].status
    };
    assert_eq!(share(&facts(scaled(5, 3))), CellStatus::Suppressed);
    assert_eq!(share(&facts(scaled(12, 6))), CellStatus::Published);
    assert_safe(&facts(scaled(12, 6)), 5);
}

#[test]
fn varied_cohorts_give_nothing_away() {
    for seed in 0..6 {
        for n in [7, 15, 30, 60] {
            let found = breaches(&facts(cohort(n, seed)), 5);
            assert!(found.is_empty(), "seed {seed}, {n} pupils: {found:?}");
        }
    }
}

/// A generated cohort: a year band × support level table of up to 12 cells with values 0..12,
/// the pupils' other facts drawn from `seed`.
fn generated(m: &[Vec<usize>], seed: u64) -> SummaryFacts {
    let levels = support_levels();
    let n: usize = m.iter().flatten().sum();
    let mut others = cohort(n.max(1), seed).into_iter();
    let mut out = Vec::new();
    for (r, row) in m.iter().enumerate() {
        for (c, count) in row.iter().enumerate() {
            for _ in 0..*count {
                let mut p = others.next().unwrap();
                p.year_band = YearBand::ALL[r];
                p.support_level = levels.get(c).cloned();
                out.push(p);
            }
        }
    }
    facts(out)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_attacker_finds_nothing_in_generated_cohorts(
        rows in 1usize..=3,
        cols in 1usize..=4,
        cells in proptest::collection::vec(0usize..12, 12),
        seed in 0u64..1000,
        k in prop_oneof![Just(3u32), Just(5), Just(5), Just(7)],
    ) {
        // A fourth column is "Not recorded" (a pupil with no support level).
        let m: Vec<Vec<usize>> = (0..rows).map(|r| cells[r * cols..r * cols + cols].to_vec()).collect();
        let f = generated(&m, seed);
        let found = breaches(&f, k);
        prop_assert!(found.is_empty(), "{:?} seed {} k {}: {:?}", m, seed, k, found);
    }
}

#[test]
fn the_same_period_exported_again_at_another_k_gives_nothing_away() {
    use attune_export::audit::{Earlier, Link};
    use attune_export::summarise_linked;
    let mut unlinked_breaches = 0;
    for seed in 0..4 {
        let f = facts(cohort(40, seed));
        let (a, _) = summarise_audited(&f, NEUTRAL_LABEL, 5);
        let earlier = vec![Earlier {
            summary: a.clone(),
            link: Link::Same,
        }];
        let (b, report) = summarise_linked(&f, NEUTRAL_LABEL, 3, &earlier);
        assert!(report.proved(), "seed {seed}: {:?}", report.unproved);
        let both = attacker::union_of_same_period(&render(&a).json, &render(&b).json);
        let found = attack(&both, None, &truth(&f, 5));
        assert!(found.is_empty(), "seed {seed}: {found:?}");
        // Without the vault's memory of the first export, the second gives figures away.
        let (c, _) = summarise_audited(&f, NEUTRAL_LABEL, 3);
        let both = attacker::union_of_same_period(&render(&a).json, &render(&c).json);
        unlinked_breaches += attack(&both, None, &truth(&f, 5)).len();
    }
    assert!(unlinked_breaches > 0, "the attacker has teeth");
}

#[test]
fn a_larger_k_after_a_smaller_one_tells_nothing_more() {
    use attune_export::audit::{Earlier, Link};
    use attune_export::summarise_linked;
    let (mut already_known, mut unlinked) = (0, 0);
    for seed in 0..4 {
        let f = facts(cohort(30 + 5 * seed as usize, seed));
        let (a, _) = summarise_audited(&f, NEUTRAL_LABEL, 3);
        let mut earlier = vec![Earlier {
            summary: a.clone(),
            link: Link::Same,
        }];
        let mut held = render(&a).json;
        for k in [5, 7] {
            let (b, report) = summarise_linked(&f, NEUTRAL_LABEL, k, &earlier);
            assert!(report.proved(), "seed {seed} k {k}: {:?}", report.unproved);
            already_known += report.already_known;
            let out = render(&b);
            // The file alone keeps its own k's property for whoever receives only it.
            let alone = attack(&out.json, Some(&out.csv), &truth(&f, k));
            assert!(alone.is_empty(), "seed {seed} k {k} alone: {alone:?}");
            // Held with every earlier file, it narrows nothing they left open.
            let found = attacker::narrowed(&held, &out.json);
            assert!(found.is_empty(), "seed {seed} k {k}: {found:?}");
            // Without the vault's memory of the earlier files, the same export may.
            let (c, _) = summarise_audited(&f, NEUTRAL_LABEL, k);
            unlinked += attacker::narrowed(&held, &render(&c).json).len();
            held = attacker::union_of_same_period(&held, &out.json);
            earlier.push(Earlier {
                summary: b,
                link: Link::Same,
            });
        }
    }
    assert!(
        already_known > 0,
        "the earlier files narrowed some figure the later k withholds"
    );
    assert!(
        unlinked > 0,
        "the oracle has teeth: unlinked exports narrow what the earlier files left open"
    );
}

/// A term's facts inside its school year's: some of the year's pupils, with fewer sessions.
fn term_of(year: &SummaryFacts, seed: u64) -> SummaryFacts {
    let mut term = year.clone();
    term.pupils = year
        .pupils
        .iter()
        .enumerate()
        .filter(|(i, _)| (*i as u64 + seed) % 4 != 0)
        .map(|(_, p)| {
            let mut p = p.clone();
            for s in &mut p.sessions {
                s.sessions = s.sessions.div_ceil(2);
                s.minutes = s.minutes.div_ceil(2);
            }
            p
        })
        .collect();
    term
}

#[test]
fn a_term_and_its_school_year_in_either_order_give_nothing_away() {
    use attune_export::audit::{Earlier, Link};
    use attune_export::summarise_linked;
    let mut unlinked_breaches = 0;
    for seed in 0..6 {
        let year = facts(cohort(36, seed));
        let term = term_of(&year, seed);
        let (ty, tt) = (truth(&year, 5), truth(&term, 5));
        // The term first, then the year (which remembers the term's export).
        let (t, _) = summarise_audited(&term, NEUTRAL_LABEL, 5);
        let earlier = vec![Earlier {
            summary: t.clone(),
            link: Link::EarlierWithin,
        }];
        let (y, report) = summarise_linked(&year, NEUTRAL_LABEL, 5, &earlier);
        assert!(report.proved(), "seed {seed}: {:?}", report.unproved);
        let found = attacker::attack_term_and_year(&render(&t).json, &tt, &render(&y).json, &ty);
        assert!(found.is_empty(), "seed {seed}, term then year: {found:?}");
        // Without the memory, the year alone is protected only for itself.
        let (y_alone, _) = summarise_audited(&year, NEUTRAL_LABEL, 5);
        unlinked_breaches +=
            attacker::attack_term_and_year(&render(&t).json, &tt, &render(&y_alone).json, &ty)
                .len();
        // The year first, then the term.
        let earlier = vec![Earlier {
            summary: y_alone.clone(),
            link: Link::EarlierContains,
        }];
        let (t2, report) = summarise_linked(&term, NEUTRAL_LABEL, 5, &earlier);
        assert!(report.proved(), "seed {seed}: {:?}", report.unproved);
        let found =
            attacker::attack_term_and_year(&render(&t2).json, &tt, &render(&y_alone).json, &ty);
        assert!(found.is_empty(), "seed {seed}, year then term: {found:?}");
    }
    assert!(unlinked_breaches > 0, "the attacker has teeth");
}
