//! Subject access requests: everything held about one pupil as one printable document.
//!
//! [`subject_access`] (strategic lead only, audited as `pupil.sar`) gathers the record into a
//! typed [`SarDocument`]: sections of labelled fields and tables of plain text. Nothing in it is
//! markup, so the window draws it with its own components (no generated HTML is injected into
//! the page) and [`render_html`] writes the saved file through maud, whose every interpolation is
//! escaped. The file is self-contained: inline CSS only (with an A4 print stylesheet), no
//! scripts, no images, no links to anywhere, British English, dates written the UK way
//! ("22 November 2026").
//!
//! It holds the pupil's identity fields and identifiers, key-adult assignment history,
//! profile, outside-agency advice, team, every plan (current and closed) with its goals and
//! review due dates, every session, the chronology, instrument scores, termly indicators, the
//! supervision notes in which the pupil was discussed (other pupils' names taken out), and
//! the audit entries that concern the pupil (who viewed or changed what, and when).
//!
//! **PDF**: the document prints to PDF from any browser's print dialog ("Save as PDF"); the
//! print stylesheet sets A4 margins and keeps table rows whole. Attune adds no PDF engine.
//!
//! Writing the file anywhere is the caller's choice (the `attune-admin sar` command writes it
//! atomically to the file the user names).

mod html;

use attune_vault::audit::AuditEntry;
use attune_vault::{Action, Vault};
use chrono::{DateTime, NaiveDate, Timelike, Utc};
use serde::Serialize;
use ts_rs::TS;

use crate::access;
use crate::error::Result;
use crate::model::EntryChanges;
use crate::rules::dates::format_uk;
use crate::rules::framework::Framework;
use crate::{planning::plans, record::profile, record::pupils, record::records};

pub use html::render_html;

/// The subject access document as data: what the window draws and the saved file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SarDocument {
    /// The page title ("Subject access request").
    pub title: String,
    /// "Everything held about …".
    pub heading: String,
    /// Who produced it, for which school, and when.
    pub intro: String,
    /// In reading order; a section's `level` (2, 3 or 4) nests it under the one before.
    pub sections: Vec<SarSection>,
}

/// A headed part of the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SarSection {
    /// Heading level: 2 for a part of the record, 3 for one plan, 4 for one of its reviews.
    pub level: u8,
    pub heading: String,
    /// Explanatory sentences shown under the heading.
    pub notes: Vec<String>,
    pub blocks: Vec<SarBlock>,
}

/// What a section holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SarBlock {
    /// Labelled values, one per line.
    Fields { items: Vec<SarField> },
    /// A table; with no rows it reads "None recorded."
    Table {
        head: Vec<String>,
        rows: Vec<Vec<SarValue>>,
    },
    /// "None recorded." on its own.
    Nothing,
}

/// One labelled value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SarField {
    pub label: String,
    pub value: SarValue,
}

/// Plain text. `multiline` text keeps its line breaks, and when blank reads "Not recorded".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SarValue {
    pub text: String,
    pub multiline: bool,
}

impl SarValue {
    /// Whether this value is shown as "Not recorded".
    pub fn not_recorded(&self) -> bool {
        self.multiline && self.text.trim().is_empty()
    }
}

/// A one-line value.
fn v(s: impl Into<String>) -> SarValue {
    SarValue {
        text: s.into(),
        multiline: false,
    }
}

/// Multi-line text, line breaks kept; blank reads "Not recorded".
fn para(s: &str) -> SarValue {
    SarValue {
        text: s.to_string(),
        multiline: true,
    }
}

/// An RFC 3339 stamp as "22 November 2026, 09:00 UTC" (as stored if unreadable).
fn when(stamp: &str) -> String {
    match attune_vault::datetime::parse_instant(stamp) {
        Some(t) => {
            format!(
                "{}, {:02}:{:02} UTC",
                format_uk(t.date_naive()),
                t.hour(),
                t.minute()
            )
        }
        None => stamp.to_string(),
    }
}

