/**
 * Table-driven rule tests (graphql-js harness style): a source and the codes it must give, in order.
 * `ok` rows must compile cleanly, so each rule is shown both to fire and to stay quiet.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { CompileOptions } from "../../src/compiler/compile.ts";
import { compileText, rendered } from "./helpers.ts";

const fwd = (body: string, sig = "(x: [2, 8]) -> [2, 8]") =>
  `import { Linear, LayerNorm } from "std"\nmodel M(d: int = 8) {\n  forward${sig} {\n    ${body}\n  }\n}\n`;

const rows: [string, string, string[], CompileOptions?][] = [
  ["a clean model", fwd("return x"), []],
  ["missing closing brace", "model M {", ["MDL104"]],
  ["stray `}`", "model M { } }", ["MDL101"]],
  ["invalid character", fwd("return x ? x"), ["MDL102"]],
  ["unterminated string", 'import { A } from "std', ["MDL103"]],
  ["two dots in a number", "model M(e: float = 1.2.3) {}", ["MDL105"]],
  ["keyword given twice to a builtin", fwd("return mean(x, axis: 1, axis: 0)", "(x: [2, 8]) -> [2]"), ["MDL106"]],
  ["positional after a keyword to a builtin", fwd("return mean(x, axis: 1, true)", "(x: [2, 8]) -> [2]"), ["MDL107"]],
  ["assignment to a call", fwd("relu(x) = x\n    return x"), ["MDL108"]],
  ["statement after return", fwd("return x\n    x = x"), ["MDL109"]],
  ["unknown local name, with a hint", fwd("let y = x\n    return yy"), ["MDL201"]],
  ["unknown dtype", fwd("return x", "(x: f8[2, 8]) -> [2, 8]"), ["MDL201"]],
  ["unknown std import", 'import { Lineer } from "std"\nmodel M {}', ["MDL204"]],
  ["missing module", 'import { A } from "./nowhere.mdl"\nmodel M {}', ["MDL202"]],
  ["unknown block", "model M { a = Nothing() }", ["MDL206"]],
  ["two forwards", "model M { forward(x: [2]) -> [2] { return x } forward(x: [2]) -> [2] { return x } }", ["MDL205"]],
  ["unknown operation", fwd("return frobnicate(x)"), ["MDL212"]],
  ["self-extending model", "model M extends M {}", ["MDL208"]],
  ["unknown preset", fwd("return x"), ["MDL209"], { preset: "huge" }],
  [
    "known preset",
    'model M(d: int = 2) { preset "p" { d = 3 } forward(x: [d]) -> [d] { return x } }',
    [],
    { preset: "p" },
  ],
  ["--set of an unknown hyperparameter", fwd("return x"), ["MDL210"], { set: [["depth", "3"]] }],
  ["--set of a known one", fwd("return x", "(x: [2, d]) -> [2, d]"), [], { set: [["d", "3"]] }],
  ["--set with a bad value", fwd("return x"), ["MDL101"], { set: [["d", "3 +"]] }],
  ["--remove of a missing member", fwd("return x"), ["MDL211"], { remove: ["head"] }],
  ["broadcast mismatch", fwd("return x + y", "(x: [2, 8], y: [2, 3]) -> [2, 8]"), ["MDL301"]],
  ["trailing broadcast is fine", fwd("return x + y", "(x: [2, 8], y: [8]) -> [2, 8]"), []],
  ["i64 plus f32", fwd("return x + y", "(x: [2, 8], y: i64[2, 8]) -> [2, 8]"), ["MDL302"]],
  ["builtin arity", fwd("return relu(x, x)"), ["MDL303"]],
  [
    "attention's default scale with a symbolic head dim",
    fwd("return attention(q, q, q)", "(q: [2, D]) -> [2, D]"),
    ["MDL331"],
  ],
  [
    "attention's symbolic head dim with an explicit scale",
    fwd("return attention(q, q, q, scale: 0.5)", "(q: [2, D]) -> [2, D]"),
    [],
  ],
  ["attention's default scale with a numeric head dim", fwd("return attention(q, q, q)", "(q: [2, 8]) -> [2, 8]"), []],
  [
    "whole-number dim from a fraction",
    "model M(d: int = 8) { param w: [d / 3] = zeros forward(x: [2]) -> [2] { return x } }",
    ["MDL304"],
  ],
  ["int hyperparameter given a float", "model M(d: int = 2.5) { forward(x: [2]) -> [2] { return x } }", ["MDL304"]],
  ["bool hyperparameter given an int", "model M(b: bool = 1) { forward(x: [2]) -> [2] { return x } }", ["MDL305"]],
  ["unknown keyword to a builtin", fwd("return mean(x, axes: 1)", "(x: [2, 8]) -> [2]"), ["MDL307"]],
  ["matmul of a vector", fwd("return x @ y", "(x: [8], y: [8, 2]) -> [2]"), ["MDL308"]],
  ["declared output differs", fwd("return x", "(x: [2, 8]) -> [2, 9]"), ["MDL310"]],
  ["no return", fwd("let y = x"), ["MDL311"]],
  ["index past the end", fwd("return x[:, 8]", "(x: [2, 8]) -> [2]"), ["MDL315"]],
  ["negative index within range", fwd("return x[:, -8]", "(x: [2, 8]) -> [2]"), []],
  ["axis past the rank", fwd("return sum(x, axis: -3)", "(x: [2, 8]) -> [2]"), ["MDL316"]],
  [
    "integer division by zero",
    "model M(d: int = 8) { let z = d // 0 forward(x: [2]) -> [2] { return x } }",
    ["MDL317"],
  ],
  ["if on a tensor", fwd("if x { return x }\n    return x"), ["MDL321"]],
  [
    "string option outside the enum",
    'model M(k: str(a | b) = "c") { forward(x: [2]) -> [2] { return x } }',
    ["MDL322"],
  ],
  [
    "negative parameter dim",
    "model M(d: int = 2) { param w: [d - 3] = zeros forward(x: [2]) -> [2] { return x } }",
    ["MDL323"],
  ],
  ["hyperparameter without a value", "model M(d: int) { forward(x: [d]) -> [d] { return x } }", ["MDL324"]],
  [
    "negative repeat",
    'import { Linear } from "std"\nmodel M { s = repeat -1 { Linear(2, 2) } forward(x: [2]) -> [2] { return x } }',
    ["MDL325"],
  ],
  ["reshape changing the element count", fwd("return reshape(x, [4, 5])", "(x: [2, 8]) -> [4, 5]"), ["MDL330"]],
  ["reshape keeping it", fwd("return reshape(x, [4, 4])", "(x: [2, 8]) -> [4, 4]"), []],
  ["`not` of a tensor", fwd("let b = not x\n    return x"), ["MDL331"]],
  ["unpacking a tensor", fwd("let (a, b) = x\n    return a"), ["MDL333"]],
];

for (const [name, source, expected, opts] of rows) {
  test(name, () => {
    const r = compileText(source, opts);
    const got = r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);
    assert.equal(got, expected, rendered(r));
    if (!expected.length) assert.ok(r.value, "a clean row gives an IR");
  });
}

test("every diagnostic of the table names the input file or the command line, with a place", () => {
  for (const [, source, , opts] of rows) {
    for (const d of compileText(source, opts).diagnostics) {
      assert.ok(d.file === "input.mdl" || d.file === "<command line>", `${d.code} in ${d.file}`);
      if (d.code !== "MDL209") assert.ok(d.span, `${d.code}: ${d.message} has a span`);
    }
  }
});

test.run();
