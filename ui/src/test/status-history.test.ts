// Care status and support level over time on the pupil's page (issue 15, item 3): the history
// table for both kinds, the edit's "takes effect from" date, and a lead correcting or removing a
// change. Only ipc.ts is mocked (the fake backend).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import type { UserInfo } from "../lib/bindings";
import { ADULT, backend, LEAD, passphraseFor } from "./fake-backend";
import { records, seedPupil } from "./fake-records";
import { byTestId, renderApp } from "./helpers";
import { todayIso } from "../lib/dates";

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

function seedAva() {
  return seedPupil(
    {
      legal_forename: "Ava",
      legal_surname: "Brown",
      year_group: "Year 5",
      care_status: "Child in need",
      support_level: "Additional",
      relationship_start: "2024-09-02",
    },
    { keyAdult: { id: ADULT.id, name: ADULT.name } },
  ).pupil.id;
}

/** The rows of one kind's history table, as the cells read. */
function historyRows(kind: "care_status" | "support_level"): string[][] {
  return within(byTestId(`status-history-${kind}`))
    .getAllByRole("row")
    .slice(1)
    .filter((r) => r.getAttribute("data-testid") === "status-change")
    .map((r) => within(r).getAllByRole("cell").slice(0, 3).map((c) => c.textContent?.trim() ?? ""));
}

async function typeDate(user: Awaited<ReturnType<typeof renderApp>>["user"], id: string, d: string, m: string, y: string) {
  for (const [part, v] of [["day", d], ["month", m], ["year", y]] as const) {
    await user.clear(byTestId(`${id}-${part}`));
    await user.type(byTestId(`${id}-${part}`), v);
  }
}

describe("status history", () => {
  it("an edit of the care status asks when it took effect and the page shows the history", async () => {
    const ava = seedAva();
    const { user } = await signIn(LEAD);
    await user.click(await screen.findByTestId(`pupil-link-${ava}`));
    await user.click(await screen.findByTestId("pupil-tab-details"));
    expect(await screen.findByRole("heading", { name: "Care status and support level over time" })).toBeInTheDocument();
    expect(historyRows("care_status")).toEqual([["Child in need", "2 September 2024", "Not recorded (kept before history began)"]]);

    await user.click(byTestId("pupil-edit"));
    // No date is asked while neither value changes.
    expect(screen.queryByTestId("pupil-status-from")).toBeNull();
    await user.selectOptions(byTestId("pupil-care-status"), "Looked after");
    const from = await screen.findByTestId("pupil-status-from");
    expect(within(from).getByText("The new care status or support level takes effect from")).toBeInTheDocument();
    expect((byTestId("pupil-status-from-day") as HTMLInputElement).value).toBe(String(Number(todayIso().slice(8, 10))));
    // A day after today is refused before anything is sent.
    const next = new Date(`${todayIso()}T12:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    await typeDate(user, "pupil-status-from", String(next.getUTCDate()), String(next.getUTCMonth() + 1), String(next.getUTCFullYear()));
    await user.click(byTestId("pupil-save"));
    expect(await screen.findByRole("link", { name: "A change cannot take effect after today" })).toHaveAttribute("href", "#pupil-status-from-day");
    expect(api.updatePupil).not.toHaveBeenCalled();

    await typeDate(user, "pupil-status-from", "3", "11", "2025");
    await user.click(byTestId("pupil-save"));
    expect(api.updatePupil).toHaveBeenCalledWith(ava, expect.objectContaining({ care_status: "Looked after" }), "2025-11-03");
    expect(await screen.findByTestId("details-saved")).toHaveTextContent("Changes saved.");
    await vi.waitFor(() =>
      expect(historyRows("care_status")).toEqual([
        ["Child in need", "2 September 2024", "Not recorded (kept before history began)"],
        ["Looked after", "3 November 2025", `${LEAD.name}, 22 November 2026`],
      ]),
    );
    expect(historyRows("support_level")).toEqual([["Additional", "2 September 2024", "Not recorded (kept before history began)"]]);
  });

  it("a lead corrects a change's date and removes a wrong change; the current value follows", async () => {
    const ava = seedAva();
    const stored = records.pupils.get(ava)!;
    const { user } = await signIn(LEAD);
    await user.click(await screen.findByTestId(`pupil-link-${ava}`));
    await user.click(await screen.findByTestId("pupil-tab-details"));
    await user.click(await screen.findByTestId("pupil-edit"));
    await user.selectOptions(byTestId("pupil-care-status"), "Looked after");
    await typeDate(user, "pupil-status-from", "3", "11", "2025");
    await user.click(byTestId("pupil-save"));
    await screen.findByTestId("details-saved");
    const change = stored.history!.find((c) => c.value === "Looked after")!;

    // The buttons say which change they act on, in words.
    const fix = await screen.findByRole("button", { name: "Correct date of the care status Looked after from 3 November 2025" });
    await user.click(fix);
    expect(document.activeElement).toBe(byTestId(`status-fix-${change.id}-day`));
    await typeDate(user, `status-fix-${change.id}`, "20", "10", "2025");
    await user.click(byTestId("status-fix-save"));
    expect(api.correctStatusChange).toHaveBeenCalledWith(change.id, "2025-10-20");
    expect(await screen.findByTestId("status-history-done")).toHaveTextContent("The care status Looked after now takes effect from 20 October 2025.");
    await vi.waitFor(() => expect(historyRows("care_status")[1]).toEqual(["Looked after", "20 October 2025", `${LEAD.name}, 22 November 2026`]));

    await user.click(screen.getByRole("button", { name: "Remove the care status Looked after from 20 October 2025" }));
    expect(byTestId("status-remove-panel")).toHaveTextContent("Only if it was recorded in error");
    await user.click(byTestId("status-remove-confirm"));
    expect(api.removeStatusChange).toHaveBeenCalledWith(change.id);
    await vi.waitFor(() => expect(historyRows("care_status")).toEqual([["Child in need", "2 September 2024", "Not recorded (kept before history began)"]]));
    expect(within(byTestId("pupil-details")).getByText("Child in need")).toBeInTheDocument();
  });

  it("a key adult reads the history but has no way to change it", async () => {
    const ava = seedAva();
    const { user } = await signIn(ADULT);
    await user.click(await screen.findByTestId(`pupil-link-${ava}`));
    await user.click(await screen.findByTestId("pupil-tab-details"));
    await screen.findByTestId("status-history-care_status");
    expect(historyRows("support_level")).toEqual([["Additional", "2 September 2024", "Not recorded (kept before history began)"]]);
    expect(screen.queryByRole("button", { name: /Correct date/ })).toBeNull();
    expect(screen.queryByRole("button", { name: /^Remove the/ })).toBeNull();
  });
});
