/** `mdl viz FILE -o out.svg`: the module hierarchy and the dataflow between modules, with tensor shapes on edges. */
import type { Command } from "commander";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import { toDot } from "../tools/viz/dot.ts";
import { renderSvg } from "../tools/viz/render.ts";
import { compileOrFail, modelOptions, type ModelFlags } from "./compile-args.ts";
import { runCommand, writeFileAtomic } from "./io.ts";
import { about } from "./about.ts";

interface VizFlags extends ModelFlags {
  output?: string;
  depth: string;
  format?: string;
}

export function register(program: Command): void {
  modelOptions(
    program
      .command("viz")
      .description(about.viz.text)
      .argument("<file>", ".mdl file")
      .option("-o, --output <file>", "write here (default: standard output)")
      .option("--depth <n>", "deepest module level drawn", "2")
      .option("--format <svg|dot>", "output format (default: from the -o extension, else svg)"),
  ).action((file: string, flags: VizFlags) =>
    runCommand(async () => {
      const depth = Number(flags.depth);
      if (!Number.isInteger(depth) || depth < 0)
        fail("usage", undefined, `--depth must be a whole number >= 0, got \`${flags.depth}\``);
      const format = flags.format ?? (flags.output?.endsWith(".dot") || flags.output?.endsWith(".gv") ? "dot" : "svg");
      if (format !== "svg" && format !== "dot")
        fail("usage", undefined, `--format must be svg or dot, got \`${format}\``);
      const { ir } = compileOrFail(file, flags);
      const dot = toDot(ir, { depth });
      const text = format === "dot" ? dot : await renderSvg(dot);
      if (flags.output) writeFileAtomic(flags.output, text);
      else process.stdout.write(text);
    }),
  );
}
