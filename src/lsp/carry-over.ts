/**
 * After a syntax error the compile stops at parsing (its tree has holes), after an unknown name at
 * resolving, so it has no IR: no inlay shapes, no shapes or costs on hover. The declarations the edits
 * did not touch are carried over from the last analysis that had an IR, as long as what they show
 * cannot have changed:
 *
 * - a declaration is matched to the last good text by its own text (from its `block`, `model` or
 *   `import` keyword to its last token), and its offsets move by how far it moved; an offset in a
 *   declaration without a match maps to nothing, so that declaration shows no old shape;
 * - an import without a match, or an imported file whose text changed, carries nothing over (names
 *   may mean something else now), nor does a changed model other than the compiled one (it may be the
 *   file's first model now, the one compiled);
 * - a block or model whose text changed (or that was added, removed, or extends one that did) is
 *   "changed": its instances and everything under them are hidden (their hyperparameters and shapes
 *   come from its text), and so is every value computed from a hidden one (a caller's use of its output);
 *   when only its forward changed (the text before `forward` is the same, and the forward was its last
 *   member), its instances' and their members' hyperparameter values stay: members are elaborated in
 *   order, so what comes after them cannot change them, only their shapes are hidden;
 * - a block named in changed text may have gained or lost an instance there, so which instance is its
 *   first (the one whose values the hints show) is not known: it shows none.
 */
import { isAbsolute } from "node:path";
import type { IToken } from "chevrotain";
import { CLOSE_BRACKETS, lexer, OPEN_BRACKETS } from "../../grammar/tokens.ts";
import type * as A from "../compiler/1-syntax/ast.ts";
import type { ModelIR } from "../compiler/0-core/schema.ts";
import { definition, shapeHover, type Analysis, type Hidden } from "./query.ts";

/** The last good analysis, with a map between its text's offsets and the current text's. */
export interface CarriedOver {
  analysis: Analysis;
  text: string;
  /** The offset in the last good text of an offset of the current one; undefined in a changed declaration. */
  toOld(offset: number): number | undefined;
  /** The offset in the current text of an offset of the last good one; undefined in a changed declaration. */
  toNew(offset: number): number | undefined;
}

interface Decl {
  keyword: string;
  name?: string;
  tokens: IToken[];
  start: number;
  end: number;
  text: string;
}

/** The names a declaration's text mentions from `offset` (relative to its start) on. */
const namesIn = (d: Decl, offset = 0) =>
  d.tokens.slice(1).flatMap((t) => (t.tokenType.name === "Name" && t.startOffset - d.start >= offset ? [t.image] : []));

/** Where a declaration's forward starts (relative to its start), if the forward is its last member. */
function lastForward(d: Decl): number | undefined {
  let depth = 0;
  const at = d.tokens.findIndex(
    (t) => (
      OPEN_BRACKETS.has(t.tokenType.name) ? depth++ : CLOSE_BRACKETS.has(t.tokenType.name) ? depth-- : 0,
      t.tokenType.name === "Forward" && depth === 1
    ),
  );
  if (at < 0) return undefined;
  // past the signature, the body's `{` at the declaration's level; its `}` must be followed only by the declaration's
  let opened = false;
  for (let k = at + 1, level = 1; k < d.tokens.length; k++) {
    const name = d.tokens[k].tokenType.name;
    if (OPEN_BRACKETS.has(name)) {
      if (level === 1 && name === "LCurly") opened = true;
      level++;
    } else if (CLOSE_BRACKETS.has(name) && --level === 1 && opened)
      return k === d.tokens.length - 2 && d.tokens[k + 1].tokenType.name === "RCurly"
        ? d.tokens[at].startOffset - d.start
        : undefined;
  }
  return undefined;
}

