// Issue 3, black-box: a key adult's daily work in the real Attune window, driven by WebDriver.
//
// The strategic lead sets up the vault, adds a key adult (Users), adds two pupils (Pupils) and
// assigns the first to the key adult; the second stays unassigned. Lock. The key adult unlocks,
// sees only their pupil on the caseload, opens them, starts a Secure Base plan with two goals,
// logs a session by keyboard alone from the caseload (keys only: Enter, Tab, typing — no clicks),
// and finds it by a word from its note in the search box. A direct IPC call for the other pupil
// is refused by the backend with kind "not_permitted". Screenshots of every screen, axe on each.
//
// The data-testids are the contract with the UI (ui/src):
//   setup-school setup-name setup-passphrase setup-confirm setup-submit
//   recovery-key recovery-group-N recovery-kept recovery-continue confirm-group-N confirm-submit
//   home-heading lock-button signed-in-user nav-<page>
//   unlock-user (select) | unlock-user-<userId> (radio)  unlock-passphrase unlock-submit
//   users: user-name user-role-key_adult user-passphrase user-confirm user-submit users-done users-table
//   pupils: pupil-add pupil-form pupil-legal-forename pupil-legal-surname pupil-preferred-name
//           pupil-dob-day|month|year pupil-year-group pupil-care-status pupil-support-level
//           pupil-save pupil-saved pupils-table pupils-row-<id>
//   pupil page: pupil-heading pupil-tab-<section> pupil-section-<section>
//           details: assign-key-adult assign-save details-saved pupil-details
//           plan: plan-none plan-start plan-form plan-framework plan-save plan-summary
//                 plan-framework-name plan-due-dates goal-add goal-form goal-domain goal-outcome
//                 goal-baseline goal-target goal-save goal-list goal-<id>
//   caseload: caseload-table caseload-row-<id> pupil-link-<id> caseload-count log-session-<id>
//   session form: log-session-form session-kind-<kind> session-regulation session-note
//                 session-minutes session-save session-saved
//   search: search-input search-results search-result-N search-count

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { e2eTest, tid, waitFor, Keys } from './harness.mjs';
import { choose, click, errorKind, fill, firstRun, tick, unlockAs } from './steps.mjs';

const SCHOOL = 'Riverside Primary School';
const LEAD = 'Sam Okafor';
const LEAD_PASS = 'correct horse battery staple 1917';
const KEY_ADULT = 'Kim Adebayo';
const KEY_ADULT_PASS = 'paper lantern orchard violin 4471';
// Names with an apostrophe, an accent and a hyphen: they must survive the round trip.
const MINE = { forename: 'Amara', surname: "O'Neill", preferred: 'Amy', yearGroup: 'Year 5' };
const OTHER = { forename: 'Zoë', surname: 'Łukasik-Brown', preferred: '', yearGroup: 'Year 3' };
const NOTE_WORD = 'sandcastle';
const REVIEW_WORD = 'pinwheel';
const TEST_IDENTIFIER = JSON.parse(readFileSync(new URL('./tauri.test.conf.json', import.meta.url), 'utf8')).identifier;

/** Every regular file below `dir` (none if it does not exist). */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
const NOTE = `Built a ${NOTE_WORD} in the sensory tray and talked about the weekend`;

// ---------------------------------------------------------------------------------------------
// Helpers for this journey (the shared steps are in steps.mjs)

/** The id of the focused element (for the keyboard-only steps). */
async function focusedId(s) {
  return s.execute('const a = document.activeElement; return a ? a.id || a.getAttribute("data-testid") || a.tagName : null;');
}

/** Pupil ids by the order they were added, from the lead's view of every pupil. */
async function pupilIdsByName(app) {
  const r = await app.invoke('caseload', { query: { include_left: true } });
  assert.equal(r.ok, true, `caseload answers for the lead: ${JSON.stringify(r.error)}`);
  const find = (p) => r.value.find((row) => row.surname === p.surname)?.pupil_id;
  return { mine: find(MINE), other: find(OTHER) };
}

