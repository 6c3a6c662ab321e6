/**
 * Where a training step of X-CLIP-B/32 spends its time on wasm, kernel by kernel, at a reduced size
 * (fewer frame blocks and frames: the per-kernel mix is the same). Prints kernel totals for the forward,
 * the backward and the AdamW update.   npx tsx bench/train-profile.ts [--layers 2] [--frames 2] [--threads 1] [--recompute]
 */
import { openSync, writeSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { compile } from "../src/compiler/compile.ts";
import { fsHost } from "../src/cli/compile-args.ts";
import { initBackend } from "../src/runtime/tfjs/backend.ts";
import { AdamW } from "../src/runtime/tfjs/adamw.ts";
import { classTexts, frozenTextLogits, openModel, paramsUnder } from "../src/runtime/session/model.ts";
import { labelSmoothingCrossEntropy } from "../src/runtime/tfjs/loss.ts";

const arg = (name: string, dflt: string) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : dflt;
// CPU time of the process (wasm's worker threads included): on a shared host wall time mostly measures the others
// --wall: time kernels by the wall clock instead (on a quiet host, where the second thread's idle time is what counts)
const byWall = process.argv.includes("--wall");
const clock = () => {
  if (byWall) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const recompute = process.argv.includes("--recompute");
const wall0 = performance.now();
const wall = () => ((performance.now() - wall0) / 1000).toFixed(1);
// the wasm module's linear memory: what tf.memory() cannot see (XNNPACK's packed weights, allocator slack)
const heapMB = () =>
  ((tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.buffer.byteLength ?? 0) / 2 ** 20;
await initBackend({ backend: "wasm", threads: Number(arg("--threads", "1")) });
const set: [string, string][] = [
  ["layers", arg("--layers", "2")],
  ["frames", arg("--frames", "2")],
  ["text_layers", arg("--text-layers", "1")],
];
const ir = compile("models/xclip.mdl", fsHost, {
  preset: "B/32",
  set,
  recompute: recompute ? ["visual.transformer.resblocks"] : [],
}).value!;
console.log(`compiled at ${(clock() / 1000).toFixed(1)} CPU s`);
const model = openModel(ir, undefined, { trainable: true, seed: 0 });
const frozen = paramsUnder(ir, ["encode_text"]);
const text = classTexts(
  Array.from({ length: 10 }, (_, i) => `class ${i}`),
  model.context,
);
const cached = frozenTextLogits(model, text, frozen)!;
const varsByPath = new Map([...model.params].filter(([k]) => !frozen.has(k)) as [string, tf.Variable][]);
const vars = [...varsByPath.values()];
const opt = new AdamW(varsByPath, [{ paths: [...varsByPath.keys()], lrScale: 1, weightDecay: 0.001 }]);
console.log(`set up at ${(clock() / 1000).toFixed(1)} CPU s`);
const video = tf.randomUniform([1, model.frames, 3, model.size, model.size], 0, 1, "float32", 1);

// time every kernel the engine runs, by name and by phase
const engine = tf.engine() as unknown as {
  runKernel: (name: string, ...rest: unknown[]) => unknown;
  backend: { readSync?: unknown };
};
let count = 0;
const SLOW_MS = Number(arg("--slow-ms", "1000"));
const totals = new Map<string, { ms: number; n: number }>();
let phase = "forward";
const orig = engine.runKernel.bind(engine);
// --trace FILE: each kernel's name and shapes written before it runs, so a kernel that never returns is named
const trace = process.argv.includes("--trace") ? openSync(arg("--trace", ""), "w") : undefined;
engine.runKernel = (name: string, ...rest: unknown[]) => {
  if (trace !== undefined)
    writeSync(trace, `${count} ${phase} ${name}${describe(rest)} heap ${heapMB().toFixed(0)} MB\n`);
  const t0 = clock();
  const out = orig(name, ...rest);
  const detail =
    process.argv.includes("--shapes") && (name === "BatchMatMul" || name === "Transpose") ? describe(rest) : "";
  const key = `${phase} ${name}${detail}`;
  const e = totals.get(key) ?? { ms: 0, n: 0 };
  const ms = clock() - t0;
  if (++count % 2000 === 0)
    console.log(
      `${count} kernels, ${phase}, ${(clock() / 1000).toFixed(1)} CPU s, ${wall()} s wall, tensors ${(tf.memory().numBytes / 2 ** 20).toFixed(0)} MB, wasm memory ${heapMB().toFixed(0)} MB, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`,
    );
  e.ms += ms;
  // a pathological kernel shows at once, with its shapes, even if the step never ends
  if (ms > SLOW_MS) console.log(`slow: ${ms.toFixed(0)} ms CPU ${phase} ${name}${describe(rest)}`);
  e.n++;
  totals.set(key, e);
  return out;
};

function describe(rest: unknown[]): string {
  const inputs = rest[0] as Record<string, tf.Tensor>;
  const attrs = (rest[1] ?? {}) as Record<string, unknown>;
  const shapes = Object.values(inputs)
    .filter((t) => t)
    .map((t) => `[${t.shape}]`)
    .join(" ");
  const flags =
    "transposeA" in attrs
      ? ` tA=${attrs.transposeA} tB=${attrs.transposeB}`
      : "perm" in attrs
        ? ` perm=${attrs.perm}`
        : "";
  return ` ${shapes}${flags}`;
}

for (let step = 0; step < Number(arg("--steps", "2")); step++) {
  totals.clear();
  const t0 = clock();
  let tf0 = 0;
  phase = "forward";
  const { value, grads } = tf.variableGrads(() => {
    const loss = labelSmoothingCrossEntropy(cached.logits(video, true) as tf.Tensor2D, [1], 0.1);
    tf0 = clock();
    phase = "backward";
    return loss;
  }, vars);
  const t1 = clock();
  phase = "adamw";
  await opt.apply(new Map([...varsByPath.keys()].map((p) => [p, grads[varsByPath.get(p)!.name]])), 1e-4);
  await value.data();
  const t2 = clock();
  tf.dispose([value, ...Object.values(grads)]);
  console.log(
    `step ${step}: forward ${(tf0 - t0).toFixed(0)} ms, backward ${(t1 - tf0).toFixed(0)} ms, adamw ${(t2 - t1).toFixed(0)} ms, tensors ${tf.memory().numTensors}, ${wall()} s wall, wasm memory ${heapMB().toFixed(0)} MB`,
  );
}
const rows = [...totals].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(arg("--top", "30")));
for (const [k, v] of rows) console.log(`${v.ms.toFixed(1).padStart(10)} ms ${String(v.n).padStart(6)}x  ${k}`);