/** Where the forward starts if only the forward of `old` changed in `now`. */
function forwardOnly(old: Decl, now: Decl): number | undefined {
  const at = lastForward(old);
  const same =
    at !== undefined &&
    old.keyword === now.keyword &&
    old.name === now.name &&
    now.text.slice(0, at) === old.text.slice(0, at);
  return same && now.tokens.find((t) => t.startOffset - now.start === at)?.tokenType.name === "Forward"
    ? at
    : undefined;
}

/** Every top-level declaration, from its keyword to its last token; brackets need not balance. */
function declarations(text: string): Decl[] {
  const tokens = lexer.tokenize(text).tokens;
  const out: Decl[] = [];
  tokens.forEach((t, i) => {
    const keyword = t.tokenType.name;
    if (keyword !== "Block" && keyword !== "Model" && keyword !== "Import") return;
    let j = i + 1;
    while (j < tokens.length && !["Block", "Model", "Import"].includes(tokens[j].tokenType.name)) j++;
    const last = tokens[j - 1];
    const end = (last.endOffset ?? last.startOffset) + 1;
    const name = keyword !== "Import" && tokens[i + 1]?.tokenType.name === "Name" ? tokens[i + 1].image : undefined;
    out.push({
      keyword,
      name,
      tokens: tokens.slice(i, j),
      start: t.startOffset,
      end,
      text: text.slice(t.startOffset, end),
    });
  });
  return out;
}

/** Pairs of declarations with the same text, in order: [old, new]. */
function match(old: Decl[], now: Decl[]): Map<Decl, Decl> {
  const byText = new Map<string, Decl[]>();
  for (const d of old) byText.set(d.text, [...(byText.get(d.text) ?? []), d]);
  const pairs = new Map<Decl, Decl>();
  for (const d of now) {
    const o = byText.get(d.text)?.shift();
    if (o) pairs.set(o, d);
  }
  return pairs;
}

/** The last good analysis of `path` as far as it still holds for `text`, or undefined if nothing does. */
export function carryOver(
  path: string,
  good: { analysis: Analysis; text: string },
  text: string,
  fresh: Analysis,
): CarriedOver | undefined {
  const ir = good.analysis.ir;
  if (!ir) return undefined;
  for (const [file, f] of good.analysis.program.files)
    if (file !== path && isAbsolute(file) && fresh.program.files.get(file)?.text !== f.text) return undefined;
  const [old, now] = [declarations(good.text), declarations(text)];
  const pairs = match(old, now);
  const unmatched = [...old.filter((d) => !pairs.has(d)), ...now.filter((d) => ![...pairs.values()].includes(d))];
  if (unmatched.some((d) => d.keyword === "Import" || (d.keyword === "Model" && d.name !== ir.model))) return undefined;
  // a declaration whose forward alone changed: one old and one new text of that name, alike up to `forward`
  const named = (ds: Decl[], d: Decl) => ds.filter((x) => x.keyword === d.keyword && x.name === d.name).length === 1;
  const onlyForward = new Map<Decl, number>();
  const partner = new Map<Decl, Decl>();
  const [gone, come] = [unmatched.filter((d) => old.includes(d)), unmatched.filter((d) => now.includes(d))];
  for (const o of gone.filter((d) => d.name && named(gone, d)))
    for (const n of come.filter((d) => d.name === o.name && d.keyword === o.keyword)) {
      const at = named(come, n) ? forwardOnly(o, n) : undefined;
      if (at !== undefined) (onlyForward.set(o, at).set(n, at), partner.set(o, n).set(n, o));
    }
  const changed = new Set(unmatched.flatMap((d) => (d.name ? [d.name] : [])));
  const edited = new Set(unmatched.flatMap((d) => (d.name && !onlyForward.has(d) ? [d.name] : [])));
  // a declaration that extends a changed one inherits the change
  const decls = [...good.analysis.program.files.values()].flatMap((f) => f.ast.decls);
  for (const set of [changed, edited])
    for (let grew = true; grew;) {
      grew = false;
      for (const d of decls)
        if (d.base && set.has(d.base.name) && !set.has(d.name.name)) grew = Boolean(set.add(d.name.name));
    }
  // an offset moves with its declaration; in one whose forward alone changed, only before the forward
  const to = (from: Decl[], moved: (d: Decl) => Decl | undefined) => (offset: number) => {
    const d = from.find((x) => x.start <= offset && offset <= x.end);
    const m = d && (moved(d) ?? (offset - d.start < (onlyForward.get(d) ?? 0) ? partner.get(d) : undefined));
    return d && m ? offset + m.start - d.start : undefined;
  };
  const back = new Map([...pairs].map(([o, n]) => [n, o]));
  return {
    analysis: {
      program: good.analysis.program,
      ir,
      hidden: {
        ...hiddenBy(ir, changed, edited),
        decls: new Set(unmatched.flatMap((d) => namesIn(d, onlyForward.get(d)))),
      },
      get stats() {
        return good.analysis.stats;
      },
    },
    text: good.text,
    toOld: to(now, (d) => back.get(d)),
    toNew: to(old, (d) => pairs.get(d)),
  };
}

