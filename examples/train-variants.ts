/**
 * Train two variants of X-CLIP side by side on the synthetic temporal data set and print their test accuracy.
 *
 *   npx tsx examples/train-variants.ts [steps] [videos-per-class]
 *
 * The variants are ordinary .mdl files (models/variants/); swap in your own. Everything below is the public
 * session API: compile, load a split, trainAndTest (fit + evaluate), pairScores.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../src/compiler/compile.ts";
import { fsHost } from "../src/cli/compile-args.ts";
import { synthesize } from "../src/runtime/data/synth.ts";
import { initBackend } from "../src/runtime/tfjs/backend.ts";
import { loadSplit } from "../src/runtime/session/data.ts";
import { trainAndTest } from "../src/runtime/session/compare.ts";

const steps = Number(process.argv[2] ?? 100);
const perClass = Number(process.argv[3] ?? 10);
const work = mkdtempSync(join(tmpdir(), "mdl-variants-"));
try {
  await initBackend({ backend: "wasm", threads: 1 });
  synthesize({ out: join(work, "data"), videosPerClass: perClass, evalPerClass: 2, seed: 0 });
  const train = await loadSplit(join(work, "data"), "train");
  const test = await loadSplit(join(work, "data"), "test");
  const data = { classes: train.classes, train: train.entries, test: test.entries };
  for (const [name, file] of [["CLIP mean-pool", "models/variants/clip-meanpool.mdl"], ["X-CLIP", "models/xclip.mdl"]]) {
    const ir = compile(file, fsHost, { preset: "tiny" }).value!;
    const r = await trainAndTest({ name, ir }, 0, data, { steps, batch: 4, lr: 5e-4 }, join(work, name.replace(/\W+/g, "-")));
    console.log(`${name}: final loss ${r.losses.at(-1)!.toFixed(3)}, test top-1 ${(100 * r.test.top1).toFixed(1)}%, right pair ${(100 * r.pairAccuracy).toFixed(1)}%`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
