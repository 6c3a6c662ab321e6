/**
 * The vocabulary VJPs are written in: typed shortcuts over a GradEmitter, so a rule reads like the
 * math (`mul(g, sub(k(1), mul(y, y)))`) and every node it adds is an op of the table with its shape
 * checked by that op's own rule. Nothing here executes anything: it builds IR.
 */
import * as P from "../0-core/dim.ts";
import type { Dim, GradEmitter, GV } from "./types.ts";

export const sameDim = (a: Dim, b: Dim) =>
  typeof a === "number" && typeof b === "number" ? a === b : P.equal(P.parse(a), P.parse(b));
export const sameShape = (a: readonly Dim[], b: readonly Dim[]) =>
  a.length === b.length && a.every((d, i) => sameDim(d, b[i]));
/** The product of dims as one IR dim (a polynomial's text when symbolic). */
export const dimProduct = (ds: readonly Dim[]): Dim =>
  P.dimToIr(ds.reduce<P.Poly>((acc, d) => P.mul(acc, P.parse(d)), P.constant(1)));

export function grad(e: GradEmitter) {
  const op = (name: string, args: GV[], attrs: Record<string, unknown> = {}) => e.op(name, args, attrs);
  const k = (v: number) => e.scalar(v);
  const bin = (name: string) => (a: GV, b: GV) => op(name, [a, b]);
  const un = (name: string) => (x: GV) => op(name, [x]);
  const sum = (x: GV, axes: number[], keepdims = false) => (axes.length ? op("sum", [x], { axes, keepdims }) : x);
  const reshape = (x: GV, shape: readonly Dim[]) =>
    sameShape(x.shape, shape) ? x : op("reshape", [x], { shape: [...shape] });
  const transpose = (x: GV, perm: number[]) => (perm.every((p, i) => p === i) ? x : op("transpose", [x], { perm }));
  const swapLast = (x: GV) => {
    const r = x.shape.length;
    const perm = [...Array(r).keys()];
    [perm[r - 2], perm[r - 1]] = [r - 1, r - 2];
    return transpose(x, perm);
  };
  const broadcast = (x: GV, shape: readonly Dim[]) =>
    sameShape(x.shape, shape) ? x : op("broadcast_to", [x], { shape: [...shape] });
  /** The cotangent of an operand that was broadcast to g's shape: summed over the axes it was repeated on. */
  const unbroadcast = (g: GV, to: readonly Dim[]) => {
    const lead = g.shape.length - to.length;
    const axes = g.shape.flatMap((d, i) => (i < lead || (sameDim(to[i - lead], 1) && !sameDim(d, 1)) ? [i] : []));
    return reshape(sum(g, axes, true), to);
  };
  const f32 = (x: GV) => (x.dtype === "f32" ? x : op("cast", [x], { dtype: "f32" }));
  return {
    op,
    k,
    sum,
    reshape,
    transpose,
    swapLast,
    broadcast,
    unbroadcast,
    f32,
    add: bin("add"),
    sub: bin("sub"),
    mul: bin("mul"),
    div: bin("div"),
    pow: bin("pow"),
    matmul: bin("matmul"),
    equal: bin("equal"),
    greater: bin("greater"),
    neg: un("neg"),
    exp: un("exp"),
    log: un("log"),
    sqrt: un("sqrt"),
    rsqrt: un("rsqrt"),
    erf: un("erf"),
    mean: (x: GV, axes: number[], keepdims = false) => (axes.length ? op("mean", [x], { axes, keepdims }) : x),
    zeros: (shape: readonly Dim[]) => op("fill", [], { shape: [...shape], value: 0, dtype: "f32" }),
    /** A cotangent for an operand of an elementwise op: the same function of g, summed back to the operand's shape. */
    toOperand: (g: GV, x: GV) => unbroadcast(g, x.shape),
  };
}
export type Grad = ReturnType<typeof grad>;

/** Normalised axes of a reduction or a per-axis op. */
export const normAxes = (axes: readonly number[], rank: number) => axes.map((a) => (a < 0 ? a + rank : a));
