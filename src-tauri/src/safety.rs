//! Moving data safely (issue 6) through the shell, one module per job: the native file and
//! folder chooser (`chooser`), backups and restore (`backups`), subject access documents
//! (`subject_access`), handover packs (`handover`), retention and erasure (`retention`). As in
//! `records.rs`, each operation is one thin method over the crates (`attune_vault::backup`,
//! `attune_domain::{transfer::sar, transfer::handover, transfer::retention}`); the shell adds only the clock, the OS random
//! generator, and where files go. The types that cross to the window are in `dto.rs`.
//!
//! # Where files go: only where the person chose
//! The window never names a path of its own. `choose_path` shows the native (GTK) chooser and
//! remembers what was chosen ([`ChosenPaths`]); every command here that reads or writes a file
//! takes a path only if it was chosen that way, in this run of the app, for that use (a folder to
//! write into, a file to save, a file to open). A script in the page cannot make Attune write a
//! pupil's record anywhere else.
//!
//! # Tests cannot drive a native dialog
//! In **debug builds only** (`cfg(debug_assertions)`), when `ATTUNE_E2E_PICK_DIR` is set,
//! `choose_path` shows nothing and answers with a path inside that folder: the folder itself for
//! `folder`, `<folder>/<default name>` for `save`, and the newest file in the folder matching the
//! filters for `open` (null when there is none). The WebDriver tests set it through the harness
//! (`launch({ env })`). A release build has no such code.

mod backups;
mod chooser;
mod handover;
mod retention;
mod subject_access;
mod sync;

use std::path::{Path, PathBuf};

pub use chooser::{choose, ChosenPaths};

use crate::error::{CmdResult, CommandError};
#[cfg(test)]
use crate::state::AppState;

// ----- helpers the jobs share -----------------------------------------------------------------

pub(super) fn path_text(p: PathBuf) -> CmdResult<String> {
    p.into_os_string().into_string().map_err(|_| {
        CommandError::invalid(
            "Attune cannot use that name: it is not valid text. Choose or rename it and try again.",
        )
    })
}

pub(super) fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub(super) fn bytes_of(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// `<dir>/<stem>.<ext>`, or `<stem>-2.<ext>`, … when taken.
pub(super) fn free_name(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    let first = dir.join(format!("{stem}.{ext}"));
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|i| dir.join(format!("{stem}-{i}.{ext}")))
        .find(|p| !p.exists())
        .expect("some name is free")
}

pub(super) fn read_file(path: &Path) -> CmdResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            CommandError::from(attune_vault::Error::NotFound(format!(
                "There is no file {} any more. Choose the file again.",
                path.display()
            )))
        } else {
            attune_vault::Error::Io(e).into()
        }
    })
}

#[cfg(test)]
mod tests;
