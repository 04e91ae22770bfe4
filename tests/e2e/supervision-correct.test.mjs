// Issue 16, item 1 (supervision notes), black-box: the strategic lead corrects a supervision
// note in the real window, giving a reason, and sees the earlier words struck through with who
// and when; withdraws a second note, which stays in the lead's list marked withdrawn. The key
// adult then signs in: the withdrawn note is not there, and the corrected one shows only its
// current words (no earlier version reaches them). Oracles outside the form: the page as
// drawn, the audit entries, and the key adult's own list by IPC.
//
// data-testids: nav-supervision supervision-note-<id> supervision-note-<id>-notes
//   correct-open-supervision-<id> withdraw-open-supervision-<id>
//   supervision-correct-<id>-correct|withdraw supervision-correct-<id>-notes
//   supervision-correct-<id>-reason supervision-correct-<id>-save supervision-saved
//   supervision-note-<id>-history-earlier supervision-note-<id>-withdrawn supervision-count
//   error-summary lock-button

import assert from 'node:assert/strict';
import { e2eTest, tid } from './harness.mjs';
import { click, fill, firstRun, unlockAs } from './steps.mjs';

const LEAD = 'Sam Okafor';
const KEY_ADULT = 'Kim Adebayo';
const KEY_ADULT_PASS = 'paper lantern orchard violin 4471';

async function ok(app, cmd, args) {
  const r = await app.invoke(cmd, args);
  assert.equal(r.ok, true, `${cmd}: ${JSON.stringify(r.error)}`);
  return r.value;
}

async function textOf(s, id, timeoutSec = 30) {
  return (await (await s.waitFor(tid(id), { timeoutSec })).text()).trim();
}

e2eTest('the lead corrects a supervision note (earlier words struck through) and withdraws another; the key adult sees neither', async (app) => {
  await app.launch();
  const s = app.session;
  await firstRun(app, { school: 'Brookside Primary', name: LEAD, passphrase: 'correct horse battery staple 1917', screenshots: false, axe: false, checks: false });
  const ka = await ok(app, 'add_user', { req: { name: KEY_ADULT, role: 'key_adult', passphrase: KEY_ADULT_PASS } });
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
  const today = new Date().toISOString().slice(0, 10);
  await ok(app, 'assign_key_adult', { pupilId: pupil.id, keyAdultId: ka.id, from: today });
  const input = (notes) => ({ held_on: today, kind: 'supervision', key_adult_id: ka.id, pupil_ids: [pupil.id], notes, actions: '' });
  const a = await ok(app, 'record_supervision_note', { input: input('Orla built a lego bridge on Tuesday.') });
  const b = await ok(app, 'record_supervision_note', { input: input('A meeting that never happened.') });

  await click(s, 'nav-supervision');
  await click(s, `correct-open-supervision-${a.id}`);
  await s.waitFor(tid(`supervision-correct-${a.id}-correct`), { timeoutSec: 20 });
  await app.shot('supervision-correct-form');
  await app.axe('correct a supervision note');

  // No reason: refused in the form, nothing changed.
  await fill(s, `supervision-correct-${a.id}-notes`, 'Orla built a lego bridge on Wednesday.');
  await click(s, `supervision-correct-${a.id}-save`);
  await s.waitFor(tid('error-summary'), { timeoutSec: 20 });
  assert.equal((await ok(app, 'get_supervision_note', { noteId: a.id })).notes, 'Orla built a lego bridge on Tuesday.');

  await fill(s, `supervision-correct-${a.id}-reason`, 'Wrong day written');
  await click(s, `supervision-correct-${a.id}-save`);
  assert.match(await textOf(s, 'supervision-saved'), /Corrected: the supervision with Kim Adebayo/);
  assert.match(await textOf(s, `supervision-note-${a.id}-notes`), /on Wednesday/);
  const earlier = await textOf(s, `supervision-note-${a.id}-history-earlier`);
  assert.match(earlier, /Notes: Orla built a lego bridge on Tuesday\./, 'the lead sees the earlier words');
  assert.match(earlier, new RegExp(`replaced by ${LEAD}`));
  assert.match(earlier, /Wrong day written/);
  const struck = await s.execute(
    `return [...document.querySelectorAll('[data-testid="supervision-note-${a.id}-history-earlier"] del')].map((d) => d.textContent);`,
  );
  assert.deepEqual(struck, ['Orla built a lego bridge on Tuesday.'], 'the earlier words are struck through');
  await s.execute(`document.querySelector('[data-testid="supervision-note-${a.id}"]').scrollIntoView({ block: 'start' });`);
  await app.shot('supervision-corrected');
  await app.axe('a corrected supervision note');

  // Withdrawn: kept for the lead, marked with who and why; not counted.
  await click(s, `withdraw-open-supervision-${b.id}`);
  await s.waitFor(tid(`supervision-correct-${b.id}-withdraw`), { timeoutSec: 20 });
  await fill(s, `supervision-correct-${b.id}-reason`, 'Never held');
  await click(s, `supervision-correct-${b.id}-save`);
  assert.match(await textOf(s, `supervision-note-${b.id}-withdrawn`), new RegExp(`Withdrawn\\s+by ${LEAD} on .*: Never held`));
  assert.match(await textOf(s, 'supervision-count'), /1 note, and 1 withdrawn/);
  assert.equal((await s.findAll(tid(`correct-open-supervision-${b.id}`))).length, 0, 'a withdrawn note has no buttons');
  await s.execute(`document.querySelector('[data-testid="supervision-note-${b.id}"]').scrollIntoView({ block: 'start' });`);
  await app.shot('supervision-withdrawn');

  // At 200 % text size (1280×800), the form still fits and reads.
  await s.execute('document.documentElement.style.fontSize = "200%";');
  await click(s, `correct-open-supervision-${a.id}`);
  await s.waitFor(tid(`supervision-correct-${a.id}-correct`), { timeoutSec: 20 });
  const wide = await s.execute('return document.documentElement.scrollWidth <= window.innerWidth;');
  assert.equal(wide, true, 'no sideways scrolling at 200 %');
  await app.shot('supervision-correct-form-200');
  await click(s, `supervision-correct-${a.id}-cancel`);
  await s.execute('document.documentElement.style.fontSize = "";');

  // The audit log: the correction and the withdrawal, by id; never the words.
  const audit = await ok(app, 'audit_entries', { query: null });
  const corrected = audit.find((e) => e.action === 'supervision.correct');
  assert.equal(corrected?.target, `supervision:${a.id}`);
  assert.equal(audit.find((e) => e.action === 'supervision.withdraw')?.target, `supervision:${b.id}`);
  assert.ok(!JSON.stringify(audit).includes('Wednesday') && !JSON.stringify(audit).includes('Never held'));

  // The key adult: only the corrected note, its current words, nothing of its history.
  await click(s, 'lock-button');
  await unlockAs(app, { name: KEY_ADULT, userId: ka.id }, KEY_ADULT_PASS);
  const theirs = await ok(app, 'list_supervision_notes', { keyAdultId: null });
  assert.deepEqual(theirs.map((n) => n.id), [a.id]);
  assert.ok(!JSON.stringify(theirs).includes('Tuesday'), 'no earlier words for the key adult');
  await click(s, 'nav-supervision');
  assert.match(await textOf(s, `supervision-note-${a.id}-notes`), /on Wednesday/);
  assert.equal((await s.findAll(tid(`supervision-note-${b.id}`))).length, 0);
  assert.equal((await s.findAll(tid(`correct-open-supervision-${a.id}`))).length, 0);
  await app.shot('supervision-key-adult-after-correction');
});
