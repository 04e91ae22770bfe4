// Measure the real window while the day's automatic backup of a 500-pupil vault runs (issue 14,
// "Measured"): IPC round trips from the page (open a pupil, as its page does) and the gaps between
// the frames the page draws, with and without the backup. Not a test: a command that prints figures.
//
//   xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- env NO_AT_BRIDGE=1 \
//     ATTUNE_APP=$CARGO_TARGET_DIR/release/attune \
//     ATTUNE_ADMIN=$CARGO_TARGET_DIR/release/attune-admin \
//     MEASURE_VAULT=/tmp/attune-demo-large \
//     node tests/e2e/measure-backup.mjs
//
// Build both first: `tests/node_modules/.bin/tauri build --no-bundle` (the app, release, UI
// embedded; as .ci/launch does) and `cargo build --release -p attune-admin`. ATTUNE_APP and
// ATTUNE_ADMIN default to those release binaries under $CARGO_TARGET_DIR.
//
// The vault: `attune-admin --vault DIR --user "Ada Measure" demo --size large` (500 pupils, three
// years of history each; the passphrase through ATTUNE_PASSPHRASE). With MEASURE_VAULT set, that
// folder is used, and generated first when it holds no vault (so a second run reuses it); without
// it, one is generated in a temporary folder and removed afterwards. Either way the app runs on a
// copy (without its `backups/` folder, so today's backup is due), and the original is not touched.
// MEASURE_USER and MEASURE_PASSPHRASE name the lead and the passphrase (defaults below; a reused
// vault must have been made with them). BASELINE_SECS (default 10) sets each phase without the
// backup. MEASURE_OUT=FILE writes the JSON to FILE too (stdout also carries what dbus-run-session
// and node:test print).
//
// What it does: unlocks through the window as the strategic lead, then runs in the page (WebDriver
// executeScript) a requestAnimationFrame loop recording when each frame ran, a listener for the
// `work-progress` events, and, in phases, a loop of IPC round trips `open_pupil(id, 100)` over the
// caseload's pupils (`window.__TAURI_INTERNALS__.invoke`, one at a time, 20 ms apart), each timed
// with performance.now() from the call to its answer (serialising, the command, deserialising):
//   1. baseline   — the IPC loop for BASELINE_SECS, no backup (its calls count as activity, so the
//                   backup cannot start);
//   2. idle       — no IPC: the app sees a pause, and after 20 s (watch.rs, BACKUP_AFTER_IDLE)
//                   starts the automatic backup; only frames are recorded;
//   3. backup     — from the backup's first `work-progress` event (op "auto-backup") the page starts
//                   the IPC loop at once, and stops it at its last ("finished", "stopped", "failed");
//   4. after      — the IPC loop for BASELINE_SECS more, the backup done.
// Prints one JSON object: per phase the round trips (n, p50, p95, max) and the frame gaps (median,
// p95, max, the largest five, how many exceed 50 and 100 ms), the backup's duration (first to last
// event, as the page heard them), the vault's size and the backup's, and the load average.

import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { cpus, homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AppTest, appBinary, sleep, stopDriver } from './harness.mjs';
import { unlockAs } from './steps.mjs';

const TARGET = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache/attune/target');
process.env.ATTUNE_APP ||= join(TARGET, 'release/attune'); // harness.mjs reads it when launching
const ADMIN = process.env.ATTUNE_ADMIN || join(TARGET, 'release/attune-admin');
const USER = process.env.MEASURE_USER || 'Ada Measure';
const PASSPHRASE = process.env.MEASURE_PASSPHRASE || 'correct horse battery staple 1917';
const BASELINE_SECS = Number(process.env.BASELINE_SECS || 10);
const SESSION_LIMIT = 100; // what the pupil's page asks for (PupilPage.svelte)
const PAUSE_MS = 20; // between round trips
const WAIT_FOR_BACKUP_SECS = 90; // 20 s pause + a 2 s tick + slack
const BACKUP_TIMEOUT_SECS = 600;


const FRAME_NOTE =
  'Under Xvfb there is no vsync and nothing reaches a real display: WebKitGTK paces ' +
  'requestAnimationFrame with its own timer (about 60 Hz, see median_gap_ms), and a frame is the ' +
  "web process running the page's frame callback and rendering in software. A frame gap is the time " +
  'between two consecutive rAF callbacks in the page (performance.now()): how long the page could not ' +
  'run a frame, because its main thread or the compositor, or the app process feeding it, was busy. ' +
  'It says the window kept (or did not keep) producing frames, not that pixels were presented.';

