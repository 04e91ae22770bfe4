//! The full check of a vault ([`Vault::verify_with`](crate::Vault::verify_with)): what it
//! found, in words a strategic lead can act on. The same words serve the command-line tool
//! (`attune-admin verify`) and the window's "Check the vault".

use serde::Serialize;
use ts_rs::TS;

/// Which part of the vault a problem is in (the check's phases, in the order it runs them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CheckArea {
    /// SQLCipher's seal (HMAC) on every page of the database file.
    Pages,
    /// SQLite's own integrity check of the database's structure.
    Structure,
    /// The audit trail's hash chain, and its head as recorded outside the database.
    AuditChain,
    /// The key-slot file against its record and its copy inside the database.
    KeySlots,
}

/// One problem the check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CheckProblem {
    pub area: CheckArea,
    /// What is wrong, in plain English.
    pub what: String,
    /// What to do about it.
    pub todo: String,
    /// The database pages whose seal failed (area `pages` only), lowest first.
    pub pages: Vec<u32>,
    /// The first audit entry that does not hold (area `audit_chain`, when known).
    #[ts(type = "number | null")]
    pub audit_entry: Option<i64>,
    /// What the check itself reported (SQLCipher's or SQLite's words, or the vault's), for
    /// whoever looks after the school's computers.
    pub detail: String,
}

/// The outcome of a full check: empty `problems` when all is well.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct VaultCheck {
    /// Pages of the database file whose seal was checked.
    #[ts(type = "number")]
    pub pages_checked: u64,
    /// Entries of the audit trail whose link was checked.
    #[ts(type = "number")]
    pub audit_entries_checked: u64,
    pub problems: Vec<CheckProblem>,
}

/// Said when all is well.
pub const ALL_IS_WELL: &str = "All is well: every page of the vault is intact, the audit trail's chain is unbroken, the key slots match their copy.";

const RESTORE: &str = "Do not add anything more to this vault. Restore it from the most recent backup (Backup → Restore a backup), then check the vault again. Keep this vault folder until the restored one checks out, and tell whoever looks after the school's computers: the disk may be failing, or someone may have changed the file outside Attune.";

const AUDIT: &str = "The records themselves may be sound, but the trail of who did what has been changed or cut outside Attune. Keep the vault as it is, make a backup of it now as evidence, and tell whoever looks after the school's computers and your data protection officer. A backup from before the change holds the trail as it was.";

const SLOTS: &str = "The vault still opens. Lock it and unlock it again: Attune rewrites the key-slot file from its own record where it can. If this problem is still reported, restore the vault from the most recent backup and tell whoever looks after the school's computers.";

impl VaultCheck {
    pub fn is_sound(&self) -> bool {
        self.problems.is_empty()
    }

    /// The report as lines of plain English (the command-line tool prints them).
    pub fn report(&self) -> Vec<String> {
        if self.problems.is_empty() {
            return vec![ALL_IS_WELL.to_string()];
        }
        self.problems
            .iter()
            .map(|p| format!("{} {}", p.what, p.todo))
            .collect()
    }

    /// The problems in the check's own words (as [`Vault::verify`](crate::Vault::verify)).
    pub fn details(&self) -> Vec<String> {
        self.problems.iter().map(|p| p.detail.clone()).collect()
    }
}

/// Pages named by SQLCipher's `cipher_integrity_check` lines ("... page 7 ...").
pub(crate) fn page_of(line: &str) -> Option<u32> {
    let mut words = line.split(|c: char| !c.is_ascii_alphanumeric());
    while let Some(w) = words.next() {
        if w.eq_ignore_ascii_case("page") {
            if let Some(n) = words.next().and_then(|n| n.parse().ok()) {
                return Some(n);
            }
        }
    }
    None
}

