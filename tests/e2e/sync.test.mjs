// Issue 17, black-box: several laptops, one school, in two real Attune windows at once.
//
// The strategic lead's app (the school vault) and a key adult's laptop app, each on its own vault
// folder and its own "USB stick" folder. Files move between the two sticks as a person would carry
// them (copied by the test; Attune never connects to a network):
//   1. the lead prepares the key adult's laptop from the Users page: the enrolment file is written,
//      its one-time passphrase shown once;
//   2. on the laptop's first run the key adult joins the school vault with the file and that
//      passphrase (a wrong one first: nothing is set up), choosing their own passphrase;
//   3. the laptop holds only their caseload; no pupil's name or note is readable in the enrolment
//      file, the sync files, or any file of the laptop's vault folder;
//   4. the key adult logs a session on the laptop and writes a sync file for the school;
//   5. the lead takes it in: the screen says what came in, the lead's overview no longer lists the
//      pupil as "no recent session", and the pupil's page shows the note;
//   6. the lead adds a chronology event and writes the file back for the laptop; the laptop takes it
//      in and holds the event; taking the same file in again changes nothing;
//   7. "what helps" written on both sides before the files cross: the school shows the other value
//      beside the one kept ("also changed on Iain Baxter's laptop on …"), the lead chooses it, and
//      it reaches the laptop.
// Screenshots of every screen of the journey (both windows), axe on each.
//
// The native chooser cannot be driven: each app is a debug build started with
// ATTUNE_E2E_PICK_DIR=<its stick> (folder → it; open → the newest matching file in it). The laptop's
// app runs under a D-Bus session of its own (as on its own machine): the single-instance plugin
// would otherwise hand its launch to the school's window.

import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { e2eTestPair, tid, waitFor } from './harness.mjs';
import { click, fill, firstRun } from './steps.mjs';

const SCHOOL = 'Riverside Community School';
const LEAD = 'Morag Whyte';
const LEAD_PASS = 'copper kettle lighthouse 5832';
const KEY_ADULT = 'Iain Baxter';
const KEY_ADULT_PASS = 'walnut umbrella glacier 6604';
const MINE = { forename: 'Callum', surname: 'Drummond' };
const OTHER = { forename: 'Eilidh', surname: 'Stroud' };
const NOTE_WORD = 'marmalade';
const EVENT_WORD = 'tangerine';
const SECRETS = [MINE.forename, MINE.surname, OTHER.forename, OTHER.surname, NOTE_WORD, EVENT_WORD];

function todayIso() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function pupilInput(p) {
  return {
    legal_forename: p.forename,
    legal_surname: p.surname,
    preferred_name: null,
    date_of_birth: '2015-09-02',
    year_group: 'P6',
    identifiers: [],
    care_status: null,
    support_level: null,
    relationship_start: null,
    relationship_planned_end: null,
  };
}

async function ok(app, cmd, args = {}) {
  const r = await app.invoke(cmd, args);
  assert.equal(r.ok, true, `${cmd}: ${JSON.stringify(r.error)}`);
  return r.value;
}

async function textOf(s, id) {
  return (await (await s.waitFor(tid(id), { timeoutSec: 60 })).text()).trim();
}

/** Which of `needles` appear in the bytes of `file` (UTF-8 and UTF-16LE, as SQLite may store text). */
function readable(file, needles) {
  const bytes = readFileSync(file);
  return needles.filter((n) => bytes.includes(Buffer.from(n, 'utf8')) || bytes.includes(Buffer.from(n, 'utf16le')));
}

/** Every file under `dir`, recursively. */
function filesUnder(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The newest file in `dir` whose name ends with `ext`. */
function newest(dir, ext) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  assert.ok(files.length > 0, `a ${ext} file in ${dir}`);
  return files[0].f;
}

async function screen(app, name) {
  await app.shot(name);
  await app.axe(name.replace(/-/g, ' '));
}