async function addPupil(app, p, shotName) {
  const s = app.session;
  await click(s, 'pupil-add');
  await s.waitFor(tid('pupil-form'));
  await fill(s, 'pupil-legal-forename', p.forename);
  await fill(s, 'pupil-legal-surname', p.surname);
  if (p.preferred) await fill(s, 'pupil-preferred-name', p.preferred);
  await fill(s, 'pupil-dob-day', '14');
  await fill(s, 'pupil-dob-month', '3');
  await fill(s, 'pupil-dob-year', '2016');
  await fill(s, 'pupil-year-group', p.yearGroup);
  await choose(s, 'pupil-care-status', { text: 'Looked after' });
  await choose(s, 'pupil-support-level', { text: 'Intensive' });
  if (shotName) {
    await app.shot(shotName);
    await app.axe(shotName.replace(/-/g, ' '));
  }
  await click(s, 'pupil-save');
  const notice = await s.waitFor(tid('pupil-saved'), { timeoutSec: 30 });
  const text = await notice.text();
  assert.ok(text.includes(p.surname), `the saved notice names the pupil: "${text}"`);
}

// ---------------------------------------------------------------------------------------------

e2eTest(
  'key adult: caseload, plan with two goals, a session by keyboard, search; refused for another pupil',
  async (app) => {
    await app.launch();
    const s = app.session;

    // ---- The strategic lead: vault, a key adult, two pupils, one assigned.
    await firstRun(app, {
      school: SCHOOL,
      name: LEAD,
      passphrase: LEAD_PASS,
      screenshots: false,
      axe: false,
      checks: false,
    });
    await app.shot('lead-caseloads-empty');
    await app.axe('lead caseloads, empty');

    await click(s, 'nav-users');
    await s.waitFor(tid('users-table'));
    await fill(s, 'user-name', KEY_ADULT);
    await tick(s, 'user-role-key_adult');
    await fill(s, 'user-passphrase', KEY_ADULT_PASS);
    await fill(s, 'user-confirm', KEY_ADULT_PASS);
    await app.shot('users-add-key-adult');
    await app.axe('users, adding a key adult');
    await click(s, 'user-submit');
    await waitFor(async () => (await (await s.find(tid('users-table'))).text()).includes(KEY_ADULT), {
      timeoutSec: 60,
      what: `${KEY_ADULT} in the users table`,
    });
    await app.shot('users-key-adult-added');
    const users = await app.invoke('list_users');
    assert.equal(users.ok, true, JSON.stringify(users.error));
    const keyAdult = users.value.find((u) => u.name === KEY_ADULT);
    const lead = users.value.find((u) => u.name === LEAD);
    assert.ok(keyAdult && keyAdult.role === 'key_adult', `the key adult is listed: ${JSON.stringify(users.value)}`);

    await click(s, 'nav-pupils');
    await s.waitFor(tid('pupil-add'));
    await app.shot('pupils-empty');
    await app.axe('pupils, none yet');
    await addPupil(app, MINE, 'pupil-form-filled');
    await addPupil(app, OTHER);
    const table = await s.waitFor(tid('pupils-table'));
    const tableText = await table.text();
    assert.ok(tableText.includes(MINE.surname) && tableText.includes(OTHER.surname), `both pupils listed: ${tableText}`);
    await app.shot('pupils-two-added');
    await app.axe('pupils, two added');
    const ids = await pupilIdsByName(app);
    assert.ok(ids.mine && ids.other && ids.mine !== ids.other, `both pupils have ids: ${JSON.stringify(ids)}`);

    // Open the first pupil (their details) and assign the key adult.
    await (await s.waitFor(`${tid(`pupils-row-${ids.mine}`)} a`)).click();
    await s.waitFor(tid('pupil-heading'), { timeoutSec: 30 });
    if ((await s.findAll(tid('assign-key-adult'))).length === 0) await click(s, 'pupil-tab-details');
    await choose(s, 'assign-key-adult', { value: keyAdult.id });
    await app.shot('pupil-details-assign');
    await app.axe('pupil details, assigning a key adult');
    await click(s, 'assign-save');
    await waitFor(async () => (await (await s.find(tid('pupil-facts'))).text()).includes(KEY_ADULT), {
      timeoutSec: 30,
      what: 'the key adult shown on the pupil page',
    });
    await app.shot('pupil-details-assigned');
    const assigned = await app.invoke('get_pupil', { pupilId: ids.mine });
    assert.equal(assigned.value?.key_adult?.id, keyAdult.id, `assigned in the vault: ${JSON.stringify(assigned)}`);
    const unassigned = await app.invoke('get_pupil', { pupilId: ids.other });
    assert.equal(unassigned.value?.key_adult, null, `the other pupil stays unassigned: ${JSON.stringify(unassigned)}`);

    await click(s, 'lock-button');
    await s.waitFor(tid('unlock-passphrase'), { timeoutSec: 30 });

    // ---- The key adult: only their pupil.
    await unlockAs(app, { name: KEY_ADULT, userId: keyAdult.id }, KEY_ADULT_PASS);
    const signedIn = await (await s.waitFor(tid('signed-in-user'))).text();
    assert.ok(signedIn.includes(KEY_ADULT), `signed in as the key adult: "${signedIn}"`);
    await s.waitFor(tid('caseload-table'), { timeoutSec: 30 });
    assert.equal((await s.findAll(tid(`caseload-row-${ids.mine}`))).length, 1, 'their pupil is on the caseload');
    assert.equal((await s.findAll(tid(`caseload-row-${ids.other}`))).length, 0, 'the unassigned pupil is not');
    const rows = await s.findAll('[data-testid^="caseload-row-"]');
    assert.equal(rows.length, 1, 'exactly one pupil on the caseload');
    const caseloadText = await (await s.find(tid('caseload-table'))).text();
    assert.ok(!caseloadText.includes(OTHER.surname), 'the other pupil’s name appears nowhere on the caseload');
    assert.equal((await s.findAll(tid('nav-pupils'))).length, 0, 'no Pupils page for a key adult');
    await app.shot('key-adult-caseload');
    await app.axe('key adult caseload');

    // Open the pupil; start a Secure Base plan.
    await click(s, `pupil-link-${ids.mine}`);
    const heading = await s.waitFor(tid('pupil-heading'), { timeoutSec: 30 });
    assert.ok((await heading.text()).includes(MINE.surname), 'the pupil page opens');
    await app.shot('pupil-page-about');
    await app.axe('pupil page, about me');

    await click(s, 'pupil-tab-plan');
    await s.waitFor(tid('plan-none'));
    await app.shot('plan-none');
    await app.axe('plan, none yet');
    await click(s, 'plan-start');
    await s.waitFor(tid('plan-form'));
    const fw = await s.waitFor(tid('plan-framework'));
    await waitFor(async () => String(await fw.property('value')) === 'secure-base', {
      timeoutSec: 10,
      what: 'Secure Base chosen by default',
    });
    await app.shot('plan-start-form');
    await app.axe('start a plan');
    await click(s, 'plan-save');
    const fwName = await s.waitFor(tid('plan-framework-name'), { timeoutSec: 30 });
    assert.match(await fwName.text(), /Secure Base/, 'the plan uses the Secure Base model');
    await s.waitFor(tid('plan-due-dates'));
    await app.shot('plan-started');
    await app.axe('plan started');

    const goals = [
      { domain: 'availability', outcome: 'Amy will ask her key adult for help when worried, 4 days out of 5 by February half term', baseline: '3', target: '7' },
      { domain: 'belonging', outcome: 'Amy will join the lunchtime Lego club at least twice a week by Easter', baseline: '2', target: '6' },
    ];
    for (const [i, g] of goals.entries()) {
      await click(s, 'goal-add');
      await s.waitFor(tid('goal-form'));
      await choose(s, 'goal-domain', { value: g.domain });
      await fill(s, 'goal-outcome', g.outcome);
      await fill(s, 'goal-baseline', g.baseline);
      await fill(s, 'goal-target', g.target);
      if (i === 0) {
        await app.shot('goal-form-filled');
        await app.axe('add a goal');
      }
      await click(s, 'goal-save');
      await waitFor(async () => (await s.findAll('[data-testid="goal-list"] [data-testid^="goal-"]')).length === i + 1, {
        timeoutSec: 30,
        what: `${i + 1} goal(s) listed`,
      });
      await s.waitFor(tid('goal-add'));
    }
    const goalText = await (await s.find(tid('goal-list'))).text();
    assert.ok(goalText.includes('Lego club') && goalText.includes('ask her key adult'), 'both goals shown');
    await app.shot('plan-two-goals');
    await app.axe('plan with two goals');
    const record = await app.invoke('open_pupil', { pupilId: ids.mine });
    assert.equal(record.ok, true, JSON.stringify(record.error));
    assert.equal(record.value.plan?.framework_id, 'secure-base');
    assert.deepEqual(
      record.value.plan.goals.map((g) => g.domain_id),
      ['availability', 'belonging'],
      'two goals under Secure Base domains',
    );

    // ---- A session from the caseload, by keyboard alone.
    await click(s, 'nav-caseload');
    await s.waitFor(tid(`log-session-${ids.mine}`), { timeoutSec: 30 });
    // Put the keyboard focus on "Log a session" (no click), then Enter.
    await s.execute('document.querySelector(arguments[0]).focus();', [tid(`log-session-${ids.mine}`)]);
    assert.equal(await focusedId(s), `log-session-${ids.mine}`, 'focus is on Log a session');
    await s.keys(Keys.ENTER);
    await s.waitFor(tid('log-session-form'), { timeoutSec: 10 });
    await waitFor(async () => (await focusedId(s)) === 'session-kind-check_in', {
      timeoutSec: 5,
      what: 'focus on the session kind (Check-in) when the form opens',
    });
    // Check-in is already chosen; Tab to the rating, Tab to the note, Enter saves.
    await s.keys(Keys.TAB);
    assert.equal(await focusedId(s), 'session-regulation', 'Tab goes to the regulation rating');
    await s.keys('7');
    await s.keys(Keys.TAB);
    assert.equal(await focusedId(s), 'session-note', 'Tab goes to the note');
    await s.keys(NOTE);
    await app.shot('session-form-keyboard');
    await app.axe('log a session');
    await s.keys(Keys.ENTER);
    const saved = await s.waitFor(tid('session-saved'), { timeoutSec: 30 });
    await app.shot('session-saved');
    await app.axe('caseload, session saved');
    assert.ok((await saved.text()).length > 0, 'a saved message is shown');
    const sessions = await app.invoke('list_sessions', { pupilId: ids.mine, limit: 5 });
    assert.equal(sessions.ok, true, JSON.stringify(sessions.error));
    assert.equal(sessions.value.length, 1, `one session: ${JSON.stringify(sessions.value)}`);
    const [entry] = sessions.value;
    assert.equal(entry.note, NOTE);
    assert.equal(entry.kind, 'check_in');
    assert.equal(entry.regulation, 7);
    assert.equal(entry.minutes, 20, 'the default length');
    assert.equal(entry.held_on, new Date().toISOString().slice(0, 10), 'today by default');
    const row = await (await s.find(tid(`caseload-row-${ids.mine}`))).text();
    assert.doesNotMatch(row, /None yet/, `the caseload shows the last session: ${row}`);

    // ---- Find it by a word from the note.
    await fill(s, 'search-input', NOTE_WORD);
    await s.keys(Keys.ENTER);
    const results = await s.waitFor(tid('search-results'), { timeoutSec: 30 });
    const resultsText = await results.text();
    assert.ok(resultsText.includes(NOTE_WORD), `the note's word is in a result: ${resultsText}`);
    assert.ok(resultsText.includes(MINE.surname), `the result names the pupil: ${resultsText}`);
    assert.match(resultsText, /session/i, 'the hit is a session note');
    await app.shot('search-results');
    await app.axe('search results');

    // ---- A word written in a review (issue 16, item 5): found, named as the review, and the
    // hit opens the review page.
    const review = await app.invoke('prepare_review', { planId: record.value.plan.id, dueDate: record.value.plan.due_dates[0].date });
    assert.equal(review.ok, true, `prepare_review: ${JSON.stringify(review.error)}`);
    const draftSaved = await app.invoke('save_review_draft', {
      reviewId: review.value.id,
      input: { attendees: [], goals: [], pupil_voice: `I liked the ${REVIEW_WORD} game`, parent_carer_voice: '', working_well: '', worried_about: '', needs_to_happen: '', next_steps: '', new_goals: [], next_review_date: null },
    });
    assert.equal(draftSaved.ok, true, `save_review_draft: ${JSON.stringify(draftSaved.error)}`);
    await fill(s, 'search-input', REVIEW_WORD);
    await s.keys(Keys.ENTER);
    // (The note's results are still on screen until the new search answers.)
    let reviewHit;
    let reviewHitText = '';
    await waitFor(
      async () => {
        const found = await s.findAll(tid('search-result-0'));
        reviewHit = found[0];
        reviewHitText = reviewHit ? await reviewHit.text() : '';
        return reviewHitText.includes(REVIEW_WORD);
      },
      { timeoutSec: 30, what: "the review's hit" },
    );
    assert.match(reviewHitText, /Review of \d{1,2} [A-Z][a-z]+ \d{4}/, `the hit names the review by its date: ${reviewHitText}`);
    assert.ok(reviewHitText.includes(REVIEW_WORD), `the review's word is in the hit: ${reviewHitText}`);
    await app.shot('search-review-hit');
    await app.axe('search results, a review');
    await (await reviewHit.find('a')).click();
    await s.waitFor(tid('review-heading'), { timeoutSec: 30 });
    await app.shot('search-review-opened');

    // The other pupil's name finds nothing for this key adult.
    await fill(s, 'search-input', OTHER.surname.split('-')[1]);
    await s.keys(Keys.ENTER);
    await s.waitFor(tid('search-none'), { timeoutSec: 30 });
    await app.shot('search-other-pupil-none');

    // ---- Straight to the backend: refused, whatever the UI shows.
    const refused = await app.invoke('open_pupil', { pupilId: ids.other });
    assert.equal(refused.ok, false, `open_pupil for an unassigned pupil must be refused: ${JSON.stringify(refused.value)}`);
    assert.equal(errorKind(refused.error), 'not_permitted', `refused as not_permitted: ${JSON.stringify(refused.error)}`);
    const refusedLog = await app.invoke('log_session', {
      pupilId: ids.other,
      input: { held_on: new Date().toISOString().slice(0, 10), minutes: 10, kind: 'check_in', regulation: null, note: 'x' },
    });
    assert.equal(errorKind(refusedLog.error), 'not_permitted', `log_session refused too: ${JSON.stringify(refusedLog)}`);
    const leadOnly = await app.invoke('audit_entries', { query: {} });
    assert.equal(errorKind(leadOnly.error), 'not_permitted', `the audit log is the lead's: ${JSON.stringify(leadOnly.error)}`);

    // ---- The refusals are in the audit log, for the lead.
    await click(s, 'lock-button');
    await unlockAs(app, { name: LEAD, userId: lead.id }, LEAD_PASS);
    const log = await app.invoke('audit_entries', { query: { limit: 500 } });
    assert.equal(log.ok, true, JSON.stringify(log.error));
    const refusal = log.value.find(
      (e) => e.outcome === 'refused' && e.actor_id === keyAdult.id && e.target === `pupil:${ids.other}`,
    );
    assert.ok(refusal, `the refused open_pupil is audited: ${JSON.stringify(log.value.slice(0, 10))}`);
    const verified = await app.invoke('verify_audit', { op: 'e2e-verify' });
    assert.equal(verified.value?.intact, true, `the audit chain is intact: ${JSON.stringify(verified)}`);

    // ---- Nothing readable reached the disk: not in the vault folder, and not in anything the
    // web view keeps (WebKit's data and cache folders for this build's identifier).
    await app.close();
    const places = [
      app.vaultDir,
      join(homedir(), '.local/share', TEST_IDENTIFIER),
      join(homedir(), '.cache', TEST_IDENTIFIER),
    ];
    let filesRead = 0;
    for (const place of places) {
      for (const file of filesUnder(place)) {
        const bytes = readFileSync(file);
        filesRead += 1;
        for (const word of [NOTE_WORD, MINE.forename, MINE.surname]) {
          assert.ok(!bytes.includes(Buffer.from(word, 'utf8')), `${file} holds "${word}" in plain text`);
          assert.ok(!bytes.includes(Buffer.from(word, 'utf16le')), `${file} holds "${word}" as UTF-16`);
        }
      }
    }
    assert.ok(filesRead >= 3, `the vault folder's files were read (${filesRead} files)`);
  },
  { timeoutSec: 600 },
);
