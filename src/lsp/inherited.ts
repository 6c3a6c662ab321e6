/**
 * A declaration's hyperparameters and members together with those it inherits through `extends`, each
 * with the declaration that states it: the compiler's view of a derived block (2-resolve/derive.ts), so
 * hover, go-to-definition and completion see what the checker sees. A model's own only: what a variant
 * model inherits is edited by `replace` and `remove`, which this view does not model.
 */
import type * as A from "../compiler/1-syntax/ast.ts";
import { blockView, memberKey } from "../compiler/2-resolve/derive.ts";
import type { Definition, Program } from "../compiler/2-resolve/program.ts";

export interface View {
  /** Base first, the declaration itself last. */
  chain: Definition[];
  params: { param: A.HyperParam; from: Definition }[];
  members: { member: A.Member; from: Definition }[];
}

/** The definition a declaration of `file` is in scope as (itself, unless a duplicate took its name). */
export function definitionOf(program: Program, file: string, decl: A.BlockDecl | A.ModelDecl): Definition {
  const d = program.scopes.get(file)?.get(decl.name.name);
  return d && d.decl === decl ? d : { name: decl.name.name, decl, file };
}

export function viewOf(program: Program, def: Definition): View {
  if (def.decl.kind !== "Block") return { chain: [def], params: def.decl.params.map((param) => ({ param, from: def })), members: def.decl.members.map((member) => ({ member, from: def })) };
  const v = blockView(program, def as Definition & { decl: A.BlockDecl });
  const owner = <T>(has: (d: A.BlockDecl | A.ModelDecl) => readonly T[], x: T) => v.chain.find((link) => has(link.decl).includes(x)) ?? def;
  return {
    chain: v.chain,
    params: v.params.map((param) => ({ param, from: owner((d) => d.params, param) })),
    members: v.members.map(({ member }) => ({ member, from: owner((d) => d.members, member) })),
  };
}

/** The member a name (a dotted path for a sub-module) in a declaration refers to, own or inherited. */
export function memberNamed(view: View, name: string): { member: A.Member; from: Definition } | undefined {
  return view.members.find((m) => m.member.kind !== "Forward" && memberKey(m.member) === name);
}

/** The span of the name a member declares (all of a dotted sub-module path). */
export function memberNameSpan(m: A.Member): A.Ident["span"] | undefined {
  if (m.kind === "SubModule") return { file: m.path[0].span.file, start: m.path[0].span.start, end: m.path[m.path.length - 1].span.end };
  return m.kind === "Forward" ? undefined : m.name.span;
}
