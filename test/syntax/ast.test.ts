import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { parseSource } from "../../src/compiler/1-syntax/parse.ts";
import { printAst } from "../../src/compiler/1-syntax/debug-print.ts";
import { expectGolden } from "../helpers/golden.ts";

const SAMPLES = "test/syntax/samples";

for (const name of readdirSync(SAMPLES)
  .sort()
  .filter((n) => !n.startsWith("error-"))) {
  test(`AST of sample ${name}`, () => {
    const file = `${SAMPLES}/${name}/input.mdl`;
    const parsed = parseSource(file, readFileSync(file, "utf8"));
    assert.equal(parsed.diagnostics, [], "a golden AST sample must parse without errors");
    expectGolden(printAst(parsed.value), `${SAMPLES}/${name}/ast.txt`);
  });
}

test("AST of models/clip.mdl", () => {
  const parsed = parseSource("models/clip.mdl", readFileSync("models/clip.mdl", "utf8"));
  assert.equal(parsed.diagnostics, []);
  expectGolden(printAst(parsed.value), "test/syntax/models/clip.ast.txt");
});

test("comments are kept beside the AST with their offsets", () => {
  const text = "# head\nblock A() { # tail\n}\n";
  const parsed = parseSource("a.mdl", text);
  assert.equal(
    parsed.comments.map((c) => [c.text, text.slice(c.start, c.end)]),
    [
      ["# head", "# head"],
      ["# tail", "# tail"],
    ],
  );
});

test.run();
