/**
 * Golden diffs: each test/diff/samples/<case>/ holds `args` (the two models, as given to `mdl diff`),
 * any input files, and the expected `diff.txt`. UPDATE=1 rewrites the goldens.
 */
import { readdirSync, readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compileSpec, parseModelSpec } from "../../src/cli/diff.ts";
import { diffModels } from "../../src/tools/diff/diff.ts";
import { printDiff } from "../../src/tools/diff/print.ts";
import { DiffJson } from "../../src/tools/diff/schema.ts";
import { expectGolden } from "../helpers/golden.ts";

const SAMPLES = "test/diff/samples";

for (const name of readdirSync(SAMPLES)) {
  test(`diff ${name}`, () => {
    const [a, b] = readFileSync(`${SAMPLES}/${name}/args`, "utf8").trim().split(/\s+/);
    const d = diffModels(compileSpec(parseModelSpec(a), {}), compileSpec(parseModelSpec(b), {}));
    DiffJson.parse(JSON.parse(JSON.stringify(d)));
    assert.is(d.changed, name !== "reformatted", "only the reformatted copy is semantically the same");
    expectGolden(printDiff(d), `${SAMPLES}/${name}/diff.txt`);
  });
}

test.run();
