/**
 * docs/architecture.md's "add a command", followed on a scratch tree: `mdl codes` runs through bin/mdl.js and prints
 * every code of the diagnostic catalogue with its severity, `mdl --help` lists it, and its imports keep the folder
 * edges (test/architecture passes). Before the steps that register it, the file alone makes no command.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { codes } from "../../src/compiler/diagnostics/codes.ts";
import { applyStep, ARCHITECTURE, architectureTest, mdl, recipeSteps, scratchTree } from "./recipe.ts";

const TITLE = "add a command";
const HELP_LINE = /^\s+codes\s+list every diagnostic code with its severity$/m;

test("add a command: `mdl codes` lists the catalogue, and only once it is registered", () => {
  const steps = recipeSteps(TITLE);
  assert.equal(
    steps.map((s) => s.file),
    ["src/cli/codes.ts", "src/cli/commands.ts", "src/cli/about.ts"],
  );
  const { root, done } = scratchTree(ARCHITECTURE);
  try {
    applyStep(root, steps[0], TITLE);
    const before = mdl(root, ["--help"]);
    assert.is(before.status, 0, before.stderr);
    assert.match(before.stdout, /^\s+check \[options\]/m);
    assert.not.match(before.stdout, HELP_LINE, "listed before it is registered");

    applyStep(root, steps[1], TITLE);
    applyStep(root, steps[2], TITLE);
    const r = mdl(root, ["codes"]);
    assert.is(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(
      lines.map((l) => l.split("\t")[2]),
      Object.keys(codes),
      "one line per entry of the catalogue, in its order",
    );
    assert.ok(lines.includes("MDL301\terror\tshape_mismatch"), lines.join("\n"));
    assert.ok(lines.includes("MDL361\twarning\tunused_member"), lines.join("\n"));

    const help = mdl(root, ["--help"]);
    assert.match(help.stdout, HELP_LINE);
    const layers = architectureTest(root);
    assert.is(layers.status, 0, layers.stdout.slice(-3000) + layers.stderr);
  } finally {
    done();
  }
});

test.run();
