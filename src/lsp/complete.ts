/**
 * Completion: after `a.b.` the members under that path (or the members of the block `a` instantiates);
 * elsewhere the blocks in scope (own, imported, std), the enclosing declaration's hyperparameters and
 * members (with those a derived block inherits, marked with their base), the forward's locals, and the
 * primitive ops with their signatures.
 */
import { CompletionItemKind, type CompletionItem } from "vscode-languageserver/node";
import type * as A from "../compiler/1-syntax/ast.ts";
import { STD_FILE, type Definition } from "../compiler/2-resolve/program.ts";
import { forwardLocals } from "./ast-walk.ts";
import { primitiveOps } from "./ops.ts";
import { definitionOf, viewOf } from "./inherited.ts";
import { declAt } from "./query.ts";
import type { Located } from "./workspace.ts";

const {
  Function: FUNCTION,
  Field: FIELD,
  Variable: VARIABLE,
  Class: CLASS,
  Module: MODULE,
  Constant: CONSTANT,
  TypeParameter: TYPE_PARAMETER,
} = CompletionItemKind;
type Item = CompletionItem;

/** A member by its path, with where the block it instantiates is named (a base's file, or a variant's `replace`). */
type Path = { path: string[]; m: A.Member; from: string; module?: A.ModuleExpr; file: string };

/** The members of a declaration, own and inherited (`from` names the declaration that states each). */
const memberPaths = (at: Located, def: Definition): Path[] =>
  viewOf(at.analysis.program, def).members.flatMap(({ member: m, from, replaced }): Path[] => {
    const where = {
      from: from.name,
      module: replaced?.module ?? (m.kind === "SubModule" || m.kind === "UseMember" ? m.module : undefined),
      file: replaced?.file ?? from.file,
    };
    return m.kind === "SubModule"
      ? [{ path: m.path.map((p) => p.name), m, ...where }]
      : m.kind === "UseMember" || m.kind === "ParamMember"
        ? [{ path: [m.name.name], m, ...where }]
        : [];
  });
const inheritedFrom = (def: Definition, from: string) => (from === def.name ? "" : ` (from ${from})`);

const instanceBlock = (module: A.ModuleExpr | undefined): string | undefined => {
  let e = module;
  while (e?.kind === "Repeat") e = e.body;
  return e?.kind === "Instance" ? e.block.name : undefined;
};

function afterDot(at: Located, decl: A.BlockDecl | A.ModelDecl, prefix: string[]): Item[] {
  const self = definitionOf(at.analysis.program, at.path, decl);
  const mine = memberPaths(at, self);
  const own = mine.filter((p) => p.path.length > prefix.length && prefix.every((s, i) => p.path[i] === s));
  const items: Item[] = own.map((p) => ({
    label: p.path[prefix.length],
    kind: FIELD,
    detail: p.path.join(".") + inheritedFrom(self, p.from),
  }));
  // `mlp.` where mlp is an instance of a block: that block's members (an inherited member's block is named in its base's file)
  const whole = mine.find((p) => p.path.join(".") === prefix.join("."));
  const block = whole && instanceBlock(whole.module);
  const def = block ? at.analysis.program.scopes.get(whole.file)?.get(block) : undefined;
  if (def)
    for (const p of memberPaths(at, def))
      items.push({
        label: p.path[0],
        kind: FIELD,
        detail: `${block}.${p.path.join(".")}${inheritedFrom(def, p.from)}`,
      });
  return dedupe(items);
}

function dedupe(items: Item[]): Item[] {
  const seen = new Set<string>();
  return items.filter((i) => !seen.has(i.label) && (seen.add(i.label), true));
}

export function completion(at: Located): Item[] {
  const decl = declAt(at.analysis.program, at.path, at.offset);
  const before = at.text.slice(0, at.offset);
  const dotted = /([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\.([A-Za-z0-9_]*)$/.exec(before);
  if (dotted && decl) return afterDot(at, decl, dotted[1].split("."));
  const items: Item[] = [];
  for (const [name, def] of at.analysis.program.scopes.get(at.path) ?? []) {
    const params = def.decl.params.map((p) => `${p.name.name}: ${p.type.name}`).join(", ");
    items.push({
      label: name,
      kind: def.decl.kind === "Block" ? CLASS : MODULE,
      detail: `${def.file === STD_FILE ? "std " : ""}${def.decl.kind === "Block" ? "block" : "model"} ${name}(${params})`,
    });
  }
  // the rest of std, for a block not imported yet
  for (const d of at.analysis.program.files.get(STD_FILE)?.ast.decls ?? [])
    items.push({
      label: d.name.name,
      kind: CLASS,
      detail: `std block ${d.name.name} (import { ${d.name.name} } from "std")`,
    });
  if (decl) {
    const self = definitionOf(at.analysis.program, at.path, decl);
    for (const { param: p, from } of viewOf(at.analysis.program, self).params)
      items.push({
        label: p.name.name,
        kind: TYPE_PARAMETER,
        detail: `hyperparameter: ${p.type.name}${inheritedFrom(self, from.name)}`,
      });
    for (const p of memberPaths(at, self))
      items.push({ label: p.path[0], kind: FIELD, detail: p.path.join(".") + inheritedFrom(self, p.from) });
    for (const l of decl.members)
      if (l.kind === "LetMember") items.push({ label: l.name.name, kind: CONSTANT, detail: "let" });
    for (const v of forwardLocals(decl)) items.push({ label: v, kind: VARIABLE, detail: "forward local" });
  }
  for (const op of primitiveOps()) items.push({ label: op.name, kind: FUNCTION, detail: op.signature });
  return dedupe(items);
}
