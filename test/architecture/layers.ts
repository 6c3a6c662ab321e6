/**
 * The one list of which folder may import which: test/architecture/layers.test.ts holds every import in
 * src/, grammar/ and playground/ to it. A folder not listed as a key may not be imported by anything, and a
 * key's imports must all be listed (its own folder is always allowed).
 *
 * An entry is a folder (or a root file) and what it may import from: plain for any kind of import,
 * `(type)` for `import type` only (erased, nothing loads), `(dynamic)` for `await import()` (or type) only.
 *
 * The compiler reads bottom-up, so a stage number means import order: a numbered stage imports only lower
 * numbers. The bottom layer is 0-core (the IR schema, the dimension polynomials, the scalar type names)
 * beside ops/ (the op table), with source.ts, diagnostics/, paths/ and std/: every stage reads them.
 * 0-core and ops/ sit side by side because the schema's node union is generated from the op table while the
 * op rules compute on 0-core's dimension polynomials; they import each other's files but form no file cycle
 * (0-core/dim.ts imports nothing, ops/ takes only types from 0-core/schema.ts: the test checks both).
 */
export const ALLOWED: Record<string, string[]> = {
  grammar: [],

  // -- compiler, bottom layer
  "src/compiler/source.ts": [],
  "src/compiler/diagnostics": ["src/compiler/source.ts"],
  "src/compiler/paths": [],
  "src/compiler/std": [],
  "src/compiler/0-core": ["src/compiler/ops"],
  "src/compiler/ops": ["src/compiler/0-core"],
  // the size limits every stage checks against; they read the AST's type to measure its depth
  "src/compiler/limits.ts": [
    "grammar",
    "src/compiler/source.ts",
    "src/compiler/diagnostics",
    "src/compiler/0-core (type)",
    "src/compiler/1-syntax (type)",
  ],

  // -- compiler, the stages in order
  "src/compiler/1-syntax": ["grammar", "src/compiler/source.ts", "src/compiler/diagnostics", "src/compiler/limits.ts"],
  "src/compiler/2-resolve": [
    "src/compiler/source.ts",
    "src/compiler/diagnostics",
    "src/compiler/limits.ts",
    "src/compiler/std",
    "src/compiler/0-core",
    "src/compiler/1-syntax",
  ],
  "src/compiler/3-check": [
    "src/compiler/source.ts",
    "src/compiler/diagnostics",
    "src/compiler/limits.ts",
    "src/compiler/paths",
    "src/compiler/0-core",
    "src/compiler/ops",
    "src/compiler/1-syntax",
    "src/compiler/2-resolve",
  ],
  // 4-ir reads the checker's graph only in build.ts (ONLY_FROM below)
  "src/compiler/4-ir": [
    "src/compiler/source.ts",
    "src/compiler/diagnostics",
    "src/compiler/paths",
    "src/compiler/0-core",
    "src/compiler/ops",
    "src/compiler/3-check",
  ],
  "src/compiler/5-train": ["src/compiler/diagnostics", "src/compiler/0-core", "src/compiler/ops", "src/compiler/4-ir"],
  "src/compiler/compile.ts": [
    "src/compiler/source.ts",
    "src/compiler/diagnostics",
    "src/compiler/limits.ts",
    "src/compiler/0-core",
    "src/compiler/1-syntax",
    "src/compiler/2-resolve",
    "src/compiler/3-check",
    "src/compiler/4-ir",
  ],

  // -- shared helpers
  "src/util": ["src/compiler/diagnostics", "src/compiler/2-resolve (type)"],

  // -- runtime: run/, session/ and train/ talk to backend/ (the Engine interface), never to an engine folder
  "src/runtime/weights": [
    "src/util",
    "src/compiler/diagnostics",
    "src/compiler/paths",
    "src/compiler/0-core",
    "src/runtime/data",
  ],
  "src/runtime/data": ["src/util", "src/compiler/source.ts", "src/compiler/diagnostics"],
  "src/runtime/tokenizer": ["src/compiler/diagnostics"],
  // the Engine interface names the optimizer's options, which train/ defines
  "src/runtime/backend": [
    "src/compiler/diagnostics",
    "src/compiler/0-core",
    "src/compiler/ops",
    "src/runtime/weights",
    "src/runtime/train (type)",
  ],
  "src/runtime/train": [
    "src/util",
    "src/compiler/diagnostics",
    "src/compiler/0-core",
    "src/compiler/5-train",
    "src/runtime/weights",
    "src/runtime/backend",
  ],
  "src/runtime/run": [
    "src/compiler/diagnostics",
    "src/compiler/0-core",
    "src/compiler/ops",
    "src/runtime/weights",
    "src/runtime/backend",
  ],
  "src/runtime/session": [
    "src/compiler/diagnostics",
    "src/compiler/paths",
    "src/compiler/0-core",
    "src/compiler/4-ir",
    "src/compiler/5-train",
    "src/runtime/weights",
    "src/runtime/data",
    "src/runtime/tokenizer",
    "src/runtime/backend",
    "src/runtime/train",
    "src/runtime/run",
  ],
  // the engines: each implements backend/'s Engine
  "src/runtime/tfjs": [
    "src/util",
    "src/compiler/diagnostics",
    "src/compiler/limits.ts",
    "src/compiler/0-core",
    "src/compiler/ops",
    "src/compiler/4-ir",
    "src/runtime/weights",
    "src/runtime/backend",
    "src/runtime/train",
  ],
  "src/runtime/onnx": [
    "src/util",
    "src/compiler/diagnostics",
    "src/compiler/0-core",
    "src/compiler/ops",
    "src/compiler/5-train",
    "src/runtime/weights",
    "src/runtime/backend",
    "src/runtime/run",
  ],
  "src/runtime/torch": ["src/compiler/diagnostics", "src/compiler/0-core", "src/compiler/ops", "src/runtime/session"],
  "src/runtime/kernel-tables.ts": [
    "src/compiler/ops (type)",
    "src/runtime/tfjs (dynamic)",
    "src/runtime/onnx (dynamic)",
    "src/runtime/torch (dynamic)",
  ],

  // -- tools and front ends
  "src/tools/diff": ["src/compiler/0-core", "src/compiler/4-ir"],
  "src/tools/viz": ["src/compiler/0-core (type)"],
  "src/tools/docs": [
    "src/compiler/diagnostics",
    "src/compiler/std",
    "src/compiler/0-core",
    "src/compiler/ops",
    "src/compiler/1-syntax",
    "src/compiler/2-resolve",
    "src/compiler/4-ir",
    "src/compiler/compile.ts",
  ],
  "src/tools/runs": ["src/util", "src/compiler/diagnostics", "src/runtime/train", "src/runtime/session"],
  "src/prettier": ["src/compiler/source.ts", "src/compiler/1-syntax"],
  "src/lsp": [
    "grammar",
    "src/util",
    "src/compiler/diagnostics",
    "src/compiler/limits.ts",
    "src/compiler/std",
    "src/compiler/0-core",
    "src/compiler/1-syntax",
    "src/compiler/2-resolve",
    "src/compiler/3-check",
    "src/compiler/4-ir",
    "src/compiler/compile.ts",
    "src/tools/diff",
  ],
  "src/cli": [
    "src/util",
    "src/compiler/source.ts",
    "src/compiler/diagnostics",
    "src/compiler/limits.ts",
    "src/compiler/std",
    "src/compiler/0-core",
    "src/compiler/1-syntax",
    "src/compiler/2-resolve",
    "src/compiler/3-check",
    "src/compiler/4-ir",
    "src/compiler/5-train",
    "src/compiler/compile.ts",
    "src/runtime/weights",
    "src/runtime/data",
    "src/runtime/tokenizer",
    "src/runtime/backend",
    "src/runtime/train",
    "src/runtime/run",
    "src/runtime/session",
    "src/runtime/tfjs",
    "src/runtime/onnx",
    "src/runtime/torch",
    "src/tools/diff",
    "src/tools/viz",
    "src/tools/runs",
    "src/lsp",
  ],
  // the page: the compiler and the tfjs lowering, in a worker (playground/src/run) that the page loads lazily
  "playground/src/run": [
    "playground",
    "src/util",
    "src/compiler/diagnostics",
    "src/compiler/0-core",
    "src/compiler/5-train",
    "src/compiler/compile.ts (type)",
    "src/runtime/weights",
    "src/runtime/backend",
    "src/runtime/train",
    "src/runtime/run",
    "src/runtime/session",
    "src/runtime/tfjs",
  ],
  playground: [
    "grammar",
    "scripts",
    "playground/src/run",
    "src/compiler/source.ts",
    "src/compiler/diagnostics",
    "src/compiler/0-core (type)",
    "src/compiler/1-syntax (type)",
    "src/compiler/2-resolve",
    "src/compiler/4-ir",
    "src/compiler/compile.ts",
    "src/util",
    "src/runtime/weights",
    "src/tools/diff",
    "src/tools/viz",
  ],
  scripts: [],
};

