/**
 * Evaluation as X-CLIP's validate() does it: every view (temporal clips x spatial crops) of a video is scored
 * against all class texts, the softmax probabilities are summed over views, and the top class is the answer.
 */
import { engine } from "../backend/current.ts";
import type { Diagnostic } from "../../compiler/diagnostics/diagnostic.ts";
import { readViews, type ClipSource } from "../data/clip-reader.ts";
import { classTexts, inferLogits, type VideoModel } from "./model.ts";

export interface EvalEntry extends ClipSource {
  label: number;
}

export interface EvalResult {
  n: number;
  top1: number;
  top5: number;
  /** Mean cross-entropy of the view-averaged class probabilities (natural log). */
  loss: number;
  /** Accuracy per class (NaN for a class with no examples). */
  perClass: number[];
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  /** Predicted class per entry, in input order. */
  predictions: number[];
}

export interface EvalOptions {
  clips?: number;
  crops?: 1 | 3;
  /** Videos per forward pass. */
  batch?: number;
  onEntry?: (done: number, total: number) => void;
  /** Hears that a video has fewer frames than the model's, and which were repeated (MDL557). */
  notice?: (d: Diagnostic) => void;
}

export async function evaluate(
  m: VideoModel,
  classes: readonly string[],
  entries: readonly EvalEntry[],
  o: EvalOptions = {},
): Promise<EvalResult> {
  const K = classes.length;
  const clips = o.clips ?? 1;
  const crops = o.crops ?? 1;
  const views = clips * crops;
  const batch = o.batch ?? 8;
  const per = m.frames * 3 * m.size * m.size;
  const text = classTexts(classes, m.context, m.ir);
  const scores: Float32Array[] = [];
  try {
    for (let start = 0; start < entries.length; start += batch) {
      const chunk = entries.slice(start, start + batch);
      const data = new Float32Array(chunk.length * views * per);
      for (let i = 0; i < chunk.length; i++) {
        const vs = await readViews(chunk[i], { frames: m.frames, size: m.size, clips, crops, notice: o.notice });
        vs.forEach((v, j) => data.set(v, (i * views + j) * per));
      }
      const e = engine();
      const video = e.fromHost({ dtype: "f32", shape: [chunk.length * views, m.frames, 3, m.size, m.size], data });
      const logits = await inferLogits(m, video, text);
      video.dispose();
      const probs = e.viewProbabilities(logits, chunk.length, "sum");
      logits.dispose();
      const host = (await e.read(probs)).data as Float32Array;
      probs.dispose();
      for (let i = 0; i < chunk.length; i++) scores.push(host.slice(i * K, (i + 1) * K));
      o.onEntry?.(Math.min(entries.length, start + batch), entries.length);
    }
  } finally {
    text.dispose();
  }
  return summarize(
    scores,
    entries.map((e) => e.label),
    K,
  );
}

/**
 * The same evaluation through any classifier that scores one video's views (mean of per-view softmax,
 * which ranks as the sum does): how `mdl eval` runs, on any engine (run/classify.ts).
 */
export async function evaluateViews(
  classify: (views: Float32Array[]) => Promise<Float32Array>,
  shape: { frames: number; size: number },
  K: number,
  entries: readonly EvalEntry[],
  o: EvalOptions = {},
): Promise<EvalResult> {
  const scores: Float32Array[] = [];
  for (const [i, e] of entries.entries()) {
    scores.push(
      await classify(await readViews(e, { ...shape, clips: o.clips ?? 1, crops: o.crops ?? 1, notice: o.notice })),
    );
    o.onEntry?.(i + 1, entries.length);
  }
  return summarize(
    scores,
    entries.map((e) => e.label),
    K,
  );
}

/** Top-1/top-5, the loss, per-class accuracy and the confusion matrix from summed scores [n][K]. */
export function summarize(scores: readonly ArrayLike<number>[], labels: readonly number[], K: number): EvalResult {
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  let top1 = 0;
  let top5 = 0;
  let nll = 0;
  const predictions: number[] = [];
  scores.forEach((s, i) => {
    const order = Array.from({ length: K }, (_, k) => k).sort((a, b) => s[b] - s[a] || a - b);
    const y = labels[i];
    predictions.push(order[0]);
    confusion[y][order[0]]++;
    if (order[0] === y) top1++;
    if (order.slice(0, 5).includes(y)) top5++;
    let total = 0;
    for (let k = 0; k < K; k++) total += s[k];
    nll -= Math.log(s[y] / total);
  });
  const n = scores.length;
  const perClass = confusion.map((row, k) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total ? row[k] / total : NaN;
  });
  return {
    n,
    top1: n ? top1 / n : NaN,
    top5: n ? top5 / n : NaN,
    loss: n ? nll / n : NaN,
    perClass,
    confusion,
    predictions,
  };
}
