//! The one error type of the domain rules.
//!
//! Every message is written for the person at the keyboard, in British English, and says what is
//! wrong with an input without repeating personal data: no pupil names, and only as much of an
//! input as is needed to explain the problem (a check letter, a character, a term's name).

use thiserror::Error;

/// Anything a domain rule can refuse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    // ----- identifiers -----
    /// A UPN that is not 13 characters long.
    #[error("13 characters expected, found {found}")]
    UpnLength {
        /// How many characters there were.
        found: usize,
    },
    /// A UPN whose first character cannot be a check letter.
    #[error("a UPN starts with its check letter, a letter other than I, O or S; found {found:?}")]
    UpnFirstCharacter {
        /// The first character.
        found: char,
    },
    /// A UPN with a non-digit among characters 2 to 12.
    #[error("characters 2 to 12 of a UPN are digits; character {position} is {found:?}")]
    UpnNotDigit {
        /// 1-based position of the offending character.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// A UPN whose 13th character is neither a digit nor an allowed letter.
    #[error("the 13th character of a temporary UPN must be a letter other than I, O or S")]
    UpnTemporaryLetter,
    /// A UPN whose check letter does not match the rest.
    #[error("check letter should be {expected}, not {found}")]
    UpnCheckLetter {
        /// The letter the DfE algorithm gives.
        expected: char,
        /// The letter written.
        found: char,
    },
    /// A Scottish Candidate Number that is not 9 digits.
    #[error("a Scottish Candidate Number is 9 digits; {detail}")]
    ScnFormat {
        /// What was found instead.
        detail: String,
    },
    /// An empty local id.
    #[error("a local id cannot be empty")]
    LocalIdEmpty,
    /// A local id over 32 characters.
    #[error("a local id is at most 32 characters; found {found}")]
    LocalIdTooLong {
        /// How many characters there were.
        found: usize,
    },
    /// A local id with control characters.
    #[error("a local id can contain only printable characters")]
    LocalIdNotPrintable,

    // ----- dates and year groups -----
    /// A date that cannot be read or does not exist.
    #[error("{reason}")]
    DateUnreadable {
        /// Why, for a person.
        reason: String,
    },
    /// A year group that is not one Attune knows.
    #[error(
        "year group {found:?} is out of range: use R (Reception), N1 or N2 (nursery), \
         1 to 14, P1 to P7 or S1 to S6"
    )]
    YearGroupUnknown {
        /// The text given.
        found: String,
    },

    // ----- calendars -----
    /// A school year without a label.
    #[error("the school year needs a label, such as 2026-27")]
    CalendarLabelEmpty,
    /// A school year without terms.
    #[error("the school year {year_label} needs at least one term")]
    CalendarNoTerms {
        /// The school year.
        year_label: String,
    },
    /// A term without a name.
    #[error("every term in {year_label} needs a name")]
    TermNameEmpty {
        /// The school year.
        year_label: String,
    },
    /// A term that ends before it starts.
    #[error("the {term} term ends ({end}) before it starts ({start})")]
    TermEndsBeforeStart {
        /// The term's name.
        term: String,
        /// Its start, written the UK way.
        start: String,
        /// Its end, written the UK way.
        end: String,
    },
    /// A half term that ends before it starts.
    #[error("the {term} half term ends before it starts")]
    HalfTermEndsBeforeStart {
        /// The term's name.
        term: String,
    },
    /// A half term that is not inside its term.
    #[error("the {term} half term must fall between the first and last days of the {term} term")]
    HalfTermOutsideTerm {
        /// The term's name.
        term: String,
    },
    /// Two terms sharing days.
    #[error("the {first} and {second} terms overlap")]
    TermsOverlap {
        /// The earlier term.
        first: String,
        /// The later term.
        second: String,
    },
    /// A closure that ends before it starts.
    #[error("the closure {label:?} ends before it starts")]
    ClosureEndsBeforeStart {
        /// The closure's label.
        label: String,
    },
    /// Two school years sharing days.
    #[error("the school years {first} and {second} overlap")]
    CalendarsOverlap {
        /// The earlier year's label.
        first: String,
        /// The later year's label.
        second: String,
    },

    // ----- schedules -----
    /// A custom cadence that is not 1 to 52 weeks.
    #[error("a custom review cadence is 1 to 52 weeks; found {weeks}")]
    InvalidCadence {
        /// The number of weeks given.
        weeks: u32,
    },
    /// A plan whose horizon does not end after its start.
    #[error("the plan's horizon must end after the plan starts")]
    HorizonBeforeStart,

    // ----- frameworks -----
    /// A framework file that is not valid, with where and why.
    #[error("line {line}, column {column}: {reason}")]
    Framework {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Why, for a person.
        reason: String,
    },
    /// A file or folder that could not be read.
    #[error("could not read {path}: {reason}")]
    Io {
        /// The file or folder.
        path: String,
        /// The system's reason.
        reason: String,
    },

    // ----- import -----
    /// A column mapping that cannot be used for this file.
    #[error("{reason}")]
    ImportMapping {
        /// Why, for a person.
        reason: String,
    },
    /// A file the CSV reader cannot read at all.
    #[error("line {line}: {reason}")]
    ImportCsv {
        /// 1-based line where reading stopped.
        line: usize,
        /// Why, for a person.
        reason: String,
    },
    /// A file with no rows.
    #[error("the file has no rows")]
    ImportEmpty,

    // ----- records in the vault -----
    /// The session's user may not do this (a key adult and a pupil not on their caseload, or a
    /// strategic-lead-only action). Every refusal is also written to the audit log.
    #[error("Not permitted: {0}")]
    NotPermitted(String),
    /// The record asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// An input that cannot be stored, naming the field (as the UI's form names it) so the
    /// error summary can link to it.
    #[error("{message}")]
    Invalid {
        /// The input field: "legal_forename", "identifiers", "minutes", …
        field: String,
        /// What is wrong, for a person.
        message: String,
    },
    /// A record that would duplicate one already in the vault (an identifier in use).
    #[error("{0}")]
    Duplicate(String),
    /// An error from the vault or its database, with the vault's own kind and message (which
    /// never contain a secret or a pupil's data).
    #[error("{message}")]
    Vault {
        /// The vault's error kind.
        kind: attune_vault::ErrorKind,
        /// The vault's message.
        message: String,
    },
}

