// The project's hard rules, checked over the source itself.
import { describe, expect, it } from "vitest";
import indexHtml from "../../index.html?raw";

const sources = import.meta.glob(["../**/*.ts", "../**/*.svelte", "../**/*.css", "!../test/**"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

describe("source rules", () => {
  it("finds the sources", () => {
    expect(Object.keys(sources)).toContain("../lib/ipc.ts");
    expect(Object.keys(sources)).toContain("../App.svelte");
  });

  it("only lib/invoke.ts imports @tauri-apps/api", () => {
    const importers = Object.entries(sources)
      .filter(([, text]) => /from\s+["']@tauri-apps\/api/.test(text) || /import\(["']@tauri-apps/.test(text))
      .map(([path]) => path);
    expect(importers).toEqual(["../lib/invoke.ts"]);
  });

  it("the screens call commands only through lib/ipc.ts", () => {
    const direct = Object.entries(sources)
      .filter(([path]) => path !== "../lib/ipc.ts" && path !== "../lib/commands.ts")
      .filter(([, text]) => /from\s+["'][./]*(lib\/)?(commands|invoke)["']/.test(text))
      .map(([path]) => path);
    expect(direct).toEqual([]);
  });

  it("names no remote URL and uses no eval", () => {
    for (const [path, text] of Object.entries({ ...sources, "index.html": indexHtml })) {
      expect(text, path).not.toMatch(/https?:\/\//);
      expect(text, path).not.toMatch(/\beval\s*\(|new Function\s*\(/);
      expect(text, path).not.toMatch(/@import\s+url|fonts\.googleapis/);
    }
  });

  it("index.html has no script but the module entry, and no inline style", () => {
    const scripts = indexHtml.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? [];
    expect(scripts).toEqual(['<script type="module" src="/src/main.ts"></script>']);
    expect(indexHtml).not.toMatch(/<style|style=/);
  });

  it("no component uses an inline style attribute (the CSP forbids them)", () => {
    for (const [path, text] of Object.entries(sources)) {
      if (path.endsWith(".svelte")) expect(text, path).not.toMatch(/\sstyle=/);
    }
  });
});
