// The safeguarding reminder on the session form (issue 16, item 7): the matching rule, the
// reminder on choosing crisis support or typing one of the school's words, the reference sent
// with the session, and the lead's list of words in Settings. Only ipc.ts is mocked.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import { ADULT, backend, LEAD, passphraseFor } from "./fake-backend";
import { noChanges, records, seedPupil } from "./fake-records";
import { byTestId, renderApp } from "./helpers";
import { todayIso } from "../lib/dates";
import { matchedWords, needsReminder } from "../lib/safeguarding";
import type { UserInfo } from "../lib/bindings";

// Each test signs in and opens forms through the window: more than the default 5 s on a busy
// machine (this is no measure of speed).
vi.setConfig({ testTimeout: 20_000 });

vi.mock("../lib/ipc", async (importOriginal) => {
  const { fakeIpc } = await import("./fake-backend");
  return fakeIpc(await importOriginal());
});

const api = vi.mocked(ipc);

beforeEach(() => {
  vi.clearAllMocks();
  backend.lockedWith([LEAD, ADULT]);
});

describe("the matching rule", () => {
  const words = ["hit", "scared to go home", "self-harm", "bruise"];

  it("matches whole words only, ignoring case and accents", () => {
    expect(matchedWords("He said his dad HIT him.", words)).toEqual(["hit"]);
    expect(matchedWords("Hít", ["hit"])).toEqual(["hit"]);
    expect(matchedWords("a hit", ["HÍT"])).toEqual(["HÍT"]);
    // A word that merely contains one is not a match.
    expect(matchedWords("Hitherto she was settled; the white board was full.", words)).toEqual([]);
    expect(matchedWords("bruised knee", words)).toEqual([]);
    expect(matchedWords("", words)).toEqual([]);
  });

  it("while typing, counts the last word only once it is finished", () => {
    expect(matchedWords("he hit", ["hit"], { typing: true })).toEqual([]);
    expect(matchedWords("he hit ", ["hit"], { typing: true })).toEqual(["hit"]);
    expect(matchedWords("he hit.", ["hit"], { typing: true })).toEqual(["hit"]);
    expect(matchedWords("he hit", ["hit"])).toEqual(["hit"]);
    expect(matchedWords("hit me and hith", ["hit"], { typing: true })).toEqual(["hit"]);
  });

  it("matches a phrase as consecutive words, and a hyphen as a gap", () => {
    expect(matchedWords("She is Scared  to go\nhome tonight", words)).toEqual(["scared to go home"]);
    expect(matchedWords("scared to go to the home corner", words)).toEqual([]);
    expect(matchedWords("talked about self harm", words)).toEqual(["self-harm"]);
    expect(matchedWords("Self-harm mentioned; a bruise on the arm", words)).toEqual(["self-harm", "bruise"]);
  });

  it("reminds for crisis support whatever the note, and never for an empty list of words", () => {
    expect(needsReminder("crisis", "", [])).toBe(true);
    expect(needsReminder("check_in", "he hit me", [])).toBe(false);
    expect(needsReminder("check_in", "he hit me", ["hit"])).toBe(true);
    expect(needsReminder("planned", "a calm session", ["hit"])).toBe(false);
  });
});

async function openForm(as: UserInfo) {
  const ava = seedPupil(
    { legal_forename: "Ava", legal_surname: "Brown", year_group: "Year 5", support_level: "Intensive" },
    { keyAdult: { id: ADULT.id, name: ADULT.name } },
  ).pupil.id;
  const rendered = await renderApp();
  const { user } = rendered;
  await user.click(byTestId(`unlock-user-${as.id}`));
  await user.type(byTestId("unlock-passphrase"), passphraseFor(as));
  await user.click(byTestId("unlock-submit"));
  await screen.findByTestId("home-heading");
  await user.click(await screen.findByTestId(`log-session-${ava}`));
  await screen.findByTestId("log-session-form");
  await vi.waitFor(() => expect(api.safeguardingWords).toHaveBeenCalled());
  return { ...rendered, ava };
}

