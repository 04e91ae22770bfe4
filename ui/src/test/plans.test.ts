// A school's own plan framework (Settings → Plan frameworks), changing a plan's review cadence,
// editing a goal and marking it achieved or stopped. Only ipc.ts is mocked (the fake backend).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import type { UserInfo } from "../lib/bindings";
import { ADULT, backend, commandError, LEAD, passphraseFor } from "./fake-backend";
import { fakeFutureDates, records, seedPlan, seedPupil } from "./fake-records";
import { byTestId, renderApp } from "./helpers";
import { ukDate } from "../lib/dates";

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

function frameworkRows(): string[] {
  return within(byTestId("frameworks-table"))
    .getAllByRole("row")
    .slice(1)
    .map((r) => r.getAttribute("data-testid") ?? "");
}

const NURTURE = `{
  "schema": "attune-framework/1",
  "id": "nurture-principles",
  "name": "Six principles of nurture",
  "description": "The nurture group principles.",
  "domains": [
    { "id": "learning", "name": "Learning is understood developmentally", "description": "x", "prompts": [] },
    { "id": "safe-base", "name": "The classroom offers a safe base", "description": "x", "prompts": [] },
    { "id": "language", "name": "Language is a vital means of communication", "description": "x", "prompts": [] }
  ]
}
`;

// A comma missing at the end of line 3.
const MALFORMED = `{
  "schema": "attune-framework/1",
  "id": "broken"
  "name": "Broken",
  "domains": []
}
`;

async function openSettings() {
  const rendered = await signIn(LEAD);
  await rendered.user.click(byTestId("nav-settings"));
  await screen.findByTestId("frameworks-table");
  return rendered;
}

describe("plan frameworks (strategic lead)", () => {
  it("lists the built-in frameworks with their number of domains", async () => {
    await openSettings();
    expect(frameworkRows()).toEqual(["framework-row-secure-base", "framework-row-shanarri"]);
    const row = byTestId("framework-row-secure-base");
    expect(row).toHaveTextContent("Secure Base model");
    expect(row).toHaveTextContent("2 domains");
    expect(row).toHaveTextContent("Built into Attune");
    expect(byTestId("framework-row-shanarri")).toHaveTextContent("1 domain");
  });

  it("shows the backend's refusal of a malformed file verbatim in the error summary, linked to the file field, and adds nothing", async () => {
    const { user } = await openSettings();
    const message = "line 4, column 3: expected `,` or `}`";
    api.addFramework.mockRejectedValueOnce(commandError("invalid_input", message));
    await user.upload(byTestId("framework-file"), new File([MALFORMED], "broken.json", { type: "application/json" }));
    await user.click(byTestId("framework-add"));
    expect(api.addFramework).toHaveBeenCalledWith(MALFORMED);
    const summary = await screen.findByTestId("error-summary");
    const link = within(summary).getByRole("link", { name: message });
    expect(link).toHaveAttribute("href", "#framework-file");
    expect(frameworkRows()).toEqual(["framework-row-secure-base", "framework-row-shanarri"]);
    expect(screen.queryByTestId("framework-added")).not.toBeInTheDocument();
    expect(records.schoolFrameworks).toEqual([]);
  });

  it("gives the fake reader's line for a missing comma and keeps the list unchanged", async () => {
    const { user } = await openSettings();
    await user.upload(byTestId("framework-file"), new File([MALFORMED], "broken.json", { type: "application/json" }));
    await user.click(byTestId("framework-add"));
    expect(await screen.findByTestId("error-summary")).toHaveTextContent(/line 4, column \d+: this is not valid JSON/);
    expect(frameworkRows()).toHaveLength(2);
  });

  it("asks for a file before sending anything", async () => {
    const { user } = await openSettings();
    await user.click(byTestId("framework-add"));
    expect(await screen.findByTestId("error-summary")).toHaveTextContent("Choose a framework file");
    expect(api.addFramework).not.toHaveBeenCalled();
  });

  it("adds a school's own framework from the file's text and lists it", async () => {
    const { user } = await openSettings();
    await user.upload(byTestId("framework-file"), new File([NURTURE], "nurture.json", { type: "application/json" }));
    await user.click(byTestId("framework-add"));
    expect(api.addFramework).toHaveBeenCalledWith(NURTURE);
    expect(await screen.findByTestId("framework-added")).toHaveTextContent("Added Six principles of nurture");
    expect(byTestId("framework-added").closest("[aria-live]")).toHaveAttribute("aria-live", "polite");
    const row = await screen.findByTestId("framework-row-nurture-principles");
    expect(row).toHaveTextContent("Six principles of nurture");
    expect(row).toHaveTextContent("3 domains");
    expect(row).toHaveTextContent("Added by the school");
    expect(frameworkRows()).toHaveLength(3);
    expect(screen.queryByTestId("error-summary")).not.toBeInTheDocument();
  });
});

