//! The leak guard: before anything is written, every byte of every output file is scanned for
//! every identifying string the vault holds ([`attune_domain::lead::summary_facts::identifying_strings`]).
//! One hit refuses the whole export, naming the kind of string and the file, never the string.
//!
//! # How strings are matched
//!
//! - **Case-insensitively**: the output and the strings are compared in lower case.
//! - **As each file writes them**: a name is also looked for HTML-escaped exactly as the
//!   report's template engine writes it (`Ana &quot;Bee&quot;`, [`crate::html::escape`]),
//!   JSON-escaped and CSV-quoted, since that is how it would appear if it leaked.
//! - **Names of four characters or fewer** (Jo, Ali, Evie) are matched as **whole words**: not
//!   inside a longer word (Jo is not found in "Journey"), but anywhere a word boundary (a
//!   space, punctuation, a tag, the start or end) surrounds them, so a real mention of a short
//!   name is always caught. **Longer strings** are matched anywhere, inside words too. A
//!   string of several words keeps the rule at each end: "Jo Smith" must start at a word
//!   boundary (Jo is short) but may end inside a word, so "6px solid" is not "Px So".
//! - **Single letters** (an initial on its own) are not looked for alone: every text has them,
//!   and they identify nobody; the full name that contains them is still looked for.
//! - **Identifiers made only of digits and shorter than 7 digits** (some schools' local ids)
//!   are not looked for: every figure in a summary is a number, so such an id would match
//!   counts by coincidence and no export could ever be written. UPNs, Scottish Candidate
//!   Numbers and every identifier with a letter or 7 or more digits are looked for.
//! - **Dates of birth** are looked for in the forms people write them, each as a whole token
//!   (not inside a longer number): 2014-03-07, 2014/03/07, 07/03/2014, 7/3/2014, 07/03/14,
//!   7/3/14 (and with `-` or `.` instead of `/`, and month-first), 20140307, 07032014,
//!   7 March 2014, 7th March 2014, 07 Mar 2014, 7 Sept 2014, March 7 2014, March 7, 2014,
//!   7-Mar-2014, 07-Mar-14 ….
//! - **Names that are also the report's own words.** The exporter writes a fixed vocabulary
//!   ([`VOCABULARY`]: term names such as "Summer", words of its headings, its CSS). A pupil
//!   called Summer cannot be told apart from "Summer 2026" by bytes alone, so for such a
//!   string (every word of it in the vocabulary, or a long string inside one of its words) the
//!   guard (a) scans the output with every vocabulary word blanked out, and (b) scans every
//!   piece of the school's own text the summary can print (care statuses, support levels,
//!   framework and domain names, the school's name when included) as it is. Together these
//!   cover every byte a pupil's name could come from, while the report's own fixed words never
//!   refuse an export.
//!
//! The strings are held in zeroise-on-drop memory for as long as the guard lives.

use std::collections::{HashMap, HashSet};

use attune_domain::lead::summary_facts::{IdentifyingKind, IdentifyingString};
use chrono::{Datelike, NaiveDate};
use zeroize::Zeroizing;

use crate::html::escape;

/// Names this long or shorter are matched as whole words.
pub const SHORT_NAME_CHARS: usize = 4;
/// Identifiers made only of digits are looked for from this many digits.
pub const MIN_NUMERIC_IDENTIFIER_DIGITS: usize = 7;

/// The exporter's own words (lower case): every word its files can contain besides numbers and
/// the school's own text. A test renders summaries and fails if a word is missing here.
pub const VOCABULARY: &[&str] = &include!("vocabulary.in");

struct Needle {
    kind: IdentifyingKind,
    text: Zeroizing<String>,
    /// Whether it must start and end at a word boundary (its first or last word is short).
    edges: (bool, bool),
    colliding: bool,
}

/// The guard, holding the needles it looks for.
pub struct LeakGuard {
    needles: Vec<Needle>,
    school: Vec<String>,
}

/// A hit: what kind of string, in which file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub kind: IdentifyingKind,
    pub file: &'static str,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
}

fn ordinal(d: u32) -> &'static str {
    match (d % 10, d % 100) {
        (1, n) if n != 11 => "st",
        (2, n) if n != 12 => "nd",
        (3, n) if n != 13 => "rd",
        _ => "th",
    }
}

