/**
 * Which parameters an engine keeps re-laid from torch's layout, decided from the IR alone. torch stores linear
 * weights [out, in] and conv weights [O, C, kh, kw]; the fast wasm product wants [in, out] and [C*kh*kw, O].
 * A parameter is re-laid only when every use of it wants the same layout. The tfjs engine moves the data
 * (tfjs/layout.ts); run/split.ts checks that the two halves of a split graph agree, without loading an engine.
 */
import type { ModelIR, Node, NodeOf } from "../../compiler/0-core/schema.ts";
import { traitsOf } from "../../compiler/ops/table.ts";

export type Layout = "torch" | "linear_t" | "patch_t";

/** True when conv2d with kernel [kh, kw] cuts the image into disjoint patches (stride == kernel, no padding, dilation or groups). */
export function isPatchify(
  kernel: readonly number[],
  a: { stride: number[]; padding: number[]; dilation?: number[]; groups?: number },
): boolean {
  const plain = !a.dilation?.some((d) => d !== 1) && (a.groups ?? 1) === 1;
  return plain && a.stride.every((s, i) => s === kernel[i]) && a.padding.every((p) => p === 0);
}

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
