/**
 * The parameters a path pattern selects in a compiled model: those under a matching module instance
 * (`encode_text`, whose `use`d keys sit at the top level) and those whose key or one of its prefixes
 * matches (`visual.**`, `token_embedding`, `**.message_*`). Shared by the checker of a model's `train`
 * section and by training's --freeze, --train-only and --lr-group.
 */
import type { Span } from "../source.ts";
import { diag, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { matchPath, matchPathOrAncestor, mustParse, type PathPattern } from "../paths/pattern.ts";
import type { ModelIR, Module } from "./schema.ts";

type Tree = { modules: readonly Pick<Module, "path" | "params" | "children">[]; params: readonly { path: string }[] };

export function selectParams(ir: Tree, pattern: string | PathPattern): Set<string> {
  // parsed once here, not once per module and parameter path
  const pat = typeof pattern === "string" ? mustParse(pattern) : pattern;
  const byPath = new Map(ir.modules.map((m) => [m.path, m]));
  const got = new Set<string>();
  const walk = (path: string) => {
    const m = byPath.get(path);
    if (!m) return;
    for (const p of m.params) got.add(p);
    for (const c of m.children) walk(c);
  };
  for (const m of ir.modules) if (matchPath(pat, m.path)) walk(m.path);
  for (const p of ir.params) if (matchPathOrAncestor(pat, p.path)) got.add(p.path);
  return got;
}

/**
 * Record the model's learning-rate groups in the IR. A pattern of the model's own section that selects no
 * parameter is an error at the pattern (a misspelt name), unless a `remove`/`replace` (the variant's or the
 * command line's) may have taken its modules away; an inherited one may have lost them to the variant.
 */
export function attachTrain(ir: ModelIR, cfg: { lr: readonly { pattern: string; scale: number; span: Span; inherited: boolean }[]; edits: readonly unknown[] }): Diagnostic[] {
  if (!cfg.lr.length) return [];
  const out: Diagnostic[] = [];
  const edited = cfg.edits.length > 0;
  for (const g of cfg.lr) if (!g.inherited && !edited && !selectParams(ir, g.pattern).size) out.push(diag("pattern_matches_nothing", g.span, "train lr", g.pattern, ir.model));
  ir.train = { lr: cfg.lr.map((g) => ({ pattern: g.pattern, scale: g.scale, loc: { file: g.span.file, start: g.span.start, end: g.span.end } })) };
  return out;
}
