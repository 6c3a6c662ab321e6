// Ids against OpenAI's simple_tokenizer: every case of the fixture made with the official code.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { ClipTokenizer } from "../../src/runtime/tokenizer/clip-tokenizer.ts";

interface Case {
  text: string;
  bpe_ids: number[];
  context77: number[];
}
const fixture = JSON.parse(readFileSync("test/fixtures/tokenizer/clip-bpe-cases.json", "utf8")) as {
  sot: number;
  eot: number;
  cases: Case[];
};
const tokenizer = ClipTokenizer.load();
const label = (text: string) => JSON.stringify(text.length > 60 ? text.slice(0, 57) + "..." : text);

test("vocabulary size and special tokens match the fixture", () => {
  assert.is(tokenizer.vocabSize, 49408);
  assert.is(tokenizer.sot, fixture.sot);
  assert.is(tokenizer.eot, fixture.eot);
  assert.is(fixture.cases.length, 420);
});

test("load() returns one shared tokenizer", () => {
  assert.is(ClipTokenizer.load(), tokenizer);
});

for (const c of fixture.cases) {
  test(`ids of ${label(c.text)}`, () => {
    assert.equal(tokenizer.encode(c.text), c.bpe_ids);
    const { ids, shape } = tokenizer.tokenize([c.text]);
    assert.equal(shape, [1, 77]);
    assert.equal(Array.from(ids), c.context77);
  });
}

test("a batch of all cases gives the fixture rows in order", () => {
  const { ids, shape } = tokenizer.tokenize(fixture.cases.map((c) => c.text));
  assert.equal(shape, [420, 77]);
  const mismatched = fixture.cases.filter((c, row) =>
    ids.subarray(row * 77, (row + 1) * 77).some((id, k) => id !== c.context77[k]),
  );
  assert.equal(
    mismatched.map((c) => c.text),
    [],
  );
});

test.run();
