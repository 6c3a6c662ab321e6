/**
 * Renders docs/editor-inlay-hints.png: X-CLIP's CrossFrameBlock as an editor shows it, with the inlay
 * hints the language server actually answers (asked over a real client connection), drawn into an HTML
 * page and screenshot by headless Chromium. Run: `npx tsx scripts/render-inlay-hints.ts`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { TestClient } from "../test/lsp/client.ts";

const CHROMIUM = process.env.MDL_CHROMIUM ?? "/usr/lib/chromium/chromium";
const XCLIP = resolve("models/xclip.mdl");
const uri = pathToFileURL(XCLIP).href;
const text = readFileSync(XCLIP, "utf8");
const lines = text.split("\n");
const first = lines.findIndex((l) => l.startsWith("block CrossFrameBlock"));
const last = lines.findIndex((l, i) => i > first && l === "}");

const c = new TestClient();
await c.request("initialize", { processId: null, rootUri: null, capabilities: {} });
c.notify("initialized", {});
c.notify("textDocument/didOpen", { textDocument: { uri, languageId: "mdl", version: 1, text } });
await c.diagnostics(uri);
const hints = (
  await c.request("textDocument/inlayHint", {
    textDocument: { uri },
    range: { start: { line: first, character: 0 }, end: { line: last + 1, character: 0 } },
  })
).result as { position: { line: number; character: number }; label: string; kind: number }[];
await c.close();

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
const rows = lines.slice(first, last + 1).map((l, k) => {
  const here = hints
    .filter((h) => h.position.line === first + k)
    .sort((a, b) => b.position.character - a.position.character);
  let out = esc(l);
  // insert from the right so earlier offsets stay valid (the lines hold no characters that esc() expands)
  for (const h of here)
    out =
      out.slice(0, h.position.character) +
      `<span class="h${h.kind}">${esc(h.label)}</span>` +
      out.slice(h.position.character);
  return `<div><span class="n">${first + k + 1}</span>${out.replace(/(#.*)$/, '<span class="c">$1</span>')}</div>`;
});
const html = `<!doctype html><meta charset="utf-8"><style>
body{margin:0;background:#1e1e1e;color:#d4d4d4;font:15px/1.55 "DejaVu Sans Mono",monospace;padding:14px 18px;white-space:pre}
.n{display:inline-block;width:3em;color:#6e7681;text-align:right;margin-right:1.2em}
.h1,.h2{background:#2d333b;color:#9da5b4;border-radius:4px;padding:0 4px;font-size:13px}
.h2{color:#8fbf7f;margin-left:2px}.c{color:#6a9955}</style>${rows.join("")}`;
const dir = mkdtempSync(join(tmpdir(), "mdl-inlay-"));
writeFileSync(join(dir, "page.html"), html);
const out = resolve("docs/editor-inlay-hints.png");
const r = spawnSync(
  CHROMIUM,
  [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--hide-scrollbars",
    `--screenshot=${out}`,
    "--window-size=1280,470",
    pathToFileURL(join(dir, "page.html")).href,
  ],
  { encoding: "utf8" },
);
if (r.status !== 0) throw new Error(`chromium failed: ${r.stderr.slice(0, 400)}`);
console.log(out);