describe("the session form's reminder", () => {
  it("appears, announced politely, when crisis support is chosen; the reference is sent and saving is not blocked", async () => {
    const { user, ava } = await openForm(ADULT);
    const status = byTestId("session-safeguarding-status");
    expect(status).toHaveAttribute("role", "status");
    expect(status).toHaveAttribute("aria-live", "polite");
    expect(status).toBeEmptyDOMElement();
    expect(screen.queryByLabelText("Safeguarding reference (optional)")).not.toBeInTheDocument();

    await user.click(byTestId("session-kind-crisis"));
    expect(within(status).getByTestId("session-safeguarding-inset")).toHaveTextContent(
      "A safeguarding concern is not recorded here. If this session raised one, record it in the school's safeguarding system and add its reference below. The session can still be saved.",
    );
    // It stays when another kind is chosen again: it does not flicker.
    await user.click(byTestId("session-kind-planned"));
    await user.click(byTestId("session-kind-crisis"));
    expect(within(status).getAllByTestId("session-safeguarding-inset")).toHaveLength(1);

    await user.type(byTestId("session-note"), "Upset after lunch");
    await user.type(screen.getByLabelText("Safeguarding reference (optional)"), "  CPOMS-4411 ");
    await user.click(byTestId("session-save"));
    await vi.waitFor(() => expect(api.logSession).toHaveBeenCalledTimes(1));
    expect(api.logSession).toHaveBeenCalledWith(ava, {
      held_on: todayIso(),
      minutes: 20,
      kind: "crisis",
      regulation: null,
      note: "Upset after lunch",
      safeguarding_ref: "CPOMS-4411",
    });
    expect(await screen.findByTestId("session-saved")).toBeInTheDocument();
    expect(records.pupils.get(ava)!.sessions[0].safeguarding_ref).toBe("CPOMS-4411");
  });

  it("saves a crisis-support session with no reference: the reminder never blocks", async () => {
    const { user, ava } = await openForm(ADULT);
    await user.click(byTestId("session-kind-crisis"));
    await user.click(byTestId("session-save"));
    await vi.waitFor(() => expect(api.logSession).toHaveBeenCalledTimes(1));
    expect(api.logSession.mock.calls[0][1]).toMatchObject({ kind: "crisis", safeguarding_ref: null });
    expect(screen.queryByTestId("error-summary")).not.toBeInTheDocument();
    expect(await screen.findByTestId("session-saved")).toHaveTextContent("Session saved for Ava");
    expect(records.pupils.get(ava)!.sessions).toHaveLength(1);
  });

  it("appears when the note holds one of the school's words, and not for a word that merely contains it", async () => {
    records.safeguardingWords = ["hit", "scared to go home"];
    const { user, ava } = await openForm(ADULT);
    const note = byTestId("session-note");
    await user.type(note, "Hitherto calm; whitewashed the hitching post");
    expect(byTestId("session-safeguarding-status")).toBeEmptyDOMElement();
    await user.type(note, ". Said Dad HIT");
    expect(byTestId("session-safeguarding-status")).toBeEmptyDOMElement();
    await user.type(note, " him");
    expect(await screen.findByTestId("session-safeguarding-inset")).toBeInTheDocument();
    // Deleting the word does not take it away again.
    await user.clear(note);
    await user.type(note, "Calm");
    expect(byTestId("session-safeguarding-inset")).toBeInTheDocument();
    await user.type(screen.getByLabelText("Safeguarding reference (optional)"), "SG-9");
    await user.keyboard("{Enter}");
    await vi.waitFor(() => expect(api.logSession).toHaveBeenCalledTimes(1));
    expect(api.logSession.mock.calls[0]).toEqual([ava, expect.objectContaining({ kind: "check_in", note: "Calm", safeguarding_ref: "SG-9" })]);
  });

  it("counts a word that ends the note once the note is left", async () => {
    records.safeguardingWords = ["secret"];
    const { user } = await openForm(ADULT);
    await user.type(byTestId("session-note"), "Told me a secret");
    expect(byTestId("session-safeguarding-status")).toBeEmptyDOMElement();
    await user.tab();
    expect(await screen.findByTestId("session-safeguarding-inset")).toBeInTheDocument();
  });

  it("does not appear for an ordinary check-in, and sends no reference", async () => {
    const { user } = await openForm(ADULT);
    await user.type(byTestId("session-note"), "Talked about the weekend");
    expect(byTestId("session-safeguarding-status")).toBeEmptyDOMElement();
    await user.click(byTestId("session-save"));
    await vi.waitFor(() => expect(api.logSession).toHaveBeenCalledTimes(1));
    expect(api.logSession.mock.calls[0][1]).toMatchObject({ kind: "check_in", safeguarding_ref: null });
  });

  it("shows the reference in the session list", async () => {
    const { user, ava } = await openForm(ADULT);
    await user.click(byTestId("session-kind-crisis"));
    await user.type(screen.getByLabelText("Safeguarding reference (optional)"), "CPOMS-77");
    await user.click(byTestId("session-save"));
    await screen.findByTestId("session-saved");
    await user.click(screen.getByRole("link", { name: "Ava Brown" }));
    await user.click(await screen.findByTestId("pupil-tab-sessions"));
    const id = records.pupils.get(ava)!.sessions[0].id;
    expect(await screen.findByTestId(`session-${id}-reference`)).toHaveTextContent("Safeguarding reference: CPOMS-77");
  });
});

