// The screens that move data safely (issue 6): backups, restore (inside the app and from the
// unlock screen), the subject access document, handover export and import, retention and
// erasure. Only ipc.ts is mocked (the fake backend plus fake-safety.ts).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import { ADULT, backend, commandError, LEAD, passphraseFor } from "./fake-backend";
import { seedPupil } from "./fake-records";
import { BACKUP_FILE, PACK_FILE, PACK_PASSPHRASE, resetSafety, safety, USB } from "./fake-safety";
import { records } from "./fake-records";
import { byTestId, renderApp } from "./helpers";
import { fileSize, countsLine } from "../lib/safety";
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

describe("helpers", () => {
  it("sizes and counts read naturally", () => {
    expect(fileSize(900)).toBe("900 bytes");
    expect(fileSize(1536)).toBe("1.5 KB");
    expect(fileSize(2_400_000)).toBe("2.3 MB");
    expect(countsLine({ pupils: 1, plans: 0, reviews: null })).toBe("1 pupil, 0 plans and no reviews");
  });
});

describe("backups", () => {
  it("a lead backs up into the chosen folder and sees the file, its size, time and that it was checked", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-backup"));
    expect(await screen.findByTestId("auto-backups-table")).toBeInTheDocument();
    expect(byTestId("auto-backup-0")).toHaveTextContent("22 November 2026");
    expect(byTestId("auto-backup-1")).toHaveTextContent("21 November 2026");

    await user.click(byTestId("backup-now"));
    expect(api.choosePath).toHaveBeenCalledWith(expect.objectContaining({ kind: "folder" }));
    expect(api.backupNow).toHaveBeenCalledWith(USB, expect.any(String));
    expect(await screen.findByTestId("backup-file-name")).toHaveTextContent("attune-backup-2026-11-22-0930.attune-backup");
    expect(byTestId("backup-size")).toHaveTextContent("2.3 MB");
    expect(byTestId("backup-time")).toHaveTextContent(/22 November 2026 at \d\d:\d\d/);
    expect(byTestId("backup-verified")).toHaveTextContent("Yes: read back from the disk and checked end to end");
    expect(byTestId("backup-counts")).toHaveTextContent("3 pupils, 2 plans and 1 review");
  });

  it("cancelling the chooser writes nothing; a failure says why", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-backup"));
    await screen.findByTestId("auto-backups-table");
    api.choosePath.mockResolvedValueOnce(null);
    await user.click(byTestId("backup-now"));
    expect(api.backupNow).not.toHaveBeenCalled();
    expect(screen.queryByTestId("backup-done")).not.toBeInTheDocument();

    api.backupNow.mockRejectedValueOnce(
      commandError("io", "The disk is full: there is no room for the backup in /media/usb, so none was written."),
    );
    await user.click(byTestId("backup-now"));
    expect(await screen.findByTestId("backup-error")).toHaveTextContent("no room for the backup");
  });

  it("a lead sets how many automatic backups to keep, with a clear error for a bad number", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-backup"));
    const keep = (await screen.findByTestId("auto-backup-keep")) as HTMLInputElement;
    expect(keep.value).toBe("7");
    await user.clear(keep);
    await user.type(keep, "0");
    await user.click(byTestId("auto-backup-keep-save"));
    expect(byTestId("error-summary")).toHaveTextContent("between 1 and 365");
    expect(api.setAutoBackupKeep).not.toHaveBeenCalled();
    await user.clear(keep);
    await user.type(keep, "14");
    await user.click(byTestId("auto-backup-keep-save"));
    expect(await screen.findByTestId("auto-backup-keep-saved")).toHaveTextContent("keep the newest 14 automatic backups");
    expect(api.setAutoBackupKeep).toHaveBeenCalledWith(14);
  });

  it("a key adult is not offered backups: the whole vault is the strategic lead's (issue 12)", async () => {
    await signIn(ADULT);
    expect(screen.queryByTestId("nav-backup")).not.toBeInTheDocument();
    expect(screen.queryByTestId("backup-now")).not.toBeInTheDocument();
    expect(screen.queryByTestId("backup-restore-link")).not.toBeInTheDocument();
    expect(api.backupNow).not.toHaveBeenCalled();
  });
});

