// Issue 6, "No network": Attune must never touch a network.
//
// 1. The real app, run under strace (following every process it starts, WebKitGTK's network and web
//    processes included), goes through a full journey: first run → recovery key → confirm → home →
//    add a key adult → add a pupil → log a session → search → lock → unlock. Every connect/bind/
//    sendto/sendmsg/sendmmsg that names an address must name AF_UNIX (D-Bus, X11), AF_NETLINK, or
//    loopback (127.0.0.0/8, ::1: WebKit's automation link to WebKitWebDriver, test runs only). An
//    address strace could not decode fails too, and so does an empty log. A summary line gives the
//    counts by family; the log is kept beside the screenshots (screenshots/<test>/strace.log).
// 2. The shipped policy allows no remote origin: the CSP in tauri.conf.json, the capability in
//    src-tauri/capabilities/, the built UI (ui/dist, ui/isolation), and the Cargo dependency tree
//    (no HTTP client, no shell/fs/http plugin).
//
// The data-testids are the contract with the UI (the same as records.test.mjs):
//   setup-school setup-name setup-passphrase setup-confirm setup-submit
//   recovery-key recovery-group-N recovery-kept recovery-continue confirm-group-N confirm-submit
//   home-heading lock-button nav-users nav-pupils nav-caseload
//   unlock-user (select) | unlock-user-<userId> (radio)  unlock-passphrase unlock-submit
//   users: user-name user-role-key_adult user-passphrase user-confirm user-submit users-table
//   pupils: pupil-add pupil-form pupil-legal-forename pupil-legal-surname pupil-preferred-name
//           pupil-dob-day|month|year pupil-year-group pupil-care-status pupil-support-level
//           pupil-save pupil-saved
//   caseload: caseload-row-<id> log-session-<id>
//   session form: log-session-form session-regulation session-note session-save session-saved
//   search: search-input search-results

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { writeFile, chmod, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, relative, basename, delimiter } from 'node:path';
import { e2eTest, tid, waitFor, Keys, ROOT, appBinary, appPidsFor } from './harness.mjs';
import { choose, chooseUser, click, fill, firstRun, tick } from './steps.mjs';

const SCHOOL = 'Riverside Primary School';
const LEAD = 'Sam Okafor';
const LEAD_PASS = 'correct horse battery staple 1917';
const KEY_ADULT = 'Kim Adebayo';
const KEY_ADULT_PASS = 'paper lantern orchard violin 4471';
const PUPIL = { forename: 'Amara', surname: "O'Neill", preferred: 'Amy', yearGroup: 'Year 5' };
const NOTE_WORD = 'kaleidoscope';
const NOTE = `Made a ${NOTE_WORD} from card and talked about colours`;

// The system calls that connect or send to an address (sendmmsg too: glibc's resolver uses it), bind
// (a socket listening on a network interface would be reachable from outside), and execve (which
// programs ran under the trace: WebKit's network and web processes).
const TRACED = 'connect,bind,sendto,sendmsg,sendmmsg,execve';

// ---------------------------------------------------------------------------------------------
// strace: a wrapper for tauri-driver to start instead of the app, and a parser for its log

function which(cmd, extra = []) {
  for (const d of [...(process.env.PATH || '').split(delimiter), ...extra]) {
    if (d && existsSync(join(d, cmd))) return join(d, cmd);
  }
  return null;
}

const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/**
 * A script for tauri-driver to start instead of the app: it runs strace on the real binary with the
 * arguments it was given, unchanged (so appPidsFor still finds the app by its binary and vault
 * folder). -f follows every child process and thread; --seccomp-bpf stops only on the traced calls,
 * so the app runs at nearly full speed; -q keeps the "+++ exited/killed +++" lines that show the
 * trace lasted to the app's end.
 *
 * strace runs as a child of the script, not exec'd: WebKitWebDriver ends a session by SIGKILLing the
 * process it started. Were that strace, the app would be detached, untraced, and the log cut short.
 */
async function straceWrapper(dir, log) {
  const strace = which('strace', ['/usr/bin', '/usr/sbin']);
  assert.ok(strace, 'strace is not installed: run .ci/setup (it installs the strace package)');
  const wrapper = join(dir, 'attune-under-strace');
  await writeFile(
    wrapper,
    [
      '#!/bin/sh',
      '# Written by tests/e2e/network.test.mjs: run Attune under strace, passing its arguments on.',
      `${shq(strace)} -f -q --seccomp-bpf -e trace=${TRACED} -o ${shq(log)} ${shq(appBinary())} "$@" &`,
      'wait $!',
      '',
    ].join('\n'),
  );
  await chmod(wrapper, 0o755);
  return wrapper;
}

