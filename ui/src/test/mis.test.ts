// Records that stay true as years pass (issue 15): the update from the MIS (per pupil what
// changes, new pupils, pupils missing from the file offered as left; nothing changes until the
// lead confirms) and starting a new school year (year groups move on, leavers offered).

import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import { ADULT, backend, LEAD, passphraseFor } from "./fake-backend";
import type { UserInfo } from "../lib/bindings";
import { records, seedPupil } from "./fake-records";
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

async function signIn(as: UserInfo) {
  const rendered = await renderApp();
  const { user } = rendered;
  await user.click(byTestId(`unlock-user-${as.id}`));
  await user.type(byTestId("unlock-passphrase"), passphraseFor(as));
  await user.click(byTestId("unlock-submit"));
  await screen.findByTestId("home-heading");
  return rendered;
}

const UPN_AVA = "A801200005001";
const UPN_BEN = "A801200005002";

function seedTwo() {
  const ava = seedPupil({ legal_forename: "Ava", legal_surname: "Brown", year_group: "Year 5", identifiers: [{ kind: "upn", value: UPN_AVA }] });
  const ben = seedPupil({ legal_forename: "Ben", legal_surname: "Adams", year_group: "Year 6", identifiers: [{ kind: "upn", value: UPN_BEN }] });
  return { ava: ava.pupil.id, ben: ben.pupil.id };
}

describe("update from the MIS", () => {
  it("previews per pupil what changes, the new pupils and those missing, and changes nothing until confirmed", async () => {
    const { ava, ben } = seedTwo();
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-pupils"));
    await user.click(await screen.findByTestId("pupil-update"));
    expect(await screen.findByRole("heading", { level: 1 })).toHaveTextContent("Update the pupils from the MIS");
    expect(byTestId("import-kind-update")).toBeChecked();

    const csv = ["UPN,Forename,Surname,DOB,Year", `${UPN_AVA},Ava,Brown-Lee,03/04/2016,6`, ",Cal,Young,01/01/2017,4", ",Dee,Bad,not a date,4"].join("\n");
    await user.upload(byTestId("import-file"), new File([csv], "september.csv", { type: "text/csv" }));
    await user.click(byTestId("import-read"));
    await user.click(await screen.findByRole("button", { name: "Preview the update" }));
    expect(api.previewMisUpdate).toHaveBeenCalledWith(csv, expect.objectContaining({ upn: 0, legal_forename: 1, year_group: 4 }));
    expect(api.parse).not.toHaveBeenCalled();

    expect(await screen.findByTestId("update-counts")).toHaveTextContent("1 pupil would change. 0 pupils unchanged. 1 new pupil. 1 pupil not in the file. 1 line cannot be used.");
    const row = byTestId(`update-changed-${ava}`);
    expect(within(row).getByRole("rowheader")).toHaveTextContent("Ava Brown");
    expect(row).toHaveTextContent("Legal surname: Brown → Brown-Lee");
    expect(row).toHaveTextContent("Year group: Year 5 → Year 6");
    expect(byTestId("update-new")).toHaveTextContent("Cal Young");
    expect(byTestId("import-bad-4")).toHaveTextContent('date of birth "not a date" cannot be read');
    // Ben is offered as left, not ticked; nothing has changed yet.
    const leftBox = screen.getByRole("checkbox", { name: "Ben Adams (Year 6) has left" });
    expect(leftBox).not.toBeChecked();
    expect(records.pupils.get(ava)!.pupil.year_group).toBe("Y5");
    expect(api.applyMisUpdate).not.toHaveBeenCalled();

    // Ticking Ben asks for the date; by keyboard: Space ticks it.
    leftBox.focus();
    await user.keyboard(" ");
    expect(leftBox).toBeChecked();
    const day = await screen.findByTestId("update-left-on-day");
    await user.clear(day);
    await user.type(day, "22");
    const month = byTestId("update-left-on-month");
    await user.clear(month);
    await user.type(month, "7");
    const year = byTestId("update-left-on-year");
    await user.clear(year);
    await user.type(year, "2026");
    await user.click(byTestId("update-mode-good"));
    await user.click(byTestId("update-run"));
    expect(api.applyMisUpdate).toHaveBeenCalledWith(csv, expect.objectContaining({ upn: 0 }), { add_new: true, mark_left: [ben], left_on: "2026-07-22", mode: "good_only" });
    expect(await screen.findByTestId("update-result")).toHaveTextContent("1 pupil updated, 1 added, 1 marked as left.");
    expect(records.pupils.get(ava)!.pupil.year_group).toBe("Y6");
    expect(records.pupils.get(ben)!.pupil.status).toBe("left");
  });

  it("a missing pupil ticked as left needs a date", async () => {
    seedTwo();
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-pupils"));
    await user.click(await screen.findByTestId("pupil-import"));
    await user.click(byTestId("import-kind-update"));
    const csv = ["UPN,Forename,Surname,DOB,Year", `${UPN_AVA},Ava,Brown,03/04/2016,5`].join("\n");
    await user.upload(byTestId("import-file"), new File([csv], "s.csv", { type: "text/csv" }));
    await user.click(byTestId("import-read"));
    await user.click(await screen.findByTestId("import-preview"));
    await user.click(await screen.findByRole("checkbox", { name: "Ben Adams (Year 6) has left" }));
    await user.clear(byTestId("update-left-on-day"));
    await user.clear(byTestId("update-left-on-month"));
    await user.clear(byTestId("update-left-on-year"));
    await user.click(byTestId("update-run"));
    expect(await screen.findByRole("alert")).toHaveTextContent("Enter the date they left");
    expect(api.applyMisUpdate).not.toHaveBeenCalled();
  });
});

