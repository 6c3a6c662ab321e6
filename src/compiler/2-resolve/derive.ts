/**
 * `block X extends Y`: the effective declaration of a derived block. X inherits Y's hyperparameters (X's
 * own come after them, or override one of the same name), members and forward; a member or forward of the
 * same name in X overrides Y's in place, new members are added after Y's. Inherited members keep their
 * names, so their parameter keys are Y's and Y's weights load into X.
 */
import type * as A from "../1-syntax/ast.ts";
import { diag, withHint, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { Definition, Program } from "./program.ts";
import { didYouMean } from "./suggest.ts";

export interface BlockView {
  /** Base first, the block itself last. */
  chain: Definition[];
  params: A.HyperParam[];
  /** Each member with the file its names resolve in (a base's members resolve in the base's file). */
  members: { member: A.Member; file: string }[];
}

const views = new WeakMap<Program, WeakMap<A.BlockDecl, BlockView>>();

/** The chain of `extends` of a block, base first; an unknown base or a cycle ends it (names.ts reports both). */
export function blockChain(program: Program, def: Definition, out?: Diagnostic[]): Definition[] {
  const chain: Definition[] = [def];
  let cur = def;
  while (cur.decl.kind === "Block" && cur.decl.base) {
    const baseName = cur.decl.base;
    const scope = program.scopes.get(cur.file);
    const base = scope?.get(baseName.name);
    if (!base || base.decl.kind !== "Block") {
      const blocks = [...(scope?.values() ?? [])].filter((d) => d.decl.kind === "Block").map((d) => d.name);
      out?.push(withHint(diag("unknown_block", baseName.span, baseName.name), didYouMean(baseName.name, blocks)));
      break;
    }
    if (chain.some((c) => c.decl === base.decl)) {
      out?.push(diag("block_extends_cycle", baseName.span, [...chain.map((c) => c.name).reverse(), base.name]));
      break;
    }
    chain.unshift(base);
    cur = base;
  }
  return chain;
}

export function blockView(program: Program, def: Definition & { decl: A.BlockDecl }): BlockView {
  let cache = views.get(program);
  if (!cache) views.set(program, (cache = new WeakMap()));
  const hit = cache.get(def.decl);
  if (hit) return hit;
  const chain = blockChain(program, def);
  const view: BlockView = { chain, params: [], members: [] };
  for (const link of chain) {
    const d = link.decl as A.BlockDecl;
    for (const p of d.params) {
      const i = view.params.findIndex((q) => q.name.name === p.name.name);
      if (i >= 0) view.params[i] = p;
      else view.params.push(p);
    }
    // only a base's member is overridden: two of the same name in one block stay, to be reported as duplicates
    const inherited = new Map(view.members.map((x, i) => [memberKey(x.member), i]));
    for (const m of d.members) {
      const i = inherited.get(memberKey(m));
      inherited.delete(memberKey(m));
      if (i !== undefined) view.members[i] = { member: m, file: link.file };
      else view.members.push({ member: m, file: link.file });
    }
  }
  cache.set(def.decl, view);
  return view;
}

/** What a member overrides by: its name (a dotted path for a sub-module), or `forward`. */
export function memberKey(m: A.Member): string {
  switch (m.kind) {
    case "LetMember":
    case "ParamMember":
    case "UseMember":
      return m.name.name;
    // every assertion of a chain holds: none overrides another
    case "AssertMember":
      return `assert@${m.span.file}:${m.span.start}`;
    case "SubModule":
      return m.path.map((p) => p.name).join(".");
    case "Forward":
      return "forward";
  }
}

/** A hyperparameter a positional argument may not bind; see `positionalTraps`. */
export interface PositionalTrap {
  /** The block of the chain that declares it. */
  base: string;
  /** The hyperparameters later links add, which a user writing positionally most likely meant. */
  later: string[];
}

/**
 * Positional arguments fill a derived block's hyperparameters base first, so with
 * `block AdapterBlock(bottleneck: int = 64) extends ResidualAttentionBlock` the call `AdapterBlock(width, 32)`
 * would set the base's `heads` and leave `bottleneck` at 64, silently when no weight shape depends on `heads`.
 * A base's hyperparameter with a default, followed by ones a later link adds, must be named.
 */
export function positionalTraps(view: BlockView): Map<string, PositionalTrap> {
  const introducedAt = new Map<string, number>();
  view.chain.forEach((link, k) => {
    for (const p of (link.decl as A.BlockDecl).params)
      if (!introducedAt.has(p.name.name)) introducedAt.set(p.name.name, k);
  });
  const traps = new Map<string, PositionalTrap>();
  for (const p of view.params) {
    const k = introducedAt.get(p.name.name) ?? 0;
    const later = view.params.filter((q) => (introducedAt.get(q.name.name) ?? 0) > k).map((q) => q.name.name);
    if (p.default && later.length > 0) traps.set(p.name.name, { base: view.chain[k].name, later });
  }
  return traps;
}
