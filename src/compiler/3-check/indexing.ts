/**
 * Indexing and slicing a tensor: `x[:, 0]`, `x[:, 1:]`, `x[:, :L]`, negative indices from the end.
 * Lowered to one `slice` (begin, size per axis) and, when an axis is indexed away, a `reshape`.
 */
import type * as A from "../1-syntax/ast.ts";
import { diag, type Diagnostic } from "../diagnostics/diagnostic.ts";
import * as P from "../0-core/dim.ts";
import type { GraphBuilder } from "./graph.ts";
import { ERROR, asPoly, kindName, type TensorVal, type Value } from "./values.ts";

export function indexTensor(
  t: TensorVal,
  e: A.IndexExpr,
  evaluate: (x: A.Expr) => Value,
  graph: GraphBuilder,
  diagnostics: Diagnostic[],
): Value {
  const report = (d: Diagnostic): Value => {
    diagnostics.push(d);
    return ERROR;
  };
  if (e.items.length > t.shape.length)
    return report(
      diag("rank_mismatch", e.span, "indexing", `at most ${t.shape.length} indices`, String(e.items.length)),
    );
  const begin: P.Poly[] = [];
  const size: P.Poly[] = [];
  const keep: boolean[] = [];
  let sliced = false;
  for (let i = 0; i < t.shape.length; i++) {
    const it = e.items[i];
    const dim = t.shape[i];
    if (!it || (it.slice && !it.start && !it.end)) {
      begin.push(P.constant(0));
      size.push(dim);
      keep.push(true);
      continue;
    }
    sliced = true;
    const bound = (x: A.Expr | undefined, dflt: P.Poly): P.Poly | undefined => {
      if (!x) return dflt;
      const v = evaluate(x);
      const p = asPoly(v);
      if (!p) {
        if (v.k !== "error") report(diag("type_mismatch", x.span, "an index", "a whole number", kindName(v)));
        return undefined;
      }
      const c = P.asConstant(p);
      return c !== undefined && c < 0 ? P.add(dim, p) : p;
    };
    const start = bound(it.start, P.constant(0));
    if (!start) return ERROR;
    if (!it.slice) {
      const c = P.asConstant(start);
      const n = P.asConstant(dim);
      if (c !== undefined && n !== undefined && (c < 0 || c >= n))
        return report(diag("index_out_of_range", it.span, String(c), String(n)));
      begin.push(start);
      size.push(P.constant(1));
      keep.push(false);
      continue;
    }
    const end = bound(it.end, dim);
    if (!end) return ERROR;
    const len = P.sub(end, start);
    const c = P.asConstant(len);
    const n = P.asConstant(dim);
    const e0 = P.asConstant(end);
    if ((c !== undefined && c <= 0) || (e0 !== undefined && n !== undefined && e0 > n))
      return report(diag("index_out_of_range", it.span, `${P.format(start)}:${P.format(end)}`, P.format(dim)));
    begin.push(start);
    size.push(len);
    keep.push(true);
  }
  if (!sliced) return { k: "tensor", t };
  const s = graph.op("slice", [t], { begin, size }, e.span);
  if (!s) return ERROR;
  if (keep.every((k) => k)) return { k: "tensor", t: s };
  const r = graph.op("reshape", [s], { shape: size.filter((_, i) => keep[i]) }, e.span);
  return r ? { k: "tensor", t: r } : ERROR;
}
