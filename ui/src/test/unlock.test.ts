import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, screen, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import type { UserInfo } from "../lib/bindings";
import { ADULT, backend, commandError, LEAD, passphraseFor, RECOVERY_GROUPS } from "./fake-backend";
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

describe("unlock", () => {
  it("shows the school and a radio per user with their role", async () => {
    await renderApp();
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Oakfield Primary School");
    const lead = byTestId<HTMLInputElement>(`unlock-user-${LEAD.id}`);
    expect(lead).toHaveAttribute("type", "radio");
    expect(lead).toHaveAccessibleName("Sam Patel Strategic lead");
    expect(byTestId(`unlock-user-${ADULT.id}`)).toHaveAccessibleName("Alex Jones Key adult");
    const field = byTestId("unlock-passphrase");
    expect(field).toHaveAttribute("type", "password");
    expect(field).toHaveAttribute("autocomplete", "current-password");
    expect(screen.getByLabelText("Passphrase")).toBe(field);
  });

  it("uses a select when there are more than six users", async () => {
    const many: UserInfo[] = Array.from({ length: 7 }, (_, i) => ({
      id: `u${i}`,
      name: `Person ${i}`,
      role: i === 0 ? "strategic_lead" : "key_adult",
    }));
    backend.lockedWith(many);
    const { user } = await renderApp();
    const select = byTestId<HTMLSelectElement>("unlock-user");
    expect(select.tagName).toBe("SELECT");
    expect(within(select).getByRole("option", { name: "Person 3 (Key adult)" })).toBeInTheDocument();
    await user.selectOptions(select, "u3");
    await user.type(byTestId("unlock-passphrase"), passphraseFor(many[3]));
    await user.click(byTestId("unlock-submit"));
    expect(api.unlock).toHaveBeenCalledWith("u3", passphraseFor(many[3]));
  });

  it("asks who you are and for a passphrase before trying", async () => {
    const { user } = await renderApp();
    await user.click(byTestId("unlock-submit"));
    const links = within(byTestId("error-summary")).getAllByRole("link");
    expect(links.map((a) => a.textContent)).toEqual(["Select your name", "Enter your passphrase"]);
    expect(links[0]).toHaveAttribute("href", `#unlock-user-${LEAD.id}`);
    expect(api.unlock).not.toHaveBeenCalled();
  });

  it("says plainly when the passphrase is wrong, and clears the field", async () => {
    const { user } = await renderApp();
    await user.click(byTestId(`unlock-user-${ADULT.id}`));
    await user.type(byTestId("unlock-passphrase"), "not the right one");
    await user.click(byTestId("unlock-submit"));

    expect(api.unlock).toHaveBeenCalledWith(ADULT.id, "not the right one");
    expect(await screen.findByTestId("unlock-error")).toHaveTextContent(
      "That passphrase is not right for Alex Jones. Check caps lock and try again.",
    );
    expect(byTestId("unlock-passphrase")).toHaveValue("");
    expect(byTestId("unlock-passphrase")).toHaveFocus();
    expect(screen.queryByTestId("home-heading")).not.toBeInTheDocument();
  });

  it("unlocks with the right passphrase and clears it", async () => {
    const { user } = await renderApp();
    await user.click(byTestId(`unlock-user-${LEAD.id}`));
    await user.type(byTestId("unlock-passphrase"), passphraseFor(LEAD));
    await user.click(byTestId("unlock-submit"));
    expect(await screen.findByTestId("home-heading")).toBeInTheDocument();
    expect(screen.queryByTestId("unlock-passphrase")).not.toBeInTheDocument();
    expect(byTestId("signed-in-user")).toHaveTextContent("Sam Patel, Strategic lead");
  });

  it("when throttled, disables Unlock and counts down to zero", async () => {
    vi.useFakeTimers();
    api.unlock.mockRejectedValueOnce(commandError("throttled", "Too many attempts.", 3));
    const { user } = await renderApp({ fakeTimers: true });
    await user.click(byTestId(`unlock-user-${LEAD.id}`));
    await user.type(byTestId("unlock-passphrase"), "guess");
    await user.click(byTestId("unlock-submit"));

    const error = await screen.findByTestId("unlock-error");
    expect(error).toHaveTextContent("too many wrong attempts");
    expect(error).toHaveTextContent("You can try again in 3 seconds");
    expect(byTestId("unlock-submit")).toBeDisabled();

    await act(() => vi.advanceTimersByTime(1000));
    expect(error).toHaveTextContent("You can try again in 2 seconds");
    expect(byTestId("unlock-submit")).toBeDisabled();

    await act(() => vi.advanceTimersByTime(1000));
    expect(error).toHaveTextContent("You can try again in 1 second.");

    await act(() => vi.advanceTimersByTime(1000));
    expect(error).toHaveTextContent("You can try again now.");
    expect(byTestId("unlock-submit")).toBeEnabled();
    expect(api.unlock).toHaveBeenCalledTimes(1);
  });

  it("starts counting down when the status says to wait", async () => {
    vi.useFakeTimers();
    const locked = backend.status();
    if (locked.state !== "locked") throw new Error("expected locked");
    api.appStatus.mockResolvedValueOnce({ ...locked, retry_after_secs: 2 });
    await renderApp({ fakeTimers: true });
    expect(byTestId("unlock-submit")).toBeDisabled();
    expect(byTestId("unlock-error")).toHaveTextContent("You can try again in 2 seconds");
    await act(() => vi.advanceTimersByTime(2000));
    expect(byTestId("unlock-submit")).toBeEnabled();
  });

  it("says why Attune locked itself", async () => {
    backend.state.lastLockReason = "suspend";
    await renderApp();
    expect(byTestId("lock-reason")).toHaveTextContent("Attune locked itself because the computer went to sleep.");
  });

  it("opens with the recovery key, then asks for a new passphrase before home", async () => {
    const { user } = await renderApp();
    await user.click(byTestId("use-recovery"));
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Use the recovery key");
    await user.click(byTestId(`unlock-user-${ADULT.id}`));

    // Wrong key first.
    await user.type(byTestId("recovery-input"), "AAAA-BBBB");
    await user.click(byTestId("recovery-submit"));
    expect(await screen.findByTestId("unlock-error")).toHaveTextContent("That recovery key is not right");
    expect(api.unlockWithRecovery).toHaveBeenLastCalledWith(ADULT.id, "AAAABBBB");

    // Then the key as written on paper, in lower case with spaces and dashes.
    await user.clear(byTestId("recovery-input"));
    await user.type(byTestId("recovery-input"), RECOVERY_GROUPS.slice(0, 4).join(" ").toLowerCase() + " - " + RECOVERY_GROUPS.slice(4).join("-"));
    await user.click(byTestId("recovery-submit"));
    expect(api.unlockWithRecovery).toHaveBeenLastCalledWith(ADULT.id, RECOVERY_GROUPS.join(""));

    expect(await screen.findByRole("heading", { level: 1, name: "Set a new passphrase" })).toBeInTheDocument();
    expect(screen.queryByTestId("nav-account")).not.toBeInTheDocument();

    await user.type(byTestId("new-passphrase"), "short");
    await user.type(byTestId("new-confirm"), "short");
    await user.click(byTestId("new-submit"));
    expect(within(byTestId("error-summary")).getByRole("link")).toHaveAttribute("href", "#new-passphrase");
    expect(api.resetPassphrase).not.toHaveBeenCalled();

    await user.clear(byTestId("new-passphrase"));
    await user.clear(byTestId("new-confirm"));
    await user.type(byTestId("new-passphrase"), "quiet river copper meadow");
    await user.type(byTestId("new-confirm"), "quiet river copper meadow");
    await user.click(byTestId("new-submit"));
    expect(api.resetPassphrase).toHaveBeenCalledWith("quiet river copper meadow");
    expect(await screen.findByTestId("home-heading")).toHaveTextContent("My caseload");
  });
});
