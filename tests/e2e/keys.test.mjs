// Issue 15, item 5, black-box: keys in the strategic lead's hands, in the real window.
//
// The lead replaces the recovery key from Settings (shown once; "Done" only after ticking that it
// is written down), then resets a key adult's forgotten passphrase from Users (a one-time code,
// shown once). Then, at the unlock screen: the key adult's old passphrase is refused, the code
// opens only the "Set a new passphrase" screen, and their new passphrase brings them home with
// their pupil still theirs; the old recovery key is refused and the new one opens the vault.
// The oracle is the unlock screen itself (what each secret opens), not the commands' answers.
// Screenshots of each new screen, axe on each.
//
// data-testids: nav-settings replace-recovery replace-confirm-button new-recovery-key new-key-kept
//   new-key-done recovery-replaced nav-users reset-<userId> reset-confirm-button reset-code
//   reset-code-done use-recovery recovery-input recovery-submit unlock-error new-passphrase
//   new-confirm new-submit home-heading lock-button

import assert from 'node:assert/strict';
import { e2eTest, tid } from './harness.mjs';
import { click, fill, firstRun, tick, unlockAs, chooseUser } from './steps.mjs';

const SCHOOL = 'Meadowbank Primary';
const LEAD = 'Sam Okafor';
const LEAD_PASS = 'correct horse battery staple 1917';
const KEY_ADULT = 'Kim Adebayo';
const KEY_ADULT_PASS = 'paper lantern orchard violin 4471';
const KEY_ADULT_NEW = 'quiet river pebble hammock 2203';

async function ok(app, cmd, args) {
  const r = await app.invoke(cmd, args);
  assert.equal(r.ok, true, `${cmd}: ${JSON.stringify(r.error)}`);
  return r.value;
}

/** Try the recovery key on the unlock screen; returns the error text, or null if it opened. */
async function tryRecovery(app, user, key) {
  const s = app.session;
  // The unlock screen, in either of its modes (after a refused key it stays on the recovery form).
  const first = await s.waitFor(`${tid('unlock-passphrase')}, ${tid('recovery-input')}`, { timeoutSec: 60 });
  if ((await first.attribute('data-testid')) === 'unlock-passphrase') {
    await click(s, 'use-recovery');
    await s.waitFor(tid('recovery-input'), { timeoutSec: 20 });
  }
  await chooseUser(s, user, { firstRadio: false });
  await fill(s, 'recovery-input', key);
  await click(s, 'recovery-submit');
  const el = await s.waitFor(`${tid('unlock-error')}, ${tid('new-passphrase')}`, { timeoutSec: 90 });
  if ((await el.attribute('data-testid')) === 'unlock-error') return (await el.text()).trim();
  return null;
}

