/**
 * Zero-shot inference speed, one window, same weights and input for everyone: X-CLIP-B/32, T=8, 224 px,
 * one video against 400 class texts, random weights (mdl's seeded init, written once as safetensors).
 *   - mdl on ONNX Runtime (2 threads): 400 texts the first time (cache empty), one video (median), and in a
 *     second process the 400 texts from the disk cache;
 *   - mdl on tfjs-wasm, 2 and 1 threads (the 400 texts on the shortest exact context, as ORT runs them; its
 *     disk cache left out so the texts are timed), plus the wasm backend's own matmul ceiling (XNNPACK, 1024^3, same threads);
 *   - PyTorch (Debian's torch + OpenBLAS, OPENBLAS_NUM_THREADS=2, torch.set_num_threads(1)) running the
 *     official computation written out in bench/infer-torch.py, plus its own sgemm peak (2048^3).
 * Prints and appends to bench/RESULTS.md: medians, the ratio to PyTorch, GFLOP/s (2 x MACs of the
 * per-video graph from analyze / median) and the fraction of the sgemm peak.
 *   npx tsx bench/infer.ts [--runs 5]
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "../src/compiler/compile.ts";
import { analyze } from "../src/compiler/4-ir/analyze.ts";
import type { ModelIR } from "../src/compiler/0-core/schema.ts";
import { fsHost } from "../src/cli/compile-args.ts";
import { splitByInputs } from "../src/runtime/run/split.ts";
import { ClipTokenizer } from "../src/runtime/tokenizer/clip-tokenizer.ts";
import { initValues, seededRandom } from "../src/runtime/weights/init-values.ts";
import { loadCheckpoint, shapesOf } from "../src/runtime/weights/load.ts";
import { readSafetensors, writeSafetensors } from "../src/runtime/weights/safetensors.ts";
import type { HostTensor } from "../src/runtime/weights/tensor.ts";

const CLASSES = 400;
const HERE = fileURLToPath(new URL(".", import.meta.url));
const RESULTS = join(HERE, "RESULTS.md");
const WORK = join(os.tmpdir(), "mdl-bench-infer");
const WEIGHTS = join(WORK, "xclip-b32-seed1.safetensors");
const INPUTS = join(WORK, "inputs.safetensors");
const TORCH_PYTHON = process.env.MDL_TORCH_PYTHON ?? "/usr/bin/python3";
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function compileB32(weights?: string): ModelIR {
  const ckpt = weights ? loadCheckpoint(weights) : undefined;
  return compile("models/xclip.mdl", fsHost, {
    preset: "B/32",
    ...(ckpt ? { weights: { file: weights!, shapes: shapesOf(ckpt) } } : {}),
  }).value!;
}

/** The shared weights and input, made once (mdl's init, seed 1) and reused by later runs. */
function prepare(ir: ModelIR): void {
  mkdirSync(WORK, { recursive: true });
  if (!existsSync(WEIGHTS)) {
    const tensors = new Map<string, HostTensor>();
    for (const p of ir.params)
      tensors.set(p.path, {
        dtype: "f32",
        shape: p.shape,
        data: initValues(
          p.init,
          p.shape.reduce((a, d) => a * d, 1),
          seededRandom(1, p.path),
        ),
      });
    writeSafetensors(WEIGHTS, tensors);
  }
  const names = Array.from({ length: CLASSES }, (_, i) => `action number ${i}`);
  const { ids } = ClipTokenizer.load().tokenize(names, 77);
  const video = Float32Array.from({ length: 8 * 3 * 224 * 224 }, (_, i) => Math.sin(i * 0.01));
  writeSafetensors(
    INPUTS,
    new Map<string, HostTensor>([
      ["video", { dtype: "f32", shape: [1, 8, 3, 224, 224], data: video }],
      ["text", { dtype: "i32", shape: [CLASSES, 77], data: ids }],
    ]),
  );
}

