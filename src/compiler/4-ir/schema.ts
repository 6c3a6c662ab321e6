/**
 * The IR: the single source of truth that summary, diff, viz, lowering and export read.
 * JSON-serialisable and versioned; TypeScript types come from these schemas (z.infer), never by hand.
 *
 * A model is compiled with every hyperparameter bound to a value; only batch-like symbols (B, K, ...)
 * stay symbolic in shapes. The forward computation is one flat graph of primitive ops in
 * topological order; each node carries the module instance (scope) it belongs to, and `calls`
 * records where each module instance was entered and left, so per-module shapes and costs follow.
 */
import { z } from "zod";

export const IR_VERSION = 1;

/** A dimension: a whole number, or the text form of a polynomial over batch symbols ("8*B + 1"). */
export const Dim = z.union([z.number().int(), z.string()]);
export const DType = z.enum(["f32", "i64", "i32", "bool"]);
export const TensorType = z.object({ dtype: DType, shape: z.array(Dim) });

export const Loc = z.object({ file: z.string(), start: z.number().int(), end: z.number().int() });

export const HyperSource = z.enum(["default", "preset", "variant", "cli", "checkpoint", "argument"]);
export const HyperValue = z.union([z.number(), z.boolean(), z.string()]);
export const Hyper = z.object({
  name: z.string(),
  type: z.string(), // "int" | "float" | "bool" | "enum(a|b)"
  value: HyperValue,
  source: HyperSource,
  /** For non-default sources, what set it: the preset name, the variant model, "--set", the checkpoint file. */
  origin: z.string().optional(),
});

export const Init = z.object({
  kind: z.enum(["normal", "trunc_normal", "uniform", "zeros", "ones", "fill"]),
  args: z.array(z.number()),
});

export const Param = z.object({
  path: z.string(), // the state-dict key, e.g. visual.transformer.resblocks.3.attn.in_proj_weight
  shape: z.array(z.number().int()),
  dtype: DType,
  init: Init,
  loc: Loc.optional(),
});

export const Module = z.object({
  path: z.string(), // "" for the model itself
  block: z.string(), // block name, or "repeat" for a repeated stack container
  hyper: z.record(z.string(), HyperValue),
  params: z.array(z.string()),
  children: z.array(z.string()),
  optional: z.boolean().optional(),
  /** Set when a variant or --replace swapped this member's block. */
  replaced: z.object({ from: z.string(), by: z.string() }).optional(),
  /**
   * Training recomputes this instance's activations in the backward pass instead of keeping them
   * (gradient checkpointing; torch.utils.checkpoint around the instance's call). Set by `recompute` in
   * the source (on each element of a repeat/seq) or by --recompute. Changes no number, only memory.
   */
  recompute: z.boolean().optional(),
  loc: Loc.optional(),
});

/**
 * Primitive ops and their attributes. Shapes in attrs are IR dims. Semantics:
 *  input{name} param{path} const{value}: leaves (const is a scalar of the node's dtype)
 *  add sub mul div pow maximum minimum: elementwise, numpy broadcasting
 *  neg exp log sqrt rsqrt sigmoid tanh relu gelu abs: elementwise
 *  matmul: [..., m, k] @ [..., k, n] -> [..., m, n], batch dims broadcast; rank-1 operands not allowed
 *  linear(x, w, b?): x [..., in], w [out, in] (torch layout), b [out] -> [..., out]
 *  conv2d(x, w, b?){stride, padding}: x [N, C, H, W], w [O, C, kh, kw] -> [N, O, H', W']
 *  layer_norm(x, g, b){eps}: over the last axis, biased variance
 *  softmax{axis} l2_normalize{axis} argmax{axis}
 *  mean sum max {axes, keepdims}
 *  reshape{shape} transpose{perm} concat{axis} (any number of inputs) broadcast_to{shape}
 *  slice{begin, size}: one entry per axis
 *  gather(table, ids): table [V, ...], ids int [...] -> [...ids, ...table[1:]]
 *  gather_rows(x, idx): x [N, S, ...], idx int [N] -> [N, ...]  (row n takes x[n, idx[n]])
 *  attention(q, k, v){scale, causal}: q [..., n, d], k [..., m, d], v [..., m, e] -> [..., n, e];
 *     softmax(scale * q k^T + mask) v, the mask -inf above the diagonal when causal
 *  fill{shape, value}: a constant tensor
 *  cast{dtype} dropout{rate}: dropout is the identity at inference
 */
export const OpName = z.enum([
  "input", "param", "const",
  "add", "sub", "mul", "div", "pow", "maximum", "minimum",
  "neg", "exp", "log", "sqrt", "rsqrt", "sigmoid", "tanh", "relu", "gelu", "abs",
  "matmul", "linear", "conv2d", "layer_norm",
  "softmax", "l2_normalize", "argmax", "mean", "sum", "max",
  "reshape", "transpose", "concat", "broadcast_to", "slice",
  "gather", "gather_rows", "attention", "fill", "cast", "dropout",
]);

export const Node = z.object({
  id: z.number().int(),
  op: OpName,
  args: z.array(z.number().int()),
  attrs: z.record(z.string(), z.unknown()),
  type: TensorType,
  scope: z.string(),
  loc: Loc.optional(),
});

export const Call = z.object({
  scope: z.string(),
  inputs: z.array(z.number().int()),
  outputs: z.array(z.object({ name: z.string(), value: z.number().int() })),
});

export const Port = z.object({ name: z.string(), value: z.number().int(), type: TensorType });

export const Graph = z.object({
  inputs: z.array(Port),
  outputs: z.array(Port),
  nodes: z.array(Node),
  calls: z.array(Call),
});

export const ModelIR = z.object({
  irVersion: z.literal(IR_VERSION),
  model: z.string(),
  file: z.string(),
  preset: z.string().optional(),
  hyper: z.array(Hyper),
  /** Batch-like dimension symbols, in order of appearance in the inputs. */
  symbols: z.array(z.string()),
  modules: z.array(Module),
  params: z.array(Param),
  graph: Graph,
});

export type Dim = z.infer<typeof Dim>;
export type DType = z.infer<typeof DType>;
export type TensorType = z.infer<typeof TensorType>;
export type Loc = z.infer<typeof Loc>;
export type Hyper = z.infer<typeof Hyper>;
export type HyperValue = z.infer<typeof HyperValue>;
export type HyperSource = z.infer<typeof HyperSource>;
export type Init = z.infer<typeof Init>;
export type Param = z.infer<typeof Param>;
export type Module = z.infer<typeof Module>;
export type OpName = z.infer<typeof OpName>;
export type Node = z.infer<typeof Node>;
export type Call = z.infer<typeof Call>;
export type Port = z.infer<typeof Port>;
export type Graph = z.infer<typeof Graph>;
export type ModelIR = z.infer<typeof ModelIR>;