e2eTestPair(
  'sync: enrol a laptop, join, log a session there, sync both ways, the lead sees it',
  async (school, laptop) => {
    const schoolStick = join(school.tmp, 'usb');
    const laptopStick = join(laptop.tmp, 'usb');
    await mkdir(schoolStick);
    await mkdir(laptopStick);

    // ---- The school vault: a lead, a key adult, one pupil on their caseload and one not.
    await school.launch({ env: { ATTUNE_E2E_PICK_DIR: schoolStick } });
    const s = school.session;
    await firstRun(school, { school: SCHOOL, name: LEAD, passphrase: LEAD_PASS, screenshots: false, axe: false, checks: false });
    const adult = await ok(school, 'add_user', { req: { name: KEY_ADULT, role: 'key_adult', passphrase: KEY_ADULT_PASS } });
    const mine = await ok(school, 'add_pupil', { input: pupilInput(MINE) });
    const other = await ok(school, 'add_pupil', { input: pupilInput(OTHER) });
    await ok(school, 'assign_key_adult', { pupilId: mine.id, keyAdultId: adult.id, from: '2026-09-01' });
    const before = await ok(school, 'overview', { query: null });
    const adultRow = (o) => o.rows.find((r) => r.key_adult?.id === adult.id);
    assert.ok(
      adultRow(before).no_recent_session.some((p) => p.pupil_id === mine.id),
      'before the sync, the overview lists the pupil as having no recent session',
    );

    // ---- 1. The lead prepares the laptop from the Users page.
    await click(s, 'nav-users');
    await click(s, `prepare-laptop-${adult.id}`);
    await s.waitFor(tid('enrol-submit'), { timeoutSec: 30 });
    await screen(school, 'prepare-a-laptop');
    await click(s, 'enrol-submit');
    const oneTime = (await textOf(s, 'enrol-passphrase')).replace(/\s+/g, '-');
    assert.match(oneTime, /^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$/, `the one-time passphrase is 8 groups: ${oneTime}`);
    const enrolName = await textOf(s, 'enrol-file-name');
    assert.match(enrolName, /^attune-laptop-1-\d{4}-\d{2}-\d{2}\.attune-enrol$/, 'no name in the file name');
    await s.execute('document.querySelector(arguments[0]).scrollIntoView({ block: "center" });', [tid('enrol-passphrase')]);
    await screen(school, 'laptop-prepared-passphrase-shown-once');
    await click(s, 'enrol-finished');
    await waitFor(async () => (await s.findAll(tid('enrol-passphrase'))).length === 0, { what: 'the passphrase gone' });
    const pageText = await (await s.find('main')).text();
    assert.ok(!pageText.includes(oneTime.slice(0, 4) + ' ' + oneTime.slice(5, 9)), 'the passphrase is not shown again');
    const enrolFile = join(schoolStick, enrolName);
    assert.deepEqual(readable(enrolFile, SECRETS), [], 'no pupil name or note readable in the enrolment file');

    // The key adult carries the file to their laptop.
    copyFileSync(enrolFile, join(laptopStick, enrolName));

    // ---- 2. The laptop's first run: join the school vault.
    await laptop.launch({ env: { ATTUNE_E2E_PICK_DIR: laptopStick }, ownSessionBus: true });
    const l = laptop.session;
    await l.waitFor(tid('setup-join'), { timeoutSec: 60 });
    await laptop.shot('laptop-first-run');
    await click(l, 'setup-join');
    await click(l, 'join-choose');
    await l.waitFor(tid('join-file'), { timeoutSec: 30 });
    await fill(l, 'join-one-time', 'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH');
    await fill(l, 'join-passphrase', KEY_ADULT_PASS);
    await fill(l, 'join-confirm', KEY_ADULT_PASS);
    await screen(laptop, 'join-filled-in');
    await click(l, 'join-submit');
    await l.waitFor(tid('error-summary'), { timeoutSec: 120 });
    await screen(laptop, 'join-wrong-one-time-passphrase');
    assert.equal((await ok(laptop, 'app_status')).state, 'first_run', 'a wrong one-time passphrase sets up nothing');
    await fill(l, 'join-one-time', oneTime);
    await click(l, 'join-submit');
    await l.waitFor(tid('home-heading'), { timeoutSec: 180 });
    await screen(laptop, 'laptop-joined-caseload');
    const status = await ok(laptop, 'app_status');
    assert.equal(status.state, 'unlocked');
    assert.equal(status.session.user.name, KEY_ADULT);
    assert.equal(status.session.device_no, 1, 'this vault is laptop 1');

    // ---- 3. Only their caseload.
    const caseload = await ok(laptop, 'caseload', { query: { include_left: true } });
    assert.deepEqual(caseload.map((r) => r.pupil_id), [mine.id], 'the laptop holds only the key adult’s pupil');
    const refused = await laptop.invoke('open_pupil', { pupilId: other.id, sessionLimit: 5 });
    assert.equal(refused.ok, false, 'the other pupil is not on the laptop');

    // ---- 4. A session on the laptop, through the window; then the sync file for the school.
    await click(l, `log-session-${mine.id}`);
    await l.waitFor(tid('log-session-form'), { timeoutSec: 20 });
    await click(l, 'session-kind-check_in');
    await fill(l, 'session-note', `Talked about ${NOTE_WORD} sandwiches at lunch`);
    await click(l, 'session-save');
    await l.waitFor(tid('session-saved'), { timeoutSec: 30 });
    await click(l, 'nav-sync');
    await l.waitFor(tid('sync-write'), { timeoutSec: 30 });
    await screen(laptop, 'laptop-sync-page');
    await click(l, 'sync-write');
    const upLines = await textOf(l, 'sync-result');
    assert.match(upLines, /1 session added/, `the laptop's file carries the session: ${upLines}`);
    await screen(laptop, 'laptop-sync-file-written');
    const upName = newest(laptopStick, '.attune-sync');
    assert.match(upName, /^attune-sync-from-laptop-1-\d{4}-\d{2}-\d{2}\.attune-sync$/);
    assert.deepEqual(readable(join(laptopStick, upName), SECRETS), [], 'nothing readable in the sync file');

    // No pupil's name or note anywhere in the laptop's vault folder (the vault, its sync base,
    // its automatic backups, whatever else is there).
    const laptopFiles = filesUnder(laptop.vaultDir);
    assert.ok(laptopFiles.length > 0);
    for (const f of laptopFiles) assert.deepEqual(readable(f, SECRETS), [], `nothing readable in ${f}`);

    // ---- 5. At the school: take the laptop's file in.
    copyFileSync(join(laptopStick, upName), join(schoolStick, upName));
    await click(s, 'nav-sync');
    await s.waitFor(tid('laptops-table'), { timeoutSec: 30 });
    await screen(school, 'school-laptops-before-sync');
    await click(s, 'sync-take-in');
    const inLines = await textOf(s, 'sync-result');
    assert.match(inLines, /1 session added/, `the screen says what came in: ${inLines}`);
    assert.match(inLines, new RegExp(`from ${KEY_ADULT}'s laptop`), `and whose laptop it came from: ${inLines}`);
    await screen(school, 'school-took-in-laptop-file');
    assert.match(await textOf(s, 'laptop-1'), /today/, 'the laptop is listed as synced today');
    const after = await ok(school, 'overview', { query: null });
    assert.ok(
      !adultRow(after).no_recent_session.some((p) => p.pupil_id === mine.id),
      'the lead’s overview counts the laptop’s session',
    );
    await click(s, 'nav-overview');
    await s.waitFor(tid('overview-window'), { timeoutSec: 30 });
    await screen(school, 'school-overview-after-sync');
    const record = await ok(school, 'open_pupil', { pupilId: mine.id, sessionLimit: 5 });
    assert.ok(record.sessions.some((x) => x.note.includes(NOTE_WORD)), 'the lead’s vault holds the laptop’s note');

    // Taking the same file in again changes nothing.
    await click(s, 'nav-sync');
    await click(s, 'sync-take-in');
    assert.match(await textOf(s, 'sync-result'), /taken in before/);

    // ---- 6. The lead adds a chronology event and writes the file back for the laptop.
    await ok(school, 'add_chronology_event', {
      pupilId: mine.id,
      input: { occurred_on: todayIso(), kind: 'other', description: `A ${EVENT_WORD} tree was planted`, safeguarding_ref: null },
    });
    await click(s, 'sync-write-1');
    assert.match(await textOf(s, 'sync-result'), /1 chronology event added/);
    const downName = newest(schoolStick, '.attune-sync');
    assert.match(downName, /^attune-sync-for-laptop-1-/);
    assert.deepEqual(readable(join(schoolStick, downName), SECRETS), [], 'nothing readable in the school’s file');
    copyFileSync(join(schoolStick, downName), join(laptopStick, downName));

    await click(l, 'sync-take-in');
    const downLines = await textOf(l, 'sync-result');
    assert.match(downLines, /1 chronology event added/, `the laptop says what came in: ${downLines}`);
    await screen(laptop, 'laptop-took-in-school-file');
    const onLaptop = await ok(laptop, 'open_pupil', { pupilId: mine.id, sessionLimit: 5 });
    assert.ok(
      onLaptop.chronology.some((e) => e.description.includes(EVENT_WORD)),
      'the laptop holds the event written at the school',
    );

    // ---- 7. "What helps" written on both sides before the files cross: one value everywhere,
    // the other shown beside it at the school, and the lead chooses it.
    const profile = (what_helps) => ({
      strengths_interests: '',
      what_helps,
      what_does_not_help: '',
      stressors: '',
      calmers: '',
      story: '',
      starting_point: '',
      developmental_age_notes: '',
    });
    await ok(school, 'save_profile', { pupilId: mine.id, profile: profile('A quiet start in the library') });
    await ok(laptop, 'save_profile', { pupilId: mine.id, profile: profile('Ten minutes with the class rabbit') });
    await click(l, 'sync-write');
    await textOf(l, 'sync-result');
    const up2 = newest(laptopStick, '.attune-sync');
    copyFileSync(join(laptopStick, up2), join(schoolStick, up2));
    await click(s, 'sync-take-in');
    assert.match(await textOf(s, 'sync-result'), /kept for you to choose|changed/);
    const listed = await ok(school, 'sync_conflicts');
    const helps = listed.find((c) => c.what.toLowerCase().includes('what helps'));
    assert.ok(helps, `a "what helps" conflict is listed: ${JSON.stringify(listed)}`);
    const card = await textOf(s, `conflict-${helps.id}`);
    assert.match(card, new RegExp(`Also changed on ${KEY_ADULT}'s laptop on`), card);
    assert.ok(card.includes('A quiet start in the library') && card.includes('Ten minutes with the class rabbit'), card);
    await s.execute('document.querySelector(arguments[0]).scrollIntoView({ block: "center" });', [tid(`conflict-${helps.id}`)]);
    await screen(school, 'school-value-changed-in-two-places');
    const kept = (await ok(school, 'open_pupil', { pupilId: mine.id, sessionLimit: 1 })).profile.what_helps;
    const otherValue = kept === 'A quiet start in the library' ? 'Ten minutes with the class rabbit' : 'A quiet start in the library';
    await click(s, `conflict-take-${helps.id}`);
    await s.waitFor(tid('conflicts-done'), { timeoutSec: 30 });
    assert.equal(
      (await ok(school, 'open_pupil', { pupilId: mine.id, sessionLimit: 1 })).profile.what_helps,
      otherValue,
      'the lead chose the other value',
    );
    // It reaches the laptop at the next file.
    await click(s, 'sync-write-1');
    await textOf(s, 'sync-result');
    const down2 = newest(schoolStick, '.attune-sync');
    copyFileSync(join(schoolStick, down2), join(laptopStick, down2));
    await click(l, 'sync-take-in');
    await textOf(l, 'sync-result');
    assert.equal((await ok(laptop, 'open_pupil', { pupilId: mine.id, sessionLimit: 1 })).profile.what_helps, otherValue);
  },
  { timeoutSec: 900, labels: ['school', 'laptop'] },
);
