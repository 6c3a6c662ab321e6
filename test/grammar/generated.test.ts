import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { cstDts } from "../../grammar/cst-dts.ts";
import { STD_SOURCE } from "../../src/compiler/std/std-source.ts";

test("grammar/cst.d.ts matches the grammar (regenerate: npx tsx scripts/gen-cst-dts.ts)", () => {
  assert.is(readFileSync(new URL("../../grammar/cst.d.ts", import.meta.url), "utf8"), cstDts());
});

test("the embedded std matches src/compiler/std/std.mdl (regenerate: node scripts/gen-std.mjs)", () => {
  assert.is(STD_SOURCE, readFileSync(new URL("../../src/compiler/std/std.mdl", import.meta.url), "utf8"));
});

test.run();