/** A module path and the paths it is under, innermost first ("a.b.c", "a.b", "a", ""). */
const enclosing = (path: string): string[] =>
  path === "" ? [""] : [path, ...enclosing(path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "")];

function hiddenBy(ir: ModelIR, changed: Set<string>, edited: Set<string>): Omit<Hidden, "decls"> {
  const instancesOf = (names: Set<string>) =>
    new Set(ir.modules.filter((m) => names.has(m.block) || (m.path === "" && names.has(ir.model))).map((m) => m.path));
  const roots = instancesOf(changed);
  const editedRoots = instancesOf(edited);
  const modules = new Set(
    ir.modules.filter((m) => enclosing(m.path).some((p) => editedRoots.has(p))).map((m) => m.path),
  );
  const calls = new Map<string, number[][]>();
  for (const c of ir.graph.calls) calls.set(c.scope, [...(calls.get(c.scope) ?? []), c.inputs]);
  const shapes = new Set(roots);
  const nodes = new Set<number>();
  // A callee's symbols are bound from its call's arguments: called with a hidden value, even its values
  // that use none of its inputs (a broadcast parameter) may change shape. Nodes come in topological
  // order, so a call's arguments are decided before the callee's first node asks.
  const fed = (scope: string) =>
    enclosing(scope).some(
      (p) =>
        shapes.has(p) ||
        ((calls.get(p) ?? []).some((inputs) => inputs.some((i) => nodes.has(i))) && Boolean(shapes.add(p))),
    );
  // A hidden instance may return a value it did not compute (`return x`): then that value is hidden at
  // every use, those before the call too (more than needed, never less), and the nodes are walked again.
  for (let grew = true; grew;) {
    for (const n of ir.graph.nodes) if (n.args.some((a) => nodes.has(a)) || fed(n.scope)) nodes.add(n.id);
    const passed = ir.graph.calls
      .filter((c) => enclosing(c.scope).some((p) => shapes.has(p)))
      .flatMap((c) => c.outputs.map((o) => o.value));
    grew = passed.some((v) => !nodes.has(v));
    for (const v of passed) nodes.add(v);
  }
  return { modules, shapes, nodes };
}

/** The shape hover at an offset of the current text, from the carried-over analysis. */
export function carriedHover(c: CarriedOver, path: string, offset: number): string | undefined {
  const old = c.toOld(offset);
  return old === undefined ? undefined : shapeHover(c.analysis, path, old);
}

/** Go-to-definition from the carried-over analysis, its target moved to the current text (other files are unchanged). */
export function carriedDefinition(c: CarriedOver, path: string, offset: number): A.Ident["span"] | undefined {
  const old = c.toOld(offset);
  const span = old === undefined ? undefined : definition(c.analysis, path, old);
  if (!span || span.file !== path) return span;
  const [start, end] = [c.toNew(span.start), c.toNew(span.end)];
  return start === undefined || end === undefined ? undefined : { file: path, start, end };
}
