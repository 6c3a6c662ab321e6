/**
 * Each editor feature through a real client connection to `mdl lsp` (test/lsp/client.ts) on
 * models/xclip.mdl (which imports clip.mdl and std), on a derived block (variants/xclip-adapters.mdl)
 * and on files with errors. Inlay shapes are
 * checked against the IR text `mdl ir` prints for the same model.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../src/compiler/compile.ts";
import { formatSource } from "../../src/compiler/1-syntax/print.ts";
import { printIr } from "../../src/compiler/4-ir/print.ts";
import { fsHost as fileHost } from "../../src/cli/compile-args.ts";
import { STD_SOURCE } from "../../src/compiler/std/std-source.ts";
import { TestClient } from "./client.ts";

const XCLIP = resolve("models/xclip.mdl");
const CLIP = resolve("models/clip.mdl");
const text = readFileSync(XCLIP, "utf8");
const uri = (p: string) => pathToFileURL(p).href;
const line = (needle: string) => text.split("\n").findIndex((l) => l.includes(needle));
const pos = (needle: string, shift = 0) => ({
  line: line(needle),
  character: text.split("\n")[line(needle)].indexOf(needle) + shift,
});

const c = new TestClient();
const req = async (method: string, params: object) =>
  (await c.request(method, { textDocument: { uri: uri(XCLIP) }, ...params })).result as any;

test.before(async () => {
  const init = (await c.request("initialize", { processId: null, rootUri: null, capabilities: {} })).result as any;
  for (const cap of [
    "inlayHintProvider",
    "completionProvider",
    "renameProvider",
    "referencesProvider",
    "documentFormattingProvider",
    "documentSymbolProvider",
  ])
    assert.ok(init.capabilities[cap], `capability ${cap}`);
  c.notify("initialized", {});
  c.notify("textDocument/didOpen", { textDocument: { uri: uri(XCLIP), languageId: "mdl", version: 1, text } });
  assert.equal(((await c.diagnostics(uri(XCLIP))).params as any).diagnostics, []);
});
test.after(async () => void (await c.close()));

/** The line and character of `needle` (plus `shift`) in the text `t`. */
const at = (t: string, needle: string, shift = 0) => {
  const before = t.slice(0, t.indexOf(needle) + shift);
  return { line: before.split("\n").length - 1, character: before.length - (before.lastIndexOf("\n") + 1) };
};

/** Opens a file that checks clean (its diagnostics are empty) and gives a request helper for it. */
async function openClean(file: string) {
  const src = readFileSync(file, "utf8");
  c.notify("textDocument/didOpen", { textDocument: { uri: uri(file), languageId: "mdl", version: 1, text: src } });
  assert.equal(((await c.diagnostics(uri(file))).params as any).diagnostics, []);
  const ask = async (method: string, params: object) =>
    (await c.request(method, { textDocument: { uri: uri(file) }, ...params })).result as any;
  return { src, ask };
}

test("inlay hints: CrossFrameBlock's lets and assignments carry the types mdl ir prints; hyperparameters their values", async () => {
  const start = line("block CrossFrameBlock");
  const hints = (await req("textDocument/inlayHint", {
    range: { start: { line: start, character: 0 }, end: { line: start + 18, character: 0 } },
  })) as any[];
  const shapes = hints.filter((h) => h.kind === 1);
  // the reference: the types of resblock 0's nodes in `mdl ir`'s text, op by op
  const ir = printIr(compile(XCLIP, fileHost).value!);
  const irTypes = (op: string) =>
    [
      ...ir.matchAll(new RegExp(`%\\d+:(\\w+\\[[^\\]]*\\]) = ${op} .*# visual\\.transformer\\.resblocks\\.0$`, "gm")),
    ].map((m) => `: ${m[1]}`);
  const at = (needle: string, name: string) =>
    shapes.find((h) => h.position.line === line(needle) && h.position.character === pos(needle).character + name.length)
      ?.label;
  assert.ok(irTypes("reshape").includes(at("let m = reshape", "let m")), irTypes("reshape").join(" "));
  assert.is(at("let m = reshape", "let m"), ": f32[B, 8, 768]"); // [B, T, d] at X-CLIP B/32: T = 8, d = 768
  assert.is(at("m = m + message_attn", "m"), ": f32[B, 8, 768]");
  assert.equal(irTypes("concat"), [at("let y = concat", "let y")]);
  assert.is(at("let y = concat", "let y"), ": f32[8*B, 51, 768]"); // 7x7 patches + class + message token
  assert.is(at("y = y[:, :L]", "y"), ": f32[8*B, 50, 768]");
  assert.is(shapes.length, 5);
  const values = hints
    .filter((h) => h.kind === 2 && h.position.line === line("message_fc = Linear(d, d)"))
    .map((h) => h.label);
  assert.equal(values, ["= 768", "= 768"]);
  const heads = hints
    .filter((h) => h.kind === 2 && h.position.line === line("message_attn = TorchMultiheadAttention(d, heads)"))
    .map((h) => h.label);
  assert.equal(heads, ["= 768", "= 12"]);
});

