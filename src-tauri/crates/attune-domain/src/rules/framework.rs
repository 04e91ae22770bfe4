//! Plan frameworks as data: the domains a plan's goals are grouped under.
//!
//! A framework is a JSON file (schema `attune-framework/1`):
//!
//! ```json
//! {
//!   "schema": "attune-framework/1",
//!   "id": "secure-base",
//!   "name": "Secure Base model",
//!   "description": "…",
//!   "default": true,
//!   "domains": [
//!     { "id": "availability", "name": "…", "description": "…", "prompts": ["…"] }
//!   ]
//! }
//! ```
//!
//! Every field is required except `default` (false when absent); unknown fields are refused, so a
//! misspelt `"prompt"` does not silently drop the prompts. Ids use only `a-z`, `0-9` and `-`;
//! names and descriptions are not empty; there is at least one domain; domain ids are unique;
//! `prompts` may be an empty list but every prompt has text.
//!
//! Attune ships the Secure Base model (the default) and SHANARRI in `assets/frameworks/`; a school
//! adds its own file there. A malformed file is refused with the **line and column** and the
//! reason: syntax and type errors where the JSON reader stopped, other errors where the offending
//! element starts.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The schema version this crate reads.
pub const SCHEMA: &str = "attune-framework/1";

/// The frameworks shipped with Attune, as `(file name, JSON text)`; compiled in so the defaults are
/// there even when the assets folder cannot be found.
pub const BUILTIN: [(&str, &str); 2] = [
    (
        "secure-base.json",
        include_str!("../../../../../assets/frameworks/secure-base.json"),
    ),
    (
        "shanarri.json",
        include_str!("../../../../../assets/frameworks/shanarri.json"),
    ),
];

/// A plan framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Framework {
    /// Stable id, `[a-z0-9-]+` ("secure-base").
    pub id: String,
    /// Name shown to people ("Secure Base model").
    pub name: String,
    /// One or two sentences about the framework.
    pub description: String,
    /// Whether a new plan starts from this framework.
    #[serde(rename = "default")]
    pub is_default: bool,
    /// The domains, in the order the file gives them.
    pub domains: Vec<Domain>,
}

/// One domain of a framework (a Secure Base dimension, a SHANARRI indicator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Domain {
    /// Stable id within the framework, `[a-z0-9-]+` ("availability").
    pub id: String,
    /// Name shown to people.
    pub name: String,
    /// One sentence about the domain.
    pub description: String,
    /// Example SMART outcomes to start a goal from.
    pub prompts: Vec<String>,
}

impl Framework {
    /// Reads and checks a framework file's text. A UTF-8 byte order mark is ignored.
    pub fn from_json_str(text: &str) -> Result<Framework> {
        parse(text).map(|(framework, _)| framework)
    }

    /// The domain with this id.
    pub fn domain(&self, id: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.id == id)
    }
}

/// The built-in frameworks (Secure Base, SHANARRI).
pub fn builtin() -> Vec<Framework> {
    BUILTIN
        .iter()
        .map(|(_, text)| Framework::from_json_str(text).expect("the shipped frameworks are valid"))
        .collect()
}

/// A framework loaded from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedFramework {
    /// The file it came from.
    pub file: PathBuf,
    /// The framework.
    pub framework: Framework,
}

/// A framework file that was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameworkFileError {
    /// The file.
    pub file: PathBuf,
    /// What is wrong with it (with line and column where it has them).
    pub error: Error,
}

impl fmt::Display for FrameworkFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.file.file_name().map_or_else(
            || self.file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        write!(f, "{name}: {}", self.error)
    }
}

/// The frameworks of a folder: the good ones, and what is wrong with the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadedFrameworks {
    /// Frameworks read and checked, in file-name order.
    pub frameworks: Vec<LoadedFramework>,
    /// Files refused, in file-name order.
    pub errors: Vec<FrameworkFileError>,
}

impl LoadedFrameworks {
    /// The framework a new plan starts from: the first marked `"default": true`, else the first.
    pub fn default_framework(&self) -> Option<&Framework> {
        self.frameworks
            .iter()
            .map(|l| &l.framework)
            .find(|f| f.is_default)
            .or_else(|| self.frameworks.first().map(|l| &l.framework))
    }
}

