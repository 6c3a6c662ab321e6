/**
 * Find references and rename, across the files the open documents load (imports, but not std, which
 * has no file to edit). Three kinds of symbol: a block or model (its declaration, imports, instances,
 * `extends`), a hyperparameter (its declaration, its uses in the declaration, named arguments of the
 * block's instances), a member (its declaration and its uses in the declaration's body). A
 * hyperparameter or member is shared along `extends`: with every declaration that inherits or
 * overrides it, so a rename keeps a derived block's uses and overrides attached.
 */
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import type * as A from "../compiler/1-syntax/ast.ts";
import { STD_FILE, type LoadedFile } from "../compiler/2-resolve/program.ts";
import { forwardLocals, nodesOf } from "./ast-walk.ts";
import { toRange, wordAt } from "./positions.ts";
import { declAt, type Analysis } from "./query.ts";
import { stdLocation } from "./std-file.ts";
import type { Located } from "./workspace.ts";

type Span = A.Ident["span"];
interface Location {
  uri: string;
  range: ReturnType<typeof toRange>;
}

/** Every editable file loaded by some open document, the one loaded by `at`'s own compile first. */
function filesOf(
  at: Located,
  all: Analysis[],
): Map<string, { file: LoadedFile; scope?: Map<string, { decl: A.BlockDecl | A.ModelDecl; file: string }> }> {
  const out = new Map<
    string,
    { file: LoadedFile; scope?: Map<string, { decl: A.BlockDecl | A.ModelDecl; file: string }> }
  >();
  for (const a of [at.analysis, ...all])
    for (const [path, file] of a.program.files)
      if (isAbsolute(path) && !out.has(path)) out.set(path, { file, scope: a.program.scopes.get(path) });
  return out;
}

function stdDefinition(at: Located) {
  const w = wordAt(at.text, at.offset);
  const def = w && at.analysis.program.scopes.get(at.path)?.get(w.word.split(".")[0]);
  return def && def.file === STD_FILE ? def : undefined;
}

/** The spans naming the symbol under the cursor; undefined when there is none there. */
function occurrences(at: Located, all: Analysis[]): Span[] | undefined {
  const w = wordAt(at.text, at.offset);
  if (!w) return undefined;
  const name = w.word.split(".")[0];
  const files = filesOf(at, all);
  const def = at.analysis.program.scopes.get(at.path)?.get(name);
  if (def) {
    // a block or model: resolved by its declaring file and position, in every file that sees it
    const same = (d?: { decl: A.BlockDecl | A.ModelDecl; file: string }) =>
      d && d.file === def.file && d.decl.name.span.start === def.decl.name.span.start;
    const spans: Span[] = [];
    for (const [path, { file, scope }] of files) {
      const declared = file.ast.decls.filter((d) => d.name.name === name && path === def.file).map((d) => d.name.span);
      const imported = file.ast.imports.flatMap((i) => i.names.filter((n) => n.name === name)).map((n) => n.span);
      const used = nodesOf(file.ast, ["Instance"])
        .filter((i) => i.block.name === name)
        .map((i) => i.block.span as Span);
      const based = file.ast.decls.flatMap((d) => (d.base?.name === name ? [d.base.span] : []));
      if (same(scope?.get(name)) || path === def.file) spans.push(...declared, ...imported, ...used, ...based);
    }
    return spans;
  }
  const decl = declAt(at.analysis.program, at.path, at.offset);
  const fwd = decl?.members.find((m) => m.kind === "Forward");
  if (!decl || (fwd && fwd.span.start <= at.offset && at.offset <= fwd.span.end && forwardLocals(decl).has(name)))
    return undefined;
  // a hyperparameter or member: of the last declaration up the `extends` chain that states it, and
  // shared by every declaration that inherits it or overrides it (a derived member overrides by name)
  const origin = chainOf(files, { decl, file: at.path })
    .reverse()
    .find((d) => declaredIn(d.decl, name).length);
  if (!origin) return undefined;
  const family = [origin];
  for (const [path, { file }] of files)
    for (const d of file.ast.decls)
      if (!same(d, origin.decl) && chainOf(files, { decl: d, file: path }).some((x) => same(x.decl, origin.decl)))
        family.push({ decl: d, file: path });
  const isParam = origin.decl.params.some((p) => p.name.name === name);
  const spans: Span[] = [];
  for (const f of family) {
    // inside a forward whose local has this name, the name is the local
    const body = f.decl.members.find((m) => m.kind === "Forward");
    const shadowed = body && forwardLocals(f.decl).has(name) ? body.span : undefined;
    const uses = nodesOf(f.decl, ["Name"]).filter(
      (n) => n.name === name && !(shadowed && shadowed.start <= n.span.start && n.span.end <= shadowed.end),
    );
    spans.push(...declaredIn(f.decl, name), ...uses.map((n) => n.span as Span), ...modelEdits(f.decl, name, isParam));
    // named arguments `Block(d: 768)` of the family's instances, wherever they are
    if (isParam)
      for (const [, { file, scope }] of files)
        for (const inst of nodesOf(file.ast, ["Instance"])) {
          const d = scope?.get(inst.block.name);
          if (d && same(d.decl, f.decl))
            for (const arg of inst.args as A.Arg[]) if (arg.name?.name === name) spans.push(arg.name.span);
        }
  }
  return spans;
}

