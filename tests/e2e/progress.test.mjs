// Issue 4, black-box: a pupil's progress, the plan's timeline and the plan's print view, in the
// real Attune window, and the plan saved as a PDF.
//
// The strategic lead sets up the vault; a pupil, a plan that started eleven weeks ago with two
// goals, sessions in three months, a chronology event and two signed reviews are made through the
// real commands (the review screens are driven in reviews.test.mjs; the third due date is left
// overdue). Then, in the UI: the pupil's Progress section (a Chart.js line chart per goal that
// really draws, role="img" with the trend in words, the same figures in a table; the timeline
// with sessions per month, reviews held late / on time / overdue and the event) with no content
// security policy violation; the Plan section's "Print the plan"; the print view; "Save as PDF"
// into the folder the debug build's chooser answers with. The PDF starts with %PDF and its first
// page's text holds each goal's outcome and latest rating. Last, one review's print view (its
// attendees' scaling, ratings, decisions, Signs of Safety, amendment). Screenshots of each
// screen, axe-core on each, and the PDF's first page as a PNG beside them.
//
// The data-testids are the contract with the UI (ui/src):
//   pupil page: pupil-heading pupil-tab-progress pupil-tab-plan pupil-section-progress
//   progress: progress-goal-<goalId> progress-chart-<goalId> progress-table-<goalId>
//             progress-row-<goalId>-<n> timeline-chart timeline-table timeline-month-<YYYY-MM>
//             timeline-sessions-<YYYY-MM> timeline-review-<due date> timeline-event-<id>
//   plan: plan-print
//   print view: print-view print-header-line print-outcome-<goalId> print-latest-<goalId>
//               print-next-review print-save-pdf print-saved print-error print-back
//               (a review) print-attendees print-rating-<goalId> print-decision-<goalId> print-sos
//               print-amendments
//   the review (ReviewPage, the lead's): pupil-tab-reviews review-open-<due date> review-signed review-print

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { e2eTest, tid, waitFor } from './harness.mjs';
import { click, firstRun } from './steps.mjs';

