#![allow(dead_code)]
//! An independent attacker on a published summary (shared by the exporter's and the CLI's
//! tests; it uses nothing of the exporter's code).
//!
//! It reads a `attune-summary/1` JSON file (and checks the CSV beside it publishes the same
//! figures), builds what an attacker knows — every published figure, whole numbers ≥ 0, a
//! withheld count ≥ 1 (zeros are published), every row, column and total relation the file's
//! structure declares, hours as whole minutes within the rounding of a published figure, a
//! count of goals, reviews or sessions at least the pupils its row publishes, one grand total
//! for the first three tables, and every published share's numerator — and then decides, by
//! exhaustive search (interval propagation and splitting, no solver, no floating point), what
//! each withheld figure can still be.
//!
//! [`attack`] returns every breach of the property in plain words (empty: none).

use std::collections::BTreeMap;

use serde_json::Value;

const CAP: i64 = 1_000_000;

/// A figure's place: (table id, row key, column key).
pub type Key = (String, String, String);

/// What the test knows that the attacker does not: the true figures, before suppression.
pub type Truth = BTreeMap<Key, f64>;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Unit {
    Count,
    Minutes,
}

#[derive(Default, Clone)]
struct Know {
    lo: Vec<i64>,
    hi: Vec<i64>,
    /// Σ sign·x = 0 (+1 for a line's members, −1 for its total)
    eqs: Vec<Vec<(usize, i64)>>,
    /// x (first) ≤ x (second): a term's figure and its school year's.
    les: Vec<(usize, usize)>,
    keys: Vec<Vec<Key>>,
    unit: Vec<Unit>,
    withheld: Vec<bool>,
    /// Where the search looks first for a witness (the true value when the test knows it).
    /// Only the order of the search depends on it: a value is possible only with a witness
    /// that meets every relation, impossible only when the whole range was searched.
    hint: Vec<Option<i64>>,
    /// (a, b, d): d = b − a for a link a ≤ b.
    diffs: Vec<(usize, usize, usize)>,
}

fn status(cell: &Value) -> &str {
    cell["status"].as_str().unwrap_or("")
}

fn value(cell: &Value) -> Option<f64> {
    cell["value"].as_f64()
}

fn published(cell: &Value) -> bool {
    status(cell) == "published"
}

fn withheld(cell: &Value) -> bool {
    status(cell) == "suppressed"
}

fn is_amount(col: &Value) -> bool {
    matches!(col["kind"].as_str(), Some("count") | Some("sum"))
}

/// The lines a table's structure declares: (members, total) as (row, column).
type Lines = Vec<(Vec<(usize, usize)>, (usize, usize))>;

fn lines(t: &Value) -> Lines {
    let rows = t["rows"].as_array().unwrap();
    let cols = t["columns"].as_array().unwrap();
    let tr = rows.iter().position(|r| r["total"] == true);
    let body: Vec<usize> = (0..rows.len()).filter(|r| Some(*r) != tr).collect();
    let mut out = Vec::new();
    let Some(tr) = tr else { return out };
    if t.get("dimension_2").is_some_and(|d| !d.is_null()) {
        let tc = cols.iter().position(|c| c["total"] == true).unwrap();
        let bc: Vec<usize> = (0..cols.len()).filter(|c| *c != tc).collect();
        for c in 0..cols.len() {
            out.push((body.iter().map(|r| (*r, c)).collect(), (tr, c)));
        }
        for r in 0..rows.len() {
            out.push((bc.iter().map(|c| (r, *c)).collect(), (r, tc)));
        }
    } else {
        for (c, col) in cols.iter().enumerate() {
            if col["additive"] == true && is_amount(col) {
                out.push((body.iter().map(|r| (*r, c)).collect(), (tr, c)));
            }
        }
    }
    out
}

/// A table's id in its own file (tables of two files held together are prefixed `term:` and
/// `year:`), and the file's prefix.
fn base_id(id: &str) -> &str {
    id.rsplit(':').next().unwrap_or(id)
}

fn file_of(id: &str) -> &str {
    id.split_once(':').map_or("", |(f, _)| f)
}

fn cell_key(t: &Value, r: usize, c: usize) -> Key {
    (
        t["id"].as_str().unwrap().to_string(),
        t["rows"][r]["key"].as_str().unwrap().to_string(),
        t["columns"][c]["key"].as_str().unwrap().to_string(),
    )
}

