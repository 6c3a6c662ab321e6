/**
 * Where each IR module and parameter lives in the torch module tree. A member declared with `use` keeps
 * its parameters at its parent's level of the state dict; it becomes a "view": a Python object that is
 * not registered under its own name, whose parameters and sub-modules are registered on the parent.
 */
import type { ModelIR, Module } from "../../compiler/0-core/schema.ts";

export interface Placement {
  /** Module path -> its prefix in the state dict ("" for the root and for views of the root). */
  prefix: Map<string, string>;
  /** Module paths declared with `use`. */
  views: Set<string>;
  modules: Map<string, Module>;
}

const join = (a: string, b: string) => (a ? `${a}.${b}` : b);
const lastSegment = (path: string) => path.slice(path.lastIndexOf(".") + 1);

export function place(ir: ModelIR): Placement {
  const modules = new Map(ir.modules.map((m) => [m.path, m]));
  const prefix = new Map<string, string>([["", ""]]);
  const views = new Set<string>();
  const subtreeParams = (m: Module): string[] => [
    ...m.params,
    ...m.children.flatMap((c) => subtreeParams(modules.get(c)!)),
  ];
  const visit = (m: Module) => {
    for (const c of m.children) {
      const child = modules.get(c)!;
      const expected = join(prefix.get(m.path)!, lastSegment(c));
      const params = subtreeParams(child);
      const nested = params.every((p) => p.startsWith(`${expected}.`));
      if (nested) prefix.set(c, expected);
      else {
        views.add(c);
        prefix.set(c, prefix.get(m.path)!);
      }
      visit(child);
    }
  };
  visit(modules.get("")!);
  return { prefix, views, modules };
}

/** A dotted name as a Python attribute chain: numeric segments become indices (`decoder[0]`). */
export function attrChain(base: string, dotted: string): string {
  if (!dotted) return base;
  return dotted
    .split(".")
    .reduce(
      (acc, s) =>
        /^\d+$/.test(s)
          ? `${acc}[${s}]`
          : /^[A-Za-z_]\w*$/.test(s)
            ? `${acc}.${s}`
            : `getattr(${acc}, ${JSON.stringify(s)})`,
      base,
    );
}

/** A parameter's name relative to the module that declares it. */
export function localName(pl: Placement, module: string, paramPath: string): string {
  const p = pl.prefix.get(module)!;
  return p ? paramPath.slice(p.length + 1) : paramPath;
}

/** The module that declares a parameter. */
export function ownerOf(ir: ModelIR): Map<string, string> {
  const owner = new Map<string, string>();
  for (const m of ir.modules) for (const p of m.params) owner.set(p, m.path);
  return owner;
}
