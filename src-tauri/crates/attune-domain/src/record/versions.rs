//! Earlier versions and withdrawals of a pupil's entries (issue 16), as every reader of a
//! session, chronology event, score or term's indicators sees them: what [`Show`] lets a reader
//! have, the withdrawal read with the row ([`withdrawn_mark`]), the corrections attached to a
//! list of entries ([`attach`]), and the earlier version kept when a term's figures are entered
//! again. Correcting and withdrawing themselves are [`crate::record::corrections`]; the design
//! is described there.

use std::collections::HashMap;

use attune_vault::ids::{self, next_id};
use attune_vault::{Action, Role, UserInfo};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{Map, Value as Json};

use crate::access::RecordTable;
use crate::error::Result;
use crate::model::{
    ChangeMark, ChronologyKind, EarlierVersion, EntryChanges, EntryKind, Instrument, SessionKind,
    VersionField,
};
use crate::rules::dates::format_uk;
use crate::store::ts;

/// What a reader of a pupil's entries is shown besides their current values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Show {
    /// Withdrawn entries (collapsed in the window).
    pub withdrawn: bool,
    /// The values of earlier versions.
    pub earlier: bool,
}

impl Show {
    /// What a key adult sees, and what summaries and reviews count: current, not withdrawn.
    pub(crate) const CURRENT: Show = Show {
        withdrawn: false,
        earlier: false,
    };
    /// What the strategic lead and the subject access document see.
    pub(crate) const EVERYTHING: Show = Show {
        withdrawn: true,
        earlier: true,
    };

    /// What `user` sees on a pupil's page.
    pub(crate) fn for_user(user: &UserInfo) -> Show {
        match user.role {
            Role::StrategicLead => Show::EVERYTHING,
            Role::KeyAdult => Show::CURRENT,
        }
    }
}

/// The withdrawal in columns `i` (when), `i + 1` (who, a name) and `i + 2` (why) of a row.
pub(crate) fn withdrawn_mark(
    r: &rusqlite::Row<'_>,
    i: usize,
) -> rusqlite::Result<Option<ChangeMark>> {
    let at: Option<String> = r.get(i)?;
    Ok(match at {
        None => None,
        Some(at) => Some(ChangeMark {
            by: r.get(i + 1)?,
            at,
            reason: r.get::<_, Option<String>>(i + 2)?.unwrap_or_default(),
        }),
    })
}

/// The table, names and actions of each kind of entry.
pub(crate) struct KindInfo {
    pub(crate) table: &'static str,
    pub(crate) access: RecordTable,
    /// The record's own columns a correction may change, with their labels.
    pub(crate) columns: &'static [(&'static str, &'static str)],
    pub(crate) correct: Action,
    pub(crate) withdraw: Action,
    /// "session", in "This session was withdrawn".
    pub(crate) what: &'static str,
}

pub(crate) fn info(kind: EntryKind) -> KindInfo {
    match kind {
        EntryKind::Session => KindInfo {
            table: "sessions",
            access: RecordTable::Session,
            columns: &[
                ("held_on", "Date"),
                ("minutes", "Minutes"),
                ("kind", "Kind"),
                ("regulation", "Regulation"),
                ("note", "Note"),
                ("safeguarding_ref", "Safeguarding reference"),
            ],
            correct: Action::SessionCorrect,
            withdraw: Action::SessionWithdraw,
            what: "session",
        },
        EntryKind::Chronology => KindInfo {
            table: "chronology",
            access: RecordTable::Chronology,
            columns: &[
                ("occurred_on", "Date"),
                ("kind", "Event"),
                ("description", "Description"),
                ("safeguarding_ref", "Safeguarding reference"),
            ],
            correct: Action::ChronologyCorrect,
            withdraw: Action::ChronologyWithdraw,
            what: "chronology event",
        },
        EntryKind::Score => KindInfo {
            table: "instrument_scores",
            access: RecordTable::Score,
            columns: &[
                ("instrument", "Instrument"),
                ("subscale", "Subscale or strand"),
                ("score", "Score"),
                ("stage", "Stage"),
                ("completed_on", "Completed on"),
                ("completed_by", "Completed by"),
            ],
            correct: Action::ScoreCorrect,
            withdraw: Action::ScoreWithdraw,
            what: "score",
        },
        EntryKind::Indicators => KindInfo {
            table: "termly_indicators",
            access: RecordTable::Indicators,
            columns: &[
                ("term_label", "Term"),
                ("attendance_pct", "Attendance (%)"),
                ("exclusion_days", "Exclusion days"),
                ("physical_interventions", "Physical interventions"),
            ],
            correct: Action::IndicatorsCorrect,
            withdraw: Action::IndicatorsWithdraw,
            what: "term's indicators",
        },
    }
}

