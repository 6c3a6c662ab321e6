/**
 * Export a model to ONNX and classify a video with ONNX Runtime from the exported file alone.
 *
 *   npx tsx examples/export-onnx.ts models/xclip.mdl xclip-b32.pth video.mp4 "archery,juggling balls,surfing water" [out.onnx]
 *
 * Step 1 is what `mdl export MODEL --format onnx -o out.onnx --weights W` does; the file then runs in any
 * ONNX runtime (here onnxruntime-node; Python's onnxruntime, TensorRT, or Netron to look at it). Inputs are
 * `video` float32 [B, T, 3, S, S] and `text` int64 [K, 77] token ids; B and K are dynamic. mdl is used
 * below only for what the model file does not contain: decoding frames and tokenizing class names.
 * `mdl classify --runtime onnx` does the same with the class-text features cached on disk.
 */
import { compileOrFail } from "../src/cli/compile-args.ts";
import { lowerToOnnx } from "../src/runtime/onnx/lower.ts";
import { writeModel } from "../src/runtime/onnx/model.ts";
import { checkpointWeights } from "../src/runtime/run/load-params.ts";
import { createSession } from "../src/runtime/onnx/session.ts";
import { readViews } from "../src/runtime/data/clip-reader.ts";
import { ClipTokenizer } from "../src/runtime/tokenizer/clip-tokenizer.ts";
import { runCommand } from "../src/cli/io.ts";
import { fail } from "../src/compiler/diagnostics/diagnostic.ts";
import { assertVocabFits } from "../src/runtime/run/token-ids.ts";

// runCommand prints a catalogued error (MDL code, file, message) and exits 2, as every mdl command does
await runCommand(async () => {
  const [model, weights, video, labelList, out = "model.onnx"] = process.argv.slice(2);
  if (!labelList)
    fail(
      "usage",
      undefined,
      'usage: npx tsx examples/export-onnx.ts MODEL.mdl WEIGHTS VIDEO "label a,label b,..." [OUT.onnx]',
    );
  const labels = labelList.split(",").map((s) => s.trim());

  // 1. Compile as the CLI does (hyperparameters bound from the checkpoint's shapes; errors printed with their
  //    place) and write the ONNX file with its weights.
  const { ir, checkpoint } = compileOrFail(model, {}, weights);
  const tokenizer = ClipTokenizer.load();
  assertVocabFits(ir, tokenizer.vocabSize); // class names need CLIP's 49,408 token ids (MDL407 otherwise)
  writeModel(out, lowerToOnnx(ir, { weights: checkpointWeights(ir, checkpoint, { strict: true }).weights }));
  console.error(`wrote ${out}`);

  // 2. From here on only the file is used: ONNX Runtime loads it; its input shapes say what to feed.
  const session = await createSession(out, { threads: 1 });
  const [, frames, , size] = ir.graph.inputs.find((p) => p.name === "video")!.type.shape as number[];
  const context = ir.graph.inputs.find((p) => p.name === "text")!.type.shape[1] as number;
  const [view] = await readViews({ path: video, kind: "video" }, { frames, size });
  const { ids } = tokenizer.tokenize(labels, context);
  const { logits } = await session.run({
    video: { dtype: "f32", shape: [1, frames, 3, size, size], data: view },
    text: { dtype: "i32", shape: [labels.length, context], data: ids },
  });
  await session.dispose();

  // 3. Softmax over the class names, as the official validation scores one view.
  const l = Array.from(logits.data as Float32Array);
  const max = Math.max(...l);
  const z = l.reduce((a, x) => a + Math.exp(x - max), 0);
  const ranked = labels.map((label, i) => [label, Math.exp(l[i] - max) / z] as const).sort((a, b) => b[1] - a[1]);
  for (const [label, p] of ranked) console.log(`${(100 * p).toFixed(1).padStart(5)}%  ${label}`);
});
