// Correcting or withdrawing one entry of a pupil's page (issue 16, item 1): which entry's form is
// open, and the message once done. Opening a form moves focus to its heading; closing it moves
// focus back to the button that opened it, or (after a withdrawal, the entry gone from the list)
// to the list's heading. One place for the sessions, chronology, scores and indicators sections.

import { tick } from "svelte";
import type { EntryKind } from "./bindings";

export type EditMode = "correct" | "withdraw";

export class EntryEditing {
  /** The entry whose form is open, and which form. */
  editing: { id: number; mode: EditMode } | null = $state(null);
  /** "Corrected: …" / "Withdrawn: …", for the section's notice. */
  changed = $state("");

  constructor(
    private readonly kind: EntryKind,
    /** Fetches the section's entries again after a change. */
    private readonly reload: () => Promise<unknown>,
    /** Where focus goes when the entry has left the list. */
    private readonly listHeading: string,
  ) {}

  /** Opens the form of entry `id`. */
  open = async (id: number, mode: EditMode): Promise<void> => {
    this.changed = "";
    this.editing = { id, mode };
    await tick();
    document.getElementById(`correct-${this.kind}-${id}-heading`)?.focus();
  };

  /** The form closed: saved with `message`, or cancelled (null). */
  done = async (message: string | null): Promise<void> => {
    const id = this.editing?.id;
    const mode = this.editing?.mode;
    this.editing = null;
    if (message) {
      this.changed = message;
      await this.reload();
    }
    await tick();
    const back = message && mode === "withdraw" ? this.listHeading : `correct-open-${this.kind}-${id}`;
    (document.getElementById(back) ?? document.getElementById(this.listHeading))?.focus();
  };
}
