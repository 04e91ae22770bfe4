//! Pupil identifiers: England's Unique Pupil Number (UPN), Scotland's Scottish Candidate Number
//! (SCN), or a school's own local id.
//!
//! # The UPN check letter (DfE algorithm)
//!
//! A UPN has 13 characters: a check letter, a 3-digit local authority code, a 4-digit establishment
//! number, a 2-digit year of allocation and a 3-digit serial. Characters 2 to 13 are multiplied by
//! weights 2 to 13; the sum modulo 23 indexes the check letter in `ABCDEFGHJKLMNPQRTUVWXYZ`
//! (A = 0 … Z = 22; I, O and S are never used).
//!
//! A **temporary UPN** has a letter as its 13th character, valued by the same table (A = 0, B = 1,
//! …, H = 7, J = 8, …, Z = 22). It is accepted, and reported as temporary
//! ([`PupilIdentifier::is_temporary_upn`], [`UpnKind::Temporary`]) so that the school can replace it
//! when the permanent one arrives.
//!
//! The LA code and year of allocation are not checked against lists: a UPN allocated by another
//! authority, or years ago, is still valid.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The 23 letters a UPN uses, in order of value (A = 0 … Z = 22).
pub const UPN_LETTERS: &str = "ABCDEFGHJKLMNPQRTUVWXYZ";

/// The longest local id Attune keeps, in characters.
pub const LOCAL_ID_MAX_CHARS: usize = 32;

/// Which kind of identifier a piece of text is meant to be.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    /// England's Unique Pupil Number.
    Upn,
    /// Scotland's Scottish Candidate Number.
    ScottishCandidateNumber,
    /// The school's own id for the pupil (an admission number, an MIS id).
    Local,
}

impl IdentifierKind {
    /// How the kind is named to a person ("UPN").
    pub fn label(self) -> &'static str {
        match self {
            IdentifierKind::Upn => "UPN",
            IdentifierKind::ScottishCandidateNumber => "Scottish Candidate Number",
            IdentifierKind::Local => "local id",
        }
    }
}

/// A validated, normalised pupil identifier.
///
/// Serialised as `{"kind": "upn", "value": "H801200001001"}`; deserialising validates again, so an
/// invalid identifier can never be read back from JSON.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "RawIdentifier", try_from = "RawIdentifier")]
pub enum PupilIdentifier {
    /// A UPN: uppercase, 13 characters, check letter correct (permanent or temporary).
    Upn(String),
    /// A Scottish Candidate Number: 9 digits.
    ScottishCandidateNumber(String),
    /// A local id: 1 to 32 printable characters, trimmed.
    Local(String),
}

/// The JSON shape of a [`PupilIdentifier`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
struct RawIdentifier {
    kind: IdentifierKind,
    value: String,
}

impl From<PupilIdentifier> for RawIdentifier {
    fn from(id: PupilIdentifier) -> Self {
        RawIdentifier {
            kind: id.kind(),
            value: id.value().to_string(),
        }
    }
}

impl TryFrom<RawIdentifier> for PupilIdentifier {
    type Error = Error;
    fn try_from(raw: RawIdentifier) -> Result<Self> {
        parse(raw.kind, &raw.value)
    }
}

impl PupilIdentifier {
    /// The kind of identifier.
    pub fn kind(&self) -> IdentifierKind {
        match self {
            PupilIdentifier::Upn(_) => IdentifierKind::Upn,
            PupilIdentifier::ScottishCandidateNumber(_) => IdentifierKind::ScottishCandidateNumber,
            PupilIdentifier::Local(_) => IdentifierKind::Local,
        }
    }

    /// The normalised text of the identifier.
    pub fn value(&self) -> &str {
        match self {
            PupilIdentifier::Upn(v)
            | PupilIdentifier::ScottishCandidateNumber(v)
            | PupilIdentifier::Local(v) => v,
        }
    }

    /// True for a temporary UPN (a letter as its 13th character).
    pub fn is_temporary_upn(&self) -> bool {
        match self {
            PupilIdentifier::Upn(v) => v.chars().nth(12).is_some_and(|c| c.is_ascii_alphabetic()),
            _ => false,
        }
    }
}

/// Whether a valid UPN is permanent or temporary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpnKind {
    /// Thirteen characters ending in a digit.
    Permanent,
    /// Ends in a letter: issued while the permanent UPN is awaited.
    Temporary,
}

