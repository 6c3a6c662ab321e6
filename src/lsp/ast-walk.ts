/** Generic walks over the AST: every node of a kind, in source order (AST nodes are plain objects with a `kind`). */
import type * as A from "../compiler/1-syntax/ast.ts";

type Node = { kind: string; span: A.Ident["span"] };

export function nodesOf<K extends string>(
  root: unknown,
  kinds: readonly K[],
): (Node & { kind: K } & Record<string, any>)[] {
  const out: (Node & { kind: K })[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!v || typeof v !== "object") return;
    const n = v as Node;
    if (typeof n.kind === "string" && (kinds as readonly string[]).includes(n.kind)) out.push(n as Node & { kind: K });
    for (const [k, c] of Object.entries(v)) if (k !== "span") visit(c);
  };
  visit(root);
  return out.sort((a, b) => a.span.start - b.span.start);
}

/** The names a forward body binds with `let` (locals that shadow nothing we annotate or rename). */
export function forwardLocals(decl: A.BlockDecl | A.ModelDecl): Set<string> {
  const fwd = decl.members.find((m): m is A.ForwardDecl => m.kind === "Forward");
  return new Set(
    fwd
      ? [
          ...fwd.inputs.map((i) => i.name.name),
          ...nodesOf(fwd.body, ["Let", "For"]).flatMap((s) =>
            (s.kind === "Let" ? s.names : s.index ? [s.index, s.variable] : [s.variable]).map((n: A.Ident) => n.name),
          ),
        ]
      : [],
  );
}
