// The record screens: caseload, search, log a session, pupils admin and import, the pupil
// page (plan, goals, chronology), drafts, audit. Only ipc.ts is mocked (the fake backend).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import type { UserInfo } from "../lib/bindings";
import { ADULT, backend, commandError, LEAD, passphraseFor } from "./fake-backend";
import { noChanges, records, seedPupil } from "./fake-records";
import { byTestId, renderApp } from "./helpers";
import { todayIso } from "../lib/dates";

vi.mock("../lib/ipc", async (importOriginal) => {
  const { fakeIpc } = await import("./fake-backend");
  return fakeIpc(await importOriginal());
});

const api = vi.mocked(ipc);
const OTHER: UserInfo = { id: "u-other", name: "Chris Lee", role: "key_adult" };

beforeEach(() => {
  vi.clearAllMocks();
  backend.lockedWith([LEAD, ADULT, OTHER]);
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

function seedCaseload() {
  const ava = seedPupil(
    { legal_forename: "Ava", legal_surname: "Brown", year_group: "Year 5", support_level: "Intensive" },
    { keyAdult: { id: ADULT.id, name: ADULT.name }, nextReview: "2026-10-01", overdue: true, lastSession: "2026-11-02" },
  );
  const ben = seedPupil(
    { legal_forename: "Benjamin", preferred_name: "Ben", legal_surname: "Adams", year_group: "Year 3", support_level: "Additional" },
    { keyAdult: { id: ADULT.id, name: ADULT.name }, nextReview: "2027-01-20", lastSession: "2026-11-20" },
  );
  const cara = seedPupil(
    { legal_forename: "Cara", legal_surname: "Singh", year_group: "Year 6", support_level: "Universal" },
    { keyAdult: { id: OTHER.id, name: OTHER.name } },
  );
  return { ava: ava.pupil.id, ben: ben.pupil.id, cara: cara.pupil.id };
}

function rowIds(): string[] {
  return within(byTestId("caseload-table"))
    .getAllByRole("row")
    .slice(1)
    .map((r) => r.getAttribute("data-testid") ?? "");
}

describe("caseload", () => {
  it("a key adult sees only the pupils the backend returns, and no lead-only navigation", async () => {
    const { ava, ben, cara } = seedCaseload();
    await signIn(ADULT);
    expect(byTestId("home-heading")).toHaveTextContent("My caseload");
    expect(await screen.findByTestId(`caseload-row-${ava}`)).toBeInTheDocument();
    expect(byTestId(`caseload-row-${ben}`)).toBeInTheDocument();
    expect(screen.queryByTestId(`caseload-row-${cara}`)).not.toBeInTheDocument();
    expect(screen.queryByText(/Cara/)).not.toBeInTheDocument();
    for (const id of ["nav-pupils", "nav-audit", "nav-users", "nav-settings"]) {
      expect(screen.queryByTestId(id)).not.toBeInTheDocument();
    }
    expect(byTestId("nav-caseload")).toHaveAttribute("aria-current", "page");
    // No key-adult filter for a key adult.
    expect(screen.queryByTestId("caseload-filter-key-adult")).not.toBeInTheDocument();
  });

  it("a strategic lead sees every pupil and can filter by key adult", async () => {
    const { ava, cara } = seedCaseload();
    const { user } = await signIn(LEAD);
    expect(await screen.findByTestId(`caseload-row-${cara}`)).toBeInTheDocument();
    expect(byTestId("nav-pupils")).toBeInTheDocument();
    expect(byTestId("nav-audit")).toBeInTheDocument();
    await vi.waitFor(() => expect(within(byTestId("caseload-filter-key-adult")).getByRole("option", { name: OTHER.name })).toBeInTheDocument());
    await user.selectOptions(byTestId("caseload-filter-key-adult"), OTHER.id);
    await vi.waitFor(() => expect(screen.queryByTestId(`caseload-row-${ava}`)).not.toBeInTheDocument());
    expect(api.caseload).toHaveBeenLastCalledWith(expect.objectContaining({ key_adult_id: OTHER.id }));
    expect(byTestId(`caseload-row-${cara}`)).toBeInTheDocument();
  });

  it("shows an overdue review as a word with an icon, not colour alone", async () => {
    const { ava, ben } = seedCaseload();
    await signIn(ADULT);
    const row = await screen.findByTestId(`caseload-row-${ava}`);
    expect(within(row).getByTestId(`overdue-${ava}`)).toHaveTextContent("Overdue");
    expect(row).toHaveTextContent("1 October 2026");
    expect(within(byTestId(`caseload-row-${ben}`)).queryByText("Overdue")).not.toBeInTheDocument();
    expect(byTestId("caseload-count")).toHaveTextContent("2 pupils, 1 with a review overdue.");
  });

  it("sorts by a column with a button in its header, and says so with aria-sort", async () => {
    const { ava, ben } = seedCaseload();
    const { user } = await signIn(ADULT);
    await screen.findByTestId(`caseload-row-${ava}`);
    // By name (preferred name): Ava, Ben.
    expect(rowIds()).toEqual([`caseload-row-${ava}`, `caseload-row-${ben}`]);
    const nameHeader = byTestId("sort-name").closest("th")!;
    expect(nameHeader).toHaveAttribute("aria-sort", "ascending");
    await user.click(byTestId("sort-name"));
    expect(nameHeader).toHaveAttribute("aria-sort", "descending");
    expect(rowIds()).toEqual([`caseload-row-${ben}`, `caseload-row-${ava}`]);
    // Year group: Year 3 (Ben) before Year 5 (Ava).
    await user.click(byTestId("sort-year"));
    expect(byTestId("sort-year").closest("th")).toHaveAttribute("aria-sort", "ascending");
    expect(nameHeader).toHaveAttribute("aria-sort", "none");
    expect(rowIds()).toEqual([`caseload-row-${ben}`, `caseload-row-${ava}`]);
    // Last session, most recent last when ascending.
    await user.click(byTestId("sort-session"));
    expect(rowIds()).toEqual([`caseload-row-${ava}`, `caseload-row-${ben}`]);
  });

  it("filters to overdue reviews only and by support level", async () => {
    const { ava, ben } = seedCaseload();
    const { user } = await signIn(ADULT);
    await screen.findByTestId(`caseload-row-${ben}`);
    await user.click(byTestId("caseload-filter-overdue"));
    await vi.waitFor(() => expect(screen.queryByTestId(`caseload-row-${ben}`)).not.toBeInTheDocument());
    expect(byTestId(`caseload-row-${ava}`)).toBeInTheDocument();
    expect(api.caseload).toHaveBeenLastCalledWith(expect.objectContaining({ overdue_only: true }));
    await user.click(byTestId("caseload-filter-overdue"));
    await user.selectOptions(byTestId("caseload-filter-support"), "Additional");
    await vi.waitFor(() => expect(screen.queryByTestId(`caseload-row-${ava}`)).not.toBeInTheDocument());
    expect(byTestId(`caseload-row-${ben}`)).toBeInTheDocument();
  });
});

describe("log a session", () => {
  it("works with the keyboard alone and saves today's date, 20 minutes and the typed note", async () => {
    const { ava } = seedCaseload();
    const { user } = await signIn(ADULT);
    const open = await screen.findByTestId(`log-session-${ava}`);
    open.focus();
    await user.keyboard("{Enter}");
    // Focus starts on the kind, with Check-in chosen.
    const checkIn = await screen.findByTestId("session-kind-check_in");
    await vi.waitFor(() => expect(checkIn).toHaveFocus());
    expect(checkIn).toBeChecked();
    expect(byTestId("session-date-day")).toHaveValue(String(Number(todayIso().slice(8))));
    expect(byTestId("session-minutes")).toHaveValue("20");
    await user.tab(); // regulation
    expect(byTestId("session-regulation")).toHaveFocus();
    await user.keyboard("7");
    await user.tab(); // note
    expect(byTestId("session-note")).toHaveFocus();
    await user.keyboard("Calm start, talked about the weekend{Enter}");

    await vi.waitFor(() => expect(api.logSession).toHaveBeenCalledTimes(1));
    expect(api.logSession).toHaveBeenCalledWith(ava, {
      held_on: todayIso(),
      minutes: 20,
      kind: "check_in",
      regulation: 7,
      note: "Calm start, talked about the weekend",
      safeguarding_ref: null,
    });
    expect(await screen.findByTestId("session-saved")).toHaveTextContent("Session saved for Ava");
    expect(screen.queryByTestId("log-session-form")).not.toBeInTheDocument();
    await vi.waitFor(() => expect(byTestId(`log-session-${ava}`)).toHaveFocus());
  });

  it("shows what is wrong in the error summary, linked to the field, and saves nothing", async () => {
    const { ava } = seedCaseload();
    const { user } = await signIn(ADULT);
    await user.click(await screen.findByTestId(`log-session-${ava}`));
    await user.clear(byTestId("session-minutes"));
    await user.type(byTestId("session-minutes"), "0");
    await user.click(byTestId("session-save"));
    const link = within(byTestId("error-summary")).getByRole("link", { name: /length in minutes/ });
    expect(link).toHaveAttribute("href", "#session-minutes");
    expect(api.logSession).not.toHaveBeenCalled();
  });
});

describe("search", () => {
  it("finds a session note and links to the pupil", async () => {
    const { ava } = seedCaseload();
    records.pupils.get(ava)!.sessions.push({ id: 900, held_on: "2026-11-20", minutes: 20, kind: "planned", regulation: 6, note: "Built a lego bridge together", safeguarding_ref: null, recorded_by: ADULT.name, changes: noChanges() });
    const { user } = await signIn(ADULT);
    const box = byTestId("search-input");
    expect(box.closest("[role=search]")).not.toBeNull();
    await user.type(box, "bridge{Enter}");
    expect(api.search).toHaveBeenCalledWith("bridge", 50);
    const hit = await screen.findByTestId("search-result-0");
    expect(hit).toHaveTextContent("Session note");
    expect(within(hit).getByText("bridge", { selector: "mark" })).toBeInTheDocument();
    await user.click(within(hit).getByRole("link", { name: "Ava Brown" }));
    expect(await screen.findByTestId("pupil-heading")).toHaveTextContent("Ava Brown");
    expect(byTestId("pupil-tab-sessions")).toHaveAttribute("aria-current", "true");
    expect(byTestId("session-list")).toHaveTextContent("Built a lego bridge together");
  });
});

describe("pupils (strategic lead)", () => {
  it("adds a pupil with every field", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-pupils"));
    await user.click(await screen.findByTestId("pupil-add"));
    await user.type(byTestId("pupil-legal-forename"), "Zoë");
    await user.type(byTestId("pupil-legal-surname"), "O'Connor-Lee");
    await user.type(byTestId("pupil-preferred-name"), "Zo");
    await user.type(byTestId("pupil-dob-day"), "27");
    await user.type(byTestId("pupil-dob-month"), "3");
    await user.type(byTestId("pupil-dob-year"), "2016");
    await user.type(byTestId("pupil-year-group"), "Year 5");
    await vi.waitFor(() => expect(within(byTestId("pupil-support-level")).getByRole("option", { name: "Intensive" })).toBeInTheDocument());
    await user.selectOptions(byTestId("pupil-identifier-kind"), "local");
    await user.type(byTestId("pupil-identifier-value"), "ADM-1234");
    await user.selectOptions(byTestId("pupil-care-status"), "Looked after");
    await user.selectOptions(byTestId("pupil-support-level"), "Intensive");
    await user.click(byTestId("pupil-save"));
    expect(api.addPupil).toHaveBeenCalledWith({
      legal_forename: "Zoë",
      legal_surname: "O'Connor-Lee",
      preferred_name: "Zo",
      date_of_birth: "2016-03-27",
      year_group: "Year 5",
      identifiers: [{ kind: "local", value: "ADM-1234" }],
      care_status: "Looked after",
      support_level: "Intensive",
      relationship_start: null,
      relationship_planned_end: null,
    });
    expect(await screen.findByTestId("pupil-saved")).toHaveTextContent("Zo O'Connor-Lee has been added");
    expect(within(byTestId("pupils-table")).getByText("Zo O'Connor-Lee")).toBeInTheDocument();
  });

  it("shows the backend's UPN message in the error summary, linked to the identifier field", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-pupils"));
    await user.click(await screen.findByTestId("pupil-add"));
    await user.type(byTestId("pupil-legal-forename"), "Ava");
    await user.type(byTestId("pupil-legal-surname"), "Brown");
    await user.type(byTestId("pupil-dob-day"), "1");
    await user.type(byTestId("pupil-dob-month"), "9");
    await user.type(byTestId("pupil-dob-year"), "2016");
    await user.type(byTestId("pupil-year-group"), "5");
    await user.selectOptions(byTestId("pupil-identifier-kind"), "upn");
    await user.type(byTestId("pupil-identifier-value"), "C801200005001");
    await user.click(byTestId("pupil-save"));

    expect(api.addPupil).toHaveBeenCalledTimes(1);
    const summary = await screen.findByTestId("error-summary");
    const link = within(summary).getByRole("link");
    expect(link).toHaveTextContent("UPN: check letter should be B, not C.");
    expect(link).toHaveAttribute("href", "#pupil-identifier-value");
    expect(byTestId("pupil-identifier-value")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByText(/check letter should be/, { selector: ".error-message" })).toBeInTheDocument();
    await user.click(link);
    expect(byTestId("pupil-identifier-value")).toHaveFocus();
  });

  it("links a UPN refusal to the field even when the shell sends no field name", async () => {
    const { user } = await signIn(LEAD);
    api.addPupil.mockRejectedValueOnce(commandError("invalid_input", "UPN: 13 characters expected, found 12."));
    await user.click(byTestId("nav-pupils"));
    await user.click(await screen.findByTestId("pupil-add"));
    await user.type(byTestId("pupil-legal-forename"), "Ava");
    await user.type(byTestId("pupil-legal-surname"), "Brown");
    await user.type(byTestId("pupil-dob-day"), "1");
    await user.type(byTestId("pupil-dob-month"), "9");
    await user.type(byTestId("pupil-dob-year"), "2016");
    await user.type(byTestId("pupil-year-group"), "5");
    await user.selectOptions(byTestId("pupil-identifier-kind"), "upn");
    await user.type(byTestId("pupil-identifier-value"), "A80120000500");
    await user.click(byTestId("pupil-save"));
    const link = within(await screen.findByTestId("error-summary")).getByRole("link");
    expect(link).toHaveAttribute("href", "#pupil-identifier-value");
  });

  it("asks for the required fields before sending anything", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-pupils"));
    await user.click(await screen.findByTestId("pupil-add"));
    await user.type(byTestId("pupil-dob-day"), "31");
    await user.type(byTestId("pupil-dob-month"), "2");
    await user.type(byTestId("pupil-dob-year"), "2016");
    await user.click(byTestId("pupil-save"));
    const links = within(byTestId("error-summary")).getAllByRole("link");
    expect(links.map((a) => a.getAttribute("href"))).toEqual([
      "#pupil-legal-forename",
      "#pupil-legal-surname",
      "#pupil-dob-day",
      "#pupil-year-group",
    ]);
    expect(links[2]).toHaveTextContent("Date of birth must be a real date");
    expect(api.addPupil).not.toHaveBeenCalled();
  });

  it("assigns a key adult from the pupil's page", async () => {
    const { cara } = seedCaseload();
    const { user } = await signIn(LEAD);
    await user.click(await screen.findByTestId(`pupil-link-${cara}`));
    await user.click(await screen.findByTestId("pupil-tab-details"));
    await vi.waitFor(() => expect(within(byTestId("assign-key-adult")).getByRole("option", { name: ADULT.name })).toBeInTheDocument());
    await user.selectOptions(byTestId("assign-key-adult"), ADULT.id);
    await user.click(byTestId("assign-save"));
    expect(api.assignKeyAdult).toHaveBeenCalledWith(cara, ADULT.id, todayIso());
    expect(await screen.findByTestId("details-saved")).toHaveTextContent("Alex Jones is now Cara Singh's key adult.");
  });
});

