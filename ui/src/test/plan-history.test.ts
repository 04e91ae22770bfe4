// Every plan stays reachable (issue 16, item 2): after a renewal, the Plan section lists the
// earlier plan; its page shows the goals as they stood, the signed reviews (each opens the signed
// review), its progress, and leads back. Only ipc.ts is mocked (the fake backend).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import { ADULT, backend, LEAD, passphraseFor } from "./fake-backend";
import { seedPlan, seedPupil } from "./fake-records";
import { reviewStore } from "./fake-reviews";
import { byTestId, renderApp } from "./helpers";

vi.mock("chart.js", async () => (await import("./chart-recorder")).chartJs);
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

describe("earlier plans", () => {
  it("lists the plan a renewal closed, and its page shows its goals and signed review and leads back", async () => {
    const ava = seedPupil({ legal_forename: "Ava", legal_surname: "Brown" }, { keyAdult: { id: ADULT.id, name: ADULT.name } });
    const plan = seedPlan(ava, {
      dueDates: [{ date: DUE, provisional: false, held: false, overdue: true }],
      goals: [
        { outcome: "Joins a lunchtime club", baseline: 2 },
        { outcome: "Names a trusted adult", baseline: 3, status: "achieved" },
      ],
    });
    const { user } = await renderApp();
    await user.click(byTestId(`unlock-user-${LEAD.id}`));
    await user.type(byTestId("unlock-passphrase"), passphraseFor(LEAD));
    await user.click(byTestId("unlock-submit"));
    await screen.findByTestId("home-heading");

    // A signed review of the first plan, then the plan renewed carrying the open goal.
    const review = await api.prepareReview(plan.id, DUE);
    reviewStore.reviews.get(review.id)!.status = "signed";
    await api.renewPlan(plan.id, {
      plan: { framework_id: plan.framework_id, start: "2027-01-04", horizon_years: 2, cadence: plan.cadence },
      carry_goal_ids: [plan.goals[0].id],
    });

    await user.click(await screen.findByTestId(`pupil-link-${ava.pupil.id}`));
    await user.click(await screen.findByTestId("pupil-tab-plan"));
    const list = await screen.findByTestId("earlier-plans");
    expect(api.listPlans).toHaveBeenCalledWith(ava.pupil.id);
    // Only the closed plan is listed as earlier (the current one is the section above).
    expect(within(list).getAllByRole("listitem")).toHaveLength(1);
    expect(byTestId(`earlier-plan-${plan.id}`)).toHaveTextContent("Plan from 1 September 2025");
    expect(byTestId(`earlier-plan-${plan.id}`)).toHaveTextContent("2 goals");

    await user.click(byTestId(`earlier-plan-open-${plan.id}`));
    const heading = await screen.findByTestId("plan-page-heading");
    expect(heading).toHaveTextContent("Ava Brown: plan from 1 September 2025");
    expect(heading).toHaveTextContent("Closed");
    expect(heading).toHaveFocus();
    expect(byTestId(`plan-page-goal-${plan.goals[0].id}`)).toHaveTextContent("Open when the plan closed");
    expect(byTestId(`plan-page-goal-${plan.goals[1].id}`)).toHaveTextContent("Achieved");
    expect(await screen.findByRole("heading", { name: "Goals open when the plan closed" })).toBeInTheDocument();

    // The signed review opens read-only.
    await user.click(byTestId(`plan-page-review-open-${review.id}`));
    expect(api.getReview).toHaveBeenCalledWith(review.id);
    await screen.findByTestId("review-back");

    // And back: the pupil's Plan section, showing the new plan.
    await user.click(byTestId("review-back"));
    await user.click(await screen.findByTestId("pupil-tab-plan"));
    await user.click(await screen.findByTestId(`earlier-plan-open-${plan.id}`));
    await user.click(await screen.findByTestId("plan-page-back"));
    expect(await screen.findByTestId("earlier-plans")).toBeInTheDocument();
  });

  it("a key adult who is not the pupil's cannot list the pupil's plans", async () => {
    const ava = seedPupil({ legal_forename: "Ava", legal_surname: "Brown" }, { keyAdult: { id: LEAD.id, name: LEAD.name } });
    const { user } = await renderApp();
    await user.click(byTestId(`unlock-user-${ADULT.id}`));
    await user.type(byTestId("unlock-passphrase"), passphraseFor(ADULT));
    await user.click(byTestId("unlock-submit"));
    await screen.findByTestId("home-heading");
    await expect(api.listPlans(ava.pupil.id)).rejects.toMatchObject({ kind: "not_permitted" });
  });
});