describe("restore", () => {
  async function toRestore(user: Awaited<ReturnType<typeof signIn>>["user"]) {
    await user.click(byTestId("nav-backup"));
    await user.click(await screen.findByTestId("backup-restore-link"));
    await user.click(await screen.findByTestId("restore-choose"));
    await screen.findByTestId("restore-summary");
  }

  it("chooses, unlocks, checks and restores, then shows the unlock screen; a wrong passphrase replaces nothing", async () => {
    const { user } = await signIn(LEAD);
    await toRestore(user);
    expect(api.choosePath).toHaveBeenCalledWith(expect.objectContaining({ kind: "open" }));
    expect(api.inspectBackup).toHaveBeenCalledWith(BACKUP_FILE);
    expect(byTestId("restore-counts")).toHaveTextContent("3 pupils, 2 plans and 1 review");
    expect(byTestId("restore-made")).toHaveTextContent("22 November 2026");

    await user.type(byTestId("restore-secret"), "not the passphrase");
    await user.click(byTestId("restore-open"));
    expect(await screen.findByTestId("error-summary")).toHaveTextContent(`That passphrase is not right for ${LEAD.name}.`);
    expect(api.restoreBackup).not.toHaveBeenCalled();
    expect(screen.queryByTestId("restore-confirm")).not.toBeInTheDocument();

    await user.clear(byTestId("restore-secret"));
    await user.type(byTestId("restore-secret"), passphraseFor(LEAD));
    await user.click(byTestId("restore-open"));
    expect(await screen.findByTestId("restore-checked-counts")).toHaveTextContent("3 pupils, 2 plans and 1 review");
    expect(byTestId("restore-warning")).toHaveTextContent("Anything recorded after 22 November 2026");
    await user.click(byTestId("restore-confirm"));
    expect(api.restoreBackup).toHaveBeenCalledWith(BACKUP_FILE, LEAD.id, passphraseFor(LEAD), false, expect.any(String));
    expect(await screen.findByTestId("restore-replaced")).toHaveTextContent("vault.replaced-2026-11-22-1000");
    await user.click(byTestId("restore-continue"));
    expect(await screen.findByTestId("unlock-submit")).toBeInTheDocument();
    expect(byTestId("lock-reason")).toHaveTextContent("The backup was restored.");
  });

  it("a backup of another vault is refused before any passphrase is asked for", async () => {
    safety.sameVault = false;
    const { user } = await signIn(LEAD);
    await toRestore(user);
    expect(byTestId("restore-other-vault")).toHaveTextContent("backup of another vault");
    expect(screen.queryByTestId("restore-secret")).not.toBeInTheDocument();
  });

  it("a damaged file is reported as damaged, not as a damaged vault", async () => {
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-backup"));
    await user.click(await screen.findByTestId("backup-restore-link"));
    api.inspectBackup.mockRejectedValueOnce(
      commandError("vault_damaged", "The backup file is damaged or has been altered (its checksum does not match). Nothing was restored from it."),
    );
    await user.click(await screen.findByTestId("restore-choose"));
    expect(await screen.findByTestId("restore-error")).toHaveTextContent("The backup file is damaged or has been altered");
  });

  it("can start from the unlock screen, with the recovery key", async () => {
    const { user } = await renderApp();
    await user.click(byTestId("unlock-restore"));
    await user.click(await screen.findByTestId("restore-choose"));
    await screen.findByTestId("restore-summary");
    await user.click(byTestId("restore-method-recovery"));
    await user.type(byTestId("restore-secret"), "k7qw m2pz x9rt b4nh q8lv d3jc w6yf p5gs");
    await user.click(byTestId("restore-open"));
    await user.click(await screen.findByTestId("restore-confirm"));
    await user.click(await screen.findByTestId("restore-continue"));
    expect(await screen.findByTestId("lock-reason")).toHaveTextContent("The backup was restored.");

    await user.click(byTestId("unlock-restore"));
    await user.click(await screen.findByTestId("restore-cancel"));
    expect(await screen.findByTestId("unlock-submit")).toBeInTheDocument();
  });
});