const SCHOOL = 'Hillcrest Primary School';
const LEAD = 'Grace Mbeki';
const LEAD_PASS = 'copper kettle meadow sparrow 2208';
const PUPIL = { forename: 'Daniel', surname: 'Kowalski', preferred: 'Danny' };
// Baselines, ratings at the two reviews and targets differ, so "N out of 10" can only be the latest.
const GOALS = [
  { domain: 'belonging', outcome: 'Joins the lunchtime Lego club twice a week', baseline: 2, ratings: [4, 6], target: 8 },
  { domain: 'availability', outcome: 'Names two trusted adults and goes to them when upset', baseline: 3, ratings: [4, 5], target: 9 },
];
const EVENT = 'Moved from Year 4 to a mixed Year 4/5 class';
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `YYYY-MM-DD` of today plus `days` (UTC, as the app's clock). */
function isoPlus(days) {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
const ukDate = (iso) => `${Number(iso.slice(8, 10))} ${MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;

async function ok(app, cmd, args) {
  const r = await app.invoke(cmd, args);
  assert.equal(r.ok, true, `${cmd}: ${JSON.stringify(r.error)}`);
  return r.value;
}

async function textOf(s, id) {
  return (await s.waitFor(tid(id), { timeoutSec: 30 })).text();
}

/** Records and signs the review of `due` with these ratings (the lead signs reviews off by default). */
async function holdReview(app, planId, due, goals, ratings, n) {
  const review = await ok(app, 'prepare_review', { planId, dueDate: due });
  await ok(app, 'save_review_draft', {
    reviewId: review.id,
    input: {
      attendees: [
        { name: 'Grace Mbeki', role: 'Strategic lead', scaling: 5 + n },
        { name: 'Mr Kowalski', role: 'Parent', scaling: 6 },
      ],
      goals: goals.map((g, i) => ({ goal_id: g.id, rating: ratings[i], evidence: `Seen in review window ${n}`, decision: 'continue' })),
      pupil_voice: 'I like Lego club',
      parent_carer_voice: 'Happier at home time',
      working_well: 'Morning check-ins',
      worried_about: 'Wet play',
      needs_to_happen: 'A wet-play plan',
      next_steps: `Next steps ${n}`,
      new_goals: [],
      next_review_date: null,
    },
  });
  const signed = await ok(app, 'sign_review', { reviewId: review.id });
  assert.equal(signed.status, 'signed', `review ${n} is signed`);
  return signed;
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

const PICK_DIR = mkdtempSync(join(tmpdir(), 'attune-e2e-progress-pick-'));
after(() => {
  if (process.env.E2E_KEEP_VAULTS !== '1') rmSync(PICK_DIR, { recursive: true, force: true });
});

e2eTest(
  'progress charts and tables, the plan timeline, and the plan printed and saved as an A4 PDF',
  async (app) => {
    await app.launch({ env: { ATTUNE_E2E_PICK_DIR: PICK_DIR } });
    const s = app.session;
    await firstRun(app, { school: SCHOOL, name: LEAD, passphrase: LEAD_PASS, screenshots: false, axe: false, checks: false });

    // ---- Set-up through the real commands: a plan that started eleven weeks ago.
    const pupil = await ok(app, 'add_pupil', {
      input: {
        legal_forename: PUPIL.forename,
        legal_surname: PUPIL.surname,
        preferred_name: PUPIL.preferred,
        date_of_birth: '2016-02-11',
        year_group: 'Year 5',
        identifiers: [],
        care_status: null,
        support_level: null,
      },
    });
    const start = isoPlus(-77);
    const plan = await ok(app, 'start_plan', {
      pupilId: pupil.id,
      input: { framework_id: null, start, horizon_years: 2, cadence: { custom_weeks: 3 } },
    });
    const goals = [];
    for (const g of GOALS) {
      const made = await ok(app, 'add_goal', {
        planId: plan.id,
        input: { domain_id: g.domain, outcome: g.outcome, baseline: g.baseline, target: g.target, strategies: 'Daily check-in; a calm corner', who: 'Key adult and class teacher', how_often: 'Every morning', pp_plus_cost_pence: null },
      });
      goals.push({ ...g, id: made.id });
    }
    const sessionDays = [-70, -66, -40, -33, -30, -5];
    for (const [i, days] of sessionDays.entries()) {
      await ok(app, 'log_session', {
        pupilId: pupil.id,
        input: { held_on: isoPlus(days), minutes: 20 + i, kind: 'planned', regulation: 5, note: `Session ${i + 1}` },
      });
    }
    const eventOn = isoPlus(-45);
    const event = await ok(app, 'add_chronology_event', {
      pupilId: pupil.id,
      input: { occurred_on: eventOn, kind: 'transition', description: EVENT, safeguarding_ref: null },
    });
    const slots = await ok(app, 'list_reviews', { planId: plan.id });
    const past = slots.filter((x) => x.overdue);
    assert.ok(past.length >= 3, `three due dates have passed in eleven weeks of three-weekly reviews: ${JSON.stringify(slots)}`);
    const [r1, r2, r3] = past;
    await holdReview(app, plan.id, r1.due_date, goals, goals.map((g) => g.ratings[0]), 1);
    const review2 = await holdReview(app, plan.id, r2.due_date, goals, goals.map((g) => g.ratings[1]), 2);
    const today = isoPlus(0);
    const series = await ok(app, 'progress_series', { goalId: goals[0].id });
    assert.deepEqual(series.map((p) => p.rating), [GOALS[0].baseline, ...GOALS[0].ratings], 'baseline, then each signed rating');

    // ---- Progress, in the UI. CSP violations are collected from here on.
    await s.execute(
      `window.__csp = [];
       document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
    );
    await click(s, 'nav-pupils');
    await (await s.waitFor(`${tid(`pupils-row-${pupil.id}`)} a`, { timeoutSec: 30 })).click();
    await s.waitFor(tid('pupil-heading'), { timeoutSec: 30 });
    await click(s, 'pupil-tab-progress');
    await s.waitFor(tid('pupil-section-progress'));
    const table = await s.waitFor(tid(`progress-table-${goals[0].id}`), { timeoutSec: 30 });
    const rows = await s.execute(
      `return [...document.querySelectorAll('[data-testid="' + arguments[0] + '"] tbody tr')]
         .map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent.trim()).join(' '));`,
      [`progress-table-${goals[0].id}`],
    );
    assert.deepEqual(
      rows,
      [`${ukDate(start)} ${GOALS[0].baseline} Baseline`, `${ukDate(today)} ${GOALS[0].ratings[0]} Review`, `${ukDate(today)} ${GOALS[0].ratings[1]} Review`],
      'the table lists the baseline then each signed review, in order',
    );
    assert.match(await table.text(), /target 8/);
    for (const g of goals) {
      const canvas = await s.find(tid(`progress-chart-${g.id}`));
      assert.equal(await canvas.attribute('role'), 'img');
      assert.equal(
        await canvas.attribute('aria-label'),
        `Baseline ${g.baseline} on ${ukDate(start)}, latest ${g.ratings[1]} on ${ukDate(today)}, target ${g.target}`,
        'the chart says its trend in words',
      );
      // Chart.js really drew on the canvas (no CSP or runtime failure left it blank).
      await waitFor(async () => (await inkOn(s, `progress-chart-${g.id}`)) > 2000, { timeoutSec: 10, what: `ink on the chart of goal ${g.id}` });
    }
    await waitFor(async () => (await inkOn(s, 'timeline-chart')) > 1000, { timeoutSec: 10, what: 'ink on the sessions chart' });
    await s.execute('document.getElementById("progress-current-heading").scrollIntoView({ block: "start" });');
    await app.shot('progress');
    await app.axe('pupil progress');

    // The timeline: sessions by month, the reviews as they stand, the event in its month.
    const timeline = await s.find(tid('timeline-table'));
    await s.execute('arguments[0].scrollIntoView({ block: "start" });', [timeline]);
    const perMonth = new Map();
    for (const d of sessionDays) perMonth.set(isoPlus(d).slice(0, 7), (perMonth.get(isoPlus(d).slice(0, 7)) ?? 0) + 1);
    for (const [month, n] of perMonth) {
      assert.match(await textOf(s, `timeline-sessions-${month}`), new RegExp(`^${n} sessions?,`), `${n} session(s) in ${month}`);
    }
    // Both were signed today, after their due dates: held late.
    assert.match(await textOf(s, `timeline-review-${r1.due_date}`), new RegExp(`Held late on ${ukDate(today)}`));
    assert.match(await textOf(s, `timeline-review-${r2.due_date}`), new RegExp(`Held late on ${ukDate(today)}`));
    const overdue = await textOf(s, `timeline-review-${r3.due_date}`);
    assert.match(overdue, /Overdue/, `the third review is overdue, in words: ${overdue}`);
    assert.ok((await textOf(s, `timeline-month-${eventOn.slice(0, 7)}`)).includes(EVENT), 'the event is in its month');
    assert.equal((await s.findAll(tid(`timeline-event-${event.id}`))).length, 1);
    await app.shot('progress-timeline');

    const csp = await s.execute('return window.__csp;');
    assert.deepEqual(csp, [], 'no content security policy violation while the charts drew');
    // The listener does hear violations: an inline <style> (which the CSP forbids) is reported.
    await s.execute(`const st = document.createElement('style'); st.id = 'csp-probe'; st.textContent = 'p { color: red }'; document.head.append(st);`);
    await waitFor(async () => (await s.execute('return window.__csp.length;')) > 0, { timeoutSec: 5, what: 'the probe reported as a CSP violation' });
    await s.execute(`document.getElementById('csp-probe').remove();`);

    // ---- The plan's print view.
    await click(s, 'pupil-tab-plan');
    await click(s, 'plan-print');
    await s.waitFor(tid('print-view'), { timeoutSec: 30 });
    assert.match(await textOf(s, 'print-header-line'), new RegExp(`${PUPIL.preferred} ${PUPIL.surname}.*Confidential`, 'i'));
    for (const g of goals) {
      assert.equal((await textOf(s, `print-outcome-${g.id}`)).trim(), g.outcome);
      assert.match(await textOf(s, `print-latest-${g.id}`), new RegExp(`^${g.ratings[1]} out of 10`));
    }
    const next = slots.find((x) => x.next);
    assert.ok(next, 'the plan has a next review');
    assert.equal((await textOf(s, 'print-next-review')).trim(), ukDate(next.due_date));
    await app.shot('plan-print-view');
    await app.axe('plan print view');

    // ---- Save as PDF: the chooser answers <PICK_DIR>/Attune plan.pdf; WebKit prints the page to it.
    await click(s, 'print-save-pdf');
    const outcome = await waitFor(
      async () => {
        if ((await s.findAll(tid('print-saved'))).length) return 'saved';
        const err = await s.findAll(tid('print-error'));
        return err.length ? `error: ${await err[0].text()}` : null;
      },
      { timeoutSec: 90, what: 'the PDF saved, or an error' },
    );
    assert.equal(outcome, 'saved', 'the PDF was saved');
    const pdf = join(PICK_DIR, 'Attune plan.pdf');
    assert.match(await textOf(s, 'print-saved'), new RegExp(`Saved to ${pdf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await app.shot('plan-saved-as-pdf');
    assert.ok(existsSync(pdf), `the PDF is where it was chosen: ${pdf}`);
    const bytes = readFileSync(pdf);
    assert.equal(bytes.subarray(0, 4).toString('latin1'), '%PDF', 'the file is a PDF');
    const info = spawnSync('pdfinfo', [pdf], { encoding: 'utf8' });
    assert.equal(info.status, 0, `pdfinfo: ${info.stderr}`);
    assert.match(info.stdout, /Page size:\s+595(\.\d+)? x 84[12](\.\d+)? pts \(A4\)/, `an A4 page: ${info.stdout}`);
    const first = spawnSync('pdftotext', ['-f', '1', '-l', '1', pdf, '-'], { encoding: 'utf8' });
    assert.equal(first.status, 0, `pdftotext: ${first.stderr}`);
    const page1 = first.stdout.replace(/\s+/g, ' ');
    app.log(`PDF page 1: ${page1.slice(0, 1500)}`);
    // Real words, whatever fonts the machine has: a search or a screen reader must find them.
    assert.match(page1, /\bconfidential\b/i, `page 1 says Confidential as one word: ${page1.slice(0, 300)}`);
    assert.ok(!/[\uFB00-\uFB06]/.test(page1), 'no ligature glyphs stand in for letters in the PDF text');
    const whole = spawnSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
    assert.equal(whole.status, 0, `pdftotext: ${whole.stderr}`);
    assert.match(whole.stdout.replace(/\s+/g, ' '), /Confidential: keep it safe/, 'the footer warning is in the PDF as words');
    assert.ok(page1.includes(`${PUPIL.preferred} ${PUPIL.surname}`), `page 1 names the pupil: ${page1.slice(0, 400)}`);
    for (const [i, g] of goals.entries()) {
      const at = page1.indexOf(g.outcome);
      assert.ok(at >= 0, `page 1 holds the goal "${g.outcome}": ${page1.slice(0, 1500)}`);
      const end = i + 1 < goals.length ? page1.indexOf(goals[i + 1].outcome) : page1.length;
      const part = page1.slice(at, end > at ? end : page1.length);
      assert.ok(part.includes(`${g.ratings[1]} out of 10 (${ukDate(today)})`), `page 1 gives goal ${i + 1}'s latest rating, ${g.ratings[1]}: ${part}`);
    }
    // None of the app's screen (header, buttons, section links) is in the document.
    for (const chrome of ['Save as PDF', 'Back to the pupil', 'My account', 'Lock']) {
      assert.ok(!page1.includes(chrome), `the PDF has no "${chrome}" from the app's screen`);
    }
    // The first page as an image beside the screenshots, to look at.
    app.n += 1; // numbered in turn with the screenshots
    const png = spawnSync(
      'pdftoppm',
      ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', pdf, join(app.dir, `${String(app.n).padStart(2, '0')}-plan-pdf-page-1`)],
      { encoding: 'utf8' },
    );
    assert.equal(png.status, 0, `pdftoppm: ${png.stderr}`);

    // Printing and saving are audited, with ids only.
    const audit = await ok(app, 'audit_entries', { query: { action_prefix: 'plan.' } });
    assert.ok(audit.some((e) => e.action === 'plan.pdf'), `plan.pdf audited: ${audit.map((e) => e.action).join(', ')}`);
    assert.ok(!JSON.stringify(audit).includes('Lego'), 'no goal text in the audit log');

    await click(s, 'print-back');
    await s.waitFor(tid('plan-summary'), { timeoutSec: 30 });

    // ---- One review's print view (opened from the review page): its whole record.
    await ok(app, 'amend_review', { reviewId: review2.id, reason: 'Parent scaling misheard', text: 'Mr Kowalski scaled 7, not 6' });
    await click(s, 'pupil-tab-reviews');
    await click(s, `review-open-${r2.due_date}`, { timeoutSec: 30 });
    await s.waitFor(tid('review-signed'), { timeoutSec: 30 });
    await click(s, 'review-print');
    await s.waitFor(tid('print-view'), { timeoutSec: 30 });
    const attendees = await s.execute(
      `return [...document.querySelectorAll('[data-testid="print-attendees"] tbody tr')]
         .map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent.trim()).join(' | '));`,
    );
    assert.deepEqual(attendees, ['Grace Mbeki | Strategic lead | 7', 'Mr Kowalski | Parent | 6'], 'attendees with their own scaling');
    for (const [i, g] of goals.entries()) {
      assert.match(await textOf(s, `print-rating-${g.id}`), new RegExp(`^${g.ratings[1]} out of 10`), `goal ${i + 1}'s rating at this review`);
      assert.equal((await textOf(s, `print-decision-${g.id}`)).trim(), 'Continue');
    }
    const sos = await textOf(s, 'print-sos');
    for (const col of ['Morning check-ins', 'Wet play', 'A wet-play plan']) assert.ok(sos.includes(col), `Signs of Safety: ${col}`);
    assert.match(await textOf(s, 'print-amendments'), /Parent scaling misheard/);
    await app.shot('review-print-view');
    await app.axe('review print view');
    await click(s, 'print-save-pdf');
    await s.waitFor(tid('print-saved'), { timeoutSec: 90 });
    const reviewPdf = join(PICK_DIR, 'Attune review.pdf');
    const reviewText = spawnSync('pdftotext', [reviewPdf, '-'], { encoding: 'utf8' });
    assert.equal(reviewText.status, 0, `pdftotext: ${reviewText.stderr}`);
    const reviewAll = reviewText.stdout.replace(/\s+/g, ' ');
    for (const bit of [...GOALS.map((g) => g.outcome), 'Mr Kowalski scaled 7, not 6', 'A wet-play plan']) {
      assert.ok(reviewAll.includes(bit), `the review PDF holds "${bit}"`);
    }
    app.n += 1;
    const reviewPng = spawnSync(
      'pdftoppm',
      ['-png', '-r', '60', '-f', '1', '-l', '2', reviewPdf, join(app.dir, `${String(app.n).padStart(2, '0')}-review-pdf-page`)],
      { encoding: 'utf8' },
    );
    assert.equal(reviewPng.status, 0, `pdftoppm: ${reviewPng.stderr}`);
  },
  { timeoutSec: 600 },
);
