// Issue 16, item 1, black-box: a strategic lead corrects a session in the real window, giving a
// reason, and sees the change in the session list (marked corrected, the earlier version struck
// through with who and when), in the audit log and in the subject access document. Then the
// session is withdrawn and leaves the list for "Withdrawn sessions". The oracles are outside
// the form: the page as drawn, the audit entries and the SAR document read by IPC.
//
// data-testids: nav-pupils pupils-row-<id> pupil-tab-sessions correct-open-session-<id>
//   correct-session-<id>-correct correct-session-<id>-note correct-session-<id>-reason
//   correct-session-<id>-save session-changed session-<id> session-<id>-history-earlier
//   withdraw-open-session-<id> correct-session-<id>-withdraw session-withdrawn-<id>
//   nav-audit audit-table pupil-sar sar-document

import assert from 'node:assert/strict';
import { e2eTest, tid } from './harness.mjs';
import { click, fill, firstRun } from './steps.mjs';

async function ok(app, cmd, args) {
  const r = await app.invoke(cmd, args);
  assert.equal(r.ok, true, `${cmd}: ${JSON.stringify(r.error)}`);
  return r.value;
}

e2eTest('a session is corrected with a reason: the list, the audit log and the SAR show it; then withdrawn', async (app) => {
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
  const today = new Date().toISOString().slice(0, 10);
  const session = await ok(app, 'log_session', {
    pupilId: pupil.id,
    input: { held_on: today, minutes: 20, kind: 'check_in', regulation: 6, note: 'Built a lego bridge' },
  });
  const id = session.id;

  await click(s, 'nav-pupils');
  await (await s.waitFor(`${tid(`pupils-row-${pupil.id}`)} a`, { timeoutSec: 30 })).click();
  await click(s, 'pupil-tab-sessions');
  await click(s, `correct-open-session-${id}`);
  await s.waitFor(tid(`correct-session-${id}-correct`), { timeoutSec: 20 });
  await app.shot('correct-session-form');
  await app.axe('correct a session');

  // No reason: refused in the form, nothing changed.
  await fill(s, `correct-session-${id}-note`, 'Built a chess set');
  await click(s, `correct-session-${id}-save`);
  await s.waitFor(tid('error-summary'), { timeoutSec: 20 });
  const before = await ok(app, 'open_pupil', { pupilId: pupil.id, sessionLimit: null });
  assert.equal(before.sessions[0].note, 'Built a lego bridge');

  await fill(s, `correct-session-${id}-reason`, 'Wrong game written');
  await click(s, `correct-session-${id}-save`);
  await s.waitFor(tid('session-changed'), { timeoutSec: 30 });
  const row = await (await s.waitFor(tid(`session-${id}`), { timeoutSec: 20 })).text();
  assert.match(row, /Built a chess set/);
  assert.match(row, /Corrected/);
  assert.match(row, /Wrong game written/);
  const earlier = await (await s.find(tid(`session-${id}-history-earlier`))).text();
  assert.match(earlier, /Note: Built a lego bridge/, 'the lead sees the earlier text');
  assert.match(earlier, /replaced by Sam Okafor/);
  await app.shot('correct-session-done');
  await app.axe('a corrected session');
  // At 200 % text size (1280×800), the form and the marks still fit and read.
  await s.execute('document.documentElement.style.fontSize = "200%";');
  await click(s, `correct-open-session-${id}`);
  await s.waitFor(tid(`correct-session-${id}-correct`), { timeoutSec: 20 });
  await app.shot('correct-session-form-200');
  await click(s, `correct-session-${id}-cancel`);
  await s.execute('document.documentElement.style.fontSize = "";');

  // The audit log: the correction, by whom, of which record; never the words.
  const audit = await ok(app, 'audit_entries', { query: null });
  const entry = audit.find((e) => e.action === 'session.correct');
  assert.ok(entry, 'session.correct is audited');
  assert.equal(entry.target, `pupil:${pupil.id}/session:${id}`);
  assert.equal(entry.actor_name, 'Sam Okafor');
  assert.ok(!JSON.stringify(audit).includes('chess'), 'no note text in the audit log');
  await click(s, 'nav-audit');
  await s.waitFor(tid('audit-table'), { timeoutSec: 30 });
  assert.match(await (await s.find(tid('audit-table'))).text(), /session\.correct/);
  await app.shot('correct-session-audit');

  // The subject access document: the current note, and the earlier one with the reason.
  const sar = await ok(app, 'subject_access_document', { pupilId: pupil.id });
  const text = JSON.stringify(sar);
  assert.ok(text.includes('Built a chess set'));
  const changes = sar.sections.find((x) => x.heading === 'Corrections and withdrawals');
  assert.ok(changes, 'the SAR has a section of corrections');
  assert.match(JSON.stringify(changes), /Wrong game written/);
  assert.match(JSON.stringify(changes), /Note: Built a lego bridge/);
  await click(s, 'nav-pupils');
  await (await s.waitFor(`${tid(`pupils-row-${pupil.id}`)} a`, { timeoutSec: 30 })).click();
  await click(s, 'pupil-sar');
  await s.waitFor(tid('sar-document'), { timeoutSec: 60 });
  assert.match(await (await s.find(tid('sar-document'))).text(), /Corrections and withdrawals/);
  await s.execute('[...document.querySelectorAll("[data-testid=sar-document] h2")].find((h) => h.textContent.includes("Corrections")).scrollIntoView({ block: "start" });');
  await app.shot('correct-session-sar');

  // Withdrawn: out of the list, collapsed under "Withdrawn sessions" with who and why.
  await click(s, 'sar-back');
  await click(s, 'pupil-tab-sessions');
  await click(s, `withdraw-open-session-${id}`);
  await fill(s, `correct-session-${id}-reason`, 'Entered for the wrong pupil');
  await click(s, `correct-session-${id}-save`);
  await s.waitFor(tid(`session-withdrawn-${id}`), { timeoutSec: 30 });
  assert.equal((await s.findAll(tid(`session-${id}`))).length, 0, 'no longer in the list');
  assert.match(await (await s.find(tid(`session-withdrawn-${id}`))).text(), /Withdrawn: the session of .*Sam Okafor/);
  await app.shot('correct-session-withdrawn');
  const hits = await ok(app, 'search', { text: 'chess', limit: 10 });
  assert.equal(hits.length, 0, 'a withdrawn note is not found');
});
