/**
 * `npm run demo` (`mdl demo`): write the synthetic temporal data set, train the tiny mean-pooling CLIP
 * baseline, the tiny X-CLIP and X-CLIP without its prompt generator with the same budget and seeds, test all,
 * print a table and draw the learning curves. Needs nothing but `npm install` (the frames are PNG).
 */
import type { Command } from "commander";
import { existsSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadSplit } from "../runtime/session/data.ts";
import { costOf, meanSd, trainAndTest, type Contender, type RunOutcome } from "../runtime/session/compare.ts";
import { curvesSvg, smooth } from "../runtime/session/plots.ts";
import { synthesize } from "../runtime/data/synth.ts";
import { compileOrFail } from "./compile-args.ts";
import { runCommand, writeFileAtomic } from "./io.ts";
import { reportBad } from "./train.ts";
import { backendOptions, parseCount, parsePositive, runtimeOptions, startEngine } from "./options.ts";
import { engine } from "../runtime/backend/current.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export const DEMO_MODELS = [
  { name: "CLIP mean-pool", file: "models/variants/clip-meanpool.mdl", color: "#888888" },
  // X-CLIP's own modules start with fan-in init here: the official trunc_normal(0.02), made for a start from a
  // pretrained CLIP at width 512, leaves them near silent from scratch at width 64 (docs/demo/README.md)
  { name: "X-CLIP", file: "models/variants/xclip-fanin-init.mdl", color: "#d62728" },
  { name: "X-CLIP w/o prompts", file: "models/variants/xclip-fanin-no-prompts.mdl", color: "#1f77b4" },
];

interface DemoCli {
  out: string;
  docs?: string;
  seeds: string;
  steps: string;
  batch: string;
  lr: string;
  videosPerClass: string;
  backend?: string;
  threads?: string;
}

const pct = (m: { mean: number; sd: number }) => (Number.isFinite(m.mean) ? `${(100 * m.mean).toFixed(1)} ± ${(100 * m.sd).toFixed(1)}` : "–");

export function demoTable(runs: readonly RunOutcome[], costs: Map<string, { params: number; macs: number }>): string {
  const rows = [
    "| model | params | MMACs / video | s / step | top-1 % | right pair % | right direction within pair % |",
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const name of [...new Set(runs.map((r) => r.model))]) {
    const rs = runs.filter((r) => r.model === name);
    const c = costs.get(name)!;
    rows.push(
      `| ${name} | ${(c.params / 1e6).toFixed(2)} M | ${(c.macs / 1e6).toFixed(1)} | ${meanSd(rs.map((r) => r.secondsPerStep)).mean.toFixed(2)} | ${pct(meanSd(rs.map((r) => r.test.top1)))} | ${pct(meanSd(rs.map((r) => r.pairAccuracy)))} | ${pct(meanSd(rs.map((r) => r.directionAccuracy).filter(Number.isFinite)))} |`,
    );
  }
  return rows.join("\n") + "\n";
}

export function register(program: Command): void {
  const cmd = program
    .command("demo")
    .description("train the tiny CLIP mean-pool baseline, X-CLIP and an ablation on synthetic temporal data; print a table, draw learning curves")
    .option("--out <dir>", "work folder (data, runs, results)", "runs/demo")
    .option("--docs <dir>", "also write README-ready results (table.md, curves.svg, results.json) here")
    .option("--seeds <n>", "seeds per model", "3")
    .option("--steps <n>", "optimizer steps per run", "700")
    .option("--batch <n>", "videos per step", "16")
    .option("--lr <x>", "base learning rate", "2e-3")
    .option("--videos-per-class <n>", "training videos per class of the synthetic set", "100");
  backendOptions(runtimeOptions(cmd)).action((o: DemoCli) =>
    runCommand(async () => {
      const t0 = performance.now();
      const seeds = parseCount("--seeds", o.seeds, 1);
      // The recipe measured to learn this task within minutes on two cores (docs/demo/README.md): the text
      // encoder frozen as in the official recipe (MODEL.FIX_TEXT), one rate for every module because all of
      // them start from scratch here (the x10 for X-CLIP's modules assumes a pretrained CLIP), whole frames.
      const budget = {
        steps: parseCount("--steps", o.steps, 1),
        batch: parseCount("--batch", o.batch, 1),
        lr: parsePositive("--lr", o.lr),
        freeze: ["encode_text"],
        lrGroups: [{ pattern: "**", scale: 1 }],
        jitter: false,
      };
      const vpc = parseCount("--videos-per-class", o.videosPerClass, 2);
      const dataDir = join(o.out, `data-${vpc}`);
      if (!existsSync(join(dataDir, "test.txt"))) {
        process.stderr.write(`writing the synthetic data set to ${dataDir}\n`);
        synthesize({ out: dataDir, videosPerClass: vpc, seed: 0 });
      }
      const train = await loadSplit(dataDir, "train");
      const test = await loadSplit(dataDir, "test");
      reportBad(train, "train", false);
      reportBad(test, "test", false);
      await startEngine(o);
      const info = { name: engine().name };
      const contenders: Contender[] = DEMO_MODELS.map((m) => ({ name: m.name, ir: compileOrFail(join(root, m.file), { preset: "tiny" }).ir }));
      const costs = new Map(contenders.map((c) => [c.name, costOf(c.ir, train.classes.length)]));
      const data = { classes: train.classes, train: train.entries, test: test.entries };
      const runs: RunOutcome[] = [];
      for (let seed = 0; seed < seeds; seed++)
        for (const c of contenders) {
          const dir = join(o.out, "runs", `${c.name.replace(/\W+/g, "-").toLowerCase()}-seed${seed}`);
          rmSync(dir, { recursive: true, force: true });
          const r = await trainAndTest(c, seed, data, budget, dir);
          runs.push(r);
          process.stderr.write(`${c.name} seed ${seed}: loss ${r.losses.at(-1)!.toFixed(3)}, top-1 ${(100 * r.test.top1).toFixed(1)}%, direction ${(100 * r.directionAccuracy).toFixed(1)}%, ${r.secondsPerStep.toFixed(2)} s/step\n`);
        }
      const wall = (performance.now() - t0) / 1000;
      const table = demoTable(runs, costs);
      const curves = DEMO_MODELS.map((m) => {
        const rs = runs.filter((r) => r.model === m.name);
        const mean = rs[0].losses.map((_, i) => rs.reduce((a, r) => a + r.losses[i], 0) / rs.length);
        return { label: m.name, color: m.color, points: smooth(mean.map((y, i) => [i + 1, y] as [number, number])) };
      });
      const svg = curvesSvg(curves, { title: `training loss (mean of ${seeds} seeds, smoothed)`, xLabel: "step", yLabel: "loss" });
      const results = { budget, seeds, videosPerClass: vpc, backend: info.name, wallSeconds: Math.round(wall), costs: Object.fromEntries(costs), runs: runs.map(({ losses, test, ...r }) => ({ ...r, top1: test.top1, perClass: test.perClass, confusion: test.confusion, finalLoss: losses.at(-1) })) };
      for (const dir of [o.out, o.docs].filter((d): d is string => !!d)) {
        writeFileAtomic(join(dir, "table.md"), table);
        writeFileAtomic(join(dir, "curves.svg"), svg);
        writeFileAtomic(join(dir, "results.json"), JSON.stringify(results, null, 1) + "\n");
      }
      process.stdout.write(`\n${table}\n${seeds} seed(s), ${budget.steps} steps of ${budget.batch} videos, ${info.name}; wall time ${Math.round(wall)} s; curves: ${join(o.out, "curves.svg")}\n`);
    }),
  );
}
