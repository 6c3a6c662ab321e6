/**
 * Zero-shot inference speed: X-CLIP-B/32, T=8, 224 px, one video against 400 cached class texts, random
 * weights. Per backend, in its own process: the one-time text encoding, then the median latency of one
 * video, GFLOP/s (2 x MACs of the per-video graph / time; MACs from analyze) and peak RSS.
 * Appends the figures to bench/RESULTS.md.
 *   npx tsx bench/infer.ts [--runs 3] [--cpu]   (cpu: ~0.6 GFLOP/s, minutes per video; only on request)
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { compile } from "../src/compiler/compile.ts";
import { analyze } from "../src/compiler/4-ir/analyze.ts";
import { fsHost } from "../src/cli/compile-args.ts";
import { initBackend, type BackendName } from "../src/runtime/tfjs/backend.ts";
import { createClassifier } from "../src/runtime/run/classify.ts";
import { splitByInputs } from "../src/runtime/run/split.ts";
import { ClipTokenizer } from "../src/runtime/tokenizer/clip-tokenizer.ts";

const CLASSES = 400;
const RESULTS = fileURLToPath(new URL("./RESULTS.md", import.meta.url));
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};

async function child(backend: BackendName, threads: number, runs: number): Promise<void> {
  const info = await initBackend({ backend, threads });
  const ir = compile("models/xclip.mdl", fsHost, { preset: "B/32" }).value!;
  const { varying } = splitByInputs(ir, ["video"]);
  const macs = analyze(varying, { B: 1, K: CLASSES }).total.macs;
  const classifier = createClassifier(ir, undefined, { seed: 1 });
  const names = Array.from({ length: CLASSES }, (_, i) => `action number ${i}`);
  const { ids } = ClipTokenizer.load().tokenize(names, classifier.context);
  let t0 = performance.now();
  classifier.setTexts(ids, CLASSES);
  const textMs = performance.now() - t0;
  const view = Float32Array.from({ length: 8 * 3 * 224 * 224 }, (_, i) => Math.sin(i));
  const times: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    t0 = performance.now();
    await classifier.classify([view]);
    times.push(performance.now() - t0);
  }
  times.shift(); // the first run includes kernel setup
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const rss = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ backend: info.name, threads: info.threads, textMs, median, gflops: (2 * macs) / (median / 1000) / 1e9, macs, rss }) + "\n");
  classifier.dispose();
}

function parent(): void {
  const runs = arg("--runs", 3);
  const configs: [BackendName, number][] = [["wasm", 1], ["wasm", 2]];
  if (process.argv.includes("--cpu")) configs.push(["cpu", 1]);
  const rows: string[] = [];
  let macs = 0;
  for (const [backend, threads] of configs) {
    const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", backend, String(threads), String(runs)], { encoding: "utf8" });
    const line = r.stdout.trim().split("\n").pop() ?? "";
    if (r.status !== 0 || !line.startsWith("{")) {
      console.error(`${backend} x${threads} failed: ${r.stderr.slice(-500)}`);
      continue;
    }
    const x = JSON.parse(line);
    macs = x.macs;
    const row = `| ${x.backend} | ${x.threads} | ${(x.textMs / 1000).toFixed(1)} s | ${(x.median / 1000).toFixed(2)} s | ${x.gflops.toFixed(1)} | ${Math.round(x.rss)} MB |`;
    console.log(row);
    rows.push(row);
  }
  const cpu = os.cpus();
  const machine = `${cpu.length} x ${cpu[0]?.model ?? "unknown cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  if (!existsSync(RESULTS)) writeFileSync(RESULTS, "# Benchmark results\n\nEach benchmark appends a section: what ran, on which machine, with the figures. The host is shared and noisy.\n");
  appendFileSync(
    RESULTS,
    [
      "",
      `## infer (${new Date().toISOString().slice(0, 10)})`,
      `X-CLIP-B/32 zero-shot, T=8, 224 px, one video (1 view), ${CLASSES} class texts encoded once and cached, random weights, fp32.`,
      `Machine: ${machine}. Median of ${runs} runs after one warm-up; GFLOP/s = 2 x MACs of the per-video graph (${(macs / 1e9).toFixed(2)} GMAC, from analyze) / median.`,
      "",
      "| backend | threads | 400 texts, once | one video | GFLOP/s | peak RSS |",
      "|---|---|---|---|---|---|",
      ...rows,
      ...(process.argv.includes("--cpu") ? [] : ["", "cpu (pure JS) not run: at ~0.6 GFLOP/s (PERF-NOTES) one video takes about two minutes; `--cpu` runs it."]),
      "",
    ].join("\n"),
  );
}

if (process.argv[2] === "--child") await child(process.argv[3] as BackendName, Number(process.argv[4]), Number(process.argv[5]));
else parent();
