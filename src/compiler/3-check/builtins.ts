/** Functions callable in forward bodies, each lowering to one primitive op (or to a static value). */
import { diag, withHint } from "../diagnostics/diagnostic.ts";
import { didYouMean } from "../2-resolve/suggest.ts";
import * as P from "../4-ir/dim.ts";
import type { DType } from "../4-ir/schema.ts";
import type { Span } from "../source.ts";
import type { GraphBuilder } from "./graph.ts";
import { ERROR, asPoly, dimValue, kindName, type TensorVal, type Value } from "./values.ts";
import type { Diagnostic } from "../diagnostics/diagnostic.ts";

type Kind = "tensor" | "tensor?" | "tensors" | "int" | "ints" | "dims" | "float" | "bool" | "str";
interface Spec {
  params: [string, Kind, unknown?][];
  build: (a: Record<string, any>, g: GraphBuilder, span: Span) => TensorVal | Value | undefined;
}

const unaryOps = ["exp", "log", "sqrt", "rsqrt", "sigmoid", "tanh", "relu", "gelu", "abs", "neg"] as const;
const reduceOps = ["mean", "sum", "max"] as const;

const specs: Record<string, Spec> = {
  reshape: { params: [["x", "tensor"], ["shape", "dims"]], build: (a, g, s) => g.op("reshape", [a.x], { shape: a.shape }, s) },
  transpose: { params: [["x", "tensor"], ["perm", "ints"]], build: (a, g, s) => g.op("transpose", [a.x], { perm: a.perm }, s) },
  concat: { params: [["xs", "tensors"], ["axis", "int", 0]], build: (a, g, s) => g.op("concat", a.xs, { axis: a.axis }, s) },
  broadcast: { params: [["x", "tensor"], ["shape", "dims"]], build: (a, g, s) => g.op("broadcast_to", [a.x], { shape: a.shape }, s) },
  softmax: { params: [["x", "tensor"], ["axis", "int", -1]], build: (a, g, s) => g.op("softmax", [a.x], { axis: a.axis }, s) },
  l2_normalize: { params: [["x", "tensor"], ["axis", "int", -1]], build: (a, g, s) => g.op("l2_normalize", [a.x], { axis: a.axis }, s) },
  argmax: { params: [["x", "tensor"], ["axis", "int", -1]], build: (a, g, s) => g.op("argmax", [a.x], { axis: a.axis }, s) },
  matmul: { params: [["a", "tensor"], ["b", "tensor"]], build: (a, g, s) => g.op("matmul", [a.a, a.b], {}, s) },
  maximum: { params: [["a", "tensor"], ["b", "tensor"]], build: (a, g, s) => g.op("maximum", [a.a, a.b], {}, s) },
  minimum: { params: [["a", "tensor"], ["b", "tensor"]], build: (a, g, s) => g.op("minimum", [a.a, a.b], {}, s) },
  linear: {
    params: [["x", "tensor"], ["weight", "tensor"], ["bias", "tensor?"]],
    build: (a, g, s) => g.op("linear", a.bias ? [a.x, a.weight, a.bias] : [a.x, a.weight], {}, s),
  },
  conv2d: {
    params: [["x", "tensor"], ["weight", "tensor"], ["bias", "tensor?"], ["stride", "int", 1], ["padding", "int", 0]],
    build: (a, g, s) => g.op("conv2d", a.bias ? [a.x, a.weight, a.bias] : [a.x, a.weight], { stride: [a.stride, a.stride], padding: [a.padding, a.padding] }, s),
  },
  layer_norm: {
    params: [["x", "tensor"], ["weight", "tensor"], ["bias", "tensor"], ["eps", "float", 1e-5]],
    build: (a, g, s) => g.op("layer_norm", [a.x, a.weight, a.bias], { eps: a.eps }, s),
  },
  attention: {
    params: [["q", "tensor"], ["k", "tensor"], ["v", "tensor"], ["scale", "float", undefined], ["causal", "bool", false]],
    build: (a, g, s) => {
      const d = P.asConstant(a.q.shape[a.q.shape.length - 1]) ?? 1;
      return g.op("attention", [a.q, a.k, a.v], { scale: a.scale ?? d ** -0.5, causal: a.causal }, s);
    },
  },
  gather: { params: [["table", "tensor"], ["ids", "tensor"]], build: (a, g, s) => g.op("gather", [a.table, a.ids], {}, s) },
  gather_rows: { params: [["x", "tensor"], ["index", "tensor"]], build: (a, g, s) => g.op("gather_rows", [a.x, a.index], {}, s) },
  zeros: { params: [["shape", "dims"]], build: (a, g, s) => g.op("fill", [], { shape: a.shape, value: 0, dtype: "f32" }, s) },
  ones: { params: [["shape", "dims"]], build: (a, g, s) => g.op("fill", [], { shape: a.shape, value: 1, dtype: "f32" }, s) },
  fill: { params: [["shape", "dims"], ["value", "float"]], build: (a, g, s) => g.op("fill", [], { shape: a.shape, value: a.value, dtype: "f32" }, s) },
  zeros_like: { params: [["x", "tensor"]], build: (a, g, s) => g.op("fill", [], { shape: a.x.shape, value: 0, dtype: a.x.dtype }, s) },
  ones_like: { params: [["x", "tensor"]], build: (a, g, s) => g.op("fill", [], { shape: a.x.shape, value: 1, dtype: a.x.dtype }, s) },
  cast: { params: [["x", "tensor"], ["dtype", "str"]], build: (a, g, s) => g.op("cast", [a.x], { dtype: a.dtype as DType }, s) },
  dropout: { params: [["x", "tensor"], ["rate", "float", 0]], build: (a, g, s) => g.op("dropout", [a.x], { rate: a.rate }, s) },
  size: {
    params: [["x", "tensor"], ["axis", "int"]],
    build: (a) => {
      const r = a.x.shape.length;
      const ax = a.axis < 0 ? a.axis + r : a.axis;
      return ax >= 0 && ax < r ? dimValue(a.x.shape[ax]) : undefined;
    },
  },
};
for (const op of unaryOps) specs[op] = { params: [["x", "tensor"]], build: (a, g, s) => g.op(op, [a.x], {}, s) };
for (const op of reduceOps) {
  specs[op] = {
    params: [["x", "tensor"], ["axis", "ints"], ["keepdims", "bool", false]],
    build: (a, g, s) => g.op(op, [a.x], { axes: a.axis, keepdims: a.keepdims }, s),
  };
}

