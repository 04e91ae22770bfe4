// A small W3C WebDriver client on fetch: just what Attune's black-box tests need, no framework.
// Spec: https://www.w3.org/TR/webdriver2/ — tauri-driver forwards these requests to WebKitWebDriver.

import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';
const REQUEST_TIMEOUT_MS = 90_000;

/** An error answered by the driver ({ value: { error, message } }), or a transport failure. */
export class WebDriverError extends Error {
  constructor(error, message, { method, path, status } = {}) {
    super(`${error}: ${message} (${method} ${path}${status ? ` → HTTP ${status}` : ''})`);
    this.name = 'WebDriverError';
    this.error = error; // W3C error code, e.g. "no such element"
    this.status = status;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Poll `fn` until it returns a truthy value (returned) or `timeoutSec` passes (throws).
 * Errors thrown by `fn` count as "not yet" while polling; the last one is reported at the end.
 */
export async function waitFor(fn, { timeoutSec = 20, intervalMs = 200, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutSec * 1000;
  let lastError;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutSec}s waiting for ${what}${why}`);
    }
    await sleep(intervalMs);
  }
}

/** CSS selector for a data-testid. */
export const tid = (id) => `[data-testid="${id}"]`;

async function request(base, method, path, body) {
  const url = base.replace(/\/$/, '') + path;
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (e) {
    throw new WebDriverError('transport error', e.cause?.message ?? e.message, { method, path });
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    throw new WebDriverError('invalid response', text.slice(0, 300), { method, path, status: res.status });
  }
  const value = json.value;
  if (!res.ok || (value && typeof value === 'object' && typeof value.error === 'string')) {
    throw new WebDriverError(value?.error ?? `HTTP ${res.status}`, value?.message ?? text.slice(0, 300), {
      method,
      path,
      status: res.status,
    });
  }
  return value;
}

/** GET /status: { ready, message } */
export async function status(base) {
  return request(base, 'GET', '/status');
}

/** POST /session with W3C capabilities; returns a Session. */
export async function newSession(base, capabilities) {
  const value = await request(base, 'POST', '/session', { capabilities });
  return new Session(base, value.sessionId, value.capabilities);
}

export class Session {
  constructor(base, id, capabilities) {
    this.base = base;
    this.id = id;
    this.capabilities = capabilities;
  }

  cmd(method, path, body) {
    return request(this.base, method, `/session/${this.id}${path}`, body);
  }

  setTimeouts({ script, pageLoad, implicit } = {}) {
    return this.cmd('POST', '/timeouts', { script, pageLoad, implicit });
  }

  title() {
    return this.cmd('GET', '/title');
  }

  source() {
    return this.cmd('GET', '/source');
  }

  /** First element matching a CSS selector (throws "no such element"). */
  async find(css) {
    const v = await this.cmd('POST', '/element', { using: 'css selector', value: css });
    return new Element(this, v[ELEMENT_KEY], css);
  }

  /** All elements matching a CSS selector (possibly none). */
  async findAll(css) {
    const vs = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return vs.map((v) => new Element(this, v[ELEMENT_KEY], css));
  }

  /** Element by data-testid. */
  byTestId(id) {
    return this.find(tid(id));
  }

  /** Wait until an element matching `css` exists (and, by default, is displayed); return it. */
  waitFor(css, { timeoutSec = 20, visible = true } = {}) {
    return waitFor(
      async () => {
        for (const el of await this.findAll(css)) {
          if (!visible || (await el.displayed())) return el;
        }
        return null;
      },
      { timeoutSec, what: `${visible ? 'a visible ' : ''}element ${css}` },
    );
  }

  /** Wait until no displayed element matches `css`. */
  waitForGone(css, { timeoutSec = 20 } = {}) {
    return waitFor(
      async () => {
        for (const el of await this.findAll(css)) {
          if (await el.displayed().catch(() => false)) return false;
        }
        return true;
      },
      { timeoutSec, what: `element ${css} to go away` },
    );
  }

  /** Run a function body synchronously in the page; `arguments` holds `args`. */
  execute(script, args = []) {
    return this.cmd('POST', '/execute/sync', { script, args: args.map(toWire) });
  }

  /** Run an async script: it must call `arguments[arguments.length - 1](result)`. */
  executeAsync(script, args = []) {
    return this.cmd('POST', '/execute/async', { script, args: args.map(toWire) });
  }

  /** Screenshot of the window as PNG bytes. */
  async screenshot() {
    const b64 = await this.cmd('GET', '/screenshot');
    return Buffer.from(b64, 'base64');
  }

  async screenshotTo(file) {
    const png = await this.screenshot();
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, png);
    return file;
  }

  /** Currently focused element. */
  async active() {
    const v = await this.cmd('GET', '/element/active');
    return new Element(this, v[ELEMENT_KEY], ':focus');
  }

  /** Key strokes to the focused element via the Actions API (`keys` is a string; see Keys). */
  async keys(keys) {
    const actions = [];
    for (const k of keys) actions.push({ type: 'keyDown', value: k }, { type: 'keyUp', value: k });
    await this.cmd('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions }] });
    await this.cmd('DELETE', '/actions');
  }

  delete() {
    return request(this.base, 'DELETE', `/session/${this.id}`);
  }
}

/** Special keys for sendKeys / Session.keys. */
export const Keys = { ENTER: '\uE007', TAB: '\uE004', ESCAPE: '\uE00C', SPACE: '\uE00D', BACKSPACE: '\uE003' };

function toWire(arg) {
  return arg instanceof Element ? { [ELEMENT_KEY]: arg.id } : arg;
}

export class Element {
  constructor(session, id, css) {
    this.session = session;
    this.id = id;
    this.css = css;
  }

  cmd(method, path, body) {
    return this.session.cmd(method, `/element/${this.id}${path}`, body);
  }

  click() {
    return this.cmd('POST', '/click', {});
  }

  clear() {
    return this.cmd('POST', '/clear', {});
  }

  /** Type text into the element (W3C "Element Send Keys"). */
  sendKeys(text) {
    return this.cmd('POST', '/value', { text });
  }

  async text() {
    return this.cmd('GET', '/text');
  }

  attribute(name) {
    return this.cmd('GET', `/attribute/${encodeURIComponent(name)}`);
  }

  property(name) {
    return this.cmd('GET', `/property/${encodeURIComponent(name)}`);
  }

  displayed() {
    return this.cmd('GET', '/displayed');
  }

  enabled() {
    return this.cmd('GET', '/enabled');
  }

  selected() {
    return this.cmd('GET', '/selected');
  }

  tagName() {
    return this.cmd('GET', '/name');
  }

  /** The accessible name, computed by the browser's own accessibility tree (W3C "Get Computed Label"). */
  computedLabel() {
    return this.cmd('GET', '/computedlabel');
  }

  /** The ARIA role, from the browser's accessibility tree (W3C "Get Computed Role"). */
  computedRole() {
    return this.cmd('GET', '/computedrole');
  }

  async find(css) {
    const v = await this.cmd('POST', '/element', { using: 'css selector', value: css });
    return new Element(this.session, v[ELEMENT_KEY], `${this.css} ${css}`);
  }

  async findAll(css) {
    const vs = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return vs.map((v) => new Element(this.session, v[ELEMENT_KEY], `${this.css} ${css}`));
  }
}
