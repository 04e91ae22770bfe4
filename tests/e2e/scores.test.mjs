// Issue 16, item 4, black-box: a pupil's instrument scores over time in the real window.
//
// The strategic lead sets up the vault and a pupil; SDQ, Boxall and Thrive scores over two years
// are added through the real commands, and one more SDQ total through the Scores form
// (Enter saves it). Then the Scores section shows, per instrument, a chart that really draws (ink on
// the canvas; role="img" with the trend in words) and a table with the same figures, oldest
// first. Screenshots at 100 % and 200 % text size, axe-core on each.
//
// The data-testids are the contract with the UI (ui/src):
//   pupil page: pupil-heading pupil-tab-scores
//   scores: score-instrument score-value score-completed-by score-save score-saved score-list
//           score-trends score-trend-<instrument> score-trend-table-<instrument>
//           score-chart-sdq-total score-chart-sdq-subscales score-chart-boxall score-chart-thrive

import assert from 'node:assert/strict';
import { e2eTest, tid, waitFor, Keys } from './harness.mjs';
import { at200, choose, click, firstRun } from './steps.mjs';

const SCHOOL = 'Hillcrest Primary School';
const LEAD = 'Grace Mbeki';
const LEAD_PASS = 'copper kettle meadow sparrow 2208';
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const ukDate = (iso) => `${Number(iso.slice(8, 10))} ${MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;
const today = () => new Date().toISOString().slice(0, 10);

// Two years of scores, entered in no particular order.
const SCORES = [
  { instrument: 'sdq', subscale: null, score: 24, stage: null, completed_on: '2025-03-03' },
  { instrument: 'sdq', subscale: 'emotional', score: 7, stage: null, completed_on: '2025-03-03' },
  { instrument: 'sdq', subscale: null, score: 19, stage: null, completed_on: '2025-11-10' },
  { instrument: 'sdq', subscale: 'emotional', score: 5, stage: null, completed_on: '2026-06-15' },
  { instrument: 'sdq', subscale: null, score: 15, stage: null, completed_on: '2026-06-15' },
  { instrument: 'boxall', subscale: 'A', score: 10, stage: null, completed_on: '2025-06-01' },
  { instrument: 'boxall', subscale: 'B', score: 6, stage: null, completed_on: '2025-06-01' },
  { instrument: 'boxall', subscale: 'A', score: 14, stage: null, completed_on: '2026-06-01' },
  { instrument: 'thrive', subscale: null, score: null, stage: 'Being', completed_on: '2025-01-15' },
  { instrument: 'thrive', subscale: null, score: null, stage: 'Thinking', completed_on: '2026-01-20' },
];

async function ok(app, cmd, args) {
  const r = await app.invoke(cmd, args);
  assert.equal(r.ok, true, `${cmd}: ${JSON.stringify(r.error)}`);
  return r.value;
}

async function tableRows(s, testid) {
  return s.execute(
    `return [...document.querySelectorAll('[data-testid="' + arguments[0] + '"] tr')]
       .map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent.trim()));`,
    [testid],
  );
}

/** How many pixels of a canvas are not transparent (Chart.js draws on a transparent canvas). */
async function inkOn(s, testid) {
  return s.execute(
    `const c = document.querySelector('[data-testid="' + arguments[0] + '"]');
     if (!c || !c.width || !c.height) return -1;
     const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
     let n = 0;
     for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
     return n;`,
    [testid],
  );
}

e2eTest('scores over time: a chart and a table per instrument, one score added by keyboard', async (app) => {
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
  for (const sc of SCORES) await ok(app, 'add_score', { pupilId: pupil.id, input: { ...sc, completed_by: 'Class teacher' } });

  await click(s, 'nav-pupils');
  await (await s.waitFor(`${tid(`pupils-row-${pupil.id}`)} a`, { timeoutSec: 30 })).click();
  await s.waitFor(tid('pupil-heading'), { timeoutSec: 30 });
  await click(s, 'pupil-tab-scores');
  await s.waitFor(tid('score-trends'), { timeoutSec: 30 });

  // One more SDQ total through the form: choose the instrument, type the score and who, Enter.
  await choose(s, 'score-instrument', { value: 'sdq' });
  await (await s.waitFor(tid('score-value'))).sendKeys('12');
  await (await s.find(tid('score-completed-by'))).sendKeys('Class teacher' + Keys.ENTER);
  await s.waitFor(tid('score-saved'), { timeoutSec: 30 });

  assert.deepEqual(
    await tableRows(s, 'score-trend-table-sdq'),
    [
      ['Date', 'Total difficulties (0 to 40)', 'Emotional symptoms'],
      ['3 March 2025', '24', '7'],
      ['10 November 2025', '19', '–'],
      ['15 June 2026', '15', '5'],
      [ukDate(today()), '12', '–'],
    ],
    'the SDQ table, oldest first, with the score added in the form',
  );
  assert.deepEqual(await tableRows(s, 'score-trend-table-boxall'), [
    ['Date', 'Strand A', 'Strand B'],
    ['1 June 2025', '10', '6'],
    ['1 June 2026', '14', '–'],
  ]);
  assert.deepEqual(await tableRows(s, 'score-trend-table-thrive'), [
    ['Date', 'Stage'],
    ['15 January 2025', 'Being'],
    ['20 January 2026', 'Thinking'],
  ]);
  const total = await s.find(tid('score-chart-sdq-total'));
  assert.equal(await total.attribute('role'), 'img');
  assert.equal(
    await total.attribute('aria-label'),
    `SDQ total difficulties: 24 on 3 March 2025, then 12 on ${ukDate(today())} (4 scores)`,
  );
  for (const id of ['score-chart-sdq-total', 'score-chart-sdq-subscales', 'score-chart-boxall', 'score-chart-thrive']) {
    await waitFor(async () => (await inkOn(s, id)) > 1000, { timeoutSec: 10, what: `ink on ${id}` });
  }
  await s.execute('document.getElementById("score-trends-heading").scrollIntoView({ block: "start" });');
  await app.shot('scores-over-time');
  await app.axe('scores over time');

  // 200 % text size on the default window: the tables and charts still fit and read.
  await at200(app, 'scores over time', 'score-trends-heading');
});
