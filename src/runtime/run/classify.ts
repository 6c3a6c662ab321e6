/**
 * Zero-shot classification of videos against class names. The model is split once (split.ts): the class
 * texts go through the fixed half a single time, and each video (all its views as one batch) through the
 * varying half with those cached values. Scores follow the official validation: softmax over the classes
 * per view, then the mean over views.
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelIR, Port } from "../../compiler/4-ir/schema.ts";
import { fail, invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { lowerToTfjs, paramStore, predict } from "../tfjs/lower.ts";
import type { Checkpoint } from "../weights/checkpoint.ts";
import type { Coverage } from "../weights/coverage.ts";
import { disposeParams, loadParams } from "./load-params.ts";
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
  classify(views: Float32Array[]): Float32Array;
  dispose(): void;
}

const num = (d: string | number, what: string, ir: ModelIR) => {
  if (typeof d !== "number") fail("cannot_classify", ir.file, ir.model, `its ${what} is \`${d}\`, not a fixed number`);
  return d;
};

/** The video (f32 [B, T, 3, H, H]) or image (f32 [B, 3, H, H]) input, and the token input (int [K, context]). */
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

export function createClassifier(ir: ModelIR, ckpt: Checkpoint | undefined, opts: { strict?: boolean; seed?: number } = {}): Classifier {
  const { visual, text, context, logits } = classifyInputs(ir);
  const { fixed, varying } = splitByInputs(ir, [visual.port.name]);
  const { params, coverage } = loadParams(ir, ckpt, opts);
  const store = paramStore(params);
  const fixedRun = lowerToTfjs(fixed);
  const varyingRun = lowerToTfjs(varying);
  let cached: Record<string, tf.Tensor> | undefined;
  const dropCache = () => cached && Object.values(cached).forEach((t) => t.dispose());

  return {
    visual,
    context,
    coverage,
    setTexts(ids, count) {
      dropCache();
      const input = tf.tensor(ids, [count, context], "int32");
      cached = predict(fixedRun, { [text.name]: input }, store).outputs;
      input.dispose();
    },
    classify(views) {
      invariant(cached, "setTexts before classify");
      const per = visual.frames * 3 * visual.size * visual.size;
      const shape = visual.port.type.shape.length === 5 ? [views.length, visual.frames, 3, visual.size, visual.size] : [views.length, 3, visual.size, visual.size];
      const batch = new Float32Array(views.length * per);
      views.forEach((v, i) => batch.set(v, i * per));
      const x = tf.tensor(batch, shape, "float32");
      const { outputs } = predict(varyingRun, { [visual.port.name]: x, ...cached }, store);
      x.dispose();
      const probs = tf.tidy(() => tf.mean(tf.softmax(outputs[logits], -1), 0));
      const out = probs.dataSync() as Float32Array;
      probs.dispose();
      Object.values(outputs).forEach((t) => t.dispose());
      return new Float32Array(out);
    },
    dispose() {
      dropCache();
      disposeParams(params);
    },
  };
}
