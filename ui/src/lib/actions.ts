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
