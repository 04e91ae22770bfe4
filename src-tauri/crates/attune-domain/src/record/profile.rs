//! A pupil's profile ("about me"), outside-agency advice and TouchBase team.

use attune_vault::ids::{self, next_id};
use attune_vault::{Action, Vault};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::access::{self, RecordTable};
use crate::error::{Error, Result};
use crate::model::{
    AgencyAdvice, AgencyAdviceInput, AgencyKind, Profile, TeamMember, TeamMemberInput,
};
use crate::store::{self, d2s, get_date, get_enum, ts};

/// The longest profile field, in characters.
pub const MAX_PROFILE_FIELD_CHARS: usize = 4000;
/// The largest TouchBase team.
pub const MAX_TEAM: usize = 12;

pub(crate) fn load_profile(conn: &Connection, pupil_id: i64) -> Result<Profile> {
    Ok(conn
        .query_row(
            "SELECT strengths_interests, what_helps, what_does_not_help, stressors, calmers,
                    story, starting_point, developmental_age_notes
             FROM profiles WHERE pupil_id = ?1",
            [pupil_id],
            |r| {
                Ok(Profile {
                    strengths_interests: r.get(0)?,
                    what_helps: r.get(1)?,
                    what_does_not_help: r.get(2)?,
                    stressors: r.get(3)?,
                    calmers: r.get(4)?,
                    story: r.get(5)?,
                    starting_point: r.get(6)?,
                    developmental_age_notes: r.get(7)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

/// Saves the whole profile (the pupil's key adult or a strategic lead). Audited as
/// `profile.update`.
pub fn save_profile(
    vault: &mut Vault,
    pupil_id: i64,
    profile: &Profile,
    now: DateTime<Utc>,
) -> Result<()> {
    let user = access::require_pupil(vault, pupil_id, Action::ProfileUpdate, now)?;
    let f = |field: &str, what: &str, v: &str| {
        store::text(field, what, v, MAX_PROFILE_FIELD_CHARS, false, true)
    };
    let p = Profile {
        strengths_interests: f(
            "strengths_interests",
            "strengths and interests",
            &profile.strengths_interests,
        )?,
        what_helps: f("what_helps", "what helps", &profile.what_helps)?,
        what_does_not_help: f(
            "what_does_not_help",
            "what does not help",
            &profile.what_does_not_help,
        )?,
        stressors: f("stressors", "stressors", &profile.stressors)?,
        calmers: f("calmers", "calmers", &profile.calmers)?,
        story: f("story", "the pupil's story", &profile.story)?,
        starting_point: f(
            "starting_point",
            "the starting point",
            &profile.starting_point,
        )?,
        developmental_age_notes: f(
            "developmental_age_notes",
            "the developmental age notes",
            &profile.developmental_age_notes,
        )?,
    };
    let tx = vault.conn_mut()?.transaction()?;
    tx.execute(
        "INSERT INTO profiles (pupil_id, strengths_interests, what_helps, what_does_not_help,
             stressors, calmers, story, starting_point, developmental_age_notes, updated_at, updated_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (pupil_id) DO UPDATE SET
             strengths_interests = excluded.strengths_interests, what_helps = excluded.what_helps,
             what_does_not_help = excluded.what_does_not_help, stressors = excluded.stressors,
             calmers = excluded.calmers, story = excluded.story,
             starting_point = excluded.starting_point,
             developmental_age_notes = excluded.developmental_age_notes,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        params![
            pupil_id,
            p.strengths_interests,
            p.what_helps,
            p.what_does_not_help,
            p.stressors,
            p.calmers,
            p.story,
            p.starting_point,
            p.developmental_age_notes,
            ts(now),
            user.id
        ],
    )?;
    access::record(
        &tx,
        &user,
        Action::ProfileUpdate,
        Some(&access::target(pupil_id, None)),
        now,
    )?;
    tx.commit()?;
    Ok(())
}

pub(crate) fn load_advice(conn: &Connection, pupil_id: i64) -> Result<Vec<AgencyAdvice>> {
    let mut stmt = conn.prepare(
        "SELECT a.id, a.agency, a.source, a.advised_on, a.advice, u.name FROM agency_advice a
         LEFT JOIN users u ON u.id = a.recorded_by WHERE a.pupil_id = ?1
         ORDER BY a.advised_on DESC, a.id DESC",
    )?;
    let rows = stmt.query_map([pupil_id], |r| {
        Ok(AgencyAdvice {
            id: r.get(0)?,
            agency: get_enum(r, 1, AgencyKind::parse)?,
            source: r.get(2)?,
            advised_on: get_date(r, 3)?,
            advice: r.get(4)?,
            recorded_by: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Adds advice from an outside agency to the profile. Audited as `advice.create`.
pub fn add_agency_advice(
    vault: &mut Vault,
    pupil_id: i64,
    input: &AgencyAdviceInput,
    now: DateTime<Utc>,
) -> Result<i64> {
    let user = access::require_pupil(vault, pupil_id, Action::AdviceCreate, now)?;
    let source = store::text(
        "source",
        "who gave the advice",
        &input.source,
        200,
        true,
        false,
    )?;
    let advice = store::text(
        "advice",
        "the advice",
        &input.advice,
        MAX_PROFILE_FIELD_CHARS,
        true,
        true,
    )?;
    if input.advised_on > now.date_naive() {
        return Err(Error::invalid(
            "advised_on",
            "The date of the advice cannot be in the future.",
        ));
    }
    let tx = vault.conn_mut()?.transaction()?;
    let id = next_id(&tx, ids::RecordTable::AgencyAdvice)?;
    tx.execute(
        "INSERT INTO agency_advice (id, pupil_id, agency, source, advised_on, advice, recorded_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id, pupil_id, input.agency.as_str(), source, d2s(input.advised_on), advice, user.id, ts(now)],
    )?;
    access::record(
        &tx,
        &user,
        Action::AdviceCreate,
        Some(&access::target(pupil_id, Some(("advice", id)))),
        now,
    )?;
    tx.commit()?;
    Ok(id)
}

/// Removes one piece of agency advice (entered in error). Audited as `advice.delete`.
pub fn delete_agency_advice(vault: &mut Vault, advice_id: i64, now: DateTime<Utc>) -> Result<()> {
    let (user, pupil_id) = access::require_record(
        vault,
        RecordTable::AgencyAdvice,
        advice_id,
        Action::AdviceDelete,
        now,
    )?;
    let tx = vault.conn_mut()?.transaction()?;
    tx.execute("DELETE FROM agency_advice WHERE id = ?1", [advice_id])?;
    access::record(
        &tx,
        &user,
        Action::AdviceDelete,
        Some(&access::target(pupil_id, Some(("advice", advice_id)))),
        now,
    )?;
    tx.commit()?;
    Ok(())
}

pub(crate) fn load_team(conn: &Connection, pupil_id: i64) -> Result<Vec<TeamMember>> {
    let mut stmt = conn.prepare(
        "SELECT id, name, role FROM team_members WHERE pupil_id = ?1 ORDER BY position, id",
    )?;
    let rows = stmt.query_map([pupil_id], |r| {
        Ok(TeamMember {
            id: r.get(0)?,
            name: r.get(1)?,
            role: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Replaces the TouchBase team with `members`, in that order. Audited as `team.update`.
pub fn set_team(
    vault: &mut Vault,
    pupil_id: i64,
    members: &[TeamMemberInput],
    now: DateTime<Utc>,
) -> Result<Vec<TeamMember>> {
    let user = access::require_pupil(vault, pupil_id, Action::TeamUpdate, now)?;
    if members.len() > MAX_TEAM {
        return Err(Error::invalid(
            "team",
            format!("A team has at most {MAX_TEAM} people."),
        ));
    }
    let mut checked = Vec::new();
    for m in members {
        checked.push((
            store::text(
                "team.name",
                "the team member's name",
                &m.name,
                80,
                true,
                false,
            )?,
            store::text(
                "team.role",
                "the team member's role",
                &m.role,
                80,
                false,
                false,
            )?,
        ));
    }
    let tx = vault.conn_mut()?.transaction()?;
    tx.execute("DELETE FROM team_members WHERE pupil_id = ?1", [pupil_id])?;
    for (i, (name, role)) in checked.iter().enumerate() {
        let id = next_id(&tx, ids::RecordTable::TeamMembers)?;
        tx.execute(
            "INSERT INTO team_members (id, pupil_id, name, role, position)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, pupil_id, name, role, i as i64],
        )?;
    }
    access::record(
        &tx,
        &user,
        Action::TeamUpdate,
        Some(&access::target(pupil_id, None)),
        now,
    )?;
    let team = load_team(&tx, pupil_id)?;
    tx.commit()?;
    Ok(team)
}
