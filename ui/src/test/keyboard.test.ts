// Issue 16 (items 6, 9, 10): accessible names that read as words, "Log a session" from anywhere
// with Alt+S, the review's autosave written before Ctrl+L drops the key, and the words a first
// review and an empty plan show. Only ipc.ts is mocked (the fake backend).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import type { UserInfo } from "../lib/bindings";
import { ADULT, backend, LEAD, passphraseFor } from "./fake-backend";
import { records, seedPlan, seedPupil } from "./fake-records";
import { reviewStore } from "./fake-reviews";
import { byTestId, renderApp } from "./helpers";
import { keysToPick, matchPupils, type PickablePupil } from "../lib/pupil-picker";

vi.mock("../lib/ipc", async (importOriginal) => {
  const { fakeIpc } = await import("./fake-backend");
  return fakeIpc(await importOriginal());
});

const api = vi.mocked(ipc);

beforeEach(() => {
  vi.clearAllMocks();
  backend.lockedWith([LEAD, ADULT]);
});

async function signIn(as: UserInfo) {
  const rendered = await renderApp();
  const { user } = rendered;
  await user.click(byTestId(`unlock-user-${as.id}`));
  await user.type(byTestId("unlock-passphrase"), passphraseFor(as));
  await user.click(byTestId("unlock-submit"));
  await screen.findByTestId("home-heading");
  return rendered;
}

/**
 * Every visually hidden part glued to the word before it, on the page as it stands: a text that
 * ends in a letter or digit right before a hidden span whose text starts with one ("Remove" +
 * "Ravi Collins"). An enumerator over the DOM, independent of the screens' code.
 */
function gluedHiddenParts(): string[] {
  const found: string[] = [];
  for (const el of document.querySelectorAll(".visually-hidden, .radio-hint")) {
    const before = el.previousSibling;
    const prevText = before?.nodeType === Node.TEXT_NODE ? (before.textContent ?? "") : before instanceof Element ? (before.textContent ?? "") : "";
    const own = el.textContent ?? "";
    if (/[\p{L}\p{N})]$/u.test(prevText) && /^[\p{L}\p{N}(]/u.test(own)) found.push(`${prevText.slice(-20)}|${own.slice(0, 30)}`);
  }
  return found;
}

describe("accessible names read as words", () => {
  it("the caseload's buttons and links, by their exact spaced names", async () => {
    const ava = seedPupil(
      { legal_forename: "Ava", legal_surname: "Brown" },
      { keyAdult: { id: ADULT.id, name: ADULT.name }, nextReview: "2027-02-08", overdue: false },
    );
    await signIn(ADULT);
    await screen.findByTestId(`caseload-row-${ava.pupil.id}`);
    expect(screen.getByRole("button", { name: "Log a session with Ava Brown" })).toBe(byTestId(`log-session-${ava.pupil.id}`));
    expect(screen.getByRole("link", { name: "Reviews of Ava Brown, next due 8 February 2027" })).toBe(byTestId(`review-link-${ava.pupil.id}`));
    expect(gluedHiddenParts()).toEqual([]);
  });

  it("a user's Remove button, and the review buttons of a pupil", async () => {
    const ava = seedPupil({ legal_forename: "Ava", legal_surname: "Brown" }, { keyAdult: { id: ADULT.id, name: ADULT.name } });
    seedPlan(ava, { dueDates: [{ date: "2027-02-08", provisional: false, held: false, overdue: false }], goals: [{ outcome: "Joins a club" }] });
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-users"));
    expect(await screen.findByRole("button", { name: `Remove ${ADULT.name}` })).toBeInTheDocument();
    expect(gluedHiddenParts()).toEqual([]);

    await user.click(byTestId("nav-caseload"));
    await user.click(await screen.findByTestId(`review-link-${ava.pupil.id}`));
    await screen.findByTestId("reviews-table");
    expect(screen.getByRole("button", { name: /^[A-Z][a-z ]+ due 8 February 2027$/ })).toBe(byTestId("review-open-2027-02-08"));
    expect(gluedHiddenParts()).toEqual([]);
    await user.click(byTestId("pupil-tab-plan"));
    await screen.findByTestId("goal-list");
    expect(gluedHiddenParts()).toEqual([]);
  });
});

