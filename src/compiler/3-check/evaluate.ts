/**
 * Static evaluation of expressions: hyperparameters, lets, shapes, repeat counts. The forward checker
 * extends this class with tensors; here a tensor operation is an error.
 */
import type * as A from "../1-syntax/ast.ts";
import { diag, withHint, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { didYouMean } from "../2-resolve/suggest.ts";
import * as P from "../0-core/dim.ts";
import type { Span } from "../source.ts";
import { indexSequence, itemsOf, joinLists } from "./stacks.ts";
import {
  ERROR,
  OPEN,
  asPoly,
  dimValue,
  flt,
  int,
  kindName,
  num,
  opaque,
  show,
  type Scope,
  type Sym,
  type Value,
} from "./values.ts";

const numericFns: Record<string, (...x: number[]) => number> = {
  ln: Math.log,
  log: Math.log,
  exp: Math.exp,
  sqrt: Math.sqrt,
  floor: Math.floor,
  ceil: Math.ceil,
  round: Math.round,
  abs: Math.abs,
  min: Math.min,
  max: Math.max,
};
const intResult = new Set(["floor", "ceil", "round"]);

/** A number that depends on a symbol's value (`d ** -0.5`): an error value never reported, which a tensor absorbs. */
export const OPEN_SCALAR: Value = { k: "error" };

export class Evaluator {
  /**
   * Set while a block is checked generically (3-check/generic.ts): hyperparameters are symbols, so what
   * depends on their values (a comparison, a non-whole quotient, `d ** -0.5`) is left open instead of
   * reported; a quotient becomes an opaque dimension and its divisibility a requirement listed here.
   */
  requirements?: string[];

  constructor(readonly diagnostics: Diagnostic[]) {}

  report(d: Diagnostic): Value {
    this.diagnostics.push(d);
    return ERROR;
  }

  expr(e: A.Expr, scope: Scope): Value {
    switch (e.kind) {
      case "Number":
        return e.isInt ? int(e.value) : flt(e.value);
      case "String":
        return { k: "str", v: e.value };
      case "Bool":
        return { k: "bool", v: e.value };
      case "Name":
        return this.name(e, scope);
      case "Unary": {
        const v = this.expr(e.operand, scope);
        if (e.op === "not") {
          if (v.k === "error") return v;
          return v.k === "bool"
            ? { k: "bool", v: !v.v }
            : this.report(diag("bad_operand", e.span, "`not`", kindName(v)));
        }
        return this.binary("-", int(0), v, e.span);
      }
      case "Binary": {
        const a = this.expr(e.left, scope);
        if (e.op === "and" || e.op === "or") {
          if (a.k === "error") return a;
          if (a.k !== "bool") return this.report(diag("bad_operand", e.left.span, `\`${e.op}\``, kindName(a)));
          if (e.op === "and" ? !a.v : a.v) return a;
          const b = this.expr(e.right, scope);
          if (b.k !== "bool" && b.k !== "error")
            return this.report(diag("bad_operand", e.right.span, `\`${e.op}\``, kindName(b)));
          return b;
        }
        return this.binary(e.op, a, this.expr(e.right, scope), e.span);
      }
      case "List":
        return { k: "list", items: e.items.map((x) => this.expr(x, scope)) };
      case "Tuple":
        return { k: "tuple", items: e.items.map((x) => ({ name: x.name.name, value: this.expr(x.value, scope) })) };
      case "Call":
        return this.call(e, scope);
      case "Index":
        return this.index(e, scope);
      case "Member":
        return this.member(e, scope);
    }
  }

  name(e: A.NameExpr, scope: Scope): Value {
    const v = scope.get(e.name);
    if (v) return v;
    return this.report(withHint(diag("unknown_name", e.span, "name", e.name), didYouMean(e.name, scope.names())));
  }

  member(e: A.MemberExpr, scope: Scope): Value {
    const t = this.expr(e.target, scope);
    if (t.k === "error") return t;
    if (t.k === "tuple") {
      const item = t.items.find((i) => i.name === e.name.name);
      if (item) return item.value;
      return this.report(
        withHint(
          diag("unknown_name", e.name.span, "output", e.name.name),
          didYouMean(
            e.name.name,
            t.items.map((i) => i.name),
          ),
        ),
      );
    }
    if (t.k === "module") {
      const m = t.inst.members.get(e.name.name);
      if (m) return { k: "module", inst: m };
      if (m === null) return { k: "none", member: e.name.name };
      const p = t.inst.params.has(e.name.name) ? this.paramOf(t.inst, e.name.name, e.span) : undefined;
      if (p) return p;
      return this.report(
        withHint(
          diag("unknown_member", e.name.span, e.name.name, t.inst.blockName),
          didYouMean(e.name.name, t.inst.members.keys()),
        ),
      );
    }
    return this.report(diag("bad_operand", e.span, "`.`", kindName(t)));
  }

  /** Parameters are tensors only inside forward. */
  paramOf(_inst: unknown, name: string, span: Span): Value | undefined {
    return this.report(diag("undefined_value", span, name));
  }

  index(e: A.IndexExpr, scope: Scope): Value {
    const t = this.expr(e.target, scope);
    if (t.k === "error") return t;
    // a list (`outs[-1]`, `outs[a:b]`) and a stack's layers follow the same rules
    const items = itemsOf(t);
    if (items) return indexSequence(t, items, e, (x) => this.expr(x, scope), this.diagnostics);
    if (t.k === "tensor") return this.tensorIndex(t, e, scope);
    return this.report(diag("bad_operand", e.span, "indexing", kindName(t)));
  }

  tensorIndex(_t: Value, e: A.IndexExpr, _scope: Scope): Value {
    return this.report(diag("bad_operand", e.span, "indexing", "a tensor outside forward"));
  }

  call(e: A.CallExpr, scope: Scope): Value {
    if (e.callee.kind === "Name" && !scope.has(e.callee.name) && e.callee.name in numericFns) {
      const args = e.args.map((a) => this.expr(a.value, scope));
      if (args.some((a) => a.k === "error")) return ERROR;
      if (this.requirements && args.some((a) => a.k === "dim")) return OPEN_SCALAR;
      // a tensor argument makes it a builtin (`exp(x)`, `max(x, axis: 1)`): pass the values on, since
      // evaluating the arguments again would emit their ops twice
      if (args.some((a) => a.k === "tensor")) return this.callOther(e, scope, args);
      const fn = numericFns[e.callee.name];
      const name = e.callee.name;
      if (args.some((a) => a.k === "sym")) {
        // only used for initialisers; fold to the fallback
        const xs = args.map((a) => (a.k === "sym" ? a.fallback : a.k === "num" ? a.v : NaN));
        return num(fn(...xs));
      }
      const xs: number[] = [];
      for (const [i, a] of args.entries()) {
        if (a.k !== "num")
          return this.report(
            diag("type_mismatch", e.args[i].span, `the argument of \`${name}\``, "a number", kindName(a)),
          );
        xs.push(a.v);
      }
      const r = fn(...xs);
      return intResult.has(name) ? int(r) : name === "min" || name === "max" || name === "abs" ? num(r) : flt(r);
    }
    return this.callOther(e, scope);
  }

  /** A call that is not a numeric function; `values` are the arguments when already evaluated. */
  callOther(e: A.CallExpr, _scope: Scope, _values?: Value[]): Value {
    const name = e.callee.kind === "Name" ? e.callee.name : "expression";
    return this.report(diag("unknown_function", e.callee.span, name));
  }

  tensorBinary(_op: A.BinaryOp, _a: Value, _b: Value, span: Span): Value {
    return this.report(diag("bad_operand", span, "arithmetic", "a tensor outside forward"));
  }

  binary(op: A.BinaryOp, a: Value, b: Value, span: Span): Value {
    // generically, a scalar left open (an error value, never reported) keeps the tensor's shape
    if (a === OPEN_SCALAR || b === OPEN_SCALAR) return a.k === "tensor" ? a : b.k === "tensor" ? b : OPEN_SCALAR;
    if (a.k === "error" || b.k === "error") return ERROR;
    if (a.k === "list" && b.k === "list" && op === "+") return joinLists(a.items, b.items, span, this.diagnostics);
    if (a.k === "tensor" || b.k === "tensor") return this.tensorBinary(op, a, b, span);
    if (op === "==" || op === "!=") {
      if (this.requirements && (a.k === "dim" || b.k === "dim")) return OPEN_SCALAR;
      const eq = (a.k === b.k && show(a) === show(b)) || (asPoly(a) && asPoly(b) && P.equal(asPoly(a)!, asPoly(b)!));
      return { k: "bool", v: op === "==" ? !!eq : !eq };
    }
    if (a.k === "sym" || b.k === "sym") return this.symBinary(op, a, b, span);
    if (a.k === "num" && b.k === "num") return this.numBinary(op, a.v, b.v, a.int && b.int, span);
    const pa = asPoly(a);
    const pb = asPoly(b);
    if (pa && pb) {
      switch (op) {
        case "+":
          return dimValue(P.add(pa, pb));
        case "-":
          return dimValue(P.sub(pa, pb));
        case "*":
          return dimValue(P.mul(pa, pb));
        case "/":
        case "//": {
          const q = P.div(pa, pb);
          if (q) return dimValue(q);
          if (this.requirements) return this.openQuotient(pa, pb);
          return this.report(
            diag("non_integer_dim", span, `\`${P.format(pa)} / ${P.format(pb)}\``, "not a whole multiple"),
          );
        }
      }
    }
    if (this.requirements && (a.k === "dim" || b.k === "dim")) return OPEN_SCALAR;
    if (a.k === "str" && b.k === "str" && op === "+") return { k: "str", v: a.v + b.v };
    return this.report(diag("bad_operand", span, `\`${op}\``, `${kindName(a)} and ${kindName(b)}`));
  }

  /** `d / heads` with symbols: an opaque dimension, and the requirement that the division be whole. */
  private openQuotient(a: P.Poly, b: P.Poly): Value {
    const text = `${P.format(a)} / ${P.format(b)}`;
    if (!text.includes(OPEN) && !this.requirements!.includes(text)) this.requirements!.push(text);
    return { k: "dim", p: P.symbol(opaque(text)) };
  }

  numBinary(op: A.BinaryOp, x: number, y: number, bothInt: boolean, span: Span): Value {
    switch (op) {
      case "+":
        return bothInt ? int(x + y) : flt(x + y);
      case "-":
        return bothInt ? int(x - y) : flt(x - y);
      case "*":
        return bothInt ? int(x * y) : flt(x * y);
      case "/":
        if (y === 0) return this.report(diag("division_by_zero", span));
        return bothInt && x % y === 0 ? int(x / y) : flt(x / y);
      case "//":
        if (y === 0) return this.report(diag("division_by_zero", span));
        return bothInt ? int(Math.floor(x / y)) : flt(Math.floor(x / y));
      case "%":
        if (y === 0) return this.report(diag("division_by_zero", span));
        return bothInt ? int(((x % y) + y) % y) : flt(x % y);
      case "**": {
        const r = x ** y;
        return bothInt && y >= 0 ? int(r) : flt(r);
      }
      case "<":
        return { k: "bool", v: x < y };
      case "<=":
        return { k: "bool", v: x <= y };
      case ">":
        return { k: "bool", v: x > y };
      case ">=":
        return { k: "bool", v: x >= y };
    }
    return this.report(diag("bad_operand", span, `\`${op}\``, "numbers"));
  }

  private symBinary(op: A.BinaryOp, a: Value, b: Value, span: Span): Value {
    const toSym = (v: Value): Sym | undefined =>
      v.k === "sym" ? v.e : v.k === "num" ? { op: "const", v: v.v } : undefined;
    const fb = (v: Value) => (v.k === "sym" ? v.fallback : v.k === "num" ? v.v : NaN);
    const sa = toSym(a);
    const sb = toSym(b);
    const folded = this.numBinary(op, fb(a), fb(b), false, span);
    if (!sa || !sb || folded.k !== "num" || !["+", "-", "*", "/", "//", "%", "**"].includes(op)) return folded;
    return { k: "sym", e: { op: op as "+", a: sa, b: sb }, fallback: folded.v };
  }
}
