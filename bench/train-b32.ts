/**
 * X-CLIP-B/32 training on wasm with its frame blocks recomputed in the backward pass (batch 1, T = 8,
 * 224 px, 10 class texts, text encoder frozen, AdamW), against PyTorch on the same machine in the same run.
 *  1. tfjs memory of the training forward (tf.memory() and tf.profile's peak), with and without
 *     `--recompute visual.transformer.resblocks`, each in its own process;
 *  2. seconds per step and peak RSS of mdl and of PyTorch 1.13 + OpenBLAS (bench/xclip_train_torch.py),
 *     run alternately (torch, mdl, torch) so that both see the same load; the ratio is what to read.
 *  3. with `--engine onnx` (or `both`): the same step on ONNX Runtime through the compiler's training step (fit with
 *     the ORT engine, text encoder frozen as above, no recomputation: ORT keeps what its plan keeps) against
 *     PyTorch at each `--batch`, seconds and CPU seconds per step (the first step and the sessions' compilation
 *     apart), peak RSS; the step's forward alone for comparison; and tiny X-CLIP (batch 4, 32 px) steps/s on
 *     ORT against tfjs-wasm (its own autodiff), both through fit.
 * Appends a section to bench/RESULTS.md.
 *   npx tsx bench/train-b32.ts [--engine wasm|onnx|both] [--batch 1,8] [--steps N] [--big-steps N] [--tiny-steps N] [--threads N] [--steps-only]
 * --big-steps: steps of the runs at batches above 1 (default --steps); --engine defaults to wasm (parts 1-2).
 * One run alone: npx tsx bench/train-b32.ts --step onnx|wasm B/32|tiny BATCH STEPS ['{"enableCpuMemArena":false}']
 * (the last, ORT only: session options merged into the engine's, an experiment).
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import type { CompiledProgram, Engine, Tensor } from "../src/runtime/backend/engine.ts";
import { engine, useEngine } from "../src/runtime/backend/current.ts";
import { createOnnxEngine } from "../src/runtime/onnx/engine.ts";
import { loadOrt } from "../src/runtime/onnx/session.ts";
import { splitByInputs } from "../src/runtime/run/split.ts";
import { frozenParams } from "../src/runtime/session/select.ts";
import { compile } from "../src/compiler/compile.ts";
import { fsHost } from "../src/cli/compile-args.ts";
import { initBackend, wasmTensorBytes } from "../src/runtime/tfjs/backend.ts";
import { synthesize } from "../src/runtime/data/synth.ts";
import { loadSplit } from "../src/runtime/session/data.ts";
import { fit } from "../src/runtime/session/fit.ts";
import {
  classifierShape,
  classTexts,
  disposeModel,
  frozenTextLogits,
  openModel,
  paramsUnder,
} from "../src/runtime/session/model.ts";
import { labelSmoothingCrossEntropy } from "../src/runtime/tfjs/loss.ts";

const RECOMPUTE = ["visual.transformer.resblocks"];
const arg = (name: string, dflt: number) =>
  process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : dflt;
const argText = (name: string, dflt: string) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : dflt;
const STEPS = arg("--steps", 3);
const BIG_STEPS = arg("--big-steps", STEPS);
const TINY_STEPS = arg("--tiny-steps", 40);
const TINY_BATCH = 4;
const THREADS = arg("--threads", 2);
const ENGINE = argText("--engine", "wasm") as "wasm" | "onnx" | "both";
const BATCHES = argText("--batch", "1").split(",").map(Number);
const MB = 2 ** 20;

const irOf = (recompute: boolean, preset = "B/32") =>
  compile("models/xclip.mdl", fsHost, { preset, recompute: recompute ? RECOMPUTE : [] }).value!;

/** tfjs bytes after the training forward of one video and the peak during it; then the peak of a whole step. */
async function memoryChild(recompute: boolean): Promise<void> {
  await initBackend({ backend: "wasm", threads: THREADS });
  const ir = irOf(recompute);
  const model = openModel(ir, undefined, { trainable: true, seed: 0 });
  const frozen = paramsUnder(ir, ["encode_text"]);
  const text = classTexts(
    Array.from({ length: 10 }, (_, i) => `class ${i}`),
    model.context,
  );
  const cached = frozenTextLogits(model, text, frozen)!;
  const vars = [...model.params].filter(([k]) => !frozen.has(k)).map(([, v]) => v as tf.Variable);
  const video = tf.randomUniform([1, model.frames, 3, model.size, model.size], 0, 1, "float32", 1);
  const before = tf.memory().numBytes;
  wasmTensorBytes(true);
  const heapBefore = wasmTensorBytes()!.live;
  let afterForward = 0;
  let heapAfterForward = 0;
  const STOP = new Error("stop after the forward");
  const step = (stop: boolean) => () => {
    try {
      const { value, grads } = tf.variableGrads(() => {
        const loss = labelSmoothingCrossEntropy(cached.logits(video, true) as tf.Tensor2D, [3], 0.1);
        afterForward = tf.memory().numBytes;
        heapAfterForward = wasmTensorBytes()!.live;
        if (stop) throw STOP;
        return loss;
      }, vars);
      tf.dispose([value, ...Object.values(grads)]);
    } catch (err) {
      if (err !== STOP) throw err;
    }
    return tf.scalar(0);
  };
  const fwd = await tf.profile(step(true));
  const heapForwardPeak = wasmTensorBytes(true)!.peak;
  const result: Record<string, number | null> = {
    recompute: Number(recompute),
    paramsMB: before / MB,
    forwardKeptMB: (afterForward - before) / MB,
    forwardPeakMB: (fwd.peakBytes - before) / MB,
    stepPeakMB: null,
    heapKeptMB: (heapAfterForward - heapBefore) / MB,
    heapPeakMB: (heapForwardPeak - heapBefore) / MB,
    heapStepPeakMB: null,
  };
  if (recompute) {
    const whole = await tf.profile(step(false));
    result.stepPeakMB = (whole.peakBytes - before) / MB;
    result.heapStepPeakMB = (wasmTensorBytes()!.peak - heapBefore) / MB; // the peak was reset after the forward
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

/** What the timed engine saw: each compilation's seconds, each program's run seconds, when the last compilation ended. */
interface EngineTimes {
  compile: number[];
  runs: number[][];
  ready: number;
}

/** `e` with its compilations and program runs timed (bench only: fit sees the same engine otherwise). */
function timedEngine(e: Engine, t: EngineTimes): Engine {
  return {
    ...e,
    async compile(ir, opts): Promise<CompiledProgram> {
      const start = performance.now();
      const p = await e.compile!(ir, opts);
      t.ready = performance.now();
      t.compile.push((t.ready - start) / 1000);
      const runs: number[] = [];
      t.runs.push(runs);
      return {
        inputNames: p.inputNames,
        async run(inputs, params, o) {
          const s = performance.now();
          const out = await p.run(inputs, params, o);
          runs.push((performance.now() - s) / 1000);
          return out;
        },
        dispose: () => p.dispose(),
      };
    },
  };
}

/**
 * A few optimizer steps through `fit`, as `mdl train` runs them: on tfjs-wasm (its own autodiff; B/32 with its
 * frame blocks recomputed) or on ONNX Runtime (the compiler's training step, which fit takes on an engine without
 * autodiff). `preset` B/32 at 224 px or tiny at 32 px.
 */
async function stepChild(
  engineName: "wasm" | "onnx",
  preset: string,
  batch: number,
  steps: number,
  ortOptions?: string,
): Promise<void> {
  const times: EngineTimes = { compile: [], runs: [], ready: 0 };
  if (ortOptions) {
    // an experiment, not the engine's settings: extra ORT session options (e.g. {"enableCpuMemArena":false}) merged
    // into every session the engine creates
    const ort = await loadOrt();
    const create = ort.InferenceSession.create.bind(ort.InferenceSession) as (
      b: Uint8Array,
      o: object,
    ) => ReturnType<typeof ort.InferenceSession.create>;
    (ort.InferenceSession as unknown as { create: unknown }).create = (bytes: Uint8Array, o: object) =>
      create(bytes, { ...o, ...JSON.parse(ortOptions) });
  }
  if (engineName === "wasm") await initBackend({ backend: "wasm", threads: THREADS });
  else useEngine(timedEngine(await createOnnxEngine({ threads: THREADS }), times));
  // the compiled step keeps what ORT's memory plan keeps: recomputation is tfjs's
  const ir = irOf(engineName === "wasm" && preset === "B/32", preset);
  const { size, frames } = classifierShape(ir);
  const dir = mkdtempSync(join(os.tmpdir(), "mdl-bench-b32-"));
  try {
    synthesize({
      out: join(dir, "data"),
      videosPerClass: Math.max(2, Math.ceil(batch / 10) * 2),
      frames,
      size,
      seed: 0,
    });
    const data = await loadSplit(join(dir, "data"), "train");
    const begin = performance.now();
    const stamps: number[] = [performance.now()];
    // CPU seconds of the process (the wasm worker threads and ORT's threads included): what a loaded host distorts least
    const cpu: number[] = [cpuSeconds()];
    const rssAfter: number[] = [];
    let stepsRssMB = 0;
    const res = await fit({
      ir,
      classes: data.classes,
      entries: data.entries,
      out: join(dir, "run"),
      seed: 0,
      batch,
      steps,
      lr: 1e-4,
      freeze: ["encode_text"],
      jitter: false,
      progress: "none",
      onStep: () => {
        stamps.push(performance.now());
        cpu.push(cpuSeconds());
        rssAfter.push(Math.round(process.memoryUsage().rss / MB));
        // the peak before the checkpoint fit saves after the last step (PyTorch's script saves none)
        stepsRssMB = process.resourceUsage().maxRSS / 1024;
        // on a loaded host a step takes minutes: `--step` run alone says how far it got
        process.stderr.write(
          `step ${stamps.length - 1}: ${((stamps.at(-1)! - stamps.at(-2)!) / 1000).toFixed(2)} s wall, ${(cpu.at(-1)! - cpu.at(-2)!).toFixed(2)} s CPU, rss ${Math.round(process.memoryUsage().rss / MB)} MB\n`,
        );
      },
    });
    const rssMB = process.resourceUsage().maxRSS / 1024;
    const per = stamps.slice(1).map((t, i) => (t - stamps[i]) / 1000);
    const cpuPer = cpu.slice(1).map((t, i) => t - cpu[i]);
    const result: Record<string, unknown> = { seconds: per, cpu: cpuPer, rssMB, stepsRssMB, rssAfter };
    if (engineName === "wasm") {
      // wasm memory never shrinks: its size is the most the heap ever held (of wasm32's 4,096 MiB)
      result.heapMB = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength / MB;
    } else {
      // before the first step: the data, the parameters, the text side and both sessions' compilation
      result.compile = [...times.compile];
      result.setup = (times.ready - begin) / 1000;
      result.first = (stamps[1] - times.ready) / 1000;
      // the step program's own runs (the last compiled program), against the whole step as fit times it
      result.stepRuns = [...(times.runs.at(-1) ?? [])];
      result.forward = await forwardSeconds(ir, res.model.params, batch);
      // what the engine holds between steps: every parameter, and for each trained one its two moments and the
      // three spare buffers the next step writes into
      const frozen = frozenParams(ir, { freeze: ["encode_text"] });
      const bytes = (f: (p: string) => boolean) =>
        ir.params.filter((p) => f(p.path)).reduce((a, p) => a + 4 * p.shape.reduce((x, d) => x * d, 1), 0);
      result.heldMB = (bytes(() => true) + 5 * bytes((p) => !frozen.has(p))) / MB;
    }
    disposeModel(res.model);
    process.stdout.write(JSON.stringify(result) + "\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The video side's forward alone (the graph the step differentiates, text side cached as fit caches it), compiled
 * by the same engine: seconds of each of 3 runs. What a training step costs over a forward is the backward and AdamW.
 */
async function forwardSeconds(
  ir: ReturnType<typeof irOf>,
  params: ReadonlyMap<string, Tensor>,
  batch: number,
): Promise<number[]> {
  const e = engine();
  const frozen = frozenParams(ir, { freeze: ["encode_text"] });
  const trainable = new Set(ir.params.map((p) => p.path).filter((p) => !frozen.has(p)));
  const { fixed, varying } = splitByInputs(ir, ["video"], trainable);
  const { frames, size, context } = classifierShape(ir);
  const text = classTexts(
    Array.from({ length: 10 }, (_, i) => `class ${i}`),
    context,
    ir,
  );
  const fixedProgram = await e.compile!(fixed);
  const constants = await fixedProgram.run({ text }, params);
  await fixedProgram.dispose();
  const program = await e.compile!(varying);
  const n = batch * frames * 3 * size * size;
  const video = e.fromHost({
    dtype: "f32",
    shape: [batch, frames, 3, size, size],
    data: Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000),
  });
  const out: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = await program.run({ video, ...constants }, params);
    out.push((performance.now() - t) / 1000);
    e.dispose(Object.values(r));
  }
  await program.dispose();
  e.dispose([video, text, ...Object.values(constants)]);
  return out;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

interface Steps {
  seconds: number[];
  cpu: number[];
  rssMB: number;
  heapMB?: number;
  /** RSS after each step (before that step's checkpoint, if any) */
  rssAfter?: number[];
  /** The process's peak RSS when the last step ended, before fit saves its checkpoint */
  stepsRssMB?: number;
}

/** An ORT run: its sessions' compilation, what came before the first step, and the step's forward alone. */
interface OrtSteps extends Steps {
  compile: number[];
  setup: number;
  first: number;
  stepRuns: number[];
  forward: number[];
  heldMB: number;
}

function runChild(args: string[]): Record<string, unknown> | string {
  const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !line.startsWith("{"))
    return /Aborted\(\)/.test(r.stderr)
      ? "wasm module aborted (out of its 4 GiB heap)"
      : r.signal
        ? `killed by ${r.signal}`
        : (r.stderr || line).trim().split("\n").pop()!.slice(0, 160);
  return JSON.parse(line);
}

function runTorch(batch = 1, steps = STEPS): Steps | string {
  const r = spawnSync(
    "/usr/bin/time",
    ["-f", "maxrss=%M", "/usr/bin/python3", "bench/xclip_train_torch.py", String(steps), "--batch", String(batch)],
    {
      encoding: "utf8",
      env: { ...process.env, OPENBLAS_NUM_THREADS: "2" },
    },
  );
  if (r.status !== 0) return (r.stderr || "failed").trim().split("\n").pop()!.slice(0, 160);
  const out = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { seconds: number; cpu: number });
  return {
    seconds: out.map((s) => s.seconds),
    cpu: out.map((s) => s.cpu),
    rssMB: Number(/maxrss=(\d+)/.exec(r.stderr)![1]) / 1024,
  };
}

// steady state: the first step includes kernel set-up (and in mdl the text features)
const steady = (s: number[]) =>
  (s.length > 1 ? s.slice(1) : s).reduce((a, b) => a + b, 0) / Math.max(1, s.length - 1 || 1);
// ORT's second run still grows its memory (the first records the allocation pattern the next ones reuse)
const settled = (s: number[]) => (s.length > 2 ? s.slice(2).reduce((a, b) => a + b, 0) / (s.length - 2) : NaN);
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

// the host is shared: the 1-minute load average before and after each run says how much of it the run had
const loads: string[] = [];
function timed<R>(name: string, run: () => R): R {
  const before = os.loadavg()[0];
  const r = run();
  loads.push(`${name} ${before.toFixed(1)} -> ${os.loadavg()[0].toFixed(1)}`);
  console.log(name, r);
  return r;
}

const machine = () => `Machine: ${os.cpus().length} x ${os.cpus()[0]?.model.trim()}, Node ${process.version}`;

function commit(): string {
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).stdout.trim();
  const dirty = spawnSync("git", ["status", "--porcelain", "--", "src"], { encoding: "utf8" }).stdout.trim();
  return dirty ? `${head} (with uncommitted changes under src/)` : head;
}

/** Parts 1-2: tfjs-wasm with recomputation against PyTorch at batch 1. */
function wasmSection(): string[] {
  // --steps-only: the step comparison alone (the memory children take long on a loaded host)
  const memory = process.argv.includes("--steps-only")
    ? []
    : [false, true].map((r) => runChild(["--memory", String(Number(r))]));
  console.log(memory);
  loads.length = 0;
  const torchA = timed("PyTorch (before)", runTorch);
  const mdl = timed("mdl", () => runChild(["--step", "wasm", "B/32", "1", String(STEPS)]) as Steps | string);
  const torchB = timed("PyTorch (after)", runTorch);

  const lines = [
    `\n## train X-CLIP-B/32 with recomputation (${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC)`,
  ];
  lines.push(
    `wasm ${THREADS} threads, batch 1, T = 8, 224 px, 10 class texts, text encoder frozen (features cached), AdamW; \`--recompute ${RECOMPUTE.join(" ")}\` (each of the 12 frame blocks). ${machine()}. The host is shared with other processes on its ${os.cpus().length} cores; load average (1 min) before -> after each run: ${loads.join("; ")}. Read the ratios.`,
    "",
  );
  if (memory.length)
    lines.push(
      "| training forward of one video | tf.memory(): kept after the forward | peak during the forward | peak during a whole step | heap bytes of tensors: kept | peak, forward | peak, whole step |",
      "|---|---|---|---|---|---|---|",
    );
  const mb = (x: unknown) => (x == null ? "(does not fit)" : `${Math.round(x as number)} MB`);
  for (const [i, m] of memory.entries()) {
    const name = i ? "recompute frame blocks" : "no recomputation";
    lines.push(
      typeof m === "string"
        ? `| ${name} | failed: ${m} | | | | | |`
        : `| ${name} | ${mb(m.forwardKeptMB)} | ${mb(m.forwardPeakMB)} | ${mb(m.stepPeakMB)} | ${mb(m.heapKeptMB)} | ${mb(m.heapPeakMB)} | ${mb(m.heapStepPeakMB)} |`,
    );
  }
  if (memory.length === 2 && typeof memory[0] !== "string" && typeof memory[1] !== "string") {
    const [a, b] = memory as Record<string, number>[];
    lines.push(
      "",
      `Parameters ${Math.round(a.paramsMB)} MB on top. With recomputation the forward keeps ${(a.forwardKeptMB / b.forwardKeptMB).toFixed(1)}x less by tf.memory() and its peak falls ${(a.forwardPeakMB / b.forwardPeakMB).toFixed(1)}x; ` +
        `counted as heap bytes (each buffer once: tf.memory() counts a buffer again for every reshape or clone that views it) it keeps ${(a.heapKeptMB / b.heapKeptMB).toFixed(1)}x less and its peak falls ${(a.heapPeakMB / b.heapPeakMB).toFixed(1)}x.`,
    );
  }
  lines.push(
    "",
    `| run | s/step (steady, steps 2-${STEPS}) | CPU s/step (steady) | first step | peak RSS |`,
    "|---|---|---|---|---|",
  );
  const row = (name: string, r: Steps | string) =>
    typeof r === "string"
      ? `| ${name} | failed: ${r} | | | |`
      : `| ${name} | ${f1(steady(r.seconds))} s | ${f1(steady(r.cpu))} s | ${f1(r.seconds[0])} s | ${Math.round(r.rssMB)} MB |`;
  lines.push(
    row("PyTorch 1.13 + OpenBLAS (before)", torchA),
    row("mdl, wasm, recompute", mdl),
    row("PyTorch 1.13 + OpenBLAS (after)", torchB),
  );
  const torchRuns = [torchA, torchB].filter((t): t is Steps => typeof t !== "string");
  if (typeof mdl !== "string" && torchRuns.length) {
    const mean = (f: (r: Steps) => number) => torchRuns.reduce((a, r) => a + f(r), 0) / torchRuns.length;
    const rss = Math.max(...torchRuns.map((r) => r.rssMB));
    if (mdl.heapMB)
      lines.push(
        "",
        `mdl's wasm heap grew to ${Math.round(mdl.heapMB)} MiB (of 4,096); its RSS after each step: ${mdl.rssAfter?.join(", ")} MB (the peak includes the checkpoint saved after the last step).`,
      );
    lines.push(
      "",
      `Ratio to PyTorch: ${(steady(mdl.seconds) / mean((r) => steady(r.seconds))).toFixed(2)}x its step time (wall; target <= 4), ${(steady(mdl.cpu) / mean((r) => steady(r.cpu))).toFixed(2)}x its CPU time per step, ${(mdl.rssMB / rss).toFixed(2)}x its peak RSS (target <= 2).`,
    );
  }
  return lines;
}

/**
 * Part 3: ONNX Runtime through fit's compiled step against PyTorch at each batch (torch, ORT, torch), then tiny
 * X-CLIP on tfjs-wasm and ORT (wasm, ORT, wasm).
 */
function onnxSection(): string[] {
  loads.length = 0;
  const runs: { batch: number; steps: number; torch: (Steps | string)[]; ort: OrtSteps | string }[] = [];
  for (const batch of BATCHES) {
    const steps = batch > 1 ? BIG_STEPS : STEPS;
    const torchA = timed(`PyTorch b${batch} (before)`, () => runTorch(batch, steps));
    const ort = timed(
      `mdl ORT b${batch}`,
      () => runChild(["--step", "onnx", "B/32", String(batch), String(steps)]) as OrtSteps | string,
    );
    const torchB = timed(`PyTorch b${batch} (after)`, () => runTorch(batch, steps));
    runs.push({ batch, steps, torch: [torchA, torchB], ort });
  }
  const tinyRun = (e: "wasm" | "onnx") => () =>
    runChild(["--step", e, "tiny", String(TINY_BATCH), String(TINY_STEPS)]) as Steps | string;
  const tinyA = timed("tiny tfjs-wasm (before)", tinyRun("wasm"));
  const tinyOrt = timed("tiny ORT", tinyRun("onnx"));
  const tinyB = timed("tiny tfjs-wasm (after)", tinyRun("wasm"));

  const lines = [
    `\n## train X-CLIP-B/32 on ONNX Runtime through the compiled training step (${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC)`,
  ];
  lines.push(
    `mdl: \`fit\` on the ONNX Runtime engine (onnxruntime-node, CPU, ${THREADS} intra-op threads), which trains through the compiler's training step (one InferenceSession for forward, backward and AdamW); ` +
      `T = 8, 224 px, 10 class texts, text encoder frozen (\`freeze: ["encode_text"]\`, the parameters paramsUnder(ir, ["encode_text"]) gives the tfjs rows; its side computed once and fed as constant inputs), AdamW, no recomputation. ` +
      `PyTorch 1.13 + OpenBLAS (${THREADS} BLAS threads, torch threads 1): bench/xclip_train_torch.py at the same batch, run before and after mdl. Steady = the mean of steps 2 to N; mdl's first step and its sessions' compilation are apart. ` +
      `Peak RSS: mdl's when its last step ended (fit saves a checkpoint after it; "with checkpoint" is the whole process), PyTorch's the whole process (it saves nothing). CPU seconds count every thread. ` +
      `${machine()}, commit ${commit()}. The host is shared with other processes on its ${os.cpus().length} cores; load average (1 min) before -> after each run: ${loads.join("; ")}.`,
    "",
    "| run | batch | steps | s/step (steady, 2-N) | s/step (3-N) | CPU s/step (steady, 2-N) | first step | sessions' compilation | before step 1 | peak RSS | peak RSS with checkpoint |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const r of runs) {
    const torchRow = (name: string, t: Steps | string) =>
      typeof t === "string"
        ? `| ${name} | ${r.batch} | ${r.steps} | failed: ${t} | | | | | | | |`
        : `| ${name} | ${r.batch} | ${r.steps} | ${f2(steady(t.seconds))} s | ${f2(settled(t.seconds))} s | ${f2(steady(t.cpu))} s | ${f2(t.seconds[0])} s | | | ${Math.round(t.rssMB)} MB | |`;
    const o = r.ort;
    lines.push(
      torchRow("PyTorch (before)", r.torch[0]),
      typeof o === "string"
        ? `| mdl, ONNX Runtime | ${r.batch} | ${r.steps} | failed: ${o} | | | | | | | |`
        : `| mdl, ONNX Runtime | ${r.batch} | ${r.steps} | ${f2(steady(o.seconds))} s | ${f2(settled(o.seconds))} s | ${f2(steady(o.cpu))} s | ${f2(o.first)} s | ${f1(o.compile.reduce((a, b) => a + b, 0))} s | ${f1(o.setup)} s | ${Math.round(o.stepsRssMB!)} MB | ${Math.round(o.rssMB)} MB |`,
      torchRow("PyTorch (after)", r.torch[1]),
    );
  }
  lines.push("");
  for (const r of runs) {
    const torchRuns = r.torch.filter((t): t is Steps => typeof t !== "string");
    const o = r.ort;
    if (typeof o === "string" || !torchRuns.length) continue;
    const mean = (f: (t: Steps) => number) => torchRuns.reduce((a, t) => a + f(t), 0) / torchRuns.length;
    const rss = Math.max(...torchRuns.map((t) => t.rssMB));
    const target = r.batch === 1 ? "; target <= 0.8" : "";
    lines.push(
      `Batch ${r.batch}: mdl ORT / PyTorch = ${f2(steady(o.seconds) / mean((t) => steady(t.seconds)))}x its step time (wall, steps 2-N${target}; ${f2(settled(o.seconds) / mean((t) => settled(t.seconds)))}x over steps 3-N), ${f2(steady(o.cpu) / mean((t) => steady(t.cpu)))}x its CPU time per step, ` +
        `${f2(o.stepsRssMB! / rss)}x its peak RSS${r.batch === 1 ? " (target <= 1.5)" : ""} (${f2(o.rssMB / rss)}x with the checkpoint). ` +
        `ORT's run of the step program: ${f2(steady(o.stepRuns))} s of the ${f2(steady(o.seconds))} s step; the same video side's forward alone on ORT: ${f2(steady(o.forward))} s (step / forward ${f1(steady(o.seconds) / steady(o.forward))}x). ` +
        `Sessions' compilation ${o.compile.map(f1).join(" s + ")} s (the cached text side, the step); RSS after each step: ${o.rssAfter?.join(", ")} MB, of which ${Math.round(o.heldMB)} MB are the buffers fit holds between steps (parameters; moments and spare buffers of the trained ones).`,
      "",
    );
  }
  lines.push(
    `Tiny X-CLIP (preset tiny, batch ${TINY_BATCH}, T = 8, 32 px, text encoder frozen), ${TINY_STEPS} steps through \`fit\` on each engine (tfjs-wasm with its own autodiff, ${THREADS} threads; ORT through the compiled step, ${THREADS} threads), wasm before and after ORT:`,
    "",
  );
  lines.push(
    "| run | steps/s (steady) | s/step (steady) | CPU s/step (steady) | first step | peak RSS |",
    "|---|---:|---:|---:|---:|---:|",
  );
  const tinyRow = (name: string, t: Steps | string) =>
    typeof t === "string"
      ? `| ${name} | failed: ${t} | | | | |`
      : `| ${name} | ${f1(1 / steady(t.seconds))} | ${(steady(t.seconds) * 1000).toFixed(0)} ms | ${(steady(t.cpu) * 1000).toFixed(0)} ms | ${f2(t.seconds[0])} s | ${Math.round(t.rssMB)} MB |`;
  lines.push(
    tinyRow("tfjs-wasm (before)", tinyA),
    tinyRow("mdl, ONNX Runtime", tinyOrt),
    tinyRow("tfjs-wasm (after)", tinyB),
  );
  const wasmRuns = [tinyA, tinyB].filter((t): t is Steps => typeof t !== "string");
  if (typeof tinyOrt !== "string" && wasmRuns.length) {
    const wasmRate = wasmRuns.reduce((a, t) => a + 1 / steady(t.seconds), 0) / wasmRuns.length;
    const wasmCpu = wasmRuns.reduce((a, t) => a + steady(t.cpu), 0) / wasmRuns.length;
    lines.push(
      "",
      `Tiny X-CLIP: ORT runs ${f2(1 / steady(tinyOrt.seconds) / wasmRate)}x tfjs-wasm's steps/s (target >= 1), at ${f2(steady(tinyOrt.cpu) / wasmCpu)}x its CPU time per step.`,
    );
  }
  return lines;
}

function parent(): void {
  const lines = [...(ENGINE === "onnx" ? [] : wasmSection()), ...(ENGINE === "wasm" ? [] : onnxSection())];
  const section = lines.join("\n") + "\n";
  if (!existsSync("bench/RESULTS.md")) appendFileSync("bench/RESULTS.md", "# Benchmark results\n");
  appendFileSync("bench/RESULTS.md", section);
  console.log(section);
}

if (process.argv[2] === "--memory") await memoryChild(process.argv[3] === "1");
else if (process.argv[2] === "--step")
  await stepChild(
    process.argv[3] as "wasm" | "onnx",
    process.argv[4],
    Number(process.argv[5]),
    Number(process.argv[6]),
    process.argv[7],
  );
else parent();
