// Several laptops, one school (issue 17): the lead prepares a laptop from the Users page, a key
// adult joins on their laptop's first run, and sync files are written and taken in. Only ipc.ts
// is mocked (the fake backend plus fake-sync.ts); the real exchange is tested in Rust and by the
// two-window WebDriver journey.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import { ADULT, backend, LEAD, passphraseFor } from "./fake-backend";
import { ENROL_FILE, ENROL_PASSPHRASE, resetSync, sync, USB } from "./fake-sync";
import { byTestId, renderApp } from "./helpers";
import type { UserInfo } from "../lib/bindings";

vi.mock("../lib/ipc", async (importOriginal) => {
  const { fakeIpc } = await import("./fake-backend");
  const { syncCommands } = await import("./fake-sync");
  return { ...fakeIpc(await importOriginal()), ...syncCommands() };
});

const api = vi.mocked(ipc);

beforeEach(() => {
  vi.clearAllMocks();
  backend.lockedWith([LEAD, ADULT]);
  resetSync();
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

describe("the strategic lead prepares a laptop", () => {
  it("from the Users page: the file is written where chosen, the passphrase shown once", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-users"));
    await user.click(await screen.findByTestId(`prepare-laptop-${ADULT.id}`));
    await screen.findByRole("heading", { level: 1, name: "Laptops and sync" });
    // The key adult chosen on the Users page is already selected.
    expect((byTestId("enrol-user") as HTMLSelectElement).value).toBe(ADULT.id);
    await user.click(byTestId("enrol-submit"));

    expect(api.enrolLaptop).toHaveBeenCalledWith(ADULT.id, USB);
    const shown = await screen.findByTestId("enrol-passphrase");
    expect(shown.textContent?.replace(/\s+/g, "")).toBe(ENROL_PASSPHRASE.replace(/-/g, ""));
    expect(byTestId("enrol-file-name").textContent).toBe("attune-laptop-1-2026-12-07.attune-enrol");
    // The new laptop is listed, never synced.
    const row = byTestId("laptop-1");
    expect(within(row).getByText(ADULT.name)).toBeTruthy();
    expect(within(row).getAllByText("Never").length).toBe(2);

    await user.click(byTestId("enrol-finished"));
    // Nothing keeps the passphrase once it has been passed on.
    expect(document.body.textContent).not.toContain(ENROL_PASSPHRASE.slice(0, 4) + " " + ENROL_PASSPHRASE.slice(5, 9));
    expect(screen.queryByTestId("enrol-passphrase")).toBeNull();
  });

  it("asks which key adult before writing anything", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-sync"));
    await user.click(await screen.findByTestId("enrol-submit"));
    expect(await screen.findByText("Choose the key adult whose laptop this is")).toBeTruthy();
    expect(api.enrolLaptop).not.toHaveBeenCalled();
  });

  it("writes a laptop's file back and says what a laptop's file brought", async () => {
    sync.laptops = [
      {
        device_no: 1,
        user_id: ADULT.id,
        user_name: ADULT.name,
        enrolled_at: "2026-11-20T09:00:00Z",
        removed: false,
        last_in_at: "2026-11-27T09:00:00Z",
        last_out_at: null,
        days_since_sync: 10,
        stale: true,
      },
    ];
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-sync"));
    const row = await screen.findByTestId("laptop-1");
    expect(within(row).getByText("Not synced for 10 days")).toBeTruthy();

    await user.click(byTestId("sync-take-in"));
    const result = await screen.findByTestId("sync-result");
    expect(within(result).getByText("3 sessions added")).toBeTruthy();
    expect(within(result).getByText("1 review changed")).toBeTruthy();

    await user.click(byTestId("sync-write-1"));
    expect(api.syncExport).toHaveBeenCalledWith(1, USB);
    expect(await screen.findByText(/attune-sync-for-laptop-1-2026-12-07\.attune-sync/)).toBeTruthy();
  });

  it("a key adult at the school vault is offered no Sync page", async () => {
    const { user } = await signIn(ADULT);
    expect(screen.queryByTestId("nav-sync")).toBeNull();
    void user;
  });
});

