//! # attune-export: anonymised summaries that identify no child
//!
//! A strategic lead exports, for a period (a school year or a term), a summary of the support
//! the school gave: pupils supported by year-group band, care status and support level; plans
//! active; reviews on time, late and overdue; goals by framework domain (share improved, mean
//! change from baseline); sessions and hours; Signs of Safety scaling at the first and latest
//! review; attendance, exclusions and physical interventions before support began against the
//! latest term. A trust or local-authority lead merges several schools' summaries. This crate
//! does both, with no Tauri and no network; the vault side (who may, what is read, the audit)
//! is [`attune_domain::lead::summary_facts`].
//!
//! ## The public API
//!
//! ```text
//! Period::parse("2025-26 autumn")                               -> Result<Period>
//! preview(&vault, &period, k, now)                              -> Result<SummaryPreview>
//! export(&vault, &period, k, out_dir, &ExportOptions, now)      -> Result<ExportedFiles>
//! merge(&[PathBuf], out_dir)  /  merge_with(.., &MergeOptions)  -> Result<MergeReport>
//! inspect(path)                                                 -> Result<SummaryFileInfo>
//! ```
//!
//! `k` is [`DEFAULT_K`] (5) unless the lead raises it; below [`MIN_K`] (3) or above [`MAX_K`]
//! it is refused ([`Error::K`], field `"k"`). The DTOs the app shows ([`preview`] module) derive
//! `ts_rs::TS`. The steps are public too, for tests and the benchmark: [`summarise`] (facts →
//! protected tables), [`render`] (tables → the three files' bytes), [`guard::LeakGuard`],
//! [`merge::read_inputs`] and [`merge::merge_summaries`].
//!
//! ## How an export works
//!
//! 1. [`attune_domain::lead::summary_facts::summary_facts`] checks the session is a strategic lead
//!    (a refusal is audited) and reads, per pupil supported in the period, anonymised facts only.
//! 2. [`aggregate`] turns them into tables; every cell keeps its value and how many pupils it
//!    stands for.
//! 3. [`disclosure`] applies disclosure control: primary suppression of any count standing for
//!    1 to k−1 pupils, means and shares over fewer than k pupils suppressed, means withheld
//!    with their counts, and secondary suppression until no withheld figure can be worked out
//!    from the totals (line by line, then checked by linear algebra).
//! 4. [`render`] writes the CSV ([`csv_out`]: tidy, one row per figure, `[c]` for a withheld
//!    figure), the JSON ([`json`]: `attune-summary/1`, with a SHA-256 checksum of its content;
//!    schema in `assets/schema/attune-summary-v1.schema.json`) and the HTML report ([`html`]:
//!    self-contained, inline SVG charts, A4 print styles). The files never say why a figure
//!    was withheld; the preview does, for the lead.
//! 5. The leak guard ([`guard`]) scans every byte of the three files for every name,
//!    preferred name, identifier and date of birth in the vault (and staff names). A hit
//!    refuses the export naming the kind of string, and nothing is written.
//! 6. The files are written to temporary files in the chosen folder, synced, and renamed into
//!    place only when all three are written. The export is audited (`summary.export`: who,
//!    when, the period and the file names, never the content); a failure is audited as failed.
//!
//! ## Invariants
//!
//! - **No pupil is identifiable from the files**: no names, dates of birth, identifiers, free
//!   text, exact dates (terms only), staff names or per-pupil rows; no published count in 1 to
//!   k−1; no withheld figure derivable from the published ones and the tables' totals.
//! - **The school is named only if the lead asks** ([`ExportOptions::include_school_name`]);
//!   otherwise the files say [`NEUTRAL_LABEL`].
//! - **Nothing is written unless everything can be**: the guard runs on the bytes before any
//!   file exists; an existing file is not replaced unless asked.
//! - **Time is passed in**; nothing here reads the clock or a random source.
//! - **A merge invents nothing**: suppressed figures stay suppressed, and totals including them
//!   are bounds derived only from what the schools published ([`merge`]).

pub mod aggregate;
pub mod audit;
pub mod csv_out;
pub mod disclosure;
pub mod error;
pub mod guard;
pub mod html;
pub mod json;
pub mod merge;
pub mod model;
pub mod preview;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use attune_domain::lead::summary_facts::{self, Purpose, SummaryFacts};
use attune_vault::progress::Work;
use attune_vault::Vault;
use chrono::{DateTime, Utc};

