//! Handover packs: one pupil's whole record, encrypted under a one-time passphrase, for the
//! school (or Attune vault) the pupil moves to.
//!
//! [`export_handover`] (strategic lead only, audited `handover.export`, target `pupil:ID`)
//! returns the file's bytes and a generated [`HandoverPassphrase`]; the user gives the
//! passphrase to the receiving school separately from the file (by phone, say).
//! [`import_handover`] (strategic lead only, audited `handover.import`, target the new pupil)
//! checks, decrypts and imports it as a **new pupil**, in one transaction, through the checks
//! of manual entry.
//!
//! # The file (`ATTUNE-HANDOVER/1`, integers little-endian)
//!
//! ```text
//! 18 bytes   "ATTUNE-HANDOVER/1\n"
//! u32 H      then H bytes: the header, JSON (`HandoverHeader`): format and version, the date
//!            it was made (a date only), the Argon2id parameters, salt and nonce (hex).
//!            Nothing about the pupil or the school.
//! ...        the ciphertext: XChaCha20-Poly1305 of the content JSON, its AAD every byte
//!            before it (magic, H and the exact header bytes)
//! 32 bytes   SHA-256 over every byte before it
//! ```
//!
//! - The key is Argon2id ([`attune_vault::kdf::derive`], [`KdfParams::DEFAULT`]) of the
//!   passphrase's canonical form (`XXXX-XXXX-…`, upper case). A file asking for parameters
//!   below [`KdfParams::MINIMUM`] (or absurdly above) is refused as damaged.
//! - The SHA-256 reports a damaged file (a flipped bit, a truncated copy) before any key is
//!   derived. It is not a security boundary: the AEAD tag is. A file whose checksum was
//!   recomputed after a change fails the tag, which cannot be told apart from a wrong
//!   passphrase, so it is reported as one.
//! - The passphrase: 160 random bits as 32 Crockford base32 characters in 8 groups of 4 (the
//!   recovery key's encoding), zeroised on drop, hidden from `Debug`. Typing it, case, spaces
//!   and dashes do not matter; I and L read as 1, O as 0.
//!
//! # The content (`"format": "attune-handover-content/1"`)
//!
//! The pupil's identity fields and identifiers, "about me", outside-agency advice, the team,
//! every plan (framework id, start, horizon, cadence, status) with its goals, review due
//! dates and reviews (drafts and signed, with their ratings and amendments; goals named by
//! their place in the plan, not by id), every session, the chronology, instrument scores and termly indicators. Never: the
//! audit log, another pupil, staff user ids (`recorded_by`, `created_by`, assignments, who
//! signed a review or wrote an amendment) or the key adult's name: the receiving school assigns its own key adult. The "completed by" of an
//! instrument score is text as typed and travels with it. A session, chronology event, score or
//! term's figures that was withdrawn (logged for the wrong pupil, say) does not travel; a
//! corrected one travels as corrected, with each correction's day and reason (imported as an
//! earlier version with no values, "(at the previous school)"): the words it replaced stay at
//! the sending school, since a correction is often made to take out what must not travel.
//! Supervision notes never travel, corrected, withdrawn or not: they are the key adult's
//! supervision, not the pupil's record.
//!
//! # Import rules
//!
//! - The pupil is checked as in [`crate::record::pupils::add_pupil`] (names, date of birth against
//!   `today`, year group, identifiers re-validated; an identifier already in the vault is
//!   refused as a duplicate, importing nothing). A care status or support level that is not
//!   on the receiving school's lists is dropped rather than refused (schools name them
//!   differently); the receiving school sets its own.
//! - The new pupil is active (whatever their status at the sending school); relationship dates
//!   travel.
//! - Every plan's framework must be one of `frameworks` (else refused, naming the framework
//!   id), and every goal's domain one of that framework's. Dates must be dates; the database's
//!   own checks (kinds, ranges, one active plan) refuse anything else, importing nothing.
//! - The search index follows through the tables' triggers, as for every other write.

use std::fmt;

use attune_vault::ids::{self, next_id};
use attune_vault::kdf::{self, KdfParams};
use attune_vault::{Action, ErrorKind, SecureRng, Vault};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::access;
use crate::error::{Error, Result};
use crate::model::{IdentifierInput, ListKind, Pupil, PupilInput, ReviewInput};
use crate::rules::framework::Framework;
use crate::store::{d2s, s2d};
use crate::{record::lists, record::pupils};

/// The first bytes of every handover file of this version.
pub const MAGIC: &[u8; 18] = b"ATTUNE-HANDOVER/1\n";
const MAGIC_PREFIX: &[u8] = b"ATTUNE-HANDOVER/";
pub const FORMAT_NAME: &str = "ATTUNE-HANDOVER";
pub const FORMAT_VERSION: u32 = 1;
/// The `format` of the encrypted content.
pub const CONTENT_FORMAT: &str = "attune-handover-content/1";
/// The extension Attune gives handover files.
pub const FILE_EXTENSION: &str = "attune-handover";
const MAX_HEADER_BYTES: u32 = 16 * 1024;
const SUM_BYTES: usize = 32;
const TAG_BYTES: usize = 16;
const WRONG_PASSPHRASE: &str = "That handover passphrase does not open this file.";

// ---------------------------------------------------------------------------------------
// The passphrase

/// A generated one-time handover passphrase: 8 groups of 4 Crockford base32 characters
/// (160 bits). Zeroised on drop; `Debug` shows nothing of it.
pub struct HandoverPassphrase(Zeroizing<String>);

impl HandoverPassphrase {
    /// 160 fresh random bits.
    pub fn generate(rng: &mut impl SecureRng) -> Self {
        // The recovery key's encoding: one is generated and its display form kept.
        let k = attune_vault::RecoveryKey::generate(rng);
        HandoverPassphrase(Zeroizing::new(k.display()))
    }

    /// What a person typed, in canonical form; `None` when it cannot be a handover passphrase
    /// (not 32 characters of the alphabet, ignoring case, spaces and dashes). The recovery
    /// key's reader does the work: the two are the same encoding.
    pub fn parse(text: &str) -> Option<Self> {
        let k = attune_vault::RecoveryKey::parse(text).ok()?;
        Some(HandoverPassphrase(Zeroizing::new(k.display())))
    }

    /// "ABCD-EFGH-…", to show once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for HandoverPassphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HandoverPassphrase(hidden)")
    }
}

// ---------------------------------------------------------------------------------------
// The file

/// The plain-text header: nothing about the pupil.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoverHeader {
    /// Always "ATTUNE-HANDOVER".
    pub format: String,
    pub format_version: u32,
    /// The date it was made, `YYYY-MM-DD` (a date only).
    pub created_on: String,
    pub kdf: KdfParams,
    /// Hex, 16 bytes.
    pub salt: String,
    /// Hex, 24 bytes (XChaCha20-Poly1305).
    pub nonce: String,
}

fn damaged(why: &str) -> Error {
    Error::Vault {
        kind: ErrorKind::VaultDamaged,
        message: format!(
            "The handover file is damaged or has been altered ({why}). Nothing was imported from it."
        ),
    }
}

fn wrong_passphrase(message: &str) -> Error {
    Error::Vault {
        kind: ErrorKind::WrongPassphrase,
        message: message.into(),
    }
}