fn grand_total(t: &Value) -> Option<(usize, usize)> {
    let rows = t["rows"].as_array()?;
    let cols = t["columns"].as_array()?;
    let r = rows.iter().position(|r| r["total"] == true)?;
    let c = if t.get("dimension_2").is_some_and(|d| !d.is_null()) {
        cols.iter().position(|c| c["total"] == true)?
    } else {
        cols.iter().position(|c| c["key"] == "pupils")?
    };
    Some((r, c))
}

const SAME_TOTAL: [&str; 3] = [
    "pupils_by_year_band_and_support_level",
    "pupils_by_care_status",
    "plans",
];

/// Whether a table publishes a zero count or amount: then every withheld one is at least 1.
fn publishes_zero(t: &Value) -> bool {
    let cols = t["columns"].as_array().unwrap();
    t["rows"].as_array().unwrap().iter().any(|r| {
        r["cells"]
            .as_array()
            .unwrap()
            .iter()
            .zip(cols)
            .any(|(c, col)| is_amount(col) && published(c) && value(c) == Some(0.0))
    })
}

fn knowledge(tables: &[Value]) -> Know {
    knowledge_linked(tables, &[])
}

/// [`knowledge`] of several files' tables held together, with `links` (a ≤ b) between them.
fn knowledge_linked(tables: &[Value], links: &[(Key, Key)]) -> Know {
    let mut kn = Know::default();
    let mut idx: BTreeMap<Key, usize> = BTreeMap::new();
    // The one grand total of each file: every table's cell maps to the same variable.
    let shared_keys: Vec<Key> = tables
        .iter()
        .filter(|t| SAME_TOTAL.contains(&base_id(t["id"].as_str().unwrap_or(""))))
        .filter_map(|t| grand_total(t).map(|(r, c)| cell_key(t, r, c)))
        .collect();
    let mut var = |kn: &mut Know, t: &Value, r: usize, c: usize| -> usize {
        let key = cell_key(t, r, c);
        if let Some(i) = idx.get(&key) {
            return *i;
        }
        let col = &t["columns"][c];
        let cell = &t["rows"][r]["cells"][c];
        let unit = if col["unit"] == "hours" {
            Unit::Minutes
        } else {
            Unit::Count
        };
        let (lo, hi) = if published(cell) {
            let v = value(cell).unwrap();
            if unit == Unit::Minutes {
                let tenths = (v * 10.0).round() as i64;
                ((6 * tenths - 3).max(0), 6 * tenths + 2)
            } else {
                (v as i64, v as i64)
            }
        } else {
            let mut lo = i64::from(publishes_zero(t));
            let crosstab = t.get("dimension_2").is_some_and(|d| !d.is_null());
            let at_least_pupils = ["goals", "sessions", "reviews"];
            if !crosstab && at_least_pupils.iter().any(|k| col["key"] == *k) {
                let cols = t["columns"].as_array().unwrap();
                if let Some(pc) = cols.iter().position(|c| c["key"] == "pupils") {
                    let p = &t["rows"][r]["cells"][pc];
                    if published(p) {
                        lo = value(p).unwrap() as i64;
                    }
                }
            }
            (lo, CAP)
        };
        let shared = shared_keys.contains(&key);
        if shared {
            if let Some(other) = shared_keys
                .iter()
                .filter(|k| file_of(&k.0) == file_of(&key.0))
                .find_map(|k| idx.get(k))
                .copied()
            {
                kn.lo[other] = kn.lo[other].max(lo);
                kn.hi[other] = kn.hi[other].min(hi);
                if withheld(cell) {
                    kn.keys[other].push(key.clone());
                    kn.withheld[other] = true;
                }
                idx.insert(key, other);
                return other;
            }
        }
        let i = kn.lo.len();
        kn.lo.push(lo);
        kn.hi.push(hi);
        kn.unit.push(unit);
        kn.hint.push(None);
        kn.withheld.push(withheld(cell));
        kn.keys.push(if withheld(cell) {
            vec![key.clone()]
        } else {
            Vec::new()
        });
        idx.insert(key, i);
        i
    };
    for t in tables {
        for (members, (tr, tc)) in lines(t) {
            let plus: Vec<usize> = members
                .iter()
                .map(|(r, c)| var(&mut kn, t, *r, *c))
                .collect();
            let total = var(&mut kn, t, tr, tc);
            let mut terms: Vec<(usize, i64)> = plus.into_iter().map(|i| (i, 1)).collect();
            terms.push((total, -1));
            kn.eqs.push(terms);
        }
        let rows = t["rows"].as_array().unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row["cells"].as_array().unwrap().iter().enumerate() {
                if withheld(cell) && is_amount(&t["columns"][c]) {
                    var(&mut kn, t, r, c);
                }
            }
        }
        // A shared total published in one table and withheld in another is pinned by
        // `var` itself (its bounds are the published figure's).
    }
    let place = |key: &Key| -> Option<(&Value, usize, usize)> {
        let t = tables.iter().find(|t| t["id"] == key.0.as_str())?;
        let r = t["rows"]
            .as_array()?
            .iter()
            .position(|r| r["key"] == key.1.as_str())?;
        let c = t["columns"]
            .as_array()?
            .iter()
            .position(|c| c["key"] == key.2.as_str() && is_amount(c))?;
        Some((t, r, c))
    };
    for (a, b) in links {
        let (Some((ta, ra, ca)), Some((tb, rb, cb))) = (place(a), place(b)) else {
            continue;
        };
        let va = var(&mut kn, ta, ra, ca);
        let vb = var(&mut kn, tb, rb, cb);
        kn.les.push((va, vb));
    }
    differences(&mut kn);
    kn
}

