/**
 * The IR: the single source of truth that summary, diff, viz, lowering and export read.
 * JSON-serialisable and versioned; TypeScript types come from these schemas (z.infer), never by hand.
 *
 * A model is compiled with every hyperparameter bound to a value; only batch-like symbols (B, K, ...)
 * stay symbolic in shapes. The forward computation is one flat graph of primitive ops in
 * topological order; each node carries the module instance (scope) it belongs to, and `calls`
 * records where each module instance was entered and left, so per-module shapes and costs follow.
 */
import * as z from "zod/v4";
import { Dim, DType } from "../ops/types.ts";
import { OpName, opNames, ops, type AttrsOf } from "../ops/table.ts";

export const IR_VERSION = 1;

export { Dim, DType, OpName };
export const TensorType = z.object({ dtype: DType, shape: z.array(Dim) });

export const Loc = z.object({ file: z.string(), start: z.number().int(), end: z.number().int() });

export const HyperSource = z.enum(["default", "preset", "variant", "cli", "checkpoint", "argument", "input"]);
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

const nodeFields = {
  id: z.number().int(),
  args: z.array(z.number().int()),
  type: TensorType,
  scope: z.string(),
  loc: Loc.optional(),
};
type NodeBase = z.infer<z.ZodObject<typeof nodeFields>>;
/** A node of op O, its attributes typed by the op table's schema (ops/table.ts holds every op's semantics). */
export type NodeOf<O extends OpName> = O extends OpName ? NodeBase & { op: O; attrs: AttrsOf<O> } : never;
export type Node = { [O in OpName]: NodeOf<O> }[OpName];
// One object schema per op, told apart by `op`; the mapped type above is what it infers to.
export const Node = z.discriminatedUnion(
  "op",
  opNames.map((op) => z.object({ ...nodeFields, op: z.literal(op), attrs: ops[op].attrs })) as unknown as [
    z.ZodObject,
    ...z.ZodObject[],
  ],
) as unknown as z.ZodType<Node>;

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

/** A learning-rate group the model declares (`train { lr * 10: "mit" }`): what the pattern selects trains at scale x the base rate. */
export const LrGroup = z.object({ pattern: z.string(), scale: z.number().positive(), loc: Loc.optional() });

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
  /** Training settings the model declares; absent when it declares none. */
  train: z.object({ lr: z.array(LrGroup) }).optional(),
});

export type TensorType = z.infer<typeof TensorType>;
export type Loc = z.infer<typeof Loc>;
export type Hyper = z.infer<typeof Hyper>;
export type HyperValue = z.infer<typeof HyperValue>;
export type HyperSource = z.infer<typeof HyperSource>;
export type Init = z.infer<typeof Init>;
export type Param = z.infer<typeof Param>;
export type Module = z.infer<typeof Module>;
export type Call = z.infer<typeof Call>;
export type Port = z.infer<typeof Port>;
export type Graph = z.infer<typeof Graph>;
export type ModelIR = z.infer<typeof ModelIR>;
export type LrGroup = z.infer<typeof LrGroup>;