/** strace processes writing to this log (found by the log path in their command line). */
function tracerPids(log) {
  const pids = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (!argv.includes(log)) continue;
      const exe = readlinkSync(`/proc/${name}/exe`);
      if (basename(exe) === 'strace') pids.push(Number(name));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return pids;
}

/** Split at top-level commas (outside {}, [] and ()); quoted strings are placeholders already. */
function topLevelArgs(s) {
  const out = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if ('{[('.includes(ch)) depth += 1;
    else if ('}])'.includes(ch)) depth -= 1;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function isLoopbackV4(ip) {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip);
}

function isLoopbackV6(ip) {
  const v = ip.toLowerCase();
  if (v === '::1' || v === '0:0:0:0:0:0:0:1') return true;
  const mapped = v.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  return Boolean(mapped && isLoopbackV4(mapped[1]));
}

/**
 * Read an strace -f log. Returns every call with an address (family, address, loopback or not),
 * calls that strace could not decode the address of, calls without an address (a socket connected
 * earlier), the pids seen and the programs exec'd.
 */
function parseStraceLog(text) {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const pids = new Set();
  const execs = []; // { pid, path }
  const addressed = []; // { pid, call, family, addr, local, line }
  const undecoded = []; // { pid, call, line }
  const unaddressed = { sendto: 0, sendmsg: 0, sendmmsg: 0 };
  const calls = { connect: 0, bind: 0, sendto: 0, sendmsg: 0, sendmmsg: 0, execve: 0 };
  const ended = new Map(); // pid → "exited with 0" | "killed by SIGTERM"

  const unparsed = [];

  for (const line of lines) {
    const m = line.match(/^(\d+)\s+(.*)$/);
    if (!m) {
      unparsed.push(line);
      continue;
    }
    pids.add(Number(m[1]));
    const rest = m[2];
    if (rest.startsWith('<... ')) continue; // "<... connect resumed>": its address was on the start line
    const end = rest.match(/^\+\+\+ (exited with \d+|killed by \w+)/);
    if (end) ended.set(Number(m[1]), end[1]);
    const call = rest.match(/^(\w+)\((.*)$/);
    if (!call) continue; // "+++ exited …", "--- SIG…"
    const name = call[1];
    if (!(name in calls)) continue;
    calls[name] += 1;

    // Replace every quoted string (data, paths, addresses) by a placeholder, so nothing inside a
    // message's bytes can look like a sockaddr; keep the contents to read addresses back.
    const strings = [];
    const args = call[2].replace(/"((?:[^"\\]|\\.)*)"(\.\.\.)?/g, (_, body) => {
      strings.push(body);
      return `"#${strings.length - 1}"`;
    });
    const str = (ph) => strings[Number(ph.replace(/^"#|"$/g, ''))];

    if (name === 'execve') {
      const p = args.match(/^"#\d+"/);
      if (p) execs.push({ pid: Number(m[1]), path: str(p[0]) });
      continue;
    }

    // An address strace could not read (a bare pointer where a sockaddr should be) cannot be
    // shown to be local: count it apart, and fail on it.
    const top = topLevelArgs(args.replace(/\s*(<unfinished \.\.\.>|\)\s*=.*)$/, ''));
    const bare = (v) => v !== undefined && /^0x[0-9a-f]+$/i.test(v);
    if (
      ((name === 'connect' || name === 'bind') && bare(top[1])) ||
      (name === 'sendto' && bare(top[4])) ||
      /msg_name=0x[0-9a-f]+/i.test(args)
    ) {
      undecoded.push({ pid: Number(m[1]), call: name, line });
    }

    const families = [...args.matchAll(/\{sa_family=([^,}]+)([^}]*)\}/g)];
    if (families.length === 0 && name in unaddressed) unaddressed[name] += 1;
    for (const f of families) {
      const family = f[1].trim();
      const body = f[2];
      let addr = '';
      let local = false;
      if (family === 'AF_UNIX') {
        const p = body.match(/sun_path=(@?)("#\d+")/);
        addr = p ? `${p[1]}${str(p[2])}` : '(unnamed)';
        local = true;
      } else if (family === 'AF_NETLINK') {
        addr = (body.match(/nl_pid=\d+/) || [''])[0];
        local = true;
      } else if (family === 'AF_INET') {
        const ip = body.match(/inet_addr\(("#\d+")\)/);
        const port = body.match(/htons\((\d+)\)/);
        addr = `${ip ? str(ip[1]) : '?'}:${port ? port[1] : '?'}`;
        local = Boolean(ip && isLoopbackV4(str(ip[1])));
      } else if (family === 'AF_INET6') {
        const ip = body.match(/inet_pton\(AF_INET6,\s*("#\d+")/);
        const port = body.match(/htons\((\d+)\)/);
        addr = `[${ip ? str(ip[1]) : '?'}]:${port ? port[1] : '?'}`;
        local = Boolean(ip && isLoopbackV6(str(ip[1])));
      } else {
        addr = body.trim();
        local = false; // AF_PACKET, AF_BLUETOOTH, an undecoded number …: not allowed
      }
      addressed.push({ pid: Number(m[1]), call: name, family, addr, local, line });
    }
    if ((name === 'connect' || name === 'bind') && families.length === 0 && !bare(top[1])) {
      undecoded.push({ pid: Number(m[1]), call: name, line });
    }
  }
  return { lines: lines.length, pids, execs, addressed, undecoded, unaddressed, calls, ended, unparsed };
}