fn day(d: NaiveDate) -> SarValue {
    v(format_uk(d))
}

fn opt_day(d: Option<NaiveDate>) -> SarValue {
    v(d.map_or_else(String::new, format_uk))
}

fn opt(s: Option<&str>) -> SarValue {
    v(s.unwrap_or(""))
}

fn field(label: &str, value: SarValue) -> SarField {
    SarField {
        label: label.to_string(),
        value,
    }
}

fn fields(items: Vec<SarField>) -> SarBlock {
    SarBlock::Fields { items }
}

fn table(head: &[&str], rows: Vec<Vec<SarValue>>) -> SarBlock {
    SarBlock::Table {
        head: head.iter().map(|h| h.to_string()).collect(),
        rows,
    }
}

/// A table with a last column "Correction or withdrawal" when any of its entries has one
/// (`changes` in the order of `rows`).
fn with_status<'a>(
    head: &[&str],
    mut rows: Vec<Vec<SarValue>>,
    changes: impl Iterator<Item = &'a EntryChanges>,
) -> SarBlock {
    let status: Vec<String> = changes
        .map(|c| match (&c.withdrawn, c.corrections) {
            (Some(w), _) => format!("Withdrawn {}", when(&w.at)),
            (None, 0) => String::new(),
            (None, 1) => "Corrected".to_string(),
            (None, n) => format!("Corrected {n} times"),
        })
        .collect();
    if status.iter().all(String::is_empty) {
        return table(head, rows);
    }
    let mut head: Vec<&str> = head.to_vec();
    head.push("Correction or withdrawal");
    for (row, s) in rows.iter_mut().zip(status) {
        row.push(v(s));
    }
    table(&head, rows)
}

fn section(level: u8, heading: impl Into<String>, blocks: Vec<SarBlock>) -> SarSection {
    SarSection {
        level,
        heading: heading.into(),
        notes: Vec::new(),
        blocks,
    }
}

