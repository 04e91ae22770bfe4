//! Issue 11: the independent attacker (tests/attacker, none of the exporter's code) against
//! summaries that `attune-admin export-summary` writes from `attune-admin demo` vaults — a
//! school year, each of its terms, and each term held together with its year, exported one
//! after the other in both orders, then the year again at a larger k — for several seeds at
//! the small size (k = 5) and one at the large (k = 20, so that a 500-pupil school has groups
//! small enough to withhold).
//!
//! The test's own knowledge of the true figures comes from the vault's facts aggregated
//! without disclosure control (`aggregate::summary`); the attacker sees only the files.

#[path = "../attacker/mod.rs"]
mod attacker;
mod common;

use std::path::Path;

use attacker::Truth;
use attune_domain::lead::summary_facts::{summary_facts, Period, Purpose};
use common::*;

const YEAR: &str = "2025-26";
const TERMS: [&str; 3] = ["2025-26 autumn", "2025-26 spring", "2025-26 summer"];

#[derive(Clone, Copy, Debug)]
enum Order {
    YearFirst,
    TermsFirst,
}

struct Exported {
    json: String,
    csv: String,
    truth: Truth,
}

fn demo(env: &Env, size: &str, seed: u64) {
    let out = env.run(
        &[
            "--user",
            "Ada Lovelace",
            "demo",
            "--size",
            size,
            "--seed",
            &seed.to_string(),
        ],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// The true figures of `period` before disclosure control, from the vault's facts.
fn truth(dir: &Path, period: &str, k: u32) -> Truth {
    let v = unlock_as(dir, "Ada Lovelace", LEAD).unwrap();
    let facts =
        summary_facts(&v, &Period::parse(period).unwrap(), Purpose::Preview, now()).unwrap();
    v.lock("test", now());
    let s = attune_export::aggregate::summary(&facts, attune_export::NEUTRAL_LABEL, k);
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

/// `export-summary` of `period` as the lead; the proved closing sentence is checked too.
fn export(env: &Env, period: &str, k: u32) -> Exported {
    let dir = env.files.join(format!("{}-k{k}", period.replace(' ', "-")));
    let k_text = k.to_string();
    let out = env.run(
        &[
            "--user",
            "Ada Lovelace",
            "export-summary",
            "--period",
            period,
            "--out",
            dir.to_str().unwrap(),
            "--k",
            &k_text,
        ],
        &[("ATTUNE_PASSPHRASE", LEAD)],
    );
    assert_eq!(out.status.code(), Some(0), "{period}: {}", stderr(&out));
    assert!(
        stdout(&out).contains("none withheld can be worked out from the totals"),
        "{period}: {}",
        stdout(&out)
    );
    let stem = format!("attune-summary-{}", period.replace(' ', "-"));
    Exported {
        json: std::fs::read_to_string(dir.join(format!("{stem}.json"))).unwrap(),
        csv: std::fs::read_to_string(dir.join(format!("{stem}.csv"))).unwrap(),
        truth: truth(&env.dir, period, k),
    }
}

fn withheld_in(json: &str) -> usize {
    json.matches("\"suppressed\"").count()
}

/// Exports the year and its terms in `order` and attacks each file alone and each term with
/// its year. Returns how many figures were withheld in all (so a run proves it attacked
/// something).
fn attack_demo(size: &str, seed: u64, order: Order, k: u32) -> usize {
    let env = Env::new();
    demo(&env, size, seed);
    let mut breaches = Vec::new();
    let alone = |name: &str, e: &Exported, breaches: &mut Vec<String>| {
        for b in attacker::attack(&e.json, Some(&e.csv), &e.truth) {
            breaches.push(format!("{size} seed {seed} {order:?}, {name} alone: {b}"));
        }
    };
    let (year, terms) = match order {
        Order::YearFirst => {
            let year = export(&env, YEAR, k);
            let terms: Vec<Exported> = TERMS.iter().map(|t| export(&env, t, k)).collect();
            (year, terms)
        }
        Order::TermsFirst => {
            let terms: Vec<Exported> = TERMS.iter().map(|t| export(&env, t, k)).collect();
            (export(&env, YEAR, k), terms)
        }
    };
    alone(YEAR, &year, &mut breaches);
    let mut withheld = withheld_in(&year.json);
    for (name, term) in TERMS.iter().zip(&terms) {
        alone(name, term, &mut breaches);
        withheld += withheld_in(&term.json);
        for b in attacker::attack_term_and_year(&term.json, &term.truth, &year.json, &year.truth) {
            breaches.push(format!(
                "{size} seed {seed} {order:?}, {name} with {YEAR}: {b}"
            ));
        }
    }
    // The year again at a larger k (a second recipient's stricter rule): the file alone keeps
    // its own k's property, and held with the first it narrows nothing that one left open.
    let again = export(&env, YEAR, k + 2);
    alone("the year again", &again, &mut breaches);
    for b in attacker::narrowed(&year.json, &again.json) {
        breaches.push(format!(
            "{size} seed {seed}, {YEAR} at k {} after k {k}: {b}",
            k + 2
        ));
    }
    assert!(breaches.is_empty(), "{}", breaches.join("\n"));
    withheld
}

#[test]
fn small_demo_schools_year_and_terms_give_nothing_away() {
    let mut withheld = 0;
    for (seed, order) in [
        (1, Order::YearFirst),
        (2, Order::TermsFirst),
        (3, Order::TermsFirst),
        (4, Order::YearFirst),
    ] {
        withheld += attack_demo("small", seed, order, attune_export::DEFAULT_K);
    }
    assert!(
        withheld > 0,
        "the demo schools' summaries withhold something"
    );
}

#[test]
fn a_large_demo_school_year_and_terms_give_nothing_away() {
    // At the default k a 500-pupil school's tables are all large enough to publish; at k = 20
    // its smaller groups (looked after, the youngest band) are withheld and protected.
    let withheld = attack_demo("large", 1, Order::TermsFirst, 20);
    assert!(
        withheld > 0,
        "the large school's summaries withhold something"
    );
}
