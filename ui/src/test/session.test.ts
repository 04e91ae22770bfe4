import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, fireEvent, screen, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import type { UserInfo } from "../lib/bindings";
import { ADULT, backend, commandError, LEAD, passphraseFor } from "./fake-backend";
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

afterEach(() => {
  vi.useRealTimers();
});

async function signIn(as: UserInfo, options: { fakeTimers?: boolean } = {}) {
  const rendered = await renderApp(options);
  const { user } = rendered;
  await user.click(byTestId(`unlock-user-${as.id}`));
  await user.type(byTestId("unlock-passphrase"), passphraseFor(as));
  await user.click(byTestId("unlock-submit"));
  await screen.findByTestId("home-heading");
  return rendered;
}

describe("locking", () => {
  it("says so when Attune locked because the screen was locked", async () => {
    await signIn(LEAD);
    await act(() => backend.lockItself("screen_lock"));
    expect(await screen.findByTestId("lock-reason")).toHaveTextContent("because the screen was locked");
  });

  it("returns to the unlock screen on a `locked` event and clears every passphrase field", async () => {
    const { user } = await signIn(LEAD);
    expect(api.onLocked).toHaveBeenCalledTimes(1);

    // Half-way through changing a passphrase when the laptop goes to sleep.
    await user.click(byTestId("nav-account"));
    await user.type(screen.getByLabelText("Current passphrase"), "typed but not sent");
    await act(() => backend.lockItself("suspend"));

    expect(await screen.findByTestId("unlock-passphrase")).toHaveValue("");
    expect(screen.queryByLabelText("Current passphrase")).not.toBeInTheDocument();
    expect(screen.queryByTestId("lock-button")).not.toBeInTheDocument();
    expect(byTestId("lock-reason")).toHaveTextContent("because the computer went to sleep");
    expect(document.body.innerHTML).not.toContain("typed but not sent");
    // The person who was signed in is chosen already.
    expect(byTestId(`unlock-user-${LEAD.id}`)).toBeChecked();
  });

  it("a `locked` event while the unlock screen has a half-typed passphrase empties it", async () => {
    const { user } = await renderApp();
    await user.type(byTestId("unlock-passphrase"), "half typed");
    await act(() => backend.lockItself("idle"));
    await vi.waitFor(() => expect(byTestId("unlock-passphrase")).toHaveValue(""));
  });

  it("names the auto-lock time when Attune locked itself for idleness", async () => {
    await signIn(ADULT);
    await act(() => backend.lockItself("idle"));
    expect(await screen.findByTestId("lock-reason")).toHaveTextContent(
      "Attune locked itself after 5 minutes without use.",
    );
  });

  it("Ctrl+L locks", async () => {
    const { user } = await signIn(ADULT);
    expect(byTestId("lock-button")).toHaveAccessibleName(/Lock.*Ctrl\+L/);
    await user.keyboard("{Control>}l{/Control}");
    expect(api.lock).toHaveBeenCalledTimes(1);
    expect(await screen.findByTestId("unlock-passphrase")).toHaveValue("");
  });

  it("Ctrl+L does nothing while locked", async () => {
    const { user } = await renderApp();
    await user.keyboard("{Control>}l{/Control}");
    expect(api.lock).not.toHaveBeenCalled();
  });

  it("the Lock button locks", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("lock-button"));
    expect(api.lock).toHaveBeenCalledTimes(1);
    expect(await screen.findByTestId("unlock-submit")).toBeInTheDocument();
  });

  it("any command failing with kind `locked` goes back to the unlock screen", async () => {
    const { user } = await signIn(LEAD);
    // The backend locked without the event reaching us.
    backend.state.state = "locked";
    backend.state.session = null;
    await user.click(byTestId("nav-users"));
    expect(api.listUsers).toHaveBeenCalled();
    expect(await screen.findByTestId("unlock-submit")).toBeInTheDocument();
    expect(screen.queryByTestId("nav-users")).not.toBeInTheDocument();
  });

  it("sends a heartbeat on activity at most once every 20 seconds", async () => {
    vi.useFakeTimers();
    await signIn(LEAD, { fakeTimers: true });
    api.touch.mockClear();
    // Unlocking counts as activity: nothing yet.
    fireEvent.keyDown(window, { key: "a" });
    expect(api.touch).not.toHaveBeenCalled();

    await act(() => vi.advanceTimersByTime(20_000));
    fireEvent.pointerDown(window);
    fireEvent.wheel(window);
    fireEvent.keyDown(window, { key: "b" });
    expect(api.touch).toHaveBeenCalledTimes(1);

    await act(() => vi.advanceTimersByTime(19_000));
    fireEvent.wheel(window);
    expect(api.touch).toHaveBeenCalledTimes(1);

    await act(() => vi.advanceTimersByTime(1_000));
    fireEvent.wheel(window);
    expect(api.touch).toHaveBeenCalledTimes(2);
  });

  it("a heartbeat answered with `locked` goes to the unlock screen", async () => {
    vi.useFakeTimers();
    await signIn(LEAD, { fakeTimers: true });
    backend.state.state = "locked";
    backend.state.session = null;
    await act(() => vi.advanceTimersByTime(21_000));
    fireEvent.pointerDown(window);
    await vi.waitFor(() => expect(screen.getByTestId("unlock-submit")).toBeInTheDocument());
  });
});

