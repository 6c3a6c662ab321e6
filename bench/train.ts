/**
 * Training speed: optimizer steps per second and peak RSS, each configuration in its own process.
 * The tiny models train as the demo does (batch 16, T = 8, 32 px, text encoder frozen); X-CLIP-B/32
 * trains with batch 1, T = 8, 224 px, text encoder frozen (the official MODEL.FIX_TEXT). Data: the
 * synthetic set at the model's resolution. Appends a section to bench/RESULTS.md.
 *   npx tsx bench/train.ts [--skip-b32] [--only NAME-PART]
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "../src/compiler/compile.ts";
import { fsHost } from "../src/cli/compile-args.ts";
import { analyze } from "../src/compiler/4-ir/analyze.ts";
import { initBackend } from "../src/runtime/tfjs/backend.ts";
import { synthesize } from "../src/runtime/data/synth.ts";
import { loadSplit } from "../src/runtime/session/data.ts";
import { fit } from "../src/runtime/session/fit.ts";
import { disposeModel } from "../src/runtime/session/model.ts";

interface Config {
  name: string;
  file: string;
  preset: string;
  batch: number;
  steps: number;
  size: number;
  /** Train only these parameters (default: all but the text encoder). */
  trainOnly?: (key: string) => boolean;
  backend?: "wasm" | "cpu";
  /** Modules recomputed in the backward pass (what lets B/32 fit wasm's 4 GiB heap; see bench/train-b32.ts). */
  recompute?: string[];
}

// X-CLIP's own modules: what an adapter-style fine-tune of a pretrained CLIP trains
const addedByXclip = (key: string) => /(^|\.)message_|^mit\.|^prompts_/.test(key);

const CONFIGS: Config[] = [
  {
    name: "tiny CLIP mean-pool",
    file: "models/variants/clip-meanpool.mdl",
    preset: "tiny",
    batch: 16,
    steps: 60,
    size: 32,
  },
  { name: "tiny X-CLIP", file: "models/xclip.mdl", preset: "tiny", batch: 16, steps: 60, size: 32 },
  // Without recomputation the forward keeps ~3 GB of activations and the backward then overflows wasm32's
  // 4 GiB heap, where tfjs-backend-wasm keeps every tensor.
  {
    name: "X-CLIP-B/32, frame blocks recomputed",
    file: "models/xclip.mdl",
    preset: "B/32",
    batch: 1,
    steps: 4,
    size: 224,
    recompute: ["visual.transformer.resblocks"],
  },
  {
    name: "X-CLIP-B/32, CLIP backbone frozen, frame blocks recomputed",
    file: "models/xclip.mdl",
    preset: "B/32",
    batch: 1,
    steps: 4,
    size: 224,
    trainOnly: addedByXclip,
    recompute: ["visual.transformer.resblocks"],
  },
  // The pure-JS backend keeps tensors in ordinary typed arrays, without wasm's heap limit: ~30x slower, but it trains.
  {
    name: "X-CLIP-B/32 (cpu backend)",
    file: "models/xclip.mdl",
    preset: "B/32",
    batch: 1,
    steps: 3,
    size: 224,
    backend: "cpu",
  },
];

async function child(c: Config): Promise<void> {
  await initBackend({ backend: c.backend ?? "wasm", threads: 1 });
  const dir = mkdtempSync(join(os.tmpdir(), "mdl-bench-train-"));
  try {
    synthesize({
      out: join(dir, "data"),
      videosPerClass: Math.max(2, Math.ceil(c.batch / 10) * 2),
      frames: 8,
      size: c.size,
      seed: 0,
    });
    const data = await loadSplit(join(dir, "data"), "train");
    const ir = compile(c.file, fsHost, { preset: c.preset, recompute: c.recompute }).value!;
    const stamps: number[] = [];
    const res = await fit({
      ir,
      classes: data.classes,
      entries: data.entries,
      out: join(dir, "run"),
      seed: 0,
      batch: c.batch,
      steps: c.steps,
      lr: 1e-4,
      freeze: c.trainOnly ? ir.params.map((p) => p.path).filter((k) => !c.trainOnly!(k)) : ["encode_text"],
      jitter: false,
      progress: "none",
      onStep: () => stamps.push(performance.now()),
    });
    disposeModel(res.model);
    // the first step includes kernel set-up and the one-time text features: time the rest
    const perStep = (stamps[stamps.length - 1] - stamps[0]) / (stamps.length - 1) / 1000;
    const macs = analyze(ir, { B: c.batch, K: data.classes.length }).total.macs;
    process.stdout.write(
      JSON.stringify({ perStep, stepsPerSecond: 1 / perStep, macs, rss: process.resourceUsage().maxRSS / 1024 }) + "\n",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parent(): void {
  const rows: string[] = [];
  for (const [i, c] of CONFIGS.entries()) {
    if (process.argv.includes("--skip-b32") && c.preset === "B/32") continue;
    const only = process.argv.indexOf("--only");
    if (only >= 0 && !c.name.includes(process.argv[only + 1])) continue;
    const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", String(i)], {
      encoding: "utf8",
    });
    const line = r.stdout.trim().split("\n").pop() ?? "";
    if (r.status !== 0 || !line.startsWith("{")) {
      const why = /Aborted\(\)/.test(r.stderr)
        ? "wasm module aborted (out of its 4 GiB heap)"
        : (r.stderr || line).trim().split("\n").pop()?.slice(0, 120);
      rows.push(`| ${c.name} | ${c.batch} | failed: ${why} | | | |`);
      continue;
    }
    const m = JSON.parse(line);
    rows.push(
      `| ${c.name} | ${c.batch} | ${m.stepsPerSecond.toPrecision(3)} | ${m.perStep.toFixed(2)} s | ${(m.macs / 1e9).toFixed(2)} | ${Math.round(m.rss)} MB |`,
    );
    console.log(rows[rows.length - 1]);
  }
  const section = [
    `\n## train (${new Date().toISOString().slice(0, 10)})`,
    `Optimizer steps (forward, backward, AdamW), text encoder frozen (and the CLIP backbone where said), wasm 1 thread unless said, T = 8. Machine: ${os.cpus().length} x ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load ${os.loadavg()[0].toFixed(1)} at the end.`,
    "",
    "| model | batch | steps/s | s/step | forward GMACs/step | peak RSS |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
  if (!existsSync("bench/RESULTS.md")) writeFileSync("bench/RESULTS.md", "# Benchmark results\n");
  appendFileSync("bench/RESULTS.md", section);
  console.log(section);
}

if (process.argv[2] === "--child") await child(CONFIGS[Number(process.argv[3])]);
else parent();
