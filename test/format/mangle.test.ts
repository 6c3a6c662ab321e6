/**
 * A model with its whitespace mangled (tokens joined or split across lines, indentation gone,
 * comments and blank lines where they were) formats back to the original text, and every step
 * compiles to the same IR.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { formatSource } from "../../src/compiler/1-syntax/print.ts";
import { compile, modelsOf } from "../../src/compiler/compile.ts";
import { printIr } from "../../src/compiler/4-ir/print.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import { commentsOf, formattedFiles, mangle, read, sampleFiles } from "./helpers.ts";

const SEEDS = [1, 2, 3, 4, 5, 6];

for (const file of formattedFiles) {
  test(`${file}: ${SEEDS.length} mangled copies format back to the file, comments and all`, () => {
    const text = read(file);
    for (const seed of SEEDS) {
      const mangled = mangle(text, seed);
      assert.is.not(mangled, text);
      assert.fixture(formatSource(file, mangled).value ?? "(syntax error)", text, `seed ${seed}`);
      assert.equal(commentsOf(mangled), commentsOf(text));
    }
  });
}

/** The printed IR of every model in `file` when its text is `text`, or undefined when it does not compile. */
function irs(file: string, text: string, preset?: string): string[] | undefined {
  const probe = compile(file, fsHost, { text, model: "__none__" });
  const out: string[] = [];
  for (const m of modelsOf(probe.program)) {
    const r = compile(file, fsHost, { text, model: m.name, preset });
    if (!r.value) return undefined;
    out.push(printIr(r.value));
  }
  return out.length ? out : undefined;
}

const compiling = [...formattedFiles, ...sampleFiles].filter(
  (f) => !f.includes("/std/") && irs(f, read(f), undefined) !== undefined,
);

test("the models, variants and several samples compile (so the IR comparisons below compare something)", () => {
  for (const f of ["models/clip.mdl", "models/xclip.mdl"]) assert.ok(compiling.includes(f), f);
  assert.ok(compiling.some((f) => f.startsWith("models/variants/")));
  assert.ok(compiling.includes("test/diff/samples/reformatted/input.mdl"));
});

for (const file of compiling) {
  test(`${file}: the original, a mangled copy and the formatted copy compile to the same IR`, () => {
    const text = read(file);
    const mangled = mangle(text, 7);
    const formatted = formatSource(file, mangled).value as string;
    const want = irs(file, text, file.startsWith("models/") ? "tiny" : undefined);
    assert.ok(want);
    assert.equal(irs(file, mangled, file.startsWith("models/") ? "tiny" : undefined), want);
    assert.equal(irs(file, formatted, file.startsWith("models/") ? "tiny" : undefined), want);
  });
}

test.run();