describe("a plan with no goals, and a first review", () => {
  it("says there are no goals yet and how to add one, with no bare Goals heading", async () => {
    const ava = seedPupil({ legal_forename: "Ava", legal_surname: "Brown" }, { keyAdult: { id: ADULT.id, name: ADULT.name } });
    seedPlan(ava, { goals: [] });
    const { user } = await signIn(ADULT);
    await user.click(await screen.findByTestId(`pupil-link-${ava.pupil.id}`));
    await user.click(await screen.findByTestId("pupil-tab-plan"));
    expect(await screen.findByRole("heading", { name: "No goals yet" })).toBeInTheDocument();
    expect(screen.queryByRole("heading", { name: "Goals" })).toBeNull();
    expect(byTestId("goals-none")).toHaveTextContent("Choose Add a goal below");
  });

  it("the first review looks back to the plan's start in words", async () => {
    const ava = seedPupil({ legal_forename: "Ava", legal_surname: "Brown" }, { keyAdult: { id: ADULT.id, name: ADULT.name } });
    seedPlan(ava, { dueDates: [{ date: "2026-10-19", provisional: false, held: false, overdue: true }], goals: [{ outcome: "Joins a club" }] });
    const { user } = await signIn(ADULT);
    await user.click(await screen.findByTestId(`review-link-${ava.pupil.id}`));
    await user.click(await screen.findByTestId("review-open-2026-10-19"));
    await screen.findByTestId("review-form");
    expect(byTestId("review-prefill-window")).toHaveTextContent(/^Since the plan started: 1 September 2025 to 19 October 2026$/);
  });
});

describe("Ctrl+L straight after typing in a review", () => {
  it("writes the review's pending autosave before the key is dropped", async () => {
    const ava = seedPupil({ legal_forename: "Ava", legal_surname: "Brown" }, { keyAdult: { id: ADULT.id, name: ADULT.name } });
    seedPlan(ava, { dueDates: [{ date: "2026-10-19", provisional: false, held: false, overdue: true }], goals: [{ outcome: "Joins a club" }] });
    const { user } = await signIn(ADULT);
    await user.click(await screen.findByTestId(`review-link-${ava.pupil.id}`));
    await user.click(await screen.findByTestId("review-open-2026-10-19"));
    await screen.findByTestId("review-form");
    api.saveReviewDraft.mockClear();
    await user.type(byTestId("review-pupil-voice"), "I want to sit by the window");
    // Within the 800 ms the autosave waits: nothing saved yet.
    expect(api.saveReviewDraft).not.toHaveBeenCalled();
    await user.keyboard("{Control>}l{/Control}");
    await screen.findByTestId("unlock-passphrase");
    expect(api.lock).toHaveBeenCalledTimes(1);
    expect(api.saveReviewDraft).toHaveBeenCalled();
    const lastSave = Math.max(...api.saveReviewDraft.mock.invocationCallOrder);
    expect(lastSave).toBeLessThan(api.lock.mock.invocationCallOrder[0]);
    const [review] = [...reviewStore.reviews.values()];
    expect(review.content.pupil_voice).toBe("I want to sit by the window");
  });
});

describe("Log a session from anywhere (Alt+S)", () => {
  it("asks which pupil by the first letters, then opens the session form with focus in the note", async () => {
    const pupils = ["Ava Brown", "Ben Adams", "Zara Yusuf", "Zoe Young"].map((n) => {
      const [f, s] = n.split(" ");
      return seedPupil({ legal_forename: f, legal_surname: s }, { keyAdult: { id: ADULT.id, name: ADULT.name } });
    });
    const zoe = pupils[3];
    const { user } = await signIn(ADULT);
    await screen.findByTestId(`caseload-row-${zoe.pupil.id}`);
    const button = byTestId("log-session-any");
    expect(button).toHaveAttribute("aria-keyshortcuts", "Alt+S");
    expect(byTestId("keyboard-shortcuts")).toHaveTextContent("Alt+S");

    fireEvent.keyDown(window, { key: "s", code: "KeyS", altKey: true });
    const input = await screen.findByRole("combobox", { name: "Which pupil?" });
    await waitFor(() => expect(within(byTestId("log-picker-list")).getAllByRole("option")).toHaveLength(4));
    expect(document.activeElement).toBe(input);
    await user.type(input, "zo");
    await waitFor(() => expect(input).toHaveAttribute("aria-activedescendant", `log-picker-option-${zoe.pupil.id}`));
    expect(within(byTestId("log-picker-list")).getByRole("option", { name: /Zoe Young/ })).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{Enter}");

    await screen.findByTestId("log-session-form");
    expect(byTestId("pupil-heading")).toHaveTextContent("Zoe Young");
    await waitFor(() => expect(document.activeElement).toBe(byTestId("session-note")));
    await user.keyboard("Made a den{Enter}");
    await screen.findByTestId("session-saved");
    expect(api.logSession).toHaveBeenCalledWith(zoe.pupil.id, expect.objectContaining({ note: "Made a den", kind: "check_in" }));
    expect(byTestId("session-list")).toHaveTextContent("Made a den");
    expect(records.pupils.get(zoe.pupil.id)?.sessions.some((s) => s.note === "Made a den")).toBe(true);
  });

  it("Esc closes it and gives focus back", async () => {
    seedPupil({ legal_forename: "Ava", legal_surname: "Brown" }, { keyAdult: { id: ADULT.id, name: ADULT.name } });
    const { user } = await signIn(ADULT);
    const button = await screen.findByTestId("log-session-any");
    await user.click(button);
    await screen.findByRole("combobox", { name: "Which pupil?" });
    await user.click(byTestId("log-picker-cancel"));
    expect(byTestId("log-picker")).not.toHaveAttribute("open");
    expect(document.activeElement).toBe(button);
  });
});

