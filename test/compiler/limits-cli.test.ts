/**
 * The size bombs as a user runs them (issue 15): each ends in a located, catalogued error with exit 1
 * (`check` found errors) or 2 (a command that needed the model), no stack trace, and no crash. The
 * samples are the golden folders test/compiler/samples/error-limit-*; diagnostics.test.ts holds their
 * exact text. How fast each is refused is measured in bench/compile.ts, not asserted here; the timeout
 * only stops a hang from stalling the suite.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSafetensors } from "../../src/runtime/weights/safetensors.ts";

const SAMPLES = "test/compiler/samples";
const mdl = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/mdl.js", ...args], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, NODE_OPTIONS: "" },
  });

function refused(r: ReturnType<typeof mdl>, exit: number, code: string, where: RegExp): void {
  assert.is(r.signal, null, `killed by ${r.signal}: ${r.stderr.slice(0, 400)}`);
  const out = r.stdout + r.stderr;
  assert.is(r.status, exit, out.slice(0, 2000));
  assert.match(out, where);
  assert.match(out, `error ${code}`);
  assert.not.match(out, /\n\s+at /, "no stack trace");
  assert.not.match(out, /RangeError|heap|Maximum call stack/);
}

test("20,000 nested parentheses: MDL110 at the 65th, exit 1", () => {
  refused(
    mdl("check", `${SAMPLES}/error-limit-nesting/input.mdl`),
    1,
    "MDL110",
    /error-limit-nesting\/input\.mdl:4:74: /,
  );
});

test("a 20,000-term sum: MDL110 on the expression, exit 1", () => {
  refused(mdl("check", `${SAMPLES}/error-limit-sum/input.mdl`), 1, "MDL110", /error-limit-sum\/input\.mdl:4:12: /);
});

test("repeat 100000000: MDL341 at the count, exit 1", () => {
  refused(
    mdl("check", `${SAMPLES}/error-limit-repeat/input.mdl`),
    1,
    "MDL341",
    /error-limit-repeat\/input\.mdl:4:19: /,
  );
});

test("--set layers=100000000 on a model: MDL341 at the repeat, with the --set shown; exit 1", () => {
  const r = mdl("check", `${SAMPLES}/error-limit-set/input.mdl`, "--set", "layers=100000000");
  refused(r, 1, "MDL341", /error-limit-set\/input\.mdl:9:19: /);
  assert.match(r.stderr + r.stdout, "<command line>:1:34: note: `layers` is set on the command line");
});

test("--set layers=100000000 on X-CLIP: the same, at its stack of resblocks", () => {
  const at =
    readFileSync("models/xclip.mdl", "utf8")
      .split("\n")
      .findIndex((l) => l.includes("transformer.resblocks = repeat layers")) + 1;
  refused(
    mdl("check", "models/xclip.mdl", "--set", "layers=100000000"),
    1,
    "MDL341",
    new RegExp(`models/xclip\\.mdl:${at}:34: `),
  );
});

test("--max-instances raises the limit: the same stack at 1,000 layers compiles with a higher limit only", () => {
  const file = `${SAMPLES}/error-limit-set/input.mdl`;
  refused(mdl("check", file, "--set", "layers=10000", "--max-instances", "20000"), 1, "MDL341", /input\.mdl:9:19: /);
  const r = mdl("check", file, "--set", "layers=1000", "--max-instances", "5000");
  assert.is(r.status, 0, r.stderr);
  refused(mdl("check", file, "--max-instances", "zero"), 2, "MDL005", /--max-instances/);
});

const dir = mkdtempSync(join(tmpdir(), "mdl-limits-"));
const inputs = join(dir, "in.safetensors");
// as wide as the model's default `n`: predict binds free hyperparameters from input shapes, and a narrower
// input would bind a small `n` and make the model fit
writeSafetensors(
  inputs,
  new Map([["input.x", { dtype: "f32", shape: [1, 1_000_000], data: new Float32Array(1_000_000) }]]),
);

test("mdl predict on a 10^12-element parameter: MDL408 at its declaration, before anything is allocated; exit 2", () => {
  const r = mdl(
    "predict",
    `${SAMPLES}/error-limit-tensor/input.mdl`,
    "--inputs",
    inputs,
    "--out",
    join(dir, "out.safetensors"),
    "--backend",
    "cpu",
  );
  refused(r, 2, "MDL408", /error-limit-tensor\/input\.mdl:3:9: /);
});

test("the same with --max-tensor-elements raised: MDL409, the parameters cannot fit in memory, still before allocating", () => {
  const r = mdl(
    "predict",
    `${SAMPLES}/error-limit-tensor/input.mdl`,
    "--max-tensor-elements",
    "1000000000000",
    "--inputs",
    inputs,
    "--out",
    join(dir, "out.safetensors"),
    "--backend",
    "cpu",
  );
  refused(r, 2, "MDL409", /error-limit-tensor\/input\.mdl:3:9: /);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
