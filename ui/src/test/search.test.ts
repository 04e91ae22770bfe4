// Search results for every kind a person writes (issue 16, item 5): "about me", advice and the
// team from the fake backend's search; reviews, their amendments and supervision notes as the
// backend returns them. Each says what it is in words and opens where it is read.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import type { SearchHit, UserInfo } from "../lib/bindings";
import { ADULT, backend, LEAD, passphraseFor } from "./fake-backend";
import { noChanges, records, resetRecords, seedPupil } from "./fake-records";
import { lead, resetLead } from "./fake-lead";
import { byTestId, renderApp } from "./helpers";

vi.mock("../lib/ipc", async (importOriginal) => {
  const { fakeIpc } = await import("./fake-backend");
  const { leadCommands } = await import("./fake-lead");
  return { ...fakeIpc(await importOriginal()), ...leadCommands() };
});

const api = vi.mocked(ipc);
const OTHER: UserInfo = { id: "u-other", name: "Chris Lee", role: "key_adult" };

beforeEach(() => {
  vi.clearAllMocks();
  backend.lockedWith([LEAD, ADULT, OTHER]);
  resetRecords();
  resetLead();
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

/** Ava (the key adult's) with the word "kestrel" in her "about me", advice and team; Cara
 * (another key adult's) with it in her "about me". */
function seed() {
  const ava = seedPupil({ legal_forename: "Ava", legal_surname: "Brown" }, { keyAdult: { id: ADULT.id, name: ADULT.name } });
  ava.profile.what_helps = "Watching the kestrel from the library window";
  ava.advice.push({ id: 41, agency: "educational_psychologist", source: "Dr Patel", advised_on: "2026-10-01", advice: "Use the kestrel cards", recorded_by: LEAD.name });
  ava.team.push({ id: 51, name: "Mr Kestrel", role: "Class teacher" });
  const cara = seedPupil({ legal_forename: "Cara", legal_surname: "Singh" }, { keyAdult: { id: OTHER.id, name: OTHER.name } });
  cara.profile.story = "A kestrel story";
  return { ava: ava.pupil.id, cara: cara.pupil.id };
}

async function searchFor(user: Awaited<ReturnType<typeof signIn>>["user"], word: string) {
  await user.type(byTestId("search-input"), `${word}{Enter}`);
  await screen.findByTestId("search-results");
  return screen.getAllByTestId(/^search-result-\d+$/);
}

describe("search over every kind", () => {
  it("names 'about me', advice and team hits in words and opens the right section", async () => {
    const { ava } = seed();
    const { user } = await signIn(ADULT);
    const hits = await searchFor(user, "kestrel");
    // Only Ava's three: Cara is not on this key adult's caseload.
    expect(hits).toHaveLength(3);
    expect(screen.getByTestId("search-count")).toHaveTextContent("3 results");
    const links = hits.map((h) => within(h).getByRole("link").textContent);
    expect(links).toEqual(["Ava Brown: About me", "Ava Brown: Advice from Dr Patel, 1 October 2026", "Ava Brown: TouchBase team"]);
    expect(hits[1]).toHaveTextContent("Advice");
    expect(within(hits[1]).getByText("kestrel", { selector: "mark" })).toBeInTheDocument();

    await user.click(within(hits[2]).getByRole("link", { name: "Ava Brown: TouchBase team" }));
    expect(await screen.findByTestId("pupil-heading")).toHaveTextContent("Ava Brown");
    expect(byTestId("pupil-tab-team")).toHaveAttribute("aria-current", "true");
    expect(records.pupils.get(ava)!.team[0].name).toBe("Mr Kestrel");
  });

  it("a review hit opens the review page, an amendment's its review", async () => {
    const { ava } = seed();
    const review: SearchHit = { kind: "review", pupil_id: ava, pupil_name: "Ava Brown", record_id: 77, date: "2027-02-08", source: null, key_adult: null, snippet: "Enjoys the [kestrel] club" };
    const amendment: SearchHit = { ...review, kind: "review_amendment", snippet: "Also the [kestrel] walk" };
    api.search.mockResolvedValueOnce([review, amendment]);
    const { user } = await signIn(LEAD);
    const hits = await searchFor(user, "kestrel");
    expect(hits[0]).toHaveTextContent("Review");
    expect(within(hits[0]).getByRole("link").textContent).toBe("Ava Brown: Review of 8 February 2027");
    expect(within(hits[1]).getByRole("link").textContent).toBe("Ava Brown: Amendment to the review of 8 February 2027");
    expect(within(hits[1]).getByRole("link")).toHaveAttribute("href", "#review-77");
    await user.click(within(hits[1]).getByRole("link"));
    await vi.waitFor(() => expect(api.getReview).toHaveBeenCalledWith(77));
  });

  it("a supervision note hit names the meeting, not a pupil, and opens that note", async () => {
    lead.notes.push(
      { id: 6, held_on: "2026-11-02", kind: "supervision", key_adult: { id: ADULT.id, name: ADULT.name }, pupils: [], notes: "First note", actions: "", recorded_by: { id: LEAD.id, name: LEAD.name }, created_at: "2026-11-02T09:00:00Z", changes: noChanges() },
      { id: 7, held_on: "2026-11-09", kind: "supervision", key_adult: { id: ADULT.id, name: ADULT.name }, pupils: [], notes: "Talked about the kestrel", actions: "", recorded_by: { id: LEAD.id, name: LEAD.name }, created_at: "2026-11-09T09:00:00Z", changes: noChanges() },
    );
    api.search.mockResolvedValueOnce([
      { kind: "supervision_note", pupil_id: null, pupil_name: "", record_id: 7, date: "2026-11-09", source: null, key_adult: { id: ADULT.id, name: ADULT.name }, snippet: "Talked about the [kestrel]" },
    ]);
    const { user } = await signIn(ADULT);
    const hits = await searchFor(user, "kestrel");
    expect(hits[0]).toHaveTextContent("Supervision note");
    const link = within(hits[0]).getByRole("link");
    expect(link.textContent).toBe(`Supervision note of 9 November 2026 with ${ADULT.name}`);
    await user.click(link);
    expect(await screen.findByTestId("supervision-heading")).toHaveTextContent("My supervision notes");
    await vi.waitFor(() => expect(document.activeElement).toBe(document.getElementById("supervision-note-7-heading")));
  });
});
