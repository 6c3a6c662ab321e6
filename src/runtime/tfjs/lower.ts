/**
 * IR -> TensorFlow.js: bind the batch symbols from the input shapes, then evaluate the flat node list
 * in order. Reads only the IR. Params come from a ParamStore already in the runtime layout (layout.ts).
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelIR, Node, NodeOf } from "../../compiler/0-core/schema.ts";
import { evalDim } from "../../compiler/0-core/dim.ts";
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { kernelFailure } from "../backend/kernel-failure.ts";
import { bindSymbols } from "../backend/bind-symbols.ts";
import { evalOp } from "./ops/index.ts";
import { tfDtype, type Env } from "./ops/shape.ts";
import { paramLayouts } from "../backend/param-layout.ts";
import { recomputePlan, runSegment } from "./recompute.ts";
import { labelGradients, recordingTape } from "./backward-failure.ts";

export { toRuntimeLayout, toTorchLayout } from "./layout.ts";
export { createParams } from "./init-params.ts";
export { bindSymbols } from "../backend/bind-symbols.ts";

export interface ParamStore {
  get(path: string): tf.Tensor;
}
export interface RunOptions {
  training?: boolean;
  /** Node ids whose values are also returned (intermediates). */
  keep?: number[];
}
export interface RunResult {
  outputs: Record<string, tf.Tensor>;
  kept: Map<number, tf.Tensor>;
}
export interface Lowered {
  run(inputs: Record<string, tf.Tensor>, params: ParamStore, opts?: RunOptions): RunResult;
}

export function lowerToTfjs(ir: ModelIR): Lowered {
  const layouts = paramLayouts(ir);
  const byId = new Map<number, Node>(ir.graph.nodes.map((n) => [n.id, n]));
  const laidNode = new Set<number>();
  for (const n of ir.graph.nodes) if (n.op === "param" && layouts.get(n.attrs.path) !== "torch") laidNode.add(n.id);
  // Last use of each node, so inference can free intermediates as it goes (peak memory).
  const lastUse = new Map<number, number>();
  ir.graph.nodes.forEach((n, i) => n.args.forEach((a) => lastUse.set(a, i)));
  const pinned = new Set<number>(ir.graph.outputs.map((o) => o.value));
  const recompute = recomputePlan(ir);

  return {
    run(inputs, params, opts = {}) {
      const env = bindSymbols(ir, inputs);
      const training = opts.training ?? false;
      const keep = new Set([...(opts.keep ?? []), ...pinned]);
      const values = new Map<number, tf.Tensor>();
      // leaves the caller owns: never disposed here
      const owned = new Set<tf.Tensor>();
      const evalOne = (node: Node, vals: Map<number, tf.Tensor>, seed?: number) =>
        evalNode(node, vals, inputs, params, env, training, laidNode, byId, ir.file, owned, seed);
      for (let i = 0; i < ir.graph.nodes.length; i++) {
        const node = ir.graph.nodes[i];
        const segment = training ? recompute.get(i) : undefined;
        if (segment) {
          runSegment(segment, ir.graph.nodes, values, evalOne, keep);
          i = segment.end - 1;
          continue;
        }
        values.set(node.id, evalOne(node, values));
        if (training) continue; // the gradient tape holds on to intermediates
        for (const a of new Set(node.args)) {
          if (lastUse.get(a) !== i || keep.has(a)) continue;
          const t = values.get(a)!;
          if (!owned.has(t)) t.dispose();
          values.delete(a);
        }
      }
      const outputs: Record<string, tf.Tensor> = {};
      for (const o of ir.graph.outputs) outputs[o.name] = values.get(o.value)!;
      const kept = new Map<number, tf.Tensor>();
      for (const id of opts.keep ?? []) {
        const t = values.get(id);
        invariant(t, `node ${id} is not in the graph`);
        kept.set(id, t);
      }
      return { outputs, kept };
    },
  };
}

function evalNode(
  node: Node,
  values: Map<number, tf.Tensor>,
  inputs: Record<string, tf.Tensor>,
  params: ParamStore,
  env: Env,
  training: boolean,
  laidNode: Set<number>,
  byId: Map<number, Node>,
  file: string,
  owned: Set<tf.Tensor>,
  seed: number | undefined,
): tf.Tensor {
  const leaf = (n: NodeOf<"input" | "param">): tf.Tensor => {
    if (n.op === "param") {
      const t = params.get(n.attrs.path);
      owned.add(t);
      return t;
    }
    const t = inputs[n.attrs.name];
    invariant(t, `input ${n.attrs.name} was not bound`);
    const want = tfDtype(n.type.dtype);
    if (t.dtype === want) {
      owned.add(t);
      return t;
    }
    return tf.cast(t, want); // e.g. token ids given as float
  };
  const args = node.args.map((a) => {
    const t = values.get(a);
    invariant(t, `node ${node.id} uses ${a} before it is computed`);
    return t;
  });
  let out: tf.Tensor;
  const tape = recordingTape();
  const recorded = tape?.length ?? 0;
  try {
    out = evalOp(
      node,
      args,
      {
        env,
        training,
        seed,
        laid: (i) => laidNode.has(node.args[i]),
        argShape: (i) => byId.get(node.args[i])!.type.shape.map((d) => evalDim(d, env)),
        leaf,
      },
      file,
    );
  } catch (err) {
    throw kernelFailure(err, node, args, file);
  }
  if (tape) labelGradients(tape, recorded, node, args, file);
  // An op that hands back its input (dropout at inference) must not share a tensor with it:
  // freeing one node's value would free the other's.
  return args.includes(out) ? tf.clone(out) : out;
}

/**
 * Inference inside one tf.tidy: everything but the outputs and kept values is freed.
 * `params` must outlive the call (they are not created here).
 */
export function predict(
  lowered: Lowered,
  inputs: Record<string, tf.Tensor>,
  params: ParamStore,
  opts: { keep?: number[] } = {},
): RunResult {
  const r = tf.tidy(() => {
    const { outputs, kept } = lowered.run(inputs, params, { keep: opts.keep });
    return { outputs, kept: Object.fromEntries([...kept].map(([k, v]) => [String(k), v])) };
  });
  return { outputs: r.outputs, kept: new Map(Object.entries(r.kept).map(([k, v]) => [Number(k), v])) };
}

/** A ParamStore over a plain map (what createParams returns). */
export function paramStore(map: ReadonlyMap<string, tf.Tensor>): ParamStore {
  return {
    get(path) {
      const t = map.get(path);
      invariant(t, `parameter ${path} was not created`);
      return t;
    },
  };
}
