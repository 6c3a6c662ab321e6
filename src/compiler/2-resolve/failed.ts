/**
 * Which declarations a resolve error makes uncheckable: those the error lies in, and those
 * that instantiate or extend one of them, transitively. The checker still runs over every other block, so an
 * unknown block name in one block does not hide an undefined name in another, and nothing is reported twice
 * as a knock-on of the first mistake.
 */
import type * as A from "../1-syntax/ast.ts";
import type { Diagnostic } from "../diagnostics/diagnostic.ts";
import type { Program } from "./program.ts";

type Decl = A.BlockDecl | A.ModelDecl;

export function failedDecls(program: Program, ds: readonly Diagnostic[]): Set<A.BlockDecl> {
  const failed = new Set<Decl>();
  const all: { decl: Decl; file: string }[] = [];
  for (const [file, f] of program.files) for (const decl of f.ast.decls) all.push({ decl, file });
  for (const d of ds) {
    if (d.severity !== "error" || !d.span) continue;
    const at = d.span;
    const hit = all.find(
      ({ decl, file }) => file === at.file && decl.span.start <= at.start && at.end <= decl.span.end,
    );
    if (hit) failed.add(hit.decl);
  }
  for (let grew = failed.size > 0; grew;) {
    grew = false;
    for (const { decl, file } of all) {
      if (failed.has(decl)) continue;
      const scope = program.scopes.get(file);
      if (!usedNames(decl).some((n) => failed.has(scope?.get(n)?.decl as Decl))) continue;
      failed.add(decl);
      grew = true;
    }
  }
  return new Set([...failed].filter((d): d is A.BlockDecl => d.kind === "Block"));
}

/** The block names a declaration instantiates or extends. */
function usedNames(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) usedNames(n, out);
  else if (node && typeof node === "object") {
    const o = node as { kind?: string; block?: A.Ident; base?: A.Ident };
    if (o.kind === "Instance" && o.block) out.push(o.block.name);
    if ((o.kind === "Block" || o.kind === "Model") && o.base) out.push(o.base.name);
    for (const [k, v] of Object.entries(o)) if (k !== "span") usedNames(v, out);
  }
  return out;
}
