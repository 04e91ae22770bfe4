//! Anonymised summary files as the merge reads them (`attune-summary/1`: schema version,
//! shape, checksum, validation), then the merge itself: any bytes, never a panic.
//!
//! Two passes per input: the bytes as a whole file (mostly stopped by the checksum), and the
//! bytes as the `summary` member written under a correct checksum, so the fuzzer reaches the
//! validation and the merge behind it. What reads must write back to something that reads
//! to the same, and merging it with a second school must give a file that reads back too.
#![no_main]

use attune_export::model::Summary;
use attune_export::{json, merge, render};
use libfuzzer_sys::fuzz_target;

fn check(bytes: &[u8]) {
    let Ok(s) = json::from_json(bytes) else {
        return;
    };
    let again = json::from_json(json::to_json(&s).as_bytes()).expect("a summary re-reads");
    assert_eq!(again, s);
    let mut other = s.clone();
    other.source_id = Some(match s.source_id.as_deref() {
        Some("ffffffffffffffff") => "0000000000000000".into(),
        _ => "ffffffffffffffff".into(),
    });
    let files = vec![
        ("a.json".to_string(), bytes.to_vec()),
        ("b.json".to_string(), json::to_json(&other).into_bytes()),
    ];
    if let Ok(inputs) = merge::read_inputs(&files) {
        let merged = merge::merge_summaries(&inputs);
        let out = render(&merged);
        json::from_json(out.json.as_bytes()).expect("a merged summary re-reads");
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    if let Ok(summary) = serde_json::from_slice::<Summary>(data) {
        check(json::to_json(&summary).as_bytes());
    }
});