function countBy(items, key) {
  const out = {};
  for (const it of items) out[key(it)] = (out[key(it)] || 0) + 1;
  return out;
}

const fmtCounts = (o) =>
  Object.entries(o)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

// ---------------------------------------------------------------------------------------------
// 1. A full journey under strace

e2eTest(
  'no network: the app connects only to local sockets during a full journey (strace)',
  async (app, t) => {
    const log = join(app.dir, 'strace.log');
    const wrapper = await straceWrapper(app.tmp, log);
    await app.launch({ application: wrapper });
    const s = app.session;
    assert.ok(tracerPids(log).length >= 1, 'the app was started under strace');

    // ---- First run, recovery key, confirm, home.
    await firstRun(app, {
      school: SCHOOL,
      name: LEAD,
      passphrase: LEAD_PASS,
      screenshots: ['first-run', 'recovery-key', 'confirm-recovery-key'],
      confirmShot: 'filled',
      axe: false,
      checks: false,
    });
    await app.shot('home');

    // ---- A key adult.
    await click(s, 'nav-users');
    await s.waitFor(tid('users-table'));
    await fill(s, 'user-name', KEY_ADULT);
    await tick(s, 'user-role-key_adult');
    await fill(s, 'user-passphrase', KEY_ADULT_PASS);
    await fill(s, 'user-confirm', KEY_ADULT_PASS);
    await click(s, 'user-submit');
    await waitFor(async () => (await (await s.find(tid('users-table'))).text()).includes(KEY_ADULT), {
      timeoutSec: 60,
      what: `${KEY_ADULT} in the users table`,
    });
    await app.shot('key-adult-added');

    // ---- A pupil.
    await click(s, 'nav-pupils');
    await click(s, 'pupil-add');
    await s.waitFor(tid('pupil-form'));
    await fill(s, 'pupil-legal-forename', PUPIL.forename);
    await fill(s, 'pupil-legal-surname', PUPIL.surname);
    await fill(s, 'pupil-preferred-name', PUPIL.preferred);
    await fill(s, 'pupil-dob-day', '14');
    await fill(s, 'pupil-dob-month', '3');
    await fill(s, 'pupil-dob-year', '2016');
    await fill(s, 'pupil-year-group', PUPIL.yearGroup);
    await choose(s, 'pupil-care-status', { text: 'Looked after' });
    await choose(s, 'pupil-support-level', { text: 'Intensive' });
    await click(s, 'pupil-save');
    const notice = await s.waitFor(tid('pupil-saved'), { timeoutSec: 30 });
    assert.ok((await notice.text()).includes(PUPIL.surname), 'the pupil is saved');
    await app.shot('pupil-added');
    const rows = await app.invoke('caseload', { query: { include_left: true } });
    assert.equal(rows.ok, true, `caseload answers: ${JSON.stringify(rows.error)}`);
    const pupilId = rows.value.find((r) => r.surname === PUPIL.surname)?.pupil_id;
    assert.ok(pupilId, `the pupil has an id: ${JSON.stringify(rows.value)}`);

    // ---- A session, from the caseload.
    await click(s, 'nav-caseload');
    await click(s, `log-session-${pupilId}`, { timeoutSec: 30 });
    await s.waitFor(tid('log-session-form'), { timeoutSec: 10 });
    await fill(s, 'session-regulation', '6');
    await fill(s, 'session-note', NOTE);
    await app.shot('session-form');
    await click(s, 'session-save');
    await s.waitFor(tid('session-saved'), { timeoutSec: 30 });
    await app.shot('session-saved');

    // ---- Search for a word from the note.
    await fill(s, 'search-input', NOTE_WORD);
    await s.keys(Keys.ENTER);
    const results = await s.waitFor(tid('search-results'), { timeoutSec: 30 });
    assert.ok((await results.text()).includes(NOTE_WORD), 'the session note is found');
    await app.shot('search-results');

    // ---- Lock, unlock.
    await click(s, 'lock-button');
    await s.waitFor(tid('unlock-passphrase'), { timeoutSec: 30 });
    await app.shot('locked');
    await chooseUser(s, { name: LEAD });
    await fill(s, 'unlock-passphrase', LEAD_PASS);
    await click(s, 'unlock-submit');
    await s.waitFor(tid('home-heading'), { timeoutSec: 60 });
    await app.shot('home-after-unlock');

    // ---- Quit. Ending the session would SIGKILL only the wrapper (see straceWrapper) and leave the
    // app running until the harness stops it; stop it now, as the harness would, and let strace follow
    // it (and WebKit's processes) to their end and finish its log. Then end the session.
    const appPids = appPidsFor(app.vaultDir);
    assert.equal(appPids.length, 1, `one app process runs on the vault (${appPids.join(', ')})`);
    process.kill(appPids[0], 'SIGTERM');
    await waitFor(() => tracerPids(log).length === 0 && appPidsFor(app.vaultDir).length === 0, {
      timeoutSec: 30,
      what: 'the app and strace to end',
    });
    await app.close();

    // ---- Read the log.
    assert.ok(existsSync(log), `strace wrote no log at ${log}`);
    const text = await readFile(log, 'utf8');
    assert.ok(text.trim().length > 0, `the strace log ${log} is empty: nothing was traced, so nothing is proven`);
    const r = parseStraceLog(text);
    const rel = relative(ROOT, log);

    const appExec = r.execs.find((e) => e.path === appBinary());
    assert.ok(appExec, `the log shows the app itself being started under strace (execs: ${r.execs.map((e) => e.path).join(', ')})`);
    assert.equal(appExec.pid, appPids[0], 'the traced app is the one the session drove');
    assert.ok(r.ended.has(appExec.pid), `the trace lasted until the app ended (no "+++" line for pid ${appExec.pid})`);
    const execNames = countBy(r.execs, (e) => basename(e.path));
    assert.ok(r.pids.size > 1, `the log has lines from more than one pid (only ${[...r.pids].join(', ')}): -f did not follow`);
    // WebKitGTK does its networking in WebKitNetworkProcess, a child of the app: it must be traced.
    assert.ok(
      r.execs.some((e) => /WebKitNetworkProcess$/.test(e.path)) && r.execs.some((e) => /WebKitWebProcess$/.test(e.path)),
      `WebKit's network and web processes ran under the trace (execs: ${fmtCounts(execNames)})`,
    );
    assert.ok(r.calls.connect > 0, 'the log holds connect calls (D-Bus and X11 at least): the trace saw the app work');

    const connects = r.addressed.filter((a) => a.call === 'connect');
    const binds = r.addressed.filter((a) => a.call === 'bind');
    const sends = r.addressed.filter((a) => a.call !== 'connect' && a.call !== 'bind');
    const famKey = (a) => (a.family === 'AF_INET' || a.family === 'AF_INET6' ? `${a.family} ${a.local ? 'loopback' : 'REMOTE'}` : a.family);
    const unixPaths = countBy(
      connects.filter((a) => a.family === 'AF_UNIX'),
      (a) => a.addr.replace(/\/dbus-[A-Za-z0-9]+/, '/dbus-…').replace(/[0-9a-f]{16,}/g, '…'),
    );
    const inet = countBy(
      r.addressed.filter((a) => a.family === 'AF_INET' || a.family === 'AF_INET6'),
      (a) => `${a.call} ${a.addr}`,
    );
    const summary =
      `strace: ${r.lines} lines from ${r.pids.size} pids; programs started: ${fmtCounts(execNames)}\n` +
      `strace: connect by family: ${fmtCounts(countBy(connects, famKey))}\n` +
      `strace: bind by family: ${fmtCounts(countBy(binds, famKey))}\n` +
      `strace: sendto/sendmsg/sendmmsg with an address: ${fmtCounts(countBy(sends, famKey))}; ` +
      `without (a connected socket): sendto ${r.unaddressed.sendto}, sendmsg ${r.unaddressed.sendmsg}, sendmmsg ${r.unaddressed.sendmmsg}\n` +
      `strace: unix sockets: ${fmtCounts(unixPaths)}\n` +
      `strace: inet addresses: ${fmtCounts(inet)}\n` +
      `strace: log kept at ${rel}`;
    console.log(summary);
    for (const l of summary.split('\n')) t.diagnostic(l);
    await writeFile(join(app.dir, 'strace-summary.txt'), `${summary}\n`);

    const remote = r.addressed.filter((a) => !a.local);
    assert.deepEqual(
      remote.map((a) => `${a.call} ${a.family} ${a.addr} (pid ${a.pid})`),
      [],
      `the app (or a process it started) addressed a non-local destination; see ${rel}:\n` +
        remote
          .slice(0, 20)
          .map((a) => `  ${a.line}`)
          .join('\n'),
    );
    assert.deepEqual(
      r.undecoded.map((u) => u.line),
      [],
      `strace could not decode the address of ${r.undecoded.length} call(s), so they cannot be shown to be local`,
    );
  },
  { timeoutSec: 600 },
);

