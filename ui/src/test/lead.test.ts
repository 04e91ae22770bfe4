// The strategic lead's screens (issue 5): the overview (counts that open their pupils, the
// weeks chosen, click through to a pupil) and supervision notes (record with field errors and
// pupils discussed, filter; a key adult reads only their own). Only ipc.ts is mocked.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import type { UserInfo } from "../lib/bindings";
import { ADULT, backend, LEAD, passphraseFor } from "./fake-backend";
import { resetRecords, seedPupil } from "./fake-records";
import { lead, resetLead } from "./fake-lead";
import { byTestId, renderApp } from "./helpers";

vi.mock("../lib/ipc", async (importOriginal) => {
  const { fakeIpc } = await import("./fake-backend");
  const { leadCommands } = await import("./fake-lead");
  return { ...fakeIpc(await importOriginal()), ...leadCommands() };
});

const api = vi.mocked(ipc);
const OTHER: UserInfo = { id: "u-other", name: "Chris Lee", role: "key_adult" };
const NO_CHANGES = { corrections: 0, corrected: null, withdrawn: null, earlier: [] };

beforeEach(() => {
  vi.clearAllMocks();
  resetRecords();
  resetLead();
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

/** Alex Jones: Ava overdue (19 October), Ben due 7 December and seen lately, Cal never seen. */
function seedSchool() {
  const alex = { id: ADULT.id, name: ADULT.name };
  const ava = seedPupil({ legal_forename: "Ava", legal_surname: "Brown" }, { keyAdult: alex, nextReview: "2026-10-19", overdue: true, lastSession: "2026-11-20" });
  const ben = seedPupil({ legal_forename: "Ben", legal_surname: "Cole", preferred_name: "Benny" }, { keyAdult: alex, nextReview: "2026-12-07", lastSession: "2026-11-18" });
  const cal = seedPupil({ legal_forename: "Cal", legal_surname: "Dunn" }, { keyAdult: alex });
  const dee = seedPupil({ legal_forename: "Dee", legal_surname: "Eve" }, { keyAdult: { id: OTHER.id, name: OTHER.name }, lastSession: "2026-11-21" });
  return { ava: ava.pupil.id, ben: ben.pupil.id, cal: cal.pupil.id, dee: dee.pupil.id };
}

describe("the overview", () => {
  it("shows each key adult's counts; a count opens its pupils, and a pupil opens their page", async () => {
    const ids = seedSchool();
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-overview"));
    const table = await screen.findByTestId("overview-table");
    expect(api.overview).toHaveBeenCalledWith({ due_weeks: 4, session_weeks: 3 });
    expect(within(table).getByText(/Key adults' caseloads/)).toBeInTheDocument();
    for (const th of within(table).getAllByRole("columnheader")) expect(th).toHaveAttribute("scope", "col");

    expect(byTestId(`overview-caseload-${ADULT.id}`)).toHaveTextContent("3");
    expect(byTestId(`overview-caseload-${OTHER.id}`)).toHaveTextContent("1");
    expect(byTestId(`overview-overdue-${OTHER.id}`)).toHaveTextContent("0");
    expect(byTestId("overview-totals")).toHaveTextContent(/All key adults\s*4\s*1\s*1\s*1/);
    expect(byTestId("overview-window")).toHaveTextContent("20 December 2026");
    expect(byTestId("overview-window")).toHaveTextContent("1 November 2026");

    // Overdue: the count is a button that says what it opens, and opens the list below.
    const overdue = byTestId(`overview-overdue-${ADULT.id}`);
    expect(overdue).toHaveAttribute("aria-expanded", "false");
    expect(overdue).toHaveAccessibleName(/1 pupil: reviews overdue, Alex Jones/);
    await user.click(overdue);
    expect(overdue).toHaveAttribute("aria-expanded", "true");
    const list = byTestId(`overview-list-${ADULT.id}-overdue`);
    expect(list).toHaveTextContent("Reviews overdue: Alex Jones");
    expect(list).toHaveTextContent("Ava Brown – review was due 19 October 2026");
    expect(within(list).getByText("Overdue")).toBeInTheDocument();
    expect(document.activeElement).toHaveTextContent("Reviews overdue: Alex Jones");

    // Another figure replaces it; the preferred name is used.
    await user.click(byTestId(`overview-due-${ADULT.id}`));
    expect(screen.queryByTestId(`overview-list-${ADULT.id}-overdue`)).toBeNull();
    expect(byTestId(`overview-list-${ADULT.id}-due`)).toHaveTextContent("Benny Cole – review due 7 December 2026");
    await user.click(byTestId(`overview-stale-${ADULT.id}`));
    expect(byTestId(`overview-list-${ADULT.id}-stale`)).toHaveTextContent("Cal Dunn – no session recorded yet");

    // A pupil opens their page.
    await user.click(byTestId(`overview-pupil-stale-${ids.cal}`));
    expect(await screen.findByTestId("pupil-heading")).toHaveTextContent("Cal Dunn");
  });

  it("asks again with the weeks chosen, and says which field is wrong", async () => {
    seedSchool();
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-overview"));
    await screen.findByTestId("overview-table");

    const due = byTestId<HTMLInputElement>("overview-due-weeks");
    await user.clear(due);
    await user.type(due, "0");
    await user.click(byTestId("overview-update"));
    const summary = await screen.findByTestId("error-summary");
    const link = within(summary).getByRole("link", { name: /weeks ahead for reviews due/ });
    await user.click(link);
    expect(document.activeElement).toBe(due);
    expect(api.overview).toHaveBeenCalledTimes(1);

    await user.clear(due);
    await user.type(due, "2");
    const weeks = byTestId<HTMLInputElement>("overview-session-weeks");
    await user.clear(weeks);
    await user.type(weeks, "1{Enter}");
    await vi.waitFor(() => expect(api.overview).toHaveBeenLastCalledWith({ due_weeks: 2, session_weeks: 1 }));
    expect(await screen.findByText(/Reviews due in the next 2 weeks/)).toBeInTheDocument();
    expect(screen.getByText(/No session for 1 week$/)).toBeInTheDocument();
    expect(screen.queryByTestId("error-summary")).toBeNull();
  });

  it("is not offered to a key adult", async () => {
    await signIn(ADULT);
    expect(screen.queryByTestId("nav-overview")).toBeNull();
  });
});

describe("supervision notes", () => {
  it("the lead records a note with pupils discussed, after fixing what the form says", async () => {
    const ids = seedSchool();
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-supervision"));
    expect(await screen.findByTestId("supervision-heading")).toHaveTextContent("Supervision notes");
    expect(await screen.findByTestId("supervision-empty")).toHaveTextContent("No supervision notes yet.");

    await user.click(byTestId("supervision-new"));
    expect(await screen.findByTestId("supervision-form")).toBeInTheDocument();
    expect(byTestId("supervision-pupils")).toHaveTextContent("Choose the key adult first");
    await user.click(byTestId("supervision-save"));
    const summary = await screen.findByTestId("error-summary");
    expect(within(summary).getByRole("link", { name: "Choose the key adult you met" })).toHaveAttribute("href", "#supervision-key-adult");
    expect(within(summary).getByRole("link", { name: "Enter the notes" })).toHaveAttribute("href", "#supervision-notes");
    expect(api.recordSupervisionNote).not.toHaveBeenCalled();

    await user.selectOptions(byTestId("supervision-key-adult"), ADULT.id);
    const pupils = byTestId("supervision-pupils");
    expect(within(pupils).getAllByRole("checkbox").map((c) => c.id)).toEqual([
      `supervision-pupil-${ids.ava}`,
      `supervision-pupil-${ids.ben}`,
      `supervision-pupil-${ids.cal}`,
    ]);
    await user.click(within(pupils).getByLabelText("Ava Brown"));
    await user.click(within(pupils).getByLabelText("Cal Dunn"));
    await user.click(byTestId("supervision-kind-consultation"));
    await user.type(byTestId("supervision-notes"), "Talked about Ava's mornings.");
    await user.type(byTestId("supervision-actions"), "Alex to try a visual timetable.");
    await user.click(byTestId("supervision-save"));

    expect(await screen.findByTestId("supervision-saved")).toHaveTextContent("Supervision note saved: Alex Jones");
    expect(api.recordSupervisionNote).toHaveBeenCalledWith(
      expect.objectContaining({
        kind: "consultation",
        key_adult_id: ADULT.id,
        pupil_ids: [ids.ava, ids.cal],
        notes: "Talked about Ava's mornings.",
        actions: "Alex to try a visual timetable.",
      }),
    );
    const note = byTestId(`supervision-note-${lead.notes[0].id}`);
    expect(note).toHaveTextContent("Consultation with Alex Jones");
    expect(note).toHaveTextContent("Talked about Ava's mornings.");
    expect(within(note).getByRole("link", { name: "Ava Brown" })).toBeInTheDocument();
    expect(within(note).getByRole("link", { name: "Cal Dunn" })).toBeInTheDocument();
    expect(document.activeElement).toBe(screen.getByRole("heading", { name: /Consultation with Alex Jones/ }));
    expect(screen.queryByTestId("supervision-form")).toBeNull();

    // Changing key adult drops pupils who are not theirs; a field refused by the backend is
    // linked from the summary.
    await user.click(byTestId("supervision-new"));
    await user.selectOptions(byTestId("supervision-key-adult"), ADULT.id);
    await user.click(within(byTestId("supervision-pupils")).getByLabelText("Benny Cole"));
    await user.selectOptions(byTestId("supervision-key-adult"), OTHER.id);
    expect(within(byTestId("supervision-pupils")).getAllByRole("checkbox")).toHaveLength(1);
    await user.type(byTestId("supervision-notes"), "General supervision.");
    api.recordSupervisionNote.mockRejectedValueOnce({
      kind: "invalid_input",
      message: "The date of the meeting must be today or in the past.",
      retry_after_secs: null,
      field: "held_on",
    });
    await user.click(byTestId("supervision-save"));
    const refused = await screen.findByTestId("error-summary");
    expect(within(refused).getByRole("link", { name: /today or in the past/ })).toHaveAttribute("href", "#supervision-date-day");
    expect(api.recordSupervisionNote).toHaveBeenLastCalledWith(expect.objectContaining({ key_adult_id: OTHER.id, pupil_ids: [] }));
    await user.click(byTestId("supervision-save"));
    expect(await screen.findByTestId("supervision-count")).toHaveTextContent("2 notes");

    // Filtered to one key adult.
    await user.selectOptions(byTestId("supervision-filter"), OTHER.id);
    await vi.waitFor(() => expect(api.listSupervisionNotes).toHaveBeenLastCalledWith(OTHER.id));
    expect(await screen.findByText("1 note.")).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: /Supervision with Chris Lee/ })).toBeInTheDocument();
  });

  it("the lead corrects a note, sees the earlier words struck through, and withdraws it", async () => {
    const ids = seedSchool();
    lead.notes.push({
      id: 7,
      held_on: "2026-11-20",
      kind: "supervision",
      key_adult: { id: ADULT.id, name: ADULT.name },
      pupils: [{ pupil_id: ids.ava, preferred_name: "Ava", surname: "Brown" }],
      notes: "Talked about Ava's Tuesday.",
      actions: "",
      recorded_by: { id: LEAD.id, name: LEAD.name },
      created_at: "2026-11-20T09:00:00Z",
      changes: { ...NO_CHANGES },
    });
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-supervision"));
    const open = await screen.findByRole("button", { name: "Correct the supervision with Alex Jones of 20 November 2026" });
    await user.click(open);
    const form = byTestId("supervision-correct-7-correct");
    expect(document.activeElement).toBe(within(form).getByRole("heading", { name: /Correct the supervision/ }));
    // The fields hold the note's values; the key adult's other pupils may be ticked.
    const notes = within(form).getByLabelText("Notes");
    expect(notes).toHaveValue("Talked about Ava's Tuesday.");
    expect(within(form).getByLabelText("Ava Brown")).toBeChecked();
    expect(within(form).getByLabelText("Cal Dunn")).not.toBeChecked();

    // No reason: the summary links to the reason, and nothing is sent.
    await user.clear(notes);
    await user.type(notes, "Talked about Ava's Wednesday.");
    await user.click(within(form).getByLabelText("Cal Dunn"));
    await user.click(byTestId("supervision-correct-7-save"));
    const summary = await screen.findByTestId("error-summary");
    expect(within(summary).getByRole("link", { name: "Say why it is being corrected" })).toHaveAttribute("href", "#supervision-correct-7-reason");
    expect(api.correctSupervisionNote).not.toHaveBeenCalled();

    await user.type(within(form).getByLabelText("Why it is being corrected"), "Wrong day");
    await user.click(byTestId("supervision-correct-7-save"));
    expect(await screen.findByTestId("supervision-saved")).toHaveTextContent("Corrected: the supervision with Alex Jones of 20 November 2026.");
    expect(api.correctSupervisionNote).toHaveBeenCalledWith(
      7,
      { held_on: "2026-11-20", kind: "supervision", key_adult_id: ADULT.id, pupil_ids: [ids.ava, ids.cal], notes: "Talked about Ava's Wednesday.", actions: "" },
      "Wrong day",
    );
    const note = byTestId("supervision-note-7");
    expect(byTestId("supervision-note-7-notes")).toHaveTextContent("Talked about Ava's Wednesday.");
    expect(byTestId("supervision-note-7-history-corrected")).toHaveTextContent("Corrected");
    const earlier = byTestId("supervision-note-7-history-earlier");
    const struck = [...earlier.querySelectorAll("del")].map((d) => d.textContent);
    expect(struck).toEqual(["Ava Brown", "Talked about Ava's Tuesday."]);
    expect(earlier).toHaveTextContent("replaced by Sam Patel on 22 November 2026: Wrong day");
    expect(document.activeElement).toBe(within(note).getByRole("heading", { level: 2 }));

    // Withdrawn: marked, with who, when and why; no more buttons; not counted.
    await user.click(within(note).getByRole("button", { name: "Withdraw the supervision with Alex Jones of 20 November 2026" }));
    await user.type(within(byTestId("supervision-correct-7-withdraw")).getByLabelText("Why it is being withdrawn"), "Never held");
    await user.click(byTestId("supervision-correct-7-save"));
    expect(await screen.findByTestId("supervision-saved")).toHaveTextContent("Withdrawn: the supervision");
    expect(api.withdrawSupervisionNote).toHaveBeenCalledWith(7, "Never held");
    expect(byTestId("supervision-note-7-withdrawn")).toHaveTextContent("Withdrawn by Sam Patel on 22 November 2026: Never held");
    expect(within(byTestId("supervision-note-7")).queryByRole("button", { name: /^Correct/ })).toBeNull();
    expect(byTestId("supervision-count")).toHaveTextContent("0 notes, and 1 withdrawn.");
  });

  it("Cancel closes the correction and returns to its button; Escape too", async () => {
    seedSchool();
    lead.notes.push({ id: 8, held_on: "2026-11-02", kind: "consultation", key_adult: { id: ADULT.id, name: ADULT.name }, pupils: [], notes: "A note", actions: "", recorded_by: { id: LEAD.id, name: LEAD.name }, created_at: "2026-11-02T09:00:00Z", changes: { ...NO_CHANGES } });
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-supervision"));
    await user.click(await screen.findByTestId("withdraw-open-supervision-8"));
    await user.click(byTestId("supervision-correct-8-cancel"));
    expect(screen.queryByTestId("supervision-correct-8-withdraw")).toBeNull();
    expect(document.activeElement).toBe(byTestId("withdraw-open-supervision-8"));
    await user.click(byTestId("correct-open-supervision-8"));
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("supervision-correct-8-correct")).toBeNull();
    expect(document.activeElement).toBe(byTestId("correct-open-supervision-8"));
    expect(api.withdrawSupervisionNote).not.toHaveBeenCalled();
  });

  it("a correction being written is kept as a draft under supervision: and offered back", async () => {
    const ids = seedSchool();
    lead.notes.push({ id: 8, held_on: "2026-11-02", kind: "consultation", key_adult: { id: ADULT.id, name: ADULT.name }, pupils: [{ pupil_id: ids.ava, preferred_name: "Ava", surname: "Brown" }], notes: "A note", actions: "", recorded_by: { id: LEAD.id, name: LEAD.name }, created_at: "2026-11-02T09:00:00Z", changes: { ...NO_CHANGES } });
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-supervision"));
    await user.click(await screen.findByTestId("correct-open-supervision-8"));
    const form = byTestId("supervision-correct-8-correct");
    await user.type(within(form).getByLabelText("Why it is being corrected"), "Wrong day");
    // Kept where erasing a pupil looks: under "supervision:", with the pupils listed as pupil_ids.
    const key = "supervision:correct-8-correct";
    await vi.waitFor(() => {
      const calls = api.saveDraft.mock.calls.filter(([k]) => k === key);
      expect(calls.length).toBeGreaterThan(0);
      expect(JSON.parse(calls[calls.length - 1][1])).toEqual(expect.objectContaining({ reason: "Wrong day", pupil_ids: [ids.ava], notes: "A note" }));
    }, { timeout: 3000 });
    await user.click(byTestId("supervision-correct-8-cancel"));
    await user.click(byTestId("correct-open-supervision-8"));
    await user.click(await screen.findByTestId("supervision-correct-8-draft-restore"));
    expect(within(byTestId("supervision-correct-8-correct")).getByLabelText("Why it is being corrected")).toHaveValue("Wrong day");
  });

  it("a key adult reads only their own notes, with nothing to record", async () => {
    seedSchool();
    lead.notes.push(
      { id: 1, held_on: "2026-11-02", kind: "supervision", key_adult: { id: ADULT.id, name: ADULT.name }, pupils: [], notes: "Alex's note", actions: "", recorded_by: { id: LEAD.id, name: LEAD.name }, created_at: "2026-11-02T09:00:00Z", changes: NO_CHANGES },
      { id: 2, held_on: "2026-11-03", kind: "supervision", key_adult: { id: OTHER.id, name: OTHER.name }, pupils: [], notes: "Chris's note", actions: "", recorded_by: { id: LEAD.id, name: LEAD.name }, created_at: "2026-11-03T09:00:00Z", changes: NO_CHANGES },
      // Withdrawn by the lead: the backend does not send it to Alex.
      { id: 3, held_on: "2026-11-04", kind: "supervision", key_adult: { id: ADULT.id, name: ADULT.name }, pupils: [], notes: "Alex's withdrawn note", actions: "", recorded_by: { id: LEAD.id, name: LEAD.name }, created_at: "2026-11-04T09:00:00Z", changes: { ...NO_CHANGES, withdrawn: { by: LEAD.name, at: "2026-11-05T09:00:00Z", reason: "Never held" } } },
    );
    const { user } = await signIn(ADULT);
    const nav = byTestId("nav-supervision");
    expect(nav).toHaveTextContent("My supervision notes");
    await user.click(nav);
    expect(await screen.findByTestId("supervision-heading")).toHaveTextContent("My supervision notes");
    expect(await screen.findByText("Alex's note")).toBeInTheDocument();
    expect(screen.queryByText("Chris's note")).toBeNull();
    expect(screen.queryByText("Alex's withdrawn note")).toBeNull();
    expect(byTestId("supervision-count")).toHaveTextContent("1 note.");
    expect(byTestId("supervision-note-1")).toHaveTextContent("None recorded");
    expect(byTestId("supervision-note-1")).toHaveTextContent(/Recorded\s*2 November 2026 at \d\d:\d\d by Sam Patel/);
    expect(screen.queryByTestId("supervision-new")).toBeNull();
    expect(screen.queryByRole("button", { name: /^Correct|^Withdraw/ })).toBeNull();
    expect(screen.queryByTestId("supervision-filter")).toBeNull();
    expect(api.listSupervisionNotes).toHaveBeenCalledWith(null);
    expect(api.supervisionOptions).not.toHaveBeenCalled();
  });
});