describe("a pupil's documents", () => {
  it("a key adult is not offered the subject access document or the handover pack", async () => {
    const { pupil } = seedPupil({ legal_forename: "Amara", legal_surname: "O'Neill" }, { keyAdult: { id: ADULT.id, name: ADULT.name } });
    const { user } = await signIn(ADULT);
    await user.click(await screen.findByTestId(`pupil-link-${pupil.id}`));
    await screen.findByTestId("pupil-heading");
    expect(screen.queryByTestId("pupil-sar")).not.toBeInTheDocument();
    expect(screen.queryByTestId("pupil-handover")).not.toBeInTheDocument();
  });

  it("the subject access document is drawn from typed data as plain text and saves as an HTML file", async () => {
    const { pupil } = seedPupil({ legal_forename: "Amara", legal_surname: "O'Neill" });
    const { user } = await signIn(LEAD);
    await user.click(await screen.findByTestId(`pupil-link-${pupil.id}`));
    await user.click(await screen.findByTestId("pupil-sar"));
    const doc = await screen.findByTestId("sar-document");
    expect(within(doc).getByRole("heading", { level: 1 })).toHaveTextContent("Everything held about Amara O'Neill");
    expect(within(doc).getByRole("heading", { level: 2, name: "The pupil" })).toBeInTheDocument();
    expect(doc.querySelector("script, style, img, a, [onclick]")).toBeNull();
    expect(doc).toHaveTextContent("Legal forename");
    // Text that looks like markup is shown as text, never parsed.
    expect(within(doc).getByText("<script>window.bad = 1</script>")).toBeInTheDocument();
    expect((window as unknown as { bad?: number }).bad).toBeUndefined();
    // A blank multi-line field reads "Not recorded"; an empty table "None recorded.".
    expect(within(doc).getByText("Not recorded")).toBeInTheDocument();
    expect(within(doc).getByText("None recorded.")).toBeInTheDocument();
    expect(within(doc).getByRole("columnheader", { name: "When" })).toBeInTheDocument();

    await user.click(byTestId("sar-save"));
    expect(api.choosePath).toHaveBeenCalledWith(
      expect.objectContaining({ kind: "save", default_name: expect.stringMatching(new RegExp(`^subject-access-pupil-${pupil.id}-\\d{4}-\\d{2}-\\d{2}\\.html$`)) }),
    );
    expect(api.saveSubjectAccessDocument).toHaveBeenCalledWith(pupil.id, expect.stringMatching(/\.html$/));
    expect(await screen.findByTestId("sar-saved")).toHaveTextContent("Saved subject-access-pupil-");

    // Save as PDF: the same print view, to a PDF chosen with the chooser, audited by the backend.
    await user.click(byTestId("sar-save-pdf"));
    await vi.waitFor(() => expect(api.savePdf).toHaveBeenCalledWith("subject_access", pupil.id, expect.stringMatching(/\.pdf$/)));
    expect(api.choosePath).toHaveBeenLastCalledWith(expect.objectContaining({ kind: "save", filters: [{ name: "PDF", extensions: ["pdf"] }] }));
    expect(await screen.findByTestId("sar-saved")).toHaveTextContent("Saved to");
    await user.click(byTestId("sar-back"));
    expect(await screen.findByTestId("pupil-heading")).toBeInTheDocument();
  });

  it("the handover pack's passphrase is shown once, with the instruction to pass it on separately", async () => {
    const { pupil } = seedPupil({ legal_forename: "Amara", legal_surname: "O'Neill" });
    const { user } = await signIn(LEAD);
    await user.click(await screen.findByTestId(`pupil-link-${pupil.id}`));
    await user.click(await screen.findByTestId("pupil-handover"));
    await user.click(await screen.findByTestId("handover-export"));
    expect(api.exportHandover).toHaveBeenCalledWith(pupil.id, USB);
    expect(await screen.findByTestId("handover-passphrase")).toHaveTextContent(PACK_PASSPHRASE.split("-").join(" "));
    expect(byTestId("handover-file-name")).toHaveTextContent("handover-2026-11-22.attune-handover");
    expect(byTestId("handover-instructions")).toHaveTextContent("shown only now");
    expect(byTestId("handover-instructions")).toHaveTextContent("separately from the file");
    await user.click(byTestId("handover-finished"));
    await screen.findByTestId("pupil-heading");
    await user.click(byTestId("pupil-handover"));
    await screen.findByTestId("handover-export");
    expect(screen.queryByTestId("handover-passphrase")).not.toBeInTheDocument();
  });

  it("a handover pack imports as a new pupil with the chosen key adult; a wrong passphrase imports nothing", async () => {
    const incoming = seedPupil({ legal_forename: "Zoë", legal_surname: "Quennell" });
    safety.importedId = incoming.pupil.id;
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-pupils"));
    await user.click(await screen.findByTestId("pupil-handover-import"));
    api.choosePath.mockResolvedValueOnce(PACK_FILE);
    await user.click(await screen.findByTestId("handover-import-choose"));
    expect(await screen.findByTestId("handover-import-file")).toHaveTextContent("handover-2026-11-22.attune-handover");

    await user.click(byTestId("handover-import-submit"));
    expect(byTestId("error-summary")).toHaveTextContent("Enter the handover passphrase");
    await user.type(byTestId("handover-passphrase-input"), "0000-0000-0000-0000-0000-0000-0000-0000");
    await user.click(byTestId("handover-import-submit"));
    expect(await screen.findByTestId("error-summary")).toHaveTextContent("does not open this file. Nothing was imported.");
    expect(screen.queryByTestId("pupil-heading")).not.toBeInTheDocument();

    await user.clear(byTestId("handover-passphrase-input"));
    await user.type(byTestId("handover-passphrase-input"), PACK_PASSPHRASE.toLowerCase());
    await user.selectOptions(byTestId("handover-key-adult"), ADULT.id);
    await user.click(byTestId("handover-import-submit"));
    expect(api.importHandover).toHaveBeenLastCalledWith(PACK_FILE, PACK_PASSPHRASE.toLowerCase(), ADULT.id);
    expect(await screen.findByTestId("pupil-heading")).toHaveTextContent("Zoë Quennell");
  });
});

