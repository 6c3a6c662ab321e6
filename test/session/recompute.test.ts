/**
 * Recomputation changes no number: the tiny X-CLIP trained with its blocks recomputed in the backward pass
 * gives the losses and the checkpoint of the same run without it.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { compile } from "../../src/compiler/compile.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import { initBackend } from "../../src/runtime/tfjs/backend.ts";
import { loadSplit } from "../../src/runtime/session/data.ts";
import { fit } from "../../src/runtime/session/fit.ts";
import { disposeModel } from "../../src/runtime/session/model.ts";
import { latestCheckpoint } from "../../src/runtime/train/checkpoint.ts";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { cleanup, scratch, smallData } from "./helpers.ts";

test.before(() => initBackend({ backend: "wasm", threads: 1 }).then(() => undefined));
test.after(cleanup);

// every stack of X-CLIP: frame blocks (one input), MIT, the text tower (causal) and the prompt generator (two inputs)
const EVERY_STACK = [
  "visual.transformer.resblocks",
  "mit.resblocks",
  "encode_text.transformer.resblocks",
  "prompts_generator.decoder",
];

async function run(recompute: string[], freeze: string[]) {
  const data = await loadSplit(smallData(), "train");
  const r = compile("models/xclip.mdl", fsHost, { preset: "tiny", recompute });
  assert.ok(r.value, r.diagnostics.map((d) => d.message).join("; "));
  const losses: number[] = [];
  const out = scratch("recompute");
  const res = await fit({
    ir: r.value!,
    classes: data.classes,
    entries: data.entries,
    out,
    seed: 3,
    batch: 2,
    steps: 4,
    lr: 1e-3,
    freeze,
    progress: "none",
    onStep: (s) => losses.push(s.loss),
  });
  disposeModel(res.model);
  return { losses, weights: readSafetensors(join(latestCheckpoint(out)!, "weights.safetensors")).tensors };
}

/**
 * The key bias of attention has a zero gradient in exact arithmetic (softmax does not change when every score
 * of a query moves by the same q.b), so what either run computes for it is rounding noise, and AdamW divides
 * noise by its own size: lr-sized steps in arbitrary directions. Recomputation sums a gradient that reaches a
 * block input from inside and outside the block in another order (as torch.utils.checkpoint does), which is
 * enough to change that noise. Every other weight must agree.
 */
const isKeyBias = (key: string, i: number, n: number) =>
  key.endsWith("attn.in_proj_bias") && i >= n / 3 && i < (2 * n) / 3;

/**
 * The query and key weights reach the loss only through the softmax's scores, whose derivative vanishes when a
 * query's keys are alike. The tokens of MIT (the frames of one synthetic video) and of the prompt generator
 * nearly are: at X-CLIP's initialisation MIT's q and k gradients are ~3,000 times smaller than its v's, the prompt
 * generator's ~300 times, with 1e-5 to 2e-5 of relative rounding noise (tfjs against ONNX Runtime), which AdamW's
 * normalised steps carry to ~1e-5 in the weights. They must agree to 1e-4 (a hundredth of one step at lr x10);
 * every other weight to 1e-5.
 */
const isScoreWeight = (key: string, i: number, n: number) =>
  /\.(q|k)_proj\.weight$/.test(key) || (key.endsWith("attn.in_proj_weight") && i < (2 * n) / 3);

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));

for (const [what, freeze] of [
  ["everything trained", []],
  ["text encoder frozen (its features cached)", ["encode_text"]],
] as const) {
  test(`tiny X-CLIP, ${what}: the same losses and checkpoint with every block recomputed`, async () => {
    const plain = await run([], [...freeze]);
    const recomputed = await run(EVERY_STACK, [...freeze]);
    assert.is(plain.losses.length, 4);
    assert.ok(
      plain.losses.every((l, i) => close(recomputed.losses[i], l)),
      `losses ${plain.losses.join(" ")} vs ${recomputed.losses.join(" ")}`,
    );
    assert.equal([...recomputed.weights.keys()].sort(), [...plain.weights.keys()].sort());
    let worst = { diff: 0, key: "" };
    let worstScore = { diff: 0, key: "" };
    for (const [key, t] of plain.weights) {
      const u = recomputed.weights.get(key)!.data as Float32Array;
      (t.data as Float32Array).forEach((x, i) => {
        if (isKeyBias(key, i, t.data.length)) return;
        const diff = Math.abs(x - u[i]) / Math.max(1, Math.abs(x));
        if (isScoreWeight(key, i, t.data.length)) {
          if (diff > worstScore.diff) worstScore = { diff, key };
        } else if (diff > worst.diff) worst = { diff, key };
      });
    }
    assert.ok(worst.diff <= 1e-5, `largest weight difference ${worst.diff} in ${worst.key}`);
    assert.ok(
      worstScore.diff <= 1e-4,
      `largest query or key weight difference ${worstScore.diff} in ${worstScore.key}`,
    );
    assert.ok(plain.losses[3] !== plain.losses[0], "the weights moved, so the comparison compares something");
  });
}

test.run();
