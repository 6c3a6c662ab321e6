/**
 * Runtime weight layouts. torch stores linear weights [out, in] and conv weights [O, C, kh, kw]; the
 * fast wasm product wants [in, out] and [C*kh*kw, O], so those are re-laid once at load time.
 * A parameter is re-laid only when every use of it wants the same layout.
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelIR, Node, NodeOf } from "../../compiler/0-core/schema.ts";
import { traitsOf } from "../../compiler/ops/table.ts";
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { isPatchify } from "./ops/linear.ts";

export type Layout = "torch" | "linear_t" | "patch_t";

function wanted(user: Node, argIndex: number, ir: ModelIR): Layout {
  const weight = traitsOf(user.op).weight;
  if (argIndex !== 1 || !weight) return "torch";
  if (weight === "linear") return "linear_t";
  const w = ir.graph.nodes.find((n) => n.id === user.args[1]);
  const kernel = (w?.type.shape ?? []).slice(2).map(Number);
  return kernel.length === 2 && isPatchify(kernel, user.attrs as NodeOf<"conv2d">["attrs"]) ? "patch_t" : "torch";
}

const cache = new WeakMap<ModelIR, Map<string, Layout>>();

/** A copy of the IR whose parameters all stay in torch's layout (the layout compiled programs and training steps read). */
export function inTorchLayout(ir: ModelIR): ModelIR {
  const copy = { ...ir };
  cache.set(copy, new Map(ir.params.map((p) => [p.path, "torch" as const])));
  return copy;
}

/** Which params the kernels want re-laid (params absent from the map's non-torch entries stay as torch has them). */
export function paramLayouts(ir: ModelIR): Map<string, Layout> {
  const hit = cache.get(ir);
  if (hit) return hit;
  const pathOf = new Map<number, string>();
  for (const n of ir.graph.nodes) if (n.op === "param") pathOf.set(n.id, n.attrs.path as string);
  const seen = new Map<string, Set<Layout>>();
  for (const n of ir.graph.nodes)
    n.args.forEach((arg, i) => {
      const path = pathOf.get(arg);
      if (path === undefined) return;
      if (!seen.has(path)) seen.set(path, new Set());
      seen.get(path)!.add(wanted(n, i, ir));
    });
  // a param that is also a graph output must keep torch's layout
  for (const o of ir.graph.outputs) {
    const path = pathOf.get(o.value);
    if (path !== undefined) seen.get(path)?.add("torch") ?? seen.set(path, new Set(["torch"]));
  }
  const out = new Map<string, Layout>();
  for (const p of ir.params) {
    const s = seen.get(p.path);
    out.set(p.path, s && s.size === 1 ? [...s][0] : "torch");
  }
  cache.set(ir, out);
  return out;
}

function layoutOf(ir: ModelIR, path: string): Layout {
  const l = paramLayouts(ir).get(path);
  invariant(l !== undefined, `no parameter ${path} in the IR`);
  return l;
}

/** torch layout -> runtime layout. */
export function toRuntimeLayout(ir: ModelIR, path: string, t: { shape: number[]; data: Float32Array }): tf.Tensor {
  return tf.tidy(() => {
    const x = tf.tensor(t.data, t.shape, "float32");
    switch (layoutOf(ir, path)) {
      case "torch":
        return x;
      case "linear_t":
        return tf.transpose(x);
      case "patch_t":
        return tf.transpose(tf.reshape(x, [t.shape[0], -1]));
    }
  });
}

/** runtime layout -> torch layout, for saving checkpoints. */
export async function toTorchLayout(ir: ModelIR, path: string, t: tf.Tensor): Promise<{ shape: number[]; data: Float32Array }> {
  const param = ir.params.find((p) => p.path === path);
  invariant(param, `no parameter ${path} in the IR`);
  const y = tf.tidy(() => {
    switch (layoutOf(ir, path)) {
      case "torch":
        return tf.clone(t);
      case "linear_t":
        return tf.transpose(t);
      case "patch_t":
        return tf.reshape(tf.transpose(t), param.shape);
    }
  });
  const data = (await y.data()) as Float32Array;
  y.dispose();
  return { shape: [...param.shape], data: new Float32Array(data) };
}
