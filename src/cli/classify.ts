/**
 * `mdl classify MODEL --weights W --video FILE... --labels labels.csv|"a,b,c"`: zero-shot ranked labels per
 * video, on the engine --runtime picks. The class texts are encoded once, or read from the disk cache, and
 * reused for every video (runtime/run/classify.ts). Frames per
 * clip and resolution come from the model's hyperparameters (so from the checkpoint when it binds them).
 */
import type { Command } from "commander";
import { existsSync, statSync } from "node:fs";
import { diag, fail, MdlError, withNote } from "../compiler/diagnostics/diagnostic.ts";
import { readViews } from "../runtime/data/clip-reader.ts";
import { duplicateClasses, places, readLabels } from "../runtime/data/dataset.ts";
import { isImagePath } from "../runtime/data/image.ts";
import { ClipTokenizer } from "../runtime/tokenizer/clip-tokenizer.ts";
import { assertVocabFits } from "../runtime/run/token-ids.ts";
import { formatCoverage } from "../runtime/weights/coverage.ts";
import { collect, printDiagnostics, runCommand } from "./io.ts";
import { compileOrFail, modelOptions, type ModelFlags } from "./compile-args.ts";
import { backendOptions, parseCount, runtimeOptions, startEngine } from "./options.ts";
import { about } from "./about.ts";

interface ClassifyFlags extends ModelFlags {
  weights?: string;
  video: string[];
  labels: string;
  template: string;
  top: string;
  json?: boolean;
  views: string;
  strict?: boolean;
  allowNonfinite?: boolean;
  backend?: string;
  threads?: string;
  runtime?: string;
  device?: string;
  cache?: boolean;
}

/** A labels.csv file (`id,name`), or class names separated by commas. */
export function parseLabels(value: string): string[] {
  if (existsSync(value) || /\.(csv|txt)$/i.test(value)) return readLabels(value);
  const names = value.split(",").map((s) => s.trim());
  if (names.length === 0 || names.some((n) => n === ""))
    fail("bad_labels", "--labels", 1, `an empty class name in \`${value}\``);
  const dups = duplicateClasses(names, 3);
  if (dups.length) {
    let d = diag(
      "duplicate_class",
      "--labels",
      dups[0].name,
      places(
        "positions",
        dups[0].at.map((i) => i + 1),
      ),
    );
    for (const x of dups.slice(1))
      d = withNote(
        d,
        `\`${x.name}\` too, at ${places(
          "positions",
          x.at.map((i) => i + 1),
        )}`,
      );
    if (dups.more) d = withNote(d, `${dups.more} more class names are given more than once`);
    throw new MdlError(d);
  }
  return names;
}

function parseViews(value: string): { clips: number; crops: 1 | 3 } {
  const m = /^(\d+)x(\d+)$/.exec(value.trim());
  if (!m || Number(m[1]) < 1 || (m[2] !== "1" && m[2] !== "3"))
    fail("usage", undefined, `--views must be CLIPSxCROPS with CROPS 1 or 3 (e.g. 4x3), got \`${value}\``);
  return { clips: Number(m[1]), crops: Number(m[2]) as 1 | 3 };
}

export function register(program: Command): void {
  const cmd = program
    .command("classify")
    .description(about.classify.text)
    .argument("<model>", "the .mdl file")
    .option("--weights <file>", "checkpoint (safetensors, .pth, .bin); binds free hyperparameters from its shapes")
    .requiredOption("--video <file>", "a video, a folder of frames or an image (repeatable)", collect, [])
    .requiredOption("--labels <labels>", "labels.csv (id,name) or class names separated by commas")
    .option(
      "--template <text>",
      "text around each class name; {} is the name (the official validation uses the bare name)",
      "{}",
    )
    .option("--top <n>", "how many classes to print", "5")
    .option(
      "--views <CLIPSxCROPS>",
      "temporal clips x spatial crops (1 or 3), averaged as the official multi-view test",
      "1x1",
    )
    .option("--json", "print JSON")
    .option("--strict", "fail unless the checkpoint provides exactly the model's parameters")
    .option("--allow-nonfinite", "run even when the weights hold NaN or infinite values (reported as a warning)")
    .option("--no-cache", "recompute the class-text features instead of reading them from the cache");
  runtimeOptions(backendOptions(modelOptions(cmd))).action((model: string, flags: ClassifyFlags) =>
    runCommand(async () => {
      const top = parseCount("--top", flags.top, 1);
      const views = parseViews(flags.views);
      const labels = parseLabels(flags.labels);
      if (!flags.template.includes("{}"))
        fail("usage", undefined, `--template must contain {} where the class name goes, got \`${flags.template}\``);
      const { ir, checkpoint } = compileOrFail(model, flags, flags.weights, undefined, {
        refuseNonFinite: !flags.allowNonfinite,
      });
      const tokenizer = ClipTokenizer.load();
      assertVocabFits(ir, tokenizer.vocabSize);
      const { createClassifier } = await import("../runtime/run/classify.ts");
      await startEngine(flags);
      const classifier = await createClassifier(ir, checkpoint, { strict: flags.strict, cache: flags.cache });
      if (checkpoint) process.stderr.write(`${checkpoint.file}: ${formatCoverage(classifier.coverage)}\n`);
      const { ids } = tokenizer.tokenize(
        labels.map((l) => flags.template.replaceAll("{}", l)),
        classifier.context,
      );
      await classifier.setTexts(ids, labels.length);
      const results = [];
      for (const video of flags.video) {
        const clips = await readViews(
          { path: video, kind: kindOf(video) },
          {
            frames: classifier.visual.frames,
            size: classifier.visual.size,
            ...views,
            notice: (d) => printDiagnostics([d]),
          },
        );
        const probs = await classifier.classify(clips);
        const ranked = labels
          .map((label, i) => ({ label, probability: probs[i] }))
          .sort((a, b) => b.probability - a.probability)
          .slice(0, top);
        results.push({ video, top: ranked });
        if (!flags.json) {
          const lines = [
            `${video}:`,
            ...ranked.map(
              (r, i) => `  ${String(i + 1).padStart(2)}. ${(100 * r.probability).toFixed(2).padStart(6)}%  ${r.label}`,
            ),
          ];
          process.stdout.write(lines.join("\n") + "\n");
        }
      }
      if (flags.json) process.stdout.write(JSON.stringify(results, null, 2) + "\n");
      await classifier.dispose();
    }),
  );
}

function kindOf(path: string): "video" | "frames" | "image" {
  let st;
  try {
    st = statSync(path);
  } catch {
    fail("not_found", path, "video file");
  }
  return st.isDirectory() ? "frames" : isImagePath(path) ? "image" : "video";
}
