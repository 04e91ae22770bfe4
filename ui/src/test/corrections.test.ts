// Correcting and withdrawing entries on the pupil page (issue 16, item 1): the forms, what a
// key adult and the strategic lead each see afterwards. Only ipc.ts is mocked (the fake
// backend, which keeps earlier versions and leaves them and withdrawn entries out for a key
// adult as the Rust side does).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import type { UserInfo } from "../lib/bindings";
import { ADULT, backend, LEAD, passphraseFor } from "./fake-backend";
import { noChanges, records, seedPupil } from "./fake-records";
import { byTestId, renderApp } from "./helpers";

vi.mock("../lib/ipc", async (importOriginal) => {
  const { fakeIpc } = await import("./fake-backend");
  return fakeIpc(await importOriginal());
});

const api = vi.mocked(ipc);
// Each test types whole sentences key by key: on a busy machine that takes longer than the
// default 5 s (this is no measure of speed).
vi.setConfig({ testTimeout: 20_000 });

beforeEach(() => {
  vi.clearAllMocks();
  backend.lockedWith([LEAD, ADULT]);
});

async function openAva(as: UserInfo) {
  const rendered = await renderApp();
  const { user } = rendered;
  await user.click(byTestId(`unlock-user-${as.id}`));
  await user.type(byTestId("unlock-passphrase"), passphraseFor(as));
  await user.click(byTestId("unlock-submit"));
  await screen.findByTestId("home-heading");
  await user.type(byTestId("search-input"), "Ava{Enter}");
  const hit = await screen.findByTestId("search-result-0");
  await user.click(within(hit).getByRole("link", { name: "Ava Brown" }));
  await screen.findByTestId("pupil-heading");
  await user.click(byTestId("pupil-tab-sessions"));
  return rendered;
}

function seedAva() {
  const ava = seedPupil(
    { legal_forename: "Ava", legal_surname: "Brown", year_group: "Year 5", support_level: "Intensive" },
    { keyAdult: { id: ADULT.id, name: ADULT.name } },
  );
  const p = records.pupils.get(ava.pupil.id)!;
  p.sessions.push({ id: 900, held_on: "2026-11-20", minutes: 20, kind: "planned", regulation: 6, note: "Built a lego bridge", safeguarding_ref: null, recorded_by: ADULT.name, changes: noChanges() });
  return p;
}

