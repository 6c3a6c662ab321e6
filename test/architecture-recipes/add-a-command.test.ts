/**
 * docs/architecture.md's "add a command", followed on a scratch tree: `mdl ops` runs through bin/mdl.js and prints
 * every op of the table with its traits, and `mdl --help` lists it. Before the step that registers it, the
 * command file alone makes no command: the help does not list it.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { opNames } from "../../src/compiler/ops/table.ts";
import { applyStep, mdl, recipeSteps, scratchTree } from "./recipe.ts";

const TITLE = "add a command";

test("add a command: `mdl ops` lists the op table, and only once it is registered", () => {
  const steps = recipeSteps(TITLE);
  assert.equal(steps.map((s) => s.file), ["src/cli/ops.ts", "src/cli/commands.ts"]);
  const { root, done } = scratchTree();
  try {
    applyStep(root, steps[0], TITLE);
    const HELP_LINE = /^\s+ops\s+list the op table's primitives and their traits$/m;
    const before = mdl(root, ["--help"]);
    assert.is(before.status, 0, before.stderr);
    assert.match(before.stdout, /^\s+check \[options\]/m);
    assert.not.match(before.stdout, HELP_LINE, "listed before it is registered");

    applyStep(root, steps[1], TITLE);
    const r = mdl(root, ["ops"]);
    assert.is(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines.map((l) => l.split("\t")[0]), opNames, "one line per op of the table, in its order");
    assert.ok(lines.includes("add\tpointwise"), lines.join("\n"));
    assert.ok(lines.includes("matmul\t"), "an op without traits has an empty second column");

    const help = mdl(root, ["--help"]);
    assert.match(help.stdout, HELP_LINE);
  } finally {
    done();
  }
});

test.run();
