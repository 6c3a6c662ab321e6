/**
 * No input makes the compiler throw: seeded random mutations of the shipped sources (token
 * deletions, duplications, swaps, truncations, random bytes, stray keywords and operators) must
 * come back as diagnostics. Deterministic; a crash prints the seed and the mutated text to replay.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { lexer } from "../../grammar/tokens.ts";
import { compile } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { STD_SOURCE } from "../../src/compiler/std/std-source.ts";

const CASES = Number(process.env.FUZZ_CASES ?? 2000);
const clip = readFileSync("models/clip.mdl", "utf8");
const sources: [string, string][] = [
  ["models/clip.mdl", clip],
  ["models/xclip.mdl", readFileSync("models/xclip.mdl", "utf8")],
  ["std.mdl", STD_SOURCE],
];
const inserts = ["block", "model", "forward", "return", "repeat", "seq", "use", "optional", "if", "else", "for", "in", "let", "param",
  "extends", "preset", "set", "replace", "remove", "import", "{", "}", "(", ")", "[", "]", ",", ":", "->", "...", "=", "+", "-", "*", "/",
  "//", "**", "@", "0", "-1", "1e9", "0.5", "x", "B", '"s"', "true", "not", "and", "\n"];

/** mulberry32: small, seedable, the same sequence on every platform. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(text: string, rand: () => number): string {
  const toks = lexer.tokenize(text).tokens.map((t) => [t.startOffset, t.startOffset + t.image.length] as const);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const edits = 1 + Math.floor(rand() * 3);
  for (let e = 0; e < edits && toks.length > 2; e++) {
    const i = Math.floor(rand() * (toks.length - 1));
    const [s, end] = toks[i];
    const [s2, end2] = toks[i + 1];
    switch (Math.floor(rand() * 6)) {
      case 0: // delete a token
        text = text.slice(0, s) + text.slice(end);
        break;
      case 1: // duplicate a token
        text = text.slice(0, end) + " " + text.slice(s, end) + text.slice(end);
        break;
      case 2: // swap two neighbouring tokens
        text = text.slice(0, s) + text.slice(s2, end2) + text.slice(end, s2) + text.slice(s, end) + text.slice(end2);
        break;
      case 3: // truncate
        return text.slice(0, Math.floor(rand() * text.length));
      case 4: // random bytes
        text = text.slice(0, s) + String.fromCharCode(...Array.from({ length: 1 + Math.floor(rand() * 4) }, () => Math.floor(rand() * 256))) + text.slice(s);
        break;
      default: // a keyword, operator or literal where it does not belong
        text = text.slice(0, s) + " " + pick(inserts) + " " + text.slice(s);
    }
    // offsets after the edit are stale; later edits land on whatever is there, which is fine for fuzzing
  }
  return text;
}

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
    for (const d of r!.diagnostics) assert.ok(/^MDL\d{3}$/.test(d.code) && d.message, `seed ${n + 1}: a catalogued diagnostic`);
  }
  // most mutations break something; if none did, the mutator is not mutating
  assert.ok(withErrors > CASES / 2, `${withErrors} of ${CASES} mutants had errors`);
});

test.run();
