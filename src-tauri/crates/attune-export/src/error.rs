//! The one error type of the exporter and the merge.
//!
//! Messages are for the person at the keyboard, in British English. None ever contains a
//! pupil's data: the leak guard names the *kind* of string it found, never the string.

use std::path::Path;

use attune_domain::lead::summary_facts::IdentifyingKind;
use attune_vault::ErrorKind;
use thiserror::Error;

/// Why a summary file was refused by the merge.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    /// Not readable from disk.
    #[error("it could not be read ({0})")]
    Unreadable(String),
    /// Not JSON, or not shaped like a summary.
    #[error("it is not a valid Attune summary: {0}")]
    Malformed(String),
    /// Written by another version of the format.
    #[error("it uses the summary format {found:?}, which this version of Attune does not read (it reads {expected:?})")]
    UnknownSchema {
        /// The schema it names.
        found: String,
        /// The one this Attune reads.
        expected: String,
    },
    /// Its checksum does not match its content.
    #[error("it has been changed or damaged since Attune wrote it: its checksum does not match its content (tampered)")]
    Tampered,
    /// A merged summary given as an input.
    #[error("it is already a merged summary: merge the schools' own summary files instead")]
    AlreadyMerged,
    /// For another period than the first file.
    #[error(
        "it is for {found}, but {first_file} is for {expected}: merge summaries of one period"
    )]
    OtherPeriod {
        /// The first file's period.
        expected: String,
        /// This file's period.
        found: String,
        /// The first file's name.
        first_file: String,
    },
    /// Its figures contradict its own totals (no whole numbers fit them all).
    #[error("its figures contradict its own totals: no whole numbers fit every published figure, so it has been changed or was not written by Attune")]
    Contradictory,
    /// The same school (or the same file) twice.
    #[error("it is the same school's summary as {other} (a duplicate)")]
    Duplicate {
        /// The earlier file's name.
        other: String,
    },
}

/// Anything the exporter or the merge can refuse.
#[derive(Debug, Error)]
pub enum Error {
    /// From the domain (access, the period, the vault).
    #[error("{0}")]
    Domain(#[from] attune_domain::Error),
    /// A k below the minimum or above the maximum.
    #[error("k must be a whole number from {min} to {max} (it was {k}): a cell standing for fewer than k pupils is suppressed, and k is never below {min}")]
    K {
        /// What was asked for.
        k: u32,
        /// The smallest allowed (3).
        min: u32,
        /// The largest allowed.
        max: u32,
    },
    /// The leak guard found an identifying string in an output file; nothing was written.
    #[error("The summary was not written: the {file} file would contain {} held in the vault. Nothing was written. {hint}", kind.label())]
    LeakGuard {
        /// What kind of string (never the string).
        kind: IdentifyingKind,
        /// Which file: "CSV", "JSON" or "HTML".
        file: &'static str,
        /// What the user can do about it.
        hint: &'static str,
    },
    /// A file to be written exists already.
    #[error("{0} already exists: choose another folder, or replace it")]
    OutputExists(String),
    /// The output folder is missing or not a folder.
    #[error("{0} is not a folder: choose an existing folder to write the summary to")]
    NotAFolder(String),
    /// Writing failed.
    #[error("could not write {path}: {reason}")]
    Io {
        /// The file or folder.
        path: String,
        /// The system's reason.
        reason: String,
    },
    /// A summary file refused by the merge, naming the file and the reason.
    #[error("{file} was refused: {reason}")]
    MergeFile {
        /// The file's name as given.
        file: String,
        /// Why.
        reason: Refusal,
    },
    /// Fewer than two files to merge.
    #[error("give at least two schools' summary files to merge (given {0})")]
    MergeNeedsFiles(usize),
}

impl Error {
    /// The stable kind for the shell's `{kind, message}` and the CLI's exit code.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Domain(e) => e.kind(),
            Error::Io { .. } => ErrorKind::Io,
            Error::OutputExists(_) => ErrorKind::AlreadyExists,
            _ => ErrorKind::InvalidInput,
        }
    }

    /// The form field an input error is about: `"k"`, `"period"`, `"folder"`, `"files"`.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Domain(e) => e.field(),
            Error::K { .. } => Some("k"),
            Error::OutputExists(_) | Error::NotAFolder(_) => Some("folder"),
            Error::MergeFile { .. } | Error::MergeNeedsFiles(_) => Some("files"),
            _ => None,
        }
    }

    pub(crate) fn io(path: &Path, e: impl std::fmt::Display) -> Error {
        Error::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    }
}

impl From<attune_vault::Error> for Error {
    fn from(e: attune_vault::Error) -> Self {
        Error::Domain(e.into())
    }
}

/// The result of an export or a merge.
pub type Result<T> = std::result::Result<T, Error>;
