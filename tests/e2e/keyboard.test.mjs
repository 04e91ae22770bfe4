// Issue 16, black-box: what a keyboard user, a screen reader and a small screen meet.
//
// The strategic lead sets up a vault with a key adult and a caseload of 30 pupils (through the real
// commands); one has a plan started ten weeks ago with two goals (its first review overdue), one a
// plan with no goals. Then, in the real window at the app's default size (1100 × 760):
// - the header (school, search, who is signed in, Lock) and the main navigation each keep to one
//   row, and so do a pupil's section links — measured, not guessed, for the lead (ten pages) and
//   the key adult;
// - accessible names read as words, taken from WebKit's own accessibility tree (W3C "Get
//   Computed Label"), not from the DOM the app wrote: "Log a session with …", "Remove <user>",
//   "Prepare the review due …";
// - the key adult logs a session for the 30th pupil of the caseload by keyboard alone: Alt+S, the
//   first letters of the name, Enter, the note, Enter — every key press counted, at most 6 beyond
//   the note — and the session is in that pupil's session list and in the vault;
// - the plan's first review says "Since the plan started", and the plan with no goals says so and
//   how to add one (no bare "Goals" heading);
// - text typed in the review and Ctrl+L pressed in the same burst of key events (well within
//   100 ms) is in the vault after unlocking, and back in the field.
// Screenshots of each screen, axe-core on each.
//
// data-testids used (besides those of records.test.mjs): log-session-any keyboard-shortcuts
//   log-picker log-picker-input log-picker-list log-picker-option-<id> log-picker-count
//   pupil-tab-<section> session-list session-note goals-heading goals-none
//   review-open-<date> review-form review-prefill-window review-pupil-voice remove-<userId>

import assert from 'node:assert/strict';
import { e2eTest, tid, waitFor, Keys } from './harness.mjs';
import { click, firstRun, unlockAs } from './steps.mjs';

const SCHOOL = 'Riverside Primary School';
const LEAD = 'Sam Okafor';
const LEAD_PASS = 'correct horse battery staple 1917';
const KEY_ADULT = 'Kim Adebayo';
const KEY_ADULT_PASS = 'paper lantern orchard violin 4471';
const SPARE_USER = 'Ravi Collins';
const SPARE_PASS = 'winter kettle meadow signal 2290';

// 30 pupils: [forename, surname, preferred name or null]. Accents, apostrophes and hyphens on purpose.
const PUPILS = [
  ['Jay', 'Okoro', null],
  ['Amelia', "O'Brien", null],
  ['Oliver', 'Smith', 'Olly'],
  ['Zoë', 'Jones', null],
  ['Siân', 'Williams', null],
  ['Aoife', 'Taylor', null],
  ['Chloé', 'Müller', null],
  ['José', 'Núñez', null],
  ['Oluwaseun', 'Kowalczyk', 'Seun'],
  ['Mohammed', 'Wójcik', null],
  ['Aisha', 'MacDonald', null],
  ['Noah', 'Ahmed', null],
  ['Isla', 'Khan', null],
  ['Leo', 'Patel', null],
  ['Freya', 'Iyer', null],
  ['Kacper', 'Popescu', null],
  ['Niamh', 'Adeyemi', null],
  ['Eilidh', 'Evans', null],
  ['Dmitri', 'Davies', null],
  ['Anaïs', 'Le Fèvre', null],
  ['Ngozi', 'Brown', null],
  ['Priya', 'Wilson', null],
  ['Arjun', 'Thompson', null],
  ['Fatima', 'Robinson', null],
  ['Yusuf', 'Wright', null],
  ['Ellie-May', 'Walker', null],
  ['Jayden', 'Hughes', null],
  ['Tomás', 'Green', null],
  ['Lily', 'Hall', null],
  ['Zuzanna', 'Clarke', null],
];
const NOTE = 'Played the feelings card game and talked about moving class';
const REVIEW_TEXT = 'I want to sit by the window';