// ---------------------------------------------------------------------------------------------
// 2. The shipped policy

const readJson = (p) => JSON.parse(readFileSync(join(ROOT, p), 'utf8'));

/** The CSP as { directive: [tokens] }, from Tauri's string or object form. */
function cspDirectives(csp) {
  const out = {};
  if (typeof csp === 'string') {
    for (const part of csp.split(';')) {
      const [name, ...tokens] = part.trim().split(/\s+/).filter(Boolean);
      if (name) out[name.toLowerCase()] = tokens;
    }
  } else if (csp && typeof csp === 'object') {
    for (const [name, value] of Object.entries(csp)) {
      out[name.toLowerCase()] = (Array.isArray(value) ? value.join(' ') : String(value)).split(/\s+/).filter(Boolean);
    }
  }
  return out;
}

/** Problems with one CSP (empty when it allows no remote origin). */
function cspProblems(csp, label) {
  const d = cspDirectives(csp);
  const problems = [];
  if (Object.keys(d).length === 0) return [`${label}: no CSP at all`];
  const effective = (name) => d[name] ?? d['default-src'];
  for (const name of ['default-src', 'object-src', 'frame-ancestors', 'base-uri']) {
    if (!d[name]) problems.push(`${label}: no ${name} directive`);
  }
  if (d['object-src'] && d['object-src'].join(' ') !== "'none'") problems.push(`${label}: object-src is not 'none'`);
  if (d['frame-ancestors'] && d['frame-ancestors'].join(' ') !== "'none'") problems.push(`${label}: frame-ancestors is not 'none'`);
  for (const name of ['script-src', 'style-src', 'connect-src']) {
    if (!effective(name)) problems.push(`${label}: neither ${name} nor default-src is set`);
  }
  for (const [name, tokens] of Object.entries(d)) {
    for (const tok of tokens) {
      const t = tok.toLowerCase();
      if (t === "'unsafe-eval'" || t === "'wasm-unsafe-eval'") problems.push(`${label}: ${name} allows ${tok}`);
      else if (t === "'unsafe-inline'" && ['script-src', 'style-src', 'default-src', 'script-src-elem', 'script-src-attr', 'style-src-elem', 'style-src-attr'].includes(name)) {
        problems.push(`${label}: ${name} allows 'unsafe-inline' (use a sha256 hash)`);
      } else if (t === 'http://ipc.localhost' || t === 'ipc:') {
        if (name !== 'connect-src') problems.push(`${label}: ${tok} outside connect-src (in ${name})`);
      } else if (t.includes('*')) problems.push(`${label}: ${name} has a wildcard source ${tok}`);
      else if (/^(https?|wss?|ftp):/.test(t)) problems.push(`${label}: ${name} allows a remote origin ${tok}`);
      else if (t.startsWith("'")) {
        // keywords and hashes: 'self', 'none', 'sha256-…'; anything else is not expected here
        if (!/^'(self|none|sha(256|384|512)-[a-z0-9+/=_-]+)'$/i.test(tok)) problems.push(`${label}: ${name} has an unexpected keyword ${tok}`);
      } else if (t === 'data:') {
        if (!['img-src', 'font-src'].includes(name)) problems.push(`${label}: data: in ${name}`);
      } else {
        // a bare host ("example.com"), blob:, filesystem:, mediastream: … — a source that is not ours
        problems.push(`${label}: ${name} has a source that is not local: ${tok}`);
      }
    }
  }
  return problems;
}

