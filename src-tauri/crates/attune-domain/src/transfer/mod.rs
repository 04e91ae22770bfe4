//! Moving data in and out of the vault.
//!
//! - [`import`]: pupils from an MIS's CSV export, with a column mapping and every bad line's
//!   number and reason; [`mis_update`]: the same file again, matched to the pupils held;
//!   [`vault_import`]: writing an import into the vault;
//! - [`handover`]: a pupil's whole record as an encrypted pack for another school's vault, and
//!   importing one; [`handover_merge`]: adding a pack to a pupil already held;
//! - [`sar`]: a subject access request's document of everything held about one pupil, as typed
//!   data (shown by the window) and as a saved HTML file through maud;
//! - [`retention`]: the retention period, the pupils due for a decision, and erasure for good;
//! - [`scope`]: which rows of every table belong to a key adult's caseload (what an enrolment
//!   copies and a laptop may change, issue 17), and the canonical digest of what a vault holds;
//! - [`sync`]: sync files between the school vault and its laptops; [`conflicts`]: the values
//!   that lost a conflict, to see and choose, and the rule for a review signed off twice.
//!
//! **Invariants.** Everything here is strategic-lead only, except a key adult's digest of their
//! own caseload. A file from outside is
//! untrusted: a handover pack is authenticated before anything in it is read (its header's
//! size capped), every line of an MIS file is checked, and nothing is written until the whole
//! of it is accepted (one transaction). A file going out is encrypted (a handover pack) or
//! holds one pupil's record (a subject access document). Erasure removes a pupil's rows, their
//! search entries and drafts, and their name from supervision notes.

pub mod conflicts;
pub mod enrol;
pub mod handover;
pub mod handover_merge;
pub mod import;
pub mod mis_update;
pub mod retention;
pub mod sar;
pub mod scope;
pub mod sync;
pub mod vault_import;
