import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { vi } from "vitest";
import App from "../App.svelte";

/** Renders the whole app and waits until it has asked for the status. */
export async function renderApp(options: { fakeTimers?: boolean } = {}) {
  const user = options.fakeTimers
    ? userEvent.setup({ advanceTimers: (ms) => vi.advanceTimersByTime(ms) })
    : userEvent.setup();
  const result = render(App);
  await vi.waitFor(() => {
    if (screen.queryByText("Opening Attune…")) throw new Error("still opening");
  });
  return { user, ...result };
}

export function byTestId<T extends HTMLElement = HTMLElement>(id: string): T {
  return screen.getByTestId(id) as T;
}
