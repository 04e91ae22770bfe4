// Drafts of the forms that had none (issue 16, item 6): the TouchBase team, renewing a plan,
// an amendment to a signed review, a term's indicators and a correction. Each keeps what is typed as a draft in the vault, offers it
// back when the form is met again, and deletes it once the real record is saved. Only ipc.ts is
// mocked (the fake backend).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, waitFor } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import type { UserInfo } from "../lib/bindings";
import { ADULT, backend, LEAD, passphraseFor } from "./fake-backend";
import { noChanges, records, seedPlan, seedPupil } from "./fake-records";
import { reviewStore } from "./fake-reviews";
import { byTestId, renderApp } from "./helpers";

vi.mock("../lib/ipc", async (importOriginal) => {
  const { fakeIpc } = await import("./fake-backend");
  return fakeIpc(await importOriginal());
});

const api = vi.mocked(ipc);
const DUE = "2026-10-19";

beforeEach(() => {
  vi.clearAllMocks();
  backend.lockedWith([LEAD, ADULT]);
});

async function openPupil(as: UserInfo) {
  const ava = seedPupil({ legal_forename: "Ava", legal_surname: "Brown" }, { keyAdult: { id: ADULT.id, name: ADULT.name } });
  const plan = seedPlan(ava, {
    dueDates: [{ date: DUE, provisional: false, held: false, overdue: true }],
    goals: [
      { outcome: "Joins a lunchtime club", baseline: 2 },
      { outcome: "Names a trusted adult", baseline: 3 },
    ],
  });
  const rendered = await renderApp();
  const { user } = rendered;
  await user.click(byTestId(`unlock-user-${as.id}`));
  await user.type(byTestId("unlock-passphrase"), passphraseFor(as));
  await user.click(byTestId("unlock-submit"));
  await screen.findByTestId("home-heading");
  await user.click(await screen.findByTestId(`review-link-${ava.pupil.id}`));
  await screen.findByTestId("reviews-table");
  return { ...rendered, ava, plan };
}

/** The last content saved under a form key, parsed. */
function lastSaved(key: string): unknown {
  const calls = api.saveDraft.mock.calls.filter(([k]) => k === key);
  expect(calls.length).toBeGreaterThan(0);
  return JSON.parse(calls[calls.length - 1][1]);
}

