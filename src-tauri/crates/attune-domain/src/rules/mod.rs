//! The pure rules: what a key adult's daily work needs that has no database, no window and no
//! clock, so each is tested directly and exhaustively.
//!
//! - [`identifiers`]: England's UPN with its DfE check letter (permanent and temporary UPNs),
//!   Scotland's Scottish Candidate Number, a school's local id;
//! - [`year_group`]: N1, N2, Reception, years 1 to 14, P1 to P7, S1 to S6;
//! - [`dates`]: reading dates as UK schools write them, writing them the UK way ("22 November
//!   2026"), storing them as `YYYY-MM-DD`; the one table of month names;
//! - [`calendar`]: a school year's terms, half terms and closures, school days, the term a date
//!   belongs to, and a typical England year as a starting point;
//! - [`schedule`]: review cadences (six-weekly, half-termly, termly, every *n* weeks) and the due
//!   dates they yield across a plan's 2–3 year horizon, never on a non-school day, recomputed for
//!   the future (never the past) when the cadence or term dates change;
//! - [`framework`]: plan frameworks (Secure Base, SHANARRI, a school's own) read from JSON with
//!   errors that give the line, column and reason.
//!
//! **Invariants.** Nothing here touches the vault, a file or the clock: every result is a
//! function of the arguments. Nothing here depends on the other areas of the crate (only on
//! [`crate::error`]); they all depend on it.

pub mod calendar;
pub mod dates;
pub mod framework;
pub mod identifiers;
pub mod schedule;
pub mod year_group;
