/**
 * What one op-table entry holds (tinygrad's op tables, ONNX's OpSchema): the builtin calls that
 * reach it, a zod schema of its attributes, its shape and dtype rule, its cost and its semantics.
 * Depends only on zod and the dimension polynomials, so the checker, the IR and every back end
 * can read it without reading each other.
 */
import * as z from "zod/v4";
import type * as P from "../0-core/dim.ts";

/** A dimension in the IR: a whole number, or the text form of a polynomial over batch symbols ("8*B + 1"). */
export const Dim = z.union([z.number().int(), z.string()]);
export const DType = z.enum(["f32", "i64", "i32", "bool"]);
export type Dim = z.infer<typeof Dim>;
export type DType = z.infer<typeof DType>;
/** The dtype a type annotation names (`f32`, `i64`, ...), or undefined. */
export const dtypeNamed = (name: string): DType | undefined =>
  (DType.options as readonly string[]).includes(name) ? (name as DType) : undefined;

/** A tensor type while checking: the shape as polynomials. */
export interface TT {
  dtype: DType;
  shape: P.Poly[];
}

/** A rule failure: the catalogue entry and its arguments; the caller adds the place. */
export type RuleError = {
  code:
    | "shape_mismatch"
    | "rank_mismatch"
    | "axis_out_of_range"
    | "dtype_mismatch"
    | "bad_reshape"
    | "bad_operand"
    | "arity"
    // convolution and padding arguments
    | "bad_spatial_arg"
    | "bad_groups"
    | "conv_empty";
  args: unknown[];
  /** The rule could decide only with concrete sizes (a symbolic head dim, a stride that may not divide). */
  needsSizes?: true;
};
export type RuleResult = TT | RuleError;
export const isRuleError = (r: object): r is RuleError => "code" in r;

/** Attributes as the checker holds them: the fields listed in `dims` are polynomials, not IR dims. */
export type Checked<A, D extends PropertyKey> = { [K in keyof A]: K extends D ? P.Poly[] : A[K] };

/** The kinds of argument a builtin takes (converted from checker values by 3-check/builtins.ts). */
export type ArgKind = "tensor" | "tensor?" | "tensors" | "int" | "ints" | "dims" | "float" | "bool" | "str";
export interface BuiltinParam {
  name: string;
  kind: ArgKind;
  /** Present when the argument may be left out; `null` means "left out" reaches `lower` as undefined. */
  default?: number | boolean | string | null;
  /** How the reference page shows a `null` default (what the op does when the argument is left out). */
  defaultText?: string;
  /** A plain number (or a constant dimension) is taken as a scalar of the call's first tensor argument's dtype, broadcast: `maximum(x, 0)`. */
  scalar?: boolean;
}
/**
 * A function callable in forward bodies that emits this op: its parameters, and how the bound
 * arguments become the op's operands and attributes (or a rule error the checker reports in place).
 */
export interface Builtin<CA = unknown> {
  name: string;
  params: readonly BuiltinParam[];
  // the arguments are checker values converted per `params`; tensors keep whatever the caller gave
  lower: (a: Record<string, any>) => { inputs: any[]; attrs: CA } | RuleError;
}

/** Evaluated shapes (batch symbols bound) for a cost formula. */
export interface CostInput<A> {
  out: number[];
  args: number[][];
  attrs: A;
}

/**
 * What a pass may ask of an op instead of its name (TVM's op attributes, PyTorch's tags). An op built by a
 * helper (`unary`, `binary`) gets its helper's traits, so a new elementwise op is pointwise without a word.
 */
