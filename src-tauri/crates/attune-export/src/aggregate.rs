//! From the anonymised facts of each pupil to the summary's tables, before disclosure control.
//!
//! Every cell carries its value (`raw`) and the number of distinct pupils it stands for
//! (`base`), which is what disclosure control looks at. The tables, in order:
//!
//! | id | rows | columns |
//! | --- | --- | --- |
//! | `pupils_by_year_band_and_support_level` | year-group bands + all | support levels + all (pupils) |
//! | `pupils_by_care_status` | care statuses + all | pupils |
//! | `plans` | plan active / no plan active + all | pupils |
//! | `reviews` | held on time / held late / overdue + all | reviews, pupils |
//! | `goals_by_domain` | framework domains + all | pupils, goals, goals rated, share improved, mean change |
//! | `sessions` | session kinds + all | pupils, sessions, hours |
//! | `signs_of_safety` | pupils scaled at two or more reviews | pupils, mean first, mean latest, mean change, share improved |
//! | `indicators` | attendance, exclusion days, physical interventions | pupils, mean before, mean latest, mean change, share improved |
//!
//! Categories of the school's own lists (care statuses, support levels) are all listed, with
//! zero where nobody has them; "Not recorded" and year-group bands only when someone is in
//! them, so a category a table does not list has no pupils in it.

use std::collections::{BTreeMap, BTreeSet};

use attune_domain::lead::summary_facts::{
    IndicatorValues, PupilFacts, ReviewOutcome, SummaryFacts, YearBand,
};
use attune_domain::model::SessionKind;

use crate::model::{Cell, Column, Kind, Row, Summary, SummaryKind, Table, Unit};

/// The key of every total row and total column.
pub const TOTAL_KEY: &str = "all";
/// The key of the "Not recorded" category.
pub const NOT_RECORDED_KEY: &str = "not_recorded";
const NOT_RECORDED: &str = "Not recorded";

/// A stable key for a school's label: lower case, runs of other characters as `_`.
pub fn slug(label: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in label.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            out.push(c);
            gap = false;
        } else {
            gap = true;
        }
    }
    if out.is_empty() || out == TOTAL_KEY || out == NOT_RECORDED_KEY {
        out.insert_str(0, "label_");
    }
    out
}

fn col(key: &str, label: &str, measure: &str, unit: Unit, kind: Kind, additive: bool) -> Column {
    Column {
        key: key.into(),
        label: label.into(),
        measure: measure.into(),
        unit,
        kind,
        additive,
        total: false,
        weight: None,
        range: None,
        change: false,
    }
}

fn mean_col(key: &str, label: &str, unit: Unit, weight: &str, range: Option<[f64; 2]>) -> Column {
    Column {
        weight: Some(weight.into()),
        range,
        ..col(key, label, key, unit, Kind::Mean, false)
    }
}

fn share_col(key: &str, label: &str, weight: &str) -> Column {
    Column {
        weight: Some(weight.into()),
        range: Some([0.0, 100.0]),
        ..col(key, label, key, Unit::Percent, Kind::Share, false)
    }
}

fn row(key: &str, label: &str, total: bool, cells: Vec<Cell>) -> Row {
    Row {
        key: key.into(),
        label: label.into(),
        total,
        range: None,
        cells,
    }
}

fn count(n: usize) -> Cell {
    Cell::computed(Some(n as f64), n as u32)
}

/// A count of things (goals, sessions) standing for `pupils` pupils.
fn count_of(n: u64, pupils: usize) -> Cell {
    Cell::computed(Some(n as f64), pupils as u32)
}

