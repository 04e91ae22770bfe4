// Settings → Support levels and care statuses: add, rename, move up/down by keyboard, retire
// and bring back. Only ipc.ts is mocked (the fake backend keeps the lists).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import type { UserInfo } from "../lib/bindings";
import { ADULT, backend, LEAD, passphraseFor } from "./fake-backend";
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

function labels(kind: string): string[] {
  return within(byTestId(`lists-${kind}`))
    .getAllByRole("listitem")
    .map((li) => li.querySelector(".item-label")?.textContent ?? "");
}

async function openLists() {
  const r = await signIn(LEAD);
  await r.user.click(byTestId("nav-settings"));
  await screen.findByTestId("lists-support_level");
  return r;
}

describe("the school's lists (Settings)", () => {
  it("moves a level down and up by keyboard, keeping focus on it, and saves the order", async () => {
    const { user } = await openLists();
    expect(labels("support_level")).toEqual(["Universal", "Additional", "Intensive"]);
    const down = screen.getByRole("button", { name: "Move down: Universal" });
    expect(screen.getByRole("button", { name: "Move up: Universal" })).toBeDisabled();
    down.focus();
    await user.keyboard("{Enter}");
    await vi.waitFor(() => expect(labels("support_level")).toEqual(["Additional", "Universal", "Intensive"]));
    expect(api.reorderList).toHaveBeenLastCalledWith("support_level", ["Additional", "Universal", "Intensive"]);
    expect(byTestId("lists-saved")).toHaveTextContent("Moved Universal down.");
    // The keyboard is still on Universal's "Move down", now in second place.
    expect(document.activeElement).toHaveAccessibleName("Move down: Universal");
    await user.keyboard("{Enter}");
    await vi.waitFor(() => expect(labels("support_level")).toEqual(["Additional", "Intensive", "Universal"]));
    // At the bottom, "Move down" is disabled, so the focus goes to its "Move up".
    expect(document.activeElement).toHaveAccessibleName("Move up: Universal");
    await user.keyboard("{Enter}");
    await vi.waitFor(() => expect(labels("support_level")).toEqual(["Additional", "Universal", "Intensive"]));
    expect(records.supportLevels).toEqual(["Additional", "Universal", "Intensive"]);
  });

  it("adds, renames (the pupil holding it follows) and retires then brings back an item", async () => {
    const held = seedPupil({ legal_forename: "Ava", legal_surname: "Brown", support_level: "Intensive" }, {});
    const { user } = await openLists();
    await user.type(screen.getByLabelText("Add a support level"), "Targeted");
    await user.click(byTestId("lists-support_level-add"));
    await vi.waitFor(() => expect(labels("support_level")).toEqual(["Universal", "Additional", "Intensive", "Targeted"]));
    expect(api.addListItem).toHaveBeenCalledWith("support_level", "Targeted");

    await user.click(screen.getByRole("button", { name: "Rename: Intensive" }));
    const field = screen.getByLabelText("New name for Intensive");
    expect(field).toHaveFocus();
    await user.clear(field);
    await user.type(field, "Enhanced");
    await user.click(byTestId("lists-rename-save"));
    await vi.waitFor(() => expect(labels("support_level")).toEqual(["Universal", "Additional", "Enhanced", "Targeted"]));
    expect(api.renameListItem).toHaveBeenCalledWith("support_level", "Intensive", "Enhanced");
    expect(byTestId("lists-saved")).toHaveTextContent("Every pupil who had Intensive now has Enhanced.");
    expect(records.pupils.get(held.pupil.id)!.pupil.support_level).toBe("Enhanced");

    await user.click(screen.getByRole("button", { name: "Retire: Additional" }));
    expect(await screen.findByTestId("lists-support_level-retired-1")).toHaveTextContent("Retired");
    expect(api.retireListItem).toHaveBeenLastCalledWith("support_level", "Additional", true);
    expect((await api.pickLists()).support_levels).toEqual(["Universal", "Enhanced", "Targeted"]);
    await user.click(screen.getByRole("button", { name: "Bring back: Additional" }));
    await vi.waitFor(() => expect(screen.queryByTestId("lists-support_level-retired-1")).not.toBeInTheDocument());
    expect(api.retireListItem).toHaveBeenLastCalledWith("support_level", "Additional", false);
  });

  it("shows the backend's refusal beside the list", async () => {
    const { user } = await openLists();
    await user.type(screen.getByLabelText("Add a care status"), "child in need");
    await user.click(byTestId("lists-care_status-add"));
    expect(await screen.findByTestId("lists-care_status-error")).toHaveTextContent("already has an item called child in need");
    expect(labels("care_status")).toHaveLength(4);
  });
});