describe("start the new school year", () => {
  it("previews the moves and leavers, keeps an unticked leaver on, and refuses the same year twice", async () => {
    const { ava, ben } = seedTwo();
    const cal = seedPupil({ legal_forename: "Cal", legal_surname: "Young", year_group: "Year 6" }).pupil.id;
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-pupils"));
    await user.click(await screen.findByTestId("pupil-rollover"));
    expect(await screen.findByTestId("rollover-current")).toHaveTextContent("The school year has not been started here before.");
    const to = screen.getByRole("textbox", { name: "School year to start" });
    await user.clear(to);
    await user.type(to, "2027-28");
    await user.click(screen.getByRole("button", { name: "Preview" }));
    expect(api.previewRollover).toHaveBeenCalledWith("2027-28", null);
    expect(await screen.findByTestId("rollover-counts")).toHaveTextContent("1 pupil moves up a year. 2 pupils in the last year (Year 6) offered as leavers.");
    expect(byTestId(`rollover-move-${ava}`)).toHaveTextContent("Ava BrownYear 5Year 6");
    const benBox = screen.getByRole("checkbox", { name: "Ben Adams (Year 6) has left" });
    const calBox = screen.getByRole("checkbox", { name: "Cal Young (Year 6) has left" });
    expect(benBox).toBeChecked();
    // Cal stays on.
    await user.click(calBox);
    expect(records.pupils.get(ava)!.pupil.year_group).toBe("Y5");
    await user.click(screen.getByRole("button", { name: "Start 2027-28" }));
    expect(api.applyRollover).toHaveBeenCalledWith(expect.objectContaining({ to: "2027-28", last_year: null, leavers_left: [ben] }));
    expect(await screen.findByTestId("rollover-result")).toHaveTextContent("2027-28 has started: 1 pupil moved up a year, 1 marked as left, 1 leaver kept on.");
    expect(records.pupils.get(ava)!.pupil.year_group).toBe("Y6");
    expect(records.pupils.get(ben)!.pupil.status).toBe("left");
    expect(records.pupils.get(cal)!.pupil.status).toBe("active");

    // Back again: the vault is in 2027-28; the same year is refused plainly.
    await user.click(byTestId("nav-pupils"));
    await user.click(await screen.findByTestId("pupil-rollover"));
    expect(await screen.findByTestId("rollover-current")).toHaveTextContent("The pupils' year groups are for 2027-28.");
    const again = screen.getByRole("textbox", { name: "School year to start" });
    expect(again).toHaveValue("2028-29");
    await user.clear(again);
    await user.type(again, "2027-28");
    await user.click(screen.getByRole("button", { name: "Preview" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("already been rolled over to 2027-28");
    expect(records.pupils.get(ava)!.pupil.year_group).toBe("Y6");
  });

  it("is not offered to a key adult", async () => {
    const { user } = await signIn(ADULT);
    expect(screen.queryByTestId("nav-pupils")).toBeNull();
    void user;
  });
});
