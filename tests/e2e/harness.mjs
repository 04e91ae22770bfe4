// Test harness for Attune's black-box WebDriver tests (node --test).
//
// - starts tauri-driver once per test file (its own free ports; killed at the end),
// - gives every test its own empty vault folder and launches the real app with `--vault <dir>`,
// - shot(name) saves tests/e2e/screenshots/<test>/<nn>-<name>.png,
// - axe(label) injects axe-core into the same window and fails on serious/critical violations,
// - invoke(cmd, args) calls the Tauri IPC directly, to prove the backend refuses what the UI hides.
//
// Environment: ATTUNE_APP (the binary; default $CARGO_TARGET_DIR/debug/attune), TAURI_DRIVER,
// WEBKIT_WEBDRIVER, E2E_KEEP_VAULTS=1 (keep the temporary vault folders for inspection).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, createWriteStream, readFileSync, readdirSync, readlinkSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir, readFile } from 'node:fs/promises';
import { tmpdir, homedir } from 'node:os';
import { join, resolve, dirname, basename, delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newSession, status, waitFor, WebDriverError } from './wd.mjs';

export { waitFor, tid, Keys } from './wd.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '../..');
export const SCREENSHOT_DIR = join(HERE, 'screenshots');
const AXE_PATH = join(ROOT, 'tests/node_modules/axe-core/axe.min.js');

// ---------------------------------------------------------------------------------------------
// Locating things

export function appBinary() {
  const target = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache/attune/target');
  const bin = process.env.ATTUNE_APP || join(target, 'debug/attune');
  if (!existsSync(bin)) {
    throw new Error(`no Attune binary at ${bin}: build it first (.ci/test does), or set ATTUNE_APP`);
  }
  return resolve(bin);
}

function which(cmd, extra = []) {
  const dirs = [...(process.env.PATH || '').split(delimiter), ...extra];
  for (const d of dirs) {
    const p = join(d, cmd);
    if (d && existsSync(p)) return p;
  }
  return null;
}

function tauriDriverPath() {
  const p = process.env.TAURI_DRIVER || which('tauri-driver', [join(homedir(), '.cargo/bin')]);
  if (!p) throw new Error('tauri-driver not found: run .ci/setup (cargo install tauri-driver --locked)');
  return p;
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// tauri-driver: one per test file (each file runs in its own node process)

// One tauri-driver per key: 'main' for every test, and a second ('second') for a test that drives
// two app instances at once (e2eTestPair). tauri-driver serves one app session at a time.
const drivers = new Map(); // key -> { url, child, logFile, log: string[] }
const fileTag = basename(process.argv[1] || 'e2e', '.mjs').replace(/[^A-Za-z0-9.-]+/g, '-');

async function ensureDriver(key = 'main') {
  const running = drivers.get(key);
  if (running && running.child.exitCode === null && running.child.signalCode === null) return running;
  const port = await freePort();
  let nativePort = await freePort();
  while (nativePort === port) nativePort = await freePort();
  const args = ['--port', String(port), '--native-port', String(nativePort)];
  const native = process.env.WEBKIT_WEBDRIVER || '/usr/bin/WebKitWebDriver';
  if (existsSync(native)) args.push('--native-driver', native);

  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const logFile = join(SCREENSHOT_DIR, `${fileTag}${key === 'main' ? '' : `-${key}`}.driver.log`);
  const logStream = createWriteStream(logFile, { flags: 'a' });
  // detached: its own process group, so stopping it also stops WebKitWebDriver and the app.
  const child = spawn(tauriDriverPath(), args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  const onData = (chunk) => {
    logStream.write(chunk);
    for (const line of chunk.toString().split('\n')) if (line && log.length < 200_000) log.push(line);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.on('exit', () => logStream.end());

  const driver = { url: `http://127.0.0.1:${port}`, child, logFile, log };
  drivers.set(key, driver);
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`tauri-driver exited (${child.exitCode}): ${log.slice(-5).join(' | ')}`);
        const s = await status(driver.url);
        return s && s.ready !== false;
      },
      { timeoutSec: 30, what: `tauri-driver /status on port ${port}` },
    );
  } catch (e) {
    stopDriver(key);
    throw e;
  }
  return driver;
}