/**
 * A model's names for its hyperparameters in presets and `set`, and for its members in `replace`, `remove` and
 * the patterns of `train { lr * k: ... }` (a pattern's first segment when it is the member's name as written;
 * a wildcard that matched the old name is the user's to revisit).
 */
function modelEdits(decl: A.BlockDecl | A.ModelDecl, name: string, isParam: boolean): Span[] {
  if (decl.kind !== "Model") return [];
  if (isParam)
    return [
      ...decl.presets.flatMap((p) => p.assignments),
      ...decl.edits.flatMap((e) => (e.kind === "Set" ? e.assignments : [])),
    ]
      .filter((a) => a.name.name === name)
      .map((a) => a.name.span);
  const paths = decl.edits.flatMap((e) => (e.kind !== "Set" && e.path[0]?.name === name ? [e.path[0].span] : []));
  const patterns = (decl.train ?? [])
    .flatMap((t) => t.rules.flatMap((r) => r.patterns))
    .flatMap((p) => {
      const first = p.value.split(".")[0];
      // the span covers the quoted literal; only a pattern written without escapes maps onto its text
      const literal = p.span.end - p.span.start === p.value.length + 2;
      return first === name && literal
        ? [{ file: p.span.file, start: p.span.start + 1, end: p.span.start + 1 + name.length }]
        : [];
    });
  return [...paths, ...patterns];
}

type Decl = { decl: A.BlockDecl | A.ModelDecl; file: string };
const same = (a: A.BlockDecl | A.ModelDecl, b: A.BlockDecl | A.ModelDecl) =>
  a.name.span.file === b.name.span.file && a.name.span.start === b.name.span.start;

/** Where a declaration itself states a hyperparameter or member of this name. */
function declaredIn(decl: A.BlockDecl | A.ModelDecl, name: string): Span[] {
  const params = decl.params.filter((p) => p.name.name === name).map((p) => p.name.span);
  const members = decl.members.flatMap((m) =>
    m.kind === "SubModule"
      ? m.path[0].name === name
        ? [m.path[0].span]
        : []
      : m.kind !== "Forward" && m.kind !== "AssertMember" && m.name.name === name
        ? [m.name.span]
        : [],
  );
  return [...params, ...members];
}

/** A declaration's `extends` chain, the declaration itself first, as far as the loaded files resolve it. */
function chainOf(files: ReturnType<typeof filesOf>, start: Decl): Decl[] {
  const chain = [start];
  for (let cur = start; cur.decl.base;) {
    const base = (cur.file === STD_FILE ? undefined : files.get(cur.file)?.scope)?.get(cur.decl.base.name);
    if (!base || base.decl.kind !== cur.decl.kind || chain.some((c) => same(c.decl, base.decl))) break;
    chain.push((cur = base));
  }
  return chain;
}

const location = (files: Map<string, { file: LoadedFile }>, s: Span): Location | undefined => {
  const f = files.get(s.file);
  return f ? { uri: pathToFileURL(s.file).href, range: toRange(f.file.text, s.start, s.end) } : undefined;
};

export function references(all: Analysis[], at: Located, includeDeclaration: boolean): Location[] | null {
  const spans = occurrences(at, all);
  if (!spans) return null;
  const files = filesOf(at, all);
  const unique = [...new Map(spans.map((s) => [`${s.file}:${s.start}`, s])).values()];
  const uses = (skip?: Span) => unique.filter((s) => s !== skip).flatMap((s) => location(files, s) ?? []);
  // a std block: its declaration is in the read-only copy of std, every span found is a use
  const def = stdDefinition(at);
  if (def) return includeDeclaration ? [stdLocation(def.decl.name.span), ...uses()] : uses();
  // else the declaration is the first span found in its own file (declarations precede their uses)
  return includeDeclaration ? uses() : uses(unique[0]);
}

export function rename(all: Analysis[], at: Located, newName: string) {
  // std cannot be edited, and renaming only its uses would break them
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName) || stdDefinition(at)) return null;
  const spans = occurrences(at, all);
  if (!spans || spans.some((s) => s.file === STD_FILE)) return null;
  const files = filesOf(at, all);
  const changes: Record<string, { range: Location["range"]; newText: string }[]> = {};
  for (const s of new Map(spans.map((s) => [`${s.file}:${s.start}`, s])).values()) {
    const loc = location(files, s);
    if (loc) (changes[loc.uri] ??= []).push({ range: loc.range, newText: newName });
  }
  return { changes };
}