e2eTest(
  'the lead replaces the recovery key and resets a key adult passphrase; each secret opens only what it should',
  async (app) => {
    await app.launch();
    const s = app.session;
    const oldGroups = await firstRun(app, { school: SCHOOL, name: LEAD, passphrase: LEAD_PASS, screenshots: false, axe: false, checks: false });
    const oldKey = [...oldGroups.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => g).join(' ');

    const me = (await ok(app, 'list_users')).find((u) => u.name === LEAD);
    const ka = await ok(app, 'add_user', { req: { name: KEY_ADULT, role: 'key_adult', passphrase: KEY_ADULT_PASS } });
    const pupil = await ok(app, 'add_pupil', {
      input: {
        legal_forename: 'Ines',
        legal_surname: 'Fairweather',
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

    // 1. Settings → Replace the recovery key: asked first, then shown once.
    await click(s, 'nav-settings');
    await click(s, 'replace-recovery');
    await s.waitFor(tid('replace-confirm-button'), { timeoutSec: 20 });
    await app.shot('keys-replace-confirm');
    await app.axe('replace the recovery key: confirm');
    await click(s, 'replace-confirm-button');
    const keyEl = await s.waitFor(tid('new-recovery-key'), { timeoutSec: 120 });
    const newKey = (await keyEl.text()).trim().replace(/\s+/g, ' ');
    assert.ok(newKey.length >= 20, `a new key is shown: "${newKey}"`);
    assert.notEqual(newKey.replace(/\s/g, ''), oldKey.replace(/\s/g, ''), 'the new key differs from the old');
    await app.shot('keys-new-recovery-key');
    await app.axe('the new recovery key');
    // "Done" without ticking keeps the key on screen.
    await click(s, 'new-key-done');
    assert.equal((await s.findAll(tid('new-recovery-key'))).length, 1, 'the key stays until the lead says it is kept');
    await tick(s, 'new-key-kept');
    await click(s, 'new-key-done');
    await s.waitFor(tid('recovery-replaced'), { timeoutSec: 20 });
    assert.equal((await s.findAll(tid('new-recovery-key'))).length, 0, 'shown once: gone after Done');

    // 2. Users → Reset passphrase for the key adult: a one-time code, shown once.
    await click(s, 'nav-users');
    await click(s, `reset-${ka.id}`);
    await s.waitFor(tid('reset-confirm-button'), { timeoutSec: 20 });
    await app.shot('keys-reset-confirm');
    await app.axe('reset a passphrase: confirm');
    await click(s, 'reset-confirm-button');
    const code = (await (await s.waitFor(tid('reset-code'), { timeoutSec: 120 })).text()).trim();
    assert.match(code, /^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/, `a one-time code in groups: "${code}"`);
    await app.shot('keys-reset-code');
    await app.axe('the one-time code');
    await click(s, 'reset-code-done');
    assert.equal((await s.findAll(tid('reset-code'))).length, 0, 'the code is shown once');
    await click(s, 'lock-button');

    // 3. The key adult: old passphrase refused; the code opens only "Set a new passphrase".
    const kaUser = { name: KEY_ADULT, userId: ka.id };
    await unlockAs(app, kaUser, KEY_ADULT_PASS, { waitForHome: false });
    const refused = (await (await s.waitFor(tid('unlock-error'), { timeoutSec: 90 })).text()).trim();
    assert.ok(refused.length > 0, 'the old passphrase is refused with a message');
    await unlockAs(app, kaUser, code.toLowerCase().replace(/-/g, ' '), { waitForHome: false });
    await s.waitFor(tid('new-passphrase'), { timeoutSec: 90 });
    assert.equal((await s.findAll(tid('home-heading'))).length, 0, 'the code does not open the records');
    assert.match(await (await s.find(tid('new-passphrase-why'))).text(), /one-time code/, 'says it was the code, not the recovery key');
    const before = await app.invoke('caseload', { query: null });
    assert.equal(before.ok, false, 'nothing is readable until a new passphrase is set');
    await app.shot('keys-set-new-passphrase');
    await app.axe('set a new passphrase after a reset');
    await fill(s, 'new-passphrase', KEY_ADULT_NEW);
    await fill(s, 'new-confirm', KEY_ADULT_NEW);
    await click(s, 'new-submit');
    await s.waitFor(tid('home-heading'), { timeoutSec: 90 });
    const mine = await ok(app, 'caseload', { query: null });
    assert.ok(
      mine.some((p) => p.id === pupil.id || p.pupil_id === pupil.id),
      `the key adult keeps their pupil (same user): ${JSON.stringify(mine).slice(0, 300)}`,
    );
    await click(s, 'lock-button');

    // 4. The recovery keys: the old one refused, the new one opens (to "Set a new passphrase").
    const leadUser = { name: LEAD, userId: me.id };
    const oldRefused = await tryRecovery(app, leadUser, oldKey);
    assert.ok(oldRefused, 'the old recovery key no longer opens the vault');
    await app.shot('keys-old-recovery-key-refused');
    const opened = await tryRecovery(app, leadUser, newKey);
    assert.equal(opened, null, `the new recovery key opens the vault (${opened})`);
  },
  { timeoutSec: 600 },
);
