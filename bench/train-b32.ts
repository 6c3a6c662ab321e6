/**
 * X-CLIP-B/32 training on wasm with its frame blocks recomputed in the backward pass (batch 1, T = 8,
 * 224 px, 10 class texts, text encoder frozen, AdamW), against PyTorch on the same machine in the same run.
 *  1. tfjs memory of the training forward (tf.memory() and tf.profile's peak), with and without
 *     `--recompute visual.transformer.resblocks`, each in its own process;
 *  2. seconds per step and peak RSS of mdl and of PyTorch 1.13 + OpenBLAS (bench/xclip_train_torch.py),
 *     run alternately (torch, mdl, torch) so that both see the same load; the ratio is what to read.
 * Appends a section to bench/RESULTS.md.   npx tsx bench/train-b32.ts [--steps N] [--threads N] [--steps-only]
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { compile } from "../src/compiler/compile.ts";
import { fsHost } from "../src/cli/compile-args.ts";
import { initBackend, wasmTensorBytes } from "../src/runtime/tfjs/backend.ts";
import { synthesize } from "../src/runtime/data/synth.ts";
import { loadSplit } from "../src/runtime/session/data.ts";
import { fit } from "../src/runtime/session/fit.ts";
import { classTexts, disposeModel, frozenTextLogits, openModel, paramsUnder } from "../src/runtime/session/model.ts";
import { labelSmoothingCrossEntropy } from "../src/runtime/tfjs/loss.ts";

const RECOMPUTE = ["visual.transformer.resblocks"];
const arg = (name: string, dflt: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : dflt);
const STEPS = arg("--steps", 3);
const THREADS = arg("--threads", 2);
const MB = 2 ** 20;

const irOf = (recompute: boolean) => compile("models/xclip.mdl", fsHost, { preset: "B/32", recompute: recompute ? RECOMPUTE : [] }).value!;

/** tfjs bytes after the training forward of one video and the peak during it; then the peak of a whole step. */
async function memoryChild(recompute: boolean): Promise<void> {
  await initBackend({ backend: "wasm", threads: THREADS });
  const ir = irOf(recompute);
  const model = openModel(ir, undefined, { trainable: true, seed: 0 });
  const frozen = paramsUnder(ir, ["encode_text"]);
  const text = classTexts(Array.from({ length: 10 }, (_, i) => `class ${i}`), model.context);
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
    recompute: Number(recompute), paramsMB: before / MB, forwardKeptMB: (afterForward - before) / MB, forwardPeakMB: (fwd.peakBytes - before) / MB, stepPeakMB: null,
    heapKeptMB: (heapAfterForward - heapBefore) / MB, heapPeakMB: (heapForwardPeak - heapBefore) / MB, heapStepPeakMB: null,
  };
  if (recompute) {
    const whole = await tf.profile(step(false));
    result.stepPeakMB = (whole.peakBytes - before) / MB;
    result.heapStepPeakMB = (wasmTensorBytes()!.peak - heapBefore) / MB; // the peak was reset after the forward
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

/** A few optimizer steps through `fit`, as `mdl train` runs them. */
async function stepChild(): Promise<void> {
  await initBackend({ backend: "wasm", threads: THREADS });
  const dir = mkdtempSync(join(os.tmpdir(), "mdl-bench-b32-"));
  try {
    synthesize({ out: join(dir, "data"), videosPerClass: 2, frames: 8, size: 224, seed: 0 });
    const data = await loadSplit(join(dir, "data"), "train");
    const stamps: number[] = [performance.now()];
    // CPU seconds of the process (the wasm worker threads included): what a loaded host distorts least
    const cpu: number[] = [cpuSeconds()];
    const rssAfter: number[] = [];
    const res = await fit({
      ir: irOf(true), classes: data.classes, entries: data.entries, out: join(dir, "run"), seed: 0, batch: 1, steps: STEPS, lr: 1e-4,
      freeze: ["encode_text"], jitter: false, progress: "none", onStep: () => {
        stamps.push(performance.now());
        cpu.push(cpuSeconds());
        rssAfter.push(Math.round(process.memoryUsage().rss / MB));
        // on a loaded host a step takes minutes: `--step` run alone says how far it got
        process.stderr.write(`step ${stamps.length - 1}: ${((stamps.at(-1)! - stamps.at(-2)!) / 1000).toFixed(1)} s wall, ${(cpu.at(-1)! - cpu.at(-2)!).toFixed(1)} s CPU, rss ${Math.round(process.memoryUsage().rss / MB)} MB\n`);
      },
    });
    disposeModel(res.model);
    const per = stamps.slice(1).map((t, i) => (t - stamps[i]) / 1000);
    const cpuPer = cpu.slice(1).map((t, i) => t - cpu[i]);
    // wasm memory never shrinks: its size is the most the heap ever held (of wasm32's 4,096 MiB)
    const heapMB = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength / MB;
    process.stdout.write(JSON.stringify({ seconds: per, cpu: cpuPer, rssMB: process.resourceUsage().maxRSS / 1024, heapMB, rssAfter }) + "\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
}

function runChild(args: string[]): Record<string, unknown> | string {
  const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !line.startsWith("{")) return /Aborted\(\)/.test(r.stderr) ? "wasm module aborted (out of its 4 GiB heap)" : (r.stderr || line).trim().split("\n").pop()!.slice(0, 160);
  return JSON.parse(line);
}

function runTorch(): Steps | string {
  const r = spawnSync("/usr/bin/time", ["-f", "maxrss=%M", "/usr/bin/python3", "bench/xclip_train_torch.py", String(STEPS)], {
    encoding: "utf8", env: { ...process.env, OPENBLAS_NUM_THREADS: "2" },
  });
  if (r.status !== 0) return (r.stderr || "failed").trim().split("\n").pop()!.slice(0, 160);
  const steps = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { seconds: number; cpu: number });
  return { seconds: steps.map((s) => s.seconds), cpu: steps.map((s) => s.cpu), rssMB: Number(/maxrss=(\d+)/.exec(r.stderr)![1]) / 1024 };
}

// steady state: the first step includes kernel set-up (and in mdl the text features)
const steady = (s: number[]) => (s.length > 1 ? s.slice(1) : s).reduce((a, b) => a + b, 0) / Math.max(1, s.length - 1 || 1);
const f1 = (x: number) => x.toFixed(1);

function parent(): void {
  // --steps-only: the step comparison alone (the memory children take long on a loaded host)
  const memory = process.argv.includes("--steps-only") ? [] : [false, true].map((r) => runChild(["--memory", String(Number(r))]));
  console.log(memory);
  // the host is shared: the 1-minute load average before and after each run says how much of it the run had
  const loads: string[] = [];
  const timed = <R>(name: string, run: () => R): R => {
    const before = os.loadavg()[0];
    const r = run();
    loads.push(`${name} ${before.toFixed(1)} -> ${os.loadavg()[0].toFixed(1)}`);
    console.log(name, r);
    return r;
  };
  const torchA = timed("PyTorch (before)", runTorch);
  const mdl = timed("mdl", () => runChild(["--step"]) as Steps | string);
  const torchB = timed("PyTorch (after)", runTorch);

  const lines = [`\n## train X-CLIP-B/32 with recomputation (${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC)`];
  lines.push(`wasm ${THREADS} threads, batch 1, T = 8, 224 px, 10 class texts, text encoder frozen (features cached), AdamW; \`--recompute ${RECOMPUTE.join(" ")}\` (each of the 12 frame blocks). Machine: ${os.cpus().length} x ${os.cpus()[0]?.model.trim()}, Node ${process.version}. The host is shared with other processes on its ${os.cpus().length} cores; load average (1 min) before -> after each run: ${loads.join("; ")}. Read the ratios.`, "");
  if (memory.length)
    lines.push(
      "| training forward of one video | tf.memory(): kept after the forward | peak during the forward | peak during a whole step | heap bytes of tensors: kept | peak, forward | peak, whole step |",
      "|---|---|---|---|---|---|---|",
    );
  const mb = (x: unknown) => (x == null ? "(does not fit)" : `${Math.round(x as number)} MB`);
  for (const [i, m] of memory.entries()) {
    const name = i ? "recompute frame blocks" : "no recomputation";
    lines.push(typeof m === "string" ? `| ${name} | failed: ${m} | | | | | |` : `| ${name} | ${mb(m.forwardKeptMB)} | ${mb(m.forwardPeakMB)} | ${mb(m.stepPeakMB)} | ${mb(m.heapKeptMB)} | ${mb(m.heapPeakMB)} | ${mb(m.heapStepPeakMB)} |`);
  }
  if (memory.length === 2 && typeof memory[0] !== "string" && typeof memory[1] !== "string") {
    const [a, b] = memory as Record<string, number>[];
    lines.push(
      "",
      `Parameters ${Math.round(a.paramsMB)} MB on top. With recomputation the forward keeps ${(a.forwardKeptMB / b.forwardKeptMB).toFixed(1)}x less by tf.memory() and its peak falls ${(a.forwardPeakMB / b.forwardPeakMB).toFixed(1)}x; ` +
        `counted as heap bytes (each buffer once: tf.memory() counts a buffer again for every reshape or clone that views it) it keeps ${(a.heapKeptMB / b.heapKeptMB).toFixed(1)}x less and its peak falls ${(a.heapPeakMB / b.heapPeakMB).toFixed(1)}x.`,
    );
  }
  lines.push("", `| run | s/step (steady, steps 2-${STEPS}) | CPU s/step (steady) | first step | peak RSS |`, "|---|---|---|---|---|");
  const row = (name: string, r: Steps | string) =>
    typeof r === "string" ? `| ${name} | failed: ${r} | | | |` : `| ${name} | ${f1(steady(r.seconds))} s | ${f1(steady(r.cpu))} s | ${f1(r.seconds[0])} s | ${Math.round(r.rssMB)} MB |`;
  lines.push(row("PyTorch 1.13 + OpenBLAS (before)", torchA), row("mdl, wasm, recompute", mdl), row("PyTorch 1.13 + OpenBLAS (after)", torchB));
  const torchRuns = [torchA, torchB].filter((t): t is Steps => typeof t !== "string");
  if (typeof mdl !== "string" && torchRuns.length) {
    const mean = (f: (r: Steps) => number) => torchRuns.reduce((a, r) => a + f(r), 0) / torchRuns.length;
    const rss = Math.max(...torchRuns.map((r) => r.rssMB));
    if (mdl.heapMB) lines.push("", `mdl's wasm heap grew to ${Math.round(mdl.heapMB)} MiB (of 4,096); its RSS after each step: ${mdl.rssAfter?.join(", ")} MB (the peak includes the checkpoint saved after the last step).`);
    lines.push("", `Ratio to PyTorch: ${(steady(mdl.seconds) / mean((r) => steady(r.seconds))).toFixed(2)}x its step time (wall; target <= 4), ${(steady(mdl.cpu) / mean((r) => steady(r.cpu))).toFixed(2)}x its CPU time per step, ${(mdl.rssMB / rss).toFixed(2)}x its peak RSS (target <= 2).`);
  }
  const section = lines.join("\n") + "\n";
  if (!existsSync("bench/RESULTS.md")) appendFileSync("bench/RESULTS.md", "# Benchmark results\n");
  appendFileSync("bench/RESULTS.md", section);
  console.log(section);
}

if (process.argv[2] === "--memory") await memoryChild(process.argv[3] === "1");
else if (process.argv[2] === "--step") await stepChild();
else parent();
