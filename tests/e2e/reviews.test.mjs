// Issue 4, black-box: a key adult holds a structured review in the real Attune window.
//
// The strategic lead sets up the vault and lets key adults sign reviews off (Settings, through
// the UI); the key adult, their pupil, a plan that started ten weeks ago with two goals and a
// session are made through the real commands (the screens for those are driven in
// records.test.mjs). Then, in the UI, the key adult: sees the overdue review on the caseload and
// the pupil's Reviews section, opens it pre-filled (goals, the session), records it (attendees
// with their scaling, ratings, evidence, decisions, voices, Signs of Safety, next steps) and
// sees it saved as a draft as they type, signs it off, cannot edit it (the backend refuses a
// direct save with "not_permitted"), adds an amendment shown beside the original, sees the
// progress chart with its table, and opens the print view, which is saved as a PDF whose first
// page holds the goal outcomes. Screenshots of every screen, axe-core on each.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { e2eTest, tid, waitFor } from './harness.mjs';
import { click, fill, firstRun, tick, unlockAs } from './steps.mjs';

const SCHOOL = 'Brookside Academy';
const LEAD = 'Priya Shah';
const LEAD_PASS = 'correct horse battery staple 1917';
const KEY_ADULT = 'Tom Reilly';
const KEY_ADULT_PASS = 'paper lantern orchard violin 4471';
const GOALS = ['Joins a lunchtime club twice a week', 'Names two trusted adults in school'];
const AMENDMENT = 'The carer attended by phone, not in person';

/** `YYYY-MM-DD` of today plus `days` (UTC, as the app's clock). */
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

async function textOf(s, id) {
  return (await s.waitFor(tid(id), { timeoutSec: 30 })).text();
}

const PICK_DIR = mkdtempSync(join(tmpdir(), 'attune-e2e-reviews-pick-'));

