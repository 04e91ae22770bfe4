// Long work (issue 14): the progress bar, cancelling through the mocked IPC, and the small
// status line of the automatic backup.

import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import * as ipc from "../lib/ipc";
import ProgressBar from "../lib/components/ProgressBar.svelte";
import { ADULT, backend, commandError, LEAD, passphraseFor } from "./fake-backend";
import { resetSafety, USB } from "./fake-safety";
import { byTestId, renderApp } from "./helpers";
import { percent } from "../lib/work.svelte";
import type { UserInfo } from "../lib/bindings";

vi.mock("../lib/ipc", async (importOriginal) => {
  const { fakeIpc } = await import("./fake-backend");
  const { safetyCommands } = await import("./fake-safety");
  return { ...fakeIpc(await importOriginal()), ...safetyCommands() };
});

const api = vi.mocked(ipc);

beforeEach(() => {
  vi.clearAllMocks();
  backend.lockedWith([LEAD, ADULT]);
  resetSafety();
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

/** A promise and the function that settles it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("the progress bar", () => {
  it("is a named progressbar with its value, a visible percentage and a Cancel button reached by the keyboard", async () => {
    const oncancel = vi.fn();
    const user = userEvent.setup();
    render(ProgressBar, { label: "Backing up the vault", done: 2, total: 5, phase: "Copying", oncancel, cancelLabel: "Cancel the backup" });
    const bar = screen.getByRole("progressbar", { name: "Backing up the vault" });
    expect(bar).toHaveAttribute("aria-valuenow", "40");
    expect(bar).toHaveAttribute("aria-valuemin", "0");
    expect(bar).toHaveAttribute("aria-valuemax", "100");
    expect(bar).toHaveAttribute("aria-valuetext", "40% (Copying)");
    expect(byTestId("progress-percent")).toHaveTextContent("40%");
    await user.tab();
    expect(screen.getByRole("button", { name: "Cancel the backup" })).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(oncancel).toHaveBeenCalledTimes(1);
  });

  it("offers no Cancel where the work cannot be stopped, and never shows more than 100%", () => {
    render(ProgressBar, { label: "Replacing", done: 7, total: 5 });
    expect(screen.queryByRole("button")).not.toBeInTheDocument();
    expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "100");
    expect(percent(0, 0)).toBe(0);
    expect(percent(1, 3)).toBe(33);
  });
});

describe("cancelling a backup", () => {
  it("shows the backup's progress, and Cancel stops it: the backend is asked for that op, and nothing was written", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-backup"));
    await screen.findByTestId("auto-backups-table");
    const cancelled = deferred();
    let started = "";
    api.cancelWork.mockImplementationOnce(async (op: string) => {
      expect(op).toBe(started);
      cancelled.resolve();
      return null;
    });
    api.backupNow.mockImplementationOnce(async (_folder: string, op: string) => {
      started = op;
      backend.progress({ op, phase: "copying", done: 40, total: 100 });
      // Another op's events do not move this bar.
      backend.progress({ op: "auto-backup", phase: "copying", done: 90, total: 100 });
      await cancelled.promise;
      throw commandError("cancelled", "Stopped before it finished: nothing was changed.");
    });
    await user.click(byTestId("backup-now"));
    const bar = await screen.findByRole("progressbar", { name: "Backing up the vault" });
    await vi.waitFor(() => expect(bar).toHaveAttribute("aria-valuenow", "40"));
    expect(byTestId("backup-progress-phase")).toHaveTextContent("Copying");
    await user.click(within(byTestId("backup-progress")).getByRole("button", { name: "Cancel the backup" }));
    expect(api.cancelWork).toHaveBeenCalledTimes(1);
    expect(await screen.findByTestId("backup-cancelled")).toHaveTextContent("Cancelled: no backup was written, and nothing was changed.");
    expect(api.backupNow).toHaveBeenCalledWith(USB, started);
    expect(screen.queryByRole("progressbar", { name: "Backing up the vault" })).not.toBeInTheDocument();
    expect(screen.queryByTestId("backup-done")).not.toBeInTheDocument();
    expect(screen.queryByTestId("backup-error")).not.toBeInTheDocument();
    // Listening stopped with the work.
    expect(backend.progressListenerCount()).toBe(1); // the automatic backup's status line
  });
});

describe("the automatic backup", () => {
  it("shows a small 'Backing up… 40%' while it runs, and nothing once it has finished or stopped", async () => {
    await signIn(ADULT);
    expect(screen.queryByTestId("auto-backup-status")).not.toBeInTheDocument();
    backend.progress({ op: "auto-backup", phase: "copying", done: 2, total: 5 });
    const status = await screen.findByTestId("auto-backup-status");
    expect(status).toHaveTextContent("Backing up… 40%");
    expect(screen.getByRole("progressbar", { name: "Automatic backup" })).toHaveAttribute("aria-valuenow", "40");
    backend.progress({ op: "backup-x", phase: "copying", done: 5, total: 5 });
    expect(status).toHaveTextContent("Backing up… 40%");
    backend.progress({ op: "auto-backup", phase: "stopped", done: 1, total: 1 });
    await vi.waitFor(() => expect(screen.queryByTestId("auto-backup-status")).not.toBeInTheDocument());
  });
});
