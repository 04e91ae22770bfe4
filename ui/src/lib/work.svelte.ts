// Long work a screen starts (a backup, an export, an import…): the id (`op`) the command is
// given, its progress from the `work-progress` events, and cancelling it. The screens show it
// with ProgressBar.svelte.

import { cancelWork, isCommandError, onWorkProgress } from "./ipc";

let counter = 0;

/** A fresh id for one piece of work (never reused in this window). */
export function newOp(kind: string): string {
  counter += 1;
  return `${kind}-${Date.now().toString(36)}-${counter}`;
}

/** True when the error says the work stopped because it was cancelled. */
export function isCancelled(e: unknown): boolean {
  return isCommandError(e) && e.kind === "cancelled";
}

/** Whole percent of `done` out of `total` (0 until a total is known). */
export function percent(done: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.max(0, Math.min(100, Math.floor((done * 100) / total)));
}

export class LongWork {
  op = $state<string | null>(null);
  phase = $state("");
  done = $state(0);
  total = $state(0);
  cancelling = $state(false);

  constructor(private readonly kind: string) {}

  get running(): boolean {
    return this.op !== null;
  }

  get percent(): number {
    return percent(this.done, this.total);
  }

  /** Runs `start(op)`, following its progress until it settles. */
  async run<T>(start: (op: string) => Promise<T>): Promise<T> {
    const op = newOp(this.kind);
    this.op = op;
    this.phase = "";
    this.done = 0;
    this.total = 0;
    this.cancelling = false;
    let stop: (() => void) | null = null;
    try {
      stop = await onWorkProgress((e) => {
        if (e.op !== op) return;
        this.phase = e.phase;
        // Never backwards, even if events arrive out of order.
        if (e.total !== this.total || e.done >= this.done) {
          this.done = e.done;
          this.total = e.total;
        }
      });
    } catch {
      // No progress events (the work still runs; the bar waits at 0).
    }
    try {
      return await start(op);
    } finally {
      stop?.();
      this.op = null;
      this.cancelling = false;
    }
  }

  /** Asks the backend to stop the work; the command then rejects with `cancelled`. */
  async cancel(): Promise<void> {
    const op = this.op;
    if (op === null || this.cancelling) return;
    this.cancelling = true;
    try {
      await cancelWork(op);
    } catch {
      this.cancelling = false;
    }
  }
}

/** What each phase of long work is called on screen. */
const PHASES: Record<string, string> = {
  checking: "Checking",
  snapshot: "Taking a consistent copy of the vault",
  copying: "Copying",
  "reading back": "Reading it back from the disk and checking it",
  gathering: "Gathering the figures",
  auditing: "Making sure no pupil can be identified",
  writing: "Writing the files",
  reading: "Reading the files",
  merging: "Merging",
  importing: "Adding the pupils",
  unpacking: "Unpacking the backup",
  replacing: "Replacing the vault",
};

export function phaseLabel(phase: string): string {
  return PHASES[phase] ?? "";
}
