//! Year groups in England, Wales, Northern Ireland and Scotland.
//!
//! A [`YearGroup`] is one of: nursery (N1, N2), Reception (R), National Curriculum years 1 to 14
//! (England and Wales; 12 to 14 cover sixth form and post-16), or Scotland's primary P1 to P7 and
//! secondary S1 to S6. It is stored and sent to the UI as its short **code** (`"N1"`, `"R"`, `"Y5"`,
//! `"P3"`, `"S2"`); [`YearGroup::parse`] reads what MIS exports and people write ("Reception",
//! "Year 5", "NC Year 5", "5", "Y5", "P3", "Primary 3", "S2").
//!
//! A bare "Nursery" is read as N2, the year before Reception, which is what most schools mean;
//! a school with a two-year nursery writes N1 or N2.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A pupil's year group. Build one with [`YearGroup::parse`]; the numbers inside are always in
/// range (1–14, P1–P7, S1–S6) when it comes from there or from JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum YearGroup {
    /// Nursery, first year (age 2–3).
    Nursery1,
    /// Nursery, second year (age 3–4), the year before Reception.
    Nursery2,
    /// Reception (age 4–5).
    Reception,
    /// National Curriculum year 1 to 14.
    Year(u8),
    /// Scottish primary P1 to P7.
    Primary(u8),
    /// Scottish secondary S1 to S6.
    Secondary(u8),
}

impl YearGroup {
    /// Reads a year group as an MIS export or a person writes it.
    pub fn parse(text: &str) -> Result<YearGroup> {
        let unknown = || Error::YearGroupUnknown {
            found: text.trim().to_string(),
        };
        let s: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '_' | '.'))
            .flat_map(char::to_lowercase)
            .collect();
        match s.as_str() {
            "r" | "rec" | "reception" | "yr" | "yearr" | "ncyearr" | "fs2" => {
                return Ok(YearGroup::Reception)
            }
            "n1" | "nursery1" => return Ok(YearGroup::Nursery1),
            "n2" | "nursery2" | "nursery" | "fs1" => return Ok(YearGroup::Nursery2),
            _ => {}
        }
        let number = |rest: &str| -> Option<u8> {
            (!rest.is_empty() && rest.len() <= 2 && rest.bytes().all(|b| b.is_ascii_digit()))
                .then(|| rest.parse().ok())
                .flatten()
        };
        for prefix in ["primary", "p"] {
            if let Some(n) = s.strip_prefix(prefix).and_then(number) {
                return (1..=7)
                    .contains(&n)
                    .then_some(YearGroup::Primary(n))
                    .ok_or_else(unknown);
            }
        }
        for prefix in ["secondary", "s"] {
            if let Some(n) = s.strip_prefix(prefix).and_then(number) {
                return (1..=6)
                    .contains(&n)
                    .then_some(YearGroup::Secondary(n))
                    .ok_or_else(unknown);
            }
        }
        for prefix in ["ncyear", "yeargroup", "year", "yr", "y", ""] {
            if let Some(n) = s.strip_prefix(prefix).and_then(number) {
                return (1..=14)
                    .contains(&n)
                    .then_some(YearGroup::Year(n))
                    .ok_or_else(unknown);
            }
        }
        Err(unknown())
    }

    /// The short code Attune stores: `N1`, `N2`, `R`, `Y1`…`Y14`, `P1`…`P7`, `S1`…`S6`.
    pub fn code(self) -> String {
        match self {
            YearGroup::Nursery1 => "N1".into(),
            YearGroup::Nursery2 => "N2".into(),
            YearGroup::Reception => "R".into(),
            YearGroup::Year(n) => format!("Y{n}"),
            YearGroup::Primary(n) => format!("P{n}"),
            YearGroup::Secondary(n) => format!("S{n}"),
        }
    }

    /// How the year group is shown to a person: "Nursery 1", "Reception", "Year 5", "P3", "S2".
    pub fn label(self) -> String {
        match self {
            YearGroup::Nursery1 => "Nursery 1".into(),
            YearGroup::Nursery2 => "Nursery 2".into(),
            YearGroup::Reception => "Reception".into(),
            YearGroup::Year(n) => format!("Year {n}"),
            YearGroup::Primary(n) => format!("P{n}"),
            YearGroup::Secondary(n) => format!("S{n}"),
        }
    }
}

/// Which run of year groups a pupil climbs: England, Wales and Northern Ireland's Reception and
/// years 1–14, or Scotland's P1–P7 then S1–S6. Nursery belongs to either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ladder {
    /// Reception, then Year 1 to Year 14.
    National,
    /// P1 to P7, then S1 to S6.
    Scottish,
}

impl YearGroup {
    /// The ladder this year group is on (`None` for nursery, which precedes both).
    pub fn ladder(self) -> Option<Ladder> {
        match self {
            YearGroup::Nursery1 | YearGroup::Nursery2 => None,
            YearGroup::Reception | YearGroup::Year(_) => Some(Ladder::National),
            YearGroup::Primary(_) | YearGroup::Secondary(_) => Some(Ladder::Scottish),
        }
    }

    /// Its place on its ladder, counting from N1 = 0 (for comparing two year groups of one
    /// ladder: N2 < R < Y1 …, N2 < P1 < … < P7 < S1 …).
    pub fn rank(self) -> u8 {
        match self {
            YearGroup::Nursery1 => 0,
            YearGroup::Nursery2 => 1,
            YearGroup::Reception => 2,
            YearGroup::Year(n) => 2 + n,
            YearGroup::Primary(n) => 1 + n,
            YearGroup::Secondary(n) => 8 + n,
        }
    }

