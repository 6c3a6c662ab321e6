/**
 * Zero-shot video classification from TypeScript: which of a few class names best describes a video.
 *
 *   npx tsx examples/classify-video.ts models/xclip.mdl xclip-b32.pth video.mp4 "archery,juggling balls,surfing water"
 *
 * The checkpoint binds the model's hyperparameters (width, layers, frames, resolution...), so an official
 * X-CLIP checkpoint needs nothing else. The same thing from the shell: `mdl classify MODEL --weights W
 * --video FILE --labels "a,b,c"`. Needs ffmpeg on PATH to decode the video.
 */
import { compile } from "../src/compiler/compile.ts";
import { renderDiagnostic } from "../src/compiler/diagnostics/render.ts";
import { fsHost } from "../src/cli/compile-args.ts";
import { initBackend } from "../src/runtime/tfjs/backend.ts";
import { loadCheckpoint, shapesOf } from "../src/runtime/weights/load.ts";
import { createClassifier } from "../src/runtime/run/classify.ts";
import { readViews } from "../src/runtime/data/clip-reader.ts";
import { ClipTokenizer } from "../src/runtime/tokenizer/clip-tokenizer.ts";

const [model, weights, video, labelList] = process.argv.slice(2);
if (!labelList) {
  console.error("usage: npx tsx examples/classify-video.ts MODEL.mdl WEIGHTS VIDEO \"label a,label b,...\"");
  process.exit(2);
}
const labels = labelList.split(",").map((s) => s.trim());

// 1. Compile the architecture, binding its free hyperparameters from the checkpoint's tensor shapes.
const checkpoint = loadCheckpoint(weights);
const compiled = compile(model, fsHost, { weights: { file: weights, shapes: shapesOf(checkpoint) } });
if (!compiled.value) {
  for (const d of compiled.diagnostics) console.error(renderDiagnostic(d, () => undefined));
  process.exit(2);
}

// 2. Start an engine (TensorFlow.js on wasm here; ONNX Runtime: useEngine(await createOnnxEngine())) and compile
//    the model with its weights; the class texts are encoded once.
await initBackend({ threads: 1 });
const classifier = await createClassifier(compiled.value, checkpoint);
const { ids } = ClipTokenizer.load().tokenize(labels, classifier.context);
await classifier.setTexts(ids, labels.length); // or read from the disk cache, the second time

// 3. Decode the frames the model wants (T centre-of-segment frames, centre crop, official normalisation).
const views = await readViews({ path: video, kind: "video" }, { frames: classifier.visual.frames, size: classifier.visual.size });
const probabilities = await classifier.classify(views);

const ranked = labels.map((label, i) => [label, probabilities[i]] as const).sort((a, b) => b[1] - a[1]);
for (const [label, p] of ranked) console.log(`${(100 * p).toFixed(1).padStart(5)}%  ${label}`);
await classifier.dispose();
process.exit(0);
