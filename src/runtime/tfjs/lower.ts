/**
 * IR -> TensorFlow.js: bind the batch symbols from the input shapes, then evaluate the flat node list
 * in order. Reads only the IR. Params come from a ParamStore already in the runtime layout (layout.ts).
 */
import * as tf from "@tensorflow/tfjs";
import type { Dim, ModelIR, Node } from "../../compiler/4-ir/schema.ts";
import { evalDim, parse } from "../../compiler/4-ir/dim.ts";
import { fail, invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { evalOp } from "./ops/index.ts";
import { tfDtype, type Env } from "./ops/shape.ts";
import { paramLayouts } from "./layout.ts";
import { recomputePlan, runSegment } from "./recompute.ts";

export { paramLayouts, toRuntimeLayout, toTorchLayout, type Layout } from "./layout.ts";
export { createParams } from "./init-params.ts";

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

const showShape = (s: readonly (Dim | number)[]) => `[${s.join(", ")}]`;

/** Bind each batch symbol from the first input dim that is exactly that symbol, then check every dim. */
export function bindSymbols(ir: ModelIR, inputs: Record<string, tf.Tensor>): Env {
  const env: Record<string, number> = {};
  for (const port of ir.graph.inputs) {
    const t = inputs[port.name];
    if (!t) fail("input_missing", ir.file, port.name, "the inputs given");
    const declared = port.type.shape;
    const wrong = () => fail("input_shape", ir.file, port.name, showShape(declared), showShape(t.shape));
    if (t.rank !== declared.length) wrong();
    declared.forEach((d, i) => {
      if (typeof d !== "string") return;
      const p = parse(d);
      const [[mono, coef]] = p.size === 1 ? [...p] : [["", 0]];
      if (coef === 1 && /^[A-Za-z_]\w*$/.test(mono) && env[mono] === undefined) env[mono] = t.shape[i];
    });
    declared.forEach((d, i) => {
      let v: number;
      try {
        v = evalDim(d, env);
      } catch {
        return wrong(); // a dim no input binds on its own
      }
      if (v !== t.shape[i]) wrong();
    });
  }
  return env;
}

export function lowerToTfjs(ir: ModelIR): Lowered {
  const layouts = paramLayouts(ir);
  const byId = new Map<number, Node>(ir.graph.nodes.map((n) => [n.id, n]));
  const laidNode = new Set<number>();
  for (const n of ir.graph.nodes)
    if (n.op === "param" && layouts.get(n.attrs.path as string) !== "torch") laidNode.add(n.id);
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
      const evalOne = (node: Node, vals: Map<number, tf.Tensor>) => evalNode(node, vals, inputs, params, env, training, laidNode, byId, ir.file, owned);
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
): tf.Tensor {
  if (node.op === "input") {
    const t = inputs[node.attrs.name as string];
    invariant(t, `input ${String(node.attrs.name)} was not bound`);
    const want = tfDtype(node.type.dtype);
    if (t.dtype === want) {
      owned.add(t);
      return t;
    }
    return tf.cast(t, want); // e.g. token ids given as float
  }
  if (node.op === "param") {
    const t = params.get(node.attrs.path as string);
    owned.add(t);
    return t;
  }
  const args = node.args.map((a) => {
    const t = values.get(a);
    invariant(t, `node ${node.id} uses ${a} before it is computed`);
    return t;
  });
  const out = evalOp(node, args, {
    env,
    training,
    laid: (i) => laidNode.has(node.args[i]),
    argShape: (i) => byId.get(node.args[i])!.type.shape.map((d) => evalDim(d, env)),
  }, file);
  // An op that hands back its input (dropout at inference) must not share a tensor with it:
  // freeing one node's value would free the other's.
  return args.includes(out) ? tf.clone(out) : out;
}

/**
 * Inference inside one tf.tidy: everything but the outputs and kept values is freed.
 * `params` must outlive the call (they are not created here).
 */
export function predict(lowered: Lowered, inputs: Record<string, tf.Tensor>, params: ParamStore, opts: { keep?: number[] } = {}): RunResult {
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
