/**
 * The compiler, the tfjs lowering and the weight loaders run in a web page, so no Node API may enter them:
 * a static scan of every file they reach (imports of node builtins; the globals process, Buffer, require,
 * __dirname) and a scan of the playground bundle's own inputs, as esbuild resolved them.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { isBuiltin } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { buildPlayground } from "../../scripts/playground.ts";

/** What the page runs: the compiler, the lowering, the loaders, viz and diff. */
const ENTRIES = [
  "src/compiler/compile.ts",
  "src/runtime/tfjs/lower.ts",
  "src/runtime/weights/checkpoint.ts",
  "src/runtime/weights/coverage.ts",
  "src/runtime/weights/safetensors-format.ts",
  "src/tools/viz/dot.ts",
  "src/tools/viz/render.ts",
  "src/tools/diff/diff.ts",
  "src/tools/diff/print.ts",
];
const NODE_GLOBALS = /\b(process\s*\.|Buffer\b|require\s*\(|__dirname|__filename|global\s*\.)/;

/** Comments and string contents out, so a remark about a Node Buffer or a message text is not a use. */
function code(text: string): string {
  // one pass, so that `//` inside a string and quotes inside a comment are both read right
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|`(?:[^`\\]|\\.)*`|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, (s) => (s[0] === "/" ? "" : '""'));
}

const specifiers = (text: string) => [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm)].map((m) => m[1] ?? m[2] ?? m[3]);

/** Every Node API a source file uses: builtin imports and Node globals. */
export function nodeApis(text: string): string[] {
  const found = specifiers(text).filter((s) => s.startsWith("node:") || isBuiltin(s));
  const g = code(text).match(NODE_GLOBALS);
  if (g) found.push(g[0].replace(/\s/g, ""));
  return found;
}

function reachable(entries: string[]): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const text = readFileSync(file, "utf8");
    seen.set(file, nodeApis(text));
    for (const s of specifiers(text)) if (s.startsWith(".")) visit(normalize(join(dirname(file), s)));
  };
  entries.forEach(visit);
  return seen;
}

const tsFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));

test("the scan finds a Node API where there is one (and not in comments or strings)", () => {
  assert.equal(nodeApis('import { readFileSync } from "node:fs";'), ["node:fs"]);
  assert.equal(nodeApis('import path from "path";\nconst x = 1;'), ["path"]);
  assert.equal(nodeApis("const n = process.env.X;"), ["process."]);
  assert.equal(nodeApis("const b = Buffer.from(x);"), ["Buffer"]);
  assert.equal(nodeApis('const m = await import("node:os");'), ["node:os"]);
  assert.equal(nodeApis('// a Node Buffer is a view\nconst s = "process.exit";\nimport { z } from "zod";'), []);
});

test("no Node API in src/compiler, nor in any file the page's entry points reach", () => {
  const files = reachable([...ENTRIES, ...tsFiles("src/compiler")]);
  assert.ok(files.size > 40, `only ${files.size} files scanned`);
  assert.ok(files.has("src/runtime/tfjs/ops/index.ts") && files.has("src/runtime/weights/pth.ts"));
  const bad = [...files].filter(([, apis]) => apis.length).map(([f, apis]) => `${f}: ${apis.join(", ")}`);
  assert.equal(bad, []);
});

test("the playground bundle's own inputs import no Node builtin, and its size stays a few MB", async () => {
  const built = await buildPlayground();
  const inputs = Object.entries(built.metafile.inputs).filter(([f]) => !f.startsWith("node_modules/"));
  assert.ok(inputs.some(([f]) => f === "src/runtime/tfjs/lower.ts") && inputs.some(([f]) => f === "src/compiler/compile.ts"));
  const bad = inputs.flatMap(([f, i]) => i.imports.filter((x) => x.path.startsWith("node:") || isBuiltin(x.path)).map((x) => `${f} -> ${x.path}`));
  assert.equal(bad, []);
  console.log(`  playground bundle: ${(built.bundleBytes / 1e6).toFixed(2)} MB of JavaScript and WebAssembly`);
  assert.ok(built.bundleBytes < 6e6, `${built.bundleBytes} bytes`);
});

test.run();