/// Every form of a date of birth the guard looks for (lower case).
pub fn date_forms(date: NaiveDate) -> Vec<String> {
    let (y, m, d) = (date.year(), date.month(), date.day());
    let yy = format!("{:02}", y.rem_euclid(100));
    let (dd, mm) = (format!("{d:02}"), format!("{m:02}"));
    let (d1, m1) = (d.to_string(), m.to_string());
    let mut out = vec![
        format!("{y}-{mm}-{dd}"),
        format!("{y}/{mm}/{dd}"),
        format!("{y}.{mm}.{dd}"),
        format!("{y}{mm}{dd}"),
        format!("{dd}{mm}{y}"),
    ];
    for sep in ['/', '-', '.'] {
        for (a, b) in [
            (&dd, &mm),
            (&d1, &m1),
            (&d1, &mm),
            (&dd, &m1),
            (&mm, &dd),
            (&m1, &d1),
        ] {
            out.push(format!("{a}{sep}{b}{sep}{y}"));
            out.push(format!("{a}{sep}{b}{sep}{yy}"));
        }
    }
    let month = attune_domain::rules::dates::month_name(date.month()).to_lowercase();
    let short = month[..3].to_string();
    let mut names = vec![month, short];
    if date.month() == 9 {
        names.push("sept".into());
    }
    let th = ordinal(d);
    for name in &names {
        for day in [&d1, &dd, &format!("{d}{th}")] {
            out.push(format!("{day} {name} {y}"));
            out.push(format!("{day} {name}, {y}"));
            out.push(format!("{day} {name} {yy}"));
            out.push(format!("{day}-{name}-{y}"));
            out.push(format!("{day}-{name}-{yy}"));
            out.push(format!("{name} {day} {y}"));
            out.push(format!("{name} {day}, {y}"));
        }
        out.push(format!("{d1} {name}. {y}"));
    }
    let mut seen = HashSet::new();
    out.retain(|s| seen.insert(s.clone()));
    out
}

fn json_escaped(s: &str) -> String {
    let q = serde_json::to_string(s).expect("a string serialises");
    q[1..q.len() - 1].to_string()
}

struct Haystack {
    text: String,
    index: HashMap<[u8; 3], Vec<u32>>,
}

impl Haystack {
    fn new(text: String) -> Haystack {
        let mut index: HashMap<[u8; 3], Vec<u32>> = HashMap::new();
        let b = text.as_bytes();
        for i in 0..b.len().saturating_sub(2) {
            index
                .entry([b[i], b[i + 1], b[i + 2]])
                .or_default()
                .push(i as u32);
        }
        Haystack { text, index }
    }

    fn boundary(&self, start: usize, end: usize, edges: (bool, bool)) -> bool {
        let before = self.text[..start].chars().next_back();
        let after = self.text[end..].chars().next();
        let glued_before = edges.0 && before.is_some_and(is_word_char);
        let glued_after = edges.1 && after.is_some_and(is_word_char);
        !(glued_before || glued_after)
    }

    fn contains(&self, needle: &str, edges: (bool, bool)) -> bool {
        let n = needle.as_bytes();
        if n.is_empty() {
            return false;
        }
        let ok = |pos: usize| {
            self.text.as_bytes()[pos..].starts_with(n)
                && self.text.is_char_boundary(pos)
                && self.text.is_char_boundary(pos + n.len())
                && self.boundary(pos, pos + n.len(), edges)
        };
        if n.len() >= 3 {
            self.index
                .get(&[n[0], n[1], n[2]])
                .is_some_and(|ps| ps.iter().any(|p| ok(*p as usize)))
        } else {
            self.text.match_indices(needle).any(|(p, _)| ok(p))
        }
    }
}

fn contains_in(text: &str, needle: &str, edges: (bool, bool)) -> bool {
    Haystack::new(text.to_string()).contains(needle, edges)
}

/// Whether a needle must start (end) at a word boundary: when its first (last) word is short.
fn edges_of(text: &str) -> (bool, bool) {
    let short = |w: Option<&str>| w.is_none_or(|w| w.chars().count() <= SHORT_NAME_CHARS);
    (short(words(text).next()), short(words(text).last()))
}

