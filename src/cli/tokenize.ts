/** `mdl tokenize TEXT...`: CLIP BPE ids of each text, to check prompts and label files by hand. */
import type { Command } from "commander";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import { ClipTokenizer } from "../runtime/tokenizer/clip-tokenizer.ts";
import { runCommand } from "./io.ts";
import { about } from "./about.ts";

interface TokenizeOptions {
  json?: boolean;
  context?: string;
}

export function parseContext(value: string): number {
  const n = Number(value);
  // a row needs room for the start and the end token
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 2) fail("bad_context_length", "--context", value);
  return n;
}

/** The ids printed for each text: plain BPE ids, or the padded model input row when a context is given. */
export function tokenizeTexts(texts: string[], context?: number): { text: string; ids: number[] }[] {
  const tokenizer = ClipTokenizer.load();
  if (context === undefined) return texts.map((text) => ({ text, ids: tokenizer.encode(text) }));
  const { ids } = tokenizer.tokenize(texts, context);
  return texts.map((text, row) => ({ text, ids: Array.from(ids.subarray(row * context, (row + 1) * context)) }));
}

export function register(program: Command): void {
  program
    .command("tokenize")
    .description(about.tokenize.text)
    .argument("<text...>", "texts to tokenize, one argument each")
    .option("--json", "print a JSON array of { text, ids }")
    .option("--context <n>", "print the full model input row: start token, ids, end token, zero padding to length n")
    .action((texts: string[], options: TokenizeOptions) =>
      runCommand(() => {
        const context = options.context === undefined ? undefined : parseContext(options.context);
        const rows = tokenizeTexts(texts, context);
        // one object per line: a reviewable listing that is still a single JSON document
        if (options.json) process.stdout.write(`[\n${rows.map((row) => "  " + JSON.stringify(row)).join(",\n")}\n]\n`);
        else for (const { text, ids } of rows) process.stdout.write(`${text}\t${ids.join(" ")}\n`);
      }),
    );
}
