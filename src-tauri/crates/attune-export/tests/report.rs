//! The printable report is written through a template engine that escapes what it is given:
//! the school's own words (its name, its support levels and care statuses, which become table
//! labels) can carry markup, and the report must show it, never obey it.

mod common;

use attune_export::{render, summarise};
use common::*;

const EVIL: &str = r#"<script>alert(1)</script><img src=x onerror="alert(2)">"#;

#[test]
fn the_schools_own_words_cannot_inject_markup() {
    let mut s = summarise(&facts(cohort(40, 7)), EVIL, 5);
    for t in &mut s.tables {
        t.title = EVIL.into();
        t.note = EVIL.into();
        t.dimension_label = EVIL.into();
        for c in &mut t.columns {
            c.label = EVIL.into();
        }
        for r in &mut t.rows {
            r.label = EVIL.into();
        }
    }
    s.terms = vec![EVIL.into()];
    let page = render(&s).html;
    let lower = page.to_lowercase();
    // The page's only elements are the report's own: no script, no image, no handler.
    assert!(!lower.contains("<script"), "{page}");
    assert!(!lower.contains("<img"), "{page}");
    assert!(!lower.contains("onerror=\""), "a quote closed an attribute");
    // The words are there, as text.
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("onerror=&quot;alert(2)&quot;"));
    // The charts' captions and bar labels (SVG text) carry them too, escaped.
    assert!(page.contains("<figcaption"), "charts are drawn");
    assert!(page.contains("<text "), "bars are labelled");
}

#[test]
fn a_withheld_figure_is_a_word_in_the_table_and_a_marker_in_the_chart() {
    // A cohort of 12 at k 5 withholds something in every table.
    let s = summarise(&facts(cohort(12, 3)), "A school", 5);
    let page = render(&s).html;
    assert!(s.count_status(attune_export::model::CellStatus::Suppressed) > 0);
    assert!(page.contains("<td class=\"withheld\">"));
    assert!(
        page.contains("stroke-dasharray=\"3 2\""),
        "the dashed marker is drawn"
    );
}
