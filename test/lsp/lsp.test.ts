/** The language server driven over stdio in a child process, as an editor drives it. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { TestClient } from "./client.ts";

const XCLIP = resolve("models/xclip.mdl");
const CLIP = resolve("models/clip.mdl");
const xclipText = readFileSync(XCLIP, "utf8");
const uri = (p: string) => pathToFileURL(p).href;
/** 0-based line and character of the n-th occurrence of `needle` (plus `shift` characters). */
function at(text: string, needle: string, nth = 0, shift = 0) {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
  if (i < 0) throw new Error(`${needle} not in text`);
  const before = text.slice(0, i + shift);
  return { line: before.split("\n").length - 1, character: i + shift - (before.lastIndexOf("\n") + 1) };
}

test("diagnostics, hover and definition over stdio", async () => {
  const c = new TestClient();
  try {
    const init = await c.request("initialize", { processId: null, rootUri: null, capabilities: {} });
    assert.equal((init.result as any).capabilities.hoverProvider, true);
    c.notify("initialized", {});

    // an unknown block in an unsaved buffer: the diagnostic covers exactly the name
    const bad = resolve("models/broken-in-editor.mdl");
    const badText =
      'import { Linear } from "std"\nmodel M(d: int = 4) {\n  fc = Lineer(d, d)\n  forward(x: f32[N, d]) -> (y: [N, d]) { return (y: fc(x)) }\n}\n';
    c.notify("textDocument/didOpen", { textDocument: { uri: uri(bad), languageId: "mdl", version: 1, text: badText } });
    const d1 = (await c.diagnostics(uri(bad))).params as any;
    const unknown = d1.diagnostics.find((d: any) => d.code === "MDL206");
    assert.ok(unknown, JSON.stringify(d1.diagnostics));
    assert.equal(unknown.range, { start: { line: 2, character: 7 }, end: { line: 2, character: 13 } });
    assert.is(unknown.severity, 1);
    // fixing it clears the diagnostics
    c.notify("textDocument/didChange", {
      textDocument: { uri: uri(bad), version: 2 },
      contentChanges: [{ text: badText.replace("Lineer", "Linear") }],
    });
    assert.equal(((await c.diagnostics(uri(bad))).params as any).diagnostics, []);

    c.notify("textDocument/didOpen", {
      textDocument: { uri: uri(XCLIP), languageId: "mdl", version: 1, text: xclipText },
    });
    assert.equal(((await c.diagnostics(uri(XCLIP))).params as any).diagnostics, []);

    // the declaration `mit = MIT(...)` and its use in forward both show the module's figures
    for (const pos of [at(xclipText, "  mit = MIT", 0, 3), at(xclipText, "mit(reshape", 0, 1)]) {
      const h = (await c.request("textDocument/hover", { textDocument: { uri: uri(XCLIP) }, position: pos }))
        .result as any;
      assert.ok(h, `hover at ${JSON.stringify(pos)}`);
      assert.match(h.contents.value, /\*\*mit\*\*: `MIT`/);
      assert.match(h.contents.value, /output `f32\[B, 512\]`/);
      // positional embedding 8x512 + one block of width 512 (12 d^2 + 13 d)
      assert.match(
        h.contents.value,
        new RegExp(`\\(${(8 * 512 + 12 * 512 * 512 + 13 * 512).toLocaleString("en-US")}\\)`),
      );
    }
    // a forward variable: `v` holds the MIT output; `m` inside CrossFrameBlock is [B, T, d] at width 768, T 8
    const hv = (
      await c.request("textDocument/hover", {
        textDocument: { uri: uri(XCLIP) },
        position: at(xclipText, "let v = mit", 0, 4),
      })
    ).result as any;
    assert.match(hv.contents.value, /`v`: `f32\[B, 512\]`/);
    const hm = (
      await c.request("textDocument/hover", {
        textDocument: { uri: uri(XCLIP) },
        position: at(xclipText, "let m = reshape", 0, 4),
      })
    ).result as any;
    assert.match(hm.contents.value, /`m`: `f32\[B, 8, 768\]`/);

    // TextTransformer, imported from clip.mdl, jumps there
    const def = (
      await c.request("textDocument/definition", {
        textDocument: { uri: uri(XCLIP) },
        position: at(xclipText, "TextTransformer(context", 0, 2),
      })
    ).result as any;
    const clipText = readFileSync(CLIP, "utf8");
    assert.is(def.uri, uri(CLIP));
    assert.equal(def.range.start, at(clipText, "block TextTransformer", 0, "block ".length));
    assert.equal(def.range.end.character - def.range.start.character, "TextTransformer".length);

    assert.is(await c.close(), 0);
  } catch (err) {
    await c.close().catch(() => undefined);
    throw err;
  }
});

test.run();
