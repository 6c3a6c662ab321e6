/**
 * Symbolic dimensions: polynomials with integer coefficients over batch symbols (B, K, ...).
 * Hyperparameters are concrete by the time shapes are checked, so only free symbols stay symbolic.
 * Text form (used in the IR and in messages): terms joined by " + ", e.g. "8*B + 1", "B*K", "50".
 */
export type Poly = ReadonlyMap<string, number>; // monomial ("" for the constant, "B*B*K") -> coefficient

const key = (syms: string[]) => [...syms].sort().join("*");

export function constant(n: number): Poly {
  return n === 0 ? new Map() : new Map([["", n]]);
}
export function symbol(name: string): Poly {
  return new Map([[name, 1]]);
}

function addInto(m: Map<string, number>, k: string, c: number) {
  const v = (m.get(k) ?? 0) + c;
  if (v === 0) m.delete(k);
  else m.set(k, v);
}

export function add(a: Poly, b: Poly): Poly {
  const m = new Map(a);
  for (const [k, c] of b) addInto(m, k, c);
  return m;
}
export function scale(a: Poly, s: number): Poly {
  const m = new Map<string, number>();
  if (s !== 0) for (const [k, c] of a) m.set(k, c * s);
  return m;
}
export function sub(a: Poly, b: Poly): Poly {
  return add(a, scale(b, -1));
}
export function mul(a: Poly, b: Poly): Poly {
  const m = new Map<string, number>();
  for (const [ka, ca] of a)
    for (const [kb, cb] of b) addInto(m, key([...(ka ? ka.split("*") : []), ...(kb ? kb.split("*") : [])]), ca * cb);
  return m;
}

/** Exact division, or undefined when the quotient is not a polynomial with integer coefficients. */
export function div(a: Poly, b: Poly): Poly | undefined {
  if (b.size === 0) return undefined;
  if (b.size === 1) {
    const [[kb, cb]] = [...b];
    const bs = kb ? kb.split("*") : [];
    const m = new Map<string, number>();
    for (const [ka, ca] of a) {
      if (ca % cb !== 0) return undefined;
      const rest = ka ? ka.split("*") : [];
      for (const s of bs) {
        const i = rest.indexOf(s);
        if (i < 0) return undefined;
        rest.splice(i, 1);
      }
      m.set(key(rest), ca / cb);
    }
    return m;
  }
  // a multi-term divisor divides only a constant multiple of itself
  const [kb, cb] = [...b][0];
  const ca = a.get(kb);
  if (ca === undefined || ca % cb !== 0) return undefined;
  const q = constant(ca / cb);
  return equal(mul(b, q), a) ? q : undefined;
}

export function equal(a: Poly, b: Poly): boolean {
  if (a.size !== b.size) return false;
  for (const [k, c] of a) if (b.get(k) !== c) return false;
  return true;
}

export function asConstant(a: Poly): number | undefined {
  if (a.size === 0) return 0;
  if (a.size === 1 && a.has("")) return a.get("");
  return undefined;
}

export function symbolsOf(a: Poly): Set<string> {
  const s = new Set<string>();
  for (const k of a.keys()) if (k) for (const x of k.split("*")) s.add(x);
  return s;
}

export function evaluate(a: Poly, env: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const [k, c] of a) {
    let t = c;
    if (k)
      for (const s of k.split("*")) {
        const v = env[s];
        if (v === undefined) throw new Error(`no value for dimension symbol ${s}`);
        t *= v;
      }
    total += t;
  }
  return total;
}

export function substitute(a: Poly, env: ReadonlyMap<string, Poly>): Poly {
  let out: Poly = new Map();
  for (const [k, c] of a) {
    let t: Poly = constant(c);
    if (k) for (const s of k.split("*")) t = mul(t, env.get(s) ?? symbol(s));
    out = add(out, t);
  }
  return out;
}

/** Canonical text: higher-degree terms first, then by name, the constant last. */
export function format(a: Poly): string {
  if (a.size === 0) return "0";
  const terms = [...a].sort(([x], [y]) => {
    const dx = x ? x.split("*").length : 0;
    const dy = y ? y.split("*").length : 0;
    return dy - dx || (x < y ? -1 : x > y ? 1 : 0);
  });
  let s = "";
  for (const [k, c] of terms) {
    const mag = Math.abs(c);
    const body = k === "" ? String(mag) : mag === 1 ? k : `${mag}*${k}`;
    s += s === "" ? (c < 0 ? "-" + body : body) : c < 0 ? ` - ${body}` : ` + ${body}`;
  }
  return s;
}

/** Parse the text form produced by `format` (also accepts plain integers). */
export function parse(text: string | number): Poly {
  if (typeof text === "number") return constant(text);
  let out: Poly = new Map();
  const re = /\s*([+-])?\s*([^+-]+)/g;
  for (const m of text.matchAll(re)) {
    const sign = m[1] === "-" ? -1 : 1;
    let c = sign;
    const syms: string[] = [];
    for (const f of m[2].trim().split("*")) {
      const t = f.trim();
      if (/^\d+$/.test(t)) c *= Number(t);
      else if (/^[A-Za-z_]\w*$/.test(t)) syms.push(t);
      else throw new Error(`bad dimension text: ${text}`);
    }
    out = add(out, new Map([[key(syms), c]]));
  }
  return out;
}

/** Evaluate an IR dim (number or text form) with values for the batch symbols. */
export function evalDim(d: number | string, env: Readonly<Record<string, number>>): number {
  return typeof d === "number" ? d : evaluate(parse(d), env);
}

export function dimToIr(a: Poly): number | string {
  const c = asConstant(a);
  return c !== undefined ? c : format(a);
}
