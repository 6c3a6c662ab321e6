/** Pieces the shape rules share: broadcasting, axes, element counts, and shape text for messages. */
import * as P from "../0-core/dim.ts";
import type { RuleError, RuleResult, TT } from "./types.ts";

export const showShape = (s: readonly P.Poly[]) => `[${s.map(P.format).join(", ")}]`;
export const mismatch = (op: string, a: TT, b: TT): RuleError => ({
  code: "shape_mismatch",
  args: [op, showShape(a.shape), showShape(b.shape)],
});
export const one = P.constant(1);
const isOne = (d: P.Poly) => P.equal(d, one);

export function broadcastShapes(a: readonly P.Poly[], b: readonly P.Poly[]): P.Poly[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: P.Poly[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i];
    const y = b[b.length - n + i];
    if (x === undefined) out.push(y);
    else if (y === undefined) out.push(x);
    else if (P.equal(x, y) || isOne(y)) out.push(x);
    else if (isOne(x)) out.push(y);
    else return undefined;
  }
  return out;
}

export function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

export const numel = (s: readonly P.Poly[]) => s.reduce((acc, d) => P.mul(acc, d), P.constant(1));
export const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

export const same = (x: TT): TT => ({ dtype: x.dtype, shape: x.shape });

export const floatOnly = (op: string, t: TT): RuleError | undefined =>
  t.dtype === "f32" ? undefined : { code: "bad_operand", args: [`\`${op}\``, `a ${t.dtype} tensor`] };

/** A rule over one operand and a normalised `axis` attribute. */
export const withAxis =
  <A extends { axis: number }>(f: (x: TT, axis: number) => RuleResult) =>
  ([x]: TT[], attrs: A): RuleResult => {
    const axis = normAxis(attrs.axis, x.shape.length);
    return axis === undefined ? { code: "axis_out_of_range", args: [attrs.axis, x.shape.length] } : f(x, axis);
  };
