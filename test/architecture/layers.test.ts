/**
 * The architecture, checked on the import graph (import-graph.ts) against one list (layers.ts):
 * - every import between folders is an allowed edge, and a compiler stage imports only lower stages;
 * - run/, session/ and train/ never load an engine's package, directly or through any chain of imports;
 * - nothing the playground page runs uses a Node API, however deep;
 * - no import cycles between files.
 *
 * How the kinds of import count. Type-only imports are erased, so they never load a package: the engine and
 * browser walks skip them, while the folder edges and the cycle search count them (a type cycle still ties
 * two modules together). Dynamic imports (`await import(...)`) are lazy on purpose: an engine is chosen and
 * loaded when a session is made (onnxruntime-node, the wasm and webgpu tfjs back ends), so the engine walk
 * follows static imports only, while run/, session/ and train/ may not name an engine package even lazily.
 * The browser walk follows dynamic imports too, since the bundler packs them into the page. The cycle search
 * skips dynamic imports: a lazy import runs after both modules have loaded, so it cannot see one half-built.
 * An `import(name)` whose name is not a literal is invisible here (tfjs/backend.ts loads the optional tfjs-node
 * packages by name this way).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ALL,
  BUNDLED,
  RUNTIME,
  chain,
  cycles,
  importsOf,
  isNodeBuiltin,
  packageOf,
  reach,
  sourceFiles,
  type ImportKind,
} from "./import-graph.ts";
import {
  ALLOWED,
  BROWSER_ENTRIES,
  ENGINE_NEUTRAL,
  ENGINE_PACKAGES,
  folderOf,
  KNOWN_CYCLES,
  ONLY_FROM,
  PACKAGES,
} from "./layers.ts";

const files = sourceFiles("src", "grammar", "playground");
const STAGE = /^src\/compiler\/(\d)-/;

/** Every import from one folder into another, as `from -> to` with the importing file and the import's kind. */
function folderEdges() {
  const out: { from: string; to: string; file: string; kind: ImportKind; target: string }[] = [];
  for (const file of files) {
    const from = folderOf(file);
    for (const i of importsOf(file)) {
      const to = i.file && folderOf(i.file);
      if (from && to && from !== to) out.push({ from, to, file, kind: i.kind, target: i.file! });
    }
  }
  return out;
}

function allowed(from: string, to: string, kind: ImportKind): boolean {
  return (ALLOWED[from] ?? []).some((e) => {
    const [folder, only] = e.split(" ");
    if (folder !== to) return false;
    if (only === "(type)") return kind === "type";
    if (only === "(dynamic)") return kind !== "static";
    return true;
  });
}

test("the scan sees static, type-only, re-export and dynamic imports", () => {
  const kinds = (f: string) => new Map(importsOf(f).map((i) => [i.specifier, i.kind]));
  assert.is(kinds("src/runtime/tfjs/engine.ts").get("@tensorflow/tfjs"), "static");
  assert.is(kinds("src/runtime/tfjs/webgpu.ts").get("@tensorflow/tfjs-backend-webgpu"), "dynamic");
  assert.is(kinds("src/runtime/kernel-tables.ts").get("../compiler/ops/kernels.ts"), "type");
  assert.is(kinds("src/runtime/kernel-tables.ts").get("./onnx/kernels.ts"), "dynamic");
  assert.ok(importsOf("src/runtime/weights/fs.ts").some((i) => i.file === "src/util/atomic-write.ts"));
  assert.ok(importsOf("src/compiler/4-ir/print.ts").every((i) => i.specifier !== "x"));
});

test("every import between folders is an allowed edge (test/architecture/layers.ts)", () => {
  const bad = folderEdges()
    .filter((e) => !allowed(e.from, e.to, e.kind))
    .map(
      (e) =>
        `${e.file} -> ${e.target} (${e.kind}): ${e.from} may not import ${e.to}${e.kind === "static" ? "" : ` by a ${e.kind} import`}`,
    );
  assert.equal([...new Set(bad)], []);
  const unlisted = files.filter((f) => !folderOf(f) || !(folderOf(f)! in ALLOWED));
  assert.equal(unlisted, [], "files in no listed folder");
});

test("a compiler stage imports only lower stages, and the list says so too", () => {
  for (const [from, tos] of Object.entries(ALLOWED)) {
    const n = from.match(STAGE)?.[1];
    if (n === undefined) continue;
    for (const to of tos) {
      const m = to.match(STAGE)?.[1];
      assert.ok(m === undefined || Number(m) < Number(n), `${from} lists ${to}`);
    }
  }
  for (const [edge, only] of Object.entries(ONLY_FROM)) {
    const [from, to] = edge.split(" -> ");
    const takers = [
      ...new Set(
        folderEdges()
          .filter((e) => e.from === from && e.to === to)
          .map((e) => e.file),
      ),
    ];
    assert.ok(takers.length > 0, `nothing takes ${edge}: drop it from ONLY_FROM`);
    assert.equal(
      takers.filter((f) => !only.includes(f)),
      [],
      `${edge} is for ${only.join(", ")} only`,
    );
  }
});

test("0-core and ops form the bottom: dim.ts imports nothing, ops takes only types from the schema, and they use only zod", () => {
  assert.equal(importsOf("src/compiler/0-core/dim.ts"), []);
  const schemaUses = files
    .filter((f) => f.startsWith("src/compiler/ops/"))
    .flatMap((f) =>
      importsOf(f)
        .filter((i) => i.file === "src/compiler/0-core/schema.ts" && i.kind !== "type")
        .map(() => f),
    );
  assert.equal(schemaUses, []);
  for (const [folder, packages] of Object.entries(PACKAGES)) {
    const bad = files
      .filter((f) => f.startsWith(`${folder}/`))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => !i.file && !packages.includes(packageOf(i.specifier)))
          .map((i) => `${f}: ${i.specifier}`),
      );
    assert.equal(bad, []);
  }
});

