//! The JSON file: `attune-summary/1`, documented by `assets/schema/attune-summary-v1.schema.json`.
//!
//! ```text
//! {
//!   "schema": "attune-summary/1",
//!   "checksum": "sha256:<64 hex digits>",
//!   "summary": { "kind": "school", "label": …, "source_id": …, "period": …, "terms": […],
//!                "k": 5, "generator": "Attune 0.1.0", "tables": [ … ] }
//! }
//! ```
//!
//! The checksum is the SHA-256 of the `summary` member written compactly: no whitespace,
//! members in the order the file gives them (which is the order Attune writes), strings in
//! UTF-8 with JSON's minimal escapes, numbers as the file writes them. In Python:
//! `hashlib.sha256(json.dumps(doc["summary"], separators=(",", ":"), ensure_ascii=False).encode())`.
//! It detects a file edited by hand or damaged in transit; it is not a signature (anyone can
//! recompute it), so it proves nothing about who wrote the file.

use sha2::{Digest, Sha256};

use attune_domain::lead::summary_facts::Period;

use crate::disclosure::{MAX_K, MIN_K};
use crate::error::Refusal;
use crate::model::{CellStatus, Kind, Summary, SummaryKind, SCHEMA};

#[derive(serde::Serialize)]
struct EnvelopeOut<'a> {
    schema: &'static str,
    checksum: String,
    summary: &'a Summary,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvelopeIn {
    #[allow(dead_code)]
    schema: String,
    checksum: String,
    summary: Summary,
}

/// `sha256:<hex>` of the summary written compactly.
pub fn checksum(summary: &Summary) -> String {
    let bytes = serde_json::to_vec(summary).expect("a summary always serialises");
    format!("sha256:{}", hex::encode(Sha256::digest(&bytes)))
}

/// The file's text.
pub fn to_json(summary: &Summary) -> String {
    let mut s = serde_json::to_string_pretty(&EnvelopeOut {
        schema: SCHEMA,
        checksum: checksum(summary),
        summary,
    })
    .expect("a summary always serialises");
    s.push('\n');
    s
}

fn malformed(why: impl Into<String>) -> Refusal {
    Refusal::Malformed(why.into())
}

fn text_ok(s: &str, max: usize) -> bool {
    s.chars().count() <= max && !s.chars().any(char::is_control)
}