/** Every string value in a JSON tree that looks like a URL, with its path. */
function urlsIn(value, path = '') {
  if (typeof value === 'string') return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /\bhttps?:\/\//i.test(value) ? [{ path, value }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => urlsIn(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => urlsIn(v, path ? `${path}.${k}` : k));
  return [];
}

function loopbackUrl(u) {
  try {
    const { hostname } = new URL(u);
    return ['localhost', '127.0.0.1', '[::1]'].includes(hostname);
  } catch {
    return false;
  }
}

test('no network: the shipped CSP allows no remote origin', () => {
  const conf = readJson('tauri.conf.json');
  const security = conf.app?.security ?? {};
  const problems = cspProblems(security.csp, 'app.security.csp');
  if (security.devCsp !== undefined && security.devCsp !== null) problems.push(...cspProblems(security.devCsp, 'app.security.devCsp'));
  const d = cspDirectives(security.csp);
  assert.ok(d['connect-src']?.includes('http://ipc.localhost'), 'connect-src names the IPC origin (so the check above is reading the real policy)');

  // No URL anywhere in the config but the editor's schema, a loopback dev server (debug builds
  // without the UI embedded only), and the IPC origin in the CSP: no updater endpoint, no remote URL.
  for (const [file, json] of [['tauri.conf.json', conf], ['tests/e2e/tauri.test.conf.json', readJson('tests/e2e/tauri.test.conf.json')]]) {
    for (const { path, value } of urlsIn(json)) {
      const ok =
        path === '$schema' ||
        (path === 'build.devUrl' && loopbackUrl(value)) ||
        (path === 'app.security.csp.connect-src' && value.split(/\s+/).every((t) => !/:\/\//.test(t) || t === 'http://ipc.localhost'));
      if (!ok) problems.push(`${file}: ${path} = ${value}`);
    }
    for (const w of json.app?.windows ?? []) {
      if (w.url && /^[a-z][a-z0-9+.-]*:/i.test(w.url)) problems.push(`${file}: window ${w.label} loads ${w.url}`);
    }
  }
  // The e2e build must carry the shipped policy, not a looser one.
  assert.equal(readJson('tests/e2e/tauri.test.conf.json').app?.security, undefined, 'the test config does not override app.security');

  const shown = Object.entries(d)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');
  console.log(`CSP: ${shown}`);
  assert.deepEqual(problems, [], `the CSP or config allows more than local sources:\n  ${problems.join('\n  ')}`);
});

/** The command names build.rs turns into permissions: src-tauri/commands.txt, one per line. */
function buildRsCommands() {
  const names = readFileSync(join(ROOT, 'src-tauri/commands.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  assert.ok(
    readFileSync(join(ROOT, 'src-tauri/build.rs'), 'utf8').includes('src-tauri/commands.txt'),
    'build.rs makes its permissions from src-tauri/commands.txt',
  );
  return names;
}

test('no network: the capability grants only Attune’s own commands and events, to local pages', () => {
  const commands = new Set(buildRsCommands());
  assert.ok(commands.size > 10, `commands read from src-tauri/commands.txt (${commands.size})`);
  const conf = readJson('tauri.conf.json');
  assert.deepEqual(conf.app?.security?.capabilities, ['main'], 'tauri.conf.json enables exactly the "main" capability');

  const capDir = join(ROOT, 'src-tauri/capabilities');
  const files = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(json|toml)$/.test(e)) files.push(p);
    }
  };
  walk(capDir);
  assert.deepEqual(files.map((f) => relative(ROOT, f)), ['src-tauri/capabilities/main.json'], 'one capability file');

  const cap = JSON.parse(readFileSync(files[0], 'utf8'));
  const problems = [];
  if (cap.identifier !== 'main') problems.push(`identifier is ${cap.identifier}`);
  if ('remote' in cap) problems.push(`a "remote" key: ${JSON.stringify(cap.remote)}`);
  if (cap.local === false) problems.push('"local": false');
  if (JSON.stringify(cap.windows) !== '["main"]') problems.push(`windows ${JSON.stringify(cap.windows)}`);
  if ('webviews' in cap) problems.push(`webviews ${JSON.stringify(cap.webviews)}`);
  const allowedCore = new Set(['core:event:allow-listen', 'core:event:allow-unlisten']);
  let own = 0;
  for (const p of cap.permissions ?? []) {
    if (typeof p !== 'string') {
      problems.push(`a scoped permission ${JSON.stringify(p)}`);
      continue;
    }
    if (allowedCore.has(p)) continue;
    const m = p.match(/^allow-([a-z0-9-]+)$/);
    if (m && commands.has(m[1].replace(/-/g, '_'))) {
      own += 1;
      continue;
    }
    problems.push(`${p} is neither an event permission nor allow-<a command in src-tauri/commands.txt>`);
  }
  console.log(
    `capability main: ${(cap.permissions ?? []).length} permissions = ${own} allow-<command> (of ${commands.size} COMMANDS) + ` +
      `${(cap.permissions ?? []).filter((p) => allowedCore.has(p)).join(', ')}; remote: ${'remote' in cap ? 'yes' : 'none'}`,
  );
  assert.deepEqual(problems, [], `src-tauri/capabilities/main.json grants more than it should:\n  ${problems.join('\n  ')}`);
});

