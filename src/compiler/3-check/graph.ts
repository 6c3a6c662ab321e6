/** Builds the flat graph of primitive ops while the forward bodies are checked. */
import { diag, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type * as P from "../0-core/dim.ts";
import { opDef, type CheckedAttrsOf, type ComputeOp, type OpName } from "../ops/table.ts";
import { isRuleError, type DType, type RuleError } from "../ops/types.ts";
import { Budget } from "../limits.ts";
import type { Span } from "../source.ts";
import { involvesOpaque, type TensorVal } from "./values.ts";

export interface DraftNode {
  id: number;
  op: OpName;
  args: number[];
  /** As the op table's schema says, with dim-valued attributes as polynomials (build.ts converts them). */
  attrs: Record<string, unknown>;
  dtype: DType;
  shape: P.Poly[];
  scope: string;
  span?: Span;
}

export interface DraftCall {
  scope: string;
  inputs: number[];
  outputs: { name: string; value: number }[];
}

export class GraphBuilder {
  readonly nodes: DraftNode[] = [];
  readonly calls: DraftCall[] = [];
  readonly inputs: { name: string; value: number }[] = [];
  readonly symbols: string[] = [];
  private readonly params = new Map<string, TensorVal>();
  scope = "";

  constructor(
    private readonly diagnostics: Diagnostic[],
    private readonly budget = new Budget(),
  ) {}

  private add(
    op: OpName,
    args: number[],
    attrs: Record<string, unknown>,
    dtype: DType,
    shape: P.Poly[],
    span?: Span,
  ): TensorVal {
    this.budget.reserveNodes(1, span);
    const id = this.nodes.length;
    this.nodes.push({ id, op, args, attrs, dtype, shape, scope: this.scope, span });
    return { id, dtype, shape };
  }

  input(name: string, dtype: DType, shape: P.Poly[], span: Span): TensorVal {
    const t = this.add("input", [], { name }, dtype, shape, span);
    this.inputs.push({ name, value: t.id });
    return t;
  }

  param(key: string, dtype: DType, shape: P.Poly[], span: Span): TensorVal {
    let t = this.params.get(key);
    if (!t) {
      t = this.add("param", [], { path: key }, dtype, shape, span);
      this.params.set(key, t);
    }
    return t;
  }

  constant(value: number, dtype: DType, span?: Span): TensorVal {
    return this.add("const", [], { value }, dtype, [], span);
  }

  /** Emit an op after its shape rule accepts the arguments; undefined (and a diagnostic) otherwise. */
  op<O extends ComputeOp>(op: O, args: TensorVal[], attrs: CheckedAttrsOf<O>, span: Span): TensorVal | undefined {
    return this.emit(op, args, attrs as Record<string, unknown>, span);
  }

  /** `op` for callers that hold an op name and attributes read from the table (builtins.ts). */
  emit(op: ComputeOp, args: TensorVal[], attrs: Record<string, unknown>, span: Span): TensorVal | undefined {
    const r = opDef(op).shape!(args, attrs, op);
    if (isRuleError(r)) {
      this.diagnostics.push(ruleDiagnostic(r, span, [...args, ...Object.values(attrs)]));
      return undefined;
    }
    return this.add(
      op,
      args.map((a) => a.id),
      attrs,
      r.dtype,
      r.shape,
      span,
    );
  }
}

/**
 * An op rule's refusal as a diagnostic; pending when the rule needed concrete sizes or an operand's shape
 * involves an opaque dimension, for a block checked on its own then cannot tell a mistake from an open size.
 */
export function ruleDiagnostic(r: RuleError, span: Span, operands: readonly unknown[]): Diagnostic {
  const d = (diag as (n: string, s: Span, ...a: unknown[]) => Diagnostic)(r.code, span, ...r.args);
  if (r.needsSizes || operands.some(involvesOpaque)) d.pending = true;
  return d;
}
