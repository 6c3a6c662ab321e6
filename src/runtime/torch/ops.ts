/**
 * IR op -> one Python (PyTorch) expression. One entry per primitive, so the table plugs into the op
 * table as the torch back end's kernels: the type checker holds it complete (`satisfies KernelTable`).
 * Leaves (input, param, const) are resolved by the forward emitter, which knows the names in scope.
 */
import type { Dim, Node } from "../../compiler/0-core/schema.ts";
import { kernelFor, type KernelTable } from "../../compiler/ops/kernels.ts";

export interface EmitContext {
  /** The Python expressions of the node's arguments, in order. */
  args: string[];
  /** The IR nodes of the arguments (their types, and whether they are constants). */
  argNodes: Node[];
  /** A dim as a Python int expression over the batch symbols bound in the forward. */
  dim: (d: Dim) => string;
  /** An expression for a tensor's device, for ops that create tensors. */
  device: string;
}

export type Emit = (node: Node, ctx: EmitContext) => string;

const torchDtype: Record<string, string> = {
  f32: "torch.float32",
  i64: "torch.int64",
  i32: "torch.int32",
  bool: "torch.bool",
};

/** An attribute of a node whose op the helper does not narrow (the table's entries read typed attrs). */
const attr = <T>(n: Node, k: string) => (n.attrs as Record<string, unknown>)[k] as T;
const axes = (n: Node) => attr<number[] | undefined>(n, "axes") ?? attr<number>(n, "axis");
const dimArg = (a: number | number[]) =>
  Array.isArray(a) ? (a.length === 1 ? String(a[0]) : `(${a.join(", ")})`) : String(a);
const pyNum = (v: number) => (Number.isInteger(v) ? `${v}.0` : String(v));
const pyFloat = (v: number) =>
  Number.isFinite(v) ? pyNum(v) : Number.isNaN(v) ? 'float("nan")' : v > 0 ? 'float("inf")' : 'float("-inf")';
/** A shape as call arguments: `2, B, 64`, or `()` for a scalar. */
const shape = (s: Dim[], ctx: EmitContext) => (s.length ? s.map(ctx.dim).join(", ") : "()");

/** A scalar constant as a Python literal (torch broadcasts Python numbers in binary ops). */
export function constLiteral(n: Node): string {
  const v = attr<number | boolean>(n, "value");
  if (typeof v === "boolean") return v ? "True" : "False";
  return n.type.dtype === "f32" || !Number.isFinite(v) ? pyFloat(v) : String(v);
}

/** Binary ops take a constant on either side as a Python number (torch broadcasts it). */
const infix =
  (op: string): Emit =>
  (_n, { args }) =>
    `${args[0]} ${op} ${args[1]}`;
const isConst = (ctx: EmitContext, i: number) => ctx.argNodes[i].op === "const";
const minmax =
  (fn: "maximum" | "minimum", clamp: "min" | "max"): Emit =>
  (_n, ctx) => {
    if (isConst(ctx, 1)) return `torch.clamp(${ctx.args[0]}, ${clamp}=${ctx.args[1]})`;
    if (isConst(ctx, 0)) return `torch.clamp(${ctx.args[1]}, ${clamp}=${ctx.args[0]})`;
    return `torch.${fn}(${ctx.args[0]}, ${ctx.args[1]})`;
  };
const call =
  (fn: string): Emit =>
  (_n, { args }) =>
    `${fn}(${args[0]})`;
// no axes reduces nothing in the IR; torch's dim=() would reduce every axis
const reduce =
  (method: string): Emit =>
  (n, { args }) =>
    (axes(n) as number[]).length === 0
      ? args[0]
      : `${args[0]}.${method}(dim=${dimArg(axes(n))}${attr<boolean>(n, "keepdims") ? ", keepdim=True" : ""})`;

/** F.convNd with the IR's per-axis stride, padding and dilation, and its groups (absent: 1). */
const conv =
  (fn: string): Emit =>
  (n, { args }) => {
    const extra = [
      attr(n, "dilation") ? `, dilation=${dimArg(attr(n, "dilation"))}` : "",
      attr(n, "groups") ? `, groups=${attr<number>(n, "groups")}` : "",
    ].join("");
    return (
      `F.${fn}(${args[0]}, ${args[1]}, ${args[2] ?? "None"}, ` +
      `stride=${dimArg(attr(n, "stride") ?? 1)}, padding=${dimArg(attr(n, "padding") ?? 0)}${extra})`
    );
  };

