/**
 * Big sources as a user runs them (issue 26.4): a 10 MB model is refused at once with the limit that
 * stops it and the flag that raises it; 3,400 syntax errors, one between each pair of blocks, are
 * reported (50 shown, the rest counted) where Chevrotain's recovery overflowed the stack; a sum of
 * 2.6 million terms is refused on its tokens. How fast each runs is bench/compile-scaling.ts's; the
 * timeout only keeps a hang from stalling the suite.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSource } from "../../src/compiler/1-syntax/parse.ts";
import { bigSource, longSum, writeModel } from "./big-source.ts";

const dir = mkdtempSync(join(tmpdir(), "mdl-big-"));
const mdl = (...args: string[]) =>
  spawnSync(process.execPath, ["--max-old-space-size=2048", "bin/mdl.js", ...args], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, NODE_OPTIONS: "" },
  });

function clean(r: ReturnType<typeof mdl>, exit: number): string {
  assert.is(r.signal, null, `killed by ${r.signal}: ${r.stderr.slice(0, 400)}`);
  const out = r.stdout + r.stderr;
  assert.is(r.status, exit, out.slice(0, 2000));
  assert.not.match(out, /\n\s+at /, "no stack trace");
  assert.not.match(out, /RangeError|heap|Maximum call stack|MDL009/);
  return out;
}

test("a 10 MB model: MDL111 where it passes 2 MiB, naming --max-source-bytes; exit 1", () => {
  const text = bigSource(10e6);
  const file = writeModel(join(dir, "valid"), text);
  const out = clean(mdl("check", file), 1);
  const line = text.slice(0, 2 * 1024 * 1024 + 1).split("\n").length;
  assert.match(out, `${file}:${line}:`);
  assert.match(
    out,
    `error MDL111: the source is ${text.length.toLocaleString("en-US")} bytes, more than the limit of 2,097,152 (raise it with --max-source-bytes)`,
  );
  assert.match(out, `${file}: 1 error`);
});

test("--max-source-bytes raises the limit: a 1.5 MB model checks under 1 MB only when raised", () => {
  const file = writeModel(join(dir, "raised"), bigSource(1.5e6));
  assert.match(clean(mdl("check", file, "--max-source-bytes", "1000000"), 1), "error MDL111");
  assert.match(clean(mdl("check", file), 0), `${file}: ok (1 configuration)`);
  assert.match(clean(mdl("check", file, "--max-source-bytes", "0"), 2), "error MDL005");
});

test("3,400 stray tokens between blocks (2.4 MB): every one counted, 50 shown, exit 1", () => {
  // `x "oops` at the top level sent Chevrotain's recovery to the end of the file once per error (113 s), then overflowed
  const text = bigSource(2.4e6).replace(/\nblock CrossFrameBlock\d/g, (s) => `\nx "oops${s}`);
  const file = writeModel(join(dir, "stray"), text);
  const strays = text.split('x "oops').length - 1;
  assert.ok(strays > 3200, `${strays}`);
  const out = clean(mdl("check", file, "--max-source-bytes", "3000000"), 1);
  assert.is(out.split("\n").filter((l) => / error MDL1\d\d: /.test(l)).length, 50);
  // each stray gives an unterminated string and an unexpected `x` on one line: one error per line is kept
  assert.match(out, `... and ${(strays - 50).toLocaleString("en-US")} more errors not shown (the first 50 are)`);
  assert.match(out, `${file}: ${strays} errors (0 configurations)`);
});

test("a declaration cut short by the next one: the error is at the next `block`, not at the end of the file", () => {
  const r = parseSource("f.mdl", "block A(d: int)\nblock B(d: int) {\n}\n");
  assert.is(r.diagnostics.length, 1);
  assert.is(r.diagnostics[0].code, "MDL101");
  assert.is(r.diagnostics[0].span?.start, 16);
  assert.equal(
    r.value.decls.map((d) => d.name.name),
    ["A", "B"],
  );
});

test("200,000 bad characters: reported without a stack overflow", () => {
  const r = parseSource("f.mdl", "$ ".repeat(200_000));
  assert.is(r.diagnostics.length, 200_000);
  assert.ok(r.diagnostics.every((d) => d.code === "MDL102"));
});

test("x + x + ... with 2.6 million terms: refused by size, and with the limit raised, by its operator chain", () => {
  const file = writeModel(join(dir, "sum"), longSum(2_600_000));
  assert.match(clean(mdl("check", file), 1), "error MDL111");
  const out = clean(mdl("check", file, "--max-source-bytes", "20000000"), 1);
  assert.match(out, `${file}:3:12: error MDL110: expressions nest more than 256 levels deep`);
});

test("operator chains: 256 `+` parse, 257 are refused before parsing, products and brackets start new chains", () => {
  const src = (e: string) => `model M {\n  forward(x: [B, 4]) -> [B, 4] {\n    return ${e}\n  }\n}\n`;
  assert.equal(parseSource("f.mdl", src(`${"x + ".repeat(256)}x`)).diagnostics, []);
  const deep = parseSource("f.mdl", src(`${"x + ".repeat(257)}x`)).diagnostics;
  assert.equal(
    deep.map((d) => [d.code, d.span?.start]),
    [["MDL110", 54]],
  );
  // 200 sums of 2-factor products: 200 `+` and 200 `*`, never more than 200 in one chain
  assert.equal(parseSource("f.mdl", src(`${"x * x + ".repeat(200)}x`)).diagnostics, []);
  assert.equal(parseSource("f.mdl", src(`${"(x + x) * ".repeat(200)}x`)).diagnostics, []);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
