//! Subject access: the document of everything held about one pupil, shown or saved where the
//! person chose.

use std::path::Path;

use attune_domain::planning::school_frameworks;
use attune_domain::transfer::sar::{self, SarDocument};
use attune_vault::fsutil;
use zeroize::Zeroizing;

use super::{bytes_of, file_name};
use crate::dto::*;
use crate::error::CmdResult;
use crate::state::{now, AppState};

impl AppState {
    /// The subject access document of one pupil as typed data (strategic lead only; audited
    /// `pupil.sar`): the window draws it with its own components.
    pub fn subject_access_document(&self, pupil_id: i64) -> CmdResult<SarDocument> {
        self.with_vault(|v| {
            let fw = school_frameworks::list_frameworks(v)?;
            sar::subject_access(v, pupil_id, &fw, now())
        })
    }

    /// Produces the document again and writes it, atomically, to the file the person chose.
    pub fn save_subject_access_document(&self, pupil_id: i64, path: &Path) -> CmdResult<SavedFile> {
        let html = Zeroizing::new(sar::render_html(&self.subject_access_document(pupil_id)?));
        fsutil::write_atomic(path, html.as_bytes())?;
        Ok(SavedFile {
            path: path.display().to_string(),
            file_name: file_name(path),
            file_bytes: bytes_of(path),
        })
    }
}
