//! Passphrase strength, judged by zxcvbn. The same check gates every passphrase the vault
//! accepts (setup, new user, change, reset), so the UI's meter is advice and Rust decides.

use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::secret::Passphrase;

pub const MIN_CHARS: usize = 10;
/// zxcvbn's top score: any one passphrase opens the whole vault (issue 12).
pub const MIN_SCORE: u8 = 4;

#[derive(Debug, Clone, Serialize, TS)]
pub struct PassphraseStrength {
    /// 0 (very weak) to 4 (very strong).
    pub score: u8,
    pub acceptable: bool,
    pub warning: Option<String>,
    pub suggestions: Vec<String>,
}

/// Judge `passphrase`; `hints` are words a guesser would try first (the school's name, the
/// user's name).
pub fn assess(passphrase: &Passphrase, hints: &[&str]) -> PassphraseStrength {
    let text = passphrase.expose();
    let chars = text.chars().count();
    if text.trim().is_empty() {
        return PassphraseStrength {
            score: 0,
            acceptable: false,
            warning: None,
            suggestions: vec![format!(
                "Use at least {MIN_CHARS} characters; a few unrelated words work well."
            )],
        };
    }
    let mut hint_words: Vec<&str> = Vec::new();
    for h in hints {
        hint_words.extend(h.split_whitespace());
        hint_words.push(h);
    }
    let entropy = zxcvbn::zxcvbn(text, &hint_words);
    let score = entropy.score() as u8;
    let feedback = entropy.feedback();
    let warning = feedback.and_then(|f| f.warning()).map(|w| w.to_string());
    let mut suggestions: Vec<String> = feedback
        .map(|f| f.suggestions().iter().map(|s| s.to_string()).collect())
        .unwrap_or_default();
    if chars < MIN_CHARS {
        suggestions.insert(
            0,
            format!("Use at least {MIN_CHARS} characters; a few unrelated words work well."),
        );
    }
    PassphraseStrength {
        score,
        acceptable: score >= MIN_SCORE && chars >= MIN_CHARS,
        warning,
        suggestions,
    }
}

/// Refuse a weak passphrase with advice a person can act on.
pub fn require_strong(passphrase: &Passphrase, hints: &[&str]) -> Result<()> {
    let s = assess(passphrase, hints);
    if s.acceptable {
        return Ok(());
    }
    let mut advice = String::new();
    if let Some(w) = &s.warning {
        advice.push_str(w);
        advice.push(' ');
    }
    advice.push_str(
        s.suggestions
            .first()
            .map(String::as_str)
            .unwrap_or("Add another word or two that are not connected."),
    );
    Err(Error::WeakPassphrase {
        advice: advice.trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_and_strong() {
        assert!(!assess(&Passphrase::new("password1"), &[]).acceptable);
        assert!(
            !assess(
                &Passphrase::new("Hillside Primary 2026"),
                &["Hillside Primary"]
            )
            .acceptable
        );
        assert!(
            !assess(&Passphrase::new("Xy7!"), &[]).acceptable,
            "too short whatever the score"
        );
        assert!(assess(&Passphrase::new("correct horse battery staple 1917"), &[]).acceptable);
        assert!(matches!(
            require_strong(&Passphrase::new("letmein123"), &[]),
            Err(Error::WeakPassphrase { .. })
        ));
    }
}
