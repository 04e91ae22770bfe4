//! Plans and reviews: a pupil's individual development plan over its 2–3 years.
//!
//! - [`plans`]: plans from a framework, goals, renewal (a plan closed whole, chosen goals
//!   carried forward from their latest rating);
//! - [`due`]: a plan's review due dates, stored and recomputed (from [`crate::rules::schedule`])
//!   when the cadence or the term dates change — never in the past;
//! - [`calendars`]: the school's term dates as stored (UK defaults until entered); saving or
//!   deleting a year recomputes every plan's future due dates;
//! - [`reviews`]: structured reviews prepared from what the vault knows, saved as drafts, signed
//!   off and then immutable, amended; each goal's progress series; a plan's timeline;
//! - [`school_frameworks`]: the frameworks a plan can use, built in and the school's own.
//!
//! **Invariants.** A signed review never changes (refused here and by the database's
//! triggers); corrections are amendments beside it. Due dates already past are never moved.
//! The modules depend one way: `plans` and `calendars` on `due`, `due` on the rules alone.

pub mod calendars;
pub mod due;
pub mod plans;
pub mod reviews;
pub mod school_frameworks;
