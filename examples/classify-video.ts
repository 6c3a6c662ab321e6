/**
 * Zero-shot video classification from TypeScript: which of a few class names best describes a video.
 *
 *   npx tsx examples/classify-video.ts MODEL.mdl WEIGHTS VIDEO "label a,label b,..."
 *
 * With an official X-CLIP checkpoint and a video file, both yours (ffmpeg on PATH decodes the video):
 *
 *   npx tsx examples/classify-video.ts models/xclip.mdl xclip-b32.pth video.mp4 "archery,juggling balls,surfing water"
 *
 * With files this repository makes: the README's train recipe writes runs/x (the tiny X-CLIP, ~2 min) and
 * data/synth, whose test videos are folders of PNG frames:
 *
 *   npx tsx examples/classify-video.ts models/variants/xclip-fanin-init.mdl runs/x/ckpt-700/weights.safetensors \
 *     data/synth/test/fading-in-0000 "an object fading in,an object fading out,an object moving to the left"
 *
 * prints "an object fading in" first, at 91.2% (that run gets 41% of the test split right, 84% of this class).
 *
 * The checkpoint binds the model's hyperparameters (width, layers, frames, resolution...), so an official
 * X-CLIP checkpoint needs nothing else. A missing file, a model that does not compile or cannot tokenize class
 * names is reported as mdl reports it (a catalogued MDL code, exit 2). The same thing from the shell:
 * `mdl classify MODEL --weights W --video FILE --labels "a,b,c"`.
 */
import { statSync } from "node:fs";
import { compileOrFail } from "../src/cli/compile-args.ts";
import { runCommand } from "../src/cli/io.ts";
import { fail } from "../src/compiler/diagnostics/diagnostic.ts";
import { initBackend } from "../src/runtime/tfjs/backend.ts";
import { createClassifier } from "../src/runtime/run/classify.ts";
import { assertVocabFits } from "../src/runtime/run/token-ids.ts";
import { readViews } from "../src/runtime/data/clip-reader.ts";
import { ClipTokenizer } from "../src/runtime/tokenizer/clip-tokenizer.ts";

// runCommand prints a catalogued error (MDL code, file, message) and exits 2, as every mdl command does
await runCommand(async () => {
  const [model, weights, video, labelList] = process.argv.slice(2);
  if (!labelList)
    fail("usage", undefined, 'usage: npx tsx examples/classify-video.ts MODEL.mdl WEIGHTS VIDEO "label a,label b,..."');
  const labels = labelList.split(",").map((s) => s.trim());

  // 1. Compile as the CLI does, binding the free hyperparameters from the checkpoint's tensor shapes. The
  //    model must embed CLIP's token ids (the tiny test fixtures have a 512-token vocabulary: MDL407).
  const { ir, checkpoint } = compileOrFail(model, {}, weights, undefined, { refuseNonFinite: true });
  const tokenizer = ClipTokenizer.load();
  assertVocabFits(ir, tokenizer.vocabSize);

  // 2. Start an engine (TensorFlow.js on wasm here; ONNX Runtime: useEngine(await createOnnxEngine())) and compile
  //    the model with its weights; the class texts are encoded once.
  await initBackend({ threads: 1 });
  const classifier = await createClassifier(ir, checkpoint);
  const { ids } = tokenizer.tokenize(labels, classifier.context);
  await classifier.setTexts(ids, labels.length); // or read from the disk cache, the second time

  // 3. Decode the frames the model wants (T centre-of-segment frames, centre crop, official normalisation) from
  //    a video file or a folder of frames.
  const kind = statSync(video, { throwIfNoEntry: false })?.isDirectory() ? "frames" : "video";
  const views = await readViews(
    { path: video, kind },
    { frames: classifier.visual.frames, size: classifier.visual.size },
  );
  const probabilities = await classifier.classify(views);

  const ranked = labels.map((label, i) => [label, probabilities[i]] as const).sort((a, b) => b[1] - a[1]);
  for (const [label, p] of ranked) console.log(`${(100 * p).toFixed(1).padStart(5)}%  ${label}`);
  await classifier.dispose();
});