/// For linked figures a ≤ b, the difference d = b − a ≥ 0 as a variable of its own, and
/// wherever a line of one file has its whole counterpart in the other, the differences obey
/// that line too (Σ members − total = 0 in both files, so in their difference). Implied by
/// what is already known, so sound; it lets the bounds see what the links allow together.
fn differences(kn: &mut Know) {
    let mut partner: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for (a, b) in kn.les.clone() {
        if partner.contains_key(&a) {
            continue;
        }
        let d = kn.lo.len();
        kn.lo.push(0);
        kn.hi.push(CAP);
        kn.keys.push(Vec::new());
        kn.unit.push(kn.unit[a]);
        kn.withheld.push(false);
        kn.hint.push(None);
        kn.eqs.push(vec![(b, 1), (a, -1), (d, -1)]);
        kn.diffs.push((a, b, d));
        partner.insert(a, (b, d));
    }
    let sorted = |e: &[(usize, i64)]| {
        let mut e = e.to_vec();
        e.sort();
        e
    };
    let have: Vec<Vec<(usize, i64)>> = kn.eqs.iter().map(|e| sorted(e)).collect();
    let mut extra = Vec::new();
    for e in &kn.eqs {
        let Some(mirror): Option<Vec<(usize, i64)>> = e
            .iter()
            .map(|(v, c)| partner.get(v).map(|(b, _)| (*b, *c)))
            .collect()
        else {
            continue;
        };
        if have.contains(&sorted(&mirror)) {
            extra.push(e.iter().map(|(v, c)| (partner[v].1, *c)).collect());
        }
    }
    kn.eqs.extend(extra);
}

/// Narrows bounds to a fixpoint; `false` when some variable has no value left.
fn propagate(kn: &Know, lo: &mut [i64], hi: &mut [i64]) -> bool {
    loop {
        let mut changed = false;
        for terms in &kn.eqs {
            // Σ sign·x = 0, each variable against the others' bounds.
            let smin: i64 = terms
                .iter()
                .map(|(i, s)| if *s > 0 { lo[*i] } else { -hi[*i] })
                .sum();
            let smax: i64 = terms
                .iter()
                .map(|(i, s)| if *s > 0 { hi[*i] } else { -lo[*i] })
                .sum();
            if smin > 0 || smax < 0 {
                return false;
            }
            for (i, s) in terms {
                let (mine_min, mine_max) = if *s > 0 {
                    (lo[*i], hi[*i])
                } else {
                    (-hi[*i], -lo[*i])
                };
                // s·x ∈ [−(smax − mine_max), −(smin − mine_min)]
                let a = -(smax - mine_max);
                let b = -(smin - mine_min);
                let (nlo, nhi) = if *s > 0 { (a, b) } else { (-b, -a) };
                if nlo > lo[*i] {
                    lo[*i] = nlo;
                    changed = true;
                }
                if nhi < hi[*i] {
                    hi[*i] = nhi;
                    changed = true;
                }
                if lo[*i] > hi[*i] {
                    return false;
                }
            }
        }
        for (a, b) in &kn.les {
            if hi[*b] < hi[*a] {
                hi[*a] = hi[*b];
                changed = true;
            }
            if lo[*a] > lo[*b] {
                lo[*b] = lo[*a];
                changed = true;
            }
            if lo[*a] > hi[*a] || lo[*b] > hi[*b] {
                return false;
            }
        }
        if !changed {
            return true;
        }
    }
}