/** F.pad's flat list runs from the last axis backwards, (before, after) per axis; unpadded leading axes are left out. */
function padPairs(before: number[], after: number[]): number[] {
  const out: number[] = [];
  let first = before.findIndex((b, i) => b !== 0 || after[i] !== 0);
  if (first < 0) first = before.length - 1;
  for (let i = before.length - 1; i >= first; i--) out.push(before[i], after[i]);
  return out;
}

/** slice{begin, size}: one Python slice per axis, `:` where the axis is kept whole. */
const slice: Emit = (n, ctx) => {
  const begin = attr<Dim[]>(n, "begin");
  const size = attr<Dim[]>(n, "size");
  const full = ctx.argNodes[0].type.shape;
  const parts = begin.map((b, i) => {
    const s = size[i];
    if (b === 0 && (s === -1 || String(s) === String(full[i]))) return ":";
    const lo = b === 0 ? "" : ctx.dim(b);
    if (s === -1) return `${lo}:`;
    const hi =
      typeof b === "number" && typeof s === "number"
        ? String(b + s)
        : b === 0
          ? ctx.dim(s)
          : `(${ctx.dim(b)}) + (${ctx.dim(s)})`;
    return `${lo}:${hi}`;
  });
  while (parts.length && parts[parts.length - 1] === ":") parts.pop();
  return parts.length ? `${ctx.args[0]}[${parts.join(", ")}]` : ctx.args[0];
};

/** Operand i as an index: torch indexes with int64 (an i32 tensor raises), so an i32 operand is widened. */
const index = (ctx: EmitContext, i: number) =>
  ctx.argNodes[i].type.dtype === "i32" ? `${ctx.args[i]}.long()` : ctx.args[i];

/** A zero [rows, ...rest] table with updates' rows added at the ids (index_add_ sums repeated ids). */
const scatterAdd: Emit = (n, ctx) => {
  const [ids, updates] = ctx.args;
  const rank = ctx.argNodes[0].type.shape.length;
  const zeros = `torch.zeros(${shape(n.type.shape, ctx)}, dtype=${updates}.dtype, device=${updates}.device)`;
  return `${zeros}.index_add_(0, ${ids}.reshape(-1), ${updates}.reshape(-1, *${updates}.shape[${rank}:]))`;
};

/** A call of a prelude helper that takes q, k (and v) with the scale and the causal flag. */
const attentionCall =
  (fn: string): Emit =>
  (n, { args }) =>
    `${fn}(${args.join(", ")}, scale=${attr<number>(n, "scale")}${attr<boolean>(n, "causal") ? ", causal=True" : ""})`;

