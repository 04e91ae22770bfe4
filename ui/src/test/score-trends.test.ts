// Scores over time (issue 16, item 4): each instrument's scores as a chart whose x-axis is time
// and a table of the same figures. Expected values are worked out by hand below (dates,
// day gaps, which value a same-day correction leaves), not by calling the code under test.
// Chart.js is replaced by a recorder (jsdom has no canvas).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import type { InstrumentScore } from "../lib/bindings";
import ScoreTrends from "../screens/pupil/ScoreTrends.svelte";
import { dayIso, dayNumber, monthTicks } from "../lib/scores";
import { charts } from "./chart-recorder";
import { ADULT, backend, LEAD, passphraseFor } from "./fake-backend";
import { noChanges, seedPupil } from "./fake-records";
import { byTestId, renderApp } from "./helpers";
import { todayIso, ukDate } from "../lib/dates";

vi.mock("chart.js", async () => (await import("./chart-recorder")).chartJs);
vi.mock("../lib/ipc", async (importOriginal) => {
  const { fakeIpc } = await import("./fake-backend");
  return fakeIpc(await importOriginal());
});

let nextId = 1;
function score(instrument: InstrumentScore["instrument"], completed_on: string, value: number | string, subscale: string | null = null): InstrumentScore {
  return {
    id: nextId++,
    instrument,
    subscale,
    score: typeof value === "number" ? value : null,
    stage: typeof value === "string" ? value : null,
    completed_on,
    completed_by: "Class teacher",
    changes: noChanges(),
  };
}

// Newest first, as the pupil record lists them; one same-day re-entry (the later one counts).
const SCORES: InstrumentScore[] = [
  score("sdq", "2026-12-01", 15),
  score("sdq", "2026-12-01", 5, "emotional"),
  score("thrive", "2026-01-20", "Thinking"),
  score("sdq", "2025-11-10", 19),
  score("boxall", "2026-06-01", 14, "A"),
  score("boxall", "2025-06-01", 10, "A"),
  score("boxall", "2025-06-01", 12, "q"),
  score("sdq", "2025-03-03", 24),
  score("sdq", "2025-03-03", 7, "emotional"),
  score("thrive", "2025-01-15", "Being"),
];
SCORES.push({ ...score("sdq", "2025-11-10", 20) }); // entered after the 19: it stands

function rows(testid: string): string[][] {
  return within(screen.getByTestId(testid))
    .getAllByRole("row")
    .map((r) => [...r.querySelectorAll("th, td")].map((c) => c.textContent?.trim() ?? ""));
}

function drawn(testid: string) {
  const canvas = screen.getByTestId(testid);
  const c = charts.find((x) => x.canvas === canvas && !x.destroyed);
  expect(c).toBeDefined();
  return c!.config;
}

beforeEach(() => {
  charts.length = 0;
  backend.lockedWith([LEAD, ADULT]);
});