describe("correcting a session", () => {
  it("a key adult corrects a session by keyboard, with a reason, and sees it marked corrected", async () => {
    seedAva();
    const { user } = await openAva(ADULT);
    const open = await screen.findByRole("button", { name: "Correct the session of 20 November 2026" });
    expect(screen.getByRole("button", { name: "Withdraw the session of 20 November 2026" })).toBeInTheDocument();
    open.focus();
    await user.keyboard("{Enter}");
    // The form is about that session, filled with its values, and has the focus.
    const form = byTestId("correct-session-900-correct");
    expect(within(form).getByRole("heading", { name: "Correct the session of 20 November 2026" })).toHaveFocus();
    const note = within(form).getByLabelText("Note");
    expect(note).toHaveValue("Built a lego bridge");
    // No reason: refused before anything is sent.
    await user.clear(note);
    await user.type(note, "Built a chess set");
    await user.click(byTestId("correct-session-900-save"));
    expect(within(byTestId("error-summary")).getByRole("link", { name: /Say why it is being corrected/ })).toHaveAttribute("href", "#correct-session-900-reason");
    expect(api.correctSession).not.toHaveBeenCalled();
    await user.type(within(form).getByLabelText("Why it is being corrected"), "Wrong game written");
    await user.click(byTestId("correct-session-900-save"));
    expect(api.correctSession).toHaveBeenCalledWith(
      900,
      { held_on: "2026-11-20", minutes: 20, kind: "planned", regulation: 6, note: "Built a chess set", safeguarding_ref: null },
      "Wrong game written",
    );
    expect(await screen.findByTestId("session-changed")).toHaveTextContent("Corrected: the session of 20 November 2026.");
    const row = byTestId("session-900");
    expect(row).toHaveTextContent("Built a chess set");
    expect(within(row).getByTestId("session-900-history-corrected")).toHaveTextContent("Corrected");
    expect(row).toHaveTextContent(`by ${ADULT.name} on 22 November 2026: Wrong game written`);
    // A key adult is not shown the earlier text.
    expect(row).not.toHaveTextContent("lego");
    expect(row.querySelector("del")).toBeNull();
    // The focus goes back to the button that opened the form.
    expect(screen.getByRole("button", { name: "Correct the session of 20 November 2026" })).toHaveFocus();
  });

  it("the strategic lead sees the earlier version struck through, and withdraws a session", async () => {
    seedAva();
    const { user } = await openAva(LEAD);
    await user.click(await screen.findByRole("button", { name: "Correct the session of 20 November 2026" }));
    const form = byTestId("correct-session-900-correct");
    await user.clear(within(form).getByLabelText("Minutes"));
    await user.type(within(form).getByLabelText("Minutes"), "45");
    await user.type(within(form).getByLabelText("Why it is being corrected"), "It lasted 45 minutes");
    await user.click(byTestId("correct-session-900-save"));
    await screen.findByTestId("session-changed");
    const earlier = byTestId("session-900-history-earlier");
    const del = earlier.querySelector("del");
    expect(del).toHaveTextContent("20");
    expect(earlier).toHaveTextContent(`replaced by ${LEAD.name} on 22 November 2026: It lasted 45 minutes`);
    expect(byTestId("session-900")).toHaveTextContent("45");

    await user.click(screen.getByRole("button", { name: "Withdraw the session of 20 November 2026" }));
    const withdraw = byTestId("correct-session-900-withdraw");
    await user.type(within(withdraw).getByLabelText("Why it is being withdrawn"), "Entered for the wrong pupil");
    await user.click(byTestId("correct-session-900-save"));
    expect(api.withdrawEntry).toHaveBeenCalledWith("session", 900, "Entered for the wrong pupil");
    expect(await screen.findByTestId("session-changed")).toHaveTextContent("Withdrawn: the session of 20 November 2026.");
    // Collapsed under "Withdrawn sessions", with who, when and why; no longer in the list.
    expect(screen.queryByTestId("session-900")).toBeNull();
    const item = byTestId("session-withdrawn-900");
    const details = item.querySelector("details")!;
    expect(details.open).toBe(false);
    expect(within(item).getByText(/^Withdrawn: the session of 20 November 2026, by/)).toHaveTextContent(`by ${LEAD.name} on 22 November 2026`);
    expect(item).toHaveTextContent("Why: Entered for the wrong pupil");
    expect(screen.queryByRole("button", { name: "Correct the session of 20 November 2026" })).toBeNull();
  });

  it("a key adult does not see a withdrawn session", async () => {
    const p = seedAva();
    p.sessions[0].changes = { ...noChanges(), withdrawn: { by: LEAD.name, at: "2026-11-21T09:00:00Z", reason: "Wrong pupil" } };
    await openAva(ADULT);
    await screen.findByTestId("pupil-section-sessions");
    expect(screen.queryByTestId("session-900")).toBeNull();
    expect(screen.queryByTestId("session-withdrawn-list")).toBeNull();
    expect(await screen.findByText("No sessions yet.")).toBeInTheDocument();
  });
});

describe("correcting other entries", () => {
  it("a chronology event's date is corrected and a score withdrawn", async () => {
    const p = seedAva();
    p.chronology.push({ id: 901, occurred_on: "2026-06-01", kind: "placement_move", description: "Moved to a new placement", safeguarding_ref: null, recorded_by: ADULT.name, changes: noChanges() });
    p.scores.push({ id: 902, instrument: "sdq", subscale: null, score: 30, stage: null, completed_on: "2026-10-01", completed_by: "Class teacher", changes: noChanges() });
    const { user } = await openAva(ADULT);
    await user.click(byTestId("pupil-tab-chronology"));
    await user.click(await screen.findByRole("button", { name: "Correct the event of 1 June 2026" }));
    const form = byTestId("correct-chronology-901-correct");
    const month = within(form).getByLabelText("Month");
    await user.clear(month);
    await user.type(month, "5");
    await user.type(within(form).getByLabelText("Why it is being corrected"), "The move was in May");
    await user.click(byTestId("correct-chronology-901-save"));
    expect(api.correctChronologyEvent).toHaveBeenCalledWith(
      901,
      { occurred_on: "2026-05-01", kind: "placement_move", description: "Moved to a new placement", safeguarding_ref: null },
      "The move was in May",
    );
    expect(await screen.findByTestId("chronology-901")).toHaveTextContent("1 May 2026");

    await user.click(byTestId("pupil-tab-scores"));
    await user.click(await screen.findByRole("button", { name: "Withdraw the SDQ score of 1 October 2026" }));
    await user.type(within(byTestId("correct-score-902-withdraw")).getByLabelText("Why it is being withdrawn"), "Another pupil's");
    await user.click(byTestId("correct-score-902-save"));
    expect(api.withdrawEntry).toHaveBeenCalledWith("score", 902, "Another pupil's");
    await screen.findByTestId("score-changed");
    expect(screen.queryByTestId("score-902")).toBeNull();
  });
});
