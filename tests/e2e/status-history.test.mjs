// Issue 15, item 3, black-box: a strategic lead changes a pupil's care status in the real window
// with an earlier "takes effect from" date, and the pupil's page shows the history (value, the
// day it took effect, who recorded it). The oracle is outside the screen: the pupil's record
// read by IPC (`open_pupil`'s status history), and the current value on the Details.
//
// data-testids: nav-pupils pupils-row-<id> pupil-tab-details pupil-edit pupil-care-status
//   pupil-status-from(-day|-month|-year) pupil-save details-saved status-history-care_status
//   status-history-support_level status-change pupil-details

import assert from 'node:assert/strict';
import { e2eTest, tid } from './harness.mjs';
import { at200, choose, click, fill, firstRun } from './steps.mjs';

/** The first three cells (value, took effect, recorded by) of each change in a history table. */
async function changes(s, kind) {
  const table = await s.waitFor(tid(`status-history-${kind}`), { timeoutSec: 20 });
  const out = [];
  for (const row of await table.findAll(tid('status-change'))) {
    const cells = [];
    for (const td of (await row.findAll('td')).slice(0, 3)) cells.push((await td.text()).trim());
    out.push(cells);
  }
  return out;
}

async function ok(app, cmd, args) {
  const r = await app.invoke(cmd, args);
  assert.equal(r.ok, true, `${cmd}: ${JSON.stringify(r.error)}`);
  return r.value;
}

e2eTest('a lead changes a care status from an earlier day and the pupil page shows the history', async (app) => {
  await app.launch();
  const s = app.session;
  await firstRun(app, { school: 'Brookside Primary', name: 'Sam Okafor', passphrase: 'correct horse battery staple 1917', screenshots: false, axe: false, checks: false });
  const ava = await ok(app, 'add_pupil', {
    input: {
      legal_forename: 'Ava',
      legal_surname: 'Marsh',
      preferred_name: null,
      date_of_birth: '2016-05-02',
      year_group: 'Year 5',
      identifiers: [],
      care_status: 'Child in need',
      support_level: 'Additional',
      relationship_start: '2024-09-02',
      relationship_planned_end: null,
    },
  });

  await click(s, 'nav-pupils');
  await (await s.waitFor(`${tid(`pupils-row-${ava.id}`)} a`, { timeoutSec: 30 })).click();
  await click(s, 'pupil-tab-details');
  const today = new Date().toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' });
  assert.deepEqual(await changes(s, 'care_status'), [['Child in need', '2 September 2024', `Sam Okafor, ${today}`]]);
  await app.shot('status-history-before');

  await click(s, 'pupil-edit');
  await choose(s, 'pupil-care-status', { value: 'Looked after' });
  await s.waitFor(tid('pupil-status-from'), { timeoutSec: 10 });
  await fill(s, 'pupil-status-from-day', '3');
  await fill(s, 'pupil-status-from-month', '11');
  await fill(s, 'pupil-status-from-year', '2025');
  await app.shot('status-history-edit');
  await app.axe('the pupil edit with a takes-effect date');
  await click(s, 'pupil-save');
  await s.waitFor(tid('details-saved'), { timeoutSec: 30 });

  // The page: both changes, oldest first, with the day each took effect and who recorded it.
  await s.waitFor(tid('status-history-care_status'), { timeoutSec: 20 });
  assert.deepEqual(await changes(s, 'care_status'), [
    ['Child in need', '2 September 2024', `Sam Okafor, ${today}`],
    ['Looked after', '3 November 2025', `Sam Okafor, ${today}`],
  ]);
  assert.deepEqual(await changes(s, 'support_level'), [['Additional', '2 September 2024', `Sam Okafor, ${today}`]]);
  assert.match(await (await s.find(tid('pupil-details'))).text(), /Care status\s*Looked after/);
  await app.shot('status-history-after');
  await app.axe('the pupil page with the status history');
  await at200(app, 'the status history', 'section-heading');

  // The backend holds the same, read by IPC.
  const rec = await ok(app, 'open_pupil', { pupilId: ava.id, sessionLimit: null });
  const held = rec.status_history
    .filter((c) => c.kind === 'care_status')
    .map((c) => [c.value, c.effective_from, c.recorded_by?.name ?? null]);
  assert.deepEqual(held, [
    ['Child in need', '2024-09-02', 'Sam Okafor'],
    ['Looked after', '2025-11-03', 'Sam Okafor'],
  ]);
  assert.equal(rec.pupil.care_status, 'Looked after');
});