/// One review of a plan: its record, its goal findings and its amendments.
fn review_section(r: &crate::model::Review, plan: &crate::model::PlanView) -> SarSection {
    let c = &r.content;
    let attendees = c
        .attendees
        .iter()
        .map(|a| {
            let scaling = a
                .scaling
                .map_or_else(String::new, |s| format!(", scaling {s}"));
            format!("{} ({}{scaling})", a.name, a.role)
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut blocks = vec![fields(vec![
        field("Status", v(r.status.label())),
        field("Held", opt_day(r.held_on)),
        field(
            "Signed off by",
            opt(r.signed_by.as_ref().map(|u| u.name.as_str())),
        ),
        field("Attendees", v(attendees)),
        field("Pupil's voice", para(&c.pupil_voice)),
        field("Parent or carer's voice", para(&c.parent_carer_voice)),
        field("Working well", para(&c.working_well)),
        field("Worried about", para(&c.worried_about)),
        field("Needs to happen", para(&c.needs_to_happen)),
        field("Next steps", para(&c.next_steps)),
        field("Next review", opt_day(c.next_review_date)),
    ])];
    let rows: Vec<_> = c
        .goals
        .iter()
        .map(|g| {
            let outcome = plan
                .goals
                .iter()
                .find(|x| x.id == g.goal_id)
                .map_or("", |x| x.outcome.as_str());
            vec![
                para(outcome),
                v(g.rating.map_or_else(String::new, |x| x.to_string())),
                v(g.decision.map_or("", |d| d.label())),
                para(&g.evidence),
            ]
        })
        .collect();
    blocks.push(table(&["Goal", "Rating", "Decision", "Evidence"], rows));
    if !r.amendments.is_empty() {
        let rows: Vec<_> = r
            .amendments
            .iter()
            .map(|a| {
                vec![
                    v(when(&a.at)),
                    opt(a.author.as_ref().map(|u| u.name.as_str())),
                    para(&a.reason),
                    para(&a.text),
                ]
            })
            .collect();
        blocks.push(table(&["Amended", "By", "Reason", "Amendment"], rows));
    }
    section(4, format!("Review due {}", format_uk(r.due_date)), blocks)
}

/// The audit entries about pupil `pupil_id` (target `pupil:<id>` or `pupil:<id>/…`), oldest
/// first.
fn audit_entries(conn: &rusqlite::Connection, pupil_id: i64) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor_id, actor_name, action, target, outcome FROM audit_log
         WHERE target = ?1 OR substr(target, 1, length(?1) + 1) = ?1 || '/'
         ORDER BY seq",
    )?;
    let rows = stmt.query_map([format!("pupil:{pupil_id}")], |r| {
        Ok(AuditEntry {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor_id: r.get(2)?,
            actor_name: r.get(3)?,
            action: r.get(4)?,
            target: r.get(5)?,
            outcome: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// The subject access document for one pupil as self-contained HTML (strategic lead only;
/// audited as `pupil.sar`): [`subject_access`] rendered by [`render_html`].
pub fn subject_access_document(
    vault: &Vault,
    pupil_id: i64,
    frameworks: &[Framework],
    now: DateTime<Utc>,
) -> Result<String> {
    Ok(render_html(&subject_access(
        vault, pupil_id, frameworks, now,
    )?))
}

/// The subject access document for one pupil as data (strategic lead only; see the module's
/// notes). `frameworks` names plan frameworks and domains; `now` stamps the document and the
/// audit entry `pupil.sar`.
pub fn subject_access(
    vault: &Vault,
    pupil_id: i64,
    frameworks: &[Framework],
    now: DateTime<Utc>,
) -> Result<SarDocument> {
    let target = access::target(pupil_id, None);
    let user = access::require_lead(
        vault,
        Action::PupilSar,
        Some(&target),
        "produce a subject access document",
        now,
    )?;
    access::require_pupil(vault, pupil_id, Action::PupilSar, now)?;
    let conn = vault.conn()?;
    let today = now.date_naive();
    let p = pupils::load(conn, pupil_id)?;
    let assignments = pupils::assignments(conn, pupil_id)?;
    let status = crate::record::status_history::load(conn, pupil_id)?;
    let about = profile::load_profile(conn, pupil_id)?;
    let advice = profile::load_advice(conn, pupil_id)?;
    let team = profile::load_team(conn, pupil_id)?;
    let plan_ids: Vec<i64> = {
        let mut stmt =
            conn.prepare("SELECT id FROM plans WHERE pupil_id = ?1 ORDER BY start_date, id")?;
        let ids = stmt.query_map([pupil_id], |r| r.get(0))?;
        ids.collect::<std::result::Result<_, _>>()?
    };
    let plan_views = plan_ids
        .iter()
        .map(|id| plans::view(conn, *id, frameworks, today))
        .collect::<Result<Vec<_>>>()?;
    // Everything held: withdrawn entries too, and the earlier versions of corrected ones.
    let all = crate::record::versions::Show::EVERYTHING;
    let (sessions, _) = records::load_sessions(conn, pupil_id, u32::MAX, all)?;
    let chronology = records::load_chronology(conn, pupil_id, all)?;
    let scores = records::load_scores(conn, pupil_id, all)?;
    let indicators = records::load_indicators(conn, pupil_id, all)?;
    let supervision = crate::lead::supervision::notes_about_pupil(conn, pupil_id)?;
    let audit = audit_entries(conn, pupil_id)?;

    let mut sections = Vec::new();
    let ids = p
        .identifiers
        .iter()
        .map(|i| {
            format!(
                "{}: {}{}",
                i.kind.label(),
                i.value,
                if i.temporary { " (temporary)" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    sections.push(section(
        2,
        "The pupil",
        vec![fields(vec![
            field("Legal forename", v(&p.legal_forename)),
            field("Legal surname", v(&p.legal_surname)),
            field("Preferred name", opt(p.preferred_name.as_deref())),
            field("Date of birth", day(p.date_of_birth)),
            field("Year group", v(&p.year_group_label)),
            field(
                "Identifiers",
                SarValue {
                    text: ids,
                    multiline: true,
                },
            ),
            field("Care status", opt(p.care_status.as_deref())),
            field("Support level", opt(p.support_level.as_deref())),
            field(
                "Key adult",
                opt(p.key_adult.as_ref().map(|k| k.name.as_str())),
            ),
            field("Status", v(p.status.label())),
            field("Left on", opt_day(p.left_on)),
            field("Relationship began", opt_day(p.relationship_start)),
            field(
                "Relationship planned to end",
                opt_day(p.relationship_planned_end),
            ),
            field("Record created", v(when(&p.created_at))),
            field("Record last changed", v(when(&p.updated_at))),
        ])],
    ));

    let rows: Vec<_> = status
        .iter()
        .map(|c| {
            vec![
                v(c.kind.label()),
                v(c.value.as_deref().unwrap_or("None")),
                day(c.effective_from),
                v(when(&c.recorded_at)),
                v(c.recorded_by
                    .as_ref()
                    .map_or("Not recorded", |u| u.name.as_str())),
            ]
        })
        .collect();
    sections.push(section(
        2,
        "Care status and support level over time",
        vec![table(
            &["Kind", "Value", "Took effect", "Recorded", "Recorded by"],
            rows,
        )],
    ));

    let rows: Vec<_> = assignments
        .iter()
        .map(|a| vec![v(&a.key_adult.name), day(a.from), opt_day(a.to)])
        .collect();
    sections.push(section(
        2,
        "Key adults",
        vec![table(&["Key adult", "From", "To"], rows)],
    ));

    sections.push(section(
        2,
        "About me",
        vec![fields(vec![
            field("Strengths and interests", para(&about.strengths_interests)),
            field("What helps", para(&about.what_helps)),
            field("What does not help", para(&about.what_does_not_help)),
            field("Stressors", para(&about.stressors)),
            field("Calmers", para(&about.calmers)),
            field("Story", para(&about.story)),
            field("Starting point", para(&about.starting_point)),
            field("Developmental age", para(&about.developmental_age_notes)),
        ])],
    ));

    let rows: Vec<_> = advice
        .iter()
        .map(|a| {
            vec![
                day(a.advised_on),
                v(a.agency.label()),
                v(&a.source),
                para(&a.advice),
                opt(a.recorded_by.as_deref()),
            ]
        })
        .collect();
    sections.push(section(
        2,
        "Advice from outside agencies",
        vec![table(
            &["Date", "Agency", "Source", "Advice", "Recorded by"],
            rows,
        )],
    ));

    let rows: Vec<_> = team.iter().map(|m| vec![v(&m.name), v(&m.role)]).collect();
    sections.push(section(
        2,
        "Team around the pupil",
        vec![table(&["Name", "Role"], rows)],
    ));

    sections.push(section(
        2,
        "Plans",
        if plan_views.is_empty() {
            vec![SarBlock::Nothing]
        } else {
            Vec::new()
        },
    ));
    for plan in &plan_views {
        let goals: Vec<_> = plan
            .goals
            .iter()
            .map(|g| {
                vec![
                    v(&g.domain_name),
                    para(&g.outcome),
                    v(format!("{} → {}", g.baseline, g.target)),
                    para(&g.strategies),
                    v(&g.who),
                    v(&g.how_often),
                    v(g.pp_plus_cost_pence
                        .map_or_else(String::new, |p| format!("£{}.{:02}", p / 100, p % 100))),
                    v(g.status.label()),
                ]
            })
            .collect();
        let due: Vec<_> = plan
            .due_dates
            .iter()
            .map(|d| {
                vec![
                    day(d.date),
                    v(if d.held { "Held" } else { "Not yet held" }),
                    v(if d.provisional { "Provisional" } else { "" }),
                ]
            })
            .collect();
        sections.push(section(
            3,
            format!(
                "{} plan, {} to {}",
                plan.framework_name,
                format_uk(plan.start),
                format_uk(plan.horizon_end)
            ),
            vec![
                fields(vec![
                    field("Status", v(plan.status.label())),
                    field("Reviews", v(&plan.cadence_label)),
                ]),
                table(
                    &[
                        "Area",
                        "Outcome",
                        "Baseline → target",
                        "Strategies",
                        "Who",
                        "How often",
                        "PP+ cost",
                        "Status",
                    ],
                    goals,
                ),
                table(&["Review due", "Held", "Term dates"], due),
            ],
        ));
        for r in crate::planning::reviews::plan_reviews(conn, plan.id)? {
            sections.push(review_section(&r, plan));
        }
    }

    let rows: Vec<_> = sessions
        .iter()
        .map(|s| {
            vec![
                day(s.held_on),
                v(s.kind.label()),
                v(s.minutes.to_string()),
                v(s.regulation.map_or_else(String::new, |r| r.to_string())),
                para(&s.note),
                opt(s.safeguarding_ref.as_deref()),
                opt(s.recorded_by.as_deref()),
            ]
        })
        .collect();
    sections.push(section(
        2,
        "Sessions",
        vec![with_status(
            &[
                "Date",
                "Kind",
                "Minutes",
                "Regulation",
                "Note",
                "Safeguarding reference",
                "Recorded by",
            ],
            rows,
            sessions.iter().map(|s| &s.changes),
        )],
    ));

    let rows: Vec<_> = chronology
        .iter()
        .map(|c| {
            vec![
                day(c.occurred_on),
                v(c.kind.label()),
                para(&c.description),
                opt(c.safeguarding_ref.as_deref()),
                opt(c.recorded_by.as_deref()),
            ]
        })
        .collect();
    sections.push(section(
        2,
        "Chronology",
        vec![with_status(
            &[
                "Date",
                "Event",
                "Description",
                "Safeguarding reference",
                "Recorded by",
            ],
            rows,
            chronology.iter().map(|c| &c.changes),
        )],
    ));

    let rows: Vec<_> = scores
        .iter()
        .map(|s| {
            vec![
                day(s.completed_on),
                v(s.instrument.label()),
                opt(s.subscale.as_deref()),
                v(s.score
                    .map(|n| n.to_string())
                    .or_else(|| s.stage.clone())
                    .unwrap_or_default()),
                v(&s.completed_by),
            ]
        })
        .collect();
    sections.push(section(
        2,
        "Assessment scores",
        vec![with_status(
            &[
                "Completed",
                "Instrument",
                "Subscale",
                "Score or stage",
                "Completed by",
            ],
            rows,
            scores.iter().map(|s| &s.changes),
        )],
    ));

    let rows: Vec<_> = indicators
        .iter()
        .map(|i| {
            vec![
                v(&i.term),
                v(i.attendance_pct
                    .map_or_else(String::new, |a| format!("{a}%"))),
                v(i.exclusion_days.map_or_else(String::new, |d| d.to_string())),
                v(i.physical_interventions
                    .map_or_else(String::new, |n| n.to_string())),
            ]
        })
        .collect();
    sections.push(section(
        2,
        "Attendance, exclusions and physical interventions",
        vec![with_status(
            &[
                "Term",
                "Attendance",
                "Exclusion days",
                "Physical interventions",
            ],
            rows,
            indicators.iter().map(|i| &i.changes),
        )],
    ));

    // Corrections and withdrawals (issue 16): each earlier version, with who replaced it, when
    // and why; each withdrawal. The tables above hold the current values.
    let mut rows = Vec::new();
    let mut changed = |entry: String, c: &EntryChanges| {
        if let Some(w) = &c.withdrawn {
            rows.push(vec![
                v(&entry),
                v("Withdrawn"),
                v(when(&w.at)),
                opt(w.by.as_deref()),
                para(&w.reason),
                para(""),
            ]);
        }
        for e in &c.earlier {
            let values = e
                .fields
                .iter()
                .map(|f| format!("{}: {}", f.label, f.value))
                .collect::<Vec<_>>()
                .join("\n");
            rows.push(vec![
                v(&entry),
                v("Corrected"),
                v(when(&e.replaced.at)),
                opt(e.replaced.by.as_deref()),
                para(&e.replaced.reason),
                para(&values),
            ]);
        }
    };
    for s in &sessions {
        changed(format!("Session of {}", format_uk(s.held_on)), &s.changes);
    }
    for c in &chronology {
        changed(
            format!("Chronology event of {}", format_uk(c.occurred_on)),
            &c.changes,
        );
    }
    for s in &scores {
        changed(
            format!(
                "{} score of {}",
                s.instrument.label(),
                format_uk(s.completed_on)
            ),
            &s.changes,
        );
    }
    for i in &indicators {
        changed(format!("Indicators for {}", i.term), &i.changes);
    }
    // A supervision note's corrections list who, when and why; its earlier words are the
    // strategic lead's and are not listed (the note's current words are, below).
    for n in &supervision {
        changed(
            format!("Supervision note of {}", format_uk(n.held_on)),
            &n.changes,
        );
    }
    if !rows.is_empty() {
        let mut s = section(
            2,
            "Corrections and withdrawals",
            vec![table(
                &["Entry", "Change", "When", "By", "Reason", "Earlier values"],
                rows,
            )],
        );
        s.notes.push("Entries corrected or withdrawn after they were written. For a correction, the values it replaced (those that changed) as they were; the tables above show the current values, and list withdrawn entries marked as withdrawn.".into());
        if supervision
            .iter()
            .any(|n| n.changes.corrections > 0 || n.changes.withdrawn.is_some())
        {
            s.notes.push("For a supervision note, a correction is listed with who made it, when and why; the note's current words are under \u{201c}Supervision and consultation\u{201d}.".into());
        }
        sections.push(s);
    }

    let rows: Vec<_> = supervision
        .iter()
        .map(|n| {
            vec![
                day(n.held_on),
                v(n.kind.label()),
                v(&n.key_adult.name),
                para(&n.notes),
                para(&n.actions),
                opt(n.recorded_by.as_ref().map(|u| u.name.as_str())),
            ]
        })
        .collect();
    let mut s = section(
        2,
        "Supervision and consultation",
        vec![with_status(
            &[
                "Date",
                "Kind",
                "Key adult",
                "Notes",
                "Agreed actions",
                "Recorded by",
            ],
            rows,
            supervision.iter().map(|n| &n.changes),
        )],
    );
    s.notes.push("Meetings between the strategic lead and a key adult in which this pupil was discussed. The names of any other pupil discussed are replaced by \u{201c}[another pupil]\u{201d}.".into());
    sections.push(s);

    let mut rows: Vec<_> = audit
        .iter()
        .map(|a| {
            vec![
                v(when(&a.at)),
                v(&a.actor_name),
                v(&a.action),
                opt(a.target.as_deref()),
                v(&a.outcome),
            ]
        })
        .collect();
    rows.push(vec![
        v(when(&crate::store::ts(now))),
        v(&user.name),
        v("pupil.sar"),
        v(&target),
        v("ok"),
    ]);
    let mut s = section(
        2,
        "Who has viewed or changed this record",
        vec![table(&["When", "Who", "Action", "Record", "Outcome"], rows)],
    );
    s.notes.push("From the vault's audit log, oldest first. This document's own production is the last entry.".into());
    sections.push(s);

    let doc = SarDocument {
        title: "Subject access request".into(),
        heading: format!("Everything held about {}", p.display_name),
        intro: format!(
            "A subject access document from {}'s Attune records, produced on {} by {}. It holds every record kept about this pupil and every audit entry about them.",
            vault.school(),
            when(&crate::store::ts(now)),
            user.name
        ),
        sections,
    };
    access::record(conn, &user, Action::PupilSar, Some(&target), now)?;
    Ok(doc)
}
