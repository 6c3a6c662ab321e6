#!/usr/bin/env node
// The published entry point. A checkout needs no build step: the first run bundles the TypeScript CLI with
// esbuild (bin/bundle.js) and later runs load that bundle until a source changes. Where the bundle cannot be
// built or written (a read-only install, a syntax error, MDL_NO_BUNDLE=1), the CLI runs through tsx's loader;
// tsconfig.run.json maps chevrotain to its single-file bundle, which loads ~20x faster than its package entry.
import { setFlagsFromString } from "node:v8";
import { bundledCli } from "./bundle.js";

// A command that compiles once and exits throws away what V8's optimizing compiler makes: without it a
// cold `mdl check` costs a quarter less CPU. Commands that run or train a model keep it.
const ONE_SHOT = new Set([
  "check",
  "summary",
  "ir",
  "fmt",
  "diff",
  "runs",
  "env",
  "tokenize",
  "--help",
  "-h",
  "help",
  undefined,
]);
if (ONE_SHOT.has(process.argv[2])) setFlagsFromString("--no-opt");

const bundle = await bundledCli();
if (bundle) await import(bundle);
else {
  const { register } = await import("tsx/esm/api");
  register({ tsconfig: new URL("../tsconfig.run.json", import.meta.url).pathname });
  await import("../src/cli/main.ts");
}
