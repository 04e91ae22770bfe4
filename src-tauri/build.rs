//! Tauri's build step. The app's own commands are listed in `src-tauri/commands.txt`, which a
//! test writes from the one command table (`src-tauri/src/api.rs`) and fails on when it is
//! stale; Tauri generates one permission per command from it, and the capability file
//! (`src-tauri/capabilities/main.json`, written by the same test) grants exactly those.

fn main() {
    const LIST: &str = "src-tauri/commands.txt";
    println!("cargo:rerun-if-changed={LIST}");
    let text = std::fs::read_to_string(LIST).expect("src-tauri/commands.txt (the command list)");
    let commands: &'static [&'static str] = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| &*Box::leak(l.to_string().into_boxed_str()))
        .collect::<Vec<_>>()
        .leak();
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("src-tauri/capabilities/**/*.json")
            .app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri build step");
}
