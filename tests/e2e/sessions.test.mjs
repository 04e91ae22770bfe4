// Issue 16, item 2, black-box: every session of a pupil's time, browsed in the real window.
//
// The strategic lead sets up the vault and a pupil; 75 sessions over the last 3 years (one every
// 14 days back from today, every fifth one crisis support) are logged through the real command.
// The Sessions section shows the newest 50 and says so; Show more (by keyboard) adds the rest
// with focus on the first one added; the kind filter and the "When" choice of a school year give
// the sessions this test expects, counted here by its own rule (a school year runs 1 August to
// 31 July), not by the app's. Screenshots at 100 % and 200 % text size, axe-core on each, and no
// sideways scrolling of the page at 200 %.
//
// The data-testids are the contract with the UI (ui/src):
//   pupil page: pupil-heading pupil-tab-sessions
//   sessions: session-count session-list session-more session-kind-filter session-period-filter
//             session-<id>

import assert from 'node:assert/strict';
import { e2eTest, tid, waitFor, Keys } from './harness.mjs';
import { at200, choose, click, firstRun } from './steps.mjs';

const SCHOOL = 'Hillcrest Primary School';
const LEAD = 'Grace Mbeki';
const LEAD_PASS = 'copper kettle meadow sparrow 2208';
const N = 75;

function isoDaysAgo(days) {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}
/** The school year a day is in, by the year it starts: 1 August onwards is the new year. */
const schoolYear = (iso) => (Number(iso.slice(5, 7)) >= 8 ? Number(iso.slice(0, 4)) : Number(iso.slice(0, 4)) - 1);
const yearLabel = (y) => `${y}-${String((y + 1) % 100).padStart(2, '0')}`;

async function ok(app, cmd, args) {
  const r = await app.invoke(cmd, args);
  assert.equal(r.ok, true, `${cmd}: ${JSON.stringify(r.error)}`);
  return r.value;
}

const countText = (s) => s.execute(`return document.querySelector('[data-testid="session-count"]')?.textContent.trim() ?? '';`);
const rowIds = (s) =>
  s.execute(`return [...document.querySelectorAll('[data-testid="session-list"] tbody tr')].map((tr) => tr.dataset.testid);`);

e2eTest('every session of three years: 50 at a time, Show more, by kind and by school year', async (app) => {
  await app.launch();
  const s = app.session;
  await firstRun(app, { school: SCHOOL, name: LEAD, passphrase: LEAD_PASS, screenshots: false, axe: false, checks: false });
  const pupil = await ok(app, 'add_pupil', {
    input: {
      legal_forename: 'Daniel',
      legal_surname: 'Kowalski',
      preferred_name: 'Danny',
      date_of_birth: '2016-02-11',
      year_group: 'Year 5',
      identifiers: [],
      care_status: null,
      support_level: null,
    },
  });
  // Oldest first, so ids rise with the day: newest first is then highest id first.
  const logged = [];
  for (let i = N - 1; i >= 0; i--) {
    const input = { held_on: isoDaysAgo(14 * i), minutes: 20, kind: i % 5 === 0 ? 'crisis' : 'planned', regulation: null, note: `Session ${i}` };
    const e = await ok(app, 'log_session', { pupilId: pupil.id, input });
    logged.push({ ...input, id: e.id });
  }
  const newestFirst = [...logged].reverse();

  await click(s, 'nav-pupils');
  await (await s.waitFor(`${tid(`pupils-row-${pupil.id}`)} a`, { timeoutSec: 30 })).click();
  await s.waitFor(tid('pupil-heading'), { timeoutSec: 30 });
  await click(s, 'pupil-tab-sessions');
  await waitFor(async () => (await countText(s)) === `${N} sessions in all; the newest 50 are shown.`, { timeoutSec: 30, what: 'the count line' });
  assert.deepEqual(await rowIds(s), newestFirst.slice(0, 50).map((e) => `session-${e.id}`));
  await app.shot('sessions-first-page');
  await app.axe('sessions, first page');

  // Show more by keyboard: focus moves to the first session added.
  const more = await s.find(tid('session-more'));
  assert.equal(
    await s.execute(`return document.querySelector('[data-testid="session-more"]').textContent.replace(/\\s+/g, ' ').trim();`),
    'Show 25 more sessions',
  );
  await s.execute(`document.querySelector('[data-testid="session-more"]').focus();`);
  await more.sendKeys(Keys.ENTER);
  await waitFor(async () => (await countText(s)) === `${N} sessions in all.`, { timeoutSec: 30, what: 'all shown' });
  assert.deepEqual(await rowIds(s), newestFirst.map((e) => `session-${e.id}`));
  assert.equal(await s.execute('return document.activeElement?.id;'), `session-${newestFirst[50].id}-day`, 'focus on the first session added');
  assert.equal(await s.execute(`return document.querySelector('[data-testid="session-more"]') === null;`), true);

  // By kind: crisis support only.
  await choose(s, 'session-kind-filter', { value: 'crisis' });
  const crisis = newestFirst.filter((e) => e.kind === 'crisis');
  await waitFor(async () => (await countText(s)) === `${crisis.length} sessions match (Crisis support).`, { timeoutSec: 30, what: 'crisis count' });
  assert.deepEqual(await rowIds(s), crisis.map((e) => `session-${e.id}`));

  // And the school year before this one (the second "When" choice that is a whole year).
  const years = [...new Set(newestFirst.map((e) => schoolYear(e.held_on)))];
  const year = years[1];
  const inYear = (e) => schoolYear(e.held_on) === year;
  const label = `The school year ${yearLabel(year)}`;
  const options = await s.execute(
    `return [...document.querySelectorAll('[data-testid="session-period-filter"] option')].map((o) => [o.value, o.textContent.trim()]);`,
  );
  const option = options.find(([, text]) => text.startsWith(label));
  assert.ok(option, `"${label}" is offered: ${JSON.stringify(options)}`);
  assert.equal(option[1], `${label} (${logged.filter(inYear).length} sessions)`, 'with its count of every kind');
  await choose(s, 'session-period-filter', { value: option[0] });
  const want = crisis.filter(inYear);
  await waitFor(async () => (await countText(s)) === `${want.length} sessions match (Crisis support, the school year ${yearLabel(year)}).`, {
    timeoutSec: 30,
    what: 'crisis in the year',
  });
  assert.deepEqual(await rowIds(s), want.map((e) => `session-${e.id}`));
  await app.shot('sessions-filtered');
  await app.axe('sessions, filtered');

  // 200 % text on the default window: the filters and table still fit and read.
  await choose(s, 'session-kind-filter', { value: '' });
  await at200(app, 'sessions', 'section-heading');
});