/// Whether some whole-number assignment satisfies everything, by propagation and splitting.
fn feasible(kn: &Know, lo: &mut [i64], hi: &mut [i64], budget: &mut u64) -> bool {
    if *budget == 0 {
        panic!("the attacker's search ran out of budget");
    }
    *budget -= 1;
    if !propagate(kn, lo, hi) {
        return false;
    }
    let open = (0..lo.len())
        .filter(|i| lo[*i] < hi[*i])
        .min_by_key(|i| hi[*i] - lo[*i]);
    let Some(i) = open else {
        return true;
    };
    let mut tries: Vec<(i64, i64)> = match kn.hint.get(i).copied().flatten() {
        Some(h) if lo[i] <= h && h <= hi[i] => vec![(h, h), (lo[i], h - 1), (h + 1, hi[i])],
        _ => {
            let mid = lo[i] + (hi[i] - lo[i]) / 2;
            vec![(lo[i], mid), (mid + 1, hi[i])]
        }
    };
    tries.retain(|(a, b)| a <= b);
    for (a, b) in tries {
        let (mut lo1, mut hi1) = (lo.to_vec(), hi.to_vec());
        lo1[i] = a;
        hi1[i] = b;
        if feasible(kn, &mut lo1, &mut hi1, budget) {
            return true;
        }
    }
    false
}

/// The variables tied to `var` through equations and links, as a system of their own (the
/// rest is satisfied by the true values whatever these take), and `var`'s number in it.
fn part(kn: &Know, var: usize) -> (Know, usize) {
    let n = kn.lo.len();
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for terms in &kn.eqs {
        for (a, _) in terms {
            for (b, _) in terms {
                if a != b {
                    adj[*a].push(*b);
                }
            }
        }
    }
    for (a, b) in &kn.les {
        adj[*a].push(*b);
        adj[*b].push(*a);
    }
    let mut seen = vec![false; n];
    let mut stack = vec![var];
    seen[var] = true;
    while let Some(v) = stack.pop() {
        for w in &adj[v] {
            if !seen[*w] {
                seen[*w] = true;
                stack.push(*w);
            }
        }
    }
    let mut map = vec![usize::MAX; n];
    let mut sub = Know::default();
    for v in (0..n).filter(|v| seen[*v]) {
        map[v] = sub.lo.len();
        sub.lo.push(kn.lo[v]);
        sub.hi.push(kn.hi[v]);
        sub.keys.push(kn.keys[v].clone());
        sub.unit.push(kn.unit[v]);
        sub.withheld.push(kn.withheld[v]);
        sub.hint.push(kn.hint.get(v).copied().flatten());
    }
    for terms in &kn.eqs {
        if terms.iter().all(|(i, _)| seen[*i]) {
            sub.eqs
                .push(terms.iter().map(|(i, c)| (map[*i], *c)).collect());
        }
    }
    for (a, b) in &kn.les {
        if seen[*a] && seen[*b] {
            sub.les.push((map[*a], map[*b]));
        }
    }
    (sub, map[var])
}

fn feasible_with(kn: &Know, var: usize, lo_v: i64, hi_v: i64) -> bool {
    let (mut lo, mut hi) = (kn.lo.clone(), kn.hi.clone());
    lo[var] = lo[var].max(lo_v);
    hi[var] = hi[var].min(hi_v);
    if lo[var] > hi[var] {
        return false;
    }
    let mut budget = 2_000_000;
    feasible(kn, &mut lo, &mut hi, &mut budget)
}

