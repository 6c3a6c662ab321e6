/**
 * `npm run demo` (`mdl demo`): write the synthetic temporal data set, train the tiny mean-pooling CLIP
 * baseline, the tiny X-CLIP and X-CLIP without its prompt generator with the same budget and seeds, each into a run
 * folder (OUT/runs/<model>/seed-<n>), test all, then print the table and draw the learning curves from those
 * folders through `mdl runs compare` and `mdl runs plot`'s code, so either command over OUT/runs gives the same.
 * Needs nothing but `npm install` (the frames are PNG).
 */
import type { Command } from "commander";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadSplit } from "../runtime/session/data.ts";
import { costOf, trainAndTest, type Budget, type Contender, type RunOutcome } from "../runtime/session/compare.ts";
import { createTaskProgress } from "../runtime/train/progress.ts";
import { CONFIG, gitCommit } from "../runtime/train/run-record.ts";
import { mdlVersion } from "../util/version.ts";
import { readRun, readRuns, type RunRecord } from "../tools/runs/read.ts";
import { plotRuns } from "../tools/runs/plot.ts";
import { chooseColumns, compareTable } from "../tools/runs/table.ts";
import { synthesize } from "../runtime/data/synth.ts";
import { compileOrFail } from "./compile-args.ts";
import { reportBad, runCommand, writeFileAtomic } from "./io.ts";
import { backendOptions, parseCount, parsePositive, runtimeOptions, startEngine } from "./options.ts";
import { engine } from "../runtime/backend/current.ts";
import { about } from "./about.ts";

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

/** The demo's table, recorded in each run's config.json so that `mdl runs compare` over its runs prints it too. */
export const DEMO_COLUMNS = ["params", "macs", "s_per_step", "eval/top1", "eval/pair", "eval/direction"];

export const runFolder = (name: string) => name.replace(/\W+/g, "-").toLowerCase();

/** The demo's table of outcomes (docs/demo/results.json's runs): what `compareTable` makes of the run folders they came from. */
export function demoTable(runs: readonly RunOutcome[], costs: Map<string, { params: number; macs: number }>): string {
  const records: RunRecord[] = runs.map((r) => ({
    path: "",
    variant: r.model,
    seed: r.seed,
    steps: 1,
    totalSteps: undefined,
    examplesPerStep: undefined,
    stepLines: [],
    evals: [{ step: 1, values: { top1: r.test.top1, pair: r.pairAccuracy, direction: r.directionAccuracy } }],
    best: undefined,
    wallSeconds: r.secondsPerStep,
    cost: costs.get(r.model),
    columns: DEMO_COLUMNS,
  }));
  return compareTable(records, DEMO_COLUMNS);
}

/** config.json of one demo run (the shape of `mdl train`'s, runtime/train/run-record.ts): what `mdl runs` reads. */
function demoConfig(
  m: { name: string; file: string },
  ir: Contender["ir"],
  seed: number,
  budget: Budget,
  cost: { params: number; macs: number },
  engineName: string,
  threads: string | undefined,
  commit: string | null,
) {
  return {
    mdl_version: mdlVersion(),
    git_commit: commit,
    started_at: new Date().toISOString(),
    model: { file: m.file, name: ir.model, preset: "tiny", set: [], replace: [], remove: [] },
    variant: m.name,
    seed,
    flags: { ...budget, seed },
    hyperparameters: Object.fromEntries(ir.hyper.map((h) => [h.name, h.value])),
    training: { steps: budget.steps, batch: budget.batch, accum: 1 },
    environment: {
      engine: engineName,
      threads: threads === undefined ? null : Number(threads),
      cpu: cpus()[0]?.model ?? "unknown",
      device: null,
      node: process.version,
    },
    cost,
    columns: DEMO_COLUMNS,
  };
}

