/**
 * Issue 12 points 2, 3, 6, 7 as a user runs them: `check --all-presets` with an inherited preset, `--replace`
 * of what a variant replaced, `diff` editing one side, and `predict` binding `frames` from a 4-frame input.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSafetensors, writeSafetensors } from "../../src/runtime/weights/safetensors.ts";
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";

const mdl = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/mdl.js", ...args], {
    encoding: "utf8",
    timeout: 180_000,
    env: { ...process.env, NODE_OPTIONS: "" },
  });
const dir = mkdtempSync(join(tmpdir(), "mdl-paths-"));
const MEANPOOL = "models/variants/clip-meanpool.mdl";

test("point 2: --all-presets checks the presets a model inherits", () => {
  // `tiny` is declared by Base only; M's extra layer needs a width divisible by 3, which tiny's 4 is not
  writeFileSync(
    join(dir, "base.mdl"),
    `import { Linear } from "std"
model Base(width: int = 6) {
  preset "tiny" { width = 4 }
  fc = Linear(width, width)
  forward(x: [B, width]) -> [B, width] { return fc(x) }
}\n`,
  );
  writeFileSync(
    join(dir, "m.mdl"),
    `import { Linear } from "std"\nimport { Base } from "./base.mdl"\nmodel M extends Base { extra = Linear(width, width / 3) }\n`,
  );
  // two configurations (the default and tiny), of which tiny fails: before the fix, one and exit 0
  const all = mdl("check", join(dir, "m.mdl"), "--all-presets");
  assert.is(all.status, 1, all.stdout + all.stderr);
  assert.match(all.stdout, "1 error (2 configurations)");
  assert.match(all.stderr, "m.mdl:3:46: error MDL");
});

test("point 3: summary of a variant with --replace of the member it replaced", () => {
  const r = mdl("summary", MEANPOOL, "--preset", "tiny", "--replace", "mit=MeanPool(frames, embed)");
  assert.is(r.status, 0, r.stderr);
  assert.not.match(r.stderr, "did you mean");
  assert.match(r.stdout, /mit\s.*MeanPool/);
});

test("point 6: diff applies --b-replace to B only, plain --replace to both", () => {
  const one = mdl(
    "diff",
    "models/xclip.mdl",
    "models/xclip.mdl",
    "--preset",
    "tiny",
    "--b-replace",
    "mit=MeanPool(frames, embed)",
  );
  assert.is(one.status, 1, one.stderr);
  assert.match(one.stdout, "~ mit: MIT -> MeanPool  [replaced MIT -> MeanPool]");
  const both = mdl(
    "diff",
    "models/xclip.mdl",
    "models/xclip.mdl",
    "--preset",
    "tiny",
    "--replace",
    "mit=MeanPool(frames, embed)",
  );
  assert.is(both.status, 0, both.stdout + both.stderr);
});

test("point 7: predict takes a 4-frame video without --set and binds frames = 4; --set frames=8 is located", () => {
  const video = new Float32Array(2 * 4 * 3 * 32 * 32).map((_, i) => Math.sin(i));
  const text = new BigInt64Array(3 * 16).map((_, i) => BigInt(i % 7));
  const inputs = new Map<string, HostTensor>([
    ["input.video", { dtype: "f32", shape: [2, 4, 3, 32, 32], data: video }],
    ["input.text", { dtype: "i64", shape: [3, 16], data: text }],
  ]);
  writeSafetensors(join(dir, "in.safetensors"), inputs);
  const out = join(dir, "out.safetensors");
  const r = mdl(
    "predict",
    MEANPOOL,
    "--preset",
    "tiny",
    "--inputs",
    join(dir, "in.safetensors"),
    "--out",
    out,
    "--runtime",
    "tfjs",
  );
  assert.is(r.status, 0, r.stderr);
  const logits = readSafetensors(out).tensors.get("out.logits")!;
  assert.equal(logits.shape, [2, 3]);
  assert.ok([...(logits.data as Float32Array)].every(Number.isFinite));
  const given = mdl(
    "predict",
    MEANPOOL,
    "--preset",
    "tiny",
    "--set",
    "frames=8",
    "--inputs",
    join(dir, "in.safetensors"),
    "--out",
    out,
    "--runtime",
    "tfjs",
  );
  assert.is(given.status, 2);
  const at =
    readFileSync("models/xclip.mdl", "utf8")
      .split("\n")
      .findIndex((l) => l.includes("forward(video: f32[B, frames")) + 1;
  assert.match(
    given.stderr,
    `models/xclip.mdl:${at}:25: error MDL314: \`frames\` is 8 (--set), but \`input.video\` with shape [2, 4, 3, 32, 32] implies frames = 4`,
  );
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