e2eTest(
  'key adult: an overdue review prepared, recorded, signed, refused an edit, amended; progress and print to PDF',
  async (app) => {
    await app.launch({ env: { ATTUNE_E2E_PICK_DIR: PICK_DIR } });
    const s = app.session;
    await firstRun(app, { school: SCHOOL, name: LEAD, passphrase: LEAD_PASS, screenshots: false, axe: false, checks: false });

    // ---- The lead lets key adults sign off, through Settings.
    await click(s, 'nav-settings');
    await tick(s, 'review-sign-off-key_adult');
    await click(s, 'review-settings-save');
    assert.match(await textOf(s, 'review-settings-saved'), /key adult signs reviews off/);
    await app.shot('settings-review-sign-off');
    await app.axe('settings, who signs reviews off');

    // ---- Set-up through the real commands.
    const lead = (await ok(app, 'list_users')).find((u) => u.name === LEAD);
    const ka = await ok(app, 'add_user', { req: { name: KEY_ADULT, role: 'key_adult', passphrase: KEY_ADULT_PASS } });
    const pupil = await ok(app, 'add_pupil', {
      input: {
        legal_forename: 'Olivia',
        legal_surname: 'Mensah',
        preferred_name: 'Liv',
        date_of_birth: '2015-05-09',
        year_group: 'Year 6',
        identifiers: [],
        care_status: 'Looked after',
        support_level: 'Intensive',
      },
    });
    await ok(app, 'assign_key_adult', { pupilId: pupil.id, keyAdultId: ka.id, from: null });
    const start = isoPlus(-70);
    const plan = await ok(app, 'start_plan', {
      pupilId: pupil.id,
      input: { framework_id: null, start, horizon_years: 2, cadence: 'six_weekly' },
    });
    const goals = [];
    for (const [i, outcome] of GOALS.entries()) {
      goals.push(
        await ok(app, 'add_goal', {
          planId: plan.id,
          input: { domain_id: i === 0 ? 'belonging' : 'availability', outcome, baseline: 2 + i, target: 8, strategies: 'Daily check-in', who: 'Key adult', how_often: 'Daily', pp_plus_cost_pence: null },
        }),
      );
    }
    await ok(app, 'log_session', {
      pupilId: pupil.id,
      input: { held_on: isoPlus(-63), minutes: 25, kind: 'planned', regulation: 6, note: 'Made a feelings thermometer' },
    });
    const slots = await ok(app, 'list_reviews', { planId: plan.id });
    const due = slots.find((x) => x.overdue);
    assert.ok(due, `a review of a plan that started ten weeks ago is overdue: ${JSON.stringify(slots)}`);

    await click(s, 'lock-button');
    await s.waitFor(tid('unlock-passphrase'), { timeoutSec: 30 });

    // ---- The key adult: the overdue review from the caseload.
    await unlockAs(app, { name: KEY_ADULT, userId: ka.id }, KEY_ADULT_PASS);
    await s.waitFor(tid('caseload-table'), { timeoutSec: 30 });
    assert.match(await textOf(s, `caseload-row-${pupil.id}`), /Overdue/, 'the caseload says the review is overdue, in words');
    await app.shot('caseload-review-overdue');
    await click(s, `review-link-${pupil.id}`);
    await s.waitFor(tid('reviews-table'), { timeoutSec: 30 });
    assert.match(await textOf(s, `review-slot-${due.due_date}`), /Overdue/);
    await app.shot('pupil-reviews');
    await app.axe('pupil reviews section');

    await click(s, `review-open-${due.due_date}`);
    await s.waitFor(tid('review-form'), { timeoutSec: 30 });
    assert.match(await textOf(s, 'prefill-sessions'), /feelings thermometer/, 'the session since the plan began is pre-filled');
    for (const g of goals) assert.ok((await textOf(s, `review-goal-${g.id}`)).includes(g.outcome), 'each active goal is on the form');
    await app.shot('review-prepared');
    await app.axe('review form, pre-filled');

    // Record it.
    await click(s, 'attendee-add');
    await fill(s, 'attendee-0-name', 'Ms Green');
    await fill(s, 'attendee-0-role', 'Foster carer');
    await (await s.find(tid('attendee-0-scaling'))).click();
    await s.execute(
      `const el = document.querySelector('[data-testid="attendee-0-scaling"]'); el.value = '7'; el.dispatchEvent(new Event('change', { bubbles: true }));`,
    );
    for (const [i, g] of goals.entries()) {
      await s.execute(
        `const el = document.querySelector('[data-testid="goal-${g.id}-rating"]'); el.value = '${6 + i}'; el.dispatchEvent(new Event('change', { bubbles: true }));`,
      );
      await fill(s, `goal-${g.id}-evidence`, `Seen ${i + 2} times this half term`);
      await tick(s, `goal-${g.id}-decision-${i === 1 ? 'achieved' : 'continue'}`);
    }
    await fill(s, 'review-pupil-voice', 'I like helping in the library');
    await fill(s, 'review-parent-voice', 'Calmer at bedtime');
    await fill(s, 'review-working-well', 'Morning check-ins');
    await fill(s, 'review-worried-about', 'Lunchtimes on wet days');
    await fill(s, 'review-needs-to-happen', 'A wet-play plan');
    await fill(s, 'review-next-steps', 'Try the lunchtime club on Fridays too');
    await waitFor(async () => /Draft saved at/.test(await textOf(s, 'review-save-state')), {
      timeoutSec: 30,
      what: 'the draft saved as it is typed',
    });
    const draft = await ok(app, 'get_review', { reviewId: (await ok(app, 'list_reviews', { planId: plan.id })).find((x) => x.due_date === due.due_date).review_id });
    assert.equal(draft.status, 'draft');
    assert.equal(draft.content.next_steps, 'Try the lunchtime club on Fridays too', 'the last field typed reached the vault');
    assert.deepEqual(draft.content.attendees, [{ name: 'Ms Green', role: 'Foster carer', scaling: 7 }]);
    await app.shot('review-recorded-draft');
    await app.axe('review form, filled in');

    // Sign it off.
    await click(s, 'review-sign');
    await s.waitFor(tid('sign-confirm'));
    await app.shot('review-sign-confirm');
    await click(s, 'sign-confirm-yes');
    await s.waitFor(tid('review-signed'), { timeoutSec: 30 });
    assert.match(await textOf(s, 'review-signed-by'), new RegExp(`Signed off by ${KEY_ADULT}`));
    await app.shot('review-signed');
    await app.axe('review, signed off');

    // An edit is refused by the backend (the UI offers none).
    assert.equal((await s.findAll(tid('review-form'))).length, 0, 'no form for a signed review');
    const refused = await app.invoke('save_review_draft', { reviewId: draft.id, input: { ...draft.content, pupil_voice: 'changed' } });
    assert.equal(refused.ok, false, 'saving over a signed review is refused');
    assert.equal(refused.error?.kind, 'not_permitted', JSON.stringify(refused.error));
    const after = await ok(app, 'get_review', { reviewId: draft.id });
    assert.equal(after.content.pupil_voice, 'I like helping in the library', 'the signed review is unchanged');

    // An amendment, beside the original.
    await fill(s, 'amend-reason', 'Attendance recorded wrongly');
    await fill(s, 'amend-text', AMENDMENT);
    await click(s, 'amend-save');
    await waitFor(async () => (await textOf(s, 'review-amendments')).includes(AMENDMENT), { timeoutSec: 30, what: 'the amendment listed' });
    const amended = await ok(app, 'get_review', { reviewId: draft.id });
    assert.equal(amended.amendments.length, 1);
    assert.equal(amended.amendments[0].author?.name, KEY_ADULT);
    await app.shot('review-amended');
    await app.axe('review with an amendment');

    // The achieved goal left the active plan; the progress chart shows the ratings.
    const planNow = await ok(app, 'get_plan', { planId: plan.id });
    assert.equal(planNow.goals.find((g) => g.id === goals[1].id).status, 'achieved');
    const series = await ok(app, 'progress_series', { goalId: goals[0].id });
    assert.deepEqual(series.map((p) => p.rating), [2, 6], 'baseline then the signed rating');
    await click(s, 'review-back');
    await click(s, 'pupil-tab-progress');
    await s.waitFor(tid(`progress-chart-${goals[0].id}`), { timeoutSec: 30 });
    const table = await textOf(s, `progress-table-${goals[0].id}`);
    assert.ok(table.includes('6') && table.includes('2'), `the progress table lists baseline and rating: ${table}`);
    await app.shot('pupil-progress');
    await app.axe('pupil progress');

    // The print view of the review, saved as a PDF.
    await click(s, 'pupil-tab-reviews');
    await click(s, `review-open-${due.due_date}`);
    await s.waitFor(tid('review-signed'), { timeoutSec: 30 });
    await click(s, 'review-print');
    await s.waitFor(tid('print-view'), { timeoutSec: 30 });
    await app.shot('review-print-view');
    await app.axe('review print view');
    await click(s, 'print-save-pdf');
    await s.waitFor(tid('print-saved'), { timeoutSec: 90 });
    const pdfs = readdirSync(PICK_DIR).filter((f) => f.endsWith('.pdf'));
    assert.equal(pdfs.length, 1, `one PDF written where chosen: ${pdfs}`);
    const pdf = join(PICK_DIR, pdfs[0]);
    assert.equal(readFileSync(pdf).subarray(0, 5).toString('latin1'), '%PDF-', 'a PDF file');
    const first = spawnSync('pdftotext', ['-f', '1', '-l', '1', '-layout', pdf, '-'], { encoding: 'utf8' });
    assert.equal(first.status, 0, `pdftotext: ${first.stderr}`);
    const page1 = first.stdout.replace(/\s+/g, ' ');
    for (const outcome of GOALS) assert.ok(page1.includes(outcome), `page 1 holds the goal "${outcome}": ${page1.slice(0, 800)}`);
    assert.ok(/Achieved/.test(page1) && /Continue/.test(page1), `page 1 holds the decisions: ${page1.slice(0, 800)}`);
    // The first page as an image beside the screenshots, to look at.
    const png = spawnSync('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', '-singlefile', pdf, join(app.dir, `${String(app.n + 1).padStart(2, '0')}-review-pdf-page-1`)], { encoding: 'utf8' });
    assert.equal(png.status, 0, `pdftoppm: ${png.stderr}`);

    // The sign-off, amendment and PDF are in the audit log the lead reads (no content there).
    await click(s, 'lock-button');
    await s.waitFor(tid('unlock-passphrase'), { timeoutSec: 30 });
    await unlockAs(app, { name: LEAD, userId: lead.id }, LEAD_PASS);
    const audit = await ok(app, 'audit_entries', { query: { action_prefix: 'review.' } });
    const actions = audit.map((e) => e.action);
    for (const a of ['review.prepare', 'review.update', 'review.sign', 'review.amend', 'review.pdf']) {
      assert.ok(actions.includes(a), `audited ${a}: ${actions.join(', ')}`);
    }
    assert.ok(!JSON.stringify(audit).includes('library'), 'no review content in the audit log');
  },
  { timeoutSec: 600 },
);
