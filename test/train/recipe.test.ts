/**
 * The official recipe (`--recipe xclip`: mixup, cutmix, colour jitter, grayscale) in training: ONNX Runtime's
 * compiled step with mixed targets follows tfjs's autodiff, a SIGKILL plus --resume ends at the same bits on
 * both, and the flags reach the step's ports and the checkpoint's config.
 */
import { test } from "uvu";
import { runKillable } from "../helpers/killable.ts";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { engine, useEngine } from "../../src/runtime/backend/current.ts";
import type { Engine } from "../../src/runtime/backend/engine.ts";
import { XCLIP_RECIPE } from "../../src/runtime/data/augment.ts";
import { createOnnxEngine } from "../../src/runtime/onnx/engine.ts";
import { loadSplit } from "../../src/runtime/session/data.ts";
import { fit } from "../../src/runtime/session/fit.ts";
import { disposeModel } from "../../src/runtime/session/model.ts";
import { latestCheckpoint, loadCheckpoint } from "../../src/runtime/train/checkpoint.ts";
import { initBackend } from "../../src/runtime/tfjs/backend.ts";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { cleanup, scratch, smallData, tinyIr } from "../session/helpers.ts";
import { trainArgs } from "./mdl-child.ts";

let tfjs: Engine;
let ort: Engine;
let data: string;
test.before(async () => {
  await initBackend({ backend: "wasm", threads: 1 });
  tfjs = engine();
  ort = await createOnnxEngine({ threads: 1 });
  data = smallData();
});
test.after(() => {
  useEngine(tfjs);
  cleanup();
});

const mdl = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/mdl.js", ...args], { encoding: "utf8", maxBuffer: 1 << 28 });

test("--recipe xclip: 12 steps on ONNX Runtime follow tfjs's losses within 1e-4 relative, and differ from the run without it", async () => {
  const ir = tinyIr("models/xclip.mdl");
  const train = await loadSplit(data, "train");
  const run = async (e: Engine, augment = XCLIP_RECIPE, steps = 12) => {
    useEngine(e);
    const losses: number[] = [];
    const res = await fit({
      ir,
      classes: train.classes,
      entries: train.entries,
      out: scratch(e.name),
      seed: 2,
      batch: 4,
      steps,
      lr: 1e-3,
      progress: "none",
      augment,
      onStep: (s) => losses.push(s.loss),
    });
    disposeModel(res.model);
    return losses;
  };
  const want = await run(tfjs);
  const got = await run(ort);
  assert.is(got.length, 12);
  const bad = got
    .map((l, i) => ({ i, rel: Math.abs(l - want[i]) / Math.abs(want[i]) }))
    .filter((x) => !(x.rel <= 1e-4));
  assert.equal(bad, [], `steps off: ${JSON.stringify(bad.slice(0, 3))}`);
  const plain = await run(tfjs, { ...XCLIP_RECIPE, mixup: 0, cutmix: 0, colorJitter: 0, grayscale: 0 }, 1);
  assert.ok(Math.abs(plain[0] - want[0]) > 1e-3, `the recipe changed nothing: ${plain[0]} and ${want[0]}`);
});

const STEPS = 6;

/** The fixture run; with `killAt`, SIGKILLed a random few milliseconds after it reports that step (mid-step or mid-save). */
const child = (engineName: string, out: string, extra: string[], killAt?: number) =>
  runKillable(
    [
      "test/train/fixtures/run-recipe.ts",
      "--engine",
      engineName,
      "--out",
      out,
      "--data",
      data,
      "--steps",
      String(STEPS),
      ...extra,
    ],
    killAt,
  );

for (const engineName of ["onnx", "tfjs"]) {
  test(`--recipe xclip on ${engineName}: a SIGKILL at a random moment, then --resume, ends at the same bits as a straight run`, async () => {
    const straight = scratch("straight");
    assert.match(await child(engineName, straight, []), /done/);
    const killed = scratch("killed");
    const at = 1 + Math.floor(Math.random() * (STEPS - 2));
    const first = await child(engineName, killed, [], at);
    assert.not.match(first, /done/, `the child was not killed in time (after step ${at})`);
    assert.match(await child(engineName, killed, ["--resume"]), /done/);
    const a = readSafetensors(join(latestCheckpoint(straight)!, "weights.safetensors")).tensors;
    const b = readSafetensors(join(latestCheckpoint(killed)!, "weights.safetensors")).tensors;
    assert.is(a.size, 98);
    for (const [k, t] of a)
      assert.ok(
        Buffer.from((t.data as Float32Array).buffer).equals(Buffer.from((b.get(k)!.data as Float32Array).buffer)),
        `${k} differs after resume (killed after step ${at})`,
      );
  });
}

test("mdl ir --train: mix_labels and mix_lambda are inputs with mixing on, and only then", () => {
  const inputs = (...args: string[]) => {
    const r = mdl("ir", "models/xclip.mdl", "--preset", "tiny", "--train", ...args);
    assert.is(r.status, 0, r.stderr);
    return r.stdout;
  };
  const plain = inputs();
  assert.not.match(plain, /mix_labels|mix_lambda/);
  for (const flags of [
    ["--recipe", "xclip"],
    ["--mixup", "0.8"],
    ["--cutmix", "1"],
  ]) {
    const mixed = inputs(...flags);
    assert.match(mixed, /mix_labels:i32\[/, flags.join(" "));
    assert.match(mixed, /mix_lambda:f32\[\]/, flags.join(" "));
    assert.match(mixed, /targets mixed by mix_lambda/);
  }
  // colour alone leaves the step as it was
  assert.is(inputs("--recipe", "xclip", "--mixup", "0", "--cutmix", "0"), plain);
});

test("mdl train records the recipe in the checkpoint's config; a flag beside --recipe wins; bad values are usage errors", () => {
  const out = scratch("cli");
  const r = mdl(...trainArgs(data, out, 1, 1), "--recipe", "xclip", "--cutmix", "0", "--grayscale", "0.5");
  assert.is(r.status, 0, r.stderr);
  const config = loadCheckpoint(latestCheckpoint(out)!).state.config as { augment: unknown };
  assert.equal(config.augment, { ...XCLIP_RECIPE, cutmix: 0, grayscale: 0.5 });
  for (const [flag, value] of [
    ["--grayscale", "1.5"],
    ["--mixup", "-1"],
    ["--color-jitter", "x"],
  ]) {
    const bad = mdl("ir", "models/xclip.mdl", "--preset", "tiny", "--train", flag, value);
    assert.is(bad.status, 2, `${flag} ${value}: ${bad.stderr}`);
    assert.match(bad.stderr, /error MDL006/);
  }
  const unknown = mdl("ir", "models/xclip.mdl", "--preset", "tiny", "--train", "--recipe", "timm");
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, /--recipe must be one of xclip/);
});

test.run();