pub use attune_domain::lead::summary_facts::Period;
pub use disclosure::{DEFAULT_K, MAX_K, MIN_K};
pub use error::{Error, Refusal, Result};
pub use model::{CellStatus, Summary, SuppressionReason, Unit, SCHEMA};
pub use preview::{
    ExportedFiles, MergeReport, PreviewCell, PreviewColumn, PreviewRow, PreviewTable,
    SummaryFileInfo, SummaryPreview,
};

/// What the files call a school whose lead did not choose to name it.
pub const NEUTRAL_LABEL: &str = "An Attune school";

/// Choices for an export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// Name the school in the files (default: [`NEUTRAL_LABEL`]).
    pub include_school_name: bool,
    /// Replace files of the same names in the folder (default: refuse).
    pub replace_existing: bool,
}

/// Choices for a merge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeOptions {
    /// Replace files of the same names in the folder (default: refuse).
    pub replace_existing: bool,
}

/// The three files' contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub csv: String,
    pub json: String,
    pub html: String,
}

/// The protected summary of some facts: tables built, disclosure control applied, withheld
/// values removed (each cell's reason kept for the preview). `k` must already be checked.
pub fn summarise(facts: &SummaryFacts, label: &str, k: u32) -> Summary {
    summarise_audited(facts, label, k).0
}

/// [`summarise`], with the exact audit's report (see [`audit`]): whether it proved that no
/// withheld figure can be worked out or narrowed, and how long it took.
pub fn summarise_audited(
    facts: &SummaryFacts,
    label: &str,
    k: u32,
) -> (Summary, audit::AuditReport) {
    let mut s = aggregate::summary(facts, label, k);
    let report = disclosure::protect_summary(&mut s);
    (s, report)
}

/// [`summarise_audited`], audited together with earlier exports of overlapping periods.
pub fn summarise_linked(
    facts: &SummaryFacts,
    label: &str,
    k: u32,
    earlier: &[audit::Earlier],
) -> (Summary, audit::AuditReport) {
    let mut s = aggregate::summary(facts, label, k);
    let report = disclosure::protect_summary_linked(&mut s, earlier);
    (s, report)
}

/// The true values behind a summary's counts and amounts, as the vault keeps them beside
/// what was published: `[[table, row, column, value], ...]`.
pub fn figures_of(s: &Summary) -> String {
    let mut out = Vec::new();
    for t in &s.tables {
        for r in &t.rows {
            for (col, cell) in t.columns.iter().zip(&r.cells) {
                if let (true, Some(v)) = (col.kind.is_amount(), cell.raw) {
                    out.push(serde_json::json!([t.id, r.key, col.key, v]));
                }
            }
        }
    }
    serde_json::Value::Array(out).to_string()
}

/// The earlier exports of periods overlapping `period` that the vault keeps (the same period
/// at any k, its school year, or its terms), with their true values restored.
pub fn earlier_exports(vault: &Vault, period: &Period) -> Result<Vec<audit::Earlier>> {
    let mut out = Vec::new();
    for p in summary_facts::published_summaries(vault, period.start_year)? {
        let link = match (&p.period.term, &period.term) {
            (a, b) if a == b => audit::Link::Same,
            (Some(_), None) => audit::Link::EarlierWithin,
            (None, Some(_)) => audit::Link::EarlierContains,
            _ => continue,
        };
        // A kept export that no longer reads is left out, never guessed at.
        let Ok(mut s) = json::from_json(p.summary.as_bytes()) else {
            continue;
        };
        let figures: Vec<(String, String, String, f64)> =
            serde_json::from_str(&p.figures).unwrap_or_default();
        for (tid, rk, ck, v) in figures {
            if let Some(t) = s.tables.iter_mut().find(|t| t.id == tid) {
                let c = t.column(&ck);
                if let (Some(r), Some(c)) = (t.rows.iter_mut().find(|r| r.key == rk), c) {
                    r.cells[c].raw = Some(v);
                }
            }
        }
        s.k = p.k;
        out.push(audit::Earlier { summary: s, link });
    }
    Ok(out)
}

/// The three files of a summary.
pub fn render(s: &Summary) -> Rendered {
    Rendered {
        csv: csv_out::to_csv(s),
        json: json::to_json(s),
        html: html::to_html(s),
    }
}

