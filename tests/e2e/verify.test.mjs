// Issue 15, item 7, black-box: a strategic lead checks the vault from Settings, in the real
// window: the full check (every page's seal, the database's structure, the audit trail's chain,
// the key slots against their copy) runs with a progress bar and ends in a plain report.
// The oracle outside the screen: the audit log (IPC) holds the check's `vault.verify` row.
//
// data-testids: nav-settings check-vault check-vault-run check-vault-result check-vault-counts

import assert from 'node:assert/strict';
import { e2eTest, tid } from './harness.mjs';
import { click, firstRun } from './steps.mjs';

async function ok(app, cmd, args) {
  const r = await app.invoke(cmd, args);
  assert.equal(r.ok, true, `${cmd}: ${JSON.stringify(r.error)}`);
  return r.value;
}

e2eTest('a strategic lead checks a healthy vault from Settings and reads that all is well', async (app) => {
  await app.launch();
  const s = app.session;
  await firstRun(app, { school: 'Brookside Primary', name: 'Sam Okafor', passphrase: 'correct horse battery staple 1917', screenshots: false, axe: false, checks: false });
  // Something in the vault, so the check has pages and entries to read.
  for (const [forename, surname] of [['Orla', 'Quillfeather'], ['Theo', 'Brightwater']]) {
    await ok(app, 'add_pupil', {
      input: {
        legal_forename: forename,
        legal_surname: surname,
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
  }

  await click(s, 'nav-settings');
  await s.waitFor(tid('check-vault'), { timeoutSec: 30 });
  await click(s, 'check-vault-run');
  const result = await s.waitFor(tid('check-vault-result'), { timeoutSec: 120 });
  assert.match(
    await result.text(),
    /All is well: every page of the vault is intact, the audit trail's chain is unbroken, the key slots match their copy\./,
  );
  const counts = await (await s.find(tid('check-vault-counts'))).text();
  const m = counts.match(/Checked (\d+) pages? and (\d+) audit entr/);
  assert.ok(m, `counts: "${counts}"`);
  assert.ok(Number(m[1]) > 1 && Number(m[2]) > 1, `pages and entries were read: "${counts}"`);
  // The button is back (the check ended), and there is no problem listed.
  assert.equal((await s.findAll('[data-testid^="check-vault-problem-"]')).length, 0);
  await s.execute('arguments[0].scrollIntoView({ block: "center" });', [await s.find(tid('check-vault'))]);
  await app.shot('check-vault-all-well');
  await app.axe('check the vault: all is well');

  const entries = await ok(app, 'audit_entries', { query: { action_prefix: 'vault.verify', user_id: null, from: null, to: null, limit: 10 } });
  assert.equal(entries.length, 1, `one check audited: ${JSON.stringify(entries)}`);
  assert.equal(entries[0].outcome, 'ok');
});
