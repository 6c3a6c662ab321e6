/**
 * The `mdl diff --json` output. Tests validate against it; TypeScript types come from z.infer.
 * Sides are "a" (the old model) and "b" (the new one); a value absent on one side is null.
 */
import * as z from "zod/v4";
import { Dim, HyperSource, HyperValue, Init, TensorType } from "../../compiler/0-core/schema.ts";

export const DIFF_VERSION = 1;

const Shape = z.array(Dim);
const Cost = z.object({ params: z.number().int(), macs: z.number() });

export const DiffSide = z.object({ file: z.string(), model: z.string(), preset: z.string().nullable() });

/** A model hyperparameter whose value differs, with where each value came from. */
export const HyperChange = z.object({
  name: z.string(),
  a: z.object({ value: HyperValue, source: HyperSource, origin: z.string().optional() }).nullable(),
  b: z.object({ value: HyperValue, source: HyperSource, origin: z.string().optional() }).nullable(),
});

/** A model input or output whose type differs or which exists on one side only. */
export const PortChange = z.object({
  kind: z.enum(["input", "output"]),
  name: z.string(),
  a: TensorType.nullable(),
  b: TensorType.nullable(),
});

export const ParamChange = z.object({
  key: z.string(),
  a: Shape.nullable(),
  b: Shape.nullable(),
  /** Present when the initialiser differs (same shape or not). */
  init: z.object({ a: Init, b: Init }).optional(),
});

/**
 * One module instance that differs. `changed` modules list their own differences; their unchanged
 * child subtrees are only counted (`unchanged`). Added and removed modules stand for their whole
 * subtree (`modules` instances), whose descendants are not listed.
 */
export const ModuleChange = z.object({
  path: z.string(),
  depth: z.number().int(),
  status: z.enum(["added", "removed", "changed"]),
  block: z.object({ a: z.string().nullable(), b: z.string().nullable() }),
  /** A variant or --replace swapped this member's block (IR `Module.replaced`). */
  replaced: z.object({ from: z.string(), by: z.string() }).optional(),
  hyper: z.array(z.object({ name: z.string(), a: HyperValue.nullable(), b: HyperValue.nullable() })),
  params: z.array(ParamChange),
  output: z.object({ a: Shape.nullable(), b: Shape.nullable() }).optional(),
  /** Own forward ops (counts) when they differ: in which ops and how they connect (wiring), or only in attributes. */
  ops: z.object({ a: z.number().int(), b: z.number().int(), wiring: z.boolean() }).optional(),
  cost: z.object({ a: Cost.nullable(), b: Cost.nullable() }),
  modules: z.number().int(),
  unchanged: z.number().int(),
});

export const DiffJson = z.object({
  diffVersion: z.literal(DIFF_VERSION),
  a: DiffSide,
  b: DiffSide,
  /** Whether anything semantic differs (the exit code: 1 when true). */
  changed: z.boolean(),
  hyper: z.array(HyperChange),
  total: z.object({ a: Cost, b: Cost }),
  ports: z.array(PortChange),
  modules: z.array(ModuleChange),
  /** Module instances present and identical on both sides. */
  unchanged: z.number().int(),
  /** The batch symbols costs were computed for (each 1 unless given). */
  symbols: z.record(z.string(), z.number()),
});

export type DiffSide = z.infer<typeof DiffSide>;
export type HyperChange = z.infer<typeof HyperChange>;
export type PortChange = z.infer<typeof PortChange>;
export type ParamChange = z.infer<typeof ParamChange>;
export type ModuleChange = z.infer<typeof ModuleChange>;
export type DiffJson = z.infer<typeof DiffJson>;