export function register(program: Command): void {
  const cmd = program
    .command("demo")
    .description(about.demo.text)
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
      const contenders: Contender[] = DEMO_MODELS.map((m) => ({
        name: m.name,
        ir: compileOrFail(join(root, m.file), { preset: "tiny" }).ir,
      }));
      const costs = new Map(contenders.map((c) => [c.name, costOf(c.ir, train.classes.length)]));
      const data = { classes: train.classes, train: train.entries, test: test.entries };
      const runsDir = join(o.out, "runs");
      // OUT/runs holds this invocation's runs only: `mdl runs compare OUT/runs` is the table printed below
      rmSync(runsDir, { recursive: true, force: true });
      const runs: RunOutcome[] = [];
      const commit = gitCommit(join(root, "package.json"));
      const progress = createTaskProgress("auto", {
        label: "demo",
        total: seeds * contenders.length * budget.steps,
        unit: "steps",
      });
      for (let seed = 0; seed < seeds; seed++)
        for (const [i, c] of contenders.entries()) {
          const dir = join(runsDir, runFolder(c.name), `seed-${seed}`);
          mkdirSync(dir, { recursive: true });
          writeFileAtomic(
            join(dir, CONFIG),
            JSON.stringify(
              demoConfig(DEMO_MODELS[i], c.ir, seed, budget, costs.get(c.name)!, info.name, o.threads, commit),
              null,
              1,
            ) + "\n",
          );
          const r = await trainAndTest(c, seed, data, budget, dir, {
            onStep: () => progress.tick(1, `${c.name} seed ${seed}`),
          });
          runs.push(r);
          const rec = readRun(dir);
          progress.log(
            `${c.name} seed ${seed}: loss ${r.losses.at(-1)!.toFixed(3)}, top-1 ${(100 * r.test.top1).toFixed(1)}%, direction ` +
              `${(100 * r.directionAccuracy).toFixed(1)}%, ${((rec.wallSeconds ?? NaN) / rec.steps).toFixed(2)} s/step`,
          );
        }
      progress.stop();
      const wall = (performance.now() - t0) / 1000;
      const recorded = readRuns([runsDir]);
      const table = compareTable(recorded, chooseColumns(recorded, undefined));
      // s / step as the table has it: the run's time in optimizer steps over its steps (tools/runs/read.ts)
      for (const r of runs) {
        const rec = recorded.find((x) => x.variant === r.model && x.seed === r.seed)!;
        r.secondsPerStep = rec.wallSeconds === undefined ? NaN : rec.wallSeconds / rec.steps;
      }
      const svg = plotRuns(recorded, {
        metrics: ["loss"],
        smooth: 0.1,
        band: "minmax",
        colors: new Map(DEMO_MODELS.map((m) => [m.name, m.color])),
        title: () =>
          `training loss (mean of ${seeds} seed${seeds === 1 ? "" : "s"}, smoothed${seeds > 1 ? "; band: min to max over seeds" : ""})`,
      });
      const results = {
        budget,
        seeds,
        videosPerClass: vpc,
        backend: info.name,
        wallSeconds: Math.round(wall),
        costs: Object.fromEntries(costs),
        runs: runs.map(({ losses, test, ...r }) => ({
          ...r,
          top1: test.top1,
          perClass: test.perClass,
          confusion: test.confusion,
          finalLoss: losses.at(-1),
        })),
      };
      for (const dir of [o.out, o.docs].filter((d): d is string => !!d)) {
        writeFileAtomic(join(dir, "table.md"), table);
        writeFileAtomic(join(dir, "curves.svg"), svg);
        writeFileAtomic(join(dir, "results.json"), JSON.stringify(results, null, 1) + "\n");
      }
      process.stdout.write(
        `\n${table}\n${seeds} seed(s), ${budget.steps} steps of ${budget.batch} videos, ` +
          `${info.name}; wall time ${Math.round(wall)} s; curves: ${join(o.out, "curves.svg")}\n`,
      );
    }),
  );
}
