#!/usr/bin/env node
// The compiler runs in browsers too, so it cannot read std.mdl from disk: embed it as a module.
// Run after editing src/compiler/std/std.mdl (a test fails when the two disagree).
import { readFileSync, writeFileSync } from "node:fs";
const dir = new URL("../src/compiler/std/", import.meta.url);
const text = readFileSync(new URL("std.mdl", dir), "utf8");
writeFileSync(
  new URL("std-source.ts", dir),
  `// Generated from std.mdl by scripts/gen-std.mjs; do not edit.\nexport const STD_SOURCE = ${JSON.stringify(text)};\n`,
);
