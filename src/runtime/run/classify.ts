/**
 * Zero-shot classification of videos against class names. The model is split once (split.ts): the class
 * texts go through the fixed half a single time, and each video (all its views as one batch) through the
 * varying half with those cached values. Scores follow the official validation: softmax over the classes
 * per view, then the mean over views. Texts run on the shortest context that holds every end token when the
 * graph proves the mask causal (causal-context.ts).
 */
import type { ModelIR, Port } from "../../compiler/4-ir/schema.ts";
import { fail, invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { engine, lowerSync } from "../backend/current.ts";
import type { Tensor } from "../backend/engine.ts";
import type { Checkpoint } from "../weights/checkpoint.ts";
import type { Coverage } from "../weights/coverage.ts";
import { disposeParams, loadParams } from "./load-params.ts";
import { neededContext, shortenIds, truncateContext } from "./causal-context.ts";
import { splitByInputs } from "./split.ts";

export interface VisualInput {
  port: Port;
  /** Frames per clip; 1 for an image model (the clip's centre frame is used). */
  frames: number;
  size: number;
}

export interface Classifier {
  visual: VisualInput;
  context: number;
  coverage: Coverage;
  /** Token ids [K, context] of the class texts; computed once, kept until `dispose`. */
  setTexts(ids: Int32Array, count: number): void;
  /** Views of one video, each [frames, 3, size, size]: the probability of each class. */
  classify(views: Float32Array[]): Promise<Float32Array>;
  dispose(): void;
}

const num = (d: string | number, what: string, ir: ModelIR) => {
  if (typeof d !== "number") fail("cannot_classify", ir.file, ir.model, `its ${what} is \`${d}\`, not a fixed number`);
  return d;
};

/** The video (f32 [B, T, 3, H, H]) or image (f32 [B, 3, H, H]) input, and the token input (int [K, context]). */
/** The views of one video as one batch of the model's visual input (frames, or a single image per view). */
export function viewBatch(visual: VisualInput, views: readonly Float32Array[]): { dtype: "f32"; shape: number[]; data: Float32Array } {
  const per = visual.frames * 3 * visual.size * visual.size;
  const shape = visual.port.type.shape.length === 5 ? [views.length, visual.frames, 3, visual.size, visual.size] : [views.length, 3, visual.size, visual.size];
  const data = new Float32Array(views.length * per);
  views.forEach((v, i) => data.set(v, i * per));
  return { dtype: "f32", shape, data };
}

export function classifyInputs(ir: ModelIR): { visual: VisualInput; text: Port; context: number; logits: string } {
  const visualPort = ir.graph.inputs.find((p) => p.type.dtype === "f32" && (p.type.shape.length === 5 || p.type.shape.length === 4));
  const text = ir.graph.inputs.find((p) => p.type.dtype !== "f32" && p.type.shape.length === 2);
  if (!visualPort || !text || ir.graph.inputs.length !== 2)
    fail("cannot_classify", ir.file, ir.model, "its inputs are not a video or image (f32 [B, T, 3, H, W] or [B, 3, H, W]) and class texts (int [K, context])");
  const s = visualPort.type.shape;
  const video = s.length === 5;
  const visual = { port: visualPort, frames: video ? num(s[1], "frame count", ir) : 1, size: num(s[s.length - 1], "resolution", ir) };
  const [b, k] = [s[0], text.type.shape[0]];
  // the [B, K] score output: logits, logits_per_image, or the first output of that shape
  const scores = ir.graph.outputs.filter((o) => o.type.shape.length === 2 && o.type.shape[0] === b && o.type.shape[1] === k);
  const logits = scores.find((o) => o.name === "logits" || o.name === "logits_per_image") ?? scores[0];
  if (!logits) fail("cannot_classify", ir.file, ir.model, "it has no [B, K] output of class scores");
  return { visual, text, context: num(text.type.shape[1], "context length", ir), logits: logits.name };
}

const TEXT_CHUNK = 32;

/** Cached values of text chunks as one: joined along the class axis, or (when they do not follow the class count) the first chunk's. */
function joinChunks(ports: readonly Port[], parts: Record<string, Tensor>[], classes: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const port of ports) {
    const values = parts.map((p) => p[port.name]);
    const axis = port.type.shape.findIndex((d) => d === classes);
    const mentions = port.type.shape.some((d) => typeof d === "string" && new RegExp(`\\b${classes}\\b`).test(d));
    invariant(axis >= 0 || !mentions || parts.length === 1, `cached value ${port.name} has shape [${port.type.shape}]; cannot join text chunks`);
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

export function createClassifier(ir: ModelIR, ckpt: Checkpoint | undefined, opts: { strict?: boolean; seed?: number } = {}): Classifier {
  const { visual, text, context, logits } = classifyInputs(ir);
  const { fixed, varying } = splitByInputs(ir, [visual.port.name]);
  const { params, coverage } = loadParams(ir, ckpt, opts);
  const e = engine();
  const fixedRun = lowerSync(fixed);
  const varyingRun = lowerSync(varying);
  let cached: Record<string, Tensor> | undefined;
  const dropCache = () => cached && Object.values(cached).forEach((t) => t.dispose());

  return {
    visual,
    context,
    coverage,
    setTexts(ids, count) {
      dropCache();
      // the shortest context that holds every end token, where the graph proves the mask causal (exact)
      const L = neededContext(ids, count, context);
      const cut = truncateContext(fixed, text.name, L);
      const run = cut ? lowerSync(cut) : fixedRun;
      const width = cut ? L : context;
      const short = cut ? shortenIds(ids, count, context, L) : ids;
      // In chunks: 400 texts at once would hold activations of 400 x 77 tokens, beyond the wasm heap.
      const parts: Record<string, Tensor>[] = [];
      for (let start = 0; start < count; start += TEXT_CHUNK) {
        const n = Math.min(TEXT_CHUNK, count - start);
        const input = e.fromHost({ dtype: "i32", shape: [n, width], data: short.subarray(start * width, (start + n) * width) });
        parts.push(run.predict({ [text.name]: input }, params).outputs);
        input.dispose();
      }
      cached = joinChunks(fixed.graph.outputs, parts, String(text.type.shape[0]));
    },
    async classify(views) {
      invariant(cached, "setTexts before classify");
      const x = e.fromHost(viewBatch(visual, views));
      const { outputs } = varyingRun.predict({ [visual.port.name]: x, ...cached }, params);
      x.dispose();
      const probs = e.viewProbabilities(outputs[logits], 1, "mean");
      e.dispose(outputs);
      const out = await e.read(probs);
      probs.dispose();
      return out.data as Float32Array;
    },
    dispose() {
      dropCache();
      disposeParams(params);
    },
  };
}
