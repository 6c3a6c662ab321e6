/**
 * Zero-shot classification (run/classify.ts) on the ONNX Runtime engine against the official reference: each fixture video, as one
 * view, against the fixture's class texts gives softmax(official logits) for its row. The class-text
 * features come from the disk cache the second time (same numbers), and any change of labels or weights
 * misses it.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { currentEngine, useEngine } from "../../src/runtime/backend/current.ts";
import { createOnnxEngine } from "../../src/runtime/onnx/engine.ts";
import { createClassifier } from "../../src/runtime/run/classify.ts";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { toFloat32 } from "../../src/runtime/weights/tensor.ts";
import { compileWith, FIXTURES } from "../run/helpers.ts";

const cacheDir = mkdtempSync(join(tmpdir(), "mdl-text-cache-"));
process.env.MDL_CACHE_DIR = cacheDir;
const ort = await createOnnxEngine({ threads: 1 });
// the engine is process-wide: ORT for these tests only, tfjs (if any was current) back after them
let before: ReturnType<typeof currentEngine>;
test.before(() => {
  before = currentEngine();
  useEngine(ort);
});
test.after(() => void (before && useEngine(before)));
const entries = () =>
  readdirSync(cacheDir, { recursive: true }).filter((f) => String(f).endsWith(".safetensors")).length;

for (const fixture of ["xclip-tiny-e64", "xclip-tiny-mixed"]) {
  test(`${fixture}: probabilities = softmax of the official logits; the second time from the cache`, async () => {
    const dir = `${FIXTURES}/${fixture}`;
    const io = readSafetensors(`${dir}/io.safetensors`).tensors;
    const { ir, ckpt } = compileWith("models/xclip.mdl", `${dir}/weights.safetensors`);
    const video = io.get("input.video")!;
    const text = io.get("input.text")!;
    const ref = toFloat32(io.get("out.logits")!);
    const [B, K] = io.get("out.logits")!.shape;
    const ids = Int32Array.from(toFloat32(text));
    const per = toFloat32(video).length / B;
    const before = entries();
    for (const round of [0, 1]) {
      const c = await createClassifier(ir, ckpt);
      const { cached } = await c.setTexts(ids, K);
      assert.is(cached, round === 1, `round ${round}: cached`);
      assert.is(entries(), before + 1);
      for (let b = 0; b < B; b++) {
        const probs = await c.classify([toFloat32(video).slice(b * per, (b + 1) * per)]);
        const row = ref.subarray(b * K, (b + 1) * K);
        const max = Math.max(...row);
        const z = row.reduce((a, x) => a + Math.exp(x - max), 0);
        row.forEach((x, k) =>
          assert.ok(Math.abs(probs[k] - Math.exp(x - max) / z) < 1e-5, `video ${b} class ${k}: ${probs[k]}`),
        );
      }
      await c.dispose();
    }
    // other labels (one text dropped) are another entry
    const c = await createClassifier(ir, ckpt);
    assert.is((await c.setTexts(ids.slice(0, (K - 1) * text.shape[1]), K - 1)).cached, false);
    await c.dispose();
    assert.is(entries(), before + 2);
  });
}

test.after(() => rmSync(cacheDir, { recursive: true, force: true }));
test.run();
