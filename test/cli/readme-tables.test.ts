/**
 * The README's printed outputs are what their commands print now (`npm run readme:tables` rewrites them), and its
 * demo table is the demo's last output: README = docs/demo/table.md = the table of docs/demo/results.json's runs.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { README, regenerate } from "../../scripts/readme-tables.ts";
import { demoTable } from "../../src/cli/demo.ts";
import type { RunOutcome } from "../../src/runtime/session/compare.ts";

const readme = readFileSync(README, "utf8");

/** The first line where two texts differ, both sides shown. */
function firstDifference(a: string, b: string): string {
  const x = a.split("\n");
  const y = b.split("\n");
  const i = x.findIndex((l, j) => l !== y[j]);
  return i < 0 ? "" : `README.md:${i + 1}:\n  in the README: ${x[i]}\n  printed now:   ${y[i] ?? "(nothing)"}`;
}

test("every <!-- output --> block of the README is what its command prints now", () => {
  assert.ok(
    (readme.match(/^<!-- output -->$/gm) ?? []).length >= 2,
    "the README's generated blocks lost their markers",
  );
  const { text, problems } = regenerate(readme);
  assert.equal(problems, []);
  assert.ok(text === readme, `run \`npm run readme:tables\`; ${firstDifference(readme, text)}`);
});

test("the README's demo table is docs/demo/table.md, and that is the table of docs/demo/results.json", () => {
  const table = readFileSync("docs/demo/table.md", "utf8");
  const at = readme.indexOf("<!-- demo-table -->\n");
  assert.ok(at >= 0, "the demo table lost its marker");
  const inReadme = readme
    .slice(at)
    .split("\n")
    .slice(1)
    .filter((l, i, ls) => ls.slice(0, i + 1).every((m) => m.startsWith("|")));
  assert.is(
    inReadme.join("\n") + "\n",
    table,
    "README.md's demo table differs from docs/demo/table.md: npm run readme:tables",
  );
  const results = JSON.parse(readFileSync("docs/demo/results.json", "utf8")) as {
    costs: Record<string, { params: number; macs: number }>;
    runs: (Omit<RunOutcome, "test" | "losses"> & { top1: number; directionAccuracy: number | null })[];
  };
  const runs = results.runs.map(
    (r) =>
      ({
        ...r,
        losses: [],
        directionAccuracy: r.directionAccuracy ?? NaN,
        test: { top1: r.top1 },
      }) as unknown as RunOutcome,
  );
  assert.is(
    demoTable(runs, new Map(Object.entries(results.costs))),
    table,
    "docs/demo/table.md is not the table of docs/demo/results.json's runs",
  );
});

test.run();