fn not_a_handover() -> Error {
    Error::invalid("file", "That file is not an Attune handover pack.")
}

/// A handover file checked for layout and checksum: no key needed.
pub struct HandoverFile<'a> {
    pub header: HandoverHeader,
    /// Magic, length and header: the AAD.
    aad: &'a [u8],
    ciphertext: &'a [u8],
}

/// [`inspect`] inside a session: strategic lead only (a refusal is audited as
/// `handover.import`), since only a lead may import a pack.
pub fn inspect_in_session<'a>(
    vault: &Vault,
    bytes: &'a [u8],
    now: DateTime<Utc>,
) -> Result<HandoverFile<'a>> {
    access::require_lead(
        vault,
        Action::HandoverImport,
        None,
        "import a handover pack",
        now,
    )?;
    inspect(bytes)
}

/// Checks the magic, the layout and the SHA-256, and reads the header. A damaged file is an
/// error of kind `VaultDamaged`; a foreign file `InvalidInput`.
pub fn inspect(bytes: &[u8]) -> Result<HandoverFile<'_>> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        if bytes.starts_with(MAGIC_PREFIX) {
            return Err(Error::invalid(
                "file",
                "That handover pack was made by a newer version of Attune. Update Attune to open it.",
            ));
        }
        return Err(not_a_handover());
    }
    let min = MAGIC.len() + 4 + SUM_BYTES + TAG_BYTES;
    if bytes.len() < min {
        return Err(damaged("it is cut short"));
    }
    let (body, sum) = bytes.split_at(bytes.len() - SUM_BYTES);
    if Sha256::digest(body).as_slice() != sum {
        return Err(damaged("its checksum does not match"));
    }
    let m = MAGIC.len();
    let h = u32::from_le_bytes(body[m..m + 4].try_into().expect("4 bytes"));
    if h > MAX_HEADER_BYTES || m + 4 + h as usize + TAG_BYTES > body.len() {
        return Err(damaged("its header length is impossible"));
    }
    let end = m + 4 + h as usize;
    let header: HandoverHeader = serde_json::from_slice(&body[m + 4..end])
        .map_err(|_| damaged("its header is unreadable"))?;
    if header.format != FORMAT_NAME || header.format_version != FORMAT_VERSION {
        return Err(damaged("its header names another format"));
    }
    Ok(HandoverFile {
        header,
        aad: &body[..end],
        ciphertext: &body[end..],
    })
}

fn hex_bytes<const N: usize>(s: &str, what: &str) -> Result<[u8; N]> {
    let v = hex::decode(s).map_err(|_| damaged(what))?;
    v.try_into().map_err(|_| damaged(what))
}

fn cipher(pass: &HandoverPassphrase, salt: &[u8], params: KdfParams) -> Result<XChaCha20Poly1305> {
    let key = kdf::derive(pass.expose().as_bytes(), salt, params)?;
    Ok(XChaCha20Poly1305::new(key.as_ref().into()))
}

fn seal(
    content: &[u8],
    pass: &HandoverPassphrase,
    rng: &mut impl SecureRng,
    created_on: NaiveDate,
) -> Result<Vec<u8>> {
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    let mut nonce = [0u8; 24];
    rng.fill_bytes(&mut nonce);
    let header = HandoverHeader {
        format: FORMAT_NAME.into(),
        format_version: FORMAT_VERSION,
        created_on: d2s(created_on),
        kdf: KdfParams::DEFAULT,
        salt: hex::encode(salt),
        nonce: hex::encode(nonce),
    };
    let header_bytes = serde_json::to_vec(&header)?;
    let mut out = Vec::with_capacity(content.len() + header_bytes.len() + 128);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(header_bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(&header_bytes);
    let ct = cipher(pass, &salt, KdfParams::DEFAULT)?
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: content,
                aad: &out,
            },
        )
        .map_err(|_| Error::Vault {
            kind: ErrorKind::Internal,
            message: "Internal error: the handover pack could not be encrypted.".into(),
        })?;
    out.extend_from_slice(&ct);
    let sum = Sha256::digest(&out);
    out.extend_from_slice(&sum);
    Ok(out)
}

/// Checks and decrypts a handover file: damaged (`VaultDamaged`) before any key is derived,
/// then wrong passphrase (`WrongPassphrase`).
pub fn open_file(bytes: &[u8], passphrase_text: &str) -> Result<Zeroizing<Vec<u8>>> {
    let f = inspect(bytes)?;
    f.header
        .kdf
        .check()
        .map_err(|_| damaged("it asks for key-derivation parameters Attune does not accept"))?;
    let salt: [u8; 16] = hex_bytes(&f.header.salt, "its salt is unreadable")?;
    let nonce: [u8; 24] = hex_bytes(&f.header.nonce, "its nonce is unreadable")?;
    let pass = HandoverPassphrase::parse(passphrase_text).ok_or_else(|| {
        wrong_passphrase(
            "That is not a handover passphrase: one has 32 letters and digits in 8 groups of 4.",
        )
    })?;
    let plain = cipher(&pass, &salt, f.header.kdf)?
        .decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: f.ciphertext,
                aad: f.aad,
            },
        )
        .map_err(|_| wrong_passphrase(WRONG_PASSPHRASE))?;
    Ok(Zeroizing::new(plain))
}

