//! The leak guard's vocabulary (the exporter's own words) must hold every word its files can
//! contain besides numbers and the school's own text: render varied summaries, school and
//! merged, and look for any other word.

mod common;

use std::collections::BTreeSet;

use attune_export::guard::VOCABULARY;
use attune_export::merge::{merge_summaries, Input};
use attune_export::{json, render, summarise, NEUTRAL_LABEL};
use common::*;

fn words_of(text: &str, school: &[String]) -> BTreeSet<String> {
    let mut t = text.to_lowercase();
    let mut school: Vec<String> = school
        .iter()
        .flat_map(|s| [s.to_lowercase(), attune_export::aggregate::slug(s)])
        .collect();
    school.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in &school {
        t = t.replace(s.as_str(), " ");
    }
    t.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .filter(|w| !(w.len() >= 6 && w.chars().all(|c| c.is_ascii_hexdigit())))
        .map(String::from)
        .collect()
}

#[test]
fn every_word_the_files_can_hold_is_in_the_vocabulary() {
    let mut school: Vec<String> = care_statuses();
    school.extend(support_levels());
    for d in ["availability", "sensitivity", "acceptance"] {
        school.push(format!("{d} name"));
        school.push(d.into());
        school.push(format!("secure-base {d}"));
    }
    school.push("Secure Base model".into());
    school.push("secure-base".into());
    let mut inputs = Vec::new();
    let mut found = BTreeSet::new();
    for (i, (n, k)) in [(0usize, 5u32), (3, 5), (12, 3), (40, 5), (200, 10)]
        .iter()
        .enumerate()
    {
        let f = facts_with_id(cohort(*n, i as u64), &format!("{:016x}", i + 1));
        let s = summarise(&f, NEUTRAL_LABEL, *k);
        let r = render(&s);
        for text in [&r.csv, &r.json, &r.html] {
            found.extend(words_of(text, &school));
        }
        inputs.push(Input {
            name: format!("school{i}.json"),
            checksum: json::checksum(&s),
            ranges: attune_export::audit::exact_ranges(&s).unwrap(),
            summary: s,
        });
    }
    let merged = render(&merge_summaries(&inputs));
    for text in [&merged.csv, &merged.json, &merged.html] {
        found.extend(words_of(text, &school));
    }
    let vocab: BTreeSet<String> = VOCABULARY.iter().map(|s| s.to_string()).collect();
    let missing: Vec<&String> = found.difference(&vocab).collect();
    if std::env::var_os("PRINT_VOCABULARY").is_some() {
        let all: Vec<String> = found.union(&vocab).map(|w| format!("{w:?}")).collect();
        println!("VOCAB [{}]", all.join(", "));
    }
    assert!(
        missing.is_empty(),
        "words missing from guard's VOCABULARY: {missing:?}"
    );
}
