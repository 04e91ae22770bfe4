// ipc.ts itself: the command names, the argument keys Tauri expects, and the
// normalisation of rejections. Here (only here) @tauri-apps/api is mocked instead.
import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
const listen = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...a: unknown[]) => invoke(...a) }));
vi.mock("@tauri-apps/api/event", () => ({ listen: (...a: unknown[]) => listen(...a) }));

const ipc = await import("../lib/ipc");

beforeEach(() => {
  invoke.mockReset();
  listen.mockReset();
  invoke.mockResolvedValue(null);
});

describe("ipc commands", () => {
  it("call the snake_case commands with camelCase argument keys", async () => {
    await ipc.appStatus();
    await ipc.passphraseStrength("p", "Sam", "Oakfield");
    await ipc.beginSetup({ school: "Oakfield", name: "Sam", passphrase: "p" });
    await ipc.finishSetup(["AB12", "CD34"]);
    await ipc.cancelSetup();
    await ipc.unlock("u1", "p");
    await ipc.unlockWithRecovery("u1", "KEY");
    await ipc.resetPassphrase("p2");
    await ipc.lock();
    await ipc.touch();
    await ipc.changePassphrase("old", "new one");
    await ipc.listUsers();
    await ipc.addUser({ name: "Jo", role: "key_adult", passphrase: "p" });
    await ipc.removeUser("u2");
    await ipc.setAutoLockMinutes(10);

    expect(invoke.mock.calls).toEqual([
      ["app_status", undefined],
      ["passphrase_strength", { passphrase: "p", name: "Sam", school: "Oakfield" }],
      ["begin_setup", { req: { school: "Oakfield", name: "Sam", passphrase: "p" } }],
      ["finish_setup", { typed: ["AB12", "CD34"] }],
      ["cancel_setup", undefined],
      ["unlock", { userId: "u1", passphrase: "p" }],
      ["unlock_with_recovery", { userId: "u1", recoveryKey: "KEY" }],
      ["reset_passphrase", { passphrase: "p2" }],
      ["lock", undefined],
      ["touch", undefined],
      ["change_passphrase", { current: "old", new: "new one" }],
      ["list_users", undefined],
      ["add_user", { req: { name: "Jo", role: "key_adult", passphrase: "p" } }],
      ["remove_user", { userId: "u2" }],
      ["set_auto_lock_minutes", { minutes: 10 }],
    ]);
  });

  it("record commands are named as the domain names them, with camelCase keys", async () => {
    const query = { key_adult_id: null, support_level: null, overdue_only: false, include_left: false, sort: "name" as const };
    await ipc.caseload(query);
    await ipc.openPupil(7, 100);
    await ipc.assignKeyAdult(7, "u-adult", "2026-11-22");
    await ipc.markLeft(7, "2026-12-18");
    await ipc.logSession(7, { held_on: "2026-11-22", minutes: 20, kind: "check_in", regulation: null, note: "ok", safeguarding_ref: null });
    await ipc.addGoal(3, { domain_id: "availability", outcome: "o", baseline: 2, target: 7, strategies: "", who: "", how_often: "", pp_plus_cost_pence: null });
    await ipc.parse("a,b", { legal_forename: 0, legal_surname: 1, preferred_name: null, date_of_birth: null, year_group: null, upn: null, scn: null, local_id: null, care_status: null, support_level: null });
    await ipc.saveDraft("session:7", "{}");
    await ipc.deleteSchoolCalendar("2026-27");
    await ipc.renameListItem("support_level", "Intensive", "Targeted");
    await ipc.search("bridge");
    await ipc.listFrameworks();

    expect(invoke.mock.calls).toEqual([
      ["caseload", { query }],
      ["open_pupil", { pupilId: 7, sessionLimit: 100 }],
      ["assign_key_adult", { pupilId: 7, keyAdultId: "u-adult", from: "2026-11-22" }],
      ["mark_left", { pupilId: 7, leftOn: "2026-12-18" }],
      ["log_session", { pupilId: 7, input: { held_on: "2026-11-22", minutes: 20, kind: "check_in", regulation: null, note: "ok", safeguarding_ref: null } }],
      ["add_goal", { planId: 3, input: expect.objectContaining({ domain_id: "availability" }) }],
      ["parse", { text: "a,b", mapping: expect.objectContaining({ legal_forename: 0 }) }],
      ["save_draft", { formKey: "session:7", content: "{}" }],
      ["delete_school_calendar", { yearLabel: "2026-27" }],
      ["rename_list_item", { list: "support_level", old: "Intensive", new: "Targeted" }],
      ["search", { text: "bridge", limit: 20 }],
      ["list_frameworks", undefined],
    ]);
  });

  it("keeps the form field a refused input names", async () => {
    invoke.mockRejectedValueOnce({ kind: "invalid_input", message: "UPN: check letter should be B, not C.", retry_after_secs: null, field: "identifiers" });
    await expect(ipc.addPupil({} as never)).rejects.toEqual({
      kind: "invalid_input",
      message: "UPN: check letter should be B, not C.",
      retry_after_secs: null,
      field: "identifiers",
    });
  });

  it("passes a CommandError rejection through", async () => {
    invoke.mockRejectedValueOnce({ kind: "throttled", message: "Wait.", retry_after_secs: 30 });
    await expect(ipc.unlock("u1", "p")).rejects.toEqual({ kind: "throttled", message: "Wait.", retry_after_secs: 30 });
  });

  it("normalises unknown rejections into kind internal", async () => {
    invoke.mockRejectedValueOnce("command unlock not found");
    await expect(ipc.unlock("u1", "p")).rejects.toEqual({
      kind: "internal",
      message: "command unlock not found",
      retry_after_secs: null,
    });
    invoke.mockRejectedValueOnce(new TypeError("boom"));
    await expect(ipc.lock()).rejects.toMatchObject({ kind: "internal", message: "boom" });
    invoke.mockRejectedValueOnce(undefined);
    await expect(ipc.lock()).rejects.toMatchObject({ kind: "internal" });
  });

  it("isCommandError recognises the shape", () => {
    expect(ipc.isCommandError({ kind: "locked", message: "x", retry_after_secs: null })).toBe(true);
    expect(ipc.isCommandError({ kind: "locked" })).toBe(false);
    expect(ipc.isCommandError("locked")).toBe(false);
    expect(ipc.isCommandError(null)).toBe(false);
  });

  it("onLocked listens to the `locked` event and hands over the payload", async () => {
    const unlisten = vi.fn();
    listen.mockResolvedValue(unlisten);
    const cb = vi.fn();
    const stop = await ipc.onLocked(cb);
    expect(listen).toHaveBeenCalledWith("locked", expect.any(Function));
    const handler = listen.mock.calls[0][1] as (e: { payload: unknown }) => void;
    handler({ payload: { reason: "idle" } });
    expect(cb).toHaveBeenCalledWith({ reason: "idle" });
    stop();
    expect(unlisten).toHaveBeenCalled();
  });

  it("onWorkProgress listens to the `work-progress` event and hands over each step", async () => {
    const unlisten = vi.fn();
    listen.mockResolvedValue(unlisten);
    const cb = vi.fn();
    const stop = await ipc.onWorkProgress(cb);
    const call = listen.mock.calls.find((c) => c[0] === "work-progress");
    expect(call).toBeDefined();
    const handler = call![1] as (e: { payload: unknown }) => void;
    const step = { op: "backup-1", phase: "copying", done: 3, total: 8 };
    handler({ payload: step });
    expect(cb).toHaveBeenCalledWith(step);
    stop();
    expect(unlisten).toHaveBeenCalled();
  });
});

describe("the generated commands", () => {
  it("ipc.ts exports one function per command of the Rust table, and the fake backends fake each", async () => {
    const { COMMAND_NAMES } = await import("../lib/commands");
    const { fakeIpc } = await import("./fake-backend");
    const { leadCommands } = await import("./fake-lead");
    const { safetyCommands } = await import("./fake-safety");
    const { syncCommands } = await import("./fake-sync");
    const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    // The union the screen tests install (each test mocks ipc.ts with some of these).
    const fake = { ...fakeIpc(ipc), ...leadCommands(), ...safetyCommands(), ...syncCommands() } as unknown as Record<string, unknown>;
    const real = ipc as unknown as Record<string, unknown>;
    const unfaked = COMMAND_NAMES.map(camel).filter((n) => !vi.isMockFunction(fake[n]));
    expect(COMMAND_NAMES.map(camel).filter((n) => typeof real[n] !== "function")).toEqual([]);
    expect(unfaked).toEqual([]);
  });
});
