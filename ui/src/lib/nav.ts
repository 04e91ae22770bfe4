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
  | "details";

export type Page =
  | { id: "caseload" }
  | { id: "pupils" }
  | { id: "import" }
  | { id: "pupil"; pupilId: number; section?: PupilSection }
  | { id: "search"; text: string }
  | { id: "audit" }
  | { id: "account" }
  | { id: "users" }
  | { id: "settings" }
  | { id: "terms" };

export type Nav = {
  go: (page: Page) => void;
};

const KEY = Symbol("attune-nav");

export function setNav(nav: Nav): void {
  setContext(KEY, nav);
}

export function getNav(): Nav {
  return getContext<Nav | undefined>(KEY) ?? { go: () => {} };
}
