//! What the command table (`api.rs`) generates, checked against the committed files: the
//! command list `build.rs` reads, the capability file, and the TypeScript functions the window
//! calls. `UPDATE_BINDINGS=1 cargo test -p attune bindings` writes them afresh.

use std::collections::BTreeSet;
use std::path::Path;

use crate::api::{CommandSpec, COMMANDS};

/// Compare `fresh` with the committed file at `rel` (from the repository root), writing it
/// first when `UPDATE_BINDINGS` is set.
pub(crate) fn check_generated(rel: &str, fresh: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{rel} is stale: run `UPDATE_BINDINGS=1 cargo test -p attune bindings`"
    );
}

fn command_list() -> String {
    let mut out = String::from(
        "# Generated from the command table in src-tauri/src/api.rs by `UPDATE_BINDINGS=1 cargo test -p attune bindings`.\n\
         # Read by build.rs: one permission (allow-<name>) per line.\n",
    );
    for c in COMMANDS {
        out.push_str(c.name);
        out.push('\n');
    }
    out
}

fn capability() -> String {
    let mut perms = vec![
        "core:event:allow-listen".to_string(),
        "core:event:allow-unlisten".to_string(),
    ];
    perms.extend(
        COMMANDS
            .iter()
            .map(|c| format!("allow-{}", c.name.replace('_', "-"))),
    );
    let perms = perms
        .iter()
        .map(|p| format!("    \"{p}\""))
        .collect::<Vec<_>>()
        .join(",\n");
    format!(
        r#"{{
  "$schema": "../../gen/schemas/desktop-schema.json",
  "identifier": "main",
  "description": "The main window may call Attune's own commands and listen for its lock event. Nothing else: no file system, shell, HTTP or opener access. Generated from src-tauri/src/api.rs (UPDATE_BINDINGS=1 cargo test -p attune bindings).",
  "windows": ["main"],
  "local": true,
  "permissions": [
{perms}
  ]
}}
"#
    )
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for ch in snake.chars() {
        if ch == '_' {
            up = true;
        } else if up {
            out.extend(ch.to_uppercase());
            up = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// A parameter name JavaScript accepts (`new` is a reserved word).
fn param(snake: &str) -> String {
    match camel(snake).as_str() {
        "new" => "newValue".into(),
        other => other.into(),
    }
}

/// The type names a TypeScript type refers to (`Array<Draft> | null` → Draft).
fn type_names(ts: &str, into: &mut BTreeSet<String>) {
    for word in ts.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if word.starts_with(|c: char| c.is_ascii_uppercase()) && word != "Array" && word != "Record"
        {
            into.insert(word.to_string());
        }
    }
}

fn ts_function(c: &CommandSpec) -> String {
    let mut out = String::new();
    let doc: Vec<&str> = c
        .doc
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if !doc.is_empty() {
        out.push_str("/**\n");
        for l in doc {
            out.push_str(" * ");
            out.push_str(l);
            out.push('\n');
        }
        out.push_str(&format!(" * Access: {}.\n */\n", c.access.as_str()));
    } else {
        out.push_str(&format!("/** Access: {}. */\n", c.access.as_str()));
    }
    let params = c
        .args
        .iter()
        .map(|(n, t)| format!("{}: {}", param(n), t()))
        .collect::<Vec<_>>()
        .join(", ");
    let keys = c
        .args
        .iter()
        .map(|(n, _)| {
            let (key, p) = (camel(n), param(n));
            if key == p {
                key
            } else {
                format!("{key}: {p}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let ret = (c.returns)();
    let call = if c.args.is_empty() {
        format!("call(\"{}\")", c.name)
    } else {
        format!("call(\"{}\", {{ {keys} }})", c.name)
    };
    out.push_str(&format!(
        "export function {}({params}): Promise<{ret}> {{\n  return {call};\n}}\n",
        camel(c.name)
    ));
    out
}

fn commands_ts() -> String {
    let mut names = BTreeSet::new();
    for c in COMMANDS {
        for (_, t) in c.args {
            type_names(&t(), &mut names);
        }
        type_names(&(c.returns)(), &mut names);
    }
    let mut out = String::from(
        "// Generated from the command table in src-tauri/src/api.rs. Do not edit by hand:\n\
         // run `UPDATE_BINDINGS=1 cargo test -p attune bindings` after changing a command.\n\
         // One function per command; the argument keys are the camelCase Tauri expects.\n\n\
         import { call } from \"./invoke\";\n",
    );
    out.push_str("import type {\n");
    for n in &names {
        out.push_str(&format!("  {n},\n"));
    }
    out.push_str("} from \"./bindings\";\n\n");
    out.push_str(
        "/** Every command's name, in the table's order. */\nexport const COMMAND_NAMES = [\n",
    );
    for c in COMMANDS {
        out.push_str(&format!("  \"{}\",\n", c.name));
    }
    out.push_str("] as const;\n");
    for c in COMMANDS {
        out.push('\n');
        out.push_str(&ts_function(c));
    }
    out
}

#[test]
fn bindings_command_files_are_current() {
    let mut seen = BTreeSet::new();
    for c in COMMANDS {
        assert!(seen.insert(c.name), "{} is declared twice", c.name);
    }
    check_generated("src-tauri/commands.txt", &command_list());
    check_generated("src-tauri/capabilities/main.json", &capability());
    check_generated("ui/src/lib/commands.ts", &commands_ts());
}

#[test]
fn every_type_the_commands_name_is_in_bindings_ts() {
    let bindings = crate::tests::bindings();
    let mut names = BTreeSet::new();
    for c in COMMANDS {
        for (_, t) in c.args {
            type_names(&t(), &mut names);
        }
        type_names(&(c.returns)(), &mut names);
    }
    for n in names {
        assert!(
            bindings.contains(&format!("export type {n} ")),
            "{n} is used by a command but not generated into bindings.ts"
        );
    }
}
