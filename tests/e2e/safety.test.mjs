// Issue 6, black-box: moving data safely in the real Attune window, driven by WebDriver.
//
// The strategic lead backs up to a folder (the USB stick; the file exists, was checked, and holds
// no pupil's name or note in readable bytes), opens a pupil's subject access document and saves it
// as a file, exports the pupil's handover pack (its one-time passphrase shown once, never again),
// imports that pack into the same vault as a new pupil (a wrong passphrase refused first, importing
// nothing), erases a pupil who left long ago from the retention list after typing their name, and
// finally restores the backup (a wrong passphrase first), made before the erasure — the pupil is
// erased again at once, and no file of the restored folder holds their name — and
// returns to the unlock screen. A key adult is refused the lead's commands through the IPC, and a
// write to a folder nobody chose is refused. Screenshots of every screen, axe on each.
//
// The native file chooser cannot be driven by WebDriver: the app (a debug build) is started with
// ATTUNE_E2E_PICK_DIR=<usb folder>, so `choose_path` answers inside that folder without a dialog
// (folder → it; save → <folder>/<default name>; open → the newest file matching the filter).
//
// The data-testids are the contract with the UI (ui/src):
//   nav-backup (lead only) nav-pupils nav-settings lock-button home-heading unlock-passphrase unlock-submit
//   backups: backup-now backup-done backup-summary backup-file-name backup-size backup-time backup-verified
//            backup-counts auto-backups-table|auto-backups-none auto-backup-keep backup-restore-link
//   restore: restore-choose restore-summary restore-counts restore-secret restore-open
//            restore-checked restore-confirm restore-done restore-replaced restore-continue lock-reason
//   pupil page: pupils-row-<id> pupil-heading pupil-sar pupil-handover
//   subject access: sar-document sar-save sar-saved sar-back
//   handover: handover-export handover-passphrase handover-file-name handover-instructions
//             handover-finished pupil-handover-import handover-import-choose handover-import-file
//             handover-passphrase-input handover-key-adult handover-import-submit error-summary
//   retention: settings-retention retention-table retention-row-<id> retention-erase-<id>
//              erase-confirm erase-confirm-name erase-confirm-submit retention-erased retention-none

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { e2eTest, tid, waitFor } from './harness.mjs';
import { choose, click, errorKind, fill, firstRun, unlockAs } from './steps.mjs';

const SCHOOL = 'Harbour View Academy';
const LEAD = 'Sam Okafor';
const LEAD_PASS = 'correct horse battery staple 1917';
const KEY_ADULT = 'Kim Adebayo';
const KEY_ADULT_PASS = 'paper lantern orchard violin 4471';
const MOVING = { forename: 'Amara', surname: "O'Neill" };
const LEFT = { forename: 'Zoë', surname: 'Quennell' };
const NOTE_WORD = 'kaleidoscope';
const SECRETS = [MOVING.forename, MOVING.surname, LEFT.surname, NOTE_WORD];

function todayIso() {
  const d = new Date();
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
    care_status: null,
    support_level: null,
    relationship_start: null,
    relationship_planned_end: null,
  };
}

/** Which of `needles` appear in the file's bytes (as UTF-8). */
function readable(file, needles) {
  const bytes = readFileSync(file);
  return needles.filter((n) => bytes.includes(Buffer.from(n, 'utf8')));
}

async function ok(app, cmd, args) {
  const r = await app.invoke(cmd, args);
  assert.equal(r.ok, true, `${cmd}: ${JSON.stringify(r.error)}`);
  return r.value;
}

async function pupilCount(app) {
  return (await ok(app, 'caseload', { query: { include_left: true } })).length;
}

async function textOf(s, id) {
  return (await (await s.waitFor(tid(id), { timeoutSec: 60 })).text()).trim();
}

/** Scroll an element (by data-testid) into view and wait until it is on screen (for a screenshot). */
async function scrollTo(s, id, block = 'center') {
  await waitFor(
    () =>
      s.execute(
        `const el = document.querySelector('[data-testid="${id}"]');
         if (!el) return false;
         el.scrollIntoView({ block: '${block}' });
         const r = el.getBoundingClientRect();
         return r.top >= 0 && r.top < window.innerHeight;`,
      ),
    { timeoutSec: 10, what: `${id} scrolled into view` },
  );
}

async function screen(app, name) {
  await app.shot(name);
  await app.axe(name.replace(/-/g, ' '));
}

