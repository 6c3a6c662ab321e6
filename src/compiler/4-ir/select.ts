/**
 * The parameters a path pattern selects in a compiled model: those under a matching module instance
 * (`encode_text`, whose `use`d keys sit at the top level) and those whose key or one of its prefixes
 * matches (`visual.**`, `token_embedding`, `**.message_*`). Shared by the checker of a model's `train`
 * section and by training's --freeze, --train-only and --lr-group.
 */
import type { Span } from "../source.ts";
import { diag, withHint, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { matchPath, matchPathOrAncestor, mustParse, type PathPattern } from "../paths/pattern.ts";
import type { ModelIR, Module } from "../0-core/schema.ts";

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
 * For a pattern that selects nothing, the parameter or module paths that end with its last segments, the
 * most segments first: `encode_text.prompt_ctx` names a key inside a module whose keys sit at the top level
 * (`use`d, or a block that replaced it), and the key is `prompt_ctx`. A hint, or undefined when none.
 */
export function pathHint(ir: Tree, pattern: string): string | undefined {
  const segs = pattern.split(".");
  for (let k = segs.length - 1; k >= 1; k--) {
    if (segs[segs.length - k] === "**") continue;
    const tail = mustParse(`**.${segs.slice(-k).join(".")}`);
    let found = [...new Set([...ir.params.map((p) => p.path), ...ir.modules.map((m) => m.path)])].filter(
      (p) => p !== "" && matchPath(tail, p),
    );
    if (!found.length) continue;
    // keys the pattern's leading module holds come first: `encode_text` holds `positional_embedding`
    const under = selectParams(ir, mustParse(segs.slice(0, -k).join(".")));
    const own = found.filter((p) => under.has(p));
    if (own.length) found = own;
    const shown = found
      .slice(0, 3)
      .map((p) => `\`${p}\``)
      .join(", ");
    return `did you mean ${shown}${found.length > 3 ? ` (and ${found.length - 3} more)` : ""}?`;
  }
  return undefined;
}

/**
 * Record the model's learning-rate groups in the IR. A pattern of the model's own section that selects no
 * parameter is an error at the pattern (a misspelt name), unless a `remove`/`replace` (the variant's or the
 * command line's) may have taken its modules away; an inherited one may have lost them to the variant.
 */
export function attachTrain(
  ir: ModelIR,
  cfg: { lr: readonly { pattern: string; scale: number; span: Span; inherited: boolean }[]; edits: readonly unknown[] },
): Diagnostic[] {
  if (!cfg.lr.length) return [];
  const out: Diagnostic[] = [];
  const edited = cfg.edits.length > 0;
  for (const g of cfg.lr)
    if (!g.inherited && !edited && !selectParams(ir, g.pattern).size)
      out.push(
        withHint(diag("pattern_matches_nothing", g.span, "train lr", g.pattern, ir.model), pathHint(ir, g.pattern)),
      );
  ir.train = {
    lr: cfg.lr.map((g) => ({
      pattern: g.pattern,
      scale: g.scale,
      loc: { file: g.span.file, start: g.span.start, end: g.span.end },
    })),
  };
  return out;
}
