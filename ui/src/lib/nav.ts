// Moving between the unlocked app's pages, offered by Shell to every screen.

import { getContext, setContext } from "svelte";

export type PupilSection =
  | "about"
  | "team"
  | "plan"
  | "sessions"
  | "chronology"
  | "scores"
  | "indicators"
  | "details"
  | "reviews"
  | "progress";

export type Page =
  | { id: "caseload" }
  | { id: "pupils" }
  // `update`: an update of the pupils held from a later MIS export (issue 15), not new pupils.
  | { id: "import"; update?: boolean }
  // The start of a new school year: year groups move on, leavers are offered (issue 15).
  | { id: "rollover" }
  // `log`: open the Sessions section with "Log a session" open, focus in the note (the Alt+S
  // shortcut); `visit` makes a second visit to the same pupil open afresh.
  | { id: "pupil"; pupilId: number; section?: PupilSection; log?: boolean; visit?: number }
  | { id: "search"; text: string }
  | { id: "audit" }
  | { id: "account" }
  | { id: "users" }
  // Several laptops, one school (issue 17): sync files, the laptops, preparing one for a key adult.
  | { id: "sync"; enrolFor?: string }
  | { id: "settings" }
  | { id: "terms" }
  // The strategic lead's overview of every caseload, and supervision notes (issue 5).
  | { id: "overview" }
  | { id: "supervision"; keyAdultId?: string; noteId?: number }
  // Anonymised summaries: the school's preview and export, and merging several schools' files.
  | { id: "summary" }
  | { id: "merge" }
  // One of a pupil's plans as it stood, most often an earlier one (issue 16): goals, reviews, progress.
  | { id: "plan"; pupilId: number; planId: number }
  // A review of a pupil's plan: the draft form, or the signed record with its amendments.
  | { id: "review"; pupilId: number; reviewId: number }
  // The print view of a plan or one review (A4 print stylesheet; print or save as PDF).
  | { id: "print"; pupilId: number; what: "plan" | "review"; targetId: number }
  | SafetyPage;

// Moving data safely (issue 6): backups and restore, a pupil's subject access document and
// handover pack, importing a handover pack, retention and erasure.
export type SafetyPage =
  | { id: "backup" }
  | { id: "restore" }
  | { id: "sar"; pupilId: number }
  | { id: "handover"; pupilId: number }
  | { id: "handover-import" }
  | { id: "retention" };

export type Nav = {
  go: (page: Page) => void;
  /** Opens "Log a session" (which pupil?), as Alt+S does; absent outside the unlocked app. */
  logSession?: () => void;
};

const KEY = Symbol("attune-nav");

export function setNav(nav: Nav): void {
  setContext(KEY, nav);
}

export function getNav(): Nav {
  return getContext<Nav | undefined>(KEY) ?? { go: () => {} };
}
