// Measure the real app, as a person meets it: time from launch to the first screen being
// drawn, unlock time through the window, and resident memory after unlock (the app process
// and the WebKit processes it starts). Not a test: a command that prints figures.
//
//   xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- env NO_AT_BRIDGE=1 \
//     ATTUNE_APP=$CARGO_TARGET_DIR/release/attune node tests/e2e/measure-app.mjs
//
// Prints one JSON object. Runs the app on a fresh temporary vault.

import { readFileSync, readdirSync } from 'node:fs';
import { AppTest, appBinary, appPidsFor, stopDriver, tid, waitFor } from './harness.mjs';

const PASSPHRASE = 'correct horse battery staple 1917';

function rssKiB(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) : 0;
}

/** Proportional set size: shared library pages divided among the processes sharing them. */
function pssKiB(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+) kB/m);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function childrenOf(pid) {
  const out = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name), ...childrenOf(Number(name)));
    } catch {
      /* gone */
    }
  }
  return out;
}

async function fill(s, id, text) {
  const el = await s.waitFor(tid(id));
  await el.sendKeys(text);
}

const app = new AppTest('measure-app', null);
await app.init();
try {
  const t0 = performance.now();
  const s = await app.launch();
  await s.waitFor(tid('setup-school'), { timeoutSec: 60 });
  const firstScreenMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 1500));
  const [pid0] = appPidsFor(app.vaultDir);
  const appRssBefore = rssKiB(pid0);
  const kidsRssBefore = childrenOf(pid0).reduce((a, p) => a + rssKiB(p), 0);

  await fill(s, 'setup-school', 'Measure Primary');
  await fill(s, 'setup-name', 'Sam Measure');
  await fill(s, 'setup-passphrase', PASSPHRASE);
  await fill(s, 'setup-confirm', PASSPHRASE);
  await (await s.waitFor(tid('setup-submit'))).click();
  const key = await s.waitFor(tid('recovery-key'));
  await waitFor(async () => (await key.text()).trim().length > 0, { what: 'the recovery key' });
  const groups = [];
  for (let i = 1; i <= 8; i++) groups.push((await (await s.waitFor(tid(`recovery-group-${i}`))).text()).trim());
  const kept = await s.waitFor(tid('recovery-kept'), { visible: false });
  await kept.click();
  await (await s.waitFor(tid('recovery-continue'))).click();
  for (let i = 1; i <= 8; i++) {
    const inputs = await s.findAll(tid(`confirm-group-${i}`));
    if (inputs.length) await inputs[0].sendKeys(groups[i - 1]);
  }
  await (await s.waitFor(tid('confirm-submit'))).click();
  await s.waitFor(tid('home-heading'), { timeoutSec: 30 });

  // Lock, then unlock through the window, timed from the click to the home screen.
  await (await s.waitFor(tid('lock-button'))).click();
  await fill(s, 'unlock-passphrase', PASSPHRASE);
  const t1 = performance.now();
  await (await s.waitFor(tid('unlock-submit'))).click();
  await s.waitFor(tid('home-heading'), { timeoutSec: 30 });
  const unlockMs = performance.now() - t1;
  await new Promise((r) => setTimeout(r, 1500)); // let the page settle

  const [pid] = appPidsFor(app.vaultDir);
  const kids = childrenOf(pid);
  const appRss = rssKiB(pid);
  const kidsRss = kids.reduce((a, p) => a + rssKiB(p), 0);
  console.log(
    JSON.stringify(
      {
        binary: appBinary(),
        launch_to_first_screen_ms: Math.round(firstScreenMs),
        unlock_click_to_home_ms: Math.round(unlockMs),
        rss_first_screen_app_mib: +(appRssBefore / 1024).toFixed(1),
        rss_first_screen_webkit_children_mib: +(kidsRssBefore / 1024).toFixed(1),
        rss_after_unlock_app_mib: +(appRss / 1024).toFixed(1),
        rss_after_unlock_webkit_children_mib: +(kidsRss / 1024).toFixed(1),
        rss_after_unlock_total_mib: +((appRss + kidsRss) / 1024).toFixed(1),
        pss_after_unlock_app_mib: +(pssKiB(pid) / 1024).toFixed(1),
        pss_after_unlock_total_mib: +((pssKiB(pid) + kids.reduce((a, p) => a + pssKiB(p), 0)) / 1024).toFixed(1),
        webkit_children: kids.length,
      },
      null,
      2,
    ),
  );
} finally {
  await app.dispose();
  stopDriver();
}