/// The part of a file name for a period: `2025-26-autumn`.
pub fn period_slug(period: &str) -> String {
    period
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn preview_of(s: &Summary, facts: &SummaryFacts) -> SummaryPreview {
    let d = attune_vault::datetime::format_date;
    SummaryPreview {
        period: s.period.clone(),
        period_start: d(facts.period.start),
        period_end: d(facts.period.end),
        terms: s.terms.clone(),
        default_calendar: facts.period.default_calendar,
        k: s.k,
        school_label: s.label.clone(),
        pupils: preview::pupils(s),
        withheld_why: Vec::new(),
        suppressed_cells: s.count_status(CellStatus::Suppressed) as u32,
        tables: s.tables.iter().map(|t| preview::table(t, s.k)).collect(),
    }
}

/// The preview of the summary of `period`: every table with each figure or its suppression and
/// why (strategic lead only; audited `summary.preview`). Nothing is written.
pub fn preview(
    vault: &Vault,
    period: &Period,
    k: u32,
    now: DateTime<Utc>,
) -> Result<SummaryPreview> {
    disclosure::check_k(k)?;
    let facts = summary_facts::summary_facts(vault, period, Purpose::Preview, now)?;
    let earlier = earlier_exports(vault, period)?;
    let (s, report) = summarise_linked(&facts, NEUTRAL_LABEL, k, &earlier);
    let mut p = preview_of(&s, &facts);
    p.withheld_why = preview::withheld_why(&s, &report, &earlier);
    Ok(p)
}

/// Writes `files` (name, bytes) into `dir` all or nothing: temporary files first, synced, then
/// renamed. Refuses a missing folder, and an existing file unless `replace`. Reports each file
/// to `work` (phase "writing", steps `at.0 + i` of `at.1`); stopped before the renames, it
/// removes its temporary files and writes nothing. The renames themselves are not stopped.
fn write_all(
    dir: &Path,
    files: &[(String, &[u8])],
    replace: bool,
    work: &Work<'_>,
    at: (u64, u64),
) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Err(Error::NotAFolder(dir.display().to_string()));
    }
    let targets: Vec<PathBuf> = files.iter().map(|(n, _)| dir.join(n)).collect();
    if !replace {
        if let Some(t) = targets.iter().find(|t| t.exists()) {
            return Err(Error::OutputExists(t.display().to_string()));
        }
    }
    let temps: Vec<PathBuf> = files
        .iter()
        .map(|(n, _)| dir.join(format!(".{n}.part")))
        .collect();
    let cleanup = |temps: &[PathBuf]| {
        for t in temps {
            let _ = fs::remove_file(t);
        }
    };
    for (i, ((_, bytes), tmp)) in files.iter().zip(&temps).enumerate() {
        if let Err(e) = work.step("writing", at.0 + i as u64, at.1) {
            cleanup(&temps);
            return Err(e.into());
        }
        // A temporary file left by an export that crashed is ours to replace.
        let _ = fs::remove_file(tmp);
        let written = (|| -> std::io::Result<()> {
            let mut f = OpenOptions::new().write(true).create_new(true).open(tmp)?;
            f.write_all(bytes)?;
            f.sync_all()
        })();
        if let Err(e) = written {
            cleanup(&temps);
            return Err(Error::io(tmp, e));
        }
    }
    if let Err(e) = work.check() {
        cleanup(&temps);
        return Err(e.into());
    }
    for (tmp, target) in temps.iter().zip(&targets) {
        if let Err(e) = fs::rename(tmp, target) {
            cleanup(&temps);
            return Err(Error::io(target, e));
        }
    }
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(targets)
}

fn files_of(paths: &[PathBuf]) -> ExportedFiles {
    ExportedFiles {
        csv: preview::path_text(&paths[0]),
        json: preview::path_text(&paths[1]),
        html: preview::path_text(&paths[2]),
    }
}

/// Exports the summary of `period` to `out_dir` as `attune-summary-<period>.csv`, `.json` and
/// `.html` (strategic lead only). The leak guard scans all three first: on a hit nothing is
/// written and the error names the kind of string found. Audited `summary.export` with the
/// period and file names (outcome `failed`, with the period, when nothing could be written).
pub fn export(
    vault: &Vault,
    period: &Period,
    k: u32,
    out_dir: &Path,
    options: &ExportOptions,
    now: DateTime<Utc>,
) -> Result<ExportedFiles> {
    export_audited(vault, period, k, out_dir, options, now).map(|(files, _)| files)
}

