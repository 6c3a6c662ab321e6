/**
 * Functions callable in forward bodies. Each lowers to one primitive op, as its op-table entry says
 * (ops/table.ts: parameters, defaults, how the arguments become operands and attributes); `size`
 * alone yields a static value.
 */
import { diag, withHint } from "../diagnostics/diagnostic.ts";
import { didYouMean } from "../2-resolve/suggest.ts";
import { builtins, type ComputeOp } from "../ops/table.ts";
import { isRuleError, type ArgKind, type Builtin, type BuiltinParam } from "../ops/types.ts";
import type { Span } from "../source.ts";
import { bindArguments, type ArgSite } from "./call-args.ts";
import { ruleDiagnostic, type GraphBuilder } from "./graph.ts";
import * as P from "../0-core/dim.ts";
import { ERROR, asPoly, dimValue, kindName, type TensorVal, type Value } from "./values.ts";
import type { Diagnostic } from "../diagnostics/diagnostic.ts";

interface Spec {
  params: readonly BuiltinParam[];
  build: (a: Record<string, any>, g: GraphBuilder, span: Span, out: Diagnostic[]) => TensorVal | Value | undefined;
}

const emit =
  (op: ComputeOp, b: Builtin<Record<string, unknown>>): Spec["build"] =>
  (a, g, span, out) => {
    const r = b.lower(a);
    if (isRuleError(r)) {
      out.push(ruleDiagnostic(r, span, Object.values(a)));
      return undefined;
    }
    return g.emit(op, r.inputs, r.attrs, span);
  };

const specs: Record<string, Spec> = Object.fromEntries(
  [...builtins].map(([name, { op, builtin }]) => [name, { params: builtin.params, build: emit(op, builtin) }]),
);
specs.size = {
  params: [
    { name: "x", kind: "tensor" },
    { name: "axis", kind: "int" },
  ],
  build: (a) => {
    const r = a.x.shape.length;
    const ax = a.axis < 0 ? a.axis + r : a.axis;
    return ax >= 0 && ax < r ? dimValue(a.x.shape[ax]) : undefined;
  },
};

// `stack(outs, axis: 0)`: tensors of one shape along a new axis, as one reshape each and a concat (which
// copies: the collected list itself does not)
specs.stack = {
  params: [
    { name: "xs", kind: "tensors" },
    { name: "axis", kind: "int", default: 0 },
  ],
  build: (a, g, span, out) => {
    const xs = a.xs as TensorVal[];
    const r = xs[0].shape.length;
    const ax = a.axis < 0 ? a.axis + r + 1 : a.axis;
    if (ax < 0 || ax > r) {
      out.push(diag("axis_out_of_range", span, a.axis, r + 1));
      return undefined;
    }
    const lifted = xs.map((x) =>
      g.op("reshape", [x], { shape: [...x.shape.slice(0, ax), P.constant(1), ...x.shape.slice(ax)] }, span),
    );
    if (lifted.some((x) => !x)) return undefined;
    return g.op("concat", lifted as TensorVal[], { axis: ax }, span);
  },
};

// `where(mask, a, b)`: a where the bool mask holds, b elsewhere, broadcast; a or b may be a plain number
// (`where(mask, x, -1e9)`). Written with the table's ops as a * m + b * (1 - m) with m the mask as 0/1, so
// every engine and the gradient (g * m to a, g * (1 - m) to b) come with them; exact for finite values, while
// an inf or NaN in the branch not taken still reaches the result
specs.where = {
  params: [
    { name: "mask", kind: "tensor" },
    { name: "a", kind: "tensor", scalar: true },
    { name: "b", kind: "tensor", scalar: true },
  ],
  build: (x, g, span, out) => {
    const { mask, a, b } = x as { mask: TensorVal; a: TensorVal; b: TensorVal };
    if (mask.dtype !== "bool") {
      out.push(
        diag(
          "type_mismatch",
          span,
          "the mask of `where`",
          "a bool tensor (a comparison such as `greater(x, 0)`)",
          `${mask.dtype}[...]`,
        ),
      );
      return undefined;
    }
    if (a.dtype !== b.dtype) {
      out.push(diag("dtype_mismatch", span, "`where`", a.dtype, b.dtype));
      return undefined;
    }
    const m = g.op("cast", [mask], { dtype: a.dtype }, span);
    const one = g.constant(1, a.dtype, span);
    const rest = m && g.op("sub", [one, m], {}, span);
    const ta = m && g.op("mul", [a, m], {}, span);
    const tb = rest && g.op("mul", [b, rest], {}, span);
    return ta && tb ? g.op("add", [ta, tb], {}, span) : undefined;
  },
};

export const builtinNames: readonly string[] = Object.keys(specs);

export interface CallArg extends ArgSite {
  value: Value;
}

