// Issue 4: the Progress section (a chart and a table per goal, the plan's timeline) and the
// print view of a plan or a review. Only ipc.ts is mocked; Chart.js is replaced by a recorder
// (jsdom has no canvas), so the tests see exactly what each chart was asked to draw.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import * as ipc from "../lib/ipc";
import type { Goal, PlanTimeline, PlanView, ProgressPoint, Pupil, PupilRecord, Review, ReviewSlot } from "../lib/bindings";
import Progress from "../screens/pupil/Progress.svelte";
import PrintView from "../screens/PrintView.svelte";
import { charts } from "./chart-recorder";
import { noChanges } from "./fake-records";

vi.mock("chart.js", async () => (await import("./chart-recorder")).chartJs);

vi.mock("../lib/ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof ipc>()),
  progressSeries: vi.fn(),
  planTimeline: vi.fn(),
  listReviews: vi.fn(),
  getPlan: vi.fn(),
  getPupil: vi.fn(),
  getReview: vi.fn(),
  recordPrint: vi.fn(),
  savePdf: vi.fn(),
  choosePath: vi.fn(),
}));

const api = vi.mocked(ipc);

// ---- fixtures

function goal(id: number, over: Partial<Goal>): Goal {
  return {
    id,
    plan_id: 7,
    domain_id: "belonging",
    domain_name: "Belonging",
    outcome: "",
    baseline: 2,
    target: 8,
    strategies: "",
    who: "",
    how_often: "",
    pp_plus_cost_pence: null,
    status: "active",
    position: id,
    ...over,
  };
}

const CALM = goal(11, {
  domain_id: "regulation",
  domain_name: "Regulation",
  outcome: "Uses the calm box to settle within five minutes, three times a week",
  baseline: 2,
  target: 8,
  strategies: "Calm box; sensory breaks",
  who: "Kim (key adult)",
  how_often: "Daily check-in",
});
const FRIENDS = goal(12, { outcome: "Plays with two friends at lunchtime", baseline: 3, target: 7, status: "active" });
const READING = goal(13, { domain_name: "Learning", outcome: "Reads aloud to an adult", baseline: 1, target: 6, status: "achieved" });

const PLAN: PlanView = {
  id: 7,
  pupil_id: 3,
  framework_id: "secure-base",
  framework_name: "Secure Base model",
  start: "2026-09-07",
  horizon_end: "2028-09-07",
  renew_from: "2028-09-08",
  cadence: "half_termly",
  cadence_label: "half-termly",
  status: "active",
  // The achieved goal comes first in the plan's own order: the section must still list it last.
  goals: [READING, CALM, FRIENDS],
  due_dates: [],
};

const PUPIL = { id: 3, display_name: "Amy O'Neill", preferred_name: "Amy" } as unknown as Pupil;
const RECORD = { pupil: PUPIL, plan: PLAN } as unknown as PupilRecord;

const point = (date: string, rating: number, review_id: number | null = null, plan_id = 7, plan_start = "2026-09-07"): ProgressPoint => ({
  date,
  rating,
  source: review_id === null ? "baseline" : "review",
  review_id,
  plan_id,
  plan_start,
});

const SERIES: Record<number, ProgressPoint[]> = {
  11: [point("2026-09-07", 2), point("2026-10-16", 5, 1), point("2026-11-22", 7, 2)],
  12: [point("2026-09-07", 3), point("2026-10-16", 4, 1), point("2026-11-22", 4, 2)],
  13: [point("2026-09-07", 1), point("2026-10-16", 6, 1)],
};

function slot(due_date: string, over: Partial<ReviewSlot> = {}): ReviewSlot {
  return { due_date, provisional: false, review_id: null, status: null, held_on: null, on_time: null, overdue: false, next: false, ...over };
}

const SLOTS: ReviewSlot[] = [
  slot("2026-10-16", { review_id: 1, status: "signed", held_on: "2026-10-16", on_time: true }),
  slot("2026-11-20", { review_id: 2, status: "signed", held_on: "2026-11-22", on_time: false }),
  slot("2027-01-08", { overdue: true, review_id: 3, status: "draft" }),
  slot("2027-02-12", { next: true }),
  slot("2027-03-26"),
];

