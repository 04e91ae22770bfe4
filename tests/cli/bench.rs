//! The demo-data generator and the benchmark at the small size, so neither can rot. Figures
//! only: nothing here asserts a time (a loaded CI machine must not fail this test).

use std::process::Command;

const PASSPHRASE: &str = "correct horse battery staple 1917";

fn admin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_attune-admin"));
    for k in [
        "ATTUNE_PASSPHRASE",
        "ATTUNE_NEW_PASSPHRASE",
        "ATTUNE_RECOVERY_KEY",
    ] {
        c.env_remove(k);
    }
    c.stdin(std::process::Stdio::null());
    c
}

#[test]
fn demo_fills_a_new_vault_and_it_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let out = admin()
        .arg("--vault")
        .arg(&dir)
        .args([
            "--user",
            "Ada Lovelace",
            "demo",
            "--size",
            "small",
            "--seed",
            "7",
        ])
        .env("ATTUNE_PASSPHRASE", PASSPHRASE)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Generated 30 pupils"), "{stdout}");
    assert!(stdout.contains("19 key adults"), "{stdout}");
    assert!(stdout.contains("signed reviews"), "{stdout}");

    // Every pupil has a plan with about 18 half-termly due dates, all but the last held and
    // signed off through the domain's review functions, and goals with a progress series of a
    // baseline and the reviews' ratings.
    {
        use attune_domain::model::{CaseloadQuery, GoalStatus, ProgressSource, ReviewStatus};
        use attune_domain::{planning::reviews, planning::school_frameworks, record::pupils};
        let now = chrono::Utc::now();
        let users = match attune_vault::status(&dir, now).unwrap() {
            attune_vault::VaultStatus::Present { users, .. } => users,
            attune_vault::VaultStatus::Absent => panic!("no vault"),
        };
        let lead = users.iter().find(|u| u.name == "Ada Lovelace").unwrap();
        let v = attune_vault::Vault::unlock(
            &dir,
            &lead.id,
            &attune_vault::Passphrase::new(PASSPHRASE.to_string()),
            &mut rand::rngs::OsRng,
            now,
        )
        .unwrap();
        let fws = school_frameworks::list_frameworks(&v).unwrap();
        let rows = pupils::caseload(&v, &CaseloadQuery::default(), now.date_naive(), now).unwrap();
        assert_eq!(rows.len(), 30);
        let mut achieved = 0;
        for row in rows {
            let rec =
                pupils::open_pupil(&v, row.pupil_id, &fws, 20, now.date_naive(), now).unwrap();
            let plan = rec.plan.expect("every pupil has a plan");
            let slots = reviews::list_reviews(&v, plan.id, now.date_naive(), now).unwrap();
            let signed = slots
                .iter()
                .filter(|s| s.status == Some(ReviewStatus::Signed))
                .count();
            assert!(
                signed >= 15,
                "pupil {}: {signed} signed reviews",
                row.pupil_id
            );
            assert!(
                slots.iter().any(|s| s.review_id.is_none()),
                "pupil {}: a due date is left to prepare",
                row.pupil_id
            );
            let first = slots.iter().find_map(|s| s.review_id).expect("a review");
            let review = reviews::get_review(&v, first, now).unwrap();
            assert!(review.content.attendees.len() >= 2);
            assert!(review
                .content
                .attendees
                .iter()
                .all(|a| a.scaling.is_none_or(|s| s <= 10)));
            assert!(review.content.working_well.chars().count() >= 100);
            assert!(review
                .content
                .goals
                .iter()
                .all(|g| g.rating.is_some() && g.decision.is_some() && !g.evidence.is_empty()));
            achieved += plan
                .goals
                .iter()
                .filter(|g| g.status == GoalStatus::Achieved)
                .count();
            assert_eq!(
                plan.goals
                    .iter()
                    .filter(|g| g.status == GoalStatus::Active)
                    .count(),
                6,
                "an achieved goal is replaced"
            );
            let longest = plan
                .goals
                .iter()
                .map(|g| reviews::progress_series(&v, g.id, now).unwrap())
                .max_by_key(Vec::len)
                .unwrap();
            assert_eq!(longest[0].source, ProgressSource::Baseline);
            assert!(
                longest.len() >= 6,
                "pupil {}: longest progress series {}",
                row.pupil_id,
                longest.len()
            );
        }
        // Goals reached are sometimes decided achieved and replaced by a new one.
        assert!(achieved > 0, "no goal was ever achieved");
        v.lock("test", now);
    }

    let out = admin()
        .arg("--vault")
        .arg(&dir)
        .args(["--user", "Ada Lovelace", "verify"])
        .env("ATTUNE_PASSPHRASE", PASSPHRASE)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn bench_small_writes_every_figure() {
    let tmp = tempfile::tempdir().unwrap();
    let json = tmp.path().join("bench.json");
    let out = admin()
        .args(["bench", "--size", "small", "--runs", "3", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(doc["size"], "small");
    assert_eq!(doc["generated"]["pupils"], 30);
    assert_eq!(doc["generated"]["users"], 20);
    assert!(doc["generated"]["sessions"].as_u64().unwrap() > 30 * 300);
    assert!(doc["generated"]["reviews"].as_u64().unwrap() >= 30 * 15);
    let ops = doc["operations"].as_array().unwrap();
    let names: Vec<&str> = ops.iter().map(|o| o["name"].as_str().unwrap()).collect();
    for want in [
        "unlock",
        "kdf",
        "caseload_key_adult",
        "caseload_lead",
        "open_pupil",
        "progress_series",
        "prepare_review",
        "save_session",
        "summary_preview",
        "summary_export",
        "summary_audit",
        "search",
        "backup",
        "verify",
        "sync_enrol",
        "sync_week",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    for op in ops {
        let name = op["name"].as_str().unwrap();
        let enc = &op["encrypted"];
        assert!(enc["error"].is_null(), "{name}: {}", enc["error"]);
        assert!(enc["runs"].as_u64().unwrap() >= 1, "{name}");
        for k in ["median_ms", "p95_ms"] {
            assert!(enc[k].as_f64().unwrap() > 0.0, "{name} {k}");
        }
        assert!(enc["peak_rss_kib"].as_u64().unwrap() > 0, "{name}");
        assert!(enc["rss_after_kib"].as_u64().unwrap() > 0, "{name}");
        // The plain copy refuses a backup (a backup must be encrypted); every other
        // operation has figures there too.
        if name != "backup" {
            let plain = &op["plain"];
            assert!(
                plain["error"].is_null(),
                "{name} (plain): {}",
                plain["error"]
            );
            assert!(plain["median_ms"].as_f64().unwrap() > 0.0, "{name} (plain)");
            assert!(op["ratio_median"].as_f64().unwrap() > 0.0, "{name}");
        }
        assert!(op["budget"].is_string(), "{name}");
    }
    // Budgets are printed beside the figures, with ok or MISSED where the issue sets one.
    assert!(stdout.contains("≤ 20 ms p95"), "{stdout}");
    assert!(
        stdout.contains(" ok ") || stdout.contains(" MISSED"),
        "{stdout}"
    );
    let not_built = doc["not_built_yet"].as_array().unwrap();
    assert!(not_built.len() <= 1, "{not_built:?}");
    if !not_built.is_empty() {
        assert!(stdout.contains("Not built yet"), "{stdout}");
    }
}
