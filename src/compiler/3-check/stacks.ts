/**
 * A stack of layers (a `repeat` or `seq` member) and a list are both sequences in a forward: `blocks[0]` and
 * `blocks[-1]` are layers, `blocks[a:b]` is the list of those layers (called, it runs them in sequence), and
 * `outs[-4:]` is part of a list of collected tensors. Nothing is copied: a list holds the values themselves,
 * so a collected layer output is the layer's own output node.
 */
import type * as A from "../1-syntax/ast.ts";
import { diag, withHint, withNote, type Diagnostic } from "../diagnostics/diagnostic.ts";
import * as P from "../0-core/dim.ts";
import { showShape } from "../ops/rule-helpers.ts";
import type { Span } from "../source.ts";
import { ERROR, kindName, show, type Instance, type Value } from "./values.ts";

/** A repeat or seq member: its layers can be indexed, sliced and looped over. */
export const isStack = (v: Value): v is { k: "module"; inst: Instance } =>
  v.k === "module" && (v.inst.kind === "repeat" || v.inst.kind === "seq");

/** The items of a sequence: a stack's layers in order, or a list's values; undefined for anything else. */
export function itemsOf(v: Value): Value[] | undefined {
  if (v.k === "list") return v.items;
  if (!isStack(v)) return undefined;
  return v.inst.memberOrder.flatMap((name) => {
    const child = v.inst.members.get(name);
    return child ? [{ k: "module", inst: child } as Value] : [];
  });
}

/**
 * `seq[i]` or `seq[a:b]` with whole numbers known before the forward runs. An index written with a minus
 * (`-1`, `-k`) counts from the end, so `outs[-k:]` is the last k for every k >= 0; any other index that comes
 * out negative (`blocks[layers - levels:]` with levels > layers) is out of range, as is one past the end: an
 * error naming the index and the length, where Python would quietly take fewer layers.
 */
export function indexSequence(
  target: Value,
  items: Value[],
  e: A.IndexExpr,
  evaluate: (x: A.Expr) => Value,
  diagnostics: Diagnostic[],
): Value {
  const report = (d: Diagnostic): Value => {
    diagnostics.push(d);
    return ERROR;
  };
  const what = isStack(target) ? `the stack \`${target.inst.path}\`` : "the list";
  const n = items.length;
  if (e.items.length !== 1)
    return report(diag("rank_mismatch", e.span, `indexing ${what}`, "1 index", String(e.items.length)));
  const it = e.items[0];
  /** The position an index stands for (n - k for `-k`) and its value as written; null after an error. */
  const position = (x: A.Expr): { at: number; text: string; negative: boolean } | null => {
    const fromEnd = x.kind === "Unary" && x.op === "-";
    const v = evaluate(fromEnd ? x.operand : x);
    const c = v.k === "num" && v.int ? v.v : v.k === "dim" ? P.asConstant(v.p) : undefined;
    if (c === undefined) {
      if (v.k !== "error")
        report(
          diag(
            "type_mismatch",
            x.span,
            `an index of ${what}`,
            "a whole number known before the forward runs",
            kindName(v),
          ),
        );
      return null;
    }
    if (!fromEnd) return { at: c, text: String(c), negative: c < 0 };
    return { at: c < 0 ? -1 : n - c, text: String(-c), negative: false };
  };
  const outOfRange = (index: string, computedNegative: boolean) => {
    let d = diag("sequence_index_out_of_range", it.span, index, what, n, isStack(target) ? "layer" : "item");
    // the values of this instance that the index was computed from: `layers = 4, levels = 6`
    const names = [...new Set([it.start, it.end].flatMap((x) => (x ? namesIn(x) : [])))];
    const values = names
      .map((name) => [name, evaluate({ kind: "Name", name, span: it.span })] as const)
      .filter(([, v]) => v.k === "num");
    if (values.length) d = withNote(d, `with ${values.map(([name, v]) => `${name} = ${show(v)}`).join(", ")}`);
    return report(
      computedNegative
        ? withHint(d, "an index counts from the end only when it is written with a minus, as in `-1` or `-k`")
        : d,
    );
  };
  const start = it.start ? position(it.start) : { at: 0, text: "", negative: false };
  if (!start) return ERROR;
  if (!it.slice) {
    if (start.at < 0 || start.at >= n) return outOfRange(`index ${start.text}`, start.negative);
    return items[start.at];
  }
  const end = it.end ? position(it.end) : { at: n, text: "", negative: false };
  if (!end) return ERROR;
  if (start.at < 0 || start.at > n || end.at < 0 || end.at > n || start.at > end.at)
    return outOfRange(`slice \`${start.text}:${end.text}\``, start.negative || end.negative);
  return { k: "list", items: items.slice(start.at, end.at) };
}

function namesIn(e: A.Expr): string[] {
  if (e.kind === "Name") return [e.name];
  if (e.kind === "Binary") return [...namesIn(e.left), ...namesIn(e.right)];
  if (e.kind === "Unary") return namesIn(e.operand);
  return [];
}

/**
 * `outs + [x]`: the list that collects a loop's outputs. It holds one kind of value, and tensors of one dtype
 * and shape, so that `outs[i]` has the same type for every i and `stack(outs)` is always defined.
 */
export function joinLists(a: Value[], b: Value[], span: Span, diagnostics: Diagnostic[]): Value {
  const items = [...a, ...b];
  const first = items[0];
  if (first?.k === "error") return ERROR;
  for (const v of items.slice(1)) {
    if (v.k === "error") return ERROR;
    const same =
      sort(v) === sort(first) &&
      (v.k !== "tensor" ||
        (first.k === "tensor" &&
          v.t.dtype === first.t.dtype &&
          v.t.shape.length === first.t.shape.length &&
          v.t.shape.every((d, i) => P.equal(d, first.t.shape[i]))));
    if (!same) {
      diagnostics.push(diag("list_item_mismatch", span, describe(first), describe(v)));
      return ERROR;
    }
  }
  return { k: "list", items };
}

/** Numbers and dimensions mix (`[B] + [d]` is a shape); tensors, modules and the rest do not. */
const sort = (v: Value): string => (v.k === "num" || v.k === "dim" || v.k === "sym" ? "number" : v.k);
const describe = (v: Value): string =>
  v.k === "tensor" ? `a ${v.t.dtype} tensor ${showShape(v.t.shape)}` : `a ${kindName(v)}`;
