/**
 * A declaration's hyperparameters and members together with those it inherits through `extends`, each
 * with the declaration that states it: the compiler's views of a derived block (2-resolve/derive.ts) and
 * of a variant model (3-check/model-config.ts), so hover, go-to-definition and completion see what the
 * checker sees. A variant's `remove` of an inherited member drops it; its `replace` of one is kept with
 * the member, as the block the instance now has.
 */
import type * as A from "../compiler/1-syntax/ast.ts";
import { blockView, memberKey } from "../compiler/2-resolve/derive.ts";
import type { Definition, Program } from "../compiler/2-resolve/program.ts";
import { modelConfig } from "../compiler/3-check/model-config.ts";

export interface Member {
  member: A.Member;
  from: Definition;
  /** A variant model's `replace` of this member: the module it has instead, and the file its names resolve in. */
  replaced?: { module: A.ModuleExpr; file: string };
}

export interface View {
  /** Base first, the declaration itself last. */
  chain: Definition[];
  params: { param: A.HyperParam; from: Definition }[];
  members: Member[];
}

/** The definition a declaration of `file` is in scope as (itself, unless a duplicate took its name). */
export function definitionOf(program: Program, file: string, decl: A.BlockDecl | A.ModelDecl): Definition {
  const d = program.scopes.get(file)?.get(decl.name.name);
  return d && d.decl === decl ? d : { name: decl.name.name, decl, file };
}

export function viewOf(program: Program, def: Definition): View {
  if (def.decl.kind === "Model") return modelView(program, def);
  const v = blockView(program, def as Definition & { decl: A.BlockDecl });
  const owner = <T>(has: (d: A.BlockDecl | A.ModelDecl) => readonly T[], x: T) =>
    v.chain.find((link) => has(link.decl).includes(x)) ?? def;
  return {
    chain: v.chain,
    params: v.params.map((param) => ({ param, from: owner((d) => d.params, param) })),
    members: v.members.map(({ member }) => ({ member, from: owner((d) => d.members, member) })),
  };
}

function modelView(program: Program, def: Definition): View {
  const cfg = modelConfig(program, def, []); // its diagnostics are the compile's to report
  const owner = <T>(has: (d: A.BlockDecl | A.ModelDecl) => readonly T[], x: T) =>
    cfg.chain.find((link) => has(link.decl).includes(x)) ?? def;
  const removed = new Set(cfg.edits.filter((e) => e.kind === "remove").map((e) => e.path));
  const replaced = new Map(
    cfg.edits.flatMap((e) =>
      e.kind === "replace" && e.module ? [[e.path, { module: e.module, file: e.file }] as const] : [],
    ),
  );
  const members: Member[] = cfg.members
    .filter((m) => !removed.has(memberKey(m.member)))
    .map(({ member }) => ({
      member,
      from: owner((d) => d.members, member),
      ...(replaced.has(memberKey(member)) ? { replaced: replaced.get(memberKey(member)) } : {}),
    }));
  if (cfg.forward) members.push({ member: cfg.forward, from: owner((d) => d.members, cfg.forward as A.Member) });
  return {
    chain: cfg.chain,
    params: cfg.params.map(({ decl }) => ({ param: decl, from: owner((d) => d.params, decl) })),
    members,
  };
}

/** The member a name (a dotted path for a sub-module) in a declaration refers to, own or inherited. */
export function memberNamed(view: View, name: string): Member | undefined {
  return view.members.find((m) => m.member.kind !== "Forward" && memberKey(m.member) === name);
}

/** The span of the name a member declares (all of a dotted sub-module path). */
export function memberNameSpan(m: A.Member): A.Ident["span"] | undefined {
  if (m.kind === "SubModule")
    return { file: m.path[0].span.file, start: m.path[0].span.start, end: m.path[m.path.length - 1].span.end };
  return m.kind === "Forward" || m.kind === "AssertMember" ? undefined : m.name.span;
}