describe("a handover pack for a pupil already held (issue 15)", () => {
  async function openPack(user: Awaited<ReturnType<typeof signIn>>["user"]) {
    await user.click(byTestId("nav-pupils"));
    await user.click(await screen.findByTestId("pupil-handover-import"));
    api.choosePath.mockResolvedValueOnce(PACK_FILE);
    await user.click(await screen.findByTestId("handover-import-choose"));
    await screen.findByTestId("handover-import-file");
    await user.type(byTestId("handover-passphrase-input"), PACK_PASSPHRASE);
  }

  it("a pack whose UPN is held opens the comparison; the lead takes one field and keeps the rest", async () => {
    const held = seedPupil({ legal_forename: "Zoe", legal_surname: "Quennell", year_group: "Year 6" });
    safety.heldId = held.pupil.id;
    const { user } = await signIn(LEAD);
    await openPack(user);
    await user.click(byTestId("handover-import-submit"));

    const merge = await screen.findByTestId("handover-merge");
    expect(byTestId("handover-held-notice")).toHaveTextContent("already in Attune");
    expect(within(merge).getByRole("heading", { level: 2 })).toHaveTextContent("Add the pack to Zoe Quennell's record");
    expect(api.previewHandoverMerge).toHaveBeenLastCalledWith(PACK_FILE, PACK_PASSPHRASE, null);
    // Side by side: the differing fields offer a choice (held by default), the same ones do not.
    const forename = byTestId("handover-compare-legal_forename");
    expect(forename).toHaveTextContent("Zoë");
    expect(forename).toHaveTextContent("Zoe");
    expect(within(forename).getByRole("radio", { name: "Keep held" })).toBeChecked();
    expect(within(forename).getByRole("group", { name: "Legal forename: which to keep" })).toBeInTheDocument();
    const surname = byTestId("handover-compare-legal_surname");
    expect(surname).toHaveTextContent("Same");
    expect(within(surname).queryByRole("radio")).not.toBeInTheDocument();
    expect(within(byTestId("handover-compare-year_group")).getByRole("radio", { name: "Keep held" })).toBeChecked();
    expect(byTestId("handover-counts")).toHaveTextContent("1 plan (2 goals, 1 review)");
    expect(byTestId("handover-counts")).toHaveTextContent("12 sessions");
    expect(screen.queryByTestId("handover-same-child")).not.toBeInTheDocument();

    // Keyboard: tab to the forename's "Take the pack's" and choose it with the space bar.
    within(forename).getByRole("radio", { name: "Keep held" }).focus();
    await user.keyboard("{ArrowDown}");
    expect(within(forename).getByRole("radio", { name: "Take the pack's" })).toBeChecked();
    await user.click(byTestId("handover-merge-confirm"));
    expect(api.mergeHandover).toHaveBeenLastCalledWith(PACK_FILE, PACK_PASSPHRASE, held.pupil.id, {
      take: ["legal_forename"],
      confirm_date_of_birth: false,
    });
    expect(await screen.findByTestId("pupil-heading")).toHaveTextContent("Zoë Quennell");
    expect(records.pupils.get(held.pupil.id)!.pupil.year_group_label).toBe("Year 6");
    expect(api.importHandover).toHaveBeenCalledTimes(1);
  });

  it("the lead picks a pupil; a differing date of birth must be confirmed; a pack merged before is said so", async () => {
    const held = seedPupil({ legal_forename: "Zoë", legal_surname: "Quennell", date_of_birth: "2016-03-28" });
    seedPupil({ legal_forename: "Amir", legal_surname: "Hassan" });
    const { user } = await signIn(LEAD);
    await openPack(user);
    await user.click(byTestId("handover-target-existing"));
    expect(screen.queryByTestId("handover-key-adult")).not.toBeInTheDocument();
    await user.click(byTestId("handover-import-submit"));
    expect(byTestId("error-summary")).toHaveTextContent("Choose the pupil to add the pack to");
    await user.selectOptions(byTestId("handover-existing-pupil"), String(held.pupil.id));
    await user.click(byTestId("handover-import-submit"));
    await screen.findByTestId("handover-merge");
    expect(api.previewHandoverMerge).toHaveBeenLastCalledWith(PACK_FILE, PACK_PASSPHRASE, held.pupil.id);
    expect(api.importHandover).not.toHaveBeenCalled();
    const dob = byTestId("handover-compare-date_of_birth");
    expect(dob).toHaveTextContent("27 March 2016");
    expect(dob).toHaveTextContent("28 March 2016");

    await user.click(byTestId("handover-merge-confirm"));
    expect(await screen.findByTestId("error-summary")).toHaveTextContent("Confirm that this is the same child");
    expect(api.mergeHandover).not.toHaveBeenCalled();
    await user.click(screen.getByLabelText(/I have checked that this pack is about the same child/));
    await user.click(byTestId("handover-merge-confirm"));
    expect(api.mergeHandover).toHaveBeenLastCalledWith(PACK_FILE, PACK_PASSPHRASE, held.pupil.id, {
      take: [],
      confirm_date_of_birth: true,
    });
    await screen.findByTestId("pupil-heading");

    // The same pack again: the comparison says it is already there, and offers no merge.
    await openPack(user);
    await user.click(byTestId("handover-target-existing"));
    await user.selectOptions(byTestId("handover-existing-pupil"), String(held.pupil.id));
    await user.click(byTestId("handover-import-submit"));
    expect(await screen.findByTestId("handover-already-merged")).toHaveTextContent("already been added");
    expect(screen.queryByTestId("handover-merge-confirm")).not.toBeInTheDocument();
    await user.click(byTestId("handover-merge-back"));
    expect(screen.queryByTestId("handover-merge")).not.toBeInTheDocument();
    expect(byTestId("handover-import-submit")).toBeInTheDocument();
  });
});