const TIMELINE: PlanTimeline = {
  reviews: SLOTS,
  months: [
    { month: "2026-09", sessions: 3, minutes: 90 },
    { month: "2026-10", sessions: 8, minutes: 240 },
    { month: "2026-11", sessions: 0, minutes: 0 },
    { month: "2026-12", sessions: 1, minutes: 20 },
    { month: "2027-01", sessions: 2, minutes: 60 },
  ],
  events: [
    { id: 5, occurred_on: "2026-10-03", kind: "placement_move", description: "Moved to a new foster home", safeguarding_ref: null, recorded_by: "Kim", changes: noChanges() },
  ],
};

beforeEach(() => {
  vi.clearAllMocks();
  charts.length = 0;
  api.progressSeries.mockImplementation(async (goalId: number) => SERIES[goalId] ?? []);
  api.planTimeline.mockResolvedValue(TIMELINE);
  api.listReviews.mockResolvedValue(SLOTS);
  api.getPlan.mockResolvedValue(PLAN);
  api.getPupil.mockResolvedValue(PUPIL);
  api.recordPrint.mockResolvedValue(null);
  api.savePdf.mockResolvedValue(null);
});

function rowTexts(table: HTMLElement): string[][] {
  return within(table)
    .getAllByRole("row")
    .slice(1)
    .map((r) => [...r.querySelectorAll("th, td")].map((c) => c.textContent?.trim() ?? ""));
}

// ---- Progress