/// The least value `var` can take.
fn least(kn: &Know, var: usize) -> Option<i64> {
    let (mut lo, mut hi) = (kn.lo.clone(), kn.hi.clone());
    if !propagate(kn, &mut lo, &mut hi) {
        return None;
    }
    // Binary search on the bound (feasibility is monotone in an upper bound).
    let (mut a, mut b) = (lo[var], hi[var]);
    if !feasible_with(kn, var, a, b) {
        return None;
    }
    while a < b {
        let m = a + (b - a) / 2;
        if feasible_with(kn, var, a, m) {
            b = m;
        } else {
            a = m + 1;
        }
    }
    Some(a)
}

/// Every breach of the property in `json` (with its CSV beside it when given).
pub fn attack(json: &str, csv: Option<&str>, truth: &Truth) -> Vec<String> {
    let doc: Value = serde_json::from_str(json).expect("the JSON parses");
    let s = &doc["summary"];
    let k = s["k"].as_i64().unwrap();
    let tables: Vec<Value> = s["tables"].as_array().unwrap().clone();
    let mut breaches = Vec::new();
    if let Some(csv) = csv {
        breaches.extend(csv_agrees(csv, &tables));
    }
    // 1. No published count in 1..k−1.
    for t in &tables {
        for (r, row) in t["rows"].as_array().unwrap().iter().enumerate() {
            for (c, cell) in row["cells"].as_array().unwrap().iter().enumerate() {
                let col = &t["columns"][c];
                if col["kind"] == "count" && published(cell) {
                    let v = value(cell).unwrap();
                    if v >= 1.0 && v < k as f64 {
                        breaches.push(format!("{:?}: published count {v}", cell_key(t, r, c)));
                    }
                }
            }
        }
    }
    // 2. Shares and means: weight published and ≥ k; a share's numerator k..base−1.
    for t in &tables {
        let cols = t["columns"].as_array().unwrap();
        for (c, col) in cols.iter().enumerate() {
            let kind = col["kind"].as_str().unwrap();
            if kind != "share" && kind != "mean" {
                continue;
            }
            let w = cols
                .iter()
                .position(|x| Some(x["key"].as_str().unwrap()) == col["weight"].as_str());
            for (r, row) in t["rows"].as_array().unwrap().iter().enumerate() {
                let cell = &row["cells"][c];
                if !published(cell) {
                    continue;
                }
                let key = cell_key(t, r, c);
                let Some(w) = w else {
                    breaches.push(format!("{key:?}: a ratio without a weight"));
                    continue;
                };
                let wc = &row["cells"][w];
                if !published(wc) {
                    breaches.push(format!("{key:?}: published over a withheld weight"));
                    continue;
                }
                let weight = value(wc).unwrap();
                if weight < k as f64 {
                    breaches.push(format!("{key:?}: over a weight of {weight}"));
                }
                if kind == "share" {
                    let n = (value(cell).unwrap() * weight / 100.0).round() as i64;
                    if n < k || n >= weight as i64 {
                        breaches.push(format!(
                            "{key:?}: a share whose numerator is {n} of {weight}"
                        ));
                    }
                }
            }
            // Hidden numerators add up to the total row's: a lone withheld one is given away.
            let rows = t["rows"].as_array().unwrap();
            let n_withheld = rows.iter().filter(|r| withheld(&r["cells"][c])).count();
            if n_withheld == 1 && rows.iter().any(|r| r["total"] == true) {
                let r = rows.iter().position(|r| withheld(&r["cells"][c])).unwrap();
                breaches.push(format!(
                    "{:?}: the only withheld ratio of its column, worked out from the others",
                    cell_key(t, r, c)
                ));
            }
            let total_published = rows
                .iter()
                .any(|r| r["total"] == true && published(&r["cells"][c]));
            if total_published && n_withheld >= 1 {
                breaches.push(format!(
                    "{}: a ratio column with withheld cells and a published total narrows their numerators",
                    t["id"]
                ));
            }
        }
    }
    // 3. Every withheld amount keeps its range.
    breaches.extend(ranges_kept(&knowledge(&tables), k, truth));
    breaches
}