/** Edges that only the named files may take (`from -> to`: files). */
export const ONLY_FROM: Record<string, string[]> = {
  // the IR builder reads the checker's graph; the rest of 4-ir reads the IR only
  "src/compiler/4-ir -> src/compiler/3-check": ["src/compiler/4-ir/build.ts"],
};

/** The folder (or root file) an import-graph node belongs to, as ALLOWED names it. */
export function folderOf(file: string): string | undefined {
  const m =
    file.match(/^src\/(?:compiler|runtime|tools)\/[^/]+(?=\/)/) ??
    file.match(/^src\/(?:compiler|runtime)\/[^/]+\.ts$/) ??
    file.match(/^src\/[^/]+(?=\/)/) ??
    file.match(/^playground\/src\/run(?=\/)/) ??
    file.match(/^(?:grammar|playground|scripts)(?=\/)/);
  return m?.[0];
}

/** Cycles waiting for a fix, each a sorted list of files (none now). The test fails when one is gone, so the entry goes too. */
export const KNOWN_CYCLES: string[][] = [];

/** Packages no code under run/, session/ or train/ may reach through imports that load when it loads. */
export const ENGINE_PACKAGES = /^(@tensorflow\/|onnxruntime-|webgpu$)/;
export const ENGINE_NEUTRAL = ["src/runtime/run", "src/runtime/session", "src/runtime/train"];

/** Packages the bottom of the compiler may use. */
export const PACKAGES: Record<string, string[]> = {
  "src/compiler/0-core": ["zod"],
  "src/compiler/ops": ["zod"],
};

/**
 * What the playground page runs: the compiler, the lowering, the tfjs engine and the input checks it runs and
 * trains with (through the page's run/model.ts), the loaders, viz and diff (and what they reach).
 */
export const BROWSER_ENTRIES = [
  "src/compiler/compile.ts",
  "src/runtime/tfjs/lower.ts",
  "src/runtime/run/model-inputs.ts",
  "src/runtime/tfjs/engine.ts",
  "playground/src/run/model.ts",
  "src/runtime/weights/checkpoint.ts",
  "src/runtime/weights/coverage.ts",
  "src/runtime/weights/safetensors-format.ts",
  "src/tools/viz/dot.ts",
  "src/tools/viz/render.ts",
  "src/tools/diff/diff.ts",
  "src/tools/diff/print.ts",
];
