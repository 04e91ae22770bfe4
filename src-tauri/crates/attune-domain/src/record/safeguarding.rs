//! The words that make the session form remind where a safeguarding concern belongs (issue 16,
//! item 7).
//!
//! A crisis-support session note is where a disclosure may be typed. The session form reminds,
//! the first time crisis support is chosen or the note holds one of these words, that a concern
//! is recorded in the school's safeguarding system, and offers a field for its reference. The
//! reminder never blocks the save, and Attune never judges whether a note is a disclosure: the
//! words only decide when the reminder shows. Matching (whole words or phrases, ignoring case
//! and accents) happens in the form alone (`ui/src/lib/safeguarding.ts`).
//!
//! The list is the school's: the strategic lead sets it ([`set_safeguarding_words`], audited as
//! `settings.safeguarding_words` with no target: the words are not kept in the log); anyone
//! signed in may read it ([`safeguarding_words`]), since every key adult's form needs it. It is
//! kept in the `safeguarding_words` setting, one word or phrase a line, and synced to every
//! laptop. Until the lead sets it, a modest [`DEFAULT_WORDS`] list applies; an empty list turns
//! word matching off (choosing crisis support still reminds).

use attune_vault::settings::{self, Setting};
use attune_vault::{Action, Vault};
use chrono::{DateTime, Utc};

use crate::access;
use crate::error::{Error, Result};

/// The words used until the strategic lead sets the school's own: a modest starting list that a
/// designated safeguarding lead would expect, not a complete one. Whole words are matched, so
/// the school adds the forms it needs ("hits", "hitting").
pub const DEFAULT_WORDS: &[&str] = &[
    "hurt",
    "hit",
    "touched",
    "bruise",
    "bruises",
    "secret",
    "scared to go home",
    "self-harm",
];
/// The most words or phrases in the list.
pub const MAX_WORDS: usize = 100;
/// The longest word or phrase, in characters.
pub const MAX_WORD_CHARS: usize = 50;

/// The school's safeguarding words (any signed-in user may read them): the stored list, or
/// [`DEFAULT_WORDS`] if the lead never set one.
pub fn safeguarding_words(vault: &Vault) -> Result<Vec<String>> {
    access::actor(vault)?;
    Ok(
        match settings::read(vault.conn()?, Setting::SafeguardingWords)? {
            Some(text) => text
                .lines()
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(String::from)
                .collect(),
            None => DEFAULT_WORDS.iter().map(|w| w.to_string()).collect(),
        },
    )
}

/// Sets the school's safeguarding words (strategic lead only): each trimmed, blank ones and
/// repeats (ignoring case) left out, at most [`MAX_WORDS`] of at most [`MAX_WORD_CHARS`]
/// characters. An empty list is allowed: no word then brings the reminder up. Returns the list
/// as kept. Audited as `settings.safeguarding_words`, without the words.
pub fn set_safeguarding_words(
    vault: &mut Vault,
    words: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    let user = access::require_lead(
        vault,
        Action::SettingsSafeguardingWords,
        None,
        "change the safeguarding words",
        now,
    )?;
    let list = check_words(words)?;
    let tx = vault.conn_mut()?.transaction()?;
    settings::write(&tx, Setting::SafeguardingWords, &list.join("\n"))?;
    access::record(&tx, &user, Action::SettingsSafeguardingWords, None, now)?;
    tx.commit()?;
    Ok(list)
}

fn check_words(words: &[String]) -> Result<Vec<String>> {
    let mut list: Vec<String> = Vec::new();
    for w in words {
        let w = w.trim();
        if w.is_empty() {
            continue;
        }
        if w.chars().any(char::is_control) {
            return Err(Error::invalid(
                "words",
                "Put each word or phrase on its own line, with no other special characters.",
            ));
        }
        let n = w.chars().count();
        if n > MAX_WORD_CHARS {
            return Err(Error::invalid(
                "words",
                format!(
                    "Each word or phrase must be {MAX_WORD_CHARS} characters or fewer (one is {n})."
                ),
            ));
        }
        if !w.chars().any(char::is_alphanumeric) {
            return Err(Error::invalid(
                "words",
                format!("\u{201c}{w}\u{201d} has no letters in it. Use words or phrases."),
            ));
        }
        let w = w.split_whitespace().collect::<Vec<_>>().join(" ");
        if !list.iter().any(|x| x.to_lowercase() == w.to_lowercase()) {
            list.push(w);
        }
    }
    if list.len() > MAX_WORDS {
        return Err(Error::invalid(
            "words",
            format!(
                "The list can hold up to {MAX_WORDS} words or phrases (it has {}).",
                list.len()
            ),
        ));
    }
    Ok(list)
}
