/**
 * Zero-shot classification of videos against class names, on whichever engine is current. The model is
 * split once (split.ts): the class texts go through the fixed half a single time (or come from the disk
 * cache, text-features.ts), and each video (all its views as one batch) through the varying half, compiled
 * once with the weights baked in, with those values. Scores follow the official validation: softmax over
 * the classes per view, then the mean over views.
 */
import type { ModelIR, Port } from "../../compiler/0-core/schema.ts";
import { fail, invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { engine } from "../backend/current.ts";
import type { Tensor } from "../backend/engine.ts";
import type { Checkpoint } from "../weights/checkpoint.ts";
import type { Coverage } from "../weights/coverage.ts";
import { checkpointWeights } from "./load-params.ts";
import { splitByInputs } from "./split.ts";
import { textFeatures } from "./text-features.ts";
import { checkTokenIds } from "./token-ids.ts";

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
  /** Token ids [count, context] of the class texts, kept until `dispose`; `cached`: their values came from the disk cache. */
  setTexts(ids: Int32Array, count: number): Promise<{ cached: boolean }>;
  /** Views of one video, each [frames, 3, size, size]: the probability of each class. */
  classify(views: Float32Array[]): Promise<Float32Array>;
  dispose(): Promise<void>;
}

const num = (d: string | number, what: string, ir: ModelIR) => {
  if (typeof d !== "number") fail("cannot_classify", ir.file, ir.model, `its ${what} is \`${d}\`, not a fixed number`);
  return d;
};

/** The views of one video as one batch of the model's visual input (frames, or a single image per view). */
function viewBatch(
  visual: VisualInput,
  views: readonly Float32Array[],
): { dtype: "f32"; shape: number[]; data: Float32Array } {
  const per = visual.frames * 3 * visual.size * visual.size;
  const shape =
    visual.port.type.shape.length === 5
      ? [views.length, visual.frames, 3, visual.size, visual.size]
      : [views.length, 3, visual.size, visual.size];
  const data = new Float32Array(views.length * per);
  views.forEach((v, i) => data.set(v, i * per));
  return { dtype: "f32", shape, data };
}

/** The video (f32 [B, T, 3, H, H]) or image (f32 [B, 3, H, H]) input, and the token input (int [K, context]). */
function classifyInputs(ir: ModelIR): { visual: VisualInput; text: Port; context: number; logits: string } {
  const visualPort = ir.graph.inputs.find(
    (p) => p.type.dtype === "f32" && (p.type.shape.length === 5 || p.type.shape.length === 4),
  );
  const text = ir.graph.inputs.find((p) => p.type.dtype !== "f32" && p.type.shape.length === 2);
  if (!visualPort || !text || ir.graph.inputs.length !== 2)
    fail(
      "cannot_classify",
      ir.file,
      ir.model,
      "its inputs are not a video or image (f32 [B, T, 3, H, W] or [B, 3, H, W]) and class texts (int [K, context])",
    );
  const s = visualPort.type.shape;
  const video = s.length === 5;
  const visual = {
    port: visualPort,
    frames: video ? num(s[1], "frame count", ir) : 1,
    size: num(s[s.length - 1], "resolution", ir),
  };
  const [b, k] = [s[0], text.type.shape[0]];
  // the [B, K] score output: logits, logits_per_image, or the first output of that shape
  const scores = ir.graph.outputs.filter(
    (o) => o.type.shape.length === 2 && o.type.shape[0] === b && o.type.shape[1] === k,
  );
  const logits = scores.find((o) => o.name === "logits" || o.name === "logits_per_image") ?? scores[0];
  if (!logits) fail("cannot_classify", ir.file, ir.model, "it has no [B, K] output of class scores");
  return { visual, text, context: num(text.type.shape[1], "context length", ir), logits: logits.name };
}

export interface ClassifierOptions {
  strict?: boolean;
  seed?: number;
  /** Use and fill the on-disk cache of class-text values (default true). */
  cache?: boolean;
}

export async function createClassifier(
  ir: ModelIR,
  ckpt: Checkpoint | undefined,
  opts: ClassifierOptions = {},
): Promise<Classifier> {
  const { visual, text, context, logits } = classifyInputs(ir);
  const { fixed, varying } = splitByInputs(ir, [visual.port.name]);
  const { weights, coverage } = checkpointWeights(ir, ckpt, opts);
  const src = { weights, seed: opts.seed ?? 0, ckpt };
  const e = engine();
  const video = await e.compile(varying, { bake: src });
  let cached: Record<string, Tensor> | undefined;
  const dropCache = () => cached && e.dispose(cached);

  return {
    visual,
    context,
    coverage,
    async setTexts(ids, count) {
      checkTokenIds(ir, text.name, ids, "the tokenized class names", [count, ids.length / count]);
      dropCache();
      cached = undefined;
      const r = await textFeatures(fixed, text, ids, count, src, opts.cache);
      cached = r.values;
      return { cached: r.cached };
    },
    async classify(views) {
      invariant(cached, "setTexts before classify");
      const x = e.fromHost(viewBatch(visual, views));
      const outputs = await video.run({ [visual.port.name]: x, ...cached });
      x.dispose();
      const probs = e.viewProbabilities(outputs[logits], 1, "mean");
      e.dispose(outputs);
      const out = await e.read(probs);
      probs.dispose();
      return out.data as Float32Array;
    },
    async dispose() {
      dropCache();
      await video.dispose();
    },
  };
}