describe("import pupils", () => {
  it("maps the columns, then previews every bad line with its line number and reason", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-pupils"));
    await user.click(await screen.findByTestId("pupil-import"));
    const csv = [
      "Forename,Surname,DOB,Year,UPN",
      "Ava,Brown,03/04/2016,5,",
      "Ben,Adams,31/31/2016,3,",
      "Siân,Ó Briain,01/09/2015,6,C801200005001",
      "Łucja,Nowak,12/12/2014,6,",
    ].join("\n");
    await user.upload(byTestId("import-file"), new File([csv], "sims-export.csv", { type: "text/csv" }));
    expect(await screen.findByTestId("import-file-name")).toHaveTextContent("sims-export.csv");
    await user.click(byTestId("import-read"));
    expect(api.readHeader).toHaveBeenCalledWith(csv);

    // Pre-filled from the backend's suggestion; optional ones left out.
    expect(await screen.findByTestId("import-map-legal_forename")).toHaveValue("0");
    expect(byTestId("import-map-date_of_birth")).toHaveValue("2");
    expect(byTestId("import-map-upn")).toHaveValue("4");
    expect(byTestId("import-map-scn")).toHaveValue("");
    await user.click(byTestId("import-preview"));

    expect(api.parse).toHaveBeenCalledWith(csv, expect.objectContaining({ legal_forename: 0, legal_surname: 1, date_of_birth: 2, year_group: 3, upn: 4, scn: null }));
    expect(await screen.findByTestId("import-counts")).toHaveTextContent("2 lines can be imported. 2 lines cannot.");
    const bad = byTestId("import-bad-lines");
    expect(within(byTestId("import-bad-3")).getByRole("rowheader")).toHaveTextContent("3");
    expect(byTestId("import-bad-3")).toHaveTextContent("date of birth \"31/31/2016\" cannot be read");
    expect(byTestId("import-bad-4")).toHaveTextContent(/UPN: check letter should be/);
    expect(within(bad).getAllByRole("row")).toHaveLength(3);

    await user.click(byTestId("import-mode-good"));
    await user.click(byTestId("import-run"));
    expect(api.importPupils).toHaveBeenCalledWith(expect.objectContaining({ bad: expect.any(Array) }), "good_only", expect.any(String));
    expect(await screen.findByTestId("import-result")).toHaveTextContent("2 pupils imported.");
    expect(byTestId("import-result-bad")).toHaveTextContent("Line 3:");
  });

  it("all or nothing imports nothing when a line is bad", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-pupils"));
    await user.click(await screen.findByTestId("pupil-import"));
    const csv = "Forename,Surname,DOB,Year\nAva,Brown,03/04/2016,5\nBen,Adams,not a date,3\n";
    await user.upload(byTestId("import-file"), new File([csv], "export.csv", { type: "text/csv" }));
    await user.click(byTestId("import-read"));
    await user.click(await screen.findByTestId("import-preview"));
    await screen.findByTestId("import-counts");
    await user.click(byTestId("import-mode-all"));
    await user.click(byTestId("import-run"));
    expect(api.importPupils).toHaveBeenCalledWith(expect.anything(), "all_or_nothing", expect.any(String));
    expect(await screen.findByTestId("import-result")).toHaveTextContent("0 pupils imported.");
  });
});

