// The reviews of issue 4 in the fake backend: enough behaviour for the screens' tests — a
// draft per due date, saved as typed; sign-off needing attendees and every goal rated and
// decided; a signed review refusing any edit; amendments kept beside it; the sign-off setting.
import { vi } from "vitest";
import type {
  PlanTimeline,
  PlanView,
  ProgressPoint,
  RenewPlanRequest,
  Review,
  ReviewInput,
  ReviewSignOff,
  ReviewSlot,
} from "../lib/bindings";
import { fakeYearsOn, records, type Ctx } from "./fake-records";
import { commandError } from "./fake-backend";

type Store = { reviews: Map<number, Review>; signOff: ReviewSignOff; printed: string[] };
export const reviewStore: Store = { reviews: new Map(), signOff: "strategic_lead", printed: [] };

export function resetReviews(): void {
  reviewStore.reviews = new Map();
  reviewStore.signOff = "strategic_lead";
  reviewStore.printed = [];
}

function planOf(planId: number) {
  const p = [...records.pupils.values()].find((x) => x.plan?.id === planId);
  if (p && p.plan) return p as typeof p & { plan: NonNullable<typeof p.plan> };
  // An earlier plan, closed by a renewal: its pupil, with that plan in view.
  for (const x of records.pupils.values()) {
    const earlier = x.earlierPlans?.find((e) => e.id === planId);
    if (earlier) return { ...x, plan: earlier };
  }
  throw commandError("not_found", "There is no such plan.");
}

function mayUse(ctx: Ctx, pupilKeyAdult: string | undefined) {
  const s = ctx.session();
  if (s.user.role === "key_adult" && pupilKeyAdult !== s.user.id) {
    throw commandError("not_permitted", "Not permitted: this pupil is not on your caseload.");
  }
}

function reviewOf(ctx: Ctx, id: number): Review {
  const r = reviewStore.reviews.get(id);
  if (!r) throw commandError("not_found", "There is no such review.");
  mayUse(ctx, planOf(r.plan_id).pupil.key_adult?.id);
  return r;
}

