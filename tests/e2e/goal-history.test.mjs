// Issue 16, item 3, black-box: a goal carried forward when its plan is renewed keeps its history,
// in the real window.
//
// Through the real commands: a pupil with a plan that started 400 days ago, one goal (baseline 2),
// a review of it signed (rating 5); the plan renewed from today carrying the goal; the new plan's
// first review signed (rating 7). Then the pupil's Progress section shows the carried goal's
// whole history: the table lists the first plan's baseline and review and the new plan's review,
// each with its plan; the chart (role="img") says in words that the goal was carried forward, and
// really draws, the new plan's start marked. The earlier plan is listed in the Plan section and
// its page shows its goal, progress and signed review. Screenshots and axe-core.
//
// The data-testids are the contract with the UI (ui/src):
//   pupil page: pupil-heading pupil-tab-progress pupil-section-progress
//   progress: progress-chart-<goalId> progress-table-<goalId>

import assert from 'node:assert/strict';
import { e2eTest, tid, waitFor } from './harness.mjs';
import { at200, click, firstRun } from './steps.mjs';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const ukDate = (iso) => `${Number(iso.slice(8, 10))} ${MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;
function isoPlus(days) {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

async function ok(app, cmd, args) {
  const r = await app.invoke(cmd, args);
  assert.equal(r.ok, true, `${cmd}: ${JSON.stringify(r.error)}`);
  return r.value;
}

/** Prepares and signs the review of `due`, rating one goal. */
async function holdReview(app, planId, due, goalId, rating) {
  const review = await ok(app, 'prepare_review', { planId, dueDate: due });
  await ok(app, 'save_review_draft', {
    reviewId: review.id,
    input: {
      attendees: [{ name: 'Grace Mbeki', role: 'Strategic lead', scaling: 6 }],
      goals: [{ goal_id: goalId, rating, evidence: 'Seen at lunch', decision: 'continue' }],
      pupil_voice: 'I like the club',
      parent_carer_voice: '',
      working_well: '',
      worried_about: '',
      needs_to_happen: '',
      next_steps: '',
      new_goals: [],
      next_review_date: null,
    },
  });
  const signed = await ok(app, 'sign_review', { reviewId: review.id });
  assert.equal(signed.status, 'signed');
}

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

e2eTest('a goal carried into a renewed plan shows its whole history on one chart and table', async (app) => {
  await app.launch();
  const s = app.session;
  await firstRun(app, { school: 'Hillcrest Primary School', name: 'Grace Mbeki', passphrase: 'copper kettle meadow sparrow 2208', screenshots: false, axe: false, checks: false });
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
  const startA = isoPlus(-400);
  const planA = await ok(app, 'start_plan', { pupilId: pupil.id, input: { framework_id: null, start: startA, horizon_years: 2, cadence: 'termly' } });
  const goal = await ok(app, 'add_goal', {
    planId: planA.id,
    input: { domain_id: 'belonging', outcome: 'Joins the lunchtime Lego club twice a week', baseline: 2, target: 8, strategies: '', who: '', how_often: '', pp_plus_cost_pence: null },
  });
  const slotsA = await ok(app, 'list_reviews', { planId: planA.id });
  await holdReview(app, planA.id, slotsA[0].due_date, goal.id, 5);

  const today = isoPlus(0);
  const planB = await ok(app, 'renew_plan', {
    planId: planA.id,
    input: { plan: { framework_id: null, start: today, horizon_years: 2, cadence: 'termly' }, carry_goal_ids: [goal.id] },
  });
  const carried = planB.goals[0];
  assert.notEqual(carried.id, goal.id, 'the carried goal is a goal of the new plan');
  const slotsB = await ok(app, 'list_reviews', { planId: planB.id });
  await holdReview(app, planB.id, slotsB[0].due_date, carried.id, 7);

  await click(s, 'nav-pupils');
  await (await s.waitFor(`${tid(`pupils-row-${pupil.id}`)} a`, { timeoutSec: 30 })).click();
  await s.waitFor(tid('pupil-heading'), { timeoutSec: 30 });
  await click(s, 'pupil-tab-progress');
  await s.waitFor(tid('pupil-section-progress'));
  await s.waitFor(tid(`progress-table-${carried.id}`), { timeoutSec: 30 });
  const rows = await s.execute(
    `return [...document.querySelectorAll('[data-testid="' + arguments[0] + '"] tbody tr')]
       .map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent.trim()));`,
    [`progress-table-${carried.id}`],
  );
  assert.deepEqual(
    rows,
    [
      [ukDate(startA), '2', 'Baseline', `From ${ukDate(startA)}`],
      [ukDate(today), '5', 'Review', `From ${ukDate(startA)}`],
      [ukDate(today), '7', 'Review', `From ${ukDate(today)}`],
    ],
    "the first plan's baseline and review, then the new plan's review",
  );
  const canvas = await s.find(tid(`progress-chart-${carried.id}`));
  assert.equal(await canvas.attribute('role'), 'img');
  assert.equal(
    await canvas.attribute('aria-label'),
    `Baseline 2 on ${ukDate(startA)}, latest 7 on ${ukDate(today)}, target 8; carried forward into the plan from ${ukDate(today)}`,
  );
  await waitFor(async () => (await inkOn(s, `progress-chart-${carried.id}`)) > 2000, { timeoutSec: 10, what: 'ink on the chart' });
  await s.execute('document.getElementById("progress-current-heading").scrollIntoView({ block: "start" });');
  await app.shot('goal-history-across-plans');
  await app.axe('goal history across plans');
  await at200(app, 'goal history across plans', 'progress-current-heading');

  // The earlier plan stays reachable: listed in the Plan section, its page with its goal, its
  // signed review (which opens read-only) and its progress.
  await click(s, 'pupil-tab-plan');
  await click(s, `earlier-plan-open-${planA.id}`);
  const heading = await s.waitFor(tid('plan-page-heading'), { timeoutSec: 30 });
  assert.match(await heading.text(), new RegExp(`Danny Kowalski: plan from ${ukDate(startA)}\\s+Closed`));
  assert.match(await (await s.find(tid(`plan-page-goal-${goal.id}`))).text(), /Open when the plan closed/);
  await s.waitFor(tid(`progress-table-${goal.id}`), { timeoutSec: 30 });
  await app.shot('earlier-plan-page');
  await app.axe('an earlier plan');
  await at200(app, 'an earlier plan', 'page-heading');
  const reviews = await s.findAll(`[data-testid^="plan-page-review-open-"]`);
  assert.equal(reviews.length, 1, "the earlier plan's one signed review");
  await reviews[0].click();
  await s.waitFor(tid('review-signed'), { timeoutSec: 30 });
  await app.shot('earlier-plan-review');
  await at200(app, "an earlier plan's signed review", 'main');
});
