//! Long work (a backup, a check, an export, an import) says how far it has got and can be
//! stopped: the caller hands it a [`Work`], a reporter of [`Step`]s and a flag that asks it to
//! stop. Tauri-free: the shell turns steps into events for the window's progress bar; the
//! command-line tool and the tests pass [`Work::none`].
//!
//! Stopping is cooperative: the work checks the flag between its steps ([`Work::step`],
//! [`Work::check`]) and, when it is set, undoes what it had begun (a temporary file removed, a
//! transaction rolled back) and returns [`Error::Cancelled`]. Each operation documents the
//! point after which it no longer stops (a restore, once the vault is being swapped).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::{Error, Result};

/// How far a piece of work has got: `done` of `total` units (bytes, rows, files; the
/// operation chooses), in its current `phase` ("checking", "copying", …). `done` never goes
/// down during one piece of work, and the last step reported has `done == total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub phase: &'static str,
    pub done: u64,
    pub total: u64,
}

/// What a long operation is given: where to report its steps, and the flag that stops it.
pub struct Work<'a> {
    report: &'a (dyn Fn(Step) + Sync),
    cancel: &'a AtomicBool,
    /// The last step passed on (phase and thousandths done): steps that change neither are
    /// not reported, so a copy of a large file sends at most a thousand.
    last: Mutex<Option<(&'static str, u64)>>,
}

fn ignore(_: Step) {}
static NEVER: AtomicBool = AtomicBool::new(false);

impl<'a> Work<'a> {
    pub fn new(report: &'a (dyn Fn(Step) + Sync), cancel: &'a AtomicBool) -> Work<'a> {
        Work {
            report,
            cancel,
            last: Mutex::new(None),
        }
    }

    /// Work nobody watches and nobody stops (the command-line tool, tests).
    pub fn none() -> Work<'static> {
        Work::new(&ignore, &NEVER)
    }

    /// Whether it has been asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// `Err(Cancelled)` once it has been asked to stop.
    pub fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Report a step (unless it says nothing new), then [`Work::check`].
    pub fn step(&self, phase: &'static str, done: u64, total: u64) -> Result<()> {
        let done = done.min(total);
        let mille = if total == 0 {
            1000
        } else {
            (u128::from(done) * 1000 / u128::from(total)) as u64
        };
        let new = {
            let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
            let new = *last != Some((phase, mille));
            if new {
                *last = Some((phase, mille));
            }
            new
        };
        if new {
            (self.report)(Step { phase, done, total });
        }
        self.check()
    }

    /// Turns an error met while the flag was set (an interrupted query, a write cut short)
    /// into [`Error::Cancelled`]: the work stopped because it was asked to.
    pub fn or_cancelled(&self, e: Error) -> Error {
        if self.is_cancelled() {
            Error::Cancelled
        } else {
            e
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_passed_on_once_per_thousandth_and_stop_when_asked() {
        let seen = Mutex::new(Vec::new());
        let report = |s: Step| seen.lock().unwrap().push(s);
        let cancel = AtomicBool::new(false);
        let w = Work::new(&report, &cancel);
        for done in 0..=10_000 {
            w.step("copying", done, 10_000).unwrap();
        }
        let seen_now = seen.lock().unwrap().clone();
        assert_eq!(seen_now.len(), 1001);
        assert_eq!(seen_now.last().unwrap().done, 10_000);
        cancel.store(true, Ordering::SeqCst);
        assert!(matches!(w.step("copying", 1, 1), Err(Error::Cancelled)));
        assert!(matches!(
            w.or_cancelled(Error::Internal("interrupted".into())),
            Error::Cancelled
        ));
        assert!(Work::none().step("x", 1, 2).is_ok());
    }
}