test("hover: a block's signature and doc comment; a member's parameters and MACs", async () => {
  const h = await req("textDocument/hover", { position: pos("block CrossFrameBlock", 8) });
  assert.match(h.contents.value, /block CrossFrameBlock\(d: int, T: int, heads: int\)/);
  assert.match(h.contents.value, /Cross-frame communication: each frame's class token becomes a message token/);
  const m = await req("textDocument/hover", { position: pos("message_fc = Linear", 2) });
  assert.match(m.contents.value, /`Linear`/);
  assert.match(m.contents.value, new RegExp(`\\(${(768 * 768 + 768).toLocaleString("en-US")}\\)`));
});

test("hover on a hyperparameter or a block-level let: its type and its value in the first instance, as the IR has it", async () => {
  const ir = compile(XCLIP, fileHost).value!;
  const first = (block: string) =>
    ir.modules.filter((m) => m.block === block).sort((x, y) => x.path.split(".").length - y.path.split(".").length)[0];
  const frame = first("CrossFrameBlock");
  const h = (await req("textDocument/hover", { position: pos("message_attn = TorchMultiheadAttention(d, heads)", 43) }))
    .contents.value;
  assert.match(h, /^`heads: int`, hyperparameter of `CrossFrameBlock`/);
  assert.ok(h.includes(`= \`${frame.hyper.heads}\` in \`${frame.path}\`, the first instance`), h);
  const cross = first("CrossAttention");
  const hd = (await req("textDocument/hover", { position: pos("[B, K, heads, head_dim]", 15) })).contents.value;
  assert.match(hd, /^`let head_dim = d \/ heads`, bound once per instance of `CrossAttention`/);
  assert.ok(
    hd.includes(
      `with \`d = ${cross.hyper.d}\`, \`heads = ${cross.hyper.heads}\` in \`${cross.path}\`, the first instance`,
    ),
    hd,
  );
  // a forward local is not a hyperparameter
  const local = await req("textDocument/hover", { position: pos("let qh = transpose", 4) });
  assert.not.match(local?.contents?.value ?? "", /hyperparameter|bound once/);
});

test("completion: blocks in scope and std, hyperparameters, members, ops with signatures, members after a dot", async () => {
  const items = (await req("textDocument/completion", {
    position: { line: line("m = m + message_attn"), character: 4 },
  })) as any[];
  const get = (label: string) => items.find((i) => i.label === label);
  assert.is(get("reshape")?.detail, "reshape(x: tensor, shape: dims)");
  assert.is(get("softmax")?.detail, "softmax(x: tensor, axis: int = -1)");
  assert.is(get("where")?.detail, "where(mask: tensor, a: tensor | number, b: tensor | number)");
  assert.match(get("TextTransformer")?.detail, /^block TextTransformer\(/);
  assert.match(get("LayerNorm")?.detail, /^std block LayerNorm\(/);
  assert.match(get("d")?.detail, /hyperparameter: int/);
  assert.ok(get("message_fc") && get("ln_2") && get("m"), "members and locals");
  const dot = (await req("textDocument/completion", {
    position: pos("transformer.resblocks = repeat", "transformer.".length),
  })) as any[];
  assert.equal(
    dot.map((i) => i.label),
    ["resblocks"],
  );
});

test("references and rename: a block across files, a hyperparameter, a member", async () => {
  const refs = (await req("textDocument/references", {
    position: pos("import { TextTransformer }", 10),
    context: { includeDeclaration: true },
  })) as any[];
  const files = refs.map((r) => r.uri).sort();
  assert.equal([...new Set(files)], [uri(CLIP), uri(XCLIP)].sort());
  assert.is(refs.filter((r) => r.uri === uri(XCLIP)).length, text.split("TextTransformer").length - 1);
  const edit = await req("textDocument/rename", {
    position: pos("import { TextTransformer }", 10),
    newName: "TextEncoder",
  });
  assert.ok(
    edit.changes[uri(CLIP)]?.length >= 1 &&
      edit.changes[uri(XCLIP)]?.length === text.split("TextTransformer").length - 1,
  );
  // `d` of CrossFrameBlock: its declaration and each use inside the block, nothing elsewhere
  const block = text.slice(text.indexOf("block CrossFrameBlock"), text.indexOf("block CrossFrameViT"));
  const dRename = await req("textDocument/rename", { position: pos("block CrossFrameBlock(d", 22), newName: "width" });
  assert.is(dRename.changes[uri(XCLIP)].length, block.match(/\bd\b/g)!.length);
  const mlp = await req("textDocument/rename", { position: pos("  mlp = MLP(d, 4 * d)", 2), newName: "ffn" });
  assert.equal(
    mlp.changes[uri(XCLIP)].map((e: any) => e.range.start.line),
    [line("  mlp = MLP(d, 4 * d)"), line("return y + mlp(ln_2(y))")],
  );
  // a model member named in a train pattern: the pattern follows (its quotes stay); a wildcard pattern is not touched
  const mit = await req("textDocument/rename", { position: pos("  mit = ", 3), newName: "temporal" });
  const inPattern = mit.changes[uri(XCLIP)].filter((e: any) => e.range.start.line === line('lr * 10: "mit"'));
  assert.is(inPattern.length, 1);
  const lr = text.split("\n")[line('lr * 10: "mit"')];
  assert.is(lr.slice(inPattern[0].range.start.character, inPattern[0].range.end.character), "mit");
  assert.is(lr[inPattern[0].range.start.character - 1], '"');
  const prompts = await req("textDocument/rename", {
    position: pos("optional prompts_generator = ", 11),
    newName: "prompter",
  });
  assert.not.ok(
    prompts.changes[uri(XCLIP)].some((e: any) => e.range.start.line === line('lr * 10: "mit"')),
    "prompts_* is a wildcard",
  );
});

test("definition and references reach std: a read-only copy of its source", async () => {
  const def = await req("textDocument/definition", {
    position: pos("message_ln = LayerNorm", "message_ln = ".length + 2),
  });
  assert.match(def.uri, /mdl-std-[0-9a-f]{12}\.mdl$/);
  const std = readFileSync(new URL(def.uri), "utf8").split("\n")[def.range.start.line];
  assert.is(std.slice(def.range.start.character, def.range.end.character), "LayerNorm");
  assert.match(std, /^block LayerNorm\(/);
  const refs = (await req("textDocument/references", {
    position: pos("message_ln = LayerNorm", "message_ln = ".length + 2),
    context: { includeDeclaration: true },
  })) as any[];
  assert.equal(refs[0], def);
  assert.is(refs.filter((r) => r.uri === uri(XCLIP)).length, text.split(/\bLayerNorm\b/).length - 1);
  assert.is(
    await req("textDocument/rename", {
      position: pos("message_ln = LayerNorm", "message_ln = ".length + 2),
      newName: "Norm",
    }),
    null,
  );
});

test("document symbols: every declaration with its hyperparameters, members and forward", async () => {
  const syms = (await req("textDocument/documentSymbol", {})) as any[];
  const decls = [...text.matchAll(/^(?:block|model) (\w+)/gm)].map((m) => m[1]);
  assert.equal(
    syms.map((s) => s.name),
    decls,
  );
  const cfb = syms.find((s) => s.name === "CrossFrameBlock");
  assert.equal(
    cfb.children.map((s: any) => s.name),
    ["d", "T", "heads", "message_fc", "message_ln", "message_attn", "attn", "ln_1", "mlp", "ln_2", "forward"],
  );
});

test("document symbols of a derived block and a variant model list what they inherit, at their extends", async () => {
  const file = resolve("models/variants/xclip-adapters.mdl");
  const src = readFileSync(file, "utf8");
  c.notify("textDocument/didOpen", { textDocument: { uri: uri(file), languageId: "mdl", version: 1, text: src } });
  const syms = (await c.request("textDocument/documentSymbol", { textDocument: { uri: uri(file) } })).result as any[];
  const block = syms.find((s) => s.name === "AdaptedCrossFrameBlock");
  const own = block.children.filter((s: any) => !/from /.test(s.detail ?? "")).map((s: any) => s.name);
  const inherited = block.children.filter((s: any) => /from CrossFrameBlock$/.test(s.detail ?? ""));
  assert.equal(own, ["ratio", "adapter", "forward"]);
  // CrossFrameBlock's hyperparameters and members, less the forward the derived block overrides
  assert.equal(
    inherited.map((s: any) => s.name),
    ["d", "T", "heads", "message_fc", "message_ln", "message_attn", "attn", "ln_1", "mlp", "ln_2"],
  );
  const ext = src.split("\n").findIndex((l) => l.includes("extends CrossFrameBlock"));
  assert.ok(inherited.every((s: any) => s.selectionRange.start.line === ext && s.range.start.line === ext));
  const model = syms.find((s) => s.name === "XCLIPAdapters");
  assert.ok(
    model.children.some((s: any) => s.name === "visual" && s.detail === "from XCLIP"),
    JSON.stringify(model.children.map((s: any) => [s.name, s.detail])),
  );
  c.notify("textDocument/didClose", { textDocument: { uri: uri(file) } });
});

test("formatting goes through mdl's printer; diagnostics carry related locations", async () => {
  const file = resolve("models/format-in-editor.mdl");
  const messy =
    'import { Linear } from "std"\nblock A(d: int) {\n  fc = Linear(d,d)\n  forward(x: [N, d]) -> [N, d] {   return fc(x) }\n}\nblock A(d: int) { forward(x: [N, d]) -> [N, d] { return x } }\n';
  c.notify("textDocument/didOpen", { textDocument: { uri: uri(file), languageId: "mdl", version: 1, text: messy } });
  const ds = ((await c.diagnostics(uri(file))).params as any).diagnostics;
  const dup = ds.find((d: any) => d.code === "MDL205");
  assert.ok(dup, JSON.stringify(ds));
  assert.equal(dup.range.start, { line: 5, character: 6 });
  assert.equal(dup.relatedInformation, [
    {
      location: { uri: uri(file), range: { start: { line: 1, character: 6 }, end: { line: 1, character: 7 } } },
      message: "first defined here",
    },
  ]);
  const edits = (
    await c.request("textDocument/formatting", {
      textDocument: { uri: uri(file) },
      options: { tabSize: 2, insertSpaces: true },
    })
  ).result as any[];
  assert.is(edits.length, 1);
  assert.is(edits[0].newText, formatSource(file, messy).value);
  assert.is.not(edits[0].newText, messy);
});

test("a derived block: hover lists what it inherits; hover, definition, references, rename and completion reach inherited members", async () => {
  const file = resolve("models/variants/xclip-adapters.mdl");
  const { src, ask } = await openClean(file);
  // the reference: CrossFrameBlock's hyperparameters and members as xclip.mdl declares them
  const base = text.slice(text.indexOf("block CrossFrameBlock("), text.indexOf("block CrossFrameViT("));
  const params = [...base.split("\n")[0].matchAll(/(\w+): (\w+)/g)].map((m) => `\`${m[1]}: ${m[2]}\``);
  const members = [...base.matchAll(/^  (\w+) = /gm)].map((m) => `\`${m[1]}\``);
  assert.is(params.length, 3);
  assert.is(members.length, 7);
  const h = (await ask("textDocument/hover", { position: at(src, "block AdaptedCrossFrameBlock", 8) })).contents.value;
  assert.match(h, "block AdaptedCrossFrameBlock(d: int, T: int, heads: int, ratio: int) extends CrossFrameBlock\n");
  assert.match(
    h,
    `Inherited from \`CrossFrameBlock\`: hyperparameters ${params.join(", ")}; members ${members.join(", ")}.`,
  );
  assert.match(h, "Overrides `forward`.");
  // an inherited member used in the derived forward: its instance inside an AdaptedCrossFrameBlock, and its declaration in the base
  const fc = (await ask("textDocument/hover", { position: at(src, "reshape(message_fc", 9) })).contents.value;
  assert.match(fc, "**visual.transformer.resblocks.0.message_fc**: `Linear`");
  assert.match(fc, `(${(768 * 768 + 768).toLocaleString("en-US")})`);
  const def = await ask("textDocument/definition", { position: at(src, "reshape(message_fc", 9) });
  assert.equal(def, {
    uri: uri(XCLIP),
    range: { start: pos("message_fc = Linear(d, d)"), end: pos("message_fc = Linear(d, d)", "message_fc".length) },
  });
  const d = await ask("textDocument/definition", { position: at(src, "Adapter(d, d / ratio)", "Adapter(".length) });
  assert.equal(d, {
    uri: uri(XCLIP),
    range: {
      start: pos("CrossFrameBlock(d: int", "CrossFrameBlock(".length),
      end: pos("CrossFrameBlock(d: int", "CrossFrameBlock(d".length),
    },
  });
  // references and rename of an inherited name cover the base and every block that inherits it
  const derived = src.slice(src.indexOf("block AdaptedCrossFrameBlock("), src.indexOf("model XCLIPAdapters"));
  const count = (t: string, word: string) => t.match(new RegExp(`\\b${word}\\b`, "g"))!.length;
  const refs = (await ask("textDocument/references", {
    position: at(src, "reshape(message_fc", 9),
    context: { includeDeclaration: true },
  })) as any[];
  assert.is(refs.filter((r) => r.uri === uri(XCLIP)).length, count(base, "message_fc"));
  assert.is(refs.filter((r) => r.uri === uri(file)).length, count(derived, "message_fc"));
  const dEdit = await ask("textDocument/rename", {
    position: at(src, "Adapter(d, d / ratio)", "Adapter(".length),
    newName: "width",
  });
  assert.is(dEdit.changes[uri(XCLIP)].length, count(base, "d"));
  assert.is(dEdit.changes[uri(file)].length, count(derived, "d"));
  const blockEdit = await ask("textDocument/rename", {
    position: at(src, "extends CrossFrameBlock", 10),
    newName: "MessageBlock",
  });
  assert.is(blockEdit.changes[uri(file)].length, count(src, "CrossFrameBlock")); // the import and the `extends`
  assert.is(blockEdit.changes[uri(XCLIP)].length, count(text, "CrossFrameBlock"));
  // completion: the inherited hyperparameters and members, and after `mlp.` the members of std's MLP
  const typed = src.replace("return y + mlp(ln_2(y))", "return y + mlp.");
  c.notify("textDocument/didChange", {
    textDocument: { uri: uri(file), version: 2 },
    contentChanges: [{ text: typed }],
  });
  await c.diagnostics(uri(file));
  const dot = (await ask("textDocument/completion", { position: at(typed, "mlp.", 4) })) as any[];
  const mlp = STD_SOURCE.slice(STD_SOURCE.indexOf("block MLP("), STD_SOURCE.indexOf("block Embedding("));
  assert.equal(
    dot.map((i) => i.label),
    [...mlp.matchAll(/^  (\w+) = /gm)].map((m) => m[1]),
  );
  const all = (await ask("textDocument/completion", { position: at(typed, "mlp.", 0) })) as any[];
  assert.is(all.find((i) => i.label === "heads")?.detail, "hyperparameter: int (from CrossFrameBlock)");
  assert.is(all.find((i) => i.label === "message_ln")?.detail, "message_ln (from CrossFrameBlock)");
  assert.is(all.find((i) => i.label === "adapter")?.detail, "adapter");
});

test("a variant model: hover lists what it inherits and edits; definition and completion reach inherited names and replaced members", async () => {
  const file = resolve("models/variants/actionclip.mdl");
  const { src, ask } = await openClean(file);
  // the reference: XCLIP's hyperparameters as xclip.mdl declares them
  const header = text.slice(text.indexOf("model XCLIP("), text.indexOf(") {", text.indexOf("model XCLIP(")));
  const params = [...header.matchAll(/(\w+): (\w+) =/g)].map((m) => `${m[1]}: ${m[2]}`);
  assert.is(params.length, 14);
  const h = (await ask("textDocument/hover", { position: at(src, "model ActionCLIP", 8) })).contents.value;
  assert.match(h, `model ActionCLIP(${params.join(", ")}, temporal_layers: int) extends XCLIP\n`);
  assert.match(h, `Inherited from \`XCLIP\`: hyperparameters ${params.map((p) => `\`${p}\``).join(", ")}; members `);
  const inherited = h.split("\n\n").find((p: string) => p.startsWith("Inherited from"));
  assert.match(inherited, "`visual`, `mit`");
  assert.not.match(inherited, "`prompts_generator`"); // removed: not a member any more
  assert.match(h, "Replaces `visual`, `mit`.\n\nRemoves `prompts_generator`, `project_patches`.");
  const width = await ask("textDocument/definition", { position: at(src, "FrameViT(width", "FrameViT(".length + 1) });
  assert.equal(width, {
    uri: uri(XCLIP),
    range: { start: pos("  width: int = 768", 2), end: pos("  width: int = 768", 7) },
  });
  // renames along `extends`: a hyperparameter with XCLIP's presets, a member with the variant's `replace`
  const code = (t: string) => t.replace(/#.*$/gm, "");
  const words = (t: string, word: string) => code(t).match(new RegExp(`\\b${word}\\b`, "g"))?.length ?? 0;
  const xclipModel = text.slice(text.indexOf("model XCLIP("));
  const variant = src.slice(src.indexOf("model ActionCLIP("));
  const patch = await ask("textDocument/rename", {
    position: at(src, "layers, patch, resolution", "layers, ".length + 1),
    newName: "patch_size",
  });
  assert.is(patch.changes[uri(XCLIP)].length, words(xclipModel, "patch"));
  assert.ok(words(xclipModel, "patch") >= 5, "the declaration, three presets and a use");
  assert.is(patch.changes[uri(file)].length, words(variant, "patch"));
  const visual = await ask("textDocument/rename", { position: at(src, "replace visual", 9), newName: "encoder" });
  assert.is(visual.changes[uri(XCLIP)].length, words(xclipModel, "visual"));
  assert.equal(
    visual.changes[uri(file)].map((e: any) => e.range.start),
    [at(src, "replace visual", 8)],
  );
  // `mit.` in the variant: the members of the block `replace mit` put there, not of XCLIP's MIT
  const typed = src.replace(
    "remove project_patches\n",
    "remove project_patches\n  forward(x: [N]) -> [N] { return mit. }\n",
  );
  c.notify("textDocument/didChange", {
    textDocument: { uri: uri(file), version: 2 },
    contentChanges: [{ text: typed }],
  });
  await c.diagnostics(uri(file));
  const dot = (await ask("textDocument/completion", { position: at(typed, "mit. }", 4) })) as any[];
  const temporal = src.slice(src.indexOf("block TemporalTransformer("), src.indexOf("model ActionCLIP"));
  assert.equal(
    dot.map((i) => i.label),
    [...temporal.matchAll(/^  (?:param )?(\w+)[.:= ]/gm)].map((m) => m[1]),
  );
});

test("an inherited member's hover answers with an instance of the derived block, not of its base", async () => {
  const file = resolve("models/derived-in-editor.mdl");
  const src = [
    'import { Linear } from "std"',
    "block Base(d: int) {",
    "  fc = Linear(d, d)",
    "  forward(x: [N, d]) -> [N, d] { return fc(x) }",
    "}",
    "block Twice extends Base {",
    "  forward(x: [N, d]) -> [N, d] { return fc(fc(x)) }",
    "}",
    "model M {",
    "  a = Base(2)",
    "  b = Twice(3)",
    "  forward(x: f32[N, 2], y: f32[N, 3]) -> (p: [N, 2], q: [N, 3]) { return (p: a(x), q: b(y)) }",
    "}",
    "",
  ].join("\n");
  c.notify("textDocument/didOpen", { textDocument: { uri: uri(file), languageId: "mdl", version: 1, text: src } });
  assert.equal(((await c.diagnostics(uri(file))).params as any).diagnostics, []);
  const h = (
    await c.request("textDocument/hover", {
      textDocument: { uri: uri(file) },
      position: { line: 6, character: src.split("\n")[6].indexOf("fc(fc") + 1 },
    })
  ).result as any;
  assert.match(h.contents.value, "**b.fc**: `Linear`");
  assert.match(h.contents.value, `(${3 * 3 + 3})`);
});

test("incremental sync: a ranged edit is applied to the held text and rechecked", async () => {
  const file = resolve("models/incremental-in-editor.mdl");
  const src =
    'import { Linear } from "std"\nmodel M(d: int = 4) {\n  fc = Linear(d, d)\n  forward(x: f32[N, d]) -> (y: [N, d]) { return (y: fc(x)) }\n}\n';
  c.notify("textDocument/didOpen", { textDocument: { uri: uri(file), languageId: "mdl", version: 1, text: src } });
  assert.equal(((await c.diagnostics(uri(file))).params as any).diagnostics, []);
  // replace `Linear` on line 2 by `Lineer`: only the range is sent
  const range = { start: { line: 2, character: 7 }, end: { line: 2, character: 13 } };
  c.notify("textDocument/didChange", {
    textDocument: { uri: uri(file), version: 2 },
    contentChanges: [{ range, text: "Lineer" }],
  });
  const ds = ((await c.diagnostics(uri(file))).params as any).diagnostics;
  assert.equal(
    ds.map((d: any) => [d.code, d.range]),
    [["MDL206", range]],
  );
});

test.run();