/// Every withheld amount keeps its range: a small one every value 1..k−1, any other a range at
/// least k values wide (6·(k−1) + 1 minutes for hours).
fn ranges_kept(kn: &Know, k: i64, truth: &Truth) -> Vec<String> {
    let mut whole = kn.clone();
    whole.hint = (0..whole.lo.len())
        .map(|v| {
            let key = whole.keys[v].first()?;
            let t = truth.get(key)?;
            Some(match whole.unit[v] {
                Unit::Minutes => (t * 60.0).round() as i64,
                Unit::Count => t.round() as i64,
            })
        })
        .collect();
    for (a, b, d) in whole.diffs.clone() {
        if let (Some(x), Some(y)) = (whole.hint[a], whole.hint[b]) {
            whole.hint[d] = Some(y - x);
        }
    }
    let whole = &whole;
    let mut breaches = Vec::new();
    for var in 0..whole.lo.len() {
        if !whole.withheld[var] {
            continue;
        }
        let (kn, var) = part(whole, var);
        let kn = &kn;
        let key = kn.keys[var][0].clone();
        let unit = kn.unit[var];
        let true_v = truth.get(&key).map(|v| match unit {
            Unit::Minutes => (v * 60.0).round() as i64,
            Unit::Count => v.round() as i64,
        });
        if true_v == Some(0) && kn.lo[var] >= 1 {
            breaches.push(format!(
                "{key:?}: a zero withheld where zeros are published"
            ));
            continue;
        }
        match (unit, true_v) {
            (Unit::Count, Some(v)) if v < k => {
                for w in 1..k {
                    if !feasible_with(kn, var, w, w) {
                        breaches.push(format!("{key:?} (truly {v}): {w} is ruled out"));
                    }
                }
            }
            _ => {
                let width = if unit == Unit::Minutes {
                    6 * (k - 1)
                } else {
                    k - 1
                };
                match least(kn, var) {
                    None => breaches.push(format!("{key:?}: no value at all (contradiction)")),
                    Some(a) => {
                        if !feasible_with(kn, var, a + width, CAP) {
                            breaches.push(format!(
                                "{key:?} (truly {true_v:?}): its range from {a} is narrower than {}",
                                width + 1
                            ));
                        }
                    }
                }
            }
        }
    }
    breaches
}

/// The CSV publishes the same figures as the JSON (the attacker reads both).
fn csv_agrees(csv: &str, tables: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let pos = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (ti, vi) = (pos("table"), pos("value"));
    let mut csv_values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in lines {
        // Labels never hold commas in these tests' fixtures; quoted fields are skipped.
        if l.contains('"') {
            continue;
        }
        let f: Vec<&str> = l.split(',').collect();
        csv_values
            .entry(f[ti].to_string())
            .or_default()
            .push(f[vi].to_string());
    }
    for t in tables {
        let id = t["id"].as_str().unwrap();
        let Some(vals) = csv_values.get(id) else {
            continue;
        };
        let json_vals: Vec<String> = t["rows"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["cells"].as_array().unwrap().iter())
            .map(|c| match status(c) {
                "published" => format!("{}", value(c).unwrap()),
                "suppressed" => "[c]".into(),
                _ => "[x]".into(),
            })
            .collect();
        if vals.len() == json_vals.len() {
            for (a, b) in vals.iter().zip(&json_vals) {
                let same = a == b
                    || a.parse::<f64>()
                        .ok()
                        .zip(b.parse::<f64>().ok())
                        .is_some_and(|(x, y)| x == y);
                if !same {
                    out.push(format!("{id}: CSV says {a}, JSON {b}"));
                }
            }
        }
    }
    out
}

/// The attacker's exact range of every withheld count or amount in `json`: (least, greatest)
/// in whole numbers (minutes for hours), `None` when nothing limits it.
pub fn ranges(json: &str) -> BTreeMap<Key, (i64, Option<i64>)> {
    let doc: Value = serde_json::from_str(json).expect("the JSON parses");
    let tables: Vec<Value> = doc["summary"]["tables"].as_array().unwrap().clone();
    let whole = knowledge(&tables);
    let mut out = BTreeMap::new();
    for var in 0..whole.lo.len() {
        if !whole.withheld[var] {
            continue;
        }
        let (kn, var) = part(&whole, var);
        let Some(a) = least(&kn, var) else { continue };
        // The greatest: binary search on a lower bound (feasibility is monotone in it).
        let hi = if feasible_with(&kn, var, CAP / 2, CAP) {
            None
        } else {
            let (mut lo, mut hi) = (a, CAP);
            while lo < hi {
                let m = lo + (hi - lo + 1) / 2;
                if feasible_with(&kn, var, m, CAP) {
                    lo = m;
                } else {
                    hi = m - 1;
                }
            }
            Some(lo)
        };
        for key in &kn.keys[var] {
            out.insert(key.clone(), (a, hi));
        }
    }
    out
}

