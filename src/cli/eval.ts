/**
 * `mdl eval MODEL --weights W --data DIR`: top-1/top-5, per-class accuracy and a confusion matrix, with
 * multi-view testing (`--views 2x3`: 2 temporal clips x 3 crops, per-view class probabilities averaged, which
 * ranks as X-CLIP's sum does).
 */
import type { Command } from "commander";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import { loadSplit } from "../runtime/session/data.ts";
import { evaluateViews, type EvalEntry, type EvalResult } from "../runtime/session/evaluate.ts";
import type { ModelIR } from "../compiler/0-core/schema.ts";
import type { Checkpoint } from "../runtime/weights/checkpoint.ts";
import { confusionSvg } from "../runtime/session/plots.ts";
import { createTaskProgress } from "../runtime/train/progress.ts";
import { assertStrict } from "../runtime/weights/coverage.ts";
import { checkpointCoverage } from "../runtime/run/load-params.ts";
import { compileOrFail, modelOptions, type ModelFlags } from "./compile-args.ts";
import { reportBad, runCommand, writeFileAtomic } from "./io.ts";
import { clipNotices } from "./clip-notices.ts";
import { backendOptions, runtimeOptions, startEngine } from "./options.ts";
import { about } from "./about.ts";

interface EvalCli extends ModelFlags {
  weights: string;
  data: string;
  split: string;
  views: string;
  zeroShot?: boolean;
  json?: boolean;
  confusion?: string;
  skipBad?: boolean;
  allowNonfinite?: boolean;
  backend?: string;
  threads?: string;
  runtime?: string;
  device?: string;
}

export function parseViews(value: string): { clips: number; crops: 1 | 3 } {
  const m = /^(\d+)x([13])$/.exec(value.trim());
  if (!m || Number(m[1]) < 1)
    fail("bad_number", "--views", "--views", "CLIPSxCROPS with CROPS 1 or 3, e.g. 1x1 or 4x3", value);
  return { clips: Number(m[1]), crops: Number(m[2]) as 1 | 3 };
}

export function formatEval(r: EvalResult, classes: readonly string[]): string {
  const pct = (x: number) => (Number.isNaN(x) ? "  -  " : `${(100 * x).toFixed(1).padStart(5)}%`);
  const width = Math.max(...classes.map((c) => c.length));
  return (
    [
      `top-1 ${pct(r.top1)}  top-5 ${pct(r.top5)}  (${r.n} videos)`,
      ...classes.map((c, k) => `  ${String(k).padStart(2)} ${c.padEnd(width)} ${pct(r.perClass[k])}`),
    ].join("\n") + "\n"
  );
}

export function register(program: Command): void {
  const cmd = program
    .command("eval")
    .description(about.eval.text)
    .argument("<model>", "the .mdl file")
    .requiredOption("--weights <file>", "trained weights (e.g. RUN/ckpt-<step>/weights.safetensors)")
    .requiredOption("--data <dir>", "dataset folder")
    .option("--split <name>", "which list", "val")
    .option("--views <CxK>", "temporal clips x spatial crops (1 or 3)", "1x1")
    .option(
      "--zero-shot",
      "classes never trained on, named only by labels.csv; the weights may lack modules the model adds (they start from their initialisers)",
    )
    .option("--confusion <file.svg>", "also draw the confusion matrix")
    .option("--skip-bad", "leave out unreadable entries instead of stopping")
    .option("--allow-nonfinite", "run even when the weights hold NaN or infinite values (reported as a warning)")
    .option("--json", "print { top1, top5, perClass, confusion, ... } as JSON");
  runtimeOptions(backendOptions(modelOptions(cmd))).action((file: string, o: EvalCli) =>
    runCommand(async () => {
      const views = parseViews(o.views);
      const { ir, checkpoint } = compileOrFail(file, o, o.weights, undefined, { refuseNonFinite: !o.allowNonfinite });
      const cov = checkpointCoverage(ir, checkpoint!);
      // Zero-shot evaluation may start the modules X-CLIP adds from scratch, as X-CLIP does from CLIP's weights.
      assertStrict(o.zeroShot ? { ...cov, missing: [] } : cov, o.weights);
      const data = await loadSplit(o.data, o.split);
      reportBad(data, o.split, !!o.skipBad);
      const r = await runEval(ir, checkpoint!, data, views, o);
      if (o.confusion) writeFileAtomic(o.confusion, confusionSvg(r.confusion, data.classes));
      if (o.json) {
        const out = {
          model: ir.model,
          weights: o.weights,
          split: o.split,
          views: o.views,
          zeroShot: !!o.zeroShot,
          classes: data.classes,
          ...r,
        };
        process.stdout.write(
          JSON.stringify(out, (_k, v) => (typeof v === "number" && Number.isNaN(v) ? null : v), 1) + "\n",
        );
      } else process.stdout.write(formatEval(r, data.classes));
    }),
  );
}

/** Through the zero-shot classifier on the engine --runtime picks: class texts encoded once (or read from the cache), then each video's views. */
async function runEval(
  ir: ModelIR,
  checkpoint: Checkpoint,
  data: { classes: string[]; entries: readonly EvalEntry[] },
  views: { clips: number; crops: 1 | 3 },
  o: EvalCli,
): Promise<EvalResult> {
  const { createClassifier } = await import("../runtime/run/classify.ts");
  const { ClipTokenizer } = await import("../runtime/tokenizer/clip-tokenizer.ts");
  await startEngine(o);
  const c = await createClassifier(ir, checkpoint);
  await c.setTexts(ClipTokenizer.load().tokenize([...data.classes], c.context).ids, data.classes.length);
  const notes = clipNotices();
  // a bar on a TTY; on a pipe a line a minute, so only a long evaluation prints any
  const progress = createTaskProgress("auto", { label: "eval", total: data.entries.length, unit: "videos" });
  const r = await evaluateViews((v) => c.classify(v), c.visual, data.classes.length, data.entries, {
    ...views,
    notice: notes.notice,
    onEntry: () => progress.tick(),
  });
  progress.stop();
  notes.flush();
  await c.dispose();
  return r;
}
