/**
 * Values the checker computes with: static numbers, symbolic dims, tensors (graph nodes), modules; and the
 * elaborated module tree a module value points into (one Instance per block use, with bound hyperparameters
 * and parameters), in the same file because each holds the other.
 */
import * as P from "../0-core/dim.ts";
import type { DType, HyperSource, Init } from "../0-core/schema.ts";
import type { ForwardDecl } from "../1-syntax/ast.ts";
import type { Definition } from "../2-resolve/program.ts";
import type { Span } from "../source.ts";

/** An expression over free hyperparameters, used only while binding them from a checkpoint. */
export type Sym =
  | { op: "var"; name: string }
  | { op: "const"; v: number }
  | { op: "+" | "-" | "*" | "/" | "//" | "**" | "%"; a: Sym; b: Sym };

/** An opaque dimension's name is marked, so that what depends on it is never reported as a mistake. */
export const OPEN = "⟨";
export const opaque = (text: string) => `${OPEN}${text.replaceAll("*", "·").replaceAll(" ", "")}⟩`;
/** Whether a dimension involves an opaque one (a block checked on its own leaves what follows from it to instantiation). */
export const isOpaque = (p: P.Poly) => [...P.symbolsOf(p)].some((s) => s.startsWith(OPEN));
/** Whether a value, shape, pattern or list of them involves an opaque dimension. */
export function involvesOpaque(v: unknown): boolean {
  if (v instanceof Map) return isOpaque(v as P.Poly);
  if (Array.isArray(v)) return v.some(involvesOpaque);
  if (!v || typeof v !== "object") return false;
  return Object.values(v).some((x) => typeof x === "object" && involvesOpaque(x));
}

export interface TensorVal {
  id: number;
  dtype: DType;
  shape: P.Poly[];
}

export type Value =
  | { k: "num"; v: number; int: boolean }
  | { k: "bool"; v: boolean }
  | { k: "str"; v: string }
  | { k: "dim"; p: P.Poly }
  | { k: "sym"; e: Sym; fallback: number }
  | { k: "tensor"; t: TensorVal }
  | { k: "list"; items: Value[] }
  | { k: "tuple"; items: { name: string; value: Value }[] }
  | { k: "module"; inst: Instance }
  | { k: "none"; member: string }
  | { k: "error" };

export const ERROR: Value = { k: "error" };
export const num = (v: number): Value => ({ k: "num", v, int: Number.isInteger(v) });
export const int = (v: number): Value => ({ k: "num", v, int: true });
export const flt = (v: number): Value => ({ k: "num", v, int: false });

/** A dim whose polynomial is a constant is an ordinary whole number. */
export function dimValue(p: P.Poly): Value {
  const c = P.asConstant(p);
  return c !== undefined ? int(c) : { k: "dim", p };
}

/** A whole-number value as a polynomial, or undefined. */
export function asPoly(v: Value): P.Poly | undefined {
  if (v.k === "dim") return v.p;
  if (v.k === "num" && Number.isInteger(v.v)) return P.constant(v.v);
  if (v.k === "sym") return P.constant(v.fallback);
  return undefined;
}

export function kindName(v: Value): string {
  switch (v.k) {
    case "num":
      return v.int ? `whole number (${v.v})` : `number (${v.v})`;
    case "bool":
      return `bool (${v.v})`;
    case "str":
      return `string ("${v.v}")`;
    case "dim":
      return `dimension (${P.format(v.p)})`;
    case "sym":
      return "number bound from weights";
    case "tensor":
      return "tensor";
    case "list":
      return "list";
    case "tuple":
      return "tuple";
    case "module":
      return `module (${v.inst.blockName})`;
    case "none":
      return "removed optional member";
    case "error":
      return "error";
  }
}

export function show(v: Value): string {
  switch (v.k) {
    case "num":
      return String(v.v);
    case "bool":
      return String(v.v);
    case "str":
      return v.v;
    case "dim":
      return P.format(v.p);
    case "sym":
      return showSym(v.e);
    default:
      return kindName(v);
  }
}

export function showSym(e: Sym): string {
  if (e.op === "var") return e.name;
  if (e.op === "const") return String(e.v);
  return `(${showSym(e.a)} ${e.op} ${showSym(e.b)})`;
}

export function evalSym(e: Sym, env: ReadonlyMap<string, number>): number | undefined {
  if (e.op === "var") return env.get(e.name);
  if (e.op === "const") return e.v;
  const a = evalSym(e.a, env);
  const b = evalSym(e.b, env);
  if (a === undefined || b === undefined) return undefined;
  switch (e.op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return a / b;
    case "//":
      return Math.floor(a / b);
    case "%":
      return a % b;
    case "**":
      return a ** b;
  }
}

export function symVars(e: Sym, out = new Set<string>()): Set<string> {
  if (e.op === "var") out.add(e.name);
  else if (e.op !== "const") {
    symVars(e.a, out);
    symVars(e.b, out);
  }
  return out;
}

/** Lexical scope of names to values. */
export class Scope {
  private readonly vars = new Map<string, Value>();
  constructor(readonly parent?: Scope) {}
  get(name: string): Value | undefined {
    return this.vars.get(name) ?? this.parent?.get(name);
  }
  has(name: string): boolean {
    return this.vars.has(name) || !!this.parent?.has(name);
  }
  hasOwn(name: string): boolean {
    return this.vars.has(name);
  }
  set(name: string, v: Value): void {
    this.vars.set(name, v);
  }
  /** Assign to the nearest scope that defines the name. */
  assign(name: string, v: Value): boolean {
    if (this.vars.has(name)) {
      this.vars.set(name, v);
      return true;
    }
    return this.parent?.assign(name, v) ?? false;
  }
  names(): string[] {
    return [...new Set([...this.vars.keys(), ...(this.parent?.names() ?? [])])];
  }
}

export interface ParamInst {
  name: string;
  key: string; // state-dict key
  shape: Value[]; // whole numbers after checking; syms while binding
  dtype: DType;
  init: Init;
  span: Span;
}

export interface Instance {
  path: string; // instance path, unique; "" for the model
  weightPrefix: string; // prefix of this instance's parameter keys ("visual.transformer.resblocks.0.")
  kind: "block" | "repeat" | "seq" | "namespace";
  blockName: string;
  def?: Definition;
  /** Names visible to the forward body: hyperparameters and lets (static), then members and params. */
  scope: Scope;
  hyper: Map<string, Value>;
  params: Map<string, ParamInst>;
  members: Map<string, Instance | null>; // null: an optional member that is absent
  memberOrder: string[];
  optional: Set<string>;
  forward?: ForwardDecl;
  /** The forwards of a derived block's chain, base first (the last is `forward`); `super(x)` runs the one before. */
  forwards?: ForwardDecl[];
  span: Span;
  replaced?: { from: string; by: string; span: Span };
  /** Declared `recompute`: training recomputes this instance's activations in the backward pass. */
  recompute?: boolean;
}

export interface HyperInfo {
  name: string;
  type: string;
  value: Value;
  source: HyperSource;
  origin?: string;
}
