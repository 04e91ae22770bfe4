//! # attune-domain: Attune's pure domain rules
//!
//! The rules of a key adult's daily work that need no database, no window and no clock, so that
//! they can be tested directly and exhaustively:
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
//! ## What it deliberately does not hold
//!
//! No storage, encryption, audit, permissions or user interface: the encrypted vault
//! (`attune-vault`) stores what these rules accept, and the Tauri app calls both. This crate has
//! no Tauri dependency, reads no files except where a function is given a path
//! ([`framework::load_dir`]), and never touches the network.
//!
//! ## Invariants
//!
//! - **Time and randomness are passed in**: nothing here reads the clock or a random source, so
//!   every result is a function of its arguments (today's date is a parameter where it matters,
//!   as in [`schedule::recompute`]).
//! - **One error type**, [`Error`]: messages are for a person, in British English, and say what
//!   is wrong with an input without repeating a pupil's name or other personal data.
//! - **Validated values stay valid**: [`identifiers::PupilIdentifier`] and
//!   [`year_group::YearGroup`] validate again when deserialised, so the UI cannot send an invalid
//!   one back.
//! - **Types that cross to the UI** derive `Serialize`/`Deserialize`, enums in `snake_case`, and
//!   dates as `"YYYY-MM-DD"` strings.

pub mod calendar;
pub mod dates;
pub mod error;
pub mod framework;
pub mod identifiers;
pub mod import;
pub mod schedule;
pub mod year_group;

pub use error::{Error, Result};
