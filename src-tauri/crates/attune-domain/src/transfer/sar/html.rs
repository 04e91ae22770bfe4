//! The saved subject access file: the typed document through maud, which escapes every value
//! it interpolates. Only the fixed stylesheet below is written unescaped.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::{SarBlock, SarDocument, SarSection, SarValue};

const STYLE: &str = "
body { font-family: Arial, Helvetica, sans-serif; font-size: 11pt; line-height: 1.4; color: #0b0c0c; margin: 2em; }
h1 { font-size: 20pt; margin: 0 0 0.3em; }
h2 { font-size: 14pt; margin: 1.6em 0 0.4em; border-bottom: 2px solid #0b0c0c; }
h3 { font-size: 12pt; margin: 1.2em 0 0.3em; }
table { border-collapse: collapse; width: 100%; margin: 0.3em 0 1em; }
th, td { border: 1px solid #b1b4b6; padding: 0.25em 0.4em; text-align: left; vertical-align: top; }
th { background: #f3f2f1; }
dl { display: grid; grid-template-columns: 14em 1fr; gap: 0.2em 1em; }
dt { font-weight: bold; }
dd { margin: 0; }
.text { white-space: pre-wrap; }
.none { color: #505a5f; font-style: italic; }
.meta { color: #505a5f; }
@page { size: A4; margin: 18mm 15mm; }
@media print {
  body { margin: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  tr, dl { break-inside: avoid; }
  thead { display: table-header-group; }
}
";

fn value(v: &SarValue) -> Markup {
    html! {
        @if v.not_recorded() {
            span.none { "Not recorded" }
        } @else if v.multiline {
            span.text { (v.text) }
        } @else {
            (v.text)
        }
    }
}

fn block(b: &SarBlock) -> Markup {
    html! {
        @match b {
            SarBlock::Fields { items } => {
                dl {
                    @for f in items {
                        dt { (f.label) }
                        dd { (value(&f.value)) }
                    }
                }
            }
            SarBlock::Table { rows, .. } if rows.is_empty() => {
                p.none { "None recorded." }
            }
            SarBlock::Table { head, rows } => {
                table {
                    thead { tr { @for h in head { th scope="col" { (h) } } } }
                    tbody {
                        @for r in rows {
                            tr { @for c in r { td { (value(c)) } } }
                        }
                    }
                }
            }
            SarBlock::Nothing => {
                p.none { "None recorded." }
            }
        }
    }
}

fn section(s: &SarSection) -> Markup {
    html! {
        @match s.level {
            2 => h2 { (s.heading) },
            3 => h3 { (s.heading) },
            _ => h4 { (s.heading) },
        }
        @for n in &s.notes {
            p.meta { (n) }
        }
        @for b in &s.blocks {
            (block(b))
        }
    }
}

/// The document as one self-contained HTML page (no scripts, no images, no links).
pub fn render_html(doc: &SarDocument) -> String {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (doc.title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { (doc.heading) }
                p.meta { (doc.intro) }
                @for s in &doc.sections {
                    (section(s))
                }
            }
        }
    }
    .into_string()
}
