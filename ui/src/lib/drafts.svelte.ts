// Drafts: every form keeps what is typed as a draft in the vault (encrypted there, never on
// disk in the clear), about a second after typing stops, and offers it back when reopened.
//
// Usage in a form:
//   const draft = new DraftKeeper<MyFields>(`session:${pupilId}`);
//   onMount(() => draft.check());              // offer a saved draft back
//   $effect(() => draft.typed(snapshot()));    // save while typing (debounced)
//   draft.restore() / draft.discard() / draft.done() (after saving the real record)

import { deleteDraft, loadDraft, saveDraft } from "./ipc";
import { isLockedError } from "./errors";
import type { Draft } from "./bindings";

/** How long after the last keystroke a draft is saved. */
export const DRAFT_DELAY_MS = 1000;

const live = new Set<DraftKeeper<unknown>>();

/** Forms that save on their own timer (the review's autosave): each saves what is waiting. */
const flushers = new Set<() => Promise<unknown>>();

/**
 * A form with its own autosave asks to be flushed before a lock drops the key; call the returned
 * function when the form goes away.
 */
export function registerFlush(flush: () => Promise<unknown>): () => void {
  flushers.add(flush);
  return () => {
    flushers.delete(flush);
  };
}

/**
 * Saves every draft still waiting for its timer, and every form's pending autosave (before a
 * manual lock). A save that fails is not retried here: the lock goes ahead either way.
 */
export async function flushDrafts(): Promise<void> {
  await Promise.all([
    ...[...live].map((d) => d.flush()),
    ...[...flushers].map((f) => f().catch(() => undefined)),
  ]);
}

export class DraftKeeper<T> {
  /** A saved draft not yet restored or discarded. */
  offer: Draft | null = $state(null);
  readonly formKey: string;
  private baseline: string | null = null;
  private lastSaved: string | null = null;
  private pending: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private onLocked: () => void;

  constructor(formKey: string, onLocked: () => void = () => {}) {
    this.formKey = formKey;
    this.onLocked = onLocked;
    live.add(this as DraftKeeper<unknown>);
  }

  /** Looks for a saved draft to offer back. */
  async check(): Promise<void> {
    try {
      const found = await loadDraft(this.formKey);
      if (found) {
        this.offer = found;
        this.lastSaved = found.content;
      }
    } catch (e) {
      if (isLockedError(e)) this.onLocked();
    }
  }

  /**
   * The form's fields changed. The first call is the empty form (the baseline, not saved);
   * later ones are saved a second after typing stops. Back to the baseline deletes the draft.
   */
  typed(fields: T): void {
    const content = JSON.stringify(fields);
    if (this.baseline === null) {
      this.baseline = content;
      return;
    }
    if (content === this.pending || (this.pending === null && content === this.lastSaved)) return;
    this.pending = content;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), DRAFT_DELAY_MS);
  }

  /** Saves now whatever is waiting. */
  async flush(quiet = false): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const content = this.pending;
    this.pending = null;
    if (content === null || content === this.lastSaved) return;
    try {
      if (content === this.baseline) {
        if (this.lastSaved !== null) await deleteDraft(this.formKey);
        this.lastSaved = null;
      } else {
        await saveDraft(this.formKey, content);
        this.lastSaved = content;
      }
    } catch (e) {
      if (isLockedError(e) && !quiet) this.onLocked();
    }
  }

  /** The offered draft's fields; the form sets them, and they count as typed. */
  restore(): T | null {
    const offer = this.offer;
    this.offer = null;
    if (!offer) return null;
    try {
      return JSON.parse(offer.content) as T;
    } catch {
      return null;
    }
  }

  /** Throws the offered draft away. */
  async discard(): Promise<void> {
    this.offer = null;
    this.lastSaved = null;
    try {
      await deleteDraft(this.formKey);
    } catch (e) {
      if (isLockedError(e)) this.onLocked();
    }
  }

  /** The record was saved: the draft is no longer needed; the form starts empty again. */
  async done(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    this.offer = null;
    this.baseline = null;
    this.lastSaved = null;
    try {
      await deleteDraft(this.formKey);
    } catch (e) {
      if (isLockedError(e)) this.onLocked();
    }
  }

  /** The form is going away (closed, or the app locking): save what is waiting. */
  dispose(): void {
    void this.flush(true).finally(() => live.delete(this as DraftKeeper<unknown>));
  }
}