/// Checks and normalises `text` as an identifier of the given kind.
///
/// Normalisation: surrounding white space is trimmed; a UPN is uppercased. The error says exactly
/// what is wrong ("13 characters expected, found 12", "check letter should be K, not M").
pub fn parse(kind: IdentifierKind, text: &str) -> Result<PupilIdentifier> {
    let text = text.trim();
    match kind {
        IdentifierKind::Upn => {
            let upn = text.to_uppercase();
            validate_upn(&upn)?;
            Ok(PupilIdentifier::Upn(upn))
        }
        IdentifierKind::ScottishCandidateNumber => {
            validate_scn(text)?;
            Ok(PupilIdentifier::ScottishCandidateNumber(text.to_string()))
        }
        IdentifierKind::Local => {
            validate_local_id(text)?;
            Ok(PupilIdentifier::Local(text.to_string()))
        }
    }
}

/// The value of a UPN letter (A = 0 … Z = 22), or `None` for I, O, S, lowercase and non-letters.
pub fn upn_letter_value(c: char) -> Option<u32> {
    UPN_LETTERS.find(c).map(|i| i as u32)
}

/// The check letter for characters 2 to 13 of a UPN (12 characters: 11 digits, then a digit or,
/// for a temporary UPN, a letter).
pub fn upn_check_letter(chars_2_to_13: &str) -> Result<char> {
    let chars: Vec<char> = chars_2_to_13.chars().collect();
    if chars.len() != 12 {
        return Err(Error::UpnLength {
            found: chars.len() + 1,
        });
    }
    let mut sum = 0u32;
    for (i, &c) in chars.iter().enumerate() {
        let position = i + 2;
        let value = if i < 11 {
            c.to_digit(10)
                .ok_or(Error::UpnNotDigit { position, found: c })?
        } else {
            match c.to_digit(10) {
                Some(d) => d,
                None => upn_letter_value(c).ok_or(Error::UpnTemporaryLetter)?,
            }
        };
        sum += value * position as u32;
    }
    Ok(UPN_LETTERS.as_bytes()[(sum % 23) as usize] as char)
}

/// Checks an already uppercased UPN and says whether it is permanent or temporary.
pub fn validate_upn(upn: &str) -> Result<UpnKind> {
    let chars: Vec<char> = upn.chars().collect();
    if chars.len() != 13 {
        return Err(Error::UpnLength { found: chars.len() });
    }
    let first = chars[0];
    if upn_letter_value(first).is_none() {
        return Err(Error::UpnFirstCharacter { found: first });
    }
    let body: String = chars[1..].iter().collect();
    let expected = upn_check_letter(&body)?;
    if expected != first {
        return Err(Error::UpnCheckLetter {
            expected,
            found: first,
        });
    }
    Ok(if chars[12].is_ascii_digit() {
        UpnKind::Permanent
    } else {
        UpnKind::Temporary
    })
}

/// Checks a Scottish Candidate Number: exactly 9 digits.
pub fn validate_scn(scn: &str) -> Result<()> {
    let count = scn.chars().count();
    if count != 9 {
        return Err(Error::ScnFormat {
            detail: format!(
                "found {count} character{}",
                if count == 1 { "" } else { "s" }
            ),
        });
    }
    if let Some(c) = scn.chars().find(|c| !c.is_ascii_digit()) {
        return Err(Error::ScnFormat {
            detail: format!("{c:?} is not a digit"),
        });
    }
    Ok(())
}