/** Stop one tauri-driver (by key), or every one. */
export function stopDriver(key) {
  for (const k of key === undefined ? [...drivers.keys()] : [key]) {
    const d = drivers.get(k);
    if (!d) continue;
    drivers.delete(k);
    const { child } = d;
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM'); // the group we started: tauri-driver, WebKitWebDriver, app
      } catch {
        /* already gone */
      }
    }
  }
}

after(async () => {
  const all = [...drivers.values()];
  stopDriver();
  for (const d of all) {
    await waitFor(() => d.child.exitCode !== null || d.child.signalCode !== null, { timeoutSec: 5 }).catch(() => {});
  }
});
process.on('exit', () => stopDriver());

// ---------------------------------------------------------------------------------------------
// App processes started for a vault folder (found by exact binary + folder in their command line)

export function appPidsFor(vaultDir) {
  const bin = appBinary();
  const pids = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (!argv.includes(vaultDir)) continue;
      let exe = '';
      try {
        exe = readlinkSync(`/proc/${name}/exe`);
      } catch {
        /* not ours to read */
      }
      if (argv[0] === bin || exe === bin) pids.push(Number(name));
    } catch {
      /* process ended meanwhile */
    }
  }
  return pids;
}

// ---------------------------------------------------------------------------------------------
// axe-core in the app's own window

let axeSource = null;

/** Run axe-core in the session's page; returns the violations (all impacts). */
export async function runAxe(session) {
  axeSource ??= await readFile(AXE_PATH, 'utf8');
  const loaded = await session.execute('return typeof window.axe === "object" && typeof window.axe.run === "function";');
  if (!loaded) {
    const kind = await session.execute(`${axeSource}\n;return typeof window.axe;`);
    if (kind !== 'object') throw new Error(`axe-core did not load in the window (typeof axe = ${kind})`);
  }
  const result = await session.executeAsync(`
    const done = arguments[arguments.length - 1];
    window.axe.run(document, { resultTypes: ['violations'] }).then(
      (r) => done({ ok: true, violations: r.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({ target: n.target, html: String(n.html).slice(0, 300), summary: n.failureSummary })),
      })) }),
      (e) => done({ ok: false, error: String((e && e.stack) || e) }),
    );`);
  if (!result?.ok) throw new Error(`axe.run failed in the window: ${result?.error}`);
  return result.violations;
}

export function formatViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 5)
        .map((n) => `      - ${JSON.stringify(n.target)} ${n.html}\n        ${(n.summary || '').replace(/\n/g, '\n        ')}`)
        .join('\n');
      return `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes}`;
    })
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// One test = one AppTest: its own vault folder, screenshots folder, and app sessions

function slug(s) {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 70) || 'test';
}

export class AppTest {
  constructor(name, t, { driverKey = 'main' } = {}) {
    this.name = name;
    this.driverKey = driverKey;
    this.t = t;
    this.dir = join(SCREENSHOT_DIR, slug(name));
    this.n = 0;
    this.session = null;
    this.vaultDir = null;
    this.logMark = null; // index into the driver log where this test's first launch began
    this.wrappers = 0;
  }

  async init() {
    this.tmp = await mkdtemp(join(tmpdir(), 'attune-e2e-'));
    this.vaultDir = join(this.tmp, 'vault');
    await mkdir(this.vaultDir);
    await mkdir(this.dir, { recursive: true });
  }

  /**
   * Start the app on this test's vault (closing any app this test has open). `application` replaces
   * the binary tauri-driver starts (e.g. a wrapper that execs the real binary, passing its args on).
   * `env` sets environment variables for the app alone (tauri-driver cannot pass any): a small
   * wrapper script execs the binary under them, e.g. `{ ATTUNE_E2E_PICK_DIR: dir }`, which makes a
   * debug build's file chooser answer inside `dir` instead of showing the native dialog.
   */
  async launch({ application, env, ownSessionBus = false } = {}) {
    if (this.session) await this.close();
    const d = await ensureDriver(this.driverKey);
    if (this.logMark === null) this.logMark = d.log.length;
    let app = application ?? appBinary();
    if ((env && Object.keys(env).length) || ownSessionBus) app = await this.envWrapper(app, env ?? {}, { ownSessionBus });
    const started = Date.now();
    this.session = await newSession(d.url, {
      alwaysMatch: { 'tauri:options': { application: app, args: ['--vault', this.vaultDir] } },
    });
    await this.session.setTimeouts({ script: 60_000 }).catch(() => {});
    this.log(`app started on ${this.vaultDir} (session ${this.session.id}, ${Date.now() - started} ms)`);
    return this.session;
  }