export interface OpTraits {
  /** Each output element comes from the operands' elements at the same (broadcast) position: every axis keeps its positions apart. */
  pointwise?: true;
  /** Acts along the last axis only (linear, layer_norm): the other axes keep their positions apart. */
  lastAxis?: true;
  /** Computes nothing: every output element is an operand element, copied ("copy") or the operand's buffer under another shape ("alias"). */
  view?: "alias" | "copy";
  /** Changes the dtype only: integer values (token ids) pass unchanged from one integer dtype to another. */
  convert?: true;
  /** Draws random numbers while training: a recomputation must draw them again from the same seed. */
  stochastic?: true;
  /** Operand 1 is a weight in torch's layout, which an engine may re-lay once at load: [out, in] ("linear") or [out, in/groups, ...kernel] ("conv"). */
  weight?: "linear" | "conv";
  /** Operand 0 is a table whose rows the integer ids of operand 1 pick (an embedding). */
  lookup?: true;
}

export interface OpDef<S extends z.ZodObject = z.ZodObject, D extends string = string> {
  /** The operands in words, e.g. "x, weight, bias?" (a trailing ? is optional, "..." any number). */
  operands: string;
  /** The operator that writes it, for ops with no builtin function (`a + b`). */
  syntax?: string;
  attrs: S;
  /** Attributes holding IR dims (polynomials while checking). */
  dims: readonly D[];
  builtins: readonly Builtin<Checked<z.infer<S>, D>>[];
  /** The output type from the operands'; null for leaves, whose type is the node's own. */
  shape: ((args: TT[], attrs: Checked<z.infer<S>, D>, op: string) => RuleResult) | null;
  /** The shape rule in words, for the reference page. */
  shapeText: string;
  /** Multiply-accumulates: an explicit 0 for ops that count none (the X-CLIP README's convention). */
  macs: 0 | ((c: CostInput<z.infer<S>>) => number);
  macsText: string;
  semantics: string;
  /**
   * The vector-Jacobian product, written with other ops of the table (grad.ts), or why the op has none.
   * Required: an op without a rule is a type error, as a missing kernel is.
   */
  grad: GradRule<z.infer<S>>;
  /**
   * The same computation as a small graph of other ops of the table (ONNX's function bodies, torch._decomp):
   * what an engine without a fused kernel for the op lowers it through (5-train/decompose.ts), and the
   * reference a fused kernel is tested against. Absent where every engine has a kernel of its own.
   */
  decompose?: Decompose<z.infer<S>>;
  /** What passes may ask of it (absent: none of them). */
  traits?: OpTraits;
}

/** A value while gradient graphs are built: an IR node's id and its type (IR dims: numbers or polynomial text). */
export interface GV {
  id: number;
  dtype: DType;
  shape: Dim[];
}

/**
 * What a VJP or a decomposition builds with: `op` adds one node of the table (its type from the op's own shape rule, so a
 * rule that builds a misshapen gradient fails where it is built) and `scalar` a constant.
 */
export interface GradEmitter {
  op(op: string, args: readonly GV[], attrs?: Record<string, unknown>): GV;
  scalar(value: number, dtype?: DType): GV;
}

/** A VJP's view of one node: its operands, its value, the cotangent of its value, and which operands need theirs. */
export interface VjpArgs<A> {
  e: GradEmitter;
  attrs: A;
  args: readonly GV[];
  out: GV;
  g: GV;
  needs: readonly boolean[];
}
/** One cotangent per operand, undefined where none is needed or the operand is not differentiable (integer ids). */
export type Vjp<A> = (x: VjpArgs<A>) => (GV | undefined)[];
export type GradRule<A> = { vjp: Vjp<A> } | { nondifferentiable: string };

/** A decomposition: the node's value from its operands, built with other ops of the table through the emitter VJPs use. */
export type Decompose<A> = (x: { e: GradEmitter; attrs: A; args: readonly GV[] }) => GV;

/** Type-checks one entry (dims must name attributes) without widening it. */
export function defineOp<S extends z.ZodObject, D extends keyof z.infer<S> & string = never>(
  def: OpDef<S, D>,
): OpDef<S, D> {
  return def;
}

/** What a back end puts in its kernel table for an op it cannot run, with the reason. */
export interface Unsupported {
  unsupported: string;
}
export const isUnsupported = (k: unknown): k is Unsupported =>
  typeof k === "object" && k !== null && "unsupported" in k;
