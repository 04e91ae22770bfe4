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
import { e2eTest, tid, waitFor } from './harness.mjs';

const SCHOOL = 'Riverside Primary School';
const LEAD = 'Sam Okafor';
const PASSPHRASE = 'correct horse battery staple 1917';
const WRONG = 'correct horse battery staple 1918';

/** Fill a text field by data-testid (cleared first). */
async function fill(s, id, text) {
  const el = await s.waitFor(tid(id));
  await el.clear().catch(() => {});
  await el.sendKeys(text);
  return el;
}

/**
 * Tick a checkbox. A styled checkbox may hide the native input; then click its label instead.
 */
async function tick(s, id) {
  const el = await s.waitFor(tid(id), { visible: false });
  if (await el.selected().catch(() => false)) return;
  try {
    await el.click();
  } catch (e) {
    const idAttr = await el.attribute('id');
    const label = idAttr ? (await s.findAll(`label[for="${idAttr}"]`))[0] : null;
    if (!label) throw e;
    await label.click();
  }
  await waitFor(() => el.selected(), { timeoutSec: 5, what: `${id} to be ticked` });
}

async function click(s, id) {
  const el = await s.waitFor(tid(id));
  await el.click();
}

/** data-testids on the page starting with a prefix, e.g. "recovery-group-" → [{n, el}] sorted by n. */
async function numbered(s, prefix) {
  const els = await s.findAll(`[data-testid^="${prefix}"]`);
  const out = [];
  for (const el of els) {
    const id = await el.attribute('data-testid');
    const m = id && id.slice(prefix.length).match(/^(\d+)$/);
    if (m) out.push({ n: Number(m[1]), el });
  }
  return out.sort((a, b) => a.n - b.n);
}

/** Walk the first-run journey to the home screen; returns the recovery groups by number. */
async function firstRun(app, { screenshots = true, axe = true } = {}) {
  const s = app.session;

  // 1. First run: school, first user (a strategic lead), passphrase twice.
  await s.waitFor(tid('setup-school'), { timeoutSec: 60 });
  if (screenshots) await app.shot('first-run');
  if (axe) await app.axe('first run');
  await fill(s, 'setup-school', SCHOOL);
  await fill(s, 'setup-name', LEAD);
  await fill(s, 'setup-passphrase', PASSPHRASE);
  await fill(s, 'setup-confirm', PASSPHRASE);
  if (screenshots) await app.shot('first-run-filled');
  if (axe) await app.axe('first run, filled in');
  await click(s, 'setup-submit');

  // 2. The recovery key, shown once, in groups.
  const keyBox = await s.waitFor(tid('recovery-key'), { timeoutSec: 60 });
  const groups = await waitFor(
    async () => {
      const g = await numbered(s, 'recovery-group-');
      return g.length ? g : null;
    },
    { timeoutSec: 10, what: 'recovery-group-N elements' },
  );
  const byN = new Map();
  for (const { n, el } of groups) byN.set(n, (await el.text()).trim());
  const keyText = await keyBox.text();
  for (const [n, g] of byN) {
    assert.match(g, /^[A-Z0-9]{3,8}$/i, `recovery group ${n} looks like a group of characters: "${g}"`);
    assert.ok(keyText.includes(g), `the recovery-key container shows group ${n} ("${g}")`);
  }
  assert.ok(byN.size >= 4, `the recovery key is shown in several groups (got ${byN.size})`);
  if (screenshots) await app.shot('recovery-key');
  if (axe) await app.axe('recovery key');

  // The user must say they have kept it before going on.
  await tick(s, 'recovery-kept');
  await click(s, 'recovery-continue');

  // 3. Confirm: re-type the groups asked for.
  const asked = await waitFor(
    async () => {
      const c = await numbered(s, 'confirm-group-');
      return c.length ? c : null;
    },
    { timeoutSec: 20, what: 'confirm-group-N inputs' },
  );
  assert.ok(asked.length >= 1 && asked.length < byN.size, `asks for part of the key (${asked.length} of ${byN.size} groups)`);
  if (screenshots) await app.shot('confirm-recovery-key');
  if (axe) await app.axe('confirm recovery key');
  for (const { n, el } of asked) {
    assert.ok(byN.has(n), `confirm-group-${n} matches a shown recovery-group-${n}`);
    await el.clear().catch(() => {});
    await el.sendKeys(byN.get(n));
  }
  await click(s, 'confirm-submit');

  // 4. Home.
  await s.waitFor(tid('home-heading'), { timeoutSec: 60 });
  return byN;
}

/** Choose the user on the unlock screen, whichever control the UI uses (select or radios). */
async function chooseUser(s, { name, userId }) {
  const select = (await s.findAll(tid('unlock-user')))[0];
  if (select) {
    const tag = (await select.tagName()).toLowerCase();
    if (tag === 'select') {
      for (const opt of await select.findAll('option')) {
        const value = await opt.property('value');
        const text = (await opt.text()).trim();
        if ((userId !== undefined && String(value) === String(userId)) || text.includes(name)) {
          await opt.click();
          return;
        }
      }
      throw new Error(`no option for ${name} in the unlock-user select`);
    }
  }
  const radios = await s.findAll('[data-testid^="unlock-user-"]');
  if (radios.length) {
    let chosen = userId !== undefined ? (await s.findAll(tid(`unlock-user-${userId}`)))[0] : undefined;
    chosen ??= radios[0];
    if (!(await chosen.selected().catch(() => false))) {
      try {
        await chosen.click();
      } catch (e) {
        const idAttr = await chosen.attribute('id');
        const label = idAttr ? (await s.findAll(`label[for="${idAttr}"]`))[0] : null;
        if (!label) throw e;
        await label.click();
      }
    }
  }
  // No control at all: a single user may be shown as plain text. Nothing to choose.
}

async function unlockWith(app, passphrase, user) {
  const s = app.session;
  await s.waitFor(tid('unlock-passphrase'), { timeoutSec: 60 });
  await chooseUser(s, user);
  await fill(s, 'unlock-passphrase', passphrase);
  await click(s, 'unlock-submit');
}

function errorKind(error) {
  if (error && typeof error === 'object') return error.kind;
  if (typeof error === 'string') {
    try {
      return JSON.parse(error).kind;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

e2eTest('first run, recovery key, lock, unlock, wrong passphrase', async (app) => {
  await app.launch();
  const s = app.session;

  await firstRun(app);
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
  await unlockWith(app, PASSPHRASE, user);
  await s.waitFor(tid('home-heading'), { timeoutSec: 60 });
  await app.shot('home-after-unlock');
  const again = await app.invoke('list_users');
  assert.equal(again.ok, true, `list_users answers again after unlocking: ${JSON.stringify(again.error)}`);

  // Lock again, then a wrong passphrase: a plain message, and no way in.
  await click(s, 'lock-button');
  await unlockWith(app, WRONG, user);
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
  await firstRun(app, { screenshots: false, axe: false });
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

  await unlockWith(app, PASSPHRASE, { name: LEAD });
  await s.waitFor(tid('home-heading'), { timeoutSec: 60 });
  await app.shot('home-after-relaunch');
});