/// Checks a local id: 1 to 32 printable characters.
pub fn validate_local_id(id: &str) -> Result<()> {
    let count = id.chars().count();
    if count == 0 {
        return Err(Error::LocalIdEmpty);
    }
    if count > LOCAL_ID_MAX_CHARS {
        return Err(Error::LocalIdTooLong { found: count });
    }
    if id.chars().any(char::is_control) {
        return Err(Error::LocalIdNotPrintable);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Computes a check letter straight from the DfE description, independently of the code
    /// under test: sum of value × weight (weights 2..=13), mod 23, into the letter table.
    fn reference_check_letter(body: &str) -> char {
        let table: Vec<char> = "ABCDEFGHJKLMNPQRTUVWXYZ".chars().collect();
        let sum: usize = body
            .chars()
            .enumerate()
            .map(|(i, c)| {
                let v = match c.to_digit(10) {
                    Some(d) => d as usize,
                    None => table.iter().position(|&t| t == c).unwrap(),
                };
                v * (i + 2)
            })
            .sum();
        table[sum % 23]
    }

    fn upn(text: &str) -> Result<PupilIdentifier> {
        parse(IdentifierKind::Upn, text)
    }

    fn message(r: Result<PupilIdentifier>) -> String {
        r.expect_err("should be refused").to_string()
    }

    // Hand-checked UPNs (weights 2..=13 over characters 2..=13, sum mod 23):
    //
    // H801200001001: 8×2 + 0×3 + 1×4 + 2×5 + 0×6 + 0×7 + 0×8 + 0×9 + 1×10 + 0×11 + 0×12 + 1×13
    //               = 16 + 4 + 10 + 10 + 13 = 53; 53 mod 23 = 7 → H (A0 B1 C2 D3 E4 F5 G6 H7).
    // Y201200015001: 2×2 + 0×3 + 1×4 + 2×5 + 0×6 + 0×7 + 0×8 + 1×9 + 5×10 + 0×11 + 0×12 + 1×13
    //               = 4 + 4 + 10 + 9 + 50 + 13 = 90; 90 mod 23 = 21 → Y (… W19 X20 Y21 Z22).
    // L823456719123: 8×2 + 2×3 + 3×4 + 4×5 + 5×6 + 6×7 + 7×8 + 1×9 + 9×10 + 1×11 + 2×12 + 3×13
    //               = 16+6+12+20+30+42+56+9+90+11+24+39 = 355; 355 − 15×23 = 10 → L (J8 K9 L10).
    // Temporary J99900012600K: K has value 9.
    //               9×2 + 9×3 + 9×4 + 0 + 0 + 0 + 1×8 + 2×9 + 6×10 + 0 + 0 + 9×13
    //               = 18+27+36+8+18+60+117 = 284; 284 − 12×23 = 8 → J.
    const HAND_CHECKED: [(&str, UpnKind); 4] = [
        ("H801200001001", UpnKind::Permanent),
        ("Y201200015001", UpnKind::Permanent),
        ("L823456719123", UpnKind::Permanent),
        ("J99900012600K", UpnKind::Temporary),
    ];

    #[test]
    fn hand_checked_upns_are_valid() {
        for (text, kind) in HAND_CHECKED {
            assert_eq!(validate_upn(text), Ok(kind), "{text}");
            assert_eq!(
                reference_check_letter(&text[1..]),
                text.chars().next().unwrap(),
                "{text}"
            );
            let id = upn(text).unwrap();
            assert_eq!(id.value(), text);
            assert_eq!(id.is_temporary_upn(), kind == UpnKind::Temporary);
        }
    }

    #[test]
    fn check_letter_matches_reference_for_many_bodies() {
        // A spread of bodies, including every letter allowed as a temporary 13th character.
        let mut bodies = vec![];
        for n in (0u64..1_000_000_000_000).step_by(7_919_123_457) {
            bodies.push(format!("{n:012}"));
        }
        for letter in UPN_LETTERS.chars() {
            bodies.push(format!("30112345678{letter}"));
        }
        for body in bodies {
            let expected = reference_check_letter(&body);
            assert_eq!(upn_check_letter(&body), Ok(expected), "{body}");
            assert!(validate_upn(&format!("{expected}{body}")).is_ok(), "{body}");
        }
    }

    #[test]
    fn every_wrong_check_letter_is_refused_with_the_right_one_named() {
        let body = "801200001001";
        for wrong in UPN_LETTERS.chars().filter(|&c| c != 'H') {
            assert_eq!(
                message(upn(&format!("{wrong}{body}"))),
                format!("check letter should be H, not {wrong}")
            );
        }
        // L823456719123 with its check letter changed to M.
        let m = format!("M{}", &"L823456719123"[1..]);
        assert_eq!(message(upn(&m)), "check letter should be L, not M");
    }

    #[test]
    fn a_changed_digit_breaks_the_check_letter() {
        // Transposing two digits changes the sum (weights differ), so the letter no longer fits.
        assert!(upn("H801200001010").is_err());
        assert!(upn("H801200001002").is_err());
    }

    #[test]
    fn normalises_case_and_surrounding_space() {
        let id = upn("  h801200001001\t").unwrap();
        assert_eq!(id, PupilIdentifier::Upn("H801200001001".into()));
        let temp = upn("j99900012600k").unwrap();
        assert_eq!(temp.value(), "J99900012600K");
        assert!(temp.is_temporary_upn());
    }

    #[test]
    fn length_errors_count_characters() {
        assert_eq!(
            message(upn("H80120000100")),
            "13 characters expected, found 12"
        );
        assert_eq!(
            message(upn("H8012000010011")),
            "13 characters expected, found 14"
        );
        assert_eq!(message(upn("")), "13 characters expected, found 0");
        assert_eq!(
            message(upn("H80120 0001001")),
            "13 characters expected, found 14"
        );
    }

    #[test]
    fn position_errors_name_the_character() {
        assert_eq!(
            message(upn("H8012X0001001")),
            "characters 2 to 12 of a UPN are digits; character 6 is 'X'"
        );
        assert_eq!(
            message(upn("1801200001001")),
            "a UPN starts with its check letter, a letter other than I, O or S; found '1'"
        );
        assert_eq!(
            message(upn("I801200001001")),
            "a UPN starts with its check letter, a letter other than I, O or S; found 'I'"
        );
    }

    #[test]
    fn temporary_upn_letter_rules() {
        for bad in ['I', 'O', 'S', '-', '*'] {
            let text = format!("A99900012600{bad}");
            assert_eq!(
                message(upn(&text)),
                "the 13th character of a temporary UPN must be a letter other than I, O or S",
                "{text}"
            );
        }
        // Every allowed letter works once the check letter is computed for it.
        for letter in UPN_LETTERS.chars() {
            let body = format!("99900012600{letter}");
            let text = format!("{}{body}", reference_check_letter(&body));
            assert_eq!(validate_upn(&text), Ok(UpnKind::Temporary), "{text}");
        }
    }

    #[test]
    fn scottish_candidate_numbers() {
        let ok = parse(IdentifierKind::ScottishCandidateNumber, " 123456789 ").unwrap();
        assert_eq!(
            ok,
            PupilIdentifier::ScottishCandidateNumber("123456789".into())
        );
        assert!(!ok.is_temporary_upn());
        let msg = |t: &str| message(parse(IdentifierKind::ScottishCandidateNumber, t));
        assert_eq!(
            msg("12345678"),
            "a Scottish Candidate Number is 9 digits; found 8 characters"
        );
        assert_eq!(
            msg("1234567890"),
            "a Scottish Candidate Number is 9 digits; found 10 characters"
        );
        assert_eq!(
            msg("12345678A"),
            "a Scottish Candidate Number is 9 digits; 'A' is not a digit"
        );
        assert_eq!(
            msg(""),
            "a Scottish Candidate Number is 9 digits; found 0 characters"
        );
        assert_eq!(
            msg("1"),
            "a Scottish Candidate Number is 9 digits; found 1 character"
        );
    }

    #[test]
    fn local_ids() {
        let local = |t: &str| parse(IdentifierKind::Local, t);
        assert_eq!(
            local(" ADM-0042 ").unwrap(),
            PupilIdentifier::Local("ADM-0042".into())
        );
        assert_eq!(local("é").unwrap().value(), "é");
        assert!(local(&"x".repeat(32)).is_ok());
        assert_eq!(
            message(local(&"x".repeat(33))),
            "a local id is at most 32 characters; found 33"
        );
        assert_eq!(message(local("   ")), "a local id cannot be empty");
        assert_eq!(
            message(local("a\u{7}b")),
            "a local id can contain only printable characters"
        );
        // Case is kept: local ids belong to the school's own system.
        assert_eq!(local("abc").unwrap().value(), "abc");
    }

    #[test]
    fn serde_round_trip_validates() {
        let id = upn("H801200001001").unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, r#"{"kind":"upn","value":"H801200001001"}"#);
        assert_eq!(serde_json::from_str::<PupilIdentifier>(&json).unwrap(), id);
        let scn = serde_json::to_string(&PupilIdentifier::ScottishCandidateNumber(
            "123456789".into(),
        ))
        .unwrap();
        assert_eq!(
            scn,
            r#"{"kind":"scottish_candidate_number","value":"123456789"}"#
        );
        let bad = r#"{"kind":"upn","value":"M801200001001"}"#;
        let err = serde_json::from_str::<PupilIdentifier>(bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("check letter should be H, not M"), "{err}");
    }
}
