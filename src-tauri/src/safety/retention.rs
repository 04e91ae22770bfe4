//! Retention and erasure: the school's retention period, the pupils due for a decision, and
//! erasing one who has left.

use attune_domain::transfer::retention;

use crate::dto::*;
use crate::error::CmdResult;
use crate::state::{clock, now, AppState};

impl AppState {
    pub fn retention_years(&self) -> CmdResult<u32> {
        self.with_vault(|v| retention::retention_years(v))
    }

    pub fn set_retention_years(&self, years: u32) -> CmdResult<u32> {
        self.with_vault(|v| {
            retention::set_retention_years(v, years, now())?;
            retention::retention_years(v)
        })
    }

    /// The pupils whose retention period has ended (strategic lead only), with their names.
    pub fn retention_due(&self) -> CmdResult<Vec<RetentionDueRow>> {
        let (now, today) = clock();
        self.with_vault(|v| retention::retention_due_rows(v, today, now))
    }

    /// Erases every row about a pupil who has left, then vacuums (strategic lead only; audited
    /// `pupil.erase`, with the id only).
    pub fn erase_pupil(&self, pupil_id: i64) -> CmdResult<()> {
        self.with_vault(|v| retention::erase_pupil(v, pupil_id, now()))
    }

    /// Erases a pupil at any time, whatever their status, for the reason given (strategic lead
    /// only; the window has the lead type the pupil's name first). The vault remembers the id
    /// so a restored older backup has them erased again; the automatic backups are rewritten.
    pub fn erase_pupil_on_request(&self, pupil_id: i64, reason: &str) -> CmdResult<()> {
        self.with_vault(|v| retention::erase_on_request(v, pupil_id, reason, now()))
    }
}
