// The scrollRegion action: a box narrower than its table becomes a focusable, named region (so
// a keyboard user can scroll to its hidden columns); one that fits gets no empty tab stop.
// jsdom does no layout, so the widths are set by hand.
import { describe, expect, it } from "vitest";
import { scrollRegion } from "../lib/actions";

function box(scrollWidth: number, clientWidth: number, caption: string | null): HTMLElement {
  const div = document.createElement("div");
  div.innerHTML = `<table>${caption === null ? "" : `<caption>${caption}</caption>`}<tr><td>x</td></tr></table>`;
  Object.defineProperty(div, "scrollWidth", { value: scrollWidth });
  Object.defineProperty(div, "clientWidth", { value: clientWidth });
  document.body.append(div);
  return div;
}

describe("scrollRegion", () => {
  it("makes a box that scrolls sideways a focusable region named after its table's caption", () => {
    const div = box(900, 400, "Scores, newest first");
    const action = scrollRegion(div);
    expect(div.tabIndex).toBe(0);
    expect(div.getAttribute("role")).toBe("region");
    expect(div.getAttribute("aria-label")).toBe("Scores, newest first (scrolls sideways)");
    action.destroy();
  });

  it("leaves a box whose table fits alone", () => {
    const div = box(400, 400, "Scores");
    scrollRegion(div).destroy();
    expect(div.hasAttribute("tabindex")).toBe(false);
    expect(div.hasAttribute("role")).toBe(false);
  });

  it("names a region without a caption plainly", () => {
    const div = box(900, 400, null);
    scrollRegion(div).destroy();
    expect(div.getAttribute("aria-label")).toBe("Table (scrolls sideways)");
  });
});
