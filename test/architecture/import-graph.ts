/**
 * The repository's import graph, read from the source text with TypeScript's scanner (ts.preProcessFile: no
 * program, no type checking, about 0.2 s for the whole tree), for the architecture test.
 *
 * Each import has a kind, because the rules treat them differently:
 * - "static": `import ... from`, `import "x"`, `export ... from`: loaded when the importing module loads;
 * - "type": `import type` / `export type ... from`: erased by the compiler, nothing loads at run time;
 * - "dynamic": `await import("x")`: loaded only when that line runs (an engine is picked at run time this way).
 */
import ts from "typescript";
import { isBuiltin } from "node:module";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

export type ImportKind = "static" | "type" | "dynamic";
export interface Import {
  specifier: string;
  kind: ImportKind;
  /** The repository-relative file a relative specifier names; undefined for a package or a Node builtin. */
  file?: string;
}

/** The source files under `dirs` (repository-relative, forward slashes), sorted. */
export function sourceFiles(...dirs: string[]): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => {
      if (e.name === "node_modules" || e.name.startsWith(".")) return [];
      const p = `${d}/${e.name}`;
      return e.isDirectory() ? walk(p) : /\.(ts|tsx|mts|mjs|js)$/.test(e.name) && !e.name.endsWith(".d.ts") ? [p] : [];
    });
  return dirs
    .filter((d) => existsSync(d))
    .flatMap(walk)
    .sort();
}

/** The kind of the import whose specifier string (its opening quote) starts at `pos`. */
function kindAt(text: string, pos: number): ImportKind {
  const before = text.slice(Math.max(0, pos - 400), pos);
  // `typeof import("x")` names a module's type; `import("x")` loads it
  if (/\btypeof\s+import\s*\(\s*$/.test(before)) return "type";
  if (/\bimport\s*\(\s*$/.test(before)) return "dynamic";
  // the statement's opening keyword is the last `import`/`export` that begins a line before the specifier
  const starts = [...before.matchAll(/(?:^|\n)\s*(import|export)\b(\s+type\b(?!\s*(?:,|from\b)))?/g)];
  return starts.length && starts[starts.length - 1][2] ? "type" : "static";
}

const cache = new Map<string, Import[]>();

/** Every module a file imports or re-exports, with the kind of each import. */
export function importsOf(file: string): Import[] {
  const hit = cache.get(file);
  if (hit) return hit;
  const text = readFileSync(file, "utf8");
  const info = ts.preProcessFile(text, true, true);
  const out = info.importedFiles.map((f): Import => {
    const specifier = f.fileName;
    return {
      specifier,
      kind: kindAt(text, f.pos),
      file: specifier.startsWith(".") ? resolveRelative(file, specifier) : undefined,
    };
  });
  cache.set(file, out);
  return out;
}

function resolveRelative(from: string, specifier: string): string {
  const p = normalize(join(dirname(from), specifier)).replace(/\\/g, "/");
  for (const c of [p, `${p}.ts`, `${p}/index.ts`]) if (existsSync(c) && statSync(c).isFile()) return c;
  return p;
}

/** A package's name from a bare specifier: `@tensorflow/tfjs-core/dist/x` -> `@tensorflow/tfjs-core`. */
export const packageOf = (specifier: string): string =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];

export const isNodeBuiltin = (specifier: string): boolean => specifier.startsWith("node:") || isBuiltin(specifier);

/** Which kinds of import a walk or a cycle search follows. */
export type Follow = ReadonlySet<ImportKind>;
export const RUNTIME: Follow = new Set(["static"]);
export const BUNDLED: Follow = new Set(["static", "dynamic"]);
export const ALL: Follow = new Set(["static", "type", "dynamic"]);

/**
 * Every file reachable from `entries` along imports of the kinds in `follow`, each with the file that first
 * reached it (for a readable chain), and the packages and builtins each reached file imports.
 */
export function reach(entries: string[], follow: Follow): Map<string, string | undefined> {
  const parent = new Map<string, string | undefined>();
  const queue = entries.filter((e) => existsSync(e));
  for (const e of queue) parent.set(e, undefined);
  for (let i = 0; i < queue.length; i++) {
    for (const imp of importsOf(queue[i])) {
      if (!imp.file || !follow.has(imp.kind) || parent.has(imp.file) || !existsSync(imp.file)) continue;
      parent.set(imp.file, queue[i]);
      queue.push(imp.file);
    }
  }
  return parent;
}

/** `a.ts -> b.ts -> c.ts`: how a walk from an entry reached `file`. */
export function chain(parent: Map<string, string | undefined>, file: string): string {
  const out = [file];
  for (let f = parent.get(file); f !== undefined; f = parent.get(f)) out.unshift(f);
  return out.join(" -> ");
}

/** The import cycles among `files` along imports of the kinds in `follow`: Tarjan's strongly connected components of more than one file (or a file importing itself), each sorted. */
export function cycles(files: string[], follow: Follow): string[][] {
  const inSet = new Set(files);
  const next = (f: string) => [
    ...new Set(
      importsOf(f)
        .filter((i) => i.file && follow.has(i.kind) && inSet.has(i.file))
        .map((i) => i.file!),
    ),
  ];
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  // iterative, so a long import chain cannot overflow the call stack
  for (const root of files) {
    if (index.has(root)) continue;
    const work: { f: string; edges: string[]; i: number }[] = [];
    const open = (f: string) => {
      index.set(f, counter);
      low.set(f, counter++);
      stack.push(f);
      onStack.add(f);
      work.push({ f, edges: next(f), i: 0 });
    };
    open(root);
    while (work.length) {
      const top = work[work.length - 1];
      if (top.i < top.edges.length) {
        const w = top.edges[top.i++];
        if (!index.has(w)) open(w);
        else if (onStack.has(w)) low.set(top.f, Math.min(low.get(top.f)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) low.set(work[work.length - 1].f, Math.min(low.get(work[work.length - 1].f)!, low.get(top.f)!));
      if (low.get(top.f) === index.get(top.f)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== top.f);
        if (scc.length > 1 || next(top.f).includes(top.f)) out.push(scc.sort());
      }
    }
  }
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}