/** `YYYY-MM-DD` of today plus `days` (UTC, as the app's clock). */
function isoPlus(days) {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

async function ok(app, cmd, args) {
  const r = await app.invoke(cmd, args);
  assert.equal(r.ok, true, `${cmd}: ${JSON.stringify(r.error)}`);
  return r.value;
}

const ALT = '\uE00A';
const CONTROL = '\uE009';
const ARROW_DOWN = '\uE015';

/**
 * Key presses through the W3C Actions API, counted: a plain key is one press, a chord (a modifier
 * held while one key is pressed) is one press too, as people count a shortcut.
 */
class KeyCounter {
  constructor(s) {
    this.s = s;
    this.count = 0;
    this.log = [];
  }
  async press(key, what = key) {
    this.count += 1;
    this.log.push(what);
    await this.s.keys(key);
  }
  async chord(modifier, key, what) {
    this.count += 1;
    this.log.push(what);
    await chord(this.s, modifier, key);
  }
}

async function chord(s, modifier, key) {
  const actions = [
    { type: 'keyDown', value: modifier },
    { type: 'keyDown', value: key },
    { type: 'keyUp', value: key },
    { type: 'keyUp', value: modifier },
  ];
  await s.cmd('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions }] });
  await s.cmd('DELETE', '/actions');
}

/** The id (or data-testid) of the focused element. */
async function focusedId(s) {
  return s.execute('const a = document.activeElement; return a ? a.id || a.getAttribute("data-testid") || a.tagName : null;');
}

/**
 * How many rows the items matching each selector take up: items whose vertical extents all overlap
 * share one row. Also the heights of the header and its parts, and the window's inner size.
 */
async function layout(s, selectors) {
  return s.execute(
    `const rowsOf = (sel) => {
       const rects = [...document.querySelectorAll(sel)].flatMap((e) => [...e.getClientRects()]).filter((r) => r.width > 0 && r.height > 0);
       if (rects.length === 0) return 0;
       const sorted = rects.map((r) => ({ top: r.top, bottom: r.bottom })).sort((a, b) => a.top - b.top);
       let rows = 1, bottom = sorted[0].bottom;
       for (const r of sorted.slice(1)) {
         if (r.top >= bottom - 1) { rows += 1; bottom = r.bottom; } else bottom = Math.max(bottom, r.bottom);
       }
       return rows;
     };
     const h = (sel) => { const e = document.querySelector(sel); return e ? Math.round(e.getBoundingClientRect().height) : null; };
     const out = { width: window.innerWidth, height: window.innerHeight, header: h('.app-header'), headerInner: h('.app-header-inner'), nav: h('.app-nav'), rows: {} };
     for (const sel of arguments[0]) out.rows[sel] = rowsOf(sel);
     return out;`,
    [selectors],
  );
}

/**
 * An element's name as two independent readers get it: WebKit's accessibility tree (computedlabel)
 * and the words of its DOM text. WebKit puts a space before an absolutely positioned hidden span
 * by itself, so only the second catches words glued together in the DOM ("RemoveRavi Collins"),
 * which is what engines and screen-reader modes that read the text get.
 */
async function assertName(el, expected, what) {
  assert.equal(await el.computedLabel(), expected, `${what}: the accessibility tree's name`);
  const text = (await el.session.execute('return arguments[0].textContent;', [el])).replace(/\s+/g, ' ').trim();
  assert.equal(text, expected, `${what}: the words of its text`);
}

/**
 * Every hidden part glued to the word before it on the screen: a text ending in a letter or digit
 * right before a visually hidden (or hint) span whose text starts with one. Enumerates the DOM,
 * whatever the screens' code.
 */
async function assertNoGluedHiddenParts(s, where) {
  const glued = await s.execute(`
    const found = [];
    for (const el of document.querySelectorAll('.visually-hidden, .radio-hint')) {
      const before = el.previousSibling;
      const prev = before ? before.textContent || '' : '';
      const own = el.textContent || '';
      if (/[\\p{L}\\p{N})]$/u.test(prev) && /^[\\p{L}\\p{N}(]/u.test(own)) found.push(prev.slice(-20) + '|' + own.slice(0, 30));
    }
    return found;`);
  assert.deepEqual(glued, [], `${where}: hidden parts glued to the word before them`);
}

// The parts of the header that must share one row: each word-bearing piece, so a piece that wraps
// inside itself (the signed-in line) counts as two rows too.
const HEADER_PARTS = '.app-name, .app-school, #search-input, [data-testid="search-submit"], [data-testid="signed-in-user"], [data-testid="lock-button"]';
const NAV_ITEMS = '.app-nav-link';
const TABS = '.section-nav-link';

async function assertOneRowHeader(app, who) {
  const m = await layout(app.session, [HEADER_PARTS, NAV_ITEMS]);
  app.log(`${who}: ${JSON.stringify(m)}`);
  assert.ok(Math.abs(m.width - 1100) <= 20, `the window is at its default width, 1100 (inner width ${m.width})`);
  assert.equal(m.rows[HEADER_PARTS], 1, `${who}: the header's school, search, signed-in line and Lock share one row (${JSON.stringify(m)})`);
  assert.equal(m.rows[NAV_ITEMS], 1, `${who}: the main navigation keeps to one row (${JSON.stringify(m)})`);
  assert.ok(m.header <= 130, `${who}: the header with its navigation is at most 130 px high, not ~200 (${m.header} px)`);
  return m;
}

e2eTest(
  'keyboard and screen reader: one-row header at 1100 × 760, names read as words, a session in ≤ 6 keys for the 30th pupil, Ctrl+L keeps the review',
  async (app) => {
    await app.launch();
    const s = app.session;
    await firstRun(app, { school: SCHOOL, name: LEAD, passphrase: LEAD_PASS, screenshots: false, axe: false, checks: false });

    // ---- Set-up through the real commands: a key adult, a spare user, 30 pupils, two plans.
    const lead = (await ok(app, 'list_users')).find((u) => u.name === LEAD);
    const ka = await ok(app, 'add_user', { req: { name: KEY_ADULT, role: 'key_adult', passphrase: KEY_ADULT_PASS } });
    const spare = await ok(app, 'add_user', { req: { name: SPARE_USER, role: 'key_adult', passphrase: SPARE_PASS } });
    const pupils = [];
    for (const [i, [forename, surname, preferred]] of PUPILS.entries()) {
      const p = await ok(app, 'add_pupil', {
        input: {
          legal_forename: forename,
          legal_surname: surname,
          preferred_name: preferred,
          date_of_birth: `2015-0${(i % 9) + 1}-1${i % 10}`,
          year_group: `Year ${(i % 6) + 1}`,
          identifiers: [],
          care_status: null,
          support_level: null,
        },
      });
      await ok(app, 'assign_key_adult', { pupilId: p.id, keyAdultId: ka.id, from: null });
      pupils.push(p);
    }
    const jay = pupils[0];
    const start = isoPlus(-70);
    const plan = await ok(app, 'start_plan', { pupilId: jay.id, input: { framework_id: null, start, horizon_years: 2, cadence: 'six_weekly' } });
    for (const [i, outcome] of ['Joins a lunchtime club twice a week', 'Names two trusted adults in school'].entries()) {
      await ok(app, 'add_goal', {
        planId: plan.id,
        input: { domain_id: i === 0 ? 'belonging' : 'availability', outcome, baseline: 2 + i, target: 8, strategies: '', who: '', how_often: '', pp_plus_cost_pence: null },
      });
    }
    const amelia = pupils[1];
    const ameliaStart = isoPlus(-3);
    await ok(app, 'start_plan', {
      pupilId: amelia.id,
      input: { framework_id: null, start: ameliaStart, horizon_years: 2, cadence: 'termly' },
    });
    const slots = await ok(app, 'list_reviews', { planId: plan.id });
    const due = slots.find((x) => x.overdue);
    assert.ok(due, `the first review of a plan that started ten weeks ago is overdue: ${JSON.stringify(slots)}`);

    // ---- The lead, at 1100 × 760: ten pages in the navigation, still one row.
    await click(s, 'nav-pupils'); // away and back: the caseload reads the pupils again
    await click(s, 'nav-caseload');
    await s.waitFor(tid('caseload-table'), { timeoutSec: 30 });
    await assertOneRowHeader(app, 'strategic lead, caseloads');
    await app.shot('lead-caseloads-30-pupils');
    await app.axe('lead caseloads, 30 pupils');

    // "Remove <user>" reads as words in the accessibility tree.
    await click(s, 'nav-users');
    const remove = await s.waitFor(`${tid('users-table')} ${tid(`remove-${spare.id}`)}`, { timeoutSec: 30 });
    await assertName(remove, `Remove ${SPARE_USER}`, 'the Remove button of a user');
    await assertNoGluedHiddenParts(s, 'users');
    await assertOneRowHeader(app, 'strategic lead, users');

    await click(s, 'lock-button');
    await unlockAs(app, { name: KEY_ADULT, userId: ka.id }, KEY_ADULT_PASS);
    await s.waitFor(tid('caseload-table'), { timeoutSec: 30 });
    const rows = await s.findAll('[data-testid^="caseload-row-"]');
    assert.equal(rows.length, 30, 'the key adult has 30 pupils');
    await assertOneRowHeader(app, 'key adult, caseload');

    // ---- Accessible names, from WebKit's accessibility tree.
    const rowIds = [];
    for (const r of rows) rowIds.push(Number((await r.attribute('data-testid')).slice('caseload-row-'.length)));
    const byId = new Map(pupils.map((p) => [p.id, p]));
    for (const id of [rowIds[0], rowIds[29]]) {
      const p = byId.get(id);
      const name = `${p.preferred_name ?? p.legal_forename} ${p.legal_surname}`;
      await assertName(await s.find(tid(`log-session-${id}`)), `Log a session with ${name}`, "a caseload row's button");
    }
    await assertNoGluedHiddenParts(s, 'caseload');
    const reviewLink = await (await s.find(tid(`review-link-${jay.id}`))).computedLabel();
    assert.match(reviewLink, /^Reviews of Jay Okoro, next due \d{1,2} [A-Z][a-z]+ \d{4}$/, `the review link reads as words: ${JSON.stringify(reviewLink)}`);
    await assertName(await s.find(tid(`review-link-${jay.id}`)), reviewLink, 'the review link');
    const shortcut = await s.waitFor(tid('log-session-any'));
    assert.equal(await shortcut.attribute('aria-keyshortcuts'), 'Alt+S', 'the shortcut is announced (aria-keyshortcuts)');
    assert.match(await (await s.find(tid('keyboard-shortcuts'))).text(), /Alt\+S.*Ctrl\+L/s, 'and listed on the caseload');
    await app.shot('key-adult-caseload-30-pupils');
    await app.axe('key adult caseload, 30 pupils');

    // ---- Log a session for the 30th pupil by keyboard alone, counting every key beyond the note.
    const thirtieth = byId.get(rowIds[29]);
    const thirtiethName = `${thirtieth.preferred_name ?? thirtieth.legal_forename} ${thirtieth.legal_surname}`;
    await s.execute('document.getElementById("page-heading")?.focus();');
    const keys = new KeyCounter(s);
    await keys.chord(ALT, 's', 'Alt+S');
    await s.waitFor(tid('log-picker-input'), { timeoutSec: 10 });
    await waitFor(async () => (await focusedId(s)) === 'log-picker-input', { timeoutSec: 5, what: 'focus in the pupil box' });
    await waitFor(async () => (await s.findAll('[data-testid^="log-picker-option-"]')).length > 0, { timeoutSec: 10, what: 'the caseload in the picker' });
    const isActive = async () =>
      (await (await s.find(tid('log-picker-input'))).attribute('aria-activedescendant')) === `log-picker-option-${thirtieth.id}`;
    // Type the name's letters one by one until the 30th pupil is the highlighted match.
    const letters = [...thirtiethName.toLowerCase()];
    for (const ch of letters) {
      if (await isActive()) break;
      await keys.press(ch, `"${ch}"`);
      await sleepMs(150);
    }
    // (Should letters ever tie, Down moves through the matches; counted too.)
    for (let i = 0; i < 8 && !(await isActive()); i++) await keys.press(ARROW_DOWN, 'Down');
    assert.ok(await isActive(), `${thirtiethName} is the highlighted match`);
    await app.shot('log-picker-typed');
    await app.axe('log a session, which pupil');
    const combo = await s.find(tid('log-picker-input'));
    assert.equal(await combo.computedRole(), 'combobox', 'the pupil box is a combobox in the accessibility tree');
    await keys.press(Keys.ENTER, 'Enter');
    await s.waitFor(tid('log-session-form'), { timeoutSec: 30 });
    await waitFor(async () => (await focusedId(s)) === 'session-note', { timeoutSec: 10, what: 'focus in the note' });
    const heading = await (await s.find(tid('pupil-heading'))).text();
    assert.ok(heading.includes(thirtieth.legal_surname), `the 30th pupil's page: ${heading}`);
    await s.keys(NOTE); // the note: not counted
    await app.shot('log-session-note-typed');
    await keys.press(Keys.ENTER, 'Enter');
    await s.waitFor(tid('session-saved'), { timeoutSec: 30 });
    app.log(`keys beyond the note for the 30th pupil (${thirtiethName}): ${keys.count}: ${keys.log.join(', ')}`);
    assert.ok(keys.count <= 6, `at most 6 key presses beyond the note (${keys.count}: ${keys.log.join(', ')})`);
    const list = await s.waitFor(tid('session-list'), { timeoutSec: 30 });
    assert.ok((await list.text()).includes(NOTE), 'the session is in the pupil’s session list');
    const stored = await ok(app, 'list_sessions', { pupilId: thirtieth.id, limit: 5 });
    assert.equal(stored.length, 1);
    assert.equal(stored[0].note, NOTE);
    assert.equal(stored[0].kind, 'check_in');
    await assertOneRowHeader(app, 'key adult, pupil page');
    const tabs = await layout(s, [TABS]);
    assert.equal(tabs.rows[TABS], 1, `a pupil's section links keep to one row at 1100 × 760 (${JSON.stringify(tabs)})`);
    await app.shot('session-logged-by-keyboard');
    await app.axe('pupil sessions, logged by keyboard');

    // ---- A plan with no goals says so, and how to add one.
    await click(s, 'nav-caseload');
    await click(s, `pupil-link-${amelia.id}`);
    await click(s, 'pupil-tab-plan');
    const goalsHeading = await s.waitFor(tid('goals-heading'), { timeoutSec: 30 });
    assert.equal((await goalsHeading.text()).trim(), 'No goals yet', 'no bare "Goals" heading');
    assert.match(await (await s.find(tid('goals-none'))).text(), /Add a goal/, 'it says how to add one');
    await assertNoGluedHiddenParts(s, 'plan');
    await app.shot('plan-no-goals');
    await app.axe('plan with no goals');

    // ---- The first review: "Since the plan started"; its button reads as words.
    await click(s, 'nav-caseload');
    await click(s, `review-link-${jay.id}`);
    const prepare = await s.waitFor(tid(`review-open-${due.due_date}`), { timeoutSec: 30 });
    const prepareLabel = await prepare.computedLabel();
    assert.match(prepareLabel, /^[A-Z][a-z ]+ due \d{1,2} [A-Z][a-z]+ \d{4}$/, `the review button reads as words: ${JSON.stringify(prepareLabel)}`);
    await assertName(prepare, prepareLabel, 'the review button');
    await assertNoGluedHiddenParts(s, 'pupil reviews');
    await prepare.click();
    await s.waitFor(tid('review-form'), { timeoutSec: 30 });
    const windowText = await (await s.find(tid('review-prefill-window'))).text();
    assert.match(windowText, /^Since the plan started/, `the first review looks back to the plan's start: ${windowText}`);
    assert.doesNotMatch(windowText, /last review/);
    await app.shot('first-review-since-plan-started');
    await app.axe('first review');

    // ---- Type in the review and press Ctrl+L in the same burst of key events.
    const voice = await s.waitFor(tid('review-pupil-voice'));
    await voice.click();
    const typed = [...REVIEW_TEXT].flatMap((ch) => [
      { type: 'keyDown', value: ch },
      { type: 'keyUp', value: ch },
    ]);
    const lockChord = [
      { type: 'keyDown', value: CONTROL },
      { type: 'keyDown', value: 'l' },
      { type: 'keyUp', value: 'l' },
      { type: 'keyUp', value: CONTROL },
    ];
    const t0 = Date.now();
    await s.cmd('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions: [...typed, ...lockChord] }] });
    await s.cmd('DELETE', '/actions').catch(() => {});
    app.log(`typed ${REVIEW_TEXT.length} characters and Ctrl+L in one actions call: ${Date.now() - t0} ms`);
    await s.waitFor(tid('unlock-passphrase'), { timeoutSec: 30 });
    // Within 100 ms: the draft's own autosave waits 800 ms, so only the flush before the lock can
    // have saved it. Straight from the vault after unlocking:
    await unlockAs(app, { name: KEY_ADULT, userId: ka.id }, KEY_ADULT_PASS);
    const reviewId = (await ok(app, 'list_reviews', { planId: plan.id })).find((x) => x.due_date === due.due_date).review_id;
    const saved = await ok(app, 'get_review', { reviewId });
    assert.equal(saved.content.pupil_voice, REVIEW_TEXT, 'what was typed just before Ctrl+L reached the vault');
    // And back in the field.
    await click(s, `review-link-${jay.id}`);
    await click(s, `review-open-${due.due_date}`);
    const again = await s.waitFor(tid('review-pupil-voice'), { timeoutSec: 30 });
    assert.equal(await again.property('value'), REVIEW_TEXT, 'the text is back in the review after unlocking');
    await app.shot('review-after-ctrl-l');
  },
  { timeoutSec: 600 },
);

function sleepMs(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
