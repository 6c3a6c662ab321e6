/**
 * docs/language.md documents every construct of the grammar (issue 22 point 3): each ```mdl example parses with
 * the real parser and without a diagnostic, and together the examples reach every rule of grammar/parser.ts and
 * every token of grammar/tokens.ts. A rule added without an example fails here, by name. The examples that hold a
 * model also compile, so what the reference shows is what mdl accepts.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import type { CstElement, CstNode, IToken } from "chevrotain";
import { parser } from "../../grammar/parser.ts";
import { allTokens, lexer, WhiteSpace } from "../../grammar/tokens.ts";
import { parseSource } from "../../src/compiler/1-syntax/parse.ts";
import { compile } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { renderAll } from "../../src/compiler/diagnostics/render.ts";

const DOC = "docs/language.md";
const text = readFileSync(DOC, "utf8");
const examples = [...text.matchAll(/```mdl\n([\s\S]*?)```/g)].map((m) => ({
  source: m[1],
  line: text.slice(0, m.index).split("\n").length + 1,
}));

function rulesOf(node: CstNode, out: Set<string>): void {
  out.add(node.name);
  for (const children of Object.values(node.children)) {
    for (const c of children as CstElement[]) if ("children" in c) rulesOf(c, out);
  }
}

test("the reference has examples", () => {
  assert.ok(examples.length >= 10, `${examples.length} examples`);
});

const rules = new Set<string>();
const tokens = new Set<string>();
for (const { source, line } of examples) {
  test(`the example at ${DOC}:${line} parses without a diagnostic`, () => {
    assert.equal(renderAll(parseSource(`${DOC}:${line}`, source).diagnostics), "");
    const lexed = lexer.tokenize(source);
    parser.input = lexed.tokens;
    const cst = parser.file();
    assert.equal(
      parser.errors.map((e) => e.message),
      [],
    );
    rulesOf(cst, rules);
    for (const t of [...lexed.tokens, ...((lexed.groups.comments ?? []) as IToken[])]) tokens.add(t.tokenType.name);
  });
}

test("every grammar rule has a documented example", () => {
  const missing = Object.keys(parser.getGAstProductions()).filter((r) => !rules.has(r));
  assert.equal(missing, [], `rules with no example in ${DOC}: ${missing.join(", ")}`);
});

test("every token (keyword, operator, literal) appears in an example", () => {
  const missing = allTokens.filter((t) => t !== WhiteSpace && !tokens.has(t.name)).map((t) => t.name);
  assert.equal(missing, [], `tokens in no example of ${DOC}: ${missing.join(", ")}`);
});

// An example that imports a sibling file (`../xclip.mdl`) reads it from models/, as a variant would.
const files = {
  "models/xclip.mdl": readFileSync("models/xclip.mdl", "utf8"),
  "models/clip.mdl": readFileSync("models/clip.mdl", "utf8"),
};
for (const { source, line } of examples.filter((e) => /^model /m.test(e.source))) {
  test(`the model example at ${DOC}:${line} compiles`, () => {
    const entry = "models/variants/example.mdl";
    const r = compile(entry, memoryHost({ ...files, [entry]: source }), {});
    assert.equal(renderAll(r.diagnostics), "", `${DOC}:${line}`);
  });
}

test.run();