test("nothing reaches src/cli from src/runtime", () => {
  const bad = files
    .filter((f) => f.startsWith("src/runtime/"))
    .flatMap((f) =>
      importsOf(f)
        .filter((i) => i.file?.startsWith("src/cli/"))
        .map((i) => `${f}: ${i.specifier}`),
    );
  assert.equal(bad, []);
});

test("run/, session/ and train/ never load an engine's package, directly or transitively", () => {
  const own = files.filter((f) => ENGINE_NEUTRAL.some((d) => f.startsWith(`${d}/`)));
  assert.ok(own.length > 20, `only ${own.length} files`);
  const named = own.flatMap((f) =>
    importsOf(f)
      .filter((i) => !i.file && ENGINE_PACKAGES.test(i.specifier))
      .map((i) => `${f}: ${i.specifier}`),
  );
  assert.equal(named, [], "named, even lazily");
  const parent = reach(own, RUNTIME);
  const leaks = [...parent.keys()].flatMap((f) =>
    importsOf(f)
      .filter((i) => i.kind === "static" && !i.file && ENGINE_PACKAGES.test(i.specifier))
      .map((i) => `${chain(parent, f)} -> ${i.specifier}`),
  );
  assert.equal(leaks, []);
});

/** Comments and string contents out, so a remark about a Node Buffer or a message text is not a use. */
function code(text: string): string {
  // one pass, so that `//` inside a string and quotes inside a comment are both read right
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|`(?:[^`\\]|\\.)*`|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, (s) =>
    s[0] === "/" ? "" : '""',
  );
}
const NODE_GLOBALS = /\b(process\s*\.|Buffer\b|require\s*\(|__dirname|__filename|global\s*\.)/;

test("the Node-global scan sees uses in code, not in comments or strings", () => {
  assert.ok(NODE_GLOBALS.test(code("const n = process.env.X;")));
  assert.ok(NODE_GLOBALS.test(code("const b = Buffer.from(x);")));
  assert.not.ok(NODE_GLOBALS.test(code('// a Node Buffer is a view\nconst s = "process.exit";')));
});

test("no Node API in src/compiler, nor in any file the page's entry points reach", () => {
  const parent = reach([...BROWSER_ENTRIES, ...files.filter((f) => f.startsWith("src/compiler/"))], BUNDLED);
  assert.ok(parent.size > 40, `only ${parent.size} files`);
  assert.ok(parent.has("src/runtime/tfjs/ops/index.ts") && parent.has("src/runtime/weights/pth.ts"));
  const bad = [...parent.keys()].flatMap((f) => {
    const apis = importsOf(f)
      .filter((i) => i.kind !== "type" && !i.file && isNodeBuiltin(i.specifier))
      .map((i) => i.specifier);
    const g = code(readFileSync(f, "utf8")).match(NODE_GLOBALS);
    if (g) apis.push(g[0].replace(/\s/g, ""));
    return apis.length ? [`${chain(parent, f)}: ${apis.join(", ")}`] : [];
  });
  assert.equal(bad, []);
});

test("no import cycles between files (static and type-only imports)", () => {
  const all = sourceFiles("src", "grammar", "playground", "scripts", "bench", "examples");
  const found = cycles(all, new Set<ImportKind>(["static", "type"])).map((c) => c.join(" <-> "));
  const known = KNOWN_CYCLES.map((c) => c.join(" <-> "));
  assert.equal(
    found.filter((c) => !known.includes(c)),
    [],
    "new cycles",
  );
  assert.equal(
    known.filter((c) => !found.includes(c)),
    [],
    "gone: drop them from KNOWN_CYCLES",
  );
});

test("the cycle finder sees a cycle through a type import, and one through a lazy import only when asked", () => {
  const dir = mkdtempSync(join(tmpdir(), "mdl-cycles-"));
  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
  write("a.ts", 'import { b } from "./b.ts";\nexport const a = b;\n');
  write("b.ts", 'import type { A } from "./a.ts";\nexport const b = 1;\nexport type B = A;\n');
  write("c.ts", 'import { a } from "./a.ts";\nexport const c = a;\n');
  write("d.ts", 'import { c } from "./c.ts";\nexport const d = async () => (await import("./c.ts")).c + c;\n');
  write("e.ts", 'export const load = () => import("./f.ts");\n');
  write("f.ts", 'export { load } from "./e.ts";\n');
  const files = ["a.ts", "b.ts", "c.ts", "d.ts", "e.ts", "f.ts"].map((f) => join(dir, f));
  const names = (found: string[][]) => found.map((c) => c.map((f) => f.slice(dir.length + 1)).join(" "));
  assert.equal(names(cycles(files, new Set<ImportKind>(["static", "type"]))), ["a.ts b.ts"]);
  assert.equal(names(cycles(files, RUNTIME)), []);
  assert.equal(names(cycles(files, ALL)), ["a.ts b.ts", "e.ts f.ts"]);
  rmSync(dir, { recursive: true });
});

test("no synchronous tensor read anywhere in src/runtime (webgpu cannot read synchronously in Node)", () => {
  const bad = files.filter(
    (f) => f.startsWith("src/runtime/") && /\.(dataSync|arraySync|bufferSync)\(/.test(readFileSync(f, "utf8")),
  );
  assert.equal(bad, []);
});

test.run();