fn mean_of(values: &[f64], pupils: usize) -> Cell {
    let m = (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
    Cell::computed(m, pupils as u32)
}

fn share_of(hits: usize, of: usize, pupils: usize) -> Cell {
    let s = (of > 0).then(|| 100.0 * hits as f64 / of as f64);
    Cell::computed(s, pupils as u32)
}

/// Categories from a school list plus any other value found, "Not recorded" last when used.
fn categories(
    list: &[String],
    values: impl Iterator<Item = Option<String>>,
) -> Vec<(String, String)> {
    let mut labels: Vec<String> = list.to_vec();
    let mut not_recorded = false;
    for v in values {
        match v {
            None => not_recorded = true,
            Some(l) if !labels.contains(&l) => labels.push(l),
            Some(_) => {}
        }
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for l in labels {
        let mut key = slug(&l);
        while out.iter().any(|(k, _)| *k == key) {
            key.push_str("_2");
        }
        out.push((key, l));
    }
    if not_recorded {
        out.push((NOT_RECORDED_KEY.into(), NOT_RECORDED.into()));
    }
    out
}

fn category_of(cats: &[(String, String)], value: &Option<String>) -> usize {
    match value {
        None => cats.len() - 1,
        Some(l) => cats.iter().position(|(_, c)| c == l).expect("listed"),
    }
}

fn pupils_table(facts: &SummaryFacts) -> Table {
    let p = &facts.pupils;
    let levels = categories(
        &facts.support_levels,
        p.iter().map(|x| x.support_level.clone()),
    );
    let bands: Vec<YearBand> = YearBand::ALL
        .iter()
        .copied()
        .filter(|b| p.iter().any(|x| x.year_band == *b))
        .collect();
    let mut columns: Vec<Column> = levels
        .iter()
        .map(|(k, l)| col(k, l, "pupils", Unit::Pupils, Kind::Count, true))
        .collect();
    columns.push(Column {
        total: true,
        ..col(
            TOTAL_KEY,
            "All support levels",
            "pupils",
            Unit::Pupils,
            Kind::Count,
            true,
        )
    });
    let mut counts = vec![vec![0usize; levels.len()]; bands.len()];
    for x in p {
        let b = bands
            .iter()
            .position(|b| *b == x.year_band)
            .expect("listed");
        counts[b][category_of(&levels, &x.support_level)] += 1;
    }
    let mut rows: Vec<Row> = bands
        .iter()
        .zip(&counts)
        .map(|(b, cs)| {
            let mut cells: Vec<Cell> = cs.iter().map(|n| count(*n)).collect();
            cells.push(count(cs.iter().sum()));
            row(b.key(), b.label(), false, cells)
        })
        .collect();
    let mut totals: Vec<Cell> = (0..levels.len())
        .map(|c| count(counts.iter().map(|r| r[c]).sum()))
        .collect();
    totals.push(count(p.len()));
    rows.push(row(TOTAL_KEY, "All year groups", true, totals));
    Table {
        id: "pupils_by_year_band_and_support_level".into(),
        title: "Pupils supported, by year-group band and support level".into(),
        note: "Pupils with a plan active at some time in the period, or a session in it. Year \
               groups are as they were in the period."
            .into(),
        dimension: "year_band".into(),
        dimension_label: "Year-group band".into(),
        dimension_2: Some("support_level".into()),
        dimension_2_label: Some("Support level".into()),
        columns,
        rows,
    }
}

fn one_column_table(
    id: &str,
    title: &str,
    note: &str,
    dimension: (&str, &str),
    cats: Vec<(String, String, usize)>,
    total_label: &str,
    total: usize,
) -> Table {
    let mut rows: Vec<Row> = cats
        .into_iter()
        .map(|(k, l, n)| row(&k, &l, false, vec![count(n)]))
        .collect();
    rows.push(row(TOTAL_KEY, total_label, true, vec![count(total)]));
    Table {
        id: id.into(),
        title: title.into(),
        note: note.into(),
        dimension: dimension.0.into(),
        dimension_label: dimension.1.into(),
        dimension_2: None,
        dimension_2_label: None,
        columns: vec![col(
            "pupils",
            "Pupils",
            "pupils",
            Unit::Pupils,
            Kind::Count,
            true,
        )],
        rows,
    }
}

fn care_table(facts: &SummaryFacts) -> Table {
    let p = &facts.pupils;
    let cats = categories(
        &facts.care_statuses,
        p.iter().map(|x| x.care_status.clone()),
    );
    let mut n = vec![0usize; cats.len()];
    for x in p {
        n[category_of(&cats, &x.care_status)] += 1;
    }
    one_column_table(
        "pupils_by_care_status",
        "Pupils supported, by care status",
        "The same pupils as the first table, by the care status recorded for them.",
        ("care_status", "Care status"),
        cats.into_iter()
            .zip(n)
            .map(|((k, l), n)| (k, l, n))
            .collect(),
        "All pupils supported",
        p.len(),
    )
}

fn plans_table(facts: &SummaryFacts) -> Table {
    let p = &facts.pupils;
    let active = p.iter().filter(|x| x.plan_active).count();
    one_column_table(
        "plans",
        "Plans active",
        "Pupils with a plan active at some time in the period, and pupils supported with \
         sessions only.",
        ("plan", "Plan"),
        vec![
            ("plan_active".into(), "A plan active".into(), active),
            ("no_plan".into(), "No plan active".into(), p.len() - active),
        ],
        "All pupils supported",
        p.len(),
    )
}

fn reviews_table(facts: &SummaryFacts) -> Table {
    let p = &facts.pupils;
    let names = [
        (ReviewOutcome::OnTime, "on_time", "Held on time"),
        (ReviewOutcome::Late, "late", "Held late"),
        (ReviewOutcome::Overdue, "overdue", "Overdue"),
    ];
    let mut rows = Vec::new();
    for (o, key, label) in names {
        let n: usize = p
            .iter()
            .map(|x| x.reviews.iter().filter(|r| **r == o).count())
            .sum();
        let pupils = p.iter().filter(|x| x.reviews.contains(&o)).count();
        rows.push(row(
            key,
            label,
            false,
            vec![count_of(n as u64, pupils), count(pupils)],
        ));
    }
    let n: usize = p.iter().map(|x| x.reviews.len()).sum();
    let pupils = p.iter().filter(|x| !x.reviews.is_empty()).count();
    rows.push(row(
        TOTAL_KEY,
        "All reviews due",
        true,
        vec![count_of(n as u64, pupils), count(pupils)],
    ));
    Table {
        id: "reviews".into(),
        title: "Reviews due in the period".into(),
        note: "Each review date in the period of a plan active in it: held on time (signed off \
               on or before the date), held late, or overdue (not yet signed off and the date \
               has passed). Dates still to come are not counted."
            .into(),
        dimension: "review_outcome".into(),
        dimension_label: "Review".into(),
        dimension_2: None,
        dimension_2_label: None,
        columns: vec![
            col(
                "reviews",
                "Reviews",
                "reviews",
                Unit::Reviews,
                Kind::Count,
                true,
            ),
            col(
                "pupils",
                "Pupils",
                "pupils",
                Unit::Pupils,
                Kind::Count,
                false,
            ),
        ],
        rows,
    }
}

#[derive(Default)]
struct GoalAgg {
    pupils: BTreeSet<usize>,
    rated_pupils: BTreeSet<usize>,
    goals: u64,
    changes: Vec<f64>,
    improved: usize,
}

impl GoalAgg {
    fn cells(&self) -> Vec<Cell> {
        let rated = self.changes.len();
        vec![
            count(self.pupils.len()),
            count_of(self.goals, self.pupils.len()),
            count_of(rated as u64, self.rated_pupils.len()),
            share_of(self.improved, rated, self.rated_pupils.len()),
            mean_of(&self.changes, self.rated_pupils.len()),
        ]
    }
}

fn goals_table(facts: &SummaryFacts) -> Table {
    // (framework name, position, framework id, domain id) → aggregate
    let mut by: BTreeMap<(String, String, u32, String), (String, GoalAgg)> = BTreeMap::new();
    let mut all = GoalAgg::default();
    for (i, x) in facts.pupils.iter().enumerate() {
        for g in &x.goals {
            let key = (
                g.framework_name.clone(),
                g.framework_id.clone(),
                g.domain_position,
                g.domain_id.clone(),
            );
            let label = format!("{} ({})", g.domain_name, g.framework_name);
            let (_, a) = by.entry(key).or_insert_with(|| (label, GoalAgg::default()));
            for a in [a, &mut all] {
                a.pupils.insert(i);
                a.goals += 1;
                if let Some(l) = g.latest {
                    a.rated_pupils.insert(i);
                    a.changes.push(f64::from(l) - f64::from(g.baseline));
                    if l > g.baseline {
                        a.improved += 1;
                    }
                }
            }
        }
    }
    let mut rows: Vec<Row> = by
        .into_iter()
        .map(|((_, fw, _, domain), (label, a))| {
            row(&slug(&format!("{fw} {domain}")), &label, false, a.cells())
        })
        .collect();
    rows.push(row(TOTAL_KEY, "All domains", true, all.cells()));
    Table {
        id: "goals_by_domain".into(),
        title: "Goals by framework domain".into(),
        note: "Goals of the plans active in the period. A goal is rated when a signed review \
               held by the end of the period rated it; improved when its latest rating is above \
               its baseline. Ratings are on a 0 to 10 scale."
            .into(),
        dimension: "domain".into(),
        dimension_label: "Framework domain".into(),
        dimension_2: None,
        dimension_2_label: None,
        columns: vec![
            col(
                "pupils",
                "Pupils with a goal",
                "pupils",
                Unit::Pupils,
                Kind::Count,
                false,
            ),
            col("goals", "Goals", "goals", Unit::Goals, Kind::Count, true),
            col(
                "goals_rated",
                "Goals rated",
                "goals_rated",
                Unit::Goals,
                Kind::Count,
                true,
            ),
            share_col("share_improved", "Rated goals improved (%)", "goals_rated"),
            mean_col(
                "mean_change",
                "Mean change from baseline",
                Unit::Rating,
                "goals_rated",
                Some([-10.0, 10.0]),
            ),
        ],
        rows,
    }
}

fn sessions_table(facts: &SummaryFacts) -> Table {
    let mut rows = Vec::new();
    let agg = |p: &PupilFacts, kind: Option<SessionKind>| -> (u64, u64) {
        p.sessions
            .iter()
            .filter(|s| kind.is_none_or(|k| s.kind == k))
            .fold((0, 0), |(n, m), s| {
                (n + u64::from(s.sessions), m + u64::from(s.minutes))
            })
    };
    let kinds: Vec<Option<SessionKind>> = SessionKind::ALL
        .iter()
        .map(|k| Some(*k))
        .chain(std::iter::once(None))
        .collect();
    for kind in kinds {
        let (mut n, mut minutes, mut pupils) = (0u64, 0u64, 0usize);
        for p in &facts.pupils {
            let (pn, pm) = agg(p, kind);
            n += pn;
            minutes += pm;
            if pn > 0 {
                pupils += 1;
            }
        }
        let (key, label) = match kind {
            Some(k) => (k.as_str().to_string(), k.label().to_string()),
            None => (TOTAL_KEY.to_string(), "All sessions".to_string()),
        };
        rows.push(row(
            &key,
            &label,
            kind.is_none(),
            vec![
                count(pupils),
                count_of(n, pupils),
                Cell::computed(Some(minutes as f64 / 60.0), pupils as u32),
            ],
        ));
    }
    Table {
        id: "sessions".into(),
        title: "Sessions delivered".into(),
        note: "Sessions logged in the period, by kind, and the hours they took.".into(),
        dimension: "session_kind".into(),
        dimension_label: "Kind of session".into(),
        dimension_2: None,
        dimension_2_label: None,
        columns: vec![
            col(
                "pupils",
                "Pupils",
                "pupils",
                Unit::Pupils,
                Kind::Count,
                false,
            ),
            col(
                "sessions",
                "Sessions",
                "sessions",
                Unit::Sessions,
                Kind::Count,
                true,
            ),
            col("hours", "Hours", "hours", Unit::Hours, Kind::Sum, true),
        ],
        rows,
    }
}

fn sos_table(facts: &SummaryFacts) -> Table {
    let scaled: Vec<_> = facts.pupils.iter().filter_map(|p| p.sos).collect();
    let n = scaled.len();
    let first: Vec<f64> = scaled.iter().map(|s| s.first).collect();
    let latest: Vec<f64> = scaled.iter().map(|s| s.latest).collect();
    let change: Vec<f64> = scaled.iter().map(|s| s.latest - s.first).collect();
    let improved = scaled.iter().filter(|s| s.latest > s.first).count();
    Table {
        id: "signs_of_safety".into(),
        title: "Signs of Safety scaling at the first and latest review".into(),
        note: "At each signed review the people attending each give their own scaling from 0 to \
               10; for each pupil, the mean at their first such review and at the latest held \
               by the end of the period. Pupils with at least two such reviews."
            .into(),
        dimension: "scaling".into(),
        dimension_label: "Scaling".into(),
        dimension_2: None,
        dimension_2_label: None,
        columns: vec![
            col(
                "pupils",
                "Pupils",
                "pupils",
                Unit::Pupils,
                Kind::Count,
                false,
            ),
            mean_col(
                "mean_first",
                "Mean at first review",
                Unit::Rating,
                "pupils",
                Some([0.0, 10.0]),
            ),
            mean_col(
                "mean_latest",
                "Mean at latest review",
                Unit::Rating,
                "pupils",
                Some([0.0, 10.0]),
            ),
            mean_col(
                "mean_change",
                "Mean change",
                Unit::Rating,
                "pupils",
                Some([-10.0, 10.0]),
            ),
            share_col("share_improved", "Pupils whose scaling rose (%)", "pupils"),
        ],
        rows: vec![row(
            "scaled_twice",
            "Pupils scaled at two or more reviews",
            false,
            vec![
                count(n),
                mean_of(&first, n),
                mean_of(&latest, n),
                mean_of(&change, n),
                share_of(improved, n, n),
            ],
        )],
    }
}

fn indicators_table(facts: &SummaryFacts) -> Table {
    type Get = fn(&IndicatorValues) -> Option<f64>;
    let specs: [(&str, &str, Get, bool, [f64; 2]); 3] = [
        (
            "attendance",
            "Attendance (%)",
            |v| v.attendance_pct,
            true,
            [0.0, 100.0],
        ),
        (
            "exclusion_days",
            "Exclusion days",
            |v| v.exclusion_days,
            false,
            [0.0, 100.0],
        ),
        (
            "physical_interventions",
            "Physical interventions",
            |v| v.physical_interventions.map(f64::from),
            false,
            [0.0, 1000.0],
        ),
    ];
    let mut rows = Vec::new();
    for (key, label, get, up_is_better, range) in specs {
        let pairs: Vec<(f64, f64)> = facts
            .pupils
            .iter()
            .filter_map(|p| {
                let b = p.indicators_before.as_ref().and_then(get)?;
                let l = p.indicators_latest.as_ref().and_then(get)?;
                Some((b, l))
            })
            .collect();
        let n = pairs.len();
        let before: Vec<f64> = pairs.iter().map(|p| p.0).collect();
        let latest: Vec<f64> = pairs.iter().map(|p| p.1).collect();
        let change: Vec<f64> = pairs.iter().map(|p| p.1 - p.0).collect();
        let improved = pairs
            .iter()
            .filter(|(b, l)| if up_is_better { l > b } else { l < b })
            .count();
        rows.push(Row {
            range: Some(range),
            ..row(
                key,
                label,
                false,
                vec![
                    count(n),
                    mean_of(&before, n),
                    mean_of(&latest, n),
                    mean_of(&change, n),
                    share_of(improved, n, n),
                ],
            )
        });
    }
    let mean = |key: &str, label: &str| Column {
        weight: Some("pupils".into()),
        ..col(key, label, key, Unit::Number, Kind::Mean, false)
    };
    Table {
        id: "indicators".into(),
        title: "Termly indicators before support began and in the latest term".into(),
        note: "For each pupil, the latest term recorded before the term their support began, \
               against the latest term recorded in the period. Improved: attendance up, \
               exclusion days or physical interventions down."
            .into(),
        dimension: "indicator".into(),
        dimension_label: "Indicator".into(),
        dimension_2: None,
        dimension_2_label: None,
        columns: vec![
            col(
                "pupils",
                "Pupils",
                "pupils",
                Unit::Pupils,
                Kind::Count,
                false,
            ),
            mean("mean_before", "Mean before support"),
            mean("mean_latest", "Mean in the latest term"),
            Column {
                change: true,
                ..mean("mean_change", "Mean change")
            },
            share_col("share_improved", "Pupils improved (%)", "pupils"),
        ],
        rows,
    }
}

/// The summary's tables from the facts, before disclosure control (every cell published with
/// its raw value and its pupils).
pub fn tables(facts: &SummaryFacts) -> Vec<Table> {
    vec![
        pupils_table(facts),
        care_table(facts),
        plans_table(facts),
        reviews_table(facts),
        goals_table(facts),
        sessions_table(facts),
        sos_table(facts),
        indicators_table(facts),
    ]
}

/// The whole summary before disclosure control.
pub fn summary(facts: &SummaryFacts, label: &str, k: u32) -> Summary {
    Summary {
        kind: SummaryKind::School,
        label: label.into(),
        source_id: Some(facts.source_id.clone()),
        period: facts.period.period.label(),
        terms: facts.period.terms.iter().map(|t| t.label.clone()).collect(),
        k,
        generator: format!("Attune {}", env!("CARGO_PKG_VERSION")),
        sources: Vec::new(),
        tables: tables(facts),
    }
}

/// The ids of the tables every `attune-summary/1` school file has, in order.
pub const TABLE_IDS: [&str; 8] = [
    "pupils_by_year_band_and_support_level",
    "pupils_by_care_status",
    "plans",
    "reviews",
    "goals_by_domain",
    "sessions",
    "signs_of_safety",
    "indicators",
];