/** Ava, on the key adult's caseload, with a plan; opens her Plan section. */
async function openPlan(options: Parameters<typeof seedPlan>[1] = {}) {
  const ava = seedPupil({ legal_forename: "Ava", legal_surname: "Brown" }, { keyAdult: { id: ADULT.id, name: ADULT.name } });
  const plan = seedPlan(ava, options);
  const rendered = await signIn(ADULT);
  await rendered.user.click(await screen.findByTestId(`pupil-link-${ava.pupil.id}`));
  await rendered.user.click(await screen.findByTestId("pupil-tab-plan"));
  await screen.findByTestId("plan-summary");
  return { ...rendered, plan };
}

describe("changing a plan's review cadence", () => {
  it("sends the new cadence, keeps past dates and shows the recomputed ones with a note", async () => {
    const oldFuture = fakeFutureDates("half_termly");
    const { user, plan } = await openPlan({
      cadence: "half_termly",
      dueDates: [
        { date: "2025-12-12", provisional: false, held: true, overdue: false },
        ...oldFuture.map((date) => ({ date, provisional: false, held: false, overdue: false })),
      ],
    });
    await user.click(byTestId("cadence-change"));
    // Opens on the plan's cadence.
    expect(byTestId("cadence-half_termly")).toBeChecked();
    await user.click(byTestId("cadence-custom"));
    await user.type(byTestId("cadence-weeks"), "8");
    await user.click(byTestId("cadence-save"));
    expect(api.changeCadence).toHaveBeenCalledWith(plan.id, { custom_weeks: 8 });

    const note = await screen.findByTestId("cadence-saved");
    expect(note).toHaveTextContent("Reviews are now every 8 weeks.");
    expect(note).toHaveTextContent("Past review dates are kept; future dates were worked out again.");
    expect(screen.queryByTestId("cadence-form")).not.toBeInTheDocument();
    const dates = byTestId("plan-due-dates");
    expect(byTestId("plan-due-0")).toHaveTextContent("12 December 2025");
    expect(byTestId("plan-due-0")).toHaveTextContent("Held");
    fakeFutureDates({ custom_weeks: 8 }).forEach((d, i) => expect(byTestId(`plan-due-${i + 1}`)).toHaveTextContent(ukDate(d)));
    expect(dates).not.toHaveTextContent(ukDate(oldFuture[0]));
    expect(byTestId("plan-summary")).toHaveTextContent("every 8 weeks");
  });

  it("sends a named cadence as its word", async () => {
    const { user, plan } = await openPlan({ cadence: "half_termly" });
    await user.click(byTestId("cadence-change"));
    await user.click(byTestId("cadence-termly"));
    await user.click(byTestId("cadence-save"));
    expect(api.changeCadence).toHaveBeenCalledWith(plan.id, "termly");
    expect(await screen.findByTestId("cadence-saved")).toHaveTextContent("Reviews are now termly.");
  });

  it("asks for the number of weeks before sending anything", async () => {
    const { user } = await openPlan();
    await user.click(byTestId("cadence-change"));
    await user.click(byTestId("cadence-custom"));
    await user.click(byTestId("cadence-save"));
    const summary = await screen.findByTestId("error-summary");
    expect(within(summary).getByRole("link", { name: "Enter a number of weeks from 1 to 52" })).toHaveAttribute("href", "#cadence-weeks");
    expect(api.changeCadence).not.toHaveBeenCalled();
  });
});

