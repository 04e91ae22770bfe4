//! A summary export and a merge report their progress and, stopped before their files are
//! renamed into place, write nothing: the chosen folder is left exactly as it was.

mod common;
use common::*;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use attune_domain::lead::summary_facts::Period;
use attune_export::{
    export, export_with, merge_with_work, render, summarise, ExportOptions, MergeOptions,
    NEUTRAL_LABEL,
};
use attune_vault::progress::{Step, Work};
use attune_vault::ErrorKind;

/// Every name in `dir`, hidden files too.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn an_export_stopped_in_any_phase_writes_no_file() {
    let tmp = scratch();
    let v = new_vault(&tmp.path().join("vault"), 7);
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let period = Period::parse("2025-26").unwrap();
    // The steps of a whole export: up through its phases to its total.
    let steps = Mutex::new(Vec::<Step>::new());
    let report = |s: Step| steps.lock().unwrap().push(s);
    let never = AtomicBool::new(false);
    let scratch_out = tmp.path().join("first");
    std::fs::create_dir(&scratch_out).unwrap();
    export_with(
        &v,
        &period,
        5,
        &scratch_out,
        &ExportOptions::default(),
        now(),
        &Work::new(&report, &never),
    )
    .unwrap();
    let steps = steps.into_inner().unwrap();
    let mut phases: Vec<&str> = steps.iter().map(|s| s.phase).collect();
    phases.dedup();
    assert_eq!(phases, ["gathering", "auditing", "checking", "writing"]);
    assert!(steps.windows(2).all(|w| w[0].done <= w[1].done));
    let last = steps.last().unwrap();
    assert_eq!(last.done, last.total);
    assert_eq!(names(&scratch_out).len(), 3);

    // Stopped at each step in turn, the last one before the renames included (the third
    // file's temporary copy written): nothing in the folder.
    for at in 0..steps.len() - 1 {
        let cancel = AtomicBool::new(false);
        let n = Mutex::new(0usize);
        let report = |_: Step| {
            let mut n = n.lock().unwrap();
            if *n == at {
                cancel.store(true, Ordering::SeqCst);
            }
            *n += 1;
        };
        let e = export_with(
            &v,
            &period,
            5,
            &out,
            &ExportOptions::default(),
            now(),
            &Work::new(&report, &cancel),
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Cancelled, "step {at}: {e}");
        assert_eq!(names(&out), Vec::<String>::new(), "step {at}");
    }
    // Still exportable afterwards (nothing recorded as published by the stopped ones).
    export(&v, &period, 5, &out, &ExportOptions::default(), now()).unwrap();
    assert_eq!(names(&out).len(), 3);
}

#[test]
fn a_merge_stopped_before_its_renames_writes_no_file() {
    let tmp = scratch();
    let inputs = tmp.path().join("in");
    let out = tmp.path().join("out");
    std::fs::create_dir(&inputs).unwrap();
    std::fs::create_dir(&out).unwrap();
    let paths: Vec<_> = [("a", 1u64), ("b", 2)]
        .iter()
        .map(|(id, seed)| {
            let s = summarise(
                &facts_with_id(cohort(30, *seed), &format!("00000000000000{id}{id}")),
                NEUTRAL_LABEL,
                5,
            );
            let p = inputs.join(format!("{id}.json"));
            std::fs::write(&p, render(&s).json).unwrap();
            p
        })
        .collect();
    let cancel = AtomicBool::new(false);
    let report = |s: Step| {
        if s.phase == "writing" && s.done + 1 == s.total {
            // The last file's temporary copy is about to be written.
            cancel.store(true, Ordering::SeqCst);
        }
    };
    let e = merge_with_work(
        &paths,
        &out,
        &MergeOptions::default(),
        &Work::new(&report, &cancel),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    assert_eq!(names(&out), Vec::<String>::new());
    merge_with_work(&paths, &out, &MergeOptions::default(), &Work::none()).unwrap();
    assert_eq!(names(&out).len(), 3);
}
