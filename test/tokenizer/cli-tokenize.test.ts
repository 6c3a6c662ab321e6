// `mdl tokenize --json` end to end, in one child process; ids checked against the official fixture.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { MdlError } from "../../src/compiler/diagnostics/diagnostic.ts";
import { parseContext, tokenizeTexts } from "../../src/cli/tokenize.ts";

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
  assert.equal(
    rows,
    texts.map((text) => ({ text, ids: expected(text) })),
  );
});

test("--context rows are the padded model input", () => {
  assert.equal(tokenizeTexts(["a cat"], 5), [{ text: "a cat", ids: [49406, 320, 2368, 49407, 0] }]);
});

test("--context accepts integers from 2 and reports anything else as MDL530", () => {
  assert.is(parseContext("77"), 77);
  assert.is(parseContext("2"), 2);
  for (const bad of ["1", "0", "-3", "7.5", "abc", "", "1e3"]) {
    try {
      parseContext(bad);
      assert.unreachable(`--context ${JSON.stringify(bad)} was accepted`);
    } catch (err) {
      assert.instance(err, MdlError);
      assert.is((err as MdlError).diagnostic.code, "MDL530");
      assert.is((err as MdlError).diagnostic.file, "--context");
    }
  }
});

test.run();
