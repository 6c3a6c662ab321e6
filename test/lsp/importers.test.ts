/**
 * An open document is checked again when a file it imports is edited (or closed), not only when it is edited
 * itself: models/xclip.mdl imports TextTransformer from ./clip.mdl, both open, and clip.mdl's edits break and
 * then mend that import. Nothing is written to disk: the server reads open documents from memory.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { TestClient, type Message } from "./client.ts";

const XCLIP = resolve("models/xclip.mdl");
const CLIP = resolve("models/clip.mdl");
const xclip = { uri: pathToFileURL(XCLIP).href, text: readFileSync(XCLIP, "utf8") };
const clip = { uri: pathToFileURL(CLIP).href, text: readFileSync(CLIP, "utf8") };
const renamed = clip.text.replace("block TextTransformer(", "block TextTransformerRenamed(");
const errors = (m: Message) =>
  (m.params as { diagnostics: { message: string; severity?: number }[] }).diagnostics.filter((d) => d.severity === 1);

const client = new TestClient();

test.before(async () => {
  await client.request("initialize", { processId: null, rootUri: null, capabilities: {} });
  client.notify("initialized", {});
  client.notify("textDocument/didOpen", {
    textDocument: { uri: xclip.uri, languageId: "mdl", version: 1, text: xclip.text },
  });
  assert.equal(errors(await client.diagnosticsOf(xclip.uri, 1)), []);
  client.notify("textDocument/didOpen", {
    textDocument: { uri: clip.uri, languageId: "mdl", version: 1, text: clip.text },
  });
  await client.diagnosticsOf(clip.uri, 1);
  // opening the import with the text on disk changes nothing xclip.mdl saw; whatever was published is settled here
  await client.request("textDocument/hover", { textDocument: { uri: xclip.uri }, position: { line: 0, character: 0 } });
  client.discard(xclip.uri);
});

test.after(async () => {
  await client.close();
});

test("an edit of an imported file rechecks the open file that imports it, both ways", async () => {
  assert.ok(renamed !== clip.text, "models/clip.mdl declares block TextTransformer");
  client.notify("textDocument/didChange", {
    textDocument: { uri: clip.uri, version: 2 },
    contentChanges: [{ text: renamed }],
  });
  const broken = errors(await client.diagnostics(xclip.uri));
  assert.ok(
    broken.some((d) => /TextTransformer/.test(d.message)),
    JSON.stringify(broken),
  );
  client.notify("textDocument/didChange", {
    textDocument: { uri: clip.uri, version: 3 },
    contentChanges: [{ text: clip.text }],
  });
  assert.equal(errors(await client.diagnostics(xclip.uri)), []);
});

test("closing an edited import rechecks its importers against the file on disk", async () => {
  client.notify("textDocument/didChange", {
    textDocument: { uri: clip.uri, version: 4 },
    contentChanges: [{ text: renamed }],
  });
  assert.ok(errors(await client.diagnostics(xclip.uri)).length > 0);
  client.notify("textDocument/didClose", { textDocument: { uri: clip.uri } });
  assert.equal(errors(await client.diagnostics(xclip.uri)), []);
});

test.run();
