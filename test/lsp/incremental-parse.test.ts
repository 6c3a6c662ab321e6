/**
 * The language server's per-declaration parse (src/lsp/incremental-parse.ts) must give exactly the AST,
 * comments and diagnostics of the whole-file parse: on every .mdl file of the repository, after edits
 * that change one declaration's length (every later one moves), and on texts it must hand back to the
 * whole-file parse (errors, an import after a block).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseSource } from "../../src/compiler/1-syntax/parse.ts";
import { IncrementalParser } from "../../src/lsp/incremental-parse.ts";

function mdlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name.startsWith(".") ? [] : mdlFiles(p);
    return e.name.endsWith(".mdl") ? [p] : [];
  });
}

const same = (parser: IncrementalParser, file: string, text: string, what: string) => {
  const whole = parseSource(file, text);
  const inc = parser.parse(file, text);
  assert.equal(inc.value, whole.value, `${what}: AST`);
  assert.equal(inc.comments, whole.comments, `${what}: comments`);
  assert.equal(inc.diagnostics, whole.diagnostics, `${what}: diagnostics`);
};

test("every .mdl file of the repository parses to the same AST", () => {
  const files = [...mdlFiles("models"), ...mdlFiles("examples"), ...mdlFiles("test"), "src/compiler/std/std.mdl"];
  assert.ok(files.length > 20, `found ${files.length} files`);
  const parser = new IncrementalParser();
  for (const f of files) same(parser, f, readFileSync(f, "utf8"), f);
});

test("an edit re-parses only the declaration it touches, and the others move", () => {
  const file = "models/xclip.mdl";
  const text = readFileSync(file, "utf8");
  const parser = new IncrementalParser();
  same(parser, file, text, "first parse");
  assert.ok(parser.lastParsed > 5, `first parse parsed ${parser.lastParsed} declarations`);
  // a longer name in the first block moves every later declaration by 4 characters
  const edited = text
    .replace("message_fc = Linear(d, d)", "message_fc_xyz = Linear(d, d)")
    .replace("message_fc(x[:, 0])", "message_fc_xyz(x[:, 0])");
  same(parser, file, edited, "edit in CrossFrameBlock");
  assert.is(parser.lastParsed, 1);
  same(parser, file, edited.replace("layers: int = 12,", "layers: int = 11,"), "edit in the model");
  assert.is(parser.lastParsed, 1);
  // a duplicated block: the same text twice, at two offsets
  const dup = edited.replace("block MIT(", "block PromptVisualProjection(width: int, embed: int) { }\nblock MIT(");
  same(parser, file, dup, "duplicate");
});

test("errors and unusual layouts fall back to the whole-file parse", () => {
  const file = "models/xclip.mdl";
  const text = readFileSync(file, "utf8");
  const parser = new IncrementalParser();
  parser.parse(file, text);
  const cases = {
    "syntax error": text.replace("let m = reshape(", "let m = reshape(("),
    "unclosed block": text.replace(
      "block MIT(T: int, d: int, layers: int = 1) {",
      "block MIT(T: int, d: int, layers: int = 1) {{",
    ),
    "bad character": text.replace("y = y[:, :L]", "y = y[:, :L] $"),
    "import after a block": `${text}\nimport { Linear } from "std"\n`,
  };
  for (const [what, t] of Object.entries(cases)) {
    same(parser, file, t, what);
    assert.is(parser.lastParsed, -1, `${what}: whole-file parse`);
  }
});

test.run();