export const torchOps = {
  input: () => "<input>",
  param: () => "<param>",
  const: (n) => constLiteral(n),
  add: infix("+"),
  sub: infix("-"),
  mul: infix("*"),
  div: infix("/"),
  pow: infix("**"),
  maximum: minmax("maximum", "min"),
  minimum: minmax("minimum", "max"),
  equal: infix("=="),
  greater: infix(">"),
  neg: (_n, { args }) => `-${args[0]}`,
  exp: call("torch.exp"),
  log: call("torch.log"),
  sqrt: call("torch.sqrt"),
  rsqrt: call("torch.rsqrt"),
  sigmoid: call("torch.sigmoid"),
  tanh: call("torch.tanh"),
  relu: call("torch.relu"),
  gelu: call("F.gelu"), // exact (erf) GELU, as the IR defines it
  abs: call("torch.abs"),
  erf: call("torch.erf"),
  matmul: infix("@"),
  linear: (_n, { args }) => `F.linear(${args.join(", ")})`,
  conv1d: conv("conv1d"),
  conv2d: conv("conv2d"),
  conv3d: conv("conv3d"),
  layer_norm: (n, { args }) =>
    `F.layer_norm(${args[0]}, ${args[1]}.shape, ${args[1]}, ${args[2]}, eps=${attr<number>(n, "eps") ?? 1e-5})`,
  softmax: (n, { args }) => `torch.softmax(${args[0]}, dim=${attr<number>(n, "axis")})`,
  log_softmax: (n, { args }) => `torch.log_softmax(${args[0]}, dim=${attr<number>(n, "axis")})`,
  // x / ||x|| with no epsilon, as CLIP normalises its features
  l2_normalize: (n, { args }) => `${args[0]} / ${args[0]}.norm(dim=${attr<number>(n, "axis")}, keepdim=True)`,
  argmax: (n, { args }) => `${args[0]}.argmax(dim=${attr<number>(n, "axis")})`,
  mean: reduce("mean"),
  sum: reduce("sum"),
  max: reduce("amax"),
  reshape: (n, ctx) => `${ctx.args[0]}.reshape(${shape(attr(n, "shape"), ctx)})`,
  transpose: (n, { args }) => `${args[0]}.permute(${attr<number[]>(n, "perm").join(", ")})`,
  concat: (n, { args }) => `torch.cat([${args.join(", ")}], dim=${attr<number>(n, "axis")})`,
  broadcast_to: (n, ctx) => `${ctx.args[0]}.expand(${shape(attr(n, "shape"), ctx)})`,
  slice,
  flip: (n, { args }) => `torch.flip(${args[0]}, [${attr<number[]>(n, "axes").join(", ")}])`,
  pad: (n, { args }) =>
    `F.pad(${args[0]}, (${padPairs(attr(n, "before"), attr(n, "after")).join(", ")}), value=${pyFloat(attr<number>(n, "value") ?? 0)})`,
  gather: (_n, ctx) => `${ctx.args[0]}[${index(ctx, 1)}]`,
  gather_rows: (_n, ctx) =>
    `${ctx.args[0]}[torch.arange(${ctx.args[0]}.shape[0], device=${ctx.args[0]}.device), ${index(ctx, 1)}]`,
  scatter_add: scatterAdd,
  // ids compared with 0..depth-1, so an id outside [0, depth) gives a zero row (F.one_hot would raise)
  one_hot: (n, ctx) =>
    `(${ctx.args[0]}.unsqueeze(-1) == torch.arange(${ctx.dim(attr<Dim>(n, "depth"))}, device=${ctx.args[0]}.device)).float()`,
  attention: attentionCall("attention"),
  attention_probs: attentionCall("attention_probs"),
  fill: (n, ctx) =>
    `torch.full(${attr<Dim[]>(n, "shape").length ? `(${shape(attr(n, "shape"), ctx)},)` : "()"}, ${attr<number>(n, "value")}, ` +
    `dtype=${torchDtype[n.type.dtype]}, device=${ctx.device})`,
  cast: (n, { args }) => `${args[0]}.to(${torchDtype[attr<string>(n, "dtype") ?? n.type.dtype]})`,
  dropout: (n, { args }) => `F.dropout(${args[0]}, ${attr<number>(n, "rate") ?? 0}, self.training)`,
} satisfies KernelTable<[ctx: EmitContext], string>;

/** Python helpers the generated code calls, written once at the top of the file. */
export const PRELUDE = `def attention_probs(q, k, scale, causal=False):
    """softmax(scale * q k^T + mask) over the last axis; the mask is -inf above the diagonal when causal."""
    s = (q @ k.transpose(-2, -1)) * scale
    if causal:
        n, m = s.shape[-2], s.shape[-1]
        mask = torch.ones(n, m, dtype=torch.bool, device=s.device).triu(1)
        s = s.masked_fill(mask, float("-inf"))
    return torch.softmax(s, dim=-1)


def attention(q, k, v, scale, causal=False):
    """softmax(scale * q k^T + mask) v."""
    return attention_probs(q, k, scale, causal) @ v
`;

/** One node's expression, through the table (one cast here instead of one per call site). */
export function torchEmit(n: Node, ctx: EmitContext): string {
  return (kernelFor<[ctx: EmitContext], string>(torchOps, n.op) as Emit)(n, ctx);
}