/// Whether the unit of a figure is minutes (a column of hours).
pub fn is_hours(json: &str, key: &Key) -> bool {
    let doc: Value = serde_json::from_str(json).unwrap();
    doc["summary"]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["id"] == key.0.as_str())
        .flat_map(|t| t["columns"].as_array().unwrap().iter())
        .any(|c| c["key"] == key.2.as_str() && c["unit"] == "hours")
}

/// What an attacker holding two exports of the same period from unchanged data knows, as one
/// file: a figure is known if either published it, and the larger k applies.
pub fn union_of_same_period(a: &str, b: &str) -> String {
    let mut da: Value = serde_json::from_str(a).unwrap();
    let db: Value = serde_json::from_str(b).unwrap();
    let ka = da["summary"]["k"].as_i64().unwrap();
    let kb = db["summary"]["k"].as_i64().unwrap();
    da["summary"]["k"] = Value::from(ka.max(kb));
    let tb: Vec<Value> = db["summary"]["tables"].as_array().unwrap().clone();
    for t in da["summary"]["tables"].as_array_mut().unwrap() {
        let Some(other) = tb.iter().find(|x| x["id"] == t["id"]) else {
            continue;
        };
        let cols: Vec<String> = t["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["key"].as_str().unwrap().to_string())
            .collect();
        for row in t["rows"].as_array_mut().unwrap() {
            let Some(orow) = other["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["key"] == row["key"])
            else {
                continue;
            };
            for (c, key) in cols.iter().enumerate() {
                let Some(oc) = other["columns"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .position(|x| x["key"] == key.as_str())
                else {
                    continue;
                };
                let theirs = &orow["cells"][oc];
                if !published(&row["cells"][c]) && published(theirs) {
                    row["cells"][c] = theirs.clone();
                }
            }
        }
    }
    da.to_string()
}

/// Every breach when an attacker holds a term's export and its school year's export together
/// (in either order): each file's own relations, and a term's count or amount at most the
/// year's same figure wherever the true values bear that out (pupils, sessions and hours of a
/// term are among the year's). Breaches of each file alone are [`attack`]'s.
pub fn attack_term_and_year(
    term: &str,
    term_truth: &Truth,
    year: &str,
    year_truth: &Truth,
) -> Vec<String> {
    let prefixed = |json: &str, prefix: &str| -> (i64, Vec<Value>) {
        let doc: Value = serde_json::from_str(json).expect("the JSON parses");
        let k = doc["summary"]["k"].as_i64().unwrap();
        let mut tables = doc["summary"]["tables"].as_array().unwrap().clone();
        for t in &mut tables {
            let id = format!("{prefix}:{}", t["id"].as_str().unwrap());
            t["id"] = Value::from(id);
        }
        (k, tables)
    };
    let (kt, mut tables) = prefixed(term, "term");
    let (ky, year_tables) = prefixed(year, "year");
    tables.extend(year_tables);
    let with = |p: &str, (id, r, c): &Key| (format!("{p}:{id}"), r.clone(), c.clone());
    let mut truth = Truth::new();
    let mut links = Vec::new();
    for (key, tv) in term_truth {
        truth.insert(with("term", key), *tv);
        if let Some(yv) = year_truth.get(key) {
            if tv <= yv {
                links.push((with("term", key), with("year", key)));
            }
        }
    }
    for (key, yv) in year_truth {
        truth.insert(with("year", key), *yv);
    }
    let kn = knowledge_linked(&tables, &links);
    ranges_kept(&kn, kt.max(ky), &truth)
}

/// The breaches when an attacker who held `before` (one file, or the [`union_of_same_period`]
/// of several) is given `now` of the same period as well: every figure withheld before stays
/// withheld, with exactly the range it had.
pub fn narrowed(before: &str, now: &str) -> Vec<String> {
    let was = ranges(before);
    let is = ranges(&union_of_same_period(before, now));
    was.iter()
        .filter(|(key, r)| is.get(*key) != Some(*r))
        .map(|(key, r)| format!("{key:?}: was {r:?}, now {:?}", is.get(key)))
        .collect()
}
