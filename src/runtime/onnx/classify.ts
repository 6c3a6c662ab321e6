/**
 * Zero-shot classification on ONNX Runtime, as run/classify.ts does it on tfjs: the graph is split once,
 * the class texts go through the fixed half (or come from the on-disk cache, text-cache.ts), and each
 * video's views through the varying half with those values. Texts run on the shortest context that holds
 * every end token when the graph proves the mask causal (run/causal-context.ts). Scores: softmax over classes per view, mean over views.
 */
import type { ModelIR } from "../../compiler/4-ir/schema.ts";
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { classifyInputs, viewBatch, type VisualInput } from "../run/classify.ts";
import { neededContext, shortenIds, truncateContext } from "../run/causal-context.ts";
import { splitByInputs } from "../run/split.ts";
import { checkpointDigest, readTextCache, textCacheKey, writeTextCache } from "../run/text-cache.ts";
import type { Checkpoint } from "../weights/checkpoint.ts";
import type { Coverage } from "../weights/coverage.ts";
import type { HostTensor } from "../weights/tensor.ts";
import { createSession, type Device } from "./session.ts";
import { checkpointWeights } from "./weights.ts";

export interface OnnxClassifier {
  visual: VisualInput;
  context: number;
  coverage: Coverage;
  /** Token ids [count, context] of the class texts; `cached` says whether they came from the disk cache. */
  setTexts(ids: Int32Array, count: number): Promise<{ cached: boolean }>;
  classify(views: Float32Array[]): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export interface OnnxClassifierOptions {
  strict?: boolean;
  seed?: number;
  device?: Device;
  threads?: number;
  /** Use and fill the on-disk text-feature cache (default true). */
  cache?: boolean;
}

/** softmax over the last axis of [views, K], then the mean over views. */
function meanSoftmax(logits: Float32Array, views: number, K: number): Float32Array {
  const out = new Float32Array(K);
  for (let v = 0; v < views; v++) {
    const row = logits.subarray(v * K, (v + 1) * K);
    const max = Math.max(...row);
    let sum = 0;
    const e = Array.from(row, (x) => ((sum += Math.exp(x - max)), Math.exp(x - max)));
    e.forEach((x, k) => (out[k] += x / sum / views));
  }
  return out;
}

export async function createOnnxClassifier(ir: ModelIR, ckpt: Checkpoint | undefined, opts: OnnxClassifierOptions = {}): Promise<OnnxClassifier> {
  const { visual, text, context, logits } = classifyInputs(ir);
  const { fixed, varying } = splitByInputs(ir, [visual.port.name]);
  const { weights, coverage } = checkpointWeights(ir, ckpt, { strict: opts.strict });
  const seed = opts.seed ?? 0;
  const session = { weights, seed, device: opts.device, threads: opts.threads };
  const video = await createSession(varying, session);
  let cached: Record<string, HostTensor> | undefined;
  const initOf = (path: string) => JSON.stringify({ init: ir.params.find((p) => p.path === path)?.init, seed });

  return {
    visual,
    context,
    coverage,
    async setTexts(ids, count) {
      const fromFile = { digest: checkpointDigest(ckpt), loaded: new Set(weights.keys()) };
      const key = textCacheKey(fixed, (p) => weights.get(p)?.data ?? initOf(p), ids, count, fromFile);
      const hit = opts.cache === false ? undefined : readTextCache(key);
      if (hit && fixed.graph.outputs.every((o) => hit[o.name])) {
        cached = hit;
        return { cached: true };
      }
      // the shortest context that holds every end token, where the graph proves the mask causal
      const L = neededContext(ids, count, context);
      const cut = truncateContext(fixed, text.name, L);
      const texts = await createSession(cut ?? fixed, session);
      const shortIds = cut ? shortenIds(ids, count, context, L) : ids;
      cached = await texts.run({ [text.name]: { dtype: "i32", shape: [count, cut ? L : context], data: shortIds } });
      await texts.dispose();
      if (opts.cache !== false) writeTextCache(key, cached);
      return { cached: false };
    },
    async classify(views) {
      invariant(cached, "setTexts before classify");
      const out = await video.run({ [visual.port.name]: viewBatch(visual, views), ...cached });
      const scores = out[logits];
      return meanSoftmax(scores.data as Float32Array, views.length, scores.shape[1]);
    },
    dispose: () => video.dispose(),
  };
}
