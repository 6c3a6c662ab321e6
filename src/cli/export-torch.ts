/**
 * `mdl export --format torch`: model.py; with --train also train.py beside it, and with --labels the class
 * texts as CLIP token ids (texts.json), since train.py has no tokenizer of its own.
 */
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { STD_SOURCE } from "../compiler/std/std-source.ts";
import type { ModelIR } from "../compiler/0-core/schema.ts";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import { readLabels } from "../runtime/data/dataset.ts";
import { assertVocabFits } from "../runtime/run/token-ids.ts";
import { ClipTokenizer } from "../runtime/tokenizer/clip-tokenizer.ts";
import { generateTorch } from "../runtime/torch/generate.ts";
import { generateTrain } from "../runtime/torch/train-py.ts";
import { writeFileAtomic } from "./io.ts";
import type { ExportFlags } from "./export-job.ts";

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
  const module = basename(flags.out).replace(/\.py$/, "");
  if ((flags.train || flags.labels) && !/^[A-Za-z_]\w*$/.test(module))
    fail(
      "usage",
      "-o",
      `train.py imports the model as a Python module, so its file name must be one (got \`${basename(flags.out)}\`)`,
    );
  // the class texts are checked before anything is written, so a refused export leaves no half of itself
  const texts = flags.labels ? classTexts(ir, flags.labels) : undefined;
  const written = [flags.out];
  writeFileAtomic(flags.out, generateTorch(ir, { source: readSource, command }));
  if (flags.train) {
    const train = join(dirname(flags.out), "train.py");
    writeFileAtomic(train, generateTrain(ir, module));
    written.push(train);
  }
  if (texts) {
    const file = join(dirname(flags.out), "texts.json");
    writeFileAtomic(file, texts);
    written.push(file);
  }
  process.stderr.write(`wrote ${written.join(", ")}\n`);
}

/** texts.json: the class names as CLIP token ids, refused (MDL407) when the model's vocabulary cannot embed them. */
function classTexts(ir: ModelIR, labels: string): string {
  const text = ir.graph.inputs.find((p) => p.name === "text");
  const context = text?.type.shape[1];
  if (typeof context !== "number")
    fail("usage", "--labels", `${ir.model} has no input \`text\` [K, context] to tokenize class names for`);
  const classes = readLabels(labels);
  const tokenizer = ClipTokenizer.load();
  assertVocabFits(ir, tokenizer.vocabSize);
  const { ids } = tokenizer.tokenize(classes, context);
  const rows = classes.map((_, i) => Array.from(ids.subarray(i * context, (i + 1) * context)));
  return JSON.stringify({ classes, context, ids: rows }) + "\n";
}
