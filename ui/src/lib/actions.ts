// Focus helpers shared by the screens.

/** Moves focus to the element when it first appears (a screen's heading or first field). */
export function focusOnMount(node: HTMLElement): void {
  node.focus();
}

/** Focuses a form control by id and brings it into view (used by error summary links). */
export function focusField(id: string): void {
  const el = document.getElementById(id);
  if (!el) return;
  el.scrollIntoView?.({ block: "center" });
  el.focus();
}

/**
 * A box that scrolls sideways (a wide table at 200 % text) must be reachable by keyboard, or its
 * hidden columns cannot be read without a mouse. While the box is narrower than what it holds it
 * becomes a focusable region named after its table's caption (arrow keys then scroll it); when
 * everything fits it is left alone, so it adds no empty tab stop.
 */
export function scrollRegion(node: HTMLElement): { destroy(): void } {
  const update = () => {
    const overflows = node.scrollWidth > node.clientWidth + 1;
    if (overflows) {
      node.tabIndex = 0;
      node.setAttribute("role", "region");
      const caption = node.querySelector("caption")?.textContent?.trim();
      node.setAttribute("aria-label", caption ? `${caption} (scrolls sideways)` : "Table (scrolls sideways)");
    } else if (node.hasAttribute("tabindex")) {
      node.removeAttribute("tabindex");
      node.removeAttribute("role");
      node.removeAttribute("aria-label");
    }
  };
  update();
  const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(update);
  observer?.observe(node);
  const table = node.firstElementChild;
  if (table) observer?.observe(table);
  return {
    destroy() {
      observer?.disconnect();
    },
  };
}