describe("the school's words in Settings", () => {
  it("a strategic lead changes the list; each line is a word or phrase", async () => {
    const rendered = await renderApp();
    const { user } = rendered;
    await user.click(byTestId(`unlock-user-${LEAD.id}`));
    await user.type(byTestId("unlock-passphrase"), passphraseFor(LEAD));
    await user.click(byTestId("unlock-submit"));
    await screen.findByTestId("home-heading");
    await user.click(byTestId("nav-settings"));
    const box = await screen.findByLabelText("Words and phrases that bring the reminder up");
    expect(box).toHaveValue("hurt\nhit\ntouched\nbruise\nbruises\nsecret\nscared to go home\nself-harm");
    await user.clear(box);
    await user.type(box, "hit{Enter}hits{Enter}  {Enter}Frightened");
    await user.click(byTestId("safeguarding-words-save"));
    expect(api.setSafeguardingWords).toHaveBeenCalledWith(["hit", "hits", "  ", "Frightened"]);
    expect(await screen.findByTestId("safeguarding-words-saved")).toHaveTextContent("Saved. 3 words or phrases bring the reminder up.");
    expect(records.safeguardingWords).toEqual(["hit", "hits", "Frightened"]);
    expect(box).toHaveValue("hit\nhits\nFrightened");
    expect(records.audit[0].action).toBe("settings.safeguarding_words");
    expect(records.audit[0].target).toBeNull();
  });

  it("shows a refusal from the backend in words, linked to the field", async () => {
    const rendered = await renderApp();
    const { user } = rendered;
    await user.click(byTestId(`unlock-user-${LEAD.id}`));
    await user.type(byTestId("unlock-passphrase"), passphraseFor(LEAD));
    await user.click(byTestId("unlock-submit"));
    await screen.findByTestId("home-heading");
    await user.click(byTestId("nav-settings"));
    const box = await screen.findByLabelText("Words and phrases that bring the reminder up");
    await user.clear(box);
    await user.type(box, "w".repeat(51));
    await user.click(byTestId("safeguarding-words-save"));
    const link = await within(await screen.findByTestId("error-summary")).findByRole("link", { name: /50 characters or fewer \(one is 51\)/ });
    expect(link).toHaveAttribute("href", "#safeguarding-words");
    expect(records.safeguardingWords).toHaveLength(8);
  });
});

describe("correcting a session", () => {
  it("keeps the reference, and a correction may change it", async () => {
    const ava = seedPupil(
      { legal_forename: "Ava", legal_surname: "Brown", year_group: "Year 5", support_level: "Intensive" },
      { keyAdult: { id: ADULT.id, name: ADULT.name } },
    );
    records.pupils.get(ava.pupil.id)!.sessions.push({ id: 900, held_on: "2026-11-20", minutes: 30, kind: "crisis", regulation: 2, note: "Upset", safeguarding_ref: "SG-1", recorded_by: ADULT.name, changes: noChanges() });
    const rendered = await renderApp();
    const { user } = rendered;
    await user.click(byTestId(`unlock-user-${ADULT.id}`));
    await user.type(byTestId("unlock-passphrase"), passphraseFor(ADULT));
    await user.click(byTestId("unlock-submit"));
    await screen.findByTestId("home-heading");
    await user.type(byTestId("search-input"), "Ava{Enter}");
    await user.click(within(await screen.findByTestId("search-result-0")).getByRole("link", { name: "Ava Brown" }));
    await user.click(await screen.findByTestId("pupil-tab-sessions"));
    expect(await screen.findByTestId("session-900-reference")).toHaveTextContent("Safeguarding reference: SG-1");
    await user.click(screen.getByRole("button", { name: "Correct the session of 20 November 2026" }));
    const form = byTestId("correct-session-900-correct");
    const ref = within(form).getByLabelText("Safeguarding reference (optional)");
    expect(ref).toHaveValue("SG-1");
    await user.clear(ref);
    await user.type(ref, "SG-2");
    await user.type(within(form).getByLabelText("Why it is being corrected"), "Wrong reference");
    await user.click(byTestId("correct-session-900-save"));
    await vi.waitFor(() => expect(api.correctSession).toHaveBeenCalledTimes(1));
    expect(api.correctSession).toHaveBeenCalledWith(
      900,
      { held_on: "2026-11-20", minutes: 30, kind: "crisis", regulation: 2, note: "Upset", safeguarding_ref: "SG-2" },
      "Wrong reference",
    );
  });
});
