/**
 * Hyperparameters from weights: elaborate the model with whole-number hyperparameters as symbols,
 * equate every declared parameter shape (and repeat count) with the checkpoint's, and solve, as the
 * official `build_model` does by hand. Given values (preset, variant, --set) that disagree with the
 * checkpoint are located errors naming the tensor and the value it implies.
 */
import { diag, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { Program } from "../2-resolve/program.ts";
import type { Budget } from "../limits.ts";
import { Elaborator, type BindingProbe } from "./elaborate.ts";
import { inputEquations, type InputShapes } from "./bind-inputs.ts";
import { Evaluator } from "./evaluate.ts";
import { resolveHyper, type HyperRequest, type ModelConfig } from "./model-config.ts";
import { evalSym, show, symVars, type Sym, type Value } from "./values.ts";

export interface Bound {
  value: number;
  origin: string;
  /** A checkpoint's shapes, or the input tensors' (bind-inputs.ts). */
  source?: "checkpoint" | "input";
  /** The tensor whose shape gave the value, for errors that say where it came from. */
  key?: string;
  found?: number[];
}

export function bindFromShapes(
  program: Program,
  cfg: ModelConfig,
  req: HyperRequest,
  shapes: Map<string, number[]>,
  file: string,
  budget?: Budget,
  inputs?: InputShapes,
): { value: Map<string, Bound>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const scratch: Diagnostic[] = []; // errors of the symbolic pass repeat in the real one
  const ev = new Evaluator(scratch);
  const { scope, info } = resolveHyper(cfg, { ...req, symbolic: true }, ev, scratch);
  const probe: BindingProbe = { shapes, equations: [], rankErrors: [] };
  new Elaborator(program, cfg, scope, scratch, probe, budget).root();
  diagnostics.push(...probe.rankErrors);
  // after the checkpoint's equations, so its shapes bind first and an input that disagrees is the one reported
  if (inputs) probe.equations.push(...inputEquations(cfg, scope, ev, inputs));

  const given = new Map<string, number>();
  const free = new Set<string>();
  for (const h of info) {
    if (h.value.k !== "sym") continue;
    if (h.source === "default") free.add(h.name);
    else given.set(h.name, h.value.fallback);
  }
  const env = new Map(given);
  const solved = new Map<string, { value: number; key: string; found: number[] }>();
  for (let progress = true; progress;) {
    progress = false;
    for (const eq of probe.equations) {
      if (eq.lhs.k !== "sym") continue;
      const unknown = [...symVars(eq.lhs.e)].filter((v) => !env.has(v));
      if (unknown.length !== 1 || !free.has(unknown[0])) continue;
      const x = solve(eq.lhs.e, unknown[0], eq.actual, env);
      if (x === undefined) continue;
      env.set(unknown[0], x);
      solved.set(unknown[0], { value: x, key: eq.key, found: eq.found });
      progress = true;
    }
  }
  // defaults stand for what the checkpoint does not determine
  for (const h of info) if (h.value.k === "sym" && !env.has(h.name)) env.set(h.name, h.value.fallback);

  const reported = new Set<string>();
  for (const eq of probe.equations) {
    const got = valueOf(eq.lhs, env);
    if (got === eq.actual) continue;
    const foundText = eq.dim < 0 ? `${eq.actual} layers` : `[${eq.found.join(", ")}]`;
    const culprit = eq.lhs.k === "sym" ? [...symVars(eq.lhs.e)].find((v) => given.has(v)) : undefined;
    if (culprit && !reported.has(culprit)) {
      reported.add(culprit);
      const rest = new Map(env);
      rest.delete(culprit);
      const implied = solve((eq.lhs as { e: Sym }).e, culprit, eq.actual, rest);
      const src = info.find((h) => h.name === culprit);
      const givenText =
        `${given.get(culprit)} ` +
        `(${src?.source === "cli" ? "--set" : src?.source === "preset" ? `preset ${src.origin}` : `${src?.source} ${src?.origin ?? ""}`.trim()})`;
      diagnostics.push(
        diag(
          "conflicting_binding",
          eq.span,
          culprit,
          givenText,
          implied !== undefined ? `${culprit} = ${implied}` : "another value",
          eq.key,
          foundText,
        ),
      );
    } else if (!culprit && !reported.has(eq.key) && !eq.key.startsWith("input.")) {
      // an input that fits no free hyperparameter is the run's input check (MDL404), which names the input
      reported.add(eq.key);
      diagnostics.push(
        diag(
          "bad_binding_shape",
          eq.span,
          eq.key,
          eq.dim < 0 ? `${got} layers` : `[${eq.declared.map((d) => valueOf(d, env) ?? show(d)).join(", ")}]`,
          foundText,
        ),
      );
    }
  }
  const value = new Map<string, Bound>();
  for (const [k, v] of solved)
    value.set(
      k,
      inputs && v.key.startsWith("input.")
        ? { value: v.value, origin: inputs.file, source: "input" }
        : { value: v.value, origin: file, key: v.key, found: v.found },
    );
  return { value, diagnostics };
}

function valueOf(v: Value, env: Map<string, number>): number | undefined {
  if (v.k === "num") return v.v;
  if (v.k === "sym") return evalSym(v.e, env);
  return undefined;
}

/** The whole number x >= 0 with f(x) = target, for f monotone in x (binary search), or undefined. */
function solve(e: Sym, name: string, target: number, env: Map<string, number>): number | undefined {
  const f = (x: number) => evalSym(e, new Map(env).set(name, x));
  const HI = 1 << 24;
  const lo0 = f(0);
  const hi0 = f(HI);
  if (lo0 === undefined || hi0 === undefined) return undefined;
  const increasing = hi0 >= (f(1) ?? lo0);
  let lo = 0;
  let hi = HI;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const y = f(mid);
    if (y === undefined || !Number.isFinite(y)) return undefined;
    if (increasing ? y < target : y > target) lo = mid + 1;
    else hi = mid;
  }
  const y = f(lo);
  return y !== undefined && Math.abs(y - target) < 1e-9 ? lo : undefined;
}