  /**
   * A script that execs `app` with `env` added (the app keeps its own binary and args). With
   * `ownSessionBus`, the app runs under a D-Bus session of its own: the single-instance plugin
   * finds the first instance on the session bus, so a second instance on the same machine (two
   * laptops' apps in one test) needs its own bus, as it would have on its own laptop.
   */
  async envWrapper(app, env, { ownSessionBus = false } = {}) {
    const q = (v) => `'${String(v).replace(/'/g, `'\\''`)}'`;
    const vars = Object.entries(env).map(([k, v]) => {
      assert.match(k, /^[A-Z_][A-Z0-9_]*$/, `an environment variable name: ${k}`);
      return q(`${k}=${v}`);
    });
    const file = join(this.tmp, `app-with-env-${++this.wrappers}`);
    const bus = ownSessionBus ? 'dbus-run-session -- ' : '';
    await writeFile(file, `#!/bin/sh\nexec ${bus}env ${vars.join(' ')} ${q(app)} "$@"\n`, { mode: 0o755 });
    return file;
  }

  /** Quit the app (delete the session) and wait until its process has really gone. */
  async close() {
    const s = this.session;
    this.session = null;
    if (!s) return;
    await s.delete().catch((e) => this.log(`delete session: ${e.message}`));
    try {
      await waitFor(() => appPidsFor(this.vaultDir).length === 0, { timeoutSec: 15, what: 'the app process to exit' });
    } catch {
      const pids = appPidsFor(this.vaultDir);
      this.log(`app still running after its session ended; stopping pid(s) ${pids.join(', ')}`);
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* gone */
        }
      }
      await waitFor(() => appPidsFor(this.vaultDir).length === 0, { timeoutSec: 10, what: 'the app process to exit after SIGTERM' });
    }
  }

  log(msg) {
    this.t?.diagnostic?.(msg);
  }

  /** Save a screenshot of the window: screenshots/<test>/<nn>-<name>.png */
  async shot(name) {
    this.n += 1;
    const file = join(this.dir, `${String(this.n).padStart(2, '0')}-${slug(name)}.png`);
    if (!this.session) throw new Error('shot(): no app session');
    await this.session.screenshotTo(file);
    return file;
  }

  /** Screenshot + page source after a failure; falls back to the whole X screen. */
  async failureArtifacts() {
    const base = join(this.dir, `${String(++this.n).padStart(2, '0')}-failure`);
    let ok = false;
    if (this.session) {
      ok = await this.session.screenshotTo(`${base}.png`).then(() => true, () => false);
      await this.session
        .source()
        .then((html) => writeFile(`${base}.html`, html))
        .catch(() => {});
    }
    if (!ok && process.env.DISPLAY) {
      spawnSync('import', ['-window', 'root', `${base}-screen.png`], { timeout: 15_000 });
    }
  }

  /** axe-core on the current screen: fails on serious or critical violations, notes the rest. */
  async axe(label) {
    assert.ok(this.session, 'axe(): no app session');
    const violations = await runAxe(this.session);
    await writeFile(join(this.dir, `${String(this.n).padStart(2, '0')}-${slug(label)}.axe.json`), JSON.stringify(violations, null, 2));
    const minor = violations.filter((v) => !['serious', 'critical'].includes(v.impact));
    if (minor.length) this.log(`axe on "${label}": ${minor.length} minor/moderate: ${minor.map((v) => v.id).join(', ')}`);
    const bad = violations.filter((v) => ['serious', 'critical'].includes(v.impact));
    if (bad.length) {
      const text = formatViolations(bad);
      console.log(`axe violations on "${label}":\n${text}`);
      assert.fail(`axe-core found ${bad.length} serious/critical accessibility violation(s) on "${label}":\n${text}`);
    }
    return violations;
  }

  /**
   * Call a Tauri command straight through the IPC, as any script in the page could.
   * Returns { ok: true, value } or { ok: false, error } (error as the backend serialised it).
   */
  async invoke(cmd, args = {}) {
    assert.ok(this.session, 'invoke(): no app session');
    return this.session.executeAsync(
      `
      const done = arguments[arguments.length - 1];
      const [cmd, args] = arguments;
      try {
        const internals = window.__TAURI_INTERNALS__;
        if (!internals || typeof internals.invoke !== 'function') {
          done({ ok: false, error: { harness: 'window.__TAURI_INTERNALS__.invoke is not there' } });
        } else {
          Promise.resolve(internals.invoke(cmd, args)).then(
            (value) => done({ ok: true, value: value === undefined ? null : value }),
            (error) => done({ ok: false, error: error === undefined ? null : error }),
          );
        }
      } catch (e) {
        done({ ok: false, error: { thrown: String(e) } });
      }`,
      [cmd, args],
    );
  }

  /** Lines the driver (and the app under it) printed since this test first launched the app. */
  appLog() {
    const driver = drivers.get(this.driverKey);
    return driver && this.logMark !== null ? driver.log.slice(this.logMark) : [];
  }

  async dispose() {
    await this.close().catch((e) => this.log(`close: ${e.message}`));
    if (this.tmp && process.env.E2E_KEEP_VAULTS !== '1') await rm(this.tmp, { recursive: true, force: true });
    else if (this.tmp) this.log(`vault kept at ${this.vaultDir}`);
  }
}

