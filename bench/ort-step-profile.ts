/**
 * Where ONNX Runtime's time goes in X-CLIP's compiled training step (the program fit runs on the ORT engine):
 * the step built as fit builds it (text encoder frozen, its side cached as constant inputs), lowered as the ORT
 * engine lowers it, run in a session of its own with ORT's profiler on; the node times summed by ORT operator
 * and the costliest nodes listed. Prints a report; changes nothing.
 *   npx tsx bench/ort-step-profile.ts [--preset B/32] [--batch N] [--runs N] [--threads N] [--static] [--no-spin] [--no-arena] [--forward] [--into] [--keep]
 * --static: the batch fixed in every shape when lowering (the engine lowers with a symbolic batch);
 * --no-spin: ORT's worker threads sleep instead of spinning between operators (session.intra_op.allow_spinning 0);
 * --no-arena: no CPU memory arena (ORT's arena grows by doubling and keeps what it took);
 * --forward: profile the step's forward alone (the same video side, no gradients) instead;
 * --into: the outputs (but the loss) written into tensors allocated once and passed as fetches, as the ORT engine
 *   runs fit's step (the default lets ORT allocate them);
 * --keep: keep ORT's profile (Chrome trace JSON) and print its path.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { compile } from "../src/compiler/compile.ts";
import { fsHost } from "../src/cli/compile-args.ts";
import { buildTrainStep } from "../src/compiler/5-train/step.ts";
import { useEngine } from "../src/runtime/backend/current.ts";
import type { Tensor } from "../src/runtime/backend/engine.ts";
import { createOnnxEngine } from "../src/runtime/onnx/engine.ts";
import { lowerToOnnx } from "../src/runtime/onnx/lower.ts";
import { modelBytes } from "../src/runtime/onnx/model.ts";
import { loadOrt } from "../src/runtime/onnx/session.ts";
import { splitByInputs } from "../src/runtime/run/split.ts";
import { classifierShape, classTexts } from "../src/runtime/session/model.ts";
import { stepSettings } from "../src/runtime/session/step-settings.ts";

const arg = (name: string, dflt: string) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : dflt;
const PRESET = arg("--preset", "B/32");
const BATCH = Number(arg("--batch", "1"));
const RUNS = Number(arg("--runs", "3"));
const THREADS = Number(arg("--threads", "2"));
const STATIC = process.argv.includes("--static");
const FORWARD = process.argv.includes("--forward");

const e = await createOnnxEngine({ threads: THREADS });
useEngine(e);
const ort = await loadOrt();
const ir = compile("models/xclip.mdl", fsHost, { preset: PRESET }).value!;
const settings = stepSettings(ir, { freeze: ["encode_text"] });
const trainable = new Set(ir.params.map((p) => p.path).filter((p) => !settings.frozen.has(p)));
const params = e.createParams(ir, undefined, { trainable: false, seed: 0, compiled: true });
const { frames, size, context } = classifierShape(ir);
// the text side once, as fit caches it
const { fixed, varying } = splitByInputs(ir, ["video"], trainable);
const text = classTexts(
  Array.from({ length: 10 }, (_, i) => `class ${i}`),
  context,
  ir,
);
const fixedProgram = await e.compile!(fixed);
const constants = await fixedProgram.run({ text }, params);
const program = FORWARD ? varying : buildTrainStep(varying, { ...settings, phase: "update", carry: false });

const ops = new Map<string, number>();
for (const n of program.graph.nodes) ops.set(n.op, (ops.get(n.op) ?? 0) + 1);
console.log(
  `${FORWARD ? "forward" : "step"} IR: ${program.graph.nodes.length} nodes; by op: ${[...ops]
    .sort((a, b) => b[1] - a[1])
    .map(([o, c]) => `${o} ${c}`)
    .join(", ")}`,
);

const t0 = performance.now();
const bytes = modelBytes(lowerToOnnx(program, { paramsAsInputs: true, ...(STATIC ? { fixed: { B: BATCH } } : {}) }))!;
const prefix = `/tmp/ort-step-profile-${process.pid}`;
const session = await ort.InferenceSession.create(bytes, {
  executionProviders: ["cpu"],
  graphOptimizationLevel: "all",
  intraOpNumThreads: THREADS,
  interOpNumThreads: 1,
  enableProfiling: true,
  profileFilePrefix: prefix,
  ...(process.argv.includes("--no-arena") ? { enableCpuMemArena: false } : {}),
  ...(process.argv.includes("--no-spin") ? { extra: { session: { "intra_op.allow_spinning": "0" } } } : {}),
});
console.log(
  `lowered + session created in ${((performance.now() - t0) / 1000).toFixed(1)} s (${(bytes.length / 2 ** 20).toFixed(1)} MiB of ONNX)`,
);

// every input: parameters by path, the cached text side, a video, labels, zero moments, the schedule's scalars
const V = (t: Tensor) => (t as unknown as { value: InstanceType<typeof ort.Tensor> }).value;
const dims = new Map(
  program.graph.inputs.map((p) => [p.name, p.type.shape.map((d) => (typeof d === "number" ? d : BATCH))]),
);
const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
for (const m of session.inputMetadata) {
  const name = m.name;
  const given = params.get(name) ?? constants[name];
  if (given) feeds[name] = V(given);
  else if (name === "video")
    feeds[name] = new ort.Tensor(
      "float32",
      Float32Array.from({ length: BATCH * frames * 3 * size * size }, (_, i) => ((i * 7919) % 1000) / 1000),
      [BATCH, frames, 3, size, size],
    );
  else if (name === "labels")
    feeds[name] = new ort.Tensor(
      m.isTensor && m.type === "int64" ? "int64" : "int32",
      m.isTensor && m.type === "int64"
        ? BigInt64Array.from({ length: BATCH }, (_, i) => BigInt(i % 10))
        : Int32Array.from({ length: BATCH }, (_, i) => i % 10),
      [BATCH],
    );
  else {
    const shape = dims.get(name) ?? [];
    const fill = name === "lr" ? 1e-4 : name.startsWith("bias") ? 0.1 : 0;
    feeds[name] = new ort.Tensor("float32", new Float32Array(shape.reduce((a, d) => a * d, 1)).fill(fill), shape);
  }
}
// --into: every output but the loss written into buffers allocated once, as the engine runs the step for fit
const INTO = process.argv.includes("--into");
const fetches: Record<string, InstanceType<typeof ort.Tensor> | null> = {};
for (const o of program.graph.outputs) {
  const shape = o.type.shape.map((d) => (typeof d === "number" ? d : BATCH));
  fetches[o.name] =
    INTO && o.name !== "loss"
      ? new ort.Tensor("float32", new Float32Array(shape.reduce((a, d) => a * d, 1)), shape)
      : null;
}
const walls: number[] = [];
const cpus: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const s = performance.now();
  const c = process.cpuUsage();
  const out = await session.run(feeds, fetches);
  walls.push((performance.now() - s) / 1000);
  const u = process.cpuUsage(c);
  cpus.push((u.user + u.system) / 1e6);
  for (const [name, v] of Object.entries(out)) if (!fetches[name]) v.dispose();
}
console.log(
  `runs: ${walls.map((w) => w.toFixed(2)).join(", ")} s wall; ${cpus.map((w) => w.toFixed(2)).join(", ")} s CPU (every thread)`,
);
// the node binding writes `${prefix}_<date>.json` and returns nothing
session.endProfiling();
const file = `/tmp/${readdirSync("/tmp").find((f) => f.startsWith(prefix.slice(5)) && f.endsWith(".json"))}`;
const events = JSON.parse(readFileSync(file, "utf8")) as {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; output_size?: string; activation_size?: string };
}[];
if (process.argv.includes("--keep")) console.log(`profile: ${file}`);
else rmSync(file, { force: true });

// the runs after the first: each node's kernel time, by operator and by node
const runs = events.filter((ev) => ev.cat === "Session" && ev.name === "model_run");
const kernels = events.filter((ev) => ev.cat === "Node" && ev.name.endsWith("_kernel_time"));
const perRun = kernels.length / runs.length;
const steady = kernels.slice(perRun);
const total = steady.reduce((a, k) => a + k.dur, 0);
const byOp = new Map<string, { us: number; n: number }>();
const byNode = new Map<string, { us: number; op: string }>();
for (const k of steady) {
  const op = k.args?.op_name ?? "?";
  const o = byOp.get(op) ?? { us: 0, n: 0 };
  o.us += k.dur;
  o.n++;
  byOp.set(op, o);
  const name = k.name.replace(/_kernel_time$/, "");
  const nd = byNode.get(name) ?? { us: 0, op };
  nd.us += k.dur;
  byNode.set(name, nd);
}
const steadyRuns = runs.length - 1;
const runUs = runs.slice(1).reduce((a, r) => a + r.dur, 0);
console.log(
  `${perRun} kernels a run after ORT's optimisations; per run (runs 2-${runs.length}): ${(runUs / steadyRuns / 1e6).toFixed(2)} s in model_run, ${(total / steadyRuns / 1e6).toFixed(2)} s in kernels`,
);
console.log("\n| ORT operator | kernels a run | s a run | share |\n|---|---:|---:|---:|");
for (const [op, o] of [...byOp].sort((a, b) => b[1].us - a[1].us).slice(0, 15))
  console.log(
    `| ${op} | ${o.n / steadyRuns} | ${(o.us / steadyRuns / 1e6).toFixed(3)} | ${((100 * o.us) / total).toFixed(1)}% |`,
  );
console.log("\n| costliest nodes | ORT operator | s a run |\n|---|---|---:|");
for (const [name, n] of [...byNode].sort((a, b) => b[1].us - a[1].us).slice(0, 15))
  console.log(`| ${name.slice(0, 90)} | ${n.op} | ${(n.us / steadyRuns / 1e6).toFixed(3)} |`);
const mem = (key: "mem_arena_held" | "mem_in_use_peak") =>
  Math.max(...kernels.map((k) => Number((k.args as Record<string, string> | undefined)?.[key] ?? 0))) / 2 ** 20;
console.log(
  `\nORT's arena held up to ${Math.round(mem("mem_arena_held"))} MiB, of which at most ${Math.round(mem("mem_in_use_peak"))} MiB in use; process peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
);
