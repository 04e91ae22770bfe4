// Browsing every session of a pupil's time (issue 16, item 2): a page at a time, by kind and by
// school year, through the one IPC module's pageSessions (the fake backend pages as the Rust
// side does; its periods are whole school years only). The expected counts are worked out
// here from the sessions this test seeds, not asked of the code.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import type { SessionEntry, SessionKind } from "../lib/bindings";
import { ADULT, backend, LEAD, passphraseFor } from "./fake-backend";
import { noChanges, records, seedPupil } from "./fake-records";
import { byTestId, renderApp } from "./helpers";

vi.mock("../lib/ipc", async (importOriginal) => {
  const { fakeIpc } = await import("./fake-backend");
  return fakeIpc(await importOriginal());
});

const api = vi.mocked(ipc);
vi.setConfig({ testTimeout: 20_000 });

beforeEach(() => {
  vi.clearAllMocks();
  backend.lockedWith([LEAD, ADULT]);
});

/** 130 sessions, one every 5 days from 1 September 2024: 2024-25 holds the days up to 31 July 2025. */
function seed(): SessionEntry[] {
  const ava = seedPupil(
    { legal_forename: "Ava", legal_surname: "Brown", year_group: "Year 5", support_level: "Intensive" },
    { keyAdult: { id: ADULT.id, name: ADULT.name } },
  );
  const p = records.pupils.get(ava.pupil.id)!;
  const start = Date.UTC(2024, 8, 1);
  for (let i = 0; i < 130; i++) {
    const day = new Date(start + i * 5 * 86_400_000).toISOString().slice(0, 10);
    const kind: SessionKind = i % 10 === 0 ? "crisis" : "planned";
    p.sessions.push({ id: 1000 + i, held_on: day, minutes: 20, kind, regulation: null, note: `Session ${i}`, safeguarding_ref: null, recorded_by: ADULT.name, changes: noChanges() });
  }
  return p.sessions;
}

async function openSessions() {
  const rendered = await renderApp();
  const { user } = rendered;
  await user.click(byTestId(`unlock-user-${ADULT.id}`));
  await user.type(byTestId("unlock-passphrase"), passphraseFor(ADULT));
  await user.click(byTestId("unlock-submit"));
  await screen.findByTestId("home-heading");
  await user.type(byTestId("search-input"), "Ava{Enter}");
  const hit = await screen.findByTestId("search-result-0");
  await user.click(within(hit).getByRole("link", { name: "Ava Brown" }));
  await screen.findByTestId("pupil-heading");
  await user.click(byTestId("pupil-tab-sessions"));
  return rendered;
}

const rows = () => within(byTestId("session-list")).getAllByRole("row").slice(1);

describe("browsing sessions", () => {
  it("shows the newest 50, then 50 more with focus on the first added, to the oldest", async () => {
    const sessions = seed();
    const { user } = await openSessions();
    await screen.findByText("130 sessions in all; the newest 50 are shown.");
    expect(rows()).toHaveLength(50);
    expect(rows()[0]).toHaveTextContent("Session 129");
    expect(rows()[49]).toHaveTextContent("Session 80");
    const more = byTestId("session-more");
    expect(more).toHaveAccessibleName("Show 50 more sessions");
    more.focus();
    await user.keyboard("{Enter}");
    await screen.findByText("130 sessions in all; the newest 100 are shown.");
    expect(document.activeElement).toBe(document.getElementById("session-1079-day"));
    await user.click(byTestId("session-more"));
    await screen.findByText("130 sessions in all.");
    expect(rows().map((r) => r.textContent?.match(/Session (\d+)/)?.[1])).toEqual(
      [...sessions].reverse().map((s) => s.note.split(" ")[1]),
    );
    expect(screen.queryByTestId("session-more")).toBeNull();
    expect(api.pageSessions).toHaveBeenLastCalledWith(
      expect.any(Number),
      expect.objectContaining({ after: { held_on: sessions[30].held_on, id: 1030 }, limit: 50 }),
    );
  });

  it("filters by kind and by school year, and says how many match", async () => {
    const sessions = seed();
    const { user } = await openSessions();
    await screen.findByText(/130 sessions in all/);
    // By hand: 1 September 2024 + 5 × 66 days = 28 July 2025, the last of 2024-25; so 67 then, 63 after.
    const when = byTestId("session-period-filter") as HTMLSelectElement;
    expect([...when.options].map((o) => o.textContent?.trim())).toEqual([
      "All time",
      "The school year 2025-26 (63 sessions)",
      "The school year 2024-25 (67 sessions)",
    ]);
    await user.selectOptions(byTestId("session-kind-filter"), "crisis");
    await screen.findByText("13 sessions match (Crisis support).");
    expect(rows()).toHaveLength(13);
    expect(rows().every((r) => r.textContent?.includes("Crisis"))).toBe(true);
    await user.selectOptions(when, "2024-08-01/2025-07-31");
    // Crisis sessions are i = 0, 10, …, 60 in 2024-25: 7 of them.
    await screen.findByText("7 sessions match (Crisis support, the school year 2024-25).");
    expect(rows()).toHaveLength(7);
    await user.selectOptions(byTestId("session-kind-filter"), "");
    await screen.findByText("67 sessions match (the school year 2024-25); the newest 50 are shown.");
    expect(rows()[0]).toHaveTextContent("Session 66");
    expect(sessions[66].held_on).toBe("2025-07-28");
  });
});
