#!/usr/bin/env node
// The Python of an exported PyTorch model lives in src/runtime/torch/py/*.py, where it is compiled, linted and
// tested as Python; the exporter takes it from a module, as the compiler takes std.mdl, so it reads no file at
// run time. Run after editing a .py there (a test fails when the two disagree).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
const dir = new URL("../src/runtime/torch/py/", import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".py"))
  .sort();
const lines = files.map(
  (f) =>
    `export const ${f.replace(/\.py$/, "").toUpperCase()}_PY = ${JSON.stringify(readFileSync(new URL(f, dir), "utf8"))};`,
);
writeFileSync(
  new URL("py-source.ts", dir),
  `// Generated from ${files.join(", ")} by scripts/gen-py.mjs; do not edit.\n${lines.join("\n")}\n`,
);