/// [`export`], reporting to `work`: "gathering" the facts, "auditing" (disclosure control and
/// its exact audit, most of the time), "checking" (the leak guard), "writing". Stopped at any
/// of them before the files are renamed into place, nothing is written (temporary files are
/// removed), nothing recorded as published, the export audited as failed, and it answers
/// `cancelled`.
pub fn export_with(
    vault: &Vault,
    period: &Period,
    k: u32,
    out_dir: &Path,
    options: &ExportOptions,
    now: DateTime<Utc>,
    work: &Work<'_>,
) -> Result<ExportedFiles> {
    export_steps(vault, period, k, out_dir, options, now, work).map(|(files, _)| files)
}

/// [`export`], with the exact audit's report (the CLI says what it proved).
pub fn export_audited(
    vault: &Vault,
    period: &Period,
    k: u32,
    out_dir: &Path,
    options: &ExportOptions,
    now: DateTime<Utc>,
) -> Result<(ExportedFiles, audit::AuditReport)> {
    export_steps(vault, period, k, out_dir, options, now, &Work::none())
}

/// The steps of an export, of [`EXPORT_STEPS`]: gathering 0, auditing 1 (to 4), checking 4,
/// writing 5 to 8 (a file each), done 8.
const EXPORT_STEPS: u64 = 8;

