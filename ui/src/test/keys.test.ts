// Issue 15, item 5: the keys in the strategic lead's hands, as the window shows them.
// Users: "Reset passphrase" per person shows a one-time code once; the person unlocks with it
// and lands on "Set a new passphrase". Settings: "Recovery key → Replace" shows the new key
// once and does not close until the lead says it is written down.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import type { UserInfo } from "../lib/bindings";
import { ADULT, backend, commandError, LEAD, NEW_RECOVERY_GROUPS, passphraseFor, RECOVERY_KEY, RESET_CODE } from "./fake-backend";
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

describe("reset a key adult's passphrase (Users)", () => {
  it("confirms first, shows the code once, and the code lands the key adult on choosing a new passphrase", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-users"));
    await screen.findByTestId("users-table");
    // Never offered for yourself; named for a screen reader.
    expect(screen.queryByTestId(`reset-${LEAD.id}`)).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Reset passphrase of Alex Jones" })).toBeInTheDocument();

    await user.click(byTestId(`reset-${ADULT.id}`));
    const confirm = byTestId("reset-confirm");
    expect(confirm).toHaveTextContent("Their passphrase will stop opening the vault");
    await user.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(api.resetUserPassphrase).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(byTestId(`reset-${ADULT.id}`));

    // By keyboard: the button has focus; Enter opens the step, then Enter on "Yes".
    await user.keyboard("{Enter}");
    expect(document.activeElement?.id).toBe("reset-heading");
    await user.click(screen.getByRole("button", { name: "Yes, reset Alex Jones's passphrase" }));
    expect(api.resetUserPassphrase).toHaveBeenCalledWith(ADULT.id);
    const panel = await screen.findByTestId("reset-code-panel");
    expect(byTestId("reset-code")).toHaveTextContent(RESET_CODE);
    expect(byTestId("reset-code")).toHaveAccessibleName(`One-time code: ${RESET_CODE.split("-").join(", ")}`);
    expect(panel).toHaveTextContent("shown only now");
    expect(document.activeElement?.id).toBe("code-heading");

    await user.click(screen.getByRole("button", { name: "I have given Alex Jones the code" }));
    expect(screen.queryByTestId("reset-code-panel")).not.toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain(RESET_CODE);

    // The key adult: the old passphrase is refused; the code opens "Set a new passphrase".
    await user.click(byTestId("lock-button"));
    await user.click(await screen.findByTestId(`unlock-user-${ADULT.id}`));
    await user.type(byTestId("unlock-passphrase"), passphraseFor(ADULT));
    await user.click(byTestId("unlock-submit"));
    expect((await screen.findAllByText(/That passphrase is not right for Alex Jones/)).length).toBeGreaterThan(0);
    expect(screen.getByLabelText(/Passphrase/)).toHaveAccessibleDescription(/one-time code/);
    await user.clear(byTestId("unlock-passphrase"));
    await user.type(byTestId("unlock-passphrase"), RESET_CODE);
    await user.click(byTestId("unlock-submit"));
    expect(await screen.findByRole("heading", { name: "Set a new passphrase" })).toBeInTheDocument();
    expect(byTestId("new-passphrase-why")).toHaveTextContent(/one-time code your strategic lead gave you/);
    expect(byTestId("new-passphrase-why")).not.toHaveTextContent(/recovery key/);
    expect(screen.queryByTestId("home-heading")).not.toBeInTheDocument();
  });

  it("shows a refusal from the backend and no code", async () => {
    api.resetUserPassphrase.mockRejectedValueOnce(commandError("not_permitted", "Only a strategic lead can do that."));
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-users"));
    await user.click(await screen.findByTestId(`reset-${ADULT.id}`));
    await user.click(screen.getByRole("button", { name: "Yes, reset Alex Jones's passphrase" }));
    expect(await screen.findByText(/You do not have permission to do that/)).toBeInTheDocument();
    expect(screen.queryByTestId("reset-code-panel")).not.toBeInTheDocument();
  });
});

describe("replace the recovery key (Settings)", () => {
  it("shows the new key once and closes only when the lead says it is written down", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-settings"));
    await user.click(screen.getByRole("button", { name: "Replace the recovery key" }));
    const confirm = byTestId("replace-confirm");
    expect(confirm).toHaveTextContent("shown to you once");
    await user.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(api.replaceRecoveryKey).not.toHaveBeenCalled();

    await user.click(screen.getByRole("button", { name: "Replace the recovery key" }));
    await user.click(screen.getByRole("button", { name: "Yes, replace the recovery key" }));
    expect(api.replaceRecoveryKey).toHaveBeenCalledTimes(1);
    const panel = await screen.findByTestId("new-recovery-key-panel");
    expect(byTestId("new-recovery-key")).toHaveTextContent(NEW_RECOVERY_GROUPS.join(" "));
    expect(panel).toHaveTextContent("still open with the old key");
    expect(document.activeElement?.id).toBe("new-key-heading");

    // Not until the box is ticked.
    await user.click(screen.getByRole("button", { name: "Done" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Confirm that you have written down or printed the new recovery key");
    expect(byTestId("new-recovery-key-panel")).toBeInTheDocument();
    expect(document.activeElement).toBe(screen.getByLabelText("I have written down or printed the new recovery key"));
    await user.keyboard(" ");
    await user.click(screen.getByRole("button", { name: "Done" }));
    expect(screen.queryByTestId("new-recovery-key-panel")).not.toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain(NEW_RECOVERY_GROUPS[0]);
    expect(byTestId("recovery-replaced")).toHaveTextContent("The old one no longer opens the vault");
    expect(api.replaceRecoveryKey).toHaveBeenCalledTimes(1);

    // The fake follows the contract: the old key is refused, the new one opens.
    await expect(api.unlockWithRecovery(LEAD.id, RECOVERY_KEY)).rejects.toMatchObject({ kind: "wrong_recovery_key" });
  });
});