/**
 * Declare an end-to-end test. `fn(app, t)` gets an AppTest whose vault folder is fresh and empty;
 * call `app.launch()` to start the window. A failure saves a screenshot and the page source; a Rust
 * panic printed by the app fails the test.
 */
export function e2eTest(name, fn, { timeoutSec = 300 } = {}) {
  return test(name, { timeout: timeoutSec * 1000 }, async (t) => {
    const app = new AppTest(name, t);
    await app.init();
    try {
      await fn(app, t);
      const panics = app.appLog().filter((l) => /panicked at/.test(l));
      assert.deepEqual(panics, [], 'the app panicked');
    } catch (e) {
      await app.failureArtifacts().catch(() => {});
      const tail = app.appLog().slice(-30);
      if (tail.length) console.log(`--- last lines from tauri-driver/app for "${name}":\n${tail.join('\n')}`);
      throw e;
    } finally {
      await app.dispose();
    }
  });
}

/**
 * Declare an end-to-end test with two app instances at once, each on its own empty vault folder
 * and its own tauri-driver (a school's strategic lead and a key adult's laptop, say): `fn(a, b, t)`.
 * Screenshots go to screenshots/<name>-<label>/ for each (labels: `['first', 'second']` unless given).
 */
export function e2eTestPair(name, fn, { timeoutSec = 600, labels = ['first', 'second'] } = {}) {
  return test(name, { timeout: timeoutSec * 1000 }, async (t) => {
    const a = new AppTest(`${name} (${labels[0]})`, t);
    const b = new AppTest(`${name} (${labels[1]})`, t, { driverKey: 'second' });
    // Each instance's screenshots in a folder of its own: screenshots/<name>-<label>/.
    a.dir = join(SCREENSHOT_DIR, `${slug(name).slice(0, 55)}-${slug(labels[0])}`);
    b.dir = join(SCREENSHOT_DIR, `${slug(name).slice(0, 55)}-${slug(labels[1])}`);
    await a.init();
    await b.init();
    try {
      await fn(a, b, t);
      for (const app of [a, b]) {
        const panics = app.appLog().filter((l) => /panicked at/.test(l));
        assert.deepEqual(panics, [], `the app panicked (${app.name})`);
      }
    } catch (e) {
      for (const app of [a, b]) {
        await app.failureArtifacts().catch(() => {});
        const tail = app.appLog().slice(-30);
        if (tail.length) console.log(`--- last lines from tauri-driver/app for "${app.name}":\n${tail.join('\n')}`);
      }
      throw e;
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });
}

export { WebDriverError, sleep };
