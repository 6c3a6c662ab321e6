/**
 * `--recompute PATTERN`: mark module instances for recomputation in the backward pass without editing the
 * source. A pattern is a module path whose `*` segments match any one path segment
 * (`visual.transformer.resblocks.*`); a repeat or seq it names stands for its elements, as `recompute`
 * on a member does in the language, so both give the same IR.
 */
import { diag, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { ModelIR, Module } from "./schema.ts";

export function matchesPattern(pattern: string, path: string): boolean {
  const want = pattern.split(".");
  const have = path.split(".");
  return path !== "" && want.length === have.length && want.every((w, i) => w === "*" || w === have[i]);
}

/** Mark in place; a pattern that matches no module is an error naming it. */
export function applyRecompute(ir: ModelIR, patterns: readonly string[], where: string): Diagnostic[] {
  const byPath = new Map(ir.modules.map((m) => [m.path, m]));
  const mark = (m: Module): void => {
    if (m.block === "repeat" || m.block === "seq") for (const c of m.children) mark(byPath.get(c)!);
    else m.recompute = true;
  };
  const out: Diagnostic[] = [];
  for (const p of patterns) {
    const hits = ir.modules.filter((m) => matchesPattern(p, m.path));
    if (!hits.length) out.push(diag("unknown_member", where, p, ir.model));
    hits.forEach(mark);
  }
  return out;
}
