//! The pupil record: who the pupil is, who supports them, and what happens day to day.
//!
//! - [`pupils`]: add, edit, assign, mark left, archive (strategic lead only); the caseload;
//!   opening a pupil's whole record;
//! - [`profile`]: "about me", outside-agency advice, the TouchBase team;
//! - [`records`]: sessions, chronology, instrument scores, termly indicators (and their CSV
//!   import);
//! - [`corrections`]: correcting or withdrawing a session, chronology event, score or term's
//!   indicators, keeping the earlier version (issue 16);
//! - [`versions`]: the earlier versions and withdrawals every reader of those entries sees;
//! - [`session_pages`]: every session of a pupil's time, a page at a time, by kind and dates;
//! - [`drafts`]: form drafts, kept encrypted until the form is saved;
//! - [`search`]: FTS5 full-text search inside the encrypted database over every kind a person
//!   writes (names, goals, sessions, chronology, reviews, "about me", advice, team, supervision
//!   notes), limited to what the session may read;
//! - [`lists`]: the school's configurable care statuses and support levels.
//! - [`rollover`]: the start of a new school year (year groups move on, leavers offered).
//! - [`status_history`]: care status and support level with the day each took effect.
//! - [`safeguarding`]: the school's words that bring up the session form's safeguarding
//!   reminder.
//!
//! **Invariants.** Every operation passes [`crate::access`] first: a key adult reaches only the
//! pupils assigned to them now (their whole history included), a strategic lead every pupil; a
//! refusal is audited. A change and its audit entry are written in one transaction. The search
//! index lives only inside the encrypted database.

pub mod corrections;
pub mod drafts;
pub mod lists;
pub mod profile;
pub mod pupils;
pub mod records;
pub mod rollover;
pub mod safeguarding;
pub mod search;
pub mod session_pages;
pub mod status_history;
pub mod versions;