export function reviewCommands(ctx: Ctx) {
  return {
    listReviews: vi.fn(async (planId: number): Promise<ReviewSlot[]> => {
      const p = planOf(planId);
      mayUse(ctx, p.pupil.key_adult?.id);
      let nextFound = false;
      return p.plan.due_dates.map((d) => {
        const r = [...reviewStore.reviews.values()].find((x) => x.plan_id === planId && x.due_date === d.date);
        const signed = r?.status === "signed";
        const next = !nextFound && !signed && !d.overdue;
        if (next) nextFound = true;
        return {
          due_date: d.date,
          provisional: d.provisional,
          review_id: r?.id ?? null,
          status: r?.status ?? null,
          held_on: r?.held_on ?? null,
          on_time: r?.on_time ?? null,
          overdue: d.overdue && !signed,
          next,
        };
      });
    }),
    prepareReview: vi.fn(async (planId: number, dueDate: string): Promise<Review> => {
      const p = planOf(planId);
      mayUse(ctx, p.pupil.key_adult?.id);
      const existing = [...reviewStore.reviews.values()].find((x) => x.plan_id === planId && x.due_date === dueDate);
      if (existing) return structuredClone(existing);
      const goals = p.plan.goals.filter((g) => g.status === "active");
      const review: Review = {
        id: records.nextId++,
        plan_id: planId,
        pupil_id: p.pupil.id,
        due_date: dueDate,
        status: "draft",
        content: {
          attendees: [],
          goals: goals.map((g) => ({ goal_id: g.id, rating: null, evidence: "", decision: null })),
          pupil_voice: "",
          parent_carer_voice: "",
          working_well: "",
          worried_about: "",
          needs_to_happen: "",
          next_steps: "",
          new_goals: [],
          next_review_date: null,
        },
        prefill: {
          window_from: p.plan.start,
          window_to: dueDate,
          goals: goals.map((g) => ({ goal_id: g.id, domain_id: g.domain_id, outcome: g.outcome, baseline: g.baseline, target: g.target, last_rating: null })),
          sessions: p.sessions.filter((s) => s.held_on >= p.plan.start && s.held_on < dueDate),
          events: [],
          last_next_steps: "",
        },
        signed_by: null,
        signed_at: null,
        held_on: null,
        on_time: null,
        amendments: [],
      };
      reviewStore.reviews.set(review.id, review);
      return structuredClone(review);
    }),
    getReview: vi.fn(async (id: number) => structuredClone(reviewOf(ctx, id))),
    saveReviewDraft: vi.fn(async (id: number, input: ReviewInput) => {
      const r = reviewOf(ctx, id);
      if (r.status === "signed") {
        throw commandError("not_permitted", "Not permitted: this review has been signed off and cannot be changed; add an amendment to correct it.");
      }
      if (input.attendees.some((a) => a.scaling !== null && (a.scaling < 0 || a.scaling > 10))) {
        throw Object.assign(commandError("invalid_input", "An attendee's scaling is 0 to 10."), { field: "attendees" });
      }
      r.content = JSON.parse(JSON.stringify(input)) as ReviewInput;
      return structuredClone(r);
    }),
    signReview: vi.fn(async (id: number) => {
      const r = reviewOf(ctx, id);
      const s = ctx.session();
      if (s.user.role !== "strategic_lead" && reviewStore.signOff !== "key_adult") {
        throw commandError("not_permitted", "Not permitted: only a strategic lead can sign a review off (the school's setting).");
      }
      if (r.status === "signed") throw commandError("not_permitted", "Not permitted: already signed off.");
      if (r.content.attendees.length === 0) {
        throw Object.assign(commandError("invalid_input", "Add who attended before signing the review off."), { field: "attendees" });
      }
      if (r.content.goals.some((g) => g.rating === null || g.decision === null)) {
        throw Object.assign(commandError("invalid_input", "Rate every active goal and record a decision before signing the review off."), { field: "goals" });
      }
      r.status = "signed";
      r.signed_by = { id: s.user.id, name: s.user.name };
      r.signed_at = "2026-11-22T10:00:00Z";
      r.held_on = "2026-11-22";
      r.on_time = r.held_on <= r.due_date;
      return structuredClone(r);
    }),
    amendReview: vi.fn(async (id: number, reason: string, text: string) => {
      const r = reviewOf(ctx, id);
      if (r.status !== "signed") throw commandError("invalid_input", "Only a signed-off review is amended.");
      const s = ctx.session();
      r.amendments.push({ id: records.nextId++, reason, text, author: { id: s.user.id, name: s.user.name }, at: "2026-11-22T11:00:00Z" });
      return structuredClone(r);
    }),
    renewPlan: vi.fn(async (planId: number, input: RenewPlanRequest): Promise<PlanView> => {
      const p = planOf(planId);
      mayUse(ctx, p.pupil.key_adult?.id);
      if (input.plan.start <= p.plan.start) {
        throw Object.assign(commandError("invalid_input", "The new plan starts after the current one started."), { field: "start" });
      }
      const carried = p.plan.goals.filter((g) => input.carry_goal_ids.includes(g.id));
      p.earlierPlans = [...(p.earlierPlans ?? []), { ...structuredClone(p.plan), status: "closed" }];
      p.plan = {
        ...p.plan,
        id: records.nextId++,
        start: input.plan.start,
        horizon_end: fakeYearsOn(input.plan.start, input.plan.horizon_years),
        renew_from: fakeYearsOn(input.plan.start, input.plan.horizon_years),
        cadence: input.plan.cadence,
        goals: carried.map((g, i) => ({ ...g, id: records.nextId++, position: i })),
      };
      p.plan.goals.forEach((g) => (g.plan_id = p.plan.id));
      return structuredClone(p.plan);
    }),
    reviewSignOff: vi.fn(async () => {
      ctx.session();
      return reviewStore.signOff;
    }),
    setReviewSignOff: vi.fn(async (value: ReviewSignOff) => {
      ctx.lead();
      reviewStore.signOff = value;
      return null;
    }),
    savePdf: vi.fn(async (what: string, id: number) => {
      ctx.session();
      reviewStore.printed.push(`${what}.pdf:${id}`);
      return null;
    }),
    recordPrint: vi.fn(async (what: string, id: number) => {
      ctx.session();
      reviewStore.printed.push(`${what}:${id}`);
      return null;
    }),
    // A plan's progress and timeline, as bare as the contract allows: the same access checks,
    // no points and no months (progress.test.ts drives these with its own values).
    progressSeries: vi.fn(async (goalId: number): Promise<ProgressPoint[]> => {
      const p = [...records.pupils.values()].find((x) => [x.plan, ...(x.earlierPlans ?? [])].some((plan) => plan?.goals.some((g) => g.id === goalId)));
      if (!p) throw commandError("not_found", "There is no such goal.");
      mayUse(ctx, p.pupil.key_adult?.id);
      return [];
    }),
    planTimeline: vi.fn(async (planId: number): Promise<PlanTimeline> => {
      mayUse(ctx, planOf(planId).pupil.key_adult?.id);
      return { reviews: [], months: [], events: [] };
    }),
  };
}