describe("the anonymised summary", () => {
  it("previews every table with withheld figures marked and why, then exports to a chosen folder", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-summary"));
    expect(await screen.findByTestId("summary-heading")).toHaveTextContent("Anonymised summary");

    // k below 3 is refused before anything is asked.
    const k = byTestId<HTMLInputElement>("summary-k");
    expect(k.value).toBe("5");
    await user.clear(k);
    await user.type(k, "2");
    await user.click(byTestId("summary-preview"));
    const summary = await screen.findByTestId("error-summary");
    expect(within(summary).getByRole("link", { name: /never below 3/ })).toHaveAttribute("href", "#summary-k");
    expect(api.summaryPreview).not.toHaveBeenCalled();

    await user.clear(k);
    await user.type(k, "6");
    await user.selectOptions(byTestId("summary-year"), "2026-27");
    await user.selectOptions(byTestId("summary-term"), "Autumn");
    await user.click(byTestId("summary-preview"));
    await screen.findByTestId("summary-preview-section");
    expect(api.summaryPreview).toHaveBeenCalledWith("2026-27 autumn", 6);
    expect(byTestId("summary-suppressed")).toHaveTextContent("2 figures");
    expect(byTestId("summary-default-calendar")).toHaveTextContent("England's typical term dates");

    // The table: a caption, headers, and each withheld cell says so in words, with its reason.
    const table = within(byTestId("summary-table-pupils_by_care_status")).getByRole("table");
    expect(within(table).getByText("Pupils supported, by care status")).toBeInTheDocument();
    expect(within(table).getByRole("rowheader", { name: "Looked after" })).toHaveAttribute("scope", "row");
    const withheld = byTestId("cell-pupils_by_care_status-looked_after-pupils");
    expect(withheld).toHaveAttribute("data-status", "suppressed");
    expect(withheld).toHaveTextContent("Withheld");
    expect(withheld).toHaveTextContent("Stands for fewer than 5 pupils.");
    expect(withheld).not.toHaveTextContent("[c]");
    expect(byTestId("cell-pupils_by_care_status-none-pupils")).toHaveTextContent("cannot be worked out from the totals");
    expect(byTestId("cell-pupils_by_care_status-child_in_need-pupils")).toHaveTextContent(/^12$/);

    // Cancelling the chooser writes nothing.
    api.choosePath.mockResolvedValueOnce(null);
    await user.click(byTestId("summary-export-button"));
    await vi.waitFor(() => expect(api.choosePath).toHaveBeenCalledTimes(1));
    expect(api.exportSummary).not.toHaveBeenCalled();

    // An existing file: the summary links to "Replace".
    api.choosePath.mockResolvedValue("/media/usb");
    api.exportSummary.mockRejectedValueOnce({
      kind: "already_exists",
      message: "/media/usb/attune-summary-2026-27-autumn.csv already exists: choose another folder, or replace it",
      retry_after_secs: null,
      field: "folder",
    });
    await user.click(byTestId("summary-export-button"));
    const refused = await screen.findByText(/already exists/);
    expect(refused.closest("a")).toHaveAttribute("href", "#summary-replace");
    await user.click(byTestId("summary-replace"));
    await user.click(byTestId("summary-export-button"));
    expect(await screen.findByTestId("summary-written")).toBeInTheDocument();
    expect(api.choosePath).toHaveBeenLastCalledWith(expect.objectContaining({ kind: "folder" }));
    expect(api.exportSummary).toHaveBeenLastCalledWith("2026-27 autumn", 6, "/media/usb", false, true, expect.any(String));
    expect(byTestId("summary-file-csv")).toHaveTextContent("attune-summary-2026-27-autumn.csv");
    expect(byTestId("summary-file-json")).toHaveTextContent("/media/usb/attune-summary-2026-27-autumn.json");
    expect(byTestId("summary-file-html")).toHaveTextContent("attune-summary-2026-27-autumn.html");
    expect(byTestId("summary-saved")).toHaveTextContent("The summary has been saved.");
  });

  it("merges files added one by one, lists a refused file with its reason, and shows ranges", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-summary"));
    await user.click(await screen.findByTestId("summary-merge-link"));
    expect(await screen.findByTestId("merge-heading")).toHaveTextContent("Merge summaries");
    expect(byTestId("nav-summary")).toHaveAttribute("aria-current", "page");

    // Fewer than two files: said before any chooser.
    await user.click(byTestId("merge-run"));
    expect(await screen.findByTestId("error-summary")).toHaveTextContent("Add at least two");
    expect(api.choosePath).not.toHaveBeenCalled();

    for (const path of ["/media/usb/school-1.json", "/media/usb/school-2.json", "/media/usb/tampered-3.json"]) {
      api.choosePath.mockResolvedValueOnce(path);
      await user.click(byTestId("merge-add"));
      await vi.waitFor(() => expect(api.inspectSummary).toHaveBeenLastCalledWith(path));
    }
    expect(api.choosePath).toHaveBeenCalledWith(expect.objectContaining({ kind: "open" }));
    const files = byTestId("merge-files");
    expect(within(files).getByText(/2 files ready/)).toBeInTheDocument();
    expect(byTestId("merge-file-0-status")).toHaveTextContent("Ready");
    expect(byTestId("merge-file-2-status")).toHaveTextContent("Refused");
    expect(byTestId("merge-file-2-status")).toHaveTextContent("its checksum does not match");

    api.choosePath.mockResolvedValueOnce("/media/usb/out");
    await user.click(byTestId("merge-run"));
    const result = await screen.findByTestId("merge-result");
    expect(api.mergeSummaries).toHaveBeenCalledWith(["/media/usb/school-1.json", "/media/usb/school-2.json"], "/media/usb/out", false, expect.any(String));
    expect(byTestId("merge-schools")).toHaveTextContent("School 1, School 2");
    expect(byTestId("merge-bounded")).toHaveTextContent("1 figure shown as a range");
    const range = within(result).getByTestId("cell-pupils_by_care_status-looked_after-pupils");
    expect(range).toHaveAttribute("data-status", "bounds");
    expect(range).toHaveTextContent("Between 12 and 18");
    expect(byTestId("merge-files-written")).toHaveTextContent("/media/usb/out/attune-merged-2026-27.csv");

    // A refused merge shows the backend's reason, naming the file.
    await user.click(byTestId("merge-remove-2"));
    api.choosePath.mockResolvedValueOnce("/media/usb/out");
    api.mergeSummaries.mockRejectedValueOnce({
      kind: "invalid_input",
      message: "school-2.json was refused: it is for 2025-26, not 2026-27",
      retry_after_secs: null,
      field: "files",
    });
    await user.click(byTestId("merge-run"));
    expect(await screen.findByTestId("error-summary")).toHaveTextContent("school-2.json was refused: it is for 2025-26");
  });
});
