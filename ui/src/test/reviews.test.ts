// Reviews (issue 4): the Reviews section lists due dates with overdue as a word; a review is
// prepared pre-filled, saved as a draft as it is typed, checked before sign-off, signed by whom
// the school's setting allows, then read-only with amendments beside it. Only ipc.ts is mocked.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, waitFor, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import type { UserInfo } from "../lib/bindings";
import { ADULT, backend, LEAD, passphraseFor } from "./fake-backend";
import { noChanges, seedPlan, seedPupil } from "./fake-records";
import { reviewStore } from "./fake-reviews";
import { byTestId, renderApp } from "./helpers";

vi.mock("../lib/ipc", async (importOriginal) => {
  const { fakeIpc } = await import("./fake-backend");
  return fakeIpc(await importOriginal());
});

const api = vi.mocked(ipc);

beforeEach(() => {
  vi.clearAllMocks();
  backend.lockedWith([LEAD, ADULT]);
});

const OVERDUE = "2026-10-19";
const NEXT = "2026-12-07";

async function openReviews(as: UserInfo) {
  const ava = seedPupil({ legal_forename: "Ava", legal_surname: "Brown" }, { keyAdult: { id: ADULT.id, name: ADULT.name } });
  ava.sessions.push({ id: 900, held_on: "2026-10-01", minutes: 30, kind: "planned", regulation: 5, note: "Built a den", safeguarding_ref: null, recorded_by: ADULT.name, changes: noChanges() });
  const plan = seedPlan(ava, {
    dueDates: [
      { date: OVERDUE, provisional: false, held: false, overdue: true },
      { date: NEXT, provisional: false, held: false, overdue: false },
      { date: "2027-02-08", provisional: true, held: false, overdue: false },
    ],
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
  return { ...rendered, ava, plan, goals: plan.goals };
}

async function fillReview(user: ReturnType<typeof import("@testing-library/user-event").default.setup>, goalIds: number[]) {
  await user.click(byTestId("attendee-add"));
  await user.type(byTestId("attendee-0-name"), "Jo Carer");
  await user.selectOptions(byTestId("attendee-0-scaling"), "6");
  for (const [i, id] of goalIds.entries()) {
    await user.selectOptions(byTestId(`goal-${id}-rating`), String(5 + i));
    await user.click(byTestId(`goal-${id}-decision-${i === 0 ? "continue" : "achieved"}`));
  }
  await user.type(byTestId("review-pupil-voice"), "I like the club");
}

describe("reviews", () => {
  it("lists due dates with the overdue one named in words, and the next one", async () => {
    await openReviews(ADULT);
    const overdueRow = byTestId(`review-slot-${OVERDUE}`);
    expect(overdueRow).toHaveTextContent("Overdue");
    expect(overdueRow).toHaveTextContent("Not started");
    expect(byTestId(`review-slot-${NEXT}`)).toHaveTextContent("Next");
    expect(byTestId("reviews-summary")).toHaveTextContent("One review is overdue");
    expect(byTestId("reviews-next")).toHaveTextContent("7 December 2026");
    // The provisional date beyond the next one has no action yet.
    expect(screen.queryByTestId("review-open-2027-02-08")).toBeNull();
  });

  it("prepares a pre-filled review and saves it as a draft as it is typed", async () => {
    const { user, goals, plan } = await openReviews(ADULT);
    await user.click(byTestId(`review-open-${OVERDUE}`));
    expect(api.prepareReview).toHaveBeenCalledWith(plan.id, OVERDUE);
    await screen.findByTestId("review-form");
    // Pre-filled: the goals with their baselines, and the session in the window.
    expect(byTestId(`review-goal-${goals[0].id}`)).toHaveTextContent("Joins a lunchtime club");
    expect(byTestId(`review-goal-${goals[0].id}`)).toHaveTextContent("2 out of 10");
    expect(byTestId("prefill-sessions")).toHaveTextContent("Built a den");
    await fillReview(user, goals.map((g) => g.id));
    await waitFor(() => expect(byTestId("review-save-state")).toHaveTextContent("Draft saved at"), { timeout: 3000 });
    const saved = [...reviewStore.reviews.values()][0];
    expect(saved.content.attendees).toEqual([{ name: "Jo Carer", role: "", scaling: 6 }]);
    expect(saved.content.goals.map((g) => [g.rating, g.decision])).toEqual([
      [5, "continue"],
      [6, "achieved"],
    ]);
    expect(saved.content.pupil_voice).toBe("I like the club");
    // A key adult may not sign off under the default setting: the page says who does.
    expect(screen.queryByTestId("review-sign")).toBeNull();
    expect(byTestId("review-sign-lead-only")).toHaveTextContent("strategic lead signs reviews off");
  });

  it("lists what is missing before sign-off, then signs, refuses edits and keeps amendments beside it", async () => {
    const { user, goals } = await openReviews(LEAD);
    await user.click(byTestId(`review-open-${OVERDUE}`));
    await screen.findByTestId("review-form");
    await user.click(byTestId("review-sign"));
    const summary = await screen.findByTestId("error-summary");
    expect(summary).toHaveTextContent("Add who attended the review");
    expect(summary).toHaveTextContent("Rate goal 1: Joins a lunchtime club");
    expect(summary).toHaveTextContent("Choose a decision for goal 2");
    expect(api.signReview).not.toHaveBeenCalled();

    await fillReview(user, goals.map((g) => g.id));
    await user.click(byTestId("review-sign"));
    await user.click(await screen.findByTestId("sign-confirm-yes"));
    await screen.findByTestId("review-signed");
    expect(byTestId("review-heading")).toHaveTextContent("Review, signed off");
    expect(byTestId("review-signed-by")).toHaveTextContent("Signed off by Sam Patel on 22 November 2026");
    expect(byTestId(`signed-goal-${goals[1].id}`)).toHaveTextContent("Achieved");
    // The draft's last words were saved before signing.
    expect(api.saveReviewDraft).toHaveBeenCalled();
    // No form any more; the backend refuses an edit.
    expect(screen.queryByTestId("review-form")).toBeNull();
    const id = [...reviewStore.reviews.keys()][0];
    await expect(api.saveReviewDraft(id, reviewStore.reviews.get(id)!.content)).rejects.toMatchObject({ kind: "not_permitted" });

    // An amendment needs a reason and text, then shows beside the original.
    await user.click(byTestId("amend-save"));
    expect(await screen.findByTestId("error-summary")).toHaveTextContent("Enter the reason for the amendment");
    await user.type(byTestId("amend-reason"), "Wrong attendee role");
    await user.type(byTestId("amend-text"), "Jo is the foster carer");
    await user.click(byTestId("amend-save"));
    const aside = byTestId("review-amendments");
    await waitFor(() => expect(aside).toHaveTextContent("Amendments (1)"));
    expect(within(aside).getByText(/Wrong attendee role/)).toBeInTheDocument();
    expect(aside).toHaveTextContent("Jo is the foster carer");
    expect(aside).toHaveTextContent("Sam Patel");
  });

  it("lets a lead choose that key adults sign off, and then a key adult can", async () => {
    const { user } = await openReviews(LEAD);
    await user.click(byTestId("nav-settings"));
    await user.click(await screen.findByTestId("review-sign-off-key_adult"));
    await user.click(byTestId("review-settings-save"));
    expect(await screen.findByTestId("review-settings-saved")).toHaveTextContent("The pupil's key adult signs reviews off");
    expect(api.setReviewSignOff).toHaveBeenCalledWith("key_adult");
    expect(reviewStore.signOff).toBe("key_adult");
  });
});

describe("renewing a plan", () => {
  it("carries the chosen goals into a new plan and says the old one is kept", async () => {
    const { user, ava, goals, plan } = await openReviews(ADULT);
    await user.click(byTestId("pupil-tab-plan"));
    await user.click(await screen.findByTestId("plan-renew"));
    const form = await screen.findByTestId("renew-form");
    // Every current goal is ticked to start with; untick the second.
    expect((byTestId(`renew-goal-${goals[0].id}`) as HTMLInputElement).checked).toBe(true);
    await user.click(byTestId(`renew-goal-${goals[1].id}`));
    // A start before the current plan's is refused by the backend, named on the date field.
    const day = within(form).getByLabelText("Day");
    const month = within(form).getByLabelText("Month");
    const year = within(form).getByLabelText("Year");
    // The form starts where the backend says a renewal starts (the plan's renew_from).
    const [fy, fm, fd] = plan.renew_from.split("-").map(Number);
    expect([Number((year as HTMLInputElement).value), Number((month as HTMLInputElement).value), Number((day as HTMLInputElement).value)]).toEqual([fy, fm, fd]);
    await user.clear(day);
    await user.type(day, "1");
    await user.clear(month);
    await user.type(month, "1");
    await user.clear(year);
    await user.type(year, "2025");
    await user.click(byTestId("renew-save"));
    expect(await screen.findByTestId("error-summary")).toHaveTextContent("starts after the current one started");
    await user.clear(year);
    await user.type(year, "2027");
    await user.click(byTestId("renew-save"));
    expect(await screen.findByTestId("plan-saved")).toHaveTextContent("Plan renewed from 1 January 2027: 1 goal carried forward");
    expect(api.renewPlan).toHaveBeenLastCalledWith(plan.id, {
      plan: { framework_id: plan.framework_id, start: "2027-01-01", horizon_years: 2, cadence: plan.cadence },
      carry_goal_ids: [goals[0].id],
    });
    expect(ava.plan?.goals.map((g) => g.outcome)).toEqual(["Joins a lunchtime club"]);
  });
});
