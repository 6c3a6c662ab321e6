/**
 * What training holds in memory, estimated from the IR (f32, batch symbols bound as for analyze):
 * parameters, their gradients and AdamW's two moments (every parameter trained), and the activations the
 * forward keeps for the backward pass. Without recomputation that is every computed value (a reshape is a
 * view and costs nothing); with it, the values outside the recomputed runs, the runs' inputs and outputs,
 * and at the peak of the backward one run's own activations while it is recomputed.
 * It counts the IR's values, one per node, as an engine that fuses each op would keep them. tfjs keeps more:
 * layer_norm, gelu, softmax and the like run as several kernels whose intermediates its tape holds too
 * (X-CLIP-B/32's forward: 0.57 GiB here, 3.07 GB measured on wasm; see bench/RESULTS.md).
 */
import * as P from "../0-core/dim.ts";
import { traitsOf } from "../ops/table.ts";
import { recomputePlan } from "./recompute.ts";
import type { ModelIR, Node } from "../0-core/schema.ts";

export interface TrainingMemory {
  params: number;
  grads: number;
  adamw: number;
  /** Bytes of activations kept by the forward, without any recomputation. */
  activations: number;
  /** With the IR's recompute marks: kept by the forward, plus the largest run rebuilt in the backward. */
  recomputed?: { kept: number; largestRun: number };
}

const BYTES: Record<string, number> = { f32: 4, i32: 4, i64: 8, bool: 1 };

/**
 * With `frozen` parameter keys (--freeze, --train-only), gradients and AdamW state cover the trained ones
 * only, and a value is kept only where the backward reads it: it lies downstream of a trained parameter, or
 * an op that does reads it (a frozen tower's output feeding a trained head). A frozen tower with nothing
 * trained upstream keeps nothing.
 */
export function trainingMemory(
  ir: ModelIR,
  symbols: Record<string, number> = {},
  frozen?: ReadonlySet<string>,
): TrainingMemory {
  const env: Record<string, number> = Object.fromEntries(ir.symbols.map((s) => [s, symbols[s] ?? 1]));
  const size = (n: Node) =>
    traitsOf(n.op).view === "alias" || n.op === "input" || n.op === "param"
      ? 0
      : n.type.shape.reduce<number>((a, d) => a * P.evalDim(d, env), BYTES[n.type.dtype] ?? 4);
  const read = frozen?.size ? backwardReads(ir, frozen) : undefined;
  const bytes = (n: Node) => (read && !read.has(n.id) ? 0 : size(n));
  const paramBytes = (keep: (path: string) => boolean) =>
    ir.params.reduce((a, p) => a + (keep(p.path) ? p.shape.reduce((x, y) => x * y, 1) * (BYTES[p.dtype] ?? 4) : 0), 0);
  const params = paramBytes(() => true);
  const trained = frozen?.size ? paramBytes((p) => !frozen.has(p)) : params;
  const activations = ir.graph.nodes.reduce((a, n) => a + bytes(n), 0);
  const out: TrainingMemory = { params, grads: trained, adamw: 2 * trained, activations };
  const plan = recomputePlan(ir);
  if (!plan.size) return out;
  let inside = 0;
  let largestRun = 0;
  for (const seg of plan.values()) {
    const outputs = new Set(seg.outputs);
    let run = 0;
    for (const n of ir.graph.nodes.slice(seg.start, seg.end)) if (!outputs.has(n.id)) run += bytes(n);
    inside += run;
    largestRun = Math.max(largestRun, run);
  }
  out.recomputed = { kept: activations - inside, largestRun };
  return out;
}

/** Ids of the values the backward reads: those downstream of a trained parameter, and the operands of their ops. */
function backwardReads(ir: ModelIR, frozen: ReadonlySet<string>): Set<number> {
  const grad = new Set<number>();
  const read = new Set<number>();
  for (const n of ir.graph.nodes) {
    const needs = n.op === "param" ? !frozen.has((n.attrs as { path: string }).path) : n.args.some((i) => grad.has(i));
    if (!needs) continue;
    grad.add(n.id);
    read.add(n.id);
    for (const i of n.args) read.add(i);
  }
  return read;
}
