//! # attune-domain: Attune's domain rules and the school's records
//!
//! The crate is grouped by area; each area's `mod.rs` gives its overview and its invariants.
//!
//! - [`rules`] — the pure rules, no database and no clock: identifiers (UPN, SCN), year
//!   groups, dates as UK schools write them, school calendars, review schedules, plan
//!   frameworks. Every other area depends on it; it depends on none of them.
//! - [`record`] — the pupil record: pupils and caseloads, "about me" and the team, sessions,
//!   chronology, scores and indicators, drafts, search, the school's lists.
//! - [`planning`] — plans and reviews: plans and goals, review due dates and the term dates
//!   they follow, structured reviews (signed, then immutable), the frameworks a plan can use.
//! - [`lead`] — the strategic lead's work: the overview of every caseload, supervision notes,
//!   the audit log, and the anonymised facts behind a summary.
//! - [`transfer`] — data moving in and out: the MIS import and update, handover packs, the
//!   subject access document, retention and erasure.
//!
//! Beside them, the crate's own plumbing: [`access`] — **the one gate** every operation passes
//! first (a strategic lead sees every pupil, a key adult only the pupils assigned to them now,
//! their whole history included; a refusal is [`Error::NotPermitted`] and is audited; every
//! successful view and change is audited, who, when, action and record id, never content) —
//! [`model`] (every type that crosses to the UI), [`error`], and the private `store` (the
//! stored forms of dates, times and enums).
//!
//! Records live in the encrypted vault (`attune-vault`; tables in its `migrations/`), reached
//! through an [`attune_vault::Vault`] session. Record ids are SQLite rowids. Time
//! (`DateTime<Utc>` for audit stamps, `NaiveDate` for "today") is passed in. Operations that
//! change something take `&mut Vault` and write the change and its audit entry in one
//! transaction; reads take `&Vault`.
//!
//! This crate has no Tauri dependency, reads no files except where a function is given a path
//! ([`rules::framework::load_dir`]), and never touches the network.
//!
//! ## Invariants
//!
//! - **Time and randomness are passed in**: nothing here reads the clock or a random source, so
//!   every result is a function of its arguments (today's date is a parameter where it matters,
//!   as in [`rules::schedule::recompute`]).
//! - **One error type**, [`Error`]: messages are for a person, in British English, and say what
//!   is wrong with an input without repeating a pupil's name or other personal data;
//!   [`Error::kind`] gives the vault's [`attune_vault::ErrorKind`] for the shell's `{kind, message}`
//!   and [`Error::field`] the form field an input error is about.
//! - **Nothing readable reaches the disk**: records, drafts and the search index live only in the
//!   SQLCipher database.
//! - **Validated values stay valid**: [`rules::identifiers::PupilIdentifier`] and
//!   [`rules::year_group::YearGroup`] validate again when deserialised, so the UI cannot send an
//!   invalid one back.
//! - **Types that cross to the UI** derive `Serialize`/`Deserialize`, enums in `snake_case`, and
//!   dates as `"YYYY-MM-DD"` strings.
//! - **Areas depend downwards**: `rules` on nothing of ours but `error`; `record`, `planning`, `lead` and
//!   `transfer` on `rules`, `access`, `model` and `store`, and on each other without a circle.

pub mod access;
pub mod error;
pub mod lead;
pub mod model;
pub mod planning;
pub mod record;
pub mod rules;
mod store;
pub mod transfer;

pub use error::{Error, Result};
