// Issue 5, black-box: the strategic lead's screens in the real Attune window, driven by WebDriver.
//
// Set-up through the real commands (their screens are driven in records.test.mjs): a key adult and
// two of their pupils — Amara, whose plan began eleven weeks ago so its first review is overdue, seen
// today; and Zoë, with no plan and no session. The lead opens the Overview (the key adult's caseload,
// one overdue, one not seen lately), opens the overdue list and clicks through to Amara's page;
// records a supervision note (the empty form refused first, naming its fields); previews the
// anonymised summary of this school year (withheld figures marked in words, with the reason) and
// exports it into the chosen folder (three files; the CSV and JSON hold no pupil's, key adult's or
// note's words); then on Merge summaries adds the exported file and a tampered copy, which is listed
// as refused with its reason. The key adult then reads "My supervision notes" and is refused the
// overview and the summary through the IPC. Screenshots of every screen, axe on each.
//
// The native file chooser cannot be driven by WebDriver: the app (a debug build) is started with
// ATTUNE_E2E_PICK_DIR=<usb folder>, so `choose_path` answers inside that folder without a dialog
// (folder → it; open → the newest file matching the filter).
//
// The data-testids are the contract with the UI (ui/src):
//   nav-overview nav-supervision nav-summary home-heading lock-button pupil-heading error-summary
//   overview: overview-heading overview-table overview-window overview-row-<userId>
//             overview-caseload-<userId> overview-due|overdue|stale-<userId>
//             overview-list-<userId>-<due|overdue|stale> overview-pupil-<kind>-<pupilId> overview-totals
//   supervision: supervision-heading supervision-new supervision-form supervision-date-day|month|year
//             supervision-kind-supervision|consultation supervision-key-adult supervision-pupils
//             supervision-pupil-<pupilId> supervision-notes supervision-actions supervision-save
//             supervision-saved supervision-count supervision-list supervision-note-<id>
//             supervision-note-<id>-pupils supervision-filter supervision-empty
//   summary: summary-heading summary-year summary-term summary-k summary-preview summary-preview-section
//             summary-suppressed summary-table-<tableId> cell-<tableId>-<rowKey>-<columnKey>
//             summary-export-button summary-written summary-file-csv|json|html summary-merge-link
//   merge: merge-heading merge-add merge-files merge-file-<n> merge-file-<n>-status merge-run

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { e2eTest, sleep, tid, waitFor } from './harness.mjs';
import { choose, click, errorKind, fill, firstRun, tick, unlockAs } from './steps.mjs';

const SCHOOL = 'Brookfield Primary';
const LEAD = 'Sam Okafor';
const LEAD_PASS = 'correct horse battery staple 1917';
const KEY_ADULT = 'Kim Adebayo';
const KEY_ADULT_PASS = 'paper lantern orchard violin 4471';
const AMARA = { forename: 'Amara', surname: "O'Neill" };
const ZOE = { forename: 'Zoë', surname: 'Quennell' };
const NOTE = 'Amara is calmer since the breakfast club; Kim to keep the visual timetable going.';
const ACTION = 'Kim to share the timetable with the class teacher by Friday.';
const NOTE_WORD = 'timetable';
// Nothing of these may appear in a summary file.
const SECRETS = [AMARA.forename, AMARA.surname, ZOE.forename, ZOE.surname, KEY_ADULT, 'Kim', NOTE_WORD, 'breakfast club'];