    /// The year group a pupil moves on to at the start of the next school year, on `ladder`
    /// (which only matters for N2: Reception, or P1 in Scotland). `None` past the last year
    /// Attune knows (Year 14, S6).
    pub fn next(self, ladder: Ladder) -> Option<YearGroup> {
        match self {
            YearGroup::Nursery1 => Some(YearGroup::Nursery2),
            YearGroup::Nursery2 => Some(match ladder {
                Ladder::National => YearGroup::Reception,
                Ladder::Scottish => YearGroup::Primary(1),
            }),
            YearGroup::Reception => Some(YearGroup::Year(1)),
            YearGroup::Year(n) => (n < 14).then_some(YearGroup::Year(n + 1)),
            YearGroup::Primary(7) => Some(YearGroup::Secondary(1)),
            YearGroup::Primary(n) => Some(YearGroup::Primary(n + 1)),
            YearGroup::Secondary(n) => (n < 6).then_some(YearGroup::Secondary(n + 1)),
        }
    }
}

impl fmt::Display for YearGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl From<YearGroup> for String {
    fn from(y: YearGroup) -> String {
        y.code()
    }
}

impl TryFrom<String> for YearGroup {
    type Error = Error;
    fn try_from(s: String) -> Result<YearGroup> {
        YearGroup::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: &str) -> YearGroup {
        YearGroup::parse(t).unwrap_or_else(|e| panic!("{t}: {e}"))
    }

    #[test]
    fn reads_english_year_groups() {
        for t in ["R", "r", "Reception", "Rec", "YR", "Year R"] {
            assert_eq!(p(t), YearGroup::Reception, "{t}");
        }
        assert_eq!(p("N1"), YearGroup::Nursery1);
        assert_eq!(p("Nursery 2"), YearGroup::Nursery2);
        assert_eq!(p("Nursery"), YearGroup::Nursery2);
        for t in [
            "5",
            "05",
            "Year 5",
            "year5",
            "Y5",
            "Yr 5",
            "NC Year 5",
            "Year-5",
        ] {
            assert_eq!(p(t), YearGroup::Year(5), "{t}");
        }
        assert_eq!(p("1"), YearGroup::Year(1));
        assert_eq!(p("14"), YearGroup::Year(14));
        assert_eq!(p("Year 13"), YearGroup::Year(13));
    }

    #[test]
    fn reads_scottish_year_groups() {
        assert_eq!(p("P1"), YearGroup::Primary(1));
        assert_eq!(p("p7"), YearGroup::Primary(7));
        assert_eq!(p("Primary 3"), YearGroup::Primary(3));
        assert_eq!(p("S1"), YearGroup::Secondary(1));
        assert_eq!(p("S6"), YearGroup::Secondary(6));
        assert_eq!(p("Secondary 4"), YearGroup::Secondary(4));
    }

    #[test]
    fn refuses_out_of_range_and_unknown() {
        for t in [
            "0", "15", "Year 15", "P8", "P0", "S7", "S0", "N3", "Y", "", "Class 3", "123",
        ] {
            let err = YearGroup::parse(t).expect_err(t);
            assert!(err.to_string().contains("is out of range"), "{t}: {err}");
        }
        assert_eq!(
            YearGroup::parse(" 15 ").unwrap_err().to_string(),
            "year group \"15\" is out of range: use R (Reception), N1 or N2 (nursery), 1 to 14, P1 to P7 or S1 to S6"
        );
    }

    #[test]
    fn each_year_group_moves_on_by_one() {
        use Ladder::*;
        let next = |t: &str, l: Ladder| YearGroup::parse(t).unwrap().next(l).map(|y| y.code());
        assert_eq!(next("N1", National).as_deref(), Some("N2"));
        assert_eq!(next("N2", National).as_deref(), Some("R"));
        assert_eq!(next("N2", Scottish).as_deref(), Some("P1"));
        assert_eq!(next("R", National).as_deref(), Some("Y1"));
        assert_eq!(next("Y6", National).as_deref(), Some("Y7"));
        assert_eq!(next("Y13", National).as_deref(), Some("Y14"));
        assert_eq!(next("Y14", National), None);
        assert_eq!(next("P1", Scottish).as_deref(), Some("P2"));
        assert_eq!(next("P7", Scottish).as_deref(), Some("S1"));
        assert_eq!(next("S5", Scottish).as_deref(), Some("S6"));
        assert_eq!(next("S6", Scottish), None);
        // Every step climbs exactly one place on its ladder.
        for code in [
            "N1", "N2", "R", "Y1", "Y9", "Y13", "P1", "P6", "P7", "S1", "S5",
        ] {
            let y = p(code);
            let l = y.ladder().unwrap_or(National);
            assert_eq!(y.next(l).unwrap().rank(), y.rank() + 1, "{code}");
        }
        assert_eq!(p("N2").next(Scottish).unwrap().rank(), p("N2").rank() + 1);
    }

    #[test]
    fn codes_labels_and_serde() {
        assert_eq!(YearGroup::Year(5).code(), "Y5");
        assert_eq!(YearGroup::Reception.label(), "Reception");
        assert_eq!(YearGroup::Secondary(2).to_string(), "S2");
        for y in [
            YearGroup::Nursery1,
            YearGroup::Nursery2,
            YearGroup::Reception,
            YearGroup::Year(14),
            YearGroup::Primary(7),
            YearGroup::Secondary(6),
        ] {
            assert_eq!(p(&y.code()), y);
            let json = serde_json::to_string(&y).unwrap();
            assert_eq!(json, format!("\"{}\"", y.code()));
            assert_eq!(serde_json::from_str::<YearGroup>(&json).unwrap(), y);
        }
        assert!(serde_json::from_str::<YearGroup>("\"Y15\"").is_err());
    }
}