describe("Progress section", () => {
  it("shows each goal's ratings in order in a table, the same figures the chart draws", async () => {
    render(Progress, { props: { record: RECORD } });
    const table = await screen.findByTestId("progress-table-11");
    expect(rowTexts(table)).toEqual([
      ["7 September 2026", "2", "Baseline"],
      ["16 October 2026", "5", "Review"],
      ["22 November 2026", "7", "Review"],
    ]);
    expect(within(table).getAllByRole("columnheader").map((h) => h.getAttribute("scope"))).toEqual(["col", "col", "col"]);
    expect(table.querySelector("caption")).toHaveTextContent("Ratings out of 10 (target 8)");

    const canvas = screen.getByTestId("progress-chart-11");
    const drawn = charts.find((c) => c.canvas === canvas)!;
    expect(drawn.config.type).toBe("line");
    // Each rating at its date: 16 October is 39 days after 7 September, 22 November 37 after that.
    const pts: Array<{ x: number; y: number }> = drawn.config.data.datasets[0].data;
    expect(pts.map((p) => p.y)).toEqual([2, 5, 7]);
    expect([pts[1].x - pts[0].x, pts[2].x - pts[1].x]).toEqual([39, 37]);
    expect(drawn.config.options.scales.x.type).toBe("linear");
    // The target as a dashed reference line across the whole chart, on a 0–10 axis.
    const target: Array<{ x: number; y: number }> = drawn.config.data.datasets[1].data;
    expect(target.map((p) => p.y)).toEqual([8, 8]);
    expect(target[0].x).toBe(drawn.config.options.scales.x.min);
    expect(target[1].x).toBe(drawn.config.options.scales.x.max);
    // One plan: no plan boundary is drawn.
    expect(drawn.config.data.datasets).toHaveLength(2);
    expect(drawn.config.data.datasets[1].borderDash.length).toBeGreaterThan(0);
    expect(drawn.config.options.scales.y).toMatchObject({ min: 0, max: 10 });
  });

  it("runs a goal carried forward at a renewal across both plans, marking where the new plan started", async () => {
    // Goal 14 was carried from the plan of 1 September 2025 into this one (7 September 2026).
    const carried = goal(14, { outcome: "Names a trusted adult", baseline: 6, target: 9, status: "active" });
    api.progressSeries.mockImplementation(async () => [
      point("2025-09-01", 2, null, 5, "2025-09-01"),
      point("2026-02-10", 6, 9, 5, "2025-09-01"),
      point("2026-11-22", 8, 2, 7, "2026-09-07"),
    ]);
    render(Progress, { props: { record: { ...RECORD, plan: { ...PLAN, goals: [carried] } } as PupilRecord } });
    const table = await screen.findByTestId("progress-table-14");
    expect(rowTexts(table)).toEqual([
      ["1 September 2025", "2", "Baseline", "From 1 September 2025"],
      ["10 February 2026", "6", "Review", "From 1 September 2025"],
      ["22 November 2026", "8", "Review", "From 7 September 2026"],
    ]);
    const canvas = screen.getByTestId("progress-chart-14");
    expect(canvas).toHaveAttribute(
      "aria-label",
      "Baseline 2 on 1 September 2025, latest 8 on 22 November 2026, target 9; carried forward into the plan from 7 September 2026",
    );
    const drawn = charts.find((c) => c.canvas === canvas && !c.destroyed)!;
    const [rating, , boundary] = drawn.config.data.datasets;
    const xs: number[] = rating.data.map((p: { x: number }) => p.x);
    // 1 September 2025 → 7 September 2026 is 371 days: the upright line stands there, 0 to 10.
    expect(boundary.data).toEqual([
      { x: xs[0] + 371, y: 0 },
      { x: xs[0] + 371, y: 10 },
    ]);
    expect(boundary.label).toBe("A new plan starts");
  });

  it("says the trend in words on each chart (role img)", async () => {
    render(Progress, { props: { record: RECORD } });
    const canvas = await screen.findByTestId("progress-chart-11");
    expect(canvas).toHaveAttribute("role", "img");
    expect(canvas).toHaveAttribute("aria-label", "Baseline 2 on 7 September 2026, latest 7 on 22 November 2026, target 8");
    expect(screen.getByRole("img", { name: /^Baseline 3 on 7 September 2026, latest 4 on 22 November 2026, target 7$/ })).toBe(
      screen.getByTestId("progress-chart-12"),
    );
    expect(screen.getByTestId("progress-figures-11")).toHaveTextContent("Latest 7 out of 10");
  });

  it("lists current goals first, then achieved or stopped ones, saying which", async () => {
    render(Progress, { props: { record: RECORD } });
    await screen.findByTestId("progress-table-13");
    const order = [...document.querySelectorAll('[data-testid^="progress-goal-"]')].map((e) => e.getAttribute("data-testid"));
    expect(order).toEqual(["progress-goal-11", "progress-goal-12", "progress-goal-13"]);
    expect(screen.getByTestId("progress-status-13")).toHaveTextContent("Achieved");
    expect(screen.queryByTestId("progress-status-11")).toBeNull();
    expect(screen.getByRole("heading", { name: "Earlier goals: achieved or stopped" })).toBeInTheDocument();
  });

  it("places sessions, reviews and events in their months, overdue as a word", async () => {
    render(Progress, { props: { record: RECORD } });
    const table = await screen.findByTestId("timeline-table");
    const months = within(table).getAllByRole("rowheader").map((h) => h.textContent);
    // Every month from the start, then the month of the next review still to come (not later ones).
    expect(months).toEqual(["September 2026", "October 2026", "November 2026", "December 2026", "January 2027", "February 2027"]);
    expect(screen.getByTestId("timeline-sessions-2026-10")).toHaveTextContent("8 sessions, 240 minutes");
    expect(screen.getByTestId("timeline-sessions-2026-11")).toHaveTextContent("None");
    expect(screen.getByTestId("timeline-sessions-2027-02")).toHaveTextContent("Still to come");
    expect(within(screen.getByTestId("timeline-month-2026-10")).getByTestId("timeline-review-2026-10-16")).toHaveTextContent(
      "Due 16 October 2026: Held on time on 16 October 2026",
    );
    expect(screen.getByTestId("timeline-review-2026-11-20")).toHaveTextContent("Held late on 22 November 2026");
    const overdue = screen.getByTestId("timeline-review-2027-01-08");
    expect(overdue).toHaveTextContent("Overdue");
    expect(overdue).toHaveTextContent("Draft started, not signed off");
    expect(screen.getByTestId("timeline-review-2027-02-12")).toHaveTextContent("Next review due");
    expect(screen.queryByTestId("timeline-review-2027-03-26")).toBeNull();
    expect(within(screen.getByTestId("timeline-month-2026-10")).getByTestId("timeline-event-5")).toHaveTextContent(
      "3 October 2026: Placement move. Moved to a new foster home",
    );

    const bars = charts.find((c) => c.canvas === screen.getByTestId("timeline-chart"))!;
    expect(bars.config.type).toBe("bar");
    expect(bars.config.data.labels).toEqual(["Sep 2026", "Oct 2026", "Nov 2026", "Dec 2026", "Jan 2027"]);
    expect(bars.config.data.datasets[0].data).toEqual([3, 8, 0, 1, 2]);
    expect(screen.getByTestId("timeline-chart")).toHaveAttribute(
      "aria-label",
      "Sessions each month from September 2026 to January 2027: 14 in all; the most, 8, in October 2026; 1 month with none",
    );
  });

  it("says so when there is no plan", async () => {
    render(Progress, { props: { record: { ...RECORD, plan: null } } });
    expect(await screen.findByTestId("progress-no-plan")).toHaveTextContent("Amy O'Neill has no current plan");
    expect(api.progressSeries).not.toHaveBeenCalled();
  });
});

