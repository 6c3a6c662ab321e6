/**
 * The op table: one entry per primitive op of the IR. The IR's op enum and node schema
 * (0-core/schema.ts), the builtin functions (3-check/builtins.ts), the IR verifier, the cost
 * model (4-ir/analyze.ts) and docs/primitives.md are all read from here; each back end keys its
 * kernels by the same names (kernels.ts). Adding an op: one entry here, one kernel per back end.
 */
import * as z from "zod/v4";
import { attention, attention_probs, linear, matmul } from "./products.ts";
import { conv1d, conv2d, conv3d } from "./conv.ts";
import { pad } from "./pad.ts";
import {
  abs,
  add,
  div,
  equal,
  erf,
  exp,
  gelu,
  greater,
  log,
  maximum,
  minimum,
  mul,
  neg,
  pow,
  relu,
  rsqrt,
  sigmoid,
  sqrt,
  sub,
  tanh,
} from "./elementwise.ts";
import { cast, dropout, fill } from "./create.ts";
import {
  broadcast_to,
  concat,
  flip,
  gather,
  gather_rows,
  one_hot,
  reshape,
  scatter_add,
  slice,
  transpose,
} from "./layout.ts";
import { constant, input, param } from "./leaf.ts";
import { argmax, l2_normalize, layer_norm, log_softmax, max, mean, softmax, sum } from "./norm.ts";
import type { Builtin, Checked, CostInput, Decompose, GradRule, OpDef, OpTraits, RuleResult, TT } from "./types.ts";

export const ops = {
  input,
  param,
  const: constant,
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  equal,
  greater,
  neg,
  exp,
  log,
  sqrt,
  rsqrt,
  sigmoid,
  tanh,
  relu,
  gelu,
  abs,
  erf,
  matmul,
  linear,
  conv2d,
  conv1d,
  conv3d,
  layer_norm,
  softmax,
  log_softmax,
  l2_normalize,
  argmax,
  mean,
  sum,
  max,
  reshape,
  transpose,
  concat,
  broadcast_to,
  slice,
  pad,
  flip,
  gather,
  gather_rows,
  scatter_add,
  one_hot,
  attention,
  attention_probs,
  fill,
  cast,
  dropout,
};

export type Ops = typeof ops;
export type OpName = keyof Ops;
export const opNames = Object.keys(ops) as [OpName, ...OpName[]];
export const OpName = z.enum(opNames);
/** Ops whose node is a value of the graph's environment, not computed from operands. */
export type LeafOp = "input" | "param" | "const";
export type ComputeOp = Exclude<OpName, LeafOp>;

/** An op's attributes as stored in the IR (after parsing: defaults filled in). */
export type AttrsOf<O extends OpName> = z.infer<Ops[O]["attrs"]>;
/** An op's attributes while checking: dim-valued attributes as polynomials. */
export type CheckedAttrsOf<O extends OpName> = Ops[O] extends OpDef<infer S, infer D> ? Checked<z.infer<S>, D> : never;

/** An entry seen without its attribute types, for code that loops over every op. */
export interface AnyOpDef extends Omit<OpDef, "shape" | "macs" | "builtins" | "grad" | "decompose"> {
  grad: GradRule<Record<string, any>>;
  decompose?: Decompose<Record<string, any>>;
  shape: ((args: TT[], attrs: Record<string, unknown>, op: string) => RuleResult) | null;
  macs: 0 | ((c: CostInput<Record<string, unknown>>) => number);
  builtins: readonly Builtin<Record<string, unknown>>[];
}
export function opDef(op: OpName): AnyOpDef {
  return ops[op] as unknown as AnyOpDef;
}

const none: OpTraits = {};
/** The traits passes ask for (pointwise, view, stochastic, ...): never the op's name. */
export function traitsOf(op: OpName): OpTraits {
  return opDef(op).traits ?? none;
}
/** Whether an op is a leaf (input, param, const): a value of the graph's environment, with no operands and no shape rule. */
export const isLeafOp = (op: OpName): op is LeafOp => opDef(op).shape === null;

/** Every builtin function, by the name a forward body calls, with the op it emits. */
export const builtins: ReadonlyMap<string, { op: ComputeOp; builtin: Builtin<Record<string, unknown>> }> = new Map(
  opNames.flatMap((op) => opDef(op).builtins.map((b) => [b.name, { op: op as ComputeOp, builtin: b }] as const)),
);
