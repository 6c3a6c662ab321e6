/**
 * Each limit of src/compiler/limits.ts, just past and just within its bound: the code, the place, and
 * that a file at the bound still compiles (a limit must not refuse what it promises to accept).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { parseSource } from "../../src/compiler/1-syntax/parse.ts";
import {
  BLOCK_DEPTH_LIMIT,
  EVAL_DEPTH_LIMIT,
  EXPR_DEPTH_LIMIT,
  IMPORT_DEPTH_LIMIT,
  NESTING_LIMIT,
} from "../../src/compiler/limits.ts";
import { compileText, rendered } from "./helpers.ts";

const fwd = (body: string, sig = "(x: [2, 4]) -> [2, 4]") =>
  `model M(c: bool = true) {\n  forward${sig} {\n    ${body}\n  }\n}\n`;
const errors = (r: { diagnostics: { severity: string; code: string }[] }) =>
  r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);

/** Nesting as the parser sees it: `n` levels of each construct, inside model { forward { ... } } (2 levels). */
const nested: Record<string, (n: number) => string> = {
  parentheses: (n) => fwd(`return ${"(".repeat(n)}x${")".repeat(n)}`),
  calls: (n) => fwd(`return ${"relu(".repeat(n)}x${")".repeat(n)}`),
  "prefix minus": (n) => fwd(`return ${"- ".repeat(n)}x`),
  not: (n) => fwd(`let b = ${"not ".repeat(n)}c\n    return x`),
  "a ** b ** ...": (n) => fwd(`return x${" ** 1".repeat(Math.floor(n / 2))}`),
  "if blocks": (n) => fwd(`${"if c { ".repeat(n)}return x${" }".repeat(n)}\n    return x`),
  "else if chains": (n) => fwd(`if c { return x }${" else if c { return x }".repeat(n)}\n    return x`),
};

for (const [name, make] of Object.entries(nested)) {
  test(`nesting of ${name}: refused past ${NESTING_LIMIT} levels with MDL110, before parsing; fine well within`, () => {
    const deep = parseSource("input.mdl", make(NESTING_LIMIT + 10));
    assert.equal(
      deep.diagnostics.map((d) => d.code),
      ["MDL110"],
    );
    assert.ok(deep.diagnostics[0].span!.start > 0);
    assert.equal(deep.value.decls, [], "nothing for later phases to recurse into");
    const ok = parseSource("input.mdl", make(NESTING_LIMIT - 12));
    assert.equal(ok.diagnostics, [], ok.diagnostics.map((d) => d.message).join("\n"));
  });
}

test("20,000 levels of each construct: refused, no stack overflow", () => {
  for (const make of Object.values(nested))
    assert.equal(
      parseSource("input.mdl", make(20_000)).diagnostics.map((d) => d.code),
      ["MDL110"],
    );
});

test("statements do not add up: 5,000 lines of `x = -x ** 2` nest no deeper than one", () => {
  const r = compileText(fwd(`${"x = -x ** 2\n    ".repeat(5000)}return x`));
  assert.equal(errors(r), [], rendered(r));
});

test(`expression depth: a sum of ${EXPR_DEPTH_LIMIT} terms compiles, one of ${EXPR_DEPTH_LIMIT + 2} is MDL110 at the expression`, () => {
  assert.equal(errors(compileText(fwd(`return x${" + x".repeat(EXPR_DEPTH_LIMIT - 1)}`))), []);
  const r = compileText(fwd(`return x${" + x".repeat(EXPR_DEPTH_LIMIT + 1)}`));
  assert.equal(errors(r), ["MDL110"]);
  assert.match(rendered(r), "input.mdl:3:12: error MDL110: expressions nest more than 256 levels deep");
});

/** A chain of `n` files, each importing the next. */
function importChain(n: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++)
    files[`f${i}.mdl`] =
      i + 1 < n
        ? `import { B${i + 1} } from "./f${i + 1}.mdl"\nblock B${i}() { inner = B${i + 1}() }\n`
        : `block B${i}() {}\n`;
  files["f0.mdl"] += "model M { b = B0() }\n";
  return files;
}

