/**
 * The .mdl campaign: one mutant of a corpus file (the models, their variants, the test samples) through what
 * `mdl check`, `summary`, `fmt` and `diff` do, in process: compile, render every diagnostic, format, and for a mutant that still compiles, analyze, print the summary table and JSON,
 * and diff it against the unmutated model. A catalogued diagnostic is a refusal; any exception is a crash.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { compile, type CompileOptions } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { analyze } from "../../src/compiler/4-ir/analyze.ts";
import type { ModelIR } from "../../src/compiler/0-core/schema.ts";
import { formatSource } from "../../src/compiler/1-syntax/print.ts";
import { renderDiagnostic } from "../../src/compiler/diagnostics/render.ts";
import { SourceFile } from "../../src/compiler/source.ts";
import { diffModels } from "../../src/tools/diff/diff.ts";
import { printDiff } from "../../src/tools/diff/print.ts";
import { summaryJson, summaryTable } from "../../src/cli/summary.ts";
import { mutateMdl, mutateMdlValues, rng } from "../../test/helpers/mutate.ts";
import type { Outcome } from "./outcome.ts";

function mdlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((e) => {
      const p = join(dir, e);
      return statSync(p).isDirectory() ? mdlFiles(p) : e.endsWith(".mdl") ? [p] : [];
    });
}

const all = ["models", "test"].flatMap(mdlFiles);
const texts: Record<string, string> = Object.fromEntries(all.map((f) => [f, readFileSync(f, "utf8")]));
/**
 * The size-limit samples of 20,000 repetitions (40-80 KB) cost 1-3 s of parsing per mutant to reach the same
 * MDL110 refusal, 60% of the .mdl campaign's time at 2% of its cases: they have a campaign of their own
 * (`mdl-large`, 200 cases), so the 100,000 cases go to the files where a mutation changes what the compiler does.
 */
const LARGE = 32 * 1024;
const corpora = {
  mdl: all.filter((f) => texts[f].length <= LARGE),
  "mdl-large": all.filter((f) => texts[f].length > LARGE),
};
// The shipped models carry a `tiny` preset: the same code paths as B/32 with fewer layers to walk.
const optionsOf = (file: string): CompileOptions => (file.startsWith("models/") ? { preset: "tiny" } : {});
const originals = new Map<string, ModelIR | undefined>();

function original(file: string): ModelIR | undefined {
  if (!originals.has(file)) originals.set(file, compile(file, memoryHost(texts), optionsOf(file)).value);
  return originals.get(file);
}

export const corpusSize = corpora.mdl.length;

/** What parseSource reports: syntax errors (MDL101-105) and, as MDL110, its token-nesting and expression-depth limits. */
const PARSE_CODES = /^MDL1(0[1-5]|10)$/;
const PARSE_DEPTHS = /^(brackets, blocks and operators|expressions) nest/;

/** The mutant of case `seed`: which file, and its text (odd seeds: token edits; even seeds: value edits). */
export function mdlMutant(seed: number, corpus: keyof typeof corpora = "mdl"): { file: string; text: string } {
  const files = corpora[corpus];
  const file = files[Math.floor(seed / 2) % files.length];
  const mutate = seed % 2 ? mutateMdl : mutateMdlValues;
  return { file, text: mutate(texts[file], rng(seed)) };
}

export const runMdlLargeCase = (seed: number): Outcome => runMdlCase(seed, "mdl-large");

export function runMdlCase(seed: number, corpus: keyof typeof corpora = "mdl"): Outcome {
  const { file, text } = mdlMutant(seed, corpus);
  const r = compile(file, memoryHost({ ...texts, [file]: text }), optionsOf(file));
  const sources = new Map([[file, new SourceFile(file, text)]]);
  for (const d of r.diagnostics)
    renderDiagnostic(d, (f) => sources.get(f) ?? (texts[f] ? new SourceFile(f, texts[f]) : undefined));

  // `mdl fmt` stops at the parse the compile has just done when it reports a syntax error or a parse-time
  // depth limit, so running it again would only repeat that parse (on the 20,000-term limit sample, seconds).
  // One case in 50 formats anyway and checks that the formatter refuses exactly when this says it will.
  const parseRefused = r.diagnostics.some(
    (d) => d.span?.file === file && PARSE_CODES.test(d.code) && (d.code !== "MDL110" || PARSE_DEPTHS.test(d.message)),
  );
  if (!parseRefused || seed % 50 === 0) {
    const formatted = formatSource(file, text);
    if (parseRefused !== formatted.diagnostics.length > 0)
      throw new Error(
        `fmt ${formatted.diagnostics.length ? "refused" : "accepted"} a mutant the compile's parse ${parseRefused ? "refused" : "accepted"}`,
      );
  }

  if (r.value) {
    const stats = analyze(r.value);
    summaryTable(r.value, stats.modules, stats.total);
    JSON.stringify(summaryJson(r.value, stats));
    const base = original(file);
    if (base) printDiff(diffModels(base, r.value));
    return "accepted";
  }
  return "refused";
}
