// Issue 15, item 2, black-box: a handover pack for a pupil the receiving school already holds
// from its MIS, in the real window. The sending school's pack is exported from the pupil page;
// that record is then erased and the "MIS" pupil added under the same UPN (another spelling of
// the forename, a year on, a session of its own), so the vault is the receiving school's. The
// import sees the UPN is held and shows the pack beside the record: the lead takes the pack's
// forename and keeps the rest, confirms, and the pupil's page opens. The oracle is outside the
// screen: the pupil and their sessions read back over IPC. The same pack again says it was
// already added and offers no merge.
//
// data-testids: nav-pupils pupils-row-<id> pupil-handover handover-export handover-passphrase
//   handover-finished pupil-handover-import handover-import-choose handover-import-file
//   handover-passphrase-input handover-import-submit handover-merge handover-held-notice
//   handover-compare handover-compare-<field> keep-<field>-held keep-<field>-pack handover-counts
//   handover-merge-confirm handover-already-merged handover-merge-back pupil-heading

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { e2eTest, tid, waitFor } from './harness.mjs';
import { click, fill, firstRun, tick } from './steps.mjs';

const WORD = 'marmalade';
const HELD_WORD = 'tangrams';

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

async function textOf(s, id) {
  return (await (await s.waitFor(tid(id), { timeoutSec: 60 })).text()).trim();
}

async function screen(app, name) {
  await app.shot(name);
  await app.axe(name.replace(/-/g, ' '));
}

function todayIso() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

e2eTest('a handover pack for a pupil already held is shown beside their record and merged as chosen', async (app) => {
  const usb = join(app.tmp, 'usb');
  await mkdir(usb);
  await app.launch({ env: { ATTUNE_E2E_PICK_DIR: usb } });
  const s = app.session;
  await firstRun(app, { school: 'Brookside Primary', name: 'Sam Okafor', passphrase: 'correct horse battery staple 1917', screenshots: false, axe: false, checks: false });
  const u = upn(801200015001);
  const input = (forename, year) => ({
    legal_forename: forename,
    legal_surname: 'Quennell',
    preferred_name: null,
    date_of_birth: '2016-03-14',
    year_group: year,
    identifiers: [{ kind: 'upn', value: u }],
    care_status: null,
    support_level: null,
    relationship_start: null,
    relationship_planned_end: null,
  });

  // ---- The sending school's record, and its pack.
  const sending = await ok(app, 'add_pupil', { input: input('Zoë', 'Year 5') });
  await ok(app, 'log_session', {
    pupilId: sending.id,
    input: { held_on: todayIso(), minutes: 20, kind: 'planned', regulation: 6, note: `Made ${WORD} sandwiches` },
  });
  await click(s, 'nav-pupils');
  await (await s.waitFor(`${tid(`pupils-row-${sending.id}`)} a`, { timeoutSec: 30 })).click();
  await click(s, 'pupil-handover', { timeoutSec: 30 });
  await click(s, 'handover-export', { timeoutSec: 30 });
  const passphrase = (await textOf(s, 'handover-passphrase')).replace(/\s+/g, '-');
  assert.match(passphrase, /^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$/);
  await click(s, 'handover-finished');

  // ---- Now the receiving school: the record is gone, the MIS has the child under the same UPN.
  await ok(app, 'erase_pupil_on_request', { pupilId: sending.id, reason: 'The sending school: the pupil has moved' });
  const held = await ok(app, 'add_pupil', { input: input('Zoe', 'Year 6') });
  await ok(app, 'log_session', {
    pupilId: held.id,
    input: { held_on: todayIso(), minutes: 15, kind: 'check_in', regulation: null, note: `Played ${HELD_WORD}` },
  });

  // ---- The import sees the pupil is held and shows the pack beside their record.
  await click(s, 'nav-pupils');
  await click(s, 'pupil-handover-import', { timeoutSec: 30 });
  await click(s, 'handover-import-choose', { timeoutSec: 30 });
  assert.match(await textOf(s, 'handover-import-file'), /\.attune-handover$/);
  await fill(s, 'handover-passphrase-input', passphrase.toLowerCase());
  await click(s, 'handover-import-submit');
  await s.waitFor(tid('handover-merge'), { timeoutSec: 120 });
  assert.match(await textOf(s, 'handover-held-notice'), /already in Attune/);
  const forename = await textOf(s, 'handover-compare-legal_forename');
  assert.ok(forename.includes('Zoë') && forename.includes('Zoe'), forename);
  assert.match(await textOf(s, 'handover-compare-legal_surname'), /Same/);
  assert.match(await textOf(s, 'handover-compare-year_group'), /Year 5[\s\S]*Year 6/);
  assert.match(await textOf(s, 'handover-counts'), /1 session/);
  assert.equal(await (await s.find(tid('keep-legal_forename-held'))).selected(), true, 'held is kept unless chosen');
  await screen(app, 'handover-merge-compare');
  await s.execute('document.querySelector("[data-testid=handover-merge-confirm]").scrollIntoView({ block: "center" });');
  await app.shot('handover-merge-compare-counts');

  await tick(s, 'keep-legal_forename-pack');
  await click(s, 'handover-merge-confirm');
  await waitFor(async () => (await textOf(s, 'pupil-heading')).includes('Zoë'), { timeoutSec: 120, what: "the pupil's page with the pack's forename" });
  await screen(app, 'handover-merged-pupil');

  // ---- Read back apart from the screen.
  const p = await ok(app, 'get_pupil', { pupilId: held.id });
  assert.equal(p.legal_forename, 'Zoë', 'the chosen field was taken');
  assert.equal(p.year_group, 'Y6', 'the rest kept as held');
  const all = await ok(app, 'caseload', { query: { include_left: true } });
  assert.equal(all.length, 1, 'no new pupil');
  const sessions = await ok(app, 'list_sessions', { pupilId: held.id });
  assert.ok(sessions.some((x) => x.note.includes(WORD)), "the sending school's session was added");
  assert.ok(sessions.some((x) => x.note.includes(HELD_WORD)), "the held session is kept");

  // ---- The same pack again: already added, no merge offered.
  await click(s, 'nav-pupils');
  await click(s, 'pupil-handover-import', { timeoutSec: 30 });
  await click(s, 'handover-import-choose', { timeoutSec: 30 });
  await fill(s, 'handover-passphrase-input', passphrase);
  await click(s, 'handover-import-submit');
  assert.match(await textOf(s, 'handover-already-merged'), /already been added/);
  assert.equal((await s.findAll(tid('handover-merge-confirm'))).length, 0, 'no merge offered');
  await screen(app, 'handover-merge-already-added');
  assert.equal((await ok(app, 'list_sessions', { pupilId: held.id })).length, sessions.length, 'nothing added twice');
});
