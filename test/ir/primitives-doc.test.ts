import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { opNames } from "../../src/compiler/ops/table.ts";
import { primitivesDoc, stdBlocks } from "../../src/tools/docs/primitives.ts";

test("docs/primitives.md matches the op table and std.mdl (regenerate: npm run gen)", () => {
  assert.fixture(readFileSync("docs/primitives.md", "utf8"), primitivesDoc());
});

test("the page has a section per op and a line per std block", () => {
  const doc = primitivesDoc();
  for (const op of opNames) assert.ok(doc.includes(`## \`${op}\``), op);
  const blocks = stdBlocks();
  assert.ok(blocks.length >= 10, `found ${blocks.length} std blocks`);
  assert.equal(blocks.find((b) => b.name === "LayerNorm"), {
    name: "LayerNorm", params: "dim: int, eps: float = 1e-5", forward: "(x: [..., dim]) -> [..., dim]", doc: "torch.nn.LayerNorm over the last axis (biased variance)",
  });
});

test.run();
