/**
 * docs/architecture.md's "add a diagnostic", followed on a scratch tree: `mdl check` on a file with a block named
 * in lower case reports the new warning with its code, at the block's name (file:line:col), and the catalogue's
 * codes stay unique. Before the recipe, the same check is silent about it.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { applyStep, mdl, recipeSteps, scratchTree } from "./recipe.ts";

const TITLE = "add a diagnostic";

const MODEL = `import { Linear } from "std"

block mlp(d: int) {
  fc = Linear(d, d)

  forward(x: [B, d]) -> [B, d] {
    return fc(x)
  }
}

model M(width: int = 4) {
  body = mlp(width)

  forward(x: [2, width]) -> [2, width] {
    return body(x)
  }
}
`;

test("add a diagnostic: the new warning is reported with its code and place, once the recipe is followed", () => {
  const steps = recipeSteps(TITLE);
  assert.equal(
    steps.map((s) => s.file),
    ["src/compiler/diagnostics/codes.ts", "src/compiler/2-resolve/names.ts"],
  );
  const { root, done } = scratchTree();
  try {
    writeFileSync(join(root, "lower.mdl"), MODEL);
    const before = mdl(root, ["check", "lower.mdl"]);
    assert.is(before.status, 0, before.stdout + before.stderr);
    assert.not.match(before.stdout + before.stderr, /capital letter/);

    for (const s of steps) applyStep(root, s, TITLE);
    const codes = [
      ...readFileSync(join(root, "src/compiler/diagnostics/codes.ts"), "utf8").matchAll(/e\("(MDL\d{3})"/g),
    ].map((m) => m[1]);
    const twice = codes.filter((c, i) => codes.indexOf(c) !== i);
    assert.equal(twice, [], "the recipe's code is taken: pick the next free number of the phase's range");

    const after = mdl(root, ["check", "lower.mdl"]);
    const out = after.stdout + after.stderr;
    assert.is(after.status, 0, out);
    assert.match(out, /^lower\.mdl:3:7: warning MDL\d{3}: block `mlp` should start with a capital letter$/m);
    assert.match(out, /^\s*3 \| block mlp\(d: int\) \{$/m, "the excerpt shows the line");
  } finally {
    done();
  }
});

test.run();
