// Padding and truncation of tokenize(), against rows written out by hand from known word ids
// ("a" 320, "photo" 1125, "of" 539, "cat" 2368; start 49406, end 49407).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ClipTokenizer } from "../../src/runtime/tokenizer/clip-tokenizer.ts";

const tokenizer = ClipTokenizer.load();
const SOT = 49406;
const EOT = 49407;

test("a short text is framed by start/end and zero padded", () => {
  const { ids, shape } = tokenizer.tokenize(["a photo of a cat"], 10);
  assert.equal(shape, [1, 10]);
  assert.equal(Array.from(ids), [SOT, 320, 1125, 539, 320, 2368, EOT, 0, 0, 0]);
});

test("a text that exactly fills the context keeps every token", () => {
  assert.equal(Array.from(tokenizer.tokenize(["a photo of a cat"], 7).ids), [SOT, 320, 1125, 539, 320, 2368, EOT]);
});

test("a text one token too long loses its last BPE token, the end token stays last", () => {
  assert.equal(Array.from(tokenizer.tokenize(["a photo of a cat"], 6).ids), [SOT, 320, 1125, 539, 320, EOT]);
});

test("truncation to the smallest row keeps only start and end", () => {
  assert.equal(Array.from(tokenizer.tokenize(["a photo of a cat"], 2).ids), [SOT, EOT]);
});

test("an empty text is start, end, padding", () => {
  assert.equal(Array.from(tokenizer.tokenize([""], 4).ids), [SOT, EOT, 0, 0]);
});

test("rows of a batch are laid out one after another, each padded on its own", () => {
  const { ids, shape } = tokenizer.tokenize(["a cat", "a photo of a cat", "photo"], 6);
  assert.equal(shape, [3, 6]);
  assert.equal(Array.from(ids), [SOT, 320, 2368, EOT, 0, 0, SOT, 320, 1125, 539, 320, EOT, SOT, 1125, EOT, 0, 0, 0]);
});

test("an empty batch has no rows", () => {
  const { ids, shape } = tokenizer.tokenize([], 77);
  assert.equal(shape, [0, 77]);
  assert.is(ids.length, 0);
});

test("the default context is CLIP's 77 and ids are int32", () => {
  const { ids, shape } = tokenizer.tokenize(["a cat"]);
  assert.equal(shape, [1, 77]);
  assert.ok(ids instanceof Int32Array);
  assert.equal(Array.from(ids.subarray(0, 5)), [SOT, 320, 2368, EOT, 0]);
  assert.ok(ids.subarray(4).every((id) => id === 0));
});

test("a long text truncated at 77 keeps its first 75 BPE tokens", () => {
  const words = Array.from({ length: 100 }, (_, i) => (i % 2 ? "cat" : "photo")).join(" ");
  const expected = [SOT, ...Array.from({ length: 75 }, (_, i) => (i % 2 ? 2368 : 1125)), EOT];
  assert.equal(Array.from(tokenizer.tokenize([words]).ids), expected);
});

test("special tokens written in the text are encoded as themselves", () => {
  assert.equal(tokenizer.encode("<|startoftext|>a cat<|endoftext|>"), [SOT, 320, 2368, EOT]);
});

test.run();
