// Issue 2, black-box: the real Attune window under Xvfb, driven by WebDriver.
// first run → recovery key → confirm → home → lock → unlock → lock → wrong passphrase;
// after lock the backend itself refuses to read (direct IPC call); relaunch shows unlock, not setup.
// Screenshots of every screen and an axe-core check on each (no serious/critical violations).
//
// The data-testids are the contract with the UI:
//   setup-school setup-name setup-passphrase setup-confirm setup-submit
//   recovery-key recovery-group-N recovery-kept recovery-continue
//   confirm-group-N confirm-submit
//   home-heading lock-button
//   unlock-user (select) | unlock-user-<userId> (radio)  unlock-passphrase unlock-submit unlock-error

import assert from 'node:assert/strict';
import { e2eTest, tid } from './harness.mjs';
import { click, errorKind, firstRun, unlockAs } from './steps.mjs';

const SCHOOL = 'Riverside Primary School';
const LEAD = 'Sam Okafor';
const PASSPHRASE = 'correct horse battery staple 1917';
const WRONG = 'correct horse battery staple 1918';

e2eTest('first run, recovery key, lock, unlock, wrong passphrase', async (app) => {
  await app.launch();
  const s = app.session;

  await firstRun(app, { school: SCHOOL, name: LEAD, passphrase: PASSPHRASE });
  await app.shot('home');
  await app.axe('home');

  // While unlocked, the backend answers list_users: the command exists and is allowed...
  const before = await app.invoke('list_users');
  assert.equal(before.ok, true, `list_users answers while unlocked: ${JSON.stringify(before.error)}`);
  assert.ok(Array.isArray(before.value), `list_users returns a list: ${JSON.stringify(before.value)}`);
  const me = before.value.find((u) => JSON.stringify(u).includes(LEAD));
  assert.ok(me, `list_users includes ${LEAD}: ${JSON.stringify(before.value)}`);
  const user = { name: LEAD, userId: me.id ?? me.user_id };

  // ...lock from the UI → unlock screen.
  await click(s, 'lock-button');
  await s.waitFor(tid('unlock-passphrase'), { timeoutSec: 30 });
  assert.equal((await s.findAll(tid('home-heading'))).length, 0, 'home is gone after locking');
  await app.shot('unlock-after-lock');
  await app.axe('unlock');

  // ...and after locking the backend refuses: the key is gone, not just hidden by the UI.
  const after = await app.invoke('list_users');
  assert.equal(after.ok, false, `list_users must be refused after lock, but answered ${JSON.stringify(after.value)}`);
  assert.equal(errorKind(after.error), 'locked', `refused as "locked": ${JSON.stringify(after.error)}`);

  // Unlock with the right passphrase → home.
  await unlockAs(app, user, PASSPHRASE, { firstRadio: true });
  await app.shot('home-after-unlock');
  const again = await app.invoke('list_users');
  assert.equal(again.ok, true, `list_users answers again after unlocking: ${JSON.stringify(again.error)}`);

  // Lock again, then a wrong passphrase: a plain message, and no way in.
  await click(s, 'lock-button');
  await unlockAs(app, user, WRONG, { waitForHome: false, firstRadio: true });
  const err = await s.waitFor(tid('unlock-error'), { timeoutSec: 60 });
  const msg = (await err.text()).trim();
  assert.match(msg, /passphrase/i, `the error mentions the passphrase: "${msg}"`);
  assert.match(msg, /not (right|correct)|incorrect|wrong|did ?n[o']t match|does ?n[o']t match/i, `the error says it is not right: "${msg}"`);
  assert.ok(!msg.includes(WRONG), 'the error does not echo the passphrase');
  assert.equal((await s.findAll(tid('home-heading'))).length, 0, 'a wrong passphrase does not open the vault');
  await app.shot('wrong-passphrase');
  await app.axe('unlock, wrong passphrase');
  const still = await app.invoke('list_users');
  assert.equal(errorKind(still.error), 'locked', `still locked after a wrong passphrase: ${JSON.stringify(still)}`);
});

e2eTest('relaunch on an existing vault shows unlock, not first run', async (app) => {
  await app.launch();
  await firstRun(app, { school: SCHOOL, name: LEAD, passphrase: PASSPHRASE, screenshots: false, axe: false });
  await app.shot('home-before-quit');

  // Quit (the app process ends), start again on the same vault folder.
  await app.close();
  await app.launch();
  const s = app.session;
  await s.waitFor(tid('unlock-passphrase'), { timeoutSec: 60 });
  assert.equal((await s.findAll(tid('setup-school'))).length, 0, 'no first-run screen on an existing vault');
  await app.shot('unlock-after-relaunch');
  await app.axe('unlock after relaunch');

  // A fresh process starts locked: the backend refuses before any unlock.
  const locked = await app.invoke('list_users');
  assert.equal(errorKind(locked.error), 'locked', `a fresh process is locked: ${JSON.stringify(locked)}`);

  await unlockAs(app, { name: LEAD }, PASSPHRASE, { firstRadio: true });
  await app.shot('home-after-relaunch');
});
