/**
 * Ops are dispatched through tables (the op table, each back end's kernel table), never a switch:
 * no `case "<op>":` label in the sources, so forgetting an op fails the type checker, not a run.
 * And a pass asks an op's traits (ops/types.ts OpTraits), never its name: outside the op table and the
 * kernel tables no `op === "<op>"` and no list of op names, so a new op is handled the day it lands.
 * The leaves (input, param, const) are exempt: they are the graph's environment, each with its own attribute
 * (name, path, value), not computations.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { isLeafOp, opNames } from "../../src/compiler/ops/table.ts";

/** Switches whose labels share a word with an op name but are not over ops, each with its reason. */
const notOps: { file: string; over: string; why: string }[] = [
  {
    file: "src/runtime/weights/init-values.ts",
    over: "init.kind",
    why: "parameter initialisers (zeros, ones, fill, ...), not ops",
  },
];

/** Where names may decide: the op table itself and the engines' kernel tables, keyed by op. */
const TABLES = [
  "src/compiler/ops/",
  "src/runtime/kernel-tables.ts",
  "src/runtime/onnx/kernels.ts",
  "src/runtime/tfjs/ops/",
  "src/runtime/torch/ops.ts",
];
/** Computing ops, read from the op table so the list cannot drift. */
const computeOps = new Set<string>(opNames.filter((op) => !isLeafOp(op)));

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (/\.(ts|mts|mjs|js)$/.test(name)) yield p;
  }
}

/** Each switch's discriminant with the case labels in its body (braces counted, strings ignored). */
function switches(text: string): { over: string; labels: string[] }[] {
  const out: { over: string; labels: string[] }[] = [];
  for (const m of text.matchAll(/switch\s*\(([^)]*)\)\s*\{/g)) {
    let depth = 1;
    let i = m.index! + m[0].length;
    const start = i;
    while (i < text.length && depth > 0) {
      if (text[i] === "{") depth++;
      else if (text[i] === "}") depth--;
      i++;
    }
    const body = text.slice(start, i);
    out.push({ over: m[1].trim(), labels: [...body.matchAll(/case\s+"([^"]+)"\s*:/g)].map((c) => c[1]) });
  }
  return out;
}

test("no switch outside the tables has an op name as a case label", () => {
  const ops = computeOps;
  const found: string[] = [];
  for (const dir of ["src", "scripts", "bench"]) {
    for (const file of sources(dir)) {
      for (const s of switches(readFileSync(file, "utf8"))) {
        const hits = s.labels.filter((l) => ops.has(l));
        if (hits.length && !notOps.some((n) => n.file === file && n.over === s.over))
          found.push(`${file}: switch (${s.over}) { case ${hits.map((h) => `"${h}"`).join(", ")} }`);
      }
    }
  }
  assert.equal(found, []);
});

test("the scan finds a switch over ops (it would catch the old tfjs dispatch)", () => {
  const old = `function evalOp(op) { switch (op) { case "matmul": return 1; case "linear": { return 2; } } }`;
  assert.equal(switches(old), [{ over: "op", labels: ["matmul", "linear"] }]);
});

/** Lines that decide by an op's name: `op === "<op>"` (either side, `!==` too), and list literals of two or more op names only. */
function nameChecks(text: string, names: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const compare = /\bop\s*[!=]==?\s*"([a-z0-9_]+)"|"([a-z0-9_]+)"\s*[!=]==?\s*[\w.?]*\bop\b/g;
  const list = /\[\s*("[a-z0-9_]+"\s*,\s*)+"[a-z0-9_]+"\s*,?\s*\]/g;
  for (const line of text.split("\n")) {
    const compared = [...line.matchAll(compare)].map((m) => m[1] ?? m[2]).filter((n) => names.has(n));
    const listed = [...line.matchAll(list)].filter((m) =>
      [...m[0].matchAll(/"([^"]+)"/g)].every((q) => names.has(q[1])),
    );
    if (compared.length || listed.length) out.push(line.trim());
  }
  return out;
}

test("no pass outside the tables decides by an op's name: it asks traits", () => {
  const found: string[] = [];
  for (const dir of ["src", "scripts", "bench"]) {
    for (const file of sources(dir)) {
      if (TABLES.some((t) => file.startsWith(t))) continue;
      for (const line of nameChecks(readFileSync(file, "utf8"), computeOps)) found.push(`${file}: ${line}`);
    }
  }
  assert.equal(found, []);
});

test("the name scan finds planted checks, and lets leaves and AST operators be", () => {
  const planted = [
    `if (n.op === "softmax") return 1;`,
    `const hit = "linear" !== user.op;`,
    `const POSITIONWISE: OpName[] = ["add", "sub", "gelu"];`,
    `const PASS = new Set(["cast", "reshape"]);`,
  ];
  assert.equal(nameChecks(planted.join("\n"), computeOps), planted);
  const fine = [
    `if (n.op === "param") return;`,
    `if (e.op === "-") return;`,
    `const groups = ["bias", "alpha"];`,
    `const m = ["mean", "bias"];`,
  ];
  assert.equal(nameChecks(fine.join("\n"), computeOps), []);
});

test.run();