describe("scores over time", () => {
  it("tabulates each instrument oldest first, a column per part, a dash where a part was not scored", () => {
    render(ScoreTrends, { props: { scores: SCORES } });
    expect(rows("score-trend-table-sdq")).toEqual([
      ["Date", "Total difficulties (0 to 40)", "Emotional symptoms"],
      ["3 March 2025", "24", "7"],
      ["10 November 2025", "20", "–"],
      ["1 December 2026", "15", "5"],
    ]);
    expect(rows("score-trend-table-boxall")).toEqual([
      ["Date", "Strand A", "Strand Q"],
      ["1 June 2025", "10", "12"],
      ["1 June 2026", "14", "–"],
    ]);
    expect(rows("score-trend-table-thrive")).toEqual([
      ["Date", "Stage"],
      ["15 January 2025", "Being"],
      ["20 January 2026", "Thinking"],
    ]);
  });

  it("puts each point at its date, so distance along the x-axis is time", () => {
    render(ScoreTrends, { props: { scores: SCORES } });
    const total = drawn("score-chart-sdq-total");
    const xs: number[] = total.data.datasets[0].data.map((p: { x: number }) => p.x);
    // 3 March 2025 → 10 November 2025 is 252 days; → 1 December 2026 is 386 more.
    expect([xs[1] - xs[0], xs[2] - xs[1]]).toEqual([252, 386]);
    expect(total.data.datasets[0].data.map((p: { y: number }) => p.y)).toEqual([24, 20, 15]);
    expect(total.options.scales.x.type).toBe("linear");
    // The subscales have their own chart (0–10 beside 0–40 would flatten them).
    const subs = drawn("score-chart-sdq-subscales");
    expect(subs.data.datasets.map((d: { label: string }) => d.label)).toEqual(["Emotional symptoms"]);
    // Thrive: stages in developmental order, Being = 1, Thinking = 3.
    const thrive = drawn("score-chart-thrive");
    expect(thrive.data.datasets[0].data.map((p: { y: number }) => p.y)).toEqual([1, 3]);
    expect(thrive.options.scales.y.ticks.callback(3)).toBe("Thinking");
    // Two Boxall strands, told apart by marker and dash as well as colour.
    const [a, q] = drawn("score-chart-boxall").data.datasets;
    expect([a.label, q.label]).toEqual(["Strand A", "Strand Q"]);
    expect(a.pointStyle).not.toBe(q.pointStyle);
    expect(JSON.stringify(a.borderDash)).not.toBe(JSON.stringify(q.borderDash));
  });

  it("labels the time axis on the first of months, every quarter across two years", () => {
    // 1 February 2025 to 7 January 2027: 24 month starts; every 2nd month is 12 (too many for 8);
    // every quarter, in step with January, is 8.
    const ticks = monthTicks(dayNumber("2025-02-01"), dayNumber("2027-01-07")).map(dayIso);
    expect(ticks).toEqual(["2025-04-01", "2025-07-01", "2025-10-01", "2026-01-01", "2026-04-01", "2026-07-01", "2026-10-01", "2027-01-01"]);
    // Three months apart: every month start.
    expect(monthTicks(dayNumber("2026-09-15"), dayNumber("2026-12-20")).map(dayIso)).toEqual(["2026-10-01", "2026-11-01", "2026-12-01"]);
  });

  it("says each chart's trend in words", () => {
    render(ScoreTrends, { props: { scores: SCORES } });
    expect(screen.getByRole("img", { name: "SDQ total difficulties: 24 on 3 March 2025, then 15 on 1 December 2026 (3 scores)" })).toBe(
      screen.getByTestId("score-chart-sdq-total"),
    );
    expect(screen.getByTestId("score-chart-thrive")).toHaveAttribute("aria-label", "Thrive stage: Being on 15 January 2025, then Thinking on 20 January 2026 (2 scores)");
    expect(screen.getByTestId("score-chart-boxall")).toHaveAttribute(
      "aria-label",
      "Boxall Profile strands. Strand A: 10 on 1 June 2025, then 14 on 1 June 2026 (2 scores); Strand Q: 12 on 1 June 2025",
    );
  });

  it("shows nothing when there are no scores, and only the instruments that have some", () => {
    const { unmount } = render(ScoreTrends, { props: { scores: [] } });
    expect(screen.queryByTestId("score-trends")).toBeNull();
    unmount();
    render(ScoreTrends, { props: { scores: SCORES.filter((s) => s.instrument === "thrive") } });
    expect(screen.getByTestId("score-trend-thrive")).toBeInTheDocument();
    expect(screen.queryByTestId("score-trend-sdq")).toBeNull();
  });
});

describe("the Scores section", () => {
  it("a score added in the form shows in the list and in its instrument's trend", async () => {
    const ava = seedPupil({ legal_forename: "Ava", legal_surname: "Brown" }, { keyAdult: { id: ADULT.id, name: ADULT.name } });
    ava.scores.push(score("sdq", "2025-03-03", 24));
    const { user } = await renderApp();
    await user.click(byTestId(`unlock-user-${ADULT.id}`));
    await user.type(byTestId("unlock-passphrase"), passphraseFor(ADULT));
    await user.click(byTestId("unlock-submit"));
    await user.click(await screen.findByTestId(`pupil-link-${ava.pupil.id}`));
    await user.click(await screen.findByTestId("pupil-tab-scores"));
    expect(rows("score-trend-table-sdq")).toEqual([
      ["Date", "Total difficulties (0 to 40)"],
      ["3 March 2025", "24"],
    ]);
    await user.selectOptions(byTestId("score-instrument"), "sdq");
    await user.type(byTestId("score-value"), "18");
    await user.type(byTestId("score-completed-by"), "Class teacher");
    await user.click(byTestId("score-save"));
    expect(await screen.findByTestId("score-saved")).toHaveTextContent("Score added.");
    expect(rows("score-trend-table-sdq")).toEqual([
      ["Date", "Total difficulties (0 to 40)"],
      ["3 March 2025", "24"],
      [ukDate(todayIso()), "18"],
    ]);
    expect(within(screen.getByTestId("score-list")).getAllByRole("row")).toHaveLength(3);
  });
});
