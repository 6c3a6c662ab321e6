/**
 * Binding a forward signature to actual shapes: `x: [B * T, L, d]` against [8*B, 50, 768] with T = 8
 * gives B = B, L = 50 and checks d. Unknown names in a pattern are local dimension symbols; each is
 * solved from an equation where it appears alone and linearly, then every equation is re-checked.
 */
import type * as A from "../1-syntax/ast.ts";
import * as P from "../0-core/dim.ts";
import { asPoly, type Scope } from "./values.ts";
import { showShape } from "../ops/rule-helpers.ts";

export interface PatternDim {
  poly: P.Poly | undefined; // undefined: the expression is not a polynomial we can solve
  expr: A.Expr;
}
export interface Pattern {
  before: PatternDim[];
  ellipsis: boolean;
  after: PatternDim[];
}

const UNKNOWN = "?";

/** A dimension expression as a polynomial; names not in scope become unknowns `?name`. */
export function patternPoly(e: A.Expr, scope: Scope): P.Poly | undefined {
  switch (e.kind) {
    case "Number":
      return e.isInt ? P.constant(e.value) : undefined;
    case "Name": {
      const v = scope.get(e.name);
      if (!v) return P.symbol(UNKNOWN + e.name);
      return asPoly(v);
    }
    case "Unary":
      if (e.op !== "-") return undefined;
      {
        const x = patternPoly(e.operand, scope);
        return x && P.scale(x, -1);
      }
    case "Binary": {
      const a = patternPoly(e.left, scope);
      const b = patternPoly(e.right, scope);
      if (!a || !b) return undefined;
      switch (e.op) {
        case "+":
          return P.add(a, b);
        case "-":
          return P.sub(a, b);
        case "*":
          return P.mul(a, b);
        case "/":
          return P.div(a, b);
        case "//": {
          const x = P.asConstant(a);
          const y = P.asConstant(b);
          if (x !== undefined && y !== undefined && y !== 0) return P.constant(Math.floor(x / y));
          return P.div(a, b);
        }
        case "**": {
          const y = P.asConstant(b);
          if (y === undefined || y < 0 || !Number.isInteger(y)) return undefined;
          let r = P.constant(1);
          for (let i = 0; i < y; i++) r = P.mul(r, a);
          return r;
        }
      }
      return undefined;
    }
  }
  return undefined;
}

export function pattern(t: A.ShapeType, scope: Scope): Pattern {
  const p: Pattern = { before: [], ellipsis: false, after: [] };
  for (const d of t.dims) {
    if (d.kind === "Ellipsis") p.ellipsis = true;
    else (p.ellipsis ? p.after : p.before).push({ poly: patternPoly(d, scope), expr: d });
  }
  return p;
}

export function showPattern(p: Pattern): string {
  const f = (d: PatternDim) => (d.poly ? P.format(d.poly).replaceAll(UNKNOWN, "") : "?");
  return `[${[...p.before.map(f), ...(p.ellipsis ? ["..."] : []), ...p.after.map(f)].join(", ")}]`;
}

export interface Binding {
  dims: Map<string, P.Poly>; // local name -> actual
  ellipsis?: P.Poly[];
}

interface Equation {
  pat: P.Poly;
  actual: P.Poly;
  where: number; // which pattern
}

/** Match patterns against actual shapes; returns the failing pattern index and why, or the binding. */
export function unify(
  patterns: Pattern[],
  actuals: P.Poly[][],
  prior?: Binding,
): Binding | { index: number; why: string } {
  const binding: Binding = { dims: new Map(prior?.dims), ellipsis: prior?.ellipsis };
  const eqs: Equation[] = [];
  for (let i = 0; i < patterns.length; i++) {
    const p = patterns[i];
    const a = actuals[i];
    const fixed = p.before.length + p.after.length;
    if (p.ellipsis ? a.length < fixed : a.length !== fixed) {
      return {
        index: i,
        why: `expects rank ${p.ellipsis ? `${fixed} or more` : fixed} ${showPattern(p)}, got ${showShape(a)}`,
      };
    }
    const mid = a.slice(p.before.length, a.length - p.after.length);
    if (p.ellipsis) {
      if (
        binding.ellipsis &&
        (binding.ellipsis.length !== mid.length || mid.some((d, j) => !P.equal(d, binding.ellipsis![j])))
      ) {
        return {
          index: i,
          why: `\`...\` stands for ${showShape(binding.ellipsis)} elsewhere but ${showShape(mid)} here`,
        };
      }
      binding.ellipsis = mid;
    }
    const dims = [...p.before, ...p.after];
    const act = [...a.slice(0, p.before.length), ...a.slice(a.length - p.after.length)];
    for (let j = 0; j < dims.length; j++) {
      if (!dims[j].poly)
        return { index: i, why: `dimension ${j + 1} of ${showPattern(p)} is not a whole-number expression` };
      eqs.push({ pat: dims[j].poly!, actual: act[j], where: i });
    }
  }
  const subst = () => new Map([...binding.dims].map(([k, v]) => [UNKNOWN + k, v]));
  for (let progress = true; progress;) {
    progress = false;
    for (const eq of eqs) {
      const pat = P.substitute(eq.pat, subst());
      const unknowns = [...P.symbolsOf(pat)].filter((s) => s.startsWith(UNKNOWN));
      if (unknowns.length !== 1) continue;
      const u = unknowns[0];
      let coef: P.Poly = new Map();
      let rest: P.Poly = new Map();
      let linear = true;
      for (const [mono, c] of pat) {
        const parts = mono ? mono.split("*") : [];
        const n = parts.filter((x) => x === u).length;
        if (n > 1) linear = false;
        const others = parts.filter((x) => x !== u).join("*");
        if (n === 1) coef = P.add(coef, new Map([[others, c]]));
        else rest = P.add(rest, new Map([[mono, c]]));
      }
      if (!linear) continue;
      const value = P.div(P.sub(eq.actual, rest), coef);
      if (!value)
        return {
          index: eq.where,
          why: `cannot solve \`${P.format(pat).replaceAll(UNKNOWN, "")} = ${P.format(eq.actual)}\` in whole numbers`,
        };
      binding.dims.set(u.slice(UNKNOWN.length), value);
      progress = true;
    }
  }
  for (const eq of eqs) {
    const pat = P.substitute(eq.pat, subst());
    const left = [...P.symbolsOf(pat)].filter((s) => s.startsWith(UNKNOWN));
    if (left.length) return { index: eq.where, why: `cannot infer \`${left[0].slice(1)}\`` };
    if (!P.equal(pat, eq.actual)) {
      const p = patterns[eq.where];
      return { index: eq.where, why: `expects ${showPattern(p)}, got ${showShape(actuals[eq.where])}` };
    }
  }
  return binding;
}

/** Model inputs have no actual shapes: their unknown names become the model's batch symbols. */
export function inputShape(p: Pattern): P.Poly[] | undefined {
  if (p.ellipsis) return undefined;
  const out: P.Poly[] = [];
  for (const d of [...p.before, ...p.after]) {
    if (!d.poly) return undefined;
    const renamed = new Map([...P.symbolsOf(d.poly)].map((s) => [s, P.symbol(s.startsWith(UNKNOWN) ? s.slice(1) : s)]));
    out.push(P.substitute(d.poly, renamed));
  }
  return out;
}