test(`imports: a chain of ${IMPORT_DEPTH_LIMIT} files resolves, a longer one is MDL218 at the import that crosses it`, () => {
  const ok = compile("f0.mdl", memoryHost(importChain(IMPORT_DEPTH_LIMIT)));
  assert.not.ok(errors(ok).includes("MDL218"), rendered(ok));
  const r = compile("f0.mdl", memoryHost(importChain(2000)));
  assert.equal(errors(r), ["MDL218"]);
  assert.is(r.diagnostics[0].file, `f${IMPORT_DEPTH_LIMIT - 1}.mdl`);
});

/** `n` distinct blocks, each instantiating the next. */
function blockChain(n: number): string {
  const out = [];
  for (let i = 0; i < n; i++) out.push(i + 1 < n ? `block B${i}() { inner = B${i + 1}() }` : `block B${i}() {}`);
  return `${out.join("\n")}\nmodel M { b = B0() }\n`;
}

test(`block depth: ${BLOCK_DEPTH_LIMIT - 1} nested blocks elaborate, 5,000 are MDL340 at the block that crosses it`, () => {
  assert.not.ok(errors(compileText(blockChain(BLOCK_DEPTH_LIMIT - 1))).includes("MDL340"));
  const r = compileText(blockChain(5000));
  assert.equal(errors(r), ["MDL340"]);
  assert.match(rendered(r), `inner = B${BLOCK_DEPTH_LIMIT}()`);
});

/** `n` blocks, each calling the next from `depth` levels down a sum: the stack grows as n * depth. */
function deepCalls(n: number, depth: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const call = i + 1 < n ? "inner(x)" : "x";
    out.push(
      `block B${i}() {\n${i + 1 < n ? `  inner = B${i + 1}()\n` : ""}  forward(x: [2, 4]) -> [2, 4] { return ${call}${" + x".repeat(depth)} }\n}`,
    );
  }
  return `${out.join("\n")}\nmodel M {\n  b = B0()\n  forward(x: [2, 4]) -> [2, 4] { return b(x) }\n}\n`;
}

test(`checked depth: calls within deep expressions, 60 x 250 levels, are MDL342 (not a stack overflow); 20 x 40 compile`, () => {
  const r = compileText(deepCalls(60, 250));
  assert.equal(errors(r), ["MDL342"]);
  assert.match(
    rendered(r),
    `expressions nest more than ${EVAL_DEPTH_LIMIT} levels deep through the forward calls they make`,
  );
  assert.ok(compileText(deepCalls(20, 40)).value);
});

const stack = (layers: number) =>
  `import { Linear } from "std"\nmodel M(layers: int = ${layers}) {\n  s = repeat layers { repeat 10 { Linear(2, 2) } }\n  forward(x: [2, 2]) -> [2, 2] { return s(x) }\n}\n`;

test("instances: nested repeats are predicted from the first copy and refused at the outer count", () => {
  const r = compileText(stack(100_000));
  assert.equal(errors(r), ["MDL341"]);
  assert.match(
    rendered(r),
    "input.mdl:3:14: error MDL341: 1,100,002 module instances exceed the limit of 20,000 (raise it with --max-instances)",
  );
  // the model, its stack, and 100 copies of a stack of 10: 1 + 1 + 100 * 11 = 1,102 instances
  assert.ok(compileText(stack(100), { limits: { instances: 1102 } }).value, "exactly at the limit compiles");
  assert.equal(errors(compileText(stack(100), { limits: { instances: 1101 } })), ["MDL341"]);
});

test("graph nodes: counted as the forward runs, refused at the op that crosses --max-nodes", () => {
  const r = compileText(stack(100), { limits: { nodes: 1500 } });
  assert.equal(errors(r), ["MDL341"]);
  assert.match(rendered(r), "graph nodes exceed the limit of 1,500 (raise it with --max-nodes)");
  assert.ok(compileText(stack(100), { limits: { nodes: 5000 } }).value);
});

test("tensor elements: a constant-shaped result over the limit is MDL408 at its expression", () => {
  // `big` is used, so dead-code elimination keeps it; the input x and the returned reshape (8 elements each) are over the limit too
  const r = compileText(fwd("let big = reshape(x, [1, 8])\n    return reshape(big, [2, 4])"), {
    limits: { tensorElements: 7 },
  });
  assert.equal(errors(r), ["MDL408", "MDL408", "MDL408"]);
  assert.match(rendered(r), "the result of `reshape` [1, 8] has 8 elements, more than the limit of 7");
});

test.run();
