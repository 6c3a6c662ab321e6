/**
 * The language server survives every size bomb (issue 15): each, typed into an open document, is
 * answered with its located diagnostic, and the server keeps answering (a hover, then a clean file)
 * and exits cleanly. The bombs are the golden samples of test/compiler/samples/error-limit-*.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { TestClient } from "./client.ts";

const sample = (name: string) => readFileSync(`test/compiler/samples/error-limit-${name}/input.mdl`, "utf8");
const XCLIP = resolve("models/xclip.mdl");
const xclipText = readFileSync(XCLIP, "utf8");

const bombs: [string, string, string, { line: number; character: number }][] = [
  ["20,000 nested parentheses", sample("nesting"), "MDL110", { line: 3, character: 73 }],
  ["a 20,000-term sum", sample("sum"), "MDL110", { line: 3, character: 11 }],
  ["repeat 100000000", sample("repeat"), "MDL341", { line: 3, character: 18 }],
  [
    "X-CLIP with layers = 100000000 typed in",
    xclipText.replace("layers: int = 12,", "layers: int = 100000000,"),
    "MDL341",
    {
      line: xclipText.split("\n").findIndex((l) => l.includes("transformer.resblocks = repeat layers")),
      character: 33,
    },
  ],
  ["a 10^12-element parameter", sample("tensor"), "MDL408", { line: 2, character: 8 }],
];

test("every bomb gets its located diagnostic, and the server keeps answering", async () => {
  const c = new TestClient();
  try {
    await c.request("initialize", { processId: null, rootUri: null, capabilities: {} });
    c.notify("initialized", {});
    const file = resolve("models/bomb-in-editor.mdl");
    const uri = pathToFileURL(file).href;
    c.notify("textDocument/didOpen", { textDocument: { uri, languageId: "mdl", version: 1, text: xclipText } });
    assert.equal(((await c.diagnostics(uri)).params as any).diagnostics, []);
    let version = 2;
    for (const [name, text, code, start] of bombs) {
      c.notify("textDocument/didChange", { textDocument: { uri, version: version++ }, contentChanges: [{ text }] });
      const ds = ((await c.diagnostics(uri)).params as any).diagnostics;
      const d = ds.find((x: any) => x.code === code);
      assert.ok(d, `${name}: ${JSON.stringify(ds).slice(0, 400)}`);
      assert.equal(d.range.start, start, name);
      const hover = await c.request("textDocument/hover", {
        textDocument: { uri },
        position: { line: 0, character: 0 },
      });
      assert.is(hover.error, undefined, `${name}: the server answers a hover after it`);
    }
    // back to the real model: clean again
    c.notify("textDocument/didChange", {
      textDocument: { uri, version: version++ },
      contentChanges: [{ text: xclipText }],
    });
    assert.equal(((await c.diagnostics(uri)).params as any).diagnostics, []);
    assert.is(await c.close(), 0);
  } catch (err) {
    await c.close().catch(() => undefined);
    throw err;
  }
});

test.run();
