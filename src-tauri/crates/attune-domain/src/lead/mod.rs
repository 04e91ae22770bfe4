//! The strategic lead's work across every caseload.
//!
//! - [`overview`]: every key adult's caseload, reviews due and overdue, pupils not seen lately,
//!   in two queries whatever the school's size;
//! - [`supervision`]: supervision and consultation notes between the lead and a key adult;
//! - [`audit_log`]: the audit log, for the lead to read;
//! - [`summary_facts`]: the anonymised facts per pupil behind an anonymised summary (periods,
//!   year-group bands, review outcomes, goals, sessions, scaling, indicators) and the
//!   identifying strings the exporter's leak guard looks for.
//!
//! **Invariants.** Whatever here reads about pupils is strategic-lead only (refusals
//! audited); a key adult reads only their own supervision notes, and any signed-in user may
//! resolve a period against the term dates (no pupil data). [`summary_facts`] hands the exporter no name, date or free text: only
//! bands, terms and counts, plus the identifying strings (zeroised on drop) the guard needs.

pub mod audit_log;
pub mod overview;
pub mod summary_facts;
pub mod supervision;