describe("retention and erasure", () => {
  it("the lead sets the period, sees who is due, and erases one after typing their name", async () => {
    const left = seedPupil({ legal_forename: "Zoë", legal_surname: "Quennell" });
    safety.due = [
      {
        pupil_id: left.pupil.id,
        display_name: "Zoë Quennell",
        legal_name: "Zoë Quennell",
        year_group_label: "Year 5",
        status: "left",
        left_on: "2015-07-20",
        due_on: "2022-07-20",
      },
    ];
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-settings"));
    await user.click(await screen.findByTestId("settings-retention"));
    const row = await screen.findByTestId(`retention-row-${left.pupil.id}`);
    expect(row).toHaveTextContent("Zoë Quennell");
    expect(row).toHaveTextContent("20 July 2015");
    expect(row).toHaveTextContent("20 July 2022");

    const years = byTestId("retention-years") as HTMLInputElement;
    expect(years.value).toBe("7");
    await user.clear(years);
    await user.type(years, "6");
    await user.click(byTestId("retention-years-save"));
    expect(await screen.findByTestId("retention-years-saved")).toHaveTextContent("kept for 6 years");
    expect(api.setRetentionYears).toHaveBeenCalledWith(6);

    await user.click(byTestId(`retention-erase-${left.pupil.id}`));
    expect(byTestId("erase-confirm")).toHaveTextContent("cannot be undone");
    await user.type(byTestId("erase-confirm-name"), "Zoe");
    await user.click(byTestId("erase-confirm-submit"));
    expect(byTestId("error-summary")).toHaveTextContent("That is not the pupil's name. Type Zoë Quennell to confirm");
    expect(api.erasePupil).not.toHaveBeenCalled();

    await user.clear(byTestId("erase-confirm-name"));
    await user.type(byTestId("erase-confirm-name"), "  zoë   quennell ");
    await user.click(byTestId("erase-confirm-submit"));
    expect(api.erasePupil).toHaveBeenCalledWith(left.pupil.id);
    expect(await screen.findByTestId("retention-erased")).toHaveTextContent("Zoë Quennell's record was erased");
    expect(screen.queryByTestId(`retention-row-${left.pupil.id}`)).not.toBeInTheDocument();
    expect(byTestId("retention-none")).toBeInTheDocument();
  });

  it("keeping it leaves the pupil listed and erases nothing", async () => {
    const left = seedPupil({ legal_forename: "Zoë", legal_surname: "Quennell" });
    safety.due = [
      { pupil_id: left.pupil.id, display_name: "Zoë Quennell", legal_name: "Zoë Quennell", year_group_label: "Year 5", status: "archived", left_on: "2015-07-20", due_on: "2022-07-20" },
    ];
    const { user } = await signIn(LEAD);
    await user.click(byTestId("nav-settings"));
    await user.click(await screen.findByTestId("settings-retention"));
    await user.click(await screen.findByTestId(`retention-erase-${left.pupil.id}`));
    await user.click(byTestId("erase-confirm-cancel"));
    expect(screen.queryByTestId("erase-confirm")).not.toBeInTheDocument();
    expect(byTestId(`retention-row-${left.pupil.id}`)).toHaveTextContent("Archived");
    expect(api.erasePupil).not.toHaveBeenCalled();
  });
});