// The demo generator's names (attune-admin demo.rs): accents, apostrophes, hyphens, two words.
const FORENAMES = ["Amelia", "Oliver", "Zoë", "Siân", "Aoife", "Chloé", "José", "Oluwaseun", "Mohammed", "Aisha", "Noah", "Isla", "Leo", "Freya", "Kacper", "Zuzanna", "Niamh", "Eilidh", "Ruaidhrí", "Dmitri", "Anaïs", "Björn", "Ngozi", "Priya", "Arjun", "Fatima", "Yusuf", "Mei", "Hiroshi", "Ellie-May", "Jayden", "Renée", "Seán", "Tomás", "Ana-Sofia", "Ifeoluwa", "Lily", "Harry", "Grace", "Muhammad", "Kofi", "Amara"];
const SURNAMES = ["O'Brien", "D'Souza", "Smith", "Jones", "Williams", "Taylor", "Müller", "Núñez", "Kowalczyk", "Wójcik", "Ó Súilleabháin", "MacDonald", "Ahmed", "Khan", "Patel", "Iyer", "Popescu", "Nguyễn", "Okafor", "Adeyemi", "Evans", "Davies", "ap Rhys", "Le Fèvre", "van der Berg", "Brown", "Wilson", "Thompson", "Robinson", "Wright", "Walker", "Hughes", "Green", "Hall", "Clarke", "Jackson", "Wood", "Harris", "Martin", "Cooper", "Mensah", "Owusu", "Fitzgerald"];

/** A small seeded generator (mulberry32), so each caseload is the same on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("choosing a pupil by the first letters of the name", () => {
  it("matches any word's start, accents and apostrophes folded, whole-name matches first", () => {
    const list: PickablePupil[] = [
      { pupil_id: 1, preferred_name: "Zoë", surname: "O'Brien" },
      { pupil_id: 2, preferred_name: "Oliver", surname: "Smith" },
      { pupil_id: 3, preferred_name: "Ana-Sofia", surname: "van der Berg" },
    ];
    expect(matchPupils(list, "zoe").map((p) => p.pupil_id)).toEqual([1]);
    expect(matchPupils(list, "o").map((p) => p.pupil_id)).toEqual([2, 1]); // Oliver first, then O'Brien
    expect(matchPupils(list, "obr").map((p) => p.pupil_id)).toEqual([1]);
    expect(matchPupils(list, "sof").map((p) => p.pupil_id)).toEqual([3]);
    expect(matchPupils(list, "der b").map((p) => p.pupil_id)).toEqual([3]);
    expect(matchPupils(list, "os").map((p) => p.pupil_id)).toEqual([2]); // initials: Oliver Smith
    expect(matchPupils(list, "asv").map((p) => p.pupil_id)).toEqual([3]); // Ana-Sofia van der Berg
    expect(matchPupils(list, "x")).toEqual([]);
  });

  it("reaches every pupil of a 30-pupil caseload in at most 3 keys, so a session takes at most 6 beyond the note", () => {
    // Alt+S, at most 3 keys (letters or Down), Enter; the note; Enter.
    let worst = 0;
    for (let seed = 1; seed <= 50; seed++) {
      const next = rng(seed);
      const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)];
      const caseload: PickablePupil[] = Array.from({ length: 30 }, (_, i) => ({ pupil_id: i + 1, preferred_name: pick(FORENAMES), surname: pick(SURNAMES) }));
      for (const p of caseload) {
        // Twins of the same name cannot be told apart by letters; Down reaches them.
        worst = Math.max(worst, keysToPick(caseload, p));
      }
    }
    expect(worst).toBeLessThanOrEqual(3);
  });
});