describe("navigation by role", () => {
  it("key adults do not see Users, Settings or Backups (issue 12)", async () => {
    await signIn(ADULT);
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(within(nav).getAllByRole("link").map((a) => a.textContent)).toEqual(["My caseload", "My supervision notes", "My account"]);
    expect(screen.queryByTestId("nav-users")).not.toBeInTheDocument();
    expect(screen.queryByTestId("nav-settings")).not.toBeInTheDocument();
    expect(byTestId("signed-in-user")).toHaveTextContent("Alex Jones, Key adult");
  });

  it("strategic leads see Users and Settings", async () => {
    const { user } = await signIn(LEAD);
    expect(byTestId("nav-users")).toBeInTheDocument();
    expect(byTestId("nav-settings")).toBeInTheDocument();
    await user.click(byTestId("nav-settings"));
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Settings");
    expect(byTestId("nav-settings")).toHaveAttribute("aria-current", "page");
    expect(screen.getByRole("main")).toBeInTheDocument();
  });
});

describe("my account", () => {
  it("changes the passphrase and says so", async () => {
    const { user } = await signIn(ADULT);
    await user.click(byTestId("nav-account"));
    await user.type(screen.getByLabelText("Current passphrase"), passphraseFor(ADULT));
    await user.type(screen.getByLabelText("New passphrase"), "violet harbour pencil drum");
    await user.type(screen.getByLabelText("Type the new passphrase again"), "violet harbour pencil drum");
    await user.click(screen.getByRole("button", { name: "Change passphrase" }));

    expect(api.changePassphrase).toHaveBeenCalledWith(passphraseFor(ADULT), "violet harbour pencil drum");
    expect(await screen.findByTestId("account-saved")).toHaveTextContent("Your passphrase has been changed.");
    expect(screen.getByLabelText("Current passphrase")).toHaveValue("");
    expect(screen.getByLabelText("New passphrase")).toHaveValue("");
  });

  it("says when the current passphrase is wrong", async () => {
    const { user } = await signIn(ADULT);
    await user.click(byTestId("nav-account"));
    await user.type(screen.getByLabelText("Current passphrase"), "wrong");
    await user.type(screen.getByLabelText("New passphrase"), "violet harbour pencil drum");
    await user.type(screen.getByLabelText("Type the new passphrase again"), "violet harbour pencil drum");
    await user.click(screen.getByRole("button", { name: "Change passphrase" }));
    const summary = await screen.findByTestId("error-summary");
    expect(within(summary).getByRole("link")).toHaveAttribute("href", "#account-current");
    expect(screen.queryByTestId("account-saved")).not.toBeInTheDocument();
  });
});

