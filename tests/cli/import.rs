//! `attune-admin import-pupils` as a person or a script runs it: a fresh vault from `init`,
//! then a CSV with good and bad lines, checking exit codes, the per-line report, the counts,
//! all-or-nothing and dry runs, and that no name or date of birth is ever printed.

use std::path::PathBuf;
use std::process::{Command, Output};

use attune_domain::rules::identifiers::upn_check_letter;

const LEAD: &str = "correct horse battery staple 1917";

struct Env {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    files: PathBuf,
}

impl Env {
    fn new() -> Env {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("vault");
        let files = tmp.path().join("files");
        std::fs::create_dir_all(&files).unwrap();
        Env {
            _tmp: tmp,
            dir,
            files,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_attune-admin"));
        c.arg("--vault").arg(&self.dir).args(args);
        for k in [
            "ATTUNE_PASSPHRASE",
            "ATTUNE_NEW_PASSPHRASE",
            "ATTUNE_RECOVERY_KEY",
        ] {
            c.env_remove(k);
        }
        c.env("ATTUNE_PASSPHRASE", LEAD);
        c.stdin(std::process::Stdio::null());
        c.output().unwrap()
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.files.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn upn(n: u64) -> String {
    let rest = format!("{n:012}");
    format!("{}{rest}", upn_check_letter(&rest).unwrap())
}

/// The UPN with a wrong check letter, and what the right one is.
fn wrong_upn(n: u64) -> (String, char, char) {
    let good = upn(n);
    let right = good.chars().next().unwrap();
    let wrong = if right == 'M' { 'N' } else { 'M' };
    (format!("{wrong}{}", &good[1..]), right, wrong)
}

#[test]
fn import_pupils_reports_lines_counts_and_exit_codes() {
    let env = Env::new();
    let out = env.run(&[
        "init",
        "--school",
        "Hillside Primary",
        "--user",
        "Ada Lovelace",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (bad_upn, right, wrong) = wrong_upn(801_200_001_003);
    let csv = format!(
        "UPN,Legal Surname,Legal Forename,DOB,Year\n\
         {},O'Brien,Siobhán,03/03/2015,Year 5\n\
         {},Smith-Jones,Zoë,30/09/2016,4\n\
         {bad_upn},Nowak,Łukasz,01/09/2014,6\n\
         {},陈,伟,31/02/2015,3\n\
         ,Hassan,,05/06/2015,R\n",
        upn(801_200_001_001),
        upn(801_200_001_002),
        upn(801_200_001_004),
    );
    let file = env.file("pupils.csv", &csv);
    let expected_lines = [
        format!("line 4: UPN: check letter should be {right}, not {wrong}"),
        "line 5: date of birth: February has no day 31".to_string(),
        "line 6: missing legal forename".to_string(),
    ];
    let private = [
        "O'Brien",
        "Siobhán",
        "Smith-Jones",
        "Zoë",
        "Nowak",
        "Łukasz",
        "陈",
        "伟",
        "Hassan",
        "03/03/2015",
        "2015-03-03",
        "30/09/2016",
        "31/02/2015",
    ];
    let check_report = |o: &Output| {
        let text = format!("{}{}", stdout(o), String::from_utf8_lossy(&o.stderr));
        for l in &expected_lines {
            assert!(text.contains(l.as_str()), "missing {l:?} in:\n{text}");
        }
        for p in private {
            assert!(!text.contains(p), "{p} printed:\n{text}");
        }
    };

    // All or nothing: exit 1, nothing imported.
    let out = env.run(&["import-pupils", &file, "--all-or-nothing"]);
    assert_eq!(out.status.code(), Some(1));
    check_report(&out);
    assert!(
        stdout(&out).contains("Nothing was imported: 3 of 5 lines are bad"),
        "{}",
        stdout(&out)
    );

    // A dry run writes nothing and says what would happen.
    let out = env.run(&["import-pupils", &file, "--dry-run"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_report(&out);
    assert!(
        stdout(&out).contains("Dry run: 2 pupils would be imported from 5 lines; 3 bad."),
        "{}",
        stdout(&out)
    );

    // Good only: the two good lines.
    let out = env.run(&["import-pupils", &file]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_report(&out);
    assert!(
        stdout(&out).contains("Imported 2 pupils from 5 lines; 3 bad."),
        "{}",
        stdout(&out)
    );

    // Again: the good lines are now duplicates, nothing is imported, exit 1.
    let out = env.run(&["import-pupils", &file]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("line 2: duplicate: a pupil with this UPN is already in Attune"),
        "{text}"
    );
    assert!(
        text.contains("line 3: duplicate: a pupil with this UPN is already in Attune"),
        "{text}"
    );
    assert!(
        text.contains("Imported 0 pupils from 5 lines; 5 bad."),
        "{text}"
    );

    // A clean file imports everything; all-or-nothing succeeds.
    let clean = env.file(
        "clean.csv",
        &format!(
            "UPN,Surname,Forename,DOB,Year\n{},Evans,Rhys,05/06/2015,5\n",
            upn(801_200_001_009)
        ),
    );
    let out = env.run(&["import-pupils", &clean, "--all-or-nothing"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout(&out).contains("Imported 1 pupil from 1 lines; 0 bad."),
        "{}",
        stdout(&out)
    );

    // A file without the required columns is bad usage (exit 2); a missing file too.
    let nocols = env.file("nocols.csv", "Colour,Shape\nred,square\n");
    assert_eq!(env.run(&["import-pupils", &nocols]).status.code(), Some(2));
    assert_eq!(
        env.run(&["import-pupils", "/no/such/file.csv"])
            .status
            .code(),
        Some(2)
    );

    // The imports are in the audit chain, and the vault verifies.
    let out = env.run(&["verify"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `import-pupils --update` as a lead runs it in September: a dry run that says per record what
/// would change and writes nothing, then the update, then the same file again (nothing to do).
/// Names, dates of birth and identifiers are never printed.
#[test]
fn import_pupils_update_previews_then_applies_and_prints_no_names() {
    let env = Env::new();
    let out = env.run(&[
        "init",
        "--school",
        "Hillside Primary",
        "--user",
        "Ada Lovelace",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (u1, u2, u3, u4) = (
        upn(801_200_002_001),
        upn(801_200_002_002),
        upn(801_200_002_003),
        upn(801_200_002_004),
    );
    let july = format!(
        "UPN,Legal Surname,Legal Forename,DOB,Year,Care status\n\
         {u1},O'Brien,Siobhán,03/03/2015,Year 5,Looked after\n\
         {u2},Smith-Jones,Zoë,30/09/2015,Year 5,\n\
         {u3},Nowak,Łukasz,01/09/2014,Year 6,\n"
    );
    let out = env.run(&["import-pupils", &env.file("july.csv", &july)]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    // September: Siobhán moves up and is renamed; Zoë moves up; Łukasz has left; a new pupil.
    let september = format!(
        "UPN,Legal Surname,Legal Forename,DOB,Year,Care status\n\
         {u1},O'Brien-Kelly,Siobhán,03/03/2015,Year 6,Previously looked after\n\
         {u2},Smith-Jones,Zoë,30/09/2015,Year 6,\n\
         {u4},Hassan,Amir,05/06/2016,Year 5,\n"
    );
    let file = env.file("september.csv", &september);
    let private = [
        "O'Brien",
        "Siobhán",
        "Smith-Jones",
        "Zoë",
        "Nowak",
        "Łukasz",
        "Hassan",
        "Amir",
        &u1,
        &u2,
        &u3,
        &u4,
        "03/03/2015",
        "2015-03-03",
    ];
    let no_names = |o: &Output| {
        let text = format!("{}{}", stdout(o), String::from_utf8_lossy(&o.stderr));
        for p in private {
            assert!(!text.contains(p), "{p} printed:\n{text}");
        }
        text
    };

    let out = env.run(&["import-pupils", &file, "--update", "--dry-run"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = no_names(&out);
    for want in [
        "record 1 (line 2): legal surname changed; year group Year 5 → Year 6; care status Looked after → Previously looked after",
        "record 2 (line 3): year group Year 5 → Year 6",
        "line 4: a pupil not held",
        "record 3: not in the file",
        "Dry run: 2 to update, 0 unchanged, 1 new, 1 not in the file; 0 bad. Nothing was written.",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    // The dry run wrote nothing: the same preview again.
    let again = env.run(&["import-pupils", &file, "--update", "--dry-run"]);
    assert_eq!(stdout(&again), stdout(&out));

    let out = env.run(&[
        "import-pupils",
        &file,
        "--update",
        "--missing-left-on",
        "2026-07-22",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = no_names(&out);
    assert!(
        text.contains("Updated 2, added 1, marked 1 as left; 0 bad."),
        "{text}"
    );

    // Everything is now as the file says: nothing to update, nobody active missing.
    let out = env.run(&["import-pupils", &file, "--update", "--dry-run"]);
    let text = no_names(&out);
    assert!(
        text.contains("Dry run: 0 to update, 3 unchanged, 0 new, 0 not in the file; 0 bad."),
        "{text}"
    );

    // A bad date for --missing-left-on is a usage error that writes nothing.
    let out = env.run(&[
        "import-pupils",
        &file,
        "--update",
        "--missing-left-on",
        "soon",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// `attune-admin lists`: the school's lists shown, and changed by a strategic lead; a retired
/// item is listed as retired, refused for a new pupil's import line, and can be brought back.
#[test]
fn lists_are_shown_added_renamed_reordered_and_retired() {
    let env = Env::new();
    let out = env.run(&[
        "init",
        "--school",
        "Hillside Primary",
        "--user",
        "Ada Lovelace",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = |args: &[&str]| {
        let mut a = vec!["--user", "Ada Lovelace", "lists"];
        a.extend_from_slice(args);
        let out = env.run(&a);
        (
            out.status.code(),
            stdout(&out),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, s, _) = run(&[]);
    assert_eq!(code, Some(0));
    assert!(
        s.contains("Support levels:\n  Universal\n  Additional\n  Intensive\nCare statuses:\n  Looked after\n"),
        "{s}"
    );
    let (code, _, e) = run(&["add", "support-level", "Targeted"]);
    assert_eq!(code, Some(0), "{e}");
    let (code, _, e) = run(&["rename", "support-level", "Intensive", "Enhanced"]);
    assert_eq!(code, Some(0), "{e}");
    let (code, s, e) = run(&[
        "reorder",
        "support-level",
        "Targeted",
        "Universal",
        "Additional",
        "Enhanced",
    ]);
    assert_eq!(code, Some(0), "{e}");
    assert!(
        s.contains("Support levels:\n  Targeted\n  Universal\n  Additional\n  Enhanced\n"),
        "{s}"
    );
    // An order that leaves an item out is refused, in words.
    let (code, _, e) = run(&["reorder", "support-level", "Targeted", "Universal"]);
    assert_ne!(code, Some(0));
    assert!(e.contains("must name every item of the list once"), "{e}");
    let (code, s, e) = run(&["retire", "support-level", "Additional"]);
    assert_eq!(code, Some(0), "{e}");
    assert!(
        s.contains(
            "Support levels:\n  Targeted\n  Universal\n  Additional (retired)\n  Enhanced\n"
        ),
        "{s}"
    );
    // A new pupil cannot be given the retired level.
    let csv = env.file(
        "retired.csv",
        &format!("UPN,Legal Surname,Legal Forename,DOB,Year,Support level\n{},Ng,Kim,03/03/2015,Year 5,Additional\n", upn(801_200_001_010)),
    );
    let out = env.run(&["--user", "Ada Lovelace", "import-pupils", &csv]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("has been retired"),
        "{}",
        stdout(&out)
    );
    let (code, s, e) = run(&["retire", "support-level", "Additional", "--restore"]);
    assert_eq!(code, Some(0), "{e}");
    assert!(
        s.contains("  Additional\n  Enhanced\nCare statuses:"),
        "{s}"
    );
    assert!(!s.contains("(retired)"), "{s}");
}