// ---- Print view

describe("print view of a plan", () => {
  async function open() {
    const user = userEvent.setup();
    render(PrintView, { props: { pupilId: 3, what: "plan", targetId: 7 } });
    await screen.findByTestId("print-view");
    return user;
  }

  it("shows the name, Confidential, each current goal's outcome, latest rating and the next review date", async () => {
    await open();
    expect(screen.getByTestId("print-header-line")).toHaveTextContent("Amy O'Neill");
    expect(screen.getByTestId("print-header-line")).toHaveTextContent("Confidential");
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Amy O'Neill's plan");
    expect(screen.getByTestId("print-plan-facts")).toHaveTextContent("Secure Base model");
    expect(screen.getByTestId("print-outcome-11")).toHaveTextContent(CALM.outcome);
    expect(screen.getByTestId("print-outcome-12")).toHaveTextContent(FRIENDS.outcome);
    // The latest rating is the last point of the goal's series, not its baseline.
    expect(screen.getByTestId("print-latest-11")).toHaveTextContent("7 out of 10 (22 November 2026)");
    expect(screen.getByTestId("print-latest-12")).toHaveTextContent("4 out of 10");
    expect(screen.getByTestId("print-goal-11")).toHaveTextContent("Calm box; sensory breaks");
    expect(screen.getByTestId("print-goal-11")).toHaveTextContent("Kim (key adult)");
    expect(screen.getByTestId("print-goal-11")).toHaveTextContent("Daily check-in");
    // Achieved goals are not on the plan for the meeting.
    expect(screen.queryByTestId("print-goal-13")).toBeNull();
    expect(screen.getByTestId("print-next-review")).toHaveTextContent("12 February 2027");
    expect(screen.getByTestId("print-overdue")).toHaveTextContent("8 January 2027");
  });

  it("records the print before printing", async () => {
    const user = await open();
    const print = vi.spyOn(window, "print").mockImplementation(() => {});
    await user.click(screen.getByTestId("print-print"));
    expect(api.recordPrint).toHaveBeenCalledWith("plan", 7);
    expect(print).toHaveBeenCalledTimes(1);
    expect(api.recordPrint.mock.invocationCallOrder[0]).toBeLessThan(print.mock.invocationCallOrder[0]);
    print.mockRestore();
  });

  it("does not print when the backend refuses to record it", async () => {
    const user = await open();
    const print = vi.spyOn(window, "print").mockImplementation(() => {});
    api.recordPrint.mockRejectedValueOnce({ kind: "not_permitted", message: "no", retry_after_secs: null });
    await user.click(screen.getByTestId("print-print"));
    expect(await screen.findByTestId("print-error")).toHaveTextContent("You do not have permission");
    expect(print).not.toHaveBeenCalled();
    print.mockRestore();
  });

  it("saves as a PDF where the person chose, and says where", async () => {
    const user = await open();
    api.choosePath.mockResolvedValueOnce("/home/kim/Documents/Attune plan.pdf");
    await user.click(screen.getByTestId("print-save-pdf"));
    expect(api.choosePath).toHaveBeenCalledWith({
      kind: "save",
      title: "Save the plan as a PDF",
      default_name: "Attune plan.pdf",
      filters: [{ name: "PDF", extensions: ["pdf"] }],
    });
    expect(api.savePdf).toHaveBeenCalledWith("plan", 7, "/home/kim/Documents/Attune plan.pdf");
    expect(await screen.findByTestId("print-saved")).toHaveTextContent("Saved to /home/kim/Documents/Attune plan.pdf");
  });

  it("saves nothing when the chooser is cancelled, and shows a refusal", async () => {
    const user = await open();
    api.choosePath.mockResolvedValueOnce(null);
    await user.click(screen.getByTestId("print-save-pdf"));
    expect(api.savePdf).not.toHaveBeenCalled();
    expect(screen.queryByTestId("print-saved")).toBeNull();

    api.choosePath.mockResolvedValueOnce("/tmp/x.pdf");
    api.savePdf.mockRejectedValueOnce({ kind: "invalid_input", message: "The PDF could not be saved: printing took too long.", retry_after_secs: null });
    await user.click(screen.getByTestId("print-save-pdf"));
    expect(await screen.findByTestId("print-error")).toHaveTextContent("The PDF could not be saved: printing took too long.");
    expect(screen.queryByTestId("print-saved")).toBeNull();
  });
});