pub(crate) fn pages_problem(lines: Vec<String>) -> CheckProblem {
    let mut pages: Vec<u32> = lines.iter().filter_map(|l| page_of(l)).collect();
    pages.sort_unstable();
    pages.dedup();
    let what = match pages.len() {
        0 => "Part of the vault's database file has been changed or damaged on the disk: it no longer carries the seal Attune put on it.".to_string(),
        1 => format!(
            "Page {} of the vault's database file has been changed or damaged on the disk: it no longer carries the seal Attune put on it, so what it holds cannot be trusted.",
            pages[0]
        ),
        _ => format!(
            "{} pages of the vault's database file ({}) have been changed or damaged on the disk: they no longer carry the seal Attune put on them, so what they hold cannot be trusted.",
            pages.len(),
            list(&pages)
        ),
    };
    CheckProblem {
        area: CheckArea::Pages,
        what,
        todo: RESTORE.into(),
        pages,
        audit_entry: None,
        detail: lines.join("; "),
    }
}

pub(crate) fn structure_problem(detail: String) -> CheckProblem {
    CheckProblem {
        area: CheckArea::Structure,
        what: "The structure of the vault's database is damaged: some records may be missing or unreadable.".into(),
        todo: RESTORE.into(),
        pages: Vec::new(),
        audit_entry: None,
        detail,
    }
}

pub(crate) fn chain_problem(seq: i64) -> CheckProblem {
    CheckProblem {
        area: CheckArea::AuditChain,
        what: format!(
            "The audit trail's chain is broken at entry {seq}: that entry, or one next to it, has been changed or removed outside Attune."
        ),
        todo: AUDIT.into(),
        pages: Vec::new(),
        audit_entry: Some(seq),
        detail: format!("the audit log's chain is broken at entry {seq}"),
    }
}

/// The audit trail could not be read to the end (`detail` says why).
pub(crate) fn chain_unreadable(detail: String) -> CheckProblem {
    CheckProblem {
        area: CheckArea::AuditChain,
        what: "The audit trail could not be read to the end, so its chain could not be checked."
            .into(),
        todo: RESTORE.into(),
        pages: Vec::new(),
        audit_entry: None,
        detail,
    }
}

/// The audit trail's head, as recorded outside the database, does not match (`detail` is
/// the vault's sentence for it, naming the entry).
pub(crate) fn anchor_problem(detail: String) -> CheckProblem {
    CheckProblem {
        area: CheckArea::AuditChain,
        what: detail.clone(),
        todo: AUDIT.into(),
        pages: Vec::new(),
        audit_entry: first_number(&detail),
        detail,
    }
}

pub(crate) fn slots_problem(detail: String) -> CheckProblem {
    let what = match detail.as_str() {
        "the key-slot file's record does not verify" => "The key-slot file's record (who has been removed, where the audit trail had got to) does not carry a valid seal.".to_string(),
        "the key-slot file has no record" => "The key-slot file has no record of who has been removed or where the audit trail had got to.".to_string(),
        "the key-slot file differs from its copy inside the vault" => "The key-slot file (which holds each person's locked copy of the vault key) does not match the copy kept inside the vault.".to_string(),
        other => other.to_string(),
    };
    CheckProblem {
        area: CheckArea::KeySlots,
        what,
        todo: SLOTS.into(),
        pages: Vec::new(),
        audit_entry: None,
        detail,
    }
}

fn first_number(s: &str) -> Option<i64> {
    s.split(|c: char| !c.is_ascii_digit())
        .find(|w| !w.is_empty())
        .and_then(|w| w.parse().ok())
}

fn list(pages: &[u32]) -> String {
    let mut s: Vec<String> = pages.iter().map(|p| p.to_string()).collect();
    if s.len() > 1 {
        let last = s.pop().unwrap_or_default();
        format!("{} and {last}", s.join(", "))
    } else {
        s.join("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_read_from_sqlcipher_lines_and_listed_in_words() {
        assert_eq!(page_of("HMAC verification failed for page 7"), Some(7));
        assert_eq!(page_of("page 12 has an invalid size"), Some(12));
        assert_eq!(
            page_of("file size is not a multiple of the page size"),
            None
        );
        let p = pages_problem(vec![
            "HMAC verification failed for page 9".into(),
            "HMAC verification failed for page 3".into(),
            "HMAC verification failed for page 5".into(),
        ]);
        assert_eq!(p.pages, vec![3, 5, 9]);
        assert!(p
            .what
            .starts_with("3 pages of the vault's database file (3, 5 and 9)"));
        assert_eq!(first_number("entry 41 is not the one"), Some(41));
    }
}
