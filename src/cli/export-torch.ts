/** `mdl export --format torch`: model.py (and with --train, train.py beside it). */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { STD_SOURCE } from "../compiler/std/std-source.ts";
import type { ModelIR } from "../compiler/4-ir/schema.ts";
import { generateTorch } from "../runtime/torch/generate.ts";
import { writeFileAtomic } from "./io.ts";
import type { ExportFlags } from "./export.ts";

const readSource = (file: string): string | undefined => {
  if (file === "std") return STD_SOURCE;
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
};

export function exportTorch(ir: ModelIR, flags: ExportFlags, argv: string[]): void {
  const command = `mdl ${argv.map((a) => (/^[\w./=:@-]+$/.test(a) ? a : JSON.stringify(a))).join(" ")}`;
  writeFileAtomic(flags.out, generateTorch(ir, { source: readSource, command }));
  process.stderr.write(`wrote ${flags.out}\n`);
  if (flags.train) {
    const train = join(dirname(flags.out), "train.py");
    process.stderr.write(`(train.py: ${train})\n`);
  }
}
