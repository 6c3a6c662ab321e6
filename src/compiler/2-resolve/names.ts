/**
 * Phase 2b: static name checks over every block and model, used or not: unknown blocks in member
 * declarations (with "did you mean"), duplicate hyperparameters and members, bad types.
 * Names inside forward bodies are checked when the body runs (phase 3), where scopes are exact.
 */
import type * as A from "../1-syntax/ast.ts";
import { diag, withHint, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { blockChain } from "./derive.ts";
import { knownTypes } from "../0-core/scalar-types.ts";
import { STD_FILE, type Program } from "./program.ts";
import { didYouMean } from "./suggest.ts";

export function checkNames(program: Program): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [name, file] of program.files) {
    const scope = program.scopes.get(name);
    if (!scope) continue;
    const blocks = [...scope.values()].filter((d) => d.decl.kind === "Block").map((d) => d.name);
    // a name whose import failed was reported at the import
    const imported = new Set(file.ast.imports.flatMap((i) => i.names.map((n) => n.name)));
    const checkModule = (me: A.ModuleExpr): void => {
      if (me.kind === "Repeat") return checkModule(me.body);
      if (me.kind === "Seq") return me.items.forEach((i) => checkModule(i.module));
      const d = scope.get(me.block.name);
      if (d && d.decl.kind === "Block") return;
      if (!d && imported.has(me.block.name)) return;
      const inStd = program.scopes.get(STD_FILE)?.get(me.block.name);
      const hint =
        inStd && name !== STD_FILE
          ? `it is in the standard library: import { ${me.block.name} } from "std"`
          : didYouMean(me.block.name, blocks);
      out.push(withHint(diag("unknown_block", me.block.span, me.block.name), hint));
    };
    for (const decl of file.ast.decls) {
      if (decl.kind === "Block" && decl.base) checkBase(program, name, decl, blocks, out);
      const seen = new Set<string>();
      for (const p of decl.params) {
        if (seen.has(p.name.name)) out.push(diag("duplicate_definition", p.name.span, "hyperparameter", p.name.name));
        seen.add(p.name.name);
        if (!p.type.options && !knownTypes.includes(p.type.name)) {
          out.push(
            withHint(diag("unknown_name", p.type.span, "type", p.type.name), didYouMean(p.type.name, knownTypes)),
          );
        }
      }
      let forwards = 0;
      for (const m of decl.members) {
        if (m.kind === "SubModule" || m.kind === "UseMember") checkModule(m.module);
        if (m.kind === "Forward" && ++forwards > 1)
          out.push(diag("duplicate_definition", m.span, "forward of", decl.name.name));
        if (m.kind === "Forward") checkStatements(m.body, out);
      }
      if (decl.kind === "Model") for (const e of decl.edits) if (e.kind === "Replace") checkModule(e.module);
    }
  }
  return out;
}

/** `block X extends Y`: Y must be a block in scope; a cycle is reported once, at its earliest block. */
function checkBase(program: Program, file: string, decl: A.BlockDecl, blocks: string[], out: Diagnostic[]): void {
  const def = program.scopes.get(file)?.get(decl.name.name);
  if (!def || def.decl !== decl) return; // a duplicate name: reported by resolve
  const base = program.scopes.get(file)?.get(decl.base!.name);
  if (!base || base.decl.kind !== "Block") {
    out.push(withHint(diag("unknown_block", decl.base!.span, decl.base!.name), didYouMean(decl.base!.name, blocks)));
    return;
  }
  const chain = blockChain(program, def);
  const closes = program.scopes.get(chain[0].file)?.get((chain[0].decl as A.BlockDecl).base?.name ?? "");
  if (closes?.decl !== decl) return; // no cycle, or one this block only leads into
  const first = [...chain].sort((a, b) => a.file.localeCompare(b.file) || a.decl.span.start - b.decl.span.start)[0];
  if (first.decl === decl)
    out.push(diag("block_extends_cycle", decl.base!.span, [...chain.map((c) => c.name).reverse(), def.name]));
}

/** Statements that are valid syntax but not meaningful: `f(x) = y`, a return that is not last. */
function checkStatements(body: A.Stmt[], out: Diagnostic[]): void {
  body.forEach((s, i) => {
    if (s.kind === "Assign" && !s.name.name) out.push(diag("invalid_assign_target", s.name.span));
    if (s.kind === "Return" && i < body.length - 1)
      out.push(diag("misplaced_statement", body[i + 1].span, "a statement after `return`", "a forward body"));
    if (s.kind === "If") {
      checkStatements(s.then, out);
      if (s.else) checkStatements(s.else, out);
    }
    if (s.kind === "For") checkStatements(s.body, out);
  });
}
