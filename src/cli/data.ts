/**
 * `mdl data synth`: write the synthetic temporal dataset.
 * `mdl data check DIR`: load and decode every entry of a split, report each bad one (exit 1 if any).
 */
import type { Command } from "commander";
import { synthesize } from "../runtime/data/synth.ts";
import { loadDataset, validateDataset } from "../runtime/data/dataset.ts";
import { EXIT_FAILED, EXIT_OK, printDiagnostics, rememberSource, runCommand } from "./io.ts";
import { parseCount } from "./options.ts";
import { about } from "./about.ts";

interface SynthCliOptions {
  out: string;
  videosPerClass: string;
  evalPerClass?: string;
  frames: string;
  size: string;
  seed: string;
}

interface CheckCliOptions {
  split: string;
  json?: boolean;
}

export function register(program: Command): void {
  const data = program.command("data").description(about.data.text);
  data
    .command("synth")
    .description(
      "write a synthetic dataset whose classes differ only in temporal order (PNG frame folders, labels.csv, train/val/test lists)",
    )
    .requiredOption("--out <dir>", "output folder")
    .option("--videos-per-class <n>", "training videos per class", "20")
    .option(
      "--eval-per-class <n>",
      "val and test videos per class (default: a quarter of the training count, at least 2)",
    )
    .option("--frames <n>", "frames per video", "8")
    .option("--size <n>", "frame width and height in pixels", "32")
    .option("--seed <n>", "random seed; the same seed writes byte-identical files", "0")
    .action((o: SynthCliOptions) =>
      runCommand(() => {
        const summary = synthesize({
          out: o.out,
          videosPerClass: parseCount("--videos-per-class", o.videosPerClass, 1),
          evalPerClass: o.evalPerClass === undefined ? undefined : parseCount("--eval-per-class", o.evalPerClass, 1),
          frames: parseCount("--frames", o.frames, 2),
          size: parseCount("--size", o.size, 8),
          seed: parseCount("--seed", o.seed, 0),
        });
        const splits = Object.entries(summary.splits)
          .map(([s, n]) => `${s} ${n * summary.classes.length}`)
          .join(", ");
        process.stdout.write(
          `wrote ${o.out}: ${summary.classes.length} classes, videos: ${splits}; ${summary.files} files\n`,
        );
      }),
    );
  data
    .command("check")
    .description("load a dataset split and decode every entry; list each bad entry with file, line and reason")
    .argument("<dir>", "dataset folder holding labels.csv and <split>.txt")
    .option("--split <name>", "which list to check", "train")
    .option("--json", "print { entries, bad, problems } as JSON")
    .action((dir: string, o: CheckCliOptions) =>
      runCommand(async () => {
        const ds = loadDataset(dir, o.split);
        for (const s of ds.sources) rememberSource(s.file, s.text);
        const { entries, problems } = await validateDataset(ds);
        if (o.json) {
          const rows = problems.map((p) => ({
            code: p.code,
            file: p.file,
            message: p.message,
            notes: p.notes?.map((n) => n.message),
          }));
          process.stdout.write(
            JSON.stringify({ entries: entries.length, bad: problems.length, problems: rows }, null, 2) + "\n",
          );
        } else {
          printDiagnostics(problems);
          process.stdout.write(
            `${dir} ${o.split}: ${entries.length} good entries, ${problems.length} bad, ${ds.classes.length} classes\n`,
          );
        }
        return problems.length ? EXIT_FAILED : EXIT_OK;
      }),
    );
}