/// `json_object('col', col, …)` over the kind's columns.
fn json_sql(kind: EntryKind) -> String {
    let cols: Vec<String> = info(kind)
        .columns
        .iter()
        .map(|(c, _)| format!("'{c}', {c}"))
        .collect();
    format!("json_object({})", cols.join(", "))
}

/// The record's current values as a JSON object (text), and whether it is withdrawn.
pub(crate) fn current(
    conn: &Connection,
    kind: EntryKind,
    id: i64,
) -> Result<Option<(String, bool)>> {
    let sql = format!(
        "SELECT {}, withdrawn_at IS NOT NULL FROM {} WHERE id = ?1",
        json_sql(kind),
        info(kind).table
    );
    Ok(conn
        .query_row(&sql, [id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_version(
    conn: &Connection,
    pupil_id: i64,
    kind: EntryKind,
    id: i64,
    old_values: &str,
    reason: &str,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let vid = next_id(conn, ids::RecordTable::RecordVersions)?;
    conn.execute(
        "INSERT INTO record_versions (id, pupil_id, record_table, record_id, old_values, reason,
             changed_by, changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            vid,
            pupil_id,
            info(kind).table,
            id,
            old_values,
            reason,
            user_id,
            ts(now)
        ],
    )?;
    Ok(())
}

/// Before a term's indicators are entered again (by hand or by import): the figures they
/// replace, if different (or withdrawn), are kept as an earlier version.
pub(crate) fn before_indicators_replaced(
    conn: &Connection,
    pupil_id: i64,
    c: &(String, Option<f64>, Option<f64>, Option<u32>),
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    // The row's id, its values, and its withdrawal (when, by whom, why).
    type Existing = (i64, String, Option<String>, Option<String>, Option<String>);
    let existing: Option<Existing> = conn
        .query_row(
            &format!(
                "SELECT id, {}, withdrawn_at, (SELECT name FROM users WHERE id = withdrawn_by),
                     withdrawn_reason
                 FROM termly_indicators WHERE pupil_id = ?1 AND term_label = ?2",
                json_sql(EntryKind::Indicators)
            ),
            params![pupil_id, c.0],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((id, old, withdrawn_at, withdrawn_by, withdrawn_reason)) = existing else {
        return Ok(());
    };
    let new: String = conn.query_row(
        "SELECT json_object('term_label', ?1, 'attendance_pct', ?2, 'exclusion_days', ?3,
             'physical_interventions', ?4)",
        params![c.0, c.1, c.2, c.3],
        |r| r.get(0),
    )?;
    let reason = match withdrawn_at {
        Some(at) => format!(
            "Entered again after it was withdrawn ({}{}: {})",
            at.get(..10)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .map_or(at.clone(), format_uk),
            withdrawn_by.map(|n| format!(" by {n}")).unwrap_or_default(),
            withdrawn_reason.unwrap_or_default()
        ),
        None if new != old => "Replaced by entering the term's figures again".to_string(),
        None => return Ok(()),
    };
    insert_version(
        conn,
        pupil_id,
        EntryKind::Indicators,
        id,
        &old,
        &reason,
        user_id,
        now,
    )
}

/// One stored earlier version.
struct Stored {
    values: Map<String, Json>,
    mark: ChangeMark,
}

fn parse_values(text: &str) -> Map<String, Json> {
    match serde_json::from_str::<Json>(text) {
        Ok(Json::Object(m)) => m,
        _ => Map::new(),
    }
}

/// A stored value in words, for the earlier version's field `col`.
fn display(kind: EntryKind, col: &str, v: &Json) -> String {
    match v {
        Json::Null => String::new(),
        Json::String(s) => {
            let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
            match (kind, col) {
                (_, "held_on" | "occurred_on" | "completed_on") if date.is_some() => {
                    format_uk(date.expect("checked"))
                }
                (EntryKind::Session, "kind") => {
                    SessionKind::parse(s).map_or_else(|| s.clone(), |k| k.label().to_string())
                }
                (EntryKind::Chronology, "kind") => {
                    ChronologyKind::parse(s).map_or_else(|| s.clone(), |k| k.label().to_string())
                }
                (EntryKind::Score, "instrument") => {
                    Instrument::parse(s).map_or_else(|| s.clone(), |k| k.label().to_string())
                }
                _ => s.clone(),
            }
        }
        other => other.to_string(),
    }
}

/// Fills the corrections of one entry.
pub(crate) fn attach_one(
    conn: &Connection,
    pupil_id: i64,
    kind: EntryKind,
    id: i64,
    changes: &mut EntryChanges,
    show: Show,
) -> Result<()> {
    attach(conn, pupil_id, kind, std::iter::once((id, changes)), show)
}

/// Fills [`EntryChanges::corrections`], `corrected` and (with `show.earlier`) `earlier` for
/// the entries of `kind` of pupil `pupil_id`. The withdrawal is read with the row itself.
pub(crate) fn attach<'a>(
    conn: &Connection,
    pupil_id: i64,
    kind: EntryKind,
    entries: impl Iterator<Item = (i64, &'a mut EntryChanges)>,
    show: Show,
) -> Result<()> {
    let inf = info(kind);
    let mut by_record: HashMap<i64, Vec<Stored>> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT v.record_id, v.old_values, v.reason, u.name, v.changed_at
             FROM record_versions v LEFT JOIN users u ON u.id = v.changed_by
             WHERE v.pupil_id = ?1 AND v.record_table = ?2
             ORDER BY v.record_id, v.changed_at, v.id",
        )?;
        let rows = stmt.query_map(params![pupil_id, inf.table], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                ChangeMark {
                    reason: r.get(2)?,
                    by: r.get(3)?,
                    at: r.get(4)?,
                },
            ))
        })?;
        for row in rows {
            let (id, values, mark) = row?;
            by_record.entry(id).or_default().push(Stored {
                values: if show.earlier {
                    parse_values(&values)
                } else {
                    Map::new()
                },
                mark,
            });
        }
    }
    if by_record.is_empty() {
        return Ok(());
    }
    for (id, changes) in entries {
        let Some(versions) = by_record.get(&id) else {
            continue;
        };
        changes.corrections = versions.len() as u32;
        changes.corrected = versions.last().map(|v| v.mark.clone());
        if !show.earlier {
            continue;
        }
        let now_values = current(conn, kind, id)?
            .map(|(v, _)| parse_values(&v))
            .unwrap_or_default();
        let mut earlier = Vec::with_capacity(versions.len());
        for (i, v) in versions.iter().enumerate() {
            // A version kept without its values (a correction made at a previous school, whose
            // words stayed there: see transfer::handover) shows no fields, and is skipped over
            // as the next version of the one before it.
            if v.values.is_empty() {
                earlier.push(EarlierVersion {
                    replaced: v.mark.clone(),
                    fields: Vec::new(),
                });
                continue;
            }
            let next = versions[i + 1..]
                .iter()
                .find(|n| !n.values.is_empty())
                .map_or(&now_values, |n| &n.values);
            let mut fields: Vec<VersionField> = inf
                .columns
                .iter()
                // A column added since the version was kept (a session's safeguarding
                // reference) reads as empty, not as changed.
                .filter(|(c, _)| {
                    v.values.get(*c).unwrap_or(&Json::Null) != next.get(*c).unwrap_or(&Json::Null)
                })
                .map(|(c, label)| VersionField {
                    label: label.to_string(),
                    value: display(kind, c, v.values.get(*c).unwrap_or(&Json::Null)),
                })
                .collect();
            if fields.is_empty() {
                fields = inf
                    .columns
                    .iter()
                    .map(|(c, label)| VersionField {
                        label: label.to_string(),
                        value: display(kind, c, v.values.get(*c).unwrap_or(&Json::Null)),
                    })
                    .collect();
            }
            earlier.push(EarlierVersion {
                replaced: v.mark.clone(),
                fields,
            });
        }
        earlier.reverse();
        changes.earlier = earlier;
    }
    Ok(())
}
