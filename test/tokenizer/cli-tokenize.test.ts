// `mdl tokenize --json` end to end, in one child process; ids checked against the official fixture.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

const fixture = JSON.parse(readFileSync("test/fixtures/tokenizer/clip-bpe-cases.json", "utf8")) as {
  cases: { text: string; bpe_ids: number[] }[];
};
const expected = (text: string) => fixture.cases.find((c) => c.text === text)!.bpe_ids;

test("--json prints one { text, ids } per input, in order, with the official ids", () => {
  const texts = ["a photo of a cat", "naïve café résumé", "Hello,   World!!  "];
  const run = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "tokenize", "--json", ...texts], {
    encoding: "utf8",
  });
  assert.is(run.stderr, "");
  assert.is(run.status, 0);
  const rows = JSON.parse(run.stdout) as { text: string; ids: number[] }[];
  assert.equal(rows, texts.map((text) => ({ text, ids: expected(text) })));
});

test.run();
