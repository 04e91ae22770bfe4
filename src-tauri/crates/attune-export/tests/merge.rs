//! Merging schools' summary files: exact bounds where schools withheld figures, and refusals.

#[path = "../../../../tests/attacker/mod.rs"]
mod attacker;
mod common;

use std::path::{Path, PathBuf};

use attune_domain::lead::summary_facts::{PupilFacts, YearBand};
use attune_export::model::{Cell, CellStatus, Summary};
use attune_export::{json, merge, render, summarise, Error, Refusal, NEUTRAL_LABEL};
use common::*;

fn cell<'a>(s: &'a Summary, table: &str, row: &str, col: &str) -> &'a Cell {
    let t = s.table(table).unwrap();
    let r = t
        .rows
        .iter()
        .find(|r| r.key == row)
        .unwrap_or_else(|| panic!("row {row}"));
    &r.cells[t.column(col).unwrap()]
}

fn pub_(v: f64) -> (CellStatus, Option<f64>, Option<f64>, Option<f64>) {
    (CellStatus::Published, Some(v), None, None)
}

fn sup() -> (CellStatus, Option<f64>, Option<f64>, Option<f64>) {
    (CellStatus::Suppressed, None, None, None)
}

fn st(c: &Cell) -> (CellStatus, Option<f64>, Option<f64>, Option<f64>) {
    (c.status, c.value, c.lower, c.upper)
}

/// `n` pupils of a care status, each with one goal in `domain` (position `pos`) rated
/// `baseline` → `latest`.
fn group(n: usize, care: &str, goal_at: Option<(&str, u32, u8, u8)>) -> Vec<PupilFacts> {
    (0..n)
        .map(|_| {
            let mut p = pupil(YearBand::Years5To6, care, "Universal");
            if let Some((d, pos, b, l)) = goal_at {
                p.goals.push(goal(d, pos, b, Some(l)));
            }
            p
        })
        .collect()
}

const CARE: &str = "pupils_by_care_status";