fn export_steps(
    vault: &Vault,
    period: &Period,
    k: u32,
    out_dir: &Path,
    options: &ExportOptions,
    now: DateTime<Utc>,
    work: &Work<'_>,
) -> Result<(ExportedFiles, audit::AuditReport)> {
    disclosure::check_k(k)?;
    let mut report = audit::AuditReport::default();
    work.step("gathering", 0, EXPORT_STEPS)?;
    let facts = summary_facts::summary_facts(vault, period, Purpose::Export, now)?;
    let result = (|| -> Result<Vec<PathBuf>> {
        work.step("auditing", 1, EXPORT_STEPS)?;
        let label = if options.include_school_name {
            vault.school().to_string()
        } else {
            NEUTRAL_LABEL.to_string()
        };
        let earlier = earlier_exports(vault, period)?;
        let (s, audited) = summarise_linked(&facts, &label, k, &earlier);
        report = audited;
        work.step("checking", 4, EXPORT_STEPS)?;
        let out = render(&s);
        let mut school_text = summary_facts::school_strings(vault)?;
        if options.include_school_name {
            school_text.push(label.clone());
        }
        let strings = summary_facts::identifying_strings(vault, now)?;
        let guard = guard::LeakGuard::new(&strings, &school_text);
        drop(strings);
        guard
            .check(&[
                ("CSV", out.csv.as_bytes()),
                ("JSON", out.json.as_bytes()),
                ("HTML", out.html.as_bytes()),
            ])
            .map_err(|hit| Error::LeakGuard {
                kind: hit.kind,
                file: hit.file,
                hint: if options.include_school_name {
                    "Check the school's care statuses, support levels and frameworks, and try \
                     again without the school's name."
                } else {
                    "Check the school's care statuses, support levels and frameworks for a \
                     pupil's name."
                },
            })?;
        let stem = format!("attune-summary-{}", period_slug(&s.period));
        let written = write_all(
            out_dir,
            &[
                (format!("{stem}.csv"), out.csv.as_bytes()),
                (format!("{stem}.json"), out.json.as_bytes()),
                (format!("{stem}.html"), out.html.as_bytes()),
            ],
            options.replace_existing,
            work,
            (5, EXPORT_STEPS),
        )?;
        // What left the school is kept (encrypted) so later exports are audited with it.
        summary_facts::record_published(vault, period, k, &out.json, &figures_of(&s), now)?;
        Ok(written)
    })();
    match result {
        Ok(paths) => {
            let names: Vec<String> = paths
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            summary_facts::audit_export(vault, period, &names, true, now)?;
            let _ = work.step("writing", EXPORT_STEPS, EXPORT_STEPS);
            Ok((files_of(&paths), report))
        }
        Err(e) => {
            let _ = summary_facts::audit_export(vault, period, &[], false, now);
            Err(e)
        }
    }
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Reads one summary file's heading, checking its schema version, shape and checksum.
pub fn inspect(path: &Path) -> Result<SummaryFileInfo> {
    let name = file_name(path);
    let bytes = fs::read(path).map_err(|e| Error::MergeFile {
        file: name.clone(),
        reason: Refusal::Unreadable(e.to_string()),
    })?;
    let s = json::from_json(&bytes).map_err(|reason| Error::MergeFile { file: name, reason })?;
    Ok(SummaryFileInfo {
        label: s.label,
        period: s.period,
        k: s.k,
        tables: s.tables.len() as u32,
    })
}

/// [`inspect`] inside a session: any signed-in user may read a summary file's heading (it holds
/// no pupil's data).
pub fn inspect_in_session(vault: &Vault, path: &Path) -> Result<SummaryFileInfo> {
    attune_domain::access::actor(vault)?;
    inspect(path)
}

/// Merges the schools' summary files into `attune-merged-<period>.csv`, `.json` and `.html` in
/// `out_dir` (see [`merge`](mod@merge) for the refusals and the bounds).
pub fn merge(paths: &[PathBuf], out_dir: &Path) -> Result<MergeReport> {
    merge_with(paths, out_dir, &MergeOptions::default())
}

/// [`merge_with`] inside a signed-in session (the app): strategic lead only (a refusal is
/// audited), and the merge audited as `summary.merge` with its period.
pub fn merge_in_session(
    vault: &Vault,
    paths: &[PathBuf],
    out_dir: &Path,
    options: &MergeOptions,
    now: DateTime<Utc>,
) -> Result<MergeReport> {
    merge_in_session_with(vault, paths, out_dir, options, now, &Work::none())
}

/// [`merge_in_session`], reporting to `work` (see [`merge_with_work`]).
pub fn merge_in_session_with(
    vault: &Vault,
    paths: &[PathBuf],
    out_dir: &Path,
    options: &MergeOptions,
    now: DateTime<Utc>,
    work: &Work<'_>,
) -> Result<MergeReport> {
    summary_facts::require_merge(vault, now)?;
    let report = merge_with_work(paths, out_dir, options, work)?;
    summary_facts::audit_merge(vault, &report.period, now)?;
    Ok(report)
}

/// [`merge()`] with options.
pub fn merge_with(
    paths: &[PathBuf],
    out_dir: &Path,
    options: &MergeOptions,
) -> Result<MergeReport> {
    merge_with_work(paths, out_dir, options, &Work::none())
}

/// [`merge_with`], reporting to `work`: "reading" each file, "merging", "writing" the three
/// files. Stopped before the files are renamed into place, nothing is written.
pub fn merge_with_work(
    paths: &[PathBuf],
    out_dir: &Path,
    options: &MergeOptions,
    work: &Work<'_>,
) -> Result<MergeReport> {
    if paths.len() < 2 {
        return Err(Error::MergeNeedsFiles(paths.len()));
    }
    // Steps: a file each, merging, then the three files written.
    let n = paths.len() as u64;
    let total = n + 4;
    // Files are named as given (several schools' files often share a name).
    let mut files = Vec::with_capacity(paths.len());
    for (i, p) in paths.iter().enumerate() {
        work.step("reading", i as u64, total)?;
        let name = p.display().to_string();
        let bytes = fs::read(p).map_err(|e| Error::MergeFile {
            file: name.clone(),
            reason: Refusal::Unreadable(e.to_string()),
        })?;
        files.push((name, bytes));
    }
    work.step("merging", n, total)?;
    let inputs = merge::read_inputs(&files)?;
    let s = merge::merge_summaries(&inputs);
    let out = render(&s);
    let stem = format!("attune-merged-{}", period_slug(&s.period));
    let written = write_all(
        out_dir,
        &[
            (format!("{stem}.csv"), out.csv.as_bytes()),
            (format!("{stem}.json"), out.json.as_bytes()),
            (format!("{stem}.html"), out.html.as_bytes()),
        ],
        options.replace_existing,
        work,
        (n + 1, total),
    )?;
    let _ = work.step("writing", total, total);
    Ok(MergeReport {
        period: s.period.clone(),
        schools: s.sources.iter().map(|src| src.label.clone()).collect(),
        files: files_of(&written),
        bounded_cells: s.count_status(CellStatus::Bounds) as u32,
        tables: s.tables.iter().map(|t| preview::table(t, s.k)).collect(),
    })
}
