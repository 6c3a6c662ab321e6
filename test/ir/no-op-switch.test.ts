/**
 * Ops are dispatched through tables (the op table, each back end's kernel table), never a switch:
 * no `case "<op>":` label in the sources, so forgetting an op fails the type checker, not a run.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { opNames } from "../../src/compiler/ops/table.ts";

/** Switches whose labels share a word with an op name but are not over ops, each with its reason. */
const notOps: { file: string; over: string; why: string }[] = [
  { file: "src/runtime/weights/init-values.ts", over: "init.kind", why: "parameter initialisers (zeros, ones, fill, ...), not ops" },
];

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
  const ops = new Set<string>(opNames);
  const found: string[] = [];
  for (const dir of ["src", "scripts", "bench"]) {
    for (const file of sources(dir)) {
      for (const s of switches(readFileSync(file, "utf8"))) {
        const hits = s.labels.filter((l) => ops.has(l));
        if (hits.length && !notOps.some((n) => n.file === file && n.over === s.over)) found.push(`${file}: switch (${s.over}) { case ${hits.map((h) => `"${h}"`).join(", ")} }`);
      }
    }
  }
  assert.equal(found, []);
});

test("the scan finds a switch over ops (it would catch the old tfjs dispatch)", () => {
  const old = `function evalOp(op) { switch (op) { case "matmul": return 1; case "linear": { return 2; } } }`;
  assert.equal(switches(old), [{ over: "op", labels: ["matmul", "linear"] }]);
});

test.run();
