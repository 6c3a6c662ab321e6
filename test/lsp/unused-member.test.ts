/** The editor shows a member no forward uses as a warning (MDL361, issue 22 point 4), on the member's declaration. */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { TestClient } from "./client.ts";

test("an unused member is a warning over stdio, and calling it clears it", async () => {
  const c = new TestClient();
  try {
    await c.request("initialize", { processId: null, rootUri: null, capabilities: {} });
    c.notify("initialized", {});
    const file = pathToFileURL(resolve("models/unused-in-editor.mdl")).href;
    const text =
      'import { LayerNorm, Linear } from "std"\nmodel M(d: int = 4) {\n  norm = LayerNorm(d)\n  fc = Linear(d, d)\n  forward(x: [2, d]) -> [2, d] { return fc(x) }\n}\n';
    c.notify("textDocument/didOpen", { textDocument: { uri: file, languageId: "mdl", version: 1, text } });
    const ds = ((await c.diagnostics(file)).params as any).diagnostics;
    assert.equal(
      ds.map((d: any) => [d.code, d.severity, d.range]),
      [["MDL361", 2, { start: { line: 2, character: 2 }, end: { line: 2, character: 21 } }]],
    );
    c.notify("textDocument/didChange", {
      textDocument: { uri: file, version: 2 },
      contentChanges: [{ text: text.replace("return fc(x)", "return fc(norm(x))") }],
    });
    assert.equal(((await c.diagnostics(file)).params as any).diagnostics, []);
    assert.is(await c.close(), 0);
  } finally {
    await c.close().catch(() => undefined);
  }
});

test.run();