describe("a key adult's laptop", () => {
  it("joins on first run: a wrong one-time passphrase sets up nothing; the right one opens the laptop's vault", async () => {
    backend.firstRun();
    sync.joinedAs = ADULT;
    const { user } = await renderApp();
    await user.click(byTestId("setup-join"));
    await user.click(await screen.findByTestId("join-choose"));
    expect(api.inspectEnrolment).toHaveBeenCalledWith(ENROL_FILE);
    await screen.findByTestId("join-file");

    const own = "alex correct horse battery staple";
    await user.type(screen.getByLabelText("One-time passphrase"), "AAAA-BBBB");
    await user.type(screen.getByLabelText("Choose your passphrase for this laptop"), own);
    await user.type(screen.getByLabelText("Type your passphrase again"), own);
    await user.click(byTestId("join-submit"));
    expect((await screen.findAllByText(/does not open this enrolment file/)).length).toBeGreaterThan(0);
    expect(backend.state.state).toBe("first_run");

    const field = screen.getByLabelText("One-time passphrase") as HTMLInputElement;
    await user.clear(field);
    await user.type(field, ENROL_PASSPHRASE);
    await user.click(byTestId("join-submit"));
    await screen.findByTestId("home-heading");
    expect(api.joinSchool).toHaveBeenLastCalledWith(ENROL_FILE, ENROL_PASSPHRASE, own);
    // On the laptop, the key adult has a Sync page.
    await user.click(byTestId("nav-sync"));
    await screen.findByRole("heading", { level: 1, name: "Sync with the school" });
  });

  it("writes a sync file for the school and takes in the school's", async () => {
    backend.state.deviceNo = 1;
    const { user } = await signIn(ADULT);
    await user.click(byTestId("nav-sync"));
    await screen.findByRole("heading", { level: 1, name: "Sync with the school" });
    expect(within(byTestId("sync-laptop-status")).getByText("None yet")).toBeTruthy();

    await user.click(byTestId("sync-write"));
    expect(api.syncExport).toHaveBeenCalledWith(null, USB);
    const written = await screen.findByTestId("sync-result");
    expect(within(written).getByText(/attune-sync-from-laptop-1-2026-12-07\.attune-sync/)).toBeTruthy();

    sync.nextImport = { lines: [], conflicts: 0, wiped: true };
    await user.click(byTestId("sync-take-in"));
    expect(await screen.findByText(/This laptop's records were wiped/)).toBeTruthy();
  });
});

describe("values changed in two places", () => {
  it("shows the other value beside the one kept, with where and when, and lets a person choose", async () => {
    backend.state.deviceNo = 1;
    sync.conflicts = [
      {
        id: 7,
        pupil_id: 3,
        pupil_name: "Mia Jones",
        what: "What helps",
        current: "A quiet start in the library",
        other: "Ten minutes with the class rabbit",
        other_from: "the school vault",
        other_on: "2026-12-03",
        found_at: "2026-12-07T09:00:00Z",
        kind: "value",
      },
      {
        id: 8,
        pupil_id: 3,
        pupil_name: "Mia Jones",
        what: "Review",
        current: "Signed on 2 December",
        other: "Outcomes: settled well.",
        other_from: "Alex Jones's laptop",
        other_on: "2026-12-02",
        found_at: "2026-12-07T09:00:00Z",
        kind: "second_sign_off",
      },
    ];
    const { user } = await signIn(ADULT);
    await user.click(byTestId("nav-sync"));
    const first = await screen.findByTestId("conflict-7");
    expect(within(first).getByText("Also changed on the school vault on 3 December 2026")).toBeTruthy();
    expect(within(first).getByText("Ten minutes with the class rabbit")).toBeTruthy();
    expect(within(first).getByText("A quiet start in the library")).toBeTruthy();
    // A second sign-off can only be read: no "use the other value".
    const second = byTestId("conflict-8");
    expect(within(second).queryByText(/Use the other value/)).toBeNull();
    expect(within(second).getByText("Outcomes: settled well.")).toBeTruthy();

    await user.click(byTestId("conflict-take-7"));
    expect(api.resolveSyncConflict).toHaveBeenCalledWith(7, "take_other");
    expect(await screen.findByTestId("conflicts-done")).toBeTruthy();
    expect(screen.queryByTestId("conflict-7")).toBeNull();
    await user.click(byTestId("conflict-keep-8"));
    expect(sync.chosen).toEqual([
      [7, "take_other"],
      [8, "keep_current"],
    ]);
    expect(await screen.findByTestId("conflicts-none")).toBeTruthy();
  });
});
