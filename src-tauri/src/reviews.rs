//! Plan reviews, progress, the plan's timeline, renewal and printing (issue 4), through the
//! session: one thin method per operation of `attune_domain::planning::reviews` (and `plans::renew_plan`),
//! plus the Tauri commands that call them.
//!
//! No SQL and no rules here: the domain checks the session's role and the pupil's assignment
//! on every call, audits it, and validates every input. The one thing only the shell can do is
//! [`save_pdf`]: print the page the window shows (the print view, laid out by its print
//! stylesheet) to a PDF file through WebKitGTK's own print operation — the same rendering a
//! paper print gets, no second layout engine.

use attune_domain::{planning::plans, planning::reviews, planning::school_frameworks};

use crate::dto::*;
use crate::error::{CmdResult, CommandError};
use crate::records::date_arg;
use crate::safety::ChosenPaths;
use crate::state::{clock, now, AppState};

impl AppState {
    pub fn list_reviews(&self, plan_id: i64) -> CmdResult<Vec<ReviewSlot>> {
        let (now, today) = clock();
        self.with_vault(|v| reviews::list_reviews(v, plan_id, today, now))
    }

    /// `due_date` is `"YYYY-MM-DD"`, one of the plan's due dates.
    pub fn prepare_review(&self, plan_id: i64, due_date: &str) -> CmdResult<Review> {
        let (now, today) = clock();
        let due = date_arg("due_date", due_date)?;
        self.with_vault(|v| reviews::prepare_review(v, plan_id, due, today, now))
    }

    pub fn get_review(&self, review_id: i64) -> CmdResult<Review> {
        self.with_vault(|v| reviews::get_review(v, review_id, now()))
    }

    pub fn save_review_draft(&self, review_id: i64, input: ReviewInput) -> CmdResult<Review> {
        self.with_vault(|v| reviews::save_review_draft(v, review_id, &input, now()))
    }

    pub fn sign_review(&self, review_id: i64) -> CmdResult<Review> {
        self.with_vault(|v| reviews::sign_review(v, review_id, now()))
    }

    pub fn amend_review(&self, review_id: i64, reason: &str, text: &str) -> CmdResult<Review> {
        self.with_vault(|v| reviews::amend_review(v, review_id, reason, text, now()))
    }

    pub fn progress_series(&self, goal_id: i64) -> CmdResult<Vec<ProgressPoint>> {
        self.with_vault(|v| reviews::progress_series(v, goal_id, now()))
    }

    pub fn plan_timeline(&self, plan_id: i64) -> CmdResult<PlanTimeline> {
        let (now, today) = clock();
        self.with_vault(|v| reviews::plan_timeline(v, plan_id, today, now))
    }

    pub fn review_sign_off(&self) -> CmdResult<ReviewSignOff> {
        self.with_vault(|v| reviews::review_sign_off(v))
    }

    pub fn set_review_sign_off(&self, value: ReviewSignOff) -> CmdResult<()> {
        self.with_vault(|v| reviews::set_review_sign_off(v, value, now()))
    }

    pub fn renew_plan(&self, plan_id: i64, input: RenewPlanInput) -> CmdResult<PlanView> {
        let (now, today) = clock();
        self.with_vault(|v| {
            let fws = school_frameworks::list_frameworks(v)?;
            plans::renew_plan(v, plan_id, &input, &fws, today, now)
        })
    }

    pub fn record_print(&self, what: PrintTarget, id: i64, as_pdf: bool) -> CmdResult<()> {
        self.with_vault(|v| reviews::record_print(v, what, id, as_pdf, now()))
    }
}

/// Saves the page the window shows — the print view of the plan or review `id` — as a PDF at
/// `path` (chosen by the person through `choose_path`), laid out by the print stylesheet on A4.
/// Checked and audited first, like a print; the file is written by WebKitGTK.
pub async fn save_pdf<R: tauri::Runtime>(
    state: &AppState,
    chosen: &ChosenPaths,
    window: &tauri::WebviewWindow<R>,
    what: PrintTarget,
    id: i64,
    path: &str,
) -> CmdResult<()> {
    // Only a file the person chose with `choose_path` (see safety.rs).
    let path = chosen.require(PathKind::Save, path)?;
    if path.extension().is_none_or(|e| e != "pdf") {
        return Err(CommandError::invalid(
            "Save the PDF with a file name ending in .pdf.",
        ));
    }
    if !path.parent().is_some_and(|p| p.is_dir()) {
        return Err(CommandError::invalid(
            "That folder is not there any more: choose another place for the PDF.",
        ));
    }
    state.record_print(what, id, true)?;
    pdf::print_to_file(window, &path).await
}

#[cfg(target_os = "linux")]
mod pdf {
    use std::path::Path;
    use std::time::Duration;

    use webkit2gtk::PrintOperationExt;

    use crate::error::{CmdResult, CommandError};

    /// How long WebKit may take to lay out and write the PDF.
    const PRINT_TIMEOUT: Duration = Duration::from_secs(60);

    fn failed(why: &str) -> CommandError {
        CommandError::invalid(format!("The PDF could not be saved: {why}."))
    }

    pub async fn print_to_file<R: tauri::Runtime>(
        window: &tauri::WebviewWindow<R>,
        path: &Path,
    ) -> CmdResult<()> {
        let uri = format!(
            "file://{}",
            path.to_str()
                .ok_or_else(|| failed("the file name is not valid text"))?
        );
        // Replace, never append to, an earlier file of that name; WebKit writes it afresh.
        let _ = std::fs::remove_file(path);
        let (tx, rx) = std::sync::mpsc::channel::<Result<(), String>>();
        window
            .with_webview(move |pw| {
                let webview = pw.inner();
                let settings = gtk::PrintSettings::new();
                settings.set_printer("Print to File");
                settings.set("output-file-format", Some("pdf"));
                settings.set("output-uri", Some(&uri));
                let setup = gtk::PageSetup::new();
                setup.set_paper_size(&gtk::PaperSize::new(Some(gtk::PAPER_NAME_A4)));
                let op = webkit2gtk::PrintOperation::new(&webview);
                op.set_print_settings(&settings);
                op.set_page_setup(&setup);
                let tx_done = tx.clone();
                op.connect_finished(move |_| {
                    let _ = tx_done.send(Ok(()));
                });
                op.connect_failed(move |_, e| {
                    let _ = tx.send(Err(e.to_string()));
                });
                op.print();
            })
            .map_err(|_| failed("the window is not ready"))?;
        let waited = tauri::async_runtime::spawn_blocking(move || rx.recv_timeout(PRINT_TIMEOUT))
            .await
            .map_err(|_| failed("printing stopped"))?;
        match waited {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Err(failed("the page could not be printed")),
            Err(_) => return Err(failed("printing took too long")),
        }
        match std::fs::metadata(path) {
            Ok(m) if m.len() > 0 => Ok(()),
            _ => Err(failed(
                "no file was written (is the disk full or read-only?)",
            )),
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod pdf {
    use crate::error::{CmdResult, CommandError};

    pub async fn print_to_file<R: tauri::Runtime>(
        _: &tauri::WebviewWindow<R>,
        _: &std::path::Path,
    ) -> CmdResult<()> {
        Err(CommandError::invalid(
            "Saving as a PDF is not available here: print to a PDF printer instead.",
        ))
    }
}