describe("users (strategic lead)", () => {
  it("adds a key adult with their own passphrase", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-users"));
    const table = await screen.findByTestId("users-table");
    expect(within(table).getAllByRole("row")).toHaveLength(3);

    await user.click(screen.getByRole("button", { name: "Add user" }));
    const hrefs = within(byTestId("error-summary")).getAllByRole("link").map((a) => a.getAttribute("href"));
    expect(hrefs).toEqual(["#user-name", "#user-role-key_adult", "#user-passphrase", "#user-confirm"]);

    await user.type(screen.getByLabelText("Name"), "Jo Brown");
    await user.click(screen.getByRole("radio", { name: /Key adult/ }));
    await user.type(screen.getByLabelText("Their passphrase"), "amber willow piano frost");
    await user.type(screen.getByLabelText("Type their passphrase again"), "amber willow piano frost");
    await user.click(screen.getByRole("button", { name: "Add user" }));

    expect(api.addUser).toHaveBeenCalledWith({ name: "Jo Brown", role: "key_adult", passphrase: "amber willow piano frost" });
    expect(await screen.findByTestId("users-done")).toHaveTextContent("Jo Brown has been added as a key adult.");
    expect(within(table).getByRole("rowheader", { name: "Jo Brown" })).toBeInTheDocument();
    expect(screen.getByLabelText("Their passphrase")).toHaveValue("");
  });

  it("removes a user only after a confirm step, and never offers to remove yourself", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-users"));
    await screen.findByTestId("users-table");
    expect(screen.queryByTestId(`remove-${LEAD.id}`)).not.toBeInTheDocument();

    await user.click(byTestId(`remove-${ADULT.id}`));
    const confirm = byTestId("remove-confirm");
    expect(confirm).toHaveTextContent("Their passphrase will stop opening the vault");
    expect(api.removeUser).not.toHaveBeenCalled();

    await user.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByTestId("remove-confirm")).not.toBeInTheDocument();
    expect(api.removeUser).not.toHaveBeenCalled();

    await user.click(byTestId(`remove-${ADULT.id}`));
    await user.click(screen.getByRole("button", { name: "Yes, remove Alex Jones" }));
    expect(api.removeUser).toHaveBeenCalledWith(ADULT.id);
    expect(await screen.findByTestId("users-done")).toHaveTextContent("Alex Jones has been removed.");
    expect(screen.queryByRole("rowheader", { name: /Alex Jones/ })).not.toBeInTheDocument();
  });

  it("shows a refusal from the backend", async () => {
    api.removeUser.mockRejectedValueOnce(commandError("not_permitted", "Only a strategic lead can do that."));
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-users"));
    await user.click(await screen.findByTestId(`remove-${ADULT.id}`));
    await user.click(screen.getByRole("button", { name: "Yes, remove Alex Jones" }));
    expect(await screen.findByText(/You do not have permission to do that/)).toBeInTheDocument();
  });
});

describe("settings (strategic lead)", () => {
  it("refuses minutes outside 1–120 and saves a valid number", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-settings"));
    const field = screen.getByLabelText(/Lock automatically after/);
    expect(field).toHaveValue("5");

    await user.clear(field);
    await user.type(field, "121");
    await user.click(screen.getByRole("button", { name: "Save settings" }));
    expect(byTestId("error-summary")).toHaveTextContent("between 1 and 120");
    expect(api.setAutoLockMinutes).not.toHaveBeenCalled();

    await user.clear(field);
    await user.type(field, "15");
    await user.click(screen.getByRole("button", { name: "Save settings" }));
    expect(api.setAutoLockMinutes).toHaveBeenCalledWith(15);
    expect(await screen.findByTestId("settings-saved")).toHaveTextContent("lock itself after 15 minutes");

    // The new time is what the unlock screen reports after an idle lock.
    await act(() => backend.lockItself("idle"));
    expect(await screen.findByTestId("lock-reason")).toHaveTextContent("after 15 minutes without use");
  });
});
