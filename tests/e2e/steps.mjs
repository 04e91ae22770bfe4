// Step helpers shared by the e2e journeys (*.test.mjs): fill, click, tick, choose, numbered,
// firstRun, chooseUser, unlockAs, errorKind. They drive the UI only through its data-testids (the
// contract listed at the top of each test file); `s` is a WebDriver session (wd.mjs), `app` the
// harness's app (harness.mjs).

import assert from 'node:assert/strict';
import { tid, waitFor } from './harness.mjs';

/** Fill a text field by data-testid (cleared first). */
export async function fill(s, id, text) {
  const el = await s.waitFor(tid(id));
  await el.clear().catch(() => {});
  await el.sendKeys(text);
  return el;
}

/** Click an element by data-testid; `opts` go to waitFor (e.g. { timeoutSec: 30 }). */
export async function click(s, id, opts) {
  const el = await s.waitFor(tid(id), opts);
  await el.click();
  return el;
}

/**
 * Tick a radio or checkbox element, through its label when the input itself is hidden by styling,
 * and wait until it is selected. `what` names it in the timeout message.
 */
async function tickElement(s, el, what) {
  if (await el.selected().catch(() => false)) return;
  try {
    await el.click();
  } catch (e) {
    const idAttr = await el.attribute('id');
    const label = idAttr ? (await s.findAll(`label[for="${idAttr}"]`))[0] : null;
    if (!label) throw e;
    await label.click();
  }
  await waitFor(() => el.selected(), { timeoutSec: 5, what: `${what} to be ticked` });
}

/** Tick a radio or checkbox by data-testid (see tickElement). */
export async function tick(s, id) {
  const el = await s.waitFor(tid(id), { visible: false });
  await tickElement(s, el, id);
}

/**
 * Choose an <option> of a select (by data-testid) whose value equals `value` or whose text includes
 * `text`; with `value`, wait until the select holds it.
 */
export async function choose(s, id, { value, text }) {
  const select = await s.waitFor(tid(id));
  const option = await waitFor(
    async () => {
      for (const opt of await select.findAll('option')) {
        const v = String(await opt.property('value'));
        const t = (await opt.text()).trim();
        if ((value !== undefined && v === String(value)) || (text !== undefined && t.includes(text))) return opt;
      }
      return null;
    },
    { timeoutSec: 10, what: `an option ${JSON.stringify(value ?? text)} in ${id}` },
  );
  await option.click();
  await waitFor(async () => (value === undefined ? true : String(await select.property('value')) === String(value)), {
    timeoutSec: 5,
    what: `${id} to hold ${value}`,
  });
}

/** data-testids on the page starting with a prefix, e.g. "recovery-group-" → [{n, el}] sorted by n. */
export async function numbered(s, prefix) {
  const out = [];
  for (const el of await s.findAll(`[data-testid^="${prefix}"]`)) {
    const id = await el.attribute('data-testid');
    const m = id && id.slice(prefix.length).match(/^(\d+)$/);
    if (m) out.push({ n: Number(m[1]), el });
  }
  return out.sort((a, b) => a.n - b.n);
}

/** The screens firstRun can photograph, in order. */
const FIRST_RUN_SHOTS = ['first-run', 'first-run-filled', 'recovery-key', 'confirm-recovery-key'];

/**
 * Walk the first-run journey to the home screen: school, first user (a strategic lead), passphrase
 * twice → recovery key (tick "kept") → re-type the groups asked for → home. Returns the recovery
 * groups by number (Map n → text).
 *
 *   school, name, passphrase  what to type (required)
 *   screenshots  true: every screen in FIRST_RUN_SHOTS; false: none; or an array of those names
 *   confirmShot  'empty' (before typing the groups) or 'filled' (after) for 'confirm-recovery-key'
 *   axe          run axe on each screen (first run, filled in, recovery key, confirm)
 *   checks       assert the recovery key's groups look right and the confirm step asks for part of it
 */