/// Loads every `*.json` file of a folder (not its subfolders), in file-name order. A bad file is
/// reported in [`LoadedFrameworks::errors`] and does not stop the good ones loading; a second
/// file using an id already loaded is refused. Fails only when the folder itself cannot be read.
pub fn load_dir(dir: &Path) -> Result<LoadedFrameworks> {
    let io_error = |e: std::io::Error| Error::Io {
        path: dir.display().to_string(),
        reason: e.to_string(),
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io_error)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        })
        .collect();
    files.sort();

    let mut loaded = LoadedFrameworks::default();
    let mut ids: HashMap<String, PathBuf> = HashMap::new();
    for file in files {
        let result = std::fs::read(&file)
            .map_err(|e| Error::Io {
                path: file.display().to_string(),
                reason: e.to_string(),
            })
            .and_then(|bytes| {
                String::from_utf8(bytes).map_err(|_| Error::Framework {
                    line: 1,
                    column: 1,
                    reason: "the file is not UTF-8 text".into(),
                })
            })
            .and_then(|text| {
                let (framework, tree) = parse(&text)?;
                if let Some(first) = ids.get(&framework.id) {
                    let at = tree.get("id").map_or(tree.start, |n| n.start);
                    let first_name = first
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    return Err(framework_error(
                        &text,
                        at,
                        format!(
                            "the framework id {:?} is already used by {first_name}",
                            framework.id
                        ),
                    ));
                }
                Ok(framework)
            });
        match result {
            Ok(framework) => {
                ids.insert(framework.id.clone(), file.clone());
                loaded.frameworks.push(LoadedFramework { file, framework });
            }
            Err(error) => loaded.errors.push(FrameworkFileError { file, error }),
        }
    }
    Ok(loaded)
}

// ----- parsing -----

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a framework object")]
struct RawFramework {
    schema: Option<String>,
    id: Option<String>,
    name: Option<String>,
    description: Option<String>,
    default: Option<bool>,
    domains: Option<Vec<RawDomain>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a domain object")]
struct RawDomain {
    id: Option<String>,
    name: Option<String>,
    description: Option<String>,
    prompts: Option<Vec<String>>,
}

fn parse(text: &str) -> Result<(Framework, Node)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| json_error(&e, true))?;
    let tree = scan(text);
    if !value.is_object() {
        return Err(framework_error(
            text,
            tree.start,
            "a framework file holds one JSON object, starting with {".into(),
        ));
    }
    let raw: RawFramework = serde_json::from_str(text).map_err(|e| json_error(&e, false))?;
    let fail = |at: usize, reason: String| Err(framework_error(text, at, reason));
    let at_key = |node: &Node, key: &str| node.get(key).map_or(node.start, |n| n.start);

    match raw.schema.as_deref() {
        None => {
            return fail(
                tree.start,
                format!("the \"schema\" field is missing: it should be \"{SCHEMA}\""),
            )
        }
        Some(SCHEMA) => {}
        Some(other) => {
            return fail(
                at_key(&tree, "schema"),
                format!(
                    "unknown schema version {other:?}: this version of Attune reads \"{SCHEMA}\""
                ),
            )
        }
    }
    let id = match raw.id {
        None => return fail(tree.start, "the framework has no \"id\"".into()),
        Some(id) => id,
    };
    if !valid_id(&id) {
        return fail(at_key(&tree, "id"), id_reason("the framework id", &id));
    }
    let name = required_text(raw.name, "the framework", "name", &tree)
        .map_err(|(at, r)| framework_error(text, at, r))?;
    let description = required_text(raw.description, "the framework", "description", &tree)
        .map_err(|(at, r)| framework_error(text, at, r))?;
    let raw_domains = match raw.domains {
        None => return fail(tree.start, "the framework has no \"domains\" list".into()),
        Some(d) => d,
    };
    let domains_node = tree.get("domains").cloned().unwrap_or_else(|| tree.clone());
    if raw_domains.is_empty() {
        return fail(
            domains_node.start,
            "the framework needs at least one domain".into(),
        );
    }

    let mut domains = Vec::with_capacity(raw_domains.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, raw_domain) in raw_domains.into_iter().enumerate() {
        let node = domains_node
            .item(i)
            .cloned()
            .unwrap_or_else(|| domains_node.clone());
        let number = i + 1;
        let id = match raw_domain.id {
            None => return fail(node.start, format!("domain {number} has no \"id\"")),
            Some(id) => id,
        };
        let id_at = at_key(&node, "id");
        if !valid_id(&id) {
            return fail(id_at, id_reason(&format!("the id of domain {number}"), &id));
        }
        if let Some(&first_at) = seen.get(&id) {
            let (first_line, _) = line_column(text, first_at);
            return fail(
                id_at,
                format!("duplicate domain id {id:?} (first used on line {first_line})"),
            );
        }
        seen.insert(id.clone(), id_at);
        let what = format!("domain {id:?}");
        let name = required_text(raw_domain.name, &what, "name", &node)
            .map_err(|(at, r)| framework_error(text, at, r))?;
        let description = required_text(raw_domain.description, &what, "description", &node)
            .map_err(|(at, r)| framework_error(text, at, r))?;
        let prompts = match raw_domain.prompts {
            None => {
                return fail(
                    node.start,
                    format!("{what} has no \"prompts\" list (it may be empty: [])"),
                )
            }
            Some(p) => p,
        };
        let prompts_node = node.get("prompts").cloned().unwrap_or_else(|| node.clone());
        for (j, prompt) in prompts.iter().enumerate() {
            if prompt.trim().is_empty() {
                let at = prompts_node.item(j).map_or(prompts_node.start, |n| n.start);
                return fail(at, format!("prompt {} of {what} is empty", j + 1));
            }
        }
        domains.push(Domain {
            id,
            name,
            description,
            prompts,
        });
    }

    let framework = Framework {
        id,
        name,
        description,
        is_default: raw.default.unwrap_or(false),
        domains,
    };
    Ok((framework, tree))
}

