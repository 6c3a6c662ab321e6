/**
 * `mdl train MODEL --data DIR --out RUN`: train a compiled video classifier with X-CLIP's recipe. Bad data
 * entries are all reported before training starts; `--skip-bad` leaves them out instead of stopping.
 */
import type { Command } from "commander";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import { trainingSummary } from "../runtime/session/train-summary.ts";
import { totalStepsOf } from "../runtime/train/steps.ts";
import { recordRun } from "../runtime/train/run-record.ts";
import {
  modelSources,
  parseRunFolder,
  resolvedFlags,
  runConfig,
  runFolderOptions,
  startBlock,
  validation,
  type RunFolderCli,
} from "./train-record.ts";
import { initBackend, type BackendName } from "../runtime/tfjs/backend.ts";
import { loadSplit } from "../runtime/session/data.ts";
import { fit } from "../runtime/session/fit.ts";
import { disposeModel } from "../runtime/session/model.ts";
import { frozenParams, modelLrScales } from "../runtime/session/select.ts";
import { latestCheckpoint } from "../runtime/train/checkpoint.ts";
import { trainingStart } from "../runtime/run/load-params.ts";
import { formatCoverage } from "../runtime/weights/coverage.ts";
import { compileOrFail, modelOptions, type ModelFlags } from "./compile-args.ts";
import { backendOptions, parseCount, parseFraction, parsePositive, runtimeOptions, startEngine } from "./options.ts";
import { engine } from "../runtime/backend/current.ts";
import { printDiagnostics, reportBad, runCommand } from "./io.ts";
import { clipNotices } from "./clip-notices.ts";
import { classifierShape } from "../runtime/session/model.ts";
import { parseTraining, trainingOptions, type TrainingFlags } from "./training.ts";
import { parseRecipe } from "./recipe-options.ts";
import { about } from "./about.ts";