describe("drafts of every form", () => {
  it("the TouchBase team keeps a draft, offers it back after leaving the tab, and drops it once saved", async () => {
    const { user, ava } = await openPupil(ADULT);
    const key = `team:${ava.pupil.id}`;
    await user.click(byTestId("pupil-tab-team"));
    await user.type(await screen.findByTestId("team-name-0"), "Jo Carer");
    await user.type(byTestId("team-role-0"), "Foster carer");
    await waitFor(() => expect((lastSaved(key) as { members: unknown[] }).members[0]).toEqual({ name: "Jo Carer", role: "Foster carer" }), {
      timeout: 3000,
    });
    expect(api.setTeam).not.toHaveBeenCalled();

    // Away and back: the form starts from the record (empty) and offers the draft.
    await user.click(byTestId("pupil-tab-plan"));
    await user.click(byTestId("pupil-tab-team"));
    await screen.findByTestId("team-draft");
    expect(byTestId("team-name-0")).toHaveValue("");
    await user.click(byTestId("team-draft-restore"));
    expect(byTestId("team-name-0")).toHaveValue("Jo Carer");
    expect(byTestId("team-role-0")).toHaveValue("Foster carer");

    await user.click(byTestId("team-save"));
    await waitFor(() => expect(api.setTeam).toHaveBeenCalledWith(ava.pupil.id, [{ name: "Jo Carer", role: "Foster carer" }]));
    await waitFor(() => expect(records.drafts.has(key)).toBe(false));
  });

  it("renewing a plan keeps the choices as a draft; restoring opens the form with them", async () => {
    const { user, plan } = await openPupil(ADULT);
    const key = `renew:${plan.id}`;
    await user.click(byTestId("pupil-tab-plan"));
    await user.click(await screen.findByTestId("plan-renew"));
    await screen.findByTestId("renew-form");
    // Opening the form alone writes no draft: the defaults are its baseline.
    await new Promise((r) => setTimeout(r, 1300));
    expect(api.saveDraft.mock.calls.some(([k]) => k === key)).toBe(false);
    await user.click(byTestId(`renew-goal-${plan.goals[1].id}`));
    await user.click(byTestId("renew-horizon-3"));
    await waitFor(() => expect(lastSaved(key)).toMatchObject({ horizon: "3", carry: [plan.goals[0].id] }), { timeout: 3000 });

    await user.click(byTestId("pupil-tab-team"));
    await user.click(byTestId("pupil-tab-plan"));
    // Offered beside the closed form; restoring opens it with the choices made.
    await user.click(await screen.findByTestId("renew-draft-restore"));
    await screen.findByTestId("renew-form");
    expect((byTestId("renew-horizon-3") as HTMLInputElement).checked).toBe(true);
    expect((byTestId(`renew-goal-${plan.goals[0].id}`) as HTMLInputElement).checked).toBe(true);
    expect((byTestId(`renew-goal-${plan.goals[1].id}`) as HTMLInputElement).checked).toBe(false);

    await user.click(byTestId("renew-save"));
    await waitFor(() => expect(api.renewPlan).toHaveBeenCalledTimes(1));
    expect(api.renewPlan.mock.calls[0][1]).toMatchObject({ plan: { horizon_years: 3 }, carry_goal_ids: [plan.goals[0].id] });
    await waitFor(() => expect(records.drafts.has(key)).toBe(false));
  });

  it("an amendment being written to a signed review is kept as a draft and offered back", async () => {
    const { user, plan } = await openPupil(LEAD);
    await user.click(byTestId(`review-open-${DUE}`));
    await screen.findByTestId("review-form");
    await user.click(byTestId("attendee-add"));
    await user.type(byTestId("attendee-0-name"), "Jo Carer");
    for (const [i, g] of plan.goals.entries()) {
      await user.selectOptions(byTestId(`goal-${g.id}-rating`), String(5 + i));
      await user.click(byTestId(`goal-${g.id}-decision-continue`));
    }
    await user.type(byTestId("review-pupil-voice"), "I like the club");
    await user.click(byTestId("review-sign"));
    await user.click(await screen.findByTestId("sign-confirm-yes"));
    await screen.findByTestId("review-signed");
    const reviewId = [...reviewStore.reviews.keys()][0];
    const key = `amendment:${reviewId}`;

    await user.type(byTestId("amend-reason"), "Wrong attendee role");
    await user.type(byTestId("amend-text"), "Jo is the foster carer");
    await waitFor(() => expect(lastSaved(key)).toEqual({ reason: "Wrong attendee role", text: "Jo is the foster carer" }), { timeout: 3000 });
    expect(api.amendReview).not.toHaveBeenCalled();

    // Back to the pupil, and into the signed review again.
    await user.click(byTestId("review-back"));
    await user.click(await screen.findByTestId(`review-open-${DUE}`));
    await screen.findByTestId("review-signed");
    await user.click(await screen.findByTestId("amend-draft-restore"));
    expect(byTestId("amend-reason")).toHaveValue("Wrong attendee role");
    expect(byTestId("amend-text")).toHaveValue("Jo is the foster carer");
    await user.click(byTestId("amend-save"));
    await waitFor(() => expect(api.amendReview).toHaveBeenCalledWith(reviewId, "Wrong attendee role", "Jo is the foster carer"));
    await waitFor(() => expect(records.drafts.has(key)).toBe(false));
  });

  it("a term's figures are kept as a draft, offered back after leaving the tab, and dropped once saved", async () => {
    const { user, ava } = await openPupil(ADULT);
    const key = `indicators:${ava.pupil.id}`;
    await user.click(byTestId("pupil-tab-indicators"));
    await user.type(await screen.findByTestId("indicators-term"), "Spring 2027");
    await user.type(byTestId("indicators-attendance"), "91.5");
    await waitFor(() => expect(lastSaved(key)).toEqual({ term: "Spring 2027", attendance: "91.5", exclusions: "", interventions: "" }), { timeout: 3000 });
    await user.click(byTestId("pupil-tab-plan"));
    await user.click(byTestId("pupil-tab-indicators"));
    await screen.findByTestId("indicators-draft");
    expect(byTestId("indicators-term")).toHaveValue("");
    await user.click(byTestId("indicators-draft-restore"));
    expect(byTestId("indicators-attendance")).toHaveValue("91.5");
    await user.click(byTestId("indicators-save"));
    await waitFor(() => expect(api.setIndicators).toHaveBeenCalledWith(ava.pupil.id, expect.objectContaining({ term: "Spring 2027", attendance_pct: 91.5 })));
    await waitFor(() => expect(records.drafts.has(key)).toBe(false));
  });

  it("a correction being written is kept as a draft under the pupil, offered back, and dropped once saved", async () => {
    const { user, ava } = await openPupil(ADULT);
    records.pupils.get(ava.pupil.id)!.sessions.push({ id: 900, held_on: "2026-11-20", minutes: 20, kind: "planned", regulation: 6, note: "Built a bridge", safeguarding_ref: null, recorded_by: ADULT.name, changes: noChanges() });
    // The draft's key names the pupil, so erasing the pupil erases it (attune-domain retention).
    const key = `correct:${ava.pupil.id}/session-900-correct`;
    await user.click(byTestId("pupil-tab-sessions"));
    await user.click(await screen.findByRole("button", { name: "Correct the session of 20 November 2026" }));
    // Merely opening the form writes nothing.
    await new Promise((r) => setTimeout(r, 1200));
    expect(api.saveDraft.mock.calls.filter(([k]) => k === key)).toHaveLength(0);
    await user.type(byTestId("correct-session-900-reason"), "Wrong length");
    await user.clear(byTestId("correct-session-900-minutes"));
    await user.type(byTestId("correct-session-900-minutes"), "45");
    await waitFor(() => expect(lastSaved(key)).toEqual(expect.objectContaining({ reason: "Wrong length", minutes: "45", note: "Built a bridge" })), {
      timeout: 3000,
    });
    await user.click(byTestId("pupil-tab-plan"));
    await user.click(byTestId("pupil-tab-sessions"));
    await user.click(await screen.findByRole("button", { name: "Correct the session of 20 November 2026" }));
    await user.click(await screen.findByTestId("correct-session-900-draft-restore"));
    expect(byTestId("correct-session-900-minutes")).toHaveValue("45");
    expect(byTestId("correct-session-900-reason")).toHaveValue("Wrong length");
    await user.click(byTestId("correct-session-900-save"));
    await waitFor(() => expect(api.correctSession).toHaveBeenCalledWith(900, expect.objectContaining({ minutes: 45 }), "Wrong length"));
    await waitFor(() => expect(records.drafts.has(key)).toBe(false));
  });
});
