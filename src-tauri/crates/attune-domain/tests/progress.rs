//! Long work in the domain reports its progress and stops when asked, leaving nothing behind:
//! a stopped pupil import imports nobody; a stopped audit check says so in the audit log.

mod common;
use common::*;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use attune_domain::model::*;
use attune_domain::transfer::import::{self, ImportPreview};
use attune_domain::{lead::audit_log, record::pupils, transfer::vault_import};
use attune_vault::progress::{Step, Work};
use attune_vault::ErrorKind;

fn preview(v: &attune_vault::Vault, rows: u64) -> ImportPreview {
    let mut text = String::from("UPN,Legal Surname,Legal Forename,DOB,Year\n");
    for i in 0..rows {
        text.push_str(&format!(
            "{},Surname{i},Forename,03/03/2015,5\n",
            upn(801_300_000_000 + i)
        ));
    }
    let header = import::read_header(&text).unwrap();
    let mapping = import::suggest_mapping(&header.headers);
    let existing: HashSet<String> = pupils::existing_identifiers(v, now()).unwrap();
    import::parse(&text, &mapping, &existing).unwrap()
}

fn pupil_count(v: &attune_vault::Vault) -> i64 {
    v.conn()
        .unwrap()
        .query_row("SELECT count(*) FROM pupils", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_pupil_import_stopped_in_either_phase_imports_nobody() {
    let (_s, mut v) = school();
    let p = preview(&v, 20);
    assert_eq!(p.good.len(), 20);
    let before = pupil_count(&v);
    // Stopped while checking the rows, and while writing them (inside the transaction).
    for (phase, at) in [("checking", 5u64), ("importing", 30)] {
        let cancel = AtomicBool::new(false);
        let report = |s: Step| {
            if s.phase == phase && s.done >= at {
                cancel.store(true, Ordering::SeqCst);
            }
        };
        let e = vault_import::import_pupils_with(
            &mut v,
            &p,
            ImportMode::GoodOnly,
            now(),
            &Work::new(&report, &cancel),
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Cancelled, "{phase}");
        assert_eq!(pupil_count(&v), before, "{phase}: nobody imported");
    }
    // Not stopped: every row, with steps going up to their total.
    let steps = Mutex::new(Vec::<Step>::new());
    let report = |s: Step| steps.lock().unwrap().push(s);
    let never = AtomicBool::new(false);
    let out = vault_import::import_pupils_with(
        &mut v,
        &p,
        ImportMode::GoodOnly,
        now(),
        &Work::new(&report, &never),
    )
    .unwrap();
    assert_eq!(out.imported, 20);
    assert_eq!(pupil_count(&v), before + 20);
    let steps = steps.into_inner().unwrap();
    assert!(
        steps.windows(2).all(|w| w[0].done <= w[1].done),
        "{steps:?}"
    );
    let last = steps.last().unwrap();
    assert_eq!((last.done, last.total), (40, 40));
}

#[test]
fn an_audit_check_stopped_is_audited_as_cancelled() {
    let (_s, v) = school();
    let cancel = AtomicBool::new(false);
    let report = |s: Step| {
        if s.done >= 2 {
            cancel.store(true, Ordering::SeqCst);
        }
    };
    let e = audit_log::verify_audit_with(&v, now(), &Work::new(&report, &cancel)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    let last = last_audit(&v);
    assert_eq!(
        (last.action.as_str(), last.outcome.as_str()),
        ("audit.verify", "cancelled")
    );
    // And a check not stopped still passes.
    assert!(audit_log::verify_audit(&v, now()).unwrap().intact);
}