interface TrainCli extends ModelFlags, TrainingFlags, RunFolderCli {
  data: string;
  out: string;
  weights?: string;
  steps?: string;
  epochs?: string;
  batch: string;
  lr: string;
  warmup: string;
  seed: string;
  checkpointEvery?: string;
  perClass?: string;
  resume?: boolean;
  resumeFrom?: string;
  skipBad?: boolean;
  jitter: boolean;
  backend?: string;
  threads?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("train")
    .description(about.train.text)
    .argument("<model>", "the .mdl file")
    .requiredOption("--data <dir>", "dataset folder (labels.csv, train.txt)")
    .requiredOption(
      "--out <run>",
      "run folder: config.json, sources/, metrics.jsonl, ckpt-<step>/ (weights.safetensors in torch layout), latest.json, best/ (docs/training.md)",
    )
    .option(
      "--weights <file>",
      "start from these weights (a CLIP checkpoint starts X-CLIP); what they lack starts " +
        "as the model declares, and a report lists what was loaded, initialised and ignored",
    )
    .option("--steps <n>", "optimizer steps")
    .option("--epochs <n>", "epochs (default 1 when --steps is not given)")
    .option("--batch <n>", "videos per micro-batch", "8")
    .option("--lr <x>", "base learning rate (times the scale of the model's `train { lr * N: ... }` groups)", "1e-3")
    .option("--warmup <f>", "fraction of the steps spent in linear warm-up", "0.1")
    .option("--seed <n>", "seed of initialisation, data order and augmentation", "0")
    .option("--checkpoint-every <n>", "save every N steps (always at the end)")
    .option("--per-class <k>", "few-shot: train on the first K videos of each class")
    .option(
      "--resume",
      "continue from the newest checkpoint that verifies: latest.json's, else an older one, with a notice (a fresh start when there is none)",
    )
    .option(
      "--resume-from <ckpt>",
      "continue from this checkpoint: ckpt-<step> of the run folder, or a checkpoint directory",
    )
    .option("--skip-bad", "leave out unreadable entries instead of stopping before training")
    .option("--no-jitter", "train on whole frames instead of scale-jittered crops");
  runFolderOptions(backendOptions(runtimeOptions(trainingOptions(modelOptions(cmd))))).action(
    (file: string, o: TrainCli, cmd: Command) =>
      runCommand(async () => {
        if (o.steps !== undefined && o.epochs !== undefined)
          fail("usage", "--steps", "give either --steps or --epochs, not both");
        const steps = o.steps === undefined ? undefined : parseCount("--steps", o.steps, 1);
        const epochs = o.epochs === undefined ? undefined : parseCount("--epochs", o.epochs, 1);
        const { freeze, trainOnly, lrGroups, accum, weightDecay, smoothing } = parseTraining(o);
        const settings = {
          batch: parseCount("--batch", o.batch, 1),
          accum,
          lr: parsePositive("--lr", o.lr),
          warmup: parseFraction("--warmup", o.warmup),
          weightDecay,
          smoothing,
          augment: parseRecipe(o),
          seed: parseCount("--seed", o.seed, 0),
          checkpointEvery:
            o.checkpointEvery === undefined ? undefined : parseCount("--checkpoint-every", o.checkpointEvery, 1),
        };
        const perClass = o.perClass === undefined ? undefined : parseCount("--per-class", o.perClass, 1);
        const { ir, checkpoint } = compileOrFail(file, o, o.weights);
        // a CLIP state dict into X-CLIP: CLIP's tensors load, the rest starts as the model declares
        const start = checkpoint && trainingStart(ir, checkpoint);
        if (start) process.stderr.write(`${checkpoint!.file}: ${formatCoverage(start.coverage)}\n`);
        // bad patterns, or nothing left to train, stop here: before the data is read
        frozenParams(ir, { freeze, trainOnly });
        modelLrScales(ir, lrGroups);
        const data = await loadSplit(o.data, "train", { perClass });
        reportBad(data, "train", !!o.skipBad);
        const folder = await parseRunFolder(o);
        const runtime = await startEngine(o);
        const info = { name: engine().name };
        const flags = { model: o.model, preset: o.preset, set: o.set, replace: o.replace, remove: o.remove };
        const config = {
          file,
          ...flags,
          data: o.data,
          weights: o.weights,
          steps,
          epochs,
          perClass,
          freeze,
          trainOnly,
          lrGroups,
          jitter: o.jitter,
          ...settings,
          backend: info.name,
          classes: data.classes,
        };
        process.stderr.write(
          `training ${ir.model} on ${data.entries.length} videos, ${data.classes.length} classes (${info.name})\n`,
        );
        const { sources, models } = modelSources(file);
        const totalSteps = totalStepsOf({ dataSize: data.entries.length, ...settings, steps, epochs });
        const trainFlags = resolvedFlags(cmd, o, {
          ...settings,
          steps: totalSteps,
          epochs: epochs ?? null,
          perClass,
          freeze,
          trainOnly,
          lrGroup: lrGroups.map((g) => `${g.pattern}=${g.scale}`),
          evalEvery: folder.evalEvery,
          keep: folder.keep,
          threads: runtime.threads,
          runtime: runtime.name,
          device: runtime.device,
        });
        const summary = trainingSummary(ir, { freeze, trainOnly, lrGroups, lr: settings.lr });
        const record = runConfig({
          file,
          flags: o,
          ir,
          seed: settings.seed,
          steps: totalSteps,
          batch: settings.batch,
          accum,
          summary,
          runtime,
          trainFlags,
          models,
        });
        const evals = folder.evalEvery
          ? [
              `  eval     every ${folder.evalEvery === 1 ? "step" : `${folder.evalEvery} steps`} and at the end on val (${folder.val!.entries.length} ` +
                `videos); best/ by ${folder.bestMetric}`,
            ]
          : [];
        const block = startBlock(record, runtime.why, [
          ...evals,
          `  run      ${o.out}: config.json, sources/, metrics.jsonl, the newest ${folder.keep} ckpt-<step>/`,
        ]);
        const res = await fit({
          ir,
          weights: start?.weights,
          classes: data.classes,
          entries: data.entries,
          out: o.out,
          steps,
          epochs: steps === undefined ? (epochs ?? 1) : undefined,
          resume: o.resumeFrom ?? !!o.resume,
          freeze,
          trainOnly,
          lrGroups,
          jitter: o.jitter,
          config,
          ...settings,
          evalEvery: folder.evalEvery,
          evalFn: folder.val && validation(data.classes, folder.val.entries),
          run: {
            keep: folder.keep,
            bestMetric: folder.bestMetric,
            overwrite: folder.overwrite,
            onStart: (resumedStep) => {
              process.stderr.write(block + (resumedStep === undefined ? "" : `  resumed  from step ${resumedStep}\n`));
              recordRun(
                o.out,
                { ...record, started_at: new Date().toISOString() },
                sources,
                resumedStep !== undefined,
                (d) => printDiagnostics([d]),
              );
            },
          },
          onLoaded: (bank) => {
            const notes = clipNotices();
            const { frames } = classifierShape(ir);
            bank.frameCounts().forEach((n, i) => notes.short(data.entries[i].path, n, frames));
            notes.flush();
          },
        });
        disposeModel(res.model);
        process.stdout.write(
          `step ${res.step}/${res.totalSteps}, final loss ${res.loss}; weights: ${latestCheckpoint(o.out)}/weights.safetensors\n`,
        );
      }),
  );
}
