/**
 * Members no forward uses: a sub-module or parameter that the instance's forward never names is
 * a warning, and a variant may `remove` it even when it is not `optional` (nothing would break). Decided on the
 * forward's text, so every instance of a declaration agrees: the effective forward, and the bases' forwards it
 * reaches through `super(...)`.
 */
import type * as A from "../1-syntax/ast.ts";
import { diag, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { Instance } from "./values.ts";

/** The name a derived block's forward calls its base's forward by: `super(x)`. */
export const SUPER = "super";

/** The forward a call of `super` in `from` runs: the one before it in the block's chain of forwards. */
export function baseForward(inst: Instance, from: A.ForwardDecl): A.ForwardDecl | undefined {
  const chain = inst.forwards ?? [];
  const i = chain.indexOf(from);
  return i > 0 ? chain[i - 1] : undefined;
}

/** The forwards that run when the instance is called: its own, then each base's reached through `super`. */
function liveForwards(inst: Instance): A.ForwardDecl[] {
  const live: A.ForwardDecl[] = [];
  for (let f = inst.forward; f && !live.includes(f);) {
    live.push(f);
    f = namesIn(f.body).has(SUPER) ? baseForward(inst, f) : undefined;
  }
  return live;
}

/** Every name and dotted member path (`transformer.resblocks`) the syntax under `node` refers to. */
function collect(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const x of node) collect(x, out);
    return;
  }
  if (!node || typeof node !== "object") return;
  const n = node as { kind?: string };
  if (n.kind === "Name") out.add((n as A.NameExpr).name);
  if (n.kind === "Member") {
    const path = dotted(n as A.MemberExpr);
    if (path) out.add(path);
  }
  for (const [k, v] of Object.entries(n)) if (k !== "span" && v && typeof v === "object") collect(v, out);
}

function dotted(e: A.Expr): string | undefined {
  if (e.kind === "Name") return e.name;
  if (e.kind !== "Member") return undefined;
  const head = dotted(e.target);
  return head === undefined ? undefined : `${head}.${e.name.name}`;
}

/** collect(node), once per syntax node: every instance of a block (24 resblocks in X-CLIP) asks about the same forward. */
const collected = new WeakMap<object, Set<string>>();
function namesIn(node: object): Set<string> {
  let names = collected.get(node);
  if (!names) (collect(node, (names = new Set())), collected.set(node, names));
  return names;
}

/** The names and member paths the instance's live forwards use; undefined for a block without a forward. */
export function usedNames(inst: Instance): Set<string> | undefined {
  if (!inst.forward) return undefined;
  const out = new Set<string>();
  for (const f of liveForwards(inst)) for (const n of namesIn(f)) out.add(n);
  return out;
}

/** A warning at each member and parameter of the instance that no forward uses. */
export function warnUnused(inst: Instance, out: Diagnostic[]): void {
  const used = usedNames(inst);
  if (!used) return;
  const visit = (holder: Instance, prefix: string) => {
    for (const name of holder.memberOrder) {
      const m = holder.members.get(name);
      const path = prefix + name;
      if (!m) continue;
      if (m.kind === "namespace" && !used.has(path)) visit(m, `${path}.`);
      else if (!used.has(path)) out.push(diag("unused_member", m.span, path, inst.blockName));
    }
  };
  visit(inst, "");
  for (const [name, p] of inst.params)
    if (!used.has(name)) out.push(diag("unused_member", p.span, name, inst.blockName));
}
