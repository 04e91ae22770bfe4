// Issue 15, item 1, in the real window: a strategic lead updates the pupils from a later MIS export
// (the preview says per pupil what changes; a pupil missing from the file is ticked as left; nothing
// changes until confirmed), sees a pupil's new year group on the Pupils page and again after the
// app is closed and re-opened; then starts the new school year (the preview lists the moves and
// the leavers; one leaver is kept on), and the same year cannot be started twice. The oracle is
// outside the screens under test: the Pupils page and `get_pupil` by IPC.
//
// data-testids: nav-pupils pupil-update import-kind-update import-file import-read import-preview
//   update-counts update-changed-<id> update-new update-left-<id> update-left-on update-run
//   update-result pupils-row-<id> pupil-rollover rollover-to rollover-preview rollover-counts
//   rollover-move-<id> rollover-leaver-<id> rollover-run rollover-result error-summary

import assert from 'node:assert/strict';
import { e2eTest, tid, waitFor } from './harness.mjs';
import { click, fill, firstRun, tick, unlockAs } from './steps.mjs';

const LEAD = { name: 'Sam Okafor' };
const PASS = 'correct horse battery staple 1917';

/** A valid permanent UPN (the DfE check letter, as identifiers.rs computes it). */
function upn(n) {
  const rest = String(n).padStart(12, '0');
  const letters = 'ABCDEFGHJKLMNPQRTUVWXYZ';
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(rest[i]) * (i + 2);
  return letters[sum % 23] + rest;
}

async function ok(app, cmd, args) {
  const r = await app.invoke(cmd, args);
  assert.equal(r.ok, true, `${cmd}: ${JSON.stringify(r.error)}`);
  return r.value;
}

const label = (y) => `${y}-${String((y + 1) % 100).padStart(2, '0')}`;

/** Puts `text` into the file input as a chosen file named `name` (WebDriver cannot use the dialog). */
async function chooseCsv(s, name, text) {
  const input = await s.waitFor(tid('import-file'), { visible: false });
  await s.execute(
    `const [el, text, name] = arguments;
     const dt = new DataTransfer();
     dt.items.add(new File([text], name, { type: 'text/csv' }));
     el.files = dt.files;
     el.dispatchEvent(new Event('change', { bubbles: true }));`,
    [input, text, name],
  );
  await s.waitFor(tid('import-file-name'), { timeoutSec: 10 });
}

async function rowText(s, id) {
  return (await (await s.waitFor(tid(`pupils-row-${id}`), { timeoutSec: 30 })).text()).replace(/\s+/g, ' ');
}