/// Three schools whose withheld figures overlap (see the test for the figures).
fn schools() -> [Summary; 3] {
    let x = |b, l| Some(("availability", 0, b, l));
    let y = |b, l| Some(("sensitivity", 1, b, l));
    // A: care 2 / 0 / 7 / 11; goals X 6 rated +2, Y 6 rated +1.
    let mut a = group(2, "Looked after", x(2, 4));
    a.extend(group(4, "Child in need", x(2, 4)));
    a.extend(group(3, "Child in need", y(2, 3)));
    a.extend(group(3, "None", y(2, 3)));
    a.extend(group(8, "None", None));
    // B: care 6 / 3 / 0 / 1; goals X 2 rated −1, Y 7 rated 0.
    let mut b = group(6, "Looked after", y(5, 5));
    b.extend(group(1, "Previously looked after", y(5, 5)));
    b.extend(group(2, "Previously looked after", x(5, 4)));
    b.extend(group(1, "None", None));
    // C: care 8 / 0 / 4 / 9; goals X 5 rated +3, Y 5 rated +1.
    let mut c = group(5, "Looked after", x(1, 4));
    c.extend(group(3, "Looked after", y(1, 2)));
    c.extend(group(2, "Child in need", y(1, 2)));
    c.extend(group(2, "Child in need", None));
    c.extend(group(9, "None", None));
    [
        summarise(&facts_with_id(a, "00000000000000aa"), NEUTRAL_LABEL, 5),
        summarise(&facts_with_id(b, "00000000000000bb"), NEUTRAL_LABEL, 5),
        summarise(&facts_with_id(c, "00000000000000cc"), NEUTRAL_LABEL, 5),
    ]
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn three_schools_with_overlapping_suppressed_cells_give_exact_bounds() {
    let [a, b, c] = schools();
    // What each school published (the premises of the bounds below). Since issue 11 the exact
    // audit withholds more than the old real-number check did (B's 6 looked-after pupils
    // would have pinned its 3 previously looked-after to 1..3, so 6 is withheld too).
    assert_eq!(st(cell(&a, CARE, "looked_after", "pupils")), sup());
    assert_eq!(st(cell(&a, CARE, "all", "pupils")), pub_(20.0));
    assert_eq!(st(cell(&b, CARE, "looked_after", "pupils")), sup());
    assert_eq!(
        st(cell(&b, CARE, "previously_looked_after", "pupils")),
        sup()
    );
    assert_eq!(st(cell(&b, CARE, "all", "pupils")), pub_(10.0));
    assert_eq!(st(cell(&c, CARE, "looked_after", "pupils")), sup());
    assert_eq!(st(cell(&c, CARE, "all", "pupils")), pub_(21.0));

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let jsons: Vec<String> = [&a, &b, &c].iter().map(|s| render(s).json).collect();
    let paths: Vec<PathBuf> = ["a.json", "b.json", "c.json"]
        .iter()
        .zip(&jsons)
        .map(|(n, j)| write(tmp.path(), n, j.as_bytes()))
        .collect();
    let report = merge(&paths, &out).unwrap();
    assert_eq!(
        files(&out),
        [
            "attune-merged-2025-26.csv",
            "attune-merged-2025-26.html",
            "attune-merged-2025-26.json"
        ]
    );
    assert_eq!(report.schools.len(), 3);
    let m = json::from_json(&std::fs::read(&report.files.json).unwrap()).unwrap();
    assert_eq!(st(cell(&m, CARE, "all", "pupils")), pub_(51.0));

    // Every merged count is, exactly, the sum of what the independent attacker can say of each
    // school's figure from that school's file alone (schools are independent).
    let per_school: Vec<_> = jsons.iter().map(|j| attacker::ranges(j)).collect();
    let mut bounded = 0;
    for t in &m.tables {
        for r in &t.rows {
            for (col, mc) in t.columns.iter().zip(&r.cells) {
                if col.kind != attune_export::model::Kind::Count {
                    continue;
                }
                let key = (t.id.clone(), r.key.clone(), col.key.clone());
                let (mut lo, mut hi) = (0i64, Some(0i64));
                for (s, ranges) in [&a, &b, &c].iter().zip(&per_school) {
                    let sc = s.table(&t.id).and_then(|st| {
                        let row = st.rows.iter().find(|x| x.key == r.key)?;
                        Some(&row.cells[st.column(&col.key)?])
                    });
                    match sc {
                        Some(x) if x.status == CellStatus::Published => {
                            let v = x.value.unwrap() as i64;
                            lo += v;
                            hi = hi.map(|h| h + v);
                        }
                        Some(_) => {
                            let (l, h) = ranges[&key];
                            lo += l;
                            hi = hi.zip(h).map(|(a, b)| a + b);
                        }
                        None => {}
                    }
                }
                if mc.status == CellStatus::Bounds {
                    bounded += 1;
                    assert_eq!(
                        (mc.lower, mc.upper),
                        (Some(lo as f64), hi.map(|h| h as f64)),
                        "{key:?}"
                    );
                } else {
                    assert_eq!(mc.status, CellStatus::Published, "{key:?}");
                    assert_eq!(
                        (Some(lo), hi),
                        (mc.value.map(|v| v as i64), Some(lo)),
                        "{key:?}"
                    );
                }
            }
        }
    }
    assert!(bounded > 0);
    // The merged report passes the same attack: no small published count, no share or mean
    // over a small base or with a small, zero or whole numerator.
    let merged_json = std::fs::read_to_string(&report.files.json).unwrap();
    let found = attacker::attack(&merged_json, None, &attacker::Truth::new());
    assert!(found.is_empty(), "{found:?}");
    assert!(report.bounded_cells as usize >= bounded);

    // The CSV carries the bounds; the HTML says "N to M".
    let csv = std::fs::read_to_string(&report.files.csv).unwrap();
    let la = cell(&m, CARE, "looked_after", "pupils");
    let (lo, hi) = (la.lower.unwrap(), la.upper.unwrap());
    assert!(
        csv.contains(&format!(
            "2025-26,pupils_by_care_status,care_status,Looked after,,,pupils,[c],{lo},{hi}"
        )),
        "{csv}"
    );
    let html = std::fs::read_to_string(&report.files.html).unwrap();
    assert!(html.contains(&format!("<td class=\"withheld\">{lo} to {hi}</td>")));
}

#[test]
fn a_file_whose_figures_contradict_its_totals_is_refused() {
    let [a, b, _] = schools();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // B, rewritten with a valid checksum: 30 pupils with no care status out of 10 in all.
    let mut bad = b.clone();
    let t = bad.tables.iter_mut().find(|t| t.id == CARE).unwrap();
    let r = t
        .rows
        .iter()
        .position(|r| r.key == "child_in_need")
        .unwrap();
    t.rows[r].cells[0] = Cell::published(30.0);
    let pa = write(tmp.path(), "a.json", render(&a).json.as_bytes());
    let pb = write(tmp.path(), "b.json", render(&bad).json.as_bytes());
    let (file, reason) = refused(&[pa, pb], &out);
    assert!(file.ends_with("b.json"), "{file}");
    assert_eq!(reason, Refusal::Contradictory);
    assert!(files(&out).is_empty());
}

fn refused(paths: &[PathBuf], out: &Path) -> (String, Refusal) {
    match merge(paths, out) {
        // Files are named as given; compare their last part.
        Err(Error::MergeFile { file, reason }) => (
            Path::new(&file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
            reason,
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn tampered_foreign_and_duplicate_files_are_refused_and_nothing_is_written() {
    let [a, b, c] = schools();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let dir = tmp.path();
    let pa = write(dir, "a.json", render(&a).json.as_bytes());
    let pb = write(dir, "b.json", render(&b).json.as_bytes());
    let pc = write(dir, "c.json", render(&c).json.as_bytes());

    // One value edited (the None count of school C, 9 → 19): tampered.
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&pc).unwrap()).unwrap();
    let none = &mut v["summary"]["tables"][1]["rows"][3]["cells"][0];
    assert_eq!(none["value"], 9);
    none["value"] = 19.into();
    let tampered = write(
        dir,
        "c-edited.json",
        &serde_json::to_vec_pretty(&v).unwrap(),
    );
    let (file, reason) = refused(&[pa.clone(), pb.clone(), tampered], &out);
    assert_eq!(
        (file.as_str(), reason.clone()),
        ("c-edited.json", Refusal::Tampered)
    );
    assert!(reason.to_string().contains("tampered"));

    // Another schema version.
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&pc).unwrap()).unwrap();
    v["schema"] = "attune-summary/2".into();
    let newer = write(dir, "c-v2.json", &serde_json::to_vec(&v).unwrap());
    let (file, reason) = refused(&[pa.clone(), newer], &out);
    assert_eq!(file, "c-v2.json");
    assert!(
        matches!(reason, Refusal::UnknownSchema { ref found, .. } if found == "attune-summary/2")
    );

    // Not JSON, and JSON that is not a summary.
    let junk = write(dir, "notes.txt", b"Pupils: Amelia, Oliver\n");
    assert!(
        matches!(refused(&[pa.clone(), junk], &out), (f, Refusal::Malformed(_)) if f == "notes.txt")
    );
    let other = write(dir, "other.json", br#"{"name": "something else"}"#);
    assert!(matches!(
        refused(&[pa.clone(), other], &out),
        (_, Refusal::Malformed(_))
    ));

    // Valid shape and checksum, but a cell that does not fit its column.
    let mut bad = c.clone();
    bad.tables[1].rows[0].cells[0].value = Some(2.5);
    bad.tables[1].rows[0].cells[0].status = CellStatus::Published;
    let odd = write(dir, "odd.json", render(&bad).json.as_bytes());
    assert!(
        matches!(refused(&[pa.clone(), odd], &out), (_, Refusal::Malformed(m)) if m.contains("fit its column"))
    );

    // Another period.
    let mut earlier = facts_with_id(Vec::new(), "00000000000000dd");
    earlier.period.period = attune_domain::lead::summary_facts::Period::school_year(2024);
    let earlier = summarise(&earlier, NEUTRAL_LABEL, 5);
    let pe = write(dir, "d.json", render(&earlier).json.as_bytes());
    let (file, reason) = refused(&[pa.clone(), pb.clone(), pe], &out);
    assert_eq!(file, "d.json");
    assert_eq!(
        reason,
        Refusal::OtherPeriod {
            expected: "2025-26".into(),
            found: "2024-25".into(),
            first_file: pa.display().to_string()
        }
    );

    // The same file twice, and the same school exported again with another k.
    let copy = write(dir, "a-copy.json", &std::fs::read(&pa).unwrap());
    assert_eq!(
        refused(&[pa.clone(), pb.clone(), copy], &out),
        (
            "a-copy.json".into(),
            Refusal::Duplicate {
                other: pa.display().to_string()
            }
        )
    );
    let mut again = a.clone();
    again.k = 6;
    let pa6 = write(dir, "a-k6.json", render(&again).json.as_bytes());
    assert!(matches!(
        refused(&[pa.clone(), pa6], &out),
        (_, Refusal::Duplicate { .. })
    ));

    // A merged summary is not an input.
    let merged_dir = tmp.path().join("merged");
    std::fs::create_dir(&merged_dir).unwrap();
    let r = merge(&[pa.clone(), pb.clone()], &merged_dir).unwrap();
    let (_, reason) = refused(&[PathBuf::from(&r.files.json), pc.clone()], &out);
    assert_eq!(reason, Refusal::AlreadyMerged);

    // One file is not a merge.
    assert!(matches!(
        merge(std::slice::from_ref(&pa), &out),
        Err(Error::MergeNeedsFiles(1))
    ));

    // Every refusal wrote nothing.
    assert!(files(&out).is_empty(), "{:?}", files(&out));
    // And the good files still merge, refusing to overwrite unless asked.
    merge(&[pa.clone(), pb.clone(), pc.clone()], &out).unwrap();
    assert!(matches!(
        merge(&[pa, pb, pc], &out),
        Err(Error::OutputExists(_))
    ));
}