/** Check a builtin call's arguments against its spec and emit the op. */
export function callBuiltin(name: string, args: CallArg[], g: GraphBuilder, span: Span, out: Diagnostic[]): Value {
  const spec = specs[name];
  if (!spec) {
    out.push(withHint(diag("unknown_function", span, name), didYouMean(name, builtinNames)));
    return ERROR;
  }
  if (args.some((a) => a.value.k === "error" || (a.value.k === "list" && a.value.items.some((x) => x.k === "error"))))
    return ERROR;
  const errors = out.length;
  const bound = bindArguments(
    name,
    spec.params.map((p) => p.name),
    args,
    out,
  );
  if (out.length > errors) return ERROR;
  const got: Record<string, { v: Value; span: Span }> = {};
  for (const [pname, i] of bound) got[pname] = { v: args[i].value, span: args[i].span };
  liftScalars(spec.params, got, g);
  const vals: Record<string, unknown> = {};
  for (const { name: pname, kind, default: def } of spec.params) {
    const g0 = got[pname];
    if (!g0) {
      if (kind === "tensor?" || def !== undefined) {
        vals[pname] = def ?? undefined;
        continue;
      }
      out.push(diag("missing_argument", span, pname, name));
      return ERROR;
    }
    const conv = convert(g0.v, kind);
    if (conv === undefined) {
      out.push(
        diag("type_mismatch", g0.span, `argument \`${pname}\` of \`${name}\``, kindWords[kind], gotWords(g0.v, kind)),
      );
      return ERROR;
    }
    vals[pname] = conv;
  }
  const r = spec.build(vals, g, span, out);
  if (!r) return ERROR;
  return "k" in r ? r : { k: "tensor", t: r };
}

/** Numbers given for a `scalar` parameter become constants of the dtype of the first tensor given for one (f32 when none is). */
function liftScalars(
  params: readonly BuiltinParam[],
  got: Record<string, { v: Value; span: Span }>,
  g: GraphBuilder,
): void {
  // the dtype of the operands that may be numbers (where's a and b, not its mask)
  const first = params
    .filter((p) => p.scalar)
    .map((p) => got[p.name]?.v)
    .find((v) => v?.k === "tensor");
  const dtype = first?.k === "tensor" ? first.t.dtype : "f32";
  for (const p of params) {
    const a = got[p.name];
    if (!p.scalar || !a || a.v.k === "tensor") continue;
    const poly = asPoly(a.v);
    const c = a.v.k === "num" ? a.v.v : poly && P.asConstant(poly);
    if (c !== undefined) got[p.name] = { v: { k: "tensor", t: g.constant(c, dtype, a.span) }, span: a.span };
  }
}

const kindWords: Record<ArgKind, string> = {
  tensor: "a tensor",
  "tensor?": "a tensor",
  tensors: "a list of tensors",
  int: "a whole number",
  ints: "a whole number or a list of them",
  dims: "a list of dimensions",
  float: "a number",
  bool: "`true` or `false`",
  str: "a string",
};

/** What was given, down to the list item that does not fit: `let p = k / 2` with k = 3 is 1.5, not a dimension. */
function gotWords(v: Value, kind: ArgKind): string {
  if (v.k !== "list" || (kind !== "dims" && kind !== "ints" && kind !== "tensors")) return kindName(v);
  const item = kind === "tensors" ? "tensor" : kind === "dims" ? "dims" : "int";
  const i = v.items.findIndex(
    (x) => convert(item === "dims" ? { k: "list", items: [x] } : x, item as ArgKind) === undefined,
  );
  if (i < 0) return v.items.length ? "list" : "an empty list";
  const bad = v.items[i];
  const why = bad.k === "num" && kind !== "tensors" ? ", not a whole number" : "";
  return `a list whose item ${i + 1} is a ${kindName(bad)}${why}`;
}

function convert(v: Value, kind: ArgKind): unknown {
  switch (kind) {
    case "tensor":
    case "tensor?":
      return v.k === "tensor" ? v.t : undefined;
    case "tensors":
      return v.k === "list" && v.items.length > 0 && v.items.every((x) => x.k === "tensor")
        ? v.items.map((x) => (x as { t: TensorVal }).t)
        : undefined;
    case "int":
      return v.k === "num" && v.int ? v.v : undefined;
    case "ints":
      if (v.k === "num" && v.int) return [v.v];
      return v.k === "list" && v.items.every((x) => x.k === "num" && x.int)
        ? v.items.map((x) => (x as { v: number }).v)
        : undefined;
    case "dims": {
      if (v.k !== "list") return undefined;
      const ps = v.items.map(asPoly);
      return ps.every((p) => p !== undefined) ? ps : undefined;
    }
    case "float":
      return v.k === "num" ? v.v : undefined;
    case "bool":
      return v.k === "bool" ? v.v : undefined;
    case "str":
      return v.k === "str" ? v.v : undefined;
  }
}
/** A builtin's parameters (name, kind, default), for editor completion (src/lsp/ops.ts). */
export const builtinParams = (name: string): readonly BuiltinParam[] | undefined => specs[name]?.params;