e2eTest('a lead updates the pupils from the MIS, then starts the new school year', async (app) => {
  await app.launch();
  let s = app.session;
  await firstRun(app, { school: 'Brookside Primary', name: LEAD.name, passphrase: PASS, screenshots: false, axe: false, checks: false });
  const input = (forename, surname, year, u) => ({
    legal_forename: forename,
    legal_surname: surname,
    preferred_name: null,
    date_of_birth: '2015-05-02',
    year_group: year,
    identifiers: [{ kind: 'upn', value: u }],
    care_status: null,
    support_level: null,
    relationship_start: null,
    relationship_planned_end: null,
  });
  const [ua, ub, uc, ud] = [upn(801200007001), upn(801200007002), upn(801200007003), upn(801200007004)];
  const ava = (await ok(app, 'add_pupil', { input: input('Ava', 'Ashworth', 'Year 5', ua) })).id;
  const ben = (await ok(app, 'add_pupil', { input: input('Ben', 'Brightwater', 'Year 6', ub) })).id;
  const cal = (await ok(app, 'add_pupil', { input: input('Cal', 'Cresswell', 'Year 6', uc) })).id;

  // September's export: Ava moves up, Ben unchanged, Cal is gone, Dan is new.
  const csv = [
    'UPN,Legal Forename,Legal Surname,DOB,Year',
    `${ua},Ava,Ashworth,02/05/2015,Year 6`,
    `${ub},Ben,Brightwater,02/05/2015,Year 6`,
    `${ud},Dan,Dunmore,02/05/2016,Year 4`,
  ].join('\n');
  await click(s, 'nav-pupils');
  await click(s, 'pupil-update', { timeoutSec: 30 });
  await chooseCsv(s, 'september.csv', csv);
  assert.equal(await (await s.find(tid('import-kind-update'))).selected(), true);
  await click(s, 'import-read');
  await click(s, 'import-preview', { timeoutSec: 30 });
  await s.waitFor(tid('update-counts'), { timeoutSec: 30 });
  assert.match(await (await s.find(tid('update-counts'))).text(), /1 pupil would change\. 1 pupil unchanged\. 1 new pupil\. 1 pupil not in the file\./);
  const changed = (await (await s.find(tid(`update-changed-${ava}`))).text()).replace(/\s+/g, ' ');
  assert.match(changed, /Ava Ashworth/);
  assert.match(changed, /Year group: Year 5 → Year 6/);
  assert.match(await (await s.find(tid('update-new'))).text(), /Dan Dunmore[\s\S]*Year 4/);
  await tick(s, `update-left-${cal}`);
  await s.waitFor(tid('update-left-on'), { timeoutSec: 10 });
  await app.shot('mis-update-preview');
  await app.axe('the update from the MIS: preview');
  // Nothing has changed before the lead confirms.
  assert.equal((await ok(app, 'get_pupil', { pupilId: ava })).year_group, 'Y5');

  await click(s, 'update-run');
  await s.waitFor(tid('update-result'), { timeoutSec: 60 });
  assert.match(await (await s.find(tid('update-result'))).text(), /1 pupil updated, 1 added, 1 marked as left\./);
  await app.shot('mis-update-done');

  await click(s, 'nav-pupils');
  assert.match(await rowText(s, ava), /Year 6/);
  assert.match(await rowText(s, cal), /Left/);
  await app.shot('mis-update-pupils');

  // Closed and re-opened: still Year 6.
  await app.close();
  await app.launch();
  s = app.session;
  await unlockAs(app, LEAD, PASS, { firstRadio: true });
  await click(s, 'nav-pupils');
  assert.match(await rowText(s, ava), /Year 6/);
  const dan = (await ok(app, 'caseload', { query: { include_left: true } })).find((r) => JSON.stringify(r).includes('Dunmore'));
  assert.ok(dan, 'Dan was added');
  const danId = dan.pupil_id ?? dan.id;

  // The new school year: Dan moves up; Ava and Ben (Year 6, the last year held) are offered as
  // leavers; Ben is kept on.
  const today = new Date();
  const thisYear = today.getMonth() + 1 >= 8 ? today.getFullYear() : today.getFullYear() - 1;
  const to = label(thisYear + 1);
  await click(s, 'pupil-rollover', { timeoutSec: 30 });
  await fill(s, 'rollover-to', to);
  await click(s, 'rollover-preview');
  await s.waitFor(tid('rollover-counts'), { timeoutSec: 30 });
  assert.match(await (await s.find(tid('rollover-counts'))).text(), /1 pupil moves up a year\. 2 pupils in the last year \(Year 6\) offered as leavers\./);
  assert.match((await (await s.find(tid(`rollover-move-${danId}`))).text()).replace(/\s+/g, ' '), /Year 4\s*Year 5/);
  const benBox = await s.waitFor(tid(`rollover-leaver-${ben}`), { visible: false });
  assert.equal(await benBox.selected(), true, 'leavers are ticked to start with');
  // Untick Ben (he stays on) through his label.
  await (await s.find(`label[for="rollover-leaver-${ben}"]`)).click();
  await waitFor(async () => !(await benBox.selected()), { timeoutSec: 5, what: 'Ben unticked' });
  await app.shot('rollover-preview');
  await app.axe('start the new school year: preview');
  assert.equal((await ok(app, 'get_pupil', { pupilId: danId })).year_group, 'Y4', 'nothing changed before confirming');

  await click(s, 'rollover-run');
  await s.waitFor(tid('rollover-result'), { timeoutSec: 60 });
  assert.match(await (await s.find(tid('rollover-result'))).text(), new RegExp(`${to} has started: 1 pupil moved up a year, 1 marked as left, 1 leaver kept on\\.`));
  await app.shot('rollover-done');

  await click(s, 'nav-pupils');
  assert.match(await rowText(s, danId), /Year 5/);
  assert.match(await rowText(s, ava), /Left/);
  assert.match(await rowText(s, ben), /Year 6.*Active/);
  await app.shot('rollover-pupils');

  // The same year again is refused, plainly, and nobody moves.
  await click(s, 'pupil-rollover', { timeoutSec: 30 });
  await fill(s, 'rollover-to', to);
  await click(s, 'rollover-preview');
  await s.waitFor(tid('error-summary'), { timeoutSec: 30 });
  assert.match(await (await s.find(tid('error-summary'))).text(), new RegExp(`already been rolled over to ${to}`));
  await app.shot('rollover-twice');
  assert.equal((await ok(app, 'get_pupil', { pupilId: danId })).year_group, 'Y5');
});
