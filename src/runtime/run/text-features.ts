/**
 * The class texts through the fixed half of a split graph (split.ts): the values its `cached.<id>` ports
 * give the video half. Read from the on-disk cache (text-cache.ts) when the same ids went through the same
 * half with the same weights before; else computed on the current engine, in chunks, on the shortest context
 * that holds every end token where the graph proves the mask causal (causal-context.ts, exact), and stored.
 */
import type { ModelIR, Port } from "../../compiler/0-core/schema.ts";
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { engine } from "../backend/current.ts";
import type { HostF32, Tensor } from "../backend/engine.ts";
import type { Checkpoint } from "../weights/checkpoint.ts";
import type { HostTensor } from "../weights/tensor.ts";
import { neededContext, shortenIds, truncateContext } from "./causal-context.ts";
import { checkpointDigest, readTextCache, textCacheKey, writeTextCache } from "./text-cache.ts";

/** Where the parameters come from: the checkpoint's weights, the rest from their init specs with `seed`. */
export interface WeightSource {
  weights: Map<string, HostF32>;
  seed: number;
  ckpt: Checkpoint | undefined;
}

// Tokens per run: 400 texts of 77 tokens at once would hold activations beyond the wasm heap; on the shortest
// context (a few tokens for short class names) one run takes hundreds of texts, which ORT's products prefer.
const TEXT_TOKENS = 32 * 77;

/** Values of text chunks as one: joined along the class axis, or (when they do not follow the class count) the first chunk's. */
function joinChunks(ports: readonly Port[], parts: Record<string, Tensor>[], classes: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const port of ports) {
    const values = parts.map((p) => p[port.name]);
    const axis = port.type.shape.findIndex((d) => d === classes);
    const mentions = port.type.shape.some((d) => typeof d === "string" && new RegExp(`\\b${classes}\\b`).test(d));
    invariant(
      axis >= 0 || !mentions || parts.length === 1,
      `cached value ${port.name} has shape [${port.type.shape}]; cannot join text chunks`,
    );
    if (parts.length === 1) out[port.name] = values[0];
    else if (axis >= 0) {
      out[port.name] = engine().concat(values, axis);
      values.forEach((t) => t.dispose());
    } else {
      out[port.name] = values[0];
      values.slice(1).forEach((t) => t.dispose());
    }
  }
  return out;
}

async function compute(
  fixed: ModelIR,
  text: Port,
  ids: Int32Array,
  count: number,
  src: WeightSource,
): Promise<Record<string, Tensor>> {
  const e = engine();
  const context = text.type.shape[1] as number;
  const L = neededContext(ids, count, context);
  const cut = truncateContext(fixed, text.name, L);
  const width = cut ? L : context;
  const short = cut ? shortenIds(ids, count, context, L) : ids;
  const program = await e.compile(cut ?? fixed, { bake: src });
  const parts: Record<string, Tensor>[] = [];
  try {
    const rows = Math.max(1, Math.floor(TEXT_TOKENS / width));
    for (let start = 0; start < count; start += rows) {
      const n = Math.min(rows, count - start);
      const input = e.fromHost({
        dtype: "i32",
        shape: [n, width],
        data: short.subarray(start * width, (start + n) * width),
      });
      parts.push(await program.run({ [text.name]: input }));
      input.dispose();
    }
  } finally {
    await program.dispose();
  }
  return joinChunks(fixed.graph.outputs, parts, String(text.type.shape[0]));
}

/** Parameters from the checkpoint file enter the key as its digest; the others by value, or by init spec and seed. */
function keyOf(fixed: ModelIR, ids: Int32Array, count: number, src: WeightSource): string {
  const initOf = (path: string) =>
    JSON.stringify({ init: fixed.params.find((p) => p.path === path)?.init, seed: src.seed });
  const fromFile = { digest: checkpointDigest(src.ckpt), loaded: new Set(src.weights.keys()) };
  return textCacheKey(fixed, (p) => src.weights.get(p)?.data ?? initOf(p), ids, count, fromFile);
}

/** Token ids [count, context] of the class texts through `fixed`; `cached`: read from the disk cache. `cache: false` neither reads nor writes it. */
export async function textFeatures(
  fixed: ModelIR,
  text: Port,
  ids: Int32Array,
  count: number,
  src: WeightSource,
  cache = true,
): Promise<{ values: Record<string, Tensor>; cached: boolean }> {
  const e = engine();
  const key = cache ? keyOf(fixed, ids, count, src) : "";
  const hit = cache ? readTextCache(key) : undefined;
  if (hit && fixed.graph.outputs.every((o) => hit[o.name])) {
    return {
      values: Object.fromEntries(fixed.graph.outputs.map((o) => [o.name, e.fromHost(hit[o.name])])),
      cached: true,
    };
  }
  const values = await compute(fixed, text, ids, count, src);
  if (cache) {
    const host: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(values)) host[name] = await e.read(t);
    writeTextCache(key, host);
  }
  return { values, cached: false };
}