describe("the pupil's page", () => {
  it("starts a Secure Base plan and adds a goal with the domain's prompts as hints", async () => {
    const { ava } = seedCaseload();
    const { user } = await signIn(ADULT);
    await user.click(await screen.findByTestId(`pupil-link-${ava}`));
    await user.click(await screen.findByTestId("pupil-tab-plan"));
    await user.click(await screen.findByTestId("plan-start"));
    await vi.waitFor(() => expect(byTestId("plan-framework")).toHaveValue("secure-base"));
    await user.click(byTestId("plan-horizon-3"));
    await user.click(byTestId("plan-cadence-termly"));
    await user.click(byTestId("plan-save"));
    const today = todayIso();
    expect(api.startPlan).toHaveBeenCalledWith(ava, {
      framework_id: "secure-base",
      start: today,
      horizon_years: 3,
      cadence: "termly",
    });
    expect(await screen.findByTestId("plan-framework-name")).toHaveTextContent("Secure Base model");
    expect(byTestId("plan-due-1")).toHaveTextContent("12 February 2027");
    expect(byTestId("plan-due-1")).toHaveTextContent("Provisional");

    await user.click(byTestId("goal-add"));
    await user.selectOptions(byTestId("goal-domain"), "availability");
    expect(byTestId("goal-prompts")).toHaveTextContent("go to their key adult when worried");
    await user.type(byTestId("goal-outcome"), "Ava will ask for help when stuck, 3 times a week");
    await user.type(byTestId("goal-baseline"), "2");
    await user.type(byTestId("goal-target"), "7");
    await user.type(byTestId("goal-cost"), "120.50");
    await user.click(byTestId("goal-save"));
    expect(api.addGoal).toHaveBeenCalledWith(expect.any(Number), {
      domain_id: "availability",
      outcome: "Ava will ask for help when stuck, 3 times a week",
      baseline: 2,
      target: 7,
      strategies: "",
      who: "",
      how_often: "",
      pp_plus_cost_pence: 12050,
    });
    const list = await screen.findByTestId("goal-list");
    expect(list).toHaveTextContent("Availability: helping the child to trust");
    expect(list).toHaveTextContent("£120.50");
  });

  it("the chronology form says a safeguarding concern is not recorded here, and offers a reference field", async () => {
    const { ava } = seedCaseload();
    const { user } = await signIn(ADULT);
    await user.click(await screen.findByTestId(`pupil-link-${ava}`));
    await user.click(await screen.findByTestId("pupil-tab-chronology"));
    const inset = await screen.findByTestId("safeguarding-inset");
    expect(inset).toHaveTextContent(
      "A safeguarding concern is not recorded here. Record it in the school's safeguarding system and add its reference below.",
    );
    // The inset comes before the fields.
    const form = byTestId("chronology-form");
    expect(inset.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(screen.getByLabelText("Safeguarding reference (optional)")).toBe(byTestId("chronology-safeguarding-ref"));

    await user.selectOptions(byTestId("chronology-kind"), "placement_move");
    await user.type(byTestId("chronology-description"), "Moved to a new foster placement");
    await user.type(byTestId("chronology-safeguarding-ref"), "CPOMS-4411");
    await user.click(byTestId("chronology-save"));
    expect(api.addChronologyEvent).toHaveBeenCalledWith(ava, {
      occurred_on: todayIso(),
      kind: "placement_move",
      description: "Moved to a new foster placement",
      safeguarding_ref: "CPOMS-4411",
    });
    expect(await screen.findByTestId("chronology-list")).toHaveTextContent("CPOMS-4411");
  });

  it("a refused pupil is an error the page shows", async () => {
    const { cara } = seedCaseload();
    const { user } = await signIn(ADULT);
    // Straight to a pupil not on this key adult's caseload (e.g. an old search link).
    api.search.mockResolvedValueOnce([{ kind: "pupil", pupil_id: cara, pupil_name: "Cara Singh", record_id: cara, date: null, source: null, key_adult: null, snippet: "[Cara]" }]);
    await user.type(byTestId("search-input"), "Cara{Enter}");
    await user.click(within(await screen.findByTestId("search-result-0")).getByRole("link"));
    expect(await screen.findByTestId("pupil-error")).toHaveTextContent("You do not have permission");
  });
});

describe("drafts", () => {
  it("saves a session note as a draft while typing and offers it back when the form reopens", async () => {
    const { ava } = seedCaseload();
    const { user } = await signIn(ADULT);
    await user.click(await screen.findByTestId(`log-session-${ava}`));
    await user.type(byTestId("session-note"), "Upset after lunch");
    await vi.waitFor(() => expect(api.saveDraft).toHaveBeenCalled(), { timeout: 3000 });
    const calls = api.saveDraft.mock.calls;
    const [key, content] = calls[calls.length - 1];
    expect(key).toBe(`session:${ava}`);
    expect(JSON.parse(content)).toMatchObject({ note: "Upset after lunch", minutes: "20", kind: "check_in" });
    expect(api.logSession).not.toHaveBeenCalled();

    await user.click(byTestId("session-cancel"));
    await user.click(byTestId(`log-session-${ava}`));
    const offer = await screen.findByTestId("session-draft");
    expect(offer).toHaveTextContent(/You have an unsaved draft from \d\d:\d\d/);
    expect(byTestId("session-note")).toHaveValue("");
    await user.click(byTestId("session-draft-restore"));
    expect(byTestId("session-note")).toHaveValue("Upset after lunch");
    expect(screen.queryByTestId("session-draft")).not.toBeInTheDocument();

    await user.click(byTestId("session-save"));
    await vi.waitFor(() => expect(api.logSession).toHaveBeenCalledTimes(1));
    expect(api.deleteDraft).toHaveBeenCalledWith(`session:${ava}`);
    expect(records.drafts.has(`session:${ava}`)).toBe(false);
  });

  it("discarding a draft deletes it", async () => {
    const { ava } = seedCaseload();
    records.drafts.set(`chronology:${ava}`, {
      form_key: `chronology:${ava}`,
      content: JSON.stringify({ date: { day: "1", month: "11", year: "2026" }, kind: "bereavement", description: "Grandad died", reference: "" }),
      updated_at: "2026-11-22T14:32:00Z",
    });
    const { user } = await signIn(ADULT);
    await user.click(await screen.findByTestId(`pupil-link-${ava}`));
    await user.click(await screen.findByTestId("pupil-tab-chronology"));
    expect(await screen.findByTestId("chronology-draft")).toBeInTheDocument();
    await user.click(byTestId("chronology-draft-discard"));
    expect(api.deleteDraft).toHaveBeenCalledWith(`chronology:${ava}`);
    expect(screen.queryByTestId("chronology-draft")).not.toBeInTheDocument();
    expect(byTestId("chronology-description")).toHaveValue("");
  });

  it("a manual lock saves what was typed in the last second first", async () => {
    const { ava } = seedCaseload();
    const { user } = await signIn(ADULT);
    await user.click(await screen.findByTestId(`log-session-${ava}`));
    await user.type(byTestId("session-note"), "Half a thought");
    await user.click(byTestId("lock-button"));
    expect(await screen.findByTestId("unlock-submit")).toBeInTheDocument();
    expect(api.saveDraft).toHaveBeenCalledWith(`session:${ava}`, expect.stringContaining("Half a thought"));
    const order = api.saveDraft.mock.invocationCallOrder;
    expect(order[order.length - 1]).toBeLessThan(api.lock.mock.invocationCallOrder[0]);
  });
});

describe("audit log (strategic lead)", () => {
  it("lists entries, filters by action, and checks the chain", async () => {
    const { ava } = seedCaseload();
    records.audit.push({ seq: 1, at: "2026-11-20T10:00:00Z", actor_id: ADULT.id, actor_name: ADULT.name, action: "pupil.view", target: `pupil:${ava}`, outcome: "ok" });
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-audit"));
    expect(await screen.findByTestId("audit-row-1")).toHaveTextContent("pupil.view");
    await user.type(byTestId("audit-action"), "session.");
    await user.click(byTestId("audit-filter"));
    expect(api.auditEntries).toHaveBeenLastCalledWith(expect.objectContaining({ action_prefix: "session." }));
    await vi.waitFor(() => expect(screen.queryByTestId("audit-row-1")).not.toBeInTheDocument());
    await user.click(byTestId("audit-verify"));
    expect(await screen.findByTestId("audit-verify-result")).toHaveTextContent("The audit chain is intact");
  });

  it("says plainly where the chain is broken", async () => {
    const { user } = await signIn(LEAD);
    api.verifyAudit.mockResolvedValueOnce({ intact: false, first_broken_seq: 42 });
    await user.click(byTestId("nav-audit"));
    await user.click(await screen.findByTestId("audit-verify"));
    expect(await screen.findByTestId("audit-verify-result")).toHaveTextContent("The audit chain is broken at entry 42");
  });
});

describe("term dates (strategic lead)", () => {
  it("shows the UK defaults as fields and saves an edited year", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-settings"));
    await user.click(await screen.findByTestId("settings-terms"));
    expect(await screen.findByTestId("terms-defaults")).toBeInTheDocument();
    const day = byTestId("term-0-0-start-day");
    expect(day).toHaveValue("2");
    await user.clear(day);
    await user.type(day, "3");
    await user.click(byTestId("terms-save-2026-27"));
    expect(api.saveSchoolCalendar).toHaveBeenCalledWith(
      expect.objectContaining({ year_label: "2026-27", terms: expect.arrayContaining([expect.objectContaining({ name: "Autumn", start: "2026-09-03" })]) }),
    );
    expect(await screen.findByTestId("terms-saved")).toHaveTextContent("Term dates for 2026-27 saved.");
  });

  it("shows the backend's refusal in the error summary", async () => {
    const { user } = await signIn(LEAD);
    api.saveSchoolCalendar.mockRejectedValueOnce(commandError("invalid_input", "The Autumn and Spring terms overlap"));
    await user.click(byTestId("nav-settings"));
    await user.click(await screen.findByTestId("settings-terms"));
    await user.click(await screen.findByTestId("terms-save-2026-27"));
    expect(await screen.findByTestId("error-summary")).toHaveTextContent("The Autumn and Spring terms overlap");
  });
});