async function child(runtime: string, threads: number, runs: number, cacheDir: string): Promise<void> {
  const io = readSafetensors(INPUTS).tensors;
  const ids = io.get("text")!.data as Int32Array;
  const view = io.get("video")!.data as Float32Array;
  const ir = compileB32(WEIGHTS);
  const ckpt = loadCheckpoint(WEIGHTS);
  let matmulGflops: number | undefined;
  process.env.MDL_CACHE_DIR = cacheDir;
  if (runtime === "onnx") {
    const { createOnnxEngine } = await import("../src/runtime/onnx/engine.ts");
    const { useEngine } = await import("../src/runtime/backend/current.ts");
    useEngine(await createOnnxEngine({ threads }));
  } else {
    const { initBackend } = await import("../src/runtime/tfjs/backend.ts");
    const info = await initBackend({ backend: "wasm", threads });
    if (info.threads !== threads)
      throw new Error(`wasm started with ${info.threads} threads, not ${threads}: ${JSON.stringify(info.tried)}`);
    matmulGflops = await wasmMatmulPeak();
  }
  // the same classifier on either engine; tfjs computes its texts every time (the cache would hold ORT's)
  const { createClassifier } = await import("../src/runtime/run/classify.ts");
  const c = await createClassifier(ir, ckpt, { cache: runtime === "onnx" });
  const t0 = performance.now();
  const cached = (await c.setTexts(ids, CLASSES)).cached;
  const textMs = performance.now() - t0;
  const classify = (v: Float32Array[]) => c.classify(v);
  const times: number[] = [];
  let probs: Float32Array = new Float32Array();
  for (let i = 0; i < runs + 1; i++) {
    const t0 = performance.now();
    probs = await classify([view]);
    times.push(performance.now() - t0);
  }
  times.shift(); // the first run includes kernel and arena set-up
  const rss = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    JSON.stringify({
      runtime,
      threads,
      textMs,
      cached,
      median: median(times),
      rss,
      matmulGflops,
      probs: Array.from(probs),
    }) + "\n",
  );
}

/** GFLOP/s of the wasm backend's fast product (2-D, no transpose flags: XNNPACK), best of 5 at 1024^3. */
async function wasmMatmulPeak(): Promise<number> {
  const tf = await import("@tensorflow/tfjs");
  const n = 1024;
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  let best = Infinity;
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
    if (i > 0) best = Math.min(best, performance.now() - t0);
  }
  tf.dispose([a, b]);
  return (2 * n ** 3) / (best / 1000) / 1e9;
}

interface Row {
  runtime: string;
  threads: number;
  textMs: number;
  cached: boolean;
  median: number;
  rss: number;
  matmulGflops?: number;
  probs: number[];
}

function runChild(runtime: string, threads: number, runs: number, cacheDir: string): Row | undefined {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "--child", runtime, String(threads), String(runs), cacheDir],
    { encoding: "utf8", maxBuffer: 1 << 26 },
  );
  const line = r.stdout.trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !line.startsWith("{")) {
    console.error(`${runtime} x${threads} failed: ${r.stderr.slice(-800)}`);
    return undefined;
  }
  return JSON.parse(line);
}

function runTorch(
  runs: number,
): { sgemm_gflops: number; text_s: number; video_s: number; logits: Float32Array } | string {
  const out = join(WORK, "torch-logits.safetensors");
  const env = { ...process.env, OPENBLAS_NUM_THREADS: "2" };
  const r = spawnSync(TORCH_PYTHON, [join(HERE, "infer-torch.py"), WEIGHTS, INPUTS, String(runs), out], {
    encoding: "utf8",
    env,
  });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !line.startsWith("{"))
    return `PyTorch not run: ${(r.stderr || r.error?.message || "").slice(-300)}`;
  return { ...JSON.parse(line), logits: readSafetensors(out).tensors.get("logits")!.data as Float32Array };
}