/// The text with every vocabulary word replaced by spaces.
fn blank_vocabulary(text: &str, vocab: &HashSet<&str>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if vocab.contains(word.as_str()) {
            out.extend(std::iter::repeat_n(' ', word.len()));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if is_word_char(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

impl LeakGuard {
    /// A guard for the vault's identifying strings; `school_strings` is every piece of the
    /// school's own text the summary can print.
    pub fn new(strings: &[IdentifyingString], school_strings: &[String]) -> LeakGuard {
        let vocab: HashSet<&str> = VOCABULARY.iter().copied().collect();
        let mut needles = Vec::new();
        let add = |needles: &mut Vec<Needle>, kind, text: String, edges, colliding| {
            needles.push(Needle {
                kind,
                text: Zeroizing::new(text),
                edges,
                colliding,
            });
        };
        for s in strings {
            let lower = Zeroizing::new(s.text.trim().to_lowercase());
            if s.kind == IdentifyingKind::DateOfBirth {
                if let Some(d) = attune_vault::datetime::parse_date(&lower) {
                    for f in date_forms(d) {
                        add(&mut needles, s.kind, f, (true, true), false);
                    }
                } else {
                    add(&mut needles, s.kind, lower.to_string(), (true, true), false);
                }
                continue;
            }
            let chars = lower.chars().count();
            if chars < 2 {
                continue;
            }
            if s.kind == IdentifyingKind::Identifier
                && lower.chars().all(|c| c.is_ascii_digit())
                && chars < MIN_NUMERIC_IDENTIFIER_DIGITS
            {
                continue;
            }
            let edges = edges_of(&lower);
            let all_vocab = words(&lower).all(|w| vocab.contains(w)) && words(&lower).count() > 0;
            let inside_vocab =
                !(edges.0 && edges.1) && VOCABULARY.iter().any(|v| v.contains(lower.as_str()));
            let colliding = all_vocab || inside_vocab;
            let mut variants: Vec<String> = vec![lower.to_string()];
            for v in [
                escape(&lower),
                json_escaped(&lower),
                lower.replace('"', "\"\""),
            ] {
                if !variants.contains(&v) {
                    variants.push(v);
                }
            }
            for v in variants {
                add(&mut needles, s.kind, v, edges, colliding);
            }
        }
        LeakGuard {
            needles,
            school: school_strings.iter().map(|s| s.to_lowercase()).collect(),
        }
    }

    /// How many strings it looks for (every form counted).
    pub fn len(&self) -> usize {
        self.needles.len()
    }

    /// Whether it looks for nothing.
    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// Scans each `(file kind, bytes)`; the first hit is returned.
    pub fn check(&self, files: &[(&'static str, &[u8])]) -> Result<(), Hit> {
        let vocab: HashSet<&str> = VOCABULARY.iter().copied().collect();
        // The school's own text is looked at once, for names that are report words.
        for needle in self.needles.iter().filter(|n| n.colliding) {
            if self
                .school
                .iter()
                .any(|s| contains_in(s, &needle.text, needle.edges))
            {
                return Err(Hit {
                    kind: needle.kind,
                    file: files.first().map_or("output", |f| f.0),
                });
            }
        }
        for (file, bytes) in files {
            let lower = String::from_utf8_lossy(bytes).to_lowercase();
            let blanked = self
                .needles
                .iter()
                .any(|n| n.colliding)
                .then(|| Haystack::new(blank_vocabulary(&lower, &vocab)));
            let hay = Haystack::new(lower);
            for needle in &self.needles {
                let found = if needle.colliding {
                    blanked
                        .as_ref()
                        .is_some_and(|b| b.contains(&needle.text, needle.edges))
                } else {
                    hay.contains(&needle.text, needle.edges)
                };
                if found {
                    return Err(Hit {
                        kind: needle.kind,
                        file,
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use attune_domain::date;

    fn s(kind: IdentifyingKind, t: &str) -> IdentifyingString {
        IdentifyingString {
            kind,
            text: Zeroizing::new(t.into()),
        }
    }

    fn hit(guard: &LeakGuard, text: &str) -> Option<IdentifyingKind> {
        guard
            .check(&[("CSV", text.as_bytes())])
            .err()
            .map(|h| h.kind)
    }

    #[test]
    fn short_names_are_whole_words_and_always_caught() {
        let g = LeakGuard::new(&[s(IdentifyingKind::LegalName, "Jo")], &[]);
        assert_eq!(hit(&g, "a Journey of joy"), None);
        for t in ["Jo", "jo,3", "<td>JO</td>", "x Jo's y", "\"jo\"", "5 jo-5"] {
            assert_eq!(hit(&g, t), Some(IdentifyingKind::LegalName), "{t}");
        }
    }

    #[test]
    fn a_full_name_keeps_the_short_rule_at_each_end() {
        let g = LeakGuard::new(&[s(IdentifyingKind::LegalName, "Px So")], &[]);
        assert_eq!(hit(&g, "border: 6px solid"), None);
        assert_eq!(hit(&g, "<td>Px So</td>"), Some(IdentifyingKind::LegalName));
        assert_eq!(hit(&g, "<td>Px Sol</td>"), None);
        let g = LeakGuard::new(&[s(IdentifyingKind::LegalName, "Jo Smithson")], &[]);
        assert_eq!(hit(&g, "xjo smithson"), None);
        assert_eq!(hit(&g, "jo smithsonian"), Some(IdentifyingKind::LegalName));
    }

    #[test]
    fn long_names_are_found_inside_words_and_escaped() {
        let g = LeakGuard::new(&[s(IdentifyingKind::LegalName, "O'Brien-Smythe")], &[]);
        assert_eq!(
            hit(&g, "<td>o'brien-smythe</td>"),
            Some(IdentifyingKind::LegalName)
        );
        assert_eq!(
            hit(&g, "X O'BRIEN-SMYTHEX"),
            Some(IdentifyingKind::LegalName)
        );
        assert_eq!(hit(&g, "o brien smythe"), None);
        let g = LeakGuard::new(&[s(IdentifyingKind::LegalName, "Ana \"Bee\"")], &[]);
        assert_eq!(
            hit(&g, r#"{"label":"Ana \"Bee\""}"#),
            Some(IdentifyingKind::LegalName)
        );
        assert_eq!(
            hit(&g, "x,\"Ana \"\"Bee\"\"\""),
            Some(IdentifyingKind::LegalName)
        );
        assert_eq!(
            hit(&g, "<td>ana &quot;bee&quot;</td>"),
            Some(IdentifyingKind::LegalName)
        );
    }

    #[test]
    fn dates_of_birth_in_the_ways_people_write_them() {
        let g = LeakGuard::new(&[s(IdentifyingKind::DateOfBirth, "2014-03-07")], &[]);
        for t in [
            "2014-03-07",
            "07/03/2014",
            "7/3/2014",
            "7/3/14",
            "07-03-2014",
            "07.03.2014",
            "7 March 2014",
            "7 Mar 2014",
            "March 7 2014",
            "march 7, 2014",
            "7th March 2014",
            "07-Mar-2014",
            "3/7/2014",
            "20140307",
        ] {
            assert_eq!(
                hit(&g, &format!("x {t} y")),
                Some(IdentifyingKind::DateOfBirth),
                "{t}"
            );
        }
        for t in ["17/3/14", "7/3/145", "2014-03-071", "27 March 2014"] {
            assert_eq!(hit(&g, t), None, "{t}");
        }
        assert!(date_forms(date!(2014 - 09 - 01)).contains(&"1 sept 2014".to_string()));
        assert!(date_forms(date!(2014 - 09 - 22)).contains(&"22nd september 2014".to_string()));
    }

    #[test]
    fn names_that_are_report_words_are_caught_only_in_school_text() {
        let pupil = [s(IdentifyingKind::LegalName, "Summer")];
        let g = LeakGuard::new(&pupil, &["Secure Base".into()]);
        assert_eq!(hit(&g, "2025-26 summer, Summer 2026"), None);
        assert_eq!(
            hit(&g, "Summer Brown"),
            None,
            "Brown is not a report word, Summer is"
        );
        let g = LeakGuard::new(&pupil, &["Summer's group".into()]);
        assert_eq!(hit(&g, "2025-26 summer"), Some(IdentifyingKind::LegalName));
        let g = LeakGuard::new(&[s(IdentifyingKind::LegalName, "Summer Brown")], &[]);
        assert_eq!(hit(&g, "summer brown"), Some(IdentifyingKind::LegalName));
    }

    #[test]
    fn identifiers_and_their_limits() {
        let g = LeakGuard::new(
            &[
                s(IdentifyingKind::Identifier, "A123456789012"),
                s(IdentifyingKind::Identifier, "12345"),
                s(IdentifyingKind::Identifier, "123456789"),
            ],
            &[],
        );
        assert_eq!(hit(&g, "12345 pupils"), None);
        assert_eq!(hit(&g, "a123456789012"), Some(IdentifyingKind::Identifier));
        assert_eq!(hit(&g, "id 123456789"), Some(IdentifyingKind::Identifier));
    }
}
