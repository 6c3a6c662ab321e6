/**
 * A member declared with `use` keeps its parent's parameter keys (`use inner = Head(d)` puts Head's
 * `ln.weight` at the parent's `ln.weight`), so its instance path is not where its weights are. The diff
 * aligns modules by where their weights load: such a transparent module is folded into its parent, its
 * children and parameters becoming the parent's, and a block merely wrapped with `use` shows no change.
 * Only where that aligns: the other side has no module at its path but has what it holds at the
 * folded places (X-CLIP's own `use project_patches` stays a module when both sides have it, or when
 * the other side removed it).
 */
import type { Module, ModelIR } from "../../compiler/0-core/schema.ts";

export interface Folded {
  /** Modules by weight path; a folded module's children and params are merged into its parent's. */
  modules: Map<string, Module>;
  /** Weight path -> the instance paths folded into it (itself first), for stats and ops. */
  sources: Map<string, string[]>;
}

export function foldUses(ir: ModelIR, other: ModelIR): Folded {
  const there = new Set([...other.modules.map((m) => m.path), ...other.params.map((p) => p.path)]);
  const byPath = new Map(ir.modules.map((m) => [m.path, m]));
  const keysUnder = (m: Module): string[] => [
    ...m.params,
    ...m.children.flatMap((c) => (byPath.has(c) ? keysUnder(byPath.get(c)!) : [])),
  ];
  // a `use` member's weights do not live under the path it would have: they are its parent's
  const transparent = (m: Module, at: string, parentAt: string) => {
    const keys = keysUnder(m);
    if (!keys.length || keys.some((k) => k.startsWith(`${at}.`)) || there.has(m.path)) return false;
    const folded = m.children.map((c) => (parentAt ? `${parentAt}.` : "") + c.slice(m.path.length + 1));
    return [...folded, ...m.params].some((p) => there.has(p));
  };
  const modules = new Map<string, Module>();
  const sources = new Map<string, string[]>();
  const visit = (m: Module, at: string): void => {
    const merged: Module = { ...m, path: at, children: [], params: [...m.params] };
    const from = [m.path];
    const absorb = (parent: Module): void => {
      for (const c of parent.children) {
        const child = byPath.get(c);
        if (!child) continue;
        const seg = child.path.slice(parent.path ? parent.path.length + 1 : 0);
        const childAt = at ? `${at}.${seg}` : seg;
        if (transparent(child, childAt, at)) {
          merged.params.push(...child.params);
          from.push(child.path);
          absorb(child);
          continue;
        }
        merged.children.push(childAt);
        visit(child, childAt);
      }
    };
    absorb(m);
    modules.set(at, merged);
    sources.set(at, from);
  };
  const root = byPath.get("");
  if (root) visit(root, "");
  return { modules, sources };
}
