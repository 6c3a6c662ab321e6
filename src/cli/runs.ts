/**
 * `mdl runs list|compare|plot DIR...`: the run folders under DIR (each a folder holding metrics.jsonl, as
 * `mdl train --out` and `mdl demo` leave them) in a table, compared by variant with mean ± sd over seeds, or
 * plotted as learning curves with the seed spread as a band.
 */
import type { Command } from "commander";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import { loggedMetrics, readRuns } from "../tools/runs/read.ts";
import { plotRuns, type Band } from "../tools/runs/plot.ts";
import {
  chooseColumns,
  columnKeys,
  compareTable,
  listTable,
  unknownColumns,
  type Format,
} from "../tools/runs/table.ts";
import { runCommand, writeFileAtomic } from "./io.ts";
import { parseFraction } from "./options.ts";
import { about } from "./about.ts";

const FORMATS = ["md", "csv", "json"];
const BANDS = ["minmax", "sd", "none"];

function parseFormat(value: string): Format {
  if (!FORMATS.includes(value)) fail("bad_number", "--format", "--format", FORMATS.join(", "), value);
  return value as Format;
}

const collect = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean),
];

export function register(program: Command): void {
  const runs = program
    .command("runs")
    .description(about.runs.text)
    .addHelpText(
      "after",
      "\nA run's variant and seed come from its config.json (from its newest checkpoint's state.json for older runs).\nExamples:\n  mdl runs list " +
        "runs/\n  mdl runs compare runs/demo/runs --format csv\n  mdl runs plot runs/demo/runs -o curves.svg --metric loss --metric eval/top1\n",
    );
  runs
    .command("list")
    .description("one row per run: variant, seed, steps done, last loss, best metric and its step, time spent in steps")
    .argument("<dir...>", "folders to search for runs")
    .option("--format <f>", "md, csv or json", "md")
    .action((dirs: string[], o: { format: string }) =>
      runCommand(() => {
        const format = parseFormat(o.format);
        process.stdout.write(listTable(readRuns(dirs), format));
      }),
    );
  runs
    .command("compare")
    .description(
      "one row per variant: mean ± sample sd over its runs (seeds) of s/step, final loss and every final evaluation metric",
    )
    .argument("<dir...>", "folders to search for runs")
    .option("--format <f>", "md, csv or json", "md")
    .option(
      "--columns <keys>",
      "columns, comma-separated or repeated: runs, steps, params, macs, s_per_step, final_loss, " +
        "eval/NAME; `all` for every one (default: the columns the runs recorded, else all)",
      collect,
    )
    .action((dirs: string[], o: { format: string; columns?: string[] }) =>
      runCommand(() => {
        const format = parseFormat(o.format);
        const found = readRuns(dirs);
        const keys = chooseColumns(found, o.columns);
        const bad = unknownColumns(keys);
        if (bad.length)
          fail("bad_number", "--columns", "--columns", `columns among ${columnKeys(found).join(", ")}`, bad.join(","));
        process.stdout.write(compareTable(found, keys, format));
      }),
    );
  runs
    .command("plot")
    .description(
      "learning curves to SVG: one line per variant (the mean over its runs) with the spread over runs as a band",
    )
    .argument("<dir...>", "folders to search for runs")
    .requiredOption("-o, --out <file.svg>", "the picture to write")
    .option(
      "--metric <name>",
      "loss, lr, examples_per_s or eval/NAME (e.g. eval/top1); repeat for one chart each (default: loss)",
      collect,
    )
    .option("--smooth <alpha>", "exponential moving average weight of each new point, 0 to 1 (0: as logged)", "0.1")
    .option("--band <kind>", "the spread over runs: minmax, sd (mean ± sample sd) or none", "minmax")
    .action((dirs: string[], o: { out: string; metric?: string[]; smooth: string; band: string }) =>
      runCommand(() => {
        const alpha = parseFraction("--smooth", o.smooth);
        if (!BANDS.includes(o.band)) fail("bad_number", "--band", "--band", BANDS.join(", "), o.band);
        const found = readRuns(dirs);
        const metrics = o.metric ?? ["loss"];
        const logged = loggedMetrics(found);
        for (const m of metrics)
          if (!logged.includes(m))
            fail("metric_not_logged", dirs.join(" "), m, logged.map((k) => `\`${k}\``).join(", ") || "no metrics");
        writeFileAtomic(o.out, plotRuns(found, { metrics, smooth: alpha, band: o.band as Band }));
        process.stdout.write(`${o.out}: ${metrics.join(", ")} of ${found.length} run(s)\n`);
      }),
    );
}
