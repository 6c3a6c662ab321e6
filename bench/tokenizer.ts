/**
 * CLIP tokenizer speed: load time, then encode throughput with a cold BPE cache (every word new) and
 * a warm one (Kinetics-style prompts, whose words repeat). Run: node --import tsx bench/tokenizer.ts (or npm run bench -- tokenizer)
 */
import { readFileSync } from "node:fs";
import { ClipTokenizer } from "../src/runtime/tokenizer/clip-tokenizer.ts";

const t0 = performance.now();
const tokenizer = ClipTokenizer.load();
const loadMs = performance.now() - t0;

// Distinct words: decode each whole-word vocabulary entry back to text, so the first pass runs BPE on all.
const words: string[] = [];
for (let id = 512; id < tokenizer.vocabSize - 2; id++) {
  const w = tokenizer.decode([id]);
  if (w.endsWith(" ") && /^[a-z]+ $/.test(w)) words.push(w.trim());
}
const coldText = words.join(" ");
let t = performance.now();
const coldTokens = tokenizer.encode(coldText).length;
const coldMs = performance.now() - t;

const prompts = (
  JSON.parse(readFileSync("test/fixtures/tokenizer/clip-bpe-cases.json", "utf8")) as { cases: { text: string }[] }
).cases.map((c) => c.text);
let warmTokens = 0;
t = performance.now();
for (let round = 0; round < 50; round++) for (const p of prompts) warmTokens += tokenizer.encode(p).length;
const warmMs = performance.now() - t;

t = performance.now();
for (let round = 0; round < 50; round++) tokenizer.tokenize(prompts);
const rowsMs = performance.now() - t;

console.log(`load: ${loadMs.toFixed(1)} ms (first call in this process, module import excluded)`);
console.log(
  `cold encode: ${words.length} distinct words, ${coldTokens} tokens in ${coldMs.toFixed(0)} ms = ${Math.round(coldTokens / (coldMs / 1000))} tokens/s`,
);
console.log(
  `warm encode: ${warmTokens} tokens in ${warmMs.toFixed(0)} ms = ${Math.round(warmTokens / (warmMs / 1000))} tokens/s`,
);
console.log(
  `tokenize(): ${50 * prompts.length} rows of 77 in ${rowsMs.toFixed(0)} ms = ${Math.round((50 * prompts.length) / (rowsMs / 1000))} rows/s`,
);