describe("editing goals and ending them", () => {
  it("edits a goal in the form filled in with its values", async () => {
    const { user, plan } = await openPlan({
      goals: [{ domain_id: "availability", outcome: "Ava will join a lunchtime club", baseline: 2, target: 6, who: "Key adult", pp_plus_cost_pence: 12050 }],
    });
    const goalId = plan.goals[0].id;
    await user.click(byTestId(`edit-goal-${goalId}`));
    expect(byTestId("goal-form")).toBeInTheDocument();
    expect(byTestId("goal-domain")).toHaveValue("availability");
    expect(byTestId("goal-outcome")).toHaveValue("Ava will join a lunchtime club");
    expect(byTestId("goal-cost")).toHaveValue("120.50");
    expect(byTestId("goal-save")).toHaveTextContent("Save changes");

    await user.selectOptions(byTestId("goal-domain"), "sensitivity");
    await user.clear(byTestId("goal-outcome"));
    await user.type(byTestId("goal-outcome"), "Ava will join a lunchtime club twice a week");
    await user.clear(byTestId("goal-target"));
    await user.type(byTestId("goal-target"), "8");
    await user.click(byTestId("goal-save"));
    expect(api.updateGoal).toHaveBeenCalledWith(goalId, {
      domain_id: "sensitivity",
      outcome: "Ava will join a lunchtime club twice a week",
      baseline: 2,
      target: 8,
      strategies: "",
      who: "Key adult",
      how_often: "",
      pp_plus_cost_pence: 12050,
    });
    expect(api.addGoal).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(byTestId(`goal-${goalId}`)).toHaveTextContent("twice a week"));
    expect(byTestId(`goal-${goalId}`)).toHaveTextContent("Sensitivity: helping the child to manage feelings");
    expect(byTestId(`goal-${goalId}`)).toHaveTextContent("8 out of 10");
    expect(screen.queryByTestId("goal-form")).not.toBeInTheDocument();
    expect(byTestId("plan-saved")).toHaveTextContent("Goal changed.");
  });

  it("marks a goal as achieved after a confirmation, moving it under Earlier goals with its status as a word", async () => {
    const { user, plan } = await openPlan({ goals: [{ outcome: "Goal to achieve" }, { outcome: "Goal to keep" }] });
    const [first, second] = plan.goals.map((g) => g.id);
    await user.click(byTestId(`achieve-goal-${first}`));
    const confirm = byTestId("confirm-goal");
    expect(confirm).toHaveTextContent("Mark this goal as achieved?");
    expect(api.setGoalStatus).not.toHaveBeenCalled();
    await user.click(byTestId("confirm-goal-yes"));
    expect(api.setGoalStatus).toHaveBeenCalledWith(first, "achieved");

    const earlier = await screen.findByTestId("goal-earlier-list");
    expect(within(earlier).getByTestId(`goal-${first}`)).toHaveTextContent("Goal to achieve");
    expect(within(earlier).getByTestId(`earlier-goal-status-${first}`)).toHaveTextContent("Achieved");
    expect(screen.getByRole("heading", { name: "Earlier goals" })).toBeInTheDocument();
    const active = byTestId("goal-list");
    expect(within(active).queryByTestId(`goal-${first}`)).not.toBeInTheDocument();
    expect(within(active).getByTestId(`goal-${second}`)).toBeInTheDocument();
    expect(within(earlier).queryByTestId(`edit-goal-${first}`)).not.toBeInTheDocument();
  });

  it("stopping a goal can be cancelled, and then nothing changes", async () => {
    const { user, plan } = await openPlan({ goals: [{ outcome: "Goal to keep" }] });
    const id = plan.goals[0].id;
    await user.click(byTestId(`stop-goal-${id}`));
    expect(byTestId("confirm-goal")).toHaveTextContent("Stop this goal?");
    await user.click(byTestId("confirm-goal-cancel"));
    expect(screen.queryByTestId("confirm-goal")).not.toBeInTheDocument();
    expect(byTestId(`stop-goal-${id}`)).toHaveFocus();
    expect(api.setGoalStatus).not.toHaveBeenCalled();

    await user.click(byTestId(`stop-goal-${id}`));
    await user.click(byTestId("confirm-goal-yes"));
    expect(api.setGoalStatus).toHaveBeenCalledWith(id, "stopped");
    expect(await screen.findByTestId(`earlier-goal-status-${id}`)).toHaveTextContent("Stopped");
    expect(byTestId("goals-none")).toHaveTextContent("No current goals.");
  });
});

describe("accessibility of the new forms (axe-core, in jsdom)", () => {
  async function axeViolations(): Promise<string[]> {
    const axe = (await import("axe-core")).default;
    const result = await axe.run(document.body, { rules: { "color-contrast": { enabled: false } } });
    return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help}`);
  }

  it("Settings with a refused framework file has no serious or critical violation", async () => {
    const { user } = await openSettings();
    await user.upload(byTestId("framework-file"), new File([MALFORMED], "broken.json", { type: "application/json" }));
    await user.click(byTestId("framework-add"));
    await screen.findByTestId("error-summary");
    expect(await axeViolations()).toEqual([]);
  });

  it("the plan with the cadence form, a confirmation and earlier goals has no serious or critical violation", async () => {
    const { user, plan } = await openPlan({ goals: [{ outcome: "One" }, { outcome: "Two", status: "achieved" }] });
    await user.click(byTestId("cadence-change"));
    await user.click(byTestId(`stop-goal-${plan.goals[0].id}`));
    expect(await axeViolations()).toEqual([]);
  });
});
