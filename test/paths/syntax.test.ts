/** The syntax of edit paths and derived blocks: how they lex, parse, print and format (issue 12 point 4). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseSource } from "../../src/compiler/1-syntax/parse.ts";
import { formatSource } from "../../src/compiler/1-syntax/print.ts";
import type * as A from "../../src/compiler/1-syntax/ast.ts";

const parsed = (text: string) => {
  const r = parseSource("case.mdl", text);
  assert.equal(
    r.diagnostics.map((d) => d.message),
    [],
    text,
  );
  return r.value;
};
const fmt = (text: string) => {
  const r = formatSource("case.mdl", text);
  assert.ok(r.value !== undefined, r.diagnostics.map((d) => d.message).join("; "));
  return r.value!;
};

test("an edit path takes names, indices, `*` and `**`", () => {
  const m = parsed(
    "model V extends B { replace visual.transformer.resblocks.11 = X()\n replace a.*.attn = Y()\n remove **.1.adapter }",
  ).decls[0] as A.ModelDecl;
  assert.equal(
    m.edits.map((e) => (e as A.ReplaceDecl).path.map((p) => p.name).join(" ")),
    ["visual transformer resblocks 11", "a * attn", "** 1 adapter"],
  );
});

test("comments and line breaks inside an edit path change nothing", () => {
  const m = parsed("model V extends B { replace a # c\n .11 . # d\n 2.b = X()\n remove ** # e\n .1 }")
    .decls[0] as A.ModelDecl;
  assert.equal(
    m.edits.map((e) => (e as A.ReplaceDecl).path.map((p) => p.name).join(" ")),
    ["a 11 2 b", "** 1"],
  );
});

test("numbers keep their meaning outside paths", () => {
  const b = parsed("block P(a: int) { let x = 2*.5\n let y = a * .25\n let z = 1.5e3 + .5 - 3. }")
    .decls[0] as A.BlockDecl;
  const values = b.members.map((m) => (m as A.LetMember).value) as A.BinaryExpr[];
  assert.equal([(values[0].right as A.NumberLit).value, (values[1].right as A.NumberLit).value], [0.5, 0.25]);
  assert.equal(fmt("block P(a: int) { let x = 2*.5 }"), "block P(a: int) {\n  let x = 2 * .5\n}\n");
});

test("a misplaced wildcard is a syntax error, not a number", () => {
  assert.ok(parseSource("case.mdl", "model V { replace a.b* = X() }").diagnostics.length > 0);
  assert.ok(parseSource("case.mdl", "block B(a: int) { let x = a.1 }").diagnostics.length > 0);
});

test("block X extends Y parses with and without its own hyperparameters, and formats", () => {
  const [x, y] = parsed("block X extends Y { a = Z() }\nblock W(k: int = 2) extends Y { }").decls as A.BlockDecl[];
  assert.equal([x.base?.name, x.params.length, y.base?.name, y.params.map((p) => p.name.name)], ["Y", 0, "Y", ["k"]]);
  assert.equal(fmt("block X   extends Y{a=Z()}"), "block X extends Y {\n  a = Z()\n}\n");
  assert.equal(fmt("block W(k:int=2) extends Y {}"), "block W(k: int = 2) extends Y {}\n");
  assert.equal(
    fmt("model V extends B {replace  a.*.b=X()\nremove **.1.c}"),
    "model V extends B {\n  replace a.*.b = X()\n  remove **.1.c\n}\n",
  );
});

test.run();
