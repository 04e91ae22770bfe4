// Issue 16, item 7, black-box: the session form's safeguarding reminder in the real window.
//
// The strategic lead sets up the vault and a pupil, opens the pupil's sessions and logs a
// crisis-support session through the form: choosing "Crisis support" brings up the reminder in a
// polite live region (role=status) with a field for the reference; the reference is typed and
// Enter saves. Then the lead sets the school's words in Settings, and a word typed in a check-in's
// note brings the reminder up too. The oracles are outside the form: the session list as drawn, and the session as
// the backend returns it. Screenshots at 100 % and 200 % text size, axe-core on each.
//
// data-testids: nav-pupils pupils-row-<id> pupil-tab-sessions log-session-<id> session-kind-crisis
//   session-safeguarding-status session-safeguarding-inset session-safeguarding-ref session-note
//   session-saved session-<id> session-<id>-reference log-session-form
//   nav-settings safeguarding-words safeguarding-words-save safeguarding-words-saved

import assert from 'node:assert/strict';
import { e2eTest, Keys, sleep, tid, waitFor } from './harness.mjs';
import { click, fill, firstRun } from './steps.mjs';

const REMINDER =
  "A safeguarding concern is not recorded here. If this session raised one, record it in the school's safeguarding system and add its reference below. The session can still be saved.";

async function ok(app, cmd, args) {
  const r = await app.invoke(cmd, args);
  assert.equal(r.ok, true, `${cmd}: ${JSON.stringify(r.error)}`);
  return r.value;
}

async function noSidewaysScroll(s, what) {
  const overflow = await s.execute('return document.documentElement.scrollWidth - document.documentElement.clientWidth;');
  assert.ok(overflow <= 0, `no sideways scrolling of the page ${what} (${overflow} px too wide)`);
}