async function parent(): Promise<void> {
  const runs = arg("--runs", 5);
  const ir = compileB32();
  prepare(ir);
  const macs = analyze(splitByInputs(ir, ["video"]).varying, { B: 1, K: CLASSES }).total.macs;
  const load0 = os.loadavg()[0];
  const cacheDir = mkdtempSync(join(os.tmpdir(), "mdl-bench-text-cache-"));
  // interleaved in one window: PyTorch, ORT (cache empty), wasm x2, wasm x1, ORT again (cache filled)
  const torch = runTorch(runs);
  const ort = runChild("onnx", 2, runs, cacheDir);
  const wasm2 = runChild("wasm", 2, Math.min(runs, 3), cacheDir);
  const wasm1 = runChild("wasm", 1, Math.min(runs, 3), cacheDir);
  const ortAgain = runChild("onnx", 2, runs, cacheDir);
  rmSync(cacheDir, { recursive: true, force: true });
  const load1 = os.loadavg()[0];

  const t = typeof torch === "string" ? undefined : torch;
  const gflops = (ms: number) => (2 * macs) / (ms / 1000) / 1e9;
  const wasmText = (r: Row | undefined) =>
    r
      ? `${(r.textMs / 1000).toFixed(1)} s${t ? ` (${(r.textMs / 1000 / t.text_s).toFixed(2)}x)` : ""}, no disk cache`
      : "-";
  const fmt = (r: Row | undefined, label: string, text: string) => {
    if (!r) return `| ${label} | failed | | | | | |`;
    const ratio = t ? `${(r.median / 1000 / t.video_s).toFixed(2)}x` : "-";
    const peak = t ? `${((100 * gflops(r.median)) / t.sgemm_gflops).toFixed(0)}%` : "-";
    return `| ${label} | ${(r.median / 1000).toFixed(3)} s | ${ratio} | ${gflops(r.median).toFixed(1)} | ${peak} | ${text} | ${Math.round(r.rss)} MB |`;
  };
  const rows = [
    t
      ? `| PyTorch ${t ? "1.13" : ""} + OpenBLAS (2 BLAS threads) | ${t.video_s.toFixed(3)} s | 1.00x | ${gflops(t.video_s * 1000).toFixed(1)} | ${((100 * gflops(t.video_s * 1000)) / t.sgemm_gflops).toFixed(0)}% | ${t.text_s.toFixed(1)} s | |`
      : `| PyTorch | ${torch} | | | | | |`,
    fmt(
      ort,
      "mdl, ONNX Runtime, 2 threads",
      ort
        ? `${(ort.textMs / 1000).toFixed(1)} s first${t ? ` (${(ort.textMs / 1000 / t.text_s).toFixed(2)}x)` : ""}; ${ortAgain ? `${(ortAgain.textMs / 1000).toFixed(2)} s from cache${ortAgain.cached ? "" : " (MISSED)"}` : "-"}`
        : "-",
    ),
    fmt(ortAgain, "mdl, ONNX Runtime, 2 threads (second process)", ""),
    fmt(wasm2, "mdl, tfjs-wasm, 2 threads", wasmText(wasm2)),
    fmt(wasm1, "mdl, tfjs-wasm, 1 thread", wasmText(wasm1)),
  ];
  const wasmPeaks = [wasm2, wasm1]
    .filter((r): r is Row => r?.matmulGflops !== undefined)
    .map((r) => `${r.matmulGflops!.toFixed(1)} GFLOP/s on ${r.threads} thread${r.threads > 1 ? "s" : ""}`);
  const threadGain =
    wasm1 && wasm2 ? `; 2 threads vs 1 on the whole video: ${(wasm1.median / wasm2.median).toFixed(2)}x` : "";
  // the same numbers: ORT's probabilities against softmax of PyTorch's logits
  let agreement = "";
  if (t) {
    const l = Array.from(t.logits);
    const m = Math.max(...l);
    const z = l.reduce((a, x) => a + Math.exp(x - m), 0);
    const diff = (r: Row) => Math.max(...l.map((x, k) => Math.abs(Math.exp(x - m) / z - r.probs[k]))).toExponential(2);
    const who = (
      [
        ["ORT", ort],
        ["tfjs-wasm (2 threads)", wasm2],
        ["tfjs-wasm (1 thread)", wasm1],
      ] as const
    ).filter(([, r]) => r);
    agreement = who.map(([name, r]) => `${name}: ${diff(r!)}`).join(", ");
    if (agreement) agreement = `Class probabilities vs softmax of PyTorch's logits, max abs difference: ${agreement}.`;
  }
  const cpu = os.cpus();
  const lines = [
    "",
    `## infer (${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC)`,
    `X-CLIP-B/32 zero-shot, T=8, 224 px, one video (1 view) against ${CLASSES} class texts (77 tokens), the same random weights (mdl init, seed 1) and input everywhere, fp32.`,
    `Machine: ${cpu.length} x ${cpu[0]?.model ?? "cpu"}, Node ${process.version}; load average ${load0.toFixed(1)} at start, ${load1.toFixed(1)} at the end (shared host: ratios from this one window only).`,
    `Per-video graph ${(macs / 1e9).toFixed(2)} GMAC (analyze). Medians of ${runs} runs after a warm-up (wasm: ${Math.min(runs, 3)}). sgemm peak measured by PyTorch (torch.mm 2048^3, OpenBLAS 2 threads): ${t ? `${t.sgemm_gflops.toFixed(1)} GFLOP/s` : "not measured"}.`,
    "",
    "| runtime | one video | vs PyTorch | GFLOP/s | of sgemm peak | 400 class texts | peak RSS |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
    agreement,
    wasmPeaks.length
      ? `tfjs-wasm's own matmul ceiling (XNNPACK, 2-D, 1024^3, best of 5): ${wasmPeaks.join(", ")}${threadGain}.`
      : "",
    "",
  ];
  console.log(lines.join("\n"));
  appendFileSync(RESULTS, lines.join("\n"));
}

if (process.argv[2] === "--child")
  await child(process.argv[3], Number(process.argv[4]), Number(process.argv[5]), process.argv[6]);
else await parent();