// ---------------------------------------------------------------------------------------
// The content

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoverContent {
    /// Always [`CONTENT_FORMAT`].
    pub format: String,
    pub pupil: PupilPart,
    pub profile: Option<ProfilePart>,
    pub agency_advice: Vec<AdvicePart>,
    pub team: Vec<TeamPart>,
    pub plans: Vec<PlanPart>,
    pub sessions: Vec<SessionPart>,
    pub chronology: Vec<ChronologyPart>,
    pub scores: Vec<ScorePart>,
    pub indicators: Vec<IndicatorPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PupilPart {
    pub legal_forename: String,
    pub legal_surname: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: String,
    pub year_group: String,
    pub identifiers: Vec<IdentifierInput>,
    pub care_status: Option<String>,
    pub support_level: Option<String>,
    pub relationship_start: Option<String>,
    pub relationship_planned_end: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilePart {
    pub strengths_interests: String,
    pub what_helps: String,
    pub what_does_not_help: String,
    pub stressors: String,
    pub calmers: String,
    pub story: String,
    pub starting_point: String,
    pub developmental_age_notes: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvicePart {
    pub agency: String,
    pub source: String,
    pub advised_on: String,
    pub advice: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamPart {
    pub name: String,
    pub role: String,
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanPart {
    pub framework_id: String,
    pub start_date: String,
    pub horizon_end: String,
    pub cadence: String,
    pub status: String,
    pub created_at: String,
    pub closed_at: Option<String>,
    pub goals: Vec<GoalPart>,
    pub due_dates: Vec<DueDatePart>,
    /// The plan's reviews (absent from packs made before reviews existed).
    #[serde(default)]
    pub reviews: Vec<ReviewPart>,
}

/// A review of a plan. Goals are named by their index in the plan's `goals` (ids do not travel);
/// the signer and amendment authors are staff of the sending school and do not travel either.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewPart {
    pub due_date: String,
    /// "draft" or "signed".
    pub status: String,
    /// The review's record (`ReviewInput` JSON) with every `goal_id` replaced by the goal's
    /// index in the plan.
    pub content: serde_json::Value,
    pub next_review_date: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub signed_at: Option<String>,
    pub held_on: Option<String>,
    pub ratings: Vec<RatingPart>,
    pub amendments: Vec<AmendmentPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingPart {
    /// The goal's index in the plan's `goals`.
    pub goal: usize,
    pub rating: Option<i64>,
    pub decision: Option<String>,
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendmentPart {
    pub reason: String,
    pub body: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoalPart {
    pub domain_id: String,
    pub outcome: String,
    pub baseline: i64,
    pub target: i64,
    pub strategies: String,
    pub who: String,
    pub how_often: String,
    pub pp_plus_cost_pence: Option<i64>,
    pub status: String,
    pub position: i64,
    pub created_at: String,
    pub updated_at: String,
    /// The goal of an earlier plan in this pack that this one continues (carried forward at a
    /// renewal), as [plan index, goal index]; absent for a goal of its own plan, and in packs
    /// made before goals kept their lineage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<[usize; 2]>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DueDatePart {
    pub due_date: String,
    pub provisional: bool,
    pub held_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionPart {
    pub held_on: String,
    pub minutes: i64,
    pub kind: String,
    pub regulation: Option<i64>,
    pub note: String,
    /// The reference of a concern in the school's safeguarding system (migration 0023). Left
    /// out when there is none, so a pack without it reads as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safeguarding_ref: Option<String>,
    pub created_at: String,
    /// The entry's corrections at the sending school: when and why, not the words replaced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<CorrectionPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChronologyPart {
    pub occurred_on: String,
    pub kind: String,
    pub description: String,
    pub safeguarding_ref: Option<String>,
    pub created_at: String,
    /// The entry's corrections at the sending school: when and why, not the words replaced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<CorrectionPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScorePart {
    pub instrument: String,
    pub subscale: Option<String>,
    pub score: Option<i64>,
    pub stage: Option<String>,
    pub completed_on: String,
    pub completed_by: String,
    pub created_at: String,
    /// The entry's corrections at the sending school: when and why, not the words replaced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<CorrectionPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorPart {
    pub term_label: String,
    pub attendance_pct: Option<f64>,
    pub exclusion_days: Option<f64>,
    pub physical_interventions: Option<i64>,
    pub updated_at: String,
    /// The entry's corrections at the sending school: when and why, not the words replaced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<CorrectionPart>,
}

/// That an entry was corrected, when and why. The values it replaced stay at the sending school:
/// a correction is often made to take out what must not be there (another child's name, a
/// wrong detail), and the pack must not carry it on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionPart {
    pub reason: String,
    /// RFC 3339, UTC.
    pub changed_at: String,
}

/// An entry part that carries its corrections.
trait Corrected {
    fn corrections_mut(&mut self) -> &mut Vec<CorrectionPart>;
}

macro_rules! corrected {
    ($($t:ty),*) => {$(
        impl Corrected for $t {
            fn corrections_mut(&mut self) -> &mut Vec<CorrectionPart> {
                &mut self.corrections
            }
        }
    )*};
}
corrected!(SessionPart, ChronologyPart, ScorePart, IndicatorPart);

/// Each entry of `table` (with its id) given its corrections.
fn with_corrections<T: Corrected>(
    conn: &Connection,
    table: &str,
    entries: Vec<(i64, T)>,
) -> Result<Vec<T>> {
    entries
        .into_iter()
        .map(|(id, mut part)| {
            *part.corrections_mut() = corrections_of(conn, table, id)?;
            Ok(part)
        })
        .collect()
}

impl HandoverContent {
    /// Every entry's corrections.
    fn corrections(&self) -> impl Iterator<Item = &CorrectionPart> {
        self.sessions
            .iter()
            .flat_map(|x| &x.corrections)
            .chain(self.chronology.iter().flat_map(|x| &x.corrections))
            .chain(self.scores.iter().flat_map(|x| &x.corrections))
            .chain(self.indicators.iter().flat_map(|x| &x.corrections))
    }
}

/// The corrections of the entry `id` of `table`, oldest first.
fn corrections_of(conn: &Connection, table: &str, id: i64) -> Result<Vec<CorrectionPart>> {
    let mut stmt = conn.prepare_cached(
        "SELECT reason, changed_at FROM record_versions
         WHERE record_table = ?1 AND record_id = ?2 ORDER BY changed_at, id",
    )?;
    let rows = stmt.query_map(params![table, id], |r| {
        Ok(CorrectionPart {
            reason: r.get(0)?,
            changed_at: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Keeps the corrections a pack says an entry had, as earlier versions with no values (the
/// receiving school sees that, when and why it was corrected, "at the previous school").
fn insert_corrections(
    tx: &rusqlite::Transaction<'_>,
    pupil_id: i64,
    table: &str,
    record_id: i64,
    corrections: &[CorrectionPart],
) -> Result<()> {
    for c in corrections {
        let vid = next_id(tx, ids::RecordTable::RecordVersions)?;
        tx.execute(
            "INSERT INTO record_versions (id, pupil_id, record_table, record_id, old_values,
                 reason, changed_by, changed_at)
             VALUES (?1, ?2, ?3, ?4, '{}', ?5, NULL, ?6)",
            params![
                vid,
                pupil_id,
                table,
                record_id,
                format!("{} (at the previous school)", c.reason),
                c.changed_at
            ],
        )?;
    }
    Ok(())
}

fn rows<T>(
    conn: &Connection,
    sql: &str,
    id: i64,
    f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare(sql)?;
    let it = stmt.query_map([id], f)?;
    Ok(it.collect::<std::result::Result<_, _>>()?)
}

/// A plan's reviews for the pack, goal ids turned into indexes of `goal_ids`.
fn gather_reviews(conn: &Connection, plan_id: i64, goal_ids: &[i64]) -> Result<Vec<ReviewPart>> {
    let index = |id: i64| -> Result<usize> {
        goal_ids
            .iter()
            .position(|g| *g == id)
            .ok_or_else(|| damaged("a review names a goal of another plan"))
    };
    let heads = rows(
        conn,
        "SELECT id, due_date, status, content, next_review_date, created_at, updated_at,
                signed_at, held_on
         FROM reviews WHERE plan_id = ?1 ORDER BY due_date, id",
        plan_id,
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                ReviewPart {
                    due_date: r.get(1)?,
                    status: r.get(2)?,
                    content: serde_json::Value::String(r.get(3)?),
                    next_review_date: r.get(4)?,
                    created_at: r.get(5)?,
                    updated_at: r.get(6)?,
                    signed_at: r.get(7)?,
                    held_on: r.get(8)?,
                    ratings: Vec::new(),
                    amendments: Vec::new(),
                },
            ))
        },
    )?;
    let mut out = Vec::with_capacity(heads.len());
    for (review_id, mut part) in heads {
        let text = match &part.content {
            serde_json::Value::String(t) => t.clone(),
            _ => String::new(),
        };
        let mut content: ReviewInput = serde_json::from_str(&text)?;
        for g in &mut content.goals {
            g.goal_id = index(g.goal_id)? as i64;
        }
        part.content = serde_json::to_value(&content)?;
        let ratings = rows(
            conn,
            "SELECT goal_id, rating, decision, evidence FROM review_goal_ratings
             WHERE review_id = ?1 ORDER BY goal_id",
            review_id,
            |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        for (goal_id, rating, decision, evidence) in ratings {
            part.ratings.push(RatingPart {
                goal: index(goal_id)?,
                rating,
                decision,
                evidence,
            });
        }
        part.amendments = rows(
            conn,
            "SELECT reason, body, created_at FROM review_amendments WHERE review_id = ?1 ORDER BY id",
            review_id,
            |r| {
                Ok(AmendmentPart {
                    reason: r.get(0)?,
                    body: r.get(1)?,
                    created_at: r.get(2)?,
                })
            },
        )?;
        out.push(part);
    }
    Ok(out)
}

fn gather(conn: &Connection, pupil_id: i64) -> Result<HandoverContent> {
    let p = pupils::load(conn, pupil_id)?;
    let pupil = PupilPart {
        legal_forename: p.legal_forename,
        legal_surname: p.legal_surname,
        preferred_name: p.preferred_name,
        date_of_birth: d2s(p.date_of_birth),
        year_group: p.year_group,
        identifiers: p
            .identifiers
            .into_iter()
            .map(|i| IdentifierInput {
                kind: i.kind,
                value: i.value,
            })
            .collect(),
        care_status: p.care_status,
        support_level: p.support_level,
        relationship_start: p.relationship_start.map(d2s),
        relationship_planned_end: p.relationship_planned_end.map(d2s),
    };
    let profile = conn
        .query_row(
            "SELECT strengths_interests, what_helps, what_does_not_help, stressors, calmers,
                    story, starting_point, developmental_age_notes, updated_at
             FROM profiles WHERE pupil_id = ?1",
            [pupil_id],
            |r| {
                Ok(ProfilePart {
                    strengths_interests: r.get(0)?,
                    what_helps: r.get(1)?,
                    what_does_not_help: r.get(2)?,
                    stressors: r.get(3)?,
                    calmers: r.get(4)?,
                    story: r.get(5)?,
                    starting_point: r.get(6)?,
                    developmental_age_notes: r.get(7)?,
                    updated_at: r.get(8)?,
                })
            },
        )
        .optional()?;
    let agency_advice = rows(
        conn,
        "SELECT agency, source, advised_on, advice, created_at FROM agency_advice
         WHERE pupil_id = ?1 ORDER BY advised_on, id",
        pupil_id,
        |r| {
            Ok(AdvicePart {
                agency: r.get(0)?,
                source: r.get(1)?,
                advised_on: r.get(2)?,
                advice: r.get(3)?,
                created_at: r.get(4)?,
            })
        },
    )?;
    let team = rows(
        conn,
        "SELECT name, role, position FROM team_members WHERE pupil_id = ?1 ORDER BY position, id",
        pupil_id,
        |r| {
            Ok(TeamPart {
                name: r.get(0)?,
                role: r.get(1)?,
                position: r.get(2)?,
            })
        },
    )?;
    let plan_rows = rows(
        conn,
        "SELECT id, framework_id, start_date, horizon_end, cadence, status, created_at, closed_at
         FROM plans WHERE pupil_id = ?1 ORDER BY start_date, id",
        pupil_id,
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                PlanPart {
                    framework_id: r.get(1)?,
                    start_date: r.get(2)?,
                    horizon_end: r.get(3)?,
                    cadence: r.get(4)?,
                    status: r.get(5)?,
                    created_at: r.get(6)?,
                    closed_at: r.get(7)?,
                    goals: Vec::new(),
                    due_dates: Vec::new(),
                    reviews: Vec::new(),
                },
            ))
        },
    )?;
    let mut plans = Vec::with_capacity(plan_rows.len());
    let mut plan_goal_ids: Vec<Vec<i64>> = Vec::with_capacity(plan_rows.len());
    for (plan_id, mut plan) in plan_rows {
        let goal_ids: Vec<i64> = rows(
            conn,
            "SELECT id FROM goals WHERE plan_id = ?1 ORDER BY position, id",
            plan_id,
            |r| r.get(0),
        )?;
        plan.goals = rows(
            conn,
            "SELECT domain_id, outcome, baseline, target, strategies, who, how_often,
                    pp_plus_cost_pence, status, position, created_at, updated_at
             FROM goals WHERE plan_id = ?1 ORDER BY position, id",
            plan_id,
            |r| {
                Ok(GoalPart {
                    domain_id: r.get(0)?,
                    outcome: r.get(1)?,
                    baseline: r.get(2)?,
                    target: r.get(3)?,
                    strategies: r.get(4)?,
                    who: r.get(5)?,
                    how_often: r.get(6)?,
                    pp_plus_cost_pence: r.get(7)?,
                    status: r.get(8)?,
                    position: r.get(9)?,
                    created_at: r.get(10)?,
                    updated_at: r.get(11)?,
                    carried_from: None,
                })
            },
        )?;
        plan.due_dates = rows(
            conn,
            "SELECT due_date, provisional, held_at FROM review_due_dates
             WHERE plan_id = ?1 ORDER BY due_date",
            plan_id,
            |r| {
                Ok(DueDatePart {
                    due_date: r.get(0)?,
                    provisional: r.get::<_, i64>(1)? != 0,
                    held_at: r.get(2)?,
                })
            },
        )?;
        plan.reviews = gather_reviews(conn, plan_id, &goal_ids)?;
        plans.push(plan);
        plan_goal_ids.push(goal_ids);
    }
    // Each goal carried forward names the goal it continues by its place in the pack.
    for (pi, ids) in plan_goal_ids.iter().enumerate() {
        for (gi, goal_id) in ids.iter().enumerate() {
            let from: Option<i64> = conn.query_row(
                "SELECT carried_from FROM goals WHERE id = ?1",
                [goal_id],
                |r| r.get(0),
            )?;
            let place = from.and_then(|f| {
                plan_goal_ids[..pi]
                    .iter()
                    .enumerate()
                    .find_map(|(a, earlier)| earlier.iter().position(|x| *x == f).map(|b| [a, b]))
            });
            plans[pi].goals[gi].carried_from = place;
        }
    }
    let sessions = rows(
        conn,
        "SELECT held_on, minutes, kind, regulation, note, safeguarding_ref, created_at, id
         FROM sessions
         WHERE pupil_id = ?1 AND withdrawn_at IS NULL ORDER BY held_on, id",
        pupil_id,
        |r| {
            Ok((
                r.get::<_, i64>(7)?,
                SessionPart {
                    held_on: r.get(0)?,
                    minutes: r.get(1)?,
                    kind: r.get(2)?,
                    regulation: r.get(3)?,
                    note: r.get(4)?,
                    safeguarding_ref: r.get(5)?,
                    created_at: r.get(6)?,
                    corrections: Vec::new(),
                },
            ))
        },
    )?;
    let sessions = with_corrections(conn, "sessions", sessions)?;
    let chronology = rows(
        conn,
        "SELECT occurred_on, kind, description, safeguarding_ref, created_at, id FROM chronology
         WHERE pupil_id = ?1 AND withdrawn_at IS NULL ORDER BY occurred_on, id",
        pupil_id,
        |r| {
            Ok((
                r.get::<_, i64>(5)?,
                ChronologyPart {
                    occurred_on: r.get(0)?,
                    kind: r.get(1)?,
                    description: r.get(2)?,
                    safeguarding_ref: r.get(3)?,
                    created_at: r.get(4)?,
                    corrections: Vec::new(),
                },
            ))
        },
    )?;
    let chronology = with_corrections(conn, "chronology", chronology)?;
    let scores = rows(
        conn,
        "SELECT instrument, subscale, score, stage, completed_on, completed_by, created_at, id
         FROM instrument_scores WHERE pupil_id = ?1 AND withdrawn_at IS NULL ORDER BY completed_on, id",
        pupil_id,
        |r| {
            Ok((
                r.get::<_, i64>(7)?,
                ScorePart {
                    instrument: r.get(0)?,
                    subscale: r.get(1)?,
                    score: r.get(2)?,
                    stage: r.get(3)?,
                    completed_on: r.get(4)?,
                    completed_by: r.get(5)?,
                    created_at: r.get(6)?,
                    corrections: Vec::new(),
                },
            ))
        },
    )?;
    let scores = with_corrections(conn, "instrument_scores", scores)?;
    let indicators = rows(
        conn,
        "SELECT term_label, attendance_pct, exclusion_days, physical_interventions, updated_at, id
         FROM termly_indicators WHERE pupil_id = ?1 AND withdrawn_at IS NULL ORDER BY term_label",
        pupil_id,
        |r| {
            Ok((
                r.get::<_, i64>(5)?,
                IndicatorPart {
                    term_label: r.get(0)?,
                    attendance_pct: r.get(1)?,
                    exclusion_days: r.get(2)?,
                    physical_interventions: r.get(3)?,
                    updated_at: r.get(4)?,
                    corrections: Vec::new(),
                },
            ))
        },
    )?;
    let indicators = with_corrections(conn, "termly_indicators", indicators)?;
    Ok(HandoverContent {
        format: CONTENT_FORMAT.into(),
        pupil,
        profile,
        agency_advice,
        team,
        plans,
        sessions,
        chronology,
        scores,
        indicators,
    })
}

// ---------------------------------------------------------------------------------------
// Export and import

/// The handover pack of pupil `pupil_id` (strategic lead only; audited `handover.export`):
/// the file's bytes and the one-time passphrase that opens it. `frameworks` is accepted for
/// symmetry with the import (the pack carries framework ids, not their text).
pub fn export_handover(
    vault: &Vault,
    pupil_id: i64,
    frameworks: &[Framework],
    rng: &mut impl SecureRng,
    now: DateTime<Utc>,
) -> Result<(Vec<u8>, HandoverPassphrase)> {
    let _ = frameworks;
    let target = access::target(pupil_id, None);
    let user = access::require_lead(
        vault,
        Action::HandoverExport,
        Some(&target),
        "export a handover pack",
        now,
    )?;
    access::require_pupil(vault, pupil_id, Action::HandoverExport, now)?;
    let conn = vault.conn()?;
    let content = gather(conn, pupil_id)?;
    let json = Zeroizing::new(serde_json::to_vec(&content)?);
    drop(content);
    let pass = HandoverPassphrase::generate(rng);
    let bytes = seal(&json, &pass, rng, now.date_naive())?;
    access::record(conn, &user, Action::HandoverExport, Some(&target), now)?;
    Ok((bytes, pass))
}

pub(crate) fn date(field: &str, s: &str) -> Result<NaiveDate> {
    s2d(s).map_err(|_| {
        Error::invalid(
            field,
            format!("The handover pack holds an unreadable {field}."),
        )
    })
}

fn opt_date(field: &str, s: Option<&str>) -> Result<Option<NaiveDate>> {
    s.map(|s| date(field, s)).transpose()
}

/// A care status or support level the receiving school's lists know, else none.
pub(crate) fn on_list(
    conn: &Connection,
    list: ListKind,
    field: &str,
    v: Option<&str>,
) -> Option<String> {
    // A retired item is kept: it is the sending school's history, not a new choice.
    lists::canonical(conn, list, field, v, v.map(str::trim))
        .ok()
        .flatten()
}

fn check_content(c: &HandoverContent, frameworks: &[Framework]) -> Result<()> {
    if c.format != CONTENT_FORMAT {
        return Err(Error::invalid(
            "file",
            "That handover pack holds content of a format this version of Attune does not know.",
        ));
    }
    check_texts(c)?;
    for plan in &c.plans {
        let fw = frameworks
            .iter()
            .find(|f| f.id == plan.framework_id)
            .ok_or_else(|| {
                Error::invalid(
                    "framework_id",
                    format!(
                        "The handover pack has a plan using the framework \"{}\", which this vault does not have. Add that framework first, then import again.",
                        plan.framework_id
                    ),
                )
            })?;
        if crate::planning::due::cadence_from_str(&plan.cadence).is_none() {
            return Err(Error::invalid(
                "cadence",
                "The handover pack holds a plan with an unknown review cadence.",
            ));
        }
        if date("start_date", &plan.start_date)? >= date("horizon_end", &plan.horizon_end)? {
            return Err(Error::invalid(
                "horizon_end",
                "The handover pack holds a plan whose horizon ends before it starts.",
            ));
        }
        for g in &plan.goals {
            if !fw.domains.iter().any(|d| d.id == g.domain_id) {
                return Err(Error::invalid(
                    "domain_id",
                    format!(
                        "The handover pack has a goal in a domain the framework \"{}\" of this vault does not have.",
                        plan.framework_id
                    ),
                ));
            }
        }
        for d in &plan.due_dates {
            date("due_date", &d.due_date)?;
        }
        for r in &plan.reviews {
            date("due_date", &r.due_date)?;
            opt_date("held_on", r.held_on.as_deref())?;
            opt_date("next_review_date", r.next_review_date.as_deref())?;
            if r.status != "draft" && r.status != "signed" {
                return Err(damaged("a review has an unknown status"));
            }
            let content: ReviewInput = serde_json::from_value(r.content.clone())
                .map_err(|_| damaged("a review is unreadable"))?;
            let n = plan.goals.len();
            if content
                .goals
                .iter()
                .any(|g| g.goal_id < 0 || g.goal_id as usize >= n)
                || r.ratings.iter().any(|x| x.goal >= n)
            {
                return Err(damaged("a review names a goal the plan does not have"));
            }
        }
    }
    for a in &c.agency_advice {
        date("advised_on", &a.advised_on)?;
    }
    for s in &c.sessions {
        date("held_on", &s.held_on)?;
    }
    for e in &c.chronology {
        date("occurred_on", &e.occurred_on)?;
    }
    for s in &c.scores {
        date("completed_on", &s.completed_on)?;
    }
    for k in c.corrections() {
        if chrono::DateTime::parse_from_rfc3339(&k.changed_at).is_err() {
            return Err(damaged("a correction has no readable date"));
        }
    }
    Ok(())
}

/// A handover pack decrypted and checked ([`open_pack`]): what [`import_opened`] imports as a
/// new pupil and [`super::handover_merge`] adds to a pupil already held. Its free text is
/// overwritten when it is dropped.
pub struct OpenedPack {
    pub(crate) content: HandoverContent,
}

impl fmt::Debug for OpenedPack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OpenedPack(hidden)")
    }
}

impl Drop for OpenedPack {
    fn drop(&mut self) {
        wipe(&mut self.content);
    }
}

impl OpenedPack {
    /// The pupil's identifiers in the pack (UPN, Scottish Candidate Number, local id).
    pub fn identifiers(&self) -> &[IdentifierInput] {
        &self.content.pupil.identifiers
    }
}

/// Checks, decrypts and checks the content of a handover pack (strategic lead only; a
/// refusal or a file that does not open is audited as `handover.import`). Writes nothing.
pub fn open_pack(
    vault: &Vault,
    bytes: &[u8],
    passphrase_text: &str,
    frameworks: &[Framework],
    now: DateTime<Utc>,
) -> Result<OpenedPack> {
    access::require_lead(
        vault,
        Action::HandoverImport,
        None,
        "import a handover pack",
        now,
    )?;
    let plain = match open_file(bytes, passphrase_text) {
        Ok(p) => p,
        Err(e) => {
            let _ = vault.audit(Action::HandoverImport, None, "failed", now);
            return Err(e);
        }
    };
    let content: HandoverContent =
        serde_json::from_slice(&plain).map_err(|_| damaged("its content is unreadable"))?;
    drop(plain);
    let pack = OpenedPack { content };
    check_content(&pack.content, frameworks)?;
    Ok(pack)
}

/// Imports a handover pack as a new pupil (strategic lead only; audited `handover.import`,
/// target the new pupil), assigning `key_adult_id` (a current user's id) from `today` if given.
/// Nothing is imported from a damaged file (`VaultDamaged`), with a wrong passphrase
/// (`WrongPassphrase`), or when any check fails.
pub fn import_handover(
    vault: &mut Vault,
    bytes: &[u8],
    passphrase_text: &str,
    key_adult_id: Option<&str>,
    frameworks: &[Framework],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Pupil> {
    let pack = open_pack(vault, bytes, passphrase_text, frameworks, now)?;
    import_opened(vault, &pack, key_adult_id, today, now)
}

/// [`import_handover`] of a pack already opened. A pupil already held under one of the pack's
/// identifiers is refused as a duplicate, naming the held record so that the lead can add the
/// pack to it instead ([`super::handover_merge::merge_handover`]).
pub fn import_opened(
    vault: &mut Vault,
    pack: &OpenedPack,
    key_adult_id: Option<&str>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Pupil> {
    let user = access::require_lead(
        vault,
        Action::HandoverImport,
        None,
        "import a handover pack",
        now,
    )?;
    let content = &pack.content;
    let conn = vault.conn()?;
    if let Some(k) = key_adult_id {
        let active: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1 AND removed_at IS NULL)",
            [k],
            |r| r.get(0),
        )?;
        if !active {
            return Err(Error::invalid(
                "key_adult_id",
                "Choose a current member of staff as the key adult.",
            ));
        }
    }
    let p = &content.pupil;
    let input = PupilInput {
        legal_forename: p.legal_forename.clone(),
        legal_surname: p.legal_surname.clone(),
        preferred_name: p.preferred_name.clone(),
        date_of_birth: date("date_of_birth", &p.date_of_birth)?,
        year_group: p.year_group.clone(),
        identifiers: p.identifiers.clone(),
        care_status: on_list(
            conn,
            ListKind::CareStatus,
            "care_status",
            p.care_status.as_deref(),
        ),
        support_level: on_list(
            conn,
            ListKind::SupportLevel,
            "support_level",
            p.support_level.as_deref(),
        ),
        relationship_start: opt_date("relationship_start", p.relationship_start.as_deref())?,
        relationship_planned_end: opt_date(
            "relationship_planned_end",
            p.relationship_planned_end.as_deref(),
        )?,
    };
    let checked = pupils::check_new(conn, &input, today)?;
    if let Some(held) = super::handover_merge::held_match(conn, pack)? {
        return Err(Error::Duplicate(format!(
            "This pupil is already in Attune: record {held} has the pack's {}. Nothing was imported. Add the pack to record {held} instead of importing a new pupil.",
            super::handover_merge::matched_kind(conn, pack, held)?.label()
        )));
    }
    pupils::check_identifiers_free(conn, &checked.identifiers, None)?;

    let tx = vault.conn_mut()?.transaction()?;
    let id = pupils::insert(&tx, &checked, now)?;
    if let Some(pr) = &content.profile {
        insert_profile(&tx, id, pr)?;
    }
    for a in &content.agency_advice {
        insert_advice(&tx, id, a)?;
    }
    for t in &content.team {
        insert_team_member(&tx, id, t, t.position)?;
    }
    let mut goal_ids = Vec::with_capacity(content.plans.len());
    for plan in &content.plans {
        goal_ids.push(Some(insert_plan(&tx, id, plan, None)?));
    }
    link_carried_goals(&tx, &content.plans, &goal_ids)?;
    for s in &content.sessions {
        insert_session(&tx, id, s)?;
    }
    for e in &content.chronology {
        insert_chronology(&tx, id, e)?;
    }
    for s in &content.scores {
        insert_score(&tx, id, s)?;
    }
    for i in &content.indicators {
        insert_indicators(&tx, id, i)?;
    }
    if let Some(k) = key_adult_id {
        pupils::set_assignment(&tx, id, Some(k), today, &user)?;
    }
    let target = access::target(id, None);
    access::record(&tx, &user, Action::HandoverImport, Some(&target), now)?;
    let pupil = pupils::load(&tx, id)?;
    tx.commit()?;
    Ok(pupil)
}

// The rows of a pack, written for pupil `id` as the import writes them: with no staff user
// ids (`recorded_by`, `created_by`, `updated_by` stay empty), the mark of content from the
// sending school, and the pack's own timestamps.

pub(crate) fn insert_profile(
    tx: &rusqlite::Transaction<'_>,
    id: i64,
    pr: &ProfilePart,
) -> Result<()> {
    tx.execute(
        "INSERT INTO profiles (pupil_id, strengths_interests, what_helps, what_does_not_help,
             stressors, calmers, story, starting_point, developmental_age_notes, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            id,
            pr.strengths_interests,
            pr.what_helps,
            pr.what_does_not_help,
            pr.stressors,
            pr.calmers,
            pr.story,
            pr.starting_point,
            pr.developmental_age_notes,
            pr.updated_at
        ],
    )?;
    Ok(())
}

pub(crate) fn insert_advice(tx: &rusqlite::Transaction<'_>, id: i64, a: &AdvicePart) -> Result<()> {
    let advice_id = next_id(tx, ids::RecordTable::AgencyAdvice)?;
    tx.execute(
        "INSERT INTO agency_advice (id, pupil_id, agency, source, advised_on, advice, created_at)
         VALUES (?7, ?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id,
            a.agency,
            a.source,
            a.advised_on,
            a.advice,
            a.created_at,
            advice_id
        ],
    )?;
    Ok(())
}

pub(crate) fn insert_team_member(
    tx: &rusqlite::Transaction<'_>,
    id: i64,
    t: &TeamPart,
    position: i64,
) -> Result<()> {
    let member_id = next_id(tx, ids::RecordTable::TeamMembers)?;
    tx.execute(
        "INSERT INTO team_members (id, pupil_id, name, role, position)
         VALUES (?5, ?1, ?2, ?3, ?4)",
        params![id, t.name, t.role, position, member_id],
    )?;
    Ok(())
}

/// Links each imported goal to the goal it continues (a goal carried forward at a renewal), by
/// its place in the pack; `goal_ids[i]` holds plan `i`'s new goal ids, or `None` for a plan not
/// written (a merge that already held it). A place that is not an earlier plan's goal is not
/// followed: the goal keeps its own history.
pub(crate) fn link_carried_goals(
    tx: &rusqlite::Transaction<'_>,
    plans: &[PlanPart],
    goal_ids: &[Option<Vec<i64>>],
) -> Result<()> {
    for (pi, plan) in plans.iter().enumerate() {
        let Some(Some(ids)) = goal_ids.get(pi) else {
            continue;
        };
        for (gi, g) in plan.goals.iter().enumerate() {
            let Some([a, b]) = g.carried_from else {
                continue;
            };
            if a >= pi {
                continue;
            }
            if let (Some(Some(earlier)), Some(goal)) = (goal_ids.get(a), ids.get(gi)) {
                if let Some(from) = earlier.get(b) {
                    tx.execute(
                        "UPDATE goals SET carried_from = ?1 WHERE id = ?2",
                        params![from, goal],
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// One plan with its goals, due dates and reviews; `closed_at`, when given, writes an active
/// plan of the pack as closed then (a merge into a pupil who has a current plan of their own).
pub(crate) fn insert_plan(
    tx: &rusqlite::Transaction<'_>,
    id: i64,
    plan: &PlanPart,
    closed_at: Option<&str>,
) -> Result<Vec<i64>> {
    let (status, closed) = match closed_at {
        Some(at) if plan.status == "active" => ("closed", Some(at)),
        _ => (plan.status.as_str(), plan.closed_at.as_deref()),
    };
    let plan_id = next_id(tx, ids::RecordTable::Plans)?;
    tx.execute(
        "INSERT INTO plans (id, pupil_id, framework_id, start_date, horizon_end, cadence,
             status, created_at, closed_at)
         VALUES (?9, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            plan.framework_id,
            plan.start_date,
            plan.horizon_end,
            plan.cadence,
            status,
            plan.created_at,
            closed,
            plan_id
        ],
    )?;
    let mut goal_ids = Vec::with_capacity(plan.goals.len());
    for g in &plan.goals {
        let goal_id = next_id(tx, ids::RecordTable::Goals)?;
        tx.execute(
            "INSERT INTO goals (id, plan_id, domain_id, outcome, baseline, target, strategies,
                 who, how_often, pp_plus_cost_pence, status, position, created_at, updated_at)
             VALUES (?14, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                plan_id,
                g.domain_id,
                g.outcome,
                g.baseline,
                g.target,
                g.strategies,
                g.who,
                g.how_often,
                g.pp_plus_cost_pence,
                g.status,
                g.position,
                g.created_at,
                g.updated_at,
                goal_id
            ],
        )?;
        goal_ids.push(goal_id);
    }
    for d in &plan.due_dates {
        tx.execute(
            "INSERT INTO review_due_dates (plan_id, due_date, provisional, held_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![plan_id, d.due_date, i64::from(d.provisional), d.held_at],
        )?;
    }
    for r in &plan.reviews {
        import_review(tx, plan_id, &goal_ids, r)?;
    }
    Ok(goal_ids)
}

pub(crate) fn insert_session(
    tx: &rusqlite::Transaction<'_>,
    id: i64,
    s: &SessionPart,
) -> Result<()> {
    let session_id = next_id(tx, ids::RecordTable::Sessions)?;
    tx.execute(
        "INSERT INTO sessions (id, pupil_id, held_on, minutes, kind, regulation, note,
             created_at, safeguarding_ref)
         VALUES (?8, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9)",
        params![
            id,
            s.held_on,
            s.minutes,
            s.kind,
            s.regulation,
            s.note,
            s.created_at,
            session_id,
            s.safeguarding_ref
        ],
    )?;
    insert_corrections(tx, id, "sessions", session_id, &s.corrections)
}

pub(crate) fn insert_chronology(
    tx: &rusqlite::Transaction<'_>,
    id: i64,
    e: &ChronologyPart,
) -> Result<()> {
    let event_id = next_id(tx, ids::RecordTable::Chronology)?;
    tx.execute(
        "INSERT INTO chronology (id, pupil_id, occurred_on, kind, description,
             safeguarding_ref, created_at)
         VALUES (?7, ?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id,
            e.occurred_on,
            e.kind,
            e.description,
            e.safeguarding_ref,
            e.created_at,
            event_id
        ],
    )?;
    insert_corrections(tx, id, "chronology", event_id, &e.corrections)
}

pub(crate) fn insert_score(tx: &rusqlite::Transaction<'_>, id: i64, s: &ScorePart) -> Result<()> {
    let score_id = next_id(tx, ids::RecordTable::InstrumentScores)?;
    tx.execute(
        "INSERT INTO instrument_scores (id, pupil_id, instrument, subscale, score, stage,
             completed_on, completed_by, created_at)
         VALUES (?9, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            s.instrument,
            s.subscale,
            s.score,
            s.stage,
            s.completed_on,
            s.completed_by,
            s.created_at,
            score_id
        ],
    )?;
    insert_corrections(tx, id, "instrument_scores", score_id, &s.corrections)
}

pub(crate) fn insert_indicators(
    tx: &rusqlite::Transaction<'_>,
    id: i64,
    i: &IndicatorPart,
) -> Result<()> {
    let indicators_id = next_id(tx, ids::RecordTable::TermlyIndicators)?;
    tx.execute(
        "INSERT INTO termly_indicators (id, pupil_id, term_label, attendance_pct,
             exclusion_days, physical_interventions, updated_at)
         VALUES (?7, ?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id,
            i.term_label,
            i.attendance_pct,
            i.exclusion_days,
            i.physical_interventions,
            i.updated_at,
            indicators_id
        ],
    )?;
    insert_corrections(tx, id, "termly_indicators", indicators_id, &i.corrections)
}

/// The free text of a pack meets the limits typing meets (length, and no control characters
/// but line breaks and tabs in text that may have them): a pack is another school's file,
/// and what is refused at the keyboard is refused from a file. The pupil's own fields are
/// checked as a new pupil's are ([`pupils::check_new`]).
fn check_texts(c: &HandoverContent) -> Result<()> {
    use crate::{planning::plans, planning::reviews, record::profile, record::records, store};
    // (field, what, value, max, multiline)
    let mut fields: Vec<(&str, &str, &str, usize, bool)> = Vec::new();
    if let Some(p) = &c.profile {
        for v in [
            &p.strengths_interests,
            &p.what_helps,
            &p.what_does_not_help,
            &p.stressors,
            &p.calmers,
            &p.story,
            &p.starting_point,
            &p.developmental_age_notes,
        ] {
            fields.push((
                "profile",
                "the profile",
                v,
                profile::MAX_PROFILE_FIELD_CHARS,
                true,
            ));
        }
    }
    for a in &c.agency_advice {
        fields.push(("agency", "the agency", &a.agency, 200, false));
        fields.push(("source", "who gave the advice", &a.source, 200, false));
        fields.push((
            "advice",
            "the advice",
            &a.advice,
            profile::MAX_PROFILE_FIELD_CHARS,
            true,
        ));
    }
    for t in &c.team {
        fields.push(("team.name", "a team member's name", &t.name, 80, false));
        fields.push(("team.role", "a team member's role", &t.role, 80, false));
    }
    for plan in &c.plans {
        for g in &plan.goals {
            fields.push((
                "outcome",
                "a goal's outcome",
                &g.outcome,
                plans::MAX_OUTCOME_CHARS,
                true,
            ));
            fields.push((
                "strategies",
                "a goal's strategies",
                &g.strategies,
                2000,
                true,
            ));
            fields.push(("who", "who does what", &g.who, 200, true));
            fields.push(("how_often", "how often", &g.how_often, 200, false));
        }
        for r in &plan.reviews {
            for x in &r.ratings {
                fields.push((
                    "evidence",
                    "a review's evidence",
                    &x.evidence,
                    reviews::MAX_EVIDENCE_CHARS,
                    true,
                ));
            }
            for a in &r.amendments {
                fields.push((
                    "reason",
                    "an amendment's reason",
                    &a.reason,
                    reviews::MAX_REASON_CHARS,
                    true,
                ));
                fields.push((
                    "text",
                    "an amendment",
                    &a.body,
                    reviews::MAX_REVIEW_TEXT_CHARS,
                    true,
                ));
            }
        }
    }
    for s in &c.sessions {
        fields.push((
            "note",
            "a session's note",
            &s.note,
            records::MAX_NOTE_CHARS,
            true,
        ));
        if let Some(r) = &s.safeguarding_ref {
            fields.push((
                "safeguarding_ref",
                "a safeguarding reference",
                r,
                records::MAX_SAFEGUARDING_REF_CHARS,
                false,
            ));
        }
    }
    for e in &c.chronology {
        fields.push((
            "description",
            "what happened",
            &e.description,
            records::MAX_DESCRIPTION_CHARS,
            true,
        ));
        if let Some(r) = &e.safeguarding_ref {
            fields.push((
                "safeguarding_ref",
                "a safeguarding reference",
                r,
                records::MAX_SAFEGUARDING_REF_CHARS,
                false,
            ));
        }
    }
    for s in &c.scores {
        fields.push((
            "completed_by",
            "who completed a score",
            &s.completed_by,
            80,
            false,
        ));
    }
    for i in &c.indicators {
        fields.push(("term_label", "a term's name", &i.term_label, 200, false));
    }
    for k in c.corrections() {
        fields.push((
            "reason",
            "the reason for a correction",
            &k.reason,
            crate::record::corrections::MAX_REASON_CHARS,
            true,
        ));
    }
    for (field, what, value, max, multiline) in fields {
        store::text(field, what, value, max, false, multiline).map_err(|e| in_pack(&e))?;
    }
    for plan in &c.plans {
        for r in &plan.reviews {
            let content: ReviewInput = serde_json::from_value(r.content.clone())
                .map_err(|_| damaged("a review is unreadable"))?;
            let mut texts: Vec<(&str, usize, bool)> = vec![
                (&content.pupil_voice, reviews::MAX_REVIEW_TEXT_CHARS, true),
                (
                    &content.parent_carer_voice,
                    reviews::MAX_REVIEW_TEXT_CHARS,
                    true,
                ),
                (&content.working_well, reviews::MAX_REVIEW_TEXT_CHARS, true),
                (&content.worried_about, reviews::MAX_REVIEW_TEXT_CHARS, true),
                (
                    &content.needs_to_happen,
                    reviews::MAX_REVIEW_TEXT_CHARS,
                    true,
                ),
                (&content.next_steps, reviews::MAX_REVIEW_TEXT_CHARS, true),
            ];
            for a in &content.attendees {
                texts.push((&a.name, 100, false));
                texts.push((&a.role, 100, false));
            }
            for g in &content.goals {
                texts.push((&g.evidence, reviews::MAX_EVIDENCE_CHARS, true));
            }
            for (value, max, multiline) in texts {
                store::text("review", "a review's text", value, max, false, multiline)
                    .map_err(|e| in_pack(&e))?;
            }
        }
    }
    Ok(())
}

/// A text check's refusal, said of the pack rather than of a form.
fn in_pack(e: &Error) -> Error {
    Error::invalid(
        "file",
        format!("That handover pack cannot be imported: {e} Nothing was imported."),
    )
}

/// Writes one review of an imported plan: as a draft first (the triggers refuse ratings for a
/// signed review), its ratings and amendments, then its own status.
fn import_review(
    tx: &rusqlite::Transaction<'_>,
    plan_id: i64,
    goal_ids: &[i64],
    r: &ReviewPart,
) -> Result<()> {
    let mut content: ReviewInput =
        serde_json::from_value(r.content.clone()).map_err(|_| damaged("a review is unreadable"))?;
    for g in &mut content.goals {
        g.goal_id = goal_ids[g.goal_id as usize];
    }
    let review_id = next_id(tx, ids::RecordTable::Reviews)?;
    tx.execute(
        "INSERT INTO reviews (id, plan_id, due_date, status, content, next_review_date,
             created_at, updated_at)
         VALUES (?7, ?1, ?2, 'draft', ?3, ?4, ?5, ?6)",
        params![
            plan_id,
            r.due_date,
            serde_json::to_string(&content)?,
            r.next_review_date,
            r.created_at,
            r.updated_at,
            review_id
        ],
    )?;
    for x in &r.ratings {
        tx.execute(
            "INSERT INTO review_goal_ratings (review_id, goal_id, rating, decision, evidence)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                review_id,
                goal_ids[x.goal],
                x.rating,
                x.decision,
                x.evidence
            ],
        )?;
    }
    for a in &r.amendments {
        let amendment_id = next_id(tx, ids::RecordTable::ReviewAmendments)?;
        tx.execute(
            "INSERT INTO review_amendments (id, review_id, reason, body, created_at)
             VALUES (?5, ?1, ?2, ?3, ?4)",
            params![review_id, a.reason, a.body, a.created_at, amendment_id],
        )?;
    }
    if r.status == "signed" {
        tx.execute(
            "UPDATE reviews SET status = 'signed', signed_at = ?2, held_on = ?3 WHERE id = ?1",
            params![review_id, r.signed_at, r.held_on],
        )?;
    }
    Ok(())
}

/// Overwrites the free text of decrypted content before it is dropped.
fn wipe(c: &mut HandoverContent) {
    c.pupil.legal_forename.zeroize();
    c.pupil.legal_surname.zeroize();
    for s in &mut c.sessions {
        s.note.zeroize();
    }
    for e in &mut c.chronology {
        e.description.zeroize();
    }
    let entries = (c.sessions.iter_mut().map(|x| x as &mut dyn Corrected))
        .chain(c.chronology.iter_mut().map(|x| x as &mut dyn Corrected))
        .chain(c.scores.iter_mut().map(|x| x as &mut dyn Corrected))
        .chain(c.indicators.iter_mut().map(|x| x as &mut dyn Corrected));
    for e in entries {
        for k in e.corrections_mut() {
            k.reason.zeroize();
        }
    }
}
