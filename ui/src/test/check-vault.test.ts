// Settings → Check the vault: the full check with a progress bar, Stop, and a plain report.
// Only ipc.ts is mocked (the fake backend).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import type { UserInfo, VaultCheck } from "../lib/bindings";
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

async function signIn(as: UserInfo) {
  const rendered = await renderApp();
  const { user } = rendered;
  await user.click(byTestId(`unlock-user-${as.id}`));
  await user.type(byTestId("unlock-passphrase"), passphraseFor(as));
  await user.click(byTestId("unlock-submit"));
  await screen.findByTestId("home-heading");
  return rendered;
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function openCheck() {
  const r = await signIn(LEAD);
  await r.user.click(byTestId("nav-settings"));
  await screen.findByTestId("check-vault");
  return r;
}

describe("check the vault (Settings)", () => {
  it("shows each phase's progress, then says all is well in plain words", async () => {
    const { user } = await openCheck();
    const go = deferred();
    let started = "";
    api.checkVault.mockImplementationOnce(async (op: string) => {
      started = op;
      backend.progress({ op, phase: "pages", done: 0, total: 400 });
      backend.progress({ op, phase: "audit chain", done: 30, total: 120 });
      await go.promise;
      return { pages_checked: 400, audit_entries_checked: 120, problems: [] };
    });
    await user.click(screen.getByRole("button", { name: "Check the vault" }));
    const bar = await screen.findByRole("progressbar", { name: "Checking the vault" });
    await vi.waitFor(() => expect(bar).toHaveAttribute("aria-valuenow", "25"));
    expect(byTestId("check-vault-progress")).toHaveTextContent("Checking the audit trail's chain");
    go.resolve();
    const result = await screen.findByTestId("check-vault-result");
    expect(result).toHaveTextContent(
      "All is well: every page of the vault is intact, the audit trail's chain is unbroken, the key slots match their copy.",
    );
    expect(byTestId("check-vault-counts")).toHaveTextContent("Checked 400 pages and 120 audit entries.");
    expect(api.checkVault).toHaveBeenCalledWith(started);
    expect(screen.queryByRole("progressbar", { name: "Checking the vault" })).not.toBeInTheDocument();
  });

  it("names each problem and what to do about it", async () => {
    const { user } = await openCheck();
    const damaged: VaultCheck = {
      pages_checked: 400,
      audit_entries_checked: 120,
      problems: [
        {
          area: "pages",
          what: "2 pages of the vault's database file (3 and 57) have been changed or damaged on the disk.",
          todo: "Restore it from the most recent backup (Backup → Restore a backup), then check the vault again.",
          pages: [3, 57],
          audit_entry: null,
          detail: "HMAC verification failed for page 3; HMAC verification failed for page 57",
        },
        {
          area: "audit_chain",
          what: "The audit trail's chain is broken at entry 41.",
          todo: "Keep the vault as it is.",
          pages: [],
          audit_entry: 41,
          detail: "the audit log's chain is broken at entry 41",
        },
      ],
    };
    api.checkVault.mockResolvedValueOnce(damaged);
    await user.click(byTestId("check-vault-run"));
    const result = await screen.findByTestId("check-vault-result");
    expect(result).toHaveTextContent("The check found 2 problems.");
    const pages = byTestId("check-vault-problem-pages");
    expect(pages).toHaveTextContent("Pages of the vault: 2 pages of the vault's database file (3 and 57)");
    expect(pages).toHaveTextContent("What to do: Restore it from the most recent backup");
    expect(within(pages).getByText("HMAC verification failed for page 3; HMAC verification failed for page 57")).toBeInTheDocument();
    expect(byTestId("check-vault-problem-audit_chain")).toHaveTextContent("The audit trail: The audit trail's chain is broken at entry 41.");
    expect(screen.queryByText(/All is well/)).not.toBeInTheDocument();
  });

  it("Stop asks the backend to stop that check, and the report says it proved nothing", async () => {
    const { user } = await openCheck();
    const cancelled = deferred();
    let started = "";
    api.cancelWork.mockImplementationOnce(async (op: string) => {
      expect(op).toBe(started);
      cancelled.resolve();
      return null;
    });
    api.checkVault.mockImplementationOnce(async (op: string) => {
      started = op;
      backend.progress({ op, phase: "structure", done: 0, total: 1 });
      await cancelled.promise;
      throw commandError("cancelled", "Stopped before it finished: nothing was changed.");
    });
    await user.click(byTestId("check-vault-run"));
    await screen.findByRole("progressbar", { name: "Checking the vault" });
    await user.click(within(byTestId("check-vault-progress")).getByRole("button", { name: "Stop the check" }));
    expect(await screen.findByTestId("check-vault-stopped")).toHaveTextContent("Stopped: the check did not finish");
    expect(api.cancelWork).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId("check-vault-result")).not.toBeInTheDocument();
  });

  it("a key adult checks their own laptop's vault from My account, and is told to go to their lead", async () => {
    const { user } = await signIn(ADULT);
    expect(screen.queryByTestId("nav-settings")).not.toBeInTheDocument();
    await user.click(byTestId("nav-account"));
    api.checkVault.mockResolvedValueOnce({
      pages_checked: 90,
      audit_entries_checked: 12,
      problems: [
        { area: "key_slots", what: "The key-slot file does not match the copy kept inside the vault.", todo: "Lock it and unlock it again.", pages: [], audit_entry: null, detail: "the key-slot file differs from its copy inside the vault" },
      ],
    });
    await user.click(await screen.findByTestId("check-vault-run"));
    const result = await screen.findByTestId("check-vault-result");
    expect(result).toHaveTextContent("The check found 1 problem. Tell your strategic lead now");
    expect(byTestId("check-vault-problem-key_slots")).toHaveTextContent("The key slots: The key-slot file does not match");
  });
});
