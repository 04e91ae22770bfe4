//! # attune-domain: Attune's domain rules and the school's records
//!
//! First, the rules of a key adult's daily work that need no database, no window and no clock, so
//! that they can be tested directly and exhaustively:
//!
//! - [`identifiers`]: England's UPN with its DfE check letter (permanent and temporary UPNs),
//!   Scotland's Scottish Candidate Number, a school's local id;
//! - [`year_group`]: N1, N2, Reception, years 1 to 14, P1 to P7, S1 to S6;
//! - [`dates`]: reading dates as UK schools write them, writing them the UK way ("22 November
//!   2026"), and storing them as `YYYY-MM-DD`;
//! - [`calendar`]: a school year's terms, half terms and closures, school days, the term a date
//!   belongs to, and a typical England year as a starting point;
//! - [`schedule`]: review cadences (six-weekly, half-termly, termly, every *n* weeks) and the due
//!   dates they yield across a plan's 2–3 year horizon, never on a non-school day, recomputed for
//!   the future (never the past) when the cadence or term dates change;
//! - [`framework`]: plan frameworks (Secure Base, SHANARRI, a school's own) read from JSON files
//!   with errors that give the line, column and reason;
//! - [`import`]: pupils from an MIS's CSV export, with a column mapping and every bad line's
//!   number and reason.
//!
//! ## The school's records, stored in the vault
//!
//! The modules below keep what issue 3 names in the encrypted vault (`attune-vault`; tables in
//! its migration `0002_records.sql`), through a [`attune_vault::Vault`] session:
//!
//! - [`access`]: **the one gate**. Every operation checks the session's role and assignment
//!   there first: a strategic lead sees every pupil, a key adult only the pupils currently
//!   assigned to them (their whole history included). A refusal is
//!   [`Error::NotPermitted`] and is audited (`refused`); every successful view and change is
//!   audited (who, when, action, record id — never content).
//! - [`pupils`]: add, edit, assign, mark left, archive (strategic lead only); the caseload;
//!   opening a pupil's whole record. [`vault_import`] writes a pupil import.
//! - [`profile`]: "about me", outside-agency advice, the TouchBase team.
//! - [`plans`]: plans from a framework, goals, review due dates stored and recomputed;
//!   [`calendars`]: the school's term dates (UK defaults until entered).
//! - [`records`]: sessions, chronology, instrument scores, termly indicators (and their CSV
//!   import).
//! - [`reviews`]: structured plan reviews (issue 4; tables in `0004_reviews.sql`): prepared
//!   from what the vault knows, saved as drafts, signed off and then immutable, amended; each
//!   goal's progress series; a plan's due dates with their reviews.
//! - [`search`]: FTS5 full-text search inside the encrypted database, limited to the pupils the
//!   session may see.
//! - [`school_frameworks`]: the frameworks a plan can use, the built-in ones and the school's
//!   own (added as a framework file's text, checked, kept in the vault).
//! - [`lists`]: the configurable care statuses and support levels; [`drafts`]: form drafts;
//!   [`audit_log`]: the audit log for the strategic lead.
//! - [`retention`]: the retention period, the pupils due for a decision, and erasure for good.
//! - [`handover`]: a pupil's whole record as an encrypted handover pack for another vault, and
//!   importing one as a new pupil.
//! - [`overview`]: the strategic lead's overview of every key adult's caseload, reviews due and
//!   overdue, and pupils not seen lately (issue 5); [`supervision`]: supervision and
//!   consultation notes between the lead and a key adult (tables in `0005_supervision.sql`).
//! - [`sar`]: a subject access request's printable HTML document of everything held about one pupil.
//! - [`summary_facts`]: the anonymised facts per pupil behind an anonymised summary (periods,
//!   year-group bands, review outcomes, goals, sessions, scaling, indicators) and the identifying
//!   strings the exporter's leak guard looks for (the exporter is the `attune-export` crate).
//! - [`model`]: every type that crosses to the UI (`Serialize`/`Deserialize` and `ts_rs::TS`).
//!
//! Record ids are SQLite rowids. Time (`DateTime<Utc>` for audit stamps, `NaiveDate` for "today")
//! is passed in. Operations that change something take `&mut Vault` and write the change and its
//! audit entry in one transaction; reads take `&Vault`.
//!
//! This crate has no Tauri dependency, reads no files except where a function is given a path
//! ([`framework::load_dir`]), and never touches the network.
//!
//! ## Invariants
//!
//! - **Time and randomness are passed in**: nothing here reads the clock or a random source, so
//!   every result is a function of its arguments (today's date is a parameter where it matters,
//!   as in [`schedule::recompute`]).
//! - **One error type**, [`Error`]: messages are for a person, in British English, and say what
//!   is wrong with an input without repeating a pupil's name or other personal data;
//!   [`Error::kind`] gives the vault's [`attune_vault::ErrorKind`] for the shell's `{kind, message}`
//!   and [`Error::field`] the form field an input error is about.
//! - **Nothing readable reaches the disk**: records, drafts and the search index live only in the
//!   SQLCipher database.
//! - **Validated values stay valid**: [`identifiers::PupilIdentifier`] and
//!   [`year_group::YearGroup`] validate again when deserialised, so the UI cannot send an invalid
//!   one back.
//! - **Types that cross to the UI** derive `Serialize`/`Deserialize`, enums in `snake_case`, and
//!   dates as `"YYYY-MM-DD"` strings.

pub mod access;
pub mod audit_log;
pub mod calendar;
pub mod calendars;
pub mod dates;
pub mod drafts;
pub mod error;
pub mod framework;
pub mod handover;
pub mod identifiers;
pub mod import;
pub mod lists;
pub mod mis_update;
pub mod model;
pub mod overview;
pub mod plans;
pub mod profile;
pub mod pupils;
pub mod records;
pub mod retention;
pub mod reviews;
pub mod sar;
pub mod schedule;
pub mod school_frameworks;
pub mod search;
mod store;
pub mod summary_facts;
pub mod supervision;
pub mod vault_import;
pub mod year_group;

pub use error::{Error, Result};