impl Error {
    /// A refused input on a named field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Error {
        Error::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// The stable kind the shell turns into `{kind, message}` for the UI and the CLI into an
    /// exit code. Every refusal of an input is `InvalidInput`.
    pub fn kind(&self) -> attune_vault::ErrorKind {
        use attune_vault::ErrorKind as K;
        match self {
            Error::NotPermitted(_) => K::NotPermitted,
            Error::NotFound(_) => K::NotFound,
            Error::Duplicate(_) => K::AlreadyExists,
            Error::Vault { kind, .. } => *kind,
            Error::Io { .. } => K::Io,
            _ => K::InvalidInput,
        }
    }

    /// The input field an [`Error::Invalid`] is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl From<attune_vault::Error> for Error {
    fn from(e: attune_vault::Error) -> Self {
        match e {
            attune_vault::Error::NotPermitted(m) => Error::NotPermitted(m),
            attune_vault::Error::NotFound(m) => Error::NotFound(m),
            other => Error::Vault {
                kind: other.kind(),
                message: other.to_string(),
            },
        }
    }
}

impl From<attune_sync::Error> for Error {
    fn from(e: attune_sync::Error) -> Self {
        match e {
            attune_sync::Error::Db(e) => e.into(),
            other => Error::invalid("sync_file", other.to_string()),
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        attune_vault::Error::from(e).into()
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Vault {
            kind: attune_vault::ErrorKind::Internal,
            // The position only: serde's own message may quote the text.
            message: format!(
                "Internal error: a stored record could not be read (line {}, column {}).",
                e.line(),
                e.column()
            ),
        }
    }
}

/// The result of a domain rule.
pub type Result<T> = std::result::Result<T, Error>;