/** Files under a folder (recursive), as paths. */
function filesUnder(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

// Svelte's runtime names its error pages and the XHTML/SVG/MathML namespaces by URL; they are
// string literals that are never loaded. Nothing else in the built UI may name a remote origin.
const ALLOWED_URL_PREFIXES = ['https://svelte.dev/e/', 'http://www.w3.org/'];

test('no network: the built UI loads nothing from a remote origin', () => {
  const dist = join(ROOT, 'ui/dist');
  assert.ok(existsSync(join(dist, 'index.html')), 'ui/dist/index.html exists (the UI is built before the e2e stage)');
  const files = [...filesUnder(dist), ...filesUnder(join(ROOT, 'ui/isolation'))];
  const problems = [];
  const counts = { html: 0, js: 0, css: 0, allowedLiterals: 0 };

  for (const f of files) {
    const rel = relative(ROOT, f);
    if (/\.html?$/.test(f)) {
      counts.html += 1;
      const html = readFileSync(f, 'utf8');
      for (const m of html.matchAll(/\b(src|href|srcset|action|formaction|poster|data)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)) {
        const v = (m[2] ?? m[3] ?? m[4]).trim();
        if (/^([a-z][a-z0-9+.-]*:)?\/\//i.test(v) || /^(https?|wss?|ftp):/i.test(v)) problems.push(`${rel}: ${m[1]}="${v}"`);
      }
    } else if (/\.m?js$/.test(f)) {
      counts.js += 1;
      const js = readFileSync(f, 'utf8');
      // Every URL in the code is one of the allowed literals, as a whole string literal.
      for (const m of js.matchAll(/\b(?:https?|wss?|ftp):\/\/[^\s"'`)\\]*/gi)) {
        const before = js[m.index - 1];
        const allowed = ALLOWED_URL_PREFIXES.some((p) => m[0].startsWith(p));
        if (allowed && ['"', "'", '`'].includes(before)) counts.allowedLiterals += 1;
        else problems.push(`${rel}: a URL in the code: …${js.slice(Math.max(0, m.index - 40), m.index + m[0].length + 10)}…`);
      }
      // No fetch/import/WebSocket/EventSource/sendBeacon/XMLHttpRequest.open of a remote origin.
      for (const m of js.matchAll(/\b(fetch|import|WebSocket|EventSource|sendBeacon|open)\s*\(\s*([^)]{0,200})/g)) {
        const arg = m[2];
        if (/^\s*[`'"]?\s*(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(arg) || ALLOWED_URL_PREFIXES.some((p) => arg.includes(p))) {
          problems.push(`${rel}: ${m[1]}(${arg.slice(0, 80)}`);
        }
      }
      // HTML inside the compiled templates: no src/href to a remote or scheme-relative URL.
      for (const m of js.matchAll(/\b(src|href|action|formaction|poster)=\\?["']?((?:[a-z][a-z0-9+.-]*:)?\/\/[^"'\s>\\]*)/gi)) {
        problems.push(`${rel}: ${m[1]}=${m[2]} in a template`);
      }
    } else if (/\.css$/.test(f)) {
      counts.css += 1;
      const css = readFileSync(f, 'utf8');
      for (const m of css.matchAll(/url\(\s*(['"]?)([^'")]*)\1\s*\)|@import\s+(['"])([^'"]*)\3/gi)) {
        const v = m[2] ?? m[4];
        if (/^([a-z][a-z0-9+.-]*:)?\/\//i.test(v)) problems.push(`${rel}: ${m[0]}`);
      }
      for (const m of css.matchAll(/\b(?:https?|wss?|ftp):\/\/[^\s"')]*/gi)) problems.push(`${rel}: ${m[0]}`);
    }
  }
  assert.ok(counts.html >= 1 && counts.js >= 1, `found the built UI (${JSON.stringify(counts)})`);
  console.log(
    `UI: ${counts.html} html, ${counts.js} js, ${counts.css} css files; ${counts.allowedLiterals} never-loaded URL literals ` +
      `(${ALLOWED_URL_PREFIXES.join(', ')}); remote references: ${problems.length}`,
  );
  assert.deepEqual(problems, [], `the built UI names a remote origin:\n  ${problems.join('\n  ')}`);
});

// Crates that would let the app (or a plugin) reach a network, or the file system/shell behind the
// capability's back. tauri itself pulls in `http` (types only) and `url`: those are not clients.
const BANNED_CRATES = [
  'tauri-plugin-http',
  'tauri-plugin-shell',
  'tauri-plugin-fs',
  'tauri-plugin-updater',
  'tauri-plugin-websocket',
  'tauri-plugin-upload',
  'reqwest',
  'hyper',
  'hyper-util',
  'ureq',
  'isahc',
  'curl',
  'attohttpc',
  'surf',
  'tungstenite',
  'tokio-tungstenite',
];

// tauri-plugin-dialog (the native file chooser behind the `choose_path` command) links
// tauri-plugin-fs as a library for its path types. Attune never registers the fs plugin, and the
// capability grants the page no plugin command, the dialog's included.
const LINKED_ONLY_THROUGH = { 'tauri-plugin-fs': 'tauri-plugin-dialog' };

test('no network: the dependency tree has no HTTP client and no shell/fs/http plugin', { timeout: 330_000 }, () => {
  const cargo = which('cargo', [join(homedir(), '.cargo/bin')]);
  assert.ok(cargo, 'cargo is on the PATH (or in ~/.cargo/bin)');
  // Reads Cargo.lock and the registry's metadata only; waits on cargo's lock if a build holds it.
  const r = spawnSync(cargo, ['tree', '-p', 'attune', '-e', 'normal', '--prefix', 'none', '--locked', '--offline'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, CARGO_TERM_COLOR: 'never' },
  });
  assert.equal(r.error, undefined, `cargo tree did not run: ${r.error?.message}`);
  assert.equal(r.status, 0, `cargo tree failed (exit ${r.status}):\n${r.stderr}`);
  const crates = new Map();
  for (const line of r.stdout.split('\n')) {
    const m = line.match(/^([A-Za-z0-9_-]+) v(\S+)/);
    if (m) crates.set(m[1], m[2]);
  }
  assert.ok(crates.has('attune') && crates.has('tauri'), `the tree lists attune and tauri (${crates.size} crates)`);
  const found = BANNED_CRATES.filter((c) => crates.has(c) && !LINKED_ONLY_THROUGH[c]).map((c) => `${c} v${crates.get(c)}`);
  console.log(`cargo tree: ${crates.size} crates in the app's normal dependencies; banned found: ${found.length ? found.join(', ') : 'none'} (checked ${BANNED_CRATES.join(', ')})`);
  assert.deepEqual(found, [], 'a network client or an unrestricted plugin is in the app’s dependency tree');

  // A banned plugin linked only as a library of an allowed one: its only dependent is that one,
  // and the app's own code never registers or calls it (so the page cannot reach it: the
  // capability check above grants no plugin permission at all).
  for (const [crate, through] of Object.entries(LINKED_ONLY_THROUGH)) {
    if (!crates.has(crate)) continue;
    const inv = spawnSync(cargo, ['tree', '-p', 'attune', '-e', 'normal', '-i', crate, '--depth', '1', '--prefix', 'none', '--locked', '--offline'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, CARGO_TERM_COLOR: 'never' },
    });
    assert.equal(inv.status, 0, `cargo tree -i ${crate} failed:\n${inv.stderr}`);
    const dependents = inv.stdout
      .split('\n')
      .map((l) => l.match(/^([A-Za-z0-9_-]+) v/)?.[1])
      .filter((n) => n && n !== crate);
    assert.deepEqual([...new Set(dependents)], [through], `${crate} is linked only through ${through}`);
    const symbol = crate.replace(/-/g, '_');
    const users = filesUnder(join(ROOT, 'src-tauri')).filter((f) => /\.rs$/.test(f) && readFileSync(f, 'utf8').includes(symbol));
    assert.deepEqual(users.map((f) => relative(ROOT, f)), [], `no Attune source uses ${symbol}`);
    const manifest = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8');
    assert.doesNotMatch(manifest, new RegExp(`^\\s*${crate}\\s*=`, 'm'), `Cargo.toml does not depend on ${crate} itself`);
    console.log(`cargo tree: ${crate} v${crates.get(crate)} is linked only as a library of ${through}, never registered or called by Attune`);
  }
});
