// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let mut vault_dir = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--vault" => match args.next() {
                Some(d) => vault_dir = Some(std::path::PathBuf::from(d)),
                None => {
                    eprintln!("attune: --vault needs a folder");
                    std::process::exit(2);
                }
            },
            "--help" | "-h" => {
                println!("Usage: attune [--vault DIR]\n\nOpens the Attune vault in DIR (default: the app-data folder).");
                return;
            }
            // Other arguments (for example from a WebDriver) are not ours.
            _ => {}
        }
    }
    attune_app::run(vault_dir);
}
