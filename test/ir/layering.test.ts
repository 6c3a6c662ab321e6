/** Folder direction: the op table and the IR do not import the checker, save the IR builder (build.ts). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";

const importsOf = (file: string) => [...readFileSync(file, "utf8").matchAll(/^import\s[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1]);
const filesIn = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".ts")).map((f) => `${dir}/${f}`);

test("4-ir/ imports 3-check/ only in build.ts", () => {
  const edges = filesIn("src/compiler/4-ir").flatMap((f) => importsOf(f).filter((i) => i.includes("3-check/")).map((i) => `${f} -> ${i}`));
  assert.ok(edges.length > 0 && edges.every((e) => e.startsWith("src/compiler/4-ir/build.ts ")), edges.join("\n"));
});

test("the op table depends on zod, the dimension polynomials and (for types) the IR schema only", () => {
  for (const f of filesIn("src/compiler/ops")) {
    for (const i of importsOf(f)) assert.ok(i === "zod" || i.startsWith("./") || i === "../0-core/dim.ts" || i === "../0-core/schema.ts", `${f} imports ${i}`);
  }
});

test.run();