export const builtinNames: readonly string[] = Object.keys(specs);

export interface CallArg {
  name?: string;
  value: Value;
  span: Span;
}

/** Check a builtin call's arguments against its spec and emit the op. */
export function callBuiltin(name: string, args: CallArg[], g: GraphBuilder, span: Span, out: Diagnostic[]): Value {
  const spec = specs[name];
  if (!spec) {
    out.push(withHint(diag("unknown_function", span, name), didYouMean(name, builtinNames)));
    return ERROR;
  }
  if (args.some((a) => a.value.k === "error" || (a.value.k === "list" && a.value.items.some((x) => x.k === "error")))) return ERROR;
  const names = spec.params.map((p) => p[0]);
  const got: Record<string, { v: Value; span: Span }> = {};
  let pos = 0;
  let sawKeyword = false;
  for (const a of args) {
    // the same two mistakes that block instances report (elaborate.ts bindArgs); a repeated key used to overwrite silently
    if (!a.name && sawKeyword) {
      out.push(diag("positional_after_keyword", a.span));
      return ERROR;
    }
    sawKeyword ||= !!a.name;
    const key = a.name ?? names[pos++];
    if (a.name && got[a.name]) {
      out.push(diag("duplicate_keyword_arg", a.span, a.name));
      return ERROR;
    }
    if (key === undefined) {
      out.push(diag("arity", a.span, name, `at most ${names.length}`, args.length));
      return ERROR;
    }
    if (!names.includes(key)) {
      out.push(withHint(diag("unknown_keyword", a.span, key, name, names), didYouMean(key, names)));
      return ERROR;
    }
    got[key] = { v: a.value, span: a.span };
  }
  const vals: Record<string, unknown> = {};
  for (const [pname, kind, def] of spec.params) {
    const g0 = got[pname];
    if (!g0) {
      if (kind === "tensor?" || spec.params.find((p) => p[0] === pname)!.length === 3) {
        vals[pname] = def;
        continue;
      }
      out.push(diag("missing_argument", span, pname, name));
      return ERROR;
    }
    const conv = convert(g0.v, kind);
    if (conv === undefined) {
      out.push(diag("type_mismatch", g0.span, `argument \`${pname}\` of \`${name}\``, kindWords[kind], kindName(g0.v)));
      return ERROR;
    }
    vals[pname] = conv;
  }
  const r = spec.build(vals, g, span);
  if (!r) return ERROR;
  return "k" in r ? r : { k: "tensor", t: r };
}

const kindWords: Record<Kind, string> = {
  tensor: "a tensor", "tensor?": "a tensor", tensors: "a list of tensors", int: "a whole number", ints: "a whole number or a list of them",
  dims: "a list of dimensions", float: "a number", bool: "`true` or `false`", str: "a string",
};

function convert(v: Value, kind: Kind): unknown {
  switch (kind) {
    case "tensor":
    case "tensor?":
      return v.k === "tensor" ? v.t : undefined;
    case "tensors":
      return v.k === "list" && v.items.length > 0 && v.items.every((x) => x.k === "tensor") ? v.items.map((x) => (x as { t: TensorVal }).t) : undefined;
    case "int":
      return v.k === "num" && v.int ? v.v : undefined;
    case "ints":
      if (v.k === "num" && v.int) return [v.v];
      return v.k === "list" && v.items.every((x) => x.k === "num" && x.int) ? v.items.map((x) => (x as { v: number }).v) : undefined;
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
export const builtinParams = (name: string): readonly (readonly [string, string, unknown?])[] | undefined => specs[name]?.params;
