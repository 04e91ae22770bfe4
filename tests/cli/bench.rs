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
    let ops = doc["operations"].as_array().unwrap();
    let names: Vec<&str> = ops.iter().map(|o| o["name"].as_str().unwrap()).collect();
    for want in [
        "unlock",
        "kdf",
        "caseload_key_adult",
        "caseload_lead",
        "open_pupil",
        "save_session",
        "search",
        "backup",
        "verify",
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
    assert_eq!(doc["not_built_yet"].as_array().unwrap().len(), 3);
    assert!(stdout.contains("not built yet") || stdout.contains("Not built yet"));
}