e2eTest('a crisis-support session: the reminder is announced, the reference is saved and listed', async (app) => {
  await app.launch();
  const s = app.session;
  await firstRun(app, { school: 'Brookside Primary', name: 'Sam Okafor', passphrase: 'correct horse battery staple 1917', screenshots: false, axe: false, checks: false });
  const pupil = await ok(app, 'add_pupil', {
    input: {
      legal_forename: 'Orla',
      legal_surname: 'Pennant',
      preferred_name: null,
      date_of_birth: '2016-05-02',
      year_group: 'Year 5',
      identifiers: [],
      care_status: null,
      support_level: null,
      relationship_start: null,
      relationship_planned_end: null,
    },
  });

  await click(s, 'nav-pupils');
  await (await s.waitFor(`${tid(`pupils-row-${pupil.id}`)} a`, { timeoutSec: 30 })).click();
  await click(s, 'pupil-tab-sessions');
  await click(s, `log-session-${pupil.id}`);
  await s.waitFor(tid('log-session-form'), { timeoutSec: 20 });
  // Empty, so not visible: found, not waited for.
  const status = await s.find(tid('session-safeguarding-status'));
  // The live region is in the page before anything is in it, so its filling is announced.
  assert.equal(await status.attribute('role'), 'status');
  assert.equal(await status.attribute('aria-live'), 'polite');
  assert.equal((await status.text()).trim(), '', 'no reminder before crisis support is chosen');

  await click(s, 'session-kind-crisis');
  const inset = await s.waitFor(`${tid('session-safeguarding-status')} ${tid('session-safeguarding-inset')}`, { timeoutSec: 10 });
  assert.equal((await inset.text()).replace(/\s+/g, ' ').trim(), REMINDER);
  const label = await s.execute('return document.querySelector("label[for=session-safeguarding-ref]")?.textContent.trim();');
  assert.equal(label, 'Safeguarding reference (optional)');
  await fill(s, 'session-note', 'Upset after lunch, talked it through');
  await fill(s, 'session-safeguarding-ref', 'CPOMS-4411');
  await s.execute('document.getElementById("log-session-heading").scrollIntoView({ block: "start" });');
  await sleep(200);
  await app.shot('session-form-reminder');
  await app.axe('the session form with the safeguarding reminder');

  await s.execute('document.activeElement?.blur(); document.documentElement.style.fontSize = "200%";');
  await sleep(500);
  await s.execute('document.querySelector("[data-testid=session-safeguarding-inset]").scrollIntoView({ block: "start" });');
  await sleep(300);
  await app.shot('session-form-reminder-200');
  await app.axe('the session form with the safeguarding reminder at 200 % text');
  await noSidewaysScroll(s, 'with the reminder at 200 % text');
  await s.execute('document.documentElement.style.fontSize = "";');
  await sleep(300);

  // Enter in the reference field saves: the reminder does not hold the save up.
  await (await s.find(tid('session-safeguarding-ref'))).sendKeys(Keys.ENTER);
  await s.waitFor(tid('session-saved'), { timeoutSec: 30 });
  const held = await ok(app, 'open_pupil', { pupilId: pupil.id, sessionLimit: null });
  assert.equal(held.sessions.length, 1);
  assert.equal(held.sessions[0].kind, 'crisis');
  assert.equal(held.sessions[0].safeguarding_ref, 'CPOMS-4411');
  const id = held.sessions[0].id;
  const shown = await (await s.waitFor(tid(`session-${id}-reference`), { timeoutSec: 20 })).text();
  assert.equal(shown.trim(), 'Safeguarding reference: CPOMS-4411');
  await s.execute(`document.querySelector('[data-testid="session-${id}"]').scrollIntoView({ block: "center" });`);
  await sleep(200);
  await app.shot('session-list-reference');
  await app.axe('the session list with a safeguarding reference');

  // The lead sets the school's words in Settings; a word typed in a check-in's note then brings
  // the reminder up, and the session saves without a reference.
  await click(s, 'nav-settings');
  const words = await s.waitFor(tid('safeguarding-words'), { timeoutSec: 20 });
  assert.equal(await words.property('value'), 'hurt\nhit\ntouched\nbruise\nbruises\nsecret\nscared to go home\nself-harm');
  await fill(s, 'safeguarding-words', 'hit' + Keys.ENTER + 'frightened');
  await click(s, 'safeguarding-words-save');
  const savedWords = await s.waitFor(tid('safeguarding-words-saved'), { timeoutSec: 20 });
  assert.match(await savedWords.text(), /2 words or phrases bring the reminder up/);
  assert.deepEqual(await ok(app, 'safeguarding_words', {}), ['hit', 'frightened']);
  await s.execute('document.getElementById("safeguarding-words-heading").scrollIntoView({ block: "start" });');
  await sleep(200);
  await app.shot('settings-safeguarding-words');
  await app.axe('the safeguarding words in Settings');

  await click(s, 'nav-pupils');
  await (await s.waitFor(`${tid(`pupils-row-${pupil.id}`)} a`, { timeoutSec: 30 })).click();
  await click(s, 'pupil-tab-sessions');
  await click(s, `log-session-${pupil.id}`);
  await s.waitFor(tid('log-session-form'), { timeoutSec: 20 });
  await fill(s, 'session-note', 'Felt Frightened. Hitherto calm');
  await s.waitFor(tid('session-safeguarding-inset'), { timeoutSec: 10 });
  await (await s.find(tid('session-note'))).sendKeys(Keys.ENTER);
  await waitFor(async () => (await ok(app, 'open_pupil', { pupilId: pupil.id, sessionLimit: null })).sessions.length === 2, { timeoutSec: 20, what: 'the second session saved' });
  const second = (await ok(app, 'open_pupil', { pupilId: pupil.id, sessionLimit: null })).sessions.find((x) => x.id !== id);
  assert.equal(second.kind, 'check_in');
  assert.equal(second.note, 'Felt Frightened. Hitherto calm');
  assert.equal(second.safeguarding_ref, null, 'no reference: the reminder did not hold the save up');
});