describe("erasure on request (issue 15)", () => {
  it("a lead erases an active pupil's record with a reason after typing the name, and is told what copies remain", async () => {
    const { pupil } = seedPupil({ legal_forename: "Zoë", legal_surname: "Quennell" });
    const { user } = await signIn(LEAD);
    await user.click(await screen.findByTestId(`pupil-link-${pupil.id}`));
    await screen.findByTestId("pupil-heading");
    expect(screen.queryByTestId("erase-request-start")).not.toBeInTheDocument();
    await user.click(byTestId("pupil-tab-details"));
    await user.click(await screen.findByTestId("erase-request-start"));
    expect(byTestId("erase-request")).toHaveTextContent("cannot be undone");
    expect(byTestId("erase-request-outside")).toHaveTextContent("USB backups, handover packs and subject access documents");

    // Neither a reason nor the name: both said, nothing erased.
    await user.click(byTestId("erase-request-submit"));
    expect(byTestId("error-summary")).toHaveTextContent("Say why this record is being erased");
    expect(byTestId("error-summary")).toHaveTextContent("Type Zoë Quennell to confirm");
    await user.type(byTestId("erase-request-reason"), "Added in error");
    await user.type(byTestId("erase-request-name"), "Zoe Quennell");
    await user.click(byTestId("erase-request-submit"));
    expect(byTestId("error-summary")).toHaveTextContent("That is not the pupil's name. Type Zoë Quennell to confirm");
    expect(api.erasePupilOnRequest).not.toHaveBeenCalled();

    await user.clear(byTestId("erase-request-name"));
    await user.type(byTestId("erase-request-name"), " zoë  quennell ");
    await user.click(byTestId("erase-request-submit"));
    expect(api.erasePupilOnRequest).toHaveBeenCalledWith(pupil.id, "Added in error");
    const done = await screen.findByTestId("pupil-erased");
    expect(done).toHaveTextContent("Zoë Quennell's record was erased");
    expect(done).toHaveTextContent("USB backups, handover packs and subject access documents");
    expect(screen.queryByTestId("pupil-heading")).not.toBeInTheDocument();
    expect(document.activeElement).toHaveTextContent("Record erased");
  });

  it("keeping it erases nothing", async () => {
    const { pupil } = seedPupil({ legal_forename: "Amara", legal_surname: "O'Neill" }, { keyAdult: { id: ADULT.id, name: ADULT.name } });
    const lead = await signIn(LEAD);
    await lead.user.click(await screen.findByTestId(`pupil-link-${pupil.id}`));
    await lead.user.click(await screen.findByTestId("pupil-tab-details"));
    await lead.user.click(await screen.findByTestId("erase-request-start"));
    await lead.user.click(byTestId("erase-request-cancel"));
    expect(screen.queryByTestId("erase-request")).not.toBeInTheDocument();
    expect(document.activeElement).toBe(byTestId("erase-request-start"));
    expect(api.erasePupilOnRequest).not.toHaveBeenCalled();
    expect(byTestId("pupil-heading")).toHaveTextContent("Amara O'Neill");
  });

  it("a key adult is never offered it, even on their own pupil's page", async () => {
    const { pupil } = seedPupil({ legal_forename: "Amara", legal_surname: "O'Neill" }, { keyAdult: { id: ADULT.id, name: ADULT.name } });
    const { user } = await signIn(ADULT);
    await user.click(await screen.findByTestId(`pupil-link-${pupil.id}`));
    await user.click(await screen.findByTestId("pupil-tab-details"));
    expect(screen.queryByTestId("erase-request-start")).not.toBeInTheDocument();
  });
});
