import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/svelte";
import * as ipc from "../lib/ipc";
import { backend, CONFIRM_POSITIONS, commandError, RECOVERY_GROUPS } from "./fake-backend";
import { byTestId, renderApp } from "./helpers";

vi.mock("../lib/ipc", async (importOriginal) => {
  const { fakeIpc } = await import("./fake-backend");
  return fakeIpc(await importOriginal());
});

const api = vi.mocked(ipc);
const STRONG = "maple kettle orbit lantern";

beforeEach(() => {
  vi.clearAllMocks();
  backend.firstRun();
});

async function fillSetupForm(
  user: Awaited<ReturnType<typeof renderApp>>["user"],
  values: { school?: string; name?: string; passphrase?: string; confirm?: string },
) {
  if (values.school) await user.type(byTestId("setup-school"), values.school);
  if (values.name) await user.type(byTestId("setup-name"), values.name);
  if (values.passphrase) await user.type(byTestId("setup-passphrase"), values.passphrase);
  if (values.confirm) await user.type(byTestId("setup-confirm"), values.confirm);
}

describe("first-run setup", () => {
  it("shows the setup form when there is no vault", async () => {
    await renderApp();
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Set up Attune for your school");
    expect(screen.getByLabelText("School name")).toBe(byTestId("setup-school"));
    expect(screen.getByLabelText("Your name")).toBe(byTestId("setup-name"));
    expect(byTestId("setup-passphrase")).toHaveAttribute("type", "password");
    expect(byTestId("setup-confirm")).toHaveAttribute("type", "password");
  });

  it("refuses a weak passphrase and a mismatched confirmation, listing both in the error summary", async () => {
    const { user } = await renderApp();
    await fillSetupForm(user, {
      school: "Oakfield Primary School",
      name: "Sam Patel",
      passphrase: "password1",
      confirm: "password2",
    });
    await user.click(byTestId("setup-submit"));

    const summary = await screen.findByTestId("error-summary");
    const links = within(summary).getAllByRole("link");
    expect(links.map((a) => a.getAttribute("href"))).toEqual(["#setup-passphrase", "#setup-confirm"]);
    expect(links[0]).toHaveTextContent(/stronger passphrase/i);
    expect(links[0]).toHaveTextContent("This is similar to a commonly used password.");
    expect(links[1]).toHaveTextContent("The passphrases do not match");
    expect(summary).toHaveFocus();
    expect(api.beginSetup).not.toHaveBeenCalled();

    // Each field carries its own message and is marked invalid.
    expect(byTestId("setup-passphrase")).toHaveAttribute("aria-invalid", "true");
    expect(byTestId("setup-confirm")).toHaveAccessibleDescription(/The passphrases do not match/);

    // A summary link moves focus to its field.
    await user.click(links[1]);
    expect(byTestId("setup-confirm")).toHaveFocus();
  });

  it("lists empty school and name fields too", async () => {
    const { user } = await renderApp();
    await user.click(byTestId("setup-submit"));
    const summary = await screen.findByTestId("error-summary");
    const hrefs = within(summary).getAllByRole("link").map((a) => a.getAttribute("href"));
    expect(hrefs).toEqual(["#setup-school", "#setup-name", "#setup-passphrase", "#setup-confirm"]);
    expect(api.beginSetup).not.toHaveBeenCalled();
  });

  it("shows the strength meter in words as the passphrase is typed", async () => {
    const { user } = await renderApp();
    await user.type(byTestId("setup-passphrase"), "abc");
    const meter = byTestId("strength-meter");
    await vi.waitFor(() => expect(meter).toHaveTextContent("Very weak"));
    expect(meter).toHaveTextContent("Add another word or two");
    await user.type(byTestId("setup-passphrase"), "defghijklmnop");
    await vi.waitFor(() => expect(meter).toHaveTextContent(/Passphrase strength: Strong/));
    expect(meter).not.toHaveTextContent("not strong enough");
    expect(within(meter).getByRole("meter")).toHaveAttribute("aria-valuetext", "Strong");
    // Debounced: typing 16 characters did not ask the backend 16 times.
    expect(api.passphraseStrength.mock.calls.length).toBeLessThan(8);
    expect(api.passphraseStrength).toHaveBeenLastCalledWith("abcdefghijklmnop", "", "");
  });

  it("runs the whole flow: beginSetup, the key shown once, then finishSetup with the typed groups in order", async () => {
    const print = vi.spyOn(window, "print").mockImplementation(() => {});
    const { user } = await renderApp();
    await fillSetupForm(user, {
      school: "Oakfield Primary School",
      name: "Sam Patel",
      passphrase: STRONG,
      confirm: STRONG,
    });
    await user.click(byTestId("setup-submit"));

    expect(api.beginSetup).toHaveBeenCalledWith({
      school: "Oakfield Primary School",
      name: "Sam Patel",
      passphrase: STRONG,
    });

    // The recovery key screen.
    const key = await screen.findByTestId("recovery-key");
    expect(key.textContent).toBe(RECOVERY_GROUPS.join(" "));
    expect(byTestId("recovery-group-1")).toHaveTextContent("K7QW");
    expect(byTestId("recovery-group-8")).toHaveTextContent("P5GS");
    expect(screen.getByText(/shown only once/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Print recovery key" }));
    expect(print).toHaveBeenCalledTimes(1);

    // Continue refuses until the checkbox is ticked.
    await user.click(byTestId("recovery-continue"));
    expect(byTestId("error-summary")).toHaveTextContent(
      "Confirm that you have written down or printed the recovery key",
    );
    await user.click(byTestId("recovery-kept"));
    await user.click(byTestId("recovery-continue"));

    // Confirm: groups 3 and 6, typed loosely (lower case, spaces, dashes).
    expect(screen.getByLabelText("Group 3")).toBe(byTestId("confirm-group-3"));
    expect(screen.getByLabelText("Group 6")).toBe(byTestId("confirm-group-6"));
    await user.type(byTestId("confirm-group-3"), " x9-rt ");
    await user.type(byTestId("confirm-group-6"), "d3jc");
    await user.click(byTestId("confirm-submit"));

    expect(api.finishSetup).toHaveBeenCalledTimes(1);
    expect(api.finishSetup).toHaveBeenCalledWith(["X9RT", "D3JC"]);
    expect(api.beginSetup.mock.invocationCallOrder[0]).toBeLessThan(api.finishSetup.mock.invocationCallOrder[0]);

    // Now unlocked: home, and the key is gone from the page.
    expect(await screen.findByTestId("home-heading")).toHaveTextContent("Caseloads");
    expect(screen.queryByTestId("recovery-key")).not.toBeInTheDocument();
    expect(document.body.textContent).not.toContain("K7QW");
  });

  it("shows an invalid_input error from finishSetup in the error summary, and can go back to the key", async () => {
    const { user } = await renderApp();
    await fillSetupForm(user, { school: "Oakfield", name: "Sam Patel", passphrase: STRONG, confirm: STRONG });
    await user.click(byTestId("setup-submit"));
    await user.click(await screen.findByTestId("recovery-kept"));
    await user.click(byTestId("recovery-continue"));

    await user.type(byTestId(`confirm-group-${CONFIRM_POSITIONS[0]}`), "AAAA");
    await user.type(byTestId(`confirm-group-${CONFIRM_POSITIONS[1]}`), "BBBB");
    await user.click(byTestId("confirm-submit"));

    const summary = await screen.findByTestId("error-summary");
    expect(summary).toHaveTextContent("Those groups do not match the recovery key");
    expect(api.finishSetup).toHaveBeenCalledWith(["AAAA", "BBBB"]);
    expect(screen.queryByTestId("home-heading")).not.toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Back to the recovery key" }));
    expect(byTestId("recovery-key").textContent).toBe(RECOVERY_GROUPS.join(" "));
  });

  it("asks for empty groups before calling finishSetup", async () => {
    const { user } = await renderApp();
    await fillSetupForm(user, { school: "Oakfield", name: "Sam Patel", passphrase: STRONG, confirm: STRONG });
    await user.click(byTestId("setup-submit"));
    await user.click(await screen.findByTestId("recovery-kept"));
    await user.click(byTestId("recovery-continue"));
    await user.click(byTestId("confirm-submit"));
    const links = within(byTestId("error-summary")).getAllByRole("link");
    expect(links.map((a) => a.getAttribute("href"))).toEqual(["#confirm-group-3", "#confirm-group-6"]);
    expect(api.finishSetup).not.toHaveBeenCalled();
  });

  it("start again cancels setup and returns to the form with no passphrase kept", async () => {
    const { user } = await renderApp();
    await fillSetupForm(user, { school: "Oakfield", name: "Sam Patel", passphrase: STRONG, confirm: STRONG });
    await user.click(byTestId("setup-submit"));
    await user.click(await screen.findByTestId("recovery-kept"));
    await user.click(byTestId("recovery-continue"));
    await user.click(screen.getByRole("button", { name: "Start again" }));

    expect(api.cancelSetup).toHaveBeenCalledTimes(1);
    expect(await screen.findByTestId("setup-school")).toHaveValue("Oakfield");
    expect(byTestId("setup-passphrase")).toHaveValue("");
    expect(byTestId("setup-confirm")).toHaveValue("");
  });

  it("shows a weak_passphrase refusal from the backend against the passphrase field", async () => {
    api.beginSetup.mockRejectedValueOnce(commandError("weak_passphrase", "Too weak."));
    const { user } = await renderApp();
    await fillSetupForm(user, { school: "Oakfield", name: "Sam Patel", passphrase: STRONG, confirm: STRONG });
    await user.click(byTestId("setup-submit"));
    const summary = await screen.findByTestId("error-summary");
    expect(within(summary).getByRole("link")).toHaveAttribute("href", "#setup-passphrase");
  });
});