/// Checks what serde cannot: lengths, keys, cells against their columns, numbers.
pub fn validate(s: &Summary) -> Result<(), Refusal> {
    if s.label.trim().is_empty() || !text_ok(&s.label, 200) {
        return Err(malformed(
            "its label is empty, too long or has control characters",
        ));
    }
    let p = Period::parse(&s.period).map_err(|_| malformed("its period cannot be read"))?;
    if p.label() != s.period {
        return Err(malformed(
            "its period is not written as Attune writes periods",
        ));
    }
    if s.terms.len() > 12 || !s.terms.iter().all(|t| text_ok(t, 40)) {
        return Err(malformed("its terms cannot be read"));
    }
    if !(MIN_K..=MAX_K).contains(&s.k) {
        return Err(malformed(format!(
            "its k ({}) is outside {MIN_K} to {MAX_K}",
            s.k
        )));
    }
    if !text_ok(&s.generator, 100) {
        return Err(malformed("its generator cannot be read"));
    }
    match s.kind {
        SummaryKind::School => {
            let ok = s.source_id.as_deref().is_some_and(|id| {
                id.len() == 16
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            });
            if !ok || !s.sources.is_empty() {
                return Err(malformed(
                    "its source id is missing or not 16 hexadecimal digits",
                ));
            }
        }
        SummaryKind::Merged => {
            if s.sources.len() < 2 || s.source_id.is_some() {
                return Err(malformed("a merged summary lists at least two sources"));
            }
        }
    }
    // Far above any school's figures, and small enough that a merge of a thousand schools
    // still writes exact whole numbers.
    let max_figure = match s.kind {
        SummaryKind::School => 1e12,
        SummaryKind::Merged => 1e15,
    };
    if s.tables.len() > 50 {
        return Err(malformed("it has too many tables"));
    }
    for (i, t) in s.tables.iter().enumerate() {
        let bad = |why: &str| malformed(format!("table {:?}: {why}", t.id));
        if s.tables[..i].iter().any(|o| o.id == t.id) {
            return Err(bad("appears twice"));
        }
        let strings = [&t.id, &t.title, &t.note, &t.dimension, &t.dimension_label];
        if !strings.iter().all(|x| text_ok(x, 1000))
            || !t
                .dimension_2
                .iter()
                .chain(&t.dimension_2_label)
                .all(|x| text_ok(x, 200))
            || t.dimension_2.is_some() != t.dimension_2_label.is_some()
        {
            return Err(bad("a name or note cannot be read"));
        }
        if t.columns.is_empty() || t.columns.len() > 100 || t.rows.len() > 1000 {
            return Err(bad("it has no columns, or too many columns or rows"));
        }
        for (j, c) in t.columns.iter().enumerate() {
            if t.columns[..j].iter().any(|o| o.key == c.key)
                || !text_ok(&c.key, 200)
                || !text_ok(&c.label, 200)
                || !text_ok(&c.measure, 100)
            {
                return Err(bad(
                    "a column key is repeated or a column name cannot be read",
                ));
            }
            if c.total && !(t.is_crosstab() && j + 1 == t.columns.len()) {
                return Err(bad("only a cross-tabulation's last column is a total"));
            }
            match (&c.weight, c.kind) {
                (None, Kind::Count | Kind::Sum) => {}
                (Some(w), Kind::Mean | Kind::Share) => {
                    let wc = t.columns.iter().find(|o| o.key == *w);
                    if !wc.is_some_and(|o| o.kind == Kind::Count) {
                        return Err(bad(
                            "a mean or share is weighted by a column that is not a count",
                        ));
                    }
                }
                _ => {
                    return Err(bad(
                        "a mean or share needs a weight column, a count has none",
                    ))
                }
            }
            if let Some([lo, hi]) = c.range {
                if !(lo.is_finite()
                    && hi.is_finite()
                    && lo <= hi
                    && lo.abs().max(hi.abs()) <= max_figure)
                {
                    return Err(bad("a column's range cannot be read"));
                }
            }
        }
        for (j, r) in t.rows.iter().enumerate() {
            if t.rows[..j].iter().any(|o| o.key == r.key)
                || !text_ok(&r.key, 200)
                || !text_ok(&r.label, 200)
            {
                return Err(bad("a row key is repeated or a row name cannot be read"));
            }
            if r.total && j + 1 != t.rows.len() {
                return Err(bad("only the last row is a total"));
            }
            if let Some([lo, hi]) = r.range {
                if !(lo.is_finite()
                    && hi.is_finite()
                    && lo <= hi
                    && lo.abs().max(hi.abs()) <= max_figure)
                {
                    return Err(bad("a row's range cannot be read"));
                }
            }
            if r.cells.len() != t.columns.len() {
                return Err(bad("a row does not have one cell per column"));
            }
            for (cell, c) in r.cells.iter().zip(&t.columns) {
                let num_ok = |v: Option<f64>| {
                    v.is_some_and(|v| {
                        v.is_finite()
                            && v.abs() <= max_figure
                            && (!c.kind.is_amount() || v >= 0.0)
                            && (c.kind != Kind::Count || v.fract() == 0.0)
                    })
                };
                let ok = match cell.status {
                    CellStatus::Published => {
                        num_ok(cell.value) && cell.lower.is_none() && cell.upper.is_none()
                    }
                    CellStatus::Suppressed | CellStatus::NotAvailable => {
                        cell.value.is_none() && cell.lower.is_none() && cell.upper.is_none()
                    }
                    CellStatus::Bounds => {
                        s.kind == SummaryKind::Merged
                            && cell.value.is_none()
                            && num_ok(cell.lower)
                            && (cell.upper.is_none() || num_ok(cell.upper))
                    }
                };
                if !ok {
                    return Err(bad("a cell's figure does not fit its column"));
                }
            }
        }
    }
    Ok(())
}

/// Reads a summary file: its schema version first, then its shape, then its checksum, then
/// [`validate`]. The refusal says which.
pub fn from_json(bytes: &[u8]) -> Result<Summary, Refusal> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        malformed(format!(
            "it is not JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let schema = value
        .get("schema")
        .and_then(|s| s.as_str())
        .ok_or_else(|| malformed("it has no \"schema\" naming the summary format"))?;
    if schema != SCHEMA {
        if schema.starts_with("attune-summary/") {
            return Err(Refusal::UnknownSchema {
                found: schema.chars().take(40).collect(),
                expected: SCHEMA.into(),
            });
        }
        return Err(malformed("its \"schema\" is not an Attune summary format"));
    }
    let env: EnvelopeIn = serde_json::from_value(value).map_err(|e| {
        let msg = e.to_string();
        // serde's message names the field or variant; keep it short.
        malformed(msg.chars().take(200).collect::<String>())
    })?;
    if checksum(&env.summary) != env.checksum {
        return Err(Refusal::Tampered);
    }
    validate(&env.summary)?;
    Ok(env.summary)
}
