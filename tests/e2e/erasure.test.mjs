// Issue 15, item 4, black-box: a strategic lead erases a pupil's record on request, in the real
// window, whatever the pupil's status (here: active, with a session). The reason is required and
// the pupil's name must be typed; the screen says what copies outside the vault may still hold.
// The oracle is outside the command: the pupils list, the pupil's page by id (IPC), and the
// bytes of every file in the vault folder (the pupil's surname and the session's word).
//
// data-testids: nav-pupils pupils-row-<id> pupil-tab-details erase-request-start erase-request
//   erase-request-outside erase-request-reason erase-request-name erase-request-submit
//   pupil-erased error-summary

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { e2eTest, tid } from './harness.mjs';
import { click, fill, firstRun } from './steps.mjs';

const SURNAME = 'Quillfeather';
const WORD = 'marmalade';

async function ok(app, cmd, args) {
  const r = await app.invoke(cmd, args);
  assert.equal(r.ok, true, `${cmd}: ${JSON.stringify(r.error)}`);
  return r.value;
}

/** Every file under `dir` whose bytes hold one of `needles`. */
function filesHolding(dir, needles) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesHolding(p, needles));
    else {
      const bytes = readFileSync(p);
      for (const n of needles) if (bytes.includes(Buffer.from(n, 'utf8'))) out.push(`${p}: ${n}`);
    }
  }
  return out;
}

e2eTest('a strategic lead erases an active pupil on request: reason and name asked, nothing left in the folder', async (app) => {
  await app.launch();
  const s = app.session;
  await firstRun(app, { school: 'Brookside Primary', name: 'Sam Okafor', passphrase: 'correct horse battery staple 1917', screenshots: false, axe: false, checks: false });
  const input = (forename, surname) => ({
    legal_forename: forename,
    legal_surname: surname,
    preferred_name: null,
    date_of_birth: '2016-05-02',
    year_group: 'Year 5',
    identifiers: [],
    care_status: null,
    support_level: null,
    relationship_start: null,
    relationship_planned_end: null,
  });
  const gone = await ok(app, 'add_pupil', { input: input('Orla', SURNAME) });
  const stays = await ok(app, 'add_pupil', { input: input('Theo', 'Brightwater') });
  const today = new Date().toISOString().slice(0, 10);
  await ok(app, 'log_session', {
    pupilId: gone.id,
    input: { held_on: today, minutes: 20, kind: 'check_in', regulation: 6, note: `Made ${WORD} sandwiches` },
  });

  await click(s, 'nav-pupils');
  await (await s.waitFor(`${tid(`pupils-row-${gone.id}`)} a`, { timeoutSec: 30 })).click();
  await click(s, 'pupil-tab-details');
  await click(s, 'erase-request-start');
  await s.waitFor(tid('erase-request'), { timeoutSec: 20 });
  assert.match(await (await s.find(tid('erase-request-outside'))).text(), /USB backups/);
  await app.shot('erase-on-request');
  await app.axe('erase a record on request');

  // Nothing given: refused with both reasons, nothing erased.
  await click(s, 'erase-request-submit');
  await s.waitFor(tid('error-summary'), { timeoutSec: 20 });
  await app.shot('erase-on-request-errors');
  assert.equal((await ok(app, 'open_pupil', { pupilId: gone.id, sessionLimit: null })).pupil.id, gone.id, 'still there after a refusal');

  await fill(s, 'erase-request-reason', 'Added in error: the wrong child was entered');
  await fill(s, 'erase-request-name', `Orla ${SURNAME}`);
  await click(s, 'erase-request-submit');
  await s.waitFor(tid('pupil-erased'), { timeoutSec: 120 });
  await app.shot('erase-on-request-done');

  const left = await ok(app, 'caseload', { query: { include_left: true } });
  assert.ok(!JSON.stringify(left).includes(SURNAME), 'no longer listed');
  assert.ok(JSON.stringify(left).includes('Brightwater'), 'the other pupil stays');
  const again = await app.invoke('open_pupil', { pupilId: gone.id, sessionLimit: null });
  assert.equal(again.ok, false, 'the record cannot be opened by id');
  assert.ok(stays.id !== gone.id);
  assert.deepEqual(filesHolding(app.vaultDir, [SURNAME, WORD]), [], 'no file of the vault folder holds the name or the note');
});
