// Issue 15, item 6, black-box: a strategic lead manages the school's support levels in
// Settings, in the real window: moves one down by keyboard, renames one (the pupil holding it
// follows), retires one (no longer offered on the pupil form, still on the pupil who holds
// it). The oracle outside the screen: the lists and the pupil read back over IPC.
//
// data-testids: nav-settings lists-support_level lists-support_level-down-N
//   lists-support_level-rename-N lists-rename-save lists-support_level-retire-N
//   lists-support_level-retired-N lists-saved

import assert from 'node:assert/strict';
import { e2eTest, tid, Keys } from './harness.mjs';
import { click, fill, firstRun } from './steps.mjs';

async function ok(app, cmd, args) {
  const r = await app.invoke(cmd, args);
  assert.equal(r.ok, true, `${cmd}: ${JSON.stringify(r.error)}`);
  return r.value;
}

e2eTest('a strategic lead reorders, renames and retires support levels in Settings', async (app) => {
  await app.launch();
  const s = app.session;
  await firstRun(app, { school: 'Brookside Primary', name: 'Sam Okafor', passphrase: 'correct horse battery staple 1917', screenshots: false, axe: false, checks: false });
  const held = await ok(app, 'add_pupil', {
    input: {
      legal_forename: 'Orla',
      legal_surname: 'Quillfeather',
      preferred_name: null,
      date_of_birth: '2016-05-02',
      year_group: 'Year 5',
      identifiers: [],
      care_status: null,
      support_level: 'Intensive',
      relationship_start: null,
      relationship_planned_end: null,
    },
  });

  await click(s, 'nav-settings');
  await s.waitFor(tid('lists-support_level'), { timeoutSec: 30 });
  // By keyboard: focus "Move down" of the first level and press Enter.
  const down = await s.find(tid('lists-support_level-down-0'));
  await s.execute('arguments[0].focus();', [down]);
  await s.keys(Keys.ENTER);
  await s.waitFor(tid('lists-saved'), { timeoutSec: 20 });
  let lists = await ok(app, 'pick_lists', {});
  assert.deepEqual(lists.support_levels, ['Additional', 'Universal', 'Intensive']);

  await click(s, 'lists-support_level-rename-2');
  await fill(s, 'lists-rename-input', 'Enhanced');
  await click(s, 'lists-rename-save');
  await s.waitForGone(tid('lists-rename-input'), { timeoutSec: 20 });
  assert.match(await (await s.find(tid('lists-saved'))).text(), /Renamed Intensive to Enhanced/);
  await click(s, 'lists-support_level-retire-0');
  await s.waitFor(tid('lists-support_level-retired-0'), { timeoutSec: 20 });
  await s.execute('arguments[0].scrollIntoView({ block: "center" });', [await s.find(tid('lists-support_level'))]);
  await app.shot('school-lists');
  await app.axe('school lists');

  lists = await ok(app, 'pick_lists', {});
  assert.deepEqual(lists.support_levels, ['Universal', 'Enhanced'], 'Additional retired, Intensive renamed');
  assert.deepEqual(
    lists.support_level_items.map((i) => [i.label, i.retired]),
    [['Additional', true], ['Universal', false], ['Enhanced', false]],
  );
  const pupil = await ok(app, 'get_pupil', { pupilId: held.id });
  assert.equal(pupil.support_level, 'Enhanced', 'the pupil holding the old name follows the rename');
});
