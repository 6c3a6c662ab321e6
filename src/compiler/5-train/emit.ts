/**
 * A graph under construction: an IR's nodes plus the ones a pass appends. `op` types each new node with
 * its op's own shape rule (an ill-typed gradient fails where it is built, naming the op), and `scalar`
 * shares one constant node per value. The VJPs of the op table build through this (as a GradEmitter).
 */
import type { Node } from "../0-core/schema.ts";
import * as P from "../0-core/dim.ts";
import { invariant } from "../diagnostics/diagnostic.ts";
import { opDef, type OpName } from "../ops/table.ts";
import { isRuleError, type DType, type GradEmitter, type GV } from "../ops/types.ts";
import { showShape } from "../ops/rule-helpers.ts";

export class GraphBuilder implements GradEmitter {
  readonly nodes: Node[];
  /** The module path new nodes are charged to. */
  scope = "";
  private scalars = new Map<string, GV>();

  constructor(nodes: readonly Node[]) {
    this.nodes = [...nodes];
    invariant(
      this.nodes.every((n, i) => n.id === i),
      "GraphBuilder takes densely numbered nodes",
    );
  }

  value(id: number): GV {
    const n = this.nodes[id];
    return { id, dtype: n.type.dtype, shape: n.type.shape };
  }

  private push(
    op: OpName,
    args: readonly GV[],
    attrs: Record<string, unknown>,
    dtype: DType,
    shape: (number | string)[],
  ): GV {
    const id = this.nodes.length;
    this.nodes.push({ id, op, args: args.map((a) => a.id), attrs, type: { dtype, shape }, scope: this.scope } as Node);
    return { id, dtype, shape };
  }

  op(name: string, args: readonly GV[], attrs: Record<string, unknown> = {}): GV {
    const def = opDef(name as OpName);
    invariant(def && def.shape, `no computed op \`${name}\``);
    const parsed = def.attrs.parse(attrs) as Record<string, unknown>;
    const checked: Record<string, unknown> = { ...parsed };
    for (const k of def.dims) checked[k] = (parsed[k] as (string | number)[]).map((d) => P.parse(d));
    const types = args.map((a) => ({ dtype: a.dtype, shape: a.shape.map((d) => P.parse(d)) }));
    const r = def.shape(types, checked, name);
    if (isRuleError(r))
      invariant(
        false,
        `building \`${name}\` on ${types.map((t) => t.dtype + showShape(t.shape)).join(", ")}: ${r.code} ${r.args.join(" ")}`,
      );
    return this.push(
      name as OpName,
      args,
      attrs === parsed ? attrs : stripDefaults(attrs, parsed),
      r.dtype,
      r.shape.map(P.dimToIr),
    );
  }

  scalar(value: number, dtype: DType = "f32"): GV {
    const key = `${dtype}:${Object.is(value, -0) ? "-0" : value}`;
    let v = this.scalars.get(key);
    if (!v) this.scalars.set(key, (v = this.push("const", [], { value }, dtype, [])));
    return v;
  }

  input(name: string, dtype: DType, shape: (number | string)[]): GV {
    return this.push("input", [], { name }, dtype, shape);
  }
}

/** The attributes as parsed (defaults filled in), keeping optional ones left out absent (conv's dilation, groups). */
function stripDefaults(given: Record<string, unknown>, parsed: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(parsed).filter(([k, v]) => v !== undefined || k in given));
}