function loadavg() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}

function dirBytes(dir, skip = () => false) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (skip(p)) continue;
    if (e.isDirectory()) n += dirBytes(p, skip);
    else if (e.isFile()) n += statSync(p).size;
  }
  return n;
}

const mib = (b) => +(b / 1024 / 1024).toFixed(1);
const r1 = (x) => (x === null || x === undefined ? null : +x.toFixed(1));

/** Nearest-rank percentile of an ascending array. */
function pct(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function ipcStats(samples) {
  const ms = samples.filter((s) => s.ok).map((s) => s.ms).sort((a, b) => a - b);
  return {
    n: ms.length,
    errors: samples.filter((s) => !s.ok).length,
    p50_ms: r1(pct(ms, 0.5)),
    p95_ms: r1(pct(ms, 0.95)),
    max_ms: r1(ms[ms.length - 1]),
  };
}

/** Gaps between consecutive frames that both ran within [from, to]; `origin` dates the largest. */
function frameStats(frames, from, to, origin) {
  const inside = frames.filter((t) => t >= from && t <= to);
  const gaps = [];
  for (let i = 1; i < inside.length; i++) gaps.push({ at: inside[i - 1], ms: inside[i] - inside[i - 1] });
  // The gap from the last frame before the window to its first frame, and from its last frame to
  // the first one after it, count too: a stall across the edge is still a stall inside the window.
  const before = frames.filter((t) => t < from).pop();
  const after = frames.find((t) => t > to);
  if (before !== undefined && inside.length) gaps.unshift({ at: before, ms: inside[0] - before });
  if (after !== undefined && inside.length) gaps.push({ at: inside[inside.length - 1], ms: after - inside[inside.length - 1] });
  const sorted = gaps.map((g) => g.ms).sort((a, b) => a - b);
  const largest = [...gaps].sort((a, b) => b.ms - a.ms).slice(0, 5);
  return {
    seconds: r1((to - from) / 1000),
    frames: inside.length,
    median_gap_ms: r1(pct(sorted, 0.5)),
    p95_gap_ms: r1(pct(sorted, 0.95)),
    p99_gap_ms: r1(pct(sorted, 0.99)),
    max_gap_ms: r1(sorted[sorted.length - 1]),
    gaps_over_50_ms: sorted.filter((g) => g > 50).length,
    gaps_over_100_ms: sorted.filter((g) => g > 100).length,
    largest_gaps: largest.map((g) => ({ ms: r1(g.ms), at_s: r1((g.at - origin) / 1000) })),
  };
}

// ---------------------------------------------------------------------------------------------
// The vault

async function demoVault() {
  const given = process.env.MEASURE_VAULT ? resolve(process.env.MEASURE_VAULT) : null;
  const dir = given ?? join(await mkdtemp(join(tmpdir(), 'attune-measure-demo-')), 'vault');
  let generated = null;
  if (!existsSync(join(dir, 'vault.db'))) {
    if (!existsSync(ADMIN)) {
      throw new Error(`no attune-admin at ${ADMIN}: cargo build --release -p attune-admin, or set ATTUNE_ADMIN`);
    }
    const t0 = performance.now();
    const r = spawnSync(ADMIN, ['--vault', dir, '--user', USER, 'demo', '--size', 'large'], {
      env: { ...process.env, ATTUNE_PASSPHRASE: PASSPHRASE },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`attune-admin demo failed (${r.status}): ${r.stdout}`);
    const line = r.stdout.split('\n').find((l) => l.startsWith('Generated')) ?? '';
    generated = { seconds: r1((performance.now() - t0) / 1000), said: line.trim() };
  }
  return { dir, temporary: !given, generated };
}

// ---------------------------------------------------------------------------------------------
// What runs in the page

const INSTALL = `
  const done = arguments[arguments.length - 1];
  const [sessionLimit, pauseMs] = arguments;
  const I = window.__TAURI_INTERNALS__;
  const ENDED = new Set(['finished', 'stopped', 'failed']);
  const m = (window.__measure = {
    frames: [], ipc: [], events: 0, phases: [], ids: [], next: 0, backupPhases: [],
    backupStart: null, backupEnd: null, backupEndPhase: null, armed: false,
    ipcOn: false, ipcLoop: null, errors: [],
  });
  const frame = () => {
    m.frames.push(performance.now());
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  m.startIpc = (label) => {
    if (m.ipcOn) return;
    m.ipcOn = true;
    m.ipcLoop = (async () => {
      while (m.ipcOn) {
        // One walk through the caseload across the phases: no phase reopens the pupils another
        // has just opened (and so finds their pages in SQLite's cache).
        const pupilId = m.ids[m.next++ % m.ids.length];
        const t0 = performance.now();
        let ok = true;
        try {
          const rec = await I.invoke('open_pupil', { pupilId, sessionLimit });
          if (!rec || typeof rec !== 'object') throw new Error('no record');
        } catch (e) {
          ok = false;
          if (m.errors.length < 20) m.errors.push(String(e && (e.message || e.kind) || e));
        }
        m.ipc.push({ label, t0, ms: performance.now() - t0, ok });
        await new Promise((r) => setTimeout(r, pauseMs));
      }
    })();
  };
  m.stopIpc = async () => {
    m.ipcOn = false;
    await m.ipcLoop;
  };
  m.mark = (name) => m.phases.push({ name, t: performance.now() });
  const handler = I.transformCallback((e) => {
    const p = e && e.payload;
    if (!p || p.op !== 'auto-backup') return;
    const now = performance.now();
    m.events += 1;
    if (!m.backupPhases.length || m.backupPhases[m.backupPhases.length - 1].phase !== p.phase) {
      m.backupPhases.push({ phase: p.phase, t: now });
    }
    if (m.backupStart === null) {
      m.backupStart = now;
      m.startedArmed = m.armed;
      if (m.armed) m.startIpc('backup');
    }
    if (ENDED.has(p.phase)) {
      m.backupEnd = now;
      m.backupEndPhase = p.phase;
      m.ipcOn = false;
    }
  });
  Promise.all([
    I.invoke('plugin:event|listen', { event: 'work-progress', target: { kind: 'Any' }, handler }),
    I.invoke('caseload', { query: null }),
  ]).then(
    ([, rows]) => {
      m.ids = rows.map((r) => r.pupil_id);
      done({ ok: true, pupils: m.ids.length });
    },
    (e) => done({ ok: false, error: String((e && (e.message || JSON.stringify(e))) || e) }),
  );
`;

const get = (s, expr) => s.execute(`return (${expr});`);

// ---------------------------------------------------------------------------------------------

const vault = await demoVault();
const app = new AppTest('measure-backup', null);
await app.init();
const load = { before: loadavg() };
try {
  // A copy without backups/: today's automatic backup is due, and the original stays as it was.
  cpSync(vault.dir, app.vaultDir, { recursive: true, filter: (src) => src !== join(vault.dir, 'backups') });
  const vaultBytes = dirBytes(app.vaultDir);
  const dbBytes = statSync(join(app.vaultDir, 'vault.db')).size;

  const s = await app.launch();
  await unlockAs(app, { name: USER }, PASSPHRASE, { firstRadio: false });
  await sleep(1500); // let the home screen settle

  const installed = await s.executeAsync(INSTALL, [SESSION_LIMIT, PAUSE_MS]);
  if (!installed?.ok) throw new Error(`could not set up the page: ${installed?.error}`);
  await sleep(500);

  // 1. Baseline: round trips, no backup.
  await s.execute('window.__measure.mark("baseline"); window.__measure.startIpc("baseline");');
  await sleep(BASELINE_SECS * 1000);
  await s.executeAsync('const d = arguments[arguments.length - 1]; window.__measure.stopIpc().then(() => d(true));');
  if ((await get(s, 'window.__measure.backupStart')) !== null) {
    throw new Error('the automatic backup began during the baseline (it should wait for a pause)');
  }

  // 2. Idle: no IPC, so the app sees a pause and starts the backup; the page starts the IPC
  //    loop itself on the first event, so no round trip of WebDriver's is in between.
  await s.execute('window.__measure.mark("idle"); window.__measure.armed = true;');
  const idleFrom = Date.now();
  while ((await get(s, 'window.__measure.backupStart')) === null) {
    if (Date.now() - idleFrom > WAIT_FOR_BACKUP_SECS * 1000) {
      throw new Error(`no automatic backup within ${WAIT_FOR_BACKUP_SECS} s of pausing`);
    }
    await sleep(1000);
  }

  // 3. The backup runs, the page's IPC loop with it.
  const backupFrom = Date.now();
  while ((await get(s, 'window.__measure.backupEnd')) === null) {
    if (Date.now() - backupFrom > BACKUP_TIMEOUT_SECS * 1000) throw new Error('the backup did not end');
    await sleep(1000);
  }
  await s.executeAsync('const d = arguments[arguments.length - 1]; window.__measure.stopIpc().then(() => d(true));');

  // 4. After: round trips again, the backup done.
  await s.execute('window.__measure.mark("after"); window.__measure.startIpc("after");');
  await sleep(BASELINE_SECS * 1000);
  await s.executeAsync(
    'const d = arguments[arguments.length - 1]; window.__measure.stopIpc().then(() => { window.__measure.mark("end"); d(true); });',
  );

  const m = await get(
    s,
    `{ frames: window.__measure.frames, ipc: window.__measure.ipc, phases: window.__measure.phases,
       backupStart: window.__measure.backupStart, backupEnd: window.__measure.backupEnd,
       backupEndPhase: window.__measure.backupEndPhase, events: window.__measure.events,
       startedArmed: window.__measure.startedArmed, backupPhases: window.__measure.backupPhases, errors: window.__measure.errors,
       pupils: window.__measure.ids.length }`,
  );
  load.after = loadavg();

  const at = Object.fromEntries(m.phases.map((p) => [p.name, p.t]));
  const by = (label) => m.ipc.filter((x) => x.label === label);
  const backupsDir = join(app.vaultDir, 'backups');
  const backupFiles = existsSync(backupsDir) ? readdirSync(backupsDir).filter((n) => n.endsWith('.attune-backup')) : [];
  const backupBytes = backupFiles.reduce((a, n) => a + statSync(join(backupsDir, n)).size, 0);

  const figures = JSON.stringify(
      {
        binary: appBinary(),
        cpus: cpus().length,
        load_average_before: load.before,
        load_average_after: load.after,
        vault: {
          source: vault.dir,
          generated: vault.generated,
          pupils_in_caseload: m.pupils,
          size_mib: mib(vaultBytes),
          vault_db_mib: mib(dbBytes),
        },
        backup: {
          ended: m.backupEndPhase,
          seconds: r1((m.backupEnd - m.backupStart) / 1000),
          started_after_pause_s: r1((m.backupStart - at.idle) / 1000),
          progress_events: m.events,
          phases_from_s: m.backupPhases.map((p) => `${p.phase} ${r1((p.t - m.backupStart) / 1000)}`),
          file_mib: backupFiles.length ? mib(backupBytes) : null,
        },
        ipc_open_pupil: {
          what: `open_pupil(id, ${SESSION_LIMIT}) from the page through window.__TAURI_INTERNALS__.invoke, one at a time, ${PAUSE_MS} ms apart, over the caseload's pupils`,
          baseline_no_backup: ipcStats(by('baseline')),
          during_backup: ipcStats(by('backup')),
          after_backup: ipcStats(by('after')),
          errors: m.errors,
        },
        frames: {
          what: FRAME_NOTE,
          baseline_with_ipc: frameStats(m.frames, at.baseline, at.idle, m.backupStart),
          idle_no_ipc: frameStats(m.frames, at.idle, m.backupStart, m.backupStart),
          during_backup_with_ipc: frameStats(m.frames, m.backupStart, m.backupEnd, m.backupStart),
          after_backup_with_ipc: frameStats(m.frames, at.after, at.end, m.backupStart),
          largest_gaps_at_s: 'seconds from the backup\'s first event (negative: before it)',
        },
      },
      null,
      2,
    );
  console.log(figures);
  if (process.env.MEASURE_OUT) writeFileSync(process.env.MEASURE_OUT, `${figures}\n`);
} finally {
  await app.dispose();
  stopDriver();
  if (vault.temporary) await rm(join(vault.dir, '..'), { recursive: true, force: true });
}
// harness.mjs registers a node:test hook, so node prints "TAP version 13" (and, were it let finish
// by itself, an empty TAP summary after the JSON); leaving now drops the summary. For clean JSON
// use MEASURE_OUT.
process.exit(0);
