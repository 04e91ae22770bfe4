//! Subject access requests: everything held about one pupil as one printable document.
//!
//! [`subject_access_document`] (strategic lead only, audited as `pupil.sar`) returns a
//! self-contained HTML page: inline CSS only (with an A4 print stylesheet), no scripts, no
//! images, no links to anywhere, British English, dates written the UK way ("22 November
//! 2026"). It holds the pupil's identity fields and identifiers, key-adult assignment history,
//! profile, outside-agency advice, team, every plan (current and closed) with its goals and
//! review due dates, every session, the chronology, instrument scores, termly indicators, the
//! supervision notes in which the pupil was discussed (other pupils' names taken out), and
//! the audit entries that concern the pupil (who viewed or changed what, and when). Every piece
//! of text is HTML-escaped.
//!
//! **PDF**: the document prints to PDF from any browser's print dialog ("Save as PDF"); the
//! print stylesheet sets A4 margins and keeps table rows whole. Attune adds no PDF engine.
//!
//! The document is returned as a string; writing it anywhere is the caller's choice (the
//! `attune-admin sar` command writes it atomically to the file the user names).

use std::fmt::Write as _;

use attune_vault::audit::AuditEntry;
use attune_vault::Vault;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::access;
use crate::dates::format_uk;
use crate::error::Result;
use crate::framework::Framework;
use crate::{plans, profile, pupils, records};

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// An RFC 3339 stamp as "22 November 2026, 09:00 UTC" (as stored, escaped, if unreadable).
fn when(stamp: &str) -> String {
    match OffsetDateTime::parse(stamp, &Rfc3339) {
        Ok(t) => {
            let t = t.to_offset(time::UtcOffset::UTC);
            format!(
                "{}, {:02}:{:02} UTC",
                format_uk(t.date()),
                t.hour(),
                t.minute()
            )
        }
        Err(_) => escape(stamp),
    }
}

fn day(d: Date) -> String {
    format_uk(d)
}

fn opt_day(d: Option<Date>) -> String {
    d.map_or_else(String::new, format_uk)
}

fn opt(s: Option<&str>) -> String {
    escape(s.unwrap_or(""))
}

/// Multi-line text: escaped, line breaks kept by the stylesheet (`white-space: pre-wrap`).
fn para(s: &str) -> String {
    if s.trim().is_empty() {
        "<span class=\"none\">Not recorded</span>".into()
    } else {
        format!("<span class=\"text\">{}</span>", escape(s))
    }
}