describe("print view of a review", () => {
  const REVIEW: Review = {
    id: 2,
    plan_id: 7,
    pupil_id: 3,
    due_date: "2026-11-20",
    status: "signed",
    content: {
      attendees: [
        { name: "Kim Adebayo", role: "Key adult", scaling: 6 },
        { name: "Jo O'Neill", role: "Foster carer", scaling: 7 },
      ],
      goals: [
        { goal_id: 11, rating: 7, evidence: "Used the calm box four times this week", decision: "continue" },
        { goal_id: 12, rating: 4, evidence: "Still on the edge of games", decision: "change" },
      ],
      pupil_voice: "I like the calm box",
      parent_carer_voice: "Bedtimes are easier",
      working_well: "Morning check-ins",
      worried_about: "Lunchtimes",
      needs_to_happen: "A lunchtime club",
      next_steps: "Try the Lego club on Tuesdays",
      new_goals: [],
      next_review_date: "2027-01-08",
    },
    prefill: {
      window_from: "2026-10-16",
      window_to: "2026-11-20",
      goals: [
        { goal_id: 11, domain_id: "regulation", outcome: CALM.outcome, baseline: 2, target: 8, last_rating: 5 },
        { goal_id: 12, domain_id: "belonging", outcome: FRIENDS.outcome, baseline: 3, target: 7, last_rating: 4 },
      ],
      sessions: [],
      events: [],
      last_next_steps: "",
    },
    signed_by: { id: "u1", name: "Sam Okafor" },
    signed_at: "2026-11-22T10:00:00Z",
    held_on: "2026-11-22",
    on_time: false,
    amendments: [{ id: 1, reason: "Wrong scaling", text: "Jo's scaling was 8, not 7", author: { id: "u1", name: "Sam Okafor" }, at: "2026-11-23T09:00:00Z" }],
  };

  it("shows the whole record: attendees' scaling, ratings, decisions, voices, Signs of Safety, next steps, amendments", async () => {
    api.getReview.mockResolvedValue(REVIEW);
    render(PrintView, { props: { pupilId: 3, what: "review", targetId: 2 } });
    await screen.findByTestId("print-view");
    expect(api.getReview).toHaveBeenCalledWith(2);
    expect(screen.getByTestId("print-header-line")).toHaveTextContent("Confidential");
    expect(rowTexts(screen.getByTestId("print-attendees"))).toEqual([
      ["Kim Adebayo", "Key adult", "6"],
      ["Jo O'Neill", "Foster carer", "7"],
    ]);
    expect(screen.getByTestId("print-review-goal-11")).toHaveTextContent("Regulation");
    expect(screen.getByTestId("print-rating-11")).toHaveTextContent("7 out of 10");
    expect(screen.getByTestId("print-decision-12")).toHaveTextContent("Change");
    expect(screen.getByTestId("print-pupil-voice")).toHaveTextContent("I like the calm box");
    expect(screen.getByTestId("print-sos")).toHaveTextContent("Morning check-ins");
    expect(screen.getByTestId("print-sos")).toHaveTextContent("Lunchtimes");
    expect(screen.getByTestId("print-sos")).toHaveTextContent("A lunchtime club");
    expect(screen.getByTestId("print-next-steps-text")).toHaveTextContent("Try the Lego club on Tuesdays");
    expect(screen.getByTestId("print-next-review")).toHaveTextContent("8 January 2027");
    expect(screen.getByTestId("print-signed-off")).toHaveTextContent("By Sam Okafor");
    expect(screen.getByTestId("print-amendments")).toHaveTextContent("Reason: Wrong scaling");
    expect(screen.queryByTestId("print-draft")).toBeNull();
  });
});
