/**
 * No input makes the compiler throw: seeded random mutations of the shipped sources (token
 * deletions, duplications, swaps, truncations, random bytes, stray keywords and operators) must
 * come back as diagnostics. Deterministic; a crash prints the seed and the mutated text to replay.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { compile } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { formatSource } from "../../src/compiler/1-syntax/print.ts";
import { STD_SOURCE } from "../../src/compiler/std/std-source.ts";
import { mutateMdl as mutate, rng } from "../helpers/mutate.ts";

const CASES = Number(process.env.FUZZ_CASES ?? 2000);
const clip = readFileSync("models/clip.mdl", "utf8");
const sources: [string, string][] = [
  ["models/clip.mdl", clip],
  ["models/xclip.mdl", readFileSync("models/xclip.mdl", "utf8")],
  ["std.mdl", STD_SOURCE],
];

test(`${CASES} mutated sources give diagnostics, never an exception`, () => {
  let withErrors = 0;
  for (let n = 0; n < CASES; n++) {
    const [name, original] = sources[n % sources.length];
    const text = mutate(original, rng(n + 1));
    const host = memoryHost({ [name]: text, "models/clip.mdl": name === "models/clip.mdl" ? text : clip });
    let r;
    try {
      r = compile(name, host, { preset: "tiny" }); // tiny: the same code paths as B/32 with fewer layers to walk
    } catch (err) {
      assert.unreachable(`seed ${n + 1} (${name}) threw ${(err as Error).stack}\n--- source ---\n${text}`);
    }
    if (r!.diagnostics.some((d) => d.severity === "error")) withErrors++;
    for (const d of r!.diagnostics)
      assert.ok(/^MDL\d{3}$/.test(d.code) && d.message, `seed ${n + 1}: a catalogued diagnostic`);
  }
  // most mutations break something; if none did, the mutator is not mutating
  assert.ok(withErrors > CASES / 2, `${withErrors} of ${CASES} mutants had errors`);
});

// Mutants the campaigns of bench/fuzz (`npm run fuzz`) crashed on, kept as text: the seed -> mutant mapping
// follows the corpus, which grows with the repository.
const FOUND: [string, string][] = [
  // mdl:3274, a name swapped: `model A` after `block A` was configured as a model (TypeError: m.presets is not iterable)
  [
    "mdl:3274",
    "block A() { forward(x: [2]) -> [2] { return x } }\nmodel A() { forward(x: [2]) -> [2] { return relu(x) } }\nmodel M { a = A() forward(x: [1e-9]) -> [2] { return a(x) } }\n",
  ],
];

for (const [seed, text] of FOUND) {
  test(`fuzz ${seed}: diagnostics, not an exception`, () => {
    const r = compile("input.mdl", memoryHost({ "input.mdl": text }));
    assert.ok(
      r.diagnostics.some((d) => d.severity === "error"),
      seed,
    );
    assert.ok(
      r.diagnostics.every((d) => /^MDL\d{3}$/.test(d.code)),
      seed,
    );
  });
}

// Mutants that ran past the campaign's 8 s limit before the compiler's size limits (src/compiler/limits.ts):
// repeat and layer counts of 10^12 and 65,536, widths of 10^9. Each is now refused by the limit it crosses,
// before the copies or the tensors are made.
const OVER_LIMIT: [string, string, string][] = [
  [
    "mdl:16",
    'import { Linear } from "std"\nmodel M(layers: int = 999999999999) {\n  blocks = repeat layers - 3 { Linear(4, 4) }\n  forward(x: [2, 4]) -> [7, 4] { return blocks(x) }\n}\n',
    "MDL341",
  ],
  [
    "mdl:94",
    'import { Linear, LayerNorm } from "std"\nblock Layer(d: int) {\n  ln = LayerNorm(d)\n  fc = Linear(d, d)\n  forward(x: [N, d]) -> [N, d] { return x + fc(ln(x)) }\n}\nmodel M(d: int = 8, layers: int = 65536) {\n  blocks = repeat layers { Layer(d) }\n  forward(x: [B, d]) -> [B, d] { return blocks(x) }\n}\n',
    "MDL341",
  ],
  [
    "mdl:1646",
    'import { Linear, LayerNorm } from "std"\nblock Layer(d: int) {\n  ln = LayerNorm(d)\n  fc = Linear(d, d)\n  forward(x: [N, d]) -> [N, d] { return x + fc(ln(x)) }\n}\nmodel M(d: int = 1e9, layers: int = 2) {\n  blocks = repeat layers { Layer(d) }\n  forward(x: [B, d]) -> [B, d] { return blocks(x) }\n}\n',
    "MDL408",
  ],
];

// The campaign's oracle: MDL101-105 come from the parser alone, so `mdl fmt` refuses exactly what they refuse.
// mdl:5900 (with 52250, 55100): a wrong word in a `train` section (`train * 10`, `traim {`) is a name to the
// parser and was reported by the checker as MDL101, which the formatter rightly accepted; it is MDL457 now.
test("fuzz mdl:5900: a wrong word in a train section is the checker's MDL457, and fmt accepts the file", () => {
  const text = 'model train {\n  train {\n    train * 10: "mit"\n    lr * 0.5: "visual.**"\n  }\n}\n';
  const r = compile("input.mdl", memoryHost({ "input.mdl": text }));
  assert.ok(
    r.diagnostics.some((d) => d.code === "MDL457"),
    r.diagnostics.map((d) => d.code).join(", "),
  );
  assert.not.ok(r.diagnostics.some((d) => /^MDL10[1-5]$/.test(d.code)));
  assert.is(formatSource("input.mdl", text).diagnostics.length, 0);
});

for (const [seed, text, code] of OVER_LIMIT) {
  test(`fuzz ${seed}: refused by a size limit (${code})`, () => {
    const r = compile("input.mdl", memoryHost({ "input.mdl": text }));
    assert.ok(
      r.diagnostics.some((d) => d.code === code),
      `${seed}: ${r.diagnostics.map((d) => d.code).join(", ")}`,
    );
    assert.is(r.value, undefined, seed);
  });
}

test.run();