fn required_text(
    value: Option<String>,
    what: &str,
    key: &str,
    node: &Node,
) -> std::result::Result<String, (usize, String)> {
    match value {
        None => Err((node.start, format!("{what} has no {key:?}"))),
        Some(v) if v.trim().is_empty() => Err((
            node.get(key).map_or(node.start, |n| n.start),
            format!("the {key} of {what} is empty"),
        )),
        Some(v) => Ok(v),
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn id_reason(what: &str, id: &str) -> String {
    if id.is_empty() {
        format!("{what} is empty: use lowercase letters a-z, digits and hyphens")
    } else {
        format!("{what} {id:?} may use only lowercase letters a-z, digits and hyphens")
    }
}

fn json_error(e: &serde_json::Error, syntax_pass: bool) -> Error {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
    let reason = match e.classify() {
        serde_json::error::Category::Eof => {
            "the file ends too early: a closing } or ] or \" is missing".to_string()
        }
        serde_json::error::Category::Syntax if syntax_pass => format!("not valid JSON: {message}"),
        _ => message.replace('`', "\""),
    };
    Error::Framework {
        line: e.line().max(1),
        column: e.column().max(1),
        reason,
    }
}

fn framework_error(text: &str, at: usize, reason: String) -> Error {
    let (line, column) = line_column(text, at);
    Error::Framework {
        line,
        column,
        reason,
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

// ----- where each element starts -----

/// A JSON value's starting byte offset, and the same for what it contains. Built by a small
/// scanner over text that serde_json has already accepted as valid JSON.
#[derive(Debug, Clone)]
struct Node {
    start: usize,
    children: Children,
}

#[derive(Debug, Clone)]
enum Children {
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    Scalar,
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match &self.children {
            Children::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, n)| n),
            _ => None,
        }
    }

    fn item(&self, index: usize) -> Option<&Node> {
        match &self.children {
            Children::Array(items) => items.get(index),
            _ => None,
        }
    }
}

fn scan(text: &str) -> Node {
    let mut pos = 0;
    scan_value(text.as_bytes(), &mut pos, text)
}

fn skip_ws(bytes: &[u8], pos: &mut usize) {
    while *pos < bytes.len() && matches!(bytes[*pos], b' ' | b'\t' | b'\n' | b'\r') {
        *pos += 1;
    }
}

fn scan_value(bytes: &[u8], pos: &mut usize, text: &str) -> Node {
    skip_ws(bytes, pos);
    let start = *pos;
    let children = match bytes.get(*pos) {
        Some(b'{') => {
            *pos += 1;
            let mut entries = Vec::new();
            loop {
                skip_ws(bytes, pos);
                match bytes.get(*pos) {
                    Some(b'}') | None => {
                        *pos += 1;
                        break;
                    }
                    Some(b',') => *pos += 1,
                    Some(b'"') => {
                        let key_start = *pos;
                        skip_string(bytes, pos);
                        let key: String =
                            serde_json::from_str(&text[key_start..*pos]).unwrap_or_default();
                        skip_ws(bytes, pos);
                        if bytes.get(*pos) == Some(&b':') {
                            *pos += 1;
                        }
                        let value = scan_value(bytes, pos, text);
                        entries.push((key, value));
                    }
                    Some(_) => *pos += 1,
                }
            }
            Children::Object(entries)
        }
        Some(b'[') => {
            *pos += 1;
            let mut items = Vec::new();
            loop {
                skip_ws(bytes, pos);
                match bytes.get(*pos) {
                    Some(b']') | None => {
                        *pos += 1;
                        break;
                    }
                    Some(b',') => *pos += 1,
                    Some(_) => items.push(scan_value(bytes, pos, text)),
                }
            }
            Children::Array(items)
        }
        Some(b'"') => {
            skip_string(bytes, pos);
            Children::Scalar
        }
        _ => {
            while *pos < bytes.len()
                && !matches!(
                    bytes[*pos],
                    b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
                )
            {
                *pos += 1;
            }
            Children::Scalar
        }
    };
    Node { start, children }
}

/// Moves past a string starting at `pos` (on its opening quote).
fn skip_string(bytes: &[u8], pos: &mut usize) {
    *pos += 1;
    while *pos < bytes.len() {
        match bytes[*pos] {
            b'\\' => *pos += 2,
            b'"' => {
                *pos += 1;
                return;
            }
            _ => *pos += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assets() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../assets/frameworks")
    }

    fn err(text: &str) -> (usize, usize, String) {
        match Framework::from_json_str(text) {
            Err(Error::Framework {
                line,
                column,
                reason,
            }) => (line, column, reason),
            other => panic!("expected a framework error, got {other:?}"),
        }
    }

    const GOOD: &str = r#"{
  "schema": "attune-framework/1",
  "id": "our-own",
  "name": "Our school's framework",
  "description": "Three areas we care about.",
  "domains": [
    { "id": "calm", "name": "Calm", "description": "Feeling calm.", "prompts": ["Uses a calm box daily."] },
    { "id": "friends", "name": "Friends", "description": "Making friends.", "prompts": [] },
    { "id": "learning-2", "name": "Learning", "description": "Ready to learn.", "prompts": ["Starts a task."] }
  ]
}"#;

    #[test]
    fn shipped_frameworks_load_from_the_assets_folder() {
        let loaded = load_dir(&assets()).unwrap();
        assert_eq!(
            loaded.errors,
            vec![],
            "{:?}",
            loaded
                .errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        );
        let ids: Vec<&str> = loaded
            .frameworks
            .iter()
            .map(|l| l.framework.id.as_str())
            .collect();
        assert_eq!(ids, vec!["secure-base", "shanarri"]);
        let default = loaded.default_framework().unwrap();
        assert_eq!(default.id, "secure-base");

        let secure = &loaded.frameworks[0].framework;
        assert!(secure.is_default);
        let domain_ids: Vec<&str> = secure.domains.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(
            domain_ids,
            vec![
                "availability",
                "sensitivity",
                "acceptance",
                "co-operation",
                "belonging"
            ]
        );
        for d in &secure.domains {
            assert!((2..=3).contains(&d.prompts.len()), "{}", d.id);
            assert!(!d.description.is_empty());
        }
        assert!(secure
            .domain("availability")
            .unwrap()
            .name
            .contains("trust"));
        assert!(secure
            .domain("sensitivity")
            .unwrap()
            .name
            .contains("manage feelings"));
        assert!(secure
            .domain("acceptance")
            .unwrap()
            .name
            .contains("self-esteem"));
        assert!(secure
            .domain("co-operation")
            .unwrap()
            .name
            .contains("effective"));
        assert!(secure.domain("belonging").unwrap().name.contains("belong"));

        let shanarri = &loaded.frameworks[1].framework;
        assert!(!shanarri.is_default);
        let names: Vec<&str> = shanarri.domains.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "Safe",
                "Healthy",
                "Achieving",
                "Nurtured",
                "Active",
                "Respected",
                "Responsible",
                "Included"
            ]
        );
        assert_eq!(
            builtin(),
            loaded
                .frameworks
                .iter()
                .map(|l| l.framework.clone())
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn reads_a_good_framework() {
        let f = Framework::from_json_str(GOOD).unwrap();
        assert_eq!(f.id, "our-own");
        assert!(!f.is_default, "default is false when absent");
        assert_eq!(f.domains.len(), 3);
        assert_eq!(f.domains[1].prompts, Vec::<String>::new());
        let with_bom = format!("\u{feff}{GOOD}");
        assert_eq!(Framework::from_json_str(&with_bom).unwrap(), f);
        // Serialises with "default" for the UI.
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["default"], false);
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        // A missing comma after the name on line 4.
        let text = GOOD.replace(
            "\"name\": \"Our school's framework\",",
            "\"name\": \"Our school's framework\"",
        );
        let (line, column, reason) = err(&text);
        assert_eq!((line, column), (5, 3));
        assert!(reason.starts_with("not valid JSON: expected"), "{reason}");

        // Cut off inside the last domain, on line 9.
        let (line, _, reason) = err(&GOOD[..GOOD.len() - 10]);
        assert_eq!(line, 9);
        assert_eq!(
            reason,
            "the file ends too early: a closing } or ] or \" is missing"
        );

        let (line, column, reason) = err("");
        assert_eq!((line, column), (1, 1));
        assert!(reason.contains("too early"), "{reason}");
    }

    #[test]
    fn type_errors_and_unknown_fields_have_line_and_column() {
        let text = GOOD.replace(r#""name": "Friends""#, r#""name": 7"#);
        let (line, _, reason) = err(&text);
        assert_eq!(line, 8);
        assert!(
            reason.contains("invalid type: integer \"7\", expected a string"),
            "{reason}"
        );

        let text = GOOD.replace(r#""prompts": []"#, r#""prompt": []"#);
        let (line, _, reason) = err(&text);
        assert_eq!(line, 8);
        assert!(reason.starts_with("unknown field \"prompt\""), "{reason}");

        let text = GOOD.replace(r#"{ "id": "friends""#, r#""friends", { "id": "friends""#);
        let (line, _, reason) = err(&text);
        assert_eq!(line, 8);
        assert!(reason.contains("expected a domain object"), "{reason}");

        let (line, column, reason) = err("\n  [1, 2]");
        assert_eq!((line, column), (2, 3));
        assert_eq!(
            reason,
            "a framework file holds one JSON object, starting with {"
        );
    }

    #[test]
    fn duplicate_domain_id_points_at_the_second_one() {
        let text = GOOD.replace(r#""id": "learning-2""#, r#""id": "calm""#);
        let (line, column, reason) = err(&text);
        assert_eq!(
            reason,
            "duplicate domain id \"calm\" (first used on line 7)"
        );
        assert_eq!(line, 9);
        assert_eq!(
            column,
            text.lines().nth(8).unwrap().find("\"calm\"").unwrap() + 1
        );
    }

    #[test]
    fn duplicate_id_is_found_even_when_the_same_text_appears_earlier() {
        // A prompt mentions "id": "calm" as text; the error must still point at the real element.
        let text = GOOD
            .replace(
                "Uses a calm box daily.",
                "Quote: \\\"id\\\": \\\"friends\\\"",
            )
            .replace(r#""id": "learning-2""#, r#""id": "friends""#);
        let (line, _, reason) = err(&text);
        assert_eq!(
            reason,
            "duplicate domain id \"friends\" (first used on line 8)"
        );
        assert_eq!(line, 9);
    }

    #[test]
    fn semantic_errors_report_where_the_element_starts() {
        let text = GOOD.replace("attune-framework/1", "attune-framework/2");
        assert_eq!(
            err(&text),
            (2, 13, "unknown schema version \"attune-framework/2\": this version of Attune reads \"attune-framework/1\"".into())
        );

        let text = GOOD.replace("  \"schema\": \"attune-framework/1\",\n", "");
        assert_eq!(
            err(&text),
            (
                1,
                1,
                "the \"schema\" field is missing: it should be \"attune-framework/1\"".into()
            )
        );

        let text = GOOD.replace(r#""id": "our-own""#, r#""id": "Our Own""#);
        assert_eq!(
            err(&text),
            (3, 9, "the framework id \"Our Own\" may use only lowercase letters a-z, digits and hyphens".into())
        );

        let text = GOOD.replace(r#""id": "friends""#, r#""id": "friends!""#);
        let (line, _, reason) = err(&text);
        assert_eq!(line, 8);
        assert_eq!(reason, "the id of domain 2 \"friends!\" may use only lowercase letters a-z, digits and hyphens");

        let text = GOOD.replace(r#""name": "Friends", "#, "");
        assert_eq!(
            err(&text),
            (8, 5, "domain \"friends\" has no \"name\"".into())
        );

        let text = GOOD.replace(r#""name": "Learning""#, r#""name": "  ""#);
        let (line, _, reason) = err(&text);
        assert_eq!(
            (line, reason.as_str()),
            (9, "the name of domain \"learning-2\" is empty")
        );

        let text = GOOD.replace("  \"name\": \"Our school's framework\",\n", "");
        assert_eq!(err(&text), (1, 1, "the framework has no \"name\"".into()));

        let text = GOOD.replace(r#"{ "id": "calm", "#, "{ ");
        assert_eq!(err(&text), (7, 5, "domain 1 has no \"id\"".into()));

        let text = GOOD.replace(
            r#""prompts": ["Starts a task."]"#,
            r#""prompts": ["Starts a task.", " "]"#,
        );
        let (line, _, reason) = err(&text);
        assert_eq!(
            (line, reason.as_str()),
            (9, "prompt 2 of domain \"learning-2\" is empty")
        );

        let text = GOOD.replace(r#", "prompts": []"#, "");
        let (line, _, reason) = err(&text);
        assert_eq!(
            (line, reason.as_str()),
            (
                8,
                "domain \"friends\" has no \"prompts\" list (it may be empty: [])"
            )
        );

        let empty = r#"{
  "schema": "attune-framework/1", "id": "x", "name": "X", "description": "D",
  "domains": []
}"#;
        assert_eq!(
            err(empty),
            (3, 14, "the framework needs at least one domain".into())
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "{\"schema\": \"attune-framework/1\", \"name\": \"é\", \"id\": \"X\"}";
        let (line, column, reason) = err(text);
        assert_eq!((line, column), (1, 53), "{reason}");
    }

    #[test]
    fn load_dir_keeps_good_files_and_reports_bad_ones() {
        let dir =
            std::env::temp_dir().join(format!("attune-domain-frameworks-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a-good.json"), GOOD).unwrap();
        std::fs::write(dir.join("b-broken.json"), "{ \"schema\": ").unwrap();
        std::fs::write(
            dir.join("c-same-id.json"),
            GOOD.replace("Our school's framework", "Copy"),
        )
        .unwrap();
        std::fs::write(dir.join("d-not-utf8.json"), [0xff, 0xfe, 0x00]).unwrap();
        std::fs::write(dir.join("notes.txt"), "not a framework").unwrap();
        std::fs::create_dir_all(dir.join("sub.json")).unwrap();

        let loaded = load_dir(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();

        assert_eq!(loaded.frameworks.len(), 1);
        assert_eq!(loaded.frameworks[0].framework.id, "our-own");
        let errors: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].starts_with("b-broken.json: line 1, column 12: the file ends too early"),
            "{errors:?}"
        );
        assert_eq!(errors[1], "c-same-id.json: line 3, column 9: the framework id \"our-own\" is already used by a-good.json");
        assert_eq!(
            errors[2],
            "d-not-utf8.json: line 1, column 1: the file is not UTF-8 text"
        );
        assert_eq!(
            loaded.default_framework().unwrap().id,
            "our-own",
            "the first when none is marked default"
        );
    }

    #[test]
    fn load_dir_of_a_missing_folder_is_an_error() {
        let missing = std::env::temp_dir().join("attune-domain-no-such-folder");
        assert!(matches!(load_dir(&missing), Err(Error::Io { .. })));
    }
}