export async function firstRun(
  app,
  { school, name, passphrase, screenshots = true, confirmShot = 'empty', axe = true, checks = true } = {},
) {
  if (!school || !name || !passphrase) throw new Error('firstRun needs { school, name, passphrase }');
  if (confirmShot !== 'empty' && confirmShot !== 'filled') throw new Error(`firstRun: confirmShot "${confirmShot}"`);
  const wanted = screenshots === true ? FIRST_RUN_SHOTS : screenshots === false ? [] : screenshots;
  for (const n of wanted) if (!FIRST_RUN_SHOTS.includes(n)) throw new Error(`firstRun: no screen "${n}" to shoot`);
  const shot = async (n) => {
    if (wanted.includes(n)) await app.shot(n);
  };
  const s = app.session;

  // 1. First run: school, first user, passphrase twice.
  await s.waitFor(tid('setup-school'), { timeoutSec: 60 });
  await shot('first-run');
  if (axe) await app.axe('first run');
  await fill(s, 'setup-school', school);
  await fill(s, 'setup-name', name);
  await fill(s, 'setup-passphrase', passphrase);
  await fill(s, 'setup-confirm', passphrase);
  await shot('first-run-filled');
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
  if (checks) {
    const keyText = await keyBox.text();
    for (const [n, g] of byN) {
      assert.match(g, /^[A-Z0-9]{3,8}$/i, `recovery group ${n} looks like a group of characters: "${g}"`);
      assert.ok(keyText.includes(g), `the recovery-key container shows group ${n} ("${g}")`);
    }
    assert.ok(byN.size >= 4, `the recovery key is shown in several groups (got ${byN.size})`);
  }
  await shot('recovery-key');
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
  if (checks) {
    assert.ok(asked.length >= 1 && asked.length < byN.size, `asks for part of the key (${asked.length} of ${byN.size} groups)`);
  }
  if (confirmShot === 'empty') await shot('confirm-recovery-key');
  if (axe) await app.axe('confirm recovery key');
  for (const { n, el } of asked) {
    if (checks) assert.ok(byN.has(n), `confirm-group-${n} matches a shown recovery-group-${n}`);
    await el.clear().catch(() => {});
    await el.sendKeys(byN.get(n));
  }
  if (confirmShot === 'filled') await shot('confirm-recovery-key');
  await click(s, 'confirm-submit');

  // 4. Home.
  await s.waitFor(tid('home-heading'), { timeoutSec: 60 });
  return byN;
}

/**
 * Choose the user on the unlock screen, whichever control the UI uses: a select (by userId or a name
 * in the option's text) or radios (unlock-user-<userId>, ticked). With no userId, or none matching,
 * `firstRadio: true` ticks the first radio; otherwise the radios are left as they are. No control at
 * all: a single user may be shown as plain text, nothing to choose.
 */
export async function chooseUser(s, { name, userId }, { firstRadio = false } = {}) {
  const select = (await s.findAll(tid('unlock-user')))[0];
  if (select && (await select.tagName()).toLowerCase() === 'select') {
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
  let radio = userId !== undefined ? (await s.findAll(tid(`unlock-user-${userId}`)))[0] : undefined;
  if (!radio && firstRadio) radio = (await s.findAll('[data-testid^="unlock-user-"]'))[0];
  if (radio) await tickElement(s, radio, `the unlock-user radio for ${name ?? userId}`);
}

/**
 * Unlock as a user: wait for the unlock screen, choose the user (chooseUser, with `firstRadio`), type
 * the passphrase, submit; then, unless `waitForHome: false` (e.g. a wrong passphrase), wait for home.
 */
export async function unlockAs(app, user, passphrase, { waitForHome = true, firstRadio = false } = {}) {
  const s = app.session;
  await s.waitFor(tid('unlock-passphrase'), { timeoutSec: 60 });
  await chooseUser(s, user, { firstRadio });
  await fill(s, 'unlock-passphrase', passphrase);
  await click(s, 'unlock-submit');
  if (waitForHome) await s.waitFor(tid('home-heading'), { timeoutSec: 60 });
}

/** The `kind` of an IPC error (an object, or its JSON as a string); undefined otherwise. */
export function errorKind(error) {
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

/**
 * The page at 200 % text size (issue 16, item 8): the app's root font doubled, the element
 * `scrollTo` (an id) at the top, a screenshot and axe-core (no serious or critical violation),
 * then no sideways scrolling of the page — naming the outermost elements that reach past the
 * window's right edge when there is. The text size is put back afterwards.
 */
export async function at200(app, name, scrollTo) {
  const s = app.session;
  await s.execute('document.activeElement?.blur(); document.documentElement.style.fontSize = "200%";');
  await new Promise((r) => setTimeout(r, 500));
  await s.execute('document.getElementById(arguments[0])?.scrollIntoView({ block: "start" });', [scrollTo]);
  await new Promise((r) => setTimeout(r, 300));
  await app.shot(`${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-200`);
  await app.axe(`${name} at 200 % text`);
  const overflow = await s.execute('return document.documentElement.scrollWidth - document.documentElement.clientWidth;');
  const wide = await s.execute(
    `const w = document.documentElement.clientWidth;
     return [...document.querySelectorAll('body *')]
       .filter((e) => e.getBoundingClientRect().right > w + 1 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > w + 1))
       .slice(0, 5)
       .map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.dataset.testid ? '[' + e.dataset.testid + ']' : ''));`,
  );
  await s.execute('document.documentElement.style.fontSize = "";');
  assert.ok(overflow <= 0, `${name}: no sideways scrolling of the page at 200 % text (${overflow} px too wide: ${wide.join(', ')})`);
}
