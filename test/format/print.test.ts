/** The canonical form, case by case: parentheses, semicolons, comments, blank lines, line width. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { formatSource } from "../../src/compiler/1-syntax/print.ts";
import { astOf } from "./helpers.ts";

const fmt = (text: string) => {
  const r = formatSource("case.mdl", text);
  if (r.value === undefined) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return r.value;
};
const lines = (...xs: string[]) => xs.join("\n") + "\n";

test("parentheses come back exactly where the grammar's precedence needs them", () => {
  const src = `block P(a: int) { let e = (a + 1) * 2
let f = -(a + 1)
let g = (-a) ** 2
let h = (a ** 2) ** 3
let i = a ** (-2 ** 3)
let j = not (a and b)
let k = (a < b) == true
let l = (a or b) and c
let m = (a - b) - (c - d)
let n = (f)(x).y[0]
let o = (a + b).c }`;
  const out = fmt(src);
  assert.fixture(
    out,
    lines(
      "block P(a: int) {",
      "  let e = (a + 1) * 2",
      "  let f = -(a + 1)",
      "  let g = (-a) ** 2",
      "  let h = (a ** 2) ** 3",
      "  let i = a ** -2 ** 3",
      "  let j = not (a and b)",
      "  let k = (a < b) == true",
      "  let l = (a or b) and c",
      "  let m = a - b - (c - d)",
      "  let n = f(x).y[0]",
      "  let o = (a + b).c",
      "}",
    ),
  );
  assert.is(astOf("case.mdl", out), astOf("case.mdl", src));
});

test("a statement keeps its `;` only where the next would otherwise continue it", () => {
  const src =
    "block S() { forward(x: [N]) -> [N] { let h = x; (h); y = x; -y\nf(x); [1, 2]; if c { h = 1 }; (h)\nreturn x } }";
  const out = fmt(src);
  assert.fixture(
    out,
    lines(
      "block S() {",
      "  forward(x: [N]) -> [N] {",
      "    let h = x",
      "    h",
      "    y = x;",
      "    -y",
      "    f(x);",
      "    [1, 2]",
      "    if c {",
      "      h = 1",
      "    }",
      "    h",
      "    return x",
      "  }",
      "}",
    ),
  );
  assert.is(astOf("case.mdl", out), astOf("case.mdl", src));
});

test("comments: trailing ones stay on their line, own-line ones before the next item, none lost", () => {
  const src = `# head

block C(a: int, # the first
  b: int # the second
) { # about C
  x = Foo(a, # trailing a
    b)



  # before y
  y = Bar(a +  # inside an expression
     b, c)
  # dangling at the end
}
# end of file`;
  assert.fixture(
    fmt(src),
    lines(
      "# head",
      "",
      "block C(",
      "  a: int, # the first",
      "  b: int, # the second",
      ") { # about C",
      "  x = Foo(",
      "    a, # trailing a",
      "    b,",
      "  )",
      "",
      "  # before y",
      "  y = Bar(",
      "    a + b,",
      "    # inside an expression",
      "    c,",
      "  )",
      "  # dangling at the end",
      "}",
      "# end of file",
    ),
  );
});

test("declarations get one blank line between them; members keep theirs, at most one", () => {
  const src =
    'import { A } from "std"\nimport { B } from "./b.mdl"\nblock X() { a = A()\n\n\n\n b = B()\n}\nmodel M extends X { set d = 1, e = 2\n remove a }';
  assert.fixture(
    fmt(src),
    lines(
      'import { A } from "std"',
      'import { B } from "./b.mdl"',
      "",
      "block X() {",
      "  a = A()",
      "",
      "  b = B()",
      "}",
      "",
      "model M extends X {",
      "  set d = 1, e = 2",
      "  remove a",
      "}",
    ),
  );
});

test("a list stays on one line up to 100 columns and goes one item per line past it", () => {
  // `  x = Foo(` is 10 columns and `)` one: arguments of 89 columns make a line of exactly 100
  const args = (width: number) => ["a".repeat(width - 8), "bb", "cc"].join(", ");
  const at = (width: number) => fmt(`block W() { x = Foo(${args(width)}) }`);
  assert.is(at(89).split("\n")[1].length, 100);
  assert.fixture(
    at(90),
    lines("block W() {", "  x = Foo(", `    ${"a".repeat(82)},`, "    bb,", "    cc,", "  )", "}"),
  );
  // dims and index lists take no trailing comma in the grammar
  const dims = fmt(`block D() { param p: [${Array.from({ length: 12 }, (_, i) => `dimension_${i}`).join(", ")}] }`);
  assert.match(dims, /    dimension_11\n  \]\n/);
  assert.is(
    astOf("d.mdl", dims),
    astOf("d.mdl", `block D() { param p: [${Array.from({ length: 12 }, (_, i) => `dimension_${i}`).join(", ")}] }`),
  );
});

test("a long forward header moves its arrow to a continuation line first", () => {
  const src =
    "block F() { forward(frames: [B * T, 3, resolution, resolution]) -> (cls: [B * T, out], patches: [B * T, grid * grid, width]) { return (cls: x, patches: y) } }";
  assert.fixture(
    fmt(src),
    lines(
      "block F() {",
      "  forward(frames: [B * T, 3, resolution, resolution])",
      "      -> (cls: [B * T, out], patches: [B * T, grid * grid, width]) {",
      "    return (cls: x, patches: y)",
      "  }",
      "}",
    ),
  );
});

test("module expressions, presets, type options and strings print in their short forms", () => {
  const src = `model M(kind: str( small|large ) = "small", eps: float = 1e-5) {
preset "a" {} preset "b" extends "a" { kind = "large", eps = 1.0, }
mlp = seq { 0: Linear(d, 4 * d), 3: Linear(4 * d, d), }
a.b = repeat d // 2 as i { repeat 2 { Identity() } }
optional use t = T(d) optional head = Linear(d, d) if d > 8
param w: f16[d, ...] = normal(d ** -0.5) if kind == "large"
forward() -> [] { let (p, q) = split(x, axis: -1) return p[:, 1:, :q] } }`;
  const out = fmt(src);
  assert.fixture(
    out,
    lines(
      'model M(kind: str(small | large) = "small", eps: float = 1e-5) {',
      '  preset "a" {}',
      '  preset "b" extends "a" { kind = "large", eps = 1.0 }',
      "  mlp = seq { 0: Linear(d, 4 * d), 3: Linear(4 * d, d) }",
      "  a.b = repeat d // 2 as i { repeat 2 { Identity() } }",
      "  optional use t = T(d)",
      "  optional head = Linear(d, d) if d > 8",
      '  param w: f16[d, ...] = normal(d ** -0.5) if kind == "large"',
      "  forward() -> [] {",
      "    let (p, q) = split(x, axis: -1)",
      "    return p[:, 1:, :q]",
      "  }",
      "}",
    ),
  );
  assert.is(astOf("m.mdl", out), astOf("m.mdl", src));
});

test("edges: empty file, comments only, CRLF, comments inside empty brackets", () => {
  assert.is(fmt(""), "");
  assert.is(fmt("\n \n"), "");
  assert.is(fmt("# only\n\n\n# two  "), "# only\n\n# two\n");
  assert.is(
    fmt("block A() {}\r\n# c\r\nblock B() { x = A() # t\r\n}\r\n"),
    lines("block A() {}", "", "# c", "block B() {", "  x = A() # t", "}"),
  );
  assert.is(
    fmt('model M { preset "a" { # x\n }\n preset "b" {\n # only\n }\n x = F(\n# arg\n) }'),
    lines(
      "model M {",
      '  preset "a" { # x',
      "  }",
      '  preset "b" {',
      "    # only",
      "  }",
      "  x = F(",
      "    # arg",
      "  )",
      "}",
    ),
  );
});

test("a syntax error gives diagnostics and no text", () => {
  const r = formatSource("bad.mdl", "block X( {");
  assert.is(r.value, undefined);
  assert.is(r.diagnostics[0].code, "MDL101");
  assert.equal(r.diagnostics[0].span, { file: "bad.mdl", start: 9, end: 10 });
});

test.run();