e2eTest(
  'safety: backup to a folder, subject access, handover export and import, erasure, restore',
  async (app) => {
    const usb = join(app.tmp, 'usb');
    await mkdir(usb);
    await app.launch({ env: { ATTUNE_E2E_PICK_DIR: usb } });
    const s = app.session;

    // ---- A vault with a key adult and two pupils; one has a session note, the other left in 2015.
    await firstRun(app, { school: SCHOOL, name: LEAD, passphrase: LEAD_PASS, screenshots: false, axe: false, checks: false });
    const keyAdult = await ok(app, 'add_user', { req: { name: KEY_ADULT, role: 'key_adult', passphrase: KEY_ADULT_PASS } });
    const moving = await ok(app, 'add_pupil', { input: pupilInput(MOVING) });
    const left = await ok(app, 'add_pupil', { input: pupilInput(LEFT) });
    await ok(app, 'log_session', {
      pupilId: moving.id,
      input: { held_on: todayIso(), minutes: 20, kind: 'check_in', regulation: 6, note: `Made a ${NOTE_WORD} from card` },
    });
    await ok(app, 'mark_left', { pupilId: left.id, leftOn: '2015-07-20' });

    // ---- Backup now, into the chosen folder.
    await click(s, 'nav-backup');
    await s.waitFor(tid('backup-now'), { timeoutSec: 30 });
    await screen(app, 'backups');
    await click(s, 'backup-now');
    const verified = await textOf(s, 'backup-verified');
    assert.match(verified, /checked end to end/);
    const backupName = await textOf(s, 'backup-file-name');
    assert.match(backupName, /^attune-backup-\d{4}-\d{2}-\d{2}-\d{4}\.attune-backup$/);
    assert.match(await textOf(s, 'backup-counts'), /^2 pupils, 0 plans and 0 reviews$/);
    assert.match(await textOf(s, 'backup-time'), / at \d\d:\d\d$/);
    await scrollTo(s, 'backup-summary', 'end');
    await screen(app, 'backup-written-and-checked');
    const backupFile = join(usb, backupName);
    assert.ok(existsSync(backupFile), `the backup is in the chosen folder: ${backupFile}`);
    assert.match(await textOf(s, 'backup-size'), /KB|MB/);
    assert.deepEqual(readable(backupFile, SECRETS), [], 'no pupil name or note is readable in the backup file');
    console.log(`backup: ${backupName}, ${statSync(backupFile).size} bytes, none of ${SECRETS.length} names/words readable`);
    // The day's automatic backup is written by the background thread once the app has not been
    // used for 20 seconds (never while the first screens load or someone types): leave the
    // window alone and watch the vault's backups folder, then see it listed.
    const autoDir = join(app.vaultDir, 'backups');
    await waitFor(() => existsSync(autoDir) && readdirSync(autoDir).some((f) => f.endsWith('.attune-backup')), {
      timeoutSec: 90,
      intervalMs: 1000,
      what: 'the automatic backup written after a pause in use',
    });
    await waitFor(
      async () => {
        await click(s, 'nav-caseload');
        await click(s, 'nav-backup');
        return (await s.findAll(tid('auto-backups-table'))).length > 0;
      },
      { timeoutSec: 30, intervalMs: 2000, what: 'the automatic backup listed' },
    );
    await scrollTo(s, 'auto-backups-table');
    await screen(app, 'backups-automatic-listed');

    // A command cannot write to a folder nobody chose.
    const sneaky = await app.invoke('backup_now', { folder: app.tmp, op: 'e2e-sneaky' });
    assert.equal(sneaky.ok, false, 'backup_now refuses a folder that was not chosen');
    assert.equal(errorKind(sneaky.error), 'invalid_input', JSON.stringify(sneaky.error));

    // ---- Subject access document: a print view inside the app, then saved as a file.
    await click(s, 'nav-pupils');
    await (await s.waitFor(`${tid(`pupils-row-${moving.id}`)} a`, { timeoutSec: 30 })).click();
    await s.waitFor(tid('pupil-heading'), { timeoutSec: 30 });
    await screen(app, 'pupil-page-lead-actions');
    await click(s, 'pupil-sar');
    const doc = await s.waitFor(tid('sar-document'), { timeoutSec: 60 });
    const docText = await doc.text();
    assert.ok(docText.includes(`Everything held about ${MOVING.forename} ${MOVING.surname}`), 'the document names the pupil');
    assert.ok(docText.includes(NOTE_WORD), 'it holds the session note');
    assert.ok(docText.includes('pupil.view') || /Audit|audit/.test(docText), 'it holds the audit of who viewed the record');
    const scripts = await s.execute('return document.querySelectorAll("[data-testid=sar-document] script, [data-testid=sar-document] style, [data-testid=sar-document] a").length;');
    assert.equal(scripts, 0, 'no script, style or link inside the shown document');
    await screen(app, 'subject-access-document');
    await s.execute('const t = document.querySelectorAll("[data-testid=sar-document] table"); t[t.length - 1].scrollIntoView({ block: "end" });');
    await app.shot('subject-access-document-audit');
    await click(s, 'sar-save');
    const saved = await textOf(s, 'sar-saved');
    const sarName = saved.match(/Saved (subject-access-pupil-\d+-\d{4}-\d{2}-\d{2}\.html)/)?.[1];
    assert.ok(sarName, `the saved notice names the file: ${saved}`);
    const sarHtml = readFileSync(join(usb, sarName), 'utf8');
    assert.ok(sarHtml.startsWith('<!DOCTYPE html>') && sarHtml.includes("Everything held about Amara O'Neill") && !/<script/i.test(sarHtml), 'the saved file is the HTML document');
    await screen(app, 'subject-access-saved');
    await click(s, 'sar-back');
    await s.waitFor(tid('pupil-heading'), { timeoutSec: 30 });

    // ---- Handover pack: exported into the folder; its passphrase shown once.
    await click(s, 'pupil-handover');
    await s.waitFor(tid('handover-export'), { timeoutSec: 30 });
    await screen(app, 'handover-export');
    await click(s, 'handover-export');
    const shown = (await textOf(s, 'handover-passphrase')).replace(/\s+/g, ' ');
    const groups = shown.split(' ');
    assert.equal(groups.length, 8, `8 groups: "${shown}"`);
    for (const g of groups) assert.match(g, /^[0-9A-Z]{4}$/);
    const passphrase = groups.join('-');
    assert.match(await textOf(s, 'handover-instructions'), /shown only now[\s\S]*separately from the file/);
    const packName = await textOf(s, 'handover-file-name');
    assert.match(packName, /^handover-\d{4}-\d{2}-\d{2}(-\d+)?\.attune-handover$/);
    const packFile = join(usb, packName);
    assert.ok(existsSync(packFile), `the pack is in the chosen folder: ${packFile}`);
    assert.deepEqual(readable(packFile, SECRETS), [], 'no pupil name or note is readable in the handover pack');
    await screen(app, 'handover-passphrase-shown-once');
    await click(s, 'handover-finished');
    await s.waitFor(tid('pupil-heading'), { timeoutSec: 30 });
    await click(s, 'pupil-handover');
    await s.waitFor(tid('handover-export'), { timeoutSec: 30 });
    assert.equal((await s.findAll(tid('handover-passphrase'))).length, 0, 'the passphrase is not shown again');
    assert.ok(!(await s.execute('return document.body.innerText;')).includes(groups[0] + ' ' + groups[1]), 'nor anywhere on the page');

    // ---- Handover import into the same vault, as a new pupil.
    const before = await pupilCount(app);
    await click(s, 'nav-pupils');
    await click(s, 'pupil-handover-import');
    await s.waitFor(tid('handover-import-choose'), { timeoutSec: 30 });
    await screen(app, 'handover-import');
    await click(s, 'handover-import-choose');
    assert.equal(await textOf(s, 'handover-import-file'), packName, 'the newest handover pack in the folder was chosen');
    await fill(s, 'handover-passphrase-input', '0000-0000-0000-0000-0000-0000-0000-0000');
    await click(s, 'handover-import-submit');
    assert.match(await textOf(s, 'error-summary'), /does not open this file\. Nothing was imported\./);
    assert.equal(await pupilCount(app), before, 'a wrong passphrase imports nothing');
    await screen(app, 'handover-import-wrong-passphrase');
    await fill(s, 'handover-passphrase-input', passphrase.toLowerCase().replace(/-/g, ' '));
    await choose(s, 'handover-key-adult', { value: keyAdult.id });
    await screen(app, 'handover-import-ready');
    await click(s, 'handover-import-submit');
    await waitFor(async () => (await textOf(s, 'pupil-heading')).includes(MOVING.surname), { timeoutSec: 60, what: 'the imported pupil opens' });
    assert.equal(await pupilCount(app), before + 1, 'imported as a new pupil');
    const all = await ok(app, 'caseload', { query: { include_left: true } });
    const copies = all.filter((r) => r.surname === MOVING.surname);
    assert.equal(copies.length, 2, 'the original and the imported copy');
    const imported = copies.find((r) => r.pupil_id !== moving.id);
    assert.equal(imported.key_adult_name, KEY_ADULT, 'with the chosen key adult');
    const importedSessions = await ok(app, 'list_sessions', { pupilId: imported.pupil_id });
    assert.ok(importedSessions.some((x) => x.note.includes(NOTE_WORD)), 'the session came across');
    await screen(app, 'handover-imported-pupil');

    // ---- Retention: the pupil who left in 2015 is due; erase after typing their name.
    await click(s, 'nav-settings');
    await click(s, 'settings-retention');
    await s.waitFor(tid(`retention-row-${left.id}`), { timeoutSec: 30 });
    assert.match(await textOf(s, `retention-row-${left.id}`), /Zoë Quennell[\s\S]*20 July 2015[\s\S]*20 July 2022/);
    await screen(app, 'retention-due');
    await click(s, `retention-erase-${left.id}`);
    await s.waitFor(tid('erase-confirm'));
    await fill(s, 'erase-confirm-name', 'Zoe');
    await click(s, 'erase-confirm-submit');
    assert.match(await textOf(s, 'error-summary'), /not the pupil's name/);
    assert.equal((await ok(app, 'get_pupil', { pupilId: left.id })).id, left.id, 'nothing erased on a wrong name');
    await screen(app, 'retention-erase-confirm');
    await fill(s, 'erase-confirm-name', `${LEFT.forename} ${LEFT.surname}`);
    await click(s, 'erase-confirm-submit');
    assert.match(await textOf(s, 'retention-erased'), /Zoë Quennell's record was erased/);
    await s.waitFor(tid('retention-none'), { timeoutSec: 30 });
    const gone = await app.invoke('get_pupil', { pupilId: left.id });
    assert.equal(gone.ok, false);
    assert.equal(errorKind(gone.error), 'not_found', 'the erased pupil is gone');
    await screen(app, 'retention-erased');

    // ---- Restore the backup (made before the erasure): a wrong passphrase first, then the lead's.
    await click(s, 'nav-backup');
    await click(s, 'backup-restore-link');
    await s.waitFor(tid('restore-choose'), { timeoutSec: 30 });
    await screen(app, 'restore-start');
    await click(s, 'restore-choose');
    assert.match(await textOf(s, 'restore-counts'), /^2 pupils/);
    await fill(s, 'restore-secret', 'not the right passphrase at all');
    await click(s, 'restore-open');
    assert.match(await textOf(s, 'error-summary'), /not right for Sam Okafor/);
    await screen(app, 'restore-wrong-passphrase');
    await fill(s, 'restore-secret', LEAD_PASS);
    await click(s, 'restore-open');
    await s.waitFor(tid('restore-confirm'), { timeoutSec: 120 });
    await screen(app, 'restore-checked');
    assert.equal((await ok(app, 'get_pupil', { pupilId: moving.id })).id, moving.id, 'nothing replaced yet');
    await click(s, 'restore-confirm');
    const replaced = await textOf(s, 'restore-replaced');
    const aside = replaced.match(/in (\/\S+\.replaced-\S+?)\./)?.[1];
    assert.ok(aside && existsSync(join(aside, 'vault.db')), `the old vault is kept aside: ${replaced}`);
    await screen(app, 'restore-done');
    await click(s, 'restore-continue');
    assert.match(await textOf(s, 'lock-reason'), /The backup was restored/);
    await screen(app, 'unlock-after-restore');
    await unlockAs(app, { name: LEAD, userId: (await ok(app, 'app_status')).users.find((u) => u.name === LEAD).id }, LEAD_PASS);
    // The backup was made before the erasure, but the vault remembers it (issue 15): the pupil
    // is erased again before anything reads the restored vault.
    const back = await app.invoke('get_pupil', { pupilId: left.id });
    assert.equal(back.ok, false, 'the pupil erased after the backup stays erased after the restore');
    assert.equal(errorKind(back.error), 'not_found', JSON.stringify(back.error));
    assert.equal(await pupilCount(app), 1, 'nor is the pupil imported after the backup there');
    const holding = [];
    const walk = (dir) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (readable(p, [LEFT.surname]).length) holding.push(p);
      }
    };
    walk(app.vaultDir);
    assert.deepEqual(holding, [], 'no file of the restored vault folder holds the erased pupil\'s name');

    // ---- A key adult is refused the lead's commands.
    await click(s, 'lock-button');
    await unlockAs(app, { name: KEY_ADULT, userId: keyAdult.id }, KEY_ADULT_PASS);
    for (const [cmd, args] of [
      ['subject_access_document', { pupilId: moving.id }],
      ['retention_due', {}],
      ['erase_pupil', { pupilId: left.id }],
      ['set_auto_backup_keep', { keep: 3 }],
    ]) {
      const r = await app.invoke(cmd, args);
      assert.equal(r.ok, false, `${cmd} refused for a key adult`);
      assert.equal(errorKind(r.error), 'not_permitted', `${cmd}: ${JSON.stringify(r.error)}`);
    }
    assert.equal((await s.findAll(tid('pupil-sar'))).length, 0);
    // Only a strategic lead takes the whole vault out (issue 12; backup_now's refusal is in the
    // role matrix, src-tauri/role_matrix.toml).
    assert.equal((await s.findAll(tid('nav-backup'))).length, 0, 'no Backups screen for a key adult');
    await screen(app, 'home-key-adult-no-backups');
    console.log(`usb folder: ${readdirSync(usb).join(', ')}`);
  },
  { timeoutSec: 900 },
);