function iso(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function pupilInput(p) {
  return {
    legal_forename: p.forename,
    legal_surname: p.surname,
    preferred_name: null,
    date_of_birth: '2016-03-14',
    year_group: 'Year 5',
    identifiers: [],
    care_status: 'Looked after',
    support_level: 'Intensive',
    relationship_start: null,
    relationship_planned_end: null,
  };
}

async function ok(app, cmd, args) {
  const r = await app.invoke(cmd, args);
  assert.equal(r.ok, true, `${cmd}: ${JSON.stringify(r.error)}`);
  return r.value;
}

async function textOf(s, id, timeoutSec = 30) {
  return (await (await s.waitFor(tid(id), { timeoutSec })).text()).trim();
}

async function screen(app, name) {
  await app.shot(name);
  await app.axe(name.replace(/-/g, ' '));
}

/** The school year today falls in, as Attune labels it ("2026-27"; from 1 August). */
function schoolYear(d = new Date()) {
  const start = d.getMonth() >= 7 ? d.getFullYear() : d.getFullYear() - 1;
  return `${start}-${String((start + 1) % 100).padStart(2, '0')}`;
}

e2eTest(
  "strategic lead: overview, a supervision note, an anonymised summary previewed and exported, a merge refusal",
  async (app) => {
    const usb = join(app.tmp, 'usb');
    await mkdir(usb);
    await app.launch({ env: { ATTUNE_E2E_PICK_DIR: usb } });
    const s = app.session;

    // ---- Set-up through the real commands.
    await firstRun(app, { school: SCHOOL, name: LEAD, passphrase: LEAD_PASS, screenshots: false, axe: false, checks: false });
    const ka = await ok(app, 'add_user', { req: { name: KEY_ADULT, role: 'key_adult', passphrase: KEY_ADULT_PASS } });
    const amara = await ok(app, 'add_pupil', { input: pupilInput(AMARA) });
    const zoe = await ok(app, 'add_pupil', { input: pupilInput(ZOE) });
    const today = new Date();
    const start = new Date(today);
    start.setDate(start.getDate() - 77);
    for (const p of [amara, zoe]) {
      await ok(app, 'assign_key_adult', { pupilId: p.id, keyAdultId: ka.id, from: iso(start) });
    }
    const plan = await ok(app, 'start_plan', {
      pupilId: amara.id,
      input: { framework_id: null, start: iso(start), horizon_years: 2, cadence: 'six_weekly' },
    });
    assert.ok(plan.due_dates[0].date < iso(today), `the first review (${plan.due_dates[0].date}) is before today`);
    await ok(app, 'log_session', {
      pupilId: amara.id,
      input: { held_on: iso(today), minutes: 20, kind: 'check_in', regulation: 6, note: 'A quiet start' },
    });

    // ---- Overview.
    await click(s, 'nav-overview');
    await s.waitFor(tid('overview-table'), { timeoutSec: 30 });
    assert.equal(await textOf(s, `overview-caseload-${ka.id}`), '2');
    assert.match(await textOf(s, `overview-overdue-${ka.id}`), /^⚠?\s*1/);
    assert.match(await textOf(s, `overview-stale-${ka.id}`), /^1/);
    assert.match(await textOf(s, 'overview-window'), /2 pupils supported/);
    await screen(app, 'overview');

    await click(s, `overview-overdue-${ka.id}`);
    const list = await textOf(s, `overview-list-${ka.id}-overdue`);
    assert.match(list, new RegExp(`Reviews overdue: ${KEY_ADULT}`));
    assert.ok(list.includes(`${AMARA.forename} ${AMARA.surname}`), `the overdue list names Amara: ${list}`);
    assert.match(list, /Overdue/);
    await screen(app, 'overview-overdue-list');

    await click(s, `overview-stale-${ka.id}`);
    const stale = await textOf(s, `overview-list-${ka.id}-stale`);
    assert.ok(stale.includes(`${ZOE.forename} ${ZOE.surname}`) && stale.includes('no session recorded yet'), stale);
    await click(s, `overview-overdue-${ka.id}`);

    await click(s, `overview-pupil-overdue-${amara.id}`);
    assert.match(await textOf(s, 'pupil-heading'), new RegExp(AMARA.forename));
    await screen(app, 'overview-click-through-to-the-pupil');

    // ---- Supervision: the empty form is refused, naming its fields; then a note is recorded.
    await click(s, 'nav-supervision');
    await s.waitFor(tid('supervision-empty'), { timeoutSec: 30 });
    await screen(app, 'supervision-notes-empty');
    await click(s, 'supervision-new');
    await s.waitFor(tid('supervision-form'));
    await screen(app, 'supervision-form');
    await click(s, 'supervision-save');
    const problems = await textOf(s, 'error-summary');
    assert.match(problems, /Choose the key adult you met/);
    assert.match(problems, /Enter the notes/);
    await screen(app, 'supervision-form-errors');

    await choose(s, 'supervision-key-adult', { value: ka.id });
    await tick(s, `supervision-pupil-${amara.id}`);
    await tick(s, 'supervision-kind-consultation');
    await fill(s, 'supervision-notes', NOTE);
    await fill(s, 'supervision-actions', ACTION);
    await screen(app, 'supervision-form-filled');
    await click(s, 'supervision-save');
    assert.match(await textOf(s, 'supervision-saved'), new RegExp(`Supervision note saved: ${KEY_ADULT}`));
    const notes = await ok(app, 'list_supervision_notes', { keyAdultId: null });
    assert.equal(notes.length, 1);
    assert.deepEqual(notes[0].pupils.map((p) => p.pupil_id), [amara.id]);
    assert.equal(notes[0].kind, 'consultation');
    const shown = await textOf(s, `supervision-note-${notes[0].id}`);
    assert.ok(shown.includes(NOTE) && shown.includes(ACTION), shown);
    assert.ok((await textOf(s, `supervision-note-${notes[0].id}-pupils`)).includes(AMARA.surname));
    await screen(app, 'supervision-note-recorded');

    // ---- The anonymised summary: preview, then export into the chosen folder.
    await click(s, 'nav-summary');
    await s.waitFor(tid('summary-k'), { timeoutSec: 30 });
    await screen(app, 'summary-choose-the-period');
    const year = schoolYear();
    await choose(s, 'summary-year', { value: year });
    await click(s, 'summary-preview');
    await s.waitFor(tid('summary-preview-section'), { timeoutSec: 60 });
    assert.match(await textOf(s, 'summary-suppressed'), /^[1-9]\d* figures?$/, 'two pupils: figures are withheld');
    const withheld = await s.findAll('td[data-status="suppressed"]');
    assert.ok(withheld.length > 0, 'withheld cells are marked');
    const cellText = await withheld[0].text();
    assert.match(cellText, /Withheld/, 'a withheld cell says so in words');
    assert.match(cellText, /fewer than 5 pupils|worked out|withheld/i, `with its reason: ${cellText}`);
    const page = await s.execute('return document.querySelector("main").innerText;');
    for (const secret of [AMARA.surname, ZOE.surname]) assert.ok(!page.includes(secret), `the preview names no pupil (${secret})`);
    await screen(app, 'summary-preview');
    await s.execute('document.querySelector("[data-testid^=summary-table-]").scrollIntoView();');
    await app.shot('summary-preview-first-table');
    await s.execute('const t = document.querySelectorAll("[data-testid^=summary-table-]"); t[t.length - 1].scrollIntoView();');
    await app.shot('summary-preview-last-table');

    await click(s, 'summary-export-button');
    await s.waitFor(tid('summary-written'), { timeoutSec: 60 });
    const written = {};
    for (const kind of ['csv', 'json', 'html']) {
      const text = await textOf(s, `summary-file-${kind}`);
      const m = text.match(/(\/\S+\.(csv|json|html))/);
      assert.ok(m, `the ${kind} file's path is shown: ${text}`);
      written[kind] = m[1];
      assert.ok(written[kind].startsWith(usb), `written into the chosen folder: ${written[kind]}`);
    }
    const files = readdirSync(usb).sort();
    assert.deepEqual(
      files,
      ['csv', 'html', 'json'].map((x) => `attune-summary-${year}.${x}`),
      'exactly the three files, in the chosen folder',
    );
    for (const kind of ['csv', 'json', 'html']) {
      const text = readFileSync(written[kind], 'utf8');
      assert.ok(text.length > 100, `${kind} has content`);
      for (const secret of SECRETS) assert.ok(!text.includes(secret), `${kind} holds no "${secret}"`);
    }
    const json = JSON.parse(readFileSync(written.json, 'utf8'));
    assert.ok(JSON.stringify(json).includes(year), 'the JSON names its period');
    await screen(app, 'summary-exported');

    // ---- Merge summaries: the exported file is ready; a tampered copy is refused with the reason.
    await click(s, 'summary-merge-link');
    await s.waitFor(tid('merge-heading'), { timeoutSec: 30 });
    await screen(app, 'merge-summaries-empty');
    await click(s, 'merge-add');
    await waitFor(async () => (await s.findAll(tid('merge-file-0'))).length > 0, { timeoutSec: 30, what: 'the first file listed' });
    assert.match(await textOf(s, 'merge-file-0-status'), /Ready/);
    await sleep(1100); // a newer modification time, so the chooser's stand-in picks the copy
    const tampered = JSON.parse(readFileSync(written.json, 'utf8'));
    const raw = JSON.stringify(tampered).replace(/"k":\s*5/, '"k":6');
    assert.notEqual(raw, JSON.stringify(tampered), 'the copy is changed');
    writeFileSync(join(usb, 'changed-copy.json'), raw);
    await click(s, 'merge-add');
    const refused = await waitFor(
      async () => {
        const el = (await s.findAll(tid('merge-file-1-status')))[0];
        return el ? (await el.text()).trim() : null;
      },
      { timeoutSec: 30, what: 'the second file listed' },
    );
    assert.match(refused, /Refused/);
    assert.ok(refused.length > 'Refused'.length + 5, `with a reason: ${refused}`);
    await screen(app, 'merge-summaries-a-refused-file');
    await click(s, 'merge-run');
    assert.match(await textOf(s, 'error-summary'), /Add at least two/);

    // ---- The key adult: their own note, read only; the lead's commands are refused.
    await click(s, 'lock-button');
    await unlockAs(app, { name: KEY_ADULT, userId: ka.id }, KEY_ADULT_PASS);
    const navText = await textOf(s, 'nav-supervision');
    assert.equal(navText, 'My supervision notes');
    assert.equal((await s.findAll(tid('nav-overview'))).length, 0, 'no Overview for a key adult');
    await click(s, 'nav-supervision');
    const mine = await textOf(s, `supervision-note-${notes[0].id}`);
    assert.ok(mine.includes(NOTE), mine);
    assert.equal((await s.findAll(tid('supervision-new'))).length, 0, 'nothing to record');
    await screen(app, 'key-adult-my-supervision-notes');
    for (const [cmd, args] of [
      ['overview', { query: null }],
      ['summary_preview', { period: year, k: 5 }],
      ['supervision_options', {}],
      ['list_supervision_notes', { keyAdultId: 'someone-else' }],
    ]) {
      const r = await app.invoke(cmd, args);
      assert.equal(r.ok, false, `${cmd} is refused for a key adult`);
      assert.equal(errorKind(r.error), 'not_permitted', `${cmd}: ${JSON.stringify(r.error)}`);
    }
  },
  { timeoutSec: 600 },
);