const STYLE: &str = "
body { font-family: Arial, Helvetica, sans-serif; font-size: 11pt; line-height: 1.4; color: #0b0c0c; margin: 2em; }
h1 { font-size: 20pt; margin: 0 0 0.3em; }
h2 { font-size: 14pt; margin: 1.6em 0 0.4em; border-bottom: 2px solid #0b0c0c; }
h3 { font-size: 12pt; margin: 1.2em 0 0.3em; }
table { border-collapse: collapse; width: 100%; margin: 0.3em 0 1em; }
th, td { border: 1px solid #b1b4b6; padding: 0.25em 0.4em; text-align: left; vertical-align: top; }
th { background: #f3f2f1; }
dl { display: grid; grid-template-columns: 14em 1fr; gap: 0.2em 1em; }
dt { font-weight: bold; }
dd { margin: 0; }
.text { white-space: pre-wrap; }
.none { color: #505a5f; font-style: italic; }
.meta { color: #505a5f; }
@page { size: A4; margin: 18mm 15mm; }
@media print {
  body { margin: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  tr, dl { break-inside: avoid; }
  thead { display: table-header-group; }
}
";

/// Writes a table: `head` the column names, `rows` already-escaped cells.
fn table(out: &mut String, head: &[&str], rows: &[Vec<String>]) {
    if rows.is_empty() {
        out.push_str("<p class=\"none\">None recorded.</p>\n");
        return;
    }
    out.push_str("<table>\n<thead><tr>");
    for h in head {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            let _ = write!(out, "<td>{c}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn fields(out: &mut String, items: &[(&str, String)]) {
    out.push_str("<dl>\n");
    for (k, v) in items {
        let _ = writeln!(out, "<dt>{}</dt><dd>{v}</dd>", escape(k));
    }
    out.push_str("</dl>\n");
}

/// One review of a plan: its record, its goal findings and its amendments.
fn write_review(o: &mut String, r: &crate::model::Review, plan: &crate::model::PlanView) {
    let _ = writeln!(o, "<h4>Review due {}</h4>", day(r.due_date));
    let c = &r.content;
    let attendees = c
        .attendees
        .iter()
        .map(|a| {
            let scaling = a
                .scaling
                .map_or_else(String::new, |s| format!(", scaling {s}"));
            escape(&format!("{} ({}{scaling})", a.name, a.role))
        })
        .collect::<Vec<_>>()
        .join("; ");
    fields(
        o,
        &[
            ("Status", escape(r.status.label())),
            ("Held", opt_day(r.held_on)),
            (
                "Signed off by",
                opt(r.signed_by.as_ref().map(|u| u.name.as_str())),
            ),
            ("Attendees", attendees),
            ("Pupil's voice", para(&c.pupil_voice)),
            ("Parent or carer's voice", para(&c.parent_carer_voice)),
            ("Working well", para(&c.working_well)),
            ("Worried about", para(&c.worried_about)),
            ("Needs to happen", para(&c.needs_to_happen)),
            ("Next steps", para(&c.next_steps)),
            ("Next review", opt_day(c.next_review_date)),
        ],
    );
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
                g.rating.map_or_else(String::new, |x| x.to_string()),
                escape(g.decision.map_or("", |d| d.label())),
                para(&g.evidence),
            ]
        })
        .collect();
    table(o, &["Goal", "Rating", "Decision", "Evidence"], &rows);
    if !r.amendments.is_empty() {
        let rows: Vec<_> = r
            .amendments
            .iter()
            .map(|a| {
                vec![
                    when(&a.at),
                    opt(a.author.as_ref().map(|u| u.name.as_str())),
                    para(&a.reason),
                    para(&a.text),
                ]
            })
            .collect();
        table(o, &["Amended", "By", "Reason", "Amendment"], &rows);
    }
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

/// The subject access document for one pupil (strategic lead only; see the module's notes).
/// `frameworks` names plan frameworks and domains; `now` stamps the document and the audit
/// entry `pupil.sar`.
pub fn subject_access_document(
    vault: &Vault,
    pupil_id: i64,
    frameworks: &[Framework],
    now: OffsetDateTime,
) -> Result<String> {
    let target = access::target(pupil_id, None);
    let user = access::require_lead(
        vault,
        "pupil.sar",
        Some(&target),
        "produce a subject access document",
        now,
    )?;
    access::require_pupil(vault, pupil_id, "pupil.sar", now)?;
    let conn = vault.conn()?;
    let today = now.date();
    let p = pupils::load(conn, pupil_id)?;
    let assignments = pupils::assignments(conn, pupil_id)?;
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
    let (sessions, _) = records::load_sessions(conn, pupil_id, u32::MAX)?;
    let chronology = records::load_chronology(conn, pupil_id)?;
    let scores = records::load_scores(conn, pupil_id)?;
    let indicators = records::load_indicators(conn, pupil_id)?;
    let supervision = crate::supervision::notes_about_pupil(conn, pupil_id)?;
    let audit = audit_entries(conn, pupil_id)?;

    let mut o = String::with_capacity(16 * 1024);
    o.push_str("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    o.push_str("<title>Subject access request</title>\n<style>");
    o.push_str(STYLE);
    o.push_str("</style>\n</head>\n<body>\n");
    let _ = writeln!(
        o,
        "<h1>Everything held about {}</h1>",
        escape(&p.display_name)
    );
    let _ = writeln!(
        o,
        "<p class=\"meta\">A subject access document from {}'s Attune records, produced on {} by {}. It holds every record kept about this pupil and every audit entry about them.</p>",
        escape(vault.school()),
        when(&crate::store::ts(now)),
        escape(&user.name)
    );

    o.push_str("<h2>The pupil</h2>\n");
    let ids = p
        .identifiers
        .iter()
        .map(|i| {
            format!(
                "{}: {}{}",
                escape(i.kind.label()),
                escape(&i.value),
                if i.temporary { " (temporary)" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join("<br>");
    fields(
        &mut o,
        &[
            ("Legal forename", escape(&p.legal_forename)),
            ("Legal surname", escape(&p.legal_surname)),
            ("Preferred name", opt(p.preferred_name.as_deref())),
            ("Date of birth", day(p.date_of_birth)),
            ("Year group", escape(&p.year_group_label)),
            ("Identifiers", ids),
            ("Care status", opt(p.care_status.as_deref())),
            ("Support level", opt(p.support_level.as_deref())),
            (
                "Key adult",
                opt(p.key_adult.as_ref().map(|k| k.name.as_str())),
            ),
            ("Status", escape(p.status.label())),
            ("Left on", opt_day(p.left_on)),
            ("Relationship began", opt_day(p.relationship_start)),
            (
                "Relationship planned to end",
                opt_day(p.relationship_planned_end),
            ),
            ("Record created", when(&p.created_at)),
            ("Record last changed", when(&p.updated_at)),
        ],
    );

    o.push_str("<h2>Key adults</h2>\n");
    let rows: Vec<_> = assignments
        .iter()
        .map(|a| vec![escape(&a.key_adult.name), day(a.from), opt_day(a.to)])
        .collect();
    table(&mut o, &["Key adult", "From", "To"], &rows);

    o.push_str("<h2>About me</h2>\n");
    fields(
        &mut o,
        &[
            ("Strengths and interests", para(&about.strengths_interests)),
            ("What helps", para(&about.what_helps)),
            ("What does not help", para(&about.what_does_not_help)),
            ("Stressors", para(&about.stressors)),
            ("Calmers", para(&about.calmers)),
            ("Story", para(&about.story)),
            ("Starting point", para(&about.starting_point)),
            ("Developmental age", para(&about.developmental_age_notes)),
        ],
    );

    o.push_str("<h2>Advice from outside agencies</h2>\n");
    let rows: Vec<_> = advice
        .iter()
        .map(|a| {
            vec![
                day(a.advised_on),
                escape(a.agency.label()),
                escape(&a.source),
                para(&a.advice),
                opt(a.recorded_by.as_deref()),
            ]
        })
        .collect();
    table(
        &mut o,
        &["Date", "Agency", "Source", "Advice", "Recorded by"],
        &rows,
    );

    o.push_str("<h2>Team around the pupil</h2>\n");
    let rows: Vec<_> = team
        .iter()
        .map(|m| vec![escape(&m.name), escape(&m.role)])
        .collect();
    table(&mut o, &["Name", "Role"], &rows);

    o.push_str("<h2>Plans</h2>\n");
    if plan_views.is_empty() {
        o.push_str("<p class=\"none\">None recorded.</p>\n");
    }
    for plan in &plan_views {
        let _ = writeln!(
            o,
            "<h3>{} plan, {} to {}</h3>",
            escape(&plan.framework_name),
            day(plan.start),
            day(plan.horizon_end)
        );
        fields(
            &mut o,
            &[
                ("Status", escape(plan.status.label())),
                ("Reviews", escape(&plan.cadence_label)),
            ],
        );
        let rows: Vec<_> = plan
            .goals
            .iter()
            .map(|g| {
                vec![
                    escape(&g.domain_name),
                    para(&g.outcome),
                    format!("{} → {}", g.baseline, g.target),
                    para(&g.strategies),
                    escape(&g.who),
                    escape(&g.how_often),
                    g.pp_plus_cost_pence
                        .map_or_else(String::new, |p| format!("£{}.{:02}", p / 100, p % 100)),
                    escape(g.status.label()),
                ]
            })
            .collect();
        table(
            &mut o,
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
            &rows,
        );
        let rows: Vec<_> = plan
            .due_dates
            .iter()
            .map(|d| {
                vec![
                    day(d.date),
                    if d.held { "Held" } else { "Not yet held" }.to_string(),
                    if d.provisional { "Provisional" } else { "" }.to_string(),
                ]
            })
            .collect();
        table(&mut o, &["Review due", "Held", "Term dates"], &rows);
        for r in crate::reviews::plan_reviews(conn, plan.id)? {
            write_review(&mut o, &r, plan);
        }
    }

    o.push_str("<h2>Sessions</h2>\n");
    let rows: Vec<_> = sessions
        .iter()
        .map(|s| {
            vec![
                day(s.held_on),
                escape(s.kind.label()),
                s.minutes.to_string(),
                s.regulation.map_or_else(String::new, |r| r.to_string()),
                para(&s.note),
                opt(s.recorded_by.as_deref()),
            ]
        })
        .collect();
    table(
        &mut o,
        &[
            "Date",
            "Kind",
            "Minutes",
            "Regulation",
            "Note",
            "Recorded by",
        ],
        &rows,
    );

    o.push_str("<h2>Chronology</h2>\n");
    let rows: Vec<_> = chronology
        .iter()
        .map(|c| {
            vec![
                day(c.occurred_on),
                escape(c.kind.label()),
                para(&c.description),
                opt(c.safeguarding_ref.as_deref()),
                opt(c.recorded_by.as_deref()),
            ]
        })
        .collect();
    table(
        &mut o,
        &[
            "Date",
            "Event",
            "Description",
            "Safeguarding reference",
            "Recorded by",
        ],
        &rows,
    );

    o.push_str("<h2>Assessment scores</h2>\n");
    let rows: Vec<_> = scores
        .iter()
        .map(|s| {
            vec![
                day(s.completed_on),
                escape(s.instrument.label()),
                opt(s.subscale.as_deref()),
                s.score
                    .map(|n| n.to_string())
                    .or_else(|| s.stage.as_deref().map(escape))
                    .unwrap_or_default(),
                escape(&s.completed_by),
            ]
        })
        .collect();
    table(
        &mut o,
        &[
            "Completed",
            "Instrument",
            "Subscale",
            "Score or stage",
            "Completed by",
        ],
        &rows,
    );

    o.push_str("<h2>Attendance, exclusions and physical interventions</h2>\n");
    let rows: Vec<_> = indicators
        .iter()
        .map(|i| {
            vec![
                escape(&i.term),
                i.attendance_pct
                    .map_or_else(String::new, |a| format!("{a}%")),
                i.exclusion_days.map_or_else(String::new, |d| d.to_string()),
                i.physical_interventions
                    .map_or_else(String::new, |n| n.to_string()),
            ]
        })
        .collect();
    table(
        &mut o,
        &[
            "Term",
            "Attendance",
            "Exclusion days",
            "Physical interventions",
        ],
        &rows,
    );

    o.push_str("<h2>Supervision and consultation</h2>\n");
    o.push_str("<p class=\"meta\">Meetings between the strategic lead and a key adult in which this pupil was discussed. The names of any other pupil discussed are replaced by &ldquo;[another pupil]&rdquo;.</p>\n");
    let rows: Vec<_> = supervision
        .iter()
        .map(|n| {
            vec![
                day(n.held_on),
                escape(n.kind.label()),
                escape(&n.key_adult.name),
                para(&n.notes),
                para(&n.actions),
                opt(n.recorded_by.as_ref().map(|u| u.name.as_str())),
            ]
        })
        .collect();
    table(
        &mut o,
        &[
            "Date",
            "Kind",
            "Key adult",
            "Notes",
            "Agreed actions",
            "Recorded by",
        ],
        &rows,
    );

    o.push_str("<h2>Who has viewed or changed this record</h2>\n");
    o.push_str("<p class=\"meta\">From the vault's audit log, oldest first. This document's own production is the last entry.</p>\n");
    let mut rows: Vec<_> = audit
        .iter()
        .map(|a| {
            vec![
                when(&a.at),
                escape(&a.actor_name),
                escape(&a.action),
                opt(a.target.as_deref()),
                escape(&a.outcome),
            ]
        })
        .collect();
    rows.push(vec![
        when(&crate::store::ts(now)),
        escape(&user.name),
        "pupil.sar".into(),
        escape(&target),
        "ok".into(),
    ]);
    table(
        &mut o,
        &["When", "Who", "Action", "Record", "Outcome"],
        &rows,
    );
    o.push_str("</body>\n</html>\n");

    access::record(conn, &user, "pupil.sar", Some(&target), now)?;
    Ok(o)
}
