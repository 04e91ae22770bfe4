// Helpers for the screens that move data safely (issue 6): backups, restore, subject access,
// handover packs and retention.

import type { BackupCounts, CommandError } from "./bindings";
import { describeError } from "./errors";
import { todayIso, ukDate } from "./dates";

/** 1536 → "1.5 KB"; 3_200_000 → "3.1 MB". */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const kb = bytes / 1024;
  if (kb < 1024) return `${kb < 10 ? kb.toFixed(1) : Math.round(kb)} KB`;
  const mb = kb / 1024;
  if (mb < 1024) return `${mb < 10 ? mb.toFixed(1) : Math.round(mb)} MB`;
  return `${(mb / 1024).toFixed(1)} GB`;
}

/** An RFC 3339 stamp as local "22 November 2026 at 14:32" (always with the date). */
export function dateAndTime(stamp: string): string {
  const d = new Date(stamp);
  if (Number.isNaN(d.getTime())) return stamp;
  const hh = String(d.getHours()).padStart(2, "0");
  const mm = String(d.getMinutes()).padStart(2, "0");
  return `${ukDate(todayIso(d))} at ${hh}:${mm}`;
}

function count(n: number | null, one: string, many: string): string {
  if (n === null) return `no ${many}`;
  return `${n} ${n === 1 ? one : many}`;
}

/** "3 pupils, 2 plans and 1 review". */
export function countsLine(c: BackupCounts): string {
  return `${count(c.pupils, "pupil", "pupils")}, ${count(c.plans, "plan", "plans")} and ${count(c.reviews, "review", "reviews")}`;
}

/** "2026-11-22" for file names, from this computer's date. */
export function fileDate(now: Date = new Date()): string {
  return todayIso(now);
}

/**
 * A sentence for an error from a backup, restore or handover command. The backend's own
 * message already names the file ("The backup file is damaged or has been altered …"), so it
 * is used for damage; the generic "The vault file is damaged" would mislead here.
 */
export function fileError(e: CommandError): string {
  switch (e.kind) {
    case "not_permitted":
    case "vault_in_use":
    case "io":
    case "internal":
      return describeError(e);
    default:
      return e.message;
  }
}

// ---- the subject access document, shown inside the app ---------------------------------------

const ALLOWED = new Set([
  "h1", "h2", "h3", "h4", "h5", "p", "span", "strong", "em", "b", "i", "br", "small",
  "table", "caption", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd", "div", "section",
  "ul", "ol", "li",
]);
const DROPPED = new Set(["script", "style", "iframe", "object", "embed", "link", "meta", "title", "template", "svg", "math", "img", "form", "input", "button", "textarea", "select"]);
const ATTRIBUTES = new Set(["class", "scope", "colspan", "rowspan"]);
/** The document's first h1 becomes the page's own; any other h1 is shown as an h2. */
const DEMOTE: Record<string, string> = { h1: "h2" };

/**
 * The body of Attune's own subject access document, made safe to place inside the app's page:
 * only plain document elements survive (no script, style, link, image, form or frame; no
 * attribute but class, scope, colspan and rowspan). The document's first h1 is returned as
 * `title` and left out of `body`: the page shows it as its own h1, so the document's h2s and h3s
 * keep their levels beneath it. The document is generated and escaped by Rust; this is a
 * second line of defence, and the content security policy would refuse any script anyway.
 */
export function sanitiseDocument(html: string): { title: string; body: string } {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const out = document.implementation.createHTMLDocument("");
  const h1 = doc.querySelector("h1");
  const title = (h1?.textContent ?? "").trim();

  function copy(from: Node, to: Node): void {
    for (const child of Array.from(from.childNodes)) {
      if (child.nodeType === Node.TEXT_NODE) {
        to.appendChild(out.createTextNode(child.textContent ?? ""));
        continue;
      }
      if (child.nodeType !== Node.ELEMENT_NODE) continue;
      const el = child as Element;
      const tag = el.tagName.toLowerCase();
      if (DROPPED.has(tag) || el === h1) continue; // the title becomes the page's own h1
      if (!ALLOWED.has(tag)) {
        copy(el, to); // unknown wrapper: keep its text and allowed children
        continue;
      }
      const made = out.createElement(DEMOTE[tag] ?? tag);
      for (const attr of Array.from(el.attributes)) {
        const name = attr.name.toLowerCase();
        if (ATTRIBUTES.has(name)) made.setAttribute(name, attr.value);
      }
      copy(el, made);
      to.appendChild(made);
    }
  }

  const holder = out.createElement("div");
  copy(doc.body, holder);
  return { title, body: holder.innerHTML };
}
