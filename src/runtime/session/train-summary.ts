/**
 * What a training run trains, in numbers: trainable and frozen parameter counts and the learning rate of each
 * group. `mdl train` prints it at start and keeps it in RUN/config.json. The groups follow `modelLrScales`: the
 * model's own `train { lr * N: ... }` groups, then --lr-group's, a later group winning a parameter.
 */
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import { selectParams } from "../../compiler/4-ir/select.ts";
import { frozenParams, paramsUnder, type LrGroup, type Selection } from "./select.ts";

export interface LrGroupSummary {
  /** The pattern that set the rate, or "rest" for what no group selects (the base rate). */
  pattern: string;
  lr: number;
  /** Trainable values (elements) at this rate. */
  params: number;
}

export interface TrainingSummary {
  trainable: number;
  frozen: number;
  lrGroups: LrGroupSummary[];
}

export function trainingSummary(
  ir: ModelIR,
  s: Selection & { lrGroups: readonly LrGroup[]; lr: number },
): TrainingSummary {
  const frozen = frozenParams(ir, s);
  const owner = new Map<string, LrGroup>();
  for (const g of ir.train?.lr ?? []) for (const p of selectParams(ir, g.pattern)) owner.set(p, g);
  for (const g of s.lrGroups) for (const p of paramsUnder(ir, [g.pattern], "--lr-group")) owner.set(p, g);
  const rest: LrGroup = { pattern: "rest", scale: 1 };
  const groups = new Map<LrGroup, number>();
  let trainable = 0;
  let frozenCount = 0;
  for (const p of ir.params) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    if (frozen.has(p.path)) {
      frozenCount += n;
      continue;
    }
    trainable += n;
    const g = owner.get(p.path) ?? rest;
    groups.set(g, (groups.get(g) ?? 0) + n);
  }
  const lrGroups = [...groups].map(([g, n]) => ({ pattern: g.pattern, lr: s.lr * g.scale, params: n }));
  // the base rate's group first, then the scaled ones in the order they were declared
  lrGroups.sort((a, b) => Number(b.pattern === "rest") - Number(a.pattern === "rest"));
  return { trainable, frozen: frozenCount, lrGroups };
}

/** 3.34 M, 512.0 K, 96 */
export function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return String(n);
}
